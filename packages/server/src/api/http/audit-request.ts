import type { FastifyRequest } from "fastify";
import type { App } from "../../core/app/index.js";
import type { AuditEntry } from "../../core/audit/index.js";
import type { Executor } from "../../core/db/index.js";

/**
 * Records an audit entry for what a request just changed: the caller (kind and id)
 * and the client IP come from the request. Given `trx`, the entry commits with the
 * change; otherwise it is recorded after the change succeeded, so a refused request
 * leaves no entry. Never pass a secret in `details`.
 */
export function auditRequest(
	app: App,
	request: FastifyRequest,
	entry: Omit<AuditEntry, "actor" | "ip">,
	trx?: Executor,
): Promise<void> {
	const caller = request.caller;
	return app.audit.record(
		{
			...entry,
			actor: "id" in caller ? { kind: caller.kind, id: caller.id } : caller,
			ip: request.ip,
		},
		trx,
	);
}

/** Which members a PATCH body set (names only, never values). */
export function changedFields(body: unknown): string {
	return Object.keys((body ?? {}) as Record<string, unknown>)
		.sort()
		.join(",");
}
