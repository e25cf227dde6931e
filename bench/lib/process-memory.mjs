// The memory a child process holds, for "how much does the server need under load"
// next to throughput.
import { readFileSync } from "node:fs";

/**
 * The resident set of `pid` now (`VmRSS`) and its high-water mark since it started
 * (`VmHWM`), in MiB, read from Linux's /proc/<pid>/status; undefined where there is
 * no /proc (the figure is then left out).
 */
export function residentMibOf(pid) {
	let status;
	try {
		status = readFileSync(`/proc/${pid}/status`, "utf8");
	} catch {
		return undefined;
	}
	const kib = (name) =>
		Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))?.[1]);
	return { now: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}
