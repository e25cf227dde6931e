import type { Clock } from "../../tools/time/index.js";
import type { SqlDialect } from "../db/index.js";
import { AppError, type FieldError } from "../errors/index.js";
import type { CollectionDefinition, Rules } from "../model/index.js";
import { guest } from "../model/index.js";
import {
	compileRule,
	createAliasSource,
	type FilterParser,
} from "../query/index.js";
import type { CollectionRegistry } from "./collection-registry.js";

const RULE_NAMES: (keyof Rules)[] = [
	"list",
	"view",
	"create",
	"update",
	"delete",
];

/** What checkRules compiles rules with. */
export interface RuleCheckDeps {
	registry: CollectionRegistry;
	dialect: SqlDialect;
	parseFilter: FilterParser;
	clock: Clock;
}

/**
 * Checks that a collection's table and index names are free.
 *
 * Tables and indexes share one namespace per database (PostgreSQL) or per file
 * (SQLite): refuse a name another collection's table or index already has, so the
 * clash is a 422 here rather than a failed CREATE.
 */
export function checkNames(
	definition: CollectionDefinition,
	registry: CollectionRegistry,
): void {
	const others = registry.list().filter((c) => c.id !== definition.id);
	const tables = new Set(others.map((c) => c.name));
	const indexes = new Set(
		others.flatMap((c) => c.indexes.map((ix) => ix.name)),
	);
	const errors: Record<string, FieldError> = {};
	if (indexes.has(definition.name)) {
		errors.name = {
			code: "DUPLICATE_NAME",
			message: `an index is already named "${definition.name}"`,
		};
	}
	definition.indexes.forEach((index, i) => {
		if (
			tables.has(index.name) ||
			index.name === definition.name ||
			indexes.has(index.name)
		) {
			errors[`indexes.${i}.name`] = {
				code: "DUPLICATE_NAME",
				message: `"${index.name}" is already the name of a table or index; give this index another name`,
			};
		}
	});
	if (Object.keys(errors).length > 0)
		throw new AppError("INVALID_SCHEMA", { errors });
}

/**
 * Compiles every rule of the given collections against the schema as it will be,
 * so a change cannot leave a rule that names a missing field (422, not a later 500).
 */
export function checkRules(
	changed: CollectionDefinition[],
	deps: RuleCheckDeps,
	removed?: string,
): void {
	const overrides = new Map(changed.map((c) => [c.name, c]));
	const lookup = (n: string) =>
		n === removed ? undefined : (overrides.get(n) ?? deps.registry.find(n));
	const scope = {
		dialect: deps.dialect,
		collections: lookup,
		request: { caller: guest, method: "GET", body: {} },
		now: deps.clock().toISOString(),
		applyViewRules: false,
		parse: deps.parseFilter,
	};
	const errors: Record<string, FieldError> = {};
	for (const collection of changed) {
		for (const ruleName of RULE_NAMES) {
			const rule = collection.rules[ruleName];
			if (rule === null || rule.trim() === "") continue;
			try {
				compileRule(
					rule,
					{ collection, alias: "r", aliases: createAliasSource() },
					scope,
				);
			} catch (err: unknown) {
				if (!(err instanceof AppError)) throw err;
				const at =
					collection === changed[0] && removed === undefined
						? `rules.${ruleName}`
						: `${collection.name}.rules.${ruleName}`;
				errors[at] = { code: "INVALID_RULE", message: err.message };
			}
		}
	}
	if (Object.keys(errors).length > 0)
		throw new AppError("INVALID_SCHEMA", {
			errors,
			detail: "A rule is invalid.",
		});
}
