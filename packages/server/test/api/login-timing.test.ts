import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

const PASSWORD = "quiet lantern morning";

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] as number;
}

// Not a performance check: a security property. If an unknown email skipped the
// argon2 run, its answer would come back in well under a tenth of the time of a
// wrong password, and an attacker could list accounts by timing sign-ins. On a quiet
// machine the medians differ by under 3%; the bounds leave room for the other test
// files running at the same time on CI.
describe("sign-in timing", () => {
	let t: TestApp;
	beforeAll(async () => {
		t = await createTestApp("sqlite", undefined, {
			BASALT_RATE_LIMIT_LOGIN: "1000/1m",
			BASALT_RATE_LIMIT_LOGIN_IP: "1000/1m",
		});
		const res = await t.request("POST", "/api/v1/collections/users/records", {
			body: {
				email: "ann@example.com",
				password: PASSWORD,
				passwordConfirm: PASSWORD,
			},
		});
		expect(res.status).toBe(201);
	});
	afterAll(() => t.close());

	it("takes as long for an unknown email as for a wrong password", async () => {
		const attempt = async (identity: string) => {
			const started = performance.now();
			const res = await t.request(
				"POST",
				"/api/v1/collections/users/auth/password",
				{ body: { identity, password: "not the password" } },
			);
			expect(res.status).toBe(400);
			expect(res.body.code).toBe("INVALID_CREDENTIALS");
			return performance.now() - started;
		};
		await attempt("ann@example.com"); // warms the decoy hash and the statements
		await attempt("warm@example.com");
		const known: number[] = [];
		const unknown: number[] = [];
		// Interleaved, so a slow moment of the machine hits both series alike.
		for (let i = 0; i < 21; i++) {
			known.push(await attempt("ann@example.com"));
			unknown.push(await attempt(`nobody${i}@example.com`));
		}
		const ratio = median(unknown) / median(known);
		expect(
			ratio,
			`known ${median(known)} ms, unknown ${median(unknown)} ms`,
		).toBeGreaterThan(0.8);
		expect(ratio).toBeLessThan(1.25);
	});
});
