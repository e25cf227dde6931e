import { type AccessTokens, isScope, scopeCovers } from "../auth/index.js";
import { CLIENTS_COLLECTION } from "../model/index.js";
import type { ClientsService } from "./clients-service.js";
import { TokenError } from "./token-error.js";

/** Client credentials from `Authorization: Basic` (client_secret_basic). */
export interface BasicCredentials {
	clientId: string;
	clientSecret: string;
}

/** A token request as the HTTP layer read it. */
export interface TokenRequest {
	/** The form body; undefined when the body was not application/x-www-form-urlencoded. */
	form: URLSearchParams | undefined;
	/** From an `Authorization: Basic` header; "malformed" when there was one that did not decode. */
	basic: BasicCredentials | "malformed" | undefined;
}

/** A successful token response (RFC 6749 section 5.1). */
export interface TokenResponse {
	access_token: string;
	token_type: "Bearer";
	expires_in: number;
	scope: string;
}

/** The OAuth2 client_credentials grant: client credentials in, an access token out. */
export interface ClientCredentialsGrant {
	/**
	 * Answers a token request: authenticates the client and issues a token with the
	 * granted scopes; a refusal throws a TokenError (RFC 6749 section 5.2).
	 */
	exchange(request: TokenRequest): Promise<TokenResponse>;
}

const GRANT_TYPE = "client_credentials";
// RFC 6749 section 3.3: scope tokens separated by single spaces.
const SCOPE_LIST = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;

/**
 * The OAuth2 client_credentials grant (RFC 6749 section 4.4): a registered client
 * authenticates with its id and secret, in a Basic header (client_secret_basic) or in
 * the form (client_secret_post) but not both, and gets a Basalt access token (the key
 * ring's EdDSA JWT) that carries the granted scopes and the client id. Refusals are
 * OAuthErrors in the shape of section 5.2.
 */
export function createClientCredentialsGrant(deps: {
	clients: Pick<ClientsService, "authenticate">;
	tokens: AccessTokens;
	ttlMs: number;
}): ClientCredentialsGrant {
	return {
		async exchange(request: TokenRequest): Promise<TokenResponse> {
			const form = readForm(request.form);
			const grantType = form.get("grant_type");
			if (grantType === undefined)
				throw new TokenError("invalid_request", "grant_type is missing.");
			const credentials = credentialsOf(request.basic, form);
			const authenticated =
				credentials &&
				(await deps.clients.authenticate(
					credentials.clientId,
					credentials.clientSecret,
				));
			if (!authenticated)
				throw new TokenError("invalid_client", "Client authentication failed.");
			if (grantType !== GRANT_TYPE)
				throw new TokenError(
					"unsupported_grant_type",
					"Only the client_credentials grant is supported.",
				);
			const { client, tkh } = authenticated;
			if (!client.active)
				throw new TokenError(
					"unauthorized_client",
					"The client is deactivated.",
				);
			const scopes = grantedScopes(form.get("scope"), client.scopes);
			const scope = scopes.join(" ");
			const issued = await deps.tokens.issue(
				{
					sub: client.id,
					col: CLIENTS_COLLECTION,
					tkh,
					scope,
					clientId: client.id,
				},
				deps.ttlMs,
			);
			return {
				access_token: issued.token,
				token_type: "Bearer",
				expires_in: issued.expiresIn,
				scope,
			};
		},
	};
}

/**
 * Reads the form: each parameter at most once (RFC 6749 section 3.2), an empty value
 * as if it were left out (section 3.1).
 */
function readForm(form: URLSearchParams | undefined): Map<string, string> {
	if (form === undefined)
		throw new TokenError(
			"invalid_request",
			"Send the request as application/x-www-form-urlencoded.",
		);
	const values = new Map<string, string>();
	for (const [name, value] of form) {
		if (form.getAll(name).length > 1)
			throw new TokenError(
				"invalid_request",
				"A parameter is given more than once.",
			);
		if (value !== "") values.set(name, value);
	}
	return values;
}

/** The credentials the client sent, by exactly one method; undefined when none. */
function credentialsOf(
	basic: TokenRequest["basic"],
	form: Map<string, string>,
): BasicCredentials | undefined {
	const postId = form.get("client_id");
	const postSecret = form.get("client_secret");
	if (basic !== undefined) {
		// RFC 6749 section 2.3: a client uses one authentication method per request.
		if (postSecret !== undefined)
			throw new TokenError(
				"invalid_request",
				"Authenticate with the Authorization header or the form, not both.",
			);
		if (basic === "malformed") return undefined;
		if (postId !== undefined && postId !== basic.clientId)
			throw new TokenError(
				"invalid_request",
				"client_id differs from the Authorization header.",
			);
		return basic;
	}
	if (postId === undefined || postSecret === undefined) return undefined;
	return { clientId: postId, clientSecret: postSecret };
}

/**
 * The scopes to grant: all the client holds when none are asked for, else exactly those
 * asked for, each of which the client's scopes must cover (a narrower one is fine).
 */
function grantedScopes(
	requested: string | undefined,
	held: readonly string[],
): string[] {
	if (requested === undefined) return [...held];
	if (!SCOPE_LIST.test(requested))
		throw new TokenError(
			"invalid_scope",
			"scope must be scopes separated by single spaces.",
		);
	const asked = [...new Set(requested.split(" "))];
	for (const scope of asked) {
		if (!isScope(scope) || !held.some((h) => scopeCovers(h, scope)))
			throw new TokenError(
				"invalid_scope",
				"A requested scope is unknown or not granted to this client.",
			);
	}
	return asked;
}
