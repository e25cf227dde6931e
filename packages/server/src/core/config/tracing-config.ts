import { ConfigError } from "./config-error.js";
import type { Reader } from "./read-values.js";

/** The samplers of the OTel SDK environment specification that Basalt offers. */
export const traceSamplers = [
	"always_on",
	"always_off",
	"traceidratio",
	"parentbased_always_on",
	"parentbased_always_off",
	"parentbased_traceidratio",
] as const;
/** One of traceSamplers. */
export type TraceSampler = (typeof traceSamplers)[number];

/** Where and how spans are exported; absent when tracing is off. */
export interface TracingConfig {
	/** The OTLP/HTTP traces URL (ends in /v1/traces unless given whole). */
	url: string;
	protocol: "http/json" | "http/protobuf";
	/** Sent with every export (an API key of a vendor, say); never logged. */
	headers: Record<string, string>;
	serviceName: string;
	/** From OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=prod,…`. */
	resourceAttributes: Record<string, string>;
	sampler: TraceSampler;
	/** The ratio of the traceidratio samplers, 0 to 1. */
	samplerRatio: number;
}

/**
 * Reads the standard OpenTelemetry variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
 * Tracing is on when an OTLP endpoint is set and OTEL_SDK_DISABLED is not "true",
 * so an operator who already exports OTel variables for other services needs no
 * Basalt-specific switch.
 */
export function tracingConfig(read: Reader): TracingConfig | undefined {
	if (read("OTEL_SDK_DISABLED")?.toLowerCase() === "true") return undefined;
	const url = tracesUrl(read);
	if (!url) return undefined;
	const sampler = samplerOf(read("OTEL_TRACES_SAMPLER"));
	return {
		url,
		protocol: protocolOf(read),
		headers: {
			...keyValues(read, "OTEL_EXPORTER_OTLP_HEADERS"),
			...keyValues(read, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"),
		},
		serviceName: read("OTEL_SERVICE_NAME") ?? "basalt",
		resourceAttributes: keyValues(read, "OTEL_RESOURCE_ATTRIBUTES"),
		sampler,
		samplerRatio: ratioOf(read("OTEL_TRACES_SAMPLER_ARG"), sampler),
	};
}

/** The signal-specific endpoint as given, or the base endpoint plus /v1/traces. */
function tracesUrl(read: Reader): string | undefined {
	const specific = read("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	if (specific)
		return checkedUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", specific);
	const base = read("OTEL_EXPORTER_OTLP_ENDPOINT");
	if (!base) return undefined;
	checkedUrl("OTEL_EXPORTER_OTLP_ENDPOINT", base);
	return `${base.replace(/\/+$/, "")}/v1/traces`;
}

function checkedUrl(name: string, raw: string): string {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new ConfigError(name, "is not a valid URL");
	}
	if (url.protocol !== "http:" && url.protocol !== "https:")
		throw new ConfigError(name, "must start with http:// or https://");
	return raw;
}

/** OTLP over HTTP only: the gRPC exporter would add a second HTTP/2 stack. */
function protocolOf(read: Reader): TracingConfig["protocol"] {
	const name = read("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
		? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
		: "OTEL_EXPORTER_OTLP_PROTOCOL";
	const raw = read(name) ?? "http/protobuf";
	if (raw === "http/json" || raw === "http/protobuf") return raw;
	throw new ConfigError(
		name,
		`must be http/protobuf or http/json, got "${raw}"`,
	);
}

function samplerOf(raw: string | undefined): TraceSampler {
	if (raw === undefined) return "parentbased_always_on";
	if ((traceSamplers as readonly string[]).includes(raw))
		return raw as TraceSampler;
	throw new ConfigError(
		"OTEL_TRACES_SAMPLER",
		`must be one of ${traceSamplers.join(", ")}, got "${raw}"`,
	);
}

function ratioOf(raw: string | undefined, sampler: TraceSampler): number {
	if (raw === undefined || !sampler.endsWith("traceidratio")) return 1;
	const ratio = Number(raw);
	if (!/^\d*\.?\d+$/.test(raw) || ratio > 1)
		throw new ConfigError(
			"OTEL_TRACES_SAMPLER_ARG",
			`must be a number from 0 to 1, got "${raw}"`,
		);
	return ratio;
}

/**
 * Reads a W3C Baggage-style list, `key1=value1,key2=value2`, values percent-encoded,
 * as the OTel specification defines for headers and resource attributes.
 */
function keyValues(read: Reader, name: string): Record<string, string> {
	const raw = read(name);
	const pairs: Record<string, string> = {};
	if (!raw) return pairs;
	for (const item of raw.split(",")) {
		if (item.trim() === "") continue;
		const at = item.indexOf("=");
		const key = at > 0 ? item.slice(0, at).trim() : "";
		if (!key) throw new ConfigError(name, "must be a list of key=value pairs");
		try {
			pairs[key] = decodeURIComponent(item.slice(at + 1).trim());
		} catch {
			throw new ConfigError(name, `has a badly encoded value for "${key}"`);
		}
	}
	return pairs;
}
