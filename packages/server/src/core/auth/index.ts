export {
	type AccessClaims,
	type AccessTokens,
	createAccessTokens,
} from "./access-tokens.js";
export {
	authRecordOf,
	type Caller,
	type GuestCaller,
	guest,
	isSelf,
	isSuperuser,
	type RecordCaller,
	type SuperuserCaller,
} from "./caller.js";
export { KeyRing, type SigningKey } from "./key-ring.js";
export { loadOrCreateMasterKey } from "./master-key.js";
export {
	createSuperusersService,
	type Superuser,
	type SuperusersService,
} from "./superusers-service.js";
export { tokenKeyFingerprint } from "./token-key.js";
