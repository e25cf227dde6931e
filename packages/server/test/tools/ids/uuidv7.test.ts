import { describe, expect, it } from "vitest";
import { createIdGenerator, isUuid } from "../../../src/tools/ids/index.js";

describe("createIdGenerator (UUIDv7, RFC 9562)", () => {
	it("makes version 7, variant 10 ids with the time in the first 48 bits", () => {
		const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
		const id = createIdGenerator(() => at)();
		expect(isUuid(id)).toBe(true);
		expect(id[14]).toBe("7");
		expect(["8", "9", "a", "b"]).toContain(id[19]);
		expect(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(at);
	});

	it("is strictly increasing within one millisecond, past the 12-bit counter", () => {
		const next = createIdGenerator(() => 1_700_000_000_000);
		const ids = Array.from({ length: 10_000 }, next);
		for (let i = 1; i < ids.length; i++)
			expect((ids[i] as string) > (ids[i - 1] as string)).toBe(true);
		// 4096 ids per millisecond: the counter overflowed and the time moved on.
		expect(ids.at(-1)?.slice(0, 13)).not.toBe(ids[0]?.slice(0, 13));
	});

	it("never goes backwards when the clock does", () => {
		let now = 2_000_000_000_000;
		const next = createIdGenerator(() => now);
		const a = next();
		now -= 5000;
		expect(next() > a).toBe(true);
	});

	it("draws fresh randomness for every id (no repeats across pool refills)", () => {
		let now = 1;
		const next = createIdGenerator(() => now++);
		const tails = new Set(Array.from({ length: 5000 }, () => next().slice(19)));
		expect(tails.size).toBe(5000);
	});

	it("tells UUIDs from other strings", () => {
		expect(isUuid("01a213c3-f7ff-7000-aad8-72caae77ce09")).toBe(true);
		expect(isUuid("01A213C3-F7FF-7000-AAD8-72CAAE77CE09")).toBe(false);
		expect(isUuid("not-a-uuid")).toBe(false);
	});
});
