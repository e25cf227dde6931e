import type { Registry } from "prom-client";

/** One label combination's sample, as prom-client's registry prints it. */
interface Sample {
	metricName?: string;
	labels: Record<string, string | number>;
	value: number;
}

/** What a prom-client registry asks of a metric it prints. */
interface PrintableMetric {
	readonly name: string;
	readonly help: string;
	readonly type: "counter" | "histogram";
	get(): Promise<{
		name: string;
		help: string;
		type: string;
		values: Sample[];
		aggregator: "sum";
	}>;
	reset(): void;
}

/** The name, help and registries of a metric. */
interface SeriesConfig {
	name: string;
	help: string;
	registers: Registry[];
}

/** Adds a metric of our own to prom-client registries (their `registerMetric`). */
function register(metric: PrintableMetric, registers: Registry[]): void {
	for (const registry of registers)
		registry.registerMetric(
			metric as unknown as Parameters<Registry["registerMetric"]>[0],
		);
}

/**
 * A counter for the hot path. prom-client hashes the label object on every `inc`,
 * even through `labels()`; here each label combination is bound once and counting
 * is an addition. It prints exactly as a prom-client counter does.
 */
export class LocalCounter implements PrintableMetric {
	readonly name: string;
	readonly help: string;
	readonly type = "counter" as const;
	readonly #series = new Map<
		string,
		{ labels: Record<string, string>; value: number }
	>();

	constructor(config: SeriesConfig) {
		this.name = config.name;
		this.help = config.help;
		register(this, config.registers);
	}

	/** The increment of one label combination; made once, called per event. */
	child(labels: Record<string, string>): () => void {
		const key = JSON.stringify(labels);
		let series = this.#series.get(key);
		if (!series) {
			series = { labels: { ...labels }, value: 0 };
			this.#series.set(key, series);
		}
		const bound = series;
		return () => {
			bound.value += 1;
		};
	}

	async get() {
		const values = [...this.#series.values()].map((series) => ({
			labels: series.labels,
			value: series.value,
		}));
		return { ...this.#head(), values, aggregator: "sum" as const };
	}

	reset(): void {
		for (const series of this.#series.values()) series.value = 0;
	}

	#head() {
		return { name: this.name, help: this.help, type: this.type };
	}
}

/**
 * A histogram for the hot path: an observation finds its bucket and adds to plain
 * numbers, with no label hashing (prom-client hashes the labels on every `observe`,
 * which was most of the metrics' cost per request). Prints as a prom-client
 * histogram: cumulative `_bucket` series with `le`, then `_sum` and `_count`.
 */
export class LocalHistogram implements PrintableMetric {
	readonly name: string;
	readonly help: string;
	readonly type = "histogram" as const;
	readonly #buckets: readonly number[];
	readonly #series = new Map<
		string,
		{
			labels: Record<string, string>;
			counts: Float64Array;
			sum: number;
			count: number;
		}
	>();

	constructor(config: SeriesConfig & { buckets: readonly number[] }) {
		this.name = config.name;
		this.help = config.help;
		this.#buckets = [...config.buckets].sort((a, b) => a - b);
		register(this, config.registers);
	}

	/** The observer of one label combination; made once, called per event. */
	child(labels: Record<string, string>): (value: number) => void {
		const key = JSON.stringify(labels);
		let series = this.#series.get(key);
		if (!series) {
			series = {
				labels: { ...labels },
				counts: new Float64Array(this.#buckets.length + 1),
				sum: 0,
				count: 0,
			};
			this.#series.set(key, series);
		}
		const bound = series;
		const buckets = this.#buckets;
		return (value) => {
			let at = 0;
			while (at < buckets.length && value > (buckets[at] as number)) at++;
			bound.counts[at] = (bound.counts[at] as number) + 1;
			bound.sum += value;
			bound.count += 1;
		};
	}

	async get() {
		const values: Sample[] = [];
		const bucketName = `${this.name}_bucket`;
		for (const series of this.#series.values()) {
			let cumulative = 0;
			this.#buckets.forEach((le, at) => {
				cumulative += series.counts[at] as number;
				values.push({
					metricName: bucketName,
					labels: { ...series.labels, le },
					value: cumulative,
				});
			});
			values.push(
				{
					metricName: bucketName,
					labels: { ...series.labels, le: "+Inf" },
					value: series.count,
				},
				{
					metricName: `${this.name}_sum`,
					labels: series.labels,
					value: series.sum,
				},
				{
					metricName: `${this.name}_count`,
					labels: series.labels,
					value: series.count,
				},
			);
		}
		return {
			name: this.name,
			help: this.help,
			type: this.type,
			values,
			aggregator: "sum" as const,
		};
	}

	reset(): void {
		for (const series of this.#series.values()) {
			series.counts.fill(0);
			series.sum = 0;
			series.count = 0;
		}
	}
}
