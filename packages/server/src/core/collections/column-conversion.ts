import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { SqlDialect, StorageKind } from "../db/index.js";
import { type Field, isMultiValue } from "../model/index.js";
import { columnShape } from "./field-storage.js";

/** How existing values of a field become values of its new definition. */
export type Conversion =
	| {
			ok: true;
			/** The new value, computed from the old column. */
			convert(column: RawBuilder<unknown>): RawBuilder<unknown>;
			/** Rows whose value cannot convert; the change is refused if any exist. */
			blocker?: {
				where(column: RawBuilder<unknown>): RawBuilder<SqlBool>;
				reason: string;
			};
	  }
	| { ok: false; reason: string };

const TEXT_LIKE = new Set<Field["type"]>(["text", "email", "url", "select"]);

/**
 * Plans the conversion of a field's stored values when its type or options change
 * (docs/api.md#changing-a-collection: what cannot convert is refused). Only conversions
 * that keep every value are offered; anything else is refused with the reason.
 */
export function planConversion(
	before: Field,
	after: Field,
	dialect: SqlDialect,
): Conversion {
	const from = columnShape(before).kind;
	const to = columnShape(after).kind;
	if (before.type === "relation" || after.type === "relation") {
		const sameTarget =
			before.type === "relation" &&
			after.type === "relation" &&
			before.collection === after.collection;
		if (!sameTarget) {
			return {
				ok: false,
				reason:
					"a relation cannot change its target or type; add a new field instead",
			};
		}
	}
	// Stored values of another type were never sanitized: they cannot become HTML
	// that clients render.
	if (after.type === "html" && before.type !== "html")
		return {
			ok: false,
			reason: `values of a ${before.type} field were never sanitized as HTML; add an html field and write the values to it through the API`,
		};
	// Values are encrypted (or decrypted) with keys the planner's SQL cannot reach.
	if ((before.type === "encrypted") !== (after.type === "encrypted"))
		return {
			ok: false,
			reason:
				before.type === "encrypted"
					? "encrypted values cannot be decrypted in place; add a new field and write the values to it through the API"
					: `values of a ${before.type} field cannot be encrypted in place; add an encrypted field and write the values to it through the API`,
		};
	if (
		before.type === "encrypted" &&
		after.type === "encrypted" &&
		before.searchable !== after.searchable
	)
		return {
			ok: false,
			reason:
				"searchable is set when an encrypted field is created; add a new field to change it",
		};
	if (from === to && isMultiValue(before) === isMultiValue(after))
		return { ok: true, convert: (c) => c };
	if (
		isMultiValue(before) !== isMultiValue(after) &&
		before.type === after.type
	) {
		return isMultiValue(after) ? toList(dialect) : fromList(dialect);
	}
	if (to === "text" && TEXT_LIKE.has(after.type) && after.type !== "select")
		return toText(from, dialect);
	if (from === "text" && to === "text") return { ok: true, convert: (c) => c };
	return {
		ok: false,
		reason: `values of a ${before.type} field cannot become ${after.type} values`,
	};
}

function toList(dialect: SqlDialect): Conversion {
	return {
		ok: true,
		convert: (c) => dialect.jsonArrayOf(c),
	};
}

function fromList(dialect: SqlDialect): Conversion {
	return {
		ok: true,
		convert: (c) => dialect.firstJsonArrayElement(c),
		blocker: {
			where: (c) => sql<SqlBool>`${dialect.jsonArrayLength(c)} > 1`,
			reason:
				"some records hold more than one value; keep maxSelect above 1 or empty them first",
		},
	};
}

function toText(from: StorageKind, dialect: SqlDialect): Conversion {
	if (from === "boolean") {
		return {
			ok: true,
			convert: (c) =>
				sql`CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} THEN 'true' ELSE 'false' END`,
		};
	}
	if (from === "json")
		return { ok: false, reason: "json values cannot become text" };
	return { ok: true, convert: (c) => dialect.valueAsText(c, from) };
}
