import type { Server as HttpsServer } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import {
	createHttpsRedirectServer,
	createServer,
	reloadTls,
	securityHeaders,
} from "../api/index.js";
import type { Config } from "../core/config/index.js";
import { createApp } from "../index.js";
import type { Logger } from "../tools/logger/index.js";
import { loadConfigOrExit } from "./load-config.js";

/**
 * `basalt serve`: start the App and the HTTP server. On SIGTERM or SIGINT readiness
 * turns 503 first; on SIGTERM (what orchestrators send) the node keeps serving for
 * BASALT_SHUTDOWN_DELAY_MS so load balancers see the 503 and stop sending requests,
 * while Ctrl-C (SIGINT) skips that wait. Then the server stops accepting connections
 * and finishes the requests in flight, then the database closes.
 */
export async function serve(): Promise<void> {
	const config = loadConfigOrExit();
	const app = await createApp(config);
	const server = await createServer(app);
	if (config.jobs.serveWorkers) app.startBackgroundWork();
	const address = await server.listen({
		host: config.http.host,
		port: config.http.port,
	});
	app.logger.info(
		{ address, dataDir: config.dataDir, database: config.db.target.kind },
		"basalt is serving",
	);
	const redirect = await listenForRedirects(config, app.logger);
	const { tls } = config.http;
	if (tls)
		process.on("SIGHUP", () => {
			try {
				reloadTls(server.server as HttpsServer, tls);
				app.logger.info({ certFile: tls.certFile }, "TLS certificate reloaded");
			} catch (err: unknown) {
				app.logger.error(
					{ err, certFile: tls.certFile },
					"TLS certificate reload failed; the current certificate stays in use",
				);
			}
		});
	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		app.logger.info({ signal }, "shutting down");
		app.beginDrain();
		const delayMs = signal === "SIGTERM" ? config.shutdown.delayMs : 0;
		// Requests and jobs get drainMs each; past twice that, give up and exit.
		const timer = setTimeout(
			() => process.exit(1),
			delayMs + 2 * config.shutdown.drainMs + 5000,
		);
		timer.unref();
		if (delayMs > 0) await sleep(delayMs);
		redirect?.close();
		await server.close();
		await app.close();
		process.exit(0);
	};
	process.on("SIGTERM", () => void stop("SIGTERM"));
	process.on("SIGINT", () => void stop("SIGINT"));
}

/** Starts the plain HTTP listener that redirects to HTTPS, when one is configured. */
async function listenForRedirects(config: Config, logger: Logger) {
	const { redirectPort, host, publicUrl } = config.http;
	if (redirectPort === undefined) return undefined;
	const server = createHttpsRedirectServer(
		publicUrl,
		securityHeaders({ tls: false }).api,
	);
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(redirectPort, host, () => resolve());
	});
	logger.info(
		{ port: redirectPort, to: publicUrl },
		"plain HTTP redirects to HTTPS",
	);
	return server;
}
