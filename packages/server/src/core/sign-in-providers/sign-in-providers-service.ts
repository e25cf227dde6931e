import type { IdGenerator } from "../../tools/ids/index.js";
import type { Logger } from "../../tools/logger/index.js";
import { createAddressPolicy } from "../../tools/ssrf/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { AccountsService } from "../accounts/index.js";
import type { AuditLog } from "../audit/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database } from "../db/index.js";
import type { Sealer } from "../encryption/index.js";
import type { Caller } from "../model/index.js";
import type { RecordChangeSink, RecordsService } from "../records/index.js";
import {
	type AccountLink,
	type AuthMethods,
	createAccountLinks,
} from "./account-links.js";
import { createAuthorizationStates } from "./authorization-states.js";
import { createExchangeCodes } from "./exchange-codes.js";
import {
	createExternalAuths,
	createLinkCleanupSink,
} from "./external-auths.js";
import { createAccountLinker } from "./link-account.js";
import {
	type BeginRequest,
	createOAuth2Flow,
	type OAuth2Session,
} from "./oauth2-flow.js";
import { createOutboundFetch } from "./outbound-fetch.js";
import { createProviderMetadata } from "./provider-metadata.js";
import { createProviderStore } from "./provider-store.js";
import type {
	NewProviderInput,
	Provider,
	ProviderInput,
} from "./provider-types.js";
import { createProvidersAdmin } from "./providers-admin.js";

/** How OAuth2 sign-in behaves; from BASALT_PUBLIC_URL, BASALT_SSRF_ALLOW, BASALT_OAUTH2_TIMEOUT_MS. */
export interface SignInProviderSettings {
	/** Where browsers reach Basalt; callback URLs start here. */
	publicUrl: string;
	/** Hosts and CIDRs providers may be reached at although private or loopback. */
	ssrfAllow: readonly string[];
	/** Limit of one outbound request to a provider. */
	timeoutMs: number;
}

/** What the OAuth2 service is built from. */
export interface SignInProvidersDeps {
	db: Database;
	registry: CollectionRegistry;
	records: Pick<RecordsService, "writeInTransaction" | "writtenElsewhere">;
	accounts: Pick<AccountsService, "sessionForAccount" | "accountWritten">;
	audit: AuditLog;
	/** Seals and opens the secrets kept in the database. */
	sealer: Sealer;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
	settings: SignInProviderSettings;
}

/** OAuth2 / OpenID Connect sign-in: its providers, its flow and accounts' links. */
export interface SignInProvidersService {
	/** Hears deletes of auth records and removes their provider links. */
	readonly changeSink: RecordChangeSink;
	/** Every provider, by name, without secrets. */
	list(): Promise<Provider[]>;
	/** Gets a provider or throws OAUTH2_PROVIDER_NOT_FOUND. */
	get(name: string): Promise<Provider>;
	/** Creates a provider; its client secret is sealed and never shown again. */
	create(input: NewProviderInput, actor: string | null): Promise<Provider>;
	/** Changes a provider; a new clientSecret replaces the sealed one. */
	update(
		name: string,
		input: ProviderInput,
		actor: string | null,
	): Promise<Provider>;
	/** Deletes a provider with its account links and pending sign-ins. */
	remove(name: string, actor: string | null): Promise<void>;
	/** Starts a sign-in: the provider's authorization URL to send the browser to. */
	begin(request: BeginRequest): Promise<string>;
	/** Finishes a sign-in from the provider's callback: the app URL to send the browser to. */
	complete(
		collectionName: string,
		providerName: string,
		params: URLSearchParams,
	): Promise<string>;
	/** Trades a one-time exchange code for a session. */
	exchange(code: string): Promise<OAuth2Session>;
	/** How an auth collection's accounts can sign in (public, for sign-in pages). */
	methodsOf(collectionName: string): Promise<AuthMethods>;
	/** The provider identities linked to an account (the account or a superuser). */
	linksOf(
		caller: Caller,
		collectionName: string,
		recordId: string,
	): Promise<AccountLink[]>;
	/** Unlinks a provider identity from an account (the account or a superuser). */
	unlink(
		caller: Caller,
		collectionName: string,
		recordId: string,
		provider: string,
	): Promise<void>;
	/** Deletes expired pending sign-ins and exchange codes (the hourly purge). */
	purgeExpired(): Promise<number>;
}

/** A pending sign-in lives this long at the provider (the user may need to log in there). */
const STATE_TTL_MS = 10 * 60_000;
/** An exchange code is for the app to trade at once; a minute covers a slow page load. */
const CODE_TTL_MS = 60_000;

/**
 * OAuth2 / OpenID Connect sign-in (docs/auth.md#oauth2-and-openid-connect): the
 * providers superusers manage (providers-admin.ts) and the sign-in flow
 * (oauth2-flow.ts), built on one SSRF guarded fetch, and the clean-up of an account's
 * links when it is deleted.
 */
export function createSignInProvidersService(
	deps: SignInProvidersDeps,
): SignInProvidersService {
	const { db, registry, settings, clock } = deps;
	const policy = createAddressPolicy(settings.ssrfAllow);
	const fetch = createOutboundFetch(policy, settings.timeoutMs);
	const metadata = createProviderMetadata({ fetch, clock });
	const states = createAuthorizationStates({
		db,
		sealer: deps.sealer,
		clock,
		ttlMs: STATE_TTL_MS,
	});
	const codes = createExchangeCodes({ db, clock, ttlMs: CODE_TTL_MS });
	const links = createExternalAuths({ newId: deps.newId, clock });

	/** Where a browser starts a sign-in with `provider` to `collection`. */
	function startPath(collection: string, provider: string): string {
		return `/api/v1/collections/${encodeURIComponent(collection)}/auth/oauth2/${encodeURIComponent(provider)}`;
	}

	function callbackUrl(collection: string, provider: string): string {
		return `${settings.publicUrl}${startPath(collection, provider)}/callback`;
	}

	const store = createProviderStore(db);
	const accountLinks = createAccountLinks({
		db,
		registry,
		links,
		store,
		audit: deps.audit,
		startPath,
	});
	const providers = createProvidersAdmin({
		store,
		metadata,
		registry,
		dialect: db.dialect,
		policy,
		sealer: deps.sealer,
		clock,
		logger: deps.logger,
		callbackUrl,
	});
	const flow = createOAuth2Flow({
		registry,
		usableProvider: providers.usable,
		metadata,
		states,
		codes,
		linkAccount: createAccountLinker({
			db,
			records: deps.records,
			links,
			clock,
			accountWritten: deps.accounts.accountWritten,
		}),
		accounts: deps.accounts,
		sealer: deps.sealer,
		fetch,
		callbackUrl,
		logger: deps.logger,
	});

	return {
		changeSink: createLinkCleanupSink(registry),
		list: providers.list,
		get: providers.get,
		create: providers.create,
		update: providers.update,
		remove: providers.remove,
		begin: flow.begin,
		complete: flow.complete,
		exchange: flow.exchange,
		methodsOf: accountLinks.methodsOf,
		linksOf: accountLinks.linksOf,
		unlink: accountLinks.unlink,
		async purgeExpired(): Promise<number> {
			const now = clock().toISOString();
			let removed = 0;
			for (const table of ["_oauth2_states", "_oauth2_exchange_codes"]) {
				const result = await db.kysely
					.deleteFrom(table)
					.where("expires", "<=", now)
					.executeTakeFirst();
				removed += Number(result.numDeletedRows);
			}
			return removed;
		},
	};
}
