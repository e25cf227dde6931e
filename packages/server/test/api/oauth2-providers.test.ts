import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { expectProblem } from "../helpers/records-api.js";

const SECRET = "a-client-secret-nobody-may-read";
const APP = "https://app.example/auth/done";
const ISSUER = "http://127.0.0.1:9/";

/** A create body with the answer it must get. */
interface Scenario {
	name: string;
	body: Record<string, unknown>;
	status: number;
	code: string;
	field?: string;
	fieldCode?: string;
}

const valid = {
	name: "acme",
	issuer: "http://127.0.0.1:1",
	clientId: "client",
	clientSecret: SECRET,
	redirectUrls: [APP],
};

const scenarios: Scenario[] = [
	{
		name: "an unknown member",
		body: { ...valid, extra: 1 },
		status: 400,
		code: "UNKNOWN_FIELD",
	},
	{
		name: "no client secret",
		body: { ...valid, clientSecret: undefined },
		status: 400,
		code: "INVALID_BODY",
	},
	{
		name: "no redirect URLs",
		body: { ...valid, redirectUrls: [] },
		status: 400,
		code: "INVALID_BODY",
	},
	{
		name: "an invalid name",
		body: { ...valid, name: "Not Valid" },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "name",
		fieldCode: "INVALID_NAME",
	},
	{
		name: "an unknown preset",
		body: { ...valid, preset: "myspace" },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "preset",
		fieldCode: "UNKNOWN_PRESET",
	},
	{
		name: "neither an issuer nor OAuth2 URLs",
		body: { ...valid, issuer: undefined },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "tokenUrl",
		fieldCode: "VALUE_REQUIRED",
	},
	{
		name: "OAuth2 URLs on an OpenID Connect preset",
		body: {
			...valid,
			issuer: undefined,
			preset: "google",
			tokenUrl: "https://example.com/token",
		},
		status: 422,
		code: "VALIDATION_FAILED",
		field: "tokenUrl",
		fieldCode: "NOT_ALLOWED",
	},
	{
		name: "an issuer on a plain OAuth2 preset",
		body: { ...valid, preset: "github" },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "issuer",
		fieldCode: "NOT_ALLOWED",
	},
	{
		name: "a tenant on another preset than microsoft",
		body: { ...valid, issuer: undefined, preset: "google", tenant: "common" },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "tenant",
		fieldCode: "NOT_ALLOWED",
	},
	{
		name: "a malformed tenant",
		body: {
			...valid,
			issuer: undefined,
			preset: "microsoft",
			tenant: "../etc",
		},
		status: 422,
		code: "VALIDATION_FAILED",
		field: "tenant",
		fieldCode: "INVALID_VALUE",
	},
	{
		name: "a plain http issuer that is not loopback",
		body: { ...valid, issuer: "http://idp.example.com" },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "issuer",
		fieldCode: "INSECURE_URL",
	},
	{
		name: "an issuer that is not a URL",
		body: { ...valid, issuer: "accounts.example.com" },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "issuer",
		fieldCode: "INVALID_URL",
	},
	{
		name: "an issuer with a query",
		body: { ...valid, issuer: "http://127.0.0.1:1/?tenant=x" },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "issuer",
		fieldCode: "INVALID_URL",
	},
	{
		name: "an issuer on a private address",
		body: { ...valid, issuer: "https://10.1.2.3" },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "issuer",
		fieldCode: "URL_REFUSED",
	},
	{
		name: "a user info URL at the cloud metadata address",
		body: {
			...valid,
			issuer: undefined,
			authorizationUrl: "https://example.com/authorize",
			tokenUrl: "https://127.0.0.1:1/token",
			userinfoUrl: "https://169.254.169.254/latest/meta-data",
		},
		status: 422,
		code: "VALIDATION_FAILED",
		field: "userinfoUrl",
		fieldCode: "URL_REFUSED",
	},
	{
		name: "OpenID Connect scopes without openid",
		body: { ...valid, scopes: ["email", "profile"] },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "scopes",
		fieldCode: "MISSING_OPENID",
	},
	{
		name: "a scope with a space",
		body: { ...valid, scopes: ["openid email"] },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "scopes",
		fieldCode: "INVALID_SCOPE",
	},
	{
		name: "an unknown collection",
		body: { ...valid, collections: ["nope"] },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "collections",
		fieldCode: "UNKNOWN_COLLECTION",
	},
	{
		name: "a collection that holds no accounts",
		body: { ...valid, collections: ["prov_notes"] },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "collections",
		fieldCode: "NOT_AUTH_COLLECTION",
	},
	{
		name: "a redirect URL with a fragment",
		body: { ...valid, redirectUrls: [`${APP}#x`] },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "redirectUrls",
		fieldCode: "INVALID_URL",
	},
	{
		name: "a relative redirect URL",
		body: { ...valid, redirectUrls: ["/auth/done"] },
		status: 422,
		code: "VALIDATION_FAILED",
		field: "redirectUrls",
		fieldCode: "INVALID_URL",
	},
];

describeEachDialect(
	"OAuth2 providers API",
	(t) => {
		const su = { token: "superuser" } as const;
		const url = "/api/v1/oauth2/providers";
		const create = (body: Record<string, unknown>) =>
			t().request("POST", url, { ...su, body });
		const row = (name: string) =>
			t()
				.app.db.kysely.selectFrom("_oauth2_providers")
				.selectAll()
				.where("name", "=", name)
				.executeTakeFirst();

		beforeAll(async () => {
			for (const body of [
				{ name: "prov_notes", type: "base", fields: [] },
				{ name: "prov_members", type: "auth", fields: [] },
			]) {
				const res = await t().request("POST", "/api/v1/collections", {
					...su,
					body,
				});
				expect(res.status, res.text).toBe(201);
			}
		});

		it("creates a provider, keeps its secret sealed and never shows it", async () => {
			const res = await create({ ...valid, name: "sealed", issuer: ISSUER });
			expect(res.status, res.text).toBe(201);
			expect(res.headers.location).toBe(`${url}/sealed`);
			expect(res.body).toEqual({
				name: "sealed",
				preset: null,
				kind: "oidc",
				issuer: ISSUER,
				tenant: null,
				clientId: "client",
				clientSecretSet: true,
				scopes: ["openid", "email", "profile"],
				authorizationUrl: null,
				tokenUrl: null,
				userinfoUrl: null,
				collections: null,
				redirectUrls: [APP],
				active: true,
				callbackUrls: {
					prov_members:
						"http://127.0.0.1:8090/api/v1/collections/prov_members/auth/oauth2/sealed/callback",
					users:
						"http://127.0.0.1:8090/api/v1/collections/users/auth/oauth2/sealed/callback",
				},
				created: expect.any(String),
				updated: expect.any(String),
			});
			const stored = await row("sealed");
			// Sealed by the key ring's active data key (docs/security.md#the-key-ring).
			expect(String(stored?.client_secret)).toMatch(/^key\.[^.]+\.v1\./);
			expect(JSON.stringify(stored)).not.toContain(SECRET);
			const one = await t().request("GET", `${url}/sealed`, su);
			expect(one.status).toBe(200);
			expect(one.body).toEqual(res.body);
			const list = await t().request("GET", url, su);
			expect(list.status).toBe(200);
			expect(list.body.items.map((p: { name: string }) => p.name)).toContain(
				"sealed",
			);
			for (const answer of [res, one, list]) {
				expect(answer.text).not.toContain(SECRET);
				expect(answer.text).not.toContain('"clientSecret"');
			}
		});

		it("replaces the sealed secret with a PATCH and shows it nowhere", async () => {
			await create({ ...valid, name: "rotated" });
			const before = await row("rotated");
			const patched = await t().request("PATCH", `${url}/rotated`, {
				...su,
				body: { clientSecret: "the-next-secret-value", active: false },
			});
			expect(patched.status, patched.text).toBe(200);
			expect(patched.body).toMatchObject({
				active: false,
				clientSecretSet: true,
			});
			expect(patched.text).not.toContain("the-next-secret-value");
			const after = await row("rotated");
			expect(after?.client_secret).not.toBe(before?.client_secret);
			expect(JSON.stringify(after)).not.toContain("the-next-secret-value");
			const unchanged = await t().request("PATCH", `${url}/rotated`, {
				...su,
				body: { scopes: ["openid"] },
			});
			expect(unchanged.body.scopes).toEqual(["openid"]);
			expect((await row("rotated"))?.client_secret).toBe(after?.client_secret);
		});

		it("lists collections by name and follows a renamed collection", async () => {
			const res = await create({
				...valid,
				name: "scoped",
				collections: ["prov_members", "prov_members"],
			});
			expect(res.status, res.text).toBe(201);
			expect(res.body.collections).toEqual(["prov_members"]);
			expect(Object.keys(res.body.callbackUrls)).toEqual(["prov_members"]);
			const renamed = await t().request(
				"PATCH",
				"/api/v1/collections/prov_members",
				{ ...su, body: { name: "prov_people" } },
			);
			expect(renamed.status, renamed.text).toBe(200);
			const after = await t().request("GET", `${url}/scoped`, su);
			expect(after.body.collections).toEqual(["prov_people"]);
			const all = await t().request("PATCH", `${url}/scoped`, {
				...su,
				body: { collections: null },
			});
			expect(all.body.collections).toBeNull();
			expect(Object.keys(all.body.callbackUrls)).toContain("users");
		});

		it("fills in the presets' endpoints and scopes", async () => {
			const cases: [Record<string, unknown>, Record<string, unknown>][] = [
				[
					{ preset: "google" },
					{
						kind: "oidc",
						issuer: "https://accounts.google.com",
						scopes: ["openid", "email", "profile"],
					},
				],
				[
					{ preset: "microsoft" },
					{
						kind: "oidc",
						tenant: "common",
						issuer: "https://login.microsoftonline.com/common/v2.0",
					},
				],
				[
					{ preset: "microsoft", tenant: "organizations" },
					{
						issuer: "https://login.microsoftonline.com/organizations/v2.0",
					},
				],
				[{ preset: "gitlab" }, { kind: "oidc", issuer: "https://gitlab.com" }],
				[
					{ preset: "apple" },
					{
						kind: "oidc",
						issuer: "https://appleid.apple.com",
						scopes: ["openid", "email", "name"],
					},
				],
				[
					{ preset: "github" },
					{
						kind: "oauth2",
						issuer: null,
						authorizationUrl: "https://github.com/login/oauth/authorize",
						tokenUrl: "https://github.com/login/oauth/access_token",
						userinfoUrl: "https://api.github.com/user",
						scopes: ["read:user", "user:email"],
					},
				],
				[
					{ preset: "discord" },
					{
						kind: "oauth2",
						userinfoUrl: "https://discord.com/api/users/@me",
						scopes: ["identify", "email"],
					},
				],
			];
			for (const [index, [input, expected]] of cases.entries()) {
				const res = await create({
					...valid,
					issuer: undefined,
					name: `preset-${index}`,
					...input,
				});
				expect(res.status, res.text).toBe(201);
				expect(res.body).toMatchObject({ preset: input.preset, ...expected });
			}
		});

		it("deletes a provider with its account links", async () => {
			await create({ ...valid, name: "doomed" });
			const users = t().app.registry.get("users");
			await t()
				.app.db.kysely.insertInto("_external_auths")
				.values({
					id: "link-of-doomed",
					collection_id: users.id,
					record_id: "some-account",
					provider: "doomed",
					provider_subject: "subject",
					created: new Date().toISOString(),
				})
				.execute();
			const res = await t().request("DELETE", `${url}/doomed`, su);
			expect(res.status).toBe(204);
			expectProblem(
				await t().request("GET", `${url}/doomed`, su),
				404,
				"OAUTH2_PROVIDER_NOT_FOUND",
			);
			expectProblem(
				await t().request("DELETE", `${url}/doomed`, su),
				404,
				"OAUTH2_PROVIDER_NOT_FOUND",
			);
			expect(await row("doomed")).toBeUndefined();
			const links = await t()
				.app.db.kysely.selectFrom("_external_auths")
				.selectAll()
				.where("provider", "=", "doomed")
				.execute();
			expect(links).toHaveLength(0);
		});

		it("refuses a second provider with the same name", async () => {
			expect((await create({ ...valid, name: "twice" })).status).toBe(201);
			expectProblem(
				await create({ ...valid, name: "twice" }),
				409,
				"OAUTH2_PROVIDER_EXISTS",
			);
		});

		it("refuses to rename a provider and judges a PATCH merged with what is stored", async () => {
			await create({
				...valid,
				name: "patched",
				preset: "github",
				issuer: undefined,
			});
			expectProblem(
				await t().request("PATCH", `${url}/patched`, {
					...su,
					body: { name: "other" },
				}),
				400,
				"UNKNOWN_FIELD",
			);
			const res = await t().request("PATCH", `${url}/patched`, {
				...su,
				body: { issuer: "https://gitlab.example.com" },
			});
			expectProblem(res, 422, "VALIDATION_FAILED");
			expect(res.body.errors.issuer.code).toBe("NOT_ALLOWED");
			const override = await t().request("PATCH", `${url}/patched`, {
				...su,
				body: { tokenUrl: "http://127.0.0.1:7/token" },
			});
			expect(override.status, override.text).toBe(200);
			expect(override.body.tokenUrl).toBe("http://127.0.0.1:7/token");
			expectProblem(
				await t().request("PATCH", `${url}/nope`, { ...su, body: {} }),
				404,
				"OAUTH2_PROVIDER_NOT_FOUND",
			);
		});

		it("is for superusers only", async () => {
			expectProblem(await t().request("GET", url), 401, "AUTH_REQUIRED");
			const password = "a long enough password";
			const user = await t().request(
				"POST",
				"/api/v1/collections/users/records",
				{
					body: {
						email: `prov-${t().dialect}@example.com`,
						password,
						passwordConfirm: password,
					},
				},
			);
			expect(user.status, user.text).toBe(201);
			const login = await t().request(
				"POST",
				"/api/v1/collections/users/auth/password",
				{ body: { identity: user.body.email, password } },
			);
			const token = login.body.token as string;
			expectProblem(
				await t().request("GET", url, { token }),
				403,
				"SUPERUSER_REQUIRED",
			);
			expectProblem(
				await t().request("POST", url, { token, body: valid }),
				403,
				"SUPERUSER_REQUIRED",
			);
		});

		for (const scenario of scenarios) {
			it(`answers ${scenario.status} to ${scenario.name}`, async () => {
				const res = await create(scenario.body);
				expectProblem(res, scenario.status, scenario.code);
				if (scenario.field)
					expect(res.body.errors[scenario.field], res.text).toMatchObject({
						code: scenario.fieldCode,
					});
				expect(await row(scenario.body.name as string)).toBeUndefined();
			});
		}
	},
	{ BASALT_SSRF_ALLOW: "127.0.0.1/32" },
);
