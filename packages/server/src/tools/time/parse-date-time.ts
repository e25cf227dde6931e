// Date only, or date and time with optional seconds, fraction and zone. A strict
// pattern first, because Date.parse accepts many surprising forms ("2026-02-31",
// "March 7") differently across engines.
const DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

// The instants whose UTC form has a four-digit year from 0001: PostgreSQL has no year
// 0 (https://www.postgresql.org/docs/current/datatype-datetime.html), and past 9999
// toISOString writes "+010000-…", which neither database reads as a date.
const FIRST = Date.parse("0001-01-01T00:00:00.000Z");
const LAST = Date.parse("9999-12-31T23:59:59.999Z");

/**
 * Parses an ISO 8601 date or date-time and returns it as canonical UTC
 * ("2026-01-02T03:04:05.000Z"), or undefined when it is not one. A value without a
 * zone is read as UTC; impossible dates such as February 31, and instants before
 * 0001-01-01 or after 9999-12-31 in UTC, are refused.
 */
export function parseDateTime(text: string): string | undefined {
	const match = DATE_TIME.exec(text.trim());
	if (!match) return undefined;
	const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone = "Z"] =
		match;
	const ms = frac.padEnd(3, "0").slice(0, 3);
	const offset =
		zone.toUpperCase() === "Z" ? "Z" : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
	const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
	const time = date.getTime();
	if (Number.isNaN(time) || time < FIRST || time > LAST) return undefined;
	// Reject rollovers: "2026-02-31" would otherwise become March 3.
	const local = new Date(date.getTime() + offsetMinutes(offset) * 60_000);
	if (
		local.getUTCDate() !== Number(d) ||
		local.getUTCMonth() + 1 !== Number(mo)
	)
		return undefined;
	return date.toISOString();
}

function offsetMinutes(offset: string): number {
	if (offset === "Z") return 0;
	const sign = offset.startsWith("-") ? -1 : 1;
	return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}
