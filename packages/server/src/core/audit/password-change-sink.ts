import type { CollectionRegistry } from "../collections/index.js";
import type { RecordChangeSink } from "../records/index.js";
import type { AuditLog } from "./audit-log.js";

/**
 * Records `auth.password_changed` when a record write (PATCH/PUT, batch) sets an
 * account's password, inside the write's transaction: the entry and the new password
 * commit together. Resets through the email flow record `auth.password_reset` instead.
 */
export function createPasswordChangeSink(deps: {
	audit: AuditLog;
	registry: CollectionRegistry;
}): RecordChangeSink {
	return {
		wants: (collection) => deps.registry.find(collection)?.type === "auth",
		async record(change, trx) {
			if (change.action !== "update" || !change.passwordChanged) return;
			await deps.audit.record(
				{
					action: "auth.password_changed",
					actor: change.actor,
					collection: change.collection,
					recordId: change.record.id as string,
				},
				trx,
			);
		},
	};
}
