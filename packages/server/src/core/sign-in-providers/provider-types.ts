/**
 * OAuth2 / OpenID Connect providers (docs/auth.md#providers): what a superuser sends,
 * what the API shows, and what the table holds.
 */

/** The providers Basalt knows the endpoints and quirks of. */
export type PresetName =
	| "google"
	| "microsoft"
	| "gitlab"
	| "apple"
	| "github"
	| "discord";

/** `oidc`: discovery and a validated ID token; `oauth2`: a user API tells who signed in. */
export type ProviderKind = "oidc" | "oauth2";

/** The members of POST /api/v1/oauth2/providers (all but `name` may come in a PATCH). */
export interface ProviderInput {
	name?: string;
	preset?: string | null;
	/** OpenID Connect issuer to discover; overrides a preset's (self-hosted GitLab). */
	issuer?: string | null;
	/** Microsoft only: `common` (default), `organizations`, `consumers` or a tenant id. */
	tenant?: string | null;
	clientId?: string;
	clientSecret?: string;
	scopes?: string[] | null;
	authorizationUrl?: string | null;
	tokenUrl?: string | null;
	userinfoUrl?: string | null;
	/** Auth collections that may use it (names); null or left out: every one. */
	collections?: string[] | null;
	/** Where the app may ask to be sent back to: origin and path must match exactly. */
	redirectUrls?: string[];
	active?: boolean;
}

/** The members of a create: a name and a client secret are required. */
export type NewProviderInput = ProviderInput & {
	name: string;
	clientSecret: string;
};

/** A provider as the API shows it: the client secret never leaves the server. */
export interface Provider {
	name: string;
	preset: PresetName | null;
	kind: ProviderKind;
	issuer: string | null;
	tenant: string | null;
	clientId: string;
	clientSecretSet: true;
	scopes: string[];
	authorizationUrl: string | null;
	tokenUrl: string | null;
	userinfoUrl: string | null;
	collections: string[] | null;
	redirectUrls: string[];
	active: boolean;
	/** The redirect URI to register at the provider, per collection that may use it. */
	callbackUrls: Record<string, string>;
	created: string;
	updated: string;
}

/**
 * A `_oauth2_providers` row as read. Nullable members left null take the preset's
 * value, so a preset's defaults can improve without rewriting stored providers.
 */
export interface StoredProvider {
	name: string;
	preset: PresetName | null;
	issuer: string | null;
	tenant: string | null;
	clientId: string;
	sealedSecret: string;
	scopes: string[] | null;
	authorizationUrl: string | null;
	tokenUrl: string | null;
	userinfoUrl: string | null;
	collectionIds: string[] | null;
	redirectUrls: string[];
	active: boolean;
	created: string;
	updated: string;
}

/** Who signed in at the provider, as far as the provider vouches for it. */
export interface ExternalIdentity {
	/** The provider's stable id of the user (`sub`, or GitHub's and Discord's `id`). */
	subject: string;
	/** Lower-cased; undefined when the provider shared none. */
	email: string | undefined;
	/** True only when the provider asserts the email is verified. */
	emailVerified: boolean;
}
