export { COMMON_PASSWORDS } from "./common-passwords.js";
export {
	createPasswordPolicy,
	type PasswordContext,
	type PasswordPolicy,
	type PasswordPolicyOptions,
	type PasswordProblem,
} from "./password-policy.js";
