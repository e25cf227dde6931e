import {
	hashPassword,
	randomToken,
	verifyPassword,
} from "../../tools/crypto/index.js";
import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { SuperuserCaller } from "../model/index.js";
import type { AccessTokens, IssuedAccessToken } from "./access-tokens.js";
import { tokenKeyFingerprint } from "./token-key.js";

/** A superuser as the API shows it (never the hash or token key). */
export interface Superuser {
	id: string;
	email: string;
	created: string;
	updated: string;
}

/** A superuser signed in with a password: the account and its access token. */
export interface SuperuserSession extends IssuedAccessToken {
	record: Superuser;
}

/** Manages `_superusers` and turns their tokens back into callers. */
export interface SuperusersService {
	/** Creates a superuser; 409 if the email is taken. */
	create(email: string, password: string): Promise<Superuser>;
	/** Creates the superuser unless one with this email exists; true if created. */
	ensure(email: string, password: string): Promise<boolean>;
	/** Sets a new password and token key: every existing session ends. */
	setPassword(email: string, password: string): Promise<void>;
	/** Deletes a superuser by email. */
	remove(email: string): Promise<void>;
	/** Checks email and password; the same 400 for a wrong password and an unknown email. */
	login(email: string, password: string): Promise<SuperuserSession>;
	/** Turns verified token claims into a caller; INVALID_TOKEN if the account or its key changed. */
	callerFor(sub: string, tkh: string): Promise<SuperuserCaller>;
	/**
	 * The superuser with this id as a caller now, for work it started that runs on
	 * (a job); INVALID_TOKEN when the superuser was removed.
	 */
	currentCaller(id: string): Promise<SuperuserCaller>;
	/** Counts superusers (the CLI warns when there are none). */
	count(): Promise<number>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$|^[^\s@]+@localhost$/;

/**
 * Manages `_superusers` (docs/api.md#superuser-login): create, update, delete, password
 * login and turning a verified token back into a caller.
 */
export function createSuperusersService(deps: {
	db: Database;
	tokens: AccessTokens;
	newId: IdGenerator;
	clock: Clock;
}): SuperusersService {
	const { db } = deps;
	// Unknown accounts verify against this hash, so both paths cost one argon2 run and
	// answer in the same time (no account enumeration by timing).
	const decoyHash = hashPassword(randomToken());

	function checkCredentials(email: string, password: string) {
		if (!EMAIL.test(email)) {
			throw new AppError("VALIDATION_FAILED", {
				errors: {
					email: {
						code: "INVALID_FORMAT",
						message: "must be an email address",
					},
				},
			});
		}
		if (password.length < 8 || password.length > 256) {
			throw new AppError("VALIDATION_FAILED", {
				errors: {
					password: {
						code: "INVALID_LENGTH",
						message: "must be 8 to 256 characters",
					},
				},
			});
		}
	}

	async function findByEmail(email: string) {
		return db.kysely
			.selectFrom("_superusers")
			.selectAll()
			.where("email", "=", email.toLowerCase())
			.executeTakeFirst();
	}

	return {
		async create(email: string, password: string): Promise<Superuser> {
			checkCredentials(email, password);
			if (await findByEmail(email))
				throw new AppError("UNIQUE_VIOLATION", {
					detail: "A superuser with this email exists.",
				});
			const now = deps.clock().toISOString();
			const row = {
				id: deps.newId(),
				email: email.toLowerCase(),
				password_hash: await hashPassword(password),
				token_key: randomToken(),
				created: now,
				updated: now,
			};
			await db.kysely.insertInto("_superusers").values(row).execute();
			return { id: row.id, email: row.email, created: now, updated: now };
		},
		async ensure(email: string, password: string): Promise<boolean> {
			if (await findByEmail(email)) return false;
			await this.create(email, password);
			return true;
		},
		async setPassword(email: string, password: string): Promise<void> {
			checkCredentials(email, password);
			const result = await db.kysely
				.updateTable("_superusers")
				.set({
					password_hash: await hashPassword(password),
					token_key: randomToken(),
					updated: deps.clock().toISOString(),
				})
				.where("email", "=", email.toLowerCase())
				.executeTakeFirst();
			if (Number(result.numUpdatedRows) === 0)
				throw new AppError("RECORD_NOT_FOUND", {
					detail: "No such superuser.",
				});
		},
		async remove(email: string): Promise<void> {
			const result = await db.kysely
				.deleteFrom("_superusers")
				.where("email", "=", email.toLowerCase())
				.executeTakeFirst();
			if (Number(result.numDeletedRows) === 0)
				throw new AppError("RECORD_NOT_FOUND", {
					detail: "No such superuser.",
				});
		},
		async login(email: string, password: string) {
			const row = await findByEmail(email);
			const ok = await verifyPassword(
				row ? (row.password_hash as string) : await decoyHash,
				password,
			);
			if (!row || !ok) throw new AppError("INVALID_CREDENTIALS");
			const issued = await deps.tokens.issue({
				sub: row.id as string,
				col: "_superusers",
				tkh: tokenKeyFingerprint(row.token_key as string),
			});
			const superuser: Superuser = {
				id: row.id as string,
				email: row.email as string,
				created: row.created as string,
				updated: row.updated as string,
			};
			return { ...issued, record: superuser };
		},
		async callerFor(sub: string, tkh: string): Promise<SuperuserCaller> {
			const row = await db.kysely
				.selectFrom("_superusers")
				.select(["id", "email", "token_key"])
				.where("id", "=", sub)
				.executeTakeFirst();
			if (!row || tokenKeyFingerprint(row.token_key as string) !== tkh) {
				throw new AppError("INVALID_TOKEN", {
					detail: "The access token is no longer valid.",
				});
			}
			return {
				kind: "superuser",
				id: row.id as string,
				email: row.email as string,
			};
		},
		async currentCaller(id: string): Promise<SuperuserCaller> {
			const row = await db.kysely
				.selectFrom("_superusers")
				.select(["id", "email"])
				.where("id", "=", id)
				.executeTakeFirst();
			if (!row)
				throw new AppError("INVALID_TOKEN", {
					detail: "The superuser no longer exists.",
				});
			return {
				kind: "superuser",
				id: row.id as string,
				email: row.email as string,
			};
		},
		async count(): Promise<number> {
			const row = await db.kysely
				.selectFrom("_superusers")
				.select((eb) => eb.fn.countAll().as("n"))
				.executeTakeFirst();
			return Number(row?.n ?? 0);
		},
	};
}
