export { coerceError } from "./coerce-error.js";
