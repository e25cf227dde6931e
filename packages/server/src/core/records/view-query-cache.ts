import { CompiledQuery } from "kysely";
import { createBoundedLru } from "../../tools/memo/index.js";
import type { Collection } from "../model/index.js";
import { authRecordOf, type Caller } from "../model/index.js";

/**
 * What a view query's key is read from: the schema generation, the request method
 * and the caller (a part of the read's context; named here so the context, which
 * holds this cache, is not imported back).
 */
export interface ViewQueryScope {
	registry: { readonly generation: number };
	scope: { request: { method: string; caller: Caller } };
}

/** A compiled view query without its first parameter, the record id. */
interface CachedViewQuery {
	sql: string;
	ruleParameters: readonly unknown[];
}

/** Compiled view queries, kept per caller and schema generation. */
export interface ViewQueryCache {
	/**
	 * The view query of `id` under `collection`'s view rule for this caller:
	 * from the cache, or made by `compile` (whose first parameter must be `id`)
	 * and kept.
	 */
	queryFor(
		collection: Collection,
		id: string,
		ctx: ViewQueryScope,
		compile: () => CompiledQuery,
	): CompiledQuery;
}

/**
 * View queries under a rule, compiled once per caller and schema generation.
 * Compiling a rule to SQL costs a signed-in view about a quarter of its time, and a
 * client views record after record with the same credentials. A view rule's SQL
 * depends only on the collections (the registry generation), the request method and
 * the caller's `@request.auth` values, which together are the key; a rule that reads
 * `@now` is compiled every time.
 */
export function createViewQueryCache(
	options: {
		max?: number;
		/** Hears each lookup (the metrics): whether it hit, for which collection. */
		countLookup?: (hit: boolean, collection: string) => void;
	} = {},
): ViewQueryCache {
	const max = options.max ?? 5000;
	const countLookup = options.countLookup ?? (() => {});
	const cache = createBoundedLru<string, CachedViewQuery>({ maxEntries: max });
	// A signed-in caller is one frozen object shared by its requests (the account
	// cache), so its `@request.auth` part of the key is serialized once.
	const authKeys = new WeakMap<Caller, string>();
	const authKeyOf = (caller: Caller) => {
		let key = authKeys.get(caller);
		if (key === undefined) {
			key = JSON.stringify(authRecordOf(caller));
			if (Object.isFrozen(caller)) authKeys.set(caller, key);
		}
		return key;
	};

	function keyOf(
		collection: Collection,
		source: string,
		ctx: ViewQueryScope,
	): string | undefined {
		if (source.includes("@now")) return undefined;
		const { request } = ctx.scope;
		return `${ctx.registry.generation}\u0000${collection.id}\u0000${request.method}\u0000${authKeyOf(request.caller)}`;
	}

	return {
		queryFor(
			collection: Collection,
			id: string,
			ctx: ViewQueryScope,
			compile: () => CompiledQuery,
		): CompiledQuery {
			const key = keyOf(collection, collection.rules.view ?? "", ctx);
			const cached = key === undefined ? undefined : cache.get(key);
			if (key !== undefined) countLookup(cached !== undefined, collection.name);
			if (cached)
				return CompiledQuery.raw(cached.sql, [id, ...cached.ruleParameters]);
			const compiled = compile();
			if (key !== undefined && compiled.parameters[0] === id)
				cache.set(key, {
					sql: compiled.sql,
					ruleParameters: compiled.parameters.slice(1),
				});
			return compiled;
		},
	};
}
