import { describe, expect, it } from "vitest";
import { memoByText } from "../../../src/tools/memo/index.js";

describe("memoByText", () => {
	it("computes each text once, undefined answers included", () => {
		const seen: string[] = [];
		const lengthOf = memoByText((text) => {
			seen.push(text);
			return text === "none" ? undefined : text.length;
		});
		expect(lengthOf("select")).toBe(6);
		expect(lengthOf("select")).toBe(6);
		expect(lengthOf("none")).toBeUndefined();
		expect(lengthOf("none")).toBeUndefined();
		expect(seen).toEqual(["select", "none"]);
	});

	it("starts again empty past its limit, so one-off texts cannot grow it", () => {
		const seen: string[] = [];
		const upper = memoByText((text) => {
			seen.push(text);
			return text.toUpperCase();
		}, 2);
		upper("a");
		upper("b");
		upper("c"); // the memo was full: it starts again with c
		upper("c");
		upper("a"); // forgotten: computed again
		expect(seen).toEqual(["a", "b", "c", "a"]);
	});
});
