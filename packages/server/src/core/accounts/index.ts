export {
	type AccountsDeps,
	type AccountsService,
	createAccountsService,
	type Session,
} from "./accounts-service.js";
export { getAuthCollection } from "./auth-collection.js";
export { DEFAULT_USERS_COLLECTION } from "./default-users.js";
export { createRefreshTokens, type RefreshTokens } from "./refresh-tokens.js";
