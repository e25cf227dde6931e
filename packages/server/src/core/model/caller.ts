/**
 * Who is making a request, as the API layer authenticated it. Rules see it as
 * `@request.auth.*`; services use it to decide what may be read and written.
 */
export type Caller =
	| GuestCaller
	| SuperuserCaller
	| RecordCaller
	| ClientCaller;

/**
 * The machine credential a request came with: an API key (acting as its owner) or an
 * OAuth2 client token. Its scopes narrow what the caller may do (core/auth/scopes.ts);
 * a caller without a grant signed in interactively and is not narrowed.
 */
export interface Grant {
	kind: "apiKey" | "client";
	id: string;
	scopes: readonly string[];
}

/** No credentials. */
export interface GuestCaller {
	kind: "guest";
}

/** A member of `_superusers`: passes every rule. */
export interface SuperuserCaller {
	kind: "superuser";
	id: string;
	email: string;
	/**
	 * Set for the server's own command line (`basalt import`, `basalt export`): whoever
	 * runs it owns the data dir, and no superuser account stands behind it.
	 */
	commandLine?: true;
	/** Set when the superuser acts through an API key. */
	grant?: Grant;
}

/** A signed-in record of an auth collection (a user). */
export interface RecordCaller {
	kind: "record";
	id: string;
	collectionId: string;
	collectionName: string;
	/** The record as its owner sees it (never the password hash or token key). */
	record: Record<string, unknown>;
	/** The superuser acting as this account (an impersonation token), for logs. */
	impersonatedBy?: string;
	/** Set when the record acts through an API key. */
	grant?: Grant;
}

/**
 * An OAuth2 client holding a client_credentials token: a service principal, never a
 * superuser and never an account, that may do only what its scopes and the rules allow.
 */
export interface ClientCaller {
	kind: "client";
	/** The client id, which rules see as `@request.auth.id`. */
	id: string;
	grant: Grant;
}

/** The `@request.auth.collectionName` of OAuth2 clients. */
export const CLIENTS_COLLECTION = "_clients";

/** The caller for requests without credentials. */
export const guest: GuestCaller = Object.freeze({ kind: "guest" });

/** Tells whether the caller passes every rule. */
export function isSuperuser(caller: Caller): caller is SuperuserCaller {
	return caller.kind === "superuser";
}

/**
 * The caller as a record for `@request.auth.<field>`: empty values for guests, so
 * `@request.auth.id != ""` reads "signed in" (docs/filters.md#operands).
 */
export function authRecordOf(caller: Caller): Record<string, unknown> {
	if (caller.kind === "superuser") {
		return {
			id: caller.id,
			email: caller.email,
			collectionName: "_superusers",
		};
	}
	if (caller.kind === "record") {
		return {
			...caller.record,
			id: caller.id,
			collectionId: caller.collectionId,
			collectionName: caller.collectionName,
		};
	}
	if (caller.kind === "client") {
		// Only identity: a client has no fields a rule written for accounts could match.
		return {
			id: caller.id,
			email: "",
			collectionId: CLIENTS_COLLECTION,
			collectionName: CLIENTS_COLLECTION,
		};
	}
	return { id: "", email: "", collectionName: "" };
}

/** The machine credential behind a caller, if any. */
export function grantOf(caller: Caller): Grant | undefined {
	return caller.kind === "guest" ? undefined : caller.grant;
}

/** Tells whether the caller is the given record (an account looking at itself). */
export function isSelf(
	caller: Caller,
	collectionId: string,
	recordId: string,
): boolean {
	return (
		caller.kind === "record" &&
		caller.collectionId === collectionId &&
		caller.id === recordId
	);
}
