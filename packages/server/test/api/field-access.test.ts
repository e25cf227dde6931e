import { beforeAll, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

const PASSWORD = "quiet lantern morning";
const NOTES = "/api/v1/collections/notes/records";

interface Session {
	token: string;
	id: string;
}

describeEachDialect("hidden and readonly fields, mass assignment", (t) => {
	let ann: Session;
	let bob: Session;

	async function account(email: string): Promise<Session> {
		const created = await t().request(
			"POST",
			"/api/v1/collections/users/records",
			{ body: { email, password: PASSWORD, passwordConfirm: PASSWORD } },
		);
		expect(created.status, created.text).toBe(201);
		const login = await t().request(
			"POST",
			"/api/v1/collections/users/auth/password",
			{ body: { identity: email, password: PASSWORD } },
		);
		return { token: login.body.token, id: login.body.record.id };
	}

	beforeAll(async () => {
		// `tier` is hidden on users: rules read it, clients never see it.
		const users = await t().request("PATCH", "/api/v1/collections/users", {
			token: "superuser",
			body: {
				fields: [
					{ name: "name", type: "text", max: 255 },
					{ name: "tier", type: "text", hidden: true },
				],
			},
		});
		expect(users.status, users.text).toBe(200);
		const notes = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "notes",
				fields: [
					{ name: "title", type: "text" },
					{ name: "secret", type: "text", hidden: true },
					{
						name: "owner",
						type: "relation",
						collection: "users",
						readonly: true,
					},
					{ name: "code", type: "text", readonly: true },
					{ name: "level", type: "select", values: ["member", "admin"] },
				],
				rules: {
					list: "owner = @request.auth.id",
					view: "owner = @request.auth.id",
					create: 'owner = @request.auth.id && @request.body.level != "admin"',
					update: "owner = @request.auth.id",
					delete: "owner = @request.auth.id",
				},
			},
		});
		expect(notes.status, notes.text).toBe(201);
		const field = notes.body.fields.find(
			(f: { name: string }) => f.name === "secret",
		);
		expect(field).toMatchObject({ hidden: true, readonly: false });
		ann = await account("ann@example.com");
		bob = await account("bob@example.com");
		const gold = await t().request(
			"PATCH",
			`/api/v1/collections/users/records/${ann.id}`,
			{
				token: "superuser",
				body: { tier: "gold" },
			},
		);
		expect(gold.status, gold.text).toBe(200);
		expect(gold.body.tier).toBe("gold");
	});

	const note = (token: string, body: Record<string, unknown>) =>
		t().request("POST", NOTES, { token, body });

	it("never returns a hidden field to its owner, on any way out", async () => {
		const created = await note(ann.token, {
			title: "first",
			secret: "s1",
			owner: ann.id,
			code: "c1",
			level: "member",
		});
		expect(created.status, created.text).toBe(201);
		expect(created.body).not.toHaveProperty("secret");
		expect(created.body).toMatchObject({ owner: ann.id, code: "c1" });
		const id = created.body.id;
		const view = await t().request("GET", `${NOTES}/${id}`, {
			token: ann.token,
		});
		expect(view.status).toBe(200);
		expect(view.body).not.toHaveProperty("secret");
		const list = await t().request("GET", NOTES, { token: ann.token });
		expect(list.body.items).toHaveLength(1);
		expect(list.body.items[0]).not.toHaveProperty("secret");
		const patched = await t().request("PATCH", `${NOTES}/${id}`, {
			token: ann.token,
			body: { title: "first!" },
		});
		expect(patched.body).not.toHaveProperty("secret");
		const batch = await t().request("POST", "/api/v1/batch", {
			token: ann.token,
			body: {
				requests: [
					{ method: "PATCH", url: `${NOTES}/${id}`, body: { title: "again" } },
				],
			},
		});
		expect(batch.status, batch.text).toBe(200);
		expect(JSON.stringify(batch.body)).not.toContain("s1");
		// Hidden users.tier stays out of an expand of the owner, too.
		const expanded = await t().request("GET", `${NOTES}/${id}?expand=owner`, {
			token: ann.token,
		});
		expect(expanded.body.expand.owner.id).toBe(ann.id);
		expect(expanded.body.expand.owner).not.toHaveProperty("tier");
		const me = await t().request(
			"GET",
			`/api/v1/collections/users/records/${ann.id}`,
			{ token: ann.token },
		);
		expect(me.body).not.toHaveProperty("tier");

		const root = await t().request("GET", `${NOTES}/${id}?expand=owner`, {
			token: "superuser",
		});
		expect(root.body.secret).toBe("s1");
		expect(root.body.expand.owner.tier).toBe("gold");
	});

	it("refuses hidden fields in a client's filter, sort, fields and expand", async () => {
		const refusals: [string, string][] = [
			['filter=secret%3D"s1"', "INVALID_FILTER"],
			["filter=secret%20!%3D%20%22%22", "INVALID_FILTER"],
			['filter=owner.tier%3D"gold"', "INVALID_FILTER"],
			["sort=secret", "INVALID_SORT"],
			["fields=id,secret", "INVALID_QUERY"],
		];
		for (const [query, code] of refusals) {
			const res = await t().request("GET", `${NOTES}?${query}`, {
				token: ann.token,
			});
			expect(res.status, query).toBe(400);
			expect(res.body.code, query).toBe(code);
			// The answer is the one for a field that does not exist.
			expect(res.body.detail).not.toContain("hidden");
		}
		const root = await t().request(
			"GET",
			`${NOTES}?filter=secret%3D"s1"&sort=secret&fields=id,secret`,
			{
				token: "superuser",
			},
		);
		expect(root.status).toBe(200);
		expect(root.body.items).toEqual([{ id: expect.any(String), secret: "s1" }]);
	});

	it("lets rules read hidden fields of the record and of the caller", async () => {
		const res = await t().request("PATCH", "/api/v1/collections/notes", {
			token: "superuser",
			body: {
				rules: {
					list: 'owner = @request.auth.id || (secret = "shared" && @request.auth.tier = "gold")',
				},
			},
		});
		expect(res.status, res.text).toBe(200);
		const shared = await note(bob.token, {
			title: "shared",
			secret: "shared",
			owner: bob.id,
		});
		expect(shared.status).toBe(201);
		const annSees = await t().request("GET", NOTES, { token: ann.token });
		expect(annSees.body.items.map((n: { title: string }) => n.title)).toContain(
			"shared",
		);
		const bobSees = await t().request("GET", NOTES, { token: bob.token });
		expect(bobSees.body.items.map((n: { title: string }) => n.title)).toEqual([
			"shared",
		]);
	});

	it("sets readonly fields on create only, unless a superuser changes them", async () => {
		const created = await note(ann.token, {
			title: "ro",
			owner: ann.id,
			code: "keep",
		});
		const url = `${NOTES}/${created.body.id}`;
		for (const body of [{ owner: bob.id }, { code: "changed" }]) {
			const res = await t().request("PATCH", url, { token: ann.token, body });
			expect(res.status).toBe(400);
			expect(res.body.code).toBe("UNKNOWN_FIELD");
			expect(Object.values(res.body.errors)[0]).toMatchObject({
				code: "READ_ONLY_FIELD",
			});
		}
		const replaced = await t().request("PUT", url, {
			token: ann.token,
			body: { title: "replaced" },
		});
		expect(replaced.status, replaced.text).toBe(200);
		expect(replaced.body).toMatchObject({
			title: "replaced",
			owner: ann.id,
			code: "keep",
		});
		const root = await t().request("PATCH", url, {
			token: "superuser",
			body: { code: "by root" },
		});
		expect(root.status).toBe(200);
		expect(root.body.code).toBe("by root");
	});

	it("refuses mass assignment of system and account members by clients", async () => {
		const fixedId = "0190f00d-0000-7000-8000-000000000001";
		const attempts: [string, Record<string, unknown>, string][] = [
			[NOTES, { title: "x", owner: ann.id, id: fixedId }, "id"],
			[
				NOTES,
				{ title: "x", owner: ann.id, created: "2001-01-01T00:00:00Z" },
				"created",
			],
			[
				NOTES,
				{ title: "x", owner: ann.id, updated: "2001-01-01T00:00:00Z" },
				"updated",
			],
		];
		for (const [url, body, member] of attempts) {
			const res = await t().request("POST", url, { token: ann.token, body });
			expect(res.status, member).toBe(400);
			expect(res.body.errors[member].code).toBe("READ_ONLY_FIELD");
		}
		const me = `/api/v1/collections/users/records/${ann.id}`;
		for (const body of [
			{ verified: true },
			{ password_hash: "$argon2id$forged" },
			{ token_key: "forged" },
			{ email: "taken-over@example.com" },
		]) {
			const res = await t().request("PATCH", me, { token: ann.token, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
		}
		const escalate = await note(ann.token, {
			title: "x",
			owner: ann.id,
			level: "admin",
		});
		expect(escalate.status).toBe(403);
		const forOther = await note(ann.token, { title: "x", owner: bob.id });
		expect(forOther.status).toBe(403);

		// Through batch: one bad sub-request fails the whole batch, nothing is written.
		const before = await t().request("GET", NOTES, { token: "superuser" });
		const batch = await t().request("POST", "/api/v1/batch", {
			token: ann.token,
			body: {
				requests: [
					{ method: "POST", url: NOTES, body: { title: "ok", owner: ann.id } },
					{
						method: "POST",
						url: NOTES,
						body: { title: "bad", owner: ann.id, id: fixedId },
					},
				],
			},
		});
		expect(batch.status).toBe(400);
		const after = await t().request("GET", NOTES, { token: "superuser" });
		expect(after.body.totalItems).toBe(before.body.totalItems);

		// Through an import run as the user: each such row is refused.
		t().app.jobs.startWorker();
		const upload = await t().request(
			"POST",
			"/api/v1/collections/notes/import",
			{
				token: ann.token,
				headers: { "content-type": "application/x-ndjson" },
				body: [
					JSON.stringify({ title: "fine", owner: ann.id }),
					JSON.stringify({ title: "forged", owner: ann.id, id: fixedId }),
					JSON.stringify({
						title: "old",
						owner: ann.id,
						created: "2001-01-01T00:00:00Z",
					}),
				].join("\n"),
			},
		);
		expect(upload.status, upload.text).toBe(202);
		const job = await eventually(
			() => t().app.jobs.get(upload.body.id),
			(j) => j.status === "completed" || j.status === "failed",
		);
		// An id is refused; server-set members of exported files are ignored, not stored.
		expect(job.result, JSON.stringify(job.result)).toMatchObject({
			rowsImported: 2,
			rowsFailed: 1,
			errors: [{ line: 2, errors: { id: { code: "READ_ONLY_FIELD" } } }],
		});
		const old = await t().request(
			"GET",
			`${NOTES}?filter=${encodeURIComponent('title = "old"')}`,
			{ token: ann.token },
		);
		expect(old.body.items).toHaveLength(1);
		expect(old.body.items[0].created.startsWith("2001")).toBe(false);
		const forged = await t().request("GET", `${NOTES}/${fixedId}`, {
			token: "superuser",
		});
		expect(forged.status).toBe(404);
	});

	it("exports only what the rules and hidden fields let the caller see", async () => {
		t().app.jobs.startWorker();
		const res = await t().request(
			"POST",
			"/api/v1/collections/notes/export?format=csv",
			{ token: ann.token },
		);
		expect(res.status, res.text).toBe(202);
		const job = await eventually(
			() => t().app.jobs.get(res.body.id),
			(j) => j.status === "completed" || j.status === "failed",
		);
		expect(job.status).toBe("completed");
		const file = await t().request(
			"GET",
			(job.result as { download: string }).download,
			{ token: ann.token },
		);
		expect(file.status).toBe(200);
		const [header, ...rows] = file.text.trim().split("\r\n");
		expect(header).toBe("id,created,updated,title,owner,code,level");
		// Exactly the rows ann's list shows (her notes, and bob's note shared with
		// gold users), without any hidden value.
		const list = await t().request("GET", `${NOTES}?perPage=500`, {
			token: ann.token,
		});
		expect(rows.map((row) => row.split(",")[0]).sort()).toEqual(
			list.body.items.map((n: { id: string }) => n.id).sort(),
		);
		expect(rows.length).toBeGreaterThan(1);
		expect(file.text).not.toContain("s1");
		expect(file.text).not.toContain(",shared,shared");
	});
});
