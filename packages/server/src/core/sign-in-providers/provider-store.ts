import type { Database } from "../db/index.js";
import type { PresetName, StoredProvider } from "./provider-types.js";

/** The columns a create writes, or a PATCH changes (timestamps aside). */
export type ProviderColumns = Omit<StoredProvider, "created" | "updated">;

/**
 * Reads and writes `_oauth2_providers`. Booleans, JSON and timestamps go through the
 * dialect, so both databases give the same values back.
 */
export function createProviderStore(db: Database) {
	const { dialect } = db;
	const json = (value: unknown) =>
		value === null ? null : dialect.encode("json", value);
	const fromJson = <T>(value: unknown) =>
		value === null || value === undefined
			? null
			: (dialect.decode("json", value) as T);

	function fromRow(row: Record<string, unknown>): StoredProvider {
		const text = (value: unknown) => (value as string | null) ?? null;
		return {
			name: row.name as string,
			preset: text(row.preset) as PresetName | null,
			issuer: text(row.issuer),
			tenant: text(row.tenant),
			clientId: row.client_id as string,
			sealedSecret: row.client_secret as string,
			scopes: fromJson<string[]>(row.scopes),
			authorizationUrl: text(row.authorization_url),
			tokenUrl: text(row.token_url),
			userinfoUrl: text(row.userinfo_url),
			collectionIds: fromJson<string[]>(row.collection_ids),
			redirectUrls: fromJson<string[]>(row.redirect_urls) ?? [],
			active: dialect.decode("boolean", row.active) as boolean,
			created: dialect.decode("timestamp", row.created) as string,
			updated: dialect.decode("timestamp", row.updated) as string,
		};
	}

	function toRow(columns: ProviderColumns) {
		return {
			name: columns.name,
			preset: columns.preset,
			issuer: columns.issuer,
			tenant: columns.tenant,
			client_id: columns.clientId,
			client_secret: columns.sealedSecret,
			scopes: json(columns.scopes),
			authorization_url: columns.authorizationUrl,
			token_url: columns.tokenUrl,
			userinfo_url: columns.userinfoUrl,
			collection_ids: json(columns.collectionIds),
			redirect_urls: json(columns.redirectUrls),
			active: dialect.encode("boolean", columns.active),
		};
	}

	return {
		/** Inserts a provider; a taken name fails with the database's unique error. */
		async insert(
			columns: ProviderColumns,
			now: string,
		): Promise<StoredProvider> {
			const row = await db.kysely
				.insertInto("_oauth2_providers")
				.values({ ...toRow(columns), created: now, updated: now })
				.returningAll()
				.executeTakeFirstOrThrow();
			return fromRow(row);
		},

		/** Reads one provider; undefined when there is none with this name. */
		async find(name: string): Promise<StoredProvider | undefined> {
			const row = await db.kysely
				.selectFrom("_oauth2_providers")
				.selectAll()
				.where("name", "=", name)
				.executeTakeFirst();
			return row ? fromRow(row) : undefined;
		},

		/** Every provider, by name. */
		async list(): Promise<StoredProvider[]> {
			const rows = await db.kysely
				.selectFrom("_oauth2_providers")
				.selectAll()
				.orderBy("name")
				.execute();
			return rows.map(fromRow);
		},

		/** Replaces a provider's columns; undefined when it does not exist. */
		async update(
			columns: ProviderColumns,
			now: string,
		): Promise<StoredProvider | undefined> {
			const row = await db.kysely
				.updateTable("_oauth2_providers")
				.set({ ...toRow(columns), updated: now })
				.where("name", "=", columns.name)
				.returningAll()
				.executeTakeFirst();
			return row ? fromRow(row) : undefined;
		},

		/** Deletes a provider with (by foreign keys) its links and pending sign-ins. */
		async remove(name: string): Promise<boolean> {
			const result = await db.kysely
				.deleteFrom("_oauth2_providers")
				.where("name", "=", name)
				.executeTakeFirst();
			return Number(result.numDeletedRows) > 0;
		},
	};
}

/** The providers table's reader and writer. */
export type ProviderStore = ReturnType<typeof createProviderStore>;
