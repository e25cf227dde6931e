/*
 * Values the fuzzer has seen the server hand out (record ids, job ids, ETags,
 * cursors), so that later requests name things that exist. A pool keeps its newest
 * entries only, so a long run stays within bounded memory.
 */

const POOL_SIZE = 64;

/** Pools of live values by kind: `records:posts`, `jobs`, `etags`, `cursors`, … */
export class FuzzPools {
	readonly #pools = new Map<string, string[]>();
	readonly #fixed = new Map<string, readonly string[]>();

	/** Values that stay in a pool for the whole run (the fixture's). */
	fix(kind: string, values: readonly string[]): void {
		this.#fixed.set(kind, values);
	}

	/** Adds a value seen in an answer. */
	add(kind: string, value: unknown): void {
		if (typeof value !== "string" || value === "" || value.length > 512) return;
		let pool = this.#pools.get(kind);
		if (!pool) {
			pool = [];
			this.#pools.set(kind, pool);
		}
		if (pool.includes(value)) return;
		pool.push(value);
		if (pool.length > POOL_SIZE) pool.shift();
	}

	/** The `n`-th value of a pool (wrapping), or undefined when it is empty. */
	pick(kind: string, n: number): string | undefined {
		const fixed = this.#fixed.get(kind) ?? [];
		const seen = this.#pools.get(kind) ?? [];
		const size = fixed.length + seen.length;
		if (size === 0) return undefined;
		const at = n % size;
		return at < fixed.length ? fixed[at] : seen[at - fixed.length];
	}

	/** How many values a pool holds. */
	size(kind: string): number {
		return (
			(this.#fixed.get(kind)?.length ?? 0) +
			(this.#pools.get(kind)?.length ?? 0)
		);
	}
}

/** The pool of a path's resource: `records:posts` for a record of posts, `jobs`, … */
export function poolOf(path: string, param: string): string {
	if (param === "collection") return "collections";
	if (param === "provider" || param === "name") return "providers";
	if (param === "deliveryId") return "deliveries";
	const segments = path.split("/");
	const at = segments.indexOf(`{${param}}`);
	const noun = segments[at - 1] ?? "";
	if (noun === "records" || noun === "impersonate")
		return `records:${collectionOf(segments, at)}`;
	return noun;
}

function collectionOf(segments: string[], at: number): string {
	const c = segments[at - 2] ?? "";
	return c === "{collection}" ? "*" : c;
}

/**
 * Takes what a 2xx answer hands out into the pools: the ids of what it returns or
 * points to (`Location`), its ETag and its next cursor.
 */
export function harvest(
	pools: FuzzPools,
	answer: {
		path: string;
		collection: string | undefined;
		headers: Record<string, unknown>;
		body: unknown;
	},
): void {
	const location = answer.headers.location;
	if (typeof location === "string") {
		const m =
			/\/api\/v1\/(?:collections\/([^/]+)\/records|([a-z-]+))\/([^/?]+)$/.exec(
				location,
			);
		if (m) pools.add(m[1] ? `records:${m[1]}` : (m[2] as string), m[3]);
	}
	if (typeof answer.headers.etag === "string")
		pools.add("etags", answer.headers.etag);
	const body = answer.body as Record<string, unknown> | undefined;
	if (!body || typeof body !== "object") return;
	if (typeof body.nextCursor === "string")
		pools.add("cursors", body.nextCursor);
	const noun = nounOf(answer.path, answer.collection);
	if (!noun) return;
	const items = Array.isArray(body.items) ? body.items : [body];
	for (const item of items.slice(0, 5))
		pools.add(noun, (item as { id?: unknown } | null)?.id);
}

/** The pool of the things a path lists or returns. */
function nounOf(
	path: string,
	collection: string | undefined,
): string | undefined {
	const segments = path.split("?")[0]?.split("/") ?? [];
	const records = segments.indexOf("records");
	if (records > 0 && collection) return `records:${collection}`;
	const last = segments.findLast(
		(s) => s !== "" && !/^[0-9a-f-]{32,36}$/.test(s),
	);
	if (last === "deliveries") return "deliveries";
	if (last && ["webhooks", "api-keys", "jobs", "clients"].includes(last))
		return last;
	return undefined;
}
