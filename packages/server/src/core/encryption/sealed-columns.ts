/**
 * The columns where Basalt keeps secrets sealed by the key ring, and the context each
 * value is bound to (a value copied to another row does not open). The owners of the
 * secrets seal with these contexts, and a rotation re-seals every column with them
 * under the new data key (docs/security.md#key-rotation): one definition for both.
 */
export interface SealedColumn {
	table: string;
	/** The primary key column: the context names the row by it. */
	key: string;
	column: string;
	/** The associated data a row's value was sealed with. */
	context(key: string): string;
}

/** The context of a token signing key's private half, by key id. */
export const signingKeyContext = (kid: string) => `basalt:key-ring:${kid}`;
/** The context of a webhook's signing secret, by webhook id. */
export const webhookSecretContext = (id: string) =>
	`basalt:webhook-secret:${id}`;
/** The context of an OAuth2 provider's client secret, by provider name. */
export const clientSecretContext = (name: string) =>
	`basalt:oauth2-client-secret:${name}`;

/** Every sealed secret column: signing keys, webhook secrets, OAuth2 client secrets. */
export const sealedColumns: readonly SealedColumn[] = [
	{
		table: "_keys",
		key: "kid",
		column: "private_key",
		context: signingKeyContext,
	},
	{
		table: "_webhooks",
		key: "id",
		column: "secret",
		context: webhookSecretContext,
	},
	{
		table: "_oauth2_providers",
		key: "name",
		column: "client_secret",
		context: clientSecretContext,
	},
];
