import { createHash } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	makeApiKey,
	signUp,
	type TestAccount,
} from "../helpers/machine-access.js";
import {
	createCollection,
	createRecord,
	expectProblem,
	openRules,
	recordsUrl,
} from "../helpers/records-api.js";
import type { TestResponse } from "../helpers/test-app.js";

const CLIENTS = "/api/v1/oauth/clients";
const TOKEN = "/api/v1/oauth/token";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** client_secret_basic: each part form-urlencoded, then base64 (RFC 6749 section 2.3.1). */
function basic(id: string, secret: string): Record<string, string> {
	const pair = `${encodeURIComponent(id)}:${encodeURIComponent(secret)}`;
	return { authorization: `Basic ${Buffer.from(pair).toString("base64")}` };
}

/** Asserts an RFC 6749 section 5.2 error: exactly { error, error_description }. */
function expectOAuthError(res: TestResponse, status: number, error: string) {
	expect(res.status, res.text).toBe(status);
	expect(String(res.headers["content-type"])).toMatch(/^application\/json/);
	expect(Object.keys(res.body).sort()).toEqual(["error", "error_description"]);
	expect(res.body.error).toBe(error);
	expect(res.body.error_description).toMatch(
		/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/,
	);
	expect(res.headers["cache-control"]).toBe("no-store");
}

interface Client {
	id: string;
	secret: string;
}

describeEachDialect("OAuth2 client_credentials", (t) => {
	let ann: TestAccount;
	let reader: Client;

	const createClient = async (body: Record<string, unknown>) => {
		const res = await t().request("POST", CLIENTS, {
			token: "superuser",
			body,
		});
		expect(res.status, res.text).toBe(201);
		return res.body as Client & { scopes: string[] };
	};
	const tokenFor = async (
		client: Client,
		form = "grant_type=client_credentials",
	) => {
		const res = await t().request("POST", TOKEN, {
			body: form,
			headers: { ...FORM, ...basic(client.id, client.secret) },
		});
		expect(res.status, res.text).toBe(200);
		return res.body.access_token as string;
	};

	beforeAll(async () => {
		ann = await signUp(t(), "ann@example.com");
		await createCollection(t(), {
			name: "feed",
			fields: [{ name: "title", type: "text" }],
			rules: openRules,
		});
		await createCollection(t(), {
			name: "inbox",
			fields: [{ name: "title", type: "text" }],
			rules: {
				list: '@request.auth.collectionName = "_clients"',
				view: "",
				create: '@request.auth.collectionName = "_clients"',
				update: null,
				delete: null,
			},
		});
		await createCollection(t(), {
			name: "private",
			fields: [
				{ name: "title", type: "text" },
				{ name: "owner", type: "relation", collection: "users" },
			],
			rules: {
				list: "owner = @request.auth.id",
				view: "owner = @request.auth.id",
				create: "",
				update: null,
				delete: null,
			},
		});
		await createRecord(t(), "feed", { title: "news" });
		await createRecord(t(), "private", { title: "ann's", owner: ann.id });
		reader = await createClient({
			name: "sync job",
			scopes: ["records:read:*", "records:write:inbox"],
		});
	});

	describe("clients", () => {
		it("registers a client with its secret shown once and stored hashed", async () => {
			const res = await t().request("POST", CLIENTS, {
				token: "superuser",
				body: { name: "  reporting  ", scopes: ["records:read:feed"] },
			});
			expect(res.status, res.text).toBe(201);
			expect(res.headers.location).toBe(`${CLIENTS}/${res.body.id}`);
			expect(res.headers["cache-control"]).toBe("no-store");
			expect(res.body).toMatchObject({
				name: "reporting",
				scopes: ["records:read:feed"],
				active: true,
			});
			expect(res.body.secret).toMatch(/^bcs_[A-Za-z0-9_-]{43}$/);
			const row = await t()
				.app.db.kysely.selectFrom("_oauth_clients")
				.selectAll()
				.where("id", "=", res.body.id)
				.executeTakeFirstOrThrow();
			expect(row.secret_hash).toBe(
				createHash("sha256").update(res.body.secret).digest("hex"),
			);
			expect(JSON.stringify(row)).not.toContain(res.body.secret);
			for (const url of [CLIENTS, `${CLIENTS}/${res.body.id}`]) {
				const read = await t().request("GET", url, { token: "superuser" });
				expect(read.status).toBe(200);
				expect(read.text).not.toContain(res.body.secret);
				expect(read.text).not.toContain(String(row.secret_hash));
			}
		});

		it("lets only signed-in superusers manage clients", async () => {
			const body = { name: "x", scopes: ["records:read:feed"] };
			expectProblem(
				await t().request("POST", CLIENTS, { body }),
				401,
				"AUTH_REQUIRED",
			);
			expectProblem(
				await t().request("POST", CLIENTS, { token: ann.token, body }),
				403,
				"SUPERUSER_REQUIRED",
			);
			const adminKey = await makeApiKey(t(), "superuser", ["admin"]);
			const clientToken = await tokenFor(reader);
			for (const token of [adminKey, clientToken]) {
				const res = await t().request("POST", CLIENTS, { token, body });
				expect(res.status, res.text).toBe(403);
				expect(["SESSION_REQUIRED", "SUPERUSER_REQUIRED"]).toContain(
					res.body.code,
				);
				expect(
					(
						await t().request("POST", "/api/v1/api-keys", {
							token,
							body: { name: "k", scopes: ["records:read:feed"] },
						})
					).body.code,
				).toBe("SESSION_REQUIRED");
			}
			expectProblem(
				await t().request("GET", CLIENTS, { token: adminKey }),
				403,
				"SESSION_REQUIRED",
			);
		});

		it("refuses admin and malformed scopes for clients with 422", async () => {
			for (const [scopes, code] of [
				[["admin"], "SCOPE_NOT_ALLOWED"],
				[["records:write"], "INVALID_SCOPE"],
				[[], "VALUE_REQUIRED"],
			] as const) {
				const res = await t().request("POST", CLIENTS, {
					token: "superuser",
					body: { name: "x", scopes },
				});
				const problem = expectProblem(res, 422, "VALIDATION_FAILED");
				const errors = problem.errors as Record<string, { code: string }>;
				expect((errors["scopes.0"] ?? errors.scopes)?.code).toBe(code);
			}
		});
	});

	describe("token endpoint", () => {
		it("issues a scoped EdDSA JWT to client_secret_basic and client_secret_post", async () => {
			const viaBasic = await t().request("POST", TOKEN, {
				body: "grant_type=client_credentials",
				headers: { ...FORM, ...basic(reader.id, reader.secret) },
			});
			expect(viaBasic.status, viaBasic.text).toBe(200);
			expect(viaBasic.body).toEqual({
				access_token: expect.any(String),
				token_type: "Bearer",
				expires_in: 3600,
				scope: "records:read:* records:write:inbox",
			});
			expect(viaBasic.headers["cache-control"]).toBe("no-store");
			expect(viaBasic.headers.pragma).toBe("no-cache");
			const header = decodeProtectedHeader(viaBasic.body.access_token);
			expect(header.alg).toBe("EdDSA");
			expect(typeof header.kid).toBe("string");
			expect(decodeJwt(viaBasic.body.access_token)).toMatchObject({
				sub: reader.id,
				client_id: reader.id,
				scope: "records:read:* records:write:inbox",
				iss: "basalt",
				aud: "basalt",
			});

			const form = new URLSearchParams({
				grant_type: "client_credentials",
				client_id: reader.id,
				client_secret: reader.secret,
				scope: "records:read:feed",
			});
			const viaPost = await t().request("POST", TOKEN, {
				body: form.toString(),
				headers: {
					"content-type": "application/x-www-form-urlencoded; charset=UTF-8",
				},
			});
			expect(viaPost.status, viaPost.text).toBe(200);
			// A narrower scope than the client holds is granted as asked.
			expect(viaPost.body.scope).toBe("records:read:feed");
			expect(decodeJwt(viaPost.body.access_token).scope).toBe(
				"records:read:feed",
			);
		});

		it("answers each refusal in the shape of RFC 6749 section 5.2", async () => {
			const send = (body: string, headers: Record<string, string> = {}) =>
				t().request("POST", TOKEN, { body, headers: { ...FORM, ...headers } });
			const grant = "grant_type=client_credentials";

			const wrongSecret = await send(
				grant,
				basic(reader.id, `${reader.secret}x`),
			);
			expectOAuthError(wrongSecret, 401, "invalid_client");
			expect(wrongSecret.headers["www-authenticate"]).toMatch(/^Basic realm=/);
			const unknownClient = await send(
				grant,
				basic("0190b1c4-0000-7000-8000-000000000000", reader.secret),
			);
			expectOAuthError(unknownClient, 401, "invalid_client");
			// Which part was wrong is not told.
			expect(unknownClient.body).toEqual(wrongSecret.body);
			expectOAuthError(
				await send(
					`${grant}&client_id=${reader.id}&client_secret=${reader.secret}x`,
				),
				401,
				"invalid_client",
			);
			expectOAuthError(await send(grant), 401, "invalid_client");
			expectOAuthError(
				await send(grant, { authorization: "Basic !!!" }),
				401,
				"invalid_client",
			);

			const auth = basic(reader.id, reader.secret);
			expectOAuthError(
				await send("grant_type=password&username=a&password=b", auth),
				400,
				"unsupported_grant_type",
			);
			expectOAuthError(
				await send(`${grant}&scope=records:write:feed`, auth),
				400,
				"invalid_scope",
			);
			expectOAuthError(
				await send(`${grant}&scope=admin`, auth),
				400,
				"invalid_scope",
			);
			expectOAuthError(
				await send(`${grant}&scope=records:read:feed%20%20x`, auth),
				400,
				"invalid_scope",
			);
			expectOAuthError(await send("", auth), 400, "invalid_request");
			expectOAuthError(
				await send("scope=records:read:feed", auth),
				400,
				"invalid_request",
			);
			expectOAuthError(
				await send(`${grant}&grant_type=client_credentials`, auth),
				400,
				"invalid_request",
			);
			expectOAuthError(
				await send(`${grant}&client_secret=${reader.secret}`, auth),
				400,
				"invalid_request",
			);
			for (const type of [
				"application/json",
				"text/plain",
				"multipart/form-data",
			]) {
				const res = await t().request("POST", TOKEN, {
					body:
						type === "application/json"
							? JSON.stringify({ grant_type: "client_credentials" })
							: grant,
					headers: { "content-type": type, ...auth },
				});
				expectOAuthError(res, 400, "invalid_request");
			}

			const paused = await createClient({
				name: "paused",
				scopes: ["records:read:feed"],
				active: false,
			});
			expectOAuthError(
				await send(grant, basic(paused.id, paused.secret)),
				400,
				"unauthorized_client",
			);
		});
	});

	describe("client tokens", () => {
		it("act as the client on records within scope, and are refused outside it", async () => {
			const token = await tokenFor(reader);
			const feed = await t().request("GET", recordsUrl("feed"), { token });
			expect(feed.status, feed.text).toBe(200);
			expect(feed.body.items.map((r: { title: string }) => r.title)).toEqual([
				"news",
			]);
			// Rules see the client: `@request.auth.collectionName = "_clients"`.
			const posted = await t().request("POST", recordsUrl("inbox"), {
				token,
				body: { title: "from the client" },
			});
			expect(posted.status, posted.text).toBe(201);
			expectProblem(
				await t().request("POST", recordsUrl("inbox"), {
					token: ann.token,
					body: { title: "from ann" },
				}),
				403,
				"RULE_DENIED",
			);
			// The client is no account: an owner rule shows it nothing.
			const hidden = await t().request("GET", recordsUrl("private"), { token });
			expect(hidden.body.items).toEqual([]);

			const outside = await t().request("POST", recordsUrl("feed"), {
				token,
				body: { title: "spam" },
			});
			const problem = expectProblem(outside, 403, "INSUFFICIENT_SCOPE");
			expect(problem.scope).toBe("records:write:feed");
			const narrow = await tokenFor(
				reader,
				"grant_type=client_credentials&scope=records:read:feed",
			);
			expectProblem(
				await t().request("GET", recordsUrl("inbox"), { token: narrow }),
				403,
				"INSUFFICIENT_SCOPE",
			);
			expectProblem(
				await t().request("GET", "/api/v1/collections", { token }),
				403,
				"SUPERUSER_REQUIRED",
			);
		});

		it("end when the client is deleted, deactivated, narrowed or given a new secret", async () => {
			const client = await createClient({
				name: "short lived",
				scopes: ["records:read:feed", "records:write:inbox"],
			});
			const ok = (token: string) =>
				t().request("GET", recordsUrl("feed"), { token });
			const patch = (body: Record<string, unknown>) =>
				t().request("PATCH", `${CLIENTS}/${client.id}`, {
					token: "superuser",
					body,
				});

			const first = await tokenFor(client);
			expect((await ok(first)).status).toBe(200);
			expect((await patch({ active: false })).body.active).toBe(false);
			expectProblem(await ok(first), 401, "INVALID_TOKEN");
			expect((await patch({ active: true })).status).toBe(200);
			expect((await ok(first)).status).toBe(200);

			// Narrowing the client narrows tokens already issued.
			const narrowed = await patch({ scopes: ["records:write:inbox"] });
			expect(narrowed.body.scopes).toEqual(["records:write:inbox"]);
			expectProblem(await ok(first), 403, "INSUFFICIENT_SCOPE");
			await patch({ scopes: ["records:read:feed"] });

			const rotated = await t().request(
				"POST",
				`${CLIENTS}/${client.id}/secret`,
				{
					token: "superuser",
				},
			);
			expect(rotated.status, rotated.text).toBe(200);
			expect(rotated.body.secret).not.toBe(client.secret);
			expectProblem(await ok(first), 401, "INVALID_TOKEN");
			const oldSecret = await t().request("POST", TOKEN, {
				body: "grant_type=client_credentials",
				headers: { ...FORM, ...basic(client.id, client.secret) },
			});
			expectOAuthError(oldSecret, 401, "invalid_client");

			const second = await tokenFor({
				id: client.id,
				secret: rotated.body.secret,
			});
			expect((await ok(second)).status).toBe(200);
			expect(
				(
					await t().request("DELETE", `${CLIENTS}/${client.id}`, {
						token: "superuser",
					})
				).status,
			).toBe(204);
			const refused = await ok(second);
			expectProblem(refused, 401, "INVALID_TOKEN");
			expect(refused.headers["www-authenticate"]).toMatch(/^Bearer /);
			expectProblem(
				await t().request("GET", `${CLIENTS}/${client.id}`, {
					token: "superuser",
				}),
				404,
				"OAUTH_CLIENT_NOT_FOUND",
			);
		});
	});
});
