import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../core/app/index.js";
import type { ApiDocs } from "./api-docs.js";
import { countAuthAttempt } from "./http/auth-rate-limit.js";
import { collectionPathParameter } from "./records-docs.js";

const email = { type: "string", format: "email", maxLength: 254 } as const;
const token = { type: "string", minLength: 1, maxLength: 256 } as const;
const password = { type: "string", minLength: 1, maxLength: 2048 } as const;

/** A JSON body of exactly these members, all required. */
function body(properties: Record<string, object>) {
	return {
		type: "object",
		additionalProperties: false,
		required: Object.keys(properties),
		properties,
	} as const;
}

const bodies = {
	requestVerification: body({ email }),
	confirmVerification: body({ token }),
	requestPasswordReset: body({ email }),
	confirmPasswordReset: body({ token, password, passwordConfirm: password }),
	requestEmailChange: body({ newEmail: email }),
	confirmEmailChange: body({ token, password }),
};

type Flow = keyof typeof bodies;

/** The endpoint path of each flow, under /api/v1/collections/{c}/auth/. */
const PATHS: Record<Flow, string> = {
	requestVerification: "request-verification",
	confirmVerification: "confirm-verification",
	requestPasswordReset: "request-password-reset",
	confirmPasswordReset: "confirm-password-reset",
	requestEmailChange: "request-email-change",
	confirmEmailChange: "confirm-email-change",
};

const SUMMARIES: Record<Flow, string> = {
	requestVerification:
		"Mail a verification link (204 whether or not the account exists)",
	confirmVerification: "Verify the account a verification token names",
	requestPasswordReset:
		"Mail a password-reset link (204 whether or not the account exists)",
	confirmPasswordReset:
		"Set a new password with a reset token; ends every session of the account",
	requestEmailChange:
		"Mail a link to a new address for the signed-in account (204 either way)",
	confirmEmailChange:
		"Move the account to the token's new address, given its password; ends its sessions",
};

/**
 * Binds the email flows of auth collections (SPEC section 6). Requests answer 204
 * at once whatever the address (the mail goes through the job queue), and are
 * rate limited per address and per IP; confirms answer 204 or a problem.
 */
export function bindAccountEmailRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	const flows = app.accountEmails;
	const handlers: Record<
		Flow,
		(
			collection: string,
			payload: Record<string, string>,
			request: FastifyRequest,
			reply: FastifyReply,
		) => Promise<void>
	> = {
		async requestVerification(collection, { email }, request, reply) {
			await countMail(request, reply, collection, email as string);
			await flows.requestVerification(collection, email as string);
		},
		confirmVerification: (collection, { token }) =>
			flows.confirmVerification(collection, token as string),
		async requestPasswordReset(collection, { email }, request, reply) {
			await countMail(request, reply, collection, email as string);
			await flows.requestPasswordReset(collection, email as string);
		},
		confirmPasswordReset: (collection, p) =>
			flows.confirmPasswordReset(
				collection,
				p.token as string,
				p.password as string,
				p.passwordConfirm as string,
			),
		async requestEmailChange(collection, { newEmail }, request, reply) {
			await countMail(request, reply, collection, newEmail as string);
			await flows.requestEmailChange(
				request.caller,
				collection,
				newEmail as string,
			);
		},
		async confirmEmailChange(collection, p, request, reply) {
			// The password is checked here: count attempts like a sign-in.
			await countAuthAttempt(app, request, reply, "login");
			await flows.confirmEmailChange(
				collection,
				p.token as string,
				p.password as string,
			);
		},
	};

	function countMail(
		request: FastifyRequest,
		reply: FastifyReply,
		collection: string,
		address: string,
	) {
		return countAuthAttempt(
			app,
			request,
			reply,
			"accountMail",
			`${collection}:${address.trim().toLowerCase()}`,
		);
	}

	for (const flow of Object.keys(PATHS) as Flow[]) {
		server.post(
			`/api/v1/collections/:collection/auth/${PATHS[flow]}`,
			{ schema: { body: bodies[flow] } },
			async (request, reply) => {
				const { collection } = request.params as { collection: string };
				await handlers[flow](
					collection,
					request.body as Record<string, string>,
					request,
					reply,
				);
				return reply.code(204).send();
			},
		);
		docs.add({
			method: "post",
			path: `/api/v1/collections/{collection}/auth/${PATHS[flow]}`,
			summary: SUMMARIES[flow],
			tag: "auth",
			auth: flow === "requestEmailChange",
			parameters: [collectionPathParameter],
			requestBody: bodies[flow],
			responses: {
				"204": { description: "Done (or, for a request, queued)" },
				...(flow.startsWith("confirm")
					? {
							"400": {
								description: "The token is invalid, used or expired",
							},
						}
					: { "429": { description: "Too many requests for this address" } }),
			},
		});
	}
}
