import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	ACCOUNT_PASSWORD,
	makeApiKey,
	signUp,
	type TestAccount,
} from "../helpers/machine-access.js";
import {
	createCollection,
	expectProblem,
	recordStatements,
	recordsUrl,
	superusersOnlyRules,
} from "../helpers/records-api.js";
import type { TestApp } from "../helpers/test-app.js";

const KEYS = "/api/v1/api-keys";
const KEY_FORMAT = /^bsk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/;

/** The _api_keys row of a key id, read straight from the database. */
async function storedKey(app: TestApp, id: string) {
	return app.app.db.kysely
		.selectFrom("_api_keys")
		.selectAll()
		.where("id", "=", id)
		.executeTakeFirst();
}

describeEachDialect("API keys", (t) => {
	let ann: TestAccount;
	let bob: TestAccount;

	beforeAll(async () => {
		ann = await signUp(t(), "ann@example.com");
		bob = await signUp(t(), "bob@example.com");
		await createCollection(t(), {
			name: "vault",
			fields: [{ name: "title", type: "text" }],
			rules: superusersOnlyRules,
		});
		await t().request("POST", recordsUrl("vault"), {
			token: "superuser",
			body: { title: "gold" },
		});
	});

	describe("making keys", () => {
		it("shows the key once, stores only its SHA-256, and the key works", async () => {
			const res = await t().request("POST", KEYS, {
				token: ann.token,
				body: { name: "  laptop  ", scopes: ["records:read:users"] },
			});
			expect(res.status, res.text).toBe(201);
			expect(res.headers.location).toBe(`${KEYS}/${res.body.id}`);
			expect(res.headers["cache-control"]).toBe("no-store");
			expect(res.body).toMatchObject({
				name: "laptop",
				scopes: ["records:read:users"],
				owner: { collection: "users", id: ann.id },
				expiresAt: null,
				lastUsedAt: null,
			});
			const key = res.body.key as string;
			expect(key).toMatch(KEY_FORMAT);
			const secret = key.slice(-43);
			// 43 base64url characters are 256 random bits.
			expect(Buffer.from(secret, "base64url")).toHaveLength(32);

			const row = await storedKey(t(), res.body.id);
			expect(row?.secret_hash).toBe(
				createHash("sha256").update(secret).digest("hex"),
			);
			const stored = JSON.stringify(row);
			expect(stored).not.toContain(secret);
			expect(stored).not.toContain(key);

			const again = await t().request("GET", `${KEYS}/${res.body.id}`, {
				token: ann.token,
			});
			expect(again.status).toBe(200);
			const list = await t().request("GET", KEYS, { token: ann.token });
			for (const answer of [again.text, list.text]) {
				expect(answer).not.toContain(secret);
				expect(answer).not.toContain(String(row?.secret_hash));
				expect(answer).not.toContain('"key"');
			}

			const me = await t().request("GET", recordsUrl("users"), { token: key });
			expect(me.status, me.text).toBe(200);
			expect(me.body.items.map((r: { id: string }) => r.id)).toEqual([ann.id]);
		});

		it("refuses bad scope strings, names and expiries with 422 naming the field", async () => {
			const cases: [Record<string, unknown>, string, string][] = [
				[{ scopes: ["records:read"] }, "scopes.0", "INVALID_SCOPE"],
				[{ scopes: ["records:delete:users"] }, "scopes.0", "INVALID_SCOPE"],
				[
					{ scopes: ["records:read:users", "records:read:Users"] },
					"scopes.1",
					"INVALID_SCOPE",
				],
				[{ scopes: ["*"] }, "scopes.0", "INVALID_SCOPE"],
				[{ scopes: ["records:read:_superusers"] }, "scopes.0", "INVALID_SCOPE"],
				[{ scopes: [" records:read:users"] }, "scopes.0", "INVALID_SCOPE"],
				[{ scopes: [] }, "scopes", "VALUE_REQUIRED"],
				[
					{ scopes: ["records:read:*", "records:read:*"] },
					"scopes.1",
					"DUPLICATE_VALUES",
				],
				// A user's key cannot hold what a user cannot do.
				[{ scopes: ["collections:read"] }, "scopes.0", "SCOPE_NOT_ALLOWED"],
				[{ scopes: ["admin"] }, "scopes.0", "SCOPE_NOT_ALLOWED"],
				[
					{ scopes: ["records:read:users"], expiresAt: "tomorrow" },
					"expiresAt",
					"INVALID_FORMAT",
				],
				[
					{ scopes: ["records:read:users"], expiresAt: "2020-01-01T00:00:00Z" },
					"expiresAt",
					"TOO_SMALL",
				],
				[
					{ scopes: ["records:read:users"], name: "   " },
					"name",
					"VALUE_REQUIRED",
				],
			];
			for (const [body, field, code] of cases) {
				const res = await t().request("POST", KEYS, {
					token: ann.token,
					body: { name: "k", ...body },
				});
				const problem = expectProblem(res, 422, "VALIDATION_FAILED");
				expect(
					(problem.errors as Record<string, { code: string }>)[field]?.code,
					JSON.stringify(body),
				).toBe(code);
			}
			const unknownMember = await t().request("POST", KEYS, {
				token: ann.token,
				body: { name: "k", scopes: ["records:read:users"], secret: "mine" },
			});
			expectProblem(unknownMember, 400, "UNKNOWN_FIELD");
		});

		it("lets a user make keys for themselves only; superusers for any user", async () => {
			const forBob = { collection: "users", id: bob.id };
			const refused = await t().request("POST", KEYS, {
				token: ann.token,
				body: { name: "k", scopes: ["records:read:users"], owner: forBob },
			});
			expectProblem(refused, 403, "SUPERUSER_REQUIRED");
			const own = await t().request("POST", KEYS, {
				token: ann.token,
				body: {
					name: "k",
					scopes: ["records:read:users"],
					owner: { collection: "users", id: ann.id },
				},
			});
			expect(own.status, own.text).toBe(201);

			const made = await t().request("POST", KEYS, {
				token: "superuser",
				body: {
					name: "for bob",
					scopes: ["records:read:users"],
					owner: forBob,
				},
			});
			expect(made.status, made.text).toBe(201);
			expect(made.body.owner).toEqual(forBob);
			// The key acts as Bob: the users list rule shows Bob's record only.
			const seen = await t().request("GET", recordsUrl("users"), {
				token: made.body.key,
			});
			expect(seen.body.items.map((r: { id: string }) => r.id)).toEqual([
				bob.id,
			]);
			// Bob sees and may revoke it; Ann cannot even see it.
			const bobs = await t().request("GET", KEYS, { token: bob.token });
			expect(bobs.body.items.map((k: { id: string }) => k.id)).toEqual([
				made.body.id,
			]);
			for (const method of ["GET", "DELETE"]) {
				const res = await t().request(method, `${KEYS}/${made.body.id}`, {
					token: ann.token,
				});
				expectProblem(res, 404, "API_KEY_NOT_FOUND");
			}

			const badOwners: [Record<string, string>, string][] = [
				[{ collection: "vault", id: bob.id }, "owner.collection"],
				[{ collection: "_superusers", id: bob.id }, "owner.collection"],
				[{ collection: "users", id: "no-such-user" }, "owner.id"],
			];
			for (const [owner, field] of badOwners) {
				const res = await t().request("POST", KEYS, {
					token: "superuser",
					body: { name: "k", scopes: ["records:read:users"], owner },
				});
				const problem = expectProblem(res, 422, "VALIDATION_FAILED");
				expect(problem.errors).toHaveProperty([field]);
			}
			expectProblem(
				await t().request("POST", KEYS, {
					body: { name: "k", scopes: ["records:read:users"] },
				}),
				401,
				"AUTH_REQUIRED",
			);
		});

		it("caps an account at 100 keys", async () => {
			const eve = await signUp(t(), "eve@example.com");
			for (let i = 0; i < 100; i++)
				await makeApiKey(t(), eve.token, ["records:read:users"]);
			const res = await t().request("POST", KEYS, {
				token: eve.token,
				body: { name: "one too many", scopes: ["records:read:users"] },
			});
			expectProblem(res, 409, "API_KEY_LIMIT_REACHED");
		});

		it("never lets an API key make, list or revoke keys", async () => {
			const key = await makeApiKey(t(), ann.token, ["records:read:*"]);
			const suKey = await makeApiKey(t(), "superuser", ["admin"]);
			for (const token of [key, suKey]) {
				expectProblem(
					await t().request("POST", KEYS, {
						token,
						body: { name: "k", scopes: ["records:read:users"] },
					}),
					403,
					"SESSION_REQUIRED",
				);
				expectProblem(
					await t().request("GET", KEYS, { token }),
					403,
					"SESSION_REQUIRED",
				);
			}
		});
	});

	describe("listing", () => {
		it("pages a user's own keys; superusers see all and filter by owner", async () => {
			const mine = await t().request("GET", `${KEYS}?perPage=1`, {
				token: ann.token,
			});
			expect(mine.status, mine.text).toBe(200);
			expect(mine.body.items).toHaveLength(1);
			expect(mine.body.perPage).toBe(1);
			const annTotal = mine.body.totalItems as number;
			expect(annTotal).toBeGreaterThanOrEqual(3);
			expect(mine.body.totalPages).toBe(annTotal);
			const all = await t().request("GET", `${KEYS}?perPage=500`, {
				token: ann.token,
			});
			expect(
				all.body.items.every(
					(k: { owner: { id: string } }) => k.owner.id === ann.id,
				),
			).toBe(true);
			// A user's owner filter cannot widen what they see.
			const probe = await t().request(
				"GET",
				`${KEYS}?ownerCollection=users&ownerId=${bob.id}`,
				{ token: ann.token },
			);
			expect(probe.body.totalItems).toBe(0);

			const everyone = await t().request("GET", `${KEYS}?perPage=500`, {
				token: "superuser",
			});
			const owners = new Set(
				everyone.body.items.map((k: { owner: { id: string } }) => k.owner.id),
			);
			expect(owners.has(ann.id) && owners.has(bob.id)).toBe(true);
			const annsOnly = await t().request(
				"GET",
				`${KEYS}?ownerCollection=users&ownerId=${ann.id}`,
				{ token: "superuser" },
			);
			expect(annsOnly.body.totalItems).toBe(annTotal);
			const superusers = await t().request(
				"GET",
				`${KEYS}?ownerCollection=_superusers`,
				{ token: "superuser" },
			);
			expect(superusers.body.totalItems).toBeGreaterThan(0);
			expect(
				superusers.body.items.every(
					(k: { owner: { collection: string } }) =>
						k.owner.collection === "_superusers",
				),
			).toBe(true);
			expectProblem(
				await t().request("GET", `${KEYS}?ownerCollection=vault`, {
					token: "superuser",
				}),
				400,
				"INVALID_QUERY",
			);
		});
	});

	describe("using keys", () => {
		it("answers unknown, wrong, revoked and expired keys with 401 and a Bearer challenge", async () => {
			const res = await t().request("POST", KEYS, {
				token: ann.token,
				body: { name: "k", scopes: ["records:read:users"] },
			});
			const key = res.body.key as string;
			const ok = await t().request("GET", recordsUrl("users"), { token: key });
			expect(ok.status).toBe(200);

			const wrongSecret = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
			const unknownId = `bsk_${"0".repeat(32)}${key.slice(-44)}`;
			const answers = [];
			for (const bad of [wrongSecret, unknownId]) {
				const refused = await t().request("GET", recordsUrl("users"), {
					token: bad,
				});
				expectProblem(refused, 401, "INVALID_TOKEN");
				expect(refused.headers["www-authenticate"]).toMatch(/^Bearer /);
				answers.push(refused.body.detail);
			}
			// Which part was wrong is not told.
			expect(answers[0]).toBe(answers[1]);
			expectProblem(
				await t().request("GET", recordsUrl("users"), { token: "bsk_short" }),
				401,
				"INVALID_TOKEN",
			);

			await t()
				.app.db.kysely.updateTable("_api_keys")
				.set({ expires_at: new Date(Date.now() - 1000).toISOString() })
				.where("id", "=", res.body.id)
				.execute();
			const expired = await t().request("GET", recordsUrl("users"), {
				token: key,
			});
			expectProblem(expired, 401, "INVALID_TOKEN");
			expect(expired.body.detail).toContain("expired");

			const live = await t().request("POST", KEYS, {
				token: ann.token,
				body: {
					name: "k",
					scopes: ["records:read:users"],
					expiresAt: new Date(Date.now() + 3600_000).toISOString(),
				},
			});
			expect(
				(
					await t().request("GET", recordsUrl("users"), {
						token: live.body.key,
					})
				).status,
			).toBe(200);
			const revoked = await t().request("DELETE", `${KEYS}/${live.body.id}`, {
				token: ann.token,
			});
			expect(revoked.status).toBe(204);
			expect(await storedKey(t(), live.body.id)).toBeUndefined();
			const after = await t().request("GET", recordsUrl("users"), {
				token: live.body.key,
			});
			expectProblem(after, 401, "INVALID_TOKEN");
			expect(after.headers["www-authenticate"]).toMatch(/^Bearer /);
		});

		it("records lastUsedAt at most once a minute", async () => {
			const res = await t().request("POST", KEYS, {
				token: ann.token,
				body: { name: "k", scopes: ["records:read:users"] },
			});
			const view = () =>
				t().request("GET", `${KEYS}/${res.body.id}`, { token: ann.token });
			expect((await view()).body.lastUsedAt).toBeNull();
			await t().request("GET", recordsUrl("users"), { token: res.body.key });
			const first = (await view()).body.lastUsedAt as string;
			expect(Date.now() - Date.parse(first)).toBeLessThan(60_000);
			// Within the minute a use reads the key and writes nothing.
			const { sql } = await recordStatements(t(), () =>
				t().request("GET", recordsUrl("users"), { token: res.body.key }),
			);
			expect(sql.some((q) => /_api_keys/.test(q))).toBe(true);
			expect(sql.filter((q) => /^update/i.test(q))).toEqual([]);
			expect((await view()).body.lastUsedAt).toBe(first);
			// A minute later it is written again.
			const old = new Date(Date.now() - 61_000).toISOString();
			await t()
				.app.db.kysely.updateTable("_api_keys")
				.set({ last_used_at: old })
				.where("id", "=", res.body.id)
				.execute();
			await t().request("GET", recordsUrl("users"), { token: res.body.key });
			expect(Date.parse((await view()).body.lastUsedAt)).toBeGreaterThan(
				Date.parse(old),
			);
		});

		it("stops a key when its owner changes password or is deleted", async () => {
			const cat = await signUp(t(), "cat@example.com");
			const key = await makeApiKey(t(), cat.token, ["records:read:users"]);
			const NEW = "another long password";
			const changed = await t().request(
				"PATCH",
				recordsUrl("users", {}, cat.id),
				{
					token: cat.token,
					body: {
						password: NEW,
						passwordConfirm: NEW,
						oldPassword: ACCOUNT_PASSWORD,
					},
				},
			);
			expect(changed.status, changed.text).toBe(200);
			const refused = await t().request("GET", recordsUrl("users"), {
				token: key,
			});
			expectProblem(refused, 401, "INVALID_TOKEN");
			expect(refused.body.detail).toContain("password");

			const dan = await signUp(t(), "dan@example.com");
			const danKey = await makeApiKey(t(), dan.token, ["records:read:users"]);
			await t().request("DELETE", recordsUrl("users", {}, dan.id), {
				token: "superuser",
			});
			expectProblem(
				await t().request("GET", recordsUrl("users"), { token: danKey }),
				401,
				"INVALID_TOKEN",
			);
		});

		it("gives a superuser's key only the admin endpoints its scopes name", async () => {
			const reader = await makeApiKey(t(), "superuser", ["collections:read"]);
			expect(
				(await t().request("GET", "/api/v1/collections", { token: reader }))
					.status,
			).toBe(200);
			const cases: [string, string, string][] = [
				["POST", "/api/v1/collections", "collections:write"],
				["GET", "/api/v1/jobs", "jobs"],
				["GET", "/api/v1/webhooks", "webhooks"],
				["GET", recordsUrl("vault"), "records:read:vault"],
			];
			for (const [method, url, scope] of cases) {
				const res = await t().request(method, url, {
					token: reader,
					body: method === "POST" ? { name: "nope" } : undefined,
				});
				const problem = expectProblem(res, 403, "INSUFFICIENT_SCOPE");
				expect(problem.scope).toBe(scope);
				expect(problem.detail).toContain(scope);
				expect(res.headers["www-authenticate"]).toBe(
					`Bearer error="insufficient_scope", scope="${scope}"`,
				);
			}
			const jobs = await makeApiKey(t(), "superuser", ["jobs", "webhooks"]);
			for (const url of ["/api/v1/jobs", "/api/v1/webhooks"])
				expect((await t().request("GET", url, { token: jobs })).status).toBe(
					200,
				);

			// Acting as a superuser, a records scope opens superuser-only collections.
			const vault = await makeApiKey(t(), "superuser", ["records:read:vault"]);
			const gold = await t().request("GET", recordsUrl("vault"), {
				token: vault,
			});
			expect(gold.body.items.map((r: { title: string }) => r.title)).toEqual([
				"gold",
			]);
			expectProblem(
				await t().request("POST", recordsUrl("vault"), {
					token: vault,
					body: { title: "lead" },
				}),
				403,
				"INSUFFICIENT_SCOPE",
			);
			const admin = await makeApiKey(t(), "superuser", ["admin"]);
			expect(
				(
					await t().request("POST", recordsUrl("vault"), {
						token: admin,
						body: { title: "silver" },
					})
				).status,
			).toBe(201);
			expect(
				(await t().request("GET", "/api/v1/jobs", { token: admin })).status,
			).toBe(200);

			// A user's key stays a user: superuser endpoints stay closed.
			const userKey = await makeApiKey(t(), ann.token, ["records:read:*"]);
			expectProblem(
				await t().request("GET", "/api/v1/collections", { token: userKey }),
				403,
				"SUPERUSER_REQUIRED",
			);
		});
	});
});
