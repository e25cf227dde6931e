export { ipv6Words } from "./ipv6-words.js";
export { isLoopbackHost } from "./loopback.js";
