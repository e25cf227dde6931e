import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { answerProblems } from "../helpers/answer-checks.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { signUp } from "../helpers/machine-access.js";
import { openRules } from "../helpers/records-api.js";
import {
	SQL_INJECTION_PAYLOADS,
	SQL_KEYWORD_NAMES,
	type SqlPayload,
} from "../helpers/sql-injection-payloads.js";
import {
	captureStatements,
	type StatementLog,
	type Statements,
} from "../helpers/statement-log.js";
import type { TestApp, TestResponse } from "../helpers/test-app.js";
import {
	INJECTION_POINTS,
	type InjectionContext,
	importFiles,
	type Probe,
} from "./injection-points.js";

/*
 * SQL injection (docs/filters.md: "values are always bound parameters ... no text of
 * yours is ever pasted into SQL"): every payload of sql-injection-payloads.ts goes
 * through every parameter that reaches SQL (injection-points.ts), on both databases.
 * What the database received is read below Basalt (statement-log.ts): no payload may
 * appear in the text of any statement, only among bound values. Every answer is a
 * 2xx with the payload taken as data or a 4xx problem+json, never a 5xx, and the
 * schema and the rows outside the suite's scratch collection are as they were.
 */

/** Tables and row counts that no payload may change. */
async function snapshot(t: TestApp) {
	const { db } = t.app;
	const tables =
		db.dialect.name === "sqlite"
			? sql<{
					name: string;
				}>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
			: sql<{
					name: string;
				}>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`;
	const names = (await tables.execute(db.kysely)).rows.map((r) => r.name);
	const counts: Record<string, number> = {};
	for (const table of ["_superusers", "users", "posts", "_webhooks"]) {
		const { rows } = await sql<{
			n: unknown;
		}>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db.kysely);
		counts[table] = Number(rows[0]?.n);
	}
	const posts = await sql<{
		title: string;
	}>`SELECT title FROM posts ORDER BY id`.execute(db.kysely);
	return { names, counts, titles: posts.rows.map((r) => r.title) };
}

/** The fields of the suite's two collections: the same but for one of their own. */
const fieldsWith = (own: { name: string; type: string }) => [
	{ name: "title", type: "text" },
	{ name: "body", type: "text" },
	own,
	{ name: "tags", type: "select", values: ["a", "b"], maxSelect: 2 },
	{ name: "owner", type: "relation", collection: "users" },
];

/** The payloads whose marker is in a text: none may be. */
function markersIn(texts: readonly string[]): string[] {
	const found = new Set<string>();
	for (const text of texts) {
		const lower = text.toLowerCase();
		for (const p of SQL_INJECTION_PAYLOADS)
			if (lower.includes(p.marker))
				found.add(`${p.marker} (${p.kind}) in: ${text.slice(0, 300)}`);
	}
	return [...found];
}

describeEachDialect(
	"SQL injection: only bound values reach the database",
	(t) => {
		let log: StatementLog;
		let before: Awaited<ReturnType<typeof snapshot>>;
		let userToken = "";
		const ctx: InjectionContext = {
			postId: "",
			scratchId: "",
			userId: "",
			webhookId: "",
		};
		const su = { token: "superuser" };

		beforeAll(async () => {
			const app = t();
			const user = await signUp(app, "sqli@example.com");
			userToken = user.token;
			ctx.userId = user.id;
			for (const [name, fields, rules] of [
				[
					"posts",
					fieldsWith({ name: "views", type: "number" }),
					{ list: "", view: "", create: null, update: null, delete: null },
				],
				["scratch", fieldsWith({ name: "meta", type: "json" }), openRules],
			] as const) {
				const res = await app.request("POST", "/api/v1/collections", {
					...su,
					body: { name, fields, rules },
				});
				expect(res.status, res.text).toBe(201);
			}
			for (const title of ["first", "second's", 'third "one"']) {
				const res = await app.request(
					"POST",
					"/api/v1/collections/posts/records",
					{
						...su,
						body: { title, views: 3, owner: ctx.userId },
					},
				);
				expect(res.status, res.text).toBe(201);
				ctx.postId = res.body.id;
			}
			const scratch = await app.request(
				"POST",
				"/api/v1/collections/scratch/records",
				{ body: { title: "kept" } },
			);
			expect(scratch.status, scratch.text).toBe(201);
			ctx.scratchId = scratch.body.id;
			const webhook = await app.request("POST", "/api/v1/webhooks", {
				...su,
				body: {
					url: "http://127.0.0.1:9/hook",
					events: ["scratch.*"],
					active: false,
				},
			});
			expect(webhook.status, webhook.text).toBe(201);
			ctx.webhookId = webhook.body.id;
			const provider = await app.request("POST", "/api/v1/oauth2/providers", {
				...su,
				body: {
					name: "github",
					preset: "github",
					clientId: "x",
					clientSecret: "y",
					redirectUrls: ["https://app.example.com/done"],
				},
			});
			expect(provider.status, provider.text).toBe(201);
			app.app.jobs.startWorker();
			log = await captureStatements(app);
			await log.read();
			before = await snapshot(app);
		});

		afterAll(() => log?.stop());

		/** Sends one probe; returns the answer and what is wrong with it. */
		async function send(
			probe: Probe,
		): Promise<{ res: TestResponse; problems: string[] }> {
			const token =
				probe.as === "superuser"
					? "superuser"
					: probe.as === "user"
						? userToken
						: undefined;
			const res = await t().request(probe.method, probe.url, {
				...(token ? { token } : {}),
				...(probe.body !== undefined ? { body: probe.body } : {}),
				...(probe.headers ? { headers: probe.headers } : {}),
			});
			const problems = answerProblems(
				{
					method: probe.method,
					url: probe.url,
					headers: probe.headers ?? {},
					body: JSON.stringify(probe.body),
				},
				{
					status: res.status,
					headers: res.headers,
					text: res.text,
					json: res.body,
				},
			);
			return { res, problems };
		}

		/**
		 * Checks what the database got: no marker in any statement text, and the marker
		 * of every `bound` probe that was not refused among the bound values.
		 */
		function expectOnlyBound(
			got: Statements,
			reached: SqlPayload[],
			point: string,
		) {
			expect(
				got.texts.length,
				`${point}: no statement was seen at all`,
			).toBeGreaterThan(0);
			expect(
				markersIn(got.texts),
				`${point}: a payload is in SQL text`,
			).toEqual([]);
			const parameters = got.parameters.join("\n").toLowerCase();
			const unseen = reached.filter((p) => !parameters.includes(p.marker));
			expect(
				unseen.map((p) => `${p.marker} (${p.kind})`),
				`${point}: payloads that reached the database but not as bound values`,
			).toEqual([]);
		}

		for (const point of INJECTION_POINTS) {
			it(`keeps payloads out of SQL text: ${point.name}`, async () => {
				const failures: string[] = [];
				const reached: SqlPayload[] = [];
				let boundProbes = 0;
				for (const payload of SQL_INJECTION_PAYLOADS) {
					for (const probe of point.probes(payload, ctx)) {
						if (probe.bound) boundProbes += 1;
						const { res, problems } = await send(probe);
						if (problems.length > 0)
							failures.push(
								`${probe.method} ${probe.url} ${JSON.stringify(probe.body)} → ${problems.join("; ")}: ${res.text.slice(0, 300)}`,
							);
						// NUL is refused before any statement (docs/api.md#conventions).
						const refused = res.status >= 300 && res.status !== 404;
						if (
							probe.bound &&
							!refused &&
							!payload.text.includes("\u0000") &&
							!reached.includes(payload)
						)
							reached.push(payload);
					}
				}
				expect(failures).toEqual([]);
				// Only a bound probe that got through shows the log saw this point's requests.
				if (boundProbes > 0)
					expect(
						reached,
						`${point.name}: every bound probe was refused`,
					).not.toEqual([]);
				await t().app.requestLogs.flush();
				expectOnlyBound(await log.read(), reached, point.name);
			}, 120_000);
		}

		it("keeps payloads out of SQL text: CSV and NDJSON imports, headers and cells", async () => {
			const jobs: string[] = [];
			for (const payload of SQL_INJECTION_PAYLOADS)
				for (const file of importFiles(payload)) {
					const res = await t().request(
						"POST",
						"/api/v1/collections/scratch/import",
						{
							...su,
							body: file.body,
							headers: { "content-type": file.type },
						},
					);
					expect(res.status, res.text).toBe(202);
					jobs.push(res.headers.location as string);
				}
			for (const job of jobs) {
				const done = await eventually(
					() => t().request("GET", job, su),
					(r) => ["completed", "failed"].includes(r.body?.status),
					30_000,
				);
				expect(done.body.status, JSON.stringify(done.body)).toBe("completed");
			}
			// Each file's title cell was a payload: every one was imported as a value.
			const imported = SQL_INJECTION_PAYLOADS.filter(
				(p) => !p.text.includes("\u0000"),
			);
			expectOnlyBound(await log.read(), imported, "imports");
		}, 120_000);

		it("returns a payload stored as data exactly as written, and finds it by filter", async () => {
			for (const payload of SQL_INJECTION_PAYLOADS.filter(
				(p) => !p.text.includes("\u0000"),
			)) {
				const created = await t().request(
					"POST",
					"/api/v1/collections/scratch/records",
					{
						body: { title: payload.text, body: payload.marker },
					},
				);
				expect(created.status, created.text).toBe(201);
				expect(created.body.title).toBe(payload.text);
				const filter = encodeURIComponent(
					`title = ${JSON.stringify(payload.text)} && body = "${payload.marker}"`,
				);
				const found = await t().request(
					"GET",
					`/api/v1/collections/scratch/records?filter=${filter}`,
				);
				expect(found.status, found.text).toBe(200);
				expect(found.body.items.map((r: { id: string }) => r.id)).toEqual([
					created.body.id,
				]);
			}
			expect(markersIn((await log.read()).texts)).toEqual([]);
		});

		it("shows only placeholders in an explained query, never the values", async () => {
			for (const payload of SQL_INJECTION_PAYLOADS.filter(
				(p) => !p.text.includes("\u0000"),
			)) {
				const filter = encodeURIComponent(
					`title = ${JSON.stringify(payload.text)}`,
				);
				const res = await t().request(
					"GET",
					`/api/v1/collections/posts/explain?filter=${filter}`,
					su,
				);
				expect(res.status, res.text).toBe(200);
				expect(markersIn([res.body.sql])).toEqual([]);
			}
		});

		it("quotes collection and field names that are SQL keywords, and they work", async () => {
			const fields = SQL_KEYWORD_NAMES.map((name) => ({ name, type: "text" }));
			for (const name of SQL_KEYWORD_NAMES) {
				const res = await t().request("POST", "/api/v1/collections", {
					...su,
					body: {
						name,
						fields: [
							...fields,
							{ name: "link", type: "relation", collection: "posts" },
						],
						indexes: [{ fields: [SQL_KEYWORD_NAMES[0] as string] }],
						rules: openRules,
					},
				});
				expect(res.status, `${name}: ${res.text}`).toBe(201);
				const url = `/api/v1/collections/${name}/records`;
				const body = Object.fromEntries(
					SQL_KEYWORD_NAMES.map((f) => [f, `${name}.${f}`]),
				);
				const created = await t().request("POST", url, {
					body: { ...body, link: ctx.postId },
				});
				expect(created.status, created.text).toBe(201);
				const filter = encodeURIComponent(
					SQL_KEYWORD_NAMES.map((f) => `${f} = "${name}.${f}"`).join(" && "),
				);
				// At most 16 sort keys (docs/filters.md#sort-fields-expand).
				const sort = SQL_KEYWORD_NAMES.slice(0, 15)
					.map((f) => `-${f}`)
					.join(",");
				const listed = await t().request(
					"GET",
					`${url}?filter=${filter}&sort=${sort}&expand=link&fields=id,${SQL_KEYWORD_NAMES.join(",")},expand`,
				);
				expect(listed.status, listed.text).toBe(200);
				expect(listed.body.items).toHaveLength(1);
				expect(listed.body.items[0]).toMatchObject({
					...body,
					expand: { link: { id: ctx.postId } },
				});
				const patched = await t().request(
					"PATCH",
					`${url}/${created.body.id}`,
					{ body: { from: "changed" } },
				);
				expect(patched.status, patched.text).toBe(200);
				const renamed = await t().request(
					"PATCH",
					`/api/v1/collections/${name}`,
					{
						...su,
						body: {
							fields: (res.body.fields as object[]).map((f) => ({ ...f })),
						},
					},
				);
				expect(renamed.status, renamed.text).toBe(200);
				expect(
					(await t().request("DELETE", `${url}/${created.body.id}`)).status,
				).toBe(204);
				expect(
					(await t().request("DELETE", `/api/v1/collections/${name}`, su))
						.status,
				).toBe(204);
			}
			const { texts } = await log.read();
			// The statements on these tables and columns name them quoted (a statement
			// that did not would have failed above).
			for (const name of SQL_KEYWORD_NAMES)
				expect(
					texts.some((s) => s.includes(`"${name}"`)),
					name,
				).toBe(true);
		}, 120_000);

		it("leaves the schema, the accounts and the other collections' rows as they were", async () => {
			const after = await snapshot(t());
			expect(after.names).toEqual(before.names);
			expect(after.counts).toEqual(before.counts);
			expect(after.titles).toEqual(before.titles);
		});
	},
	{ BASALT_REQUEST_LOG_SAMPLE: "1", BASALT_SSRF_ALLOW: "127.0.0.1/32" },
	{ postgresSettings: { log_statement: "all" } },
);
