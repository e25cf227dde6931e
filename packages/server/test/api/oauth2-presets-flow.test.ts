import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	type FakeOAuth2Server,
	startFakeOAuth2Server,
} from "../helpers/fake-oauth2-server.js";
import {
	signIn,
	signInForSession,
	startUrl,
} from "../helpers/oauth2-sign-in.js";
import {
	type OidcProvider,
	startOidcProvider,
} from "../helpers/oidc-provider.js";

const APP = "http://app.test/done";
const CLIENT = { id: "presetclient", secret: "preset-client-secret" };
const PASSWORD = "a long enough password";
/** A Microsoft Entra tenant id. */
const TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
const OTHER_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

let github: FakeOAuth2Server;
let discord: FakeOAuth2Server;
let microsoft: FakeOAuth2Server;
let idp: OidcProvider;

beforeAll(async () => {
	github = await startFakeOAuth2Server(
		{
			authorize: "/login/oauth/authorize",
			token: "/login/oauth/access_token",
			user: "/user",
			emails: "/user/emails",
		},
		CLIENT,
	);
	discord = await startFakeOAuth2Server(
		{
			authorize: "/oauth2/authorize",
			token: "/api/oauth2/token",
			user: "/api/users/@me",
		},
		CLIENT,
	);
	idp = await startOidcProvider();
	// Plays login.microsoftonline.com/common: its discovery document names the
	// `{tenantid}` template as issuer; the endpoints are the OIDC mock's.
	microsoft = await startFakeOAuth2Server(
		{ authorize: "/-", token: "/-", user: "/-" },
		CLIENT,
	);
	const discovery = (await (
		await fetch(`${idp.issuer}/.well-known/openid-configuration`)
	).json()) as Record<string, unknown>;
	microsoft.serveJson("/common/v2.0/.well-known/openid-configuration", {
		...discovery,
		issuer: microsoft.url("/{tenantid}/v2.0"),
	});
});
afterAll(async () => {
	await Promise.all([github, discord, microsoft].map((s) => s.stop()));
	await idp.stop();
});
afterEach(() => {
	idp.tamper(undefined);
	github.fail("/user", undefined);
});

describeEachDialect(
	"OAuth2 sign-in with the presets",
	(t) => {
		const su = { token: "superuser" } as const;
		const via = (provider: string) => ({
			collection: "users",
			provider,
			redirect: APP,
		});
		const addProvider = async (body: Record<string, unknown>) => {
			const res = await t().request("POST", "/api/v1/oauth2/providers", {
				...su,
				body: {
					clientId: CLIENT.id,
					clientSecret: CLIENT.secret,
					redirectUrls: [APP],
					...body,
				},
			});
			expect(res.status, res.text).toBe(201);
		};
		const passwordAccount = async (email: string) => {
			const res = await t().request(
				"POST",
				"/api/v1/collections/users/records",
				{
					body: { email, password: PASSWORD, passwordConfirm: PASSWORD },
				},
			);
			expect(res.status, res.text).toBe(201);
			return res.body.id as string;
		};
		const subjectOf = async (provider: string, recordId: string) => {
			const row = await t()
				.app.db.kysely.selectFrom("_external_auths")
				.select("provider_subject")
				.where("provider", "=", provider)
				.where("record_id", "=", recordId)
				.executeTakeFirst();
			return row?.provider_subject;
		};
		const d = () => t().dialect;

		beforeAll(async () => {
			await addProvider({
				name: "github",
				preset: "github",
				authorizationUrl: github.url("/login/oauth/authorize"),
				tokenUrl: github.url("/login/oauth/access_token"),
				userinfoUrl: github.url("/user"),
			});
			await addProvider({
				name: "discord",
				preset: "discord",
				authorizationUrl: discord.url("/oauth2/authorize"),
				tokenUrl: discord.url("/api/oauth2/token"),
				userinfoUrl: discord.url("/api/users/@me"),
			});
			await addProvider({
				name: "entra",
				preset: "microsoft",
				issuer: microsoft.url("/common/v2.0"),
			});
			await addProvider({ name: "apple", preset: "apple", issuer: idp.issuer });
		});

		it("GitHub: signs in with the verified primary email of /user/emails", async () => {
			github.setUser({ id: 4242, login: "octo", email: null }, [
				{ email: `backup-${d()}@example.com`, primary: false, verified: true },
				{ email: `Octo-${d()}@Example.com`, primary: true, verified: true },
			]);
			const before = github.requests().length;
			const start = await t().request("GET", startUrl(via("github")));
			const authorize = new URL(start.headers.location as string);
			expect(authorize.searchParams.get("scope")).toBe("read:user user:email");
			expect(authorize.searchParams.get("nonce")).toBeNull();
			const session = await signInForSession(t(), via("github"));
			expect(session.meta).toEqual({ provider: "github", isNew: true });
			expect(session.record).toMatchObject({
				email: `octo-${d()}@example.com`,
				verified: true,
			});
			expect(await subjectOf("github", session.record.id)).toBe("4242");
			const calls = github.requests().slice(before);
			const tokenCall = calls.find(
				(r) => r.path === "/login/oauth/access_token",
			);
			expect(new URLSearchParams(tokenCall?.body).get("code_verifier")).toMatch(
				/^[A-Za-z0-9_-]{43}$/,
			);
			expect(calls.find((r) => r.path === "/user")?.headers["user-agent"]).toBe(
				"Basalt-OAuth2/1",
			);
			const again = await signInForSession(t(), via("github"));
			expect(again.record.id).toBe(session.record.id);
			expect(again.meta.isNew).toBe(false);
		});

		it("GitHub: an unverified primary email links no existing account and signs up unverified", async () => {
			const email = `gh-unverified-${d()}@example.com`;
			const existing = await passwordAccount(email);
			github.setUser({ id: 5151, login: "mallory" }, [
				{ email, primary: true, verified: false },
			]);
			const refused = await signIn(t(), via("github"));
			expect(refused.back?.searchParams.get("error")).toBe(
				"OAUTH2_EMAIL_NOT_VERIFIED",
			);
			expect(await subjectOf("github", existing)).toBeUndefined();
			github.setUser({ id: 5252, login: "newbie" }, [
				{ email: `gh-new-${d()}@example.com`, primary: true, verified: false },
			]);
			const session = await signInForSession(t(), via("github"));
			expect(session.record).toMatchObject({ verified: false });
		});

		it("GitHub: a failing user API goes back to the app as a provider error", async () => {
			github.setUser({ id: 6161 }, []);
			github.fail("/user", 500);
			const { back } = await signIn(t(), via("github"));
			expect(back?.searchParams.get("error")).toBe("OAUTH2_PROVIDER_ERROR");
		});

		it("GitHub: a token endpoint refusal goes back to the app as a provider error", async () => {
			const patched = await t().request(
				"PATCH",
				"/api/v1/oauth2/providers/github",
				{
					...su,
					body: { clientSecret: "not-the-right-secret" },
				},
			);
			expect(patched.status).toBe(200);
			try {
				const { back } = await signIn(t(), via("github"));
				expect(back?.searchParams.get("error")).toBe("OAUTH2_PROVIDER_ERROR");
			} finally {
				await t().request("PATCH", "/api/v1/oauth2/providers/github", {
					...su,
					body: { clientSecret: CLIENT.secret },
				});
			}
		});

		it("Discord: signs in with /users/@me and its verified flag", async () => {
			discord.setUser({
				id: "80351110224678912",
				username: "nelly",
				email: `nelly-${d()}@example.com`,
				verified: true,
			});
			const session = await signInForSession(t(), via("discord"));
			expect(session.record).toMatchObject({
				email: `nelly-${d()}@example.com`,
				verified: true,
			});
			expect(await subjectOf("discord", session.record.id)).toBe(
				"80351110224678912",
			);
			const email = `discord-existing-${d()}@example.com`;
			const existing = await passwordAccount(email);
			discord.setUser({ id: "1", email, verified: false });
			const refused = await signIn(t(), via("discord"));
			expect(refused.back?.searchParams.get("error")).toBe(
				"OAUTH2_EMAIL_NOT_VERIFIED",
			);
			expect(await subjectOf("discord", existing)).toBeUndefined();
		});

		it("Microsoft (common): accepts each tenant's own issuer and trusts the email only with xms_edov", async () => {
			idp.signInAs({
				sub: "entra-user-1",
				tid: TENANT,
				iss: microsoft.url(`/${TENANT}/v2.0`),
				email: `entra1-${d()}@example.com`,
				xms_edov: true,
			});
			const verified = await signInForSession(t(), via("entra"));
			expect(verified.record).toMatchObject({
				email: `entra1-${d()}@example.com`,
				verified: true,
			});
			idp.signInAs({
				sub: "entra-user-2",
				tid: TENANT,
				iss: microsoft.url(`/${TENANT}/v2.0`),
				email: `entra2-${d()}@example.com`,
				email_verified: false,
			});
			const unverified = await signInForSession(t(), via("entra"));
			expect(unverified.record.verified).toBe(false);
		});

		it("Microsoft (common): refuses a token whose issuer is not its tenant's", async () => {
			idp.signInAs({
				sub: "entra-user-3",
				tid: TENANT,
				iss: microsoft.url(`/${OTHER_TENANT}/v2.0`),
				email: `entra3-${d()}@example.com`,
				xms_edov: true,
			});
			const { back } = await signIn(t(), via("entra"));
			expect(back?.searchParams.get("error")).toBe("OAUTH2_ID_TOKEN_INVALID");
			idp.signInAs({
				sub: "entra-user-4",
				iss: microsoft.url("/{tenantid}/v2.0"),
				email: `entra4-${d()}@example.com`,
			});
			const templated = await signIn(t(), via("entra"));
			expect(templated.back?.searchParams.get("error")).toBe(
				"OAUTH2_ID_TOKEN_INVALID",
			);
		});

		it("answers 502 when discovery fails, and sends the browser nowhere", async () => {
			const cases: [string, unknown, RegExp][] = [
				[
					"/wrong-issuer",
					{
						issuer: "https://someone.else.example",
						authorization_endpoint: idp.issuer,
						token_endpoint: idp.issuer,
					},
					/does not match the expected value/,
				],
				[
					"/no-endpoints",
					{ issuer: microsoft.url("/no-endpoints") },
					/no valid authorization_endpoint/,
				],
				["/down", undefined, /unexpected HTTP status code/],
			];
			for (const [path, document, detail] of cases) {
				if (document)
					microsoft.serveJson(
						`${path}/.well-known/openid-configuration`,
						document,
					);
				else microsoft.fail(`${path}/.well-known/openid-configuration`, 503);
				const name = `broken${path.replaceAll("/", "-")}`;
				await addProvider({ name, issuer: microsoft.url(path) });
				const res = await t().request("GET", startUrl(via(name)));
				expect(res.status, res.text).toBe(502);
				expect(res.body.code).toBe("OAUTH2_PROVIDER_ERROR");
				expect(res.body.detail).toMatch(detail);
				expect(res.headers.location).toBeUndefined();
			}
		});

		it("Apple: asks for a form post and reads email_verified sent as a string", async () => {
			const start = await t().request("GET", startUrl(via("apple")));
			const authorize = new URL(start.headers.location as string);
			expect(authorize.searchParams.get("response_mode")).toBe("form_post");
			expect(authorize.searchParams.get("scope")).toBe("openid email name");
			idp.signInAs({
				sub: "001234.apple.5678",
				email: `apple-${d()}@privaterelay.appleid.com`,
				email_verified: "true",
			});
			const { back } = await signIn(t(), via("apple"), "POST");
			const code = back?.searchParams.get("code");
			expect(code, back?.href).toBeTruthy();
			const session = await t().request(
				"POST",
				"/api/v1/auth/oauth2/exchange",
				{
					body: { code },
				},
			);
			expect(session.status, session.text).toBe(200);
			expect(session.body.record).toMatchObject({
				email: `apple-${d()}@privaterelay.appleid.com`,
				verified: true,
			});
		});
	},
	{ BASALT_SSRF_ALLOW: "127.0.0.1/32" },
);
