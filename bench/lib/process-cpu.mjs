// CPU time a child process has used, for "what does this setting cost per request"
// next to throughput: on a shared 2-core host the rate of one slice moves by 20%,
// while the CPU a server spends on each request moves much less.
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * The user and system CPU time `pid` has used so far, in µs, read from Linux's
 * /proc/<pid>/stat; undefined where there is no /proc (the figure is then left out).
 */
export function cpuMicrosOf(pid) {
	let stat;
	try {
		stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	} catch {
		return undefined;
	}
	// Fields after the command name, which is in parentheses and may hold spaces:
	// utime and stime are the 14th and 15th fields, the 12th and 13th after it.
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	const ticks = Number(fields[11]) + Number(fields[12]);
	return (ticks * 1e6) / TICKS_PER_SECOND;
}
