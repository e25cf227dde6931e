import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

/** One bad request and the problem+json it must get. */
interface Scenario {
	name: string;
	method: string;
	url: string;
	body?: unknown;
	headers?: Record<string, string>;
	/** Defaults to the superuser; null sends no token. */
	token?: string | null;
	status: number;
	code: string;
	/** Paths that must appear in `errors`, with their codes. */
	errors?: Record<string, string>;
	/** Text the detail must contain. */
	detail?: RegExp;
}

const text = (name: string) => ({ name, type: "text" });
const create = (body: unknown) => ({
	method: "POST",
	url: "/api/v1/collections",
	body,
});

const scenarios: Scenario[] = [
	{
		name: "collection name with a leading _ (reserved)",
		...create({ name: "_x", fields: [] }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { name: "INVALID_NAME" },
	},
	{
		name: "collection name sqlite_… (regression: 500 on SQLite)",
		...create({ name: "sqlite_stat1", fields: [] }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { name: "RESERVED_NAME" },
	},
	{
		name: "index name sqlite_… (regression: 500 on SQLite)",
		...create({
			name: "things",
			fields: [text("a")],
			indexes: [{ name: "sqlite_autoindex_things_1", fields: ["a"] }],
		}),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "indexes.0.name": "RESERVED_NAME" },
	},
	...["Posts", "1posts", "po-sts", "posts x", "pósts"].map((name) => ({
		name: `invalid collection name ${JSON.stringify(name)}`,
		...create({ name }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { name: "INVALID_NAME" },
	})),
	{
		name: "collection name longer than 63",
		...create({ name: "a".repeat(64) }),
		status: 400,
		code: "INVALID_BODY",
	},
	...["id", "ID", "created", "updated", "expand"].map((name) => ({
		name: `reserved field name ${name}`,
		...create({ name: "things", fields: [text(name)] }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "fields.0.name": "RESERVED_NAME" },
	})),
	{
		name: "field names differing only in case",
		...create({ name: "things", fields: [text("Title"), text("title")] }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "fields.1.name": "DUPLICATE_NAME" },
	},
	...["1st", "a b", "a-b", "_a", "é"].map((name) => ({
		name: `invalid field name ${JSON.stringify(name)}`,
		...create({ name: "things", fields: [text(name)] }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "fields.0.name": "INVALID_NAME" },
	})),
	{
		name: "an option of another type (values on text)",
		...create({
			name: "things",
			fields: [{ name: "a", type: "text", values: ["x"] }],
		}),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "fields.0.values": "UNKNOWN_OPTION" },
	},
	{
		name: "an unknown field option",
		...create({ name: "things", fields: [{ ...text("a"), color: "red" }] }),
		status: 400,
		code: "UNKNOWN_FIELD",
		errors: { "fields.0.color": "UNKNOWN_FIELD" },
	},
	{
		name: "an unknown top-level key",
		...create({ name: "things", fields: [], owner: "me" }),
		status: 400,
		code: "UNKNOWN_FIELD",
		errors: { owner: "UNKNOWN_FIELD" },
	},
	{
		name: "malformed JSON",
		...create('{"name": "things", "fields": ['),
		headers: { "content-type": "application/json" },
		status: 400,
		code: "MALFORMED_JSON",
	},
	{
		name: "no name",
		...create({ fields: [] }),
		status: 400,
		code: "INVALID_BODY",
		errors: { name: "VALUE_REQUIRED" },
	},
	{
		name: "fields that are not a list",
		...create({ name: "things", fields: { a: "text" } }),
		status: 400,
		code: "INVALID_BODY",
		errors: { fields: "INVALID_TYPE" },
	},
	{
		name: "required that is not a boolean",
		...create({ name: "things", fields: [{ ...text("a"), required: "yes" }] }),
		status: 400,
		code: "INVALID_BODY",
		errors: { "fields.0.required": "INVALID_TYPE" },
	},
	{
		name: "an unknown field type",
		...create({ name: "things", fields: [{ name: "a", type: "blob" }] }),
		status: 400,
		code: "INVALID_BODY",
		errors: { "fields.0.type": "INVALID_OPTION" },
	},
	{
		name: "maxSelect 0",
		...create({
			name: "things",
			fields: [{ name: "a", type: "select", values: ["x"], maxSelect: 0 }],
		}),
		status: 400,
		code: "INVALID_BODY",
	},
	{
		name: "text max that is a string",
		...create({ name: "things", fields: [{ ...text("a"), max: "ten" }] }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "fields.0.max": "INVALID_VALUE" },
	},
	{
		name: "text min above max",
		...create({ name: "things", fields: [{ ...text("a"), min: 5, max: 2 }] }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "fields.0.min": "INVALID_RANGE" },
	},
	{
		name: "an invalid regular expression",
		...create({ name: "things", fields: [{ ...text("a"), pattern: "(" }] }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "fields.0.pattern": "INVALID_PATTERN" },
	},
	{
		name: "a select without values",
		...create({ name: "things", fields: [{ name: "a", type: "select" }] }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "fields.0.values": "VALUE_REQUIRED" },
	},
	{
		name: "a relation to a missing collection",
		...create({
			name: "things",
			fields: [{ name: "a", type: "relation", collection: "nowhere" }],
		}),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "fields.0.collection": "UNKNOWN_COLLECTION" },
	},
	{
		name: "an index on an unknown field",
		...create({
			name: "things",
			fields: [text("a")],
			indexes: [{ fields: ["a", "b"] }],
		}),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "indexes.0.fields.1": "UNKNOWN_FIELD" },
	},
	{
		name: "a duplicate collection name",
		...create({ name: "people", fields: [] }),
		status: 409,
		code: "COLLECTION_EXISTS",
	},
	{
		name: "a rule with a syntax error",
		...create({ name: "things", fields: [text("a")], rules: { view: "a = " } }),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "rules.view": "INVALID_RULE" },
	},
	{
		name: "a rule naming an unknown field",
		...create({
			name: "things",
			fields: [text("a")],
			rules: { list: "b = 'x'" },
		}),
		status: 422,
		code: "INVALID_SCHEMA",
		errors: { "rules.list": "INVALID_RULE" },
	},
	{
		name: "a guest",
		...create({ name: "things", fields: [] }),
		token: null,
		status: 401,
		code: "AUTH_REQUIRED",
	},
	{
		name: "a bad token",
		method: "GET",
		url: "/api/v1/collections",
		token: "not-a-token",
		status: 401,
		code: "INVALID_TOKEN",
	},
	...[
		["GET", "/api/v1/collections"],
		["GET", "/api/v1/collections/people"],
		["PATCH", "/api/v1/collections/people"],
		["DELETE", "/api/v1/collections/people"],
		["GET", "/api/v1/collections/people/history"],
	].map(([method, url]) => ({
		name: `a guest: ${method} ${url}`,
		method: method as string,
		url: url as string,
		...(method === "PATCH" ? { body: { fields: [] } } : {}),
		token: null,
		status: 401,
		code: "AUTH_REQUIRED",
	})),
	...[
		["GET", "/api/v1/collections/nothing"],
		["PATCH", "/api/v1/collections/nothing"],
		["DELETE", "/api/v1/collections/nothing"],
		["GET", "/api/v1/collections/nothing/history"],
	].map(([method, url]) => ({
		name: `an unknown collection: ${method} ${url}`,
		method: method as string,
		url: url as string,
		...(method === "PATCH" ? { body: { fields: [] } } : {}),
		status: 404,
		code: "COLLECTION_NOT_FOUND",
	})),
];

describeEachDialect("collections API errors", (t) => {
	let peopleFields: { id: string; name: string }[] = [];

	beforeAll(async () => {
		const people = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "people",
				fields: [text("name"), text("nick")],
				rules: { list: "nick != ''" },
			},
		});
		expect(people.status, people.text).toBe(201);
		peopleFields = people.body.fields;
	});

	it.each(scenarios)("$name: $status $code", async (s) => {
		const token = s.token === undefined ? "superuser" : s.token;
		const res = await t().request(s.method, s.url, {
			body: s.body,
			...(token === null ? {} : { token }),
			...(s.headers ? { headers: s.headers } : {}),
		});
		expect(res.status, res.text).toBe(s.status);
		expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
		expect(res.body).toMatchObject({ status: s.status, code: s.code });
		expect(res.body.requestId).toEqual(expect.any(String));
		if (s.status === 401)
			expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
		for (const [at, code] of Object.entries(s.errors ?? {}))
			expect(res.body.errors?.[at]?.code, `errors.${at}`).toBe(code);
		if (s.detail) expect(res.body.detail).toMatch(s.detail);
	});

	it("refuses a PATCH that drops a field a rule uses", async () => {
		const [name] = peopleFields;
		const res = await t().request("PATCH", "/api/v1/collections/people", {
			token: "superuser",
			body: { fields: [name] },
		});
		expect(res.status, res.text).toBe(422);
		expect(res.body.code).toBe("INVALID_SCHEMA");
		expect(res.body.errors["rules.list"].code).toBe("INVALID_RULE");
	});

	it("refuses a PATCH naming a field id the collection does not have", async () => {
		const res = await t().request("PATCH", "/api/v1/collections/people", {
			token: "superuser",
			body: { fields: [...peopleFields, { id: "nope", ...text("x") }] },
		});
		expect(res.status, res.text).toBe(422);
		expect(res.body.errors["fields.2.id"].code).toBe("UNKNOWN_FIELD_ID");
	});

	it("refuses to rename a collection onto an existing name", async () => {
		await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: { name: "others", fields: [] },
		});
		const res = await t().request("PATCH", "/api/v1/collections/others", {
			token: "superuser",
			body: { name: "people" },
		});
		expect(res.status, res.text).toBe(409);
		expect(res.body.code).toBe("COLLECTION_EXISTS");
	});

	it("left nothing behind: only the collections made on purpose exist", async () => {
		const list = await t().request("GET", "/api/v1/collections", {
			token: "superuser",
		});
		// `users` is the auth collection every new install starts with.
		expect(list.body.items.map((c: { name: string }) => c.name)).toEqual([
			"others",
			"people",
			"users",
		]);
		const people = list.body.items[1];
		expect(people.fields).toEqual(peopleFields);
		expect(people.rules.list).toBe("nick != ''");
	});
});
