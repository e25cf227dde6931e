import type { FieldError } from "../errors/index.js";
import type { RecordChange } from "../records/index.js";

/** A record change's event name, e.g. `posts.create`. */
export function eventName(
	collection: string,
	action: RecordChange["action"],
): string {
	return `${collection}.${action}`;
}

/** Tells whether one of the patterns matches the event of `collection` and `action`. */
export function matchesEvent(
	patterns: readonly string[],
	collection: string,
	action: RecordChange["action"],
): boolean {
	return patterns.some(
		(p) =>
			p === "*" ||
			p === `${collection}.*` ||
			p === eventName(collection, action),
	);
}

const PATTERN = /^([a-z][a-z0-9_]{0,62})\.(\*|create|update|delete)$/;

/**
 * Checks a list of event patterns: not empty, each `*`, `<collection>.*` or
 * `<collection>.<create|update|delete>` naming a collection that exists. Returns the
 * list without repeats, or the field error to report.
 */
export function checkEventPatterns(
	events: readonly string[],
	collectionExists: (name: string) => boolean,
): { events: string[] } | { error: FieldError } {
	if (events.length === 0)
		return { error: { code: "REQUIRED", message: "must name an event" } };
	for (const event of events) {
		if (event === "*") continue;
		const match = PATTERN.exec(event);
		if (!match) {
			return {
				error: {
					code: "INVALID_EVENT",
					message: `${JSON.stringify(event.slice(0, 80))} is not "*", "<collection>.*" or "<collection>.<create|update|delete>"`,
				},
			};
		}
		if (!collectionExists(match[1] as string)) {
			return {
				error: {
					code: "UNKNOWN_COLLECTION",
					message: `there is no collection "${match[1]}"`,
				},
			};
		}
	}
	return { events: [...new Set(events)] };
}
