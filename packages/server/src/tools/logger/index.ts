export {
	createLogger,
	type LogFormat,
	type Logger,
	type LoggerSettings,
	type LogLevel,
	logLevels,
} from "./create-logger.js";
