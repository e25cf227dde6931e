import {
	createRateLimiter,
	type RateLimiter,
	type RateLimitStore,
} from "../../tools/rate-limit/index.js";
import {
	type AccessTokens,
	createAccessTokens,
	createSuperusersService,
	KeyRing,
	type SuperusersService,
} from "../auth/index.js";
import { createCollectionNames } from "../metrics/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";

/** Signing keys, access tokens, superusers and the brute-force limits. */
export interface AuthArea {
	keyRing: KeyRing;
	tokens: AccessTokens;
	superusers: SuperusersService;
	/** Counts hits against the auth limits (rules named as in Config.rateLimits). */
	rateLimiter: RateLimiter;
	contribution: AreaContribution;
}

/**
 * Wires what every sign-in rests on. At start it loads the key ring and creates the
 * BASALT_SUPERUSER_* superuser when missing; on close it lets go of the rate-limit
 * store (Redis, when shared).
 */
export function wireAuth(
	shared: SharedParts,
	parts: { rateLimitStore: RateLimitStore },
): AuthArea {
	const { db, newId, clock, config, metrics, logger } = shared;
	const keyRing = new KeyRing({
		db,
		sealer: shared.dataKeys,
		newId,
		clock,
	});
	const collectionName = createCollectionNames(shared.registry);
	const countTokenLookup = metrics.cache.counterFor("access_token");
	const tokens = createAccessTokens({
		keyRing,
		ttlMs: config.tokens.accessTtlMs,
		countLookup: (hit, id) => countTokenLookup(hit, collectionName(id)),
	});
	const superusers = createSuperusersService({ db, tokens, newId, clock });
	metrics.auth.declareLimits(["login", "signUp", "refresh", "accountMail"]);
	return {
		keyRing,
		tokens,
		superusers,
		rateLimiter: createRateLimiter(parts.rateLimitStore, {
			...config.rateLimits,
		}),
		contribution: {
			async start() {
				await keyRing.load();
				const bootstrap = config.accounts.superuser;
				if (
					bootstrap &&
					(await superusers.ensure(bootstrap.email, bootstrap.password))
				)
					logger.info(
						{ email: bootstrap.email },
						"created superuser from BASALT_SUPERUSER_EMAIL",
					);
			},
			close: () => parts.rateLimitStore.close(),
		},
	};
}
