import { createSlowQueryLog } from "../db/index.js";
import { createDbSpanListener } from "../tracing/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";

/**
 * Watches every statement the database runs: the slow-query log always, the metrics
 * unless BASALT_METRICS=false (then no per-statement work at all), and a span per
 * statement when tracing is on.
 */
export function wireStatementWatchers(shared: SharedParts): AreaContribution {
	const { db, config, tracing } = shared;
	const stops = [
		db.onQuery(
			createSlowQueryLog({
				logger: shared.logger,
				thresholdMs: config.db.slowQueryMs,
			}),
		),
	];
	if (tracing)
		stops.push(db.onQuery(createDbSpanListener(tracing, db.dialect)));
	if (config.metrics.enabled) stops.push(db.onQuery(shared.metrics.db));
	return {
		close() {
			for (const stop of stops) stop();
		},
	};
}
