import type { FastifyRequest } from "fastify";
import { AppError } from "../../core/errors/index.js";
import type { Caller } from "../../core/model/index.js";
import {
	filterParams,
	pageParams,
	queryOf,
	totalParams,
} from "../http/query-params.js";

/**
 * The query string of the request log and the audit trail: the records' list
 * parameters (docs/api.md#list-parameters) that a system table has a use for.
 */
export const systemListQuery = queryOf({
	...filterParams,
	...pageParams,
	...totalParams,
});

const RECORD_ONLY = ["cursor", "fields", "expand"] as const;

/**
 * Refuses the records' `cursor`, `fields` and `expand` with a 400 naming them
 * (docs/api.md#logs-and-audit-trail-superusers-only). A `preValidation` hook: it
 * reads the query string as sent, since the schema ignores parameters it does not
 * name.
 */
export async function refuseRecordOnlyParams(
	request: FastifyRequest,
): Promise<void> {
	const given = request.query;
	if (typeof given !== "object" || given === null) return;
	const name = RECORD_ONLY.find((param) => param in given);
	if (name === undefined) return;
	const message = "is not supported by this list";
	throw new AppError("INVALID_QUERY", {
		detail: `${name} ${message}.`,
		errors: { [name]: { code: "INVALID_VALUE", message } },
	});
}

// A Record over Caller["kind"]: a kind added to Caller fails to compile until listed.
const CALLER_KINDS: Readonly<Record<Caller["kind"], true>> = {
	guest: true,
	superuser: true,
	record: true,
	client: true,
};

/** Every kind of caller (core/auth/caller.ts), as the request log names them. */
export const callerKinds: readonly string[] = Object.keys(CALLER_KINDS);
