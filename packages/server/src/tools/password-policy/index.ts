export { loadCommonPasswords } from "./load-common-passwords.js";
export {
	createPasswordPolicy,
	type PasswordContext,
	type PasswordLimits,
	type PasswordPolicy,
	type PasswordPolicyOptions,
	type PasswordProblem,
} from "./password-policy.js";
