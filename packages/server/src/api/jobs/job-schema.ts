import { jobStatuses } from "../../core/jobs/index.js";
import { ref, type Schema } from "../openapi/route-schema.js";

const instant = { type: "string", format: "date-time" } as const;
const instantOrNull = {
	type: ["string", "null"],
	format: "date-time",
} as const;

/**
 * A job as the API shows it (core/jobs `Job`, docs/jobs.md#the-jobs-api-superusers):
 * the document's `Job` component, which the jobs, imports and exports routes refer to.
 */
export const jobSchema: Schema = {
	type: "object",
	required: [
		"id",
		"queue",
		"name",
		"payload",
		"status",
		"priority",
		"attempts",
		"maxAttempts",
		"progress",
		"result",
		"lastError",
		"uniqueKey",
		"runAt",
		"created",
		"started",
		"finished",
	],
	properties: {
		id: { type: "string" },
		queue: { type: "string" },
		name: { type: "string", description: "The handler, e.g. basalt.mail.send" },
		payload: { description: "The handler's JSON input" },
		status: { type: "string", enum: [...jobStatuses] },
		priority: { type: "integer", description: "Higher runs sooner" },
		attempts: { type: "integer", description: "Attempts started so far" },
		maxAttempts: { type: "integer" },
		progress: {
			description: "What the handler last reported (any JSON), or null",
		},
		result: {
			description: "The handler's resolved value once completed, or null",
		},
		lastError: { type: ["string", "null"] },
		uniqueKey: { type: ["string", "null"] },
		runAt: instant,
		created: instant,
		started: instantOrNull,
		finished: instantOrNull,
		traceParent: {
			type: "string",
			description:
				"The W3C traceparent of the request that enqueued the job; only with tracing on",
		},
	},
};

/** A reference to the `Job` component, for answers that are a job. */
export const jobRef = ref("Job");
