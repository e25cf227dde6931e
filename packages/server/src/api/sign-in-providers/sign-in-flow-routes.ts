import type { FastifyReply } from "fastify";
import { AppError } from "../../core/errors/index.js";
import { countAuthAttempt } from "../http/auth-rate-limit.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { empty, PUBLIC, problems } from "../openapi/route-schema.js";

const flowParams = {
	type: "object",
	properties: {
		collection: {
			type: "string",
			maxLength: 256,
			description: "Auth collection name",
		},
		provider: { type: "string", maxLength: 256, description: "Provider name" },
	},
	required: ["collection", "provider"],
} as const;

const beginQuery = {
	type: "object",
	required: ["redirect"],
	properties: {
		redirect: {
			type: "string",
			minLength: 1,
			maxLength: 2048,
			description:
				"The app URL to return to: one of the provider's redirectUrls",
		},
		appState: {
			type: "string",
			maxLength: 512,
			description: "Handed back as `state`: check it to refuse login CSRF",
		},
	},
} as const;

/**
 * The callback form of `response_mode=form_post` (Apple): the members of the
 * authorization response (RFC 6749 section 4.1.2), and whatever else the provider
 * adds.
 */
const callbackForm = {
	type: "object",
	properties: {
		state: { type: "string" },
		code: { type: "string" },
		error: { type: "string" },
		error_description: { type: "string" },
	},
} as const;

/** Where the browser goes next, and the headers that keep the URL private. */
const redirectHeaders = {
	Location: { description: "The next URL", schema: { type: "string" } },
	"Cache-Control": { schema: { const: "no-store" } },
	"Referrer-Policy": { schema: { const: "no-referrer" } },
};

const base = { tags: ["auth"], security: PUBLIC, params: flowParams } as const;
const START = "/collections/:collection/auth/oauth2/:provider";
const CALLBACK_DESCRIPTION =
	"The provider sends the browser here with `state` and `code` (or `error`). An unknown, expired or spent `state` is a 400, since no app URL is known to go back to; any later failure goes back to the app as `error=<code>`.";

/** Sends the browser on: nothing here may be cached, and no Referer leaks the URL. */
function redirect(reply: FastifyReply, status: 302 | 303, location: string) {
	return reply
		.code(status)
		.header("location", location)
		.header("cache-control", "no-store")
		.header("referrer-policy", "no-referrer")
		.send();
}

/** The posted callback form; any other body is a 415. */
function formOf(body: unknown): URLSearchParams {
	if (body instanceof URLSearchParams) return body;
	throw new AppError("UNSUPPORTED_MEDIA_TYPE", {
		detail: "Post the callback as application/x-www-form-urlencoded.",
	});
}

/**
 * Binds the browser's part of an OAuth2 / OpenID Connect sign-in
 * (docs/auth.md#the-sign-in-step-by-step-single-page-app): the start, which sends
 * the browser to the provider, and the provider's callback, which sends it back to
 * the app with a one-time code (never a token in a URL).
 */
export const bindSignInFlowRoutes: RoutePlugin = async (server, { app }) => {
	// Only here: Apple posts its callback as a form (response_mode=form_post);
	// everywhere else a form body stays a 415.
	server.addContentTypeParser(
		"application/x-www-form-urlencoded",
		{ parseAs: "string" },
		(_request, body, done) => done(null, new URLSearchParams(body as string)),
	);
	server.get(
		START,
		{
			schema: {
				...base,
				summary:
					"Start an OAuth2 sign-in: redirects the browser to the provider (PKCE, state, nonce)",
				description:
					"Each start stores a pending sign-in, so starts count against the sign-in limit per IP (docs/auth.md#brute-force-limits).",
				querystring: beginQuery,
				response: {
					302: empty(
						"To the provider's authorization endpoint",
						redirectHeaders,
					),
					...problems(400, 404, 429, 502),
				},
			},
			// A HEAD (a link checker's) must not store a sign-in or spend a state.
			exposeHeadRoute: false,
		},
		async (request, reply) => {
			const { collection, provider } = request.params;
			await countAuthAttempt(app, request, reply, "login");
			const location = await app.signInProviders.begin({
				collection,
				provider,
				redirect: request.query.redirect,
				appState: request.query.appState,
			});
			return redirect(reply, 302, location);
		},
	);
	const back = empty(
		"To the app URL with `code` (or `error`) and `state`",
		redirectHeaders,
	);
	server.get(
		`${START}/callback`,
		{
			schema: {
				...base,
				summary:
					"The provider's callback: redirects to the app with a one-time code (or an error code)",
				description: CALLBACK_DESCRIPTION,
				response: { 303: back, ...problems(400) },
			},
			exposeHeadRoute: false,
		},
		async (request, reply) => {
			const { collection, provider } = request.params;
			const params = new URL(request.url, "http://callback.invalid")
				.searchParams;
			const location = await app.signInProviders.complete(
				collection,
				provider,
				params,
			);
			return redirect(reply, 303, location);
		},
	);
	server.post(
		`${START}/callback`,
		{
			schema: {
				...base,
				summary:
					"The provider's callback as a form post (response_mode=form_post, Apple)",
				description: CALLBACK_DESCRIPTION,
				body: callbackForm,
				consumes: ["application/x-www-form-urlencoded"],
				response: { 303: back, ...problems(400, 413, 415) },
			},
			// Before the body schema: any body but the form is a 415, not a 400.
			preValidation: async (request) => {
				formOf(request.body);
			},
		},
		async (request, reply) => {
			const { collection, provider } = request.params;
			const location = await app.signInProviders.complete(
				collection,
				provider,
				formOf(request.body),
			);
			return redirect(reply, 303, location);
		},
	);
};
