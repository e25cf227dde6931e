import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadCommonPasswords } from "../../../src/tools/password-policy/index.js";

const assets = fileURLToPath(new URL("../../../assets/", import.meta.url));
const listFile = path.join(assets, "common-passwords.txt");
/** Where the list's provenance is recorded, its sha256 among it. */
const provenance = readFileSync(
	path.join(assets, "common-passwords.md"),
	"utf8",
);

describe("assets/common-passwords.txt", () => {
	const bytes = readFileSync(listFile);
	const text = bytes.toString("utf8");
	const lines = text.split("\n");
	const entries = [...loadCommonPasswords()];

	it("is the list recorded in common-passwords.md, byte for byte", () => {
		const recorded = /sha256 of common-passwords\.txt:\s*`([0-9a-f]{64})`/.exec(
			provenance,
		)?.[1];
		expect(recorded).toBeDefined();
		expect(createHash("sha256").update(bytes).digest("hex")).toBe(recorded);
	});

	it("holds the 9,913 entries common-passwords.md names", () => {
		expect(entries).toHaveLength(9913);
		expect(provenance).toContain("Entries: 9,913");
	});

	it("has one entry a line, each line ended, nothing else", () => {
		expect(lines.at(-1)).toBe("");
		expect(lines.slice(0, -1)).toEqual(entries);
	});

	it("has no blank, untrimmed, upper-case, non-ASCII or repeated entries", () => {
		expect(entries.filter((entry) => entry.trim() === "")).toEqual([]);
		expect(entries.filter((entry) => entry !== entry.trim())).toEqual([]);
		expect(entries.filter((entry) => entry !== entry.toLowerCase())).toEqual(
			[],
		);
		expect(entries.filter((entry) => !/^[\x20-\x7e]+$/.test(entry))).toEqual(
			[],
		);
		expect(new Set(lines.slice(0, -1)).size).toBe(lines.length - 1);
	});

	it("keeps the upstream order, most common first", () => {
		expect(entries.slice(0, 3)).toEqual(["123456", "password", "12345678"]);
	});
});

describe("loadCommonPasswords", () => {
	const dir = mkdtempSync(path.join(tmpdir(), "basalt-common-passwords-"));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it("fails naming the file when it is missing", () => {
		const missing = path.join(dir, "missing.txt");
		expect(() => loadCommonPasswords(missing)).toThrow(
			`Cannot read the common-password list ${missing}: ENOENT`,
		);
	});

	// A directory: unreadable as a file even to root, who can read a mode-000 file.
	it("fails naming the file when it cannot be read", () => {
		expect(() => loadCommonPasswords(dir)).toThrow(
			`Cannot read the common-password list ${dir}: EISDIR`,
		);
	});

	it("fails naming the file when it holds no entries", () => {
		const empty = path.join(dir, "empty.txt");
		writeFileSync(empty, "\n\n");
		expect(() => loadCommonPasswords(empty)).toThrow(
			`The common-password list ${empty} has no entries`,
		);
	});

	it("reads a given file, its lines ended with \\n or \\r\\n", () => {
		const file = path.join(dir, "windows.txt");
		writeFileSync(file, "hunter22\r\nletmein1\r\n");
		expect([...loadCommonPasswords(file)]).toEqual(["hunter22", "letmein1"]);
	});
});
