import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { reencryptAll } from "../../src/core/encryption/index.js";
import { eventually } from "../core/jobs/queue-contract.js";
import { su } from "../helpers/collection-changes.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { openRules } from "../helpers/records-api.js";

const RECORDS = "/api/v1/collections/people/records";
const SSNS = ["123-45-6789", "987-65-4321", "555-12-3456"];
const NOTE = "allergic to penicillin; lives at 12 Elm Street";

// Encrypted fields (docs/security.md#encrypted-fields): AES-256-GCM under the key
// ring, bound to record and field; searchable ones filter by `=` and `!=` through a
// blind index, and nothing else compares them.
describeEachDialect(
	"encrypted fields",
	(t) => {
		const ids: string[] = [];

		/** The raw stored values of the people table, as the database holds them. */
		async function rawRows() {
			const result = await sql<
				Record<string, unknown>
			>`SELECT * FROM people ORDER BY id`.execute(t().app.db.kysely);
			return result.rows;
		}

		it("stores ciphertext only, and answers with the plaintext", async () => {
			const made = await t().request("POST", "/api/v1/collections", {
				...su,
				body: {
					name: "people",
					fields: [
						{ name: "name", type: "text" },
						{ name: "ssn", type: "encrypted", searchable: true, max: 20 },
						{ name: "note", type: "encrypted" },
					],
					indexes: [{ fields: ["ssn"], unique: true }],
					rules: openRules,
					cache: { mode: "on", ttlSeconds: 60 },
				},
			});
			expect(made.status, made.text).toBe(201);
			const ssn = made.body.fields.find(
				(f: { name: string }) => f.name === "ssn",
			);
			expect(ssn).toMatchObject({
				type: "encrypted",
				searchable: true,
				max: 20,
			});
			for (const [i, value] of SSNS.entries()) {
				const created = await t().request("POST", RECORDS, {
					body: { name: `person ${i}`, ssn: value, note: NOTE },
				});
				expect(created.status, created.text).toBe(201);
				expect(created.body).toMatchObject({ ssn: value, note: NOTE });
				ids.push(created.body.id);
			}
			const read = await t().request("GET", `${RECORDS}/${ids[0]}`);
			expect(read.body).toMatchObject({ ssn: SSNS[0], note: NOTE });
			// Answers holding decrypted values never go into a cache store.
			expect(read.headers["x-cache"]).toBe("BYPASS");

			const rows = await rawRows();
			expect(rows).toHaveLength(3);
			for (const row of rows) {
				expect(row.ssn).toMatch(/^bix\.[A-Za-z0-9_-]{22}\.enc\.[^.]+\.v1\./);
				expect(row.note).toMatch(/^enc\.[^.]+\.v1\./);
				for (const plain of [...SSNS, NOTE, "penicillin"])
					expect(JSON.stringify(row)).not.toContain(plain);
			}
			// Each value has a fresh nonce: the same note encrypts differently every time.
			expect(new Set(rows.map((r) => r.note)).size).toBe(3);
		});

		/**
		 * The files the people table is stored in, once the database wrote out what it
		 * holds in memory: SQLite's file and its WAL, PostgreSQL's heap file of the table.
		 */
		async function storedFiles(): Promise<Map<string, Buffer>> {
			const { app, dialect } = t();
			const db = app.db.kysely;
			const files = new Map<string, Buffer>();
			if (dialect === "sqlite") {
				const dir = app.config.dataDir;
				await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
				files.set("data.db", readFileSync(path.join(dir, "data.db")));
				// TRUNCATE leaves the WAL empty, or there is none.
				const wal = path.join(dir, "data.db-wal");
				if (existsSync(wal)) files.set("data.db-wal", readFileSync(wal));
				return files;
			}
			await sql`CHECKPOINT`.execute(db);
			const { rows } = await sql<{ dir: string; file: string }>`
				SELECT current_setting('data_directory') AS dir,
					pg_relation_filepath('people') AS file`.execute(db);
			const { dir, file } = rows[0] as { dir: string; file: string };
			files.set(file, readFileSync(path.join(dir, file)));
			return files;
		}

		it("keeps no plaintext anywhere in the database's files", async () => {
			const files = await storedFiles();
			// The unencrypted names are there: these are the files that hold the rows.
			const all = Buffer.concat([...files.values()]);
			for (const i of SSNS.keys())
				expect(all.includes(`person ${i}`), `person ${i}`).toBe(true);
			for (const [name, bytes] of files)
				for (const plain of [...SSNS, "penicillin"])
					expect(bytes.includes(Buffer.from(plain)), `${name}: ${plain}`).toBe(
						false,
					);
		});

		it("filters a searchable field by = and !=, and refuses anything else with a 400 naming the field", async () => {
			const equal = await t().request(
				"GET",
				`${RECORDS}?filter=${encodeURIComponent(`ssn = "${SSNS[1]}"`)}`,
			);
			expect(equal.status, equal.text).toBe(200);
			expect(equal.body.items.map((r: { id: string }) => r.id)).toEqual([
				ids[1],
			]);
			const other = await t().request(
				"GET",
				`${RECORDS}?filter=${encodeURIComponent(`ssn != "${SSNS[1]}" && ssn != ""`)}&sort=name`,
			);
			expect(other.body.items.map((r: { id: string }) => r.id)).toEqual([
				ids[0],
				ids[2],
			]);
			for (const [filter, message] of [
				[`ssn ~ "123"`, `"~" cannot compare the encrypted field "ssn"`],
				[`ssn > "1"`, `">" cannot compare the encrypted field "ssn"`],
				[
					`ssn = name`,
					`the encrypted field "ssn" can only be compared with a value`,
				],
				[`note = "${NOTE}"`, `"note" is encrypted without searchable: true`],
			]) {
				const refused = await t().request(
					"GET",
					`${RECORDS}?filter=${encodeURIComponent(filter as string)}`,
				);
				expect(refused.status, filter).toBe(400);
				expect(refused.body.code).toBe("INVALID_FILTER");
				expect(refused.body.detail).toContain(message);
			}
			const sorted = await t().request("GET", `${RECORDS}?sort=ssn`);
			expect(sorted.status).toBe(400);
			expect(sorted.body.code).toBe("INVALID_SORT");
			expect(sorted.body.detail).toContain('encrypted field "ssn"');
		});

		it("enforces a unique index on the plaintext through the blind index", async () => {
			const duplicate = await t().request("POST", RECORDS, {
				body: { name: "copycat", ssn: SSNS[2] },
			});
			expect(duplicate.status, duplicate.text).toBe(409);
			expect(JSON.stringify(duplicate.body)).not.toContain(SSNS[2]);
			const unindexable = await t().request(
				"PATCH",
				"/api/v1/collections/people",
				{
					...su,
					body: { indexes: [{ fields: ["note"] }] },
				},
			);
			expect(unindexable.status).toBe(422);
			expect(unindexable.text).toContain("NOT_SEARCHABLE");
		});

		it("refuses a value moved to another record or field: a 500 that names neither value", async () => {
			const rows = await rawRows();
			const [first, second] = rows as [
				Record<string, unknown>,
				Record<string, unknown>,
			];
			const db = t().app.db.kysely;
			// The second record gets the first one's ciphertext: it fails authentication.
			await db
				.updateTable("people")
				.set({ note: first.note as string })
				.where("id", "=", second.id as string)
				.execute();
			const moved = await t().request("GET", `${RECORDS}/${second.id}`);
			expect(moved.status).toBe(500);
			expect(moved.body.code).toBe("ENCRYPTED_VALUE_UNREADABLE");
			expect(moved.body.detail).toContain('"note"');
			expect(moved.text).not.toContain(NOTE);
			expect(moved.text).not.toContain(first.note as string);
			// Within one record, a value moved to another field fails too.
			const ssnValue = (first.ssn as string).slice(27);
			await db
				.updateTable("people")
				.set({ note: ssnValue })
				.where("id", "=", first.id as string)
				.execute();
			const swapped = await t().request("GET", `${RECORDS}/${first.id}`);
			expect(swapped.status).toBe(500);
			expect(swapped.body.code).toBe("ENCRYPTED_VALUE_UNREADABLE");
			// Put both back through the API.
			for (const [i, id] of [first.id, second.id].entries())
				expect(
					(
						await t().request("PATCH", `${RECORDS}/${id}`, {
							body: { ssn: SSNS[i], note: NOTE },
						})
					).status,
				).toBe(200);
		});

		it("rotates: every value and secret moves to the new key, and the old key can then be retired", async () => {
			const { app } = t();
			const hook = await t().request("POST", "/api/v1/webhooks", {
				...su,
				body: { url: "http://127.0.0.1:9/in", events: ["people.*"] },
			});
			expect(hook.status, hook.text).toBe(201);
			const before = await app.keys.status();
			const oldKey = before.find((k) => k.active)?.id as string;
			const rotated = await app.keys.rotate();
			expect(rotated.keyId).not.toBe(oldKey);
			expect(rotated.job.name).toBe("keys.reencrypt");
			// A write after the rotation already uses the new key.
			const fresh = await t().request("POST", RECORDS, {
				body: { name: "fresh", ssn: "000-00-0000", note: NOTE },
			});
			expect(fresh.status).toBe(201);
			const status = await app.keys.status();
			expect(status.find((k) => k.id === oldKey)?.values).toBeGreaterThan(0);
			const retireEarly = app.keys.retire(oldKey);
			await expect(retireEarly).rejects.toMatchObject({ code: "KEY_IN_USE" });

			const done = await reencryptAll({
				db: app.db,
				keys: app.dataKeys,
				collections: app.registry.list(),
			});
			expect(done).toMatchObject({ keyId: rotated.keyId, unreadable: 0 });
			expect(done.values).toBeGreaterThanOrEqual(6);
			expect(done.secrets).toBeGreaterThanOrEqual(2);
			const rows = await rawRows();
			expect(rows).toHaveLength(SSNS.length + 1);
			for (const row of rows) {
				expect(row.ssn).toContain(`.enc.${rotated.keyId}.`);
				expect(row.note).toMatch(new RegExp(`^enc\\.${rotated.keyId}\\.`));
			}
			const secrets = await sql<{
				secret: string;
			}>`SELECT secret FROM _webhooks`.execute(app.db.kysely);
			expect(secrets.rows.map((r) => r.secret)).toEqual([
				expect.stringMatching(new RegExp(`^key\\.${rotated.keyId}\\.`)),
			]);
			// A second run finds nothing left to do.
			const again = await reencryptAll({
				db: app.db,
				keys: app.dataKeys,
				collections: app.registry.list(),
			});
			expect(again).toMatchObject({ values: 0, secrets: 0 });

			await app.keys.retire(oldKey);
			expect((await app.keys.status()).map((k) => k.id)).toEqual([
				rotated.keyId,
			]);
			const after = await t().request(
				"GET",
				`${RECORDS}?filter=${encodeURIComponent(`ssn = "${SSNS[0]}"`)}`,
			);
			expect(after.body.items).toHaveLength(1);
			expect(after.body.items[0]).toMatchObject({ ssn: SSNS[0], note: NOTE });
			await expect(app.keys.retire(rotated.keyId)).rejects.toMatchObject({
				code: "KEY_IN_USE",
			});
		});

		it("leaves encrypted fields out of webhook payloads and exports, unless they opt in", async () => {
			const hook = await t().request("POST", "/api/v1/webhooks", {
				...su,
				body: { url: "http://127.0.0.1:9/out", events: ["people.update"] },
			});
			expect(hook.status, hook.text).toBe(201);
			expect(hook.body.includeEncrypted).toBe(false);
			const optedIn = await t().request("POST", "/api/v1/webhooks", {
				...su,
				body: {
					url: "http://127.0.0.1:9/opted-in",
					events: ["people.update"],
					includeEncrypted: true,
				},
			});
			expect(optedIn.body.includeEncrypted).toBe(true);
			const patched = await t().request("PATCH", `${RECORDS}/${ids[2]}`, {
				body: { name: "renamed" },
			});
			expect(patched.status).toBe(200);
			const optedInDeliveries = await t().request(
				"GET",
				`/api/v1/webhooks/${optedIn.body.id}/deliveries`,
				su,
			);
			expect(optedInDeliveries.body.items[0].payload.record).toMatchObject({
				ssn: SSNS[2],
				note: NOTE,
			});
			const deliveries = await t().request(
				"GET",
				`/api/v1/webhooks/${hook.body.id}/deliveries`,
				su,
			);
			expect(deliveries.body.items).toHaveLength(1);
			const { payload } = deliveries.body.items[0];
			expect(payload.record).toMatchObject({ id: ids[2], name: "renamed" });
			expect(payload.record).not.toHaveProperty("ssn");
			expect(payload.previous).not.toHaveProperty("note");
			expect(JSON.stringify(payload)).not.toContain(SSNS[2]);

			t().app.jobs.startWorker();
			const exported = async (query: string) => {
				const started = await t().request(
					"POST",
					`/api/v1/collections/people/export?format=ndjson${query}`,
					su,
				);
				expect(started.status, started.text).toBe(202);
				await eventually(
					() => t().request("GET", started.headers.location as string, su),
					(r) => r.body?.status === "completed",
				);
				const file = await t().request(
					"GET",
					`/api/v1/jobs/${started.body.id}/download`,
					su,
				);
				return file.text;
			};
			const plain = await exported("");
			expect(plain).toContain('"name":"renamed"');
			expect(plain).not.toContain('"ssn"');
			expect(plain).not.toContain(NOTE);
			const full = await exported("&includeEncrypted=true");
			expect(full).toContain(`"ssn":"${SSNS[2]}"`);
			expect(full).toContain(NOTE);
		});

		it("refuses to change a field into or out of encrypted, or its searchable flag", async () => {
			const current = await t().request(
				"GET",
				"/api/v1/collections/people",
				su,
			);
			const fields = current.body.fields as { name: string; type: string }[];
			for (const change of [
				(f: { name: string }) =>
					f.name === "name" ? { ...f, type: "encrypted" } : f,
				(f: { name: string; searchable?: boolean }) => {
					if (f.name !== "note") return f;
					const { searchable: _, ...rest } = f;
					return { ...rest, type: "text" };
				},
				(f: { name: string }) =>
					f.name === "note" ? { ...f, searchable: true } : f,
			]) {
				const refused = await t().request(
					"PATCH",
					"/api/v1/collections/people",
					{
						...su,
						body: { fields: fields.map(change) },
					},
				);
				expect(refused.status, refused.text).toBe(422);
				expect(refused.text, refused.text).toContain("CHANGE_REFUSED");
			}
		});
	},
	{ BASALT_SSRF_ALLOW: "127.0.0.1/32" },
);
