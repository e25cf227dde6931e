import fc from "fast-check";
import type { FuzzPools } from "./fuzz-pools.js";
import type { ListContext, ListTarget } from "./list-params.js";
import type { JsonSchema, Operation } from "./openapi-operations.js";
import { naughtyString } from "./schema-values.js";

/*
 * What request generators share: who sends a request, the plan of one request, the
 * context plans are drawn from, and small helpers over it.
 */

/** Who sends a request: the four kinds of caller, with two of each but guests. */
export type Who = "guest" | "ann" | "bob" | "annKey" | "suKey" | "superuser";

/** One generated request, before the caller's credential is filled in. */
export interface RequestPlan {
	who: Who;
	/** `intact`: the caller's credential; `raw`: this Authorization header instead. */
	auth: { kind: "intact" } | { kind: "raw"; header: string };
	method: string;
	url: string;
	headers: Record<string, string>;
	body: string | undefined;
	/** The operation the request was made from; undefined for made-up paths. */
	op: Operation | undefined;
	/** The collection of a records request, as sent. */
	collection: string | undefined;
}

/** What plans are made from. */
export interface PlanContext {
	operations: readonly Operation[];
	resolve(schema: JsonSchema): JsonSchema;
	component(name: string): JsonSchema | undefined;
	/** Collections by name, and the logs and audit lists. */
	targets: ReadonlyMap<string, ListTarget>;
	/** Collections whose definitions the fuzzer must not change (the fixture's). */
	fixture: readonly string[];
	pools: FuzzPools;
	emails: readonly string[];
	password: string;
	client: { clientId: string; clientSecret: string };
	sinkUrl: string;
}

/** Names of the collections the fuzzer may create, change and delete. */
export const SCRATCH = ["fz_a", "fz_b", "fz_c", "fz_d"];

/** The list context of a plan context. */
export const listContext = (ctx: PlanContext): ListContext => ({
	target: (name) => ctx.targets.get(name),
	id: (collection) => pooled(ctx, `records:${collection}`),
});

/** `value` once in `oneIn` draws, else undefined. */
export function rarely<T>(
	value: fc.Arbitrary<T>,
	oneIn: number,
): fc.Arbitrary<T | undefined> {
	return fc.oneof(
		{ arbitrary: fc.constant(undefined), weight: oneIn - 1 },
		{ arbitrary: value, weight: 1 },
	);
}

/**
 * A name from `usual` mostly (`weight` draws to each one of the others), else one of
 * `odd` (real but out of bounds, or almost right) or a naughty string.
 */
export function nameFrom(
	usual: readonly string[],
	odd: readonly string[],
	weight: number,
): fc.Arbitrary<string> {
	return fc.oneof(
		{ arbitrary: fc.constantFrom(...usual), weight },
		{ arbitrary: fc.constantFrom(...odd), weight: 1 },
		{ arbitrary: naughtyString, weight: 1 },
	);
}

/** An id no record has, for pools that are still empty. */
const NO_SUCH_ID = "01930000-0000-7000-8000-000000000000";

/** A value of a pool (drawn when the request is made, so the pool can grow). */
export function pooled(ctx: PlanContext, pool: string): fc.Arbitrary<string> {
	return fc.nat().map((n) => ctx.pools.pick(pool, n) ?? NO_SUCH_ID);
}
