import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	buildServer,
	repoRoot,
	type ServerProcess,
	startServerProcess,
} from "./helpers/spawn-server.js";

const run = promisify(execFile);
const MARK = "@@end-of-block@@";

/** The ```sh blocks of the README's tour, in order. */
function tourBlocks(): string[] {
	const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
	const tour = readme.split("## Five-minute tour")[1]?.split("\n## ")[0] ?? "";
	return [...tour.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

// The README promises its tour works verbatim on a fresh clone: run it. Only the port
// differs (8090 may be taken where tests run), and the data dir comes from the env.
describe("README tour", () => {
	let server: ServerProcess;
	const outputs: string[] = [];

	beforeAll(async () => {
		buildServer();
		server = await startServerProcess();
		const script = tourBlocks()
			.map(
				(block) =>
					`${block.replaceAll("127.0.0.1:8090", `127.0.0.1:${server.port}`)}\necho; echo ${MARK}`,
			)
			.join("\n");
		const { stdout } = await run("bash", ["-euo", "pipefail", "-c", script], {
			cwd: repoRoot,
			env: { ...process.env, ...server.env },
			timeout: 60_000,
		});
		outputs.push(...stdout.split(MARK).map((s) => s.trim()));
	}, 180_000);

	afterAll(async () => {
		await server?.stop();
	});

	it("has six blocks", () => {
		expect(tourBlocks()).toHaveLength(6);
	});

	it("creates a superuser and logs in", () => {
		expect(outputs[0]).toContain("created superuser admin@example.com");
	});

	it("creates the collection with its indexes", () => {
		const collection = JSON.parse(outputs[1] as string);
		expect(collection.name).toBe("books");
		expect(
			collection.indexes.map((ix: { fields: string[] }) => ix.fields),
		).toEqual([["year"], ["title"]]);
	});

	it("adds four records", () => {
		// curl prints the two answers back to back: split where the second object starts.
		const [batch, single] = (outputs[2] as string).split(/(?<=\})(?=\{"id")/);
		expect(
			JSON.parse(batch as string).responses.map(
				(r: { status: number }) => r.status,
			),
		).toEqual([201, 201, 201]);
		expect(JSON.parse(single as string).title).toBe("Moby-Dick");
	});

	it("lists with filter, sort and paging as the README says", () => {
		const list = JSON.parse(outputs[3] as string);
		expect(list.items.map((r: { title: string }) => r.title)).toEqual([
			"Walden",
			"Moby-Dick",
		]);
		expect(list).toMatchObject({
			page: 1,
			perPage: 2,
			totalItems: 2,
			totalPages: 1,
		});
	});

	it("shows the validation error the README shows", () => {
		const problem = JSON.parse(outputs[4] as string);
		expect(problem.code).toBe("VALIDATION_FAILED");
		expect(problem.errors).toEqual({
			title: { code: "VALUE_REQUIRED", message: "is required" },
			year: { code: "NOT_AN_INTEGER", message: "must be a whole number" },
			genre: {
				code: "INVALID_OPTION",
				message: "must be one of the field's values",
			},
		});
	});

	it("signs a user up and in, and shows them only their own record", () => {
		const list = JSON.parse(outputs[5] as string);
		expect(list.items).toHaveLength(1);
		expect(list.items[0]).toMatchObject({
			email: "ada@example.com",
			name: "Ada",
			verified: false,
		});
		expect(list.items[0]).not.toHaveProperty("password");
	});
});
