import { open, readlink, stat } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { SqliteDriver } from "../../src/core/db/sqlite-driver.js";
import type { TestApp } from "./test-app.js";

/*
 * What the database itself was sent, as opposed to what the App meant to send: every
 * SQL text and every bound parameter, read below Basalt. On SQLite the driver's
 * `prepare` and its statements' `run`/`get`/`all`/`iterate` are wrapped in this
 * process; on PostgreSQL the server logs every statement (`log_statement = all` on
 * the suite's database, see TestAppOptions.postgresSettings) with its parameters on
 * `DETAIL:  parameters:` lines, and the log is read back.
 */

/** SQL texts and parameter values the database received since the log began. */
export interface Statements {
	/** SQL texts, with placeholders. */
	texts: string[];
	/** Bound values, each as text (PostgreSQL: the whole `parameters:` line). */
	parameters: string[];
}

/** A running capture of the statements one App sends its database. */
export interface StatementLog {
	/** Everything received since the last `read` (or since the capture began). */
	read(): Promise<Statements>;
	stop(): void;
}

/** Starts capturing the statements of the App's database. */
export async function captureStatements(t: TestApp): Promise<StatementLog> {
	return t.dialect === "sqlite"
		? captureSqlite()
		: capturePostgres(postgresUrlOf(t));
}

function postgresUrlOf(t: TestApp): string {
	const target = t.app.config.db.target;
	if (target.kind !== "postgres") throw new Error("not a PostgreSQL App");
	return target.url;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Wraps methods of a prototype; returns what puts them back. */
function wrap(
	proto: Record<string, unknown>,
	names: string[],
	before: (name: string, self: unknown, args: unknown[]) => void,
): () => void {
	const originals = names.map((name) => [name, proto[name] as Method] as const);
	for (const [name, original] of originals) {
		proto[name] = function wrapped(this: unknown, ...args: unknown[]) {
			before(name, this, args);
			return original.apply(this, args);
		};
	}
	return () => {
		for (const [name, original] of originals) proto[name] = original;
	};
}

function captureSqlite(): StatementLog {
	let texts = new Set<string>();
	let parameters: string[] = [];
	const database = SqliteDriver.prototype as unknown as Record<string, unknown>;
	const probe = new SqliteDriver(":memory:");
	const statement = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<
		string,
		unknown
	>;
	probe.close();
	const restoreDatabase = wrap(
		database,
		["prepare", "exec"],
		(_n, _s, args) => {
			texts.add(String(args[0]));
		},
	);
	const restoreStatement = wrap(
		statement,
		["run", "get", "all", "iterate"],
		(_n, self, args) => {
			texts.add(String((self as { source: string }).source));
			for (const value of args.flat())
				parameters.push(
					Buffer.isBuffer(value) ? value.toString("latin1") : String(value),
				);
		},
	);
	return {
		async read() {
			const out = { texts: [...texts], parameters };
			texts = new Set();
			parameters = [];
			return out;
		},
		stop() {
			restoreDatabase();
			restoreStatement();
		},
	};
}

/**
 * Finds the PostgreSQL server's log: a backend's standard error is the file pg_ctl
 * writes to (`-l`), which /proc shows on Linux; else `server.log` beside the data
 * directory, where test/helpers/postgres-server.ts puts it.
 */
async function logFileOf(url: string): Promise<string> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		const { rows } = await client.query<{ pid: number; dir: string }>(
			"SELECT pg_backend_pid() AS pid, current_setting('data_directory') AS dir",
		);
		const { pid, dir } = rows[0] as { pid: number; dir: string };
		try {
			return await readlink(`/proc/${pid}/fd/2`);
		} catch {
			return path.join(path.dirname(dir), "server.log");
		}
	} finally {
		await client.end();
	}
}

// A log line begins with the default prefix, `%m [%p] `; continuation lines begin
// with a tab.
const ENTRY =
	/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] (\w+): {2}(.*)$/;

/** Splits log text into entries (a line and its tab-indented continuations). */
function entriesOf(text: string): { level: string; message: string }[] {
	const entries: { level: string; message: string }[] = [];
	for (const line of text.split("\n")) {
		const match = ENTRY.exec(line);
		if (match)
			entries.push({ level: match[1] as string, message: match[2] as string });
		else if (entries.length > 0)
			(entries.at(-1) as { message: string }).message += `\n${line}`;
	}
	return entries;
}

async function capturePostgres(url: string): Promise<StatementLog> {
	const file = await logFileOf(url);
	let offset = (await stat(file)).size;
	return {
		async read() {
			const handle = await open(file, "r");
			try {
				const { size } = await handle.stat();
				const buffer = Buffer.alloc(size - offset);
				await handle.read(buffer, 0, buffer.length, offset);
				offset = size;
				const out: Statements = { texts: [], parameters: [] };
				for (const { level, message } of entriesOf(buffer.toString("utf8"))) {
					if (level !== "LOG" && level !== "DETAIL" && level !== "STATEMENT")
						continue;
					if (level === "DETAIL" && message.startsWith("parameters: "))
						out.parameters.push(message);
					else if (level === "STATEMENT") out.texts.push(message);
					else {
						const sql = /^(?:statement|execute [^:]*): ([\s\S]*)$/.exec(
							message,
						);
						if (sql) out.texts.push(sql[1] as string);
					}
				}
				return out;
			} finally {
				await handle.close();
			}
		},
		stop() {},
	};
}
