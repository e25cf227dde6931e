import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	findRedisServer,
	type RedisServer,
	startRedis,
} from "../helpers/redis-server.js";
import { createTestApp, SUPERUSER, type TestApp } from "../helpers/test-app.js";

const PASSWORD = "quiet lantern morning";
const LIMITS = {
	BASALT_RATE_LIMIT_LOGIN: "3/15m",
	BASALT_RATE_LIMIT_LOGIN_IP: "12/15m",
	BASALT_RATE_LIMIT_ACCOUNT_MAIL: "2/1h",
	// The three sign-ups of the suite's set-up come from 127.0.0.1, the others from
	// addresses of their own.
	BASALT_RATE_LIMIT_SIGNUP_IP: "3/1h",
	BASALT_RATE_LIMIT_REFRESH_IP: "5/15m",
	BASALT_TRUSTED_PROXIES: "127.0.0.1/32",
};

/** Signs in to `users` from the client address `ip` (sent through the trusted proxy). */
function login(t: TestApp, identity: string, password: string, ip: string) {
	return t.request("POST", "/api/v1/collections/users/auth/password", {
		body: { identity, password },
		headers: { "x-forwarded-for": ip },
	});
}

async function signUp(t: TestApp, email: string) {
	const res = await t.request("POST", "/api/v1/collections/users/records", {
		body: { email, password: PASSWORD, passwordConfirm: PASSWORD },
	});
	expect(res.status, res.text).toBe(201);
}

describeEachDialect(
	"auth rate limits",
	(t) => {
		beforeAll(async () => {
			for (const name of ["ann", "bob", "cat"])
				await signUp(t(), `${name}@example.com`);
		});

		it("refuses sign-in per identity after the limit, even with the right password", async () => {
			for (let i = 1; i <= 3; i++) {
				const wrong = await login(
					t(),
					"ann@example.com",
					"wrong",
					"203.0.113.1",
				);
				expect(wrong.status).toBe(400);
				expect(wrong.headers["ratelimit-limit"]).toBe("3");
				expect(wrong.headers["ratelimit-remaining"]).toBe(String(3 - i));
			}
			const locked = await login(
				t(),
				"ANN@example.com",
				PASSWORD,
				"203.0.113.2",
			);
			expect(locked.status).toBe(429);
			expect(locked.headers["content-type"]).toContain(
				"application/problem+json",
			);
			expect(locked.body.code).toBe("RATE_LIMITED");
			expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0);
			expect(locked.headers["ratelimit-remaining"]).toBe("0");
			// Another account from the same address is not held back.
			const other = await login(
				t(),
				"bob@example.com",
				PASSWORD,
				"203.0.113.1",
			);
			expect(other.status).toBe(200);
		});

		it("clears an identity's count when it signs in", async () => {
			for (let round = 0; round < 3; round++) {
				expect(
					(await login(t(), "cat@example.com", "wrong", "203.0.113.3")).status,
				).toBe(400);
				expect(
					(await login(t(), "cat@example.com", "wrong", "203.0.113.3")).status,
				).toBe(400);
				expect(
					(await login(t(), "cat@example.com", PASSWORD, "203.0.113.3")).status,
				).toBe(200);
			}
		});

		it("refuses sign-in per client address, whatever the identity", async () => {
			const ip = "198.51.100.9";
			const answers: number[] = [];
			for (let i = 0; i < 13; i++)
				answers.push(
					(await login(t(), `x${i}@example.com`, "wrong", ip)).status,
				);
			expect(answers.slice(0, 12).every((s) => s === 400)).toBe(true);
			expect(answers[12]).toBe(429);
			// The address next door is counted apart.
			expect(
				(await login(t(), "bob@example.com", PASSWORD, "198.51.100.10")).status,
			).toBe(200);
		});

		it("limits superuser sign-in the same way", async () => {
			const attempt = (password: string) =>
				t().request("POST", "/api/v1/superusers/auth/password", {
					body: { identity: SUPERUSER.email, password },
					headers: { "x-forwarded-for": "203.0.113.50" },
				});
			for (let i = 0; i < 3; i++)
				expect((await attempt("nope")).status).toBe(400);
			expect((await attempt(SUPERUSER.password)).status).toBe(429);
		});

		it("counts client authentication and OAuth2 starts per client address", async () => {
			const token = (ip: string) =>
				t().request("POST", "/api/v1/oauth/token", {
					body: "grant_type=client_credentials&client_id=nobody&client_secret=wrong",
					headers: {
						"content-type": "application/x-www-form-urlencoded",
						"x-forwarded-for": ip,
					},
				});
			for (let i = 0; i < 12; i++)
				expect((await token("192.0.2.77")).status).toBe(401);
			const refused = await token("192.0.2.77");
			expect(refused.status).toBe(429);
			expect(refused.headers["retry-after"]).toBeDefined();
			const start = (ip: string) =>
				t().request(
					"GET",
					"/api/v1/collections/users/auth/oauth2/nowhere?redirect=https%3A%2F%2Fapp.example.com%2F",
					{ headers: { "x-forwarded-for": ip } },
				);
			for (let i = 0; i < 12; i++)
				expect((await start("192.0.2.78")).status).toBe(404);
			expect((await start("192.0.2.78")).status).toBe(429);
		});

		it("limits sign-ups per client address, one per account a batch creates", async () => {
			const signUpFrom = (ip: string, email: string) =>
				t().request("POST", "/api/v1/collections/users/records", {
					body: { email, password: PASSWORD, passwordConfirm: PASSWORD },
					headers: { "x-forwarded-for": ip },
				});
			for (let i = 0; i < 3; i++)
				expect(
					(await signUpFrom("192.0.2.90", `s${i}@example.com`)).status,
				).toBe(201);
			const fourth = await signUpFrom("192.0.2.90", "s3@example.com");
			expect(fourth.status).toBe(429);
			expect(fourth.body.code).toBe("RATE_LIMITED");
			const count = async () =>
				(
					await t().request("GET", "/api/v1/collections/users/records", {
						token: "superuser",
					})
				).body.totalItems;
			const before = await count();
			const batch = await t().request("POST", "/api/v1/batch", {
				headers: { "x-forwarded-for": "192.0.2.91" },
				body: {
					requests: ["b0", "b1", "b2", "b3"].map((name) => ({
						method: "POST",
						url: "/api/v1/collections/users/records",
						body: {
							email: `${name}@example.com`,
							password: PASSWORD,
							passwordConfirm: PASSWORD,
						},
					})),
				},
			});
			expect(batch.status).toBe(429);
			expect(await count()).toBe(before);
			// Superusers make accounts without limit; users cannot import them.
			const root = await t().request(
				"POST",
				"/api/v1/collections/users/records",
				{
					token: "superuser",
					headers: { "x-forwarded-for": "192.0.2.90" },
					body: {
						email: "made@example.com",
						password: PASSWORD,
						passwordConfirm: PASSWORD,
					},
				},
			);
			expect(root.status).toBe(201);
			const session = (
				await login(t(), "bob@example.com", PASSWORD, "192.0.2.93")
			).body;
			const upload = await t().request(
				"POST",
				"/api/v1/collections/users/import",
				{
					token: session.token,
					headers: { "content-type": "application/x-ndjson" },
					body: JSON.stringify({
						email: "bulk@example.com",
						password: PASSWORD,
						passwordConfirm: PASSWORD,
					}),
				},
			);
			expect(upload.status).toBe(403);
		});

		it("limits refresh-token trades per client address", async () => {
			let { refreshToken } = (
				await login(t(), "bob@example.com", PASSWORD, "192.0.2.94")
			).body;
			const trade = () =>
				t().request("POST", "/api/v1/auth/refresh", {
					body: { refreshToken },
					headers: { "x-forwarded-for": "192.0.2.95" },
				});
			for (let i = 0; i < 5; i++) {
				const res = await trade();
				expect(res.status).toBe(200);
				refreshToken = res.body.refreshToken;
			}
			expect((await trade()).status).toBe(429);
		});

		it("limits account mail per address", async () => {
			const ask = (email: string) =>
				t().request(
					"POST",
					"/api/v1/collections/users/auth/request-password-reset",
					{ body: { email }, headers: { "x-forwarded-for": "203.0.113.60" } },
				);
			expect((await ask("ann@example.com")).status).toBe(204);
			expect((await ask("Ann@Example.com")).status).toBe(204);
			const third = await ask("ann@example.com");
			expect(third.status).toBe(429);
			expect(third.body.code).toBe("RATE_LIMITED");
			// The answer for an unknown address is the same.
			expect((await ask("ghost@example.com")).status).toBe(204);
			expect((await ask("ghost@example.com")).status).toBe(204);
			expect((await ask("ghost@example.com")).status).toBe(429);
		});
	},
	LIMITS,
);

describe("auth rate limits without a trusted proxy", () => {
	let t: TestApp;
	beforeAll(async () => {
		t = await createTestApp("sqlite", undefined, {
			BASALT_RATE_LIMIT_LOGIN: "100/15m",
			// The test app's own superuser sign-in is the first of the four.
			BASALT_RATE_LIMIT_LOGIN_IP: "4/15m",
		});
	});
	afterAll(() => t.close());

	it("ignores X-Forwarded-For, so a client cannot pick a fresh address per try", async () => {
		const statuses: number[] = [];
		for (let i = 0; i < 4; i++)
			statuses.push(
				(await login(t, "ann@example.com", "wrong", `203.0.113.${i}`)).status,
			);
		expect(statuses).toEqual([400, 400, 400, 429]);
	});
});

const redisBin = findRedisServer();
(redisBin ? describe : describe.skip)(
	"auth rate limits shared through Redis",
	() => {
		let redis: RedisServer;
		let nodes: TestApp[] = [];
		beforeAll(async () => {
			redis = await startRedis(redisBin as string);
			const env = { ...LIMITS, REDIS_URL: redis.url };
			nodes = [
				await createTestApp("sqlite", undefined, env),
				await createTestApp("sqlite", undefined, env),
			];
		});
		afterAll(async () => {
			for (const node of nodes) await node.close();
			await redis?.stop();
		});

		it("counts attempts on every node against one limit", async () => {
			const [a, b] = nodes as [TestApp, TestApp];
			expect(
				(await login(a, "ann@example.com", "wrong", "203.0.113.7")).status,
			).toBe(400);
			expect(
				(await login(b, "ann@example.com", "wrong", "203.0.113.7")).status,
			).toBe(400);
			expect(
				(await login(a, "ann@example.com", "wrong", "203.0.113.7")).status,
			).toBe(400);
			const locked = await login(b, "ann@example.com", "wrong", "203.0.113.7");
			expect(locked.status).toBe(429);
			expect(locked.body.code).toBe("RATE_LIMITED");
		});

		it("lets sign-in through when Redis is gone, rather than lock everyone out", async () => {
			await redis.stop();
			const [a] = nodes as [TestApp];
			const res = await login(a, "bob@example.com", "wrong", "203.0.113.8");
			expect(res.status).toBe(400);
			expect(res.body.code).toBe("INVALID_CREDENTIALS");
		});
	},
);
