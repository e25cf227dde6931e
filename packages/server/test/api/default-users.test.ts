import { expect, it } from "vitest";
import { createApp } from "../../src/index.js";
import { createLogger } from "../../src/tools/logger/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

const USERS = "/api/v1/collections/users/records";
const PASSWORD = "quiet lantern morning";

describeEachDialect("the default users collection", (t) => {
	const signUp = (email: string) =>
		t().request("POST", USERS, {
			body: { email, password: PASSWORD, passwordConfirm: PASSWORD },
		});
	const login = async (email: string) => {
		const res = await t().request(
			"POST",
			"/api/v1/collections/users/auth/password",
			{ body: { identity: email, password: PASSWORD } },
		);
		expect(res.status, res.text).toBe(200);
		return res.body as { token: string; record: { id: string } };
	};

	it("exists on a new install as an auth collection anyone may sign up to", async () => {
		const res = await t().request("GET", "/api/v1/collections/users", {
			token: "superuser",
		});
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({
			type: "auth",
			rules: {
				list: "id = @request.auth.id",
				view: "id = @request.auth.id",
				create: "",
				update: "id = @request.auth.id",
				delete: "id = @request.auth.id",
			},
		});
		expect(res.body.fields.map((f: { name: string }) => f.name)).toEqual([
			"name",
		]);
		expect((await signUp("ada@example.com")).status).toBe(201);
		expect((await signUp("grace@example.com")).status).toBe(201);
	});

	it("lets a user see and edit only their own record", async () => {
		const ada = await login("ada@example.com");
		const grace = await login("grace@example.com");
		const list = await t().request("GET", USERS, { token: ada.token });
		expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([
			ada.record.id,
		]);
		const guestList = await t().request("GET", USERS);
		expect(guestList.body.items).toEqual([]);
		const other = await t().request("GET", `${USERS}/${grace.record.id}`, {
			token: ada.token,
		});
		expect(other.status).toBe(404);
		const edit = await t().request("PATCH", `${USERS}/${grace.record.id}`, {
			token: ada.token,
			body: { name: "taken over" },
		});
		expect(edit.status).toBe(404);
		const own = await t().request("PATCH", `${USERS}/${ada.record.id}`, {
			token: ada.token,
			body: { name: "Ada" },
		});
		expect(own.status, own.text).toBe(200);
		expect(own.body.name).toBe("Ada");
		const remove = await t().request("DELETE", `${USERS}/${grace.record.id}`, {
			token: ada.token,
		});
		expect(remove.status).toBe(404);
	});

	it("is not made again on a restart once a superuser deleted it", async () => {
		const drop = await t().request("DELETE", "/api/v1/collections/users", {
			token: "superuser",
		});
		expect(drop.status).toBe(204);
		const notes = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: { name: "notes", fields: [{ name: "body", type: "text" }] },
		});
		expect(notes.status).toBe(201);
		const restarted = await createApp(t().app.config, {
			logger: createLogger({ level: "silent", format: "json" }),
		});
		try {
			expect(restarted.registry.find("notes")).toBeDefined();
			expect(restarted.registry.find("users")).toBeUndefined();
		} finally {
			await restarted.close();
		}
	});
});
