export { memoByText } from "./memo-by-text.js";
