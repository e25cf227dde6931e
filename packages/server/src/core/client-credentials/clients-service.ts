import {
	matchesSecretDigest,
	randomToken,
	sha256Hex,
} from "../../tools/crypto/index.js";
import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import {
	type AccessClaims,
	checkScopes,
	scopeCovers,
	tokenKeyFingerprint,
} from "../auth/index.js";
import type { Database } from "../db/index.js";
import { AppError, type FieldError } from "../errors/index.js";
import type { ClientCaller } from "../model/index.js";

/** A registered OAuth2 client as the API shows it (never its secret's hash). */
export interface Client {
	id: string;
	name: string;
	scopes: string[];
	active: boolean;
	created: string;
	updated: string;
}

/** A client with its secret: only in the answer that made (or re-made) the secret. */
export interface ClientWithSecret extends Client {
	secret: string;
}

/** The members of a create (name and scopes required) or a PATCH. */
export interface ClientInput {
	name?: string;
	scopes?: string[];
	active?: boolean;
}

/** A client whose credentials checked out, and the fingerprint its tokens carry. */
export interface AuthenticatedClient {
	client: Client;
	tkh: string;
}

/** Registered OAuth2 clients: managed by superusers, checked on each request. */
export interface ClientsService {
	/** Registers a client; the answer holds its secret, shown this once. */
	create(input: ClientInput): Promise<ClientWithSecret>;
	/** Every client, oldest first. */
	list(): Promise<Client[]>;
	/** One client; OAUTH_CLIENT_NOT_FOUND otherwise. */
	get(id: string): Promise<Client>;
	/** Changes name, scopes or active; narrower scopes narrow live tokens at once. */
	update(id: string, input: ClientInput): Promise<Client>;
	/** Makes a new secret; the old one and every token issued before stop working. */
	rotateSecret(id: string): Promise<ClientWithSecret>;
	/** Deletes a client; its tokens are refused from the next request on. */
	remove(id: string): Promise<void>;
	/**
	 * Checks a client id and secret; undefined when either is wrong. Both cases cost
	 * one primary-key read and one hash, so timing does not tell them apart.
	 */
	authenticate(
		clientId: string,
		secret: string,
	): Promise<AuthenticatedClient | undefined>;
	/**
	 * Turns a verified client token into its caller: INVALID_TOKEN when the client is
	 * gone, inactive or has a new secret. Its scopes are the token's, less any the
	 * client no longer holds.
	 */
	callerFor(claims: AccessClaims): Promise<ClientCaller>;
	/**
	 * A client caller as it stands now, for work it started that runs on (a job):
	 * INVALID_TOKEN when the client is gone or inactive; scopes it no longer holds
	 * are dropped.
	 */
	currentCaller(caller: ClientCaller): Promise<ClientCaller>;
}

const SECRET_PREFIX = "bcs_";
// Unknown client ids are checked against this, so they cost the same as wrong secrets.
const DECOY_DIGEST = sha256Hex("basalt:no-such-client");

/**
 * Registered OAuth2 clients for the client_credentials grant (RFC 6749 section 4.4),
 * managed by superusers. A client is a service principal: its tokens act as the client
 * itself (`@request.auth.collectionName` = `_clients`), with only its scopes. The
 * secret is shown once and stored as a SHA-256; a new secret or deleting or
 * deactivating the client ends its tokens at once, since every request checks them.
 */
export function createClientsService(deps: {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
}): ClientsService {
	const { db } = deps;
	const { dialect } = db;

	function present(row: Record<string, unknown>): Client {
		return {
			id: row.id as string,
			name: row.name as string,
			scopes: dialect.decode("json", row.scopes) as string[],
			active: dialect.decode("boolean", row.active) as boolean,
			created: dialect.decode("timestamp", row.created) as string,
			updated: dialect.decode("timestamp", row.updated) as string,
		};
	}

	/** Reads on the read connection: token checks never wait behind a long write. */
	async function findRow(
		id: string,
	): Promise<Record<string, unknown> | undefined> {
		const [row] = await db.read<Record<string, unknown>>(
			db.kysely
				.selectFrom("_oauth_clients")
				.selectAll()
				.where("id", "=", id)
				.compile(),
		);
		return row;
	}

	async function getRow(id: string) {
		const row = await findRow(id);
		if (!row)
			throw new AppError("OAUTH_CLIENT_NOT_FOUND", {
				detail: `No OAuth client "${id.slice(0, 64)}".`,
			});
		return row;
	}

	return {
		async create(input: ClientInput): Promise<ClientWithSecret> {
			const checked = checkClientInput(input);
			const now = deps.clock().toISOString();
			const fresh = newCredentials();
			const row = {
				id: deps.newId(),
				name: checked.name as string,
				scopes: dialect.encode("json", checked.scopes),
				active: dialect.encode("boolean", checked.active ?? true),
				created: now,
				updated: now,
				...fresh.columns,
			};
			const inserted = await db.kysely
				.insertInto("_oauth_clients")
				.values(row)
				.returningAll()
				.executeTakeFirstOrThrow();
			return { ...present(inserted), secret: fresh.secret };
		},
		async list(): Promise<Client[]> {
			const rows = await db.kysely
				.selectFrom("_oauth_clients")
				.selectAll()
				.orderBy("id")
				.execute();
			return rows.map(present);
		},
		async get(id: string): Promise<Client> {
			return present(await getRow(id));
		},
		async update(id: string, input: ClientInput): Promise<Client> {
			await getRow(id);
			const checked = checkClientInput(input);
			const columns: Record<string, unknown> = {
				updated: deps.clock().toISOString(),
			};
			if (checked.name !== undefined) columns.name = checked.name;
			if (checked.scopes !== undefined)
				columns.scopes = dialect.encode("json", checked.scopes);
			if (checked.active !== undefined)
				columns.active = dialect.encode("boolean", checked.active);
			await db.kysely
				.updateTable("_oauth_clients")
				.set(columns)
				.where("id", "=", id)
				.execute();
			return present(await getRow(id));
		},
		async rotateSecret(id: string): Promise<ClientWithSecret> {
			await getRow(id);
			const fresh = newCredentials();
			await db.kysely
				.updateTable("_oauth_clients")
				.set({ ...fresh.columns, updated: deps.clock().toISOString() })
				.where("id", "=", id)
				.execute();
			return { ...present(await getRow(id)), secret: fresh.secret };
		},
		async remove(id: string): Promise<void> {
			await getRow(id);
			await db.kysely
				.deleteFrom("_oauth_clients")
				.where("id", "=", id)
				.execute();
		},
		async authenticate(
			clientId: string,
			secret: string,
		): Promise<AuthenticatedClient | undefined> {
			const row = await findRow(clientId);
			const digest = (row?.secret_hash as string | undefined) ?? DECOY_DIGEST;
			if (!matchesSecretDigest(secret, digest) || !row) return undefined;
			return {
				client: present(row),
				tkh: tokenKeyFingerprint(row.token_key as string),
			};
		},
		async callerFor(claims: AccessClaims): Promise<ClientCaller> {
			const row = await findRow(claims.sub);
			if (
				!row ||
				claims.scope === undefined ||
				!(dialect.decode("boolean", row.active) as boolean) ||
				tokenKeyFingerprint(row.token_key as string) !== claims.tkh
			) {
				throw new AppError("INVALID_TOKEN", {
					detail: "The client token is no longer valid.",
				});
			}
			const held = dialect.decode("json", row.scopes) as string[];
			const scopes = claims.scope
				.split(" ")
				.filter((s) => held.some((h) => scopeCovers(h, s)));
			return {
				kind: "client",
				id: claims.sub,
				grant: { kind: "client", id: claims.sub, scopes },
			};
		},
		async currentCaller(caller: ClientCaller): Promise<ClientCaller> {
			const row = await findRow(caller.id);
			if (!row || !(dialect.decode("boolean", row.active) as boolean))
				throw new AppError("INVALID_TOKEN", {
					detail: "The OAuth2 client was deleted or deactivated.",
				});
			const held = dialect.decode("json", row.scopes) as string[];
			const scopes = caller.grant.scopes.filter((s) =>
				held.some((h) => scopeCovers(h, s)),
			);
			return { ...caller, grant: { ...caller.grant, scopes } };
		},
	};
}

/**
 * A new client secret (256 random bits, shown once) and token key, as the columns
 * that store them: the secret's hash, and the key whose fingerprint tokens carry.
 */
function newCredentials() {
	const secret = `${SECRET_PREFIX}${randomToken(32)}`;
	return {
		secret,
		columns: { secret_hash: sha256Hex(secret), token_key: randomToken() },
	};
}

/** Checks a name that is not blank and scopes of records only; VALIDATION_FAILED otherwise. */
function checkClientInput(input: ClientInput): ClientInput {
	const errors: Record<string, FieldError> =
		input.scopes === undefined
			? {}
			: checkScopes(
					input.scopes,
					"clients hold records scopes only (a superuser's API key can hold admin scopes)",
				);
	const name = input.name?.trim();
	if (name === "")
		errors.name = { code: "VALUE_REQUIRED", message: "must not be blank" };
	const entries = Object.entries(errors);
	if (entries.length > 0) {
		const [at, first] = entries[0] as [string, FieldError];
		throw new AppError("VALIDATION_FAILED", {
			detail: `${at}: ${first.message}.`,
			errors,
		});
	}
	return { ...input, ...(name !== undefined ? { name } : {}) };
}
