import type { RoutePlugin } from "../http/type-provider.js";
import { json, PUBLIC } from "../openapi/route-schema.js";

/** One public key of the set: an Ed25519 key as RFC 8037 writes it. */
const jwk = {
	type: "object",
	required: ["kty", "crv", "x", "kid", "alg", "use"],
	properties: {
		kty: { const: "OKP" },
		crv: { const: "Ed25519" },
		x: { type: "string", description: "The public key, base64url" },
		kid: { type: "string", description: "Matches the `kid` of a token" },
		alg: { const: "EdDSA" },
		use: { const: "sig" },
	},
} as const;

/**
 * Binds the JWK Set (RFC 7517) that verifies every access token Basalt signs, for
 * other services (docs/auth.md#access-tokens). Every stored key is in it, so tokens
 * signed before a key rotation still verify.
 */
export const bindJwksRoute: RoutePlugin = async (server, { app }) => {
	server.get(
		"/.well-known/jwks.json",
		{
			schema: {
				tags: ["auth"],
				security: PUBLIC,
				summary: "Public keys that verify Basalt access tokens (RFC 7517)",
				response: {
					200: {
						...json("A JWK Set", {
							type: "object",
							required: ["keys"],
							properties: { keys: { type: "array", items: jwk } },
						}),
						headers: {
							"Cache-Control": {
								description: "Cacheable for five minutes",
								schema: { type: "string" },
							},
						},
					},
				},
			},
		},
		async (_request, reply) => {
			reply.header("cache-control", "public, max-age=300");
			return app.keyRing.publicJwks();
		},
	);
};
