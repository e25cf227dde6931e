import fc from "fast-check";
import type { ListTarget } from "./list-params.js";
import { percentEncode } from "./percent-encode.js";
import {
	anyText,
	isoDate,
	jsonValue,
	naughtyString,
	wrongValue,
} from "./schema-values.js";

/*
 * Request bodies other than plain schema-shaped JSON: mutations of a JSON body,
 * broken JSON texts, CSV and NDJSON import files, and forms.
 */

/** Stands for the caller's own id in a generated body; the runner fills it in. */
export const SELF = "@@fuzz-self@@";

/** JSON texts no JSON body parser should take, or should take with care. */
const BROKEN_JSON = [
	"",
	"{",
	"[",
	"}",
	"null",
	"[]",
	"1",
	'"x"',
	"{'a':1}",
	'{"a":1,}',
	'{"a":1}{"b":2}',
	'{"a":01}',
	'{"a":NaN}',
	'{"a":Infinity}',
	'{"a":"\\x41"}',
	'{"a":"\\ud800"}',
	'{"__proto__":{"admin":true}}',
	'{"constructor":{"prototype":{"admin":true}}}',
	'\ufeff{"title":"bom"}',
	`${"[".repeat(5000)}${"]".repeat(5000)}`,
	`{"a":${'{"a":'.repeat(2000)}1${"}".repeat(2000)}}`,
	`{"title":"${"x".repeat(1_100_000)}"}`,
];

/** Changes a JSON body the way a careless or hostile client would. */
export function mutatedJson(value: unknown): fc.Arbitrary<string> {
	const object =
		value && typeof value === "object" && !Array.isArray(value)
			? (value as Record<string, unknown>)
			: {};
	const keys = Object.keys(object);
	const mutations: fc.Arbitrary<string>[] = [
		// An unknown member, a system member or a prototype key.
		fc
			.tuple(
				fc.oneof(
					fc.constantFrom(
						"id",
						"created",
						"updated",
						"expand",
						"collectionName",
						"verified",
						"password_hash",
						"token_key",
						"__proto__",
						"constructor",
						"",
					),
					naughtyString,
				),
				wrongValue,
			)
			.map(([k, v]) => JSON.stringify({ ...object, [k]: v })),
		fc.constantFrom(...BROKEN_JSON),
		fc.constant(JSON.stringify([object])),
	];
	if (keys.length > 0) {
		// A member dropped, or given the wrong type or a naughty string.
		mutations.push(
			fc.constantFrom(...keys).map((k) => {
				const { [k]: _dropped, ...rest } = object;
				return JSON.stringify(rest);
			}),
			fc
				.tuple(fc.constantFrom(...keys), fc.oneof(wrongValue, naughtyString))
				.map(([k, v]) => JSON.stringify({ ...object, [k]: v })),
			// Duplicate keys: the last one wins in JSON.parse, not in every parser.
			fc.tuple(fc.constantFrom(...keys), wrongValue).map(([k, v]) => {
				const text = JSON.stringify(object);
				return `{${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"},${text.slice(1)}`;
			}),
		);
	}
	return fc.oneof(...mutations);
}

/** One CSV cell, quoted when it must be (RFC 4180), sometimes wrongly. */
function csvCell(text: string, broken: boolean): string {
	if (broken) return `"${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const cells = new Map<string, fc.Arbitrary<string>>();

/** CSV cells for a field type (built once per type). */
function cellFor(type: string): fc.Arbitrary<string> {
	let cell = cells.get(type);
	if (!cell) {
		cell = cellOfType(type);
		cells.set(type, cell);
	}
	return cell;
}

function cellOfType(type: string): fc.Arbitrary<string> {
	const typed = (() => {
		switch (type) {
			case "number":
				return fc.oneof(
					fc.integer({ min: -5, max: 500 }).map(String),
					fc.constant("ten"),
				);
			case "bool":
				return fc.constantFrom("true", "false", "1", "0", "yes", "no");
			case "date":
				return isoDate;
			case "json":
				return jsonValue.map((v) => JSON.stringify(v));
			default:
				return anyText;
		}
	})();
	return fc.oneof(
		{ arbitrary: typed, weight: 5 },
		{ arbitrary: naughtyString, weight: 2 },
		{ arbitrary: fc.constant(""), weight: 1 },
	);
}

/** A CSV import file for a collection: its fields as headers, hostile ones sometimes. */
export function csvFor(target: ListTarget): fc.Arbitrary<string> {
	const columns = target.fields;
	const header = fc.oneof(
		{
			arbitrary: fc.subarray(columns, { minLength: 1 }),
			weight: 5,
		},
		{
			arbitrary: fc
				.tuple(
					fc.subarray(columns),
					fc.array(
						fc.oneof(
							naughtyString,
							fc.constantFrom(
								"id",
								"created",
								"updated",
								"expand",
								"password_hash",
								"",
							),
						),
						{ minLength: 1, maxLength: 2 },
					),
				)
				.map(([known, extra]) => [
					...known,
					...extra.map((name) => ({ name, type: "text" })),
				]),
			weight: 1,
		},
	);
	return header.chain((cols) =>
		fc
			.tuple(
				fc.array(fc.tuple(...cols.map((c) => cellFor(c.type))), {
					minLength: 0,
					maxLength: 4,
				}),
				fc.boolean(),
				fc.constantFrom("\n", "\r\n"),
			)
			.map(([rows, brokenOne, eol]) =>
				[
					cols.map((c) => csvCell(c.name, false)).join(","),
					...rows.map((cells, r) =>
						cells
							.map((cell, i) => csvCell(cell, brokenOne && r === 0 && i === 0))
							.join(","),
					),
				].join(eol),
			),
	);
}

/** An NDJSON import file: one JSON object per line, some lines broken. */
export function ndjsonFor(record: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
	return fc
		.array(
			fc.oneof(
				{
					arbitrary: record.map((r) => JSON.stringify(r) ?? "null"),
					weight: 5,
				},
				{
					arbitrary: fc.constantFrom("{", "[1]", "null", "", '"x"'),
					weight: 1,
				},
			),
			{ maxLength: 4 },
		)
		.map((lines) => lines.join("\n"));
}

/** An `application/x-www-form-urlencoded` body: the OAuth2 token and callback forms. */
export function formFor(credentials: {
	clientId: string;
	clientSecret: string;
}): fc.Arbitrary<string> {
	const value = fc.oneof(
		fc.constantFrom(
			"client_credentials",
			"authorization_code",
			credentials.clientId,
			credentials.clientSecret,
			"records:read:announcements",
		),
		anyText,
	);
	const key = fc.oneof(
		fc.constantFrom(
			"grant_type",
			"client_id",
			"client_secret",
			"scope",
			"code",
			"state",
			"error",
		),
		anyText,
	);
	return fc
		.array(fc.tuple(key, value), { maxLength: 5 })
		.map((pairs) =>
			pairs
				.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
				.join("&"),
		);
}
