import parsePrometheusTextFormat, {
	type Sample,
} from "parse-prometheus-text-format";
import { expect } from "vitest";
import type { TestApp } from "./test-app.js";

type Labels = Record<string, string>;

/** A parsed scrape of GET /metrics. */
export interface Scrape {
	/** Each metric family's type (`COUNTER`, `HISTOGRAM` …) by name. */
	types: Map<string, string>;
	/** The sum of a counter's or gauge's samples whose labels include `labels`. */
	value(name: string, labels?: Labels): number;
	/** The sum of a histogram's `_count` over samples whose labels include `labels`. */
	count(name: string, labels?: Labels): number;
	/** Every value one label takes in a metric's samples. */
	labelValues(name: string, label: string): string[];
}

/** Reads GET /metrics as a loopback client and parses it. */
export async function scrapeMetrics(t: TestApp): Promise<Scrape> {
	const res = await t.server.inject({ method: "GET", url: "/metrics" });
	expect(res.statusCode, res.body).toBe(200);
	return parseScrape(res.body);
}

/**
 * Parses Prometheus text format with parse-prometheus-text-format. That parser
 * merges the series of a labelled histogram into one (its flattenMetrics keeps only
 * unlabelled `_count` and `_sum`), so histograms are parsed a second time declared
 * untyped: their `_bucket`, `_sum` and `_count` lines then come back as plain
 * samples with their labels, as Prometheus itself stores them.
 */
export function parseScrape(text: string): Scrape {
	const types = new Map(
		parsePrometheusTextFormat(text).map((family) => [family.name, family.type]),
	);
	const samples = new Map<string, Sample[]>();
	const untyped = text.replace(
		/^# TYPE (\S+) histogram$/gm,
		"# TYPE $1 untyped",
	);
	for (const family of parsePrometheusTextFormat(untyped))
		samples.set(family.name, [
			...(samples.get(family.name) ?? []),
			...family.metrics,
		]);
	const matching = (name: string, labels: Labels = {}) => {
		const found = samples.get(name);
		if (!found) throw new Error(`no metric ${name} in the scrape`);
		return found.filter((sample) =>
			Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v),
		);
	};
	const sum = (name: string, labels?: Labels) =>
		matching(name, labels).reduce((total, s) => total + Number(s.value), 0);
	return {
		types,
		value: sum,
		count: (name, labels) => sum(`${name}_count`, labels),
		labelValues: (name, label) => [
			...new Set(
				matching(name).flatMap((s) =>
					s.labels?.[label] === undefined ? [] : [s.labels[label]],
				),
			),
		],
	};
}
