import type { Logger } from "../../tools/logger/index.js";
import type { AddressPolicy } from "../../tools/ssrf/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { SqlDialect } from "../db/index.js";
import type { Sealer } from "../encryption/index.js";
import { AppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";
import { sealClientSecret } from "./client-secret.js";
import { checkProviderInput } from "./provider-input.js";
import type { ProviderMetadata } from "./provider-metadata.js";
import { type ResolvedProvider, resolveProvider } from "./provider-presets.js";
import type { ProviderStore } from "./provider-store.js";
import type {
	Provider,
	ProviderInput,
	StoredProvider,
} from "./provider-types.js";

/** What provider management is built from. */
export interface ProvidersAdminDeps {
	store: ProviderStore;
	metadata: ProviderMetadata;
	registry: CollectionRegistry;
	dialect: SqlDialect;
	policy: AddressPolicy;
	/** Seals and opens the secrets kept in the database. */
	sealer: Sealer;
	clock: Clock;
	logger: Logger;
	/** Basalt's callback URL for a collection and provider. */
	callbackUrl(collection: string, provider: string): string;
}

/**
 * The providers superusers manage (`/api/v1/oauth2/providers`): checked on every
 * write, client secrets sealed and never shown, discovery forgotten on change; and
 * the look-up the sign-in flow uses, which sees only active providers offered for
 * the collection.
 */
export function createProvidersAdmin(deps: ProvidersAdminDeps) {
	const { store, registry } = deps;
	const now = () => deps.clock().toISOString();
	const checks = {
		policy: deps.policy,
		findCollection: (name: string) => registry.find(name),
	};

	/** The provider as the API shows it, with the callback URL of each collection. */
	function view(stored: StoredProvider): Provider {
		const resolved = resolveProvider(stored);
		const auth = registry.list().filter((c) => c.type === "auth");
		const allowed =
			stored.collectionIds === null
				? auth
				: auth.filter((c) => stored.collectionIds?.includes(c.id));
		const plain = resolved.kind === "oauth2";
		return {
			name: stored.name,
			preset: stored.preset,
			kind: resolved.kind,
			issuer: resolved.issuer,
			tenant: resolved.tenant,
			clientId: stored.clientId,
			clientSecretSet: true,
			scopes: resolved.scopes,
			authorizationUrl: plain ? resolved.authorizationUrl : null,
			tokenUrl: plain ? resolved.tokenUrl : null,
			userinfoUrl: plain ? resolved.userinfoUrl : null,
			collections:
				stored.collectionIds === null ? null : allowed.map((c) => c.name),
			redirectUrls: stored.redirectUrls,
			active: stored.active,
			callbackUrls: Object.fromEntries(
				allowed.map((c) => [c.name, deps.callbackUrl(c.name, stored.name)]),
			),
			created: stored.created,
			updated: stored.updated,
		};
	}

	/** Logs a superuser's change: never the secret or the client id. */
	function audit(
		message: string,
		stored: StoredProvider,
		actor: string | null,
	) {
		deps.logger.info(
			{
				provider: stored.name,
				preset: stored.preset,
				active: stored.active,
				actor,
			},
			message,
		);
	}

	async function find(name: string): Promise<StoredProvider> {
		const stored = await store.find(name);
		if (!stored) throw providerNotFound(name);
		return stored;
	}

	async function create(
		input: ProviderInput & { name: string; clientSecret: string },
		actor: string | null,
	): Promise<Provider> {
		const checked = await checkProviderInput(input, undefined, checks);
		const exists = new AppError("OAUTH2_PROVIDER_EXISTS", {
			detail: `A provider "${checked.name}" already exists.`,
		});
		if (await store.find(checked.name)) throw exists;
		const sealedSecret = sealClientSecret(
			deps.sealer,
			checked.name,
			input.clientSecret,
		);
		let stored: StoredProvider;
		try {
			stored = await store.insert({ ...checked, sealedSecret }, now());
		} catch (err: unknown) {
			// Two creates raced past the check above.
			if (deps.dialect.classifyError(err)?.kind === "unique") throw exists;
			throw err;
		}
		audit("oauth2 provider created", stored, actor);
		return view(stored);
	}

	async function update(
		name: string,
		input: ProviderInput,
		actor: string | null,
	): Promise<Provider> {
		const before = await find(name);
		const checked = await checkProviderInput(input, before, checks);
		const sealedSecret =
			input.clientSecret === undefined
				? before.sealedSecret
				: sealClientSecret(deps.sealer, name, input.clientSecret);
		const stored = await store.update({ ...checked, sealedSecret }, now());
		deps.metadata.forget(name);
		if (!stored) throw providerNotFound(name);
		audit("oauth2 provider changed", stored, actor);
		return view(stored);
	}

	async function remove(name: string, actor: string | null): Promise<void> {
		const stored = await find(name);
		if (!(await store.remove(name))) throw providerNotFound(name);
		deps.metadata.forget(name);
		audit("oauth2 provider deleted", stored, actor);
	}

	/** The provider if it is active and offered for the collection; else OAUTH2_PROVIDER_NOT_FOUND. */
	async function usable(
		name: string,
		collection: Collection,
	): Promise<ResolvedProvider> {
		const stored = await store.find(name);
		const offered =
			stored?.active === true &&
			(stored.collectionIds === null ||
				stored.collectionIds.includes(collection.id));
		if (!stored || !offered)
			throw new AppError("OAUTH2_PROVIDER_NOT_FOUND", {
				detail: `No active provider "${name.slice(0, 64)}" for "${collection.name}".`,
			});
		return resolveProvider(stored);
	}

	return {
		/** Every provider, by name, without secrets. */
		list: async () => (await store.list()).map(view),
		/** Gets a provider or throws OAUTH2_PROVIDER_NOT_FOUND. */
		get: async (name: string) => view(await find(name)),
		/** Creates a provider; its client secret is sealed and never shown again. */
		create,
		/** Changes a provider; a new clientSecret replaces the sealed one. */
		update,
		/** Deletes a provider with its account links and pending sign-ins. */
		remove,
		usable,
	};
}

function providerNotFound(name: string): AppError {
	return new AppError("OAUTH2_PROVIDER_NOT_FOUND", {
		detail: `No OAuth2 provider "${name.slice(0, 64)}".`,
	});
}
