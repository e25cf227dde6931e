export { createDbSpanListener } from "./db-spans.js";
// Types only: the tracing SDK and its exporters are loaded when tracing is on
// (src/index.ts imports ./tracing.js on demand).
export type { TraceLogFields, Tracing } from "./tracing.js";
