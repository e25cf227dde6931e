import type { AccountsService } from "../accounts/index.js";
import {
	type ApiKeysService,
	createApiKeysService,
	createKeyOwners,
} from "../api-keys/index.js";
import { type CurrentCaller, createCurrentCaller } from "../auth/index.js";
import {
	type ClientCredentialsGrant,
	type ClientsService,
	createClientCredentialsGrant,
	createClientsService,
} from "../client-credentials/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";
import type { AuthArea } from "./wire-auth.js";

/** Credentials of programs: API keys, OAuth2 clients and their token grant. */
export interface MachineAccessArea {
	apiKeys: ApiKeysService;
	clients: ClientsService;
	clientCredentials: ClientCredentialsGrant;
	/** Brings a caller saved with long-running work up to date. */
	currentCaller: CurrentCaller;
	contribution: AreaContribution;
}

/**
 * Wires API keys (owned by superusers or accounts), OAuth2 clients with the
 * client_credentials grant, and the check long-running work makes that the access
 * it started with still holds.
 */
export function wireMachineAccess(
	shared: SharedParts,
	uses: { auth: AuthArea; accounts: AccountsService },
): MachineAccessArea {
	const { db, newId, clock, logger, config } = shared;
	const { superusers, tokens } = uses.auth;
	const apiKeys = createApiKeysService({
		db,
		owners: createKeyOwners({
			db,
			registry: shared.registry,
			superusers,
			accounts: uses.accounts,
		}),
		newId,
		clock,
		logger,
	});
	const clients = createClientsService({ db, newId, clock });
	return {
		apiKeys,
		clients,
		clientCredentials: createClientCredentialsGrant({
			clients,
			tokens,
			ttlMs: config.tokens.clientTtlMs,
		}),
		currentCaller: createCurrentCaller({
			superusers,
			accounts: uses.accounts,
			apiKeys,
			clients,
		}),
		contribution: {
			purgeSteps: [
				{ name: "expiredApiKeys", run: (c) => apiKeys.purgeExpired(c) },
			],
		},
	};
}
