export { createServer } from "./create-server.js";
export { createHttpsRedirectServer } from "./http/https-redirect.js";
export { securityHeaders } from "./http/security-headers.js";
export { reloadTls } from "./http/tls-options.js";
