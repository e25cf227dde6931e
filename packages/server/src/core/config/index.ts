export type {
	AccountsConfig,
	MailConfig,
	TokensConfig,
} from "./accounts-config.js";
export type { AmqpConfig } from "./amqp-config.js";
export type { CacheConfig } from "./cache-config.js";
export type { ClientTls } from "./client-tls-config.js";
export {
	type Config,
	type ConfigContext,
	type Environment,
	parseConfig,
} from "./config.js";
export { ConfigError } from "./config-error.js";
export type { DatabaseTarget, DbConfig } from "./db-config.js";
export type { HttpConfig } from "./http-config.js";
export type { CronConfigEntry, JobsConfig } from "./jobs-config.js";
export type { LogsConfig, MetricsConfig } from "./logs-config.js";
export { masterKeyFile } from "./master-key-file.js";
export type { OutboundConfig } from "./outbound-config.js";
export {
	POSTGRES_TLS_PARAMS,
	type PostgresTarget,
	type PostgresTls,
	type SslMode,
} from "./postgres-target.js";
export type {
	AuthRateLimits,
	RateLimitSetting,
} from "./rate-limits-config.js";
export type { RedisConfig } from "./redis-config.js";
export {
	type ReviewProbe,
	reviewSecurity,
	type SecurityFinding,
} from "./security-review.js";
export type { SmtpTls } from "./smtp-tls-config.js";
export type { TracingConfig } from "./tracing-config.js";
