import {
	type DestinationStream,
	type Logger,
	type LoggerOptions,
	pino,
} from "pino";

/** The log levels Basalt accepts in BASALT_LOG_LEVEL. */
export const logLevels = [
	"fatal",
	"error",
	"warn",
	"info",
	"debug",
	"trace",
	"silent",
] as const;
/** One of logLevels. */
export type LogLevel = (typeof logLevels)[number];
/** How lines are written: one JSON object per line, or coloured text for a terminal. */
export type LogFormat = "json" | "pretty";

/** What createLogger needs. */
export interface LoggerSettings {
	level: LogLevel;
	format: LogFormat;
	/** Where lines go; standard output when absent. Tests pass a capturing stream. */
	destination?: DestinationStream;
	/** Fields added to every line (the active trace and span ids when tracing is on). */
	mixin?: () => object;
}

/**
 * Secrets that must never reach a log line, wherever they appear in a logged object.
 * pino's redaction is path based, so the common nestings are listed explicitly.
 */
const REDACTED_PATHS = [
	"password",
	"*.password",
	"passwordConfirm",
	"*.passwordConfirm",
	"token",
	"*.token",
	"refreshToken",
	"*.refreshToken",
	"secret",
	"*.secret",
	"req.headers.authorization",
	"req.headers.cookie",
	"headers.authorization",
	"headers.cookie",
	'res.headers["set-cookie"]',
];

/** Creates the process's pino logger; the App passes it down, nothing imports a global one. */
export function createLogger(settings: LoggerSettings): Logger {
	const options: LoggerOptions = {
		level: settings.level,
		base: undefined,
		timestamp: pino.stdTimeFunctions.isoTime,
		redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
		formatters: { level: (label) => ({ level: label }) },
		...(settings.mixin ? { mixin: settings.mixin } : {}),
	};
	if (settings.destination) return pino(options, settings.destination);
	if (settings.format === "pretty") {
		return pino({
			...options,
			transport: { target: "pino-pretty", options: { colorize: true } },
		});
	}
	return pino(options);
}

export type { Logger };
