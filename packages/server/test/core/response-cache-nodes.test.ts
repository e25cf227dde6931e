import { describe, expect, it } from "vitest";
import type { Collection } from "../../src/core/model/index.js";
import {
	createAutoCacheMeter,
	createCachePolicies,
	createResponseCache,
} from "../../src/core/records/index.js";
import {
	type CacheStore,
	createMemoryCacheStore,
} from "../../src/tools/cache/index.js";
import { createLogger } from "../../src/tools/logger/index.js";
import { openRules } from "../helpers/records-api.js";

const counters: Collection = {
	id: "c1",
	name: "counters",
	type: "base",
	fields: [
		{
			id: "f1",
			name: "n",
			type: "number",
			integer: true,
			required: false,
			hidden: false,
			readonly: false,
		},
	],
	indexes: [],
	rules: openRules,
	cache: { mode: "on", ttlSeconds: 300 },
	version: 1,
	created: "2026-01-01T00:00:00.000Z",
	updated: "2026-01-01T00:00:00.000Z",
};
const registry = {
	generation: 1,
	find: (name: string) => (name === "counters" ? counters : undefined),
	list: () => [counters],
};

/** A store both nodes share (as they share Redis), whose reads this node can make fail. */
function flakyView(store: CacheStore) {
	let failReads = 0;
	const view: CacheStore = {
		...store,
		kind: store.kind,
		getMany: (keys) =>
			failReads-- > 0
				? Promise.reject(new Error("Command timed out"))
				: store.getMany(keys),
		set: (key, value, ttl) => store.set(key, value, ttl),
		add: (key, value, ttl) => store.add(key, value, ttl),
		delete: (key) => store.delete(key),
		close: async () => {},
	};
	return { view, failNextRead: () => (failReads = 1) };
}

function node(store: CacheStore) {
	return createResponseCache({
		entries: store,
		generations: store,
		policies: createCachePolicies(registry),
		meter: createAutoCacheMeter(() => Date.now()),
		logger: createLogger({ level: "silent", format: "json" }),
		nowMs: () => Date.now(),
	});
}

const read = {
	collection: counters,
	kind: "view",
	options: ["r1"],
	caller: { kind: "guest" } as const,
	directive: "default" as const,
};

// docs/caching.md: a write invalidates before its answer is sent, on every node. A
// read that timed out on node A (a busy event loop fires the command timer before
// the reply is read) must not make A's next writes skip the shared store: node B
// would then serve the answer those writes changed.
describe("the response cache on two nodes sharing a store", () => {
	it("invalidates the shared store from a node whose last read failed", async () => {
		const shared = createMemoryCacheStore({ maxBytes: 1024 * 1024 });
		const a = flakyView(shared);
		const nodeA = node(a.view);
		const nodeB = node(shared);
		let value = 1;
		const produce = async () => ({ id: "r1", n: value });

		expect((await nodeB.read(read, produce)).cache).toBe("MISS");
		expect(JSON.parse((await nodeB.read(read, produce)).body).n).toBe(1);

		a.failNextRead();
		expect((await nodeA.read(read, produce)).cache).toBe("BYPASS");
		// A writes within the second it leaves the store alone for reads.
		value = 2;
		await nodeA.invalidate([counters]);
		const after = await nodeB.read(read, produce);
		expect(after.cache).toBe("MISS");
		expect(JSON.parse(after.body).n).toBe(2);
		nodeA.stop();
		nodeB.stop();
	});
});
