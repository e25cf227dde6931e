import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/core/config/index.js";

const context = { cwd: "/srv/app", stdoutIsTty: false };

describe("parseConfig", () => {
	it("has every default of docs/configuration.md", () => {
		const config = parseConfig({}, context);
		expect(config.http.host).toBe("127.0.0.1");
		expect(config.http.port).toBe(8090);
		expect(config.dataDir).toBe(path.resolve("/srv/app/basalt_data"));
		expect(config.db.target).toEqual({
			kind: "sqlite",
			file: path.resolve("/srv/app/basalt_data/data.db"),
		});
		expect(config.jobs.driver).toBe("db");
		expect(config.http.corsOrigins).toEqual(["*"]);
		expect(config.logs.level).toBe("info");
		expect(config.logs.format).toBe("json");
		expect(config.http.bodyLimitBytes).toBe(1024 * 1024);
		expect(config.http.batchMaxRequests).toBe(1000);
		expect(config.tokens.accessTtlMs).toBe(900_000);
		expect(config.masterKey).toBeUndefined();
		expect(config.accounts.superuser).toBeUndefined();
		expect(config.http.publicUrl).toBe("http://127.0.0.1:8090");
		expect(config.outbound.signInProviderTimeoutMs).toBe(10_000);
	});

	it("reads where browsers reach the server (OAuth2 callbacks)", () => {
		const publicUrl = (env: Record<string, string>) =>
			parseConfig(env, context).http.publicUrl;
		expect(publicUrl({ BASALT_PUBLIC_URL: "https://api.example.com" })).toBe(
			"https://api.example.com",
		);
		expect(
			publicUrl({ BASALT_PUBLIC_URL: "https://Example.com:8443/basalt/" }),
		).toBe("https://example.com:8443/basalt");
		expect(publicUrl({ BASALT_HOST: "0.0.0.0", BASALT_PORT: "9000" })).toBe(
			"http://localhost:9000",
		);
		expect(publicUrl({ BASALT_HOST: "::1" })).toBe("http://[::1]:8090");
		expect(
			publicUrl({ BASALT_TLS_CERT: "/c.pem", BASALT_TLS_KEY: "/k.pem" }),
		).toBe("https://127.0.0.1:8090");
		expect(
			parseConfig({ BASALT_OAUTH2_TIMEOUT_MS: "2500" }, context).outbound
				.signInProviderTimeoutMs,
		).toBe(2500);
	});

	it("reads queues, workers and cron schedules", () => {
		const config = parseConfig(
			{
				BASALT_QUEUES: "default:2,mail:1",
				BASALT_SERVE_WORKERS: "false",
				BASALT_CRON:
					'[{"name":"nightly","schedule":"0 3 * * *","job":"reports.build","payload":{"full":true},"queue":"mail"}]',
				BASALT_MAIL_FROM: "Acme <no-reply@acme.example>",
			},
			context,
		);
		expect(config.jobs.queues).toEqual({ default: 2, mail: 1 });
		expect(config.jobs.serveWorkers).toBe(false);
		expect(config.jobs.cron).toEqual([
			{
				name: "nightly",
				pattern: "0 3 * * *",
				job: "reports.build",
				payload: { full: true },
				queue: "mail",
			},
		]);
		expect(config.mail.from).toBe("Acme <no-reply@acme.example>");
		const defaults = parseConfig({}, context);
		expect(defaults.jobs.queues).toMatchObject({
			default: 10,
			mail: 4,
			webhooks: 10,
		});
		expect(defaults.jobs.serveWorkers).toBe(true);
		expect(defaults.jobs.cron).toEqual([]);
	});

	it("logs pretty on a terminal unless told otherwise", () => {
		expect(parseConfig({}, { ...context, stdoutIsTty: true }).logs.format).toBe(
			"pretty",
		);
		expect(
			parseConfig(
				{ BASALT_LOG_FORMAT: "json" },
				{ ...context, stdoutIsTty: true },
			).logs.format,
		).toBe("json");
	});

	it("reads every variable", () => {
		const key = Buffer.alloc(32, 7).toString("base64");
		const config = parseConfig(
			{
				BASALT_HOST: "0.0.0.0",
				BASALT_PORT: "9000",
				BASALT_DATA_DIR: "/var/basalt",
				DATABASE_URL: "postgres://u:p@db:5432/basalt",
				REDIS_URL: "redis://cache:6379",
				BASALT_QUEUE: "bullmq",
				BASALT_MASTER_KEY: key,
				BASALT_CORS_ORIGINS: "https://a.example, https://b.example",
				BASALT_TRUSTED_PROXIES: "10.0.0.0/8,::1",
				BASALT_SUPERUSER_EMAIL: "admin@example.com",
				BASALT_SUPERUSER_PASSWORD: "long enough",
				BASALT_SMTP_URL: "smtp://user:pass@mail:587",
			},
			context,
		);
		expect(config.http.host).toBe("0.0.0.0");
		expect(config.http.port).toBe(9000);
		expect(config.dataDir).toBe("/var/basalt");
		expect(config.db.target).toEqual({
			kind: "postgres",
			url: "postgres://u:p@db:5432/basalt",
		});
		expect(config.jobs.driver).toBe("bullmq");
		expect(config.masterKey?.equals(Buffer.alloc(32, 7))).toBe(true);
		expect(config.http.corsOrigins).toEqual([
			"https://a.example",
			"https://b.example",
		]);
		expect(config.http.trustedProxies).toEqual(["10.0.0.0/8", "::1"]);
		expect(config.accounts.superuser).toEqual({
			email: "admin@example.com",
			password: "long enough",
		});
	});

	it("reads the rabbitmq driver's RabbitMQ and its TLS settings", () => {
		const plain = parseConfig(
			{ BASALT_QUEUE: "rabbitmq", AMQP_URL: "amqp://basalt:pw@mq:5672/jobs" },
			context,
		);
		expect(plain.jobs.driver).toBe("rabbitmq");
		expect(plain.jobs.amqp).toEqual({
			url: "amqp://basalt:pw@mq:5672/jobs",
			tls: undefined,
		});
		const secure = parseConfig(
			{
				BASALT_QUEUE: "rabbitmq",
				AMQP_URL: "amqps://basalt:pw@mq:5671",
				BASALT_AMQP_TLS_VERIFY: "false",
			},
			context,
		);
		expect(secure.jobs.amqp?.tls).toEqual({ caFile: undefined, verify: false });
	});

	const invalid: [Record<string, string>, string][] = [
		[{ BASALT_PORT: "eighty" }, "BASALT_PORT"],
		[{ BASALT_PORT: "70000" }, "BASALT_PORT"],
		[{ BASALT_HOST: "not a host!" }, "BASALT_HOST"],
		[{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
		[{ REDIS_URL: "http://x" }, "REDIS_URL"],
		[{ BASALT_QUEUE: "kafka" }, "BASALT_QUEUE"],
		[{ BASALT_QUEUE: "bullmq" }, "BASALT_QUEUE"],
		[{ BASALT_QUEUE: "rabbitmq" }, "BASALT_QUEUE"],
		[{ BASALT_QUEUE: "rabbitmq", AMQP_URL: "http://mq" }, "AMQP_URL"],
		[{ AMQP_URL: "amqp://mq" }, "AMQP_URL"],
		[
			{
				BASALT_QUEUE: "rabbitmq",
				AMQP_URL: "amqp://mq",
				BASALT_AMQP_CA: "/ca.pem",
			},
			"BASALT_AMQP_CA",
		],
		[{ BASALT_MASTER_KEY: "c2hvcnQ=" }, "BASALT_MASTER_KEY"],
		[{ BASALT_TLS_CERT: "/c.pem" }, "BASALT_TLS_KEY"],
		[{ BASALT_HTTP_REDIRECT_PORT: "8080" }, "BASALT_HTTP_REDIRECT_PORT"],
		[
			{
				BASALT_TLS_CERT: "/c.pem",
				BASALT_TLS_KEY: "/k.pem",
				BASALT_HTTP_REDIRECT_PORT: "8090",
			},
			"BASALT_HTTP_REDIRECT_PORT",
		],
		[
			{
				BASALT_TLS_CERT: "/c.pem",
				BASALT_TLS_KEY: "/k.pem",
				BASALT_PUBLIC_URL: "http://api.example",
				BASALT_HTTP_REDIRECT_PORT: "8080",
			},
			"BASALT_HTTP_REDIRECT_PORT",
		],
		[{ BASALT_LOG_LEVEL: "loud" }, "BASALT_LOG_LEVEL"],
		[{ BASALT_TRUSTED_PROXIES: "10.0.0.0/33" }, "BASALT_TRUSTED_PROXIES"],
		[{ BASALT_SUPERUSER_EMAIL: "a@b.c" }, "BASALT_SUPERUSER_PASSWORD"],
		[
			{
				BASALT_SUPERUSER_EMAIL: "nope",
				BASALT_SUPERUSER_PASSWORD: "long enough",
			},
			"BASALT_SUPERUSER_EMAIL",
		],
		[{ BASALT_BODY_LIMIT: "-1" }, "BASALT_BODY_LIMIT"],
		[{ BASALT_QUEUES: "mail:4" }, "BASALT_QUEUES"],
		[{ BASALT_QUEUES: "default:0" }, "BASALT_QUEUES"],
		[{ BASALT_QUEUES: "default:10,Bad Name:2" }, "BASALT_QUEUES"],
		[{ BASALT_MAIL_FROM: "nobody" }, "BASALT_MAIL_FROM"],
		[
			{ BASALT_MAIL_FROM: "a@b.example\r\nBcc: x@y.example" },
			"BASALT_MAIL_FROM",
		],
		[{ BASALT_CRON: "not json" }, "BASALT_CRON"],
		[{ BASALT_CRON: '{"name":"x"}' }, "BASALT_CRON"],
		[
			{ BASALT_CRON: '[{"name":"x","schedule":"every day","job":"j"}]' },
			"BASALT_CRON",
		],
		[
			{
				BASALT_CRON:
					'[{"name":"x","schedule":"0 3 * * *","job":"j","extra":1}]',
			},
			"BASALT_CRON",
		],
		[{ BASALT_SERVE_WORKERS: "maybe" }, "BASALT_SERVE_WORKERS"],
		[{ BASALT_PUBLIC_URL: "api.example.com" }, "BASALT_PUBLIC_URL"],
		[{ BASALT_PUBLIC_URL: "ftp://api.example.com" }, "BASALT_PUBLIC_URL"],
		[{ BASALT_PUBLIC_URL: "https://a.example/?x=1" }, "BASALT_PUBLIC_URL"],
		[{ BASALT_PUBLIC_URL: "https://u:p@a.example" }, "BASALT_PUBLIC_URL"],
		[{ BASALT_OAUTH2_TIMEOUT_MS: "5" }, "BASALT_OAUTH2_TIMEOUT_MS"],
		[{ BASALT_LOG_LEVEL: "info\nfatal" }, "BASALT_LOG_LEVEL"],
		[{ BASALT_LOG_FORMAT: "xml" }, "BASALT_LOG_FORMAT"],
		[{ BASALT_REQUEST_LOG_SAMPLE: "1.5" }, "BASALT_REQUEST_LOG_SAMPLE"],
		[{ BASALT_REQUEST_LOG_SAMPLE: "-0.1" }, "BASALT_REQUEST_LOG_SAMPLE"],
		[{ BASALT_REQUEST_LOG_SAMPLE: "10%" }, "BASALT_REQUEST_LOG_SAMPLE"],
		[{ BASALT_LOG_RETENTION_DAYS: "0" }, "BASALT_LOG_RETENTION_DAYS"],
		[{ BASALT_AUDIT_RETENTION_DAYS: "x" }, "BASALT_AUDIT_RETENTION_DAYS"],
	];
	it("reads the request log and retention settings", () => {
		const defaults = parseConfig({}, context);
		expect(defaults.logs.requestSample).toBe(0.1);
		expect(defaults.logs.requestRetentionMs).toBe(7 * 24 * 3600_000);
		expect(defaults.logs.auditRetentionMs).toBe(90 * 24 * 3600_000);
		const set = parseConfig(
			{
				BASALT_REQUEST_LOG_SAMPLE: "0.25",
				BASALT_LOG_RETENTION_DAYS: "2",
				BASALT_AUDIT_RETENTION_DAYS: "365",
				BASALT_LOG_FORMAT: "ecs",
			},
			context,
		);
		expect(set.logs.requestSample).toBe(0.25);
		expect(set.logs.requestRetentionMs).toBe(2 * 24 * 3600_000);
		expect(set.logs.auditRetentionMs).toBe(365 * 24 * 3600_000);
		expect(set.logs.format).toBe("ecs");
		expect(
			parseConfig({ BASALT_REQUEST_LOG_SAMPLE: "0" }, context).logs
				.requestSample,
		).toBe(0);
		expect(
			parseConfig({ BASALT_REQUEST_LOG_SAMPLE: ".5" }, context).logs
				.requestSample,
		).toBe(0.5);
	});
	it.each(invalid)("refuses %o naming %s in one line", (env, variable) => {
		let error: unknown;
		try {
			parseConfig(env, context);
		} catch (err: unknown) {
			error = err;
		}
		expect(error).toBeInstanceOf(ConfigError);
		expect((error as ConfigError).variable).toBe(variable);
		expect((error as ConfigError).message.startsWith(`${variable}: `)).toBe(
			true,
		);
		expect((error as ConfigError).message).not.toContain("\n");
	});
});
