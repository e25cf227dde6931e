import { createHmac } from "node:crypto";
import { SignJWT } from "jose";
import { expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { SUPERUSER } from "../helpers/test-app.js";

const LOGIN = "/api/v1/superusers/auth/password";
const PROTECTED = "/api/v1/collections";

function b64url(value: unknown): string {
	return Buffer.from(
		typeof value === "string" ? value : JSON.stringify(value),
	).toString("base64url");
}

describeEachDialect(
	"superuser auth",
	(t) => {
		it("logs in and returns a token, its lifetime and the record without secrets", async () => {
			const res = await t().request("POST", LOGIN, {
				body: { identity: SUPERUSER.email, password: SUPERUSER.password },
			});
			expect(res.status).toBe(200);
			expect(res.body.expiresIn).toBe(900);
			expect(res.body.record.email).toBe(SUPERUSER.email);
			expect(Object.keys(res.body.record).sort()).toEqual([
				"created",
				"email",
				"id",
				"updated",
			]);
			const [header, payload] = (res.body.token as string)
				.split(".")
				.slice(0, 2)
				.map((p) => JSON.parse(Buffer.from(p, "base64url").toString()));
			expect(header.alg).toBe("EdDSA");
			expect(payload).toMatchObject({
				iss: "basalt",
				aud: "basalt",
				sub: res.body.record.id,
				col: "_superusers",
			});
			expect(payload.exp - payload.iat).toBe(900);
			const protectedRes = await t().request("GET", PROTECTED, {
				token: res.body.token,
			});
			expect(protectedRes.status).toBe(200);
		});

		it("answers a wrong password and an unknown account alike", async () => {
			const wrong = await t().request("POST", LOGIN, {
				body: { identity: SUPERUSER.email, password: "wrong password" },
			});
			const unknown = await t().request("POST", LOGIN, {
				body: { identity: "nobody@example.com", password: "wrong password" },
			});
			expect(wrong.status).toBe(400);
			expect(wrong.body.code).toBe("INVALID_CREDENTIALS");
			const strip = (b: Record<string, unknown>) => ({
				...b,
				requestId: undefined,
			});
			expect(strip(unknown.body)).toEqual(strip(wrong.body));
		});

		it("refuses unknown members and missing fields in the login body", async () => {
			const extra = await t().request("POST", LOGIN, {
				body: { identity: SUPERUSER.email, password: "x", admin: true },
			});
			expect(extra.status).toBe(400);
			expect(extra.body.code).toBe("UNKNOWN_FIELD");
			expect(extra.body.errors.admin.code).toBe("UNKNOWN_FIELD");
			const missing = await t().request("POST", LOGIN, {
				body: { identity: SUPERUSER.email },
			});
			expect(missing.status).toBe(400);
			expect(missing.body.errors.password.code).toBe("VALUE_REQUIRED");
		});

		it("publishes the signing key in the JWKS", async () => {
			const jwks = await t().request("GET", "/api/v1/.well-known/jwks.json");
			expect(jwks.status).toBe(200);
			const kid = JSON.parse(
				Buffer.from(
					t().superuserToken.split(".")[0] as string,
					"base64url",
				).toString(),
			).kid;
			const key = jwks.body.keys.find((k: { kid: string }) => k.kid === kid);
			expect(key).toMatchObject({
				kty: "OKP",
				crv: "Ed25519",
				alg: "EdDSA",
				use: "sig",
			});
			expect(key.d).toBeUndefined();
		});

		it("asks guests to authenticate with WWW-Authenticate", async () => {
			const res = await t().request("GET", PROTECTED);
			expect(res.status).toBe(401);
			expect(res.body.code).toBe("AUTH_REQUIRED");
			expect(res.headers["www-authenticate"]).toContain("Bearer");
		});

		it("refuses forged, tampered and malformed tokens with 401", async () => {
			const { app, superuserToken } = t();
			const [h, p, s] = superuserToken.split(".") as [string, string, string];
			const payload = JSON.parse(Buffer.from(p, "base64url").toString());
			const key = app.keyRing.activeKey();
			const publicPem = key.publicKey.export({
				format: "pem",
				type: "spki",
			}) as string;
			const hs256 = (() => {
				const head = b64url({ alg: "HS256", kid: key.kid, typ: "JWT" });
				const body = b64url(payload);
				const mac = createHmac("sha256", publicPem)
					.update(`${head}.${body}`)
					.digest("base64url");
				return `${head}.${body}.${mac}`;
			})();
			const sign = (
				claims: Record<string, unknown>,
				header: Record<string, unknown> = {},
			) =>
				new SignJWT(claims)
					.setProtectedHeader({ alg: "EdDSA", kid: key.kid, ...header })
					.sign(key.privateKey);
			const now = Math.floor(Date.now() / 1000);
			const base = {
				sub: payload.sub,
				col: "_superusers",
				tkh: payload.tkh,
				typ: "access",
				iss: "basalt",
				aud: "basalt",
				iat: now,
			};
			const forged = {
				"tampered payload": `${h}.${b64url({ ...payload, sub: "someone-else" })}.${s}`,
				"alg none": `${b64url({ alg: "none", kid: key.kid })}.${p}.`,
				"HS256 keyed with the public key": hs256,
				expired: await sign({ ...base, iat: now - 2000, exp: now - 1000 }),
				"wrong audience": await sign({ ...base, aud: "other", exp: now + 60 }),
				"wrong issuer": await sign({ ...base, iss: "other", exp: now + 60 }),
				"unknown kid": await sign(
					{ ...base, exp: now + 60 },
					{ kid: "no-such-key" },
				),
				"not an access token": await sign({
					...base,
					typ: "refresh",
					exp: now + 60,
				}),
				"stale token key": await sign({
					...base,
					tkh: "0000000000000000",
					exp: now + 60,
				}),
				garbage: "not.a.jwt",
			};
			for (const [name, token] of Object.entries(forged)) {
				const res = await t().request("GET", PROTECTED, { token });
				expect(res.status, name).toBe(401);
				expect(res.body.code, name).toBe("INVALID_TOKEN");
				expect(res.headers["www-authenticate"], name).toContain(
					'error="invalid_token"',
				);
			}
			const basic = await t().request("GET", PROTECTED, {
				headers: { authorization: "Basic YTpi" },
			});
			expect(basic.status).toBe(401);
			// The same claims, properly signed, do pass: the checks above test what they name.
			expect(
				(
					await t().request("GET", PROTECTED, {
						token: await sign({ ...base, exp: now + 60 }),
					})
				).status,
			).toBe(200);
		});

		it("keeps old tokens valid across a key rotation and signs new ones with the new key", async () => {
			const { app } = t();
			const before = await t().request("POST", LOGIN, {
				body: { identity: SUPERUSER.email, password: SUPERUSER.password },
			});
			const rotated = await app.keyRing.rotate();
			expect(
				(await t().request("GET", PROTECTED, { token: before.body.token }))
					.status,
			).toBe(200);
			const after = await t().request("POST", LOGIN, {
				body: { identity: SUPERUSER.email, password: SUPERUSER.password },
			});
			const kid = JSON.parse(
				Buffer.from(after.body.token.split(".")[0], "base64url").toString(),
			).kid;
			expect(kid).toBe(rotated.kid);
			const jwks = await t().request("GET", "/api/v1/.well-known/jwks.json");
			expect(jwks.body.keys.length).toBeGreaterThanOrEqual(2);
		});

		it("stops accepting a token when it expires, though it verified before", async () => {
			const { app } = t();
			const claims = await app.tokens.verify(t().superuserToken);
			// `exp` is in whole seconds: a 3 s token lives at least 2 s, time enough for
			// the first request on a busy machine.
			const { token } = await app.tokens.issue(claims, 3000);
			expect((await t().request("GET", PROTECTED, { token })).status).toBe(200);
			await new Promise((resolve) => setTimeout(resolve, 4100));
			const late = await t().request("GET", PROTECTED, { token });
			expect(late.status).toBe(401);
			expect(late.body.detail).toContain("expired");
		});

		it("ends every session when the password changes", async () => {
			const { app } = t();
			await app.superusers.create("second@example.com", "first password");
			const login = await t().request("POST", LOGIN, {
				body: { identity: "second@example.com", password: "first password" },
			});
			expect(
				(await t().request("GET", PROTECTED, { token: login.body.token }))
					.status,
			).toBe(200);
			await app.superusers.setPassword("second@example.com", "second password");
			const stale = await t().request("GET", PROTECTED, {
				token: login.body.token,
			});
			expect(stale.status).toBe(401);
			expect(stale.body.code).toBe("INVALID_TOKEN");
			const old = await t().request("POST", LOGIN, {
				body: { identity: "second@example.com", password: "first password" },
			});
			expect(old.status).toBe(400);
		});

		it("creates the BASALT_SUPERUSER_* account at start", async () => {
			const res = await t().request("POST", LOGIN, {
				body: { identity: "boot@example.com", password: "bootstrap password" },
			});
			expect(res.status).toBe(200);
			// Starting again does not fail or duplicate it.
			await t().app.start();
			expect(await t().app.superusers.count()).toBeGreaterThanOrEqual(2);
		});
	},
	{
		BASALT_SUPERUSER_EMAIL: "boot@example.com",
		BASALT_SUPERUSER_PASSWORD: "bootstrap password",
	},
);
