import fc from "fast-check";
import {
	hostileFilter,
	hostileString,
	OPERANDS,
	wellFormed,
} from "./hostile-filters.js";

/*
 * Generators of list query parameters (docs/api.md#list-parameters) for
 * hostile-input.test.ts: each parameter absent, valid, or now and then hostile, so that
 * whole queries often pass validation and reach the database.
 */

const sortKey = fc
	.tuple(
		fc.constantFrom("", "", "-", "+", "--", "@"),
		fc.constantFrom(...OPERANDS, "title desc", "RANDOM()", "@random"),
	)
	.map(([prefix, key]) => prefix + key);

/** A parameter value: usually a valid one, sometimes a hostile one; often absent. */
function param(
	valid: fc.Arbitrary<string>,
	hostile: fc.Arbitrary<string>,
): fc.Arbitrary<string | undefined> {
	return fc.option(
		fc.oneof(
			{ arbitrary: valid, weight: 10 },
			{ arbitrary: hostile, weight: 1 },
		),
		{ nil: undefined },
	);
}

const commaList = (names: string[]) =>
	fc
		.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: 3 })
		.map((list) => list.join(","));

const sort = param(
	commaList([
		"title",
		"-title",
		"views",
		"-views",
		"-due",
		"active",
		"-created",
		"updated",
		"id",
	]),
	fc.oneof(
		fc
			.array(sortKey, { minLength: 1, maxLength: 4 })
			.map((keys) => keys.join(",")),
		hostileString,
	),
);

const fields = param(
	commaList([
		"id",
		"title",
		"views",
		"tags",
		"meta",
		"owner",
		"expand",
		"created",
	]),
	fc.oneof(
		fc
			.array(fc.constantFrom(...OPERANDS, "expand.owner", "*"), {
				maxLength: 4,
			})
			.map((f) => f.join(",")),
		hostileString,
	),
);

const expand = param(
	commaList(["owner", "crew"]),
	fc.oneof(
		commaList([
			"owner.owner",
			"crew.nope",
			"title",
			"tags",
			"nope",
			"",
			"owner",
		]),
		hostileString,
		fc.constant("owner.".repeat(40)),
	),
);

const hostileNumber = fc.oneof(
	fc.constantFrom(
		"0",
		"-1",
		"501",
		"1e3",
		"1.5",
		"0x10",
		" 1",
		"",
		"NaN",
		"999999999999999999999",
		"1000001",
	),
	fc.string({ maxLength: 12 }),
);

const cursorValue = fc.oneof(
	fc.jsonValue({ maxDepth: 1 }),
	fc.constantFrom(1e308, -1, "", "\u0000", "not a date", "2026-02-31"),
);

// The server's own cursor format (base64url JSON) with a real sort signature and
// values of any type.
const forgedCursor = fc
	.tuple(
		fc.constantFrom("id", "title,id", "-views,id", "-due,id", "active,id"),
		fc.array(cursorValue, { maxLength: 3 }),
	)
	.map(([s, v]) => Buffer.from(JSON.stringify({ s, v })).toString("base64url"));

const cursor = fc.oneof(
	fc.constant(""),
	forgedCursor,
	fc.string({ unit: "binary", maxLength: 60 }),
	fc.base64String({ maxLength: 80 }),
);

// `page` and `cursor` together are a 400: send both only now and then.
const paging = fc.oneof(
	{
		arbitrary: fc.record({
			page: param(fc.integer({ min: 1, max: 3 }).map(String), hostileNumber),
		}),
		weight: 6,
	},
	{ arbitrary: fc.record({ cursor }), weight: 3 },
	{ arbitrary: fc.record({ page: fc.constant("1"), cursor }), weight: 1 },
);

/** List parameters of docs/api.md#list-parameters; absent ones are undefined. */
export const hostileListParams = fc
	.tuple(
		fc.record({
			filter: param(wellFormed, hostileFilter),
			sort,
			fields,
			expand,
			perPage: param(
				fc.integer({ min: 1, max: 500 }).map(String),
				hostileNumber,
			),
			skipTotal: param(
				fc.constantFrom("1", "true", "0", "false"),
				fc.constantFrom("yes", "2", "TRUE"),
			),
		}),
		paging,
	)
	.map(
		([params, pages]): Record<string, string | undefined> => ({
			...params,
			...pages,
		}),
	);

/** A raw query-string tail: duplicate parameters and broken percent escapes. */
export const rawQueryTail = fc.oneof(
	{ arbitrary: fc.constant(""), weight: 10 },
	{
		arbitrary: fc.constantFrom(
			"&filter=a%3D1&filter=b%3D1",
			"&sort=id&sort=-id",
			"&filter=%",
			"&filter=%zz",
			"&filter=%FF%FE",
			"&filter=%C0%80",
			"&perPage[]=1",
			"&__proto__=x",
			"&constructor[prototype][x]=1",
		),
		weight: 1,
	},
);
