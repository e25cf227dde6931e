import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

// The recipes of docs/auth.md, "Rules by example", exactly as written there.
const PASSWORD = "quiet lantern morning";

describeEachDialect("rule recipes of the auth guide", (t) => {
	const tokens: Record<string, string> = {};
	const ids: Record<string, string> = {};
	const as = (who: string) => (tokens[who] ? { token: tokens[who] } : {});

	async function collection(body: Record<string, unknown>) {
		const res = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body,
		});
		expect(res.status, res.text).toBe(201);
	}

	async function create(name: string, body: unknown, who = "superuser") {
		const res = await t().request(
			"POST",
			`/api/v1/collections/${name}/records`,
			{ ...as(who), body },
		);
		return res;
	}

	async function titles(name: string, who: string) {
		const res = await t().request(
			"GET",
			`/api/v1/collections/${name}/records?sort=title`,
			as(who),
		);
		expect(res.status, res.text).toBe(200);
		return res.body.items.map((r: { title: string }) => r.title);
	}

	beforeAll(async () => {
		tokens.superuser = t().superuserToken;
		const users = await t().request("PATCH", "/api/v1/collections/users", {
			token: "superuser",
			body: {
				fields: [
					{ name: "name", type: "text" },
					{
						name: "role",
						type: "select",
						values: ["member", "staff"],
						readonly: true,
					},
				],
				rules: {
					list: "id = @request.auth.id",
					view: "id = @request.auth.id",
					create: '@request.body.role = ""',
					update: "id = @request.auth.id",
					delete: "id = @request.auth.id",
				},
			},
		});
		expect(users.status, users.text).toBe(200);
		for (const name of ["ann", "bob", "cat"]) {
			const res = await create("users", {
				email: `${name}@example.com`,
				password: PASSWORD,
				passwordConfirm: PASSWORD,
				role: name === "cat" ? "staff" : "member",
			});
			expect(res.status, res.text).toBe(201);
			ids[name] = res.body.id;
			const login = await t().request(
				"POST",
				"/api/v1/collections/users/auth/password",
				{ body: { identity: `${name}@example.com`, password: PASSWORD } },
			);
			tokens[name] = login.body.token;
		}
	});

	it("owner-only: a user sees and changes only their own notes", async () => {
		await collection({
			name: "diary",
			fields: [
				{ name: "title", type: "text" },
				{
					name: "owner",
					type: "relation",
					collection: "users",
					required: true,
					readonly: true,
				},
			],
			rules: {
				list: "owner = @request.auth.id",
				view: "owner = @request.auth.id",
				create: "owner = @request.auth.id",
				update: "owner = @request.auth.id",
				delete: "owner = @request.auth.id",
			},
		});
		expect(
			(await create("diary", { title: "a", owner: ids.ann }, "ann")).status,
		).toBe(201);
		expect(
			(await create("diary", { title: "b", owner: ids.bob }, "bob")).status,
		).toBe(201);
		expect(
			(await create("diary", { title: "x", owner: ids.bob }, "ann")).status,
		).toBe(403);
		expect(await titles("diary", "ann")).toEqual(["a"]);
		expect(await titles("diary", "guest")).toEqual([]);
	});

	it("public read: anyone reads, signed-in users post, authors edit", async () => {
		await collection({
			name: "posts",
			fields: [
				{ name: "title", type: "text" },
				{
					name: "author",
					type: "relation",
					collection: "users",
					readonly: true,
				},
			],
			rules: {
				list: "",
				view: "",
				create: '@request.auth.id != "" && author = @request.auth.id',
				update: "author = @request.auth.id",
				delete: "author = @request.auth.id",
			},
		});
		expect(
			(await create("posts", { title: "hello", author: ids.ann }, "ann"))
				.status,
		).toBe(201);
		expect((await create("posts", { title: "anon" }, "guest")).status).toBe(
			403,
		);
		expect(await titles("posts", "guest")).toEqual(["hello"]);
	});

	it("team membership: members of a project's team see it, through the relation", async () => {
		await collection({
			name: "teams",
			fields: [
				{ name: "title", type: "text" },
				{
					name: "members",
					type: "relation",
					collection: "users",
					maxSelect: 50,
				},
			],
			rules: {
				list: "members ?= @request.auth.id",
				view: "members ?= @request.auth.id",
			},
		});
		await collection({
			name: "projects",
			fields: [
				{ name: "title", type: "text" },
				{ name: "team", type: "relation", collection: "teams", required: true },
			],
			rules: {
				list: "team.members ?= @request.auth.id",
				view: "team.members ?= @request.auth.id",
				create: "team.members ?= @request.auth.id",
			},
		});
		const red = await create("teams", {
			title: "red",
			members: [ids.ann, ids.bob],
		});
		const blue = await create("teams", { title: "blue", members: [ids.cat] });
		await create("projects", { title: "apollo", team: red.body.id });
		await create("projects", { title: "gemini", team: blue.body.id });
		expect(await titles("projects", "ann")).toEqual(["apollo"]);
		expect(await titles("projects", "cat")).toEqual(["gemini"]);
		expect(await titles("projects", "guest")).toEqual([]);
		// Creating into another team's space is refused.
		expect(
			(await create("projects", { title: "x", team: blue.body.id }, "ann"))
				.status,
		).toBe(403);
	});

	it("staff from another collection, and fields users must not set", async () => {
		await collection({
			name: "staff",
			fields: [{ name: "user", type: "relation", collection: "users" }],
			rules: { list: null, view: null },
		});
		await create("staff", { user: ids.cat });
		await collection({
			name: "tickets",
			fields: [
				{ name: "title", type: "text" },
				{ name: "priority", type: "select", values: ["normal", "urgent"] },
			],
			rules: {
				list: "@collection.staff.user ?= @request.auth.id",
				view: "@collection.staff.user ?= @request.auth.id",
				create:
					'@request.auth.id != "" && (@request.body.priority = "" || @request.body.priority = "normal" || @request.auth.role = "staff")',
			},
		});
		expect(
			(await create("tickets", { title: "t1", priority: "normal" }, "ann"))
				.status,
		).toBe(201);
		expect(
			(await create("tickets", { title: "t2", priority: "urgent" }, "ann"))
				.status,
		).toBe(403);
		expect(
			(await create("tickets", { title: "t3", priority: "urgent" }, "cat"))
				.status,
		).toBe(201);
		expect(await titles("tickets", "ann")).toEqual([]);
		// Nobody makes themselves staff: not on sign-up, not afterwards.
		const promote = await t().request(
			"PATCH",
			`/api/v1/collections/users/records/${ids.ann}`,
			{ ...as("ann"), body: { role: "staff" } },
		);
		expect(promote.status).toBe(400);
		const signUp = await create(
			"users",
			{
				email: "eve@example.com",
				password: PASSWORD,
				passwordConfirm: PASSWORD,
				role: "staff",
			},
			"guest",
		);
		expect(signUp.status).toBe(403);
		expect(await titles("tickets", "cat")).toEqual(["t1", "t3"]);
	});
});
