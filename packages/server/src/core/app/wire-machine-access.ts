import type { AccountsService } from "../accounts/index.js";
import {
	type ApiKeysService,
	type ClientCredentialsGrant,
	type CurrentCaller,
	createApiKeysService,
	createClientCredentialsGrant,
	createCurrentCaller,
	createKeyOwners,
	createOAuthClientsService,
	type OAuthClientsService,
} from "../machine-access/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";
import type { AuthArea } from "./wire-auth.js";

/** Credentials of programs: API keys, OAuth2 clients and their token grant. */
export interface MachineAccessArea {
	apiKeys: ApiKeysService;
	oauthClients: OAuthClientsService;
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
	const oauthClients = createOAuthClientsService({ db, newId, clock });
	return {
		apiKeys,
		oauthClients,
		clientCredentials: createClientCredentialsGrant({
			clients: oauthClients,
			tokens,
			ttlMs: config.tokens.clientTtlMs,
		}),
		currentCaller: createCurrentCaller({
			superusers,
			accounts: uses.accounts,
			apiKeys,
			oauthClients,
		}),
		contribution: {
			purgeSteps: [
				{ name: "expiredApiKeys", run: (c) => apiKeys.purgeExpired(c) },
			],
		},
	};
}
