import { createHmac } from "node:crypto";

/**
 * Signs a delivery's body as Stripe-style webhooks do: HMAC-SHA256 with the webhook's
 * secret over `<t>.<body>`, where `t` is the Unix time in seconds. Signing the time
 * with the body lets a receiver refuse replays of an old delivery.
 *
 * @example
 * signatureHeader("whsec_…", '{"id":"…"}', 1767225600);
 * // "t=1767225600,v1=5f0c…"
 */
export function signatureHeader(
	secret: string,
	body: string,
	unixSeconds: number,
): string {
	const mac = createHmac("sha256", secret)
		.update(`${unixSeconds}.${body}`)
		.digest("hex");
	return `t=${unixSeconds},v1=${mac}`;
}
