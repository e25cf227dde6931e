import { describe, expect, it } from "vitest";
import {
	acceptsMicrosoftIssuer,
	issuerForIdToken,
} from "../../../src/core/sign-in-providers/microsoft-issuer.js";

const BASE = "https://login.microsoftonline.com";
const TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

/** An unsigned JWT with these claims: only its payload is read here. */
function jwt(claims: Record<string, unknown>): string {
	const part = (value: unknown) =>
		Buffer.from(JSON.stringify(value)).toString("base64url");
	return `${part({ alg: "RS256" })}.${part(claims)}.sig`;
}

describe("Microsoft issuers", () => {
	const cases: [string, string, boolean][] = [
		[`${BASE}/common/v2.0`, `${BASE}/{tenantid}/v2.0`, true],
		[`${BASE}/organizations/v2.0`, `${BASE}/{tenantid}/v2.0`, true],
		[`${BASE}/consumers/v2.0`, `${BASE}/{tenantid}/v2.0`, true],
		[`${BASE}/common/v2.0`, `${BASE}/${TENANT}/v2.0`, false],
		[`${BASE}/${TENANT}/v2.0`, `${BASE}/${TENANT}/v2.0`, true],
		[`${BASE}/${TENANT}/v2.0`, `${BASE}/{tenantid}/v2.0`, false],
		[`${BASE}/contoso.onmicrosoft.com/v2.0`, `${BASE}/${TENANT}/v2.0`, true],
		[`${BASE}/contoso.onmicrosoft.com/v2.0`, `${BASE}/{tenantid}/v2.0`, false],
		[`${BASE}/common/v2.0`, `https://evil.example/{tenantid}/v2.0`, false],
		[`${BASE}/common/v2.0`, `${BASE}/{tenantid}/v1.0`, false],
		[`${BASE}/common/v2.0`, "not a url", false],
	];
	it.each(cases)(
		"configured %s accepts discovered %s: %s",
		(mine, theirs, ok) => {
			expect(acceptsMicrosoftIssuer(mine, theirs)).toBe(ok);
		},
	);

	it("fills the tenant template from the token's tid, and only with a tenant id", () => {
		const template = `${BASE}/{tenantid}/v2.0`;
		expect(issuerForIdToken(template, jwt({ tid: TENANT }))).toBe(
			`${BASE}/${TENANT}/v2.0`,
		);
		expect(issuerForIdToken(template, jwt({}))).toBeUndefined();
		expect(issuerForIdToken(template, jwt({ tid: "../evil" }))).toBeUndefined();
		expect(issuerForIdToken(template, "garbage")).toBeUndefined();
		expect(issuerForIdToken(template, undefined)).toBeUndefined();
		// Any other issuer is what the token must carry, whatever it says.
		expect(
			issuerForIdToken("https://accounts.google.com", jwt({ tid: TENANT })),
		).toBe("https://accounts.google.com");
	});
});
