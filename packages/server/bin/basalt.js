#!/usr/bin/env node
// The `basalt` command. npm links it at install time, before dist/ is built, so it is
// a small committed file; in a checkout of the repository it first brings dist/ up
// to date with the sources (a no-op when nothing changed), then runs the CLI.
import { existsSync } from "node:fs";

const build = new URL("../scripts/build-if-needed.mjs", import.meta.url);
if (existsSync(new URL("../src/", import.meta.url)) && existsSync(build))
	await import(build.href);
await import("../dist/cli/main.js");
