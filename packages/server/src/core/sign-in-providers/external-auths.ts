import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Executor } from "../db/index.js";
import type { RecordChangeSink } from "../records/index.js";

/** One account's identity at one provider. */
export interface ExternalAuth {
	collectionId: string;
	recordId: string;
	provider: string;
	subject: string;
}

/**
 * The links between accounts and provider identities (`_external_auths`): at most
 * one account per (collection, provider, subject), enforced by a unique key.
 */
export function createExternalAuths(deps: {
	newId: IdGenerator;
	clock: Clock;
}) {
	async function findRecordId(
		executor: Executor,
		collectionId: string,
		provider: string,
		subject: string,
	): Promise<string | undefined> {
		const row = await executor
			.selectFrom("_external_auths")
			.select("record_id")
			.where("collection_id", "=", collectionId)
			.where("provider", "=", provider)
			.where("provider_subject", "=", subject)
			.executeTakeFirst();
		return row?.record_id as string | undefined;
	}

	return {
		/** The account linked to a provider identity; undefined when none is. */
		findRecordId,

		/** The provider identities linked to one account, oldest first. */
		async linksOf(
			executor: Executor,
			collectionId: string,
			recordId: string,
		): Promise<{ provider: string; subject: string; created: string }[]> {
			const rows = await executor
				.selectFrom("_external_auths")
				.select(["provider", "provider_subject", "created"])
				.where("collection_id", "=", collectionId)
				.where("record_id", "=", recordId)
				.orderBy("created")
				.orderBy("provider")
				.execute();
			return rows.map((row) => ({
				provider: row.provider as string,
				subject: row.provider_subject as string,
				created: row.created as string,
			}));
		},

		/** Removes an account's link to a provider; false when there was none. */
		async unlink(
			executor: Executor,
			collectionId: string,
			recordId: string,
			provider: string,
		): Promise<boolean> {
			const result = await executor
				.deleteFrom("_external_auths")
				.where("collection_id", "=", collectionId)
				.where("record_id", "=", recordId)
				.where("provider", "=", provider)
				.executeTakeFirst();
			return Number(result.numDeletedRows) > 0;
		},

		/**
		 * Links an identity to an account unless it is linked already (a concurrent
		 * sign-in may have won); returns the account the identity is linked to now.
		 */
		async link(executor: Executor, link: ExternalAuth): Promise<string> {
			await executor
				.insertInto("_external_auths")
				.values({
					id: deps.newId(),
					collection_id: link.collectionId,
					record_id: link.recordId,
					provider: link.provider,
					provider_subject: link.subject,
					created: deps.clock().toISOString(),
				})
				.onConflict((conflict) =>
					conflict
						.columns(["collection_id", "provider", "provider_subject"])
						.doNothing(),
				)
				.execute();
			const linked = await findRecordId(
				executor,
				link.collectionId,
				link.provider,
				link.subject,
			);
			return linked ?? link.recordId;
		},
	};
}

/** The links table. */
export type ExternalAuths = ReturnType<typeof createExternalAuths>;

/**
 * Creates the change sink that deletes an account's links in the transaction that
 * deletes the account, so a later account with a new id cannot inherit them.
 */
export function createLinkCleanupSink(
	registry: CollectionRegistry,
): RecordChangeSink {
	return {
		wants: (collection) => registry.find(collection)?.type === "auth",
		async record(change, trx) {
			if (change.action !== "delete") return;
			const collection = registry.get(change.collection);
			await trx
				.deleteFrom("_external_auths")
				.where("collection_id", "=", collection.id)
				.where("record_id", "=", change.record.id as string)
				.execute();
		},
	};
}
