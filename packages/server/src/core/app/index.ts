export { App } from "./app.js";
export type {
	AreaContribution,
	ReadinessCheck,
	ReadinessChecks,
	StartContext,
} from "./area.js";
export type { AppParts, QueueDriverContext } from "./shared-parts.js";
