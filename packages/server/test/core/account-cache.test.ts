import { describe, expect, it } from "vitest";
import { createAccountCache } from "../../src/core/accounts/index.js";
import type { RecordCaller } from "../../src/core/model/index.js";

/** The registry's part the cache reads: its generation, and the `staff` auth collection. */
function registryOf() {
	const registry = {
		generation: 1,
		find: (name: string) =>
			name === "staff" ? ({ id: "col1", type: "auth" } as never) : undefined,
	};
	return registry;
}

function account(id: string) {
	const caller: RecordCaller = {
		kind: "record",
		id,
		collectionId: "col1",
		collectionName: "staff",
		record: { id },
	};
	return { caller, tkh: "fingerprint" };
}

// The races the API tests cannot time: a read that began before a change and ends
// after it must not put the old row back.
describe("account cache", () => {
	it("keeps an account read while nothing changed it", () => {
		const registry = registryOf();
		const cache = createAccountCache({ ttlMs: 60_000, registry });
		cache.keep(account("a"), registry.generation);
		expect(cache.get("col1", "a")?.tkh).toBe("fingerprint");
	});

	it("does not keep a row read around a change of its account", async () => {
		const registry = registryOf();
		const cache = createAccountCache({ ttlMs: 60_000, registry });
		cache.keep(account("a"), registry.generation);
		// The change is heard inside its transaction; a read in flight then still
		// returns the row as it was before the commit.
		await cache.changeSink().record(
			{
				collection: "staff",
				action: "update",
				record: { id: "a", created: "", updated: "" },
			},
			{} as never,
		);
		expect(cache.get("col1", "a")).toBeUndefined();
		cache.keep(account("a"), registry.generation);
		expect(cache.get("col1", "a")).toBeUndefined();
		// Other accounts are cached as before.
		cache.keep(account("b"), registry.generation);
		expect(cache.get("col1", "b")).toBeDefined();
	});

	it("does not keep a row read across a schema change, nor serve older entries", () => {
		const registry = registryOf();
		const cache = createAccountCache({ ttlMs: 60_000, registry });
		cache.keep(account("a"), registry.generation);
		const before = registry.generation;
		registry.generation++;
		expect(cache.get("col1", "a")).toBeUndefined();
		cache.keep(account("b"), before);
		expect(cache.get("col1", "b")).toBeUndefined();
	});

	it("forgets an account written directly, and keeps new accounts", async () => {
		const registry = registryOf();
		const cache = createAccountCache({ ttlMs: 60_000, registry });
		cache.keep(account("a"), registry.generation);
		cache.forget("col1", "a");
		expect(cache.get("col1", "a")).toBeUndefined();
		await cache.changeSink().record(
			{
				collection: "staff",
				action: "create",
				record: { id: "c", created: "", updated: "" },
			},
			{} as never,
		);
		cache.keep(account("c"), registry.generation);
		expect(cache.get("col1", "c")).toBeDefined();
	});

	it("keeps nothing, and listens to nothing, when turned off", () => {
		const registry = registryOf();
		const cache = createAccountCache({ ttlMs: 0, registry });
		cache.keep(account("a"), registry.generation);
		expect(cache.get("col1", "a")).toBeUndefined();
		expect(cache.changeSink().wants("staff")).toBe(false);
	});
});
