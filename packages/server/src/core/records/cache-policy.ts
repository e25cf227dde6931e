import type { Caller, Collection } from "../model/index.js";

/** What a registry answers about collections, as the cache policy reads it. */
export interface CollectionLookup {
	readonly generation: number;
	find(name: string): Collection | undefined;
	list(): Collection[];
}

/**
 * How one collection's read answers may be cached (docs/caching.md#keys), worked out
 * from the schema once per registry generation:
 * - `dependencies`: the collections whose writes can change its answers: itself, every
 *   collection its relation fields reach (expand, filters and rules follow them), and
 *   every collection its rules name with `@collection.<name>`, each followed the
 *   same way;
 * - `perCaller`: whether two callers who are not superusers may get different answers
 *   (a rule of any dependency reads `@request`, or a dependency is an auth collection,
 *   whose emails only their owners see);
 * - `readsClock`: a rule of any dependency reads `@now`, so an answer can change with no
 *   write at all: such reads are never cached;
 * - `holdsEncrypted`: a dependency has encrypted fields, whose values an answer holds
 *   in clear: never kept in a cache store (docs/security.md#encrypted-fields).
 */
export interface CollectionCachePolicy {
	dependencies: readonly Collection[];
	perCaller: boolean;
	readsClock: boolean;
	holdsEncrypted: boolean;
}

const COLLECTION_REFERENCE = /@collection\.([A-Za-z_][A-Za-z0-9_]*)/g;

/** The collection names a rule or filter text names with `@collection.<name>`. */
function namedCollections(text: string): string[] {
	return [...text.matchAll(COLLECTION_REFERENCE)].map((m) => m[1] as string);
}

/** The texts of a collection's read rules (list and view), the ones reads apply. */
function readRules(collection: Collection): string[] {
	return [collection.rules.list ?? "", collection.rules.view ?? ""];
}

/**
 * Every collection reachable from `start` through relation fields and rules'
 * `@collection` references, `start` included (a rule of an expanded collection is
 * applied to the expanded records, so its references count too).
 */
function reachableFrom(
	start: Collection,
	lookup: CollectionLookup,
	extraNames: readonly string[] = [],
): Collection[] {
	const seen = new Map<string, Collection>();
	const queue: Collection[] = [start];
	for (const name of extraNames) {
		const found = lookup.find(name);
		if (found) queue.push(found);
	}
	for (let next = queue.pop(); next; next = queue.pop()) {
		if (seen.has(next.id)) continue;
		seen.set(next.id, next);
		const names = [
			...next.fields.flatMap((f) =>
				f.type === "relation" ? [f.collection] : [],
			),
			...readRules(next).flatMap(namedCollections),
		];
		for (const name of names) {
			const found = lookup.find(name);
			if (found && !seen.has(found.id)) queue.push(found);
		}
	}
	return [...seen.values()];
}

/** Works out a policy over a set of dependencies. */
function policyOver(dependencies: Collection[]): CollectionCachePolicy {
	const rules = dependencies.flatMap(readRules);
	return {
		dependencies,
		perCaller:
			dependencies.some((c) => c.type === "auth") ||
			rules.some((r) => r.includes("@request")),
		readsClock: rules.some((r) => r.includes("@now")),
		holdsEncrypted: dependencies.some((c) =>
			c.fields.some((f) => f.type === "encrypted"),
		),
	};
}

/** The cache policies of one registry's collections. */
export interface CachePolicies {
	/** The policy of a collection's reads. */
	policyOf(collection: Collection): CollectionCachePolicy;
	/**
	 * The policy of one read with a filter: a filter that reads the clock or the
	 * caller, or names other collections, widens the collection's policy.
	 */
	policyWithFilter(
		collection: Collection,
		filter: string | undefined,
	): CollectionCachePolicy;
	/**
	 * The collections whose rows a write to `collection` may change: itself, and
	 * every collection whose relation fields point at it, transitively (a delete
	 * cascades to them, or empties their references).
	 */
	writtenBy(collection: Collection): readonly Collection[];
}

/**
 * Creates the policies of a registry's collections, kept until the registry's
 * generation changes (any schema or rule change), plus the reverse question a
 * write asks: whose cached answers does a write to this collection touch.
 */
export function createCachePolicies(lookup: CollectionLookup): CachePolicies {
	let generation = -1;
	let policies = new Map<string, CollectionCachePolicy>();
	let touched = new Map<string, readonly Collection[]>();
	const fresh = () => {
		if (generation === lookup.generation) return;
		generation = lookup.generation;
		policies = new Map();
		touched = new Map();
	};
	return {
		policyOf(collection: Collection): CollectionCachePolicy {
			fresh();
			let policy = policies.get(collection.id);
			if (!policy) {
				policy = policyOver(reachableFrom(collection, lookup));
				policies.set(collection.id, policy);
			}
			return policy;
		},

		policyWithFilter(
			collection: Collection,
			filter: string | undefined,
		): CollectionCachePolicy {
			const base = this.policyOf(collection);
			if (!filter?.includes("@")) return base;
			const named = namedCollections(filter);
			const widened =
				named.length === 0
					? base
					: policyOver(reachableFrom(collection, lookup, named));
			return {
				dependencies: widened.dependencies,
				perCaller: widened.perCaller || filter.includes("@request"),
				readsClock: widened.readsClock || filter.includes("@now"),
				holdsEncrypted: widened.holdsEncrypted,
			};
		},

		writtenBy(collection: Collection): readonly Collection[] {
			fresh();
			let found = touched.get(collection.id);
			if (!found) {
				const all = lookup.list();
				const seen = new Map<string, Collection>([[collection.id, collection]]);
				const queue = [collection];
				for (let next = queue.pop(); next; next = queue.pop()) {
					const target = next.name;
					for (const other of all)
						if (
							!seen.has(other.id) &&
							other.fields.some(
								(f) => f.type === "relation" && f.collection === target,
							)
						) {
							seen.set(other.id, other);
							queue.push(other);
						}
				}
				found = [...seen.values()];
				touched.set(collection.id, found);
			}
			return found;
		},
	};
}

/**
 * Who an answer is for, as its cache key says: superusers' answers are theirs alone;
 * other callers share answers unless the policy says answers differ by caller, and
 * then each caller has their own.
 */
export function audienceOf(caller: Caller, perCaller: boolean): string {
	if (caller.kind === "superuser") return `superuser:${caller.id}`;
	if (!perCaller) return "anyone";
	if (caller.kind === "record")
		return `record:${caller.collectionId}:${caller.id}`;
	if (caller.kind === "client") return `client:${caller.id}`;
	return "guest";
}
