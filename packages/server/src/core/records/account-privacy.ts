import { type Caller, isSelf } from "../auth/index.js";
import type { Collection } from "../collections/index.js";
import type { RecordData } from "./record-codec.js";

/**
 * Hides an account's email from everyone but the account itself and superusers:
 * listing users must not hand out their addresses (SPEC section 6: answers never
 * reveal accounts to those who should not know them).
 */
export function privacyFor(
	collection: Collection,
	caller: Caller,
): (record: RecordData) => RecordData {
	if (collection.type !== "auth" || caller.kind === "superuser")
		return (record) => record;
	return (record) => {
		if (isSelf(caller, collection.id, record.id) || !("email" in record))
			return record;
		const { email: _, ...visible } = record;
		return visible as RecordData;
	};
}
