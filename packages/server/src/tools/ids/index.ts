export { createIdGenerator, type IdGenerator, isUuid } from "./uuidv7.js";
