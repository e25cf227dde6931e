import { randomToken } from "../../tools/crypto/index.js";
import { type Sealer, webhookSecretContext } from "../encryption/index.js";

/** Makes a signing secret: `whsec_` and 32 random bytes in base64url (256 bits). */
export function generateSecret(): string {
	return `whsec_${randomToken(32)}`;
}

/**
 * Seals a webhook's secret with the key ring for storage. The webhook id is bound
 * as associated data, so a sealed secret copied to another row does not open.
 */
export function sealSecret(
	sealer: Sealer,
	webhookId: string,
	secret: string,
): string {
	return sealer.seal(secret, webhookSecretContext(webhookId));
}

/** Opens what sealSecret stored for the webhook; throws if the key or row differ. */
export function openSecret(
	sealer: Sealer,
	webhookId: string,
	sealed: string,
): string {
	return sealer.open(sealed, webhookSecretContext(webhookId));
}
