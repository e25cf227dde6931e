import type { IdGenerator } from "../../../tools/ids/index.js";
import type { Logger } from "../../../tools/logger/index.js";
import type { Clock } from "../../../tools/time/index.js";
import type { Database } from "../../db/index.js";
import { createJobTable } from "../job-table.js";
import type { JobWorker, QueueDriver, WorkerOptions } from "../queue-driver.js";
import { DbWorker } from "./db-worker.js";

/** What the db driver is built from. */
export interface DbQueueDeps {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
}

/**
 * The default queue driver: jobs are rows of `_jobs` in the App's own database, so a
 * job can be enqueued in the same transaction as the record write that causes it.
 */
export function createDbQueueDriver(deps: DbQueueDeps): QueueDriver {
	const table = createJobTable(deps);
	const workers = new Set<DbWorker>();

	return {
		...table,
		name: "db",
		async enqueue(request, trx) {
			const job = await table.enqueue(request, trx);
			// Without a transaction the job is visible now; in one, pollers find it after commit.
			if (!trx) for (const worker of workers) worker.wake(job.queue);
			return job;
		},
		async retryJob(id) {
			const changed = await table.retryJob(id);
			if (changed) for (const worker of workers) worker.wakeAll();
			return changed;
		},
		startWorker(options: WorkerOptions): JobWorker {
			const worker = new DbWorker({
				...deps,
				options,
				toJob: table.toJob,
				onStop: () => workers.delete(worker),
			});
			workers.add(worker);
			worker.start();
			return worker;
		},
		async close() {
			await Promise.all([...workers].map((w) => w.stop(0)));
		},
	};
}
