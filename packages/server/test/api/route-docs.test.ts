import { expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

// Every route is declared once: its schema validates it, types it and documents it
// (docs/api.md#openapi). A route added without a summary, tags, answers or an
// explicit `security` (public operations say `security: []`) fails here.
describeEachDialect("route documentation", (t) => {
	it("documents every route under /api/v1 and /health, security included", () => {
		const routes = t().server.registeredRoutes.filter(
			(r) => r.url.startsWith("/api/v1/") || r.url.startsWith("/health/"),
		);
		expect(routes.length).toBeGreaterThan(60);
		const lacking = routes
			.filter(
				(r) =>
					!r.schema?.summary ||
					!r.schema.tags?.length ||
					!Array.isArray(r.schema.security) ||
					Object.keys(r.schema.response ?? {}).length === 0,
			)
			.map((r) => `${r.method} ${r.url}`);
		expect(lacking).toEqual([]);
	});

	it("lists each documented route in the live document", async () => {
		const document = (await t().request("GET", "/api/v1/openapi.json")).body;
		for (const route of t().server.registeredRoutes) {
			if (!route.schema?.summary) continue;
			const path = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
			expect(
				document.paths[path]?.[route.method.toLowerCase()],
				`${route.method} ${path}`,
			).toBeDefined();
		}
	});
});
