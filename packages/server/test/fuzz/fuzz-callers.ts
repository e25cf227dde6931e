import { sql } from "kysely";
import type { TestApp } from "../helpers/test-app.js";
import type { Who } from "./plan-context.js";

/*
 * The credentials of the fuzz run's callers. The fuzzer may legitimately end one (a
 * user signs out everywhere, changes their password or deletes their account, a
 * superuser revokes a key): a 401 for an intact credential is then checked against
 * the database, and the caller gets a new credential only if what the credential
 * rests on really changed. Any other 401 for an intact credential is a failure.
 */

/** The password of every fixture account. */
export const FUZZ_PASSWORD = "fuzz password that is long";

/** A fixture account: its email, role and hidden clearance. */
export interface Account {
	email: string;
	role: string | null;
	clearance: number | null;
}

/** The fixture's callers who sign in: two users; their keys act as ann and a superuser. */
export const ACCOUNTS: Readonly<
	Record<"ann" | "bob" | "carol" | "dave", Account>
> = {
	ann: { email: "ann@example.com", role: "member", clearance: 2 },
	bob: { email: "bob@example.com", role: "editor", clearance: 5 },
	carol: { email: "carol@example.com", role: "member", clearance: null },
	dave: { email: "dave@example.com", role: "admin", clearance: 9 },
};

/** The scopes of each API key caller. */
export const KEY_SCOPES: Readonly<Record<"annKey" | "suKey", string[]>> = {
	annKey: [
		"records:read:posts",
		"records:read:comments",
		"records:write:comments",
		"records:read:notes",
		"records:write:notes",
		"records:read:users",
	],
	suKey: ["records:read:*", "collections:read", "jobs"],
};

type Snapshot = string;

/** The credentials of one run, kept valid across revocations the fuzzer makes. */
export class FuzzCallers {
	readonly #t: TestApp;
	readonly #tokens = new Map<Who, string>();
	readonly #snapshots = new Map<Who, Snapshot>();
	readonly #keyIds = new Map<Who, string>();
	/** Account ids by name; they change when an account is deleted and made again. */
	readonly ids: Record<string, string> = {};
	readonly superuserId: string;
	/** How many credentials the fuzzer ended and were issued anew. */
	renewed = 0;

	constructor(t: TestApp, superuserId: string) {
		this.#t = t;
		this.superuserId = superuserId;
		this.#tokens.set("superuser", t.superuserToken);
	}

	/** The Authorization header of a caller; undefined for guests. */
	header(who: Who): string | undefined {
		const token = this.#tokens.get(who);
		return token ? `Bearer ${token}` : undefined;
	}

	/** `@request.auth.id` of a caller: "" for guests. */
	me(who: Who): string {
		if (who === "guest") return "";
		if (who === "superuser" || who === "suKey") return this.superuserId;
		return this.ids[who === "annKey" ? "ann" : who] ?? "";
	}

	/** Signs in every caller: ann and bob, ann's key and a superuser's key. */
	async provision(): Promise<void> {
		this.#snapshots.set("superuser", await this.#snapshotOf("superuser"));
		for (const who of ["ann", "bob", "annKey", "suKey"] as const)
			await this.#issue(who);
	}

	/**
	 * Handles a 401 for an intact credential: renews it when the fuzzer ended it and
	 * returns true; returns false when nothing it rests on changed.
	 */
	async renewIfEnded(who: Who): Promise<boolean> {
		if (who === "guest") return false;
		const before = this.#snapshots.get(who);
		if (before === (await this.#snapshotOf(who))) return false;
		if (who === "superuser") return false;
		await this.#issue(who);
		this.renewed += 1;
		return true;
	}

	async #issue(who: "ann" | "bob" | "annKey" | "suKey"): Promise<void> {
		const { app } = this.#t;
		const users = app.registry.get("users");
		if (who === "suKey") {
			const caller = await app.superusers.currentCaller(this.superuserId);
			await this.#makeKey(who, caller);
			return;
		}
		const name = who === "annKey" ? "ann" : who;
		const id = await this.#ensureAccount(name);
		if (who === "annKey") {
			await this.#makeKey(who, await app.accounts.currentCaller(users.id, id));
			return;
		}
		const session = await app.accounts.sessionForAccount(users.id, id);
		if (!session) throw new Error(`no session for ${name}`);
		this.#tokens.set(who, session.token);
		this.#snapshots.set(who, await this.#snapshotOf(who));
	}

	async #makeKey(
		who: "annKey" | "suKey",
		caller: Parameters<TestApp["app"]["apiKeys"]["create"]>[1],
	): Promise<void> {
		const key = await this.#t.app.apiKeys.create(
			{ name: `fuzz ${who}`, scopes: KEY_SCOPES[who] },
			caller,
		);
		this.#tokens.set(who, key.key);
		this.#keyIds.set(who, key.id);
		this.#snapshots.set(who, await this.#snapshotOf(who));
	}

	/** The account's id, making the account again (as a superuser) if it was deleted. */
	async #ensureAccount(name: "ann" | "bob"): Promise<string> {
		const known = this.ids[name];
		if (known && (await this.#row("users", known))) return known;
		const account = ACCOUNTS[name];
		const res = await this.#t.request(
			"POST",
			"/api/v1/collections/users/records",
			{
				token: "superuser",
				body: {
					email: account.email,
					password: FUZZ_PASSWORD,
					passwordConfirm: FUZZ_PASSWORD,
					role: account.role,
					clearance: account.clearance,
				},
			},
		);
		if (res.status !== 201) {
			// The address may be taken by an account the fuzzer signed up: use that one.
			const row = await this.#byEmail(account.email);
			if (!row) throw new Error(`cannot make ${name} again: ${res.text}`);
			this.ids[name] = String(row.id);
			return this.ids[name];
		}
		this.ids[name] = res.body.id as string;
		return this.ids[name];
	}

	/** What a caller's credential rests on, as the database holds it now. */
	async #snapshotOf(who: Who): Promise<Snapshot> {
		if (who === "superuser" || who === "suKey") {
			const su = await this.#row("_superusers", this.superuserId);
			const key = who === "suKey" ? await this.#keyRow(who) : "";
			return JSON.stringify([su?.token_key ?? null, key]);
		}
		const id = this.ids[who === "annKey" ? "ann" : who] ?? "";
		const user = await this.#row("users", id);
		const key = who === "annKey" ? await this.#keyRow(who) : "";
		return JSON.stringify([user?.token_key ?? null, key]);
	}

	async #keyRow(who: Who): Promise<string | null> {
		const row = await this.#row("_api_keys", this.#keyIds.get(who) ?? "");
		return row ? String(row.id) : null;
	}

	async #row(table: string, id: string) {
		const { rows } = await sql<
			Record<string, unknown>
		>`SELECT * FROM ${sql.table(table)} WHERE id = ${id}`.execute(
			this.#t.app.db.kysely,
		);
		return rows[0];
	}

	async #byEmail(email: string) {
		const { rows } = await sql<
			Record<string, unknown>
		>`SELECT id FROM users WHERE email = ${email}`.execute(
			this.#t.app.db.kysely,
		);
		return rows[0];
	}
}
