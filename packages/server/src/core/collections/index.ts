export {
	type CollectionInput,
	collectionInputSchema,
	type FieldInput,
} from "./collection-input.js";
export { CollectionRegistry } from "./collection-registry.js";
export {
	createCollectionStore,
	definitionOf,
	type HistoryEntry,
} from "./collection-store.js";
export {
	type AlsoInTransaction,
	type CollectionsService,
	createCollectionsService,
} from "./collections-service.js";
export {
	type MigrationPlan,
	planCreate,
	planMigration,
} from "./ddl-planner.js";
export { columnShape } from "./field-storage.js";
export { normalizeCollection } from "./normalize-collection.js";
export {
	createSchemaSync,
	type SchemaSync,
	type SchemaSyncDeps,
} from "./schema-sync.js";
