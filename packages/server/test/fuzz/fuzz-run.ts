import fc from "fast-check";
import { type Answer, answerProblems } from "../helpers/answer-checks.js";
import { OpenApiConformance } from "../helpers/openapi-conformance.js";
import type { TestApp } from "../helpers/test-app.js";
import { ACCOUNTS, FUZZ_PASSWORD } from "./fuzz-callers.js";
import type { FuzzWorld } from "./fuzz-fixture.js";
import { harvest } from "./fuzz-pools.js";
import { FIXTURE_COLLECTIONS } from "./fuzz-rules.js";
import {
	componentOf,
	createOperationMatcher,
	createResolver,
	operationsOf,
} from "./openapi-operations.js";
import type { RequestPlan } from "./plan-context.js";
import { SELF } from "./request-bodies.js";
import { requestPlans } from "./request-plans.js";
import { createRuleOracle } from "./rule-oracle.js";

/*
 * Runs generated requests against an App in-process (Fastify's `inject`, no
 * sockets) and checks every answer: answer-checks.ts for all, rule-oracle.ts for the
 * records API, and that an intact credential is only refused once the fuzzer ended it.
 */

/** How a run went. */
export interface FuzzReport {
	requests: number;
	ms: number;
	/** HTTP status to how many answers had it. */
	statuses: Record<number, number>;
	/** The first failures, each with what reproduces it. */
	failures: string[];
	failureCount: number;
	oracle: { recordsChecked: number; writesChecked: number; withoutId: number };
	credentialsRenewed: number;
}

/** What a run needs. */
export interface FuzzRunOptions {
	t: TestApp;
	world: FuzzWorld;
	seed: number;
	runs: number;
	/** Called after each batch of requests, with the report so far (memory readings). */
	afterBatch?: (soFar: FuzzReport) => void;
}

// Plans are drawn in batches, each from its own seed (`seed + batch`), so a failure's
// batch can be replayed without the ones before it being drawn.
const BATCH = 250;
const KEPT_FAILURES = 10;

/** The answer of an injected request, its JSON body parsed. */
function answerOf(res: {
	statusCode: number;
	headers: Answer["headers"];
	body: string;
}): Answer {
	const type = String(res.headers["content-type"] ?? "");
	let json: unknown;
	if (/json/.test(type) && res.body !== "") {
		try {
			json = JSON.parse(res.body);
		} catch {
			json = undefined;
		}
	}
	return { status: res.statusCode, headers: res.headers, text: res.body, json };
}

/**
 * The path the server gets for a URL: `inject` parses it as a client's URL parser does
 * (WHATWG URL; light-my-request prefixes a URL that starts with `//`), which removes
 * `.` and `..` segments, `%2e` ones too, and turns `\` into `/`. `/collections/./export`
 * reaches `/collections/export`, and its answer is that route's.
 */
function pathSent(url: string): string {
	const base = "http://localhost";
	return new URL(url.startsWith("//") ? `${base}${url}` : url, base).pathname;
}

/** Describes a request for a failure message: enough to send it again by hand. */
function describePlan(plan: RequestPlan): string {
	const auth =
		plan.auth.kind === "raw" ? ` auth=${JSON.stringify(plan.auth.header)}` : "";
	return `${plan.who}${auth} ${plan.method} ${plan.url} headers=${JSON.stringify(plan.headers)} body=${JSON.stringify(plan.body?.slice(0, 600))}`;
}

/** Sends `runs` generated requests from `seed` and checks each answer. */
export async function runFuzz(options: FuzzRunOptions): Promise<FuzzReport> {
	const { seed, runs } = options;
	const document = (
		await options.t.server.inject({
			method: "GET",
			url: "/api/v1/openapi.json",
		})
	).json();
	const report: FuzzReport = {
		requests: 0,
		ms: 0,
		statuses: {},
		failures: [],
		failureCount: 0,
		oracle: { recordsChecked: 0, writesChecked: 0, withoutId: 0 },
		credentialsRenewed: 0,
	};
	const arbitrary = requestPlans({
		operations: operationsOf(document),
		resolve: createResolver(document),
		component: (name) => componentOf(document, name),
		targets: options.world.targets,
		fixture: FIXTURE_COLLECTIONS,
		pools: options.world.pools,
		emails: Object.values(ACCOUNTS).map((a) => a.email),
		password: FUZZ_PASSWORD,
		client: options.world.client,
		sinkUrl: options.world.sinkUrl,
	});
	const send = createSender(options, document, report);
	const started = performance.now();
	for (let batch = 0; report.requests < runs; batch++) {
		const numRuns = Math.min(BATCH, runs - report.requests);
		const plans = fc.sample(arbitrary, { seed: seed + batch, numRuns });
		for (const [i, plan] of plans.entries()) {
			const problems = await send(plan).catch((err: unknown) => [
				`the fuzzer failed on it: ${err instanceof Error ? err.stack : String(err)}`,
			]);
			if (problems.length === 0) continue;
			report.failureCount += 1;
			if (report.failures.length < KEPT_FAILURES)
				report.failures.push(
					`[batch ${batch} (seed ${seed + batch}), request ${i}] ${describePlan(plan)}\n  → ${problems.join("\n  → ")}`,
				);
		}
		options.afterBatch?.(report);
	}
	report.ms = performance.now() - started;
	report.credentialsRenewed = options.world.callers.renewed;
	return report;
}

/** Makes the function that sends one plan and returns what is wrong with its answer. */
function createSender(
	{ t, world }: FuzzRunOptions,
	document: unknown,
	report: FuzzReport,
) {
	const operationAt = createOperationMatcher(operationsOf(document));
	// Collections the fuzzer makes later fall under the generic `{collection}` paths.
	const conformance = new OpenApiConformance(
		document as Record<string, unknown>,
	);
	const oracle = createRuleOracle({
		db: t.app.db,
		targets: world.targets,
		me: (who) => world.callers.me(who),
	});
	report.oracle = oracle.stats;
	const inject = (
		method: string,
		url: string,
		headers: Record<string, string>,
		body?: string,
	) =>
		t.server.inject({
			method: method as "GET",
			url,
			headers,
			...(body !== undefined ? { payload: body } : {}),
		});
	/**
	 * Tells whether a credential still verifies: a 401 INVALID_TOKEN may be about a
	 * token in the body (a refresh token), not the Authorization header. Every route
	 * verifies the header; a health check costs least.
	 */
	const credentialWorks = async (authorization: string | undefined) =>
		(
			await inject(
				"GET",
				"/health/live",
				authorization ? { authorization } : {},
			)
		).statusCode === 200;

	return async function send(plan: RequestPlan): Promise<string[]> {
		const authorization =
			plan.auth.kind === "raw"
				? plan.auth.header
				: world.callers.header(plan.who);
		const headers = {
			...plan.headers,
			...(authorization ? { authorization } : {}),
		};
		const body = plan.body?.replaceAll(SELF, world.callers.me(plan.who));
		const written = await oracle.before(plan);
		const answer = answerOf(await inject(plan.method, plan.url, headers, body));
		report.requests += 1;
		report.statuses[answer.status] = (report.statuses[answer.status] ?? 0) + 1;
		// The operation the method and path reach, for the answers it documents.
		const path = pathSent(plan.url);
		const op = operationAt(plan.method, path);
		const problems = answerProblems(
			{ method: plan.method, url: plan.url, headers, body, op },
			answer,
		);
		const refused =
			answer.status === 401 &&
			plan.auth.kind === "intact" &&
			plan.who !== "guest" &&
			(answer.json as { code?: string } | undefined)?.code === "INVALID_TOKEN";
		if (
			refused &&
			!(await credentialWorks(authorization)) &&
			!(await world.callers.renewIfEnded(plan.who))
		)
			problems.push(`${plan.who}'s intact credential was refused`);
		problems.push(...(await oracle.check({ ...plan, body }, answer, written)));
		problems.push(
			...conformance.problems({
				method: plan.method,
				url: path,
				status: answer.status,
				headers: answer.headers,
				text: answer.text,
			}),
		);
		if (answer.status >= 200 && answer.status < 300 && plan.op)
			harvest(world.pools, {
				path: plan.url,
				collection: plan.collection,
				headers: answer.headers,
				body: answer.json,
			});
		if (problems.length > 0)
			problems.push(`answer ${answer.status}: ${answer.text.slice(0, 500)}`);
		return problems;
	};
}

/** Runs the rule sweep of rule-oracle.ts for every caller but the superuser session. */
export async function sweepRules(
	t: TestApp,
	world: FuzzWorld,
): Promise<string[]> {
	const oracle = createRuleOracle({
		db: t.app.db,
		targets: world.targets,
		me: (who) => world.callers.me(who),
	});
	const problems: string[] = [];
	for (const who of ["guest", "ann", "bob", "annKey", "suKey"] as const) {
		const live = await t.server.inject({
			method: "GET",
			url: "/health/live",
			headers: { authorization: world.callers.header(who) ?? "" },
		});
		if (live.statusCode === 401) await world.callers.renewIfEnded(who);
		const authorization = world.callers.header(who);
		problems.push(
			...(await oracle.sweep(who, async (url) =>
				answerOf(
					await t.server.inject({
						method: "GET",
						url,
						headers: authorization ? { authorization } : {},
					}),
				),
			)),
		);
	}
	return problems;
}
