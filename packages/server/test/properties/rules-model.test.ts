import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

const PASSWORD = "quiet lantern morning";

interface Doc {
	/** A user's name in the generator; their id in the reference. */
	owner: string | null;
	status: "draft" | "published";
	score: number | null;
}

type Caller = "guest" | "ann" | "bob";

/**
 * Rules, each with a reference evaluator written straight from docs/filters.md: a field
 * compared with a guest's `@request.auth.id` ("") never matches (an empty owner does
 * not make a record every guest's), `!=` counts an empty field as a value, and an order
 * comparison with an empty number is false.
 */
const RULES: { rule: string; allows(doc: Doc, me: string): boolean }[] = [
	{ rule: "", allows: () => true },
	{
		rule: "owner = @request.auth.id",
		allows: (d, me) => d.owner === me,
	},
	{ rule: 'status = "published"', allows: (d) => d.status === "published" },
	{
		rule: 'status = "published" || owner = @request.auth.id',
		allows: (d, me) => d.status === "published" || d.owner === me,
	},
	{
		rule: "score > 5 && owner = @request.auth.id",
		allows: (d, me) => d.score !== null && d.score > 5 && d.owner === me,
	},
	{ rule: '@request.auth.id != ""', allows: (_d, me) => me !== "" },
	{
		rule: '@request.auth.id != "" && owner != @request.auth.id',
		allows: (d, me) => me !== "" && (d.owner ?? "") !== me,
	},
	{
		rule: '(score <= 3 || status = "draft") && @request.auth.id != ""',
		allows: (d, me) =>
			((d.score !== null && d.score <= 3) || d.status === "draft") && me !== "",
	},
];

const doc: fc.Arbitrary<Doc> = fc.record({
	owner: fc.constantFrom<string | null>("ann", "bob", null),
	status: fc.constantFrom("draft" as const, "published" as const),
	score: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
});

describeEachDialect("rules against a reference evaluator", (t) => {
	const tokens: Record<string, string> = {};
	const ids: Record<string, string> = { guest: "" };

	beforeAll(async () => {
		for (const name of ["ann", "bob"]) {
			const res = await t().request(
				"POST",
				"/api/v1/collections/users/records",
				{
					token: "superuser",
					body: {
						email: `${name}@example.com`,
						password: PASSWORD,
						passwordConfirm: PASSWORD,
					},
				},
			);
			ids[name] = res.body.id;
			const login = await t().request(
				"POST",
				"/api/v1/collections/users/auth/password",
				{ body: { identity: `${name}@example.com`, password: PASSWORD } },
			);
			tokens[name] = login.body.token;
		}
		const res = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "docs",
				fields: [
					{ name: "run", type: "number" },
					{ name: "owner", type: "relation", collection: "users" },
					{ name: "status", type: "select", values: ["draft", "published"] },
					{ name: "score", type: "number" },
				],
			},
		});
		expect(res.status, res.text).toBe(201);
	});

	it("lists and views exactly the records the reference allows", async () => {
		let run = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.nat({ max: RULES.length - 1 }),
				fc.array(doc, { minLength: 1, maxLength: 8 }),
				fc.constantFrom<Caller>("guest", "ann", "bob"),
				async (ruleIndex, docs, caller) => {
					run += 1;
					const { rule, allows } = RULES[ruleIndex] as (typeof RULES)[number];
					const set = await t().request("PATCH", "/api/v1/collections/docs", {
						token: "superuser",
						body: { rules: { list: rule, view: rule } },
					});
					expect(set.status, set.text).toBe(200);
					const batch = await t().request("POST", "/api/v1/batch", {
						token: "superuser",
						body: {
							requests: docs.map((d) => ({
								method: "POST",
								url: "/api/v1/collections/docs/records",
								body: {
									run,
									owner: d.owner ? ids[d.owner] : null,
									status: d.status,
									score: d.score,
								},
							})),
						},
					});
					expect(batch.status, batch.text).toBe(200);
					const created: string[] = batch.body.responses.map(
						(r: { body: { id: string } }) => r.body.id,
					);
					const me = ids[caller] as string;
					// The reference sees owners as the ids the rules compare with.
					const expected = created.filter((_, i) => {
						const d = docs[i] as Doc;
						return allows({ ...d, owner: d.owner && ids[d.owner] } as Doc, me);
					});
					const auth = tokens[caller] ? { token: tokens[caller] } : {};
					const list = await t().request(
						"GET",
						`/api/v1/collections/docs/records?perPage=50&filter=${encodeURIComponent(`run = ${run}`)}`,
						auth,
					);
					expect(list.status).toBe(200);
					expect(
						list.body.items.map((r: { id: string }) => r.id).sort(),
						`${rule} as ${caller}`,
					).toEqual([...expected].sort());
					for (const id of created) {
						const view = await t().request(
							"GET",
							`/api/v1/collections/docs/records/${id}`,
							auth,
						);
						expect(view.status, `${rule} as ${caller}: ${view.text}`).toBe(
							expected.includes(id) ? 200 : 404,
						);
					}
				},
			),
			{ numRuns: 40 },
		);
	});
});
