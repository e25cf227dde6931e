import { beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver } from "./helpers/otlp-receiver.js";
import { buildServer, startServerProcess } from "./helpers/spawn-server.js";

// The process level: `basalt serve` reads the OTEL_* variables from its environment,
// and SIGTERM exports the spans still buffered (the batch would wait 5 s otherwise).
describe("basalt serve with tracing", () => {
	beforeAll(() => {
		buildServer();
	}, 180_000);

	it("exports a request's span on SIGTERM (OTLP/HTTP JSON)", async () => {
		const receiver = await startOtlpReceiver();
		try {
			const server = await startServerProcess({
				OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
				OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
				OTEL_SERVICE_NAME: "basalt-process",
			});
			const res = await fetch(`${server.url}/health/live`);
			expect(res.status).toBe(200);
			expect(await server.stop()).toBe(0);
			const span = receiver.spans().find((s) => s.name === "GET /health/live");
			expect(span).toMatchObject({ kind: 2, serviceName: "basalt-process" });
		} finally {
			await receiver.close();
		}
	}, 60_000);

	it("exports OTLP/HTTP protobuf by default, as the OTel specification says", async () => {
		const receiver = await startOtlpReceiver();
		try {
			const server = await startServerProcess({
				OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
			});
			expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
			expect(await server.stop()).toBe(0);
			expect(receiver.contentTypes).toContain("application/x-protobuf");
		} finally {
			await receiver.close();
		}
	}, 60_000);
});
