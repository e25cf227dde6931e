import type { SqlDialect } from "../db/index.js";
import { AppError, type FieldError } from "../errors/index.js";
import type { Collection } from "../model/index.js";

/**
 * Turns a constraint failure of a record write into the client's error: a unique
 * violation is a 409 naming the fields (never the values, never the SQL), a broken
 * relation a 422. Other errors pass through unchanged.
 */
export function translateWriteError(
	err: unknown,
	collection: Collection,
	dialect: SqlDialect,
): unknown {
	if (err instanceof AppError) return err;
	const failure = dialect.classifyError(err);
	if (failure?.kind === "unique") {
		const idempotency =
			failure.table === "_idempotency_keys" ||
			failure.constraint === "_idempotency_keys_pk";
		if (idempotency)
			return new AppError("UNIQUE_VIOLATION", {
				extensions: { table: "_idempotency_keys" },
				cause: err,
			});
		const columns =
			failure.columns.length > 0
				? failure.columns
				: columnsOfConstraint(failure.constraint, collection);
		const errors: Record<string, FieldError> = {};
		for (const column of columns) {
			errors[column] = {
				code: "VALUE_NOT_UNIQUE",
				message:
					columns.length > 1
						? `must be unique together with ${columns.filter((c) => c !== column).join(", ")}`
						: "must be unique",
			};
		}
		return new AppError("UNIQUE_VIOLATION", {
			detail: `Another record has the same ${columns.join(", ") || "value"}.`,
			errors,
			cause: err,
		});
	}
	if (failure?.kind === "foreign_key") {
		return new AppError("VALIDATION_FAILED", {
			detail: "A relation points at a record that does not exist.",
			cause: err,
		});
	}
	return err;
}

function columnsOfConstraint(
	constraint: string | undefined,
	collection: Collection,
): string[] {
	if (constraint === undefined) return [];
	const index = collection.indexes.find((ix) => ix.name === constraint);
	if (index) return index.fields;
	// PostgreSQL's names for the inline UNIQUE of an auth email and the primary key.
	if (collection.type === "auth" && constraint.endsWith("_email_key"))
		return ["email"];
	return constraint.endsWith("_pkey") ? ["id"] : [];
}
