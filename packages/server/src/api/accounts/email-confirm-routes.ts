import { countAuthAttempt } from "../http/auth-rate-limit.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { empty, PUBLIC, problems } from "../openapi/route-schema.js";
import { collectionParams } from "./account-schemas.js";

const token = {
	type: "string",
	minLength: 1,
	maxLength: 256,
	description: "The token of the mailed link",
} as const;
const password = { type: "string", minLength: 1, maxLength: 2048 } as const;

const verificationBody = {
	type: "object",
	additionalProperties: false,
	required: ["token"],
	properties: { token },
} as const;
const passwordResetBody = {
	type: "object",
	additionalProperties: false,
	required: ["token", "password", "passwordConfirm"],
	properties: { token, password, passwordConfirm: password },
} as const;
const emailChangeBody = {
	type: "object",
	additionalProperties: false,
	required: ["token", "password"],
	properties: { token, password },
} as const;

const base = {
	tags: ["auth"],
	security: PUBLIC,
	params: collectionParams,
} as const;

/**
 * Binds the confirms of the email flows (docs/auth.md#email-flows): each spends the
 * token of a mailed link, once; a wrong, used or expired token is 400
 * `ACCOUNT_TOKEN_INVALID`.
 */
export const bindEmailConfirmRoutes: RoutePlugin = async (server, { app }) => {
	const flows = app.accountEmails;
	server.post(
		"/collections/:collection/auth/confirm-verification",
		{
			schema: {
				...base,
				summary: "Verify the account a verification token names",
				body: verificationBody,
				response: {
					204: empty("Verified"),
					...problems(400, 404, 413, 415),
				},
			},
		},
		async (request, reply) => {
			await flows.confirmVerification(
				request.params.collection,
				request.body.token,
			);
			return reply.code(204).send();
		},
	);
	server.post(
		"/collections/:collection/auth/confirm-password-reset",
		{
			schema: {
				...base,
				summary:
					"Set a new password with a reset token; ends every session of the account",
				description:
					"A password the policy refuses (422) leaves the token unspent, to try another.",
				body: passwordResetBody,
				response: {
					204: empty("The new password is set"),
					...problems(400, 404, 413, 415, 422),
				},
			},
		},
		async (request, reply) => {
			const { token, password, passwordConfirm } = request.body;
			await flows.confirmPasswordReset(
				request.params.collection,
				token,
				password,
				passwordConfirm,
			);
			return reply.code(204).send();
		},
	);
	server.post(
		"/collections/:collection/auth/confirm-email-change",
		{
			schema: {
				...base,
				summary:
					"Move the account to the token's new address, given its password; ends its sessions",
				description:
					"A wrong password is 400 `INVALID_CREDENTIALS`, counted like a sign-in (docs/auth.md#brute-force-limits); an address another account took meanwhile is 409.",
				body: emailChangeBody,
				response: {
					204: empty("The account has its new address"),
					...problems(400, 404, 409, 413, 415, 422, 429),
				},
			},
		},
		async (request, reply) => {
			// The password is checked here: count attempts like a sign-in.
			await countAuthAttempt(app, request, reply, "login");
			await flows.confirmEmailChange(
				request.params.collection,
				request.body.token,
				request.body.password,
			);
			return reply.code(204).send();
		},
	);
};
