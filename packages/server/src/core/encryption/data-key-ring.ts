import { createHmac, randomBytes } from "node:crypto";
import { open, seal } from "../../tools/crypto/index.js";
import type { Clock } from "../../tools/time/index.js";
import { ConfigError, masterKeyFile } from "../config/index.js";
import type { Database } from "../db/index.js";
import { createMasterKeyFile, readMasterKeyFile } from "./master-key.js";
import { sealedColumns } from "./sealed-columns.js";

/** Seals the secrets Basalt keeps; a sealed value opens only with the same context. */
export interface Sealer {
	seal(plaintext: string, context: string): string;
	/** Throws when the value was altered, moved to another context or its key is gone. */
	open(sealed: string, context: string): string;
	/** Reads the keys again: another node may have added one. */
	reload(): Promise<void>;
}

/** What an encrypted field value is bound to: its collection, record and field. */
export interface FieldBinding {
	collectionId: string;
	fieldId: string;
	recordId: string;
}

/** One data key as `basalt keys list` shows it; never the key itself. */
export interface DataKeyInfo {
	id: string;
	active: boolean;
	created: string;
}

/** A stored value that does not open: altered, moved to another row, or its key removed. */
export class UnreadableValueError extends Error {
	/** Sealed with a key this node has not loaded: another node may have just made it. */
	readonly unknownKey: boolean;
	constructor(
		message: string,
		options?: { cause?: unknown; unknownKey?: boolean },
	) {
		super(message, options);
		this.name = "UnreadableValueError";
		this.unknownKey = options?.unknownKey ?? false;
	}
}

// Formats (docs/security.md#encrypted-fields): a sealed secret is `key.<keyId>.<box>`,
// a field value `enc.<keyId>.<box>`, a searchable field value `bix.<digest>.enc.…`,
// where <box> is tools/crypto's `v1.<nonce>.<ciphertext>.<tag>`. A secret sealed
// before the key ring existed is a bare <box> under the master key.
const SECRET_PREFIX = "key.";
const FIELD_PREFIX = "enc.";
const BLIND_PREFIX = "bix.";
/** `bix.` and 22 base64url characters (128 bits of HMAC-SHA256) and a dot. */
export const BLIND_INDEX_LENGTH = BLIND_PREFIX.length + 22 + 1;
const WRAP_CONTEXT = "basalt:data-key";

/**
 * The data key ring (docs/security.md#the-key-ring): AES-256 data keys, each wrapped by
 * the master key in `_data_keys`. One data key is active: new values and secrets are
 * sealed with it; every key in the ring opens what it sealed, so a rotation never
 * makes anything unreadable. A separate index key makes the blind indexes of
 * searchable fields; it is never rotated, so equal values keep equal digests.
 *
 * The master key is BASALT_MASTER_KEY, or `master.key` in the data dir, created on a
 * new install only: a database that already holds sealed data never gets a new one.
 */
export class DataKeyRing implements Sealer {
	#db: Database;
	#dataDir: string;
	#configured: Buffer | undefined;
	#newId: () => string;
	#clock: Clock;
	#master: Buffer | undefined;
	#keys = new Map<string, { key: Buffer; active: boolean; created: string }>();
	#activeId: string | undefined;
	#indexKey: Buffer | undefined;
	#lastReload = 0;

	constructor(deps: {
		db: Database;
		dataDir: string;
		/** BASALT_MASTER_KEY, when set. */
		masterKey: Buffer | undefined;
		newId: () => string;
		clock: Clock;
	}) {
		this.#db = deps.db;
		this.#dataDir = deps.dataDir;
		this.#configured = deps.masterKey;
		this.#newId = deps.newId;
		this.#clock = deps.clock;
	}

	/**
	 * Finds the master key and unwraps every data key; on a new database, creates the
	 * master key file (unless BASALT_MASTER_KEY is set) and the first keys. A wrong or
	 * missing master key for a database that holds sealed data is a ConfigError: one
	 * line, and nothing written.
	 */
	async load(): Promise<void> {
		this.#master ??= this.#configured ?? readMasterKeyFile(this.#dataDir);
		if (!this.#master) {
			if (await this.#holdsSealedData())
				throw new ConfigError(
					"BASALT_MASTER_KEY",
					`is not set and ${masterKeyFile(this.#dataDir)} does not exist, but this database holds data sealed by a master key: restore master.key from a backup or set BASALT_MASTER_KEY (a new key would leave that data unreadable)`,
				);
			this.#master = createMasterKeyFile(this.#dataDir);
		}
		await this.#readKeys();
		if (this.#activeId === undefined || this.#indexKey === undefined) {
			this.#checkLegacySecrets(await this.#oneLegacySecret());
			await this.#createFirstKeys();
			await this.#readKeys();
		}
	}

	/** Reads the ring again: another node may have rotated it. */
	async reload(): Promise<void> {
		await this.#readKeys();
	}

	/** The id of the key new values are sealed with. */
	get activeKeyId(): string {
		if (this.#activeId === undefined)
			throw new Error("The data key ring is not loaded");
		return this.#activeId;
	}

	/** Every data key, oldest first. */
	list(): DataKeyInfo[] {
		return [...this.#keys.entries()]
			.map(([id, k]) => ({ id, active: k.active, created: k.created }))
			.sort((a, b) => a.created.localeCompare(b.created));
	}

	/** Adds a data key and makes it the active one; returns its id. */
	async rotate(): Promise<string> {
		const id = this.#newId();
		await this.#db.kysely.transaction().execute(async (trx) => {
			await trx
				.updateTable("_data_keys")
				.set({ active: this.#db.dialect.encode("boolean", false) })
				.where("purpose", "=", "data")
				.execute();
			await trx
				.insertInto("_data_keys")
				.values(this.#wrapNew(id, "data", true))
				.execute();
		});
		await this.#readKeys();
		return id;
	}

	/** Removes a data key that is not active; the caller checks nothing uses it. */
	async remove(id: string): Promise<void> {
		if (id === this.#activeId)
			throw new Error("the active data key cannot be removed");
		await this.#db.kysely
			.deleteFrom("_data_keys")
			.where("id", "=", id)
			.where("purpose", "=", "data")
			.execute();
		this.#keys.delete(id);
	}

	seal(plaintext: string, context: string): string {
		const id = this.activeKeyId;
		return `${SECRET_PREFIX}${id}.${seal(this.#keyOf(id), plaintext, context)}`;
	}

	open(sealed: string, context: string): string {
		if (!sealed.startsWith(SECRET_PREFIX))
			return open(this.#masterKey(), sealed, context).toString("utf8");
		const { keyId, box } = splitKeyed(sealed, SECRET_PREFIX.length);
		if (!this.#keys.has(keyId)) this.#reloadSoon();
		return open(this.#keyOf(keyId), box, context).toString("utf8");
	}

	/** The data key a sealed secret or field value was sealed with; undefined for legacy ones. */
	keyIdOf(stored: string): string | undefined {
		const start = stored.startsWith(BLIND_PREFIX)
			? BLIND_INDEX_LENGTH + FIELD_PREFIX.length
			: stored.startsWith(FIELD_PREFIX)
				? FIELD_PREFIX.length
				: stored.startsWith(SECRET_PREFIX)
					? SECRET_PREFIX.length
					: undefined;
		if (start === undefined) return undefined;
		const end = stored.indexOf(".", start);
		return end < 0 ? undefined : stored.slice(start, end);
	}

	/** Encrypts a field value, bound to its record and field; with its blind index if searchable. */
	encryptField(
		plaintext: string,
		binding: FieldBinding,
		searchable: boolean,
	): string {
		const id = this.activeKeyId;
		const box = seal(this.#keyOf(id), plaintext, fieldContext(binding));
		const value = `${FIELD_PREFIX}${id}.${box}`;
		return searchable
			? `${this.blindIndex(binding, plaintext)}${value}`
			: value;
	}

	/** Decrypts a field value; throws UnreadableValueError when it does not open. */
	decryptField(stored: string, binding: FieldBinding): string {
		const from = stored.startsWith(BLIND_PREFIX) ? BLIND_INDEX_LENGTH : 0;
		let unknownKey = false;
		try {
			if (!stored.startsWith(FIELD_PREFIX, from))
				throw new Error("not an encrypted field value");
			const { keyId, box } = splitKeyed(stored, from + FIELD_PREFIX.length);
			unknownKey = !this.#keys.has(keyId);
			return open(this.#keyOf(keyId), box, fieldContext(binding)).toString(
				"utf8",
			);
		} catch (err: unknown) {
			throw new UnreadableValueError(
				`the encrypted value of field ${binding.fieldId} in record ${binding.recordId} does not open: it was altered, copied from another record or field, or its data key was removed`,
				{ cause: err, unknownKey },
			);
		}
	}

	/**
	 * The blind index of a searchable field's value: `bix.` and 128 bits of
	 * HMAC-SHA256 under the index key over the collection, the field and the value, so
	 * equal values in other fields do not share digests. What equality filters compare.
	 */
	blindIndex(
		binding: Omit<FieldBinding, "recordId">,
		plaintext: string,
	): string {
		if (!this.#indexKey) throw new Error("The data key ring is not loaded");
		const digest = createHmac("sha256", this.#indexKey)
			.update(`${binding.collectionId}\u0000${binding.fieldId}\u0000`)
			.update(plaintext, "utf8")
			.digest()
			.subarray(0, 16)
			.toString("base64url");
		return `${BLIND_PREFIX}${digest}.`;
	}

	/**
	 * Whether a stored field value or secret is sealed with the active key: a
	 * rotation re-encrypts the others.
	 */
	isCurrent(stored: string): boolean {
		return this.keyIdOf(stored) === this.#activeId;
	}

	#keyOf(id: string): Buffer {
		const entry = this.#keys.get(id);
		if (!entry) throw new Error(`data key ${id} is not in the key ring`);
		return entry.key;
	}

	/**
	 * Reads the ring again in the background after a secret met a key this node does
	 * not know (another node rotated a moment ago), so the secret's next use (a
	 * webhook delivery's retry, the next sign-in) opens it; at most once a second, so
	 * values with made-up key ids cannot cost a query each. Field values need not:
	 * the records service reads the ring again and retries the read at once.
	 */
	#reloadSoon(): void {
		const now = Date.now();
		if (now - this.#lastReload < 1000) return;
		this.#lastReload = now;
		void this.#readKeys().catch(() => undefined);
	}

	#masterKey(): Buffer {
		if (!this.#master) throw new Error("The data key ring is not loaded");
		return this.#master;
	}

	async #readKeys(): Promise<void> {
		const rows = await this.#db.kysely
			.selectFrom("_data_keys")
			.selectAll()
			.execute();
		const master = this.#masterKey();
		const keys = new Map<
			string,
			{ key: Buffer; active: boolean; created: string }
		>();
		let activeId: string | undefined;
		let indexKey: Buffer | undefined;
		for (const row of rows) {
			const id = row.id as string;
			let key: Buffer;
			try {
				key = open(master, row.wrapped_key as string, `${WRAP_CONTEXT}:${id}`);
			} catch {
				throw wrongMasterKey();
			}
			const active = this.#db.dialect.decode("boolean", row.active) === true;
			if (row.purpose === "index") {
				indexKey = key;
				continue;
			}
			const created = this.#db.dialect.decode("timestamp", row.created);
			keys.set(id, { key, active, created: String(created) });
			if (active) activeId = id;
		}
		this.#keys = keys;
		this.#activeId = activeId;
		this.#indexKey = indexKey;
	}

	async #createFirstKeys(): Promise<void> {
		await this.#db.kysely.transaction().execute(async (trx) => {
			const existing = await trx
				.selectFrom("_data_keys")
				.select("purpose")
				.execute();
			const rows = [];
			if (!existing.some((r) => r.purpose === "data"))
				rows.push(this.#wrapNew(this.#newId(), "data", true));
			if (!existing.some((r) => r.purpose === "index"))
				rows.push(this.#wrapNew(this.#newId(), "index", false));
			if (rows.length > 0)
				await trx.insertInto("_data_keys").values(rows).execute();
		});
	}

	#wrapNew(id: string, purpose: "data" | "index", active: boolean) {
		const { dialect } = this.#db;
		return {
			id,
			purpose,
			wrapped_key: seal(
				this.#masterKey(),
				randomBytes(32),
				`${WRAP_CONTEXT}:${id}`,
			),
			active: dialect.encode("boolean", active),
			created: this.#clock().toISOString(),
		};
	}

	async #holdsSealedData(): Promise<boolean> {
		const keys = await this.#db.kysely
			.selectFrom("_data_keys")
			.select("id")
			.limit(1)
			.execute();
		return keys.length > 0 || (await this.#oneLegacySecret()) !== undefined;
	}

	/** A secret sealed by the master key before the ring existed, if any. */
	async #oneLegacySecret(): Promise<
		{ sealed: string; context: string } | undefined
	> {
		for (const spec of sealedColumns) {
			const row = await this.#db.kysely
				.selectFrom(spec.table)
				.select([spec.key, spec.column])
				.where(spec.column, "is not", null)
				.limit(1)
				.executeTakeFirst();
			if (row)
				return {
					sealed: row[spec.column] as string,
					context: spec.context(row[spec.key] as string),
				};
		}
		return undefined;
	}

	/** Refuses a master key that does not open what it sealed before the ring existed. */
	#checkLegacySecrets(
		secret: { sealed: string; context: string } | undefined,
	): void {
		if (!secret || secret.sealed.startsWith(SECRET_PREFIX)) return;
		try {
			open(this.#masterKey(), secret.sealed, secret.context);
		} catch {
			throw wrongMasterKey();
		}
	}
}

function wrongMasterKey(): ConfigError {
	return new ConfigError(
		"BASALT_MASTER_KEY",
		"does not open this database's key ring: it is not the master key the data was sealed with (BASALT_MASTER_KEY, or master.key in the data dir)",
	);
}

function fieldContext(binding: FieldBinding): string {
	return `basalt:field:${binding.collectionId}:${binding.fieldId}:${binding.recordId}`;
}

function splitKeyed(
	stored: string,
	from: number,
): { keyId: string; box: string } {
	const dot = stored.indexOf(".", from);
	if (dot < 0) throw new Error("not a sealed value of a known format");
	return { keyId: stored.slice(from, dot), box: stored.slice(dot + 1) };
}
