export {
	createLogger,
	type LogFormat,
	type Logger,
	type LoggerSettings,
	type LogLevel,
	logLevels,
} from "./create-logger.js";
export {
	type JsonLineLevel,
	type JsonLineWriter,
	jsonLinesOf,
} from "./json-lines.js";
export { REDACTED, scrubSecrets } from "./redaction.js";
