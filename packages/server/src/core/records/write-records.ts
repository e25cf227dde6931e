import { CompiledQuery, type SqlBool, sql } from "kysely";
import type { IdGenerator } from "../../tools/ids/index.js";
import { AppError } from "../errors/index.js";
import type { Collection, Rules } from "../model/index.js";
import { type Caller, isSuperuser } from "../model/index.js";
import { createAliasSource } from "../query/index.js";
import {
	type PasswordCheck,
	type PreparedAuthWrite,
	prepareAuthWrite,
} from "./auth-write.js";
import { etagMatches, etagOf } from "./etag.js";
import { recordNotFound } from "./list-records.js";
import {
	allOf,
	assertRuleOpen,
	assertScoped,
	type RecordContext,
	ruleCondition,
} from "./read-context.js";
import { emitChange } from "./record-changes.js";
import type { RecordData } from "./record-codec.js";
import { privacyFor } from "./record-privacy.js";
import type { WriteMode } from "./record-validator.js";
import {
	findBrokenRelations,
	releaseReferences,
} from "./relation-integrity.js";

/** What a write needs besides the request context. */
export interface WriteDeps {
	newId: IdGenerator;
	now: string;
	/** Judges new passwords of auth records. */
	checkPassword: PasswordCheck;
	/**
	 * Creating an account the server signed up itself (OAuth2): whether its email is
	 * verified, on the server's word rather than the client's.
	 */
	verified?: boolean;
}

/** Preconditions of an update or delete. */
export interface WriteConditions {
	/** The If-Match header: the write happens only if the record's ETag matches. */
	ifMatch?: string | undefined;
}

/**
 * Creates a record: validate, check relations, insert, then check the create rule
 * against the stored row (it may follow relations). Call inside a transaction: a
 * failed rule throws, and the insert rolls back with it.
 */
export async function createRecord(
	collection: Collection,
	body: Record<string, unknown>,
	ctx: RecordContext,
	deps: WriteDeps,
) {
	assertScoped(collection, "create", ctx);
	assertRuleOpen(collection, "create", ctx);
	const { codec, validate, insertSql, insertColumns } =
		ctx.runtimeOf(collection);
	const superuser = isSuperuser(ctx.scope.request.caller);
	const account = await accountOf(
		collection,
		body,
		"create",
		undefined,
		ctx,
		deps,
	);
	const values = {
		...validate(account.rest, "create", superuser),
		...account.values,
	};
	if (collection.type === "auth" && deps.verified !== undefined)
		values.verified = deps.verified;
	const id = (values.id as string | undefined) ?? deps.newId();
	await assertRelations(collection, values, id, ctx);
	const row = codec.encode(
		{ ...values, id, created: deps.now, updated: deps.now },
		id,
	);
	const parameters = insertColumns.map((column) => row[column] ?? null);
	const inserted = await ctx.db.executeQuery<Record<string, unknown>>(
		CompiledQuery.raw(insertSql, parameters),
	);
	await assertRule(collection, "create", id, ctx);
	// The values just encrypted are known: no need to decrypt them back.
	const record = codec.decode(inserted.rows[0] as Record<string, unknown>, {
		written: values,
	});
	await emitChange(
		ctx.changes,
		{ collection: collection.name, action: "create", record },
		ctx.db,
	);
	return privacyFor(collection, ctx.scope.request.caller, "created")(record);
}

/** Updates (PATCH) or replaces (PUT) a record the caller may view and update. */
export async function updateRecord(
	collection: Collection,
	id: string,
	body: Record<string, unknown>,
	mode: Exclude<WriteMode, "create">,
	ctx: RecordContext,
	deps: WriteDeps & WriteConditions,
): Promise<RecordData> {
	const existing = await loadForWrite(
		collection,
		id,
		"update",
		ctx,
		deps.ifMatch,
	);
	const { codec, validate } = ctx.runtimeOf(collection);
	const account = await accountOf(collection, body, mode, id, ctx, deps);
	const superuser = isSuperuser(ctx.scope.request.caller);
	const values = {
		...validate(account.rest, mode, superuser),
		...account.values,
	};
	await assertRelations(collection, values, id, ctx);
	// `updated` never goes backwards, even if clocks of two nodes disagree.
	// biome-ignore lint/complexity/useMathMinMax: ISO strings, not numbers; Math.max would give NaN.
	const updated = deps.now > existing.updated ? deps.now : existing.updated;
	const row = codec.encode({ ...values, updated }, id);
	const stored = await ctx.db
		.updateTable(collection.name)
		.set(row)
		.where("id", "=", id)
		.returningAll()
		.executeTakeFirstOrThrow();
	const record = codec.decode(stored, { written: values });
	await emitChange(
		ctx.changes,
		{
			collection: collection.name,
			action: "update",
			record,
			previous: existing,
			...(account.values.password_hash === undefined
				? {}
				: { passwordChanged: true, actor: actorOf(ctx.scope.request.caller) }),
		},
		ctx.db,
	);
	return privacyFor(collection, ctx.scope.request.caller)(record);
}

/** Deletes a record the caller may view and delete, then releases references to it. */
export async function deleteRecord(
	collection: Collection,
	id: string,
	ctx: RecordContext,
	deps: WriteDeps & WriteConditions,
) {
	const existing = await loadForWrite(
		collection,
		id,
		"delete",
		ctx,
		deps.ifMatch,
	);
	try {
		await ctx.db.deleteFrom(collection.name).where("id", "=", id).execute();
	} catch (err: unknown) {
		if (ctx.scope.dialect.classifyError(err)?.kind === "foreign_key") {
			throw new AppError("RECORD_IN_USE", {
				detail:
					"Required relation fields of other records point at this record.",
				cause: err,
			});
		}
		throw err;
	}
	await releaseReferences(
		ctx.db,
		collection,
		[id],
		ctx.registry,
		ctx.scope.dialect,
		deps.now,
	);
	await emitChange(
		ctx.changes,
		{ collection: collection.name, action: "delete", record: existing },
		ctx.db,
	);
}

/**
 * Reads the record an update or delete targets, locking it where the database can:
 * 404 if the caller may not view it, 403 if they may view but not change it, 412 if
 * If-Match names another version.
 */
async function loadForWrite(
	collection: Collection,
	id: string,
	rule: "update" | "delete",
	ctx: RecordContext,
	ifMatch: string | undefined,
): Promise<RecordData> {
	assertScoped(collection, rule, ctx);
	assertRuleOpen(collection, rule, ctx);
	const aliases = createAliasSource();
	const view = ruleCondition(collection, "view", "r", aliases, ctx);
	const change =
		ruleCondition(collection, rule, "r", aliases, ctx) ?? sql<SqlBool>`1 = 1`;
	const where = allOf([sql<SqlBool>`r.id = ${id}`, view]);
	const lock = ctx.scope.dialect.supportsRowLocks
		? sql` FOR UPDATE OF r`
		: sql``;
	const result = await sql<
		Record<string, unknown>
	>`SELECT r.*, CASE WHEN ${change} THEN 1 ELSE 0 END AS "__allowed" FROM ${sql.table(collection.name)} AS r WHERE ${where}${lock}`.execute(
		ctx.db,
	);
	const row = result.rows[0];
	if (!row) throw recordNotFound(collection, id);
	if (Number(row.__allowed) !== 1) {
		throw new AppError("RULE_DENIED", {
			detail: `The ${rule} rule of "${collection.name}" does not allow this.`,
		});
	}
	const { __allowed: _, ...data } = row;
	// A value that no longer opens must not stop the write that replaces it.
	const existing = ctx.runtimeOf(collection).codec.decode(data, {
		unreadableAsNull: true,
	});
	if (
		ifMatch !== undefined &&
		!etagMatches(ifMatch, etagOf(JSON.stringify(existing)))
	) {
		throw new AppError("PRECONDITION_FAILED", {
			detail: "The record changed since the ETag in If-Match.",
		});
	}
	return existing;
}

/** A caller as a change names it: kind and id, nothing that could be a secret. */
function actorOf(caller: Caller): { kind: Caller["kind"]; id?: string } {
	return "id" in caller
		? { kind: caller.kind, id: caller.id }
		: { kind: caller.kind };
}

/** Splits off and prepares the account members of an auth collection's write. */
function accountOf(
	collection: Collection,
	body: Record<string, unknown>,
	mode: "create" | "update" | "replace",
	id: string | undefined,
	ctx: RecordContext,
	deps: WriteDeps,
): Promise<PreparedAuthWrite> | PreparedAuthWrite {
	if (collection.type !== "auth") return { rest: body, values: {} };
	return prepareAuthWrite(collection, body, mode, id, {
		caller: ctx.scope.request.caller,
		checkPassword: deps.checkPassword,
		db: ctx.db,
	});
}

async function assertRelations(
	collection: Collection,
	values: Record<string, unknown>,
	id: string,
	ctx: RecordContext,
) {
	const errors = await findBrokenRelations(
		ctx.db,
		collection,
		values,
		ctx.registry,
		id,
	);
	if (Object.keys(errors).length > 0)
		throw new AppError("VALIDATION_FAILED", { errors });
}

async function assertRule(
	collection: Collection,
	rule: keyof Rules,
	id: string,
	ctx: RecordContext,
) {
	const condition = ruleCondition(
		collection,
		rule,
		"r",
		createAliasSource(),
		ctx,
	);
	if (!condition) return;
	const result =
		await sql`SELECT 1 AS ok FROM ${sql.table(collection.name)} AS r WHERE r.id = ${id} AND ${condition}`.execute(
			ctx.db,
		);
	if (result.rows.length === 0) {
		throw new AppError("RULE_DENIED", {
			detail: `The ${rule} rule of "${collection.name}" does not allow this.`,
		});
	}
}
