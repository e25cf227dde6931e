import { afterAll, beforeAll, expect, it } from "vitest";
import { mailTemplates } from "../../src/tools/mailer/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { startSmtpTestServer } from "../helpers/smtp-test-server.js";
import { eventually } from "./jobs/queue-contract.js";

// One real SMTP server for the file; it refuses two kinds of recipients.
const smtp = await startSmtpTestServer({
	reject: [
		{ match: /^bounce@/, code: 550 },
		{ match: /^busy@/, code: 451 },
	],
});
afterAll(() => smtp.stop());

describeEachDialect(
	"mail through the job queue",
	(t) => {
		beforeAll(() => t().app.jobs.startWorker());
		const job = (id: string) => t().app.jobs.get(id);

		it("sends a queued message over SMTP and keeps its message id", async () => {
			const queued = await t().app.mail.send({
				to: "ann@example.com",
				subject: "Hello",
				text: "Hi Ann",
				html: "<p>Hi Ann</p>",
			});
			expect(queued.queue).toBe("mail");
			const done = await eventually(
				() => job(queued.id),
				(j) => j.status === "completed",
			);
			expect((done.result as { messageId: string }).messageId).toMatch(/@/);
			const received = smtp.messages.find((m) =>
				m.to.includes("ann@example.com"),
			);
			expect(received?.raw).toContain("Subject: Hello");
			expect(received?.raw).toContain("From: Tests <tests@basalt.example>");
			expect(received?.user).toBe(smtp.user);
		});

		it("renders templates into the message", async () => {
			const queued = await t().app.mail.sendTemplate(
				mailTemplates.verification,
				{ appName: "Basalt <Test>", link: "https://app.example/verify?t=1" },
				"eve@example.com",
			);
			await eventually(
				() => job(queued.id),
				(j) => j.status === "completed",
			);
			const raw =
				smtp.messages.find((m) => m.to.includes("eve@example.com"))?.raw ?? "";
			// Bodies travel quoted-printable: undo soft line breaks and =XX escapes.
			const body = raw
				.replace(/=\r?\n/g, "")
				.replace(/=([0-9A-F]{2})/g, (_, hex: string) =>
					String.fromCharCode(Number.parseInt(hex, 16)),
				);
			expect(body).toContain("https://app.example/verify?t=1");
			expect(body).toContain("Basalt &lt;Test&gt;");
		});

		it("fails a permanently refused message at once and retries a temporary refusal", async () => {
			const bounced = await t().app.mail.send({
				to: "bounce@example.com",
				subject: "x",
				text: "x",
			});
			const failed = await eventually(
				() => job(bounced.id),
				(j) => j.status === "failed",
			);
			expect(failed.attempts).toBe(1);
			expect(failed.lastError).toMatch(/550/);
			const busy = await t().app.mail.send({
				to: "busy@example.com",
				subject: "x",
				text: "x",
			});
			const retrying = await eventually(
				() => job(busy.id),
				(j) => j.lastError !== null,
			);
			expect(retrying.status).not.toBe("failed");
			expect(retrying.maxAttempts).toBeGreaterThan(1);
			expect(retrying.lastError).toMatch(/451/);
		});

		it("sends mail enqueued in a transaction only when it commits", async () => {
			const { app } = t();
			const before = smtp.messages.length;
			await expect(
				app.db.kysely.transaction().execute(async (trx) => {
					await app.mail.send(
						{ to: "rolled@example.com", subject: "never", text: "x" },
						trx,
					);
					throw new Error("roll back");
				}),
			).rejects.toThrow("roll back");
			const kept = await app.db.kysely
				.transaction()
				.execute((trx) =>
					app.mail.send(
						{ to: "kept@example.com", subject: "committed", text: "x" },
						trx,
					),
				);
			await eventually(
				() => job(kept.id),
				(j) => j.status === "completed",
			);
			const sent = smtp.messages.slice(before).flatMap((m) => m.to);
			expect(sent).toContain("kept@example.com");
			expect(sent).not.toContain("rolled@example.com");
		});

		it("refuses an invalid message before queueing it", async () => {
			await expect(
				t().app.mail.send({ to: "not an address", subject: "x", text: "x" }),
			).rejects.toMatchObject({
				code: "VALIDATION_FAILED",
			});
			await expect(
				t().app.mail.send({
					to: "a@example.com",
					subject: "x\r\nBcc: victim@example.com",
					text: "x",
				}),
			).rejects.toMatchObject({
				code: "VALIDATION_FAILED",
			});
		});
	},
	{
		BASALT_SMTP_URL: smtp.url(),
		BASALT_MAIL_FROM: "Tests <tests@basalt.example>",
		BASALT_JOB_POLL_MS: "20",
	},
);
