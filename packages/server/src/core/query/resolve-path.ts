import { type RawBuilder, type SqlBool, sql } from "kysely";
import { recordScope, requireScope } from "../auth/index.js";
import { BLIND_INDEX_LENGTH } from "../encryption/index.js";
import {
	type CollectionDefinition,
	type Field,
	findField,
	isMultiValue,
	isSuperuser,
} from "../model/index.js";
import {
	accountColumnType,
	systemColumnType,
	type ValueType,
	valueTypeOf,
} from "./field-kind.js";
import { invalidFilter } from "./filter-error.js";
import type { AliasSource, QueryScope } from "./query-scope.js";

/** A value of the current row, or one reached through single relations. */
export interface ScalarTerm {
	kind: "scalar";
	expr: RawBuilder<unknown>;
	type: ValueType;
	/** The field it reads; undefined for values reached through a subquery. */
	isColumn: boolean;
	/** Set when the value is a searchable encrypted field's blind index. */
	sealed?: SealedValue;
}

/**
 * A searchable encrypted field, read as its blind index: only `=` and `!=` with a
 * value compare it, the value turned into its digest first.
 */
export interface SealedValue {
	field: string;
	digest(value: string): string;
}

/** Many values per row: a multi-value field, or any path through a multi relation. */
export interface SetTerm {
	kind: "set";
	/** FROM items and the condition that ties them to the current row. */
	from: RawBuilder<unknown>;
	where: RawBuilder<SqlBool>;
	value: RawBuilder<unknown>;
	type: ValueType;
	sealed?: SealedValue;
}

/** Compiles a collection's view rule for a row alias; supplied by the filter compiler. */
export type ViewRuleCompiler = (
	collection: CollectionDefinition,
	alias: string,
) => RawBuilder<SqlBool> | undefined;

/** Where a path starts: a row alias, and for `@collection.*` the FROM items before it. */
export interface PathStart {
	collection: CollectionDefinition;
	alias: string;
	seed?: { from: RawBuilder<unknown>[]; where: RawBuilder<SqlBool>[] };
}

interface Walk {
	from: RawBuilder<unknown>[];
	where: RawBuilder<SqlBool>[];
	multi: boolean;
}

/**
 * Resolves a field path (`title`, `author.name`, `tags.label`) from the row `alias` of
 * `collection` to SQL. Each relation step joins the target table by id, and for
 * client filters only sees target rows the caller may view.
 */
export function resolvePath(
	path: string[],
	start: PathStart,
	scope: QueryScope,
	aliases: AliasSource,
	viewRule: ViewRuleCompiler,
	pos: number,
): ScalarTerm | SetTerm {
	const walk: Walk = start.seed
		? { ...start.seed, multi: true }
		: { from: [], where: [], multi: false };
	let collection = start.collection;
	let alias = start.alias;
	for (let i = 0; i < path.length; i++) {
		const name = path[i] as string;
		const last = i === path.length - 1;
		const column = sql.ref(`${alias}.${name}`);
		const systemType =
			systemColumnType(name) ?? accountColumnType(collection, name);
		// A client's filter cannot probe for other accounts' emails; rules can.
		if (
			name === "email" &&
			systemType &&
			scope.applyViewRules &&
			!isSuperuser(scope.request.caller)
		) {
			throw invalidFilter("only superusers filter by an account's email", pos);
		}
		if (systemType) {
			if (!last) throw invalidFilter(`"${name}" is not a relation`, pos);
			return finish(walk, column, systemType);
		}
		const field = findField(collection, name);
		// A hidden field is, to a client's filter, a field that does not exist; rules see it.
		const hidden =
			field?.hidden &&
			scope.applyViewRules &&
			!isSuperuser(scope.request.caller);
		if (!field || hidden)
			throw invalidFilter(
				`unknown field "${path.slice(0, i + 1).join(".")}"`,
				pos,
			);
		if (last) {
			if (field.type === "encrypted")
				return finish(
					walk,
					sql`substr(${column}, 1, ${sql.lit(BLIND_INDEX_LENGTH)})`,
					"text",
					sealedValue(field, collection, scope, pos),
				);
			if (!isMultiValue(field)) return finish(walk, column, valueTypeOf(field));
			const element = aliases.next();
			walk.from.push(scope.dialect.jsonArrayElements(column, element));
			walk.multi = true;
			return finish(walk, sql.ref(`${element}.value`), "text");
		}
		if (field.type !== "relation")
			throw invalidFilter(`"${name}" is not a relation`, pos);
		const target = scope.collections(field.collection);
		if (!target)
			throw invalidFilter(
				`relation "${name}" points at a missing collection`,
				pos,
			);
		// A client's filter reads the related rows; rules (written by superusers) may.
		if (scope.applyViewRules)
			requireScope(scope.request.caller, recordScope("read", target.name));
		const next = aliases.next();
		if (isMultiValue(field)) {
			const element = aliases.next();
			walk.from.push(scope.dialect.jsonArrayElements(column, element));
			walk.where.push(
				sql<SqlBool>`${sql.ref(`${next}.id`)} = ${sql.ref(`${element}.value`)}`,
			);
			walk.multi = true;
		} else {
			walk.where.push(sql<SqlBool>`${sql.ref(`${next}.id`)} = ${column}`);
		}
		walk.from.push(sql`${sql.table(target.name)} AS ${sql.id(next)}`);
		if (scope.applyViewRules && !isSuperuser(scope.request.caller)) {
			const rule = viewRule(target, next);
			if (rule) walk.where.push(rule);
		}
		collection = target;
		alias = next;
	}
	throw invalidFilter("empty field path", pos);
}

function finish(
	walk: Walk,
	value: RawBuilder<unknown>,
	type: ValueType,
	sealed?: SealedValue,
): ScalarTerm | SetTerm {
	const extra = sealed ? { sealed } : {};
	if (walk.from.length === 0)
		return { kind: "scalar", expr: value, type, isColumn: true, ...extra };
	const from = sql.join(walk.from, sql`, `);
	const where =
		walk.where.length > 0 ? sql.join(walk.where, sql` AND `) : sql`1 = 1`;
	if (walk.multi)
		return {
			kind: "set",
			from,
			where: sql<SqlBool>`${where}`,
			value,
			type,
			...extra,
		};
	return {
		kind: "scalar",
		expr: sql`(SELECT ${value} FROM ${from} WHERE ${where} LIMIT 1)`,
		type,
		isColumn: false,
		...extra,
	};
}

/** An encrypted field as a filter sees it: its blind index, if it has one. */
function sealedValue(
	field: Extract<Field, { type: "encrypted" }>,
	collection: CollectionDefinition,
	scope: QueryScope,
	pos: number,
): SealedValue {
	if (!field.searchable)
		throw invalidFilter(
			`"${field.name}" is encrypted without searchable: true: it cannot be filtered`,
			pos,
		);
	const binding = { collectionId: collection.id, fieldId: field.id };
	const blindIndex = scope.blindIndex;
	return {
		field: field.name,
		// Rule checks only compile: any digest of the right shape will do.
		digest: (value) =>
			blindIndex ? blindIndex(binding, value) : "bix.unchecked.",
	};
}
