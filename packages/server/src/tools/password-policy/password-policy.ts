/** Why a password is refused: a code for clients, a sentence for people. */
export interface PasswordProblem {
	code: "TOO_SHORT" | "TOO_LONG" | "TOO_COMMON" | "CONTAINS_EMAIL";
	message: string;
}

/** Length limits, in Unicode code points after NFC normalization. */
export interface PasswordLimits {
	/** Defaults to 8; never below 8. */
	minLength?: number;
	/** Defaults to 256; never above 256. */
	maxLength?: number;
}

/** What a policy is made from: its length limits and the passwords it refuses. */
export interface PasswordPolicyOptions extends PasswordLimits {
	/** Lower-cased passwords to refuse, usually loadCommonPasswords(). */
	commonPasswords: ReadonlySet<string>;
}

/** What is known about the account, for refusing context-specific passwords. */
export interface PasswordContext {
	email?: string;
}

/** Judges new passwords against the length limits and the common-password list. */
export interface PasswordPolicy {
	readonly minLength: number;
	readonly maxLength: number;
	/** Checks a password: the first problem found, or undefined when it is acceptable. */
	check(
		password: string,
		context?: PasswordContext,
	): PasswordProblem | undefined;
}

/** NIST SP 800-63B §5.1.1.2: memorized secrets of at least 8 characters. */
const FLOOR_MIN_LENGTH = 8;
/**
 * 8 to 256 characters (docs/auth.md, "Password policy"). Also bounds the work of
 * normalizing and hashing.
 */
const CEILING_MAX_LENGTH = 256;
/**
 * UTF-16 units an NFC code point can stand for at most: a canonical decomposition is
 * at most 4 code points (U+1F82; UAX #15 gives NFD a 4x expansion), each at most 2
 * units. Longer input is too long whatever it normalizes to, so it is refused before
 * normalization, whose cost grows with the input.
 */
const MAX_UNITS_PER_CODE_POINT = 8;

/**
 * Creates a password policy: `minLength` to `maxLength` code points after NFC
 * normalization (so "é" typed as e + U+0301 counts once, an emoji once), not in
 * `commonPasswords` (case-insensitive), and not the account's email or its local part
 * (NIST SP 800-63B §5.1.1.2, "context-specific words"). Throws a RangeError when the
 * limits are not integers with 8 <= minLength <= maxLength <= 256.
 *
 * @example
 * const policy = createPasswordPolicy({ commonPasswords: loadCommonPasswords() });
 * policy.check("Password1")?.code; // "TOO_COMMON"
 * policy.check("jane.doe", { email: "Jane.Doe@example.com" })?.code; // "CONTAINS_EMAIL"
 * policy.check("violet-harbor-47-kettle"); // undefined
 */
export function createPasswordPolicy({
	minLength = FLOOR_MIN_LENGTH,
	maxLength = CEILING_MAX_LENGTH,
	commonPasswords,
}: PasswordPolicyOptions): PasswordPolicy {
	assertLimits(minLength, maxLength);
	const tooLong: PasswordProblem = {
		code: "TOO_LONG",
		message: `The password must be at most ${maxLength} characters.`,
	};

	return {
		minLength,
		maxLength,
		check(password, context) {
			if (password.length > maxLength * MAX_UNITS_PER_CODE_POINT)
				return tooLong;
			const normalized = password.normalize("NFC");
			const length = [...normalized].length;
			if (length < minLength) {
				return {
					code: "TOO_SHORT",
					message: `The password must be at least ${minLength} characters.`,
				};
			}
			if (length > maxLength) return tooLong;
			const lowered = normalized.toLowerCase();
			if (context?.email !== undefined && isEmailLike(lowered, context.email)) {
				return {
					code: "CONTAINS_EMAIL",
					message: "The password must not be your email address.",
				};
			}
			if (commonPasswords.has(lowered)) {
				return {
					code: "TOO_COMMON",
					message: "This password is too common; choose another.",
				};
			}
			return undefined;
		},
	};
}

function assertLimits(minLength: number, maxLength: number): void {
	if (!Number.isInteger(minLength) || minLength < FLOOR_MIN_LENGTH) {
		throw new RangeError(
			`Password minLength must be an integer of at least ${FLOOR_MIN_LENGTH}, got ${minLength}`,
		);
	}
	if (!Number.isInteger(maxLength) || maxLength > CEILING_MAX_LENGTH) {
		throw new RangeError(
			`Password maxLength must be an integer of at most ${CEILING_MAX_LENGTH}, got ${maxLength}`,
		);
	}
	if (minLength > maxLength) {
		throw new RangeError(
			`Password minLength (${minLength}) is above maxLength (${maxLength})`,
		);
	}
}

/** Tells whether a lower-cased password equals the email or its local part. */
function isEmailLike(lowered: string, email: string): boolean {
	const address = email.normalize("NFC").trim().toLowerCase();
	if (address === "") return false;
	const at = address.lastIndexOf("@");
	const local = at > 0 ? address.slice(0, at) : "";
	return lowered === address || (local !== "" && lowered === local);
}
