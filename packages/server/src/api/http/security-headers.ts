import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import helmet, { type HelmetOptions } from "helmet";

/** Header name and value pairs, in the order helmet sets them. */
export type HeaderList = readonly (readonly [string, string])[];

/**
 * The headers of a JSON answer: every answer of the API. Reviewed line by line
 * (docs/security.md#headers), after the OWASP REST Security Cheat Sheet; each header
 * costs every request its bytes and Node's validation, so an answer carries only
 * what a JSON answer needs:
 *
 * - CSP `default-src 'none'; frame-ancestors 'none'`: opened as a document, a JSON
 *   answer runs and loads nothing, and no page may frame it (clickjacking).
 * - `X-Content-Type-Options: nosniff`: a browser takes `application/json` at its word
 *   and never sniffs it into HTML or script.
 * - `X-Frame-Options: DENY`: framing refused by browsers older than frame-ancestors.
 * - `Cross-Origin-Resource-Policy: same-origin`: no other site can load an answer
 *   with `<script>` or `<img>` (no-cors), nor pull it into its process; CORS
 *   requests (fetch) are not affected.
 * - `Strict-Transport-Security` only when this server speaks TLS: sent over plain
 *   HTTP it is ignored, and behind a proxy that terminates TLS the proxy should set it.
 * - Left to the /docs page, the only document: the headers that only act on a page
 *   a browser shows (`Referrer-Policy`, `Cross-Origin-Opener-Policy`,
 *   `Origin-Agent-Cluster`, `X-DNS-Prefetch-Control`, `X-XSS-Protection`,
 *   `X-Permitted-Cross-Domain-Policies`). Never sent: `Cross-Origin-Embedder-Policy`
 *   (it constrains the embedding page) and `X-Download-Options` (Internet Explorer).
 */
function apiPolicy(tls: boolean): HelmetOptions {
	return {
		contentSecurityPolicy: {
			useDefaults: false,
			directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
		},
		crossOriginEmbedderPolicy: false,
		crossOriginOpenerPolicy: false,
		crossOriginResourcePolicy: { policy: "same-origin" },
		originAgentCluster: false,
		referrerPolicy: false,
		strictTransportSecurity: hsts(tls),
		xContentTypeOptions: true,
		xDnsPrefetchControl: false,
		xDownloadOptions: false,
		xFrameOptions: { action: "deny" },
		xPermittedCrossDomainPolicies: false,
		xPoweredBy: true,
		xXssProtection: false,
	};
}

/** HSTS for a year, subdomains included, when this server speaks TLS. */
function hsts(tls: boolean): HelmetOptions["strictTransportSecurity"] {
	return tls
		? { maxAge: 365 * 24 * 3600, includeSubDomains: true, preload: false }
		: false;
}

/**
 * The /docs page's policy: a document's full set, and a CSP that lets the page run
 * the scripts and styles it is served with, from this origin only, and fetch the
 * OpenAPI document.
 * No inline script runs (the page's own start-up code is a file); inline styles are
 * allowed because Swagger UI sets style attributes as it renders.
 */
function docsPolicy(tls: boolean): HelmetOptions {
	return {
		contentSecurityPolicy: {
			useDefaults: false,
			directives: {
				defaultSrc: ["'none'"],
				scriptSrc: ["'self'"],
				styleSrc: ["'self'", "'unsafe-inline'"],
				imgSrc: ["'self'", "data:"],
				fontSrc: ["'self'"],
				connectSrc: ["'self'"],
				baseUri: ["'none'"],
				formAction: ["'none'"],
				frameAncestors: ["'none'"],
			},
		},
		crossOriginEmbedderPolicy: false,
		crossOriginOpenerPolicy: { policy: "same-origin" },
		crossOriginResourcePolicy: { policy: "same-origin" },
		originAgentCluster: true,
		referrerPolicy: { policy: "no-referrer" },
		strictTransportSecurity: hsts(tls),
		xContentTypeOptions: true,
		xDnsPrefetchControl: { allow: false },
		xDownloadOptions: false,
		xFrameOptions: { action: "deny" },
		xPermittedCrossDomainPolicies: { permittedPolicies: "none" },
		xPoweredBy: true,
		xXssProtection: true,
	};
}

/**
 * The headers helmet sets under `options`, worked out once: helmet itself is built
 * for one middleware call per response, and its answer never changes.
 */
export function headersOf(options: HelmetOptions): HeaderList {
	const headers: [string, string][] = [];
	const collect = {
		setHeader(name: string, value: string) {
			headers.push([name, String(value)]);
		},
		removeHeader() {},
	} as unknown as ServerResponse;
	helmet(options)({} as IncomingMessage, collect, () => {});
	return headers;
}

/** The headers of API answers and of the /docs page, worked out once. */
export interface SecurityHeaders {
	api: HeaderList;
	docs: HeaderList;
}

/** The security headers for a server with or without TLS (docs/security.md#headers). */
export function securityHeaders(options: { tls: boolean }): SecurityHeaders {
	return {
		api: headersOf(apiPolicy(options.tls)),
		docs: headersOf(docsPolicy(options.tls)),
	};
}

/**
 * Sets the security headers on every answer, errors and 404s included; routes under
 * `/docs` get the page's policy instead, and routes whose config says
 * `carriesSecret` answer `Cache-Control: no-store` (docs/security.md#headers).
 */
export function bindSecurityHeaders(
	server: FastifyInstance,
	headers: SecurityHeaders,
): void {
	server.addHook("onRequest", (request, reply, done) => {
		const path = request.url;
		const list =
			path === "/docs" || path.startsWith("/docs/") || path.startsWith("/docs?")
				? headers.docs
				: headers.api;
		for (const [name, value] of list) reply.header(name, value);
		done();
	});
	// Last word on caching for answers that carry a token or a secret: no browser,
	// proxy or CDN may keep them, errors included. A hook of those routes only, so
	// no other request pays for it.
	server.addHook("onRoute", (route) => {
		if (route.config?.carriesSecret !== true) return;
		const own = route.onSend;
		route.onSend = [...(own ? [own].flat() : []), noStore];
	});
}

function noStore(
	_request: FastifyRequest,
	reply: FastifyReply,
	payload: unknown,
	done: (err: null, payload: unknown) => void,
): void {
	reply.header("cache-control", "no-store");
	done(null, payload);
}
