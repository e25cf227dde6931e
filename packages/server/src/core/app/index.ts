export { App } from "./app.js";
export type {
	AreaContribution,
	ReadinessCheck,
	ReadinessChecks,
	StartContext,
} from "./area.js";
export {
	type AppParts,
	type CacheStores,
	memoryCacheStores,
	type QueueDriverContext,
} from "./shared-parts.js";
