import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

const PASSWORD = "quiet lantern morning";

// View queries under rules are compiled once per caller and schema: these are the
// changes after which a cached query would be wrong, each made between two views.
describeEachDialect("compiled view queries", (t) => {
	let token: string;
	let userId: string;
	let recordId: string;
	const view = (auth?: string) =>
		t().request(
			"GET",
			`/api/v1/collections/vault/records/${recordId}`,
			auth ? { token: auth } : {},
		);
	const setRule = async (rule: string) => {
		const res = await t().request("PATCH", "/api/v1/collections/vault", {
			token: "superuser",
			body: { rules: { view: rule } },
		});
		expect(res.status, res.text).toBe(200);
	};

	beforeAll(async () => {
		const users = await t().request("PATCH", "/api/v1/collections/users", {
			token: "superuser",
			body: { fields: [{ name: "role", type: "text", readonly: true }] },
		});
		expect(users.status, users.text).toBe(200);
		const made = await t().request(
			"POST",
			"/api/v1/collections/users/records",
			{
				token: "superuser",
				body: {
					email: "ann@example.com",
					password: PASSWORD,
					passwordConfirm: PASSWORD,
					role: "staff",
				},
			},
		);
		userId = made.body.id;
		token = (
			await t().request("POST", "/api/v1/collections/users/auth/password", {
				body: { identity: "ann@example.com", password: PASSWORD },
			})
		).body.token;
		const vault = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "vault",
				fields: [
					{ name: "title", type: "text" },
					{ name: "owner", type: "relation", collection: "users" },
				],
				rules: { view: '@request.auth.role = "staff"' },
			},
		});
		expect(vault.status, vault.text).toBe(201);
		recordId = (
			await t().request("POST", "/api/v1/collections/vault/records", {
				token: "superuser",
				body: { title: "gold" },
			})
		).body.id;
	});

	it("follows a change of the caller's own fields", async () => {
		expect((await view(token)).status).toBe(200);
		const demote = await t().request(
			"PATCH",
			`/api/v1/collections/users/records/${userId}`,
			{ token: "superuser", body: { role: "member" } },
		);
		expect(demote.status).toBe(200);
		expect((await view(token)).status).toBe(404);
	});

	it("follows a change of the rule", async () => {
		await setRule('@request.auth.role = "member"');
		expect((await view(token)).status).toBe(200);
		expect((await view()).status).toBe(404);
		await setRule("owner = @request.auth.id");
		expect((await view(token)).status).toBe(404);
		await setRule("");
		expect((await view()).status).toBe(200);
	});

	it("follows a change of another collection a rule reads", async () => {
		const staff = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "staff",
				fields: [{ name: "user", type: "relation", collection: "users" }],
			},
		});
		expect(staff.status).toBe(201);
		await t().request("POST", "/api/v1/collections/staff/records", {
			token: "superuser",
			body: { user: userId },
		});
		await setRule("@collection.staff.user ?= @request.auth.id");
		expect((await view(token)).status).toBe(200);
		// The EXISTS runs with the query: a change of the other collection's rows counts
		// at once, though the statement was compiled before it.
		const rows = await t().request("GET", "/api/v1/collections/staff/records", {
			token: "superuser",
		});
		await t().request(
			"DELETE",
			`/api/v1/collections/staff/records/${rows.body.items[0].id}`,
			{ token: "superuser" },
		);
		expect((await view(token)).status).toBe(404);
		// A schema change that would break the rule is refused, so no compiled
		// statement can outlive what it names.
		const renamed = await t().request("PATCH", "/api/v1/collections/staff", {
			token: "superuser",
			body: { name: "crew" },
		});
		expect(renamed.status).toBe(422);
		expect(renamed.body.errors["vault.rules.view"].code).toBe("INVALID_RULE");
	});
});
