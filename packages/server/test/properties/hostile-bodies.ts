import fc from "fast-check";
import { HOSTILE_FIELDS, SQL_FRAGMENTS } from "./hostile-filters.js";

/*
 * Generators of record write bodies for hostile-input.test.ts: mostly JSON objects with
 * real field names and values of every type, the rest hostile keys, broken JSON and
 * values the JSON parser turns into something else (`1e999`, `-0`).
 */

// JSON text, so that `1e999`, `-0` and 30-digit numbers reach the parser as written.
const RAW_VALUES = [
	"1e308",
	"-1e308",
	"1e999",
	"-1e999",
	"-0",
	"123456789012345678901234567890",
	"0.1",
	"4.000000000000001",
	'"NaN"',
	'"Infinity"',
	'"1e999"',
	'""',
	'" "',
	'"\\u0000"',
	'"a\\u0000b"',
	'"\\ud800"',
	'"2026-02-31"',
	'"2026-01-01"',
	'"2026-01-01 25:00"',
	'"0"',
	'"00000000-0000-0000-0000-000000000000"',
	'"0193a7b0-0000-7000-8000-000000000000"',
	'["00000000-0000-0000-0000-000000000000"]',
	'["a","a"]',
	'["a","b","c","a"]',
	'["a",null]',
	'["d"]',
	'[["a"]]',
	"[]",
	"{}",
	'{"__proto__":{"polluted":true}}',
	'{"constructor":{"prototype":{"polluted":true}}}',
	'{"a":"\\u0000"}',
	`${"[".repeat(200)}${"]".repeat(200)}`,
	`"${"x".repeat(300)}"`,
	"null",
	"true",
	"false",
];

/** JSON text of values that some field of the collection accepts. */
const plausibleValue = (ids: () => string[]) =>
	fc.oneof(
		fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
		fc.constantFrom(...SQL_FRAGMENTS).map((s) => JSON.stringify(s)),
		fc.integer({ min: -1000, max: 1000 }).map(String),
		fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
		fc.boolean().map(String),
		fc
			.date({
				min: new Date("0001-01-01T00:00:00Z"),
				max: new Date("9999-12-31T23:59:59Z"),
				noInvalidDate: true,
			})
			.map((d) => JSON.stringify(d.toISOString())),
		fc.subarray(["a", "b", "c"]).map((tags) => JSON.stringify(tags)),
		fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
		fc.constant(null).map(() => JSON.stringify(ids()[0] ?? "")),
		fc.constant(null).map(() => JSON.stringify(ids().slice(0, 2))),
	);

const KEYS = [
	"id",
	"created",
	"updated",
	"expand",
	"collectionName",
	"__proto__",
	"constructor",
	"prototype",
	"nope",
	"",
	"Title",
	"title ",
	"\u0000",
	"owner.name",
];

const entry = (ids: () => string[]) =>
	fc.tuple(
		fc.oneof(
			{ arbitrary: fc.constantFrom(...HOSTILE_FIELDS), weight: 8 },
			{ arbitrary: fc.constantFrom(...KEYS), weight: 1 },
		),
		fc.oneof(
			{ arbitrary: plausibleValue(ids), weight: 3 },
			{ arbitrary: fc.constantFrom(...RAW_VALUES), weight: 2 },
		),
	);

/**
 * Body text of a record write, built by hand so that `__proto__` stays a key; `ids`
 * gives record ids the suite made, for relation fields.
 */
export const hostileBody = (ids: () => string[]) =>
	fc.oneof(
		{
			arbitrary: fc
				.array(entry(ids), { maxLength: 6 })
				.map(
					(entries) =>
						`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`,
				),
			weight: 10,
		},
		{
			arbitrary: fc.constantFrom(
				"",
				"[]",
				"null",
				"1",
				'"x"',
				"{",
				'{"title":}',
				"{'title':'x'}",
				'{"title":"x",}',
				'{"title":"x"}{"title":"y"}',
				'{"title":"\u0000"}',
				'\ufeff{"title":"bom"}',
			),
			weight: 1,
		},
		{ arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 1 },
	);

/** Content types of a write: JSON mostly. */
export const writeContentType = fc.oneof(
	{
		arbitrary: fc.constantFrom(
			"application/json",
			"application/json; charset=utf-8",
		),
		weight: 8,
	},
	{
		arbitrary: fc.constantFrom(
			"application/json; charset=latin1",
			"text/plain",
			"application/x-www-form-urlencoded",
			"multipart/form-data",
			"application/merge-patch+json",
		),
		weight: 1,
	},
);
