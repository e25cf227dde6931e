import type { FilterExpression } from "../../tools/filter/index.js";
import type { SqlDialect } from "../db/index.js";
import type { Caller, CollectionDefinition } from "../model/index.js";

/** What a rule may read about the request besides the record. */
export interface RequestInfo {
	caller: Caller;
	/** HTTP method, upper case: `@request.method`. */
	method: string;
	/** The submitted body for create and update rules: `@request.body.*`. */
	body: Record<string, unknown>;
}

/** Finds a collection by name; the compiler resolves relation paths with it. */
export type CollectionLookup = (
	name: string,
) => CollectionDefinition | undefined;

/** Everything compileFilter needs besides the expression. */
export interface QueryScope {
	dialect: SqlDialect;
	collections: CollectionLookup;
	request: RequestInfo;
	/** `@now`, fixed for one request so every use agrees. */
	now: string;
	/**
	 * True for filters a client sent: a path through a relation then only sees related
	 * records the caller may view. Rules are written by superusers and see everything.
	 */
	applyViewRules: boolean;
	/** Parses a filter or rule, from a cache: rules are parsed once, not per request. */
	parse(source: string): FilterExpression;
	/**
	 * The blind index of a value of a searchable encrypted field, which `=` and `!=`
	 * compare (docs/security.md#encrypted-fields). Absent where statements are only
	 * checked, never run (rule checks of a schema change).
	 */
	blindIndex?: BlindIndexer;
}

/** Computes a searchable encrypted field's blind index of a value. */
export type BlindIndexer = (
	field: { collectionId: string; fieldId: string },
	value: string,
) => string;

/** Hands out table aliases unique within one statement (t1, t2, ...). */
export interface AliasSource {
	next(): string;
}

/** Creates an alias source for one statement. */
export function createAliasSource(): AliasSource {
	let n = 0;
	return {
		next() {
			n += 1;
			return `t${n}`;
		},
	};
}
