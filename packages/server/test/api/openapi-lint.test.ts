import { createConfig, lintFromString } from "@redocly/openapi-core";
import { expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

// Redocly's "recommended" rules are what `npx @redocly/cli lint` applies by default:
// an outside check of the live document. It found 36 `security-defined` errors once
// (public operations that declared no security); none may come back.
describeEachDialect(
	"the live OpenAPI document under Redocly's recommended rules",
	(t) => {
		it("has no errors, with collections of every kind in it", async () => {
			const { request } = t();
			const collections = [
				{
					name: "authors",
					type: "auth",
					fields: [{ name: "name", type: "text", max: 100 }],
					rules: { list: "", view: "" },
				},
				{
					name: "posts",
					fields: [
						{ name: "title", type: "text", required: true, max: 200 },
						{ name: "views", type: "number", integer: true, min: 0 },
						{ name: "tags", type: "select", values: ["a", "b"], maxSelect: 2 },
						{ name: "author", type: "relation", collection: "authors" },
						{ name: "meta", type: "json" },
						{ name: "published", type: "date" },
					],
					indexes: [{ fields: ["title"], unique: true }],
					rules: { list: "", view: "", create: "@request.auth.id != ''" },
				},
			];
			for (const body of collections)
				expect(
					(
						await request("POST", "/api/v1/collections", {
							token: "superuser",
							body,
						})
					).status,
				).toBe(201);
			const document = await request("GET", "/api/v1/openapi.json");
			expect(document.status).toBe(200);
			const problems = await lintFromString({
				source: document.text,
				absoluteRef: "openapi.json",
				config: await createConfig({ extends: ["recommended"] }),
			});
			const errors = problems
				.filter((p) => p.severity === "error")
				.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
			expect(errors).toEqual([]);
		});
	},
);
