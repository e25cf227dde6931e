import { AppError } from "../errors/index.js";
import { isTrueClaim, type ProfileSource } from "./provider-presets.js";
import type { ExternalIdentity } from "./provider-types.js";

/** GETs a provider API URL with the user's access token; resolves to its JSON. */
export type JsonGetter = (url: string) => Promise<unknown>;

type Json = Record<string, unknown>;

/**
 * Reads who signed in at a plain OAuth2 provider from its user API (an OpenID
 * Connect provider's ID token says it instead).
 *
 * - GitHub: `GET /user` gives the id; the email is the primary one of
 *   `GET /user/emails`, verified only if GitHub says so (`user:email` scope).
 * - Discord: `GET /users/@me` gives id, email and `verified`.
 * - Any other: the user info URL answers OpenID-style `sub` (or `id`), `email`,
 *   `email_verified`.
 */
export async function readProfile(
	source: Exclude<ProfileSource, "id_token">,
	userinfoUrl: string,
	get: JsonGetter,
): Promise<ExternalIdentity> {
	const user = asObject(await get(userinfoUrl));
	if (source === "github") {
		const emails = await get(`${userinfoUrl.replace(/\/+$/, "")}/emails`);
		const primary = Array.isArray(emails)
			? (emails.map(asObject).find((e) => e.primary === true) ?? {})
			: {};
		return identity(user.id, primary.email, primary.verified === true);
	}
	if (source === "discord")
		return identity(user.id, user.email, user.verified === true);
	return identity(
		user.sub ?? user.id,
		user.email,
		isTrueClaim(user.email_verified),
	);
}

/**
 * Builds an identity from OpenID Connect claims (ID token and user info merged);
 * `emailVerified` is the preset's reading of them.
 */
export function identityFromClaims(
	claims: Json,
	emailVerified: (claims: Json) => boolean,
): ExternalIdentity {
	return identity(claims.sub, claims.email, emailVerified(claims));
}

function identity(
	subject: unknown,
	email: unknown,
	verified: boolean,
): ExternalIdentity {
	const id =
		typeof subject === "number" && Number.isSafeInteger(subject)
			? String(subject)
			: subject;
	if (typeof id !== "string" || id === "" || id.length > 255)
		throw new AppError("OAUTH2_PROVIDER_ERROR", {
			detail: "The provider's user information names no user id.",
		});
	const address =
		typeof email === "string" && email.includes("@") && email.length <= 320
			? email.trim().toLowerCase()
			: undefined;
	return {
		subject: id,
		email: address,
		emailVerified: address !== undefined && verified,
	};
}

function asObject(value: unknown): Json {
	return typeof value === "object" && value !== null && !Array.isArray(value)
		? (value as Json)
		: {};
}
