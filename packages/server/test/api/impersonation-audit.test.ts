import { decodeJwt } from "jose";
import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { SUPERUSER } from "../helpers/test-app.js";

const PASSWORD = "quiet lantern morning";
const USERS = "/api/v1/collections/users";

describeEachDialect("impersonation and the audit trail", (t) => {
	let ann: { id: string; token: string; refreshToken: string };
	let bobId: string;

	const auditRows = async (action: string) =>
		t()
			.app.db.kysely.selectFrom("_audit_log")
			.selectAll()
			.where("action", "=", action)
			.orderBy("created")
			.execute();

	beforeAll(async () => {
		for (const email of ["ann@example.com", "bob@example.com"]) {
			const res = await t().request("POST", `${USERS}/records`, {
				body: { email, password: PASSWORD, passwordConfirm: PASSWORD },
			});
			expect(res.status).toBe(201);
			if (email.startsWith("bob")) bobId = res.body.id;
		}
		const login = await t().request("POST", `${USERS}/auth/password`, {
			body: { identity: "ann@example.com", password: PASSWORD },
		});
		ann = { ...login.body, id: login.body.record.id };
	});

	it("gives a superuser a short-lived token that acts as the account, and audits it", async () => {
		const res = await t().request("POST", `${USERS}/impersonate/${bobId}`, {
			token: "superuser",
			body: { duration: 60 },
		});
		expect(res.status, res.text).toBe(200);
		expect(res.body.expiresIn).toBe(60);
		expect(res.body).not.toHaveProperty("refreshToken");
		expect(res.body.record.id).toBe(bobId);
		const claims = decodeJwt(res.body.token);
		expect(claims.sub).toBe(bobId);
		expect(typeof claims.imp).toBe("string");
		expect((claims.exp as number) - (claims.iat as number)).toBe(60);
		// The token sees what bob sees: his own record, and not ann's.
		const list = await t().request("GET", `${USERS}/records`, {
			token: res.body.token,
		});
		expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([bobId]);
		const rows = await auditRows("auth.impersonate");
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			actor_kind: "superuser",
			actor_id: claims.imp,
			collection: "users",
			record_id: bobId,
			ip: "127.0.0.1",
		});
		expect(JSON.parse(rows[0]?.details as string)).toEqual({ seconds: 60 });

		const plain = await t().request("POST", `${USERS}/impersonate/${bobId}`, {
			token: "superuser",
		});
		expect(plain.status, plain.text).toBe(200);
		expect(plain.body.expiresIn).toBe(900);
	});

	it("refuses everyone else and bad input", async () => {
		const cases: [string, string | undefined, unknown, number, string][] = [
			[`${USERS}/impersonate/${bobId}`, undefined, {}, 401, "AUTH_REQUIRED"],
			[`${USERS}/impersonate/${bobId}`, "ann", {}, 403, "SUPERUSER_REQUIRED"],
			[
				`${USERS}/impersonate/0190f00d-0000-7000-8000-000000000009`,
				"superuser",
				{},
				404,
				"RECORD_NOT_FOUND",
			],
			[
				`${USERS}/impersonate/${bobId}`,
				"superuser",
				{ duration: 99_999 },
				400,
				"INVALID_BODY",
			],
			[
				`${USERS}/impersonate/${bobId}`,
				"superuser",
				{ duration: 60, as: "admin" },
				400,
				"UNKNOWN_FIELD",
			],
			[
				`/api/v1/collections/nowhere/impersonate/${bobId}`,
				"superuser",
				{},
				404,
				"COLLECTION_NOT_FOUND",
			],
		];
		for (const [url, who, body, status, code] of cases) {
			const token = who === "ann" ? ann.token : who;
			const res = await t().request("POST", url, {
				body,
				...(token ? { token } : {}),
			});
			expect(res.status, `${who} ${JSON.stringify(body)}`).toBe(status);
			expect(res.body.code).toBe(code);
		}
	});

	it("records sign-ins, failures and refresh-token reuse, never a password", async () => {
		const wrong = await t().request("POST", `${USERS}/auth/password`, {
			body: { identity: "ann@example.com", password: "not her password" },
		});
		expect(wrong.status).toBe(400);
		const rootWrong = await t().request(
			"POST",
			"/api/v1/superusers/auth/password",
			{ body: { identity: SUPERUSER.email, password: "guess" } },
		);
		expect(rootWrong.status).toBe(400);
		const refreshed = await t().request("POST", "/api/v1/auth/refresh", {
			body: { refreshToken: ann.refreshToken },
		});
		expect(refreshed.status).toBe(200);
		const reused = await t().request("POST", "/api/v1/auth/refresh", {
			body: { refreshToken: ann.refreshToken },
		});
		expect(reused.status).toBe(401);

		const logins = await auditRows("auth.login");
		expect(logins.at(-1)).toMatchObject({
			actor_kind: "record",
			actor_id: ann.id,
			collection: "users",
		});
		const failed = await auditRows("auth.login_failed");
		expect(failed).toHaveLength(1);
		expect(failed[0]).toMatchObject({ actor_kind: "guest", actor_id: null });
		expect(JSON.parse(failed[0]?.details as string)).toEqual({
			identity: "ann@example.com",
		});
		expect(await auditRows("superuser.login_failed")).toHaveLength(1);
		expect((await auditRows("superuser.login")).length).toBeGreaterThan(0);
		const reuse = await auditRows("auth.refresh_reused");
		expect(reuse).toHaveLength(1);
		expect(reuse[0]?.actor_kind).toBe("system");

		const everything = JSON.stringify(
			await t().app.db.kysely.selectFrom("_audit_log").selectAll().execute(),
		);
		for (const secret of [
			PASSWORD,
			"not her password",
			"guess",
			ann.refreshToken,
		])
			expect(everything).not.toContain(secret);
	});
});
