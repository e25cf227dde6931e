import { expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	ACCOUNT_PASSWORD,
	makeApiKey,
	signUp,
} from "../helpers/machine-access.js";
import type { TestApp } from "../helpers/test-app.js";

const su = { token: "superuser" } as const;
const PROVIDER_SECRET = "provider-secret-never-in-the-audit";

async function entries(t: TestApp, filter: string) {
	const res = await t.request(
		"GET",
		`/api/v1/audit?filter=${encodeURIComponent(filter)}&sort=created,id&perPage=500`,
		su,
	);
	expect(res.status, res.text).toBe(200);
	return res.body.items as Record<string, unknown>[];
}

describeEachDialect(
	"audit trail of configuration and credential changes",
	(t) => {
		const secrets: string[] = [PROVIDER_SECRET];

		it("records API key creation and revocation", async () => {
			const key = await makeApiKey(t(), t().superuserToken, ["jobs"]);
			secrets.push(key);
			const id = (await t().request("GET", "/api/v1/api-keys", su)).body
				.items[0].id as string;
			expect(
				(await t().request("DELETE", `/api/v1/api-keys/${id}`, su)).status,
			).toBe(204);
			const found = await entries(
				t(),
				`action ~ "api_key." && recordId = "${id}"`,
			);
			expect(found.map((e) => e.action)).toEqual([
				"api_key.created",
				"api_key.revoked",
			]);
			expect(found[0]).toMatchObject({
				actorKind: "superuser",
				details: { name: "key jobs", scopes: "jobs" },
			});
			expect(found[0]?.actorId).toBeTypeOf("string");
			expect(found[0]?.ip).toBeTypeOf("string");
		});

		it("records OAuth client create, update, re-key and delete", async () => {
			const created = await t().request("POST", "/api/v1/oauth/clients", {
				...su,
				body: { name: "reporting", scopes: ["records:read:*"] },
			});
			expect(created.status, created.text).toBe(201);
			secrets.push(created.body.secret);
			const id = created.body.id as string;
			const base = `/api/v1/oauth/clients/${id}`;
			expect(
				(await t().request("PATCH", base, { ...su, body: { active: false } }))
					.status,
			).toBe(200);
			const rotated = await t().request("POST", `${base}/secret`, su);
			expect(rotated.status).toBe(200);
			secrets.push(rotated.body.secret);
			expect((await t().request("DELETE", base, su)).status).toBe(204);
			const found = await entries(t(), `recordId = "${id}"`);
			expect(found.map((e) => e.action)).toEqual([
				"oauth_client.created",
				"oauth_client.updated",
				"oauth_client.secret_rotated",
				"oauth_client.deleted",
			]);
			expect(found[1]?.details).toEqual({ fields: "active" });
		});

		it("records webhook create, update and delete", async () => {
			const created = await t().request("POST", "/api/v1/webhooks", {
				...su,
				body: { url: "http://127.0.0.1:9/hook", events: ["*"] },
			});
			expect(created.status, created.text).toBe(201);
			if (typeof created.body.secret === "string")
				secrets.push(created.body.secret);
			const id = created.body.id as string;
			expect(
				(
					await t().request("PATCH", `/api/v1/webhooks/${id}`, {
						...su,
						body: { active: false },
					})
				).status,
			).toBe(200);
			expect(
				(await t().request("DELETE", `/api/v1/webhooks/${id}`, su)).status,
			).toBe(204);
			const found = await entries(
				t(),
				`action ~ "webhook." && recordId = "${id}"`,
			);
			expect(found.map((e) => e.action)).toEqual([
				"webhook.created",
				"webhook.updated",
				"webhook.deleted",
			]);
		});

		it("records collection create, update and delete", async () => {
			const created = await t().request("POST", "/api/v1/collections", {
				...su,
				body: { name: "audited", fields: [{ name: "title", type: "text" }] },
			});
			expect(created.status, created.text).toBe(201);
			expect(
				(
					await t().request("PATCH", "/api/v1/collections/audited", {
						...su,
						body: { rules: { list: "" } },
					})
				).status,
			).toBe(200);
			expect(
				(await t().request("DELETE", "/api/v1/collections/audited", su)).status,
			).toBe(204);
			const found = await entries(
				t(),
				'action ~ "collection." && collection = "audited"',
			);
			expect(found.map((e) => e.action)).toEqual([
				"collection.created",
				"collection.updated",
				"collection.deleted",
			]);
			expect(found[1]?.details).toEqual({ fields: "rules" });
		});

		it("records nothing for a schema change the database refused", async () => {
			const made = await t().request("POST", "/api/v1/collections", {
				...su,
				body: {
					name: "refused_change",
					fields: [{ name: "title", type: "text" }],
					rules: { create: "" },
				},
			});
			expect(made.status, made.text).toBe(201);
			for (let i = 0; i < 2; i++)
				await t().request(
					"POST",
					"/api/v1/collections/refused_change/records",
					{ body: { title: "same" } },
				);
			const refused = await t().request(
				"PATCH",
				"/api/v1/collections/refused_change",
				{
					...su,
					body: { indexes: [{ fields: ["title"], unique: true }] },
				},
			);
			expect(refused.status, refused.text).toBe(422);
			const found = await entries(t(), 'collection = "refused_change"');
			expect(found.map((e) => e.action)).toEqual(["collection.created"]);
		});

		it("records OAuth2 provider create, update and delete without the client secret", async () => {
			const url = "/api/v1/oauth2/providers";
			const created = await t().request("POST", url, {
				...su,
				body: {
					name: "audited_idp",
					issuer: "http://127.0.0.1:9/",
					clientId: "client",
					clientSecret: PROVIDER_SECRET,
					redirectUrls: ["https://app.example/done"],
				},
			});
			expect(created.status, created.text).toBe(201);
			expect(
				(
					await t().request("PATCH", `${url}/audited_idp`, {
						...su,
						body: { clientSecret: `${PROVIDER_SECRET}-2` },
					})
				).status,
			).toBe(200);
			expect(
				(await t().request("DELETE", `${url}/audited_idp`, su)).status,
			).toBe(204);
			const found = await entries(t(), 'recordId = "audited_idp"');
			expect(found.map((e) => e.action)).toEqual([
				"oauth2_provider.created",
				"oauth2_provider.updated",
				"oauth2_provider.deleted",
			]);
			expect(found[1]?.details).toEqual({ fields: "clientSecret" });
		});

		it("records a password change through a record write, in its transaction", async () => {
			const user = await signUp(t(), "audit-pw@example.com");
			const next = "another long enough password";
			secrets.push(ACCOUNT_PASSWORD, next);
			const res = await t().request(
				"PATCH",
				`/api/v1/collections/users/records/${user.id}`,
				{
					token: user.token,
					body: {
						oldPassword: ACCOUNT_PASSWORD,
						password: next,
						passwordConfirm: next,
					},
				},
			);
			expect(res.status, res.text).toBe(200);
			// A write that fails (wrong old password) changes nothing and records nothing.
			const refused = await t().request(
				"PATCH",
				`/api/v1/collections/users/records/${user.id}`,
				{
					...su,
					body: { password: "x", passwordConfirm: "x" },
				},
			);
			expect(refused.status).toBe(422);
			// A write without a password records no entry.
			await t().request(
				"PATCH",
				`/api/v1/collections/users/records/${user.id}`,
				{
					...su,
					body: { verified: true },
				},
			);
			const found = await entries(
				t(),
				`action = "auth.password_changed" && recordId = "${user.id}"`,
			);
			expect(found).toHaveLength(1);
			expect(found[0]).toMatchObject({
				collection: "users",
				actorKind: "record",
				actorId: user.id,
			});
		});

		it("never holds a secret in any entry", async () => {
			const rows = await t()
				.app.db.kysely.selectFrom("_audit_log")
				.selectAll()
				.execute();
			const text = JSON.stringify(rows);
			expect(rows.length).toBeGreaterThan(10);
			for (const secret of secrets) expect(text).not.toContain(secret);
		});
	},
	{ BASALT_SSRF_ALLOW: "127.0.0.1/32" },
);
