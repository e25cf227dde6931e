export { createDbSpanListener } from "./db-spans.js";
export { traceJobDefinition } from "./job-spans.js";
export { type TraceLogFields, Tracing } from "./tracing.js";
