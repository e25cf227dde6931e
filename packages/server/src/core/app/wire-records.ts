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
} from "../collections/index.js";
import {
	createRecordsService,
	type PasswordCheck,
	type RecordsService,
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
 * Wires collections and records. At start it loads the collections, and on a new
 * database creates the default `users` auth collection (only then: a users
 * collection deleted later stays deleted).
 */
export function wireRecords(shared: SharedParts): RecordsArea {
	const { db, registry, newId, clock, parseFilter, logger } = shared;
	const collections = createCollectionsService({
		db,
		registry,
		store: createCollectionStore(db.dialect),
		newId,
		parseFilter,
		clock,
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
	});
	return {
		collections,
		records,
		contribution: {
			async start({ newDatabase }) {
				await collections.load();
				if (newDatabase && !registry.find("users")) {
					await collections.create(DEFAULT_USERS_COLLECTION, null);
					logger.info("created the default users auth collection");
				}
			},
		},
	};
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
