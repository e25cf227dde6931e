/**
 * Collects response times with sub-millisecond precision for the load children.
 * autocannon's histogram stores whole milliseconds, which reads as "p50 0 ms" for a
 * fast request.
 */
export function createLatencyRecorder() {
	let values = new Float64Array(1 << 16);
	let count = 0;
	return {
		record(ms) {
			if (count === values.length) {
				const grown = new Float64Array(values.length * 2);
				grown.set(values);
				values = grown;
			}
			values[count++] = ms;
		},
		percentile(p) {
			if (count === 0) return Number.NaN;
			const sorted = values.slice(0, count).sort();
			return sorted[Math.min(count - 1, Math.ceil((p / 100) * count) - 1)];
		},
	};
}
