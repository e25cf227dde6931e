import type { Caller } from "../core/auth/index.js";

declare module "fastify" {
	interface FastifyRequest {
		/** Who is calling, set by the authenticate hook before any handler runs. */
		caller: Caller;
	}
}
