import type { Executor, SqlDialect } from "../db/index.js";
import type { Collection, CollectionDefinition } from "../model/index.js";

/** Reads and writes rows of `_collections` and `_collection_history`. */
export interface CollectionStore {
	loadAll(db: Executor): Promise<Collection[]>;
	insert(db: Executor, collection: Collection): Promise<void>;
	update(db: Executor, collection: Collection): Promise<void>;
	remove(db: Executor, id: string): Promise<void>;
	recordHistory(db: Executor, entry: HistoryEntry): Promise<void>;
	listHistory(db: Executor, collectionId: string): Promise<HistoryEntry[]>;
}

/** One recorded schema change. */
export interface HistoryEntry {
	id: string;
	collectionId: string;
	collectionName: string;
	action: "create" | "update" | "delete";
	before: CollectionDefinition | null;
	after: CollectionDefinition | null;
	/** The SQL that applied it, in order: enough to replay it as a migration file. */
	statements: string[];
	actor: string | null;
	created: string;
}

/** Creates the store for a dialect (JSON columns differ in encoding). */
export function createCollectionStore(dialect: SqlDialect): CollectionStore {
	const json = (value: unknown) => dialect.encode("json", value);
	const fromJson = <T>(value: unknown) => dialect.decode("json", value) as T;
	return {
		async loadAll(db) {
			const rows = await db.selectFrom("_collections").selectAll().execute();
			return rows.map((row) => ({
				...fromJson<CollectionDefinition>(row.definition),
				id: row.id as string,
				name: row.name as string,
				version: Number(row.version),
				created: row.created as string,
				updated: row.updated as string,
			}));
		},
		async insert(db, c) {
			await db
				.insertInto("_collections")
				.values({
					id: c.id,
					name: c.name,
					type: c.type,
					definition: json(definitionOf(c)),
					version: c.version,
					created: c.created,
					updated: c.updated,
				})
				.execute();
		},
		async update(db, c) {
			await db
				.updateTable("_collections")
				.set({
					name: c.name,
					definition: json(definitionOf(c)),
					version: c.version,
					updated: c.updated,
				})
				.where("id", "=", c.id)
				.execute();
		},
		async remove(db, id) {
			await db.deleteFrom("_collections").where("id", "=", id).execute();
		},
		async recordHistory(db, e) {
			await db
				.insertInto("_collection_history")
				.values({
					id: e.id,
					collection_id: e.collectionId,
					collection_name: e.collectionName,
					action: e.action,
					before: json(e.before),
					after: json(e.after),
					statements: json(e.statements),
					actor: e.actor,
					created: e.created,
				})
				.execute();
		},
		async listHistory(db, collectionId) {
			const rows = await db
				.selectFrom("_collection_history")
				.selectAll()
				.where("collection_id", "=", collectionId)
				.orderBy("created")
				.orderBy("id")
				.execute();
			return rows.map((r) => ({
				id: r.id as string,
				collectionId: r.collection_id as string,
				collectionName: r.collection_name as string,
				action: r.action as HistoryEntry["action"],
				before: fromJson<CollectionDefinition | null>(r.before),
				after: fromJson<CollectionDefinition | null>(r.after),
				statements: fromJson<string[]>(r.statements),
				actor: (r.actor as string | null) ?? null,
				created: r.created as string,
			}));
		},
	};
}

/** The definition part of a collection, as stored and as exported. */
export function definitionOf(c: CollectionDefinition): CollectionDefinition {
	return {
		id: c.id,
		name: c.name,
		type: c.type,
		fields: c.fields,
		indexes: c.indexes,
		rules: c.rules,
		cache: c.cache,
	};
}
