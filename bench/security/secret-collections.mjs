// The two collections of the encrypted-field rows: identical but for the type of
// `secret`, created and filled through Basalt's API, since only Basalt holds the key
// ring an encrypted value is written with.
import { requestJson, superuserToken } from "../lib/basalt-setup.mjs";
import { openSqliteFile } from "../lib/sqlite-file.mjs";

/** 40 characters, the size of an API token or an IBAN. */
export const SECRET = "bench-secret-0123456789abcdefghijklmnopq";

/** The body of every create, seeded and measured alike, on both collections. */
export const RECORD_BODY = {
	title: "a record with a secret",
	category: "c7",
	score: 42,
	secret: SECRET,
};

/** The collection of each type of `secret`. */
export const COLLECTIONS = {
	text: "secrets_text",
	encrypted: "secrets_encrypted",
};

/** How many creates the seeding keeps in flight. */
const SEED_CONCURRENCY = 16;

function definitionOf(name, secretType) {
	return {
		name,
		fields: [
			{ name: "title", type: "text" },
			{ name: "category", type: "text" },
			{ name: "score", type: "number" },
			{ name: "secret", type: secretType },
		],
		rules: { list: "", view: "", create: "", update: null, delete: null },
		// Off is the default; said here because the encrypted collection is never
		// cached (docs/security.md#encrypted-fields), so the text one must not be either.
		cache: { mode: "off" },
	};
}

/** Signs in as the superuser and creates both collections. */
export async function createSecretCollections(baseUrl, superuser) {
	const token = await superuserToken(baseUrl, superuser);
	for (const [type, name] of Object.entries(COLLECTIONS))
		await requestJson(`${baseUrl}/api/v1/collections`, {
			method: "POST",
			token,
			body: definitionOf(name, type),
		});
}

/** Creates `count` records of RECORD_BODY as a guest; returns their ids. */
export async function seedSecretRecords(baseUrl, collection, count) {
	const url = `${baseUrl}/api/v1/collections/${collection}/records`;
	const ids = [];
	for (let start = 0; start < count; start += SEED_CONCURRENCY) {
		const batch = Math.min(SEED_CONCURRENCY, count - start);
		const created = await Promise.all(
			Array.from({ length: batch }, () =>
				requestJson(url, { method: "POST", body: RECORD_BODY }),
			),
		);
		ids.push(...created.map((record) => record.id));
	}
	return ids;
}

/**
 * Checks the file of a stopped server: every `secret` of the encrypted collection is
 * ciphertext (`enc.…`, never the value), every one of the text collection the value.
 * Otherwise the rows would compare two plain collections.
 */
export function assertStoredForms(dbFile) {
	const db = openSqliteFile(dbFile);
	try {
		const secretsOf = (table) =>
			db
				.prepare(`SELECT secret FROM ${table}`)
				.all()
				.map((row) => row.secret);
		const sealed = secretsOf(COLLECTIONS.encrypted);
		if (sealed.some((s) => !s.startsWith("enc.") || s.includes(SECRET)))
			throw new Error(`${COLLECTIONS.encrypted} stores a secret in clear`);
		if (secretsOf(COLLECTIONS.text).some((s) => s !== SECRET))
			throw new Error(`${COLLECTIONS.text} does not store the secret as sent`);
	} finally {
		db.close();
	}
}

/**
 * Checks that a record of each collection answers the secret in clear, and not from
 * the response cache (read twice: a second read would be a hit).
 */
export async function assertSameAnswers(baseUrl, ids) {
	for (const [type, name] of Object.entries(COLLECTIONS)) {
		const url = `${baseUrl}/api/v1/collections/${name}/records/${ids[type][0]}`;
		await requestJson(url);
		const response = await fetch(url);
		const record = await response.json();
		if (record.secret !== SECRET || record.title !== RECORD_BODY.title)
			throw new Error(
				`${name} answers another record: ${JSON.stringify(record)}`,
			);
		if (response.headers.get("x-cache") === "HIT")
			throw new Error(`${name} answers from the response cache`);
	}
}
