import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import type { TestApp } from "../helpers/test-app.js";

const PASSWORD = "quiet lantern morning";
const CACHE_MS = 1000;

/** An auth collection `staff` with a `role`, and a `vault` only role "boss" may view. */
async function setUp(t: TestApp) {
	const staff = await t.request("POST", "/api/v1/collections", {
		token: "superuser",
		body: {
			name: "staff",
			type: "auth",
			fields: [{ name: "role", type: "text" }],
			rules: {
				view: "id = @request.auth.id",
				create: "",
				update: "id = @request.auth.id",
				delete: "id = @request.auth.id",
			},
		},
	});
	expect(staff.status, staff.text).toBe(201);
	const vault = await t.request("POST", "/api/v1/collections", {
		token: "superuser",
		body: {
			name: "vault",
			fields: [{ name: "title", type: "text" }],
			rules: {
				view: '@request.auth.role = "boss" && @request.auth.collectionName = "staff"',
			},
		},
	});
	expect(vault.status, vault.text).toBe(201);
	const gold = await t.request("POST", "/api/v1/collections/vault/records", {
		token: "superuser",
		body: { title: "gold" },
	});
	return { goldId: gold.body.id as string };
}

let serial = 0;

/** Signs up a `staff` account with `role` and signs it in. */
async function signedIn(t: TestApp, role = "boss") {
	const email = `worker${++serial}@example.com`;
	const made = await t.request("POST", "/api/v1/collections/staff/records", {
		token: "superuser",
		body: { email, password: PASSWORD, passwordConfirm: PASSWORD, role },
	});
	expect(made.status, made.text).toBe(201);
	const login = await t.request(
		"POST",
		"/api/v1/collections/staff/auth/password",
		{ body: { identity: email, password: PASSWORD } },
	);
	expect(login.status, login.text).toBe(200);
	return { id: made.body.id as string, token: login.body.token as string };
}

/** Changes an account's row behind the App's back, as another node or process would. */
async function writeElsewhere(t: TestApp, id: string, column: string) {
	const value = `elsewhere-${Math.random()}`;
	await sql`UPDATE staff SET ${sql.ref(column)} = ${value} WHERE id = ${id}`.execute(
		t.app.db.kysely,
	);
}

// A request with a token acts as its account without reading the account's row each
// time. These are the ways an account changes; each must take effect on the next
// request, except a write this node cannot hear, which waits out BASALT_ACCOUNT_CACHE_MS.
describeEachDialect(
	"account cache",
	(t) => {
		let goldId: string;
		const viewGold = (token: string) =>
			t().request("GET", `/api/v1/collections/vault/records/${goldId}`, {
				token,
			});
		const viewSelf = (who: { id: string; token: string }) =>
			t().request("GET", `/api/v1/collections/staff/records/${who.id}`, {
				token: who.token,
			});

		beforeAll(async () => {
			({ goldId } = await setUp(t()));
		});

		it("trusts a cached account until BASALT_ACCOUNT_CACHE_MS for changes made elsewhere", async () => {
			const who = await signedIn(t());
			expect((await viewGold(who.token)).status).toBe(200);
			const cachedAt = Date.now();
			// Another node signs the account out everywhere and demotes it.
			await writeElsewhere(t(), who.id, "token_key");
			await writeElsewhere(t(), who.id, "role");
			const soon = await viewGold(who.token);
			if (Date.now() - cachedAt < CACHE_MS - 100) expect(soon.status).toBe(200);
			await sleep(CACHE_MS + 50);
			expect((await viewGold(who.token)).status).toBe(401);
		});

		it("ends every session at once when the account changes its password", async () => {
			const who = await signedIn(t());
			expect((await viewSelf(who)).status).toBe(200);
			const changed = await t().request(
				"PATCH",
				`/api/v1/collections/staff/records/${who.id}`,
				{
					token: who.token,
					body: {
						oldPassword: PASSWORD,
						password: "a brand new passphrase",
						passwordConfirm: "a brand new passphrase",
					},
				},
			);
			expect(changed.status, changed.text).toBe(200);
			expect((await viewSelf(who)).status).toBe(401);
		});

		it("ends every session at once on logout-all", async () => {
			const who = await signedIn(t());
			expect((await viewSelf(who)).status).toBe(200);
			const out = await t().request("POST", "/api/v1/auth/logout-all", {
				token: who.token,
			});
			expect(out.status, out.text).toBe(204);
			expect((await viewSelf(who)).status).toBe(401);
		});

		it("refuses a deleted account's token at once", async () => {
			const who = await signedIn(t());
			expect((await viewSelf(who)).status).toBe(200);
			const gone = await t().request(
				"DELETE",
				`/api/v1/collections/staff/records/${who.id}`,
				{ token: "superuser" },
			);
			expect(gone.status).toBe(204);
			expect((await viewSelf(who)).status).toBe(401);
		});

		it("applies a role changed in a batch to the next request", async () => {
			const who = await signedIn(t());
			expect((await viewGold(who.token)).status).toBe(200);
			const batch = await t().request("POST", "/api/v1/batch", {
				token: "superuser",
				body: {
					requests: [
						{
							method: "PATCH",
							url: `/api/v1/collections/staff/records/${who.id}`,
							body: { role: "intern" },
						},
					],
				},
			});
			expect(batch.status, batch.text).toBe(200);
			expect((await viewGold(who.token)).status).toBe(404);
		});

		it("applies a schema change to the next request", async () => {
			const who = await signedIn(t());
			expect((await viewGold(who.token)).status).toBe(200);
			// The rule reads the account's collection name, which the cached caller holds.
			const renamed = await t().request("PATCH", "/api/v1/collections/staff", {
				token: "superuser",
				body: { name: "crew" },
			});
			expect(renamed.status, renamed.text).toBe(200);
			try {
				expect((await viewGold(who.token)).status).toBe(404);
			} finally {
				const back = await t().request("PATCH", "/api/v1/collections/crew", {
					token: "superuser",
					body: { name: "staff" },
				});
				expect(back.status, back.text).toBe(200);
			}
		});
	},
	{ BASALT_ACCOUNT_CACHE_MS: String(CACHE_MS) },
);

describeEachDialect(
	"account cache turned off",
	(t) => {
		it("reads the account on every request", async () => {
			const { goldId } = await setUp(t());
			const who = await signedIn(t());
			const viewGold = () =>
				t().request("GET", `/api/v1/collections/vault/records/${goldId}`, {
					token: who.token,
				});
			expect((await viewGold()).status).toBe(200);
			await writeElsewhere(t(), who.id, "role");
			expect((await viewGold()).status).toBe(404);
			await writeElsewhere(t(), who.id, "token_key");
			expect((await viewGold()).status).toBe(401);
		});
	},
	{ BASALT_ACCOUNT_CACHE_MS: "0" },
);
