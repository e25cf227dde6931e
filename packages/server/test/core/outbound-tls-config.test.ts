import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
	ConfigError,
	type Environment,
	parseConfig,
} from "../../src/core/config/index.js";
import { postgresConnection } from "../../src/core/db/postgres-tls.js";

const dir = mkdtempSync(path.join(tmpdir(), "basalt-tls-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CA = path.join(dir, "ca.pem");
const KEY = path.join(dir, "client.key");
writeFileSync(
	CA,
	"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
);
writeFileSync(
	KEY,
	"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
);
const MISSING = path.join(dir, "missing.pem");

const parse = (env: Environment) =>
	parseConfig(env, { cwd: dir, stdoutIsTty: false });

/** The one line a start-up with this environment fails with. */
function refusal(env: Environment): string {
	try {
		parse(env);
	} catch (err: unknown) {
		expect(err).toBeInstanceOf(ConfigError);
		const { message } = err as ConfigError;
		expect(message).not.toContain("\n");
		return message;
	}
	throw new Error("expected a ConfigError");
}

/** Expects start-up to fail with this line (or one that matches), no password in it. */
function expectRefusal(env: Environment, expected: string | RegExp): void {
	const message = refusal(env);
	if (typeof expected === "string") expect(message).toBe(expected);
	else expect(message).toMatch(expected);
	expect(message).not.toContain("s3cret");
}

const PG = "postgres://basalt:s3cret@db.internal:5432/basalt";
const tlsOf = (query: string) => {
	const target = parse({ DATABASE_URL: `${PG}?${query}` }).db.target;
	if (target.kind !== "postgres") throw new Error("not postgres");
	return target;
};

describe("DATABASE_URL sslmode (libpq's meanings)", () => {
	it.each([
		["sslmode=disable", undefined],
		["ssl=false", undefined],
		["sslmode=prefer", { mode: "prefer", required: false, verify: "none" }],
		["sslmode=require", { mode: "require", required: true, verify: "none" }],
		[
			`sslmode=require&sslrootcert=${CA}`,
			{ mode: "require", verify: "ca", caFile: CA },
		],
		[
			`sslmode=verify-ca&sslrootcert=${CA}`,
			{ mode: "verify-ca", verify: "ca", caFile: CA },
		],
		["sslmode=verify-full", { mode: "verify-full", verify: "full" }],
		["sslrootcert=system", { mode: "verify-full", caFile: undefined }],
		["ssl=true", { mode: "verify-full", verify: "full" }],
		["sslmode=no-verify", { mode: "no-verify", verify: "none" }],
		[
			`sslmode=verify-full&sslcert=${CA}&sslkey=${KEY}`,
			{ clientCert: { certFile: CA, keyFile: KEY } },
		],
	])("reads %s", (query, tls) => {
		const target = tlsOf(query);
		if (tls === undefined) expect(target.tls).toBeUndefined();
		else expect(target.tls).toMatchObject(tls);
	});

	it("uses plain TCP when sslmode is unset: never TLS without checks by default", () => {
		const target = parse({ DATABASE_URL: PG }).db.target;
		expect(target).toEqual({ kind: "postgres", url: PG, tls: undefined });
	});

	it("keeps DATABASE_URL as given, and hands node-postgres the URL without its TLS parameters", async () => {
		const url = `${PG}?application_name=basalt&sslmode=verify-full&sslrootcert=${CA}`;
		const target = parse({ DATABASE_URL: url }).db.target;
		if (target.kind !== "postgres") throw new Error("not postgres");
		expect(target.url).toBe(url);
		const driver = await postgresConnection(target.url, target.tls);
		expect(driver.connectionString).toBe(`${PG}?application_name=basalt`);
		expect(driver.ssl).toMatchObject({ rejectUnauthorized: true });
		expect(
			(
				await postgresConnection(
					`${PG}?sslmode=require`,
					tlsOf("sslmode=require").tls,
				)
			).connectionString,
		).toBe(PG);
	});

	it("uses no TLS over a Unix socket, as libpq", () => {
		for (const url of [
			"postgres:///basalt?host=/var/run/postgresql&sslmode=verify-full",
			"postgres://basalt@%2Fvar%2Frun%2Fpostgresql/basalt?sslmode=require",
		])
			expect(parse({ DATABASE_URL: url }).db.target).toMatchObject({
				kind: "postgres",
				tls: undefined,
			});
	});

	it.each([
		[
			"sslmode=verify_full",
			'DATABASE_URL: sslmode must be one of disable, prefer, require, verify-ca, verify-full, no-verify, got "verify_full"',
		],
		["sslmode=allow", /^DATABASE_URL: sslmode must be one of/],
		["sslmode=verify-ca", /^DATABASE_URL: sslmode=verify-ca needs sslrootcert/],
		[
			`sslmode=verify-full&sslrootcert=${MISSING}`,
			`DATABASE_URL: sslrootcert ${MISSING} cannot be read (ENOENT)`,
		],
		[
			`sslmode=verify-full&sslrootcert=${KEY}`,
			`DATABASE_URL: sslrootcert ${KEY} holds no PEM certificate`,
		],
		[
			`sslmode=verify-full&sslcert=${CA}`,
			"DATABASE_URL: sslcert and sslkey must be set together",
		],
		[
			"sslmode=require&sslrootcert=system",
			"DATABASE_URL: sslrootcert=system needs sslmode=verify-full, got require",
		],
		[
			`sslrootcert=${CA}`,
			/^DATABASE_URL: sslrootcert, sslcert and sslkey need TLS/,
		],
		["sslcrl=/etc/crl.pem", /^DATABASE_URL: sslcrl is not supported/],
		["ssl=maybe", /^DATABASE_URL: ssl must be true or false/],
	])("refuses %s in one line naming DATABASE_URL", (query, expected) =>
		expectRefusal({ DATABASE_URL: `${PG}?${query}` }, expected),
	);
});

describe("REDIS_URL TLS", () => {
	it("checks rediss:// certificates by default, against BASALT_REDIS_CA when set", () => {
		expect(parse({ REDIS_URL: "redis://cache:6379" }).redis).toEqual({
			url: "redis://cache:6379",
			tls: undefined,
		});
		expect(parse({ REDIS_URL: "rediss://cache:6380" }).redis?.tls).toEqual({
			caFile: undefined,
			verify: true,
		});
		expect(
			parse({ REDIS_URL: "rediss://cache:6380", BASALT_REDIS_CA: CA }).redis
				?.tls,
		).toEqual({ caFile: CA, verify: true });
		expect(
			parse({
				REDIS_URL: "rediss://cache:6380",
				BASALT_REDIS_TLS_VERIFY: "false",
			}).redis?.tls,
		).toEqual({ caFile: undefined, verify: false });
	});

	it.each([
		[
			{ REDIS_URL: "redis://cache:6379", BASALT_REDIS_CA: CA },
			"BASALT_REDIS_CA: has no effect: REDIS_URL is redis:// (plain TCP); use rediss:// for TLS",
		],
		[
			{ BASALT_REDIS_CA: CA },
			"BASALT_REDIS_CA: has no effect: REDIS_URL is not set",
		],
		[
			{ REDIS_URL: "redis://cache:6379", BASALT_REDIS_TLS_VERIFY: "false" },
			/^BASALT_REDIS_TLS_VERIFY: has no effect/,
		],
		[
			{
				REDIS_URL: "rediss://cache:6380",
				BASALT_REDIS_CA: CA,
				BASALT_REDIS_TLS_VERIFY: "false",
			},
			/^BASALT_REDIS_TLS_VERIFY: false turns certificate checks off, so BASALT_REDIS_CA would not be used/,
		],
		[
			{ REDIS_URL: "rediss://cache:6380", BASALT_REDIS_CA: MISSING },
			`BASALT_REDIS_CA: ${MISSING} cannot be read (ENOENT)`,
		],
		[
			{ REDIS_URL: "rediss://cache:6380", BASALT_REDIS_CA: KEY },
			`BASALT_REDIS_CA: ${KEY} holds no PEM certificate`,
		],
		[
			{ REDIS_URL: "rediss://cache:6380", BASALT_REDIS_TLS_VERIFY: "no" },
			'BASALT_REDIS_TLS_VERIFY: must be one of true, false, got "no"',
		],
		[
			{ REDIS_URL: "rediss://:s3cret@cache:6380?tls=RedisCloudFixed" },
			/^REDIS_URL: takes no tls parameter/,
		],
	])("refuses %o in one line naming the variable", expectRefusal);
});

describe("BASALT_SMTP_URL TLS", () => {
	it("checks certificates and upgrades with STARTTLS when offered, by default", () => {
		expect(
			parse({ BASALT_SMTP_URL: "smtp://u:p@mail:587" }).mail.smtpTls,
		).toEqual({ caFile: undefined, verify: true, starttls: "auto" });
		expect(
			parse({
				BASALT_SMTP_URL: "smtp://u:p@mail:587",
				BASALT_SMTP_STARTTLS: "required",
				BASALT_SMTP_CA: CA,
			}).mail.smtpTls,
		).toEqual({ caFile: CA, verify: true, starttls: "required" });
	});

	it.each([
		[
			{ BASALT_SMTP_URL: "smtps://u:s3cret@mail?tls.rejectUnauthorized=false" },
			/^BASALT_SMTP_URL: takes no query parameters/,
		],
		[
			{ BASALT_SMTP_URL: "smtp://u:s3cret@mail?requireTLS=true" },
			/^BASALT_SMTP_URL: takes no query parameters/,
		],
		[
			{ BASALT_SMTP_STARTTLS: "required" },
			"BASALT_SMTP_STARTTLS: has no effect: BASALT_SMTP_URL is not set",
		],
		[
			{ BASALT_SMTP_CA: CA },
			"BASALT_SMTP_CA: has no effect: BASALT_SMTP_URL is not set",
		],
		[
			{ BASALT_SMTP_URL: "smtp://mail", BASALT_SMTP_STARTTLS: "always" },
			'BASALT_SMTP_STARTTLS: must be one of auto, required, got "always"',
		],
		[
			{ BASALT_SMTP_URL: "smtps://mail", BASALT_SMTP_CA: MISSING },
			`BASALT_SMTP_CA: ${MISSING} cannot be read (ENOENT)`,
		],
	])("refuses %o in one line naming the variable", expectRefusal);
});
