import {
	type AccountEmails,
	type AccountsService,
	createAccountCache,
	createAccountEmails,
	createAccountSync,
	createAccountsService,
	createAccountTokens,
	createRefreshTokens,
} from "../accounts/index.js";
import type { AuditLog } from "../audit/index.js";
import type { JobsService } from "../jobs/index.js";
import type { MailService } from "../mail/index.js";
import { createCollectionNames } from "../metrics/index.js";
import type { RecordsService } from "../records/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";
import type { AuthArea } from "./wire-auth.js";

/** The accounts of auth collections: sessions, refresh tokens and account mail. */
export interface AccountsArea {
	accounts: AccountsService;
	accountEmails: AccountEmails;
	contribution: AreaContribution;
}

/**
 * Wires sign-in to auth collections: refresh-token families, the cache of account
 * rows behind tokens (emptied by a change sink when a row changes, on every node
 * through the event bus), and the email flows, which send their mail through the
 * job queue.
 */
export function wireAccounts(
	shared: SharedParts,
	uses: {
		auth: AuthArea;
		records: RecordsService;
		jobs: JobsService;
		mail: MailService;
		audit: AuditLog;
	},
): AccountsArea {
	const { db, newId, clock, logger, config, registry, metrics } = shared;
	const { records, audit } = uses;
	const refreshTokens = createRefreshTokens({
		db,
		newId,
		clock,
		ttlMs: config.tokens.refreshTtlMs,
	});
	const accountTokens = createAccountTokens({ db, newId, clock });
	const collectionName = createCollectionNames(registry);
	const countLookup = metrics.cache.counterFor("account");
	const sync = createAccountSync({ bus: shared.bus, logger });
	const cache = createAccountCache({
		ttlMs: config.tokens.accountCacheMs,
		registry,
		countLookup: (hit, id) => countLookup(hit, collectionName(id)),
		announce: sync.announce,
	});
	const accounts = createAccountsService({
		db,
		registry,
		cache,
		tokens: uses.auth.tokens,
		refresh: refreshTokens,
		decode: (collection, row) => records.decode(collection, row),
		audit,
		logger,
		onRefreshReuse: () => metrics.auth.refreshReused(),
	});
	const accountEmails = createAccountEmails({
		db,
		registry,
		jobs: uses.jobs,
		mail: uses.mail,
		tokens: accountTokens,
		writeInTransaction: (caller, work) =>
			records.writeInTransaction(caller, work),
		appUrl: config.accounts.appUrl,
		appName: config.accounts.appName,
		audit,
		logger,
	});
	return {
		accounts,
		accountEmails,
		contribution: {
			changeSinks: [cache.changeSink()],
			start: () =>
				sync.start({ forget: cache.forgetHeard, forgetAll: cache.clear }),
			close: () => sync.stop(),
			purgeSteps: [
				{ name: "refreshTokens", run: (c) => refreshTokens.purgeExpired(c) },
				{ name: "accountTokens", run: (c) => accountTokens.purgeExpired(c) },
			],
		},
	};
}
