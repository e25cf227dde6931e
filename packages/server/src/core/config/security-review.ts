import { statSync } from "node:fs";
import { isLoopbackHost } from "../../tools/ip/index.js";
import {
	createPasswordPolicy,
	loadCommonPasswords,
} from "../../tools/password-policy/index.js";
import type { Config } from "./config.js";
import { masterKeyFile } from "./master-key-file.js";
import { isUnixSocket, postgresHost } from "./postgres-target.js";

/** One insecure setting `basalt doctor` found, and how to fix it. */
export interface SecurityFinding {
	/** A stable name, for scripts: `public-bind-without-tls`, … */
	id: string;
	/** What is wrong, with the value that makes it so. */
	problem: string;
	/** What to change. */
	fix: string;
}

/** What the review reads besides the configuration; the file system by default. */
export interface ReviewProbe {
	/** The permission bits of a file or folder, or undefined when it does not exist. */
	modeOf(file: string): number | undefined;
}

const fileSystem: ReviewProbe = {
	modeOf(file) {
		try {
			return statSync(file).mode & 0o777;
		} catch {
			return undefined;
		}
	},
};

/**
 * Reviews a configuration for insecure settings (docs/security.md#basalt-doctor):
 * what `basalt doctor` reports. Each finding names the setting and its fix; an
 * empty list means none of the checks found anything.
 */
export function reviewSecurity(
	config: Config,
	probe: ReviewProbe = fileSystem,
): SecurityFinding[] {
	return [
		...reviewListener(config),
		...reviewFiles(config, probe),
		...reviewSuperuser(config),
		...reviewServices(config),
	];
}

function reviewListener(config: Config): SecurityFinding[] {
	const { host, tls, trustedProxies } = config.http;
	if (isLoopbackHost(host) || tls || trustedProxies.length > 0) return [];
	return [
		{
			id: "public-bind-without-tls",
			problem: `Basalt listens on ${host} over plain HTTP, with no trusted proxy in front: passwords and tokens cross the network unencrypted.`,
			fix: "Set BASALT_TLS_CERT and BASALT_TLS_KEY, or put a proxy that terminates TLS in front and list it in BASALT_TRUSTED_PROXIES, or listen on 127.0.0.1 (BASALT_HOST).",
		},
	];
}

function reviewFiles(config: Config, probe: ReviewProbe): SecurityFinding[] {
	const findings: SecurityFinding[] = [];
	const keyFile = masterKeyFile(config.dataDir);
	const dirMode = probe.modeOf(config.dataDir);
	if (dirMode !== undefined && (dirMode & 0o007) !== 0)
		findings.push({
			id: "data-dir-world-readable",
			problem: `The data dir ${config.dataDir} is open to every user of this machine (mode ${octal(dirMode)}).`,
			fix: `chmod 700 ${config.dataDir}`,
		});
	const files = [keyFile];
	if (config.db.target.kind === "sqlite") files.push(config.db.target.file);
	for (const file of files) {
		const mode = probe.modeOf(file);
		if (mode !== undefined && (mode & 0o077) !== 0)
			findings.push({
				id: "file-readable-by-others",
				problem: `${file} can be read by users other than its owner (mode ${octal(mode)}).`,
				fix: `chmod 600 ${file}`,
			});
	}
	if (config.masterKey === undefined && probe.modeOf(keyFile) !== undefined)
		findings.push({
			id: "master-key-only-in-data-dir",
			problem: `The master key exists only in ${keyFile}, next to the data it protects: whoever copies the data dir has both, and losing the data dir loses every signing key.`,
			fix: "Keep a copy of the key apart from the data dir and its backups (a secret store), or set BASALT_MASTER_KEY from one and delete the file.",
		});
	return findings;
}

function reviewSuperuser(config: Config): SecurityFinding[] {
	const superuser = config.accounts.superuser;
	if (!superuser) return [];
	const problem = createPasswordPolicy({
		commonPasswords: loadCommonPasswords(),
		minLength: 12,
	}).check(superuser.password, { email: superuser.email });
	if (!problem) return [];
	return [
		{
			id: "weak-superuser-password",
			problem: `BASALT_SUPERUSER_PASSWORD is weak: ${problem.message}`,
			fix: "Choose a long random password (openssl rand -base64 24), or remove BASALT_SUPERUSER_* once the superuser exists and change its password with `basalt superuser`.",
		},
	];
}

function reviewServices(config: Config): SecurityFinding[] {
	return [
		...reviewRedis(config),
		...reviewAmqp(config),
		...reviewDatabase(config),
		...reviewSmtp(config),
	];
}

function reviewRedis(config: Config): SecurityFinding[] {
	if (!config.redis) return [];
	const url = new URL(config.redis.url);
	if (isLoopbackHost(url.hostname)) return [];
	const findings: SecurityFinding[] = [];
	if (url.password === "")
		findings.push({
			id: "redis-without-password",
			problem: `Redis at ${url.hostname} is reached without a password: anyone who can reach it can read rate limits, cached answers and jobs, and publish on the event bus.`,
			fix: "Set a password in Redis (requirepass, or an ACL user) and put it in REDIS_URL (redis://:password@host:6379).",
		});
	if (!config.redis.tls)
		findings.push({
			id: "redis-without-tls",
			problem: `Redis at ${url.hostname} is reached over plain TCP.`,
			fix: "Turn on TLS in Redis and use a rediss:// URL in REDIS_URL.",
		});
	else if (!config.redis.tls.verify)
		findings.push({
			id: "redis-tls-unverified",
			problem: `Redis at ${url.hostname} is reached over TLS without checking its certificate (BASALT_REDIS_TLS_VERIFY=false): whoever sits between the nodes and Redis can pose as it.`,
			fix: "Remove BASALT_REDIS_TLS_VERIFY=false; for a certificate of your own CA, set BASALT_REDIS_CA to that CA's PEM file.",
		});
	return findings;
}

function reviewAmqp(config: Config): SecurityFinding[] {
	const { amqp } = config.jobs;
	if (!amqp) return [];
	const url = new URL(amqp.url);
	if (isLoopbackHost(url.hostname)) return [];
	const findings: SecurityFinding[] = [];
	// RabbitMQ's built-in guest account works from loopback only; anything else named
	// guest is an operator's copy of a well-known password.
	if (url.password === "" || decodeURIComponent(url.password) === "guest")
		findings.push({
			id: "amqp-weak-credentials",
			problem: `RabbitMQ at ${url.hostname} is reached ${url.password === "" ? "without a password" : "with the well-known guest password"}: anyone who can reach it can read and inject job messages.`,
			fix: "Create a RabbitMQ user with a long random password for Basalt (rabbitmqctl add_user) and put it in AMQP_URL.",
		});
	if (!amqp.tls)
		findings.push({
			id: "amqp-without-tls",
			problem: `RabbitMQ at ${url.hostname} is reached over plain TCP.`,
			fix: "Turn on TLS in RabbitMQ (listeners.ssl) and use an amqps:// URL in AMQP_URL.",
		});
	else if (!amqp.tls.verify)
		findings.push({
			id: "amqp-tls-unverified",
			problem: `RabbitMQ at ${url.hostname} is reached over TLS without checking its certificate (BASALT_AMQP_TLS_VERIFY=false): whoever sits between the nodes and RabbitMQ can pose as it.`,
			fix: "Remove BASALT_AMQP_TLS_VERIFY=false; for a certificate of your own CA, set BASALT_AMQP_CA to that CA's PEM file.",
		});
	return findings;
}

function reviewDatabase(config: Config): SecurityFinding[] {
	const { target } = config.db;
	if (target.kind !== "postgres") return [];
	const url = new URL(target.url);
	const host = postgresHost(url);
	// A Unix socket never leaves the machine.
	if (isLoopbackHost(host) || isUnixSocket(url)) return [];
	const { tls } = target;
	if (!tls?.required)
		return [
			{
				id: "database-without-tls",
				problem: `PostgreSQL at ${host} is reached without TLS (sslmode ${tls ? "prefer, which falls back to plain TCP" : "disable or unset"}).`,
				fix: "Add sslmode=verify-full to DATABASE_URL (and sslrootcert=<CA file> for a certificate of your own CA).",
			},
		];
	if (tls.verify === "none")
		return [
			{
				id: "database-tls-unverified",
				problem: `PostgreSQL at ${host} is reached over TLS without checking its certificate (sslmode ${tls.mode}): whoever sits between Basalt and the database can pose as it.`,
				fix: "Use sslmode=verify-full in DATABASE_URL (and sslrootcert=<CA file> for a certificate of your own CA).",
			},
		];
	return [];
}

function reviewSmtp(config: Config): SecurityFinding[] {
	const { smtpUrl, smtpTls } = config.mail;
	if (!smtpUrl) return [];
	const url = new URL(smtpUrl);
	if (isLoopbackHost(url.hostname)) return [];
	const findings: SecurityFinding[] = [];
	if (url.protocol === "smtp:" && smtpTls.starttls !== "required")
		findings.push({
			id: "smtp-without-tls",
			problem: `Mail goes to ${url.hostname} by smtp:// with STARTTLS only when offered: a server that does not offer it, or someone between who strips the offer, gets the messages and the SMTP password in plain text.`,
			fix: "Use smtps:// in BASALT_SMTP_URL, or set BASALT_SMTP_STARTTLS=required.",
		});
	if (!smtpTls.verify)
		findings.push({
			id: "smtp-tls-unverified",
			problem: `The SMTP server ${url.hostname} is reached without checking its TLS certificate (BASALT_SMTP_TLS_VERIFY=false): whoever sits between can pose as it and read the mail and the password.`,
			fix: "Remove BASALT_SMTP_TLS_VERIFY=false; for a certificate of your own CA, set BASALT_SMTP_CA to that CA's PEM file.",
		});
	return findings;
}

const octal = (mode: number) => mode.toString(8).padStart(3, "0");
