import { describe, expect, it } from "vitest";
import { planMigration } from "../../src/core/collections/index.js";
import type { Field } from "../../src/core/model/index.js";
import { both, change, posts } from "../helpers/planner-fixtures.js";

/** Type changes that cannot keep every value are refused before any SQL is planned. */
describe("planMigration refusals", () => {
	const impossible: [string, Record<string, Partial<Field>>][] = [
		[
			"text → number",
			{ f_title: { type: "number", integer: false } as Partial<Field> },
		],
		["number → bool", { f_views: { type: "bool" } as Partial<Field> }],
		["select → date", { f_tags: { type: "date" } as Partial<Field> }],
		["relation → text", { f_author: { type: "text" } as Partial<Field> }],
		["relation to another collection", { f_author: { collection: "teams" } }],
		[
			"text → relation",
			{
				f_title: {
					type: "relation",
					collection: "users",
					maxSelect: 1,
					cascadeDelete: false,
				} as Partial<Field>,
			},
		],
	];
	for (const [name, ctx] of both) {
		it.each(impossible)(
			`refuses %s on ${name}, planning nothing`,
			(_, patch) => {
				const plan = planMigration(posts, change(patch), ctx);
				const field = Object.keys(patch)[0] as string;
				const fieldName = posts.fields.find((f) => f.id === field)
					?.name as string;
				expect(Object.keys(plan.refusals)).toEqual([fieldName]);
				expect(plan.statements).toEqual([]);
			},
		);
	}

	it.each(both)("refuses json → number and json → text on %s", (_, ctx) => {
		const withJson = change({}, {}, [
			{
				id: "f_meta",
				name: "meta",
				type: "json",
				required: false,
				hidden: false,
				readonly: false,
			},
		]);
		for (const type of ["number", "text"] as const) {
			const after = {
				...withJson,
				fields: withJson.fields.map((f) =>
					f.id === "f_meta" ? ({ ...f, type } as Field) : f,
				),
			};
			const plan = planMigration(withJson, after, ctx);
			expect(plan.refusals.meta).toMatch(/json/);
			expect(plan.statements).toEqual([]);
		}
	});
});
