const MB = 1024 * 1024;

/**
 * Samples this process's resident set size every `intervalMs` and keeps the highest,
 * so a memory figure covers the whole run rather than its end. The kernel's own
 * high-water mark (`maxRSS`) is reported too: it also catches a spike between samples
 * or while the event loop is busy.
 */
export function startRssSampler(intervalMs = 100) {
	let peak = process.memoryUsage.rss();
	const sample = () => {
		peak = Math.max(peak, process.memoryUsage.rss());
	};
	const timer = setInterval(sample, intervalMs);
	return {
		stop() {
			clearInterval(timer);
			sample();
			return {
				sampledMb: peak / MB,
				highWaterMb: (process.resourceUsage().maxRSS * 1024) / MB,
			};
		},
	};
}
