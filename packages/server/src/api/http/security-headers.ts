import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import helmet, { type HelmetOptions } from "helmet";

/** Header name and value pairs, in the order helmet sets them. */
export type HeaderList = readonly (readonly [string, string])[];

/**
 * The headers of an answer that loads nothing and may be shown nowhere: every JSON
 * answer of the API. Each choice (docs/security.md#headers):
 *
 * - CSP `default-src 'none'`: a JSON answer opened as a document runs nothing and
 *   loads nothing; `frame-ancestors 'none'`, no framing (clickjacking);
 *   `base-uri`, `form-action` closed too, since `default-src` does not cover them.
 * - `X-Content-Type-Options: nosniff`: a browser takes `application/json` at its word
 *   and never sniffs it into HTML or script.
 * - `Cross-Origin-Resource-Policy: same-origin`: no other site can load an answer
 *   with `<script>` or `<img>` (no-cors); CORS requests (fetch) are not affected.
 * - `Cross-Origin-Opener-Policy: same-origin`, `Referrer-Policy: no-referrer`,
 *   `X-Frame-Options: DENY` (for browsers older than frame-ancestors),
 *   `X-DNS-Prefetch-Control: off`, `X-Permitted-Cross-Domain-Policies: none`,
 *   `X-XSS-Protection: 0` (the old XSS filters could be turned against a page),
 *   `Origin-Agent-Cluster: ?1`.
 * - `Strict-Transport-Security` only when this server speaks TLS: sent over plain
 *   HTTP it is ignored, and behind a proxy that terminates TLS the proxy should set it.
 * - Left out: `Cross-Origin-Embedder-Policy` (it constrains the embedding page, and
 *   the API embeds nothing) and `X-Download-Options` (read only by Internet Explorer).
 */
function apiPolicy(tls: boolean): HelmetOptions {
	return {
		contentSecurityPolicy: {
			useDefaults: false,
			directives: {
				defaultSrc: ["'none'"],
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
		strictTransportSecurity: tls
			? { maxAge: 365 * 24 * 3600, includeSubDomains: true, preload: false }
			: false,
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
 * The /docs page's policy: the API's, except that the page may run the scripts and
 * styles it is served with, from this origin only, and fetch the OpenAPI document.
 * No inline script runs (the page's own start-up code is a file); inline styles are
 * allowed because Swagger UI sets style attributes as it renders.
 */
function docsPolicy(tls: boolean): HelmetOptions {
	return {
		...apiPolicy(tls),
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
	// proxy or CDN may keep them, errors included.
	server.addHook("onSend", (request, reply, payload, done) => {
		if (request.routeOptions.config?.carriesSecret === true)
			reply.header("cache-control", "no-store");
		done(null, payload);
	});
}
