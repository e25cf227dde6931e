import type { Schema } from "./route-schema.js";

/** The problem document every error answer carries (RFC 9457, docs/errors.md). */
const problem: Schema = {
	type: "object",
	description:
		"RFC 9457 problem details; `code` is stable (see docs/errors.md).",
	required: [
		"type",
		"title",
		"status",
		"detail",
		"instance",
		"code",
		"requestId",
	],
	properties: {
		type: { type: "string" },
		title: { type: "string" },
		status: { type: "integer" },
		detail: { type: "string" },
		instance: { type: "string" },
		code: { type: "string" },
		requestId: { type: "string" },
		errors: {
			type: "object",
			description: "Field name to what is wrong with it",
			additionalProperties: {
				type: "object",
				required: ["code", "message"],
				properties: { code: { type: "string" }, message: { type: "string" } },
			},
		},
		index: {
			type: "integer",
			description: "In a batch: the request that failed",
		},
	},
};

const recordMembers = {
	id: { type: "string" },
	created: { type: "string", format: "date-time" },
	updated: { type: "string", format: "date-time" },
	expand: {
		type: "object",
		description: "Related records, when `expand` was asked for",
	},
};

/**
 * The schemas the document always has: the problem document, and the generic record
 * schemas of the `{collection}` routes, which each collection's own paths replace
 * with its `record.<name>…` schemas.
 */
export const recordComponents: Readonly<Record<string, Schema>> = {
	Problem: problem,
	Record: {
		type: "object",
		description:
			"A record as a write returns it: its fields, and these members",
		required: ["id", "created", "updated"],
		properties: recordMembers,
	},
	RecordView: {
		type: "object",
		description: "A record as reads return it: `fields` may leave members out",
		properties: recordMembers,
	},
};
