import type { Ajv } from "ajv";
import type { CompiledQuery } from "kysely";
import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import { recordScope, requireScope } from "../auth/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database, Executor } from "../db/index.js";
import { type FieldCipher, UnreadableValueError } from "../encryption/index.js";
import { AppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";
import type { FilterParser, RequestInfo } from "../query/index.js";
import type { PasswordCheck } from "./auth-write.js";
import type { CacheActivity } from "./auto-cache.js";
import { translateWriteError } from "./constraint-errors.js";
import { parseExpand } from "./expand.js";
import { explainList, type ListExplanation } from "./explain-list.js";
import {
	createIdempotencyStore,
	type StoredResponse,
} from "./idempotency-store.js";
import {
	type IdempotencyRequest,
	isIdempotencyConflict,
	isSingleStatementCreate,
	replayOf,
	saveIdempotent,
} from "./idempotent-create.js";
import {
	type ListOptions,
	type ListResult,
	listRecords,
	type ViewOptions,
	viewRecord,
} from "./list-records.js";
import type { RecordContext } from "./read-context.js";
import { assertRuleOpen, assertScoped } from "./read-context.js";
import type { RecordChangeSink } from "./record-changes.js";
import type { RecordData } from "./record-codec.js";
import { createRuntimeCache } from "./record-runtime.js";
import { createRecordWriter, type RecordWriter } from "./record-writer.js";
import type {
	CachedAnswer,
	ClientCacheDirective,
	ResponseCache,
} from "./response-cache.js";
import {
	type BatchDeps,
	type BatchOperation,
	type BatchResult,
	runBatch,
} from "./run-batch.js";
import { createViewQueryCache } from "./view-query-cache.js";
import {
	createRecord,
	deleteRecord,
	updateRecord,
	type WriteConditions,
} from "./write-records.js";

/** What the records service is built from. */
export interface RecordsServiceDeps {
	db: Database;
	registry: CollectionRegistry;
	newId: IdGenerator;
	parseFilter: FilterParser;
	ajv: Ajv;
	/** The current time; tests pass a fixed clock. */
	clock: Clock;
	/** Judges new passwords of auth records. */
	checkPassword: PasswordCheck;
	/** Hears each lookup of the compiled view-query cache (the metrics). */
	countViewQueryLookup?: (hit: boolean, collection: string) => void;
	/** Encrypts, decrypts and indexes the values of encrypted fields. */
	cipher: FieldCipher;
	/** Keeps read answers of collections whose `cache` says so (docs/caching.md). */
	responseCache: ResponseCache;
	/**
	 * Loads the collections from the database again: called when a statement finds a
	 * table or column missing, a schema change another node made that this one has
	 * not heard of yet.
	 */
	reloadSchema?: () => Promise<void>;
}

/** What a create answers: the new record, or the kept answer to an Idempotency-Key. */
export type CreateOutcome = { record: RecordData } | { replay: StoredResponse };

/** Reads and writes records, with rules applied on every path. */
export interface RecordsService {
	/**
	 * Runs several record writes in one transaction as `caller` (imports): each under
	 * its collection's rules and validation, as if sent alone.
	 */
	writeInTransaction<T>(
		caller: RequestInfo["caller"],
		work: (writer: RecordWriter) => Promise<T>,
	): Promise<T>;
	/** Decodes a stored row of a collection (all members; privacy is the caller's job). */
	decode(collection: Collection, row: Record<string, unknown>): RecordData;
	/** Adds a listener that hears every record write inside its transaction. */
	addChangeSink(sink: RecordChangeSink): void;
	/** Lists records the caller may see (docs/api.md#list-parameters). */
	list(
		name: string,
		options: ListOptions,
		request: RequestInfo,
	): Promise<ListResult>;
	/** Plans the statement `list` would run for these options, without running it. */
	explainList(
		name: string,
		options: ListOptions,
		request: RequestInfo,
	): Promise<ListExplanation>;
	/**
	 * `list`, as the JSON text sent, from the response cache when the collection
	 * caches and the client allows it.
	 */
	listAnswer(
		name: string,
		options: ListOptions,
		request: RequestInfo,
		directive: ClientCacheDirective,
	): Promise<CachedAnswer>;
	/** `view`, as the JSON text sent, from the response cache when it may. */
	viewAnswer(
		name: string,
		id: string,
		options: ViewOptions,
		request: RequestInfo,
		directive: ClientCacheDirective,
	): Promise<CachedAnswer>;
	/**
	 * Tells the records layer that rows of these collections changed without it (a
	 * sign-in verifying an account), after the change committed: their cached
	 * answers are dropped.
	 */
	writtenElsewhere(names: readonly string[]): Promise<void>;
	/** How `auto` caching sees a collection on this node (the collection API). */
	cacheActivity(name: string): CacheActivity;
	/** Reads one record the caller may view; 404 otherwise. */
	view(
		name: string,
		id: string,
		options: ViewOptions,
		request: RequestInfo,
	): Promise<RecordData>;
	/**
	 * Creates a record; with an Idempotency-Key, the first answer is kept and a retry
	 * with the same key and body gets it back as `replay`.
	 */
	create(
		name: string,
		body: Record<string, unknown>,
		request: RequestInfo,
		idem?: IdempotencyRequest,
	): Promise<CreateOutcome>;
	/** Updates (`update`: the fields sent) or replaces a record, under `conditions`. */
	update(
		name: string,
		id: string,
		body: Record<string, unknown>,
		mode: "update" | "replace",
		request: RequestInfo,
		conditions?: WriteConditions,
	): Promise<RecordData>;
	/** Deletes a record, under `conditions`. */
	remove(
		name: string,
		id: string,
		request: RequestInfo,
		conditions?: WriteConditions,
	): Promise<void>;
	/**
	 * Runs writes in one transaction, each under its own rules as if sent alone. The
	 * first failure rolls everything back and is rethrown with its `index`.
	 */
	batch(
		operations: BatchOperation[],
		caller: RequestInfo["caller"],
	): Promise<BatchResult[]>;
}

/** Whether a read failed on a value sealed with a data key this node has not loaded. */
function sealedWithUnknownKey(err: unknown): boolean {
	return (
		err instanceof AppError &&
		err.code === "ENCRYPTED_VALUE_UNREADABLE" &&
		err.cause instanceof UnreadableValueError &&
		err.cause.unknownKey
	);
}

/**
 * Reads and writes records (docs/api.md#records) with rules applied on every path. Each
 * write is one transaction; a batch is one transaction around all of its writes.
 */
export function createRecordsService(deps: RecordsServiceDeps): RecordsService {
	const { db, registry } = deps;
	const changes: RecordChangeSink[] = [];
	const runtimeOf = createRuntimeCache(
		db.dialect,
		deps.ajv,
		db.kysely,
		deps.cipher,
	);
	const idempotency = createIdempotencyStore(db.dialect);
	const viewQueries = createViewQueryCache(
		deps.countViewQueryLookup ? { countLookup: deps.countViewQueryLookup } : {},
	);

	/** The context of a write, stamped with the write's time. */
	function context(
		executor: Executor,
		request: RequestInfo,
		now: string,
	): RecordContext {
		return contextAt(executor, request, () => now);
	}

	/** The context of a read: it reads the clock only if a rule says `@now`. */
	function readContext(request: RequestInfo): RecordContext {
		return contextAt(db.kysely, request, nowIso);
	}

	function contextAt(
		executor: Executor,
		request: RequestInfo,
		nowOf: () => string,
	): RecordContext {
		let time: string | undefined;
		const scope = {
			dialect: db.dialect,
			collections: (name: string) => registry.find(name),
			request,
			get now() {
				time ??= nowOf();
				return time;
			},
			applyViewRules: true,
			parse: deps.parseFilter,
			blindIndex: deps.cipher.blindIndex.bind(deps.cipher),
		};
		const read =
			executor === db.kysely
				? db.read
				: async <R>(query: CompiledQuery) =>
						(await executor.executeQuery<R>(query)).rows;
		return {
			db: executor,
			read,
			registry,
			runtimeOf,
			scope,
			changes,
			viewQueries,
		};
	}

	const nowIso = () => deps.clock().toISOString();
	const cache = deps.responseCache;

	/** The id and version of every collection: what a reload may change. */
	const schemaStamp = () =>
		registry
			.list()
			.map((c) => `${c.id}:${c.version}`)
			.join(",");

	/**
	 * Runs a read or a write against this node's view of state another node may have
	 * changed, and once more after catching up:
	 * - a statement met a table or column that is not there (another node changed the
	 *   schema and the change has not reached this node:
	 *   docs/scale-out.md#schema-changes): the collections are loaded again. A write
	 *   that failed so wrote nothing: its transaction rolled back. A second miss is a
	 *   503 to retry, never a 500 naming a column; a miss the reload does not explain
	 *   (a table changed behind Basalt's back) stays the 500 it is;
	 * - a value is sealed with a data key this node has not loaded (another node
	 *   rotated the ring: docs/security.md#key-rotation): the ring is read again.
	 */
	async function afterStaleState<T>(work: () => Promise<T>): Promise<T> {
		try {
			return await work();
		} catch (err: unknown) {
			if (sealedWithUnknownKey(err)) {
				await deps.cipher.reload();
				return await work();
			}
			const { reloadSchema } = deps;
			if (!reloadSchema || !db.dialect.isSchemaMiss(err)) throw err;
			const before = schemaStamp();
			await reloadSchema();
			// Nothing changed in `_collections`: the table is out of step with its
			// definition (changed behind Basalt's back), not a race. That is a 500.
			if (schemaStamp() === before) throw err;
			try {
				return await work();
			} catch (again: unknown) {
				if (!db.dialect.isSchemaMiss(again)) throw again;
				throw new AppError("SCHEMA_CHANGED", { cause: again });
			}
		}
	}

	/** After a write committed: drops the cached answers it changed. */
	const written = (names: Iterable<string>) =>
		cache.invalidate(
			[...new Set(names)].flatMap((name) => registry.find(name) ?? []),
		);
	const batchDeps: BatchDeps = {
		db,
		registry,
		newId: deps.newId,
		checkPassword: deps.checkPassword,
		clock: deps.clock,
		context,
	};

	async function inTransaction<T>(
		collection: Collection,
		work: (trx: Executor) => Promise<T>,
	): Promise<T> {
		try {
			return await db.kysely.transaction().execute(work);
		} catch (err: unknown) {
			throw translateWriteError(err, collection, db.dialect);
		}
	}

	async function create(
		name: string,
		body: Record<string, unknown>,
		request: RequestInfo,
		idem?: IdempotencyRequest,
	): Promise<CreateOutcome> {
		const collection = registry.get(name);
		// Before the replay too: a key without the scope gets no earlier answer either.
		requireScope(request.caller, recordScope("write", collection.name));
		const now = nowIso();
		if (idem) {
			const prior = await idempotency.find(
				db.kysely,
				idem.scope,
				idem.key,
				now,
			);
			if (prior) return { replay: replayOf(prior, idem) };
		}
		const listened = changes.some((sink) => sink.wants(collection.name));
		if (!idem && !listened && isSingleStatementCreate(collection, request)) {
			try {
				const ctx = context(db.kysely, request, now);
				const record = await createRecord(collection, body, ctx, {
					newId: deps.newId,
					checkPassword: deps.checkPassword,
					now,
				});
				await cache.invalidate([collection]);
				return { record };
			} catch (err: unknown) {
				throw translateWriteError(err, collection, db.dialect);
			}
		}
		try {
			const record = await inTransaction(collection, async (trx) => {
				const created = await createRecord(
					collection,
					body,
					context(trx, request, now),
					{ newId: deps.newId, checkPassword: deps.checkPassword, now },
				);
				if (idem) await saveIdempotent(idempotency, trx, idem, created, now);
				return created;
			});
			await cache.invalidate([collection]);
			return { record };
		} catch (err: unknown) {
			// Two requests with one key raced: the loser replays the winner's answer.
			const prior =
				idem && isIdempotencyConflict(err)
					? await idempotency.find(db.kysely, idem.scope, idem.key, now)
					: undefined;
			if (prior && idem) return { replay: replayOf(prior, idem) };
			throw err;
		}
	}

	async function update(
		name: string,
		id: string,
		body: Record<string, unknown>,
		mode: "update" | "replace",
		request: RequestInfo,
		conditions: WriteConditions = {},
	) {
		const collection = registry.get(name);
		const now = nowIso();
		const record = await inTransaction(collection, (trx) =>
			updateRecord(collection, id, body, mode, context(trx, request, now), {
				newId: deps.newId,
				checkPassword: deps.checkPassword,
				now,
				...conditions,
			}),
		);
		await cache.invalidate([collection]);
		return record;
	}

	async function remove(
		name: string,
		id: string,
		request: RequestInfo,
		conditions: WriteConditions = {},
	) {
		const collection = registry.get(name);
		const now = nowIso();
		await inTransaction(collection, (trx) =>
			deleteRecord(collection, id, context(trx, request, now), {
				newId: deps.newId,
				checkPassword: deps.checkPassword,
				now,
				...conditions,
			}),
		);
		await cache.invalidate([collection]);
	}

	/**
	 * Runs several record writes in one transaction as `caller` (imports): each under
	 * its collection's rules and validation, as if sent alone.
	 */
	async function writeInTransaction<T>(
		caller: RequestInfo["caller"],
		work: (writer: RecordWriter) => Promise<T>,
	): Promise<T> {
		const now = nowIso();
		const touched = new Set<string>();
		const result = await db.kysely.transaction().execute((trx) => {
			const writer = createRecordWriter({
				trx,
				caller,
				registry,
				dialect: db.dialect,
				newId: deps.newId,
				checkPassword: deps.checkPassword,
				now,
				context,
				changes,
			});
			return work({
				...writer,
				create(name, body, account) {
					touched.add(name);
					return writer.create(name, body, account);
				},
				update(name, id, body) {
					touched.add(name);
					return writer.update(name, id, body);
				},
			});
		});
		await written(touched);
		return result;
	}

	/**
	 * Checks what a read needs before its answer may come from the cache. A
	 * collection that does not cache is read from the database, and the read checks
	 * these itself: not twice on that path.
	 */
	function checkRead(
		collection: Collection,
		action: "list" | "view",
		expand: string | undefined,
		ctx: RecordContext,
	): void {
		if (collection.cache.mode === "off") return;
		assertScoped(collection, action, ctx);
		assertRuleOpen(collection, action, ctx);
		parseExpand(expand, collection, ctx);
	}

	async function listAnswer(
		name: string,
		options: ListOptions,
		request: RequestInfo,
		directive: ClientCacheDirective,
	): Promise<CachedAnswer> {
		const collection = registry.get(name);
		const ctx = readContext(request);
		checkRead(collection, "list", options.expand, ctx);
		const { filter, sort, page, perPage, cursor, fields, expand, skipTotal } =
			options;
		return cache.read(
			{
				collection,
				kind: "list",
				options: [
					filter,
					sort,
					page,
					perPage,
					cursor,
					fields,
					expand,
					skipTotal,
				],
				filter,
				caller: request.caller,
				directive,
			},
			() => listRecords(collection, options, ctx),
		);
	}

	async function viewAnswer(
		name: string,
		id: string,
		options: ViewOptions,
		request: RequestInfo,
		directive: ClientCacheDirective,
	): Promise<CachedAnswer> {
		const collection = registry.get(name);
		const ctx = readContext(request);
		checkRead(collection, "view", options.expand, ctx);
		return cache.read(
			{
				collection,
				kind: "view",
				options: [id, options.fields, options.expand],
				caller: request.caller,
				directive,
			},
			() => viewRecord(collection, id, options, ctx),
		);
	}

	return {
		writeInTransaction: (caller, work) =>
			afterStaleState(() => writeInTransaction(caller, work)),
		decode: (collection: Collection, row: Record<string, unknown>) =>
			runtimeOf(collection).codec.decode(row),
		addChangeSink(sink: RecordChangeSink): void {
			changes.push(sink);
		},
		list: (name, options, request) =>
			afterStaleState(() =>
				listRecords(registry.get(name), options, readContext(request)),
			),
		explainList: (name, options, request) =>
			explainList(registry.get(name), options, readContext(request)),
		view: (name, id, options, request) =>
			afterStaleState(() =>
				viewRecord(registry.get(name), id, options, readContext(request)),
			),
		listAnswer: (name, options, request, directive) =>
			afterStaleState(() => listAnswer(name, options, request, directive)),
		viewAnswer: (name, id, options, request, directive) =>
			afterStaleState(() => viewAnswer(name, id, options, request, directive)),
		writtenElsewhere: written,
		cacheActivity: (name: string) =>
			cache.meter.activity(registry.get(name).id),
		create: (name, body, request, idem) =>
			afterStaleState(() => create(name, body, request, idem)),
		update: (name, id, body, mode, request, conditions) =>
			afterStaleState(() => update(name, id, body, mode, request, conditions)),
		remove: (name, id, request, conditions) =>
			afterStaleState(() => remove(name, id, request, conditions)),
		async batch(operations, caller) {
			const results = await afterStaleState(() =>
				runBatch(operations, caller, batchDeps),
			);
			await written(operations.map((op) => op.collection));
			return results;
		},
	};
}
