/** Matches a valid collection (and index) name: lower-case, at most 63 characters. */
export const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** Matches a valid field name: a letter first, at most 63 characters. */
export const FIELD_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/;
/** SQLite refuses to create tables and indexes named sqlite_… (sqlite.org/fileformat2.html). */
export const SQLITE_INTERNAL = /^sqlite_/;
