export { type BoundedLruOptions, createBoundedLru } from "./bounded-lru.js";
export { memoByText } from "./memo-by-text.js";
