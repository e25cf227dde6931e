import { isIP } from "node:net";
import path from "node:path";
import { assertCronPattern } from "../tools/cron/index.js";
import { createAddressPolicy } from "../tools/ssrf/index.js";
import { ConfigError } from "./config-error.js";
import { list } from "./config-values.js";

/** Where the data lives: one SQLite file, or a PostgreSQL server. */
export type DatabaseTarget =
	| { kind: "sqlite"; file: string }
	| { kind: "postgres"; url: string };

/** One user cron schedule of BASALT_CRON. */
export interface CronConfigEntry {
	name: string;
	pattern: string;
	job: string;
	payload?: unknown;
	queue?: string;
}

/** The queues and concurrencies when BASALT_QUEUES is unset. */
export const DEFAULT_QUEUES =
	"default:10,mail:4,webhooks:10,imports:1,exports:1";

/** Reads BASALT_QUEUES (`name:concurrency,…`, with `default` required). */
export function queues(raw: string): Record<string, number> {
	const result: Record<string, number> = {};
	for (const item of list(raw)) {
		const match = /^([a-z][a-z0-9_-]{0,62}):(\d{1,4})$/.exec(item);
		if (!match || Number(match[2]) < 1) {
			throw new ConfigError(
				"BASALT_QUEUES",
				`"${item}" is not name:concurrency (e.g. mail:4)`,
			);
		}
		result[match[1] as string] = Number(match[2]);
	}
	if (!result.default)
		throw new ConfigError("BASALT_QUEUES", 'must include the "default" queue');
	return result;
}

/** Reads DATABASE_URL: PostgreSQL, or a SQLite file (in the data dir by default). */
export function databaseTarget(
	raw: string | undefined,
	dataDir: string,
): DatabaseTarget {
	if (raw === undefined)
		return { kind: "sqlite", file: path.join(dataDir, "data.db") };
	if (/^postgres(ql)?:\/\//.test(raw)) {
		try {
			new URL(raw);
		} catch {
			throw new ConfigError("DATABASE_URL", "is not a valid postgres:// URL");
		}
		return { kind: "postgres", url: raw };
	}
	if (raw.startsWith("sqlite:"))
		return {
			kind: "sqlite",
			file: path.resolve(dataDir, raw.slice("sqlite:".length)),
		};
	throw new ConfigError(
		"DATABASE_URL",
		"must be a postgres:// URL or sqlite:<file>",
	);
}

/** Reads BASALT_MASTER_KEY: 32 bytes in base64. */
export function masterKey(raw: string | undefined): Buffer | undefined {
	if (raw === undefined) return undefined;
	const key = Buffer.from(raw, "base64");
	if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) {
		throw new ConfigError(
			"BASALT_MASTER_KEY",
			"must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)",
		);
	}
	return key;
}

/** Reads BASALT_TLS_CERT and BASALT_TLS_KEY, which come together. */
export function tls(certFile: string | undefined, keyFile: string | undefined) {
	if (!certFile && !keyFile) return undefined;
	if (!certFile)
		throw new ConfigError(
			"BASALT_TLS_CERT",
			"must be set together with BASALT_TLS_KEY",
		);
	if (!keyFile)
		throw new ConfigError(
			"BASALT_TLS_KEY",
			"must be set together with BASALT_TLS_CERT",
		);
	return { certFile, keyFile };
}

/** Reads BASALT_SSRF_ALLOW, refusing entries the SSRF guard could not read. */
export function ssrfAllowList(raw: string | undefined): string[] {
	const items = list(raw ?? "");
	try {
		createAddressPolicy(items);
	} catch (err: unknown) {
		throw new ConfigError("BASALT_SSRF_ALLOW", (err as Error).message);
	}
	return items;
}

/** Reads BASALT_CRON: a JSON list of schedules, each pattern checked. */
export function cronEntries(raw: string | undefined): CronConfigEntry[] {
	if (raw === undefined) return [];
	const fail = (problem: string): never => {
		throw new ConfigError("BASALT_CRON", problem);
	};
	let parsed: unknown;
	try {
		parsed = JSON.parse(raw);
	} catch {
		fail(
			'must be a JSON list like [{"name":"nightly","schedule":"0 3 * * *","job":"…"}]',
		);
	}
	if (!Array.isArray(parsed)) return fail("must be a JSON list");
	return parsed.map((item: unknown, i) => {
		const entry = (
			typeof item === "object" && item !== null ? item : {}
		) as Record<string, unknown>;
		const { name, schedule, job, payload, queue } = entry;
		if (typeof name !== "string" || !/^[a-z][a-z0-9._-]{0,62}$/.test(name))
			fail(`entry ${i}: "name" must be a lower-case name`);
		if (typeof job !== "string" || job === "")
			fail(`entry ${i}: "job" must name a job`);
		if (queue !== undefined && typeof queue !== "string")
			fail(`entry ${i}: "queue" must be a queue name`);
		if (typeof schedule !== "string")
			return fail(`entry ${i}: "schedule" must be a cron pattern`);
		try {
			assertCronPattern(schedule);
		} catch (err: unknown) {
			fail(`entry ${i}: ${(err as Error).message}`);
		}
		const unknownKeys = Object.keys(entry).filter(
			(k) => !["name", "schedule", "job", "payload", "queue"].includes(k),
		);
		if (unknownKeys.length > 0)
			fail(`entry ${i}: unknown member "${unknownKeys[0]}"`);
		return {
			name: name as string,
			pattern: schedule,
			job: job as string,
			payload,
			...(queue ? { queue: queue as string } : {}),
		};
	});
}

/** Checks BASALT_APP_NAME: one line of at most 100 characters (it goes into mail subjects). */
export function appName(value: string): string {
	if (/[\r\n]/.test(value) || value.length > 100)
		throw new ConfigError(
			"BASALT_APP_NAME",
			"must be one line of at most 100 characters",
		);
	return value;
}

/** Checks BASALT_MAIL_FROM: an address or `Name <address>`, on one line. */
export function mailFrom(value: string): string {
	if (
		/[\r\n]/.test(value) ||
		!/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(value)
	) {
		throw new ConfigError(
			"BASALT_MAIL_FROM",
			`must be an address or "Name <address>", got ${JSON.stringify(value)}`,
		);
	}
	return value;
}

/** Reads the BASALT_SUPERUSER_* pair, which come together. */
export function superuser(
	email: string | undefined,
	password: string | undefined,
) {
	if (!email && !password) return undefined;
	if (!email)
		throw new ConfigError(
			"BASALT_SUPERUSER_EMAIL",
			"must be set together with BASALT_SUPERUSER_PASSWORD",
		);
	if (!password)
		throw new ConfigError(
			"BASALT_SUPERUSER_PASSWORD",
			"must be set together with BASALT_SUPERUSER_EMAIL",
		);
	if (!/^[^\s@]+@[^\s@]+$/.test(email))
		throw new ConfigError("BASALT_SUPERUSER_EMAIL", "is not an email address");
	if (password.length < 8)
		throw new ConfigError(
			"BASALT_SUPERUSER_PASSWORD",
			"must be at least 8 characters",
		);
	return { email, password };
}

/**
 * Reads BASALT_PUBLIC_URL: the http(s) origin (and optional path prefix, behind a
 * proxy) at which browsers reach the server. Unset, it is the listen address; a
 * wildcard listen address becomes `localhost`, which only suits development.
 */
export function publicUrl(
	raw: string | undefined,
	listen: { host: string; port: number; https: boolean },
): string {
	if (raw === undefined) {
		const wildcard = listen.host === "0.0.0.0" || listen.host === "::";
		const host = wildcard
			? "localhost"
			: isIP(listen.host) === 6
				? `[${listen.host}]`
				: listen.host;
		return `${listen.https ? "https" : "http"}://${host}:${listen.port}`;
	}
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new ConfigError("BASALT_PUBLIC_URL", "is not a valid URL");
	}
	if (url.protocol !== "http:" && url.protocol !== "https:")
		throw new ConfigError(
			"BASALT_PUBLIC_URL",
			"must start with https:// (or http://)",
		);
	if (url.username || url.password || url.search || url.hash)
		throw new ConfigError(
			"BASALT_PUBLIC_URL",
			"must be an origin with an optional path: no credentials, query or fragment",
		);
	return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
