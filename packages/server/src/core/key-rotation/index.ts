export {
	createKeysService,
	type DataKeyStatus,
	type KeysService,
	REENCRYPT_JOB,
} from "./keys-service.js";
