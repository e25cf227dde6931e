// `npm run bench:auth`: Basalt's authentication paths against baselines measured on
// the same machine, in the same run: sign-in against bare argon2, refresh against a
// bare handler doing the same storage work, and an owner-only view against the same
// view open to guests. See bench/auth/README.md.

import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SUPERUSER, startBasalt } from "../lib/basalt-server.mjs";
import { requestJson, superuserToken } from "../lib/basalt-setup.mjs";
import {
	findFailedRuns,
	formatTable,
	ratioOf,
} from "../lib/baseline-report.mjs";
import { log, positiveInt } from "../lib/bench-env.mjs";
import {
	freePort,
	outputOf,
	runBenchmark,
	waitReady,
} from "../lib/child-processes.mjs";
import { bestOf } from "../lib/rounds.mjs";
import {
	claimsOf,
	mapLimited,
	readPasswordHashes,
	seedNotes,
	signIn,
	signUpUsers,
	statusOf,
} from "./auth-setup.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
// Every account shares it: the salts differ, so every hash (and its cost) does too.
const USER_PASSWORD = "quiet lantern bench morning";
const USERS = 50;
const NOTES = 1000;
const BATCH_SIZE = 1000;
// Basalt's argon2id parameters (docs/auth.md); the ceiling must verify hashes made with them.
const ARGON2_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$";
const JSON_HEADERS = { "content-type": "application/json" };

/** Reads the knobs; the defaults are bench/records/run.mjs's. */
function readSettings(env) {
	const int = (name, fallback) => positiveInt(env, name, fallback);
	return {
		duration: int("BENCH_DURATION", 10),
		connections: int("BENCH_CONNECTIONS", 10),
		warmup: int("BENCH_WARMUP", 2),
		rounds: int("BENCH_ROUNDS", 2),
	};
}

/**
 * Basalt's settings: warn logging, and the sign-in limits lifted so the run measures
 * sign-ins, not 429s: the defaults allow 10 tries per account in 15 minutes.
 */
const BASALT_ENV = {
	BASALT_LOG_LEVEL: "warn",
	BASALT_RATE_LIMIT_LOGIN: "1000000/1s",
	BASALT_RATE_LIMIT_LOGIN_IP: "1000000/1s",
	BASALT_RATE_LIMIT_SIGNUP_IP: "1000000/1s",
	BASALT_RATE_LIMIT_REFRESH_IP: "1000000/1s",
};

/**
 * Runs one measuring child (a load generator or the argon2 ceiling), `script` being
 * relative to bench/auth/, and returns its summary.
 */
async function runChild(ctx, label, script, spec) {
	const specFile = path.join(ctx.workDir, `${label}.json`);
	writeFileSync(
		specFile,
		JSON.stringify({
			connections: ctx.settings.connections,
			duration: ctx.settings.duration,
			warmup: ctx.settings.warmup,
			...spec,
		}),
	);
	const child = ctx.children.start(
		label,
		path.join(BENCH_DIR, script),
		[specFile],
		{},
	);
	const summary = JSON.parse(await outputOf(child));
	log(
		`${label.padEnd(22)} ${Math.round(summary.reqPerSec)}/s, p50 ${summary.p50.toFixed(2)} ms, p99 ${summary.p99.toFixed(2)} ms`,
	);
	return summary;
}

/**
 * Sign-in: password sign-ins cycling over every account, against the same number of
 * argon2 verifications in flight in a bare process. A sign-in is one verification
 * plus a lookup, two writes and a signature, so the ceiling is what it could reach.
 */
function loginScenario(ctx) {
	const requests = ctx.users.map((user) => ({
		method: "POST",
		path: "/api/v1/collections/users/auth/password",
		headers: JSON_HEADERS,
		body: JSON.stringify({ identity: user.email, password: USER_PASSWORD }),
	}));
	let hashes;
	return {
		name: "login",
		baselineName: "argon2 verify",
		goal: 0.8,
		async prepare() {
			hashes = readPasswordHashes(ctx.dbFile);
			if (
				hashes.length !== ctx.users.length ||
				!hashes.every((hash) => hash.startsWith(ARGON2_PREFIX))
			)
				throw new Error(
					`expected ${ctx.users.length} hashes starting ${ARGON2_PREFIX}`,
				);
		},
		basalt: () =>
			runChild(ctx, "login-basalt", "../lib/load.mjs", {
				url: ctx.basaltUrl,
				requests,
			}),
		baseline: () =>
			runChild(ctx, "login-argon2", "argon2-ceiling.mjs", {
				hashes,
				password: USER_PASSWORD,
				concurrency: ctx.settings.connections,
			}),
	};
}

/**
 * Refresh: each connection trades its own refresh token for the next (load-auth.mjs),
 * on Basalt and on bare-auth-server.mjs, which runs the same statements on the same
 * tables of the same file and signs the same JWT.
 */
function refreshScenario(ctx) {
	// One chain for each connection of the warm-up and of the measured run.
	const chains = () => 2 * ctx.settings.connections;
	const accountOf = (n) => ctx.users[n % ctx.users.length];
	let bare;
	return {
		name: "refresh",
		baselineName: "bare refresh",
		async prepare() {
			const session = await signIn(
				ctx.basaltUrl,
				accountOf(0).email,
				USER_PASSWORD,
			);
			const port = await freePort();
			const child = ctx.children.start(
				"bare-auth",
				path.join(BENCH_DIR, "bare-auth-server.mjs"),
				[],
				{
					BENCH_DB_FILE: ctx.dbFile,
					BENCH_PORT: String(port),
					BENCH_USERS_COLLECTION_ID: claimsOf(session.token).col,
				},
			);
			bare = { child, url: `http://127.0.0.1:${port}` };
			await waitReady(bare.url, child);
			await assertSameRefresh(ctx, bare, session);
		},
		async basalt() {
			const refreshTokens = await mapLimited(
				Array.from({ length: chains() }, (_, n) => accountOf(n)),
				2,
				async (user) =>
					(await signIn(ctx.basaltUrl, user.email, USER_PASSWORD)).refreshToken,
			);
			return runChild(ctx, "refresh-basalt", "load-auth.mjs", {
				url: ctx.basaltUrl,
				path: "/api/v1/auth/refresh",
				refreshTokens,
			});
		},
		async baseline() {
			const refreshTokens = [];
			for (let n = 0; n < chains(); n++)
				refreshTokens.push(
					(
						await requestJson(`${bare.url}/session`, {
							method: "POST",
							body: { recordId: accountOf(n).id },
						})
					).refreshToken,
				);
			return runChild(ctx, "refresh-bare", "load-auth.mjs", {
				url: bare.url,
				path: "/refresh",
				refreshTokens,
			});
		},
		async finish() {
			if (bare) await ctx.children.stop(bare.child);
		},
	};
}

/**
 * Checks that a refresh on Basalt and on the bare handler answer the same members,
 * so the baseline does the same work and not less (an empty answer, say).
 */
async function assertSameRefresh(ctx, bare, basaltSession) {
	const basalt = await requestJson(`${ctx.basaltUrl}/api/v1/auth/refresh`, {
		method: "POST",
		body: { refreshToken: basaltSession.refreshToken },
	});
	const { refreshToken } = await requestJson(`${bare.url}/session`, {
		method: "POST",
		body: { recordId: basaltSession.record.id },
	});
	const bareAnswer = await requestJson(`${bare.url}/refresh`, {
		method: "POST",
		body: { refreshToken },
	});
	const shape = (answer) =>
		[
			...Object.keys(answer).sort(),
			...Object.keys(answer.record)
				.sort()
				.map((key) => `record.${key}`),
		].join(",");
	if (shape(basalt) !== shape(bareAnswer))
		throw new Error(
			`Basalt and the bare handler answer a refresh differently: ${shape(basalt)} vs ${shape(bareAnswer)}`,
		);
}

/**
 * Owner view against public view: the same record shape and the same ids order, but
 * `notes` lets only the owner read a note, so each request carries its owner's token
 * and pays for its verification, the account lookup and the rule; `pubnotes` is read
 * by guests. The difference is the price of being signed in.
 */
function viewScenario(ctx) {
	const notes = "/api/v1/collections/notes/records";
	const pubnotes = "/api/v1/collections/pubnotes/records";
	let ownerRequests;
	return {
		name: "owner view",
		baselineName: "public view",
		goal: 0.8,
		async prepare() {
			// Signed in now, not at set-up, so no token nears its 15 minutes.
			const tokens = await mapLimited(ctx.users, 2, async (user) => {
				const session = await signIn(ctx.basaltUrl, user.email, USER_PASSWORD);
				return session.token;
			});
			// Note n belongs to users[n % USERS] (seedNotes), so it takes that token.
			ownerRequests = ctx.noteIds.notes.map((id, n) => ({
				method: "GET",
				path: `${notes}/${id}`,
				headers: { authorization: `Bearer ${tokens[n % tokens.length]}` },
			}));
			await assertRuleApplies(ctx, tokens[0], tokens[1]);
		},
		basalt: () =>
			runChild(ctx, "owner-view-basalt", "../lib/load.mjs", {
				url: ctx.basaltUrl,
				requests: ownerRequests,
			}),
		baseline: () =>
			runChild(ctx, "public-view-basalt", "../lib/load.mjs", {
				url: ctx.basaltUrl,
				requests: ctx.noteIds.pubnotes.map((id) => ({
					method: "GET",
					path: `${pubnotes}/${id}`,
				})),
			}),
	};
}

/**
 * Checks that the owner rule is really applied, and that both collections answer the
 * same note: otherwise the owner view could be measuring a 404 or a guest's read.
 */
async function assertRuleApplies(ctx, ownerToken, otherToken) {
	const [noteId, pubnoteId] = [ctx.noteIds.notes[0], ctx.noteIds.pubnotes[0]];
	const url = `${ctx.basaltUrl}/api/v1/collections/notes/records/${noteId}`;
	const note = await requestJson(url, { token: ownerToken });
	const pubnote = await requestJson(
		`${ctx.basaltUrl}/api/v1/collections/pubnotes/records/${pubnoteId}`,
	);
	if (note.title !== pubnote.title || note.owner !== pubnote.owner)
		throw new Error("notes and pubnotes answer different notes");
	for (const [who, token] of [
		["a guest", undefined],
		["another user", otherToken],
	]) {
		const status = await statusOf(url, token);
		if (status === 200)
			throw new Error(`${who} could read a note: the owner rule is not on`);
	}
}

/**
 * Measures one scenario on Basalt and on its baseline back to back, so both see the
 * same machine conditions. With several rounds the order flips each round.
 */
async function measureScenario(settings, scenario) {
	await scenario.prepare?.();
	try {
		const runs = { basalt: [], baseline: [] };
		for (let round = 0; round < settings.rounds; round++) {
			const order =
				round % 2 === 0 ? ["basalt", "baseline"] : ["baseline", "basalt"];
			for (const target of order) runs[target].push(await scenario[target]());
		}
		return {
			name: scenario.name,
			baselineName: scenario.baselineName,
			goal: scenario.goal,
			basalt: bestOf(runs.basalt),
			baseline: bestOf(runs.baseline),
		};
	} finally {
		await scenario.finish?.();
	}
}

function printReport(rows, settings) {
	console.log(
		`\n${USERS} users, ${NOTES} notes per collection, ${settings.connections} connections, ${settings.duration} s per run (${settings.warmup} s warm-up), best of ${settings.rounds} round(s), Node ${process.version}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? "4 (default)"}\n`,
	);
	console.log(formatTable(rows));
	const failures = findFailedRuns(rows);
	if (failures.length > 0) {
		console.log(
			"\n!!! SOME RUNS GOT ERRORS OR NON-2XX ANSWERS; THEIR FIGURES ARE MEANINGLESS:",
		);
		for (const failure of failures) console.log(`!!!   ${failure}`);
		process.exitCode = 1;
	}
	const below = rows.filter(
		(row) => row.goal !== undefined && ratioOf(row) < row.goal,
	);
	if (below.length > 0)
		console.log(`\nbelow goal: ${below.map((row) => row.name).join(", ")}`);
}

async function main(children, workDir) {
	const settings = readSettings(process.env);
	const dataDir = path.join(workDir, "data");
	const basalt = await startBasalt(children, dataDir, BASALT_ENV);
	const started = Date.now();
	const suToken = await superuserToken(basalt.url, SUPERUSER);
	const users = await signUpUsers(basalt.url, USERS, USER_PASSWORD);
	const noteIds = await seedNotes(
		basalt.url,
		suToken,
		users,
		NOTES,
		BATCH_SIZE,
	);
	log(
		`signed up ${USERS} users and seeded ${NOTES} notes twice in ${Date.now() - started} ms`,
	);
	const ctx = {
		settings,
		children,
		workDir,
		basaltUrl: basalt.url,
		dbFile: path.join(dataDir, "data.db"),
		// In sign-up order: note n belongs to users[n % USERS].
		users,
		noteIds,
	};
	const rows = [];
	for (const scenario of [
		loginScenario(ctx),
		refreshScenario(ctx),
		viewScenario(ctx),
	])
		rows.push(await measureScenario(settings, scenario));
	printReport(rows, settings);
}

await runBenchmark("auth", main);
