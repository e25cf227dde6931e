import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { makeApiKey } from "../helpers/machine-access.js";
import type { TestApp } from "../helpers/test-app.js";

const PASSWORD = "quiet lantern morning";

/**
 * Who asks. `impersonating-ann` is a superuser's impersonation token for ann; the
 * keys are ann's API keys with read, and read and write, scopes.
 */
type Who =
	| "guest"
	| "ann"
	| "bob"
	| "impersonating-ann"
	| "ann-key-read"
	| "ann-key-write"
	| "superuser";
const EVERYONE: Who[] = [
	"guest",
	"ann",
	"bob",
	"impersonating-ann",
	"ann-key-read",
	"ann-key-write",
	"superuser",
];

/** What each caller gets from each operation on ann's record of each collection. */
type Outcome = number;

/**
 * The three rule sets most apps use, and what each caller gets on ann's record.
 * `owned`: owner-only rules; `public`: anyone reads, signed-in users create, owners
 * change; `locked`: null rules, superusers only.
 */
const COLLECTIONS = {
	owned: {
		rules: {
			list: "owner = @request.auth.id",
			view: "owner = @request.auth.id",
			create: "owner = @request.auth.id",
			update: "owner = @request.auth.id",
			delete: "owner = @request.auth.id",
		},
		// [list shows it, view, update, delete]
		expect: {
			guest: [false, 404, 404, 404],
			ann: [true, 200, 200, 204],
			bob: [false, 404, 404, 404],
			"impersonating-ann": [true, 200, 200, 204],
			// An API key acts as ann, narrowed by its scopes.
			"ann-key-read": [true, 200, 403, 403],
			"ann-key-write": [true, 200, 200, 204],
			superuser: [true, 200, 200, 204],
		},
	},
	public: {
		rules: {
			list: "",
			view: "",
			create: '@request.auth.id != ""',
			update: "owner = @request.auth.id",
			delete: "owner = @request.auth.id",
		},
		expect: {
			// The record is visible, so a refused write is a 403, not a 404.
			guest: [true, 200, 403, 403],
			ann: [true, 200, 200, 204],
			bob: [true, 200, 403, 403],
			"impersonating-ann": [true, 200, 200, 204],
			"ann-key-read": [true, 200, 403, 403],
			"ann-key-write": [true, 200, 200, 204],
			superuser: [true, 200, 200, 204],
		},
	},
	locked: {
		rules: {
			list: null,
			view: null,
			create: null,
			update: null,
			delete: null,
		},
		expect: {
			guest: [401, 401, 401, 401],
			ann: [403, 403, 403, 403],
			bob: [403, 403, 403, 403],
			"impersonating-ann": [403, 403, 403, 403],
			"ann-key-read": [403, 403, 403, 403],
			"ann-key-write": [403, 403, 403, 403],
			superuser: [true, 200, 200, 204],
		},
	},
} as const satisfies Record<
	string,
	{
		rules: Record<string, string | null>;
		expect: Record<Who, readonly (boolean | Outcome)[]>;
	}
>;

describeEachDialect("authorization matrix", (t) => {
	const tokens: Partial<Record<Who, string>> = {};
	const ids: Record<string, string> = {};

	async function signUp(email: string) {
		const res = await t().request("POST", "/api/v1/collections/users/records", {
			body: { email, password: PASSWORD, passwordConfirm: PASSWORD },
		});
		expect(res.status).toBe(201);
		const login = await t().request(
			"POST",
			"/api/v1/collections/users/auth/password",
			{ body: { identity: email, password: PASSWORD } },
		);
		return login.body as { token: string; record: { id: string } };
	}

	beforeAll(async () => {
		const ann = await signUp("ann@example.com");
		const bob = await signUp("bob@example.com");
		ids.ann = ann.record.id;
		ids.bob = bob.record.id;
		tokens.ann = ann.token;
		tokens.bob = bob.token;
		tokens.superuser = t().superuserToken;
		const imp = await t().request(
			"POST",
			`/api/v1/collections/users/impersonate/${ann.record.id}`,
			{ token: "superuser" },
		);
		tokens["impersonating-ann"] = imp.body.token;
		tokens["ann-key-read"] = await makeApiKey(t(), ann.token, [
			"records:read:*",
		]);
		tokens["ann-key-write"] = await makeApiKey(t(), ann.token, [
			"records:read:*",
			"records:write:*",
		]);
		for (const [name, { rules }] of Object.entries(COLLECTIONS)) {
			const res = await t().request("POST", "/api/v1/collections", {
				token: "superuser",
				body: {
					name,
					fields: [
						{ name: "title", type: "text" },
						{ name: "owner", type: "relation", collection: "users" },
					],
					rules,
				},
			});
			expect(res.status, res.text).toBe(201);
		}
	});

	const as = (who: Who) => (tokens[who] ? { token: tokens[who] } : {});

	/** A fresh record of ann's, made by a superuser so every rule set has one. */
	async function annRecord(collection: string) {
		const res = await t().request(
			"POST",
			`/api/v1/collections/${collection}/records`,
			{ token: "superuser", body: { title: "ann's", owner: ids.ann } },
		);
		expect(res.status).toBe(201);
		return res.body.id as string;
	}

	for (const [name, spec] of Object.entries(COLLECTIONS)) {
		for (const who of EVERYONE) {
			it(`${name}: ${who} lists, views, updates and deletes ann's record as the rules say`, async () => {
				const [listed, view, update, remove] = spec.expect[who];
				const id = await annRecord(name);
				const base = `/api/v1/collections/${name}/records`;
				const list = await t().request("GET", `${base}?perPage=500`, as(who));
				if (typeof listed === "number") expect(list.status).toBe(listed);
				else {
					expect(list.status).toBe(200);
					const seen = list.body.items.some((r: { id: string }) => r.id === id);
					expect(seen).toBe(listed);
				}
				expect(
					(await t().request("GET", `${base}/${id}`, as(who))).status,
				).toBe(view);
				// Expand goes through the target's rules: ann's user record is hers alone.
				if (view === 200) {
					const expanded = await t().request(
						"GET",
						`${base}/${id}?expand=owner`,
						as(who),
					);
					const seesAnn = who !== "guest" && who !== "bob";
					expect(expanded.body.expand?.owner?.id).toBe(
						seesAnn ? ids.ann : undefined,
					);
				}
				const patch = await t().request("PATCH", `${base}/${id}`, {
					...as(who),
					body: { title: "changed" },
				});
				expect(patch.status).toBe(update);
				const batch = await t().request("POST", "/api/v1/batch", {
					...as(who),
					body: {
						requests: [{ method: "DELETE", url: `${base}/${id}` }],
					},
				});
				expect(batch.status === 200).toBe(remove === 204);
				if (remove !== 204) {
					const gone = await t().request("DELETE", `${base}/${id}`, as(who));
					expect(gone.status).toBe(remove);
				}
				const after = await t().request("GET", `${base}/${id}`, {
					token: "superuser",
				});
				expect(after.status).toBe(remove === 204 ? 404 : 200);
			});
		}
	}

	it("creates, imports and exports under the same rules and scopes", async () => {
		// [create for ann, import, export] on the owner-only collection.
		const expected: Record<Who, [number, number, number]> = {
			guest: [403, 401, 401],
			ann: [201, 202, 202],
			bob: [403, 202, 202],
			"impersonating-ann": [201, 202, 202],
			"ann-key-read": [403, 403, 202],
			"ann-key-write": [201, 202, 202],
			superuser: [201, 202, 202],
		};
		const base = "/api/v1/collections/owned";
		for (const who of EVERYONE) {
			const [create, imported, exported] = expected[who];
			const made = await t().request("POST", `${base}/records`, {
				...as(who),
				body: { title: `by ${who}`, owner: ids.ann },
			});
			expect(made.status, `create as ${who}`).toBe(create);
			const upload = await t().request("POST", `${base}/import`, {
				...as(who),
				headers: { "content-type": "application/x-ndjson" },
				body: JSON.stringify({ title: "imported", owner: ids.ann }),
			});
			expect(upload.status, `import as ${who}`).toBe(imported);
			const exporting = await t().request("POST", `${base}/export`, as(who));
			expect(exporting.status, `export as ${who}`).toBe(exported);
		}
	});

	it("keeps every user to their own records over random sequences of writes", async () => {
		const users = ["ann", "bob"] as const;
		type Command =
			| { op: "create"; user: (typeof users)[number]; title: string }
			| { op: "update" | "delete"; user: (typeof users)[number]; pick: number };
		const command: fc.Arbitrary<Command> = fc.oneof(
			fc.record({
				op: fc.constant("create" as const),
				user: fc.constantFrom(...users),
				title: fc.string({ maxLength: 12 }),
			}),
			fc.record({
				op: fc.constantFrom("update" as const, "delete" as const),
				user: fc.constantFrom(...users),
				pick: fc.nat(),
			}),
		);
		const base = "/api/v1/collections/owned/records";
		await fc.assert(
			fc.asyncProperty(
				fc.array(command, { maxLength: 12 }),
				async (commands) => {
					const app: TestApp = t();
					// The model: which user owns which record made in this run.
					const owners = new Map<string, string>();
					for (const c of commands) {
						const token = tokens[c.user] as string;
						if (c.op === "create") {
							const res = await app.request("POST", base, {
								token,
								body: { title: c.title, owner: ids[c.user] },
							});
							expect(res.status).toBe(201);
							owners.set(res.body.id, c.user);
							continue;
						}
						const known = [...owners.keys()];
						if (known.length === 0) continue;
						const id = known[c.pick % known.length] as string;
						const mine = owners.get(id) === c.user;
						const res =
							c.op === "update"
								? await app.request("PATCH", `${base}/${id}`, {
										token,
										body: { title: "x" },
									})
								: await app.request("DELETE", `${base}/${id}`, { token });
						expect(res.status).toBe(
							mine ? (c.op === "update" ? 200 : 204) : 404,
						);
						if (mine && c.op === "delete") owners.delete(id);
					}
					for (const user of users) {
						const list = await app.request("GET", `${base}?perPage=500`, {
							token: tokens[user] as string,
						});
						const seen = new Set(
							list.body.items.map((r: { id: string }) => r.id),
						);
						for (const [id, owner] of owners)
							expect(seen.has(id)).toBe(owner === user);
						for (const r of list.body.items as { owner: string }[])
							expect(r.owner).toBe(ids[user]);
					}
				},
			),
			{ numRuns: 15 },
		);
	});
});
