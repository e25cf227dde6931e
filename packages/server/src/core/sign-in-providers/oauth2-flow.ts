import * as oauth from "oauth4webapi";
import { coerceError } from "../../tools/errors/index.js";
import type { Logger } from "../../tools/logger/index.js";
import {
	type AccountsService,
	authCollectionNamed,
	type Session,
} from "../accounts/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Sealer } from "../encryption/index.js";
import { AppError, isAppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";
import type {
	AuthorizationStates,
	PendingAuthorization,
} from "./authorization-states.js";
import { openClientSecret } from "./client-secret.js";
import type { ExchangeCodes } from "./exchange-codes.js";
import { fetchIdentity } from "./external-identity.js";
import type { AccountLinker } from "./link-account.js";
import type { OutboundFetch } from "./outbound-fetch.js";
import { describeProviderFailure } from "./provider-errors.js";
import type { ProviderMetadata } from "./provider-metadata.js";
import type { ResolvedProvider } from "./provider-presets.js";
import { appRedirect, matchRedirect } from "./redirect-allowlist.js";

/** What the sign-in flow is built from. */
export interface FlowDeps {
	registry: CollectionRegistry;
	/** The provider if it is active and offered for the collection; else OAUTH2_PROVIDER_NOT_FOUND. */
	usableProvider(
		name: string,
		collection: Collection,
	): Promise<ResolvedProvider>;
	metadata: ProviderMetadata;
	states: AuthorizationStates;
	codes: ExchangeCodes;
	linkAccount: AccountLinker;
	accounts: Pick<AccountsService, "sessionForAccount">;
	/** Seals and opens the secrets kept in the database. */
	sealer: Sealer;
	fetch: OutboundFetch;
	/** Basalt's callback URL for a collection and provider (the redirect_uri). */
	callbackUrl(collection: string, provider: string): string;
	logger: Logger;
}

/** GET …/auth/oauth2/{provider}: where the sign-in starts. */
export interface BeginRequest {
	collection: string;
	provider: string;
	/** The app URL to come back to; must be on the provider's allowlist. */
	redirect: string;
	/** The app's own state, handed back on return (protects the app from login CSRF). */
	appState: string | undefined;
}

/** A session from a finished sign-in, with how it came about. */
export type OAuth2Session = Session & {
	meta: { provider: string; isNew: boolean };
};

/**
 * The authorization code flow with PKCE (RFC 7636), `state` and, for OpenID
 * Connect, `nonce`, seen from the app: `begin` sends the browser to the provider,
 * `complete` takes the provider's callback and sends the browser back to the app
 * with a one-time code (never a token in a URL), and `exchange` trades that code
 * for a session.
 */
export function createOAuth2Flow(deps: FlowDeps) {
	const authCollection = (name: string) =>
		authCollectionNamed(deps.registry, name);

	/** Stores the pending sign-in and returns the provider's authorization URL. */
	async function begin(request: BeginRequest): Promise<string> {
		const collection = authCollection(request.collection);
		const provider = await deps.usableProvider(request.provider, collection);
		const redirect = matchRedirect(provider.redirectUrls, request.redirect);
		if (!redirect)
			throw new AppError("OAUTH2_REDIRECT_NOT_ALLOWED", {
				detail:
					"Add the URL (origin and path) to the provider's redirectUrls to allow it.",
			});
		const { as } = await deps.metadata.serverFor(provider);
		const codeVerifier = oauth.generateRandomCodeVerifier();
		const nonce =
			provider.kind === "oidc" ? oauth.generateRandomNonce() : undefined;
		const state = await deps.states.create({
			provider: provider.name,
			collectionId: collection.id,
			codeVerifier,
			nonce,
			redirectUrl: redirect.href,
			appState: request.appState,
		});
		const url = new URL(as.authorization_endpoint as string);
		const params = {
			client_id: provider.clientId,
			redirect_uri: deps.callbackUrl(collection.name, provider.name),
			response_type: "code",
			scope: provider.scopes.join(" "),
			state,
			code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
			code_challenge_method: "S256",
			nonce,
			response_mode: provider.formPost ? "form_post" : undefined,
		};
		for (const [name, value] of Object.entries(params))
			if (value !== undefined) url.searchParams.set(name, value);
		return url.href;
	}

	/**
	 * Handles the provider's callback. An unknown, expired, spent or mismatched
	 * `state` throws OAUTH2_STATE_INVALID (no app URL is known to go back to); any
	 * later failure goes back to the app as `error=<code>`. Returns the app URL.
	 */
	async function complete(
		collectionName: string,
		providerName: string,
		params: URLSearchParams,
	): Promise<string> {
		const state = params.get("state") ?? "";
		const pending = await deps.states.consume(state);
		if (
			!pending ||
			pending.provider !== providerName ||
			deps.registry.find(collectionName)?.id !== pending.collectionId
		)
			throw new AppError("OAUTH2_STATE_INVALID");
		const back = (answer: Record<string, string>) =>
			appRedirect(pending.redirectUrl, { ...answer, state: pending.appState });
		try {
			const code = await signIn(collectionName, params, state, pending);
			return back({ code });
		} catch (err: unknown) {
			logFailure(pending, err);
			if (!isAppError(err)) return back({ error: "INTERNAL_ERROR" });
			const providerError = err.extensions?.providerError;
			return back({
				error: err.code,
				...(typeof providerError === "string" ? { providerError } : {}),
			});
		}
	}

	/** Exchanges the code with the provider, links the account, and issues an exchange code. */
	async function signIn(
		collectionName: string,
		params: URLSearchParams,
		state: string,
		pending: PendingAuthorization,
	): Promise<string> {
		const collection = authCollection(collectionName);
		const provider = await deps.usableProvider(pending.provider, collection);
		const error = params.get("error");
		if (error !== null) {
			// RFC 6749 error codes are a few lower-case words; anything else is not passed on.
			const providerError = /^[a-z_]{1,64}$/.test(error) ? error : undefined;
			throw new AppError("OAUTH2_AUTHORIZATION_DENIED", {
				detail: `The provider answered "${providerError ?? "an error"}".`,
				extensions: { providerError },
			});
		}
		const identity = await fetchIdentity({
			provider,
			server: await deps.metadata.serverFor(provider),
			clientSecret: openClientSecret(
				deps.sealer,
				provider.name,
				provider.sealedSecret,
			),
			redirectUri: deps.callbackUrl(collection.name, provider.name),
			params,
			state,
			pending,
			fetch: deps.fetch,
		});
		const outcome = await deps.linkAccount(collection, provider.name, identity);
		deps.logger.info(
			{ provider: provider.name, collection: collection.name, ...outcome },
			"oauth2 sign-in",
		);
		return deps.codes.issue({
			provider: provider.name,
			collectionId: collection.id,
			...outcome,
		});
	}

	/** Logs why a sign-in failed: codes and reasons, never tokens, claims or emails. */
	function logFailure(pending: PendingAuthorization, err: unknown): void {
		const cause = isAppError(err) ? err.cause : err;
		const line = {
			provider: pending.provider,
			code: isAppError(err) ? err.code : "INTERNAL_ERROR",
			reason: cause === undefined ? undefined : describeProviderFailure(cause),
		};
		if (isAppError(err)) deps.logger.warn(line, "oauth2 sign-in failed");
		else
			deps.logger.error(
				{ ...line, err: coerceError(err) },
				"oauth2 sign-in failed",
			);
	}

	/** Trades an exchange code for a session; OAUTH2_CODE_INVALID if it cannot be. */
	async function exchange(code: string): Promise<OAuth2Session> {
		const signedIn = await deps.codes.redeem(code);
		const session =
			signedIn &&
			(await deps.accounts.sessionForAccount(
				signedIn.collectionId,
				signedIn.recordId,
			));
		if (!signedIn || !session) throw new AppError("OAUTH2_CODE_INVALID");
		return {
			...session,
			meta: { provider: signedIn.provider, isNew: signedIn.isNew },
		};
	}

	return { begin, complete, exchange };
}

/** The OAuth2 sign-in flow. */
export type OAuth2Flow = ReturnType<typeof createOAuth2Flow>;
