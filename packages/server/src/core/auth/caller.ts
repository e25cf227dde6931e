/**
 * Who is making a request, as the API layer authenticated it. Rules see it as
 * `@request.auth.*`; services use it to decide what may be read and written.
 */
export type Caller = GuestCaller | SuperuserCaller;

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
	return { id: "", email: "", collectionName: "" };
}
