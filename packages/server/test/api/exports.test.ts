import { beforeAll, expect, it } from "vitest";
import { csvLine } from "../../src/core/exports/index.js";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

describeEachDialect(
	"exports",
	(t) => {
		beforeAll(async () => {
			const created = await t().request("POST", "/api/v1/collections", {
				token: "superuser",
				body: {
					name: "notes",
					fields: [
						{ name: "title", type: "text" },
						{ name: "score", type: "number" },
						{ name: "tags", type: "select", values: ["x", "y"], maxSelect: 2 },
					],
					rules: {
						list: 'title != "secret"',
						view: "",
						create: "",
						update: null,
						delete: null,
					},
				},
			});
			expect(created.status, created.text).toBe(201);
			const rows = [
				{ title: "plain", score: 1, tags: ["x"] },
				{ title: '=HYPERLINK("http://evil.example")', score: -5, tags: [] },
				{ title: 'comma, "quote"\nnewline', score: 2.5, tags: ["x", "y"] },
				{ title: "secret", score: 9, tags: [] },
			];
			for (let i = 0; i < 3; i++)
				for (const row of rows)
					await t().request("POST", "/api/v1/collections/notes/records", {
						body: row,
					});
			t().app.jobs.startWorker();
		});

		const exportOf = async (query: string) => {
			const res = await t().request(
				"POST",
				`/api/v1/collections/notes/export${query}`,
				{ token: "superuser" },
			);
			expect(res.status, res.text).toBe(202);
			const job = await eventually(
				() =>
					t().request("GET", res.headers.location as string, {
						token: "superuser",
					}),
				(r) => r.body?.status === "completed",
			);
			return job.body;
		};

		it("exports CSV with a header, quoting and formula escaping", async () => {
			const job = await exportOf("?format=csv&sort=-score");
			expect(job.result).toMatchObject({ rows: 12, format: "csv" });
			const file = await t().request("GET", job.result.download, {
				token: "superuser",
			});
			expect(file.status).toBe(200);
			expect(file.headers["content-type"]).toContain("text/csv");
			expect(file.headers["content-disposition"]).toContain("attachment");
			const lines = file.text.split("\r\n");
			expect(lines[0]).toBe("id,created,updated,title,score,tags");
			expect(file.text).toContain(`'=HYPERLINK(""http://evil.example"")`);
			expect(file.text).toContain('"comma, ""quote""\nnewline"');
			expect(file.text).toContain(",-5,");
			expect(lines.filter((l) => l.includes("secret"))).toHaveLength(3);
		});

		it("exports NDJSON of exactly the filtered records", async () => {
			const job = await exportOf(
				`?format=ndjson&filter=${encodeURIComponent("score > 1")}`,
			);
			const file = await t().request("GET", job.result.download, {
				token: "superuser",
			});
			const records = file.text
				.trim()
				.split("\n")
				.map((l) => JSON.parse(l));
			expect(records).toHaveLength(6);
			expect(records.every((r: { score: number }) => r.score > 1)).toBe(true);
			expect(
				records.find((r: { tags: string[] }) => r.tags.length === 2)?.tags,
			).toEqual(["x", "y"]);
		});

		it("refuses bad requests before queueing, and unfinished or unknown downloads", async () => {
			const badFilter = await t().request(
				"POST",
				"/api/v1/collections/notes/export?filter=score%20%3E",
				{ token: "superuser" },
			);
			expect(badFilter.status).toBe(400);
			expect(badFilter.body.code).toBe("INVALID_FILTER");
			expect(
				(
					await t().request(
						"POST",
						"/api/v1/collections/notes/export?format=xlsx",
						{ token: "superuser" },
					)
				).status,
			).toBe(400);
			expect(
				(
					await t().request("POST", "/api/v1/collections/nope/export", {
						token: "superuser",
					})
				).status,
			).toBe(404);
			expect(
				(await t().request("POST", "/api/v1/collections/notes/export")).status,
			).toBe(401);
			const other = await t().app.jobs.enqueue({
				name: "basalt.maintenance.purge",
				payload: null,
				options: { delayMs: 60_000 },
			});
			expect(
				(
					await t().request("GET", `/api/v1/jobs/${other.id}/download`, {
						token: "superuser",
					})
				).status,
			).toBe(404);
			expect(
				(await t().request("GET", "/api/v1/jobs/nope/download")).status,
			).toBe(404);
		});
	},
	{ BASALT_JOB_POLL_MS: "20" },
);

it("writes CSV cells safely", () => {
	expect(
		csvLine(["a", 1, true, null, -2, "-2", "@x", "+1", "\tx", ["l"], { o: 1 }]),
	).toBe(`a,1,true,,-2,'-2,'@x,'+1,'\tx,"[""l""]","{""o"":1}"\r\n`);
});
