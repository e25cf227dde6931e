import path from "node:path";
import { Ajv } from "ajv";
import formatsPlugin from "ajv-formats";
import { removeOldFiles } from "../tools/files/index.js";
import { createIdGenerator, type IdGenerator } from "../tools/ids/index.js";
import type { Logger } from "../tools/logger/index.js";
import type { MailTransport } from "../tools/mailer/index.js";
import {
	createPasswordPolicy,
	loadCommonPasswords,
} from "../tools/password-policy/index.js";
import {
	createRateLimiter,
	type RateLimiter,
	type RateLimitStore,
} from "../tools/rate-limit/index.js";
import {
	type AccountEmails,
	type AccountsService,
	createAccountCache,
	createAccountEmails,
	createAccountsService,
	createAccountTokens,
	createRefreshTokens,
	DEFAULT_USERS_COLLECTION,
} from "./accounts/index.js";
import {
	type AuditLog,
	createAuditLog,
	createPasswordChangeSink,
} from "./audit/index.js";
import {
	type AccessTokens,
	createAccessTokens,
	createSuperusersService,
	KeyRing,
	loadOrCreateMasterKey,
	type SuperusersService,
} from "./auth/index.js";
import {
	CollectionRegistry,
	type CollectionsService,
	createCollectionStore,
	createCollectionsService,
} from "./collections/index.js";
import type { Config } from "./config.js";
import {
	createSlowQueryLog,
	type Database,
	FIRST_MIGRATION,
	migrateUp,
	pingDatabase,
} from "./db/index.js";
import {
	createExportsService,
	type ExportsService,
	registerExportJob,
} from "./exports/index.js";
import {
	createImportsService,
	type ImportsService,
	registerImportJob,
} from "./imports/index.js";
import {
	type CronEntry,
	CronScheduler,
	JobsService,
	type QueueDriver,
	registerMaintenance,
} from "./jobs/index.js";
import {
	createRequestLogWriter,
	createSystemLister,
	type RequestLogWriter,
	type SystemLister,
} from "./logs/index.js";
import {
	type ApiKeysService,
	type ClientCredentialsGrant,
	createApiKeysService,
	createClientCredentialsGrant,
	createCurrentCaller,
	createKeyOwners,
	createOAuthClientsService,
	type OAuthClientsService,
} from "./machine-access/index.js";
import { createMailService, type MailService } from "./mail/index.js";
import {
	type AppMetrics,
	createAppMetrics,
	createCollectionNames,
} from "./metrics/index.js";
import { createOAuth2Service, type OAuth2Service } from "./oauth2/index.js";
import { createFilterParser, type FilterParser } from "./query/index.js";
import {
	createRecordsService,
	type PasswordCheck,
	type RecordsService,
} from "./records/index.js";
import { createDbSpanListener, type Tracing } from "./tracing/index.js";
import {
	createWebhooksService,
	type WebhooksService,
} from "./webhooks/index.js";

/**
 * The password rule of docs/auth.md, "Password policy": 8 (or more, as configured) to
 * 256 characters, not one of the 10,000 most common passwords, not the account's email.
 * The list is read here, when the App is built, so a missing one stops start-up.
 */
function passwordCheckOf(minLength: number): PasswordCheck {
	const policy = createPasswordPolicy({
		minLength,
		commonPasswords: loadCommonPasswords(),
	});
	return (password, email) => {
		const problem = policy.check(password, { email });
		return problem && { code: problem.code, message: problem.message };
	};
}

/** What an App is made from; index.ts and the CLI pick the concrete parts. */
export interface AppParts {
	config: Config;
	/** Basalt's version (package.json), for /health/live and the OpenAPI document. */
	version: string;
	logger: Logger;
	db: Database;
	/** The current time; tests may fix it. */
	clock?: () => Date;
	/** Where mail goes: SMTP, or the log when no SMTP server is configured. */
	mailTransport: MailTransport;
	/** Where rate-limit counters live: memory, or Redis shared by every node. */
	rateLimitStore: RateLimitStore;
	/** Makes the job queue driver (db or bullmq); index.ts and the CLI choose it. */
	queueDriver: (context: QueueDriverContext) => QueueDriver;
	/** Trace export, when Config.tracing is set; the App shuts it down on close. */
	tracing?: Tracing;
	/** Parts besides the database that must answer for the node to be ready (Redis). */
	readinessChecks?: ReadinessChecks;
}

/** Named checks that throw when their part does not answer. */
export type ReadinessChecks = Readonly<Record<string, () => Promise<void>>>;

/** How long readiness waits for one part before calling it down. */
const READINESS_TIMEOUT_MS = 2000;

/** Runs `check`, failing it when it takes longer than READINESS_TIMEOUT_MS. */
async function withinReadinessTimeout(check: () => Promise<void>) {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new Error("no answer in time")),
			READINESS_TIMEOUT_MS,
		);
	});
	try {
		await Promise.race([check(), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** What a queue driver factory gets from the App. */
export interface QueueDriverContext {
	db: Database;
	newId: IdGenerator;
	clock: () => Date;
	logger: Logger;
}

const addFormats = formatsPlugin as unknown as (ajv: Ajv) => Ajv;

/**
 * One Basalt instance: configuration, database, and the services built on them. No
 * module holds state; many Apps can live in one process (DESIGN.md rule 2).
 */
export class App {
	readonly config: Config;
	/** Basalt's version, as package.json sets it. */
	readonly version: string;
	readonly logger: Logger;
	readonly db: Database;
	readonly clock: () => Date;
	readonly newId: IdGenerator;
	readonly parseFilter: FilterParser;
	readonly ajv: Ajv;
	readonly registry = new CollectionRegistry();
	readonly keyRing: KeyRing;
	readonly tokens: AccessTokens;
	readonly superusers: SuperusersService;
	readonly collections: CollectionsService;
	readonly records: RecordsService;
	readonly jobs: JobsService;
	readonly mail: MailService;
	readonly cron: CronScheduler;
	readonly webhooks: WebhooksService;
	readonly imports: ImportsService;
	readonly accounts: AccountsService;
	readonly accountEmails: AccountEmails;
	/** The audit trail of security-relevant actions. */
	readonly audit: AuditLog;
	/** Counts hits against the auth limits (rules named as in Config.authRateLimits). */
	readonly rateLimiter: RateLimiter;
	readonly #rateLimitStore: RateLimitStore;
	readonly #readinessChecks: ReadinessChecks;
	readonly exports: ExportsService;
	readonly oauth2: OAuth2Service;
	readonly apiKeys: ApiKeysService;
	readonly oauthClients: OAuthClientsService;
	readonly clientCredentials: ClientCredentialsGrant;
	/** The Prometheus metrics of this App (GET /metrics). */
	readonly metrics: AppMetrics;
	/** The request log table's writer: buffers requests, writes them in batches. */
	readonly requestLogs: RequestLogWriter;
	/** Lists system tables (request log, audit trail) with the records filter language. */
	readonly listSystemRows: SystemLister;
	readonly #builtInSchedules: CronEntry[];
	readonly #stopCountingQueries: () => void;
	/** Spans of requests, statements and jobs; undefined when tracing is off. */
	readonly tracing: Tracing | undefined;
	#closed = false;
	#draining = false;

	constructor(parts: AppParts) {
		this.config = parts.config;
		this.version = parts.version;
		this.logger = parts.logger;
		this.db = parts.db;
		this.clock = parts.clock ?? (() => new Date());
		this.tracing = parts.tracing;
		this.db.onQuery(
			createSlowQueryLog({
				logger: this.logger,
				thresholdMs: this.config.slowQueryMs,
			}),
		);
		if (this.tracing)
			this.db.onQuery(
				createDbSpanListener(
					this.tracing,
					this.db.dialect.name === "postgres" ? "postgresql" : "sqlite",
				),
			);
		const now = () => this.clock().toISOString();
		this.newId = createIdGenerator(() => this.clock().getTime());
		this.parseFilter = createFilterParser();
		this.metrics = createAppMetrics({
			dialect: this.db.dialect.name,
			slowQueryMs: this.config.slowQueryMs,
			// A closure: the jobs service is built further down.
			waitingStats: () => this.jobs.waitingStats(),
			readiness: () => this.readiness(),
			requestLogCounters: () => this.requestLogs.counters(),
			logger: this.logger,
		});
		// Off (BASALT_METRICS=false): no per-statement work; counters stay, unread.
		this.#stopCountingQueries = this.config.metrics
			? this.db.onQuery(this.metrics.db)
			: () => {};
		this.metrics.jobs.declareQueues(Object.keys(this.config.queues));
		this.metrics.auth.declareLimits([
			"login",
			"signUp",
			"refresh",
			"accountMail",
		]);
		const collectionName = createCollectionNames(this.registry);
		const countTokenLookup = this.metrics.cache.counterFor("access_token");
		const countAccountLookup = this.metrics.cache.counterFor("account");
		this.ajv = addFormats(new Ajv({ allErrors: false, strict: false }));
		const masterKey = loadOrCreateMasterKey(
			this.config.dataDir,
			this.config.masterKey,
		);
		this.keyRing = new KeyRing({
			db: this.db,
			masterKey,
			newId: this.newId,
			now,
		});
		this.tokens = createAccessTokens({
			keyRing: this.keyRing,
			ttlSeconds: this.config.accessTokenTtl,
			countLookup: (hit, id) => countTokenLookup(hit, collectionName(id)),
		});
		this.superusers = createSuperusersService({
			db: this.db,
			tokens: this.tokens,
			newId: this.newId,
			now,
		});
		this.collections = createCollectionsService({
			db: this.db,
			registry: this.registry,
			store: createCollectionStore(this.db.dialect),
			newId: this.newId,
			parseFilter: this.parseFilter,
			now,
		});
		this.records = createRecordsService({
			db: this.db,
			registry: this.registry,
			newId: this.newId,
			parseFilter: this.parseFilter,
			ajv: this.ajv,
			clock: this.clock,
			idempotencyTtlMs: 24 * 60 * 60 * 1000,
			checkPassword: passwordCheckOf(this.config.passwordMinLength),
			countViewQueryLookup: this.metrics.cache.counterFor("view_query"),
		});
		const refreshTokens = createRefreshTokens({
			db: this.db,
			newId: this.newId,
			clock: this.clock,
			ttlMs: this.config.refreshTokenTtlMs,
		});
		const accountTokens = createAccountTokens({
			db: this.db,
			newId: this.newId,
			clock: this.clock,
		});
		this.audit = createAuditLog({
			db: this.db,
			newId: this.newId,
			clock: this.clock,
			logger: this.logger,
		});
		this.requestLogs = createRequestLogWriter({
			db: this.db,
			newId: this.newId,
			clock: this.clock,
			logger: this.logger,
			settings: {
				sample: this.config.requestLogSample,
				batchSize: 500,
				flushMs: 1000,
				maxBuffered: 10_000,
			},
		});
		this.listSystemRows = createSystemLister({
			db: this.db,
			parseFilter: this.parseFilter,
			clock: this.clock,
		});
		this.#rateLimitStore = parts.rateLimitStore;
		this.#readinessChecks = parts.readinessChecks ?? {};
		this.rateLimiter = createRateLimiter(parts.rateLimitStore, {
			...this.config.authRateLimits,
		});
		const accountCache = createAccountCache({
			ttlMs: this.config.accountCacheMs,
			registry: this.registry,
			countLookup: (hit, id) => countAccountLookup(hit, collectionName(id)),
		});
		this.records.addChangeSink(accountCache.changeSink());
		this.records.addChangeSink(
			createPasswordChangeSink({ audit: this.audit, registry: this.registry }),
		);
		this.accounts = createAccountsService({
			db: this.db,
			registry: this.registry,
			cache: accountCache,
			tokens: this.tokens,
			refresh: refreshTokens,
			decode: (collection, row) => this.records.decode(collection, row),
			audit: this.audit,
			logger: this.logger,
			onRefreshReuse: () => this.metrics.auth.refreshReused(),
		});
		this.apiKeys = createApiKeysService({
			db: this.db,
			owners: createKeyOwners({
				db: this.db,
				registry: this.registry,
				superusers: this.superusers,
				accounts: this.accounts,
			}),
			newId: this.newId,
			clock: this.clock,
			logger: this.logger,
		});
		this.oauthClients = createOAuthClientsService({
			db: this.db,
			newId: this.newId,
			clock: this.clock,
		});
		this.clientCredentials = createClientCredentialsGrant({
			clients: this.oauthClients,
			tokens: this.tokens,
			ttlSeconds: this.config.clientTokenTtl,
		});
		this.jobs = new JobsService({
			driver: parts.queueDriver({
				db: this.db,
				newId: this.newId,
				clock: this.clock,
				logger: this.logger,
			}),
			settings: {
				queues: this.config.queues,
				leaseMs: this.config.jobLeaseMs,
				pollMs: this.config.jobPollMs,
				drainMs: this.config.drainMs,
				backoffMs: this.config.jobBackoffMs,
			},
			logger: this.logger,
			observer: {
				enqueued: (queue) => this.metrics.jobs.enqueued(queue),
				attemptEnded: this.metrics.jobs.observer,
			},
			...(this.tracing ? { tracing: this.tracing } : {}),
		});
		this.#builtInSchedules = registerMaintenance({
			db: this.db,
			jobs: this.jobs,
			clock: this.clock,
			retentionMs: this.config.retentionMs,
			// Closures: the services they name are built further down.
			steps: [
				{
					name: "jobs",
					run: (cutoff) => this.jobs.driver.purgeFinished(cutoff),
				},
				{
					name: "webhookDeliveries",
					run: (cutoff) => this.webhooks.purgeDeliveries(cutoff),
				},
				{
					name: "exportFiles",
					run: (cutoff) =>
						removeOldFiles(path.join(this.config.dataDir, "exports"), cutoff),
				},
				{
					name: "refreshTokens",
					run: (cutoff) => refreshTokens.purgeExpired(cutoff),
				},
				{
					name: "accountTokens",
					run: (cutoff) => accountTokens.purgeExpired(cutoff),
				},
				{
					name: "expiredApiKeys",
					run: (cutoff) => this.apiKeys.purgeExpired(cutoff),
				},
				{
					name: "importFiles",
					run: (cutoff) =>
						removeOldFiles(path.join(this.config.dataDir, "imports"), cutoff),
				},
				// Their own retention periods (BASALT_LOG_/AUDIT_RETENTION_DAYS).
				{
					name: "requestLogs",
					run: () =>
						this.requestLogs.purgeBefore(
							new Date(this.clock().getTime() - this.config.logRetentionMs),
						),
				},
				{
					name: "auditLog",
					run: () =>
						this.audit.purgeBefore(
							new Date(this.clock().getTime() - this.config.auditRetentionMs),
						),
				},
				// Expired when they expire (minutes), not after the retention period.
				{ name: "oauth2States", run: () => this.oauth2.purgeExpired() },
			],
		});
		const currentCaller = createCurrentCaller({
			superusers: this.superusers,
			accounts: this.accounts,
			apiKeys: this.apiKeys,
			oauthClients: this.oauthClients,
		});
		registerImportJob({
			db: this.db,
			jobs: this.jobs,
			records: this.records,
			registry: this.registry,
			clock: this.clock,
			currentCaller,
		});
		registerExportJob({
			jobs: this.jobs,
			records: this.records,
			registry: this.registry,
			dataDir: this.config.dataDir,
			currentCaller,
		});
		this.exports = createExportsService({
			jobs: this.jobs,
			records: this.records,
			dataDir: this.config.dataDir,
		});
		this.imports = createImportsService({
			jobs: this.jobs,
			registry: this.registry,
			dataDir: this.config.dataDir,
			maxBytes: this.config.importMaxBytes,
		});
		this.cron = new CronScheduler({
			db: this.db,
			jobs: this.jobs,
			logger: this.logger,
			clock: this.clock,
		});
		this.mail = createMailService({
			jobs: this.jobs,
			transport: parts.mailTransport,
		});
		this.accountEmails = createAccountEmails({
			db: this.db,
			registry: this.registry,
			jobs: this.jobs,
			mail: this.mail,
			tokens: accountTokens,
			writeInTransaction: (caller, work) =>
				this.records.writeInTransaction(caller, work),
			appUrl: this.config.appUrl,
			appName: this.config.appName,
			audit: this.audit,
			logger: this.logger,
		});
		this.webhooks = createWebhooksService({
			db: this.db,
			jobs: this.jobs,
			records: this.records,
			registry: this.registry,
			masterKey,
			newId: this.newId,
			clock: this.clock,
			logger: this.logger,
			settings: {
				ssrfAllow: this.config.ssrfAllow,
				timeoutMs: this.config.webhookTimeoutMs,
				pauseAfter: this.config.webhookPauseAfter,
				maxAttempts: this.config.webhookMaxAttempts,
			},
			countDelivery: (outcome) => this.metrics.webhooks.delivered(outcome),
		});
		this.oauth2 = createOAuth2Service({
			db: this.db,
			registry: this.registry,
			records: this.records,
			accounts: this.accounts,
			audit: this.audit,
			masterKey,
			newId: this.newId,
			clock: this.clock,
			logger: this.logger,
			settings: {
				publicUrl: this.config.publicUrl,
				ssrfAllow: this.config.ssrfAllow,
				timeoutMs: this.config.oauth2TimeoutMs,
			},
		});
	}

	/** Brings the database up to date and loads what requests need. */
	async start(): Promise<void> {
		const applied = await migrateUp(this.db);
		if (applied.length > 0)
			this.logger.info({ migrations: applied }, "applied system migrations");
		await this.keyRing.load();
		await this.collections.load();
		// Only on a new database: a users collection deleted later stays deleted.
		if (applied.includes(FIRST_MIGRATION) && !this.registry.find("users")) {
			await this.collections.create(DEFAULT_USERS_COLLECTION, null);
			this.logger.info("created the default users auth collection");
		}
		await this.webhooks.load();
		const bootstrap = this.config.superuser;
		if (
			bootstrap &&
			(await this.superusers.ensure(bootstrap.email, bootstrap.password))
		) {
			this.logger.info(
				{ email: bootstrap.email },
				"created superuser from BASALT_SUPERUSER_EMAIL",
			);
		}
	}

	/**
	 * Reports what is not ready, by part name (SPEC section 9); empty when ready. A
	 * draining App reports `shutdown` so a load balancer stops sending it requests.
	 */
	async readiness(): Promise<Record<string, string>> {
		const failing: Record<string, string> = {};
		if (this.#draining) failing.shutdown = "the server is shutting down";
		const checks: [string, () => Promise<void>, string][] = [
			["database", () => pingDatabase(this.db), "the database does not answer"],
			...Object.entries(this.#readinessChecks).map(
				([name, check]): [string, () => Promise<void>, string] => [
					name,
					check,
					`${name} does not answer`,
				],
			),
		];
		await Promise.all(
			checks.map(async ([name, check, problem]) => {
				try {
					await withinReadinessTimeout(check);
				} catch (err: unknown) {
					this.logger.warn({ err, part: name }, "readiness: a part is down");
					failing[name] = problem;
				}
			}),
		);
		if (!this.jobs.isWorkerHealthy())
			failing.jobs = "the job worker has not polled recently";
		return failing;
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
		this.cron.start([...this.#builtInSchedules, ...this.config.cron]);
		this.jobs.startWorker();
	}

	/** Releases the database; safe to call twice. */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		this.cron.stop();
		await this.jobs.stop();
		// After the server stopped answering: the last requests' rows are written.
		await this.requestLogs.close();
		await this.mail.close();
		await this.#rateLimitStore.close();
		this.#stopCountingQueries();
		await this.db.close();
		// Last, so the spans of draining jobs are exported too.
		await this.tracing?.shutdown();
	}
}
