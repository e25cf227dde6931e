import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	allRecords,
	createCollection,
	createRecord,
	expectProblem,
	openRules,
	recordsUrl,
} from "../helpers/records-api.js";

const open = openRules;

describeEachDialect("records conditional requests", (t) => {
	beforeAll(async () => {
		await createCollection(t(), {
			name: "k_notes",
			fields: [
				{ name: "text", type: "text", required: true },
				{ name: "n", type: "number" },
			],
			rules: open,
		});
		await createCollection(t(), {
			name: "k_keys",
			fields: [{ name: "text", type: "text", required: true }],
			rules: open,
		});
	});

	describe("If-None-Match", () => {
		it("answers 304 for a view whose ETag the client has", async () => {
			const { request } = t();
			const note = await createRecord(t(), "k_notes", { text: "cached" });
			const url = recordsUrl("k_notes", {}, note.id);
			const first = await request("GET", url);
			const etag = String(first.headers.etag);
			for (const header of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
				const res = await request("GET", url, {
					headers: { "if-none-match": header },
				});
				expect(res.status, header).toBe(304);
				expect(res.text).toBe("");
				expect(res.headers.etag).toBe(etag);
			}
			const other = await request("GET", url, {
				headers: { "if-none-match": '"something-else"' },
			});
			expect(other.status).toBe(200);
			expect(other.body).toEqual(note);
			await request("PATCH", url, { body: { n: 1 } });
			const changed = await request("GET", url, {
				headers: { "if-none-match": etag },
			});
			expect(changed.status).toBe(200);
			expect(changed.body.n).toBe(1);
		});

		it("answers 304 for a list until the list changes", async () => {
			const { request } = t();
			const url = recordsUrl("k_notes", { sort: "-created" });
			const first = await request("GET", url);
			const etag = String(first.headers.etag);
			const same = await request("GET", url, {
				headers: { "if-none-match": etag },
			});
			expect(same.status).toBe(304);
			expect(same.text).toBe("");
			await createRecord(t(), "k_notes", { text: "new" });
			const changed = await request("GET", url, {
				headers: { "if-none-match": etag },
			});
			expect(changed.status).toBe(200);
			expect(changed.body.items[0].text).toBe("new");
			expect(changed.headers.etag).not.toBe(etag);
		});
	});

	describe("If-Match", () => {
		it.each([
			["PATCH", { n: 2 }],
			["PUT", { text: "replaced" }],
			["DELETE", undefined],
		] as const)(
			"refuses %s with a stale ETag (412) and changes nothing",
			async (method, body) => {
				const { request } = t();
				const note = await createRecord(t(), "k_notes", { text: "v1", n: 0 });
				const url = recordsUrl("k_notes", {}, note.id);
				const stale = String((await request("GET", url)).headers.etag);
				const patched = await request("PATCH", url, { body: { n: 1 } });
				expect(patched.status).toBe(200);
				const res = await request(method, url, {
					...(body ? { body } : {}),
					headers: { "if-match": stale },
				});
				expectProblem(res, 412, "PRECONDITION_FAILED");
				const after = await request("GET", url);
				expect(after.body).toEqual(patched.body);
				expect(after.headers.etag).toBe(patched.headers.etag);
			},
		);

		it.each([
			["PATCH", { n: 2 }, 200],
			["PUT", { text: "replaced" }, 200],
			["DELETE", undefined, 204],
		] as const)(
			"lets %s through with the current ETag",
			async (method, body, status) => {
				const { request } = t();
				const note = await createRecord(t(), "k_notes", { text: "v1", n: 0 });
				const url = recordsUrl("k_notes", {}, note.id);
				const current = String((await request("GET", url)).headers.etag);
				const res = await request(method, url, {
					...(body ? { body } : {}),
					headers: { "if-match": current },
				});
				expect(res.status, res.text).toBe(status);
				const after = await request("GET", url);
				if (method === "DELETE") expect(after.status).toBe(404);
				else {
					expect(after.body).toMatchObject(body ?? {});
					expect(after.headers.etag).toBe(res.headers.etag);
				}
			},
		);

		it("lets exactly one of 8 concurrent PATCHes with one ETag win", async () => {
			const { request } = t();
			const note = await createRecord(t(), "k_notes", { text: "race", n: 0 });
			const url = recordsUrl("k_notes", {}, note.id);
			const etag = String((await request("GET", url)).headers.etag);
			const results = await Promise.all(
				Array.from({ length: 8 }, (_, i) =>
					request("PATCH", url, {
						body: { n: i + 1 },
						headers: { "if-match": etag },
					}),
				),
			);
			const won = results.filter((r) => r.status === 200);
			expect(won).toHaveLength(1);
			for (const lost of results.filter((r) => r.status !== 200))
				expectProblem(lost, 412, "PRECONDITION_FAILED");
			expect((await request("GET", url)).body.n).toBe(won[0]?.body.n);
		});

		it("accepts the ETag of a create or update, and If-Match: *", async () => {
			const { request } = t();
			const created = await request("POST", recordsUrl("k_notes"), {
				body: { text: "chain" },
			});
			const url = String(created.headers.location);
			const first = await request("PATCH", url, {
				body: { n: 1 },
				headers: { "if-match": String(created.headers.etag) },
			});
			expect(first.status, first.text).toBe(200);
			const second = await request("PATCH", url, {
				body: { n: 2 },
				headers: { "if-match": String(first.headers.etag) },
			});
			expect(second.status, second.text).toBe(200);
			const any = await request("PATCH", url, {
				body: { n: 3 },
				headers: { "if-match": "*" },
			});
			expect(any.body.n).toBe(3);
		});
	});

	describe("Idempotency-Key", () => {
		const keyed = (key: string) => ({ "idempotency-key": key });

		it("replays the first answer for the same key and body", async () => {
			const { request } = t();
			const body = { text: "once" };
			const first = await request("POST", recordsUrl("k_keys"), {
				body,
				headers: keyed("key-1"),
			});
			expect(first.status).toBe(201);
			expect(first.headers["idempotency-replayed"]).toBeUndefined();
			const again = await request("POST", recordsUrl("k_keys"), {
				body,
				headers: keyed("key-1"),
			});
			expect(again.status).toBe(201);
			expect(again.headers["idempotency-replayed"]).toBe("true");
			expect(again.text).toBe(first.text);
			expect(again.headers.location).toBe(first.headers.location);
			expect(again.headers.etag).toBe(first.headers.etag);
			const stored = await allRecords(t(), "k_keys");
			expect(stored.filter((r) => r.text === "once")).toHaveLength(1);
		});

		it("refuses the same key with another body (422) and writes nothing", async () => {
			const { request } = t();
			await request("POST", recordsUrl("k_keys"), {
				body: { text: "first body" },
				headers: keyed("key-2"),
			});
			const res = await request("POST", recordsUrl("k_keys"), {
				body: { text: "second body" },
				headers: keyed("key-2"),
			});
			expectProblem(res, 422, "IDEMPOTENCY_KEY_REUSED");
			const texts = (await allRecords(t(), "k_keys")).map((r) => r.text);
			expect(texts).toContain("first body");
			expect(texts).not.toContain("second body");
		});

		it("creates exactly one record for 10 concurrent POSTs with one key", async () => {
			const { request } = t();
			const responses = await Promise.all(
				Array.from({ length: 10 }, () =>
					request("POST", recordsUrl("k_keys"), {
						body: { text: "raced" },
						headers: keyed("key-race"),
					}),
				),
			);
			for (const res of responses) expect(res.status, res.text).toBe(201);
			const ids = new Set(responses.map((r) => r.body.id));
			expect(ids.size).toBe(1);
			const replayed = responses.filter(
				(r) => r.headers["idempotency-replayed"] === "true",
			);
			expect(replayed).toHaveLength(9);
			const stored = await allRecords(t(), "k_keys");
			expect(stored.filter((r) => r.text === "raced")).toHaveLength(1);
		});

		it("scopes keys to the caller and does not keep failed attempts", async () => {
			const { request } = t();
			const guest = await request("POST", recordsUrl("k_keys"), {
				body: { text: "scoped" },
				headers: keyed("key-3"),
			});
			const root = await request("POST", recordsUrl("k_keys"), {
				body: { text: "scoped" },
				token: "superuser",
				headers: keyed("key-3"),
			});
			expect(root.status).toBe(201);
			expect(root.headers["idempotency-replayed"]).toBeUndefined();
			expect(root.body.id).not.toBe(guest.body.id);
			const failed = await request("POST", recordsUrl("k_keys"), {
				body: { text: "" },
				headers: keyed("key-4"),
			});
			expect(failed.status).toBe(422);
			// A refused create does not claim the key: the corrected retry goes through.
			const retried = await request("POST", recordsUrl("k_keys"), {
				body: { text: "fixed" },
				headers: keyed("key-4"),
			});
			expect(retried.status, retried.text).toBe(201);
			expect(retried.headers["idempotency-replayed"]).toBeUndefined();
		});

		it("refuses a key that is not visible ASCII with 400", async () => {
			const res = await t().request("POST", recordsUrl("k_keys"), {
				body: { text: "x" },
				headers: keyed("has space"),
			});
			expectProblem(res, 400, "INVALID_HEADER");
		});
	});
});
