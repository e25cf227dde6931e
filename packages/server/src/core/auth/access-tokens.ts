import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { createBoundedLru } from "../../tools/memo/index.js";
import { AppError } from "../errors/index.js";
import type { KeyRing } from "./key-ring.js";

/** The claims Basalt puts in an access token. */
export interface AccessClaims {
	/** The account id. */
	sub: string;
	/** The collection the account lives in (`_superusers` for superusers). */
	col: string;
	/** Fingerprint of the account's token key: changing the key ends every session. */
	tkh: string;
	/** The superuser acting as this account, on an impersonation token. */
	imp?: string;
	/** OAuth2 client tokens: the granted scopes, space separated (RFC 9068 `scope`). */
	scope?: string;
	/** OAuth2 client tokens: the client (RFC 9068 `client_id`). */
	clientId?: string;
}

/** A signed access token and its lifetime in whole seconds. */
export interface IssuedAccessToken {
	token: string;
	/** Seconds until `exp`, the unit of JWT `exp` and of the API's `expiresIn`. */
	expiresIn: number;
}

/** Issues and verifies access tokens. */
export interface AccessTokens {
	/**
	 * Signs a token for an account or client; returns it with its lifetime in whole
	 * seconds, the unit of JWT `exp` and of the API's `expiresIn`.
	 */
	issue(claims: AccessClaims, ttlMs?: number): Promise<IssuedAccessToken>;
	/** Verifies a token and returns its claims, or throws INVALID_TOKEN (401). */
	verify(token: string): Promise<AccessClaims>;
}

const ISSUER = "basalt";
const AUDIENCE = "basalt";
const TOKEN_TYPE = "access";
/** Verified tokens kept: one per active client session, a few MB at most. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Issues and verifies access tokens (docs/auth.md#access-tokens): EdDSA JWTs from the
 * key ring, with `kid`, `iss`, `aud`, `exp`. The algorithm is fixed here, never read
 * from the token, so `alg: none` and HS256-with-the-public-key forgeries fail.
 */
export function createAccessTokens(deps: {
	keyRing: KeyRing;
	/** How long a token lives unless issue() is told otherwise. */
	ttlMs: number;
	/**
	 * Hears each lookup of the verified-token cache (the metrics) with the token's
	 * collection; a token that does not verify counts as a miss of `(invalid)`, since
	 * its claims are the sender's to choose.
	 */
	countLookup?: (hit: boolean, collection: string) => void;
}): AccessTokens {
	const countLookup = deps.countLookup ?? (() => {});
	/**
	 * Tokens that verified, until they expire. Checking an Ed25519 signature costs
	 * more than a whole record view (bench:auth: ~160 µs), and a client sends the
	 * same token with every request for 15 minutes. A token is immutable and keys are
	 * never withdrawn, so a verified token stays valid until `exp`; what can end it
	 * sooner (a new password, a revoked key or client) is checked per request by the
	 * account, key or client lookup, not here. Keyed by the whole token: a token that
	 * differs by one character is verified in full.
	 */
	const verified = createBoundedLru<string, AccessClaims>({
		maxEntries: VERIFIED_CACHE_SIZE,
		ttlAutopurge: false,
	});
	return {
		async issue(
			claims: AccessClaims,
			ttlMs = deps.ttlMs,
		): Promise<IssuedAccessToken> {
			const ttlSeconds = Math.max(1, Math.round(ttlMs / 1000));
			const key = deps.keyRing.activeKey();
			const token = await new SignJWT({
				col: claims.col,
				tkh: claims.tkh,
				typ: TOKEN_TYPE,
				...(claims.imp === undefined ? {} : { imp: claims.imp }),
				...(claims.scope !== undefined ? { scope: claims.scope } : {}),
				...(claims.clientId !== undefined
					? { client_id: claims.clientId }
					: {}),
			})
				.setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" })
				.setSubject(claims.sub)
				.setIssuer(ISSUER)
				.setAudience(AUDIENCE)
				.setIssuedAt()
				.setExpirationTime(`${ttlSeconds}s`)
				.sign(key.privateKey);
			return { token, expiresIn: ttlSeconds };
		},
		async verify(token: string): Promise<AccessClaims> {
			const known = verified.get(token);
			if (known) {
				countLookup(true, known.col);
				return known;
			}
			try {
				const { payload } = await jwtVerify(
					token,
					async (header) => {
						const key =
							typeof header.kid === "string"
								? await deps.keyRing.findKey(header.kid)
								: undefined;
						if (!key) throw new joseErrors.JWKSNoMatchingKey();
						return key.publicKey;
					},
					{
						algorithms: ["EdDSA"],
						issuer: ISSUER,
						audience: AUDIENCE,
						requiredClaims: ["sub", "exp", "iat"],
					},
				);
				if (
					payload.typ !== TOKEN_TYPE ||
					typeof payload.col !== "string" ||
					typeof payload.tkh !== "string"
				) {
					throw new Error("not an access token");
				}
				const claims: AccessClaims = {
					sub: payload.sub as string,
					col: payload.col,
					tkh: payload.tkh,
					...(typeof payload.imp === "string" ? { imp: payload.imp } : {}),
					...(typeof payload.scope === "string"
						? { scope: payload.scope }
						: {}),
					...(typeof payload.client_id === "string"
						? { clientId: payload.client_id }
						: {}),
				};
				const ttl = (payload.exp as number) * 1000 - Date.now();
				if (ttl > 0) verified.set(token, claims, { ttl });
				countLookup(false, claims.col);
				return claims;
			} catch (err: unknown) {
				countLookup(false, "(invalid)");
				const expired = err instanceof joseErrors.JWTExpired;
				throw new AppError("INVALID_TOKEN", {
					detail: expired
						? "The access token has expired."
						: "The access token is invalid.",
					cause: err,
				});
			}
		},
	};
}
