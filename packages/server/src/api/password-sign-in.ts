import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../core/app/index.js";
import { isAppError } from "../tools/errors/index.js";
import {
	clearLoginAttempts,
	countAuthAttempt,
} from "./http/auth-rate-limit.js";

/** The body of every password sign-in: `{ identity, password }`. */
export const passwordSignInBody = {
	type: "object",
	additionalProperties: false,
	required: ["identity", "password"],
	properties: {
		identity: {
			type: "string",
			minLength: 1,
			maxLength: 320,
			description: "The account's email.",
		},
		password: { type: "string", minLength: 1, maxLength: 1024 },
	},
} as const;

/**
 * Runs a password sign-in the way every one runs (SPEC section 6): counted against
 * the brute-force limits of the identity and the IP (a success clears the
 * identity's), and recorded in the audit trail.
 */
export async function passwordSignIn<T extends { record: { id: string } }>(
	app: App,
	request: FastifyRequest,
	reply: FastifyReply,
	target: { kind: "superuser" | "record"; collection: string },
	login: (identity: string, password: string) => Promise<T>,
): Promise<T> {
	const { identity, password } = request.body as {
		identity: string;
		password: string;
	};
	const attempt = `${target.collection}:${identity.trim().toLowerCase()}`;
	await countAuthAttempt(app, request, reply, "login", attempt);
	const session = await auditedLogin(app, request, target, identity, () =>
		login(identity, password),
	);
	await clearLoginAttempts(app, request, attempt);
	return session;
}

/**
 * Runs a sign-in and records it in the audit trail: a success names the account, a
 * failure the identity that was tried (never the password). Other errors (a missing
 * collection) are not sign-in attempts and pass through unrecorded.
 */
async function auditedLogin<T extends { record: { id: string } }>(
	app: App,
	request: FastifyRequest,
	target: { kind: "superuser" | "record"; collection: string },
	identity: string,
	login: () => Promise<T>,
): Promise<T> {
	const prefix = target.kind === "superuser" ? "superuser" : "auth";
	const kind = target.kind === "superuser" ? "superuser" : "account";
	try {
		const session = await login();
		app.metrics.auth.login(kind, true);
		await app.audit.record({
			action: `${prefix}.login`,
			actor: { kind: target.kind, id: session.record.id },
			collection: target.collection,
			recordId: session.record.id,
			ip: request.ip,
		});
		return session;
	} catch (err: unknown) {
		if (isAppError(err) && err.code === "INVALID_CREDENTIALS") {
			app.metrics.auth.login(kind, false);
			await app.audit.record({
				action: `${prefix}.login_failed`,
				actor: { kind: "guest" },
				collection: target.collection,
				ip: request.ip,
				details: { identity: identity.slice(0, 320) },
			});
		}
		throw err;
	}
}
