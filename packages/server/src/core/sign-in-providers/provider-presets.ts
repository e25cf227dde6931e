import type {
	PresetName,
	ProviderKind,
	StoredProvider,
} from "./provider-types.js";

/** How the user's identity is read once the code is exchanged. */
export type ProfileSource = "id_token" | "github" | "discord" | "userinfo";

/** What Basalt knows of a well-known provider. */
interface Preset {
	kind: ProviderKind;
	/** OpenID Connect issuer; `{tenant}` is the provider's tenant. */
	issuer?: string;
	authorizationUrl?: string;
	tokenUrl?: string;
	userinfoUrl?: string;
	scopes: readonly string[];
	profile: ProfileSource;
	/** Apple posts the callback (response_mode=form_post) when asked for name or email. */
	formPost?: boolean;
	/** Reads "the provider verified this email" from the claims; standard `email_verified` by default. */
	emailVerified?(claims: Record<string, unknown>): boolean;
}

const OIDC_SCOPES = ["openid", "email", "profile"] as const;

/** Tells whether a claim is true; Apple sends booleans as the strings "true"/"false". */
export function isTrueClaim(value: unknown): boolean {
	return value === true || value === "true";
}

/** The well-known providers (docs/auth.md#providers). */
export const PRESETS: Readonly<Record<PresetName, Preset>> = {
	google: {
		kind: "oidc",
		issuer: "https://accounts.google.com",
		scopes: OIDC_SCOPES,
		profile: "id_token",
	},
	microsoft: {
		kind: "oidc",
		issuer: "https://login.microsoftonline.com/{tenant}/v2.0",
		scopes: OIDC_SCOPES,
		profile: "id_token",
		// Entra ID's `email` claim is whatever the tenant's admin typed (the "nOAuth"
		// takeovers of 2023); only `xms_edov` (the domain owner verified it) vouches.
		emailVerified: (claims) =>
			isTrueClaim(claims.xms_edov) || isTrueClaim(claims.email_verified),
	},
	gitlab: {
		kind: "oidc",
		issuer: "https://gitlab.com",
		scopes: OIDC_SCOPES,
		profile: "id_token",
	},
	apple: {
		kind: "oidc",
		issuer: "https://appleid.apple.com",
		scopes: ["openid", "email", "name"],
		profile: "id_token",
		formPost: true,
	},
	github: {
		kind: "oauth2",
		authorizationUrl: "https://github.com/login/oauth/authorize",
		tokenUrl: "https://github.com/login/oauth/access_token",
		userinfoUrl: "https://api.github.com/user",
		scopes: ["read:user", "user:email"],
		profile: "github",
	},
	discord: {
		kind: "oauth2",
		authorizationUrl: "https://discord.com/oauth2/authorize",
		tokenUrl: "https://discord.com/api/oauth2/token",
		userinfoUrl: "https://discord.com/api/users/@me",
		scopes: ["identify", "email"],
		profile: "discord",
	},
};

/** Tells whether a string names a preset. */
export function isPresetName(value: string): value is PresetName {
	return Object.hasOwn(PRESETS, value);
}

/** A provider with the preset's defaults filled in: what the sign-in flow uses. */
export interface ResolvedProvider {
	name: string;
	preset: PresetName | null;
	kind: ProviderKind;
	/** OpenID Connect: the issuer to discover. */
	issuer: string | null;
	tenant: string | null;
	authorizationUrl: string | null;
	tokenUrl: string | null;
	userinfoUrl: string | null;
	scopes: string[];
	profile: ProfileSource;
	formPost: boolean;
	emailVerified(claims: Record<string, unknown>): boolean;
	clientId: string;
	sealedSecret: string;
	collectionIds: string[] | null;
	redirectUrls: string[];
	active: boolean;
	updated: string;
}

/** Fills a stored provider's unset members from its preset (or the generic defaults). */
export function resolveProvider(stored: StoredProvider): ResolvedProvider {
	const preset = stored.preset ? PRESETS[stored.preset] : undefined;
	const kind: ProviderKind =
		preset?.kind ?? (stored.issuer !== null ? "oidc" : "oauth2");
	const tenant =
		stored.preset === "microsoft" ? (stored.tenant ?? "common") : null;
	const issuer =
		stored.issuer ?? preset?.issuer?.replace("{tenant}", tenant ?? "") ?? null;
	return {
		name: stored.name,
		preset: stored.preset,
		kind,
		issuer: kind === "oidc" ? issuer : null,
		tenant,
		authorizationUrl:
			stored.authorizationUrl ?? preset?.authorizationUrl ?? null,
		tokenUrl: stored.tokenUrl ?? preset?.tokenUrl ?? null,
		userinfoUrl: stored.userinfoUrl ?? preset?.userinfoUrl ?? null,
		scopes: stored.scopes ?? [
			...(preset?.scopes ?? (kind === "oidc" ? OIDC_SCOPES : [])),
		],
		profile: preset?.profile ?? (kind === "oidc" ? "id_token" : "userinfo"),
		formPost: preset?.formPost ?? false,
		emailVerified:
			preset?.emailVerified ?? ((claims) => isTrueClaim(claims.email_verified)),
		clientId: stored.clientId,
		sealedSecret: stored.sealedSecret,
		collectionIds: stored.collectionIds,
		redirectUrls: stored.redirectUrls,
		active: stored.active,
		updated: stored.updated,
	};
}
