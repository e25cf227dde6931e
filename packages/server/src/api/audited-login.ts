import type { FastifyRequest } from "fastify";
import type { App } from "../core/app.js";
import { isAppError } from "../tools/errors/index.js";

/**
 * Runs a sign-in and records it in the audit trail: a success names the account, a
 * failure the identity that was tried (never the password). Other errors (a missing
 * collection) are not sign-in attempts and pass through unrecorded.
 */
export async function auditedLogin<T extends { record: { id: string } }>(
	app: App,
	request: FastifyRequest,
	target: { kind: "superuser" | "record"; collection: string },
	identity: string,
	login: () => Promise<T>,
): Promise<T> {
	const prefix = target.kind === "superuser" ? "superuser" : "auth";
	try {
		const session = await login();
		await app.audit.record({
			action: `${prefix}.login`,
			actor: { kind: target.kind, id: session.record.id },
			collection: target.collection,
			recordId: session.record.id,
			ip: request.ip,
		});
		return session;
	} catch (err: unknown) {
		if (isAppError(err) && err.code === "INVALID_CREDENTIALS")
			await app.audit.record({
				action: `${prefix}.login_failed`,
				actor: { kind: "guest" },
				collection: target.collection,
				ip: request.ip,
				details: { identity: identity.slice(0, 320) },
			});
		throw err;
	}
}
