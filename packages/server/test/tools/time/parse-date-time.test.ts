import { describe, expect, it } from "vitest";
import { parseDateTime } from "../../../src/tools/time/index.js";

describe("parseDateTime", () => {
	it.each([
		["2026-01-02", "2026-01-02T00:00:00.000Z"],
		["2026-01-02 03:04", "2026-01-02T03:04:00.000Z"],
		["2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05.123Z"],
		["2026-01-02T03:04:05+05:30", "2026-01-01T21:34:05.000Z"],
		["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
		["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
	])("reads %s as %s", (text, iso) => {
		expect(parseDateTime(text)).toBe(iso);
	});

	// Regression (found by test/fuzz/api-fuzz.test.ts): year 0 and instants that leave
	// the four-digit years in UTC were taken, and PostgreSQL failed on them with a 500.
	it.each([
		"0000-01-01T00:00:00Z",
		"0000-06-15",
		"0001-01-01T00:30:00+01:00",
		"9999-12-31T23:00:00-05:00",
		"2026-02-31",
		"2026-13-01",
		"March 7",
		"",
	])("refuses %s", (text) => {
		expect(parseDateTime(text)).toBeUndefined();
	});
});
