import { describe, expect, it } from "vitest";
import { planCreate, planMigration } from "../../src/core/collections/index.js";
import type {
	CollectionDefinition,
	Field,
} from "../../src/core/model/index.js";
import {
	both,
	change,
	FK,
	postgres,
	posts,
	sqlite,
	sqls,
} from "../helpers/planner-fixtures.js";

describe("planCreate", () => {
	it("creates typed columns, a named foreign key and the indexes on SQLite", () => {
		expect(sqls(planCreate(posts, sqlite))).toEqual([
			`create table "posts" ("id" text not null primary key, "created" TEXT not null, "updated" TEXT not null, "title" TEXT, "views" REAL, "tags" TEXT, "author" TEXT, constraint ${FK} foreign key ("author") references "users" ("id") on delete set null)`,
			'create unique index "posts_title_key" on "posts" ("title")',
			'create index "posts_views_idx" on "posts" ("views", "id")',
		]);
	});

	it("creates PostgreSQL types: timestamptz, double precision, jsonb lists", () => {
		const def = change({ f_tags: { maxSelect: 2 } }, { indexes: [] });
		expect(sqls(planCreate(def, postgres))).toEqual([
			`create table "posts" ("id" text not null primary key, "created" timestamptz(3) not null, "updated" timestamptz(3) not null, "title" text, "views" double precision, "tags" jsonb, "author" text, constraint ${FK} foreign key ("author") references "users" ("id") on delete set null)`,
		]);
	});

	it("points a self relation's foreign key at its own table", () => {
		const def = change({
			f_author: { collection: "posts", cascadeDelete: true },
		});
		const [create] = sqls(planCreate(def, sqlite));
		expect(create).toContain(
			`constraint ${FK} foreign key ("author") references "posts" ("id") on delete cascade`,
		);
	});
});

describe("planMigration", () => {
	it("renames a column in place on PostgreSQL; its index follows untouched", () => {
		const after = change(
			{ f_title: { name: "headline" } },
			{
				indexes: [
					{ name: "posts_title_key", fields: ["headline"], unique: true },
					posts.indexes[1] as CollectionDefinition["indexes"][number],
				],
			},
		);
		const plan = planMigration(posts, after, postgres);
		expect(plan.refusals).toEqual({});
		expect(plan.foreignKeysOff).toBe(false);
		expect(sqls(plan.statements)).toEqual([
			'alter table "posts" rename column "title" to "headline"',
		]);
	});

	it("renames and adds with ALTER TABLE on SQLite, without a rebuild", () => {
		const after = change(
			{ f_title: { name: "headline" } },
			{
				indexes: [
					{ name: "posts_title_key", fields: ["headline"], unique: true },
					...posts.indexes.slice(1),
				],
			},
			[
				{
					id: "f_body",
					name: "body",
					type: "text",
					required: false,
					hidden: false,
					readonly: false,
				},
			],
		);
		const plan = planMigration(posts, after, sqlite);
		expect(plan.foreignKeysOff).toBe(false);
		expect(sqls(plan.statements)).toEqual([
			'alter table "posts" rename column "title" to "headline"',
			'alter table "posts" add column "body" TEXT',
		]);
	});

	it.each(both)(
		"swaps two names through temporary names on %s (regression)",
		(_, ctx) => {
			const after = change(
				{ f_title: { name: "views" }, f_views: { name: "title" } },
				{
					indexes: [],
				},
			);
			const renames = sqls(planMigration(posts, after, ctx).statements).filter(
				(s) => s.includes("rename column"),
			);
			expect(renames).toEqual([
				'alter table "posts" rename column "title" to "_old_f_title"',
				'alter table "posts" rename column "views" to "_old_f_views"',
				'alter table "posts" rename column "_old_f_title" to "views"',
				'alter table "posts" rename column "_old_f_views" to "title"',
			]);
		},
	);

	it("changes types on PostgreSQL with ALTER COLUMN ... TYPE ... USING", () => {
		const after = change({
			f_views: { type: "text" } as Partial<Field>,
			f_tags: { maxSelect: 2 },
		});
		const plan = planMigration(posts, after, postgres);
		expect(plan.checks).toEqual([]);
		expect(sqls(plan.statements)).toEqual([
			'ALTER TABLE "posts" ALTER COLUMN "views" TYPE text USING ("views")::text',
			`ALTER TABLE "posts" ALTER COLUMN "tags" TYPE jsonb USING CASE WHEN "tags" IS NULL OR "tags" = '' THEN NULL ELSE jsonb_build_array("tags") END`,
		]);
	});

	it.each(both)(
		"checks the data before a list becomes a single value on %s",
		(name, ctx) => {
			const list = change({ f_tags: { maxSelect: 3 } });
			const plan = planMigration(list, posts, ctx);
			expect(plan.refusals).toEqual({});
			expect(plan.checks).toHaveLength(1);
			const [check] = plan.checks;
			expect(check?.field).toBe("tags");
			expect(check?.query.sql).toMatch(
				name === "sqlite"
					? /^select 1 as "x" from "posts" where coalesce\(json_array_length\("tags"\), 0\) > 1 limit \?$/
					: /^select 1 as "x" from "posts" where \(CASE WHEN jsonb_typeof\("tags"\) = 'array' THEN jsonb_array_length\("tags"\) ELSE 0 END\) > 1 limit \$1$/,
			);
			expect(sqls(plan.statements).join("\n")).toContain(
				name === "sqlite"
					? `json_extract("tags", '$[0]')`
					: `TYPE text USING ("tags" ->> 0)`,
			);
		},
	);

	it("rebuilds the table on SQLite to drop a column", () => {
		const after = change(
			{ f_views: undefined },
			{ indexes: posts.indexes.slice(0, 1) },
		);
		const plan = planMigration(posts, after, sqlite);
		expect(plan.foreignKeysOff).toBe(true);
		expect(sqls(plan.statements)).toEqual([
			`create table "_new_posts" ("id" text not null primary key, "created" TEXT not null, "updated" TEXT not null, "title" TEXT, "tags" TEXT, "author" TEXT, constraint ${FK} foreign key ("author") references "users" ("id") on delete set null)`,
			'INSERT INTO "_new_posts" ("id", "created", "updated", "title", "tags", "author") SELECT "id", "created", "updated", "title", "tags", "author" FROM "posts"',
			'drop table "posts"',
			'alter table "_new_posts" rename to "posts"',
			'create unique index "posts_title_key" on "posts" ("title")',
		]);
	});

	it("drops a column and its index in place on PostgreSQL", () => {
		const after = change(
			{ f_views: undefined },
			{ indexes: posts.indexes.slice(0, 1) },
		);
		const plan = planMigration(posts, after, postgres);
		expect(plan.foreignKeysOff).toBe(false);
		expect(sqls(plan.statements)).toEqual([
			'drop index "posts_views_idx"',
			'alter table "posts" drop column "views"',
		]);
	});

	it("converts values in the rebuild's INSERT ... SELECT on SQLite", () => {
		const after = change(
			{
				f_views: { type: "text" } as Partial<Field>,
				f_title: { name: "headline" },
			},
			{
				indexes: [
					{ name: "posts_title_key", fields: ["headline"], unique: true },
				],
			},
		);
		const statements = sqls(planMigration(posts, after, sqlite).statements);
		expect(statements[0]).toContain('"headline" TEXT, "views" TEXT');
		expect(statements[1]).toBe(
			'INSERT INTO "_new_posts" ("id", "created", "updated", "headline", "views", "tags", "author") SELECT "id", "created", "updated", "title", CASE WHEN "views" = CAST("views" AS INTEGER) THEN CAST(CAST("views" AS INTEGER) AS TEXT) ELSE CAST("views" AS TEXT) END, "tags", "author" FROM "posts"',
		);
		// The rebuilt index covers the renamed column.
		expect(statements.slice(4)).toEqual([
			'create unique index "posts_title_key" on "posts" ("headline")',
		]);
	});

	it.each(both)(
		"adds, drops and changes indexes on %s without a rebuild",
		(_, ctx) => {
			const after = change(
				{},
				{
					indexes: [
						{ name: "posts_title_key", fields: ["title"], unique: false },
						{
							name: "posts_tags_author_idx",
							fields: ["tags", "author"],
							unique: false,
						},
					],
				},
			);
			const plan = planMigration(posts, after, ctx);
			expect(plan.foreignKeysOff).toBe(false);
			expect(sqls(plan.statements)).toEqual([
				'drop index "posts_title_key"',
				'drop index "posts_views_idx"',
				'create index "posts_title_key" on "posts" ("title", "id")',
				'create index "posts_tags_author_idx" on "posts" ("tags", "author", "id")',
			]);
		},
	);

	it("renames the table first, then works on the new name", () => {
		const after = change(
			{ f_views: undefined },
			{ name: "articles", indexes: [] },
		);
		const pg = sqls(planMigration(posts, after, postgres).statements);
		expect(pg).toEqual([
			'alter table "posts" rename to "articles"',
			'drop index "posts_title_key"',
			'drop index "posts_views_idx"',
			'alter table "articles" drop column "views"',
		]);
		const lite = sqls(planMigration(posts, after, sqlite).statements);
		expect(lite[0]).toBe('alter table "posts" rename to "articles"');
		expect(lite[1]).toMatch(/^create table "_new_articles"/);
		expect(lite[2]).toMatch(/FROM "articles"$/);
		expect(lite.slice(3)).toEqual([
			'drop table "articles"',
			'alter table "_new_articles" rename to "articles"',
		]);
	});

	it.each(both)(
		"lets a self relation follow its collection's rename on %s (regression)",
		(_, ctx) => {
			const nodes = change({ f_author: { collection: "posts" } });
			const renamed = {
				...change({ f_author: { collection: "tree" } }),
				name: "tree",
			};
			const plan = planMigration(nodes, renamed, ctx);
			expect(plan.refusals).toEqual({});
			expect(sqls(plan.statements)).toEqual([
				'alter table "posts" rename to "tree"',
			]);
		},
	);

	it("re-creates the named foreign key on PostgreSQL when cascadeDelete changes", () => {
		const after = change({ f_author: { cascadeDelete: true } });
		expect(sqls(planMigration(posts, after, postgres).statements)).toEqual([
			`ALTER TABLE "posts" DROP CONSTRAINT IF EXISTS ${FK}`,
			`ALTER TABLE "posts" ADD CONSTRAINT ${FK} FOREIGN KEY ("author") REFERENCES "users" (id) ON DELETE CASCADE`,
		]);
	});

	it("rebuilds on SQLite when cascadeDelete changes", () => {
		const after = change({ f_author: { cascadeDelete: true } });
		const plan = planMigration(posts, after, sqlite);
		expect(plan.foreignKeysOff).toBe(true);
		expect(plan.statements[0]?.sql).toContain(
			`constraint ${FK} foreign key ("author") references "users" ("id") on delete cascade`,
		);
	});

	it("names the foreign key of an added relation like planCreate does (regression)", () => {
		const owner: Field = {
			id: "f_owner",
			name: "owner",
			type: "relation",
			required: true,
			hidden: false,
			readonly: false,
			collection: "users",
			maxSelect: 1,
			cascadeDelete: false,
		};
		const after = change({}, {}, [owner]);
		expect(sqls(planMigration(posts, after, postgres).statements)).toEqual([
			'alter table "posts" add column "owner" text',
			'ALTER TABLE "posts" ADD CONSTRAINT "00000000abcd_f_owner_fkey" FOREIGN KEY ("owner") REFERENCES "users" (id) ON DELETE RESTRICT',
		]);
		// SQLite cannot add a constraint to a table: the column carries it inline.
		expect(sqls(planMigration(posts, after, sqlite).statements)).toEqual([
			'alter table "posts" add column "owner" TEXT references "users" ("id") on delete restrict',
		]);
	});
});
