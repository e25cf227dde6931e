import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/core/config/index.js";

const context = { cwd: "/srv/app", stdoutIsTty: false };
const tracingOf = (env: Record<string, string>) =>
	parseConfig(env, context).tracing;

describe("parseConfig: OpenTelemetry tracing (OTEL_*)", () => {
	it("is off without an OTLP endpoint, and when OTEL_SDK_DISABLED is true", () => {
		expect(tracingOf({})).toBeUndefined();
		expect(tracingOf({ OTEL_SERVICE_NAME: "x" })).toBeUndefined();
		expect(
			tracingOf({
				OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
				OTEL_SDK_DISABLED: "true",
			}),
		).toBeUndefined();
	});

	it("turns on with the base endpoint, adding /v1/traces, with the spec's defaults", () => {
		expect(
			tracingOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }),
		).toEqual({
			url: "http://collector:4318/v1/traces",
			protocol: "http/protobuf",
			headers: {},
			serviceName: "basalt",
			resourceAttributes: {},
			sampler: "parentbased_always_on",
			samplerRatio: 1,
		});
	});

	it("takes the traces endpoint as given, and every other variable", () => {
		expect(
			tracingOf({
				OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:4318",
				OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://otel.example/api/traces",
				OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
				OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc%3D%3D, x-team = core",
				OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=traces",
				OTEL_SERVICE_NAME: "basalt-eu",
				OTEL_RESOURCE_ATTRIBUTES:
					"deployment.environment.name=prod,service.version=1.2",
				OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
				OTEL_TRACES_SAMPLER_ARG: "0.25",
			}),
		).toEqual({
			url: "https://otel.example/api/traces",
			protocol: "http/json",
			headers: { "x-api-key": "abc==", "x-team": "traces" },
			serviceName: "basalt-eu",
			resourceAttributes: {
				"deployment.environment.name": "prod",
				"service.version": "1.2",
			},
			sampler: "parentbased_traceidratio",
			samplerRatio: 0.25,
		});
	});

	it.each([
		[
			{ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" },
			"OTEL_EXPORTER_OTLP_ENDPOINT",
		],
		[
			{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://collector" },
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		],
		[
			{
				OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
				OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
			},
			"OTEL_EXPORTER_OTLP_PROTOCOL",
		],
		[
			{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_TRACES_SAMPLER: "xray" },
			"OTEL_TRACES_SAMPLER",
		],
		[
			{
				OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
				OTEL_TRACES_SAMPLER: "traceidratio",
				OTEL_TRACES_SAMPLER_ARG: "1.5",
			},
			"OTEL_TRACES_SAMPLER_ARG",
		],
		[
			{
				OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
				OTEL_RESOURCE_ATTRIBUTES: "=x",
			},
			"OTEL_RESOURCE_ATTRIBUTES",
		],
		[
			{
				OTEL_EXPORTER_OTLP_ENDPOINT: "http://c",
				OTEL_EXPORTER_OTLP_HEADERS: "a=%E0",
			},
			"OTEL_EXPORTER_OTLP_HEADERS",
		],
	])("refuses %j naming %s", (env, name) => {
		expect(() => tracingOf(env as Record<string, string>)).toThrow(ConfigError);
		expect(() => tracingOf(env as Record<string, string>)).toThrow(name);
	});
});
