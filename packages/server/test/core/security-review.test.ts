import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig, reviewSecurity } from "../../src/core/config/index.js";

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0))
		rmSync(dir, { recursive: true, force: true });
});

/** A data dir as `basalt serve` leaves it: private folder, private key and database. */
function dataDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), "basalt-doctor-"));
	dirs.push(dir);
	chmodSync(dir, 0o700);
	writeFileSync(path.join(dir, "master.key"), "k", { mode: 0o600 });
	writeFileSync(path.join(dir, "data.db"), "", { mode: 0o600 });
	return dir;
}

const MASTER_KEY = Buffer.alloc(32, 7).toString("base64");

function review(env: Record<string, string>) {
	const config = parseConfig(env, { cwd: tmpdir(), stdoutIsTty: false });
	return reviewSecurity(config).map((f) => f.id);
}

describe("reviewSecurity (basalt doctor)", () => {
	it("finds nothing in a private, loopback-only setup with the master key set", () => {
		expect(
			review({ BASALT_DATA_DIR: dataDir(), BASALT_MASTER_KEY: MASTER_KEY }),
		).toEqual([]);
	});

	it("reports plain HTTP on a public address unless TLS or a trusted proxy is set", () => {
		const base = { BASALT_DATA_DIR: dataDir(), BASALT_MASTER_KEY: MASTER_KEY };
		expect(review({ ...base, BASALT_HOST: "0.0.0.0" })).toEqual([
			"public-bind-without-tls",
		]);
		expect(
			review({
				...base,
				BASALT_HOST: "0.0.0.0",
				BASALT_TRUSTED_PROXIES: "10.0.0.2",
			}),
		).toEqual([]);
		expect(review({ ...base, BASALT_HOST: "::1" })).toEqual([]);
	});

	it("reports a data dir, key file or database others can read, and a key kept only there", () => {
		const dir = dataDir();
		chmodSync(dir, 0o755);
		chmodSync(path.join(dir, "master.key"), 0o644);
		chmodSync(path.join(dir, "data.db"), 0o640);
		const findings = reviewSecurity(
			parseConfig(
				{ BASALT_DATA_DIR: dir },
				{ cwd: tmpdir(), stdoutIsTty: false },
			),
		);
		expect(findings.map((f) => f.id)).toEqual([
			"data-dir-world-readable",
			"file-readable-by-others",
			"file-readable-by-others",
			"master-key-only-in-data-dir",
		]);
		expect(findings[0]?.fix).toBe(`chmod 700 ${dir}`);
		expect(findings[1]?.fix).toBe(`chmod 600 ${path.join(dir, "master.key")}`);
	});

	it("reports a weak first-superuser password, never printing it", () => {
		const base = { BASALT_DATA_DIR: dataDir(), BASALT_MASTER_KEY: MASTER_KEY };
		const weak = reviewSecurity(
			parseConfig(
				{
					...base,
					BASALT_SUPERUSER_EMAIL: "admin@example.com",
					BASALT_SUPERUSER_PASSWORD: "password123",
				},
				{ cwd: tmpdir(), stdoutIsTty: false },
			),
		);
		expect(weak.map((f) => f.id)).toEqual(["weak-superuser-password"]);
		expect(JSON.stringify(weak)).not.toContain("password123");
		expect(
			review({
				...base,
				BASALT_SUPERUSER_EMAIL: "admin@example.com",
				BASALT_SUPERUSER_PASSWORD: "tV8#q2Lm!x9Rw4Zp",
			}),
		).toEqual([]);
	});

	it("reports Redis and PostgreSQL reached across the network without password or TLS", () => {
		const base = { BASALT_DATA_DIR: dataDir(), BASALT_MASTER_KEY: MASTER_KEY };
		expect(
			review({ ...base, REDIS_URL: "redis://cache.internal:6379" }),
		).toEqual(["redis-without-password", "redis-without-tls"]);
		expect(
			review({ ...base, REDIS_URL: "rediss://:s3cret@cache.internal:6380" }),
		).toEqual([]);
		expect(review({ ...base, REDIS_URL: "redis://127.0.0.1:6379" })).toEqual(
			[],
		);
		expect(
			review({
				...base,
				DATABASE_URL: "postgres://basalt:pw@db.internal/basalt",
			}),
		).toEqual(["database-without-tls"]);
		expect(
			review({
				...base,
				DATABASE_URL:
					"postgres://basalt:pw@db.internal/basalt?sslmode=verify-full",
			}),
		).toEqual([]);
	});

	it("reports RabbitMQ across the network without TLS, with guest or no password, or with its certificate checks off", () => {
		const base = {
			BASALT_DATA_DIR: dataDir(),
			BASALT_MASTER_KEY: MASTER_KEY,
			BASALT_QUEUE: "rabbitmq",
		};
		const amqp = (url: string, env: Record<string, string> = {}) =>
			review({ ...base, AMQP_URL: url, ...env });
		expect(amqp("amqp://mq.internal:5672")).toEqual([
			"amqp-weak-credentials",
			"amqp-without-tls",
		]);
		expect(amqp("amqps://guest:guest@mq.internal:5671")).toEqual([
			"amqp-weak-credentials",
		]);
		expect(
			amqp("amqps://basalt:s3cret@mq.internal:5671", {
				BASALT_AMQP_TLS_VERIFY: "false",
			}),
		).toEqual(["amqp-tls-unverified"]);
		expect(amqp("amqps://basalt:s3cret@mq.internal:5671")).toEqual([]);
		// RabbitMQ's guest account only works from loopback: nothing to report there.
		expect(amqp("amqp://guest:guest@127.0.0.1:5672")).toEqual([]);
	});

	it("reports PostgreSQL, Redis and SMTP across the network without TLS or with its certificate checks off", () => {
		const base = { BASALT_DATA_DIR: dataDir(), BASALT_MASTER_KEY: MASTER_KEY };
		const ca = path.join(base.BASALT_DATA_DIR, "ca.pem");
		writeFileSync(
			ca,
			"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
		);
		const db = (query: string) =>
			review({
				...base,
				DATABASE_URL: `postgres://basalt:s3cret@db.internal/basalt?${query}`,
			});
		expect(db("sslmode=prefer")).toEqual(["database-without-tls"]);
		expect(db("sslmode=require")).toEqual(["database-tls-unverified"]);
		expect(db("sslmode=no-verify")).toEqual(["database-tls-unverified"]);
		expect(db(`sslmode=require&sslrootcert=${ca}`)).toEqual([]);
		expect(db(`sslmode=verify-ca&sslrootcert=${ca}`)).toEqual([]);
		expect(db("host=/var/run/postgresql")).toEqual([]);
		expect(
			review({
				...base,
				DATABASE_URL: "postgres://basalt@localhost/basalt?sslmode=require",
			}),
		).toEqual([]);

		const redis = (url: string, env: Record<string, string> = {}) =>
			review({ ...base, REDIS_URL: url, ...env });
		expect(
			redis("rediss://:s3cret@cache.internal:6380", {
				BASALT_REDIS_TLS_VERIFY: "false",
			}),
		).toEqual(["redis-tls-unverified"]);
		expect(
			redis("rediss://:s3cret@cache.internal:6380", { BASALT_REDIS_CA: ca }),
		).toEqual([]);
		expect(
			redis("rediss://127.0.0.1:6380", { BASALT_REDIS_TLS_VERIFY: "false" }),
		).toEqual([]);

		const smtp = (url: string, env: Record<string, string> = {}) =>
			reviewSecurity(
				parseConfig(
					{ ...base, BASALT_SMTP_URL: url, ...env },
					{ cwd: tmpdir(), stdoutIsTty: false },
				),
			);
		const starttls = smtp("smtp://u:s3cret@mail.example.com:587");
		expect(starttls.map((f) => f.id)).toEqual(["smtp-without-tls"]);
		expect(JSON.stringify(starttls)).not.toContain("s3cret");
		expect(
			smtp("smtp://u:s3cret@mail.example.com:587", {
				BASALT_SMTP_STARTTLS: "required",
			}),
		).toEqual([]);
		expect(smtp("smtps://u:s3cret@mail.example.com")).toEqual([]);
		expect(
			smtp("smtps://u:s3cret@mail.example.com", {
				BASALT_SMTP_TLS_VERIFY: "false",
			}).map((f) => f.id),
		).toEqual(["smtp-tls-unverified"]);
		expect(
			smtp("smtp://u:s3cret@mail.example.com", {
				BASALT_SMTP_TLS_VERIFY: "false",
			}).map((f) => f.id),
		).toEqual(["smtp-without-tls", "smtp-tls-unverified"]);
		expect(smtp("smtp://127.0.0.1:1025")).toEqual([]);
	});
});
