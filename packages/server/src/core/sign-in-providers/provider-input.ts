import { isLoopbackHost } from "../../tools/ip/index.js";
import {
	type AddressPolicy,
	isSsrfError,
	resolveSafeTarget,
} from "../../tools/ssrf/index.js";
import { AppError, type FieldError } from "../errors/index.js";
import type { Collection } from "../model/index.js";
import { isPresetName, PRESETS } from "./provider-presets.js";
import type { ProviderColumns } from "./provider-store.js";
import type {
	ProviderInput,
	ProviderKind,
	StoredProvider,
} from "./provider-types.js";

/** What checkProviderInput needs to judge URLs and collections. */
export interface InputChecks {
	policy: AddressPolicy;
	findCollection(name: string): Collection | undefined;
}

/** A checked provider as it will be stored; the secret is sealed by the caller. */
export type CheckedProvider = Omit<ProviderColumns, "sealedSecret">;

type Errors = Record<string, FieldError>;
type Endpoint = "issuer" | "authorizationUrl" | "tokenUrl" | "userinfoUrl";

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$/;
/** RFC 6749 section 3.3: a scope token is printable ASCII without space, `"` or `\`. */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const ENDPOINTS: readonly Endpoint[] = [
	"issuer",
	"authorizationUrl",
	"tokenUrl",
	"userinfoUrl",
];
const PLAIN_URLS: readonly Endpoint[] = ENDPOINTS.slice(1);

/**
 * Checks a provider create (`before` undefined) or PATCH against what a JSON Schema
 * cannot: the name, the preset and which members it allows, every URL (https, and
 * the server-side ones through the SSRF guard), scopes, collections and redirect
 * URLs. A PATCH is judged merged with the stored provider. Returns the columns to
 * store; throws VALIDATION_FAILED naming every bad member.
 */
export async function checkProviderInput(
	input: ProviderInput,
	before: StoredProvider | undefined,
	checks: InputChecks,
): Promise<CheckedProvider> {
	const errors: Errors = {};
	const merged = mergeInput(input, before);
	if (!before && !NAME.test(merged.name))
		errors.name = {
			code: "INVALID_NAME",
			message: "must match ^[a-z][a-z0-9_-]{0,62}$",
		};
	const kind = checkShape(merged, errors);
	for (const member of ENDPOINTS) {
		const url = input[member];
		if (typeof url === "string" && !errors[member]) {
			const problem = await checkEndpointUrl(url, member, checks.policy);
			if (problem) errors[member] = problem;
		}
	}
	checkScopes(merged.scopes, kind, errors);
	if (input.collections)
		merged.collectionIds = collectionIds(input.collections, checks, errors);
	if (input.redirectUrls)
		merged.redirectUrls = redirectUrls(input.redirectUrls, errors);
	if (Object.keys(errors).length > 0) {
		const [at, first] = Object.entries(errors)[0] as [string, FieldError];
		throw new AppError("VALIDATION_FAILED", {
			detail: `${at}: ${first.message}.`,
			errors,
		});
	}
	return merged;
}

/** The stored provider with the given members replaced (collections resolved later). */
function mergeInput(
	input: ProviderInput,
	before: StoredProvider | undefined,
): CheckedProvider {
	const pick = <T>(value: T | undefined, fallback: T): T =>
		value === undefined ? fallback : value;
	return {
		name: before?.name ?? input.name ?? "",
		preset: pick(
			input.preset,
			before?.preset ?? null,
		) as CheckedProvider["preset"],
		issuer: pick(input.issuer, before?.issuer ?? null),
		tenant: pick(input.tenant, before?.tenant ?? null),
		clientId: pick(input.clientId, before?.clientId ?? ""),
		scopes: pick(input.scopes, before?.scopes ?? null),
		authorizationUrl: pick(
			input.authorizationUrl,
			before?.authorizationUrl ?? null,
		),
		tokenUrl: pick(input.tokenUrl, before?.tokenUrl ?? null),
		userinfoUrl: pick(input.userinfoUrl, before?.userinfoUrl ?? null),
		collectionIds:
			input.collections === null ? null : (before?.collectionIds ?? null),
		redirectUrls: before?.redirectUrls ?? [],
		active: pick(input.active, before?.active ?? true),
	};
}

/**
 * Checks which members the preset (or its absence) allows: OpenID Connect providers
 * are discovered from `issuer`, plain OAuth2 ones need their three URLs, and only
 * Microsoft has a tenant. Returns the provider's kind.
 */
function checkShape(merged: CheckedProvider, errors: Errors): ProviderKind {
	const { preset } = merged;
	if (preset !== null && !isPresetName(preset)) {
		errors.preset = {
			code: "UNKNOWN_PRESET",
			message: `must be one of ${Object.keys(PRESETS).join(", ")}`,
		};
		return "oidc";
	}
	const kind =
		preset !== null
			? PRESETS[preset].kind
			: merged.issuer !== null
				? "oidc"
				: "oauth2";
	if (kind === "oidc") {
		for (const member of PLAIN_URLS)
			if (merged[member] !== null)
				errors[member] = notAllowed(
					"OpenID Connect providers take their endpoints from the issuer's discovery document",
				);
	} else if (preset !== null && merged.issuer !== null) {
		errors.issuer = notAllowed(
			`${preset} is plain OAuth2: override authorizationUrl, tokenUrl or userinfoUrl instead`,
		);
	} else if (preset === null) {
		for (const member of PLAIN_URLS)
			if (merged[member] === null)
				errors[member] = {
					code: "VALUE_REQUIRED",
					message:
						"set issuer (OpenID Connect), or authorizationUrl, tokenUrl and userinfoUrl (OAuth2)",
				};
	}
	checkTenant(merged, errors);
	return kind;
}

function checkTenant(merged: CheckedProvider, errors: Errors): void {
	if (merged.tenant === null) return;
	if (merged.preset !== "microsoft")
		errors.tenant = notAllowed("only the microsoft preset has a tenant");
	else if (merged.issuer !== null)
		errors.tenant = notAllowed("the issuer already names the tenant");
	else if (!TENANT.test(merged.tenant))
		errors.tenant = {
			code: "INVALID_VALUE",
			message:
				"must be common, organizations, consumers, a tenant id or a domain",
		};
}

function notAllowed(why: string): FieldError {
	return { code: "NOT_ALLOWED", message: why };
}

/**
 * Checks one endpoint URL: absolute, https (plain http only to loopback), no
 * credentials or fragment, and, for the URLs the server itself calls, a host the
 * SSRF guard lets it reach (the browser, not the server, opens authorizationUrl).
 */
async function checkEndpointUrl(
	raw: string,
	member: Endpoint,
	policy: AddressPolicy,
): Promise<FieldError | undefined> {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return { code: "INVALID_URL", message: "is not an absolute URL" };
	}
	if (
		url.protocol !== "https:" &&
		!(url.protocol === "http:" && isLoopbackHost(url.hostname))
	)
		return {
			code: "INSECURE_URL",
			message: "must be https (plain http only for localhost)",
		};
	if (url.username || url.password || url.hash)
		return {
			code: "INVALID_URL",
			message: "must have no credentials or fragment",
		};
	if (member === "issuer" && url.search)
		return { code: "INVALID_URL", message: "an issuer has no query" };
	if (member === "authorizationUrl") return undefined;
	try {
		await resolveSafeTarget(url, policy);
		return undefined;
	} catch (err: unknown) {
		if (!isSsrfError(err)) throw err;
		return { code: "URL_REFUSED", message: err.reason };
	}
}

function checkScopes(
	scopes: string[] | null,
	kind: ProviderKind,
	errors: Errors,
): void {
	if (scopes === null) return;
	if (!scopes.every((scope) => SCOPE.test(scope)))
		errors.scopes = {
			code: "INVALID_SCOPE",
			message:
				"scopes are printable ASCII without spaces, quotes or backslashes",
		};
	else if (kind === "oidc" && !scopes.includes("openid"))
		errors.scopes = {
			code: "MISSING_OPENID",
			message: 'an OpenID Connect provider needs the "openid" scope',
		};
}

/** Turns collection names into ids; each must be an existing auth collection. */
function collectionIds(
	names: string[],
	checks: InputChecks,
	errors: Errors,
): string[] {
	const ids: string[] = [];
	for (const name of names) {
		const collection = checks.findCollection(name);
		if (collection?.type !== "auth") {
			errors.collections = {
				code: collection ? "NOT_AUTH_COLLECTION" : "UNKNOWN_COLLECTION",
				message: `"${name.slice(0, 64)}" is not an auth collection`,
			};
			return [];
		}
		if (!ids.includes(collection.id)) ids.push(collection.id);
	}
	return ids;
}

/** Checks the app URLs sign-ins may return to: absolute http(s), no fragment. */
function redirectUrls(urls: string[], errors: Errors): string[] {
	const checked: string[] = [];
	for (const raw of urls) {
		let url: URL | undefined;
		try {
			url = new URL(raw);
		} catch {
			url = undefined;
		}
		const ok =
			url &&
			(url.protocol === "https:" || url.protocol === "http:") &&
			!url.username &&
			!url.password &&
			!url.hash;
		if (!ok || !url) {
			errors.redirectUrls = {
				code: "INVALID_URL",
				message: `"${raw.slice(0, 200)}" is not an absolute http(s) URL without credentials or fragment`,
			};
			return [];
		}
		if (!checked.includes(url.href)) checked.push(url.href);
	}
	return checked;
}
