import { ref } from "../openapi/route-schema.js";

/** The path parameter of every `/collections/{collection}/…` account route. */
export const collectionParams = {
	type: "object",
	properties: {
		collection: { type: "string", description: "Auth collection name" },
	},
	required: ["collection"],
} as const;

const token = {
	type: "string",
	description: "JWT access token (EdDSA), 15 minutes by default",
} as const;
const expiresIn = {
	type: "integer",
	description: "Seconds until the access token expires",
} as const;
const record = {
	...ref("Record"),
	description: "The account, as its owner sees it",
} as const;

/**
 * A session of an account (docs/auth.md#signing-up-and-signing-in): what a
 * password sign-in, a refresh and an OAuth2 exchange answer.
 */
export const sessionSchema = {
	type: "object",
	required: ["token", "refreshToken", "expiresIn", "record"],
	properties: {
		token,
		refreshToken: {
			type: "string",
			description: "Opaque and single use: trade it at /api/v1/auth/refresh",
		},
		expiresIn,
		record,
	},
} as const;

/** What an impersonation answers: an access token only, never a refresh token. */
export const impersonationSchema = {
	type: "object",
	required: ["token", "expiresIn", "record"],
	properties: {
		token: {
			type: "string",
			description:
				"JWT access token (EdDSA) for the account, naming the superuser in its `imp` claim",
		},
		expiresIn,
		record,
	},
} as const;
