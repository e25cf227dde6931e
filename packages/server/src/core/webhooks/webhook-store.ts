import { sql } from "kysely";
import type { Database, Executor } from "../db/index.js";
import type { Webhook } from "./webhook-types.js";

/** A `_webhooks` row as read: the webhook and its sealed secret. */
export interface StoredWebhook {
	webhook: Webhook;
	sealedSecret: string;
}

/** The columns a create writes. */
export interface NewWebhookRow {
	id: string;
	url: string;
	events: string[];
	sealedSecret: string;
	active: boolean;
	includeEncrypted: boolean;
	now: string;
}

/** The columns a PATCH may change. */
export interface WebhookChanges {
	url?: string;
	events?: string[];
	sealedSecret?: string;
	active?: boolean;
	includeEncrypted?: boolean;
	consecutiveFailures?: number;
	pausedReason?: string | null;
}

/** An active webhook as the change sink needs it. */
export interface ActiveWebhook {
	id: string;
	events: string[];
	includeEncrypted: boolean;
}

/**
 * Reads and writes `_webhooks`. Booleans, JSON and timestamps go through the
 * dialect, so both databases give the same values back.
 */
export function createWebhookStore(db: Database) {
	const { dialect } = db;
	const bool = (value: boolean) => dialect.encode("boolean", value);

	function fromRow(row: Record<string, unknown>): StoredWebhook {
		return {
			sealedSecret: row.secret as string,
			webhook: {
				id: row.id as string,
				url: row.url as string,
				events: dialect.decode("json", row.events) as string[],
				active: dialect.decode("boolean", row.active) as boolean,
				includeEncrypted: dialect.decode(
					"boolean",
					row.include_encrypted,
				) as boolean,
				consecutiveFailures: Number(row.consecutive_failures),
				pausedReason: (row.paused_reason as string | null) ?? null,
				created: dialect.decode("timestamp", row.created) as string,
				updated: dialect.decode("timestamp", row.updated) as string,
			},
		};
	}

	function activeOf(row: Record<string, unknown>): ActiveWebhook {
		return {
			id: row.id as string,
			events: dialect.decode("json", row.events) as string[],
			includeEncrypted: dialect.decode(
				"boolean",
				row.include_encrypted,
			) as boolean,
		};
	}

	function toColumns(changes: WebhookChanges): Record<string, unknown> {
		const columns: Record<string, unknown> = {};
		if (changes.url !== undefined) columns.url = changes.url;
		if (changes.events !== undefined)
			columns.events = dialect.encode("json", changes.events);
		if (changes.sealedSecret !== undefined)
			columns.secret = changes.sealedSecret;
		if (changes.active !== undefined) columns.active = bool(changes.active);
		if (changes.includeEncrypted !== undefined)
			columns.include_encrypted = bool(changes.includeEncrypted);
		if (changes.consecutiveFailures !== undefined)
			columns.consecutive_failures = changes.consecutiveFailures;
		if (changes.pausedReason !== undefined)
			columns.paused_reason = changes.pausedReason;
		return columns;
	}

	return {
		/** Inserts a new webhook. */
		async insert(row: NewWebhookRow): Promise<StoredWebhook> {
			const inserted = await db.kysely
				.insertInto("_webhooks")
				.values({
					id: row.id,
					url: row.url,
					events: dialect.encode("json", row.events),
					secret: row.sealedSecret,
					active: bool(row.active),
					include_encrypted: bool(row.includeEncrypted),
					consecutive_failures: 0,
					paused_reason: null,
					created: row.now,
					updated: row.now,
				})
				.returningAll()
				.executeTakeFirstOrThrow();
			return fromRow(inserted);
		},

		/** Reads one webhook; undefined when there is none with this id. */
		async find(
			id: string,
			executor: Executor = db.kysely,
		): Promise<StoredWebhook | undefined> {
			const row = await executor
				.selectFrom("_webhooks")
				.selectAll()
				.where("id", "=", id)
				.executeTakeFirst();
			return row ? fromRow(row) : undefined;
		},

		/** Every webhook, oldest first. */
		async list(): Promise<Webhook[]> {
			const rows = await db.kysely
				.selectFrom("_webhooks")
				.selectAll()
				.orderBy("created")
				.orderBy("id")
				.execute();
			return rows.map((row) => fromRow(row).webhook);
		},

		/** The active webhooks with their patterns, for the change sink's cache. */
		async listActive(): Promise<ActiveWebhook[]> {
			const rows = await db.kysely
				.selectFrom("_webhooks")
				.select(["id", "events", "include_encrypted"])
				.where("active", "=", bool(true))
				.execute();
			return rows.map(activeOf);
		},

		/**
		 * Re-reads the given webhooks in `trx`: those still active, with their current
		 * events. On PostgreSQL the rows are share-locked on their key, so a webhook
		 * deleted by another transaction cannot vanish before the caller's deliveries
		 * refer to it.
		 */
		async findActive(trx: Executor, ids: string[]): Promise<ActiveWebhook[]> {
			if (ids.length === 0) return [];
			let query = trx
				.selectFrom("_webhooks")
				.select(["id", "events", "include_encrypted"])
				.where("id", "in", ids)
				.where("active", "=", bool(true));
			if (dialect.supportsRowLocks) query = query.forKeyShare();
			const rows = await query.execute();
			return rows.map(activeOf);
		},

		/** Changes a webhook; undefined when it does not exist. */
		async update(
			id: string,
			changes: WebhookChanges,
			now: string,
		): Promise<StoredWebhook | undefined> {
			const row = await db.kysely
				.updateTable("_webhooks")
				.set({ ...toColumns(changes), updated: now })
				.where("id", "=", id)
				.returningAll()
				.executeTakeFirst();
			return row ? fromRow(row) : undefined;
		},

		/** Deletes a webhook and (by the foreign key) its deliveries; false if there was none. */
		async remove(id: string): Promise<boolean> {
			const result = await db.kysely
				.deleteFrom("_webhooks")
				.where("id", "=", id)
				.executeTakeFirst();
			return Number(result.numDeletedRows) > 0;
		},

		/** Clears the failure count after a delivery succeeded. */
		async resetFailures(id: string): Promise<void> {
			await db.kysely
				.updateTable("_webhooks")
				.set({ consecutive_failures: 0 })
				.where("id", "=", id)
				.where("consecutive_failures", "<>", 0)
				.execute();
		},

		/**
		 * Counts one more delivery that failed for good and, once the count reaches
		 * `pauseAfter`, deactivates the webhook with `reason`. The pause is one
		 * conditional statement, so of concurrent failures exactly one pauses it; tells
		 * whether this call did.
		 */
		async recordFailure(
			id: string,
			pauseAfter: number,
			reason: string,
			now: string,
		): Promise<boolean> {
			await db.kysely
				.updateTable("_webhooks")
				.set({ consecutive_failures: sql`consecutive_failures + 1` })
				.where("id", "=", id)
				.execute();
			const paused = await db.kysely
				.updateTable("_webhooks")
				.set({ active: bool(false), paused_reason: reason, updated: now })
				.where("id", "=", id)
				.where("active", "=", bool(true))
				.where("consecutive_failures", ">=", pauseAfter)
				.executeTakeFirst();
			return Number(paused.numUpdatedRows) > 0;
		},
	};
}

/** The webhooks table's reader and writer. */
export type WebhookStore = ReturnType<typeof createWebhookStore>;
