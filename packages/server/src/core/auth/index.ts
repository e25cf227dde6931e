export {
	type AccessClaims,
	type AccessTokens,
	createAccessTokens,
	type IssuedAccessToken,
} from "./access-tokens.js";
export {
	type CurrentCaller,
	type CurrentCallerDeps,
	createCurrentCaller,
} from "./current-caller.js";
export { KeyRing, type SigningKey } from "./key-ring.js";
export {
	type AdminScope,
	adminScopes,
	checkScopes,
	hasScope,
	isAdminScope,
	isScope,
	type RecordAccess,
	recordScope,
	requireScope,
	scopeCovers,
} from "./scopes.js";
export {
	createSuperusersService,
	type Superuser,
	type SuperuserSession,
	type SuperusersService,
} from "./superusers-service.js";
export { tokenKeyFingerprint } from "./token-key.js";
