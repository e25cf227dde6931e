import { CompiledQuery, sql } from "kysely";
import { randomToken } from "../../tools/crypto/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database, Executor } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";

/** A stored account row: the collection's columns, password hash and token key included. */
export type AccountRow = Record<string, unknown> & {
	id: string;
	email: string;
	password_hash: string;
	token_key: string;
};

/** The auth collection named `name`; 404 if none, NOT_AUTH_COLLECTION if it holds no accounts. */
export function authCollectionNamed(
	registry: CollectionRegistry,
	name: string,
): Collection {
	const collection = registry.get(name);
	if (collection.type !== "auth") {
		throw new AppError("NOT_AUTH_COLLECTION", {
			detail: `"${collection.name}" holds no accounts.`,
		});
	}
	return collection;
}

/** The auth collection with id `id`, if it still exists. */
export function authCollectionById(
	registry: CollectionRegistry,
	id: string,
): Collection | undefined {
	const collection = registry.findById(id);
	return collection?.type === "auth" ? collection : undefined;
}

/** Reads one account by id or (lower-cased) email, outside any transaction. */
export type AccountReader = (
	collection: Collection,
	column: "id" | "email",
	value: string,
) => Promise<AccountRow | undefined>;

/**
 * Creates an account reader that compiles each lookup statement once per table and
 * column: every signed-in request reads its account, and compiling the statement
 * each time cost as much as running it.
 */
export function createAccountReader(db: Database): AccountReader {
	const lookupSql = new Map<string, string>();
	return async (collection, column, value) => {
		const key = `${collection.name}\u0000${column}`;
		let text = lookupSql.get(key);
		if (text === undefined) {
			text =
				sql`SELECT * FROM ${sql.table(collection.name)} WHERE ${sql.ref(column)} = ${value}`.compile(
					db.kysely,
				).sql;
			lookupSql.set(key, text);
		}
		const rows = await db.read<AccountRow>(CompiledQuery.raw(text, [value]));
		return rows[0];
	};
}

/**
 * Gives an account a new token key: every access token, refresh token and API key
 * issued under the old one stops working (sign out everywhere).
 */
export async function rotateTokenKey(
	db: Executor,
	collection: Collection,
	id: string,
): Promise<void> {
	await sql`UPDATE ${sql.table(collection.name)} SET token_key = ${randomToken()} WHERE id = ${id}`.execute(
		db,
	);
}
