import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../../src/tools/logger/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { exchangeCode, signIn, startUrl } from "../helpers/oauth2-sign-in.js";
import {
	type OidcProvider,
	startOidcProvider,
} from "../helpers/oidc-provider.js";
import { expectProblem } from "../helpers/records-api.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

const APP = "http://app.test/back";
const SECRET = "the-client-secret-that-stays-inside";

let idp: OidcProvider;
beforeAll(async () => {
	idp = await startOidcProvider();
});
afterAll(async () => {
	await idp.stop();
});

describeEachDialect(
	"OAuth2 providers without an SSRF allowlist",
	(t) => {
		const su = { token: "superuser" } as const;

		it("refuses an issuer on loopback when the provider is added", async () => {
			const port = new URL(idp.issuer).port;
			for (const issuer of [idp.issuer, `http://localhost:${port}`]) {
				const res = await t().request("POST", "/api/v1/oauth2/providers", {
					...su,
					body: {
						name: "loopback",
						issuer,
						clientId: "client",
						clientSecret: SECRET,
						redirectUrls: [APP],
					},
				});
				expectProblem(res, 422, "VALIDATION_FAILED");
				expect(res.body.errors.issuer).toMatchObject({
					code: "URL_REFUSED",
					message: expect.stringMatching(/private or reserved address/),
				});
			}
		});

		it("refuses to reach a loopback issuer at sign-in, whatever is stored", async () => {
			const { dialect } = t().app.db;
			const now = new Date().toISOString();
			// As if written before the allowlist changed: the guard runs on every request.
			await t()
				.app.db.kysely.insertInto("_oauth2_providers")
				.values({
					name: "stored",
					preset: null,
					issuer: idp.issuer,
					tenant: null,
					client_id: "client",
					client_secret: "v1.not.really.sealed",
					scopes: null,
					authorization_url: null,
					token_url: null,
					userinfo_url: null,
					collection_ids: null,
					redirect_urls: dialect.encode("json", [APP]),
					active: dialect.encode("boolean", true),
					created: now,
					updated: now,
				})
				.execute();
			const res = await t().request(
				"GET",
				startUrl({ collection: "users", provider: "stored", redirect: APP }),
			);
			const problem = expectProblem(res, 502, "OAUTH2_PROVIDER_ERROR");
			expect(problem.detail).toMatch(
				/discovery failed: refused: the host is a private or reserved address \(127\.0\.0\.1\)/,
			);
			expect(res.headers.location).toBeUndefined();
			expect(
				await t()
					.app.db.kysely.selectFrom("_oauth2_states")
					.selectAll()
					.execute(),
			).toHaveLength(0);
		});
	},
	{},
);

describe("OAuth2 sign-in logs", () => {
	let t: TestApp;
	const lines: string[] = [];

	beforeAll(async () => {
		const stream = new Writable({
			write(chunk, _encoding, done) {
				lines.push(...String(chunk).split("\n").filter(Boolean));
				done();
			},
		});
		t = await createTestApp(
			"sqlite",
			inject("postgresUrl"),
			{ BASALT_SSRF_ALLOW: "127.0.0.1/32" },
			{
				logger: createLogger({
					level: "debug",
					format: "json",
					destination: stream,
				}),
			},
		);
		const res = await t.request("POST", "/api/v1/oauth2/providers", {
			token: "superuser",
			body: {
				name: "logged",
				issuer: idp.issuer,
				clientId: "loggedclient",
				clientSecret: SECRET,
				redirectUrls: [APP],
			},
		});
		expect(res.status, res.text).toBe(201);
	});
	afterAll(async () => {
		await t.close();
	});

	it("logs sign-ins and failures without codes, tokens, secrets or emails", async () => {
		const email = "logged.person@example.com";
		idp.signInAs({ sub: "logged-1", email, email_verified: true });
		const options = { collection: "users", provider: "logged", redirect: APP };
		const ok = await signIn(t, options);
		const code = ok.back?.searchParams.get("code") as string;
		const session = await exchangeCode(t, code);
		expect(session.status).toBe(200);
		idp.tamper((token) => {
			token.payload.nonce = "wrong";
		});
		const failed = await signIn(t, options);
		idp.tamper(undefined);
		expect(failed.back?.searchParams.get("error")).toBe(
			"OAUTH2_ID_TOKEN_INVALID",
		);
		const log = lines.join("\n");
		expect(log).toContain('"msg":"oauth2 provider created"');
		expect(log).toContain('"msg":"oauth2 sign-in"');
		expect(log).toMatch(
			/"code":"OAUTH2_ID_TOKEN_INVALID".*"msg":"oauth2 sign-in failed"/,
		);
		for (const secret of [
			SECRET,
			code,
			session.body.token,
			session.body.refreshToken,
			ok.callback.searchParams.get("code"),
			ok.callback.searchParams.get("state"),
			failed.callback.searchParams.get("state"),
			email,
		]) {
			expect(secret).toBeTruthy();
			expect(log).not.toContain(secret);
		}
	});
});
