export {
	BLIND_INDEX_LENGTH,
	type DataKeyInfo,
	DataKeyRing,
	type FieldBinding,
	type Sealer,
	UnreadableValueError,
} from "./data-key-ring.js";
export {
	countValuesUnder,
	type ReencryptProgress,
	reencryptAll,
} from "./reencrypt.js";
export {
	clientSecretContext,
	type SealedColumn,
	sealedColumns,
	signingKeyContext,
	webhookSecretContext,
} from "./sealed-columns.js";

import type { DataKeyRing } from "./data-key-ring.js";

/** What records need of the key ring: encrypt, decrypt and index field values. */
export type FieldCipher = Pick<
	DataKeyRing,
	"encryptField" | "decryptField" | "blindIndex" | "reload"
>;
