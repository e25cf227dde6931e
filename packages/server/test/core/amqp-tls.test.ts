import type { DestinationStream } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBinary } from "../helpers/find-binary.js";
import { captureLogLines } from "../helpers/log-capture.js";
import {
	findRabbitmqServer,
	type RabbitmqServer,
	startRabbitmq,
} from "../helpers/rabbitmq-server.js";
import { createTestApp } from "../helpers/test-app.js";
import { createTestPki, type TestPki } from "../helpers/test-pki.js";
import { eventually } from "./jobs/queue-contract.js";

const rabbitBin = findRabbitmqServer();
const openssl = findBinary("openssl", "outbound TLS");

// amqps:// in AMQP_URL, BASALT_AMQP_CA and BASALT_AMQP_TLS_VERIFY
// (docs/security.md#tls-to-postgresql-redis-smtp-and-rabbitmq): a RabbitMQ node that listens
// with TLS only, its certificate for `localhost` signed by a test CA.
describe.skipIf(!rabbitBin || !openssl)("RabbitMQ over TLS", () => {
	let pki: TestPki;
	let rabbit: RabbitmqServer;
	let port = 0;
	beforeAll(async () => {
		pki = createTestPki();
		rabbit = await startRabbitmq(rabbitBin as string, {
			certFile: pki.serverCert,
			keyFile: pki.serverKey,
			caFile: pki.caCert,
		});
		port = Number(new URL(rabbit.url).port);
	}, 60_000);
	afterAll(async () => {
		await rabbit?.stop();
		pki?.remove();
	});

	/** An app on the rabbitmq driver whose worker sends one mail; answers the job. */
	async function sendMail(
		env: Record<string, string>,
		logDestination?: DestinationStream,
	) {
		const t = await createTestApp(
			"sqlite",
			undefined,
			{
				BASALT_QUEUE: "rabbitmq",
				BASALT_JOB_POLL_MS: "20",
				...(logDestination ? { BASALT_LOG_LEVEL: "warn" } : {}),
				...env,
			},
			logDestination ? { logDestination } : {},
		);
		t.app.startBackgroundWork();
		const job = await t.app.mail.send({
			to: "ada@example.com",
			subject: "over TLS",
			text: "hi",
		});
		return { t, job };
	}

	it("runs jobs over amqps:// with the CA given in BASALT_AMQP_CA", async () => {
		const { t, job } = await sendMail({
			AMQP_URL: `amqps://guest:guest@localhost:${port}`,
			BASALT_AMQP_CA: pki.caCert,
		});
		try {
			const done = await eventually(
				() => t.app.jobs.get(job.id),
				(j) => j.status === "completed",
			);
			expect(done.status).toBe("completed");
			expect((await t.request("GET", "/health/ready")).body.degraded).toBe(
				undefined,
			);
		} finally {
			await t.close();
		}
	});

	it("refuses a certificate its CA did not sign, or one for another name: jobs wait, readiness says why, the log names the cause", async () => {
		const refused: Record<string, string>[] = [
			// Node's public CAs: the test CA is not among them.
			{ AMQP_URL: `amqps://guest:guest@localhost:${port}` },
			// The right CA, but the certificate names localhost only.
			{
				AMQP_URL: `amqps://guest:guest@127.0.0.1:${port}`,
				BASALT_AMQP_CA: pki.caCert,
			},
		];
		for (const env of refused) {
			const logs = captureLogLines();
			const { t, job } = await sendMail(env, logs.stream);
			try {
				const degraded = await eventually(
					async () => (await t.request("GET", "/health/ready")).body.degraded,
					(parts) => parts?.queue !== undefined,
				);
				expect(degraded.queue).toContain("RabbitMQ does not answer");
				expect((await t.app.jobs.get(job.id)).status).toBe("waiting");
				// Log lines are written in batches, within 100 ms.
				const warning = await eventually(
					async () =>
						logs.lines.find((line) =>
							String(line.msg).startsWith(
								"RabbitMQ does not answer: the TLS handshake failed",
							),
						),
					(line) => line !== undefined,
				);
				expect(`${warning?.code} ${warning?.reason}`).toMatch(
					/SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/,
				);
				// Not the peer certificate Node's error carries: a line of its own size.
				expect(JSON.stringify(warning).length).toBeLessThan(1000);
			} finally {
				await t.close();
			}
		}
	});

	it("skips the certificate checks only when told to (BASALT_AMQP_TLS_VERIFY=false)", async () => {
		const { t, job } = await sendMail({
			AMQP_URL: `amqps://guest:guest@127.0.0.1:${port}`,
			BASALT_AMQP_TLS_VERIFY: "false",
		});
		try {
			const done = await eventually(
				() => t.app.jobs.get(job.id),
				(j) => j.status === "completed",
			);
			expect(done.status).toBe("completed");
		} finally {
			await t.close();
		}
	});
});
