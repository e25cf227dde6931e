/**
 * The columns where Basalt keeps secrets sealed by the key ring, and the context each
 * value is bound to (a value copied to another row does not open). A rotation re-seals
 * every one of them under the new data key (docs/security.md#key-rotation).
 */
export interface SealedColumn {
	table: string;
	/** The primary key column: the context names the row by it. */
	key: string;
	column: string;
	/** The associated data a row's value was sealed with. */
	context(key: string): string;
}

/** Every sealed secret column: signing keys, webhook secrets, OAuth2 client secrets. */
export const sealedColumns: readonly SealedColumn[] = [
	{
		table: "_keys",
		key: "kid",
		column: "private_key",
		context: (kid) => `basalt:key-ring:${kid}`,
	},
	{
		table: "_webhooks",
		key: "id",
		column: "secret",
		context: (id) => `basalt:webhook-secret:${id}`,
	},
	{
		table: "_oauth2_providers",
		key: "name",
		column: "client_secret",
		context: (name) => `basalt:oauth2-client-secret:${name}`,
	},
];
