import type { IdGenerator } from "../../tools/ids/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database, Executor } from "../db/index.js";
import type { Caller } from "../model/index.js";

/** The security-relevant actions Basalt records. */
export type AuditAction =
	| "auth.login"
	| "auth.login_failed"
	| "auth.refresh_reused"
	| "auth.password_reset"
	| "auth.email_changed"
	| "auth.impersonate"
	| "auth.logout_everywhere"
	| "auth.oauth2_unlinked"
	| "superuser.login"
	| "superuser.login_failed"
	| "keys.rotated"
	| "keys.retired"
	| "auth.password_changed"
	| "api_key.created"
	| "api_key.revoked"
	| "oauth_client.created"
	| "oauth_client.updated"
	| "oauth_client.deleted"
	| "oauth_client.secret_rotated"
	| "webhook.created"
	| "webhook.updated"
	| "webhook.deleted"
	| "collection.created"
	| "collection.updated"
	| "collection.deleted"
	| "oauth2_provider.created"
	| "oauth2_provider.updated"
	| "oauth2_provider.deleted";

/** One entry: what happened, who did it, to what, from where. No secrets. */
export interface AuditEntry {
	action: AuditAction;
	/** Who acted (a Caller will do); omitted for Basalt itself (a detected token reuse). */
	actor?: { kind: Caller["kind"]; id?: string };
	collection?: string;
	recordId?: string;
	ip?: string;
	/** A few plain facts (an identity tried, a lifetime); never a password or token. */
	details?: Record<string, string | number | boolean>;
}

/** One audit row as stored. */
export interface AuditRow {
	id: string;
	created: string;
	action: string;
	actor_kind: string;
	actor_id: string | null;
	collection: string | null;
	record_id: string | null;
	ip: string | null;
	details: string | null;
}

/** The audit trail of security-relevant actions. */
export interface AuditLog {
	/** Deletes entries created before `cutoff`; returns how many (the retention purge). */
	purgeBefore(cutoff: Date): Promise<number>;
	/** Records an entry, inside `trx` when it must commit with a change. */
	record(entry: AuditEntry, trx?: Executor): Promise<void>;
}

/**
 * The audit trail: each entry is a row in `_audit_log` (the record that lasts, for
 * superusers to query) and a log line marked `audit: true` (for log shipping).
 */
export function createAuditLog(deps: {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
}): AuditLog {
	return {
		async purgeBefore(cutoff: Date): Promise<number> {
			const result = await deps.db.kysely
				.deleteFrom("_audit_log")
				.where("created", "<", cutoff.toISOString())
				.executeTakeFirst();
			return Number(result.numDeletedRows);
		},
		async record(entry: AuditEntry, trx?: Executor): Promise<void> {
			const actor = entry.actor;
			const row: AuditRow = {
				id: deps.newId(),
				created: deps.clock().toISOString(),
				action: entry.action,
				actor_kind: actor?.kind ?? "system",
				actor_id: actor?.id ?? null,
				collection: entry.collection ?? null,
				record_id: entry.recordId ?? null,
				ip: entry.ip ?? null,
				details: entry.details ? JSON.stringify(entry.details) : null,
			};
			await (trx ?? deps.db.kysely)
				.insertInto("_audit_log")
				.values({ ...row })
				.execute();
			deps.logger.info(
				{ audit: true, ...row, details: entry.details },
				entry.action,
			);
		},
	};
}
