import type { FilterExpression, Operand } from "../../tools/filter/index.js";
import { explainQuery } from "../db/index.js";
import type { Collection } from "../model/index.js";
import { compileListQuery, type ListOptions } from "./list-records.js";
import type { RecordContext } from "./read-context.js";

/** What GET …/explain answers: the list's statement and what the database plans for it. */
export interface ListExplanation {
	/** The SQL with placeholders; the values stay bound, never written into it. */
	sql: string;
	/** The dialect's plan as it gave it. */
	plan: unknown;
	/** An index narrows the rows read (not only orders a full scan). */
	usesIndex: boolean;
	/** Every index the plan reads, by name. */
	indexes: string[];
	fullScan: boolean;
	/** A sentence on what to do (which index to add), or that nothing is missing. */
	hint: string;
}

/**
 * Plans the statement a records list runs for these options, without running it, so a
 * superuser can see whether a filter or sort needs an index (docs/api.md#explain).
 */
export async function explainList(
	collection: Collection,
	options: ListOptions,
	ctx: RecordContext,
): Promise<ListExplanation> {
	const query = compileListQuery(collection, options, ctx);
	const plan = await explainQuery(ctx.read, ctx.scope.dialect, query.page);
	const filterFields = options.filter?.trim()
		? fieldsOf(ctx.scope.parse(options.filter))
		: [];
	const sortFields = options.sort?.trim()
		? options.sort.split(",").map((term) => term.trim().replace(/^[-+]/, ""))
		: [];
	const parts: string[] = [];
	if (plan.fullScan && filterFields.length > 0)
		parts.push(
			`Every row of "${collection.name}" is read to apply the filter: an index on ${quoted(filterFields)} would let the database search instead (add it to the collection's indexes).`,
		);
	else if (plan.fullScan)
		parts.push(
			`Every row of "${collection.name}" is read: expected without a filter, since the whole collection is listed.`,
		);
	else
		parts.push(
			`The filter is answered from ${quoted(plan.indexes)}: no index is missing for it.`,
		);
	if (plan.sortsAfterReading && sortFields.length > 0)
		parts.push(
			`The rows are sorted after reading: an index on ${quoted(sortFields)} would give them in order.`,
		);
	return {
		sql: query.page.sql,
		plan: plan.plan,
		usesIndex: plan.searchesIndex,
		indexes: plan.indexes,
		fullScan: plan.fullScan,
		hint: parts.join(" "),
	};
}

function quoted(names: string[]): string {
	return names.map((name) => `"${name}"`).join(", ");
}

/** The field paths a filter compares, in order of first use. */
function fieldsOf(expression: FilterExpression): string[] {
	const fields = new Set<string>();
	const visitOperand = (operand: Operand) => {
		if (operand.kind === "field") fields.add(operand.path.join("."));
	};
	const visit = (node: FilterExpression) => {
		if (node.kind === "logical") node.items.forEach(visit);
		else {
			visitOperand(node.left);
			visitOperand(node.right);
		}
	};
	visit(expression);
	return [...fields];
}
