import { createServer } from "../api/index.js";
import { createApp } from "../index.js";
import { loadConfigOrExit } from "./load-config.js";

/**
 * `basalt serve`: start the App and the HTTP server. On SIGTERM or SIGINT readiness
 * turns 503 first, then the server stops accepting connections and finishes the
 * requests in flight, then the database closes.
 */
export async function serve(): Promise<void> {
	const config = loadConfigOrExit();
	const app = await createApp(config);
	const server = await createServer(app);
	if (config.serveWorkers) app.startBackgroundWork();
	const address = await server.listen({ host: config.host, port: config.port });
	app.logger.info(
		{ address, dataDir: config.dataDir, database: config.database.kind },
		"basalt is serving",
	);
	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		app.logger.info({ signal }, "shutting down");
		app.beginDrain();
		// Requests and jobs get drainMs each; past twice that, give up and exit.
		const timer = setTimeout(() => process.exit(1), 2 * config.drainMs + 5000);
		timer.unref();
		await server.close();
		await app.close();
		process.exit(0);
	};
	process.on("SIGTERM", () => void stop("SIGTERM"));
	process.on("SIGINT", () => void stop("SIGINT"));
}
