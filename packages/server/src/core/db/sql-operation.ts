/**
 * Names what a statement does by its first keyword (SELECT, INSERT, UPDATE, DELETE,
 * WITH, …), for the slow-query log and `db.operation.name` of a span.
 */
export function sqlOperation(sql: string): string {
	const match = /^\s*([A-Za-z]+)/.exec(sql);
	return match?.[1] ? match[1].toUpperCase() : "QUERY";
}

/**
 * Names the first table a statement reads or writes (`… FROM "notes"`, `INSERT INTO
 * _jobs`, `UPDATE "users"`), or undefined: a span's `db.collection.name`.
 */
export function sqlTarget(sql: string): string | undefined {
	const match =
		/(?:^\s*UPDATE|\bFROM|\bINTO)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?/i.exec(sql);
	return match?.[1];
}
