export {
	AppError,
	type AppErrorOptions,
	type FieldError,
	isAppError,
} from "./app-error.js";
export { type ErrorCode, errorCodes, isErrorCode } from "./error-codes.js";
