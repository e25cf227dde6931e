import { type CompiledQuery, type RawBuilder, type SqlBool, sql } from "kysely";
import { type RecordAccess, recordScope, requireScope } from "../auth/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Executor } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { Collection, Rules } from "../model/index.js";
import { isSuperuser } from "../model/index.js";
import {
	type AliasSource,
	compileRule,
	type QueryScope,
} from "../query/index.js";
import type { RecordChangeSink } from "./record-changes.js";
import type { CollectionRuntime } from "./record-runtime.js";
import type { ViewQueryCache } from "./view-query-cache.js";

/** What a read or write needs for one request: where to run, and who is asking. */
export interface RecordContext {
	db: Executor;
	/** Runs a read: on the transaction when there is one, else on the read connection. */
	read<R = Record<string, unknown>>(query: CompiledQuery): Promise<R[]>;
	registry: CollectionRegistry;
	runtimeOf(collection: Collection): CollectionRuntime;
	/** Who hears about writes; they run in the write's transaction. */
	changes: readonly RecordChangeSink[];
	scope: QueryScope;
	/** Compiled view queries under rules, per caller. */
	viewQueries: ViewQueryCache;
}

/**
 * Refuses at once when a rule is null (superusers only) and the caller is not one:
 * 401 for guests, who might sign in, 403 for everyone else.
 */
export function assertRuleOpen(
	collection: Collection,
	rule: keyof Rules,
	ctx: RecordContext,
): void {
	const caller = ctx.scope.request.caller;
	if (collection.rules[rule] !== null || isSuperuser(caller)) return;
	if (caller.kind === "guest") {
		throw new AppError("AUTH_REQUIRED", {
			detail: `Only superusers may ${rule} records of "${collection.name}".`,
		});
	}
	throw new AppError("SUPERUSER_REQUIRED", {
		detail: `Only superusers may ${rule} records of "${collection.name}".`,
	});
}

const ACCESS_OF_RULE: Record<keyof Rules, RecordAccess> = {
	list: "read",
	view: "read",
	create: "write",
	update: "write",
	delete: "write",
};

/**
 * Refuses an API key or client token whose scopes do not reach this action on the
 * collection (403 INSUFFICIENT_SCOPE); callers signed in with a password pass. Checked
 * before the rules, so a key learns nothing about records it may not touch.
 */
export function assertScoped(
	collection: Collection,
	rule: keyof Rules,
	ctx: RecordContext,
): void {
	requireScope(
		ctx.scope.request.caller,
		recordScope(ACCESS_OF_RULE[rule], collection.name),
	);
}

/**
 * The condition a rule adds for this caller: none for superusers and open rules, the
 * compiled expression otherwise (compiled into the same query as the filter, so rows
 * the caller may not see are never loaded).
 */
export function ruleCondition(
	collection: Collection,
	rule: keyof Rules,
	alias: string,
	aliases: AliasSource,
	ctx: RecordContext,
): RawBuilder<SqlBool> | undefined {
	const source = collection.rules[rule];
	if (isSuperuser(ctx.scope.request.caller) || source === "") return undefined;
	return compileRule(source, { collection, alias, aliases }, ctx.scope);
}

/** Joins conditions with AND; no conditions is TRUE. */
export function allOf(
	conditions: (RawBuilder<SqlBool> | undefined)[],
): RawBuilder<SqlBool> {
	const present = conditions.filter(
		(c): c is RawBuilder<SqlBool> => c !== undefined,
	);
	if (present.length === 0) return sql<SqlBool>`1 = 1`;
	return sql<SqlBool>`${sql.join(present, sql` AND `)}`;
}
