import { expect } from "vitest";
import type { TestApp, TestResponse } from "./test-app.js";

/** Where a test's sign-in starts and wants to return. */
export interface SignInOptions {
	collection: string;
	provider: string;
	/** The app URL to come back to. */
	redirect: string;
	appState?: string;
}

/** One sign-in driven the way a browser would. */
export interface SignInResult {
	/** Basalt's answer to the start URL (302 to the provider). */
	start: TestResponse;
	/** Where the provider sent the browser: Basalt's callback, with code and state. */
	callback: URL;
	/** Basalt's answer to the callback (303 to the app, or a problem). */
	answer: TestResponse;
	/** The app URL Basalt sent the browser back to, when it did. */
	back: URL | undefined;
}

/** The start URL of a sign-in. */
export function startUrl(options: SignInOptions): string {
	const query = new URLSearchParams({ redirect: options.redirect });
	if (options.appState !== undefined) query.set("appState", options.appState);
	return `/api/v1/collections/${options.collection}/auth/oauth2/${options.provider}?${query}`;
}

/**
 * Follows Basalt's redirect to the provider over real HTTP; the provider approves
 * at once and redirects to the callback, which is returned (not followed).
 */
export async function authorizeAtProvider(location: string): Promise<URL> {
	const res = await fetch(location, { redirect: "manual" });
	expect(res.status, await res.clone().text()).toBe(302);
	return new URL(res.headers.get("location") as string);
}

/** Delivers the provider's callback to Basalt, as a GET or (form_post) a POST. */
export function deliverCallback(
	t: TestApp,
	callback: URL,
	via: "GET" | "POST" = "GET",
): Promise<TestResponse> {
	if (via === "GET")
		return t.request("GET", `${callback.pathname}${callback.search}`);
	return t.request("POST", callback.pathname, {
		body: callback.searchParams.toString(),
		headers: { "content-type": "application/x-www-form-urlencoded" },
	});
}

/** Reads where a 303 sent the browser. */
export function backUrl(answer: TestResponse): URL | undefined {
	return answer.status === 303
		? new URL(answer.headers.location as string)
		: undefined;
}

/** Runs a whole sign-in: start, the provider's approval, the callback. */
export async function signIn(
	t: TestApp,
	options: SignInOptions,
	via: "GET" | "POST" = "GET",
): Promise<SignInResult> {
	const start = await t.request("GET", startUrl(options));
	expect(start.status, start.text).toBe(302);
	const callback = await authorizeAtProvider(start.headers.location as string);
	const answer = await deliverCallback(t, callback, via);
	return { start, callback, answer, back: backUrl(answer) };
}

/** Trades an exchange code for a session. */
export function exchangeCode(t: TestApp, code: string): Promise<TestResponse> {
	return t.request("POST", "/api/v1/auth/oauth2/exchange", { body: { code } });
}

/** Runs a sign-in that must succeed and trades its code; returns the session. */
export async function signInForSession(
	t: TestApp,
	options: SignInOptions,
	// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
): Promise<any> {
	const { back, answer } = await signIn(t, options);
	expect(answer.status, answer.text).toBe(303);
	const code = back?.searchParams.get("code");
	expect(back?.searchParams.get("error"), back?.href).toBeNull();
	expect(code, back?.href).toBeTruthy();
	const session = await exchangeCode(t, code as string);
	expect(session.status, session.text).toBe(200);
	return session.body;
}
