/**
 * Microsoft Entra ID names the tenant in its issuer:
 * `https://login.microsoftonline.com/<tenant id>/v2.0`. The multi-tenant endpoints
 * (`common`, `organizations`, `consumers`) publish the template
 * `https://login.microsoftonline.com/{tenantid}/v2.0` instead, and each ID token
 * carries its own tenant's issuer, so a plain "iss equals the discovered issuer"
 * check refuses every sign-in (the quirk openid-client and MSAL also work around).
 */

const MULTI_TENANT = new Set(["common", "organizations", "consumers"]);
const TENANT_ID =
	/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `{tenantid}` as a parsed URL spells it. */
const TEMPLATE_SEGMENT = "%7Btenantid%7D";

function tenantAndRest(url: URL): [string, string] {
	const [tenant = "", ...rest] = url.pathname.split("/").filter(Boolean);
	return [tenant, rest.join("/")];
}

/**
 * Tells whether a discovery document's issuer belongs to the configured one: the
 * same, the `{tenantid}` template for a multi-tenant endpoint, or a tenant id for a
 * tenant configured by domain name (`contoso.onmicrosoft.com`).
 */
export function acceptsMicrosoftIssuer(
	configured: string,
	discovered: string,
): boolean {
	let mine: URL;
	let theirs: URL;
	try {
		mine = new URL(configured);
		theirs = new URL(discovered);
	} catch {
		return false;
	}
	const [myTenant, myRest] = tenantAndRest(mine);
	const [theirTenant, theirRest] = tenantAndRest(theirs);
	if (mine.origin !== theirs.origin || myRest !== theirRest) return false;
	if (theirTenant === myTenant) return true;
	if (MULTI_TENANT.has(myTenant)) return theirTenant === TEMPLATE_SEGMENT;
	return !TENANT_ID.test(myTenant) && TENANT_ID.test(theirTenant);
}

/**
 * Returns the issuer an ID token must carry. For a `{tenantid}` template that is the
 * template filled with the token's own `tid` claim, read before the token is
 * validated; validation then checks `iss` against it and the signature against the
 * provider's keys, so a token whose `tid` and `iss` disagree is refused. Undefined
 * when the template cannot be filled (no tenant id in the token).
 */
export function issuerForIdToken(
	metadataIssuer: string,
	idToken: unknown,
): string | undefined {
	if (!metadataIssuer.includes("{tenantid}")) return metadataIssuer;
	let tid: unknown;
	try {
		const payload = String(idToken).split(".")[1] ?? "";
		tid = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")).tid;
	} catch {
		return undefined;
	}
	return typeof tid === "string" && TENANT_ID.test(tid)
		? metadataIssuer.replace("{tenantid}", tid)
		: undefined;
}
