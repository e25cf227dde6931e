// Builds the auth benchmark's data through Basalt's own API: accounts signed up as an
// app's users would be (so their hashes are Basalt's), two collections of notes, and
// the records, seeded as superuser in batches.
// The driver Basalt loads on this Node (12.x on Node 20, 13.x where Node-API 10 exists).
import { SqliteDriver as Database } from "../../packages/server/dist/core/db/sqlite-driver.js";
import { requestJson } from "../lib/basalt-setup.mjs";

const NOTE_FIELDS = [
	{ name: "title", type: "text" },
	{ name: "owner", type: "relation", collection: "users" },
];

/** Two collections of identical notes: one only their owner may read, one anyone may. */
const NOTE_COLLECTIONS = [
	{
		name: "notes",
		fields: NOTE_FIELDS,
		rules: {
			list: "owner = @request.auth.id",
			view: "owner = @request.auth.id",
			create: "",
		},
	},
	{
		name: "pubnotes",
		fields: NOTE_FIELDS,
		rules: { list: "", view: "", create: "" },
	},
];

/** The status of a request whose answer does not matter, only whether it was refused. */
export async function statusOf(url, token) {
	const headers = token ? { authorization: `Bearer ${token}` } : {};
	const response = await fetch(url, { headers });
	await response.arrayBuffer();
	return response.status;
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight: sign-ups and
 * sign-ins each cost an argon2 run, and a few at a time already fill both cores.
 */
export async function mapLimited(items, limit, fn) {
	const results = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await fn(items[index], index);
		}
	};
	await Promise.all(Array.from({ length: limit }, worker));
	return results;
}

/** Signs up `count` accounts in `users` as guests; returns `[{ id, email }]`. */
export async function signUpUsers(baseUrl, count, password) {
	const emails = Array.from(
		{ length: count },
		(_, n) => `user${n}@bench.example`,
	);
	return await mapLimited(emails, 4, async (email) => {
		const record = await requestJson(
			`${baseUrl}/api/v1/collections/users/records`,
			{
				method: "POST",
				body: { email, password, passwordConfirm: password },
			},
		);
		return { id: record.id, email };
	});
}

/** Signs in one account; returns the session (`token`, `refreshToken`, …). */
export async function signIn(baseUrl, email, password) {
	return await requestJson(
		`${baseUrl}/api/v1/collections/users/auth/password`,
		{ method: "POST", body: { identity: email, password } },
	);
}

/**
 * Creates `notes` and `pubnotes` and fills both with the same `count` notes, owned
 * in turn by each user. Returns the ids of each, in the same order, so the i-th
 * note of one is the twin of the i-th of the other.
 */
export async function seedNotes(baseUrl, suToken, users, count, batchSize) {
	const ids = {};
	for (const collection of NOTE_COLLECTIONS) {
		await requestJson(`${baseUrl}/api/v1/collections`, {
			method: "POST",
			token: suToken,
			body: collection,
		});
		ids[collection.name] = [];
		for (let start = 0; start < count; start += batchSize) {
			const requests = [];
			for (let n = start; n < Math.min(count, start + batchSize); n++)
				requests.push({
					method: "POST",
					url: `/api/v1/collections/${collection.name}/records`,
					body: { title: `note ${n}`, owner: users[n % users.length].id },
				});
			const { responses } = await requestJson(`${baseUrl}/api/v1/batch`, {
				method: "POST",
				token: suToken,
				body: { requests },
			});
			for (const { body } of responses) ids[collection.name].push(body.id);
		}
	}
	return ids;
}

/**
 * Reads the stored password hashes of `users`, so the argon2 ceiling verifies the
 * very hashes (parameters and salts) a sign-in verifies. Read-only, beside the
 * running server: WAL lets a reader in at any time.
 */
export function readPasswordHashes(dbFile) {
	const db = new Database(dbFile, { readonly: true });
	try {
		return db.prepare("SELECT password_hash FROM users").pluck().all();
	} finally {
		db.close();
	}
}

/** The claims of a JWT, unverified: the benchmark only needs the collection id. */
export function claimsOf(token) {
	return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
}
