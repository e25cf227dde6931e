import { sql } from "kysely";
import type { Database } from "../../src/core/db/index.js";
import type { Row, RuleContext } from "./fuzz-rules.js";

/** A record id: a lower-case UUID (docs/api.md#records). */
const RECORD_ID =
	/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Rule contexts over the live tables: rows are read straight from the database
 * (never through the API), memoized for one check, as one answer is checked at a
 * time and nothing writes meanwhile.
 */
export function createRowReader(db: Database) {
	return function readerFor(
		me: string,
	): RuleContext & { ready: Promise<void> } {
		const byId = new Map<string, Promise<Row | undefined>>();
		const all = new Map<string, Promise<Row[]>>();
		const row = (collection: string, id: unknown) => {
			if (typeof id !== "string" || !RECORD_ID.test(id))
				return Promise.resolve(undefined);
			const key = `${collection}/${id}`;
			let found = byId.get(key);
			if (!found) {
				found =
					sql<Row>`SELECT * FROM ${sql.table(collection)} WHERE id = ${id}`
						.execute(db.kysely)
						.then((r) => r.rows[0]);
				byId.set(key, found);
			}
			return found;
		};
		const rows = (collection: string) => {
			let found = all.get(collection);
			if (!found) {
				found = sql<Row>`SELECT * FROM ${sql.table(collection)}`
					.execute(db.kysely)
					.then((r) => r.rows);
				all.set(collection, found);
			}
			return found;
		};
		const prefetch = async (collection: string, ids: unknown[]) => {
			const wanted = [
				...new Set(
					ids.filter(
						(id): id is string =>
							typeof id === "string" &&
							RECORD_ID.test(id) &&
							!byId.has(`${collection}/${id}`),
					),
				),
			];
			if (wanted.length === 0) return;
			const found =
				sql<Row>`SELECT * FROM ${sql.table(collection)} WHERE id IN (${sql.join(wanted)})`
					.execute(db.kysely)
					.then((r) => new Map(r.rows.map((x) => [String(x.id), x])));
			for (const id of wanted)
				byId.set(
					`${collection}/${id}`,
					found.then((m) => m.get(id)),
				);
			await found;
		};
		const context: RuleContext & { ready: Promise<void> } = {
			me,
			auth: undefined,
			row,
			rows,
			prefetch,
			ready: row("users", me).then((auth) => {
				context.auth = auth;
			}),
		};
		return context;
	};
}
