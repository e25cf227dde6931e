export { type AddressPolicy, createAddressPolicy } from "./address-policy.js";
export {
	type LookupFn,
	type ResolveOptions,
	resolveSafeTarget,
	type SafeTarget,
} from "./check-url.js";
export {
	DEFAULT_MAX_BODY_BYTES,
	type SafeRequestInit,
	type SafeResponse,
	safeRequest,
} from "./safe-request.js";
export { isSsrfError, SsrfError } from "./ssrf-error.js";
