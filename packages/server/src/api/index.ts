export { createServer } from "./create-server.js";
export { buildOpenApi } from "./openapi.js";
