import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../../src/tools/logger/index.js";
import { dialects } from "../helpers/each-dialect.js";
import { ACCOUNT_PASSWORD, makeApiKey } from "../helpers/machine-access.js";
import { createTestApp, SUPERUSER, type TestApp } from "../helpers/test-app.js";

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON log lines.
type LogLine = Record<string, any>;

/** Every line the App's logger wrote, as written. */
function captureLines() {
	const chunks: string[] = [];
	return {
		stream: { write: (s: string) => void chunks.push(s) },
		lines: () =>
			chunks
				.join("")
				.split("\n")
				.filter((l) => l !== ""),
	};
}

const COOKIE_SECRET = "cookie-session-value-never-logged";
const BODY_SECRET = "body-secret-value-never-logged";

for (const format of ["json", "ecs"] as const) {
	for (const dialect of dialects) {
		const postgresUrl = inject("postgresUrl");
		const run =
			dialect === "postgres" && !postgresUrl ? describe.skip : describe;
		run(`log lines, ${format} format [${dialect}]`, () => {
			let t: TestApp;
			const capture = captureLines();
			const secrets: string[] = [
				ACCOUNT_PASSWORD,
				SUPERUSER.password,
				COOKIE_SECRET,
				BODY_SECRET,
			];
			const requestIds: string[] = [];

			beforeAll(async () => {
				t = await createTestApp(
					dialect,
					postgresUrl,
					{},
					{
						logger: createLogger({
							level: "debug",
							format,
							destination: capture.stream,
						}),
					},
				);
				secrets.push(t.superuserToken);
			});
			afterAll(async () => {
				await t.close();
			});

			async function send(
				method: string,
				url: string,
				options: Parameters<TestApp["request"]>[2] = {},
			) {
				const id = `log-${requestIds.length}-${format}`;
				requestIds.push(id);
				return t.request(method, url, {
					...options,
					headers: { ...options.headers, "x-request-id": id },
				});
			}

			it("writes no secret into any line, whatever the client sends", async () => {
				const signUp = await send("POST", "/api/v1/collections/users/records", {
					body: {
						email: "logged@example.com",
						password: ACCOUNT_PASSWORD,
						passwordConfirm: ACCOUNT_PASSWORD,
					},
				});
				expect(signUp.status, signUp.text).toBe(201);
				const login = await send(
					"POST",
					"/api/v1/collections/users/auth/password",
					{
						body: {
							identity: "logged@example.com",
							password: ACCOUNT_PASSWORD,
						},
					},
				);
				expect(login.status).toBe(200);
				const { token, refreshToken } = login.body as {
					token: string;
					refreshToken: string;
				};
				secrets.push(token, refreshToken);
				expect(
					(await send("GET", "/api/v1/collections/users/records", { token }))
						.status,
				).toBe(200);
				const refreshed = await send("POST", "/api/v1/auth/refresh", {
					body: { refreshToken },
				});
				expect(refreshed.status, refreshed.text).toBe(200);
				secrets.push(refreshed.body.token, refreshed.body.refreshToken);
				// A spent refresh token again: refused, reuse detected and logged.
				expect(
					(
						await send("POST", "/api/v1/auth/refresh", {
							body: { refreshToken },
						})
					).status,
				).toBe(401);
				const key = await makeApiKey(t, t.superuserToken, ["admin"]);
				secrets.push(key);
				expect((await send("GET", "/api/v1/logs", { token: key })).status).toBe(
					200,
				);
				const client = await send("POST", "/api/v1/oauth/clients", {
					token: "superuser",
					body: { name: "logged client", scopes: ["records:read:*"] },
				});
				expect(client.status, client.text).toBe(201);
				secrets.push(client.body.secret);
				const grant = await send("POST", "/api/v1/oauth/token", {
					headers: { "content-type": "application/x-www-form-urlencoded" },
					body: `grant_type=client_credentials&client_id=${client.body.id}&client_secret=${client.body.secret}`,
				});
				expect(grant.status, grant.text).toBe(200);
				secrets.push(grant.body.access_token);
				// Secrets where they do not belong: in bodies, cookies, odd headers, failed sign-ins.
				await send("POST", "/api/v1/collections/users/auth/password", {
					body: { identity: "logged@example.com", password: BODY_SECRET },
				});
				await send("POST", "/api/v1/collections", {
					token: "superuser",
					body: {
						name: "x",
						password: BODY_SECRET,
						apiKey: key,
						nested: { secret: BODY_SECRET },
					},
				});
				await send("POST", "/api/v1/api-keys", {
					token: key,
					headers: { cookie: `session=${COOKIE_SECRET}`, "x-api-key": key },
					body: `{"name": "${BODY_SECRET}", "scopes": [`,
				});
				// A key as the request id: it passes the id's character check, so only
				// the line's scrub keeps it out.
				await t.request("GET", "/api/v1/collections", {
					headers: { "x-request-id": key },
				});
				await send("GET", "/api/v1/collections/nope/records", {
					headers: {
						authorization: `Bearer ${key}`,
						cookie: `s=${COOKIE_SECRET}`,
					},
				});
				await send("GET", "/api/v1/collections", { token: `${key}x` });
				// A server error: the collection's table vanished behind Basalt's back.
				const made = await send("POST", "/api/v1/collections", {
					token: "superuser",
					body: {
						name: "vanishing",
						fields: [{ name: "title", type: "text" }],
					},
				});
				expect(made.status).toBe(201);
				await t.app.db.kysely.schema.dropTable("vanishing").execute();
				const boom = await send(
					"GET",
					"/api/v1/collections/vanishing/records",
					{ token: "superuser" },
				);
				expect(boom.status).toBe(500);

				const lines = capture.lines();
				expect(lines.length).toBeGreaterThan(20);
				for (const line of lines)
					for (const secret of secrets)
						expect(line, "a secret in a log line").not.toContain(secret);
			});

			it("writes every line as one JSON object with the request id (ECS fields in ecs mode)", async () => {
				const parsed = capture.lines().map((l) => JSON.parse(l) as LogLine);
				const requestLines = parsed.filter(
					(p) => (p.msg ?? p.message) === "request",
				);
				const idOf = (p: LogLine) =>
					format === "ecs" ? p.http?.request?.id : p.requestId;
				for (const id of requestIds)
					expect(
						requestLines.some((p) => idOf(p) === id),
						id,
					).toBe(true);
				for (const p of parsed) {
					if (format === "ecs") {
						expect(p["@timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT/);
						expect(p["log.level"]).toBeTypeOf("string");
						expect(p["ecs.version"]).toMatch(/^\d+\.\d+/);
						expect(p.message).toBeTypeOf("string");
					} else {
						expect(p.time).toMatch(/^\d{4}-\d\d-\d\dT/);
						expect(p.level).toBeTypeOf("string");
					}
				}
				const failed = parsed.find(
					(p) => (p.msg ?? p.message) === "request failed",
				);
				expect(failed, "the 500's error line").toBeDefined();
				if (format === "ecs") {
					expect(failed?.error.stack_trace).toContain("vanishing");
					expect(failed?.http.request.id).toBeTypeOf("string");
					const request = requestLines.find(
						(p) => p.http.response.status_code === 500,
					);
					expect(request).toMatchObject({
						"log.level": "error",
						http: { request: { method: "GET" } },
						basalt: { route: "/api/v1/collections/:collection/records" },
					});
					expect(request?.event.duration).toBeGreaterThan(0);
					expect(request?.client.ip).toBeTypeOf("string");
					expect(request?.user.id).toBeTypeOf("string");
				} else {
					expect(failed?.err.stack).toContain("vanishing");
					expect(failed?.requestId).toBeTypeOf("string");
				}
			});

			it("names the request, its caller and the key that acted, scrubbing what the client chose", async () => {
				const made = await t.request("POST", "/api/v1/api-keys", {
					token: "superuser",
					body: { name: "line key", scopes: ["admin"] },
				});
				expect(made.status, made.text).toBe(201);
				const key = made.body.key as string;
				secrets.push(key);
				// The key's owner, the superuser, is the caller: the token's subject.
				const superuserId = JSON.parse(
					Buffer.from(
						t.superuserToken.split(".")[1] as string,
						"base64url",
					).toString(),
				).sub;
				// Twice: the second line's scrubbed agent comes from the hook's memo.
				for (const id of [`log-line-${format}-1`, `log-line-${format}-2`]) {
					const answer = await t.request("GET", "/api/v1/collections?page=1", {
						token: key,
						headers: {
							"x-request-id": id,
							"user-agent": `probe/1 Bearer ${key} ${key}`,
						},
					});
					expect(answer.status).toBe(200);
					const line = capture
						.lines()
						.map((l) => JSON.parse(l) as LogLine)
						.find(
							(p) =>
								(p.msg ?? p.message) === "request" &&
								(format === "ecs" ? p.http?.request?.id : p.requestId) === id,
						);
					if (format === "json")
						expect(line).toEqual({
							level: "info",
							time: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
							requestId: id,
							method: "GET",
							route: "/api/v1/collections",
							status: 200,
							durationMs: expect.any(Number),
							caller: { type: "superuser", id: superuserId, via: made.body.id },
							ip: "127.0.0.1",
							userAgent: "probe/1 Bearer [redacted] [redacted]",
							msg: "request",
						});
					else
						expect(line).toMatchObject({
							"log.level": "info",
							http: {
								request: { method: "GET" },
								response: { status_code: 200 },
							},
							user: { id: superuserId },
							user_agent: { original: "probe/1 Bearer [redacted] [redacted]" },
						});
				}
			});

			it("keeps hostile input to one valid JSON line each", async () => {
				const before = capture.lines().length;
				const agent = `${"A".repeat(100 * 1024)}\u0000\u001b[31m\r\nfake: line`;
				await send("GET", "/api/v1/collections", {
					token: "superuser",
					headers: { "user-agent": agent },
				});
				await send(
					"GET",
					"/api/v1/collections/%00%0a%0d%1b%22/records?filter=%0a%22%7D",
				);
				await send("GET", '/api/v1/%0d%0a{"level":"fatal"}');
				await t.server.inject({
					method: "GET",
					url: "/api/v1/collections",
					headers: {
						"x-custom": 'one\r\ntwo\n{"injected":true}',
						"user-agent": "a\nb",
					},
				});
				const fresh = capture.lines().slice(before);
				expect(fresh.length).toBeGreaterThanOrEqual(4);
				for (const line of fresh) {
					const p = JSON.parse(line) as LogLine;
					expect(typeof p).toBe("object");
					expect(p.injected).toBeUndefined();
					expect(line.length).toBeLessThan(4096);
				}
				const agents = fresh
					.map((l) => JSON.parse(l) as LogLine)
					.map((p) => (format === "ecs" ? p.user_agent?.original : p.userAgent))
					.filter((a) => typeof a === "string");
				expect(
					agents.some((a) => a.startsWith("AAAA") && a.length === 256),
				).toBe(true);
			});
		});
	}
}
