import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../core/app/index.js";
import type { ProviderInput } from "../core/sign-in-providers/index.js";
import { AppError } from "../tools/errors/index.js";
import type { ApiDocs } from "./api-docs.js";
import { auditRequest, changedFields } from "./http/audit-request.js";
import { countAuthAttempt } from "./http/auth-rate-limit.js";
import { requireSuperuser } from "./http/authenticate.js";
import {
	beginQuerySchema,
	describeOAuth2Routes,
	exchangeBodySchema,
	providerCreateSchema,
	providerPatchSchema,
} from "./oauth2-docs.js";

const nameParams = {
	type: "object",
	properties: { name: { type: "string", maxLength: 256 } },
	required: ["name"],
} as const;
const flowParams = {
	type: "object",
	properties: {
		collection: { type: "string", maxLength: 256 },
		provider: { type: "string", maxLength: 256 },
	},
	required: ["collection", "provider"],
} as const;

const START = "/api/v1/collections/:collection/auth/oauth2/:provider";

function actorOf(request: FastifyRequest): string | null {
	return request.caller.kind === "superuser" ? request.caller.email : null;
}

/** Sends the browser on: nothing here may be cached, and no Referer leaks the URL. */
function redirect(reply: FastifyReply, status: 302 | 303, location: string) {
	return reply
		.code(status)
		.header("location", location)
		.header("cache-control", "no-store")
		.header("referrer-policy", "no-referrer")
		.send();
}

/**
 * Binds OAuth2 / OpenID Connect sign-in (SPEC section 6): the superuser API for
 * providers, the start and callback of the authorization code flow, and the
 * exchange of its one-time code for a session.
 */
export async function bindOAuth2Routes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): Promise<void> {
	bindProviderRoutes(server, app);
	server.get(
		START,
		{
			schema: { params: flowParams, querystring: beginQuerySchema },
			// A HEAD (a link checker's) must not store a sign-in or spend a state.
			exposeHeadRoute: false,
		},
		async (request, reply) => {
			const { collection, provider } = request.params as {
				collection: string;
				provider: string;
			};
			const query = request.query as { redirect: string; appState?: string };
			// Each start stores a pending sign-in: counted per IP like a sign-in, so
			// nobody fills the table.
			await countAuthAttempt(app, request, reply, "login");
			const location = await app.signInProviders.begin({
				collection,
				provider,
				redirect: query.redirect,
				appState: query.appState,
			});
			return redirect(reply, 302, location);
		},
	);
	const callback = async (request: FastifyRequest, reply: FastifyReply) => {
		const { collection, provider } = request.params as {
			collection: string;
			provider: string;
		};
		const location = await app.signInProviders.complete(
			collection,
			provider,
			callbackParams(request),
		);
		return redirect(reply, 303, location);
	};
	server.get(
		`${START}/callback`,
		{ schema: { params: flowParams }, exposeHeadRoute: false },
		callback,
	);
	await server.register((scope, _options, registered) => {
		// Only here: Apple posts its callback as a form (response_mode=form_post);
		// everywhere else a form body stays a 415.
		scope.addContentTypeParser(
			"application/x-www-form-urlencoded",
			{ parseAs: "string" },
			(_request, body, done) => done(null, new URLSearchParams(body as string)),
		);
		scope.post(
			`${START}/callback`,
			{ schema: { params: flowParams } },
			callback,
		);
		registered();
	});
	server.post(
		"/api/v1/auth/oauth2/exchange",
		{ schema: { body: exchangeBodySchema } },
		async (request) =>
			app.signInProviders.exchange((request.body as { code: string }).code),
	);
	describeOAuth2Routes(docs);
}

/** The callback's parameters: the query, or the posted form. */
function callbackParams(request: FastifyRequest): URLSearchParams {
	if (request.method === "GET")
		return new URL(request.url, "http://callback.invalid").searchParams;
	if (request.body instanceof URLSearchParams) return request.body;
	throw new AppError("UNSUPPORTED_MEDIA_TYPE", {
		detail: "Post the callback as application/x-www-form-urlencoded.",
	});
}

/** Binds the superuser API of /api/v1/oauth2/providers. */
function bindProviderRoutes(server: FastifyInstance, app: App): void {
	const url = "/api/v1/oauth2/providers";
	server.get(url, async (request) => {
		requireSuperuser(request);
		return { items: await app.signInProviders.list() };
	});
	server.post(
		url,
		{ schema: { body: providerCreateSchema } },
		async (request, reply) => {
			requireSuperuser(request);
			const created = await app.signInProviders.create(
				request.body as ProviderInput & { name: string; clientSecret: string },
				actorOf(request),
			);
			await auditRequest(app, request, {
				action: "oauth2_provider.created",
				recordId: created.name,
			});
			reply.code(201).header("location", `${url}/${created.name}`);
			return created;
		},
	);
	const one = `${url}/:name`;
	const nameOf = (request: FastifyRequest) =>
		(request.params as { name: string }).name;
	server.get(one, { schema: { params: nameParams } }, async (request) => {
		requireSuperuser(request);
		return app.signInProviders.get(nameOf(request));
	});
	server.patch(
		one,
		{ schema: { params: nameParams, body: providerPatchSchema } },
		async (request) => {
			requireSuperuser(request);
			const updated = await app.signInProviders.update(
				nameOf(request),
				request.body as ProviderInput,
				actorOf(request),
			);
			await auditRequest(app, request, {
				action: "oauth2_provider.updated",
				recordId: nameOf(request),
				details: { fields: changedFields(request.body) },
			});
			return updated;
		},
	);
	server.delete(
		one,
		{ schema: { params: nameParams } },
		async (request, reply) => {
			requireSuperuser(request);
			await app.signInProviders.remove(nameOf(request), actorOf(request));
			await auditRequest(app, request, {
				action: "oauth2_provider.deleted",
				recordId: nameOf(request),
			});
			return reply.code(204).send();
		},
	);
}
