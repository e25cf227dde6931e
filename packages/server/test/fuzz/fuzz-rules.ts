/*
 * The fuzz fixture's collections and their rules (list, view, create, update,
 * delete), each beside a reference evaluator written straight from docs/filters.md:
 * a field compared with a guest's `@request.auth.id` ("") never matches, an order
 * comparison with an empty value is false, `?=` holds when some element of a list
 * matches, a relation path reads the related record whatever its own rules say, and
 * `@collection.<c>.<f>` sees every record of `c`. The evaluators read rows straight
 * from the tables (row-reader.ts), so they share nothing with the compiler they check
 * but the data.
 */

/** A row as the table holds it (bools as 0/1 on SQLite, lists as JSON text or jsonb). */
export type Row = Record<string, unknown>;

/** What a rule may read besides the record: the caller and other records. */
export interface RuleContext {
	/** `@request.auth.id`: "" for guests. */
	me: string;
	/** The caller's `users` row; undefined for guests. */
	auth: Row | undefined;
	/** A row of a collection by id, undefined when there is none. */
	row(collection: string, id: unknown): Promise<Row | undefined>;
	/** Every row of a collection (for `@collection`). */
	rows(collection: string): Promise<Row[]>;
	/** Reads the rows of these ids in one query, for the `row` calls that follow. */
	prefetch(collection: string, ids: unknown[]): Promise<void>;
}

/**
 * A rule's source and the reference that says whether it lets a caller read or write
 * a row; `body` is the request's body (`@request.body`) for writes.
 */
export interface ModelRule {
	rule: string | null;
	allows(row: Row, c: RuleContext, body: Row): Promise<boolean> | boolean;
}

type RuleName = "list" | "view" | "create" | "update" | "delete";

/** A collection of the fixture: its definition and each rule's reference. */
export interface ModelCollection {
	definition: Record<string, unknown>;
	rules: Record<RuleName, ModelRule>;
}

/** The elements of a list column, whichever way the dialect returned it. */
export function listOf(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	if (typeof value === "string" && value.startsWith("["))
		return JSON.parse(value) as unknown[];
	return [];
}

/** A bool column as JS: SQLite stores 0/1. */
function isTrue(value: unknown): boolean {
	return value === true || value === 1;
}

/** `a >= b` for number columns: false when either side is empty. */
function atLeast(a: unknown, b: unknown): boolean {
	return typeof a === "number" && typeof b === "number" && a >= b;
}

/** `field = @request.auth.id`: never true for guests. */
function isMe(value: unknown, c: RuleContext): boolean {
	return c.me !== "" && value === c.me;
}

const isAdmin = (c: RuleContext) => c.auth?.role === "admin";

/** `@request.body.<field> = ""`: the member is absent, null or "". */
const isEmptyIn = (body: Row, field: string) =>
	body[field] === undefined || body[field] === null || body[field] === "";

const PUBLIC: ModelRule = { rule: "", allows: () => true };
const SUPERUSERS_ONLY: ModelRule = { rule: null, allows: () => false };
const SIGNED_IN: ModelRule = {
	rule: '@request.auth.id != ""',
	allows: (_r, c) => c.me !== "",
};
const ADMINS: ModelRule = {
	rule: '@request.auth.role = "admin"',
	allows: (_r, c) => isAdmin(c),
};
/** `<field> = @request.auth.id`. */
const mine = (field: string): ModelRule => ({
	rule: `${field} = @request.auth.id`,
	allows: (r, c) => isMe(r[field], c),
});

const usersRead: ModelRule = {
	rule: 'id = @request.auth.id || @request.auth.role = "admin"',
	allows: (r, c) => isMe(r.id, c) || isAdmin(c),
};

const teamsRead: ModelRule = {
	rule: 'members ?= @request.auth.id || @request.auth.role = "admin"',
	allows: (r, c) => listOf(r.members).some((m) => isMe(m, c)) || isAdmin(c),
};

async function inPostsTeam(r: Row, c: RuleContext): Promise<boolean> {
	const team = await c.row("teams", r.team);
	return team !== undefined && listOf(team.members).some((m) => isMe(m, c));
}

const postsList: ModelRule = {
	rule: 'status = "published" || owner = @request.auth.id || team.members ?= @request.auth.id',
	allows: async (r, c) =>
		r.status === "published" || isMe(r.owner, c) || (await inPostsTeam(r, c)),
};

const postsView: ModelRule = {
	rule: `${postsList.rule} || @request.auth.role = "admin"`,
	allows: async (r, c, b) => isAdmin(c) || (await postsList.allows(r, c, b)),
};

const commentsRead: ModelRule = {
	rule: 'post.status = "published" || author = @request.auth.id || post.owner = @request.auth.id',
	allows: async (r, c) => {
		if (isMe(r.author, c)) return true;
		const post = await c.row("posts", r.post);
		return (
			post !== undefined && (post.status === "published" || isMe(post.owner, c))
		);
	},
};

const notesRead: ModelRule = {
	rule: "owner = @request.auth.id || (shared = true && @request.auth.clearance >= level)",
	allows: (r, c) =>
		isMe(r.owner, c) ||
		(isTrue(r.shared) && atLeast(c.auth?.clearance, r.level)),
};

const membershipsRead: ModelRule = {
	rule: "user = @request.auth.id",
	allows: (r, c) => isMe(r.user, c),
};

const projectsRead: ModelRule = {
	rule: "@collection.memberships.user ?= @request.auth.id",
	allows: async (_r, c) =>
		(await c.rows("memberships")).some((m) => isMe(m.user, c)),
};

/** A collection whose list and view rules are the same. */
function readBy(
	read: ModelRule,
	definition: Record<string, unknown>,
	writes: Record<"create" | "update" | "delete", ModelRule>,
): ModelCollection {
	return withRules(definition, { list: read, view: read, ...writes });
}

function withRules(
	definition: Record<string, unknown>,
	rules: Record<RuleName, ModelRule>,
): ModelCollection {
	const sources = Object.fromEntries(
		Object.entries(rules).map(([name, r]) => [name, r.rule]),
	);
	return { definition: { ...definition, rules: sources }, rules };
}

const closed = {
	create: SUPERUSERS_ONLY,
	update: SUPERUSERS_ONLY,
	delete: SUPERUSERS_ONLY,
};

/**
 * The fixture: users (the default auth collection, extended), teams, posts (cached,
 * with a hidden field), comments (rules through a relation), notes (a rule on a
 * hidden auth field, an encrypted field), memberships and projects (`@collection`),
 * announcements (public, cached) and vault (superusers only).
 */
export const MODEL: Readonly<Record<string, ModelCollection>> = {
	users: readBy(
		usersRead,
		{
			fields: [
				{ name: "name", type: "text", max: 255 },
				{
					name: "role",
					type: "select",
					values: ["member", "editor", "admin"],
					readonly: true,
				},
				{ name: "clearance", type: "number", integer: true, hidden: true },
			],
		},
		{
			create: {
				rule: '@request.body.role = "" && @request.body.clearance = ""',
				allows: (_r, _c, b) =>
					isEmptyIn(b, "role") && isEmptyIn(b, "clearance"),
			},
			update: {
				rule: 'id = @request.auth.id && @request.body.clearance = ""',
				allows: (r, c, b) => isMe(r.id, c) && isEmptyIn(b, "clearance"),
			},
			delete: mine("id"),
		},
	),
	teams: readBy(
		teamsRead,
		{
			fields: [
				{ name: "name", type: "text", required: true, max: 100 },
				{
					name: "members",
					type: "relation",
					collection: "users",
					maxSelect: 10,
				},
			],
		},
		{
			create: ADMINS,
			update: {
				rule: "members ?= @request.auth.id",
				allows: (r, c) => listOf(r.members).some((m) => isMe(m, c)),
			},
			delete: SUPERUSERS_ONLY,
		},
	),
	posts: withRules(
		{
			fields: [
				{ name: "title", type: "text", required: true, max: 200 },
				{ name: "body", type: "html", max: 5000 },
				{
					name: "status",
					type: "select",
					values: ["draft", "published", "archived"],
				},
				{
					name: "owner",
					type: "relation",
					collection: "users",
					readonly: true,
				},
				{ name: "team", type: "relation", collection: "teams" },
				{
					name: "tags",
					type: "select",
					values: ["a", "b", "news", "x y"],
					maxSelect: 4,
				},
				{ name: "views", type: "number", integer: true, min: 0 },
				{ name: "meta", type: "json" },
				{ name: "secret", type: "text", hidden: true },
				{ name: "due", type: "date" },
				{ name: "cover", type: "url" },
				{ name: "slug", type: "text", max: 80 },
			],
			indexes: [{ fields: ["slug"], unique: true }, { fields: ["status"] }],
			cache: { mode: "on", ttlSeconds: 60 },
		},
		{
			list: postsList,
			view: postsView,
			create: {
				rule: '@request.auth.id != "" && owner = @request.auth.id',
				allows: (r, c) => isMe(r.owner, c),
			},
			update: mine("owner"),
			delete: {
				rule: 'owner = @request.auth.id && status = "draft"',
				allows: (r, c) => isMe(r.owner, c) && r.status === "draft",
			},
		},
	),
	comments: readBy(
		commentsRead,
		{
			fields: [
				{
					name: "post",
					type: "relation",
					collection: "posts",
					required: true,
					cascadeDelete: true,
				},
				{ name: "author", type: "relation", collection: "users" },
				{ name: "text", type: "text", max: 1000 },
				{ name: "votes", type: "number" },
			],
		},
		{
			create: {
				rule: '@request.auth.id != "" && author = @request.auth.id',
				allows: (r, c) => isMe(r.author, c),
			},
			update: mine("author"),
			delete: mine("author"),
		},
	),
	notes: readBy(
		notesRead,
		{
			fields: [
				{ name: "owner", type: "relation", collection: "users" },
				{ name: "text", type: "text" },
				{ name: "shared", type: "bool" },
				{ name: "level", type: "number" },
				{ name: "pin", type: "encrypted", searchable: true, max: 64 },
			],
		},
		{ create: SIGNED_IN, update: mine("owner"), delete: mine("owner") },
	),
	memberships: readBy(
		membershipsRead,
		{
			fields: [
				{
					name: "user",
					type: "relation",
					collection: "users",
					required: true,
				},
				{ name: "team", type: "relation", collection: "teams" },
			],
		},
		closed,
	),
	projects: readBy(
		projectsRead,
		{
			fields: [
				{ name: "name", type: "text", required: true },
				{ name: "team", type: "relation", collection: "teams" },
				{ name: "budget", type: "number" },
			],
		},
		{ create: ADMINS, update: ADMINS, delete: SUPERUSERS_ONLY },
	),
	announcements: readBy(
		PUBLIC,
		{
			fields: [
				{ name: "title", type: "text", required: true },
				{ name: "body", type: "text" },
				{ name: "pinned", type: "bool" },
			],
			cache: { mode: "auto" },
		},
		closed,
	),
	vault: readBy(
		SUPERUSERS_ONLY,
		{ fields: [{ name: "secret", type: "text" }] },
		closed,
	),
};

/** The model of a fixture collection; undefined for any other name (`toString` too). */
export function modelOf(name: string): ModelCollection | undefined {
	return Object.hasOwn(MODEL, name) ? MODEL[name] : undefined;
}

/** The fixture's collections in the order they are created (targets first). */
export const FIXTURE_COLLECTIONS = Object.keys(MODEL);
