export { ipv6Words } from "./ipv6-words.js";
