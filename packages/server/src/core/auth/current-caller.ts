import type { Caller, ClientCaller } from "../model/index.js";

/**
 * What createCurrentCaller is built from: each kind of credential's own lookup. The
 * services that have them (accounts, API keys, clients) build on auth, so they are
 * named here by what they do, not imported.
 */
export interface CurrentCallerDeps {
	superusers: { currentCaller(id: string): Promise<Caller> };
	accounts: {
		currentCaller(collectionId: string, id: string): Promise<Caller>;
	};
	apiKeys: { currentCaller(keyId: string): Promise<Caller> };
	clients: { currentCaller(caller: ClientCaller): Promise<ClientCaller> };
}

/** Brings a saved caller up to date; throws INVALID_TOKEN when its access ended. */
export type CurrentCaller = (caller: Caller) => Promise<Caller>;

/**
 * Creates the function that brings a caller saved with long-running work (an export
 * or import job) up to date before each step: the account's current fields for the
 * rules, and INVALID_TOKEN when what it acted through is gone (a revoked or expired
 * API key, a key whose owner changed their password, a deleted account, superuser
 * or OAuth2 client). Work must not outlive the access that started it.
 */
export function createCurrentCaller(deps: CurrentCallerDeps): CurrentCaller {
	return async function currentCallerOf(caller: Caller): Promise<Caller> {
		switch (caller.kind) {
			case "guest":
				return caller;
			case "client":
				return deps.clients.currentCaller(caller);
			default:
				if (caller.grant?.kind === "apiKey")
					return deps.apiKeys.currentCaller(caller.grant.id);
				if (caller.kind === "superuser")
					return caller.commandLine
						? caller
						: deps.superusers.currentCaller(caller.id);
				return withImpersonator(
					await deps.accounts.currentCaller(caller.collectionId, caller.id),
					caller.impersonatedBy,
				);
		}
	};
}

/** Keeps the superuser an impersonation token named, for the logs. */
function withImpersonator(caller: Caller, impersonatedBy: string | undefined) {
	return impersonatedBy === undefined ? caller : { ...caller, impersonatedBy };
}
