import { sql } from "kysely";
import {
	type Database,
	type Executor,
	NEWEST_FIRST,
	selectPage,
} from "../db/index.js";
import type {
	DeliveryFilter,
	DeliveryPayload,
	DeliveryStatus,
	WebhookDelivery,
} from "./webhook-types.js";

/** The columns of a new delivery. */
export interface NewDeliveryRow {
	id: string;
	webhookId: string;
	event: string;
	payload: DeliveryPayload;
	jobId: string;
	created: string;
}

/** What one attempt leaves on its delivery. */
export interface AttemptRecord {
	status: DeliveryStatus;
	responseStatus: number | null;
	latencyMs: number | null;
	error: string | null;
	delivered: string | null;
}

/** Reads and writes `_webhook_deliveries`. */
export function createDeliveryStore(db: Database) {
	const { dialect } = db;

	function fromRow(row: Record<string, unknown>): WebhookDelivery {
		const nullableNumber = (value: unknown) =>
			value === null || value === undefined ? null : Number(value);
		return {
			id: row.id as string,
			webhookId: row.webhook_id as string,
			event: row.event as string,
			payload: dialect.decode("json", row.payload) as DeliveryPayload,
			status: row.status as DeliveryStatus,
			attempts: Number(row.attempts),
			responseStatus: nullableNumber(row.response_status),
			latencyMs: nullableNumber(row.latency_ms),
			error: (row.error as string | null) ?? null,
			jobId: (row.job_id as string | null) ?? null,
			created: dialect.decode("timestamp", row.created) as string,
			delivered:
				(dialect.decode("timestamp", row.delivered) as string | null) ?? null,
		};
	}

	return {
		/** Inserts pending deliveries in `executor` (the write's transaction, for the outbox). */
		async insert(executor: Executor, rows: NewDeliveryRow[]): Promise<void> {
			if (rows.length === 0) return;
			await executor
				.insertInto("_webhook_deliveries")
				.values(
					rows.map((row) => ({
						id: row.id,
						webhook_id: row.webhookId,
						event: row.event,
						payload: dialect.encode("json", row.payload),
						status: "pending",
						attempts: 0,
						response_status: null,
						latency_ms: null,
						error: null,
						job_id: row.jobId,
						created: row.created,
						delivered: null,
					})),
				)
				.execute();
		},

		/** Reads one delivery; undefined when there is none. */
		async find(id: string): Promise<WebhookDelivery | undefined> {
			const row = await db.kysely
				.selectFrom("_webhook_deliveries")
				.selectAll()
				.where("id", "=", id)
				.executeTakeFirst();
			return row ? fromRow(row) : undefined;
		},

		/** One webhook's deliveries, newest first, with the number that match. */
		async list(
			webhookId: string,
			filter: DeliveryFilter,
		): Promise<{ items: WebhookDelivery[]; totalItems: number }> {
			let query = db.kysely
				.selectFrom("_webhook_deliveries")
				.where("webhook_id", "=", webhookId);
			if (filter.status !== undefined)
				query = query.where("status", "=", filter.status);
			const { rows, totalItems } = await selectPage(
				query,
				NEWEST_FIRST,
				filter,
			);
			return { items: rows.map(fromRow), totalItems };
		},

		/** Counts an attempt and stores its outcome. */
		async recordAttempt(id: string, outcome: AttemptRecord): Promise<void> {
			await db.kysely
				.updateTable("_webhook_deliveries")
				.set({
					attempts: sql`attempts + 1`,
					status: outcome.status,
					response_status: outcome.responseStatus,
					latency_ms: outcome.latencyMs,
					error: outcome.error,
					delivered: outcome.delivered,
				})
				.where("id", "=", id)
				.execute();
		},

		/** Deletes finished deliveries created before `before`; returns how many. */
		async purgeFinished(before: string): Promise<number> {
			const result = await db.kysely
				.deleteFrom("_webhook_deliveries")
				.where("status", "in", ["succeeded", "failed"])
				.where("created", "<", before)
				.executeTakeFirst();
			return Number(result.numDeletedRows);
		},

		/** Gives a delivery up without an attempt (its webhook was deactivated). */
		async markFailed(id: string, error: string): Promise<void> {
			await db.kysely
				.updateTable("_webhook_deliveries")
				.set({ status: "failed", error })
				.where("id", "=", id)
				.execute();
		},
	};
}

/** The deliveries table's reader and writer. */
export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
