import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../../core/app/index.js";
import { isAppError } from "../../core/errors/index.js";
import {
	clearLoginAttempts,
	countAuthAttempt,
} from "../http/auth-rate-limit.js";

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
			description: "The account's email",
		},
		password: { type: "string", minLength: 1, maxLength: 1024 },
	},
} as const;

/** One password sign-in: who signs in where, and the service call that checks it. */
export interface PasswordSignIn<T> {
	/** Superusers, or the accounts of an auth collection. */
	kind: "superuser" | "record";
	/** `_superusers`, or the auth collection's name. */
	collection: string;
	identity: string;
	password: string;
	login(identity: string, password: string): Promise<T>;
}

/**
 * Runs a password sign-in the way every one runs: counted against the brute-force
 * limits of the identity and the IP, a success clearing the identity's count
 * (docs/auth.md#brute-force-limits), and recorded in the audit trail
 * (docs/auth.md#audit-trail).
 */
export async function passwordSignIn<T extends { record: { id: string } }>(
	app: App,
	request: FastifyRequest,
	reply: FastifyReply,
	signIn: PasswordSignIn<T>,
): Promise<T> {
	const { identity, password } = signIn;
	const attempt = `${signIn.collection}:${identity.trim().toLowerCase()}`;
	await countAuthAttempt(app, request, reply, "login", attempt);
	const session = await auditedLogin(app, request, signIn, () =>
		signIn.login(identity, password),
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
	target: Pick<PasswordSignIn<T>, "kind" | "collection" | "identity">,
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
				details: { identity: target.identity.slice(0, 320) },
			});
		}
		throw err;
	}
}
