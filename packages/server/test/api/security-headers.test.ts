import { expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

/** Names of answer members that hold a credential: no cache may keep such an answer. */
const SECRET_MEMBERS = new Set([
	"token",
	"refreshToken",
	"access_token",
	"refresh_token",
	"secret",
	"clientSecret",
	"client_secret",
	"key",
]);

type Schema = Record<string, unknown>;

/** Every property name a schema can hold at any depth, following $refs into `components`. */
function memberNames(
	schema: unknown,
	components: Schema,
	seen = new Set<string>(),
): Set<string> {
	const names = new Set<string>();
	const walk = (node: unknown) => {
		if (typeof node !== "object" || node === null) return;
		if (Array.isArray(node)) return node.forEach(walk);
		const object = node as Schema;
		const ref = object.$ref;
		if (typeof ref === "string") {
			if (seen.has(ref)) return;
			seen.add(ref);
			walk(components[ref.replace("#/components/schemas/", "")]);
		}
		const properties = object.properties;
		if (typeof properties === "object" && properties !== null)
			for (const name of Object.keys(properties)) names.add(name);
		for (const value of Object.values(object)) walk(value);
	};
	walk(schema);
	return names;
}

// Security headers on every answer (docs/security.md#headers).
describeEachDialect("security headers", (t) => {
	it("sends the API's headers on answers, errors and unknown routes alike", async () => {
		for (const [method, path, status] of [
			["GET", "/health/live", 200],
			["GET", "/api/v1/collections", 401],
			["GET", "/api/v1/nowhere", 404],
		] as const) {
			const answer = await t().request(method, path);
			expect(answer.status, path).toBe(status);
			const h = answer.headers;
			expect(h["x-content-type-options"], path).toBe("nosniff");
			expect(h["content-security-policy"], path).toBe(
				"default-src 'none';frame-ancestors 'none'",
			);
			expect(h["x-frame-options"], path).toBe("DENY");
			expect(h["cross-origin-resource-policy"], path).toBe("same-origin");
			// Headers that only act on a page a browser shows stay on /docs.
			for (const documentOnly of [
				"referrer-policy",
				"cross-origin-opener-policy",
				"x-xss-protection",
			])
				expect(h[documentOnly], `${path} ${documentOnly}`).toBeUndefined();
			// No TLS here: HSTS would be ignored over plain HTTP.
			expect(h["strict-transport-security"], path).toBeUndefined();
			// No framework or version banner.
			expect(h["x-powered-by"], path).toBeUndefined();
			expect(h.server, path).toBeUndefined();
		}
	});

	it("lets the /docs page run its own scripts and no inline one", async () => {
		const page = await t().request("GET", "/docs");
		expect(page.status).toBe(200);
		const csp = String(page.headers["content-security-policy"]);
		expect(csp).toContain("script-src 'self'");
		expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
		expect(csp).toContain("frame-ancestors 'none'");
		expect(page.headers["referrer-policy"]).toBe("no-referrer");
		expect(page.headers["cross-origin-opener-policy"]).toBe("same-origin");
		expect(page.headers["x-content-type-options"]).toBe("nosniff");
		expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
	});

	it("answers no-store wherever a token or a secret is in the answer", async () => {
		const document = (await t().request("GET", "/api/v1/openapi.json")).body;
		const components = document.components.schemas as Schema;
		const routes = t().server.registeredRoutes;
		const unmarked: string[] = [];
		for (const route of routes) {
			const answers = Object.entries(route.schema?.response ?? {}).filter(
				([status]) => status.startsWith("2"),
			);
			const names = memberNames(
				answers.map(([, answer]) => answer),
				components,
			);
			const secret = [...names].some((name) => SECRET_MEMBERS.has(name));
			if (secret && !route.carriesSecret)
				unmarked.push(`${route.method} ${route.url}`);
		}
		expect(unmarked).toEqual([]);
		expect(routes.filter((r) => r.carriesSecret).length).toBeGreaterThan(5);
	});

	it("keeps sessions out of every cache: sign-in, refresh and their refusals", async () => {
		const password = "a-long-enough-password-1";
		const made = await t().request(
			"POST",
			"/api/v1/collections/users/records",
			{
				body: {
					email: "nostore@example.com",
					password,
					passwordConfirm: password,
				},
			},
		);
		expect(made.status, made.text).toBe(201);
		const signIn = await t().request(
			"POST",
			"/api/v1/collections/users/auth/password",
			{ body: { identity: "nostore@example.com", password } },
		);
		expect(signIn.status, signIn.text).toBe(200);
		const refresh = await t().request("POST", "/api/v1/auth/refresh", {
			body: { refreshToken: signIn.body.refreshToken },
		});
		expect(refresh.status, refresh.text).toBe(200);
		const refused = await t().request(
			"POST",
			"/api/v1/superusers/auth/password",
			{ body: { identity: "nobody@example.com", password: "wrong-password" } },
		);
		expect(refused.body.code, refused.text).toBe("INVALID_CREDENTIALS");
		for (const answer of [signIn, refresh, refused])
			expect(answer.headers["cache-control"]).toBe("no-store");
		// A read keeps its own revalidation policy.
		const read = await t().request("GET", "/api/v1/collections/users/records", {
			token: signIn.body.token,
		});
		expect(read.headers["cache-control"]).toBe("private, no-cache");
	});
});
