export type { ApiKeyInput } from "./api-key-input.js";
export {
	API_KEY_PREFIX,
	formatApiKey,
	looksLikeApiKey,
	parseApiKey,
} from "./api-key-token.js";
export {
	type ApiKey,
	type ApiKeyFilter,
	type ApiKeysService,
	createApiKeysService,
	type NewApiKey,
} from "./api-keys-service.js";
export {
	type BasicCredentials,
	type ClientCredentialsGrant,
	createClientCredentialsGrant,
	type TokenRequest,
	type TokenResponse,
} from "./client-credentials-grant.js";
export {
	type CurrentCaller,
	type CurrentCallerDeps,
	createCurrentCaller,
} from "./current-caller.js";
export { createKeyOwners, type KeyOwners, SUPERUSERS } from "./key-owners.js";
export {
	createOAuthClientsService,
	type OAuthClient,
	type OAuthClientInput,
	type OAuthClientsService,
	type OAuthClientWithSecret,
} from "./oauth-clients-service.js";
export { OAuthError, type OAuthErrorCode } from "./oauth-error.js";
