export { type Clock, systemClock } from "./clock.js";
export { parseDateTime } from "./parse-date-time.js";
