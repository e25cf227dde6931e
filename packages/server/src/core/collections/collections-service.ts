import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database, Executor } from "../db/index.js";
import { AppError, type FieldError } from "../errors/index.js";
import type {
	Collection,
	CollectionDefinition,
	Field,
} from "../model/index.js";
import type { FilterParser } from "../query/index.js";
import { applySchemaChange } from "./apply-schema-change.js";
import type { CollectionInput } from "./collection-input.js";
import type { CollectionRegistry } from "./collection-registry.js";
import {
	type CollectionStore,
	definitionOf,
	type HistoryEntry,
} from "./collection-store.js";
import { planCreate, planDrop, planMigration } from "./ddl-planner.js";
import { normalizeCollection } from "./normalize-collection.js";
import type { PlannerContext } from "./planner-context.js";
import { checkNames, checkRules, type RuleCheckDeps } from "./schema-checks.js";

/** What the collections service is built from. */
export interface CollectionsServiceDeps {
	db: Database;
	registry: CollectionRegistry;
	store: CollectionStore;
	newId: IdGenerator;
	parseFilter: FilterParser;
	clock: Clock;
	/**
	 * Hears each schema change once it committed and the registry holds it, before the
	 * change is answered (the response cache drops every answer then).
	 */
	schemaChanged?: () => Promise<void>;
}

/**
 * More work that must commit with a schema change (its audit entry), given the
 * change's transaction and the collection as it is after (for a delete: was).
 */
export type AlsoInTransaction = (
	trx: Executor,
	collection: Collection,
) => Promise<void>;

/** Creates, changes, drops and lists collections. */
export interface CollectionsService {
	/** Creates a collection and its table; COLLECTION_EXISTS if the name is taken. */
	create(
		input: CollectionInput,
		actor: string | null,
		alsoInTransaction?: AlsoInTransaction,
	): Promise<Collection>;
	/** Changes a collection and migrates its table; SCHEMA_CHANGE_REFUSED if it cannot. */
	update(
		name: string,
		input: CollectionInput,
		actor: string | null,
		alsoInTransaction?: AlsoInTransaction,
	): Promise<Collection>;
	/** Drops a collection and its table; COLLECTION_IN_USE while relations point at it. */
	remove(
		name: string,
		actor: string | null,
		alsoInTransaction?: AlsoInTransaction,
	): Promise<void>;
	/** Lists collections, by name. */
	list(): Collection[];
	/** Gets a collection or throws COLLECTION_NOT_FOUND. */
	get(name: string): Collection;
	/** Lists the recorded schema changes of a collection, oldest first. */
	history(name: string): Promise<HistoryEntry[]>;
	/** Loads the registry from the database; the App calls it at start. */
	load(): Promise<void>;
}

/**
 * Creates, changes and drops collections (docs/api.md#collections-superusers-only).
 * Every change is one transaction holding the DDL, the registry row and a history
 * entry.
 */
export function createCollectionsService(
	deps: CollectionsServiceDeps,
): CollectionsService {
	const { db, registry, store } = deps;
	const planner: PlannerContext = { kysely: db.kysely, dialect: db.dialect };
	const ruleDeps: RuleCheckDeps = {
		registry,
		dialect: db.dialect,
		parseFilter: deps.parseFilter,
		clock: deps.clock,
	};

	async function create(
		input: CollectionInput,
		actor: string | null,
		alsoInTransaction?: AlsoInTransaction,
	): Promise<Collection> {
		if (input.name && registry.find(input.name)) {
			throw new AppError("COLLECTION_EXISTS", {
				detail: `A collection "${input.name}" already exists.`,
			});
		}
		const definition = normalizeCollection(input, {
			existing: undefined,
			collectionExists: (name) => registry.find(name) !== undefined,
			newCollectionId: deps.newId(),
		});
		checkNames(definition, registry);
		checkRules([definition], ruleDeps);
		const now = deps.clock().toISOString();
		const collection: Collection = {
			...definition,
			version: 1,
			created: now,
			updated: now,
		};
		const statements = planCreate(definition, planner);
		await applySchemaChange(db, {
			checks: [],
			statements,
			foreignKeysOff: false,
			table: definition.name,
			record: async (trx) => {
				await store.insert(trx, collection);
				await store.recordHistory(
					trx,
					history("create", null, collection, statements, actor, now),
				);
				await alsoInTransaction?.(trx, collection);
			},
		});
		registry.put(collection);
		await deps.schemaChanged?.();
		return collection;
	}

	async function update(
		name: string,
		input: CollectionInput,
		actor: string | null,
		alsoInTransaction?: AlsoInTransaction,
	): Promise<Collection> {
		const before = registry.get(name);
		if (input.name && input.name !== name && registry.find(input.name)) {
			throw new AppError("COLLECTION_EXISTS", {
				detail: `A collection "${input.name}" already exists.`,
			});
		}
		const normalized = normalizeCollection(input, {
			existing: before,
			collectionExists: (n) => registry.find(n) !== undefined,
			newCollectionId: before.id,
		});
		const definition = {
			...normalized,
			fields: followRename(normalized.fields, before.name, normalized.name),
		};
		const dependents = retarget(before.name, definition.name);
		checkNames(definition, registry);
		// Every rule must still compile against the changed schema: a rename, or a
		// dropped or renamed field, must not leave another collection's
		// `@collection.<name>.<field>` pointing at nothing.
		const others = registry
			.list()
			.filter(
				(c) => c.id !== before.id && !dependents.some((d) => d.id === c.id),
			);
		checkRules(
			[definition, ...dependents, ...others],
			ruleDeps,
			before.name === definition.name ? undefined : before.name,
		);
		const plan = planMigration(before, definition, planner);
		if (Object.keys(plan.refusals).length > 0) {
			const errors: Record<string, FieldError> = {};
			for (const [field, reason] of Object.entries(plan.refusals))
				errors[field] = { code: "CHANGE_REFUSED", message: reason };
			throw new AppError("SCHEMA_CHANGE_REFUSED", {
				detail: Object.values(plan.refusals).join("; "),
				errors,
			});
		}
		const now = deps.clock().toISOString();
		const after: Collection = {
			...definition,
			version: before.version + 1,
			created: before.created,
			updated: now,
		};
		const updatedDependents = dependents.map((d) => ({
			...d,
			version: d.version + 1,
			updated: now,
		}));
		await applySchemaChange(db, {
			checks: plan.checks,
			statements: plan.statements,
			foreignKeysOff: plan.foreignKeysOff,
			table: after.name,
			record: async (trx) => {
				await store.update(trx, after);
				for (const d of updatedDependents) await store.update(trx, d);
				await store.recordHistory(
					trx,
					history("update", before, after, plan.statements, actor, now),
				);
				await alsoInTransaction?.(trx, after);
			},
		});
		registry.put(after, before.name);
		for (const d of updatedDependents) registry.put(d);
		await deps.schemaChanged?.();
		return after;
	}

	async function remove(
		name: string,
		actor: string | null,
		alsoInTransaction?: AlsoInTransaction,
	): Promise<void> {
		const collection = registry.get(name);
		const users = registry
			.list()
			.filter(
				(c) =>
					c.name !== name &&
					c.fields.some((f) => f.type === "relation" && f.collection === name),
			);
		if (users.length > 0) {
			throw new AppError("COLLECTION_IN_USE", {
				detail: `Relation fields of ${users.map((c) => `"${c.name}"`).join(", ")} point at "${name}"; remove them first.`,
			});
		}
		checkRules(
			registry.list().filter((c) => c.name !== name),
			ruleDeps,
			name,
		);
		const statements = planDrop(collection, planner);
		const now = deps.clock().toISOString();
		await applySchemaChange(db, {
			checks: [],
			statements,
			foreignKeysOff: false,
			table: name,
			record: async (trx) => {
				await store.remove(trx, collection.id);
				await store.recordHistory(
					trx,
					history("delete", collection, null, statements, actor, now),
				);
				await alsoInTransaction?.(trx, collection);
			},
		});
		registry.remove(name);
		await deps.schemaChanged?.();
	}

	/** Other collections whose relation fields follow a renamed collection. */
	function retarget(oldName: string, newName: string): Collection[] {
		if (oldName === newName) return [];
		return registry
			.list()
			.filter(
				(c) =>
					c.name !== oldName &&
					c.fields.some(
						(f) => f.type === "relation" && f.collection === oldName,
					),
			)
			.map((c) => ({ ...c, fields: followRename(c.fields, oldName, newName) }));
	}

	function history(
		action: HistoryEntry["action"],
		before: CollectionDefinition | null,
		after: CollectionDefinition | null,
		statements: { sql: string }[],
		actor: string | null,
		created: string,
	): HistoryEntry {
		const subject = (after ?? before) as CollectionDefinition;
		return {
			id: deps.newId(),
			collectionId: subject.id,
			collectionName: subject.name,
			action,
			before: before && definitionOf(before),
			after: after && definitionOf(after),
			statements: statements.map((s) => s.sql),
			actor,
			created,
		};
	}

	return {
		create,
		update,
		remove,
		list: () => registry.list(),
		get: (name: string) => registry.get(name),
		history: async (name: string) =>
			store.listHistory(db.kysely, registry.get(name).id),
		load: async () => registry.replaceAll(await store.loadAll(db.kysely)),
	};
}

/** Points relation fields at a collection's new name. */
function followRename(
	fields: Field[],
	oldName: string,
	newName: string,
): Field[] {
	if (oldName === newName) return fields;
	return fields.map((f) =>
		f.type === "relation" && f.collection === oldName
			? { ...f, collection: newName }
			: f,
	);
}
