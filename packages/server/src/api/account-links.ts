import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import type { ApiDocs, Schema } from "./api-docs.js";

const name = { type: "string", minLength: 1, maxLength: 256 } as const;
const collectionParams = {
	type: "object",
	properties: { collection: name },
	required: ["collection"],
} as const;
const accountParams = {
	type: "object",
	properties: { collection: name, id: name },
	required: ["collection", "id"],
} as const;
const linkParams = {
	type: "object",
	properties: { collection: name, id: name, provider: name },
	required: ["collection", "id", "provider"],
} as const;

const METHODS = "/api/v1/collections/:collection/auth/methods";
const LINKS = "/api/v1/collections/:collection/records/:id/external-auths";

/**
 * Binds what apps need around OAuth2 sign-in besides the flow itself: the sign-in
 * methods a collection offers (public, so a sign-in page can show its buttons) and
 * the provider identities linked to an account, which the account or a superuser can
 * list and unlink.
 */
export function bindAccountLinkRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.get(METHODS, { schema: { params: collectionParams } }, (request) =>
		app.signInProviders.methodsOf(
			(request.params as { collection: string }).collection,
		),
	);
	server.get(LINKS, { schema: { params: accountParams } }, async (request) => {
		const { collection, id } = request.params as {
			collection: string;
			id: string;
		};
		return {
			items: await app.signInProviders.linksOf(request.caller, collection, id),
		};
	});
	server.delete(
		`${LINKS}/:provider`,
		{ schema: { params: linkParams } },
		async (request, reply) => {
			const { collection, id, provider } = request.params as {
				collection: string;
				id: string;
				provider: string;
			};
			await app.signInProviders.unlink(
				request.caller,
				collection,
				id,
				provider,
			);
			return reply.code(204).send();
		},
	);
	describeAccountLinkRoutes(docs);
}

const path = (param: string): Schema => ({
	name: param,
	in: "path",
	required: true,
	schema: name,
});

function describeAccountLinkRoutes(docs: ApiDocs): void {
	docs.add({
		method: "get",
		path: "/api/v1/collections/{collection}/auth/methods",
		summary:
			"How accounts of an auth collection can sign in: password, and the OAuth2 providers offered to it",
		tag: "auth",
		auth: false,
		parameters: [path("collection")],
		responses: {
			"200": {
				description: "The sign-in methods",
				schema: {
					type: "object",
					properties: {
						password: {
							type: "object",
							properties: { enabled: { type: "boolean" } },
						},
						oauth2: {
							type: "object",
							properties: {
								providers: {
									type: "array",
									items: {
										type: "object",
										properties: {
											name: { type: "string" },
											preset: { type: ["string", "null"] },
											startUrl: { type: "string" },
										},
									},
								},
							},
						},
					},
				},
			},
			"400": { description: "The collection holds no accounts" },
			"404": { description: "No such collection" },
		},
	});
	const links = "/api/v1/collections/{collection}/records/{id}/external-auths";
	docs.add({
		method: "get",
		path: links,
		summary:
			"The OAuth2 identities linked to an account (the account itself or a superuser)",
		tag: "auth",
		auth: true,
		parameters: [path("collection"), path("id")],
		responses: {
			"200": {
				description: "The linked identities, oldest first",
				schema: {
					type: "object",
					properties: {
						items: {
							type: "array",
							items: {
								type: "object",
								properties: {
									provider: { type: "string" },
									subject: { type: "string" },
									created: { type: "string", format: "date-time" },
								},
							},
						},
					},
				},
			},
			"404": { description: "No such account, or not yours" },
		},
	});
	docs.add({
		method: "delete",
		path: `${links}/{provider}`,
		summary:
			"Unlink an OAuth2 identity from an account (the account itself or a superuser); audited",
		tag: "auth",
		auth: true,
		parameters: [path("collection"), path("id"), path("provider")],
		responses: {
			"204": { description: "Unlinked" },
			"404": { description: "No such account or link, or not yours" },
		},
	});
}
