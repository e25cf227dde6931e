import type { AccountsService } from "../accounts/index.js";
import type { AuditLog } from "../audit/index.js";
import type { RecordsService } from "../records/index.js";
import {
	createSignInProvidersService,
	type SignInProvidersService,
} from "../sign-in-providers/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";

/** Sign-in through OAuth2 / OpenID Connect providers. */
export interface SignInProvidersArea {
	signInProviders: SignInProvidersService;
	contribution: AreaContribution;
}

/**
 * Wires the providers superusers configure and the sign-in flow. Its change sink
 * removes an account's provider links when the account is deleted; pending sign-ins
 * are purged when they expire (minutes), not after the retention period.
 */
export function wireSignInProviders(
	shared: SharedParts,
	uses: { records: RecordsService; accounts: AccountsService; audit: AuditLog },
): SignInProvidersArea {
	const { config } = shared;
	const signInProviders = createSignInProvidersService({
		db: shared.db,
		registry: shared.registry,
		records: uses.records,
		accounts: uses.accounts,
		audit: uses.audit,
		sealer: shared.dataKeys,
		newId: shared.newId,
		clock: shared.clock,
		logger: shared.logger,
		settings: {
			publicUrl: config.http.publicUrl,
			ssrfAllow: config.outbound.ssrfAllow,
			timeoutMs: config.outbound.signInProviderTimeoutMs,
		},
	});
	return {
		signInProviders,
		contribution: {
			changeSinks: [signInProviders.changeSink],
			purgeSteps: [
				{ name: "oauth2States", run: () => signInProviders.purgeExpired() },
			],
		},
	};
}
