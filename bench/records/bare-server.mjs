// The baseline: the least code that answers the three benchmarked requests with the
// same SQL on the same file, through the same Fastify and SQLite driver as Basalt.
// Whatever Basalt costs above this is the price of its features.
import Fastify from "fastify";
import { createIdGenerator } from "../../packages/server/dist/tools/ids/index.js";
import { openSqliteFile } from "../lib/sqlite-file.mjs";

function bindItemRoutes(server, db) {
	// The SQL Basalt's lists compile `category = "c7"`, and `score > 500` sorted by
	// score, with skipTotal to (a sort always ends in id, so pages are stable).
	const list = db.prepare(
		"SELECT * FROM items WHERE category = ? ORDER BY id LIMIT ? OFFSET ?",
	);
	const sorted = db.prepare(
		"SELECT * FROM items WHERE score > ? ORDER BY score, id LIMIT ? OFFSET ?",
	);
	const view = db.prepare("SELECT * FROM items WHERE id = ?");
	const insert = db.prepare(
		"INSERT INTO items (id, created, updated, title, category, score) VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
	);
	const nextId = createIdGenerator();

	server.get("/items", async (request) => {
		const perPage = Number(request.query.perPage ?? 30);
		const items = list.all(request.query.category, perPage, 0);
		return { items, page: 1, perPage };
	});
	server.get("/items/sorted", async (request) => {
		const perPage = Number(request.query.perPage ?? 30);
		const items = sorted.all(Number(request.query.minScore), perPage, 0);
		return { items, page: 1, perPage };
	});
	server.get("/items/:id", async (request, reply) => {
		const row = view.get(request.params.id);
		if (!row) return reply.code(404).send({ code: "RECORD_NOT_FOUND" });
		return row;
	});
	server.post("/items", async (request, reply) => {
		const { title, category, score } = request.body;
		const now = new Date().toISOString();
		const row = insert.get(nextId(), now, now, title, category, score);
		return reply.code(201).send(row);
	});
	server.get("/health/ready", async () => ({ status: "ok" }));
}

async function main() {
	const db = openSqliteFile(process.env.BENCH_DB_FILE);
	const server = Fastify({ logger: false });
	bindItemRoutes(server, db);
	await server.listen({
		host: "127.0.0.1",
		port: Number(process.env.BENCH_PORT),
	});
	const stop = async () => {
		await server.close();
		db.close();
		process.exit(0);
	};
	process.on("SIGTERM", () => void stop());
	process.on("SIGINT", () => void stop());
}

await main();
