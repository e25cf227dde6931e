/** How an `auto` collection's reads and writes look from this node, and what it decided. */
export interface CacheActivity {
	/** Reads (list and view) counted in the window. */
	reads: number;
	/** Writes counted in the window. */
	writes: number;
	/** The window's length. */
	windowSeconds: number;
	/** Whether `auto` caches the collection's answers now. */
	active: boolean;
}

/** Counts reads and writes per collection and decides when `auto` caches. */
export interface AutoCacheMeter {
	noteRead(collectionId: string): void;
	noteWrite(collectionId: string): void;
	/** Whether `auto` caches the collection's answers now (decided on the window). */
	isActive(collectionId: string): boolean;
	/** The window's figures and the decision, for the collection API and metrics. */
	activity(collectionId: string): CacheActivity;
}

/** The sliding window: six buckets of ten seconds. */
const BUCKET_MS = 10_000;
const BUCKETS = 6;
/** Turn on when reads are at least this many times the writes, with enough reads... */
const ON_RATIO = 10;
const ON_MIN_READS = 50;
/** ...and off again when they fall under this many times (hysteresis: no flapping). */
const OFF_RATIO = 4;

interface Counts {
	/** The bucket number (ms / BUCKET_MS) each slot holds. */
	slots: number[];
	reads: number[];
	writes: number[];
	active: boolean;
}

/**
 * Creates the meter of `auto` caching (docs/caching.md#modes). A cache pays when the
 * same answers are read many times between writes: a write invalidates every cached
 * answer of its collection, so with writes as frequent as reads the cache only adds
 * a store round trip to each read. Over the last minute, `auto` turns caching on once
 * reads are at least 10 times the writes (and at least 50), and off again when they
 * fall under 4 times. Each node counts its own traffic; behind a load balancer the
 * mix each node sees is the cluster's.
 */
export function createAutoCacheMeter(nowMs: () => number): AutoCacheMeter {
	const counts = new Map<string, Counts>();
	const countsOf = (id: string): Counts => {
		let found = counts.get(id);
		if (!found) {
			found = {
				slots: new Array(BUCKETS).fill(-1),
				reads: new Array(BUCKETS).fill(0),
				writes: new Array(BUCKETS).fill(0),
				active: false,
			};
			counts.set(id, found);
		}
		return found;
	};
	const slotOf = (c: Counts): number => {
		const bucket = Math.floor(nowMs() / BUCKET_MS);
		const at = bucket % BUCKETS;
		if (c.slots[at] !== bucket) {
			c.slots[at] = bucket;
			c.reads[at] = 0;
			c.writes[at] = 0;
		}
		return at;
	};
	const totals = (c: Counts) => {
		const oldest = Math.floor(nowMs() / BUCKET_MS) - BUCKETS + 1;
		let reads = 0;
		let writes = 0;
		for (let i = 0; i < BUCKETS; i++)
			if ((c.slots[i] as number) >= oldest) {
				reads += c.reads[i] as number;
				writes += c.writes[i] as number;
			}
		return { reads, writes };
	};
	const decide = (c: Counts): boolean => {
		const { reads, writes } = totals(c);
		c.active = c.active
			? reads >= OFF_RATIO * writes && reads > 0
			: reads >= ON_MIN_READS && reads >= ON_RATIO * writes;
		return c.active;
	};
	return {
		noteRead(id) {
			const c = countsOf(id);
			(c.reads[slotOf(c)] as number)++;
		},
		noteWrite(id) {
			const c = countsOf(id);
			(c.writes[slotOf(c)] as number)++;
		},
		isActive: (id) => decide(countsOf(id)),
		activity(id) {
			const c = countsOf(id);
			const active = decide(c);
			return {
				...totals(c),
				windowSeconds: (BUCKETS * BUCKET_MS) / 1000,
				active,
			};
		},
	};
}
