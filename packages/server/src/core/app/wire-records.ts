import { Ajv } from "ajv";
import formatsPlugin from "ajv-formats";
import {
	createPasswordPolicy,
	loadCommonPasswords,
} from "../../tools/password-policy/index.js";
import { DEFAULT_USERS_COLLECTION } from "../accounts/index.js";
import {
	type CollectionsService,
	createCollectionStore,
	createCollectionsService,
	createSchemaSync,
} from "../collections/index.js";
import {
	createAutoCacheMeter,
	createCachePolicies,
	createRecordsService,
	createResponseCache,
	type PasswordCheck,
	type RecordsService,
	type ResponseCache,
} from "../records/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";

/** Collections (the schema) and their records. */
export interface RecordsArea {
	collections: CollectionsService;
	records: RecordsService;
	contribution: AreaContribution;
}

const addFormats = formatsPlugin as unknown as (ajv: Ajv) => Ajv;

/**
 * Wires collections and records. At start it loads the collections, starts hearing
 * other nodes' schema changes, and on a new database creates the default `users`
 * auth collection (only then: a users collection deleted later stays deleted). A
 * schema change drops every cached answer and reaches every node before it is
 * answered.
 */
export function wireRecords(shared: SharedParts): RecordsArea {
	const { db, registry, newId, clock, parseFilter, logger } = shared;
	const responseCache = wireResponseCache(shared);
	const schemaSync = createSchemaSync({
		bus: shared.bus,
		reload: () => collections.load(),
		logger,
	});
	const collections = createCollectionsService({
		db,
		registry,
		store: createCollectionStore(db.dialect),
		newId,
		parseFilter,
		clock,
		async schemaChanged() {
			await responseCache.invalidateAll();
			await schemaSync.announce();
		},
	});
	const records = createRecordsService({
		db,
		registry,
		newId,
		parseFilter,
		ajv: addFormats(new Ajv({ allErrors: false, strict: false })),
		clock,
		checkPassword: passwordCheckOf(shared.config.accounts.passwordMinLength),
		countViewQueryLookup: shared.metrics.cache.counterFor("view_query"),
		responseCache,
		cipher: shared.dataKeys,
		reloadSchema: () => collections.load(),
	});
	return {
		collections,
		records,
		contribution: {
			async start({ newDatabase }) {
				await collections.load();
				await schemaSync.start();
				if (newDatabase && !registry.find("users")) {
					await collections.create(DEFAULT_USERS_COLLECTION, null);
					logger.info("created the default users auth collection");
				}
			},
			close: () => {
				responseCache.stop();
				return schemaSync.stop();
			},
			degradationChecks: {
				cache: async () =>
					responseCache.storeUp
						? undefined
						: `the ${shared.cacheStores.entries.kind} cache store does not answer: reads go around the cache`,
				...(shared.bus.kind === "memory"
					? {}
					: {
							bus: async () =>
								shared.bus.connected
									? undefined
									: "the event bus does not answer: schema and account changes reach the other nodes when it is back",
						}),
			},
		},
	};
}

/**
 * The response cache over the stores the App was given (docs/caching.md), its state
 * reported at each scrape.
 */
function wireResponseCache(shared: SharedParts): ResponseCache {
	const { registry, cacheStores } = shared;
	const nowMs = () => shared.clock().getTime();
	const cache = createResponseCache({
		...cacheStores,
		policies: createCachePolicies(registry),
		meter: createAutoCacheMeter(nowMs),
		logger: shared.logger,
		nowMs,
		countRead: shared.metrics.cache.countResponse,
	});
	const { entries } = cacheStores;
	shared.metrics.cache.observeResponseCache(() => ({
		store: entries.kind,
		up: cache.storeUp,
		bytes: "bytes" in entries ? (entries.bytes as number) : undefined,
		collections: registry
			.list()
			.filter((c) => c.cache.mode !== "off")
			.map((c) => ({
				name: c.name,
				active: c.cache.mode === "on" || cache.meter.activity(c.id).active,
			})),
	}));
	return cache;
}

/**
 * The password rule of auth records (docs/auth.md#password-policy): 8 (or more, as
 * configured) to 256 characters, not one of the 10,000 most common passwords, not
 * the account's email. The list is read here, when the App is built, so a missing
 * one stops start-up.
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
