import { expect } from "vitest";
import type { TestApp } from "./test-app.js";

/** The password test accounts sign up with. */
export const ACCOUNT_PASSWORD = "a long enough password";

/** A signed-up, signed-in account of the default `users` collection. */
export interface TestAccount {
	id: string;
	email: string;
	token: string;
}

/** Signs up a `users` account and signs it in; fails the test otherwise. */
export async function signUp(
	app: TestApp,
	email: string,
): Promise<TestAccount> {
	const created = await app.request(
		"POST",
		"/api/v1/collections/users/records",
		{
			body: {
				email,
				password: ACCOUNT_PASSWORD,
				passwordConfirm: ACCOUNT_PASSWORD,
			},
		},
	);
	expect(created.status, created.text).toBe(201);
	const login = await app.request(
		"POST",
		"/api/v1/collections/users/auth/password",
		{ body: { identity: email, password: ACCOUNT_PASSWORD } },
	);
	expect(login.status, login.text).toBe(200);
	return { id: created.body.id, email, token: login.body.token };
}

/** Makes an API key as `token`; fails the test unless the answer is 201. Returns the key. */
export async function makeApiKey(
	app: TestApp,
	token: string,
	scopes: string[],
	extra: Record<string, unknown> = {},
): Promise<string> {
	const res = await app.request("POST", "/api/v1/api-keys", {
		token,
		body: { name: `key ${scopes.join(" ")}`, scopes, ...extra },
	});
	expect(res.status, res.text).toBe(201);
	return res.body.key as string;
}
