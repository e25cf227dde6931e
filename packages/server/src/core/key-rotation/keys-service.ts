import type { EventBus } from "../../tools/event-bus/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database } from "../db/index.js";
import {
	countValuesUnder,
	type DataKeyInfo,
	type DataKeyRing,
	reencryptAll,
} from "../encryption/index.js";
import { AppError } from "../errors/index.js";
import type { Job, JobsService } from "../jobs/index.js";

/** The job that moves every value to the active data key. */
export const REENCRYPT_JOB = "keys.reencrypt";

/** The bus channel that tells the other nodes to read the key ring again. */
const KEYS_CHANGED = "keys";

/** A data key with the number of stored values still sealed with it. */
export interface DataKeyStatus extends DataKeyInfo {
	values: number;
}

/** Rotation and retirement of data keys (docs/security.md#key-rotation). */
export interface KeysService {
	/** Every data key, oldest first, with the values still under it. */
	status(): Promise<DataKeyStatus[]>;
	/**
	 * Adds a data key, makes it active on every node, and enqueues the job that
	 * re-encrypts every value under it. Returns the key's id and the job.
	 */
	rotate(): Promise<{ keyId: string; job: Job }>;
	/** Removes a data key that is not active and that no stored value uses any more. */
	retire(keyId: string): Promise<void>;
	/** Starts hearing other nodes' rotations. */
	start(): Promise<void>;
	stop(): Promise<void>;
}

/**
 * Creates the keys service and registers the re-encryption job. The job runs on any
 * worker; it is unique (a second rotation while one runs waits for it) and resumable:
 * a run killed half-way is retried and only does what is left.
 */
export function createKeysService(deps: {
	db: Database;
	dataKeys: DataKeyRing;
	registry: CollectionRegistry;
	jobs: JobsService;
	bus: EventBus;
	logger: Logger;
}): KeysService {
	const { db, dataKeys, registry, jobs, bus, logger } = deps;
	let unsubscribe: (() => Promise<void>) | undefined;
	jobs.register(REENCRYPT_JOB, {
		timeoutMs: 6 * 60 * 60_000,
		async handler(context) {
			// This worker may not have heard of the rotation yet.
			await dataKeys.reload();
			return reencryptAll({
				db,
				keys: dataKeys,
				collections: registry.list(),
				signal: context.signal,
				onProgress: (progress) => context.reportProgress(progress),
			});
		},
	});
	const announce = () =>
		bus.publish(KEYS_CHANGED, "reload").catch((err: unknown) => {
			logger.warn(
				{ err },
				"could not tell the other nodes about a key ring change: they read it again when they meet a key they do not know",
			);
		});
	return {
		async status() {
			const collections = registry.list();
			const list = dataKeys.list();
			const counts = await Promise.all(
				list.map((k) => countValuesUnder(db, k.id, collections)),
			);
			return list.map((k, i) => ({ ...k, values: counts[i] ?? 0 }));
		},
		async rotate() {
			const keyId = await dataKeys.rotate();
			await announce();
			const job = await jobs.enqueue({
				name: REENCRYPT_JOB,
				payload: { keyId },
				options: { maxAttempts: 10 },
			});
			return { keyId, job };
		},
		async retire(keyId) {
			await dataKeys.reload();
			const key = dataKeys.list().find((k) => k.id === keyId);
			if (!key)
				throw new AppError("KEY_NOT_FOUND", {
					detail: `No data key ${keyId} is in the key ring.`,
				});
			if (key.active)
				throw new AppError("KEY_IN_USE", {
					detail: `Data key ${keyId} is the active key; rotate first.`,
				});
			const values = await countValuesUnder(db, keyId, registry.list());
			if (values > 0)
				throw new AppError("KEY_IN_USE", {
					detail: `${values} stored values are still sealed with data key ${keyId}; let the re-encryption job finish (or run it again) first.`,
				});
			await dataKeys.remove(keyId);
			await announce();
		},
		async start() {
			unsubscribe = await bus.subscribe(KEYS_CHANGED, () => {
				dataKeys.reload().catch((err: unknown) => {
					logger.warn({ err }, "reading the key ring again failed");
				});
			});
		},
		async stop() {
			await unsubscribe?.();
		},
	};
}
