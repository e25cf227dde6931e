/**
 * SQL injection payloads for test/security/sql-injection.test.ts, after the OWASP
 * Testing Guide's "Testing for SQL Injection" (WSTG-INPV-05) and the PostgreSQL and
 * SQLite manuals: each would change a statement that pasted it in, so none may ever
 * appear in the text of a statement the database runs. Each payload carries a
 * marker (`bz…`) that occurs nowhere else, so a statement log can be searched for it
 * without matching Basalt's own SQL.
 */

/** A payload and the word that tells its traces apart in a statement log. */
export interface SqlPayload {
	/** What the payload goes after, for failure messages. */
	kind: string;
	text: string;
	/** A lower-case word unique to this payload. */
	marker: string;
}

const TEMPLATES: readonly { kind: string; text: (m: string) => string }[] = [
	// Breaking out of a string literal.
	{ kind: "quote OR", text: (m) => `${m}' OR '1'='1` },
	{ kind: "quote OR comment", text: (m) => `${m}' OR 1=1--` },
	{ kind: "double quote OR", text: (m) => `${m}" OR "1"="1` },
	{ kind: "closing paren", text: (m) => `${m}') OR ('a'='a` },
	{ kind: "admin comment", text: (m) => `admin_${m}'--` },
	{ kind: "hash comment", text: (m) => `${m}' #` },
	{ kind: "block comment", text: (m) => `${m}'/**/OR/**/1=1/*` },
	{ kind: "nested comment", text: (m) => `${m}/* /* */ */ OR 1=1` },
	// Union and stacked queries.
	{
		kind: "union select",
		text: (m) => `${m}' UNION SELECT email, password_hash FROM _superusers--`,
	},
	{
		kind: "union all nulls",
		text: (m) => `${m}' UNION ALL SELECT NULL,NULL,NULL,NULL--`,
	},
	{ kind: "stacked drop", text: (m) => `${m}'; DROP TABLE posts; --` },
	{
		kind: "stacked insert",
		text: (m) => `${m}'); INSERT INTO _superusers (email) VALUES ('x'); --`,
	},
	{ kind: "stacked update", text: (m) => `${m}; UPDATE users SET verified=1` },
	// Identifiers: what a name that is pasted into a statement would do.
	{ kind: "identifier quote", text: (m) => `${m}"; DROP TABLE posts; --` },
	{ kind: "identifier backtick", text: (m) => `${m}\`; DROP TABLE posts; --` },
	{ kind: "identifier bracket", text: (m) => `[${m}]; DROP TABLE posts` },
	{ kind: "table dot", text: (m) => `_superusers.${m}` },
	// Backslash and quote variants (MySQL-style escapes, doubled quotes).
	{ kind: "backslash quote", text: (m) => `${m}\\' OR 1=1--` },
	{ kind: "doubled quote", text: (m) => `${m}'' OR ''=''` },
	{ kind: "backslash backslash", text: (m) => `${m}\\\\'; --` },
	{ kind: "LIKE wildcards", text: (m) => `${m}%' OR '%'='` },
	// PostgreSQL.
	{ kind: "pg dollar quote", text: (m) => `${m}$$; DROP TABLE posts; $$` },
	{ kind: "pg tagged dollar", text: (m) => `${m}$x$ OR 1=1 $x$` },
	{ kind: "pg cast", text: (m) => `${m}'::text || '` },
	{ kind: "pg sleep", text: (m) => `${m}'; SELECT pg_sleep(10); --` },
	{
		kind: "pg sleep or",
		text: (m) => `${m}' OR (SELECT 1 FROM pg_sleep(10)) IS NULL--`,
	},
	{
		kind: "pg catalog",
		text: (m) => `${m}' UNION SELECT tablename FROM pg_catalog.pg_tables--`,
	},
	{ kind: "pg escape string", text: (m) => `${m}' || E'\\x27' || '` },
	{ kind: "pg copy", text: (m) => `${m}'; COPY posts TO '/tmp/x'; --` },
	{ kind: "pg positional", text: (m) => `${m} $1 $2 $999` },
	// SQLite.
	{
		kind: "sqlite master",
		text: (m) => `${m}' UNION SELECT sql FROM sqlite_master--`,
	},
	{
		kind: "sqlite randomblob",
		text: (m) => `${m}' AND randomblob(500000000)--`,
	},
	{
		kind: "sqlite attach",
		text: (m) => `${m}'; ATTACH DATABASE '/tmp/x.db' AS x; --`,
	},
	{
		kind: "sqlite load_extension",
		text: (m) => `${m}' || load_extension('x')`,
	},
	{ kind: "sqlite pragma", text: (m) => `${m}'; PRAGMA writable_schema=1; --` },
	{ kind: "sqlite named param", text: (m) => `${m} :p @p ?1 ?` },
	// Quotes that are not ASCII but that a normalizing layer could turn into one.
	{
		kind: "right single quote",
		text: (m) => `${m}\u2019 OR \u20191\u2019=\u20191`,
	},
	{ kind: "fullwidth quote", text: (m) => `${m}\uff07 OR 1=1--` },
	{ kind: "modifier apostrophe", text: (m) => `${m}\u02bc OR 1=1--` },
	{ kind: "prime", text: (m) => `${m}\u2032; DROP TABLE posts--` },
	// Encodings that a decoding layer could turn into a quote.
	{ kind: "percent quote", text: (m) => `${m}%27%20OR%201=1--` },
	{ kind: "NUL then quote", text: (m) => `${m}\u0000' OR 1=1--` },
	{ kind: "overlong quote", text: (m) => `${m}\u00c0\u00a7 OR 1=1` },
	{ kind: "newline comment", text: (m) => `${m}'--\nOR 1=1` },
];

/** The payload list: every template once, with its own marker. */
export const SQL_INJECTION_PAYLOADS: readonly SqlPayload[] = TEMPLATES.map(
	(t, i) => {
		const marker = `bz${String(i).padStart(2, "0")}q`;
		return { kind: t.kind, text: t.text(marker), marker };
	},
);

/**
 * Names that pass Basalt's name patterns (letters, digits, `_`) yet are SQL keywords,
 * system schemas or SQLite's implicit columns: a statement that used them unquoted
 * would break or reach something else. Collections and fields so named must work like
 * any other. (PostgreSQL's system columns, `ctid` and the like, are reserved field
 * names: test/api/regressions.test.ts.)
 */
export const SQL_KEYWORD_NAMES: readonly string[] = [
	"select",
	"from",
	"where",
	"order",
	"group",
	"union",
	"table",
	"default",
	"user",
	"current_user",
	"pg_catalog",
	"oid",
	"rowid",
	"limit",
	"offset",
	"having",
	"returning",
];
