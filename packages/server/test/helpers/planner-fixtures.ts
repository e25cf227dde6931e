import {
	type CompiledQuery,
	DummyDriver,
	Kysely,
	PostgresAdapter,
	PostgresIntrospector,
	PostgresQueryCompiler,
	SqliteAdapter,
	SqliteIntrospector,
	SqliteQueryCompiler,
} from "kysely";
import type { DatabaseSchema } from "../../src/core/db/index.js";
import { createPostgresDialect } from "../../src/core/db/postgres-dialect.js";
import { createSqliteDialect } from "../../src/core/db/sqlite-dialect.js";
import type {
	CollectionDefinition,
	Field,
} from "../../src/core/model/index.js";

/** A Kysely instance for SQLite that only compiles: the planner never runs a query. */
export const sqlite = {
	kysely: new Kysely<DatabaseSchema>({
		dialect: {
			createAdapter: () => new SqliteAdapter(),
			createDriver: () => new DummyDriver(),
			createIntrospector: (db) => new SqliteIntrospector(db),
			createQueryCompiler: () => new SqliteQueryCompiler(),
		},
	}),
	dialect: createSqliteDialect(),
};
/** The same for PostgreSQL. */
export const postgres = {
	kysely: new Kysely<DatabaseSchema>({
		dialect: {
			createAdapter: () => new PostgresAdapter(),
			createDriver: () => new DummyDriver(),
			createIntrospector: (db) => new PostgresIntrospector(db),
			createQueryCompiler: () => new PostgresQueryCompiler(),
		},
	}),
	dialect: createPostgresDialect(),
};
/** Both planner contexts, by dialect name, for it.each. */
export const both = [
	["sqlite", sqlite],
	["postgres", postgres],
] as const;

/** The foreign key name planCreate gives posts.author. */
export const FK = '"00000000abcd_f_author_fkey"';

/** A collection with a text, number, select and relation field and two indexes. */
export const posts: CollectionDefinition = {
	id: "0190f00d-0000-7000-8000-00000000abcd",
	name: "posts",
	type: "base",
	fields: [
		{
			id: "f_title",
			name: "title",
			type: "text",
			required: false,
			hidden: false,
			readonly: false,
		},
		{
			id: "f_views",
			name: "views",
			type: "number",
			required: false,
			hidden: false,
			readonly: false,
			integer: false,
		},
		{
			id: "f_tags",
			name: "tags",
			type: "select",
			required: false,
			hidden: false,
			readonly: false,
			values: ["a", "b"],
			maxSelect: 1,
		},
		{
			id: "f_author",
			name: "author",
			type: "relation",
			required: false,
			hidden: false,
			readonly: false,
			collection: "users",
			maxSelect: 1,
			cascadeDelete: false,
		},
	],
	indexes: [
		{ name: "posts_title_key", fields: ["title"], unique: true },
		{ name: "posts_views_idx", fields: ["views"], unique: false },
	],
	rules: { list: null, view: null, create: null, update: null, delete: null },
	cache: { mode: "off", ttlSeconds: 60 },
};

/** posts with some fields replaced (by id), dropped (mapped to undefined) or added. */
export function change(
	patch: Record<string, Partial<Field> | undefined>,
	extra: Partial<CollectionDefinition> = {},
	added: Field[] = [],
): CollectionDefinition {
	const fields = posts.fields.flatMap((f) => {
		if (!(f.id in patch)) return [f];
		const p = patch[f.id];
		return p === undefined ? [] : [{ ...f, ...p } as Field];
	});
	return { ...posts, fields: [...fields, ...added], ...extra };
}

/** The SQL text of each query. */
export const sqls = (queries: CompiledQuery[]) => queries.map((q) => q.sql);
