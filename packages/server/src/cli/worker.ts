import { createApp } from "../index.js";
import { loadConfigOrExit } from "./load-config.js";

/**
 * `basalt worker`: run only the job worker, no HTTP server, for scaling job work out
 * separately. SIGTERM and SIGINT stop claiming and wait for running jobs
 * (BASALT_DRAIN_MS); a job still running after that is given back to the queue.
 */
export async function work(): Promise<void> {
	const config = loadConfigOrExit();
	const app = await createApp(config);
	app.startBackgroundWork();
	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		app.logger.info({ signal }, "worker shutting down");
		const timer = setTimeout(
			() => process.exit(1),
			config.shutdown.drainMs + 5000,
		);
		timer.unref();
		await app.close();
		process.exit(0);
	};
	process.on("SIGTERM", () => void stop("SIGTERM"));
	process.on("SIGINT", () => void stop("SIGINT"));
}
