import { AppError } from "../errors/index.js";

/** The 400 for a filter that parses but does not fit the schema, naming the position. */
export function invalidFilter(message: string, position: number): AppError {
	return new AppError("INVALID_FILTER", {
		detail: `${message} (at position ${position})`,
		extensions: { position },
	});
}
