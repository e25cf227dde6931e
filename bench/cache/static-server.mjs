// The ceiling of a cached read: a bare Fastify route answering each record of the
// benchmark with its JSON text made once at start, through the same Fastify. A cached
// Basalt read still checks the caller, the rules' scope and the cache's generation
// tokens; this does nothing but send bytes.
import Fastify from "fastify";
import { openSqliteFile } from "../lib/sqlite-file.mjs";

async function main() {
	const db = openSqliteFile(process.env.BENCH_DB_FILE);
	const bodies = new Map(
		db
			.prepare("SELECT * FROM items")
			.all()
			.map((row) => [row.id, JSON.stringify(row)]),
	);
	db.close();
	const server = Fastify({ logger: false });
	server.get("/items/:id", async (request, reply) => {
		const body = bodies.get(request.params.id);
		if (body === undefined) return reply.code(404).send({ code: "NOT_FOUND" });
		return reply.type("application/json; charset=utf-8").send(body);
	});
	server.get("/health/ready", async () => ({ status: "ok" }));
	await server.listen({
		host: "127.0.0.1",
		port: Number(process.env.BENCH_PORT),
	});
	const stop = async () => {
		await server.close();
		process.exit(0);
	};
	process.on("SIGTERM", stop);
	process.on("SIGINT", stop);
}

await main();
