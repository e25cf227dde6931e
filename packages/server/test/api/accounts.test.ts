import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

const MEMBERS = "/api/v1/collections/members/records";
const PASSWORD = "a long enough password";

describeEachDialect("accounts (auth collections)", (t) => {
	const signUp = (email: string, extra: Record<string, unknown> = {}) =>
		t().request("POST", MEMBERS, {
			body: {
				email,
				password: PASSWORD,
				passwordConfirm: PASSWORD,
				name: email.split("@")[0],
				...extra,
			},
		});
	const login = (identity: string, password = PASSWORD) =>
		t().request("POST", "/api/v1/collections/members/auth/password", {
			body: { identity, password },
		});

	beforeAll(async () => {
		const res = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "members",
				type: "auth",
				fields: [{ name: "name", type: "text", max: 50 }],
				rules: {
					list: "id = @request.auth.id",
					view: "id = @request.auth.id",
					create: "",
					update: "id = @request.auth.id",
					delete: null,
				},
			},
		});
		expect(res.status, res.text).toBe(201);
		expect(res.body.type).toBe("auth");
	});

	it("signs up without ever returning the password or its hash", async () => {
		const res = await signUp("Ann@Example.com");
		expect(res.status, res.text).toBe(201);
		expect(res.body).toMatchObject({
			email: "ann@example.com",
			verified: false,
			name: "Ann",
		});
		for (const secret of [
			"password",
			"passwordConfirm",
			"password_hash",
			"passwordHash",
			"token_key",
			"tokenKey",
		]) {
			expect(res.body).not.toHaveProperty(secret);
		}
		const row = await t()
			.app.db.kysely.selectFrom("members")
			.select(["password_hash", "token_key"])
			.where("id", "=", res.body.id)
			.executeTakeFirstOrThrow();
		expect(String(row.password_hash)).toMatch(
			/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
		);
	});

	it("refuses bad sign-ups with field errors", async () => {
		const cases: [Record<string, unknown>, number, string, string][] = [
			[
				{
					email: "bob@example.com",
					password: PASSWORD,
					passwordConfirm: "other",
				},
				422,
				"passwordConfirm",
				"MISMATCH",
			],
			[
				{
					email: "bob@example.com",
					password: "short",
					passwordConfirm: "short",
				},
				422,
				"password",
				"TOO_SHORT",
			],
			[
				{
					email: "bob@example.com",
					password: "Password123",
					passwordConfirm: "Password123",
				},
				422,
				"password",
				"TOO_COMMON",
			],
			[
				{
					email: "bob.builder@example.com",
					password: "Bob.Builder",
					passwordConfirm: "Bob.Builder",
				},
				422,
				"password",
				"CONTAINS_EMAIL",
			],
			[
				{
					email: "bob@example.com",
					password: "x".repeat(257),
					passwordConfirm: "x".repeat(257),
				},
				422,
				"password",
				"TOO_LONG",
			],
			[
				{
					email: "not-an-email",
					password: PASSWORD,
					passwordConfirm: PASSWORD,
				},
				422,
				"email",
				"INVALID_FORMAT",
			],
			[
				{ password: PASSWORD, passwordConfirm: PASSWORD },
				422,
				"email",
				"VALUE_REQUIRED",
			],
			[
				{ email: "bob@example.com", passwordConfirm: PASSWORD },
				422,
				"password",
				"VALUE_REQUIRED",
			],
			[
				{
					email: "bob@example.com",
					password: PASSWORD,
					passwordConfirm: PASSWORD,
					verified: true,
				},
				400,
				"verified",
				"READ_ONLY_FIELD",
			],
			[
				{
					email: "ANN@example.com",
					password: PASSWORD,
					passwordConfirm: PASSWORD,
				},
				409,
				"email",
				"VALUE_NOT_UNIQUE",
			],
		];
		for (const [body, status, field, code] of cases) {
			const res = await t().request("POST", MEMBERS, { body });
			expect(res.status, JSON.stringify(body)).toBe(status);
			expect(res.body.errors?.[field]?.code, JSON.stringify(body)).toBe(code);
		}
	});

	it("signs in and answers wrong password and unknown email alike", async () => {
		const res = await login("ANN@example.com");
		expect(res.status, res.text).toBe(200);
		expect(res.body).toMatchObject({
			expiresIn: 900,
			record: { email: "ann@example.com", name: "Ann" },
		});
		expect(typeof res.body.refreshToken).toBe("string");
		const wrong = await login("ann@example.com", "wrong password");
		const unknown = await login("nobody@example.com", "wrong password");
		expect(wrong.status).toBe(400);
		expect({ ...unknown.body, requestId: 0 }).toEqual({
			...wrong.body,
			requestId: 0,
		});
		const notAuth = await t().request(
			"POST",
			"/api/v1/collections/members/auth/password",
			{ body: { identity: "x", password: "y", extra: 1 } },
		);
		expect(notAuth.status).toBe(400);
	});

	it("applies owner rules with @request.auth.id: each user sees and changes only their own record", async () => {
		await signUp("cat@example.com");
		const ann = (await login("ann@example.com")).body;
		const cat = (await login("cat@example.com")).body;
		const list = await t().request("GET", MEMBERS, { token: ann.token });
		expect(list.body.items.map((r: { email: string }) => r.email)).toEqual([
			"ann@example.com",
		]);
		expect(list.body.totalItems).toBe(1);
		expect(
			(
				await t().request("GET", `${MEMBERS}/${cat.record.id}`, {
					token: ann.token,
				})
			).status,
		).toBe(404);
		expect(
			(
				await t().request("PATCH", `${MEMBERS}/${cat.record.id}`, {
					token: ann.token,
					body: { name: "x" },
				})
			).status,
		).toBe(404);
		const own = await t().request("PATCH", `${MEMBERS}/${ann.record.id}`, {
			token: ann.token,
			body: { name: "Annie" },
		});
		expect(own.status).toBe(200);
		expect(own.body.name).toBe("Annie");
		const guest = await t().request("GET", MEMBERS);
		expect(guest.body.items).toEqual([]);
	});

	it("keeps emails private and out of other users' filters", async () => {
		const ann = (await login("ann@example.com")).body;
		const all = await t().request("GET", `${MEMBERS}?sort=email`, {
			token: "superuser",
		});
		expect(all.body.items.map((r: { email: string }) => r.email)).toEqual([
			"ann@example.com",
			"cat@example.com",
		]);
		const probe = await t().request(
			"GET",
			`${MEMBERS}?filter=${encodeURIComponent('email = "cat@example.com"')}`,
			{ token: ann.token },
		);
		expect(probe.status).toBe(400);
		expect(
			(await t().request("GET", `${MEMBERS}?sort=email`, { token: ann.token }))
				.status,
		).toBe(400);
		// Open the list to everyone: other members' emails still stay hidden.
		await t().request("PATCH", "/api/v1/collections/members", {
			token: "superuser",
			body: { rules: { list: "", view: "" } },
		});
		const open = await t().request("GET", `${MEMBERS}?sort=name`, {
			token: ann.token,
		});
		const byName = Object.fromEntries(
			open.body.items.map((r: { name: string }) => [r.name, r]),
		);
		expect(byName.Annie.email).toBe("ann@example.com");
		expect(byName.cat).not.toHaveProperty("email");
		await t().request("PATCH", "/api/v1/collections/members", {
			token: "superuser",
			body: {
				rules: { list: "id = @request.auth.id", view: "id = @request.auth.id" },
			},
		});
	});

	it("rotates refresh tokens once each and revokes the family on reuse", async () => {
		const first = (await login("ann@example.com")).body;
		const rotated = await t().request("POST", "/api/v1/auth/refresh", {
			body: { refreshToken: first.refreshToken },
		});
		expect(rotated.status, rotated.text).toBe(200);
		expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
		expect(
			(await t().request("GET", MEMBERS, { token: rotated.body.token })).status,
		).toBe(200);
		const reused = await t().request("POST", "/api/v1/auth/refresh", {
			body: { refreshToken: first.refreshToken },
		});
		expect(reused.status).toBe(401);
		const afterReuse = await t().request("POST", "/api/v1/auth/refresh", {
			body: { refreshToken: rotated.body.refreshToken },
		});
		expect(afterReuse.status).toBe(401);
		// Tokens of one kind are refused as the other.
		expect(
			(
				await t().request("POST", "/api/v1/auth/refresh", {
					body: { refreshToken: first.token },
				})
			).status,
		).toBe(401);
		expect(
			(await t().request("GET", MEMBERS, { token: first.refreshToken })).status,
		).toBe(401);
	});

	it("lets exactly one of many concurrent refreshes of one token succeed", async () => {
		const { refreshToken } = (await login("ann@example.com")).body;
		const answers = await Promise.all(
			Array.from({ length: 100 }, () =>
				t().request("POST", "/api/v1/auth/refresh", { body: { refreshToken } }),
			),
		);
		expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
		expect(answers.filter((a) => a.status === 401)).toHaveLength(99);
	});

	it("logs out by revoking the refresh token's family", async () => {
		const session = (await login("ann@example.com")).body;
		expect(
			(
				await t().request("POST", "/api/v1/auth/logout", {
					body: { refreshToken: session.refreshToken },
				})
			).status,
		).toBe(204);
		expect(
			(
				await t().request("POST", "/api/v1/auth/refresh", {
					body: { refreshToken: session.refreshToken },
				})
			).status,
		).toBe(401);
	});

	it("changes a password only with the old one, ending every session", async () => {
		const session = (await login("cat@example.com")).body;
		const id = session.record.id;
		const NEW = "another long password";
		const without = await t().request("PATCH", `${MEMBERS}/${id}`, {
			token: session.token,
			body: { password: NEW, passwordConfirm: NEW },
		});
		expect(without.status).toBe(422);
		expect(without.body.errors.oldPassword.code).toBe("INVALID_PASSWORD");
		const changed = await t().request("PATCH", `${MEMBERS}/${id}`, {
			token: session.token,
			body: { password: NEW, passwordConfirm: NEW, oldPassword: PASSWORD },
		});
		expect(changed.status, changed.text).toBe(200);
		expect(
			(await t().request("GET", MEMBERS, { token: session.token })).status,
		).toBe(401);
		expect(
			(
				await t().request("POST", "/api/v1/auth/refresh", {
					body: { refreshToken: session.refreshToken },
				})
			).status,
		).toBe(401);
		expect((await login("cat@example.com")).status).toBe(400);
		expect((await login("cat@example.com", NEW)).status).toBe(200);
		const emailChange = await t().request("PATCH", `${MEMBERS}/${id}`, {
			token: (await login("cat@example.com", NEW)).body.token,
			body: { email: "new@example.com" },
		});
		expect(emailChange.status).toBe(400);
		expect(emailChange.body.errors.email.code).toBe("READ_ONLY_FIELD");
	});

	it("lets superusers set email and verified, and refuses turning auth into base", async () => {
		const cat = await t().request(
			"GET",
			`${MEMBERS}?filter=${encodeURIComponent('email = "cat@example.com"')}`,
			{ token: "superuser" },
		);
		const id = cat.body.items[0].id;
		const res = await t().request("PATCH", `${MEMBERS}/${id}`, {
			token: "superuser",
			body: { email: "Cat2@Example.com", verified: true },
		});
		expect(res.status, res.text).toBe(200);
		expect(res.body).toMatchObject({
			email: "cat2@example.com",
			verified: true,
		});
		const change = await t().request("PATCH", "/api/v1/collections/members", {
			token: "superuser",
			body: { type: "base" },
		});
		expect(change.status).toBe(422);
		const reserved = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "people",
				type: "auth",
				fields: [{ name: "password", type: "text" }],
			},
		});
		expect(reserved.status).toBe(422);
		expect(reserved.body.errors["fields.0.name"].code).toBe("RESERVED_NAME");
		const notAuth = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: { name: "plain" },
		});
		expect(notAuth.status).toBe(201);
		expect(
			(
				await t().request("POST", "/api/v1/collections/plain/auth/password", {
					body: { identity: "a", password: "b" },
				})
			).body.code,
		).toBe("NOT_AUTH_COLLECTION");
	});

	it("signs an account out everywhere with logout-all", async () => {
		await signUp("dot@example.com");
		const phone = (await login("dot@example.com")).body;
		const laptop = (await login("dot@example.com")).body;
		const guest = await t().request("POST", "/api/v1/auth/logout-all");
		expect(guest.status).toBe(401);
		const root = await t().request("POST", "/api/v1/auth/logout-all", {
			token: "superuser",
		});
		expect(root.status).toBe(401);
		const out = await t().request("POST", "/api/v1/auth/logout-all", {
			token: phone.token,
		});
		expect(out.status).toBe(204);
		for (const session of [phone, laptop]) {
			const view = await t().request("GET", `${MEMBERS}/${session.record.id}`, {
				token: session.token,
			});
			expect(view.status).toBe(401);
			const refresh = await t().request("POST", "/api/v1/auth/refresh", {
				body: { refreshToken: session.refreshToken },
			});
			expect(refresh.status).toBe(401);
		}
		expect((await login("dot@example.com")).status).toBe(200);
	});
});
