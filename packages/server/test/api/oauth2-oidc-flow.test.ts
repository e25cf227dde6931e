import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	authorizeAtProvider,
	backUrl,
	deliverCallback,
	exchangeCode,
	signIn,
	signInForSession,
	startUrl,
} from "../helpers/oauth2-sign-in.js";
import {
	type OidcProvider,
	startOidcProvider,
} from "../helpers/oidc-provider.js";
import { expectProblem } from "../helpers/records-api.js";

const APP = "http://app.test/auth/done";
// Letters only: the mock reads HTTP Basic credentials without undoing their
// form-encoding (RFC 6749 section 2.3.1), which would turn "-" into "%2D".
const CLIENT_ID = "basaltTestClient";
const PASSWORD = "a long enough password";

let idp: OidcProvider;
beforeAll(async () => {
	idp = await startOidcProvider();
});
afterAll(async () => {
	await idp.stop();
});
afterEach(() => {
	idp.tamper(undefined);
	idp.userinfo(undefined);
});

describeEachDialect(
	"OAuth2 sign-in with an OpenID Connect provider",
	(t) => {
		const su = { token: "superuser" } as const;
		const members = { collection: "members", provider: "idp", redirect: APP };
		let serial = 0;
		/** A fresh identity per test, so tests do not see each other's accounts. */
		const newUser = (verified = true) => {
			serial += 1;
			const email = `user${serial}-${t().dialect}@example.com`;
			const claims = { sub: `sub-${serial}`, email, email_verified: verified };
			idp.signInAs(claims);
			return claims;
		};
		const accountRow = (email: string) =>
			t()
				.app.db.kysely.selectFrom("members")
				.selectAll()
				.where("email", "=", email)
				.executeTakeFirst();
		const links = (recordId: string) =>
			t()
				.app.db.kysely.selectFrom("_external_auths")
				.selectAll()
				.where("record_id", "=", recordId)
				.execute();

		beforeAll(async () => {
			const collection = await t().request("POST", "/api/v1/collections", {
				...su,
				body: {
					name: "members",
					type: "auth",
					fields: [{ name: "nickname", type: "text", max: 40 }],
					rules: {
						list: "id = @request.auth.id",
						view: "id = @request.auth.id",
						create: "",
						update: "id = @request.auth.id",
						delete: "id = @request.auth.id",
					},
				},
			});
			expect(collection.status, collection.text).toBe(201);
			const provider = await t().request("POST", "/api/v1/oauth2/providers", {
				...su,
				body: {
					name: "idp",
					issuer: idp.issuer,
					clientId: CLIENT_ID,
					clientSecret: "client-secret-of-the-test",
					redirectUrls: [APP, "http://app.test/other"],
				},
			});
			expect(provider.status, provider.text).toBe(201);
		});

		it("sends the browser to the provider with PKCE S256, state, nonce and the default scopes", async () => {
			const start = await t().request("GET", startUrl(members));
			expect(start.status, start.text).toBe(302);
			expect(start.headers["cache-control"]).toBe("no-store");
			const location = new URL(start.headers.location as string);
			expect(`${location.origin}${location.pathname}`).toBe(
				`${idp.issuer}/authorize`,
			);
			const q = location.searchParams;
			expect(q.get("client_id")).toBe(CLIENT_ID);
			expect(q.get("response_type")).toBe("code");
			expect(q.get("scope")).toBe("openid email profile");
			expect(q.get("code_challenge_method")).toBe("S256");
			expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
			expect(q.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
			expect(q.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
			expect(q.get("redirect_uri")).toBe(
				"http://127.0.0.1:8090/api/v1/collections/members/auth/oauth2/idp/callback",
			);
			// Only a hash of the state is stored.
			const rows = await t()
				.app.db.kysely.selectFrom("_oauth2_states")
				.selectAll()
				.execute();
			const text = JSON.stringify(rows);
			expect(text).not.toContain(q.get("state"));
			expect(text).toContain(
				(await import("node:crypto"))
					.createHash("sha256")
					.update(q.get("state") as string)
					.digest("hex"),
			);
		});

		it("creates a verified account on a first sign-in and signs it in", async () => {
			const who = newUser();
			const session = await signInForSession(t(), members);
			expect(session.meta).toEqual({ provider: "idp", isNew: true });
			expect(session.record).toMatchObject({
				email: who.email,
				verified: true,
			});
			expect(session.record).not.toHaveProperty("password_hash");
			expect(session.expiresIn).toBeGreaterThan(0);
			// The access token works on the API, and the refresh token rotates.
			const me = await t().request(
				"GET",
				`/api/v1/collections/members/records/${session.record.id}`,
				{ token: session.token },
			);
			expect(me.status, me.text).toBe(200);
			expect(me.body.email).toBe(who.email);
			const refreshed = await t().request("POST", "/api/v1/auth/refresh", {
				body: { refreshToken: session.refreshToken },
			});
			expect(refreshed.status, refreshed.text).toBe(200);
			const linked = await links(session.record.id);
			expect(linked).toHaveLength(1);
			expect(linked[0]).toMatchObject({
				provider: "idp",
				provider_subject: who.sub,
			});
			// The account's password is random and unknown: it cannot sign in.
			const login = await t().request(
				"POST",
				"/api/v1/collections/members/auth/password",
				{ body: { identity: who.email, password: "" } },
			);
			expect(login.status).toBe(400);
		});

		it("signs the same identity in to the same account next time, even with a new email", async () => {
			const who = newUser();
			const first = await signInForSession(t(), members);
			idp.signInAs({ ...who, email: `changed-${who.email}` });
			const second = await signInForSession(t(), members);
			expect(second.meta).toEqual({ provider: "idp", isNew: false });
			expect(second.record.id).toBe(first.record.id);
			expect(second.record.email).toBe(who.email);
			expect(await links(first.record.id)).toHaveLength(1);
		});

		it("creates an unverified account when the provider does not vouch for the email", async () => {
			const who = newUser(false);
			const session = await signInForSession(t(), members);
			expect(session.record).toMatchObject({
				email: who.email,
				verified: false,
			});
		});

		it("reads the email from the user info endpoint when the ID token has none", async () => {
			serial += 1;
			const email = `info${serial}-${t().dialect}@example.com`;
			idp.signInAs({ sub: `info-${serial}` });
			idp.userinfo({
				sub: `info-${serial}`,
				email,
				email_verified: true,
			});
			const session = await signInForSession(t(), members);
			expect(session.record).toMatchObject({ email, verified: true });
		});

		it("links an existing password account when the provider verified the email", async () => {
			const who = newUser();
			const signUp = await t().request(
				"POST",
				"/api/v1/collections/members/records",
				{
					body: {
						email: who.email,
						password: PASSWORD,
						passwordConfirm: PASSWORD,
					},
				},
			);
			expect(signUp.status, signUp.text).toBe(201);
			const hijacker = await t().request(
				"POST",
				"/api/v1/collections/members/auth/password",
				{ body: { identity: who.email, password: PASSWORD } },
			);
			const viewAsHijacker = () =>
				t().request(
					"GET",
					`/api/v1/collections/members/records/${signUp.body.id}`,
					{ token: hijacker.body.token },
				);
			// In use, so the server has the account cached when it is secured.
			expect((await viewAsHijacker()).status).toBe(200);
			const before = await accountRow(who.email);
			const session = await signInForSession(t(), members);
			expect(session.meta.isNew).toBe(false);
			expect(session.record.id).toBe(signUp.body.id);
			expect(await links(signUp.body.id)).toHaveLength(1);
			// The account had never been verified: whoever registered the address
			// before its owner loses it (password replaced, sessions ended).
			const after = await accountRow(who.email);
			expect(after?.password_hash).not.toBe(before?.password_hash);
			expect(after?.token_key).not.toBe(before?.token_key);
			const login = await t().request(
				"POST",
				"/api/v1/collections/members/auth/password",
				{ body: { identity: who.email, password: PASSWORD } },
			);
			expect(login.status).toBe(400);
			expect((await viewAsHijacker()).status).toBe(401);
			const verified = await t().request(
				"GET",
				`/api/v1/collections/members/records/${signUp.body.id}`,
				{ token: session.token },
			);
			expect(verified.body.verified).toBe(true);
		});

		it("keeps a verified password account's password when linking it", async () => {
			const who = newUser();
			const signUp = await t().request(
				"POST",
				"/api/v1/collections/members/records",
				{
					...su,
					body: {
						email: who.email,
						password: PASSWORD,
						passwordConfirm: PASSWORD,
						verified: true,
					},
				},
			);
			expect(signUp.status, signUp.text).toBe(201);
			const session = await signInForSession(t(), members);
			expect(session.record.id).toBe(signUp.body.id);
			const login = await t().request(
				"POST",
				"/api/v1/collections/members/auth/password",
				{ body: { identity: who.email, password: PASSWORD } },
			);
			expect(login.status, login.text).toBe(200);
		});

		it("refuses to link an existing account when the provider does not vouch for the email", async () => {
			const who = newUser(false);
			const signUp = await t().request(
				"POST",
				"/api/v1/collections/members/records",
				{
					body: {
						email: who.email,
						password: PASSWORD,
						passwordConfirm: PASSWORD,
					},
				},
			);
			expect(signUp.status).toBe(201);
			const before = await accountRow(who.email);
			const { back } = await signIn(t(), members);
			expect(`${back?.origin}${back?.pathname}`).toBe(APP);
			expect(back?.searchParams.get("error")).toBe("OAUTH2_EMAIL_NOT_VERIFIED");
			expect(back?.searchParams.get("code")).toBeNull();
			// No personal data in the URL.
			expect(back?.href).not.toContain("example.com");
			expect(await links(signUp.body.id)).toHaveLength(0);
			expect(await accountRow(who.email)).toEqual(before);
		});

		it("hands the app's state back, with the code and with errors", async () => {
			newUser();
			const ok = await signIn(t(), { ...members, appState: "csrf-123" });
			expect(ok.back?.searchParams.get("state")).toBe("csrf-123");
			expect(ok.back?.searchParams.get("code")).toBeTruthy();
			expect([...(ok.back?.searchParams.keys() ?? [])].sort()).toEqual([
				"code",
				"state",
			]);
			idp.tamper((token) => {
				token.payload.aud = "someone-else";
			});
			const failed = await signIn(t(), { ...members, appState: "csrf-456" });
			expect(failed.back?.searchParams.get("state")).toBe("csrf-456");
			expect(failed.back?.searchParams.get("error")).toBe(
				"OAUTH2_ID_TOKEN_INVALID",
			);
		});

		it("accepts the callback as a form post (response_mode=form_post)", async () => {
			const who = newUser();
			const { back } = await signIn(t(), members, "POST");
			const session = await exchangeCode(
				t(),
				back?.searchParams.get("code") ?? "",
			);
			expect(session.status, session.text).toBe(200);
			expect(session.body.record.email).toBe(who.email);
		});

		it("reads a posted callback only as a form, and no other route as a form", async () => {
			const callback = "/api/v1/collections/members/auth/oauth2/idp/callback";
			const json = { "content-type": "application/json" };
			// 415 whatever the body holds, before its members are looked at.
			for (const options of [
				{},
				{ body: JSON.stringify({ state: 1 }), headers: json },
				{ body: "", headers: json },
				{ body: "state=x", headers: { "content-type": "text/plain" } },
			])
				expectProblem(
					await t().request("POST", callback, options),
					415,
					"UNSUPPORTED_MEDIA_TYPE",
				);
			const form = { "content-type": "application/x-www-form-urlencoded" };
			expectProblem(
				await t().request("POST", callback, {
					body: "state=unknown",
					headers: form,
				}),
				400,
				"OAUTH2_STATE_INVALID",
			);
			expectProblem(
				await t().request("POST", "/api/v1/auth/oauth2/exchange", {
					body: "code=abc",
					headers: form,
				}),
				415,
				"UNSUPPORTED_MEDIA_TYPE",
			);
		});

		it("refuses a replayed state, and a state that was never issued or was altered", async () => {
			newUser();
			const { callback, back } = await signIn(t(), members);
			expect(back?.searchParams.get("code")).toBeTruthy();
			const tokensBefore = idp.tokenRequests();
			expectProblem(
				await deliverCallback(t(), callback),
				400,
				"OAUTH2_STATE_INVALID",
			);
			const altered = new URL(callback);
			const state = altered.searchParams.get("state") as string;
			altered.searchParams.set(
				"state",
				`${state.slice(0, -1)}${state.endsWith("A") ? "B" : "A"}`,
			);
			expectProblem(
				await deliverCallback(t(), altered),
				400,
				"OAUTH2_STATE_INVALID",
			);
			const missing = new URL(callback);
			missing.searchParams.delete("state");
			expectProblem(
				await deliverCallback(t(), missing),
				400,
				"OAUTH2_STATE_INVALID",
			);
			// None of them reached the provider's token endpoint.
			expect(idp.tokenRequests()).toBe(tokensBefore);
		});

		it("spends no state on a HEAD of the callback", async () => {
			const who = newUser();
			const start = await t().request("GET", startUrl(members));
			const callback = await authorizeAtProvider(
				start.headers.location as string,
			);
			const head = await t().request(
				"HEAD",
				`${callback.pathname}${callback.search}`,
			);
			expect(head.status).toBe(404);
			const answer = await deliverCallback(t(), callback);
			expect(backUrl(answer)?.searchParams.get("code")).toBeTruthy();
			expect(await accountRow(who.email)).toBeDefined();
		});

		it("refuses a state used on another collection's or provider's callback", async () => {
			newUser();
			const start = await t().request("GET", startUrl(members));
			const callback = await authorizeAtProvider(
				start.headers.location as string,
			);
			const elsewhere = new URL(callback);
			elsewhere.pathname = elsewhere.pathname.replace("/members/", "/users/");
			expectProblem(
				await deliverCallback(t(), elsewhere),
				400,
				"OAUTH2_STATE_INVALID",
			);
			// The state was spent by that attempt.
			expectProblem(
				await deliverCallback(t(), callback),
				400,
				"OAUTH2_STATE_INVALID",
			);
		});

		it("refuses an expired state", async () => {
			newUser();
			const start = await t().request("GET", startUrl(members));
			const callback = await authorizeAtProvider(
				start.headers.location as string,
			);
			await t()
				.app.db.kysely.updateTable("_oauth2_states")
				.set({ expires: new Date(Date.now() - 1000).toISOString() })
				.execute();
			expectProblem(
				await deliverCallback(t(), callback),
				400,
				"OAUTH2_STATE_INVALID",
			);
		});

		const refusedTokens: [
			string,
			(token: {
				header: Record<string, unknown>;
				payload: Record<string, unknown>;
			}) => void,
		][] = [
			[
				"a nonce that is not the one sent",
				(token) => {
					token.payload.nonce = "not-the-nonce";
				},
			],
			[
				"another audience",
				(token) => {
					token.payload.aud = "another-client";
				},
			],
			[
				"another issuer",
				(token) => {
					token.payload.iss = "http://evil.example";
				},
			],
			[
				"an expired ID token",
				(token) => {
					token.payload.exp = Math.floor(Date.now() / 1000) - 3600;
				},
			],
			[
				"a signature by a key the provider does not publish",
				(token) => {
					token.header.kid = "a-key-nobody-published";
				},
			],
			[
				"a signature that does not verify with the key it names",
				(token) => {
					// Signed with one published key, claiming to be the other.
					token.header.kid = idp.kids.find((kid) => kid !== token.header.kid);
				},
			],
		];
		for (const [name, change] of refusedTokens) {
			it(`refuses ${name} and creates no account`, async () => {
				const who = newUser();
				idp.tamper(change);
				const { back } = await signIn(t(), members);
				expect(back?.searchParams.get("error")).toBe("OAUTH2_ID_TOKEN_INVALID");
				expect(back?.searchParams.get("code")).toBeNull();
				expect(await accountRow(who.email)).toBeUndefined();
			});
		}

		it("passes the provider's refusal back to the app", async () => {
			newUser();
			const start = await t().request("GET", startUrl(members));
			const state = new URL(start.headers.location as string).searchParams.get(
				"state",
			);
			const callback = `/api/v1/collections/members/auth/oauth2/idp/callback?error=access_denied&error_description=The+user+said+no&state=${state}`;
			const answer = await t().request("GET", callback);
			const back = backUrl(answer);
			expect(answer.status).toBe(303);
			expect(back?.searchParams.get("error")).toBe(
				"OAUTH2_AUTHORIZATION_DENIED",
			);
			expect(back?.searchParams.get("providerError")).toBe("access_denied");
			expect(back?.href).not.toContain("said");
		});

		it("trades an exchange code once, and not after it expired", async () => {
			newUser();
			const first = await signIn(t(), members);
			const code = first.back?.searchParams.get("code") as string;
			expect((await exchangeCode(t(), code)).status).toBe(200);
			expectProblem(await exchangeCode(t(), code), 400, "OAUTH2_CODE_INVALID");
			expectProblem(
				await exchangeCode(t(), "made-up-code"),
				400,
				"OAUTH2_CODE_INVALID",
			);
			const second = await signIn(t(), members);
			await t()
				.app.db.kysely.updateTable("_oauth2_exchange_codes")
				.set({ expires: new Date(Date.now() - 1).toISOString() })
				.execute();
			expectProblem(
				await exchangeCode(
					t(),
					second.back?.searchParams.get("code") as string,
				),
				400,
				"OAUTH2_CODE_INVALID",
			);
			const row = await t()
				.app.db.kysely.selectFrom("_oauth2_exchange_codes")
				.selectAll()
				.executeTakeFirst();
			expect(JSON.stringify(row ?? {})).not.toContain(
				second.back?.searchParams.get("code"),
			);
		});

		it("refuses redirect URLs that are not on the provider's list", async () => {
			for (const redirect of [
				"http://evil.test/auth/done",
				"http://app.test/auth/done/more",
				"http://app.test/auth",
				"https://app.test/auth/done",
				"http://app.test:8080/auth/done",
				"http://app.test/auth/done#fragment",
				"not a url",
			]) {
				const res = await t().request(
					"GET",
					startUrl({ ...members, redirect }),
				);
				expectProblem(res, 400, "OAUTH2_REDIRECT_NOT_ALLOWED");
				expect(res.headers.location).toBeUndefined();
			}
			const withQuery = await t().request(
				"GET",
				startUrl({ ...members, redirect: `${APP}?tab=2` }),
			);
			expect(withQuery.status, withQuery.text).toBe(302);
			const missing = await t().request(
				"GET",
				"/api/v1/collections/members/auth/oauth2/idp",
			);
			expectProblem(missing, 400, "INVALID_QUERY");
		});

		it("keeps the app's query on the way back", async () => {
			newUser();
			const { back } = await signIn(t(), {
				...members,
				redirect: `${APP}?tab=2`,
			});
			expect(back?.searchParams.get("tab")).toBe("2");
			expect(back?.searchParams.get("code")).toBeTruthy();
		});

		it("answers 404 for providers that are unknown, inactive or not offered for the collection", async () => {
			expectProblem(
				await t().request("GET", startUrl({ ...members, provider: "nope" })),
				404,
				"OAUTH2_PROVIDER_NOT_FOUND",
			);
			const only = await t().request("POST", "/api/v1/oauth2/providers", {
				...su,
				body: {
					name: "users-only",
					issuer: idp.issuer,
					clientId: CLIENT_ID,
					clientSecret: "another-secret",
					redirectUrls: [APP],
					collections: ["users"],
				},
			});
			expect(only.status, only.text).toBe(201);
			expectProblem(
				await t().request(
					"GET",
					startUrl({ ...members, provider: "users-only" }),
				),
				404,
				"OAUTH2_PROVIDER_NOT_FOUND",
			);
			expect(
				(
					await t().request(
						"GET",
						startUrl({
							...members,
							collection: "users",
							provider: "users-only",
						}),
					)
				).status,
			).toBe(302);
			const off = await t().request(
				"PATCH",
				"/api/v1/oauth2/providers/users-only",
				{ ...su, body: { active: false } },
			);
			expect(off.status, off.text).toBe(200);
			expectProblem(
				await t().request(
					"GET",
					startUrl({ ...members, collection: "users", provider: "users-only" }),
				),
				404,
				"OAUTH2_PROVIDER_NOT_FOUND",
			);
			expectProblem(
				await t().request("GET", startUrl({ ...members, collection: "nope" })),
				404,
				"COLLECTION_NOT_FOUND",
			);
		});

		it("refuses sign-ins to a collection that is not an auth collection", async () => {
			const base = await t().request("POST", "/api/v1/collections", {
				...su,
				body: { name: "notes", type: "base", fields: [] },
			});
			expect(base.status, base.text).toBe(201);
			expectProblem(
				await t().request("GET", startUrl({ ...members, collection: "notes" })),
				400,
				"NOT_AUTH_COLLECTION",
			);
		});

		it("creates no account when the collection's create rule is locked", async () => {
			const locked = await t().request("POST", "/api/v1/collections", {
				...su,
				body: {
					name: "staff",
					type: "auth",
					fields: [],
					rules: { create: null },
				},
			});
			expect(locked.status, locked.text).toBe(201);
			const who = newUser();
			const { back } = await signIn(t(), { ...members, collection: "staff" });
			expect(back?.searchParams.get("error")).toBe("OAUTH2_SIGNUP_CLOSED");
			const rows = await t()
				.app.db.kysely.selectFrom("staff")
				.selectAll()
				.where("email", "=", who.email)
				.execute();
			expect(rows).toHaveLength(0);
			// An account a superuser made is linked and signed in all the same.
			const made = await t().request(
				"POST",
				"/api/v1/collections/staff/records",
				{
					...su,
					body: {
						email: who.email,
						password: PASSWORD,
						passwordConfirm: PASSWORD,
						verified: true,
					},
				},
			);
			expect(made.status, made.text).toBe(201);
			const session = await signInForSession(t(), {
				...members,
				collection: "staff",
			});
			expect(session.record.id).toBe(made.body.id);
		});

		it("applies the create rule's expression to OAuth2 sign-ups", async () => {
			const club = await t().request("POST", "/api/v1/collections", {
				...su,
				body: {
					name: "club",
					type: "auth",
					fields: [],
					rules: { create: '@request.body.email ~ "@club.example"' },
				},
			});
			expect(club.status, club.text).toBe(201);
			newUser();
			const refused = await signIn(t(), { ...members, collection: "club" });
			expect(refused.back?.searchParams.get("error")).toBe("RULE_DENIED");
			serial += 1;
			idp.signInAs({
				sub: `club-${serial}`,
				email: `m${serial}@club.example`,
				email_verified: true,
			});
			const session = await signInForSession(t(), {
				...members,
				collection: "club",
			});
			expect(session.meta.isNew).toBe(true);
		});

		it("refuses an identity without an email when it is not linked yet", async () => {
			serial += 1;
			idp.signInAs({ sub: `no-email-${serial}` });
			const { back } = await signIn(t(), members);
			expect(back?.searchParams.get("error")).toBe("OAUTH2_EMAIL_MISSING");
		});

		it("deletes an account's links with the account", async () => {
			const who = newUser();
			const session = await signInForSession(t(), members);
			expect(await links(session.record.id)).toHaveLength(1);
			const removed = await t().request(
				"DELETE",
				`/api/v1/collections/members/records/${session.record.id}`,
				{ token: session.token },
			);
			expect(removed.status, removed.text).toBe(204);
			expect(await links(session.record.id)).toHaveLength(0);
			// The identity signs up afresh, as a new account.
			const again = await signInForSession(t(), members);
			expect(again.meta.isNew).toBe(true);
			expect(again.record.id).not.toBe(session.record.id);
			expect(again.record.email).toBe(who.email);
		});

		it("lists the sign-in methods a collection offers, to anyone", async () => {
			const methods = await t().request(
				"GET",
				"/api/v1/collections/members/auth/methods",
			);
			expect(methods.status, methods.text).toBe(200);
			expect(methods.body).toEqual({
				password: { enabled: true },
				oauth2: {
					providers: [
						{
							name: "idp",
							preset: null,
							startUrl: "/api/v1/collections/members/auth/oauth2/idp",
						},
					],
				},
			});
			// An inactive provider is not offered.
			const off = await t().request("PATCH", "/api/v1/oauth2/providers/idp", {
				...su,
				body: { active: false },
			});
			expect(off.status, off.text).toBe(200);
			try {
				const none = await t().request(
					"GET",
					"/api/v1/collections/members/auth/methods",
				);
				expect(none.body.oauth2.providers).toEqual([]);
			} finally {
				await t().request("PATCH", "/api/v1/oauth2/providers/idp", {
					...su,
					body: { active: true },
				});
			}
			expectProblem(
				await t().request("GET", "/api/v1/collections/nope/auth/methods"),
				404,
				"COLLECTION_NOT_FOUND",
			);
		});

		it("lets an account, and only it or a superuser, list and unlink its identities", async () => {
			const who = newUser();
			const session = await signInForSession(t(), members);
			const linksUrl = `/api/v1/collections/members/records/${session.record.id}/external-auths`;
			const own = await t().request("GET", linksUrl, { token: session.token });
			expect(own.status, own.text).toBe(200);
			expect(own.body.items).toEqual([
				{ provider: "idp", subject: who.sub, created: expect.any(String) },
			]);
			expect((await t().request("GET", linksUrl, su)).body.items).toHaveLength(
				1,
			);
			// Someone else, signed in or not, learns nothing.
			newUser();
			const other = await signInForSession(t(), members);
			expectProblem(
				await t().request("GET", linksUrl, { token: other.token }),
				404,
				"RECORD_NOT_FOUND",
			);
			expectProblem(
				await t().request("GET", linksUrl),
				404,
				"RECORD_NOT_FOUND",
			);
			expectProblem(
				await t().request("DELETE", `${linksUrl}/idp`, { token: other.token }),
				404,
				"RECORD_NOT_FOUND",
			);
			const gone = await t().request("DELETE", `${linksUrl}/idp`, {
				token: session.token,
			});
			expect(gone.status, gone.text).toBe(204);
			expect(await links(session.record.id)).toHaveLength(0);
			expectProblem(
				await t().request("DELETE", `${linksUrl}/idp`, {
					token: session.token,
				}),
				404,
				"OAUTH2_LINK_NOT_FOUND",
			);
			const audit = await t()
				.app.db.kysely.selectFrom("_audit_log")
				.selectAll()
				.where("action", "=", "auth.oauth2_unlinked")
				.where("record_id", "=", session.record.id)
				.execute();
			expect(audit).toHaveLength(1);
			expect(JSON.parse(audit[0]?.details as string)).toEqual({
				provider: "idp",
			});
			// The identity no longer signs in to that account: with a verified email it
			// is linked again only through the email, as at first.
			idp.signInAs({ ...who, email_verified: false });
			const { back } = await signIn(t(), members);
			expect(back?.searchParams.get("error")).toBe("OAUTH2_EMAIL_NOT_VERIFIED");
		});

		it("purges expired pending sign-ins and exchange codes, and only those", async () => {
			newUser();
			await signIn(t(), members);
			await t().request("GET", startUrl(members));
			const count = async (table: string) =>
				(await t().app.db.kysely.selectFrom(table).selectAll().execute())
					.length;
			for (const table of ["_oauth2_states", "_oauth2_exchange_codes"])
				await t()
					.app.db.kysely.updateTable(table)
					.set({ expires: new Date(Date.now() - 1).toISOString() })
					.execute();
			const expired =
				(await count("_oauth2_states")) +
				(await count("_oauth2_exchange_codes"));
			expect(expired).toBeGreaterThanOrEqual(2);
			const fresh = await t().request("GET", startUrl(members));
			expect(fresh.status).toBe(302);
			expect(await t().app.signInProviders.purgeExpired()).toBe(expired);
			expect(await count("_oauth2_states")).toBe(1);
			expect(await count("_oauth2_exchange_codes")).toBe(0);
		});

		it("puts no token in any URL of the flow", async () => {
			newUser();
			const { start, callback, back } = await signIn(t(), members);
			const session = await exchangeCode(
				t(),
				back?.searchParams.get("code") ?? "",
			);
			for (const url of [
				start.headers.location as string,
				callback.href,
				back?.href,
			]) {
				expect(url).not.toContain(session.body.token);
				expect(url).not.toContain(session.body.refreshToken);
			}
		});
	},
	{ BASALT_SSRF_ALLOW: "127.0.0.1/32" },
);
