import {
	DEFAULT_HTML_ALLOWLIST,
	FORBIDDEN_TAGS,
	isForbiddenAttribute,
} from "../../tools/html/index.js";
import { parseDateTime } from "../../tools/time/index.js";
import type { Field } from "../model/index.js";
import type { FieldInput } from "./collection-input.js";
import type { Fail, NormalizeContext } from "./normalize-context.js";

/** Lists the options each field type accepts, besides id, name, type and required. */
export const OPTIONS_BY_TYPE: Record<Field["type"], string[]> = {
	text: ["min", "max", "pattern"],
	number: ["min", "max", "integer"],
	bool: [],
	email: [],
	url: [],
	html: ["max", "allowedTags", "allowedAttributes"],
	encrypted: ["min", "max", "searchable"],
	date: ["min", "max"],
	select: ["values", "maxSelect"],
	json: [],
	relation: ["collection", "maxSelect", "cascadeDelete"],
};

/** Checks the options of one field for its type and fills in their defaults. */
export function normalizeOptions(
	input: FieldInput | Field,
	base: {
		id: string;
		name: string;
		required: boolean;
		hidden: boolean;
		readonly: boolean;
	},
	at: string,
	collectionName: string,
	context: NormalizeContext,
	fail: Fail,
): Field {
	const o = input as FieldInput;
	switch (o.type) {
		case "text": {
			const min = nonNegativeInt(o.min, `${at}.min`, fail);
			const max = nonNegativeInt(o.max, `${at}.max`, fail);
			if (min !== undefined && max !== undefined && min > max)
				fail(`${at}.min`, "INVALID_RANGE", "must not exceed max");
			if (o.pattern !== undefined)
				checkPattern(o.pattern, `${at}.pattern`, fail);
			return {
				...base,
				type: "text",
				...defined({ min, max, pattern: o.pattern }),
			};
		}
		case "number": {
			const min = finiteNumber(o.min, `${at}.min`, fail);
			const max = finiteNumber(o.max, `${at}.max`, fail);
			if (min !== undefined && max !== undefined && min > max)
				fail(`${at}.min`, "INVALID_RANGE", "must not exceed max");
			return {
				...base,
				type: "number",
				integer: o.integer ?? false,
				...defined({ min, max }),
			};
		}
		case "html": {
			const max = nonNegativeInt(o.max, `${at}.max`, fail);
			return {
				...base,
				type: "html",
				allowedTags: htmlTags(o.allowedTags, at, fail),
				allowedAttributes: htmlAttributes(o.allowedAttributes, at, fail),
				...defined({ max }),
			};
		}
		case "encrypted": {
			const min = nonNegativeInt(o.min, `${at}.min`, fail);
			const max = nonNegativeInt(o.max, `${at}.max`, fail);
			if (min !== undefined && max !== undefined && min > max)
				fail(`${at}.min`, "INVALID_RANGE", "must not exceed max");
			return {
				...base,
				type: "encrypted",
				searchable: o.searchable ?? false,
				...defined({ min, max }),
			};
		}
		case "date": {
			const min = isoDate(o.min, `${at}.min`, fail);
			const max = isoDate(o.max, `${at}.max`, fail);
			if (min !== undefined && max !== undefined && min > max)
				fail(`${at}.min`, "INVALID_RANGE", "must not exceed max");
			return { ...base, type: "date", ...defined({ min, max }) };
		}
		case "select":
			return {
				...base,
				type: "select",
				values: selectValues(o.values, at, fail),
				maxSelect: o.maxSelect ?? 1,
			};
		case "relation": {
			const target = o.collection ?? "";
			if (target !== collectionName && !context.collectionExists(target)) {
				fail(
					`${at}.collection`,
					"UNKNOWN_COLLECTION",
					`no collection "${target}"`,
				);
			}
			return {
				...base,
				type: "relation",
				collection: target,
				maxSelect: o.maxSelect ?? 1,
				cascadeDelete: o.cascadeDelete ?? false,
			};
		}
		default:
			return { ...base, type: o.type } as Field;
	}
}

const TAG_NAME = /^[a-z][a-z0-9]{0,15}$/;
const ATTRIBUTE_NAME = /^[a-z][a-z0-9_:-]{0,39}$/;

/** An html field's tags: names, none that runs script or loads a document. */
function htmlTags(
	tags: string[] | undefined,
	at: string,
	fail: Fail,
): string[] {
	if (tags === undefined) return [...DEFAULT_HTML_ALLOWLIST.allowedTags];
	for (const tag of tags) {
		if (!TAG_NAME.test(tag))
			fail(`${at}.allowedTags`, "INVALID_VALUE", `"${tag}" is not a tag name`);
		else if (FORBIDDEN_TAGS.has(tag))
			fail(
				`${at}.allowedTags`,
				"INVALID_VALUE",
				`<${tag}> can run script or load another document, and is never allowed`,
			);
	}
	return [...new Set(tags)];
}

/** An html field's attributes per tag (`*`: every tag): no handler, style or loader. */
function htmlAttributes(
	attributes: Record<string, string[]> | undefined,
	at: string,
	fail: Fail,
): Record<string, string[]> {
	if (attributes === undefined)
		return Object.fromEntries(
			Object.entries(DEFAULT_HTML_ALLOWLIST.allowedAttributes).map(
				([tag, names]) => [tag, [...names]],
			),
		);
	const checked: Record<string, string[]> = {};
	for (const [tag, names] of Object.entries(attributes)) {
		if (tag !== "*" && !TAG_NAME.test(tag))
			fail(
				`${at}.allowedAttributes`,
				"INVALID_VALUE",
				`"${tag}" is not a tag name`,
			);
		for (const name of names) {
			if (!ATTRIBUTE_NAME.test(name))
				fail(
					`${at}.allowedAttributes`,
					"INVALID_VALUE",
					`"${name}" is not an attribute name`,
				);
			else if (isForbiddenAttribute(name))
				fail(
					`${at}.allowedAttributes`,
					"INVALID_VALUE",
					`${name} can run script or restyle the page, and is never allowed`,
				);
		}
		checked[tag] = [...new Set(names)];
	}
	return checked;
}

function selectValues(
	values: string[] | undefined,
	at: string,
	fail: Fail,
): string[] {
	if (!values || values.length === 0) {
		fail(
			`${at}.values`,
			"VALUE_REQUIRED",
			"a select field needs at least one value",
		);
		return [];
	}
	if (new Set(values).size !== values.length)
		fail(`${at}.values`, "DUPLICATE_VALUES", "values must be unique");
	if (values.some((v) => v === "" || v.length > 255)) {
		fail(`${at}.values`, "INVALID_VALUE", "values must be 1 to 255 characters");
	}
	return values;
}

function nonNegativeInt(
	value: number | string | undefined,
	at: string,
	fail: Fail,
): number | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
		fail(at, "INVALID_VALUE", "must be a whole number, 0 or more");
		return undefined;
	}
	return value;
}

function finiteNumber(
	value: number | string | undefined,
	at: string,
	fail: Fail,
): number | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== "number" || !Number.isFinite(value)) {
		fail(at, "INVALID_VALUE", "must be a number");
		return undefined;
	}
	return value;
}

function isoDate(
	value: number | string | undefined,
	at: string,
	fail: Fail,
): string | undefined {
	if (value === undefined) return undefined;
	const iso = typeof value === "string" ? parseDateTime(value) : undefined;
	if (iso === undefined) fail(at, "INVALID_VALUE", "must be an ISO 8601 date");
	return iso;
}

function checkPattern(pattern: string, at: string, fail: Fail): void {
	try {
		new RegExp(pattern, "u");
	} catch {
		fail(at, "INVALID_PATTERN", "is not a valid regular expression");
	}
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
	return Object.fromEntries(
		Object.entries(values).filter(([, v]) => v !== undefined),
	) as Partial<T>;
}
