import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import type { TestApp, TestResponse } from "../helpers/test-app.js";
import { hostileBody, writeContentType } from "./hostile-bodies.js";
import { hostileFilter } from "./hostile-filters.js";
import { hostileListParams, rawQueryTail } from "./hostile-list-params.js";

/*
 * Hostile input against the records API (docs/api.md#conventions): whatever a client
 * sends in a list query or a write body, the answer is 2xx or 4xx, never 500; every 4xx
 * is problem+json with a registry code and carries no SQL, driver text or stack; and a
 * refused write changes nothing.
 */

const COLLECTION = "hostile";
const RECORDS = `/api/v1/collections/${COLLECTION}/records`;

// Text that only a database driver, a query or a stack trace would put in an answer.
// A marker the request itself contained may be echoed (`unknown field "column"`).
const LEAK_MARKERS = [
	"select ",
	"insert into",
	"delete from",
	" where ",
	"sqlite",
	"syntax error",
	'relation "',
	"column",
	"constraint",
	"violates",
	"sqlstate",
	"kysely",
	"node_modules",
	"    at ",
	".ts:",
	".js:",
	"typeerror",
	"rangeerror",
	"cannot read propert",
	"undefined",
	"[object object]",
];

/** Checks the answer to anything a client may send. */
function expectSafeAnswer(res: TestResponse, sent: string): void {
	const context = `${res.status} for ${sent.slice(0, 2000)}\n→ ${res.text.slice(0, 1000)}`;
	expect(res.status, context).toBeGreaterThanOrEqual(200);
	expect(res.status, context).toBeLessThan(500);
	if (res.status < 400) return;
	expect(String(res.headers["content-type"]), context).toMatch(
		/^application\/problem\+json/,
	);
	expect(res.body?.code, context).toMatch(/^[A-Z][A-Z0-9_]+$/);
	expect(res.body?.status, context).toBe(res.status);
	const answer = res.text.toLowerCase();
	const request = sent.toLowerCase();
	for (const marker of LEAK_MARKERS) {
		if (!request.includes(marker))
			expect(answer, `${context}\nleaks "${marker}"`).not.toContain(marker);
	}
}

/** Percent-encodes the UTF-8 bytes of a URL part (lone surrogates become U+FFFD). */
function encodeUrlPart(value: string): string {
	let out = "";
	for (const byte of Buffer.from(value, "utf8")) {
		const ch = String.fromCharCode(byte);
		out += /[A-Za-z0-9\-._~]/.test(ch)
			? ch
			: `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
	}
	return out;
}

const caller = fc.constantFrom<CallerKind>(
	"superuser",
	"superuser",
	"guest",
	"guest",
	"garbage",
);
type CallerKind = "superuser" | "guest" | "garbage";

/** Request options for a caller: the suite's superuser, nobody, or a forged token. */
function as(kind: CallerKind): { token?: string } {
	if (kind === "superuser") return { token: "superuser" };
	if (kind === "garbage")
		return { token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." };
	return {};
}

async function countRows(t: TestApp, collection = COLLECTION): Promise<number> {
	const res = await t.request(
		"GET",
		`/api/v1/collections/${collection}/records?perPage=1`,
		{ token: "superuser" },
	);
	expect(res.status, res.text).toBe(200);
	return res.body.totalItems as number;
}

async function createCollection(t: TestApp, body: object): Promise<void> {
	const res = await t.request("POST", "/api/v1/collections", {
		token: "superuser",
		body,
	});
	expect(res.status, res.text).toBe(201);
}

async function createRecord(
	t: TestApp,
	collection: string,
	body: object,
): Promise<string> {
	const res = await t.request(
		"POST",
		`/api/v1/collections/${collection}/records`,
		{ token: "superuser", body },
	);
	expect(res.status, res.text).toBe(201);
	return res.body.id as string;
}

const LIST_FIELDS = new Set(["tags", "crew"]);

/**
 * Checks that an accepted write stored what was sent (docs/api.md#records), read back
 * with a fresh GET: `""` and `null` empty a field (`""` stays in text), lists default
 * to `[]`, dates come back as canonical UTC, anything else as its JSON round trip.
 */
async function expectStoredAsSent(
	t: TestApp,
	bodyText: string,
	answer: Record<string, unknown>,
): Promise<void> {
	// The server reads past a byte order mark, as RFC 8259 section 8.1 allows.
	const sent = JSON.parse(bodyText.replace(/^\uFEFF/, "")) as Record<
		string,
		unknown
	>;
	const stored = await t.request(
		"GET",
		`${RECORDS}/${answer.id}`,
		as("superuser"),
	);
	expect(stored.body, bodyText).toEqual(answer);
	for (const [field, value] of Object.entries(sent)) {
		const actual = answer[field];
		const context = `${field} of ${bodyText} → ${JSON.stringify(actual)}`;
		if (value === null || (value === "" && field !== "title"))
			expect(actual, context).toEqual(LIST_FIELDS.has(field) ? [] : null);
		else if (field === "due")
			expect(actual, context).toMatch(
				/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
			);
		else expect(actual, context).toEqual(JSON.parse(JSON.stringify(value)));
	}
}

/** people (related, view rule for signed-in callers), other, and hostile itself. */
async function createSchema(t: TestApp): Promise<void> {
	await createCollection(t, {
		name: "people",
		fields: [{ name: "name", type: "text" }],
		rules: { list: "", view: '@request.auth.id != ""' },
	});
	await createCollection(t, {
		name: "other",
		fields: [{ name: "label", type: "text" }],
		rules: { list: "", view: 'label != "hidden"' },
	});
	await createCollection(t, {
		name: COLLECTION,
		fields: [
			{ name: "title", type: "text", max: 200 },
			{ name: "views", type: "number", integer: true },
			{ name: "active", type: "bool" },
			{ name: "due", type: "date" },
			{ name: "tags", type: "select", values: ["a", "b", "c"], maxSelect: 3 },
			{ name: "meta", type: "json" },
			{ name: "owner", type: "relation", collection: "people" },
			{ name: "crew", type: "relation", collection: "people", maxSelect: 5 },
		],
		rules: {
			list: "",
			view: "",
			create: '@request.body.title != "blocked"',
			update: "@request.body.views != 13 || views > 0",
			delete: null,
		},
	});
}

describeEachDialect("hostile input never breaks the records API", (t) => {
	const people: string[] = [];
	const hostile: string[] = [];

	beforeAll(async () => {
		const app = t();
		await createSchema(app);
		for (const name of ["ann", "bob"])
			people.push(await createRecord(app, "people", { name }));
		for (const label of ["x", "hidden"])
			await createRecord(app, "other", { label });
		for (let i = 0; i < 4; i++) {
			hostile.push(
				await createRecord(app, COLLECTION, {
					title: `t${i} %_\\'"`,
					views: i - 1,
					active: i % 2 === 0,
					due: `2026-01-0${i + 1}T00:00:00Z`,
					tags: ["a", "b", "c"].slice(0, i),
					meta: { i, nested: [i] },
					owner: people[i % 2],
					crew: people.slice(0, i % 3),
				}),
			);
		}
	});

	it("answers hostile filters with 200 or a clean 400", async () => {
		const app = t();
		await fc.assert(
			fc.asyncProperty(hostileFilter, caller, async (filter, who) => {
				const url = `${RECORDS}?filter=${encodeUrlPart(filter)}`;
				const res = await app.request("GET", url, as(who));
				expectSafeAnswer(res, `${who} filter ${filter}`);
				if (who === "garbage") expect(res.status).toBe(401);
				else expect([200, 400]).toContain(res.status);
			}),
			{ numRuns: 300 },
		);
	});

	it("answers list queries with any parameters with 2xx or a clean 4xx", async () => {
		const app = t();
		const collection = fc.oneof(
			{ arbitrary: fc.constant(COLLECTION), weight: 8 },
			{
				arbitrary: fc.constantFrom(
					"people",
					"other",
					"nope",
					"_superusers",
					"hostile;drop",
					"HOSTILE",
					"\u0000",
				),
				weight: 1,
			},
		);
		await fc.assert(
			fc.asyncProperty(
				collection,
				hostileListParams,
				rawQueryTail,
				caller,
				async (name, params, tail, who) => {
					const query = Object.entries(params)
						.flatMap(([k, v]) =>
							v === undefined ? [] : [`${k}=${encodeUrlPart(v)}`],
						)
						.join("&");
					const url = `/api/v1/collections/${encodeUrlPart(name)}/records?${query}${tail}`;
					const res = await app.request("GET", url, as(who));
					expectSafeAnswer(
						res,
						`${who} GET ${name} ${JSON.stringify(params)}${tail}`,
					);
					if (res.status === 200) {
						expect(Array.isArray(res.body.items)).toBe(true);
						// System tables are not collections: never listed over this API.
						expect(name.startsWith("_")).toBe(false);
					}
				},
			),
			{ numRuns: 250 },
		);
	});

	it("answers hostile write bodies with 2xx or a clean 4xx, and a refused write changes nothing", async () => {
		const app = t();
		const write = fc.record({
			method: fc.constantFrom("POST", "POST", "PATCH", "PUT"),
			target: fc.constantFrom(
				"record",
				"record",
				"record",
				"missing",
				"hostile-id",
			),
			body: hostileBody(() => [...people, ...hostile]),
			contentType: writeContentType,
			who: fc.constantFrom<CallerKind>("superuser", "superuser", "guest"),
		});
		await fc.assert(
			fc.asyncProperty(write, async (w) => {
				const id = {
					record: hostile[0] as string,
					missing: "0193a7b0-0000-7000-8000-000000000000",
					"hostile-id": "'; DROP TABLE hostile; --",
				}[w.target];
				const url =
					w.method === "POST" ? RECORDS : `${RECORDS}/${encodeUrlPart(id)}`;
				const before = await countRows(app);
				const target = `${RECORDS}/${hostile[0]}`;
				const recordBefore = await app.request("GET", target, as("superuser"));
				const res = await app.request(w.method, url, {
					body: w.body,
					headers: { "content-type": w.contentType },
					...as(w.who),
				});
				const sent = `${w.who} ${w.method} ${url} ${w.contentType} ${w.body}`;
				expectSafeAnswer(res, sent);
				const created = w.method === "POST" && res.status === 201;
				expect(await countRows(app), sent).toBe(before + (created ? 1 : 0));
				if (res.status >= 400) {
					const recordAfter = await app.request("GET", target, as("superuser"));
					expect(recordAfter.body, sent).toEqual(recordBefore.body);
				} else {
					await expectStoredAsSent(app, w.body, res.body);
				}
			}),
			{ numRuns: 250 },
		);
	});

	// Regressions the write property found: each body was stored wrongly or was a 500.
	const refusedWrites: {
		name: string;
		body: string;
		field: string;
		code: string;
	}[] = [
		// SQLite: 500 (an array bound to a TEXT column); PostgreSQL: stored the text "{}".
		{
			name: "[] in a text field",
			body: '{"title":[]}',
			field: "title",
			code: "INVALID_TYPE",
		},
		{
			name: "[] in a number field",
			body: '{"views":[]}',
			field: "views",
			code: "INVALID_TYPE",
		},
		{
			name: "[] in a date field",
			body: '{"due":[]}',
			field: "due",
			code: "INVALID_TYPE",
		},
		{
			name: "[] in a single relation",
			body: '{"owner":[]}',
			field: "owner",
			code: "INVALID_TYPE",
		},
		// Stored +Infinity, shown as null, matched by `views > 1e300`.
		{
			name: "1e999 in a number field",
			body: '{"views":1e999}',
			field: "views",
			code: "INVALID_TYPE",
		},
		// Stored as JSON null, which `meta = null` does not match.
		{
			name: "1e999 in a json field",
			body: '{"meta":[1e999]}',
			field: "meta",
			code: "INVALID_TYPE",
		},
		// PostgreSQL: 500 (jsonb refuses lone surrogates); SQLite stored it.
		{
			name: "a lone surrogate in json",
			body: '{"meta":{"k":"\\ud800x"}}',
			field: "meta",
			code: "INVALID_FORMAT",
		},
		// Stored as U+FFFD: one character on PostgreSQL, three on SQLite.
		{
			name: "a lone surrogate in text",
			body: '{"title":"a\\udc00"}',
			field: "title",
			code: "INVALID_FORMAT",
		},
		// 500 on both dialects (stack overflow).
		{
			name: "json nested 10,000 deep",
			body: `{"meta":${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
			field: "meta",
			code: "TOO_DEEP",
		},
	];
	for (const { name, body, field, code } of refusedWrites) {
		it(`refuses ${name} with 422 ${code} and stores nothing`, async () => {
			const app = t();
			const before = await countRows(app);
			const res = await app.request("POST", RECORDS, {
				body,
				headers: { "content-type": "application/json" },
				...as("superuser"),
			});
			expectSafeAnswer(res, body);
			expect(res.status, res.text).toBe(422);
			expect(res.body.errors?.[field]?.code, res.text).toBe(code);
			expect(await countRows(app)).toBe(before);
		});
	}

	it("still empties list and json fields with []", async () => {
		const res = await t().request("POST", RECORDS, {
			body: { tags: [], crew: [], meta: [], title: "" },
			...as("superuser"),
		});
		expect(res.status, res.text).toBe(201);
		expect(res.body).toMatchObject({ tags: [], crew: [], meta: [], title: "" });
	});

	it("still has every table and row after the fuzzing", async () => {
		const app = t();
		expect(await countRows(app, "people")).toBe(2);
		expect(await countRows(app, "other")).toBe(2);
		expect(await countRows(app)).toBeGreaterThanOrEqual(hostile.length);
		for (const id of hostile) {
			const res = await app.request("GET", `${RECORDS}/${id}`, as("superuser"));
			expect(res.status, res.text).toBe(200);
		}
	});
});
