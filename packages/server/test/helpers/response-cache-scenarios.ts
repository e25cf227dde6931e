import { expect, it } from "vitest";
import type { TestApp, TestResponse } from "./test-app.js";

const PASSWORD = "quiet lantern morning";

/** Signs up and signs in an account of `users`; its id and token. */
export async function signedInUser(
	t: TestApp,
	email: string,
	extra: Record<string, unknown> = {},
): Promise<{ id: string; token: string }> {
	const made = await t.request("POST", "/api/v1/collections/users/records", {
		token: "superuser",
		body: { email, password: PASSWORD, passwordConfirm: PASSWORD, ...extra },
	});
	expect(made.status, made.text).toBe(201);
	const login = await t.request(
		"POST",
		"/api/v1/collections/users/auth/password",
		{ body: { identity: email, password: PASSWORD } },
	);
	expect(login.status, login.text).toBe(200);
	return { id: made.body.id, token: login.body.token };
}

/** Creates a collection as the superuser; fails the test if refused. */
export async function createCollection(
	t: TestApp,
	body: Record<string, unknown>,
): Promise<void> {
	const res = await t.request("POST", "/api/v1/collections", {
		token: "superuser",
		body,
	});
	expect(res.status, res.text).toBe(201);
}

/** The titles of a list answer, sorted. */
export function titles(res: TestResponse): string[] {
	expect(res.status, res.text).toBe(200);
	return (res.body.items as { title: string }[]).map((r) => r.title).sort();
}

/**
 * The response cache's behaviour through the API (docs/caching.md), the same on
 * every store: declared inside a describe whose App caches with that store.
 */
export function responseCacheScenarios(app: () => TestApp): void {
	const get = (url: string, token?: string, headers?: Record<string, string>) =>
		app().request("GET", url, {
			...(token ? { token } : {}),
			...(headers ? { headers } : {}),
		});
	const write = async (
		method: string,
		url: string,
		body?: unknown,
		token = "superuser",
	) => {
		const res = await app().request(method, url, { token, body });
		expect(res.status, res.text).toBeLessThan(300);
		return res;
	};

	it("answers MISS then HIT with the same body and tag, and 304 to a matching If-None-Match", async () => {
		await createCollection(app(), {
			name: "notes",
			fields: [{ name: "title", type: "text" }],
			rules: { list: "", view: "" },
			cache: { mode: "on", ttlSeconds: 60 },
		});
		const made = await write("POST", "/api/v1/collections/notes/records", {
			title: "a",
		});
		const first = await get("/api/v1/collections/notes/records");
		expect(first.headers["x-cache"]).toBe("MISS");
		const second = await get("/api/v1/collections/notes/records");
		expect(second.headers["x-cache"]).toBe("HIT");
		expect(second.text).toBe(first.text);
		expect(second.headers.etag).toBe(first.headers.etag);
		expect(second.headers["cache-control"]).toBe("private, no-cache");
		const notModified = await get(
			"/api/v1/collections/notes/records",
			undefined,
			{
				"if-none-match": String(first.headers.etag),
			},
		);
		expect(notModified.status).toBe(304);
		expect(notModified.headers["x-cache"]).toBe("HIT");
		const url = `/api/v1/collections/notes/records/${made.body.id}`;
		expect((await get(url)).headers["x-cache"]).toBe("MISS");
		const viewed = await get(url);
		expect(viewed.headers["x-cache"]).toBe("HIT");
		expect(viewed.body.title).toBe("a");
	});

	it("shows every write at the next read: create, update, replace, delete, batch", async () => {
		const list = () => get("/api/v1/collections/notes/records?sort=title");
		await list();
		const made = await write("POST", "/api/v1/collections/notes/records", {
			title: "b",
		});
		expect(titles(await list())).toEqual(["a", "b"]);
		expect(titles(await list())).toEqual(["a", "b"]);
		const url = `/api/v1/collections/notes/records/${made.body.id}`;
		await get(url);
		await write("PATCH", url, { title: "b2" });
		expect((await get(url)).body.title).toBe("b2");
		expect(titles(await list())).toEqual(["a", "b2"]);
		await write("PUT", url, { title: "b3" });
		expect((await get(url)).body.title).toBe("b3");
		await write("POST", "/api/v1/batch", {
			requests: [
				{
					method: "POST",
					url: "/api/v1/collections/notes/records",
					body: { title: "c" },
				},
				{ method: "PATCH", url, body: { title: "b4" } },
			],
		});
		expect(titles(await list())).toEqual(["a", "b4", "c"]);
		await write("DELETE", url);
		expect((await get(url)).status).toBe(404);
		expect(titles(await list())).toEqual(["a", "c"]);
	});

	it("goes around the cache when the client says no-cache or no-store, or the collection is off", async () => {
		const url = "/api/v1/collections/notes/records";
		await get(url);
		const asks: Record<string, string>[] = [
			{ "cache-control": "no-cache" },
			{ "cache-control": "max-age=0" },
			{ "cache-control": "no-store" },
			{ pragma: "no-cache" },
		];
		for (const headers of asks) {
			const res = await get(url, undefined, headers);
			expect(res.status).toBe(200);
			expect(res.headers["x-cache"], JSON.stringify(headers)).toBe("BYPASS");
		}
		await createCollection(app(), {
			name: "uncached",
			fields: [{ name: "title", type: "text" }],
			rules: { list: "" },
		});
		for (let i = 0; i < 3; i++)
			expect(
				(await get("/api/v1/collections/uncached/records")).headers["x-cache"],
			).toBe("BYPASS");
	});

	it("never shares answers of an owner rule between callers", async () => {
		await createCollection(app(), {
			name: "diary",
			fields: [
				{ name: "title", type: "text" },
				{ name: "owner", type: "relation", collection: "users" },
			],
			rules: {
				list: "owner = @request.auth.id",
				view: "owner = @request.auth.id",
			},
			cache: { mode: "on", ttlSeconds: 60 },
		});
		const ann = await signedInUser(app(), "ann@example.com");
		const bob = await signedInUser(app(), "bob@example.com");
		await write("POST", "/api/v1/collections/diary/records", {
			title: "ann's",
			owner: ann.id,
		});
		await write("POST", "/api/v1/collections/diary/records", {
			title: "bob's",
			owner: bob.id,
		});
		const url = "/api/v1/collections/diary/records";
		for (let round = 0; round < 2; round++) {
			expect(titles(await get(url, ann.token))).toEqual(["ann's"]);
			expect(titles(await get(url, bob.token))).toEqual(["bob's"]);
			expect(titles(await get(url))).toEqual([]);
			expect(titles(await get(url, "superuser"))).toEqual(["ann's", "bob's"]);
		}
		expect((await get(url, ann.token)).headers["x-cache"]).toBe("HIT");
	});

	it("never serves a superuser's answer to anyone else (hidden fields)", async () => {
		await createCollection(app(), {
			name: "items",
			fields: [
				{ name: "title", type: "text" },
				{ name: "secret", type: "text", hidden: true },
			],
			rules: { list: "", view: "" },
			cache: { mode: "on", ttlSeconds: 60 },
		});
		await write("POST", "/api/v1/collections/items/records", {
			title: "x",
			secret: "s3cret",
		});
		const url = "/api/v1/collections/items/records";
		const su = await get(url, "superuser");
		expect(su.body.items[0].secret).toBe("s3cret");
		expect((await get(url, "superuser")).headers["x-cache"]).toBe("HIT");
		const guest = await get(url);
		expect(guest.headers["x-cache"]).toBe("MISS");
		expect(guest.body.items[0]).not.toHaveProperty("secret");
		expect(guest.text).not.toContain("s3cret");
		// A public rule: guests and signed-in users share one answer.
		const carl = await signedInUser(app(), "carl@example.com");
		const signedIn = await get(url, carl.token);
		expect(signedIn.headers["x-cache"]).toBe("HIT");
		expect(signedIn.text).not.toContain("s3cret");
	});

	it("follows the caller's own fields when a rule reads them", async () => {
		await createCollection(app(), {
			name: "memos",
			fields: [{ name: "title", type: "text" }],
			rules: { list: '@request.auth.role = "staff"' },
			cache: { mode: "on", ttlSeconds: 60 },
		});
		const users = await app().request("PATCH", "/api/v1/collections/users", {
			token: "superuser",
			body: { fields: [{ name: "role", type: "text" }] },
		});
		expect(users.status, users.text).toBe(200);
		const dora = await signedInUser(app(), "dora@example.com", {
			role: "staff",
		});
		await write("POST", "/api/v1/collections/memos/records", { title: "m" });
		const url = "/api/v1/collections/memos/records";
		expect(titles(await get(url, dora.token))).toEqual(["m"]);
		expect((await get(url, dora.token)).headers["x-cache"]).toBe("HIT");
		await write("PATCH", `/api/v1/collections/users/records/${dora.id}`, {
			role: "guest",
		});
		expect(titles(await get(url, dora.token))).toEqual([]);
	});

	it("follows writes to expanded collections, cascades, and schema and rule changes", async () => {
		await createCollection(app(), {
			name: "authors",
			fields: [{ name: "name", type: "text" }],
			rules: { list: "", view: "" },
		});
		await createCollection(app(), {
			name: "books",
			fields: [
				{ name: "title", type: "text" },
				{
					name: "author",
					type: "relation",
					collection: "authors",
					cascadeDelete: true,
				},
			],
			rules: { list: "", view: "" },
			cache: { mode: "on", ttlSeconds: 60 },
		});
		const author = await write("POST", "/api/v1/collections/authors/records", {
			name: "Ursula",
		});
		await write("POST", "/api/v1/collections/books/records", {
			title: "Earthsea",
			author: author.body.id,
		});
		const url = "/api/v1/collections/books/records?expand=author";
		expect((await get(url)).body.items[0].expand.author.name).toBe("Ursula");
		expect((await get(url)).headers["x-cache"]).toBe("HIT");
		await write(
			"PATCH",
			`/api/v1/collections/authors/records/${author.body.id}`,
			{
				name: "Ursula K.",
			},
		);
		expect((await get(url)).body.items[0].expand.author.name).toBe("Ursula K.");
		// A rule change: the collection closes to guests at once.
		await write("PATCH", "/api/v1/collections/books", {
			rules: { list: '@request.auth.id != ""' },
		});
		expect(titles(await get(url))).toEqual([]);
		await write("PATCH", "/api/v1/collections/books", { rules: { list: "" } });
		expect(titles(await get(url))).toEqual(["Earthsea"]);
		// A schema change: a new field shows at once.
		const books = await get("/api/v1/collections/books", "superuser");
		await write("PATCH", "/api/v1/collections/books", {
			fields: [...books.body.fields, { name: "year", type: "number" }],
		});
		expect((await get(url)).body.items[0]).toHaveProperty("year");
		// Deleting the author cascades to its books.
		await write(
			"DELETE",
			`/api/v1/collections/authors/records/${author.body.id}`,
		);
		expect(titles(await get(url))).toEqual([]);
	});

	it("never caches a rule that reads the clock", async () => {
		await createCollection(app(), {
			name: "posts",
			fields: [
				{ name: "title", type: "text" },
				{ name: "publish", type: "date" },
			],
			rules: { list: "publish <= @now" },
			cache: { mode: "on", ttlSeconds: 60 },
		});
		const url = "/api/v1/collections/posts/records";
		await get(url);
		expect((await get(url)).headers["x-cache"]).toBe("BYPASS");
		const filtered = `${url.replace("posts", "notes")}?filter=${encodeURIComponent("created <= @now")}`;
		await get(filtered);
		expect((await get(filtered)).headers["x-cache"]).toBe("BYPASS");
	});

	it("lets an entry expire after ttlSeconds", async () => {
		await createCollection(app(), {
			name: "brief",
			fields: [{ name: "title", type: "text" }],
			rules: { list: "" },
			cache: { mode: "on", ttlSeconds: 1 },
		});
		const url = "/api/v1/collections/brief/records";
		await get(url);
		expect((await get(url)).headers["x-cache"]).toBe("HIT");
		await new Promise((resolve) => setTimeout(resolve, 2_100));
		expect((await get(url)).headers["x-cache"]).toBe("MISS");
	});

	it("keeps errors out of the cache and checks scopes and rules before a hit", async () => {
		const url = "/api/v1/collections/notes/records";
		expect((await get(`${url}?filter=nope%3D1`)).status).toBe(400);
		expect((await get(`${url}?filter=nope%3D1`)).status).toBe(400);
		await write("PATCH", "/api/v1/collections/notes", {
			rules: { list: null },
		});
		expect((await get(url)).status).toBe(401);
		const erin = await signedInUser(app(), "erin@example.com");
		expect((await get(url, erin.token)).status).toBe(403);
		await write("PATCH", "/api/v1/collections/notes", { rules: { list: "" } });
	});
}
