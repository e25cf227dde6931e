import type { AccountsService } from "../accounts/index.js";
import type { AuditLog } from "../audit/index.js";
import { createOAuth2Service, type OAuth2Service } from "../oauth2/index.js";
import type { RecordsService } from "../records/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";

/** Sign-in through OAuth2 / OpenID Connect providers. */
export interface SignInProvidersArea {
	oauth2: OAuth2Service;
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
	const oauth2 = createOAuth2Service({
		db: shared.db,
		registry: shared.registry,
		records: uses.records,
		accounts: uses.accounts,
		audit: uses.audit,
		masterKey: shared.masterKey,
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
		oauth2,
		contribution: {
			changeSinks: [oauth2.changeSink],
			purgeSteps: [{ name: "oauth2States", run: () => oauth2.purgeExpired() }],
		},
	};
}
