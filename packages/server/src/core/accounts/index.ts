export {
	type AccountCache,
	createAccountCache,
} from "./account-cache.js";
export {
	ACCOUNT_MAIL_JOB,
	type AccountEmails,
	createAccountEmails,
} from "./account-emails.js";
export { authCollectionById, authCollectionNamed } from "./account-rows.js";
export { type AccountSync, createAccountSync } from "./account-sync.js";
export {
	ACCOUNT_TOKEN_TTL_MS,
	type AccountTokens,
	createAccountTokens,
} from "./account-tokens.js";
export {
	type AccountsDeps,
	type AccountsService,
	createAccountsService,
	type Session,
} from "./accounts-service.js";
export { DEFAULT_USERS_COLLECTION } from "./default-users.js";
export { createRefreshTokens, type RefreshTokens } from "./refresh-tokens.js";
