import { beforeAll, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

describeEachDialect(
	"imports",
	(t) => {
		beforeAll(async () => {
			const res = await t().request("POST", "/api/v1/collections", {
				token: "superuser",
				body: {
					name: "books",
					fields: [
						{ name: "isbn", type: "text", required: true },
						{ name: "title", type: "text", required: true, max: 100 },
						{ name: "pages", type: "number", integer: true },
						{ name: "inPrint", type: "bool" },
						{
							name: "tags",
							type: "select",
							values: ["a", "b", "c"],
							maxSelect: 3,
						},
						{ name: "meta", type: "json" },
					],
					indexes: [{ fields: ["isbn"], unique: true }, { fields: ["title"] }],
					rules: {
						list: "",
						view: "",
						create: null,
						update: null,
						delete: null,
					},
				},
			});
			expect(res.status, res.text).toBe(201);
			t().app.jobs.startWorker();
		});

		const upload = (body: string, type = "text/csv", query = "") =>
			t().request("POST", `/api/v1/collections/books/import${query}`, {
				token: "superuser",
				body,
				headers: { "content-type": type },
			});
		const finished = async (location: string) =>
			(
				await eventually(
					() => t().request("GET", location, { token: "superuser" }),
					(r) => ["completed", "failed"].includes(r.body?.status),
				)
			).body;
		const titles = async () => {
			const list = await t().request(
				"GET",
				"/api/v1/collections/books/records?perPage=500&sort=isbn",
			);
			return list.body.items.map((r: { title: string }) => r.title);
		};

		it("imports CSV rows with types converted, reporting bad rows by line", async () => {
			const csv = [
				"isbn,title,pages,inPrint,tags,meta",
				'1,Walden,352,true,"a,b","{""first"":1854}"',
				"2,,10,false,,", // line 3: title required
				"3,Moby-Dick,585,no,c,",
				"4,Middlemarch,ten,1,,", // line 5: pages not a number
			].join("\n");
			const res = await upload(csv);
			expect(res.status).toBe(202);
			expect(res.headers.location).toBe(`/api/v1/jobs/${res.body.id}`);
			const job = await finished(res.headers.location as string);
			expect(job.status).toBe("completed");
			expect(job.result).toMatchObject({ rowsImported: 2, rowsFailed: 2 });
			expect(job.result.errors).toEqual([
				{
					line: 3,
					errors: { title: { code: "VALUE_REQUIRED", message: "is required" } },
				},
				{
					line: 5,
					errors: { pages: expect.objectContaining({ code: "INVALID_TYPE" }) },
				},
			]);
			const walden = (
				await t().request(
					"GET",
					'/api/v1/collections/books/records?filter=isbn%3D"1"',
				)
			).body.items[0];
			expect(walden).toMatchObject({
				pages: 352,
				inPrint: true,
				tags: ["a", "b"],
				meta: { first: 1854 },
			});
		});

		it("numbers lines exactly across quoted line breaks, empty lines and short rows", async () => {
			const csv = [
				"isbn,title",
				'60,"A title',
				'over two lines"', // the record above ends on line 3
				"",
				"61", // line 5: one cell where the header has two
				"62,", // line 6: title required
				"63,Fine",
			].join("\r\n");
			const job = await finished(
				(await upload(csv)).headers.location as string,
			);
			expect(job.result).toMatchObject({ rowsImported: 2, rowsFailed: 2 });
			expect(job.result.errors.map((e: { line: number }) => e.line)).toEqual([
				5, 6,
			]);
			expect(job.result.errors[0].errors.row.message).toContain(
				"1 cells where the header has 2",
			);
			expect(await titles()).toContain("A title\r\nover two lines");
		});

		it("imports NDJSON, reporting unreadable lines", async () => {
			const ndjson = [
				'{"isbn":"10","title":"Emma","pages":474}',
				"{not json",
				'{"isbn":"11","title":"Persuasion"}',
				"",
			].join("\n");
			const job = await finished(
				(await upload(ndjson, "application/x-ndjson")).headers
					.location as string,
			);
			expect(job.result).toMatchObject({
				rowsImported: 2,
				rowsFailed: 1,
				errors: [{ line: 2, errors: { row: { code: "UNREADABLE_ROW" } } }],
			});
			expect(await titles()).toEqual(
				expect.arrayContaining(["Emma", "Persuasion"]),
			);
		});

		// Regression (found by test/security/sql-injection.test.ts): a field name with a
		// NUL in the file went into the stored error report, which PostgreSQL's jsonb
		// refused; the job failed after five attempts instead of reporting the row.
		it("reports a field name holding NUL as a row error, in either mode", async () => {
			const csv = ["isbn,title,bad\u0000name", "40,Nul,x"].join("\n");
			const skipped = await finished(
				(await upload(csv)).headers.location as string,
			);
			expect(skipped.status, JSON.stringify(skipped)).toBe("completed");
			expect(skipped.result).toMatchObject({
				rowsImported: 0,
				rowsFailed: 1,
				errors: [
					{ line: 2, errors: { "bad\ufffdname": { code: "UNKNOWN_FIELD" } } },
				],
			});
			const aborted = await finished(
				(
					await upload(
						'{"isbn":"41","title":"Nul","\\u0000":1}',
						"application/x-ndjson",
						"?onError=abort",
					)
				).headers.location as string,
			);
			expect(aborted.status).toBe("failed");
			expect(aborted.attempts).toBe(1);
			expect(aborted.lastError).toContain("line 1: \ufffd");
		});

		it("imports nothing with onError=abort when one row is bad", async () => {
			const before = await titles();
			const csv = ["isbn,title", "20,Dracula", "21,", "22,Carmilla"].join("\n");
			const job = await finished(
				(await upload(csv, "text/csv", "?onError=abort")).headers
					.location as string,
			);
			expect(job.status).toBe("failed");
			expect(job.lastError).toContain("line 3");
			expect(job.attempts).toBe(1);
			expect(await titles()).toEqual(before);
		});

		it("fails an unparseable CSV with the line, importing nothing in abort mode", async () => {
			const before = await titles();
			const csv = ["isbn,title", "30,Ok", '31,"unclosed', "32,Never"].join(
				"\n",
			);
			const job = await finished(
				(await upload(csv, "text/csv", "?onError=abort")).headers
					.location as string,
			);
			expect(job.status).toBe("failed");
			expect(job.lastError).toMatch(/line \d+/);
			expect(await titles()).toEqual(before);
		});

		it("updates existing records by a unique field with upsert", async () => {
			const csv = [
				"isbn,title,pages",
				"1,Walden; or Life in the Woods,352",
				"40,New Book,1",
			].join("\n");
			const job = await finished(
				(await upload(csv, "text/csv", "?upsert=isbn")).headers
					.location as string,
			);
			expect(job.result).toMatchObject({ rowsImported: 2, rowsFailed: 0 });
			const all = await titles();
			expect(all).toContain("Walden; or Life in the Woods");
			expect(all).not.toContain("Walden");
			expect(all).toContain("New Book");
		});

		it("reports a duplicate unique value as a row error and goes on", async () => {
			const csv = ["isbn,title", "50,First", "50,Second", "51,Third"].join(
				"\n",
			);
			const job = await finished(
				(await upload(csv)).headers.location as string,
			);
			expect(job.result).toMatchObject({ rowsImported: 2, rowsFailed: 1 });
			expect(job.result.errors[0]).toMatchObject({
				line: 3,
				errors: { isbn: { code: "VALUE_NOT_UNIQUE" } },
			});
		});

		it("answers bad requests with 4xx before anything is queued", async () => {
			const json = await t().request(
				"POST",
				"/api/v1/collections/books/import",
				{ token: "superuser", body: { isbn: "1" } },
			);
			expect(json.status).toBe(415);
			expect((await upload("isbn\n1", "text/plain")).status).toBe(415);
			expect(
				(await upload("isbn\n1", "text/csv", "?onError=maybe")).status,
			).toBe(400);
			expect(
				(await upload("isbn\n1", "text/csv", "?upsert=title")).status,
			).toBe(400);
			const unknown = await t().request(
				"POST",
				"/api/v1/collections/nope/import",
				{
					token: "superuser",
					body: "a\n1",
					headers: { "content-type": "text/csv" },
				},
			);
			expect(unknown.status).toBe(404);
			const guest = await t().request(
				"POST",
				"/api/v1/collections/books/import",
				{ body: "a\n1", headers: { "content-type": "text/csv" } },
			);
			expect(guest.status).toBe(401);
			const big = await upload(`isbn,title\n${"9,x\n".repeat(400)}`);
			expect(big.status).toBe(413);
			expect(big.body.code).toBe("PAYLOAD_TOO_LARGE");
		});
	},
	{ BASALT_JOB_POLL_MS: "20", BASALT_IMPORT_MAX_BYTES: "1024" },
);
