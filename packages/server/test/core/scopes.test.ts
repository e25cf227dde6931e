import { describe, expect, it } from "vitest";
import {
	checkScopes,
	hasScope,
	isScope,
	scopeCovers,
} from "../../src/core/auth/index.js";
import type { Caller } from "../../src/core/model/index.js";

const keyWith = (scopes: string[]): Caller => ({
	kind: "record",
	id: "u1",
	collectionId: "c1",
	collectionName: "users",
	record: {},
	grant: { kind: "apiKey", id: "k1", scopes },
});

describe("scopes", () => {
	it("accepts exactly the documented grammar", () => {
		const valid = [
			"records:read:posts",
			"records:write:posts",
			"records:read:*",
			"records:write:*",
			"records:read:a_b9",
			"collections:read",
			"collections:write",
			"jobs",
			"webhooks",
			"admin",
		];
		const invalid = [
			"",
			"records",
			"records:read",
			"records:read:",
			"records:delete:posts",
			"records:read:Posts",
			"records:read:_superusers",
			"records:read:9posts",
			"records:read:posts ",
			"records:*:posts",
			"records:read:po*",
			"collections",
			"Admin",
			"*",
			`records:read:${"a".repeat(64)}`,
		];
		for (const scope of valid) expect(isScope(scope), scope).toBe(true);
		for (const scope of invalid) expect(isScope(scope), scope).toBe(false);
	});

	it("covers a collection by name, by wildcard of the same access, and everything by admin", () => {
		expect(scopeCovers("records:read:posts", "records:read:posts")).toBe(true);
		expect(scopeCovers("records:read:*", "records:read:posts")).toBe(true);
		expect(scopeCovers("records:write:*", "records:read:posts")).toBe(false);
		expect(scopeCovers("records:read:posts", "records:read:*")).toBe(false);
		expect(scopeCovers("records:read:posts", "records:write:posts")).toBe(
			false,
		);
		expect(scopeCovers("collections:write", "collections:read")).toBe(false);
		expect(scopeCovers("admin", "jobs")).toBe(true);
		expect(scopeCovers("admin", "records:write:posts")).toBe(true);
	});

	it("narrows only callers with a grant", () => {
		const session: Caller = { kind: "superuser", id: "s1", email: "a@b.c" };
		expect(hasScope(session, "jobs")).toBe(true);
		expect(hasScope({ kind: "guest" }, "records:read:posts")).toBe(true);
		expect(hasScope(keyWith(["records:read:*"]), "records:read:posts")).toBe(
			true,
		);
		expect(hasScope(keyWith(["records:read:*"]), "records:write:posts")).toBe(
			false,
		);
		expect(hasScope(keyWith([]), "records:read:posts")).toBe(false);
	});

	it("reports bad, duplicate and refused admin scopes by index", () => {
		expect(checkScopes(["records:read:*", "jobs"])).toEqual({});
		expect(
			checkScopes(["records:read:*", "nope", "records:read:*", "jobs"], "no"),
		).toEqual({
			"scopes.1": expect.objectContaining({ code: "INVALID_SCOPE" }),
			"scopes.2": expect.objectContaining({ code: "DUPLICATE_VALUES" }),
			"scopes.3": { code: "SCOPE_NOT_ALLOWED", message: "no" },
		});
		expect(checkScopes([]).scopes?.code).toBe("VALUE_REQUIRED");
	});
});
