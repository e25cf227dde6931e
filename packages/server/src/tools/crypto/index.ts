export { hashPassword, verifyPassword } from "./password-hash.js";
export { randomToken, sha256Hex } from "./random-token.js";
export { open, seal } from "./sealed-box.js";
export { matchesSecretDigest } from "./secret-digest.js";
