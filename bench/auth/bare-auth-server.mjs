// The refresh baseline: the least code that does what a refresh must do, on Basalt's
// own `_refresh_tokens` and `users` tables in the same file, through the same Fastify,
// SQLite driver and JWT library as Basalt: spend the token with one conditional
// UPDATE … RETURNING, read the account (its token key must still match), sign an
// EdDSA access token, INSERT the next refresh token. Whatever Basalt costs above
// this is the price of its features.
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import Fastify from "fastify";
import { SignJWT } from "jose";
import { createIdGenerator } from "../../packages/server/dist/tools/ids/index.js";
import { openSqliteFile } from "../lib/sqlite-file.mjs";

const ACCESS_TTL_SECONDS = 900;
const REFRESH_TTL_MS = 30 * 24 * 3600_000;

const sha256Hex = (value) => createHash("sha256").update(value).digest("hex");
const fingerprint = (tokenKey) => sha256Hex(tokenKey).slice(0, 16);

function bindAuthRoutes(server, db, collectionId) {
	// The statements Basalt's refresh-token store runs (core/accounts/refresh-tokens.ts).
	const spend = db.prepare(
		"UPDATE _refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires > ? RETURNING family_id, collection_id, record_id, tkh",
	);
	const insert = db.prepare(
		"INSERT INTO _refresh_tokens (id, family_id, collection_id, record_id, token_hash, tkh, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	);
	const account = db.prepare("SELECT * FROM users WHERE id = ?");
	const nextId = createIdGenerator();
	const { privateKey } = generateKeyPairSync("ed25519");
	const kid = nextId();

	const issue = async (row, familyId) => {
		const tkh = fingerprint(row.token_key);
		const token = await new SignJWT({ col: collectionId, tkh, typ: "access" })
			.setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" })
			.setSubject(row.id)
			.setIssuer("basalt")
			.setAudience("basalt")
			.setIssuedAt()
			.setExpirationTime(`${ACCESS_TTL_SECONDS}s`)
			.sign(privateKey);
		const refreshToken = randomBytes(32).toString("base64url");
		const now = new Date();
		insert.run(
			nextId(),
			familyId ?? nextId(),
			collectionId,
			row.id,
			sha256Hex(refreshToken),
			tkh,
			now.toISOString(),
			new Date(now.getTime() + REFRESH_TTL_MS).toISOString(),
		);
		const { password_hash, token_key, ...record } = row;
		return {
			token,
			refreshToken,
			expiresIn: ACCESS_TTL_SECONDS,
			record: { ...record, verified: record.verified === 1 },
		};
	};

	// Starts a chain without a password: the benchmark measures refreshes, and the
	// chains' first tokens are made before the run.
	server.post("/session", async (request, reply) => {
		const row = account.get(request.body.recordId);
		if (!row) return reply.code(404).send({ code: "RECORD_NOT_FOUND" });
		return issue(row);
	});
	server.post("/refresh", async (request, reply) => {
		const now = new Date().toISOString();
		const spent = spend.get(now, sha256Hex(request.body.refreshToken), now);
		if (!spent) return reply.code(401).send({ code: "INVALID_TOKEN" });
		const row = account.get(spent.record_id);
		if (!row || fingerprint(row.token_key) !== spent.tkh)
			return reply.code(401).send({ code: "INVALID_TOKEN" });
		return issue(row, spent.family_id);
	});
	server.get("/health/ready", async () => ({ status: "ok" }));
}

async function main() {
	const db = openSqliteFile(process.env.BENCH_DB_FILE);
	const server = Fastify({ logger: false });
	bindAuthRoutes(server, db, process.env.BENCH_USERS_COLLECTION_ID);
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
