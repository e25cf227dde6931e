import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { errorCodes } from "../../src/core/errors/index.js";

const doc = readFileSync(
	path.join(import.meta.dirname, "../../../../docs/errors.md"),
	"utf8",
);
const documented = new Map(
	[...doc.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [
		m[1] as string,
		Number(m[2]),
	]),
);

// The registry and docs/errors.md must agree (docs/architecture.md#errors; fastify's
// errors test does the same). Codes may hold digits (OAUTH2_…): a pattern without them
// read no OAuth2 row.
describe("error code registry", () => {
	it("documents every code with its status", () => {
		for (const [code, { status }] of Object.entries(errorCodes)) {
			expect(documented.get(code), `${code} in docs/errors.md`).toBe(status);
		}
	});

	it("documents no code that does not exist", () => {
		for (const code of documented.keys())
			expect(Object.keys(errorCodes)).toContain(code);
	});

	it("uses SCREAMING_SNAKE codes and 4xx/5xx statuses", () => {
		for (const [code, { status }] of Object.entries(errorCodes)) {
			expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
			expect(status).toBeGreaterThanOrEqual(400);
		}
	});
});
