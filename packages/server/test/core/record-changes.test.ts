import { beforeAll, expect, it } from "vitest";
import { guest } from "../../src/core/model/index.js";
import type { RecordChange } from "../../src/core/records/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

describeEachDialect("record change sinks", (t) => {
	const heard: RecordChange[] = [];
	let failNext = false;
	const request = (body: Record<string, unknown> = {}) => ({
		caller: guest,
		method: "POST",
		body,
	});

	beforeAll(async () => {
		const { app } = t();
		for (const name of ["heard", "ignored"]) {
			await app.collections.create(
				{
					name,
					fields: [{ name: "title", type: "text" }],
					rules: { list: "", view: "", create: "", update: "", delete: "" },
				},
				null,
			);
		}
		app.records.addChangeSink({
			wants: (collection) => collection === "heard",
			async record(change, trx) {
				if (failNext) throw new Error("sink refused");
				// Runs in the write's transaction: it sees the write.
				const row = await trx
					.selectFrom(change.collection)
					.select("id")
					.where("id", "=", change.record.id)
					.executeTakeFirst();
				heard.push({
					...change,
					record: {
						...change.record,
						seenInTransaction: row !== undefined || change.action === "delete",
					},
				});
			},
		});
	});

	it("hears creates, updates and deletes with the record before and after", async () => {
		const { records } = t().app;
		const outcome = await records.create(
			"heard",
			{ title: "one" },
			request({ title: "one" }),
		);
		const created = "record" in outcome ? outcome.record : undefined;
		await records.update(
			"heard",
			created?.id as string,
			{ title: "two" },
			"update",
			request({ title: "two" }),
		);
		await records.remove("heard", created?.id as string, request());
		expect(heard.map((c) => c.action)).toEqual(["create", "update", "delete"]);
		expect(heard.every((c) => c.record.seenInTransaction)).toBe(true);
		expect(heard[1]?.previous?.title).toBe("one");
		expect(heard[1]?.record.title).toBe("two");
		expect(heard[2]?.record.title).toBe("two");
	});

	it("hears every write of a batch, and nothing of collections it does not want", async () => {
		heard.length = 0;
		await t().app.records.batch(
			[
				{ action: "create", collection: "heard", body: { title: "a" } },
				{ action: "create", collection: "ignored", body: { title: "b" } },
				{ action: "create", collection: "heard", body: { title: "c" } },
			],
			guest,
		);
		expect(heard.map((c) => c.record.title)).toEqual(["a", "c"]);
	});

	it("rolls the write back when a sink fails", async () => {
		const { records } = t().app;
		failNext = true;
		await expect(
			records.create(
				"heard",
				{ title: "doomed" },
				request({ title: "doomed" }),
			),
		).rejects.toThrow("sink refused");
		failNext = false;
		const list = await records.list(
			"heard",
			{ page: 1, perPage: 100, skipTotal: false, filter: 'title = "doomed"' },
			request(),
		);
		expect("totalItems" in list ? list.totalItems : -2).toBe(0);
	});
});
