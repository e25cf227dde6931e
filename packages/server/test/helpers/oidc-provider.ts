import { type MutableToken, OAuth2Server } from "oauth2-mock-server";

/** Claims the next tokens carry (both the access token and the ID token). */
export type Claims = Record<string, unknown> & { sub: string };

/**
 * A real OpenID Connect provider on 127.0.0.1 (oauth2-mock-server): discovery, JWKS
 * with an RS256 key, an authorize endpoint that approves at once, a token endpoint
 * checking PKCE, and user info. Tests choose who signs in and may tamper with the
 * next tokens.
 */
export interface OidcProvider {
	/** `http://127.0.0.1:<port>`. */
	issuer: string;
	/** The ids of the provider's two published signing keys (it signs with either). */
	kids: [string, string];
	/** Who signs in from now on (the mock's own claims, nonce and aud, stay). */
	signInAs(claims: Claims): void;
	/** Changes every token signed from now on, after the claims are set; undefined stops. */
	tamper(change: ((token: MutableToken) => void) | undefined): void;
	/** What the user info endpoint answers; undefined: `{ sub }` of the current identity. */
	userinfo(body: Record<string, unknown> | undefined): void;
	/** How many token requests came in (each a code exchange). */
	tokenRequests(): number;
	stop(): Promise<void>;
}

/** Starts a provider on a free loopback port. */
export async function startOidcProvider(): Promise<OidcProvider> {
	const server = new OAuth2Server();
	const first = await server.issuer.keys.generate("RS256");
	const second = await server.issuer.keys.generate("RS256");
	await server.start(0, "127.0.0.1");
	// The mock names itself http://localhost:<port>; the address keeps the SSRF
	// allowlist (127.0.0.1/32) exact whatever localhost resolves to.
	server.issuer.url = `http://127.0.0.1:${server.address().port}`;
	let claims: Claims = { sub: "johndoe" };
	let change: ((token: MutableToken) => void) | undefined;
	let info: Record<string, unknown> | undefined;
	let tokens = 0;
	server.service.on("beforeTokenSigning", (token: MutableToken) => {
		Object.assign(token.payload, claims);
		change?.(token);
	});
	server.service.on("beforeResponse", () => {
		tokens += 1;
	});
	server.service.on("beforeUserinfo", (response: { body: unknown }) => {
		response.body = info ?? { sub: claims.sub };
	});
	return {
		issuer: server.issuer.url as string,
		kids: [first.kid, second.kid],
		signInAs(next) {
			claims = next;
		},
		tamper(next) {
			change = next;
		},
		userinfo(body) {
			info = body;
		},
		tokenRequests: () => tokens,
		stop: () => server.stop(),
	};
}
