export { parseDateTime } from "./parse-date-time.js";
