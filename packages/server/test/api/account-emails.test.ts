import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	type ReceivedMail,
	startSmtpTestServer,
} from "../helpers/smtp-test-server.js";

const smtp = await startSmtpTestServer();
afterAll(() => smtp.stop());

const USERS = "/api/v1/collections/users";
const PASSWORD = "quiet lantern morning";
const NEW_PASSWORD = "amber kettle horizon";

/** Undoes quoted-printable: soft line breaks and =XX escapes. */
function unquote(raw: string): string {
	return raw
		.replace(/=\r?\n/g, "")
		.replace(/=([0-9A-F]{2})/g, (_m, hex: string) =>
			String.fromCharCode(Number.parseInt(hex, 16)),
		);
}

/** The newest mail to `to` after `since` messages, once it arrives. */
async function mailTo(to: string, since: number): Promise<ReceivedMail> {
	const mail = await eventually(
		async () =>
			smtp.messages
				.slice(since)
				.filter((m) => m.to.includes(to))
				.at(-1),
		(m) => m !== undefined,
	);
	if (!mail) throw new Error(`no mail to ${to}`);
	return mail;
}

/** The confirm endpoint and token of the link in a mail. */
function linkOf(raw: string) {
	const text = unquote(raw);
	const match =
		/https:\/\/app\.example\.com\/auth\/([a-z-]+)#collection=([a-z_]+)&token=([A-Za-z0-9_-]+)/.exec(
			text,
		);
	if (!match) throw new Error(`no link in mail:\n${text}`);
	return { confirm: match[1], collection: match[2], token: match[3] as string };
}

describeEachDialect(
	"account email flows",
	(t) => {
		beforeAll(() => t().app.jobs.startWorker());
		const post = (path: string, body: unknown, token?: string) =>
			t().request("POST", `${USERS}/auth/${path}`, {
				body,
				...(token ? { token } : {}),
			});
		const signUp = async (email: string) => {
			const res = await t().request("POST", `${USERS}/records`, {
				body: { email, password: PASSWORD, passwordConfirm: PASSWORD },
			});
			expect(res.status, res.text).toBe(201);
			return res.body as { id: string };
		};
		const login = (email: string, password = PASSWORD) =>
			post("password", { identity: email, password });
		const mailJobs = async () =>
			(
				await t().app.jobs.list({
					queue: "mail",
					page: 1,
					perPage: 500,
				})
			).items;
		const settled = () =>
			eventually(mailJobs, (jobs) =>
				jobs.every((j) => j.status === "completed" || j.status === "failed"),
			);

		it("verifies an account through the link mailed to it, once", async () => {
			const ann = await signUp("ann@example.com");
			const since = smtp.messages.length;
			const res = await post("request-verification", {
				email: "Ann@Example.com",
			});
			expect(res.status).toBe(204);
			expect(res.text).toBe("");
			const mail = await mailTo("ann@example.com", since);
			expect(mail.raw).toContain("Subject: Confirm your email for Acme");
			const link = linkOf(mail.raw);
			expect(link).toMatchObject({
				confirm: "confirm-verification",
				collection: "users",
			});
			// The token is mailed, never stored: neither in the job nor in the table.
			const jobs = JSON.stringify(await mailJobs());
			expect(jobs).not.toContain(link.token);
			const stored = JSON.stringify(
				await t()
					.app.db.kysely.selectFrom("_account_tokens")
					.selectAll()
					.execute(),
			);
			expect(stored).not.toContain(link.token);

			const confirm = await post("confirm-verification", { token: link.token });
			expect(confirm.status, confirm.text).toBe(204);
			const row = await t()
				.app.db.kysely.selectFrom("users")
				.select("verified")
				.where("id", "=", ann.id)
				.executeTakeFirstOrThrow();
			expect(Boolean(row.verified)).toBe(true);
			const again = await post("confirm-verification", { token: link.token });
			expect(again.status).toBe(400);
			expect(again.body.code).toBe("ACCOUNT_TOKEN_INVALID");
		});

		it("answers requests for unknown or verified addresses the same, and mails nothing", async () => {
			await settled();
			const since = smtp.messages.length;
			const unknown = await post("request-verification", {
				email: "nobody@example.com",
			});
			const verified = await post("request-verification", {
				email: "ann@example.com",
			});
			const reset = await post("request-password-reset", {
				email: "nobody@example.com",
			});
			for (const res of [unknown, verified, reset]) {
				expect(res.status).toBe(204);
				expect(res.text).toBe("");
			}
			await settled();
			expect(smtp.messages.length).toBe(since);
		});

		it("resets a password through the mailed link, ending every session", async () => {
			await signUp("bob@example.com");
			const session = (await login("bob@example.com")).body;
			const since = smtp.messages.length;
			expect(
				(await post("request-password-reset", { email: "bob@example.com" }))
					.status,
			).toBe(204);
			const mail = await mailTo("bob@example.com", since);
			expect(mail.raw).toContain("Subject: Reset your Acme password");
			const { token, confirm } = linkOf(mail.raw);
			expect(confirm).toBe("confirm-password-reset");

			const weak = await post("confirm-password-reset", {
				token,
				password: "password1",
				passwordConfirm: "password1",
			});
			expect(weak.status).toBe(422);
			expect(weak.body.errors.password.code).toBe("TOO_COMMON");
			const mismatch = await post("confirm-password-reset", {
				token,
				password: NEW_PASSWORD,
				passwordConfirm: "something else",
			});
			expect(mismatch.status).toBe(422);

			// A refused password left the token unspent.
			const ok = await post("confirm-password-reset", {
				token,
				password: NEW_PASSWORD,
				passwordConfirm: NEW_PASSWORD,
			});
			expect(ok.status, ok.text).toBe(204);
			expect((await login("bob@example.com")).status).toBe(400);
			const fresh = await login("bob@example.com", NEW_PASSWORD);
			expect(fresh.status).toBe(200);
			expect(fresh.body.record.verified).toBe(true);
			const oldAccess = await t().request(
				"GET",
				`${USERS}/records/${session.record.id}`,
				{ token: session.token },
			);
			expect(oldAccess.status).toBe(401);
			const oldRefresh = await t().request("POST", "/api/v1/auth/refresh", {
				body: { refreshToken: session.refreshToken },
			});
			expect(oldRefresh.status).toBe(401);
			const replay = await post("confirm-password-reset", {
				token,
				password: "another fine password",
				passwordConfirm: "another fine password",
			});
			expect(replay.body.code).toBe("ACCOUNT_TOKEN_INVALID");
		});

		it("refuses a reset link once the password changed another way, or once expired", async () => {
			const cat = await signUp("cat@example.com");
			let since = smtp.messages.length;
			await post("request-password-reset", { email: "cat@example.com" });
			const first = linkOf((await mailTo("cat@example.com", since)).raw);
			const session = (await login("cat@example.com")).body;
			const change = await t().request("PATCH", `${USERS}/records/${cat.id}`, {
				token: session.token,
				body: {
					oldPassword: PASSWORD,
					password: NEW_PASSWORD,
					passwordConfirm: NEW_PASSWORD,
				},
			});
			expect(change.status, change.text).toBe(200);
			const stale = await post("confirm-password-reset", {
				token: first.token,
				password: "yet another password",
				passwordConfirm: "yet another password",
			});
			expect(stale.body.code).toBe("ACCOUNT_TOKEN_INVALID");

			since = smtp.messages.length;
			await post("request-password-reset", { email: "cat@example.com" });
			const second = linkOf((await mailTo("cat@example.com", since)).raw);
			await t()
				.app.db.kysely.updateTable("_account_tokens")
				.set({ expires: new Date(Date.now() - 1000).toISOString() })
				.where("record_id", "=", cat.id)
				.execute();
			const expired = await post("confirm-password-reset", {
				token: second.token,
				password: "yet another password",
				passwordConfirm: "yet another password",
			});
			expect(expired.body.code).toBe("ACCOUNT_TOKEN_INVALID");
		});

		it("moves a signed-in account to a new address after it confirms with its password", async () => {
			await signUp("dan@example.com");
			const session = (await login("dan@example.com")).body;
			const guest = await post("request-email-change", {
				newEmail: "daniel@example.com",
			});
			expect(guest.status).toBe(401);
			const since = smtp.messages.length;
			const res = await post(
				"request-email-change",
				{ newEmail: "Daniel@Example.com" },
				session.token,
			);
			expect(res.status).toBe(204);
			const mail = await mailTo("daniel@example.com", since);
			expect(mail.raw).toContain("Subject: Confirm your new email for Acme");
			const { token, confirm } = linkOf(mail.raw);
			expect(confirm).toBe("confirm-email-change");

			const wrong = await post("confirm-email-change", {
				token,
				password: "not the password",
			});
			expect(wrong.status).toBe(400);
			expect(wrong.body.code).toBe("INVALID_CREDENTIALS");
			const ok = await post("confirm-email-change", {
				token,
				password: PASSWORD,
			});
			expect(ok.status, ok.text).toBe(204);
			expect((await login("dan@example.com")).status).toBe(400);
			const moved = await login("daniel@example.com");
			expect(moved.status).toBe(200);
			expect(moved.body.record).toMatchObject({
				email: "daniel@example.com",
				verified: true,
			});
			const oldAccess = await t().request(
				"GET",
				`${USERS}/records/${session.record.id}`,
				{ token: session.token },
			);
			expect(oldAccess.status).toBe(401);
		});

		it("mails nothing for a change to an address another account has", async () => {
			await signUp("eve@example.com");
			const session = (await login("eve@example.com")).body;
			await settled();
			const since = smtp.messages.length;
			const res = await post(
				"request-email-change",
				{ newEmail: "ann@example.com" },
				session.token,
			);
			expect(res.status).toBe(204);
			await settled();
			expect(smtp.messages.length).toBe(since);
		});

		it("answers bad input with 4xx problems", async () => {
			const cases: [string, string, unknown, number, string][] = [
				["users", "request-verification", {}, 400, "INVALID_BODY"],
				[
					"users",
					"request-verification",
					{ email: "not an email" },
					400,
					"INVALID_BODY",
				],
				[
					"users",
					"request-password-reset",
					{ email: "a@example.com", extra: 1 },
					400,
					"UNKNOWN_FIELD",
				],
				[
					"users",
					"confirm-verification",
					{ token: "made-up" },
					400,
					"ACCOUNT_TOKEN_INVALID",
				],
				[
					"nowhere",
					"request-verification",
					{ email: "a@example.com" },
					404,
					"COLLECTION_NOT_FOUND",
				],
			];
			for (const [collection, path, body, status, code] of cases) {
				const res = await t().request(
					"POST",
					`/api/v1/collections/${collection}/auth/${path}`,
					{ body },
				);
				expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
				expect(res.body.code).toBe(code);
			}
			const notes = await t().request("POST", "/api/v1/collections", {
				token: "superuser",
				body: { name: "notes", fields: [{ name: "body", type: "text" }] },
			});
			expect(notes.status).toBe(201);
			const base = await t().request(
				"POST",
				"/api/v1/collections/notes/auth/request-password-reset",
				{ body: { email: "a@example.com" } },
			);
			expect(base.status).toBe(400);
			expect(base.body.code).toBe("NOT_AUTH_COLLECTION");
		});
	},
	{
		BASALT_SMTP_URL: smtp.url(),
		BASALT_APP_URL: "https://app.example.com/",
		BASALT_APP_NAME: "Acme",
		BASALT_JOB_POLL_MS: "20",
	},
);
