import * as oauth from "oauth4webapi";
import { AppError } from "../errors/index.js";
import type { PendingAuthorization } from "./authorization-states.js";
import { issuerForIdToken } from "./microsoft-issuer.js";
import { httpOptions, type OutboundFetch } from "./outbound-fetch.js";
import { identityFromClaims, readProfile } from "./profile-readers.js";
import {
	describeProviderFailure,
	idTokenError,
	providerError,
} from "./provider-errors.js";
import type { ProviderServer } from "./provider-metadata.js";
import type { ResolvedProvider } from "./provider-presets.js";
import type { ExternalIdentity } from "./provider-types.js";

/** Everything needed to turn a provider's callback into an identity. */
export interface IdentityRequest {
	provider: ResolvedProvider;
	server: ProviderServer;
	clientSecret: string;
	/** The redirect_uri the authorization request named (the token request repeats it). */
	redirectUri: string;
	/** The callback's parameters (query, or form body for response_mode=form_post). */
	params: URLSearchParams;
	state: string;
	pending: PendingAuthorization;
	fetch: OutboundFetch;
}

/**
 * Finishes the authorization code grant with the provider: trades the code (with
 * the PKCE verifier and the client's credentials) at the token endpoint, then, for
 * OpenID Connect, validates the ID token (signature against the provider's JWKS,
 * `iss`, `aud`, `exp`, `iat` and the `nonce` sent) and reads who signed in from it
 * (from the user info endpoint when the token has no email); for plain OAuth2, asks
 * the provider's user API.
 */
export async function fetchIdentity(
	request: IdentityRequest,
): Promise<ExternalIdentity> {
	const { as } = request.server;
	const client: oauth.Client = { client_id: request.provider.clientId };
	const callback = validateCallback(as, client, request);
	let response: Response;
	try {
		response = await oauth.authorizationCodeGrantRequest(
			as,
			client,
			clientAuthentication(request),
			callback,
			request.redirectUri,
			request.pending.codeVerifier,
			httpOptions(request.fetch),
		);
	} catch (err: unknown) {
		throw providerError("token exchange", err);
	}
	return request.provider.kind === "oidc"
		? oidcIdentity(request, client, response)
		: plainIdentity(request, client, response);
}

/**
 * Checks the callback's `iss` (RFC 9207, against mix-ups between providers) and
 * brands the parameters for the token request (errors were handled before). A `{tenantid}` issuer cannot be
 * compared here; the ID token's issuer is checked instead.
 */
function validateCallback(
	as: oauth.AuthorizationServer,
	client: oauth.Client,
	request: IdentityRequest,
): URLSearchParams {
	// Only the authorization response's own members: Apple's form post adds `user`
	// (and may add `id_token`, which oauth4webapi would take for a hybrid flow); the
	// ID token Basalt trusts is the one from the token endpoint.
	const params = new URLSearchParams();
	for (const name of ["code", "state", "iss"]) {
		const value = request.params.get(name);
		if (value !== null) params.set(name, value);
	}
	if (as.issuer.includes("{tenantid}")) params.delete("iss");
	try {
		return oauth.validateAuthResponse(as, client, params, request.state);
	} catch (err: unknown) {
		throw new AppError("OAUTH2_ID_TOKEN_INVALID", {
			detail: `The provider's callback was refused: ${describeProviderFailure(err)}.`,
			cause: err,
		});
	}
}

/** client_secret_post where the provider asks for it (Apple, GitHub), else Basic (RFC 6749). */
function clientAuthentication(request: IdentityRequest): oauth.ClientAuth {
	const methods = request.server.as.token_endpoint_auth_methods_supported;
	const post =
		request.provider.kind === "oauth2" ||
		(methods?.includes("client_secret_post") === true &&
			!methods.includes("client_secret_basic"));
	return post
		? oauth.ClientSecretPost(request.clientSecret)
		: oauth.ClientSecretBasic(request.clientSecret);
}

async function oidcIdentity(
	request: IdentityRequest,
	client: oauth.Client,
	response: Response,
): Promise<ExternalIdentity> {
	const http = httpOptions(request.fetch);
	const peeked = (await response
		.clone()
		.json()
		.catch(() => ({}))) as { id_token?: unknown };
	const issuer = issuerForIdToken(request.server.as.issuer, peeked.id_token);
	if (issuer === undefined)
		throw new AppError("OAUTH2_ID_TOKEN_INVALID", {
			detail: "The ID token names no tenant (tid) to check its issuer against.",
		});
	const as = { ...request.server.as, issuer };
	let tokens: oauth.TokenEndpointResponse;
	try {
		tokens = await oauth.processAuthorizationCodeResponse(
			as,
			client,
			response,
			{
				expectedNonce: request.pending.nonce ?? oauth.expectNoNonce,
				requireIdToken: true,
			},
		);
		// oauth4webapi trusts TLS for the token endpoint's answer; Basalt checks the
		// signature too, so a provider reached over plain http (tests) or a tampered
		// answer cannot slip a made-up identity through.
		await oauth.validateApplicationLevelSignature(as, response, {
			...http,
			[oauth.jwksCache]: request.server.jwks,
		});
	} catch (err: unknown) {
		throw idTokenError(err);
	}
	const claims = oauth.getValidatedIdTokenClaims(tokens) as oauth.IDToken;
	const verified = request.provider.emailVerified;
	if (typeof claims.email === "string" || !as.userinfo_endpoint)
		return identityFromClaims(claims, verified);
	// The email and whether it is verified are read together, from one source.
	try {
		const answer = await oauth.userInfoRequest(
			as,
			client,
			tokens.access_token,
			http,
		);
		const info = await oauth.processUserInfoResponse(
			as,
			client,
			claims.sub,
			answer,
		);
		return identityFromClaims({ ...info, sub: claims.sub }, verified);
	} catch (err: unknown) {
		throw providerError("user info", err);
	}
}

async function plainIdentity(
	request: IdentityRequest,
	client: oauth.Client,
	response: Response,
): Promise<ExternalIdentity> {
	const http = httpOptions(request.fetch);
	let tokens: oauth.TokenEndpointResponse;
	try {
		tokens = await oauth.processAuthorizationCodeResponse(
			request.server.as,
			client,
			response,
		);
	} catch (err: unknown) {
		throw providerError("token exchange", err);
	}
	const get = async (url: string) => {
		const answer = await oauth.protectedResourceRequest(
			tokens.access_token,
			"GET",
			new URL(url),
			new Headers({ accept: "application/json" }),
			undefined,
			http,
		);
		if (answer.status !== 200)
			throw new Error(`the user API answered HTTP ${answer.status}`);
		return answer.json() as Promise<unknown>;
	};
	try {
		return await readProfile(
			request.provider.profile as "github" | "discord" | "userinfo",
			request.provider.userinfoUrl as string,
			get,
		);
	} catch (err: unknown) {
		throw providerError("user info", err);
	}
}
