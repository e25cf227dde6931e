import { randomBytes } from "node:crypto";
import type { CacheStore } from "../../tools/cache/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { Caller, Collection } from "../model/index.js";
import type { AutoCacheMeter } from "./auto-cache.js";
import {
	audienceOf,
	type CachePolicies,
	type CollectionCachePolicy,
} from "./cache-policy.js";
import { etagOf } from "./etag.js";

/** Where a read's answer came from (`X-Cache`). */
export type CacheOutcome = "HIT" | "MISS" | "BYPASS";

/** A read's answer as sent: the JSON text, its strong tag, and where it came from. */
export interface CachedAnswer {
	body: string;
	etag: string;
	cache: CacheOutcome;
}

/** What the client asked of caches (`Cache-Control` on the request). */
export type ClientCacheDirective = "default" | "no-cache" | "no-store";

/** One read, as the cache keys it. */
export interface CacheableRead {
	collection: Collection;
	/** `list` or `view`. */
	kind: string;
	/** Every option that shapes the answer, in a fixed order (filter, sort, page, fields, ...). */
	options: readonly unknown[];
	/** The filter text, whose `@` references widen the policy. */
	filter?: string | undefined;
	caller: Caller;
	directive: ClientCacheDirective;
}

/** The response cache of record reads (docs/caching.md). */
export interface ResponseCache {
	/**
	 * Answers a read from the cache, or runs `produce` and keeps its answer when the
	 * collection caches and the read may be cached. Access checks are the caller's to
	 * run first: a hit skips `produce`.
	 */
	read(
		read: CacheableRead,
		produce: () => Promise<unknown>,
	): Promise<CachedAnswer>;
	/**
	 * Invalidates every cached answer that depends on the collections: called after a
	 * write committed and before its answer is sent.
	 */
	invalidate(collections: readonly Collection[]): Promise<void>;
	/** Invalidates every cached answer (a schema or rule change). */
	invalidateAll(): Promise<void>;
	/** The `auto` figures of a collection. */
	readonly meter: AutoCacheMeter;
	/** Whether the stores answered the last time they were asked (readiness, metrics). */
	readonly storeUp: boolean;
	/** Stops trying to reach a store that failed (the App is closing). */
	stop(): void;
}

/** What the response cache is built from. */
export interface ResponseCacheDeps {
	/** Where answers are kept. */
	entries: CacheStore;
	/**
	 * Where each collection's generation token is kept: the same store as `entries`
	 * when it is shared (one round trip reads both), Redis when nodes share Redis,
	 * else a store of this process.
	 */
	generations: CacheStore;
	policies: CachePolicies;
	meter: AutoCacheMeter;
	logger: Logger;
	/** The current time in ms, for the pause after a store failed. */
	nowMs: () => number;
	/** Hears each read: its outcome and collection (the metrics). */
	countRead?: (outcome: CacheOutcome, collection: string) => void;
}

/** A generation token lives this long untouched; a lost one only costs misses. */
const GENERATION_TTL_MS = 30 * 24 * 3600 * 1000;
/** After a store failed, reads go around it for this long before trying it again. */
const RETRY_AFTER_MS = 1000;
/** The generation every entry also depends on: bumping it invalidates them all. */
const EPOCH = "gen:*";

const generationKey = (collectionId: string) => `gen:${collectionId}`;

/**
 * Creates the response cache (docs/caching.md). Correct before fast:
 * - Every collection has a generation token; an entry records the tokens of every
 *   collection it depends on (the policy's dependencies, plus the caller's own auth
 *   collection when answers are per caller), and is served only while all of them
 *   are unchanged. A write replaces the tokens of the collections it touched after
 *   its transaction committed, before its answer is sent: O(1) per collection, and
 *   no entry needs to be found or deleted.
 * - A read takes the tokens before it reads the database, so an answer read before a
 *   concurrent write is stored under the tokens that write replaces, never under
 *   the new ones.
 * - Tokens never repeat: a random part drawn once per cache (per node and start)
 *   and a counter, so a token the store lost (eviction, a restart) comes back as a
 *   new value that no old entry carries, and no two nodes make the same one. (A
 *   random draw per token cost a system call on every write.)
 * - A store that fails is left alone by reads for a second (answers are BYPASS);
 *   writes still try to replace their tokens, since another node may be serving
 *   from the store. A replacement that fails makes this node replace the epoch
 *   token, on which every entry depends, as soon as the store answers again, and
 *   before it serves anything from it.
 */
export function createResponseCache(deps: ResponseCacheDeps): ResponseCache {
	const { entries, generations, policies, meter, logger } = deps;
	const shared = entries === generations;
	const countRead = deps.countRead ?? (() => {});
	let up = true;
	let retryAt = 0;
	let epochLost = false;
	const tokenPrefix = randomBytes(12).toString("base64url");
	let tokenCount = 0;
	const newToken = () => `${tokenPrefix}.${(tokenCount++).toString(36)}`;

	function failed(err: unknown): void {
		retryAt = deps.nowMs() + RETRY_AFTER_MS;
		if (!up) return;
		up = false;
		logger.warn(
			{ err, store: entries.kind },
			"response cache: the store failed; reads go around the cache until it answers again",
		);
	}

	/** Called after the stores answered: ends an outage, first invalidating everything. */
	async function answered(): Promise<boolean> {
		if (epochLost) {
			await generations.set(EPOCH, newToken(), GENERATION_TTL_MS);
			epochLost = false;
			return false;
		}
		if (!up) {
			up = true;
			logger.info(
				{ store: entries.kind },
				"response cache: the store answers again",
			);
		}
		return true;
	}

	function cachingOn(collection: Collection): boolean {
		const { mode } = collection.cache;
		if (mode === "off") return false;
		meter.noteRead(collection.id);
		return mode === "on" || meter.isActive(collection.id);
	}

	/**
	 * The key: plain text, not a digest (hashing it cost more than a hit's store
	 * lookup); the Memcached store hashes keys too long for it on its own.
	 */
	function keyOf(read: CacheableRead, policy: CollectionCachePolicy): string {
		return `answer:${read.kind}:${schemaOf(policy)}:${audienceOf(read.caller, policy.perCaller)}:${JSON.stringify(read.options)}`;
	}

	/** The ids and versions of a policy's collections, made once per policy. */
	const schemas = new WeakMap<CollectionCachePolicy, string>();
	function schemaOf(policy: CollectionCachePolicy): string {
		let schema = schemas.get(policy);
		if (schema === undefined) {
			schema = policy.dependencies.map((c) => `${c.id}.${c.version}`).join(",");
			schemas.set(policy, schema);
		}
		return schema;
	}

	/** The generation keys an answer depends on: made once per policy. */
	const generationKeys = new WeakMap<CollectionCachePolicy, string[]>();
	function generationsOf(read: CacheableRead, policy: CollectionCachePolicy) {
		let keys = generationKeys.get(policy);
		if (!keys) {
			keys = [EPOCH, ...policy.dependencies.map((c) => generationKey(c.id))];
			generationKeys.set(policy, keys);
		}
		// Rules read the caller's own record: a change to it changes the answer.
		return policy.perCaller && read.caller.kind === "record"
			? [...keys, generationKey(read.caller.collectionId)]
			: keys;
	}

	async function lookUp(
		genKeys: string[],
		key: string,
	): Promise<{ tokens: (string | undefined)[]; entry: string | undefined }> {
		if (shared) {
			const values = await entries.getMany([...genKeys, key]);
			return { tokens: values.slice(0, -1), entry: values.at(-1) };
		}
		const tokens = await generations.getMany(genKeys);
		const [entry] = await entries.getMany([key]);
		return { tokens, entry };
	}

	/** Tokens for the missing generations, or undefined when another node set one first. */
	async function filledTokens(
		genKeys: string[],
		tokens: (string | undefined)[],
	): Promise<string[] | undefined> {
		const filled: string[] = [];
		for (const [i, token] of tokens.entries()) {
			if (token !== undefined) {
				filled.push(token);
				continue;
			}
			const fresh = newToken();
			if (
				!(await generations.add(genKeys[i] as string, fresh, GENERATION_TTL_MS))
			)
				return undefined;
			filled.push(fresh);
		}
		return filled;
	}

	/**
	 * Replaces generation tokens: what invalidates. Always tried, even while reads go
	 * around a store that failed a moment ago: another node may still reach the store
	 * and serve from it, and only this replacement keeps it from serving what this
	 * write changed. (A read that timed out on a busy event loop once made the next
	 * second of this node's writes skip it, and another node served a stale answer.)
	 * When it fails, the epoch is replaced as soon as the store answers again, which
	 * invalidates everything, without waiting for a read to come along.
	 */
	async function replaceTokens(keys: string[]): Promise<void> {
		try {
			await Promise.all(
				keys.map((key) => generations.set(key, newToken(), GENERATION_TTL_MS)),
			);
		} catch (err: unknown) {
			epochLost = true;
			failed(err);
			replaceEpochSoon();
		}
	}

	/** Keeps trying to replace the epoch token until the store takes it. */
	let epochRetry: NodeJS.Timeout | undefined;
	let stopped = false;
	function replaceEpochSoon(): void {
		if (epochRetry || stopped) return;
		epochRetry = setTimeout(async () => {
			try {
				if (epochLost) {
					await generations.set(EPOCH, newToken(), GENERATION_TTL_MS);
					epochLost = false;
				}
				epochRetry = undefined;
			} catch (err: unknown) {
				failed(err);
				epochRetry = undefined;
				replaceEpochSoon();
			}
		}, RETRY_AFTER_MS);
		epochRetry.unref();
	}

	async function produced(
		produce: () => Promise<unknown>,
		cache: CacheOutcome,
	): Promise<CachedAnswer> {
		const body = JSON.stringify(await produce());
		return { body, etag: etagOf(body), cache };
	}

	return {
		meter,
		get storeUp() {
			return up;
		},

		async read(read, produce) {
			const { collection } = read;
			const bypass = async () => {
				countRead("BYPASS", collection.name);
				return produced(produce, "BYPASS");
			};
			if (!cachingOn(collection) || read.directive === "no-store")
				return bypass();
			const policy = policies.policyWithFilter(collection, read.filter);
			if (policy.readsClock || policy.holdsEncrypted || deps.nowMs() < retryAt)
				return bypass();
			const key = keyOf(read, policy);
			const genKeys = generationsOf(read, policy);
			let found: Awaited<ReturnType<typeof lookUp>>;
			try {
				found = await lookUp(genKeys, key);
				if (!(await answered())) return bypass();
			} catch (err: unknown) {
				failed(err);
				return bypass();
			}
			const stamp = found.tokens.join(",");
			const entry = found.entry;
			if (
				read.directive === "default" &&
				entry !== undefined &&
				entry.startsWith(`${stamp}\n`)
			) {
				const tagEnd = entry.indexOf("\n", stamp.length + 1);
				countRead("HIT", collection.name);
				return {
					etag: entry.slice(stamp.length + 1, tagEnd),
					body: entry.slice(tagEnd + 1),
					cache: "HIT",
				};
			}
			const answer = await produced(
				produce,
				read.directive === "default" ? "MISS" : "BYPASS",
			);
			countRead(answer.cache, collection.name);
			try {
				const tokens = found.tokens.includes(undefined)
					? await filledTokens(genKeys, found.tokens)
					: (found.tokens as string[]);
				if (tokens)
					await entries.set(
						key,
						`${tokens.join(",")}\n${answer.etag}\n${answer.body}`,
						collection.cache.ttlSeconds * 1000,
					);
			} catch (err: unknown) {
				failed(err);
			}
			return answer;
		},

		async invalidate(collections) {
			const touched = new Set<string>();
			for (const collection of collections) {
				meter.noteWrite(collection.id);
				for (const c of policies.writtenBy(collection))
					touched.add(generationKey(c.id));
			}
			await replaceTokens([...touched]);
		},

		invalidateAll: () => replaceTokens([EPOCH]),

		stop() {
			clearTimeout(epochRetry);
			stopped = true;
		},
	};
}
