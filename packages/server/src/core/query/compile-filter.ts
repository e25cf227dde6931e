import { type RawBuilder, type SqlBool, sql } from "kysely";
import type {
	ComparisonExpression,
	FilterExpression,
	Operand,
} from "../../tools/filter/index.js";
import { recordScope, requireScope } from "../auth/index.js";
import type { CollectionDefinition } from "../model/index.js";
import { authRecordOf } from "../model/index.js";
import { compileComparison, type Term } from "./compile-comparison.js";
import { invalidFilter } from "./filter-error.js";
import type { AliasSource, QueryScope } from "./query-scope.js";
import { resolvePath } from "./resolve-path.js";

/** Where a filter is compiled: the collection, its row alias, and the statement's aliases. */
export interface FilterTarget {
	collection: CollectionDefinition;
	alias: string;
	aliases: AliasSource;
}

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/**
 * Compiles a parsed filter or rule to one SQL condition over `target.alias`, with every
 * value bound as a parameter and every identifier checked against the schema.
 * Throws INVALID_FILTER (400) naming the position of anything that does not fit.
 */
export function compileFilter(
	expr: FilterExpression,
	target: FilterTarget,
	scope: QueryScope,
): RawBuilder<SqlBool> {
	if (expr.kind === "logical") {
		const parts = expr.items.map((item) => compileFilter(item, target, scope));
		return sql<SqlBool>`(${sql.join(parts, expr.operator === "&&" ? sql` AND ` : sql` OR `)})`;
	}
	return compileComparisonNode(expr, target, scope);
}

/**
 * Compiles a rule (null: superusers only, "": anyone, else an expression) to a
 * condition, or FALSE when only superusers pass. Callers check superusers first.
 */
export function compileRule(
	rule: string | null,
	target: FilterTarget,
	scope: QueryScope,
): RawBuilder<SqlBool> {
	if (rule === null) return FALSE;
	if (rule.trim() === "") return TRUE;
	return compileFilter(scope.parse(rule), target, {
		...scope,
		applyViewRules: false,
	});
}

function compileComparisonNode(
	node: ComparisonExpression,
	target: FilterTarget,
	scope: QueryScope,
) {
	const left = resolveOperand(node.left, target, scope);
	const right = resolveOperand(node.right, target, scope);
	return compileComparison(
		{ operator: node.operator, anyOf: node.anyOf, left, right, pos: node.pos },
		scope.dialect,
	);
}

function resolveOperand(
	operand: Operand,
	target: FilterTarget,
	scope: QueryScope,
): Term {
	switch (operand.kind) {
		case "literal":
			return {
				kind: "value",
				value: operand.value,
				literal: true,
				type: undefined,
			};
		case "now":
			return { kind: "value", value: scope.now, literal: false, type: "date" };
		case "request":
			return {
				kind: "value",
				value: requestValue(operand.path, scope, operand.pos),
				literal: false,
				type: undefined,
			};
		case "field":
			return resolvePath(
				operand.path,
				target,
				scope,
				target.aliases,
				viewRuleOf(target, scope),
				operand.pos,
			);
		case "collection": {
			const other = scope.collections(operand.collection);
			if (!other)
				throw invalidFilter(
					`unknown collection "${operand.collection}"`,
					operand.pos,
				);
			if (scope.applyViewRules)
				requireScope(scope.request.caller, recordScope("read", other.name));
			const alias = target.aliases.next();
			const where: RawBuilder<SqlBool>[] = [];
			const rule = viewRuleOf(target, scope)(other, alias);
			if (
				rule &&
				scope.applyViewRules &&
				scope.request.caller.kind !== "superuser"
			)
				where.push(rule);
			const seed = {
				from: [sql`${sql.table(other.name)} AS ${sql.id(alias)}`],
				where,
			};
			const start = { collection: other, alias, seed };
			return resolvePath(
				operand.path,
				start,
				scope,
				target.aliases,
				viewRuleOf(target, scope),
				operand.pos,
			);
		}
	}
}

/** Compiles the view rule of a related collection for a row alias (client filters only). */
function viewRuleOf(target: FilterTarget, scope: QueryScope) {
	return (collection: CollectionDefinition, alias: string) => {
		const rule = collection.rules.view;
		if (rule !== null && rule.trim() === "") return undefined;
		return compileRule(
			rule,
			{ collection, alias, aliases: target.aliases },
			scope,
		);
	};
}

function requestValue(path: string[], scope: QueryScope, pos: number): unknown {
	const [root, key, ...rest] = path;
	if (root === "method" && key === undefined) return scope.request.method;
	if (
		(root === "auth" || root === "body") &&
		key !== undefined &&
		rest.length === 0
	) {
		const source =
			root === "auth" ? authRecordOf(scope.request.caller) : scope.request.body;
		const value = Object.hasOwn(source, key) ? source[key] : null;
		return value === undefined ? null : value;
	}
	throw invalidFilter(
		`unknown request value "@request.${path.join(".")}"`,
		pos,
	);
}
