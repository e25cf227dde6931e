// An OTLP/HTTP receiver that accepts every export and keeps nothing but a count: the
// tracing run of the observability benchmark exports its spans here, so what is
// measured is Basalt's cost of tracing, not a collector's. Prints its span count on
// SIGTERM. Listens on BENCH_PORT.
import { createServer } from "node:http";

let requests = 0;
let bytes = 0;
const server = createServer((req, res) => {
	req.on("data", (chunk) => {
		bytes += chunk.length;
	});
	req.on("end", () => {
		requests++;
		res.writeHead(200, { "content-type": "application/json" });
		res.end("{}");
	});
});
server.listen(Number(process.env.BENCH_PORT), "127.0.0.1");
process.on("SIGTERM", () => {
	process.stdout.write(`${JSON.stringify({ requests, bytes })}\n`);
	server.close(() => process.exit(0));
});
