import type { Collection, Field } from "../model/index.js";
import { type Caller, isSelf } from "../model/index.js";
import type { RecordData } from "./record-codec.js";

/** Whether a record is shown as an answer to a read, or to the write that made it. */
export type Disclosure = "read" | "created";

/**
 * What a caller sees of a collection's records (docs/api.md#field-types,
 * docs/auth.md#auth-collections):
 * - `hidden` fields are for superusers (and rules) only;
 * - an account's email is shown only to the account itself and superusers, so
 *   listing users does not hand out their addresses. The client that created an
 *   account sees the email it just sent.
 * Applied on every way out: list, view, expand, and the answers of writes and batch.
 */
export function privacyFor(
	collection: Collection,
	caller: Caller,
	disclosure: Disclosure = "read",
): (record: RecordData) => RecordData {
	if (caller.kind === "superuser") return (record) => record;
	const hidden = collection.fields.filter((f) => f.hidden).map((f) => f.name);
	const account = collection.type === "auth" && disclosure === "read";
	if (hidden.length === 0 && !account) return (record) => record;
	return (record) => {
		const visible: Record<string, unknown> = { ...record };
		for (const name of hidden) delete visible[name];
		if (account && !isSelf(caller, collection.id, record.id))
			delete visible.email;
		return visible as RecordData;
	};
}

/**
 * Tells whether a caller may name a field in a filter, sort, `fields` or `expand`:
 * a hidden field is, to anyone but a superuser, a field that does not exist.
 */
export function isNameable(field: Field, caller: Caller): boolean {
	return !field.hidden || caller.kind === "superuser";
}

/**
 * A record without the named members: how encrypted fields are left out where their
 * values may not go in clear (webhook payloads, export files:
 * docs/security.md#encrypted-fields).
 */
export function omitFields<T extends Record<string, unknown>>(
	record: T,
	names: readonly string[],
): T {
	if (names.length === 0) return record;
	const copy = { ...record };
	for (const name of names) delete copy[name];
	return copy;
}
