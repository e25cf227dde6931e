import type { Caller } from "../core/auth/index.js";

declare module "fastify" {
	interface FastifyRequest {
		/** Who is calling, set by the authenticate hook before any handler runs. */
		caller: Caller;
	}
	interface FastifyContextConfig {
		/** The route reads its own credentials; the authenticate hook leaves it a guest. */
		ownAuthentication?: boolean;
	}
}
