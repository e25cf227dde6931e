import { AsyncLocalStorage } from "node:async_hooks";
import {
	type Attributes,
	type Context,
	defaultTextMapGetter,
	defaultTextMapSetter,
	ROOT_CONTEXT,
	type Span,
	type SpanOptions,
	type Tracer,
	trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
	AlwaysOffSampler,
	AlwaysOnSampler,
	BatchSpanProcessor,
	ParentBasedSampler,
	type Sampler,
	TraceIdRatioBasedSampler,
	TracerProvider,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { TracingConfig } from "../config/index.js";

/** The trace and span of the work at hand, as log lines carry them. */
export interface TraceLogFields {
	trace_id?: string;
	span_id?: string;
}

/**
 * One App's tracing: its own provider and tracer, and its own AsyncLocalStorage for
 * the active span. No OTel global (tracer provider, context manager, propagator) is
 * registered, so several Apps in one process (the tests) never see each other's
 * spans and closing one App cannot switch another's tracing off; code that wants the
 * active span asks this object, not `@opentelemetry/api`'s `context.active()`.
 */
export class Tracing {
	readonly tracer: Tracer;
	readonly #provider: TracerProvider;
	readonly #store = new AsyncLocalStorage<Context>();
	readonly #propagator = new W3CTraceContextPropagator();

	constructor(config: TracingConfig) {
		const Exporter =
			config.protocol === "http/json" ? OtlpJsonExporter : OtlpProtoExporter;
		this.#provider = new TracerProvider({
			resource: resourceFromAttributes({
				...config.resourceAttributes,
				[ATTR_SERVICE_NAME]: config.serviceName,
			}),
			sampler: samplerOf(config),
			spanProcessors: [
				new BatchSpanProcessor({
					exporter: new Exporter({ url: config.url, headers: config.headers }),
				}),
			],
		});
		this.tracer = this.#provider.getTracer("basalt");
	}

	/** The context of the work at hand: the request or job being traced, or the root. */
	active(): Context {
		return this.#store.getStore() ?? ROOT_CONTEXT;
	}

	/** The span of the work at hand, if any. */
	activeSpan(): Span | undefined {
		const context = this.#store.getStore();
		return context && trace.getSpan(context);
	}

	/** Runs `work` with `context` active (its async continuations included). */
	run<R>(context: Context, work: () => R): R {
		return this.#store.run(context, work);
	}

	/** Starts a span, a child of `parent` (default: the active context). */
	startSpan(name: string, options: SpanOptions, parent?: Context): Span {
		return this.tracer.startSpan(name, options, parent ?? this.active());
	}

	/** Reads an incoming W3C `traceparent` (and `tracestate`) into a parent context. */
	extract(carrier: Record<string, unknown>): Context {
		// Most requests carry none: skip the propagator's parsing.
		if (carrier.traceparent === undefined) return ROOT_CONTEXT;
		return this.#propagator.extract(
			ROOT_CONTEXT,
			carrier,
			defaultTextMapGetter,
		);
	}

	/** The W3C `traceparent` of the active span, to carry it across a queue. */
	traceParent(): string | undefined {
		const context = this.#store.getStore();
		if (!context) return undefined;
		const carrier: Record<string, string> = {};
		this.#propagator.inject(context, carrier, defaultTextMapSetter);
		return carrier.traceparent;
	}

	/** The span context a stored `traceparent` names, for a span link. */
	linkTo(traceParent: string, attributes?: Attributes) {
		const spanContext = trace.getSpanContext(
			this.extract({ traceparent: traceParent }),
		);
		return spanContext ? [{ context: spanContext, attributes }] : [];
	}

	/** pino's mixin: the active trace and span ids, nothing outside traced work. */
	readonly logFields = (): TraceLogFields => {
		const span = this.activeSpan();
		if (!span) return {};
		const { traceId, spanId } = span.spanContext();
		return { trace_id: traceId, span_id: spanId };
	};

	/** Exports what is buffered now (tests; a deploy hook). */
	async flush(): Promise<void> {
		await this.#provider.forceFlush();
	}

	/** Exports what is buffered and stops; the App calls it when it closes. */
	async shutdown(): Promise<void> {
		await this.#provider.shutdown();
	}
}

/** The OTEL_TRACES_SAMPLER choices as SDK samplers. */
function samplerOf(config: TracingConfig): Sampler {
	const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
	switch (config.sampler) {
		case "always_on":
			return new AlwaysOnSampler();
		case "always_off":
			return new AlwaysOffSampler();
		case "traceidratio":
			return ratio;
		case "parentbased_always_off":
			return new ParentBasedSampler({ root: new AlwaysOffSampler() });
		case "parentbased_traceidratio":
			return new ParentBasedSampler({ root: ratio });
		default:
			return new ParentBasedSampler({ root: new AlwaysOnSampler() });
	}
}
