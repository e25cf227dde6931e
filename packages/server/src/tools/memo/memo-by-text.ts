/**
 * Wraps `compute` so that each text is computed once: for facts read off SQL text
 * (a statement's operation and table) that a hot path asks for on every statement,
 * while the same few hundred texts run over and over. Past `limit` texts the memo
 * starts again empty, so a stream of one-off texts cannot grow it without bound.
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
