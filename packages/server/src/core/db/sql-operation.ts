/**
 * Names what a statement does by its first keyword (SELECT, INSERT, UPDATE, DELETE,
 * WITH, …), for the slow-query log and `db.operation.name` of a span.
 */
export function sqlOperation(sql: string): string {
	const match = /^\s*([A-Za-z]+)/.exec(sql);
	return match?.[1] ? match[1].toUpperCase() : "QUERY";
}
