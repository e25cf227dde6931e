import type { BasicCredentials } from "../../core/client-credentials/index.js";

/**
 * Reads client_secret_basic: `Basic base64(id ":" secret)` where id and secret are each
 * form-urlencoded first (RFC 6749 section 2.3.1). Other schemes are not client
 * authentication; a Basic header that does not decode is "malformed".
 */
export function basicCredentialsOf(
	header: string | undefined,
): BasicCredentials | "malformed" | undefined {
	if (header === undefined || !/^basic(\s|$)/i.test(header)) return undefined;
	const match = /^basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
	if (!match) return "malformed";
	const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
	const colon = decoded.indexOf(":");
	if (colon < 0) return "malformed";
	try {
		return {
			clientId: formDecode(decoded.slice(0, colon)),
			clientSecret: formDecode(decoded.slice(colon + 1)),
		};
	} catch {
		return "malformed";
	}
}

function formDecode(text: string): string {
	return decodeURIComponent(text.replaceAll("+", " "));
}
