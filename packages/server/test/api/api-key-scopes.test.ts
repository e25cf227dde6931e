import { beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	makeApiKey,
	signUp,
	type TestAccount,
} from "../helpers/machine-access.js";
import {
	type ApiRecord,
	allRecords,
	createCollection,
	createRecord,
	expectProblem,
	openRules,
	recordsUrl,
} from "../helpers/records-api.js";
import type { TestResponse } from "../helpers/test-app.js";

const mine = "owner = @request.auth.id";

/** Asserts a 403 INSUFFICIENT_SCOPE that names `scope`. */
function expectScopeRefusal(res: TestResponse, scope: string): void {
	const problem = expectProblem(res, 403, "INSUFFICIENT_SCOPE");
	expect(problem.scope).toBe(scope);
}

const titles = (res: TestResponse) =>
	(res.body.items as ApiRecord[]).map((r) => r.title).sort();

describeEachDialect(
	"API key scopes",
	(t) => {
		let ann: TestAccount;
		let bob: TestAccount;
		let annNote: ApiRecord;
		let bobNote: ApiRecord;
		const scopes = {
			readNotes: ["records:read:notes"],
			readAll: ["records:read:*"],
			writeNotes: ["records:write:notes"],
			writeAll: ["records:write:*"],
		};
		const keys = { readNotes: "", readAll: "", writeNotes: "", writeAll: "" };

		beforeAll(async () => {
			ann = await signUp(t(), "ann@example.com");
			bob = await signUp(t(), "bob@example.com");
			await createCollection(t(), {
				name: "tags",
				fields: [{ name: "label", type: "text" }],
				rules: openRules,
			});
			await createCollection(t(), {
				name: "notes",
				fields: [
					{ name: "title", type: "text" },
					{ name: "owner", type: "relation", collection: "users" },
					{ name: "tag", type: "relation", collection: "tags" },
				],
				rules: {
					list: mine,
					view: mine,
					create: mine,
					update: mine,
					delete: mine,
				},
			});
			const red = await createRecord(t(), "tags", { label: "red" });
			annNote = await createRecord(t(), "notes", {
				title: "ann 1",
				owner: ann.id,
				tag: red.id,
			});
			await createRecord(t(), "notes", { title: "ann 2", owner: ann.id });
			bobNote = await createRecord(t(), "notes", {
				title: "bob 1",
				owner: bob.id,
			});
			for (const name of Object.keys(scopes) as (keyof typeof scopes)[])
				keys[name] = await makeApiKey(t(), ann.token, scopes[name]);
			t().app.jobs.startWorker();
		});

		describe("reads", () => {
			it("lists and views with a read scope, under the owner's rules", async () => {
				const list = await t().request("GET", recordsUrl("notes"), {
					token: keys.readNotes,
				});
				expect(list.status, list.text).toBe(200);
				// The rule sees the key's owner: Ann's notes, never Bob's.
				expect(titles(list)).toEqual(["ann 1", "ann 2"]);
				const own = await t().request(
					"GET",
					recordsUrl("notes", {}, annNote.id),
					{ token: keys.readNotes },
				);
				expect(own.status).toBe(200);
				expectProblem(
					await t().request("GET", recordsUrl("notes", {}, bobNote.id), {
						token: keys.readNotes,
					}),
					404,
					"RECORD_NOT_FOUND",
				);
				const all = await t().request("GET", recordsUrl("tags"), {
					token: keys.readAll,
				});
				expect(all.status).toBe(200);
			});

			it("refuses list and view without a read scope for the collection", async () => {
				for (const url of [
					recordsUrl("notes"),
					recordsUrl("notes", {}, annNote.id),
				]) {
					expectScopeRefusal(
						await t().request("GET", url, { token: keys.writeNotes }),
						"records:read:notes",
					);
				}
				expectScopeRefusal(
					await t().request("GET", recordsUrl("tags"), {
						token: keys.readNotes,
					}),
					"records:read:tags",
				);
				// The same account signed in is not narrowed.
				expect(
					(await t().request("GET", recordsUrl("tags"), { token: ann.token }))
						.status,
				).toBe(200);
			});

			it("refuses expanding into or filtering through a collection the key may not read", async () => {
				const probes = [
					recordsUrl("notes", { expand: "tag" }),
					recordsUrl("notes", { expand: "tag" }, annNote.id),
					recordsUrl("notes", { filter: 'tag.label = "red"' }),
					recordsUrl("notes", { filter: '@collection.tags.label = "red"' }),
				];
				for (const url of probes) {
					expectScopeRefusal(
						await t().request("GET", url, { token: keys.readNotes }),
						"records:read:tags",
					);
				}
				const expanded = await t().request(
					"GET",
					recordsUrl("notes", { expand: "tag", filter: 'tag.label = "red"' }),
					{ token: keys.readAll },
				);
				expect(expanded.status, expanded.text).toBe(200);
				expect(expanded.body.items).toHaveLength(1);
				expect(expanded.body.items[0].expand.tag.label).toBe("red");
				// Expanding into users also needs its scope, even to see oneself.
				expectScopeRefusal(
					await t().request("GET", recordsUrl("notes", { expand: "owner" }), {
						token: keys.readNotes,
					}),
					"records:read:users",
				);
			});
		});

		describe("writes", () => {
			it("refuses create, update and delete without a write scope, changing nothing", async () => {
				const attempts: [string, string, Record<string, unknown>?][] = [
					["POST", recordsUrl("notes"), { title: "new", owner: ann.id }],
					["PATCH", recordsUrl("notes", {}, annNote.id), { title: "changed" }],
					["PUT", recordsUrl("notes", {}, annNote.id), { title: "replaced" }],
					["DELETE", recordsUrl("notes", {}, annNote.id)],
				];
				const before = await allRecords(t(), "notes");
				for (const [method, url, body] of attempts) {
					expectScopeRefusal(
						await t().request(method, url, { token: keys.readNotes, body }),
						"records:write:notes",
					);
				}
				expectScopeRefusal(
					await t().request("POST", recordsUrl("tags"), {
						token: keys.writeNotes,
						body: { label: "blue" },
					}),
					"records:write:tags",
				);
				expect(await allRecords(t(), "notes")).toEqual(before);
			});

			it("creates, updates and deletes with a write scope, under the rules", async () => {
				const created = await t().request("POST", recordsUrl("notes"), {
					token: keys.writeNotes,
					body: { title: "by key", owner: ann.id },
				});
				expect(created.status, created.text).toBe(201);
				const url = recordsUrl("notes", {}, created.body.id);
				const updated = await t().request("PATCH", url, {
					token: keys.writeNotes,
					body: { title: "by key, changed" },
				});
				expect(updated.status, updated.text).toBe(200);
				expect(
					(await t().request("DELETE", url, { token: keys.writeNotes })).status,
				).toBe(204);
				// Rules still hold: not Bob's note, and not a note in Bob's name.
				expectProblem(
					await t().request("PATCH", recordsUrl("notes", {}, bobNote.id), {
						token: keys.writeNotes,
						body: { title: "stolen" },
					}),
					404,
					"RECORD_NOT_FOUND",
				);
				expectProblem(
					await t().request("POST", recordsUrl("notes"), {
						token: keys.writeNotes,
						body: { title: "forged", owner: bob.id },
					}),
					403,
					"RULE_DENIED",
				);
			});

			it("replays no Idempotency-Key answer to a key without the write scope", async () => {
				const headers = { "idempotency-key": "note-once" };
				const first = await t().request("POST", recordsUrl("notes"), {
					token: ann.token,
					headers,
					body: { title: "once", owner: ann.id },
				});
				expect(first.status, first.text).toBe(201);
				const replayed = await t().request("POST", recordsUrl("notes"), {
					token: ann.token,
					headers,
					body: { title: "once", owner: ann.id },
				});
				expect(replayed.headers["idempotency-replayed"]).toBe("true");
				expectScopeRefusal(
					await t().request("POST", recordsUrl("notes"), {
						token: keys.readNotes,
						headers,
						body: { title: "once", owner: ann.id },
					}),
					"records:write:notes",
				);
			});

			it("fails a whole batch when one sub-request is out of scope, writing nothing", async () => {
				const before = await allRecords(t(), "notes");
				const tagsBefore = await allRecords(t(), "tags");
				const res = await t().request("POST", "/api/v1/batch", {
					token: keys.writeNotes,
					body: {
						requests: [
							{
								method: "POST",
								url: "/api/v1/collections/notes/records",
								body: { title: "batched", owner: ann.id },
							},
							{
								method: "POST",
								url: "/api/v1/collections/tags/records",
								body: { label: "batched" },
							},
						],
					},
				});
				expectScopeRefusal(res, "records:write:tags");
				expect(res.body.index).toBe(1);
				expect(await allRecords(t(), "notes")).toEqual(before);
				expect(await allRecords(t(), "tags")).toEqual(tagsBefore);

				const ok = await t().request("POST", "/api/v1/batch", {
					token: keys.writeAll,
					body: {
						requests: [
							{
								method: "PATCH",
								url: `/api/v1/collections/notes/records/${annNote.id}`,
								body: { title: "ann 1" },
							},
							{
								method: "POST",
								url: "/api/v1/collections/tags/records",
								body: { label: "batched" },
							},
						],
					},
				});
				expect(ok.status, ok.text).toBe(200);
				expect(
					ok.body.responses.map((r: { status: number }) => r.status),
				).toEqual([200, 201]);
			});
		});

		describe("imports and exports", () => {
			const jobOf = (location: string) =>
				eventually(
					() => t().request("GET", location, { token: "superuser" }),
					(r) => ["completed", "failed"].includes(r.body?.status),
				);

			it("imports only with a write scope", async () => {
				const ndjson = `{"title":"imported","owner":"${ann.id}"}\n`;
				const upload = (token: string) =>
					t().request("POST", "/api/v1/collections/notes/import", {
						token,
						body: ndjson,
						headers: { "content-type": "application/x-ndjson" },
					});
				expectScopeRefusal(await upload(keys.readNotes), "records:write:notes");
				const accepted = await upload(keys.writeNotes);
				expect(accepted.status, accepted.text).toBe(202);
				const job = await jobOf(accepted.headers.location as string);
				expect(job.body.status).toBe("completed");
				expect(job.body.result).toMatchObject({
					rowsImported: 1,
					rowsFailed: 0,
				});
				const notes = await allRecords(t(), "notes");
				expect(notes.map((n) => n.title)).toContain("imported");
			});

			it("exports only with a read scope, under the rules, and downloads need it too", async () => {
				expectScopeRefusal(
					await t().request("POST", "/api/v1/collections/notes/export", {
						token: keys.writeNotes,
					}),
					"records:read:notes",
				);
				const started = await t().request(
					"POST",
					"/api/v1/collections/notes/export?format=ndjson",
					{ token: keys.readNotes },
				);
				expect(started.status, started.text).toBe(202);
				const job = await jobOf(started.headers.location as string);
				expect(job.body.status).toBe("completed");
				const download = job.body.result.download as string;
				const file = await t().request("GET", download, {
					token: keys.readNotes,
				});
				expect(file.status, file.text).toBe(200);
				const exported = file.text
					.trim()
					.split("\n")
					.map((line) => JSON.parse(line).title as string);
				expect(exported).toContain("ann 2");
				expect(exported).not.toContain("bob 1");
				// Another key of the same owner without the read scope gets nothing.
				expectScopeRefusal(
					await t().request("GET", download, { token: keys.writeNotes }),
					"records:read:notes",
				);
			});
		});
	},
	{ BASALT_JOB_POLL_MS: "20" },
);
