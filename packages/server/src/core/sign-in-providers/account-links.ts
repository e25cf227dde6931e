import { authCollectionNamed } from "../accounts/index.js";
import type { AuditLog } from "../audit/index.js";
import { recordScope, requireScope } from "../auth/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";
import { type Caller, isSelf, isSuperuser } from "../model/index.js";
import type { ExternalAuths } from "./external-auths.js";
import type { ProviderStore } from "./provider-store.js";
import type { PresetName } from "./provider-types.js";

/** How the accounts of a collection can sign in, for a sign-in page to offer. */
export interface AuthMethods {
	password: { enabled: true };
	oauth2: {
		providers: { name: string; preset: PresetName | null; startUrl: string }[];
	};
}

/** One provider identity linked to an account. */
export interface AccountLink {
	provider: string;
	/** The provider's id for the person (`sub`, or its user id). */
	subject: string;
	created: string;
}

/** What the account-link functions are built from. */
export interface AccountLinksDeps {
	db: Database;
	registry: CollectionRegistry;
	links: ExternalAuths;
	store: Pick<ProviderStore, "list">;
	audit: AuditLog;
	/** The path of a provider's sign-in start for a collection. */
	startPath(collection: string, provider: string): string;
}

/**
 * What accounts see of OAuth2 outside the sign-in itself: the providers a collection
 * offers (public, for a sign-in page) and the identities linked to an account, which
 * the account or a superuser can list and unlink.
 */
export function createAccountLinks(deps: AccountLinksDeps) {
	/**
	 * The collection, if the caller may see (or change) the account's links: the
	 * account itself or a superuser, within their key's scopes. Anyone else learns
	 * nothing, as for a record they may not view (404).
	 */
	function accountOf(
		caller: Caller,
		collectionName: string,
		recordId: string,
		access: "read" | "write",
	): Collection {
		const collection = authCollectionNamed(deps.registry, collectionName);
		requireScope(caller, recordScope(access, collection.name));
		if (!isSuperuser(caller) && !isSelf(caller, collection.id, recordId))
			throw new AppError("RECORD_NOT_FOUND", {
				detail: `No record "${recordId.slice(0, 64)}" in "${collection.name}".`,
			});
		return collection;
	}

	return {
		/** The sign-in methods of an auth collection: active providers offered to it. */
		async methodsOf(collectionName: string): Promise<AuthMethods> {
			const collection = authCollectionNamed(deps.registry, collectionName);
			const offered = (await deps.store.list()).filter(
				(provider) =>
					provider.active &&
					(provider.collectionIds === null ||
						provider.collectionIds.includes(collection.id)),
			);
			return {
				password: { enabled: true },
				oauth2: {
					providers: offered.map((provider) => ({
						name: provider.name,
						preset: provider.preset,
						startUrl: deps.startPath(collection.name, provider.name),
					})),
				},
			};
		},

		/** The provider identities linked to an account. */
		async linksOf(
			caller: Caller,
			collectionName: string,
			recordId: string,
		): Promise<AccountLink[]> {
			const collection = accountOf(caller, collectionName, recordId, "read");
			return deps.links.linksOf(deps.db.kysely, collection.id, recordId);
		},

		/**
		 * Unlinks a provider from an account: that identity no longer signs in to it
		 * (a password, or a password reset, still does). Audited.
		 */
		async unlink(
			caller: Caller,
			collectionName: string,
			recordId: string,
			provider: string,
		): Promise<void> {
			const collection = accountOf(caller, collectionName, recordId, "write");
			await deps.db.kysely.transaction().execute(async (trx) => {
				const removed = await deps.links.unlink(
					trx,
					collection.id,
					recordId,
					provider,
				);
				if (!removed)
					throw new AppError("OAUTH2_LINK_NOT_FOUND", {
						detail: `The account is not linked to "${provider.slice(0, 64)}".`,
					});
				await deps.audit.record(
					{
						action: "auth.oauth2_unlinked",
						actor: caller.kind === "guest" ? undefined : caller,
						collection: collection.name,
						recordId,
						details: { provider },
					},
					trx,
				);
			});
		},
	};
}

/** The account-link functions. */
export type AccountLinks = ReturnType<typeof createAccountLinks>;
