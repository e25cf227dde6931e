import type { IdGenerator } from "../../tools/ids/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { RateLimiter } from "../../tools/rate-limit/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { AccountEmails, AccountsService } from "../accounts/index.js";
import type { ApiKeysService } from "../api-keys/index.js";
import type { AuditLog } from "../audit/index.js";
import type {
	AccessTokens,
	KeyRing,
	SuperusersService,
} from "../auth/index.js";
import type {
	ClientCredentialsGrant,
	ClientsService,
} from "../client-credentials/index.js";
import type {
	CollectionRegistry,
	CollectionsService,
} from "../collections/index.js";
import type { Config } from "../config/index.js";
import {
	type Database,
	FIRST_MIGRATION,
	migrateUp,
	pingDatabase,
} from "../db/index.js";
import type { DataKeyRing } from "../encryption/index.js";
import type { ExportsService } from "../exports/index.js";
import type { ImportsService } from "../imports/index.js";
import type { CronEntry, CronScheduler, JobsService } from "../jobs/index.js";
import type { KeysService } from "../key-rotation/index.js";
import type { RequestLogWriter, SystemLister } from "../logs/index.js";
import type { MailService } from "../mail/index.js";
import type { AppMetrics } from "../metrics/index.js";
import type { RecordsService } from "../records/index.js";
import type { SignInProvidersService } from "../sign-in-providers/index.js";
import type { Tracing } from "../tracing/index.js";
import type { WebhooksService } from "../webhooks/index.js";
import type { AreaContribution, ReadinessChecks } from "./area.js";
import { checkReadiness } from "./readiness.js";
import {
	type AppParts,
	closeSharedParts,
	createSharedParts,
	type SharedParts,
} from "./shared-parts.js";
import { wireAreas } from "./wire-areas.js";

/**
 * One Basalt instance: its configuration, its database and the services of every
 * area, wired in wire-areas.ts. No module holds state; many Apps can live in one
 * process. The App itself only runs the lifecycle: start, readiness, close.
 */
export class App {
	readonly config: Config;
	/** Basalt's version, as package.json sets it. */
	readonly version: string;
	readonly logger: Logger;
	readonly db: Database;
	readonly clock: Clock;
	readonly newId: IdGenerator;
	readonly registry: CollectionRegistry;
	/** The Prometheus metrics of this App (GET /metrics). */
	readonly metrics: AppMetrics;
	/** Spans of requests, statements and jobs; undefined when tracing is off. */
	readonly tracing: Tracing | undefined;
	readonly collections: CollectionsService;
	readonly records: RecordsService;
	readonly audit: AuditLog;
	readonly requestLogs: RequestLogWriter;
	readonly listSystemRows: SystemLister;
	readonly jobs: JobsService;
	readonly cron: CronScheduler;
	readonly mail: MailService;
	readonly keyRing: KeyRing;
	/** Rotation of the data keys that encrypt fields and seal secrets. */
	readonly keys: KeysService;
	/** The data key ring itself (docs/security.md#the-key-ring). */
	readonly dataKeys: DataKeyRing;
	readonly tokens: AccessTokens;
	readonly superusers: SuperusersService;
	readonly rateLimiter: RateLimiter;
	readonly accounts: AccountsService;
	readonly accountEmails: AccountEmails;
	readonly apiKeys: ApiKeysService;
	readonly clients: ClientsService;
	readonly clientCredentials: ClientCredentialsGrant;
	readonly signInProviders: SignInProvidersService;
	readonly webhooks: WebhooksService;
	readonly imports: ImportsService;
	readonly exports: ExportsService;
	readonly #areas: readonly AreaContribution[];
	readonly #schedules: readonly CronEntry[];
	readonly #readinessChecks: ReadinessChecks;
	readonly #degradationChecks: ReadinessChecks;
	readonly #shared: SharedParts;
	#closed = false;
	#draining = false;

	constructor(parts: AppParts) {
		const shared = createSharedParts(parts);
		const wired = wireAreas(shared, parts);
		this.#shared = shared;
		this.version = parts.version;
		({
			config: this.config,
			logger: this.logger,
			db: this.db,
			clock: this.clock,
			newId: this.newId,
			registry: this.registry,
			metrics: this.metrics,
			tracing: this.tracing,
		} = shared);
		({ audit: this.audit, requestLogs: this.requestLogs } = wired.logs);
		this.listSystemRows = wired.logs.listSystemRows;
		({ collections: this.collections, records: this.records } = wired.records);
		({ jobs: this.jobs, cron: this.cron, mail: this.mail } = wired.jobs);
		this.keys = wired.encryption.keys;
		this.dataKeys = shared.dataKeys;
		({
			keyRing: this.keyRing,
			tokens: this.tokens,
			superusers: this.superusers,
			rateLimiter: this.rateLimiter,
		} = wired.auth);
		({ accounts: this.accounts, accountEmails: this.accountEmails } =
			wired.accounts);
		({
			apiKeys: this.apiKeys,
			clients: this.clients,
			clientCredentials: this.clientCredentials,
		} = wired.machineAccess);
		this.signInProviders = wired.signInProviders.signInProviders;
		this.webhooks = wired.webhooks.webhooks;
		({ imports: this.imports, exports: this.exports } = wired.transfers);
		this.#areas = wired.contributions;
		this.#schedules = wired.schedules;
		this.#readinessChecks = {
			database: () =>
				pingDatabase(this.db).then(
					() => undefined,
					(err: unknown) => {
						this.logger.warn(
							{ err, part: "database" },
							"readiness: a part is down",
						);
						return "the database does not answer";
					},
				),
			...parts.readinessChecks,
			...Object.assign({}, ...this.#areas.map((a) => a.readinessChecks)),
		};
		this.#degradationChecks = {
			...parts.degradationChecks,
			...Object.assign({}, ...this.#areas.map((a) => a.degradationChecks)),
		};
		this.metrics.observeReadiness(() => this.readiness());
	}

	/** Brings the database up to date and loads what requests need, area by area. */
	async start(): Promise<void> {
		const applied = await migrateUp(this.db);
		if (applied.length > 0)
			this.logger.info({ migrations: applied }, "applied system migrations");
		// Before any area: signing keys, secrets and encrypted fields open with it.
		await this.#shared.dataKeys.load();
		const context = { newDatabase: applied.includes(FIRST_MIGRATION) };
		for (const area of this.#areas) await area.start?.(context);
	}

	/**
	 * Reports what is not ready, by part name (docs/operations.md#health); empty when
	 * ready. A draining App reports `shutdown` so a load balancer stops sending it
	 * requests.
	 */
	async readiness(): Promise<Record<string, string>> {
		const failing = await checkReadiness(this.#readinessChecks, this.logger);
		return this.#draining
			? { shutdown: "the server is shutting down", ...failing }
			: failing;
	}

	/**
	 * Reports the parts that do not work although the node still serves (a cache
	 * store, the event bus), by part name; empty when none.
	 */
	degradation(): Promise<Record<string, string>> {
		// Not logged per call: each part reports its own outage once.
		return checkReadiness(this.#degradationChecks);
	}

	/** Marks the App as shutting down: readiness fails from now on. */
	beginDrain(): void {
		this.#draining = true;
	}

	/**
	 * Starts this process's background work: the job worker and the cron schedules
	 * (built-in and BASALT_CRON). `basalt serve` and `basalt worker` call it.
	 */
	startBackgroundWork(): void {
		this.cron.start([...this.#schedules, ...this.config.jobs.cron]);
		this.jobs.startWorker();
	}

	/**
	 * Closes every area in reverse order (the schedules and the worker stop first, the
	 * request log writes its last rows late), then the database; safe to call twice.
	 */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		for (const area of [...this.#areas].reverse()) await area.close?.();
		await closeSharedParts(this.#shared);
		await this.db.close();
		// Last, so the spans of draining jobs are exported too.
		await this.tracing?.shutdown();
	}
}
