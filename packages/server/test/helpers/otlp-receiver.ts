import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One attribute as OTLP/JSON writes it. */
interface OtlpAttribute {
	key: string;
	value: {
		stringValue?: string;
		intValue?: string | number;
		boolValue?: boolean;
		doubleValue?: number;
	};
}

/** A span as the tests read it, flattened from OTLP/JSON. */
export interface ReceivedSpan {
	traceId: string;
	spanId: string;
	parentSpanId: string | undefined;
	name: string;
	/** OTLP SpanKind: 2 server, 3 client, 5 consumer. */
	kind: number;
	attributes: Record<string, string | number | boolean | undefined>;
	links: { traceId: string; spanId: string }[];
	status: { code?: number };
	serviceName: string | undefined;
}

/** A real OTLP/HTTP receiver (JSON protocol) on a loopback port, as a collector would be. */
export interface OtlpReceiver {
	/** The base endpoint, for OTEL_EXPORTER_OTLP_ENDPOINT. */
	endpoint: string;
	/** Every JSON request body received, as text, for "this value never left" checks. */
	bodies: string[];
	/** The content type of every export received, JSON or protobuf. */
	contentTypes: string[];
	spans(): ReceivedSpan[];
	close(): Promise<void>;
}

function attributeValue(attribute: OtlpAttribute) {
	const v = attribute.value;
	if (v.intValue !== undefined) return Number(v.intValue);
	return v.stringValue ?? v.boolValue ?? v.doubleValue;
}

// biome-ignore lint/suspicious/noExplicitAny: OTLP/JSON is read loosely.
function flatten(body: any): ReceivedSpan[] {
	const spans: ReceivedSpan[] = [];
	for (const resourceSpans of body.resourceSpans ?? []) {
		const resource: OtlpAttribute[] = resourceSpans.resource?.attributes ?? [];
		const serviceName = resource.find((a) => a.key === "service.name")?.value
			.stringValue;
		for (const scope of resourceSpans.scopeSpans ?? [])
			for (const span of scope.spans ?? [])
				spans.push({
					traceId: span.traceId,
					spanId: span.spanId,
					parentSpanId: span.parentSpanId || undefined,
					name: span.name,
					kind: span.kind,
					attributes: Object.fromEntries(
						(span.attributes ?? []).map((a: OtlpAttribute) => [
							a.key,
							attributeValue(a),
						]),
					),
					links: (span.links ?? []).map(
						(l: { traceId: string; spanId: string }) => ({
							traceId: l.traceId,
							spanId: l.spanId,
						}),
					),
					status: span.status ?? {},
					serviceName,
				});
	}
	return spans;
}

/**
 * Starts a receiver accepting `POST /v1/traces`; it reads `application/json` bodies
 * and only counts protobuf ones (decoding them would need the OTLP .proto files).
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
	const bodies: string[] = [];
	const contentTypes: string[] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			if (req.method !== "POST" || req.url !== "/v1/traces") {
				res.writeHead(404).end();
				return;
			}
			const type = String(req.headers["content-type"]);
			contentTypes.push(type);
			if (type.startsWith("application/json"))
				bodies.push(Buffer.concat(chunks).toString("utf8"));
			res.writeHead(200, { "content-type": "application/json" }).end("{}");
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		endpoint: `http://127.0.0.1:${port}`,
		bodies,
		contentTypes,
		spans: () => bodies.flatMap((b) => flatten(JSON.parse(b))),
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
