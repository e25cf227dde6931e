import type { Database } from "../../src/core/db/index.js";
import type { Answer } from "../helpers/answer-checks.js";
import { KEY_SCOPES } from "./fuzz-callers.js";
import { MODEL, modelOf, type Row, type RuleContext } from "./fuzz-rules.js";
import type { ListTarget } from "./list-params.js";
import type { RequestPlan, Who } from "./plan-context.js";
import { createRowReader } from "./row-reader.js";

/*
 * Checks answers against the reference rules of fuzz-rules.ts
 * (docs/filters.md#rules): a list or view answer holds only records the caller's
 * rules let them see (expanded ones included), never a hidden field, and an API key
 * only reads collections its scopes name; a write that succeeded was one the rules
 * allow. Superusers pass every rule and are not checked.
 */

/** The record a write touched, read before the write ran. */
export interface WriteTarget {
	collection: string;
	row: Row | undefined;
}

const SECRET_MEMBERS = [
	"password_hash",
	"token_key",
	"passwordHash",
	"tokenKey",
];

/** Tells whether an API key caller's scopes let it read a collection. */
function canRead(who: Who, collection: string): boolean {
	if (who !== "annKey" && who !== "suKey") return true;
	return KEY_SCOPES[who].some(
		(s) => s === `records:read:${collection}` || s === "records:read:*",
	);
}

/** Tells whether an API key caller's scopes let it write a collection. */
function canWrite(who: Who, collection: string): boolean {
	if (who !== "annKey" && who !== "suKey") return true;
	return KEY_SCOPES[who].some(
		(s) => s === `records:write:${collection}` || s === "records:write:*",
	);
}

const isSuperuser = (who: Who) => who === "superuser" || who === "suKey";

const RECORDS_PATH = /\/records(\/\{id\})?$/;

/** The record id a records path names, or undefined for a list or create. */
function recordIdOf(url: string): string | undefined {
	const m = /\/records\/([^/?]+)(?:\?|$)/.exec(url);
	if (!m) return undefined;
	try {
		return decodeURIComponent(m[1] as string);
	} catch {
		return undefined;
	}
}

/** Checks read and write answers of the records API against the reference rules. */
export function createRuleOracle(deps: {
	db: Database;
	targets: ReadonlyMap<string, ListTarget>;
	me(who: Who): string;
}) {
	const contextFor = createRowReader(deps.db);
	const stats = { recordsChecked: 0, writesChecked: 0, withoutId: 0 };

	async function context(who: Who): Promise<RuleContext> {
		const c = contextFor(deps.me(who));
		await c.ready;
		return c;
	}

	/** Problems with one returned record (and what it expands), read with `rule`. */
	async function recordProblems(
		who: Who,
		collection: string,
		item: Row,
		rule: "list" | "view",
		c: RuleContext,
	): Promise<string[]> {
		const problems: string[] = [];
		const model = modelOf(collection);
		const target = deps.targets.get(collection);
		if (!model || !target) return problems;
		for (const field of target.fields.filter((f) => f.hidden))
			if (field.name in item)
				problems.push(`${collection}.${field.name} is hidden, yet returned`);
		for (const member of SECRET_MEMBERS)
			if (member in item) problems.push(`${collection} returned ${member}`);
		if (!canRead(who, collection))
			problems.push(`${who} read ${collection} without the scope`);
		if (typeof item.id === "string") {
			stats.recordsChecked += 1;
			const row = await c.row(collection, item.id);
			if (!row) problems.push(`${collection}/${item.id} does not exist`);
			else if (!(await model.rules[rule].allows(row, c, {})))
				problems.push(
					`${collection}/${item.id} is hidden from ${who} by the ${rule} rule ${JSON.stringify(model.rules[rule].rule)}`,
				);
		} else stats.withoutId += 1;
		const expand = item.expand as Record<string, unknown> | undefined;
		for (const [name, value] of Object.entries(expand ?? {})) {
			const field = target.fields.find((f) => f.name === name);
			if (field?.type !== "relation" || !field.collection) {
				problems.push(`${collection} expands ${name}, not a relation`);
				continue;
			}
			for (const related of [value].flat() as Row[])
				problems.push(
					...(await recordProblems(who, field.collection, related, "view", c)),
				);
		}
		return problems;
	}

	return {
		stats,

		/**
		 * Lists every fixture collection as `who`, page by page, and compares the ids
		 * with the rows the reference list rule lets `who` see: none missing, none
		 * extra. API keys get 403 where their scopes do not reach.
		 */
		async sweep(
			who: Who,
			list: (url: string) => Promise<Answer>,
		): Promise<string[]> {
			const problems: string[] = [];
			const c = await context(who);
			for (const [collection, model] of Object.entries(MODEL)) {
				const seen: string[] = [];
				for (let page = 1; page < 100; page++) {
					const answer = await list(
						`/api/v1/collections/${collection}/records?perPage=500&page=${page}&fields=id&skipTotal=1`,
					);
					if (!canRead(who, collection)) {
						if (answer.status !== 403)
							problems.push(
								`${who} listed ${collection} without the scope: ${answer.status}`,
							);
						break;
					}
					const expected =
						model.rules.list.rule === null && who !== "suKey"
							? who === "guest"
								? 401
								: 403
							: 200;
					if (answer.status !== expected) {
						problems.push(
							`${who} listing ${collection}: ${answer.status}, expected ${expected}: ${answer.text.slice(0, 300)}`,
						);
						break;
					}
					if (expected !== 200) break;
					const items = (answer.json as { items: { id: string }[] }).items;
					seen.push(...items.map((i) => i.id));
					if (items.length < 500) break;
				}
				if (
					!canRead(who, collection) ||
					(model.rules.list.rule === null && who !== "suKey")
				)
					continue;
				const allowed: string[] = [];
				for (const row of await c.rows(collection))
					if (isSuperuser(who) || (await model.rules.list.allows(row, c, {})))
						allowed.push(String(row.id));
				const missing = allowed.filter((id) => !seen.includes(id));
				const extra = seen.filter((id) => !allowed.includes(id));
				if (missing.length > 0 || extra.length > 0)
					problems.push(
						`${who} lists ${collection}: ${missing.length} missing (${missing.slice(0, 3).join(", ")}), ${extra.length} not allowed (${extra.slice(0, 3).join(", ")})`,
					);
			}
			return problems;
		},

		/** Reads the record a write names before it runs (for its update or delete rule). */
		async before(plan: RequestPlan): Promise<WriteTarget | undefined> {
			const collection = plan.collection;
			if (!collection || !modelOf(collection) || isSuperuser(plan.who))
				return undefined;
			if (!["PATCH", "PUT", "DELETE"].includes(plan.method)) return undefined;
			const id = recordIdOf(plan.url);
			if (!id) return undefined;
			const c = contextFor("");
			return { collection, row: await c.row(collection, id) };
		},

		/** What is wrong with an answer of the records API for this caller. */
		async check(
			plan: RequestPlan,
			answer: Answer,
			written: WriteTarget | undefined,
		): Promise<string[]> {
			if (answer.status >= 300 || plan.auth.kind !== "intact") return [];
			const collection = plan.collection;
			if (!collection || !modelOf(collection)) return [];
			if (!plan.op || !RECORDS_PATH.test(plan.op.path)) return [];
			const body = (answer.json ?? {}) as Row;
			if (!["GET", "POST", "PATCH", "PUT", "DELETE"].includes(plan.method))
				return [];
			if (plan.method === "POST" && recordIdOf(plan.url) !== undefined)
				return [];
			if (plan.method !== "GET") {
				if (!canWrite(plan.who, collection))
					return [`${plan.who} wrote ${collection} without the scope`];
				if (isSuperuser(plan.who)) return [];
				return writeProblems(plan, body, written, await context(plan.who));
			}
			if (isSuperuser(plan.who)) return [];
			const c = await context(plan.who);
			const view = recordIdOf(plan.url) !== undefined;
			const items = view ? [body] : ((body.items ?? []) as Row[]);
			await c.prefetch(
				collection,
				items.map((item) => item.id),
			);
			const problems: string[] = [];
			for (const item of items)
				problems.push(
					...(await recordProblems(
						plan.who,
						collection,
						item,
						view ? "view" : "list",
						c,
					)),
				);
			return problems;
		},
	};

	async function writeProblems(
		plan: RequestPlan,
		answer: Row,
		written: WriteTarget | undefined,
		c: RuleContext,
	): Promise<string[]> {
		const collection = plan.collection as string;
		const model = modelOf(collection);
		if (!model) return [];
		let sent: Row = {};
		try {
			sent = JSON.parse(plan.body ?? "{}") as Row;
		} catch {
			return [];
		}
		stats.writesChecked += 1;
		const problems: string[] = [];
		for (const field of deps.targets
			.get(collection)
			?.fields.filter((f) => f.hidden) ?? [])
			if (field.name in answer)
				problems.push(
					`the write's answer holds hidden ${collection}.${field.name}`,
				);
		if (plan.method === "POST") {
			const row = await c.row(collection, answer.id);
			if (row && !(await model.rules.create.allows(row, c, sent)))
				problems.push(
					`${plan.who} created ${collection}/${String(answer.id)} against ${JSON.stringify(model.rules.create.rule)}`,
				);
			return problems;
		}
		const before = written?.row;
		if (!before)
			return [`${plan.who} wrote ${collection} record that did not exist`];
		const rule = plan.method === "DELETE" ? "delete" : "update";
		if (!(await model.rules.view.allows(before, c, sent)))
			problems.push(
				`${plan.who} wrote a ${collection} record the view rule hides`,
			);
		if (!(await model.rules[rule].allows(before, c, sent)))
			problems.push(
				`${plan.who} ${rule}d ${collection}/${String(before.id)} against ${JSON.stringify(model.rules[rule].rule)}`,
			);
		return problems;
	}
}
