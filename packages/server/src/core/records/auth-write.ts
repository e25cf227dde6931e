import { sql } from "kysely";
import {
	hashPassword,
	randomToken,
	verifyPassword,
} from "../../tools/crypto/index.js";
import type { Executor } from "../db/index.js";
import { AppError, type FieldError } from "../errors/index.js";
import type { Caller, Collection } from "../model/index.js";

/** Judges a new password; a problem is the field error to answer with. */
export type PasswordCheck = (
	password: string,
	email: string | undefined,
) => FieldError | undefined;

/** The account members a client may send to an auth collection. */
const AUTH_KEYS = new Set([
	"email",
	"password",
	"passwordConfirm",
	"oldPassword",
	"verified",
]);
// JSON Schema's `email` format as ajv-formats checks it (an RFC 5321 mailbox in
// ASCII): sign-up takes exactly the addresses that email fields, the email flows
// (api/accounts/email-request-routes.ts) and the OpenAPI document take.
const EMAIL =
	/^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** An auth write split in two: the collection's own fields, and the account columns. */
export interface PreparedAuthWrite {
	rest: Record<string, unknown>;
	values: Record<string, unknown>;
}

/** What prepareAuthWrite needs. */
export interface AuthWriteContext {
	caller: Caller;
	checkPassword: PasswordCheck;
	/** The transaction, to read the current password hash on updates. */
	db: Executor;
}

/**
 * Checks the account members of a write to an auth collection
 * (docs/auth.md#auth-collections) and turns them into columns: the email lower-cased,
 * the password hashed with argon2id, a new token key with every new password (which
 * ends every session), `verified` only from superusers. A user changing their own
 * password must give the old one; only superusers change an email here (users go
 * through the email-change flow).
 */
export async function prepareAuthWrite(
	collection: Collection,
	body: Record<string, unknown>,
	mode: "create" | "update" | "replace",
	recordId: string | undefined,
	ctx: AuthWriteContext,
): Promise<PreparedAuthWrite> {
	const rest: Record<string, unknown> = {};
	const sent: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(body))
		(AUTH_KEYS.has(key) ? sent : rest)[key] = value;
	const superuser = ctx.caller.kind === "superuser";
	refuseReadOnly(sent, mode, superuser);
	const errors: Record<string, FieldError> = {};
	const values: Record<string, unknown> = {};
	const email = checkEmail(sent.email, mode === "create", errors);
	if (email !== undefined) values.email = email;
	if (sent.verified !== undefined) {
		if (typeof sent.verified === "boolean") values.verified = sent.verified;
		else
			errors.verified = { code: "INVALID_TYPE", message: "must be a boolean" };
	} else if (mode === "create") values.verified = false;
	const password = await checkNewPassword(sent, {
		mode,
		superuser,
		email,
		errors,
		ctx,
		collection,
		recordId,
	});
	if (Object.keys(errors).length > 0)
		throw new AppError("VALIDATION_FAILED", { errors });
	if (password !== undefined) {
		values.password_hash = await hashPassword(password);
		values.token_key = randomToken();
	}
	return { rest, values };
}

function refuseReadOnly(
	sent: Record<string, unknown>,
	mode: string,
	superuser: boolean,
): void {
	const errors: Record<string, FieldError> = {};
	if (sent.verified !== undefined && !superuser) {
		errors.verified = {
			code: "READ_ONLY_FIELD",
			message:
				"only superusers set it; users verify through the verification email",
		};
	}
	if (sent.email !== undefined && mode !== "create" && !superuser) {
		errors.email = {
			code: "READ_ONLY_FIELD",
			message: "change it through the email-change flow",
		};
	}
	if (Object.keys(errors).length > 0) {
		throw new AppError("UNKNOWN_FIELD", {
			detail: `Fields not accepted: ${Object.keys(errors).join(", ")}.`,
			errors,
		});
	}
}

function checkEmail(
	value: unknown,
	required: boolean,
	errors: Record<string, FieldError>,
): string | undefined {
	if (value === undefined || value === null || value === "") {
		if (required)
			errors.email = { code: "VALUE_REQUIRED", message: "is required" };
		return undefined;
	}
	if (typeof value !== "string" || value.length > 254 || !EMAIL.test(value)) {
		errors.email = {
			code: "INVALID_FORMAT",
			message: "must be an email address",
		};
		return undefined;
	}
	return value.toLowerCase();
}

interface PasswordScope {
	mode: "create" | "update" | "replace";
	superuser: boolean;
	email: string | undefined;
	errors: Record<string, FieldError>;
	ctx: AuthWriteContext;
	collection: Collection;
	recordId: string | undefined;
}

async function checkNewPassword(
	sent: Record<string, unknown>,
	scope: PasswordScope,
): Promise<string | undefined> {
	const { errors } = scope;
	const { password, passwordConfirm, oldPassword } = sent;
	if (password === undefined || password === null || password === "") {
		if (scope.mode === "create")
			errors.password = { code: "VALUE_REQUIRED", message: "is required" };
		return undefined;
	}
	if (typeof password !== "string") {
		errors.password = { code: "INVALID_TYPE", message: "must be a string" };
		return undefined;
	}
	if (passwordConfirm !== password) {
		errors.passwordConfirm = {
			code: "MISMATCH",
			message: "must equal password",
		};
	}
	const problem = scope.ctx.checkPassword(password, scope.email);
	if (problem) errors.password = problem;
	if (scope.mode !== "create" && !scope.superuser) {
		const current = await currentHash(scope);
		const ok =
			typeof oldPassword === "string" &&
			current !== undefined &&
			(await verifyPassword(current, oldPassword));
		if (!ok)
			errors.oldPassword = {
				code: "INVALID_PASSWORD",
				message: "must be the current password",
			};
	}
	return password;
}

async function currentHash(scope: PasswordScope): Promise<string | undefined> {
	if (scope.recordId === undefined) return undefined;
	const row = await sql<{
		password_hash: string;
	}>`SELECT password_hash FROM ${sql.table(scope.collection.name)} WHERE id = ${scope.recordId}`.execute(
		scope.ctx.db,
	);
	return row.rows[0]?.password_hash;
}
