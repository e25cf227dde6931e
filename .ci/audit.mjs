// Fails CI on a high or critical advisory in a production dependency: runs
// `npm audit --omit=dev --json` and reads its report. Exit 0: none found; 1: found
// (listed); 2: the advisory service could not be asked (the report says why), which
// .ci/run prints as a warning, since no verdict was reached either way.
import { execFile } from "node:child_process";

const output = await new Promise((resolve) => {
	execFile(
		"npm",
		["audit", "--omit=dev", "--json"],
		{ maxBuffer: 64 * 1024 * 1024 },
		(_err, stdout) => resolve(stdout),
	);
});
let report;
try {
	report = JSON.parse(output);
} catch {
	console.log(`npm audit printed no report: ${String(output).slice(0, 200)}`);
	process.exit(2);
}
const counts = report.metadata?.vulnerabilities;
if (!counts) {
	console.log(
		`npm audit could not ask the advisory service: ${report.message ?? report.error?.summary ?? "no report"}`,
	);
	process.exit(2);
}
const serious = Object.entries(report.vulnerabilities ?? {}).filter(([, v]) =>
	["high", "critical"].includes(v.severity),
);
if (serious.length === 0) {
	console.log(
		`npm audit: no high or critical advisory in production dependencies (${counts.total ?? 0} of lower severity)`,
	);
	process.exit(0);
}
for (const [name, v] of serious) {
	const titles = (v.via ?? [])
		.map((via) => (typeof via === "string" ? `through ${via}` : via.title))
		.join("; ");
	console.log(`npm audit: ${v.severity} advisory in ${name}: ${titles}`);
}
process.exit(1);
