export { removeOldFiles } from "./remove-old-files.js";
