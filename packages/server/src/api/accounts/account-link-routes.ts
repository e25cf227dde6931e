import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, empty, json, problems } from "../openapi/route-schema.js";

const name = { type: "string", minLength: 1, maxLength: 256 } as const;
const accountParams = {
	type: "object",
	properties: {
		collection: { ...name, description: "Auth collection name" },
		id: { ...name, description: "The account's record id" },
	},
	required: ["collection", "id"],
} as const;
const linkParams = {
	type: "object",
	properties: {
		...accountParams.properties,
		provider: { ...name, description: "The OAuth2 provider's name" },
	},
	required: ["collection", "id", "provider"],
} as const;

const link = {
	type: "object",
	required: ["provider", "subject", "created"],
	properties: {
		provider: { type: "string" },
		subject: {
			type: "string",
			description: "The provider's id of the person (`sub`, or its user id)",
		},
		created: { type: "string", format: "date-time" },
	},
} as const;

const base = { tags: ["auth"], security: BEARER } as const;
const LINKS = "/collections/:collection/records/:id/external-auths";

/**
 * Binds the provider identities linked to an account
 * (docs/auth.md#sign-in-pages-and-linked-identities), which the account itself or a
 * superuser can list and unlink; anyone else gets 404, as for a record they may not
 * see.
 */
export const bindAccountLinkRoutes: RoutePlugin = async (server, { app }) => {
	server.get(
		LINKS,
		{
			schema: {
				...base,
				summary:
					"The OAuth2 identities linked to an account (the account itself or a superuser)",
				params: accountParams,
				response: {
					200: json("The linked identities, oldest first", {
						type: "object",
						required: ["items"],
						properties: { items: { type: "array", items: link } },
					}),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request) => {
			const { collection, id } = request.params;
			return {
				items: await app.signInProviders.linksOf(
					request.caller,
					collection,
					id,
				),
			};
		},
	);
	server.delete(
		`${LINKS}/:provider`,
		{
			schema: {
				...base,
				summary:
					"Unlink an OAuth2 identity from an account (the account itself or a superuser); audited",
				description:
					"The identity no longer signs in to the account; a password, or a password reset, still does.",
				params: linkParams,
				response: {
					204: empty("Unlinked"),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			const { collection, id, provider } = request.params;
			await app.signInProviders.unlink(
				request.caller,
				collection,
				id,
				provider,
			);
			return reply.code(204).send();
		},
	);
};
