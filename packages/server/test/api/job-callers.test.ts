import { beforeAll, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

const PASSWORD = "quiet lantern morning";

// Exports and imports run as the caller who started them, in a job that may run long
// after the request. Each step re-reads that caller: a revoked key or a deleted or
// demoted account stops the work, as it would stop a request. The worker starts
// only once the access has changed, so each job runs after the change.
describeEachDialect("jobs acting for a caller", (t) => {
	let serial = 0;
	const signedIn = async (role: string) => {
		const email = `worker${++serial}@example.com`;
		const made = await t().request(
			"POST",
			"/api/v1/collections/users/records",
			{
				token: "superuser",
				body: { email, password: PASSWORD, passwordConfirm: PASSWORD, role },
			},
		);
		expect(made.status, made.text).toBe(201);
		const login = await t().request(
			"POST",
			"/api/v1/collections/users/auth/password",
			{ body: { identity: email, password: PASSWORD } },
		);
		return { id: made.body.id as string, token: login.body.token as string };
	};
	const exportAs = async (token: string) => {
		const res = await t().request(
			"POST",
			"/api/v1/collections/ledger/export?format=ndjson",
			{ token },
		);
		expect(res.status, res.text).toBe(202);
		return res.headers.location as string;
	};
	const importAs = async (token: string, body: string) => {
		const res = await t().request("POST", "/api/v1/collections/ledger/import", {
			token,
			body,
			headers: { "content-type": "text/csv" },
		});
		expect(res.status, res.text).toBe(202);
		return res.headers.location as string;
	};
	const finished = async (location: string) =>
		(
			await eventually(
				() => t().request("GET", location, { token: "superuser" }),
				(r) => ["completed", "failed"].includes(r.body?.status),
			)
		).body;
	const runJobs = () => t().app.jobs.startWorker();

	beforeAll(async () => {
		const users = await t().request("PATCH", "/api/v1/collections/users", {
			token: "superuser",
			body: { fields: [{ name: "role", type: "text" }] },
		});
		expect(users.status, users.text).toBe(200);
		const ledger = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "ledger",
				fields: [{ name: "entry", type: "text" }],
				rules: {
					list: '@request.auth.role = "clerk"',
					view: '@request.auth.role = "clerk"',
					create: '@request.auth.role = "clerk"',
				},
			},
		});
		expect(ledger.status, ledger.text).toBe(201);
		for (const entry of ["a", "b", "c"])
			await t().request("POST", "/api/v1/collections/ledger/records", {
				token: "superuser",
				body: { entry },
			});
	});

	it("stops an export whose API key was revoked, an import whose account was deleted, and exports what a demoted account may now see", async () => {
		const keyHolder = await signedIn("clerk");
		const made = await t().request("POST", "/api/v1/api-keys", {
			token: keyHolder.token,
			body: { name: "exporter", scopes: ["records:read:ledger"] },
		});
		expect(made.status, made.text).toBe(201);
		const revokedExport = await exportAs(made.body.key);
		const revoke = await t().request(
			"DELETE",
			`/api/v1/api-keys/${made.body.id}`,
			{ token: keyHolder.token },
		);
		expect(revoke.status, revoke.text).toBe(204);

		const leaver = await signedIn("clerk");
		const orphanImport = await importAs(leaver.token, "entry\nd\ne\n");
		const removed = await t().request(
			"DELETE",
			`/api/v1/collections/users/records/${leaver.id}`,
			{ token: "superuser" },
		);
		expect(removed.status).toBe(204);

		const demoted = await signedIn("clerk");
		const demotedExport = await exportAs(demoted.token);
		const change = await t().request(
			"PATCH",
			`/api/v1/collections/users/records/${demoted.id}`,
			{ token: "superuser", body: { role: "visitor" } },
		);
		expect(change.status, change.text).toBe(200);

		const kept = await signedIn("clerk");
		const keptExport = await exportAs(kept.token);

		runJobs();
		const revokedJob = await finished(revokedExport);
		expect(revokedJob).toMatchObject({ status: "failed", attempts: 1 });
		expect(revokedJob.lastError).toContain(
			"the access that started this job has ended",
		);
		const importJob = await finished(orphanImport);
		expect(importJob).toMatchObject({ status: "failed", attempts: 1 });
		expect(importJob.lastError).toContain("no longer exists");
		const entries = await t().request(
			"GET",
			"/api/v1/collections/ledger/records?perPage=50",
			{ token: "superuser" },
		);
		expect(
			entries.body.items.map((r: { entry: string }) => r.entry).sort(),
		).toEqual(["a", "b", "c"]);
		expect(await finished(demotedExport)).toMatchObject({
			status: "completed",
			result: { rows: 0 },
		});
		expect(await finished(keptExport)).toMatchObject({
			status: "completed",
			result: { rows: 3 },
		});
	});
});
