export { createServer } from "./create-server.js";
export { reloadTls } from "./http/tls-options.js";
