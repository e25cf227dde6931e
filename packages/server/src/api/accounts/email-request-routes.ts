import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../../core/app/index.js";
import { countAuthAttempt } from "../http/auth-rate-limit.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, empty, PUBLIC, problems } from "../openapi/route-schema.js";
import { collectionParams } from "./account-schemas.js";

const email = { type: "string", format: "email", maxLength: 254 } as const;

const emailBody = {
	type: "object",
	additionalProperties: false,
	required: ["email"],
	properties: { email },
} as const;
const newEmailBody = {
	type: "object",
	additionalProperties: false,
	required: ["newEmail"],
	properties: { newEmail: email },
} as const;

const base = { tags: ["auth"], params: collectionParams } as const;
const queued = {
	204: empty("Queued, or nothing to do: the answer is the same either way"),
};

/**
 * Counts a mail request against the account-mail limits of the address and the IP
 * (docs/auth.md#brute-force-limits): one address in two collections is two accounts.
 */
function countMail(
	app: App,
	request: FastifyRequest,
	reply: FastifyReply,
	collection: string,
	address: string,
): Promise<void> {
	const identity = `${collection}:${address.trim().toLowerCase()}`;
	return countAuthAttempt(app, request, reply, "accountMail", identity);
}

/**
 * Binds the requests of the email flows (docs/auth.md#email-flows). Each answers 204
 * at once whatever the address, so no answer tells whether an account exists: the
 * mail goes out through the job queue, if at all.
 */
export const bindEmailRequestRoutes: RoutePlugin = async (server, { app }) => {
	const flows = app.accountEmails;
	server.post(
		"/collections/:collection/auth/request-verification",
		{
			schema: {
				...base,
				security: PUBLIC,
				summary:
					"Mail a verification link (204 whether or not the account exists)",
				body: emailBody,
				response: { ...queued, ...problems(400, 404, 413, 415, 429) },
			},
		},
		async (request, reply) => {
			const { collection } = request.params;
			await countMail(app, request, reply, collection, request.body.email);
			await flows.requestVerification(collection, request.body.email);
			return reply.code(204).send();
		},
	);
	server.post(
		"/collections/:collection/auth/request-password-reset",
		{
			schema: {
				...base,
				security: PUBLIC,
				summary:
					"Mail a password-reset link (204 whether or not the account exists)",
				body: emailBody,
				response: { ...queued, ...problems(400, 404, 413, 415, 429) },
			},
		},
		async (request, reply) => {
			const { collection } = request.params;
			await countMail(app, request, reply, collection, request.body.email);
			await flows.requestPasswordReset(collection, request.body.email);
			return reply.code(204).send();
		},
	);
	server.post(
		"/collections/:collection/auth/request-email-change",
		{
			schema: {
				...base,
				security: BEARER,
				summary:
					"Mail a link to a new address for the signed-in account (204 either way)",
				description:
					"Needs an access token of an account of this collection (401 otherwise).",
				body: newEmailBody,
				response: { ...queued, ...problems(400, 401, 404, 413, 415, 429) },
			},
		},
		async (request, reply) => {
			const { collection } = request.params;
			const { newEmail } = request.body;
			await countMail(app, request, reply, collection, newEmail);
			await flows.requestEmailChange(request.caller, collection, newEmail);
			return reply.code(204).send();
		},
	);
};
