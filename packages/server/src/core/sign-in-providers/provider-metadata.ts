import * as oauth from "oauth4webapi";
import type { Clock } from "../../tools/time/index.js";
import { acceptsMicrosoftIssuer } from "./microsoft-issuer.js";
import { httpOptions, type OutboundFetch } from "./outbound-fetch.js";
import { providerError } from "./provider-errors.js";
import type { ResolvedProvider } from "./provider-presets.js";

/** A provider's endpoints, and the signing keys fetched for it so far. */
export interface ProviderServer {
	as: oauth.AuthorizationServer;
	/** Kept across sign-ins; oauth4webapi refetches keys older than five minutes. */
	jwks: oauth.JWKSCacheInput;
}

/** Discovery documents change rarely; an hour bounds how stale endpoints can be. */
const DISCOVERY_TTL_MS = 3600_000;

/**
 * Creates the source of providers' endpoints: OpenID Connect discovery (cached an
 * hour per provider version, on this node), or the configured URLs of a plain
 * OAuth2 provider. Failures are OAUTH2_PROVIDER_ERROR and are not cached.
 */
export function createProviderMetadata(deps: {
	fetch: OutboundFetch;
	clock: Clock;
}) {
	const cache = new Map<
		string,
		{ version: string; server: ProviderServer; expires: number }
	>();

	async function discover(
		provider: ResolvedProvider,
	): Promise<oauth.AuthorizationServer> {
		const configured = provider.issuer as string;
		try {
			const response = await oauth.discoveryRequest(new URL(configured), {
				...httpOptions(deps.fetch),
				algorithm: "oidc",
			});
			const expected = await expectedIssuer(provider, configured, response);
			const as = await oauth.processDiscoveryResponse(expected, response);
			for (const endpoint of [
				"authorization_endpoint",
				"token_endpoint",
			] as const)
				if (!URL.canParse(String(as[endpoint])))
					throw new Error(`the discovery document has no valid ${endpoint}`);
			return as;
		} catch (err: unknown) {
			throw providerError("discovery", err);
		}
	}

	return {
		/** The provider's endpoints, discovered at most once an hour. */
		async serverFor(provider: ResolvedProvider): Promise<ProviderServer> {
			const version = `${provider.updated} ${provider.issuer}`;
			const now = deps.clock().getTime();
			const hit = cache.get(provider.name);
			if (hit && hit.version === version && hit.expires > now)
				return hit.server;
			const as =
				provider.kind === "oidc"
					? await discover(provider)
					: plainServer(provider);
			const server = { as, jwks: {} };
			cache.set(provider.name, {
				version,
				server,
				expires: now + DISCOVERY_TTL_MS,
			});
			return server;
		},
		/** Drops what is known of a provider (changed or deleted). */
		forget(name: string): void {
			cache.delete(name);
		},
	};
}

/**
 * The issuer the discovery document must name: the configured one, except that
 * Microsoft's multi-tenant and domain-named tenants answer with the tenant
 * template or id (see microsoft-issuer.ts).
 */
async function expectedIssuer(
	provider: ResolvedProvider,
	configured: string,
	response: Response,
): Promise<URL> {
	if (provider.preset !== "microsoft" || response.status !== 200)
		return new URL(configured);
	const body = (await response
		.clone()
		.json()
		.catch(() => undefined)) as { issuer?: unknown } | undefined;
	const discovered = body?.issuer;
	return typeof discovered === "string" &&
		acceptsMicrosoftIssuer(configured, discovered)
		? new URL(discovered)
		: new URL(configured);
}

/** The endpoints of a plain OAuth2 provider, as oauth4webapi wants them. */
function plainServer(provider: ResolvedProvider): oauth.AuthorizationServer {
	const authorization = provider.authorizationUrl as string;
	return {
		issuer: new URL(authorization).origin,
		authorization_endpoint: authorization,
		token_endpoint: provider.tokenUrl as string,
		userinfo_endpoint: provider.userinfoUrl as string,
	};
}

/** Where the sign-in flow gets providers' endpoints. */
export type ProviderMetadata = ReturnType<typeof createProviderMetadata>;
