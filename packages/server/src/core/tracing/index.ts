export { createDbSpanListener } from "./db-spans.js";
export { type TraceLogFields, Tracing } from "./tracing.js";
