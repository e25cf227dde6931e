import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
	createPasswordPolicy,
	loadCommonPasswords,
	type PasswordContext,
	type PasswordLimits,
	type PasswordProblem,
} from "../../../src/tools/password-policy/index.js";

/** The shipped list, read once for the whole file as the App reads it once. */
const commonPasswords = loadCommonPasswords();
const policyOf = (limits: PasswordLimits = {}) =>
	createPasswordPolicy({ ...limits, commonPasswords });

interface Case {
	name: string;
	password: string;
	options?: PasswordLimits;
	context?: PasswordContext;
	expected: PasswordProblem["code"] | undefined;
}

/** Not in the list, no email: only its length can make it fail. */
const PLAIN = "Zq7#kLm9";
/** "ᾂ" decomposed: 4 code points (alpha, psili, varia, ypogegrammeni) that NFC makes 1. */
const ALPHA_DECOMPOSED = "\u03b1\u0313\u0300\u0345";

const LENGTH_CASES: Case[] = [
	{
		name: "7 ASCII characters",
		password: PLAIN.slice(0, 7),
		expected: "TOO_SHORT",
	},
	{ name: "8 ASCII characters", password: PLAIN, expected: undefined },
	{
		name: "256 ASCII characters",
		password: PLAIN.repeat(32),
		expected: undefined,
	},
	{
		name: "257 ASCII characters",
		password: `${PLAIN.repeat(32)}x`,
		expected: "TOO_LONG",
	},
	// 14 UTF-16 units but 7 code points: counting units would accept it.
	{ name: "7 emoji", password: "🔒".repeat(7), expected: "TOO_SHORT" },
	{ name: "8 emoji", password: "🔒".repeat(8), expected: undefined },
	// 512 UTF-16 units but 256 code points: counting units would refuse it.
	{ name: "256 emoji", password: "🔒".repeat(256), expected: undefined },
	{ name: "257 emoji", password: "🔒".repeat(257), expected: "TOO_LONG" },
	// e + U+0301 is 2 code points that NFC composes into "é": counted once.
	{
		name: "7 decomposed é (14 code points)",
		password: "e\u0301".repeat(7),
		expected: "TOO_SHORT",
	},
	{
		name: "8 decomposed é",
		password: "e\u0301".repeat(8),
		expected: undefined,
	},
	{
		name: "256 decomposed é (512 code points)",
		password: "e\u0301".repeat(256),
		expected: undefined,
	},
	{
		name: "257 decomposed é",
		password: "e\u0301".repeat(257),
		expected: "TOO_LONG",
	},
	// q + U+0301 has no precomposed form: the mark stays a code point of its own.
	{
		name: "4 q + combining acute (8 code points)",
		password: "q\u0301".repeat(4),
		expected: undefined,
	},
	{
		name: "3 q + combining acute + q",
		password: `${"q\u0301".repeat(3)}q`,
		expected: "TOO_SHORT",
	},
	// 1,024 UTF-16 units that NFC makes 256 code points: the pre-normalization guard lets it through.
	{
		name: "256 ᾂ decomposed (1,024 units)",
		password: ALPHA_DECOMPOSED.repeat(256),
		expected: undefined,
	},
	{
		name: "1 MB of input",
		password: "x".repeat(1_000_000),
		expected: "TOO_LONG",
	},
	{ name: "empty", password: "", expected: "TOO_SHORT" },
];

// Every entry below was checked to be in assets/common-passwords.txt.
const COMMON_CASES: Case[] = [
	"password",
	"12345678",
	"qwertyuiop",
	"iloveyou",
	"sunshine",
	"trustno1",
	"baseball",
	"1qaz2wsx",
	"password1",
	"qwertyqwerty",
	"usuckballz1", // upstream "Usuckballz1", lower-cased in the data
].map((password) => ({ name: password, password, expected: "TOO_COMMON" }));

const CASE_CASES: Case[] = [
	"PASSWORD",
	"PassWord",
	"QwErTyUiOp",
	"ILoveYou",
	"Usuckballz1",
].map((password) => ({
	name: `${password} (case)`,
	password,
	expected: "TOO_COMMON",
}));

const OTHER_CASES: Case[] = [
	// Length is judged first: a listed password under the minimum is TOO_SHORT.
	{
		name: "qwerty, listed but 6 long",
		password: "qwerty",
		expected: "TOO_SHORT",
	},
	{
		name: "a strong passphrase",
		password: "violet-harbor-47-kettle",
		expected: undefined,
	},
	{
		name: "a strong random token",
		password: "vT9#qL2!mX7@wR4$eK8",
		expected: undefined,
	},
	{
		name: "a listed password with a suffix",
		password: "password!2024",
		expected: undefined,
	},
];

const EMAIL = { email: "Jane.Doe@Example.com" };
const EMAIL_CASES: Case[] = [
	{
		name: "the email",
		password: "jane.doe@example.com",
		context: EMAIL,
		expected: "CONTAINS_EMAIL",
	},
	{
		name: "the email, other case",
		password: "JANE.DOE@EXAMPLE.COM",
		context: EMAIL,
		expected: "CONTAINS_EMAIL",
	},
	{
		name: "the local part",
		password: "Jane.Doe",
		context: EMAIL,
		expected: "CONTAINS_EMAIL",
	},
	{
		name: "the local part, other case",
		password: "jane.doe",
		context: EMAIL,
		expected: "CONTAINS_EMAIL",
	},
	{
		name: "the email, spaces around it",
		password: "jane.doe@example.com",
		context: { email: " jane.doe@example.com " },
		expected: "CONTAINS_EMAIL",
	},
	{
		name: "the email without context",
		password: "jane.doe@example.com",
		expected: undefined,
	},
	{
		name: "another address",
		password: "john.roe@example.com",
		context: EMAIL,
		expected: undefined,
	},
	{
		name: "the local part plus more",
		password: "jane.doe.2024",
		context: EMAIL,
		expected: undefined,
	},
	{
		name: "an empty email",
		password: PLAIN,
		context: { email: "" },
		expected: undefined,
	},
	{
		name: "an email with an empty local part",
		password: "@example.com",
		context: { email: "@example.com" },
		expected: "CONTAINS_EMAIL",
	},
];

const MIN_12 = { minLength: 12 };
const MIN_12_CASES: Case[] = [
	{
		name: "11 characters",
		password: "Zq7#kLm9Vb2",
		options: MIN_12,
		expected: "TOO_SHORT",
	},
	{
		name: "12 characters",
		password: "Zq7#kLm9Vb2!",
		options: MIN_12,
		expected: undefined,
	},
	{
		name: "a listed 10-character password",
		password: "qwertyuiop",
		options: MIN_12,
		expected: "TOO_SHORT",
	},
	{
		name: "a listed 12-character password",
		password: "qwertyqwerty",
		options: MIN_12,
		expected: "TOO_COMMON",
	},
];

describe("createPasswordPolicy check", () => {
	const tables = {
		length: LENGTH_CASES,
		common: COMMON_CASES,
		"common, any case": CASE_CASES,
		other: OTHER_CASES,
		email: EMAIL_CASES,
		"minLength 12": MIN_12_CASES,
	};
	for (const [table, cases] of Object.entries(tables)) {
		describe(table, () => {
			it.each(cases)(
				"$name → $expected",
				({ password, options, context, expected }) => {
					const problem = policyOf(options).check(password, context);
					expect(problem?.code).toBe(expected);
					if (problem) expect(problem.message).not.toBe("");
				},
			);
		});
	}

	it("accepts random passwords", () => {
		const policy = policyOf();
		for (let i = 0; i < 100; i++) {
			expect(
				policy.check(randomBytes(12).toString("base64url")),
			).toBeUndefined();
		}
	});

	it("names the configured limits in its messages", () => {
		const policy = policyOf({ minLength: 12, maxLength: 20 });
		expect(policy.check("short")?.message).toContain("12");
		expect(policy.check("x".repeat(21))?.message).toContain("20");
		expect([policy.minLength, policy.maxLength]).toEqual([12, 20]);
	});

	it("defaults to 8 to 256", () => {
		const policy = policyOf();
		expect([policy.minLength, policy.maxLength]).toEqual([8, 256]);
	});
});

describe("createPasswordPolicy limits", () => {
	const refused: PasswordLimits[] = [
		{ minLength: 7 },
		{ minLength: 0 },
		{ minLength: -8 },
		{ minLength: 8.5 },
		{ minLength: Number.NaN },
		{ maxLength: 257 },
		{ maxLength: Number.POSITIVE_INFINITY },
		{ minLength: 20, maxLength: 12 },
		{ maxLength: 7 },
	];
	it.each(refused)("throws for %o", (options) => {
		expect(() => policyOf(options)).toThrow(RangeError);
	});

	const accepted: PasswordLimits[] = [
		{},
		{ minLength: 8 },
		{ minLength: 12 },
		{ minLength: 256 },
		{ minLength: 64, maxLength: 64 },
		{ maxLength: 8 },
	];
	it.each(accepted)("accepts %o", (options) => {
		expect(() => policyOf(options)).not.toThrow();
	});
});

describe("createPasswordPolicy commonPasswords", () => {
	it("refuses what the given list holds, and only that", () => {
		const policy = createPasswordPolicy({
			commonPasswords: new Set(["zq7#klm9"]),
		});
		expect(policy.check("Zq7#kLm9")?.code).toBe("TOO_COMMON");
		expect(policy.check("password1")).toBeUndefined();
	});
});
