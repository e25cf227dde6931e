import { describe, expect, it } from "vitest";
import {
	appRedirect,
	matchRedirect,
} from "../../../src/core/sign-in-providers/redirect-allowlist.js";

const allowed = ["https://app.example/auth/done", "http://localhost:5173/cb"];

describe("redirect allowlist", () => {
	const cases: [string, boolean][] = [
		["https://app.example/auth/done", true],
		["https://app.example/auth/done?next=%2Fhome", true],
		["http://localhost:5173/cb", true],
		["https://APP.example/auth/done", true],
		["https://app.example/auth/done/", false],
		["https://app.example/auth/done/../done2", false],
		["https://app.example/auth", false],
		["http://app.example/auth/done", false],
		["https://app.example:444/auth/done", false],
		["https://app.example.evil.com/auth/done", false],
		["https://evil.example/auth/done", false],
		["https://user@app.example/auth/done", false],
		["https://app.example/auth/done#token", false],
		["//app.example/auth/done", false],
		["javascript:alert(1)", false],
		["", false],
	];
	it.each(cases)("%s allowed: %s", (url, ok) => {
		expect(matchRedirect(allowed, url) !== undefined).toBe(ok);
	});

	it("adds the answer to the app's own query, dropping answer parameters it had", () => {
		expect(
			appRedirect("https://app.example/auth/done?tab=2", {
				code: "abc",
				state: undefined,
			}),
		).toBe("https://app.example/auth/done?tab=2&code=abc");
		expect(
			appRedirect("https://app.example/auth/done?code=planted&state=x&keep=1", {
				error: "OAUTH2_STATE_INVALID",
				state: "s&x",
			}),
		).toBe(
			"https://app.example/auth/done?keep=1&error=OAUTH2_STATE_INVALID&state=s%26x",
		);
		expect(
			appRedirect("https://app.example/auth/done?state=planted", {
				code: "abc",
				state: undefined,
			}),
		).toBe("https://app.example/auth/done?code=abc");
	});
});
