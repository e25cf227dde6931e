/**
 * Wraps `compute` so that each text is computed once: for what a hot path derives
 * from texts that repeat run after run (a statement's operation and table from its
 * SQL, a request line's quoted user agent). Past `limit` texts the memo starts again
 * empty, so a stream of one-off texts cannot grow it without bound.
 */
export function memoByText<T>(
	compute: (text: string) => T,
	limit = 1000,
): (text: string) => T {
	let known = new Map<string, T>();
	return (text) => {
		let value = known.get(text);
		if (value === undefined && !known.has(text)) {
			value = compute(text);
			if (known.size >= limit) known = new Map();
			known.set(text, value);
		}
		return value as T;
	};
}
