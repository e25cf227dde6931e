import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	createCollection,
	signedInUser,
} from "../helpers/response-cache-scenarios.js";
import type { TestApp } from "../helpers/test-app.js";

/*
 * The response cache may never change an answer (docs/caching.md). Random sequences of
 * writes and reads by different callers (a guest, two users, a superuser) run against
 * one server whose collections cache; each read is made twice, as the cache serves it
 * and with `Cache-Control: no-store` (straight from the database), with nothing in
 * between: the two must be byte for byte the same. The collections cover owner rules,
 * public rules, a rule through a relation, a rule on the caller's own fields, expand,
 * filters and a rule change, on every read path (list and view).
 */

type Caller = "guest" | "ann" | "bob" | "superuser";
const CALLERS: Caller[] = ["guest", "ann", "bob", "superuser"];

type Command =
	| {
			kind: "createPost";
			by: Caller;
			title: string;
			owner: "ann" | "bob";
			team: number;
	  }
	| { kind: "updatePost"; by: Caller; pick: number; title: string }
	| { kind: "deletePost"; by: Caller; pick: number }
	| { kind: "renameTeam"; team: number; name: string }
	| { kind: "setRole"; user: "ann" | "bob"; role: "staff" | "member" }
	| { kind: "postRule"; rule: number }
	| { kind: "list"; by: Caller; query: number }
	| { kind: "memos"; by: Caller }
	| { kind: "view"; by: Caller; pick: number };

const POST_RULES = [
	"",
	"owner = @request.auth.id",
	'team.name = "red" || owner = @request.auth.id',
	'@request.auth.role = "staff"',
];
const QUERIES = [
	"",
	"?expand=team,owner",
	"?sort=-title&fields=id,title",
	`?filter=${encodeURIComponent('title ~ "a"')}`,
	`?filter=${encodeURIComponent('team.name = "red"')}&expand=team`,
	"?perPage=2&page=2&sort=title",
];

const title = fc.constantFrom("alpha", "beta", "gamma", "delta", "kappa");
const caller = fc.constantFrom<Caller>(...CALLERS);
const user = fc.constantFrom<"ann" | "bob">("ann", "bob");
const command: fc.Arbitrary<Command> = fc.oneof(
	fc.record({
		kind: fc.constant("createPost" as const),
		by: caller,
		title,
		owner: user,
		team: fc.nat(2),
	}),
	fc.record({
		kind: fc.constant("updatePost" as const),
		by: caller,
		pick: fc.nat(20),
		title,
	}),
	fc.record({
		kind: fc.constant("deletePost" as const),
		by: caller,
		pick: fc.nat(20),
	}),
	fc.record({
		kind: fc.constant("renameTeam" as const),
		team: fc.nat(2),
		name: fc.constantFrom("red", "blue"),
	}),
	fc.record({
		kind: fc.constant("setRole" as const),
		user,
		role: fc.constantFrom<"staff" | "member">("staff", "member"),
	}),
	fc.record({
		kind: fc.constant("postRule" as const),
		rule: fc.nat(POST_RULES.length - 1),
	}),
	fc.record({
		kind: fc.constant("list" as const),
		by: caller,
		query: fc.nat(QUERIES.length - 1),
	}),
	fc.record({
		kind: fc.constant("list" as const),
		by: caller,
		query: fc.nat(QUERIES.length - 1),
	}),
	fc.record({
		kind: fc.constant("view" as const),
		by: caller,
		pick: fc.nat(20),
	}),
	fc.record({
		kind: fc.constant("view" as const),
		by: caller,
		pick: fc.nat(20),
	}),
	fc.record({ kind: fc.constant("memos" as const), by: caller }),
);

describeEachDialect(
	"response cache, random sequences against a fresh read",
	(t) => {
		const tokens: Partial<Record<Caller, string>> = {};
		const ids: Partial<Record<"ann" | "bob", string>> = {};
		const teams: string[] = [];
		const posts: string[] = [];
		let hits = 0;

		const asCaller = (by: Caller) => {
			const token =
				by === "guest"
					? undefined
					: by === "superuser"
						? "superuser"
						: tokens[by];
			return token ? { token } : {};
		};

		beforeAll(async () => {
			const app: TestApp = t();
			const users = await app.request("PATCH", "/api/v1/collections/users", {
				token: "superuser",
				body: { fields: [{ name: "role", type: "text" }] },
			});
			expect(users.status, users.text).toBe(200);
			for (const name of ["ann", "bob"] as const) {
				const made = await signedInUser(app, `${name}@example.com`, {
					role: "member",
				});
				tokens[name] = made.token;
				ids[name] = made.id;
			}
			await createCollection(app, {
				name: "teams",
				fields: [{ name: "name", type: "text" }],
				rules: { list: "", view: "" },
				cache: { mode: "on", ttlSeconds: 600 },
			});
			for (const name of ["red", "blue", "red"]) {
				const team = await app.request(
					"POST",
					"/api/v1/collections/teams/records",
					{
						token: "superuser",
						body: { name },
					},
				);
				teams.push(team.body.id);
			}
			// No relation to users: only the caller's own record changes its answers.
			await createCollection(app, {
				name: "memos",
				fields: [{ name: "title", type: "text" }],
				rules: { list: '@request.auth.role = "staff"' },
				cache: { mode: "on", ttlSeconds: 600 },
			});
			await app.request("POST", "/api/v1/collections/memos/records", {
				token: "superuser",
				body: { title: "for staff" },
			});
			await createCollection(app, {
				name: "posts",
				fields: [
					{ name: "title", type: "text" },
					{ name: "owner", type: "relation", collection: "users" },
					{ name: "team", type: "relation", collection: "teams" },
				],
				rules: {
					list: "",
					view: "",
					create: '@request.auth.id != ""',
					update: "owner = @request.auth.id",
					delete: "owner = @request.auth.id",
				},
				cache: { mode: "on", ttlSeconds: 600 },
			});
		});

		async function run(cmd: Command): Promise<void> {
			const app = t();
			const pick = (n: number) =>
				posts.length ? posts[n % posts.length] : "0".repeat(36);
			switch (cmd.kind) {
				case "createPost": {
					const res = await app.request(
						"POST",
						"/api/v1/collections/posts/records",
						{
							...asCaller(cmd.by),
							body: {
								title: cmd.title,
								owner: ids[cmd.owner],
								team: teams[cmd.team],
							},
						},
					);
					if (res.status === 201) posts.push(res.body.id);
					return;
				}
				case "updatePost":
					await app.request(
						"PATCH",
						`/api/v1/collections/posts/records/${pick(cmd.pick)}`,
						{
							...asCaller(cmd.by),
							body: { title: cmd.title },
						},
					);
					return;
				case "deletePost":
					await app.request(
						"DELETE",
						`/api/v1/collections/posts/records/${pick(cmd.pick)}`,
						asCaller(cmd.by),
					);
					return;
				case "renameTeam":
					await app.request(
						"PATCH",
						`/api/v1/collections/teams/records/${teams[cmd.team]}`,
						{
							token: "superuser",
							body: { name: cmd.name },
						},
					);
					return;
				case "setRole":
					await app.request(
						"PATCH",
						`/api/v1/collections/users/records/${ids[cmd.user]}`,
						{
							token: "superuser",
							body: { role: cmd.role },
						},
					);
					return;
				case "postRule": {
					const rule = POST_RULES[cmd.rule];
					await app.request("PATCH", "/api/v1/collections/posts", {
						token: "superuser",
						body: { rules: { list: rule, view: rule } },
					});
					return;
				}
				case "list":
				case "memos":
				case "view": {
					const url =
						cmd.kind === "list"
							? `/api/v1/collections/posts/records${QUERIES[cmd.query]}`
							: cmd.kind === "memos"
								? "/api/v1/collections/memos/records"
								: `/api/v1/collections/posts/records/${pick(cmd.pick)}?expand=team`;
					// Read twice as the cache serves it (a miss stores, the second hits), then
					// once fresh.
					const first = await app.request("GET", url, asCaller(cmd.by));
					const cached = await app.request("GET", url, asCaller(cmd.by));
					const fresh = await app.request("GET", url, {
						...asCaller(cmd.by),
						headers: { "cache-control": "no-store" },
					});
					if (fresh.status === 200)
						expect(fresh.headers["x-cache"]).toBe("BYPASS");
					if (cached.headers["x-cache"] === "HIT") hits++;
					// Problems carry their request's id: compare their codes.
					const seen = (res: typeof cached) => ({
						status: res.status,
						body: res.status === 200 ? res.text : res.body.code,
					});
					for (const read of [first, cached])
						expect(
							seen(read),
							`${cmd.by} GET ${url} (${read.headers["x-cache"]})`,
						).toEqual(seen(fresh));
					if (cached.status === 200)
						expect(cached.headers.etag).toBe(fresh.headers.etag);
				}
			}
		}

		it("answers every read exactly as the database does, whoever asks", async () => {
			await fc.assert(
				fc.asyncProperty(
					fc.array(command, { minLength: 10, maxLength: 40 }),
					async (cmds) => {
						for (const cmd of cmds) await run(cmd);
					},
				),
				{
					numRuns: 40,
					// The sequences each rule of invalidation exists for, always tried.
					examples: [
						[
							[
								{ kind: "memos", by: "ann" },
								{ kind: "setRole", user: "ann", role: "staff" },
								{ kind: "memos", by: "ann" },
								{ kind: "setRole", user: "ann", role: "member" },
								{ kind: "memos", by: "ann" },
							],
						],
						[
							[
								{
									kind: "createPost",
									by: "ann",
									title: "alpha",
									owner: "ann",
									team: 0,
								},
								{ kind: "list", by: "guest", query: 4 },
								{ kind: "renameTeam", team: 0, name: "blue" },
								{ kind: "list", by: "guest", query: 4 },
								{ kind: "postRule", rule: 1 },
								{ kind: "list", by: "ann", query: 1 },
								{ kind: "list", by: "bob", query: 1 },
							],
						],
					],
				},
			);
			// The property means something only if the cache served answers.
			expect(hits).toBeGreaterThan(100);
		}, 240_000);
	},
);
