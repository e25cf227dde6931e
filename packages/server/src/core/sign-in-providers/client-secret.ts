import { clientSecretContext, type Sealer } from "../encryption/index.js";

/**
 * Seals a provider's client secret with the key ring (AES-256-GCM) for storage.
 * The provider's name is bound as associated data, so a sealed secret copied to
 * another provider's row does not open.
 */
export function sealClientSecret(
	sealer: Sealer,
	provider: string,
	secret: string,
): string {
	return sealer.seal(secret, clientSecretContext(provider));
}

/** Opens what sealClientSecret stored; throws if the key or the row differ. */
export function openClientSecret(
	sealer: Sealer,
	provider: string,
	sealed: string,
): string {
	return sealer.open(sealed, clientSecretContext(provider));
}
