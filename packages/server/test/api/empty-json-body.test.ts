import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { createCollection, recordsUrl } from "../helpers/records-api.js";
import type { TestApp } from "../helpers/test-app.js";

const PASSWORD = "a long enough password";

/** One request, sent as is and again with `Content-Type: application/json` and an empty body. */
interface Scenario {
	name: string;
	method: "GET" | "HEAD" | "DELETE" | "POST" | "PATCH";
	/** Makes what the request needs (a record to delete, a session to end). */
	prepare: (t: TestApp) => Promise<{ url: string; token: string }>;
	status: number;
	code?: string;
}

async function newNote(t: TestApp): Promise<string> {
	const res = await t.request("POST", recordsUrl("notes"), {
		token: "superuser",
		body: { title: "note" },
	});
	expect(res.status, res.text).toBe(201);
	return recordsUrl("notes", {}, res.body.id);
}

let accounts = 0;
async function newSession(t: TestApp): Promise<string> {
	const email = `member${++accounts}@example.com`;
	const members = "/api/v1/collections/members";
	const signUp = await t.request("POST", `${members}/records`, {
		body: { email, password: PASSWORD, passwordConfirm: PASSWORD },
	});
	expect(signUp.status, signUp.text).toBe(201);
	const login = await t.request("POST", `${members}/auth/password`, {
		body: { identity: email, password: PASSWORD },
	});
	expect(login.status, login.text).toBe(200);
	return login.body.token;
}

const asSuperuser = (url: string) => ({ url, token: "superuser" });

const scenarios: Scenario[] = [
	{
		name: "DELETE of a record",
		method: "DELETE",
		prepare: async (t) => asSuperuser(await newNote(t)),
		status: 204,
	},
	{
		name: "GET of a record",
		method: "GET",
		prepare: async (t) => asSuperuser(await newNote(t)),
		status: 200,
	},
	{
		name: "HEAD of a record",
		method: "HEAD",
		prepare: async (t) => asSuperuser(await newNote(t)),
		status: 200,
	},
	{
		name: "GET of the records list",
		method: "GET",
		prepare: async () => asSuperuser(recordsUrl("notes")),
		status: 200,
	},
	{
		name: "POST to logout-all, which takes no body",
		method: "POST",
		prepare: async (t) => ({
			url: "/api/v1/auth/logout-all",
			token: await newSession(t),
		}),
		status: 204,
	},
	{
		name: "POST to export, which takes no body",
		method: "POST",
		prepare: async () => asSuperuser("/api/v1/collections/notes/export"),
		status: 202,
	},
	{
		name: "POST of a record, which needs a body",
		method: "POST",
		prepare: async () => asSuperuser(recordsUrl("notes")),
		status: 400,
		code: "INVALID_BODY",
	},
	{
		name: "PATCH of a record, which needs a body",
		method: "PATCH",
		prepare: async (t) => asSuperuser(await newNote(t)),
		status: 400,
		code: "INVALID_BODY",
	},
	{
		name: "POST to logout, whose schema needs a body",
		method: "POST",
		prepare: async () => ({ url: "/api/v1/auth/logout", token: "" }),
		status: 400,
		code: "INVALID_BODY",
	},
];

// Regression: a body-less DELETE (or POST) with `Content-Type: application/json`, as
// many clients send on every request, was refused with 400 MALFORMED_JSON.
describeEachDialect(
	"an empty body with Content-Type: application/json",
	(t) => {
		beforeAll(async () => {
			await createCollection(t(), {
				name: "notes",
				fields: [{ name: "title", type: "text" }],
			});
			await createCollection(t(), {
				name: "members",
				type: "auth",
				rules: { create: "" },
			});
		});

		describe.each(scenarios)("$name", (scenario) => {
			for (const [variant, headers, body] of [
				["without Content-Type", {}, undefined],
				[
					"with Content-Type and no body",
					{ "content-type": "application/json" },
					"",
				],
			] as const) {
				it(`answers ${scenario.status} ${scenario.code ?? ""} ${variant}`, async () => {
					const { url, token } = await scenario.prepare(t());
					const res = await t().request(scenario.method, url, {
						token,
						headers,
						body,
					});
					expect(res.status, res.text).toBe(scenario.status);
					if (scenario.code) expect(res.body.code).toBe(scenario.code);
				});
			}
		});

		it("still refuses __proto__ keys and malformed JSON with MALFORMED_JSON", async () => {
			for (const body of ['{"title":"x","__proto__":{"a":1}}', '{"title":']) {
				const res = await t().request("POST", recordsUrl("notes"), {
					token: "superuser",
					headers: { "content-type": "application/json" },
					body,
				});
				expect(res.status, body).toBe(400);
				expect(res.body.code, body).toBe("MALFORMED_JSON");
			}
		});
	},
);
