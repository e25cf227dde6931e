import { open, seal } from "../../tools/crypto/index.js";

const SEAL_CONTEXT = "basalt:oauth2-client-secret";

/**
 * Seals a provider's client secret with the master key (AES-256-GCM) for storage.
 * The provider's name is bound as associated data, so a sealed secret copied to
 * another provider's row does not open.
 */
export function sealClientSecret(
	masterKey: Buffer,
	provider: string,
	secret: string,
): string {
	return seal(masterKey, secret, `${SEAL_CONTEXT}:${provider}`);
}

/** Opens what sealClientSecret stored; throws if the key or the row differ. */
export function openClientSecret(
	masterKey: Buffer,
	provider: string,
	sealed: string,
): string {
	return open(masterKey, sealed, `${SEAL_CONTEXT}:${provider}`).toString(
		"utf8",
	);
}
