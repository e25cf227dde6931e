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
	type ApiKeyPage,
	type ApiKeysService,
	createApiKeysService,
	type NewApiKey,
} from "./api-keys-service.js";
export { createKeyOwners, type KeyOwners, SUPERUSERS } from "./key-owners.js";
