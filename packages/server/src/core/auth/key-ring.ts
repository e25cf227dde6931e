import {
	createPrivateKey,
	createPublicKey,
	generateKeyPairSync,
	type KeyObject,
} from "node:crypto";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";
import { type Sealer, signingKeyContext } from "../encryption/index.js";

/** A signing key: the private half only ever decrypted in memory. */
export interface SigningKey {
	kid: string;
	alg: "EdDSA";
	privateKey: KeyObject;
	publicKey: KeyObject;
	publicJwk: Record<string, unknown>;
	created: string;
}

/**
 * The JWT signing keys, stored in `_keys` with private keys sealed by the data key ring.
 * One key is active for signing; every stored key verifies, so a rotation
 * (`basalt keys rotate`, docs/auth.md) does not sign anyone out.
 */
export class KeyRing {
	#db: Database;
	#sealer: Sealer;
	#newId: () => string;
	#clock: Clock;
	#keys = new Map<string, SigningKey>();
	#active: SigningKey | undefined;
	#lastReload = 0;

	constructor(deps: {
		db: Database;
		sealer: Sealer;
		newId: () => string;
		clock: Clock;
	}) {
		this.#db = deps.db;
		this.#sealer = deps.sealer;
		this.#newId = deps.newId;
		this.#clock = deps.clock;
	}

	/** Loads every key; creates the first one on a new install. */
	async load(): Promise<void> {
		// A key another node made may be sealed with a data key that is new too.
		await this.#sealer.reload();
		const rows = await this.#db.kysely
			.selectFrom("_keys")
			.selectAll()
			.orderBy("created")
			.execute();
		this.#keys.clear();
		this.#active = undefined;
		for (const row of rows) {
			const key = this.#decode(row);
			this.#keys.set(key.kid, key);
			if (this.#db.dialect.decode("boolean", row.active)) this.#active = key;
		}
		if (!this.#active) await this.rotate();
	}

	/** Adds a new active key; older keys keep verifying. */
	async rotate(): Promise<SigningKey> {
		const { privateKey, publicKey } = generateKeyPairSync("ed25519");
		const kid = this.#newId();
		const publicJwk = {
			...publicKey.export({ format: "jwk" }),
			kid,
			alg: "EdDSA",
			use: "sig",
		};
		const pem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
		const created = this.#clock().toISOString();
		const { dialect } = this.#db;
		await this.#db.kysely.transaction().execute(async (trx) => {
			await trx
				.updateTable("_keys")
				.set({ active: dialect.encode("boolean", false) })
				.execute();
			await trx
				.insertInto("_keys")
				.values({
					kid,
					alg: "EdDSA",
					public_jwk: dialect.encode("json", publicJwk),
					private_key: this.#sealer.seal(pem, signingKeyContext(kid)),
					active: dialect.encode("boolean", true),
					created,
				})
				.execute();
		});
		const key: SigningKey = {
			kid,
			alg: "EdDSA",
			privateKey,
			publicKey,
			publicJwk,
			created,
		};
		this.#keys.set(kid, key);
		this.#active = key;
		return key;
	}

	/** The key new tokens are signed with. */
	activeKey(): SigningKey {
		if (!this.#active) throw new Error("The key ring is not loaded");
		return this.#active;
	}

	/**
	 * Finds a key by id. An unknown id may be a key another node just made, so the ring
	 * reloads, but at most every 10 s: tokens with made-up ids must not cost a query each.
	 */
	async findKey(kid: string): Promise<SigningKey | undefined> {
		const known = this.#keys.get(kid);
		if (known) return known;
		const now = Date.now();
		if (now - this.#lastReload < 10_000) return undefined;
		this.#lastReload = now;
		await this.load();
		return this.#keys.get(kid);
	}

	/** The public keys as a JWK Set (RFC 7517). */
	publicJwks(): { keys: Record<string, unknown>[] } {
		return { keys: [...this.#keys.values()].map((k) => k.publicJwk) };
	}

	#decode(row: Record<string, unknown>): SigningKey {
		const kid = row.kid as string;
		let pem: string;
		try {
			pem = this.#sealer.open(
				row.private_key as string,
				signingKeyContext(kid),
			);
		} catch (err: unknown) {
			throw new Error(
				`cannot decrypt signing key ${kid}: the master key (BASALT_MASTER_KEY or master.key in the data dir) is not the one this database was set up with`,
				{ cause: err },
			);
		}
		const privateKey = createPrivateKey(pem);
		return {
			kid,
			alg: "EdDSA",
			privateKey,
			publicKey: createPublicKey(privateKey),
			publicJwk: this.#db.dialect.decode("json", row.public_jwk) as Record<
				string,
				unknown
			>,
			created: row.created as string,
		};
	}
}
