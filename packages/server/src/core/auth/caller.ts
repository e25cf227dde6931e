/**
 * Who is making a request, as the API layer authenticated it. Rules see it as
 * `@request.auth.*`; services use it to decide what may be read and written.
 */
export type Caller = GuestCaller | SuperuserCaller | RecordCaller;

/** No credentials. */
export interface GuestCaller {
	kind: "guest";
}

/** A member of `_superusers`: passes every rule. */
export interface SuperuserCaller {
	kind: "superuser";
	id: string;
	email: string;
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
}

/** The caller for requests without credentials. */
export const guest: GuestCaller = Object.freeze({ kind: "guest" });

/** Tells whether the caller passes every rule. */
export function isSuperuser(caller: Caller): caller is SuperuserCaller {
	return caller.kind === "superuser";
}

/**
 * The caller as a record for `@request.auth.<field>`: empty values for guests, so
 * `@request.auth.id != ""` reads "signed in" (SPEC section 5).
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
	return { id: "", email: "", collectionName: "" };
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
