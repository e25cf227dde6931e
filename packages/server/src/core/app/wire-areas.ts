import type { CronEntry } from "../jobs/index.js";
import type { AreaContribution } from "./area.js";
import type { AppParts, SharedParts } from "./shared-parts.js";
import { type AccountsArea, wireAccounts } from "./wire-accounts.js";
import { type AuthArea, wireAuth } from "./wire-auth.js";
import { type EncryptionArea, wireEncryption } from "./wire-encryption.js";
import { type JobsArea, wireJobs } from "./wire-jobs.js";
import { type LogsArea, wireLogs } from "./wire-logs.js";
import {
	type MachineAccessArea,
	wireMachineAccess,
} from "./wire-machine-access.js";
import { wireMaintenance } from "./wire-maintenance.js";
import { type RecordsArea, wireRecords } from "./wire-records.js";
import {
	type SignInProvidersArea,
	wireSignInProviders,
} from "./wire-sign-in-providers.js";
import { wireStatementWatchers } from "./wire-statement-watchers.js";
import { type TransfersArea, wireTransfers } from "./wire-transfers.js";
import { type WebhooksArea, wireWebhooks } from "./wire-webhooks.js";

/** Every area of an App, with the areas' contributions in order and the built-in schedules. */
export interface WiredAreas {
	logs: LogsArea;
	records: RecordsArea;
	jobs: JobsArea;
	encryption: EncryptionArea;
	auth: AuthArea;
	accounts: AccountsArea;
	machineAccess: MachineAccessArea;
	signInProviders: SignInProvidersArea;
	webhooks: WebhooksArea;
	transfers: TransfersArea;
	/** In wiring order: the App starts them in this order and closes them in reverse. */
	contributions: readonly AreaContribution[];
	schedules: readonly CronEntry[];
}

/**
 * Builds every area of an App, in an order where each area comes after the areas it
 * uses. Nothing refers to a service built further down; what an area offers the
 * others besides its services (purge steps, change sinks, readiness checks, start
 * and close work) it returns as its contribution, and this function hands those on.
 */
export function wireAreas(shared: SharedParts, parts: AppParts): WiredAreas {
	const logs = wireLogs(shared);
	const records = wireRecords(shared);
	const jobs = wireJobs(shared, parts);
	const encryption = wireEncryption(shared, { jobs: jobs.jobs });
	const auth = wireAuth(shared, parts);
	const accounts = wireAccounts(shared, {
		auth,
		records: records.records,
		jobs: jobs.jobs,
		mail: jobs.mail,
		audit: logs.audit,
	});
	const machineAccess = wireMachineAccess(shared, {
		auth,
		accounts: accounts.accounts,
	});
	const signInProviders = wireSignInProviders(shared, {
		records: records.records,
		accounts: accounts.accounts,
		audit: logs.audit,
	});
	const webhooks = wireWebhooks(shared, { jobs: jobs.jobs });
	const transfers = wireTransfers(shared, {
		jobs: jobs.jobs,
		records: records.records,
		currentCaller: machineAccess.currentCaller,
	});
	const contributions = [
		wireStatementWatchers(shared),
		logs.contribution,
		records.contribution,
		jobs.contribution,
		encryption.contribution,
		auth.contribution,
		accounts.contribution,
		machineAccess.contribution,
		signInProviders.contribution,
		webhooks.contribution,
		transfers.contribution,
	];
	for (const sink of contributions.flatMap((area) => area.changeSinks ?? []))
		records.records.addChangeSink(sink);
	const schedules = wireMaintenance(shared, {
		jobs: jobs.jobs,
		steps: contributions.flatMap((area) => area.purgeSteps ?? []),
	});
	return {
		logs,
		records,
		jobs,
		encryption,
		auth,
		accounts,
		machineAccess,
		signInProviders,
		webhooks,
		transfers,
		contributions,
		schedules,
	};
}
