import FindMyWay, { type HTTPMethod } from "find-my-way";
import type { RegisteredRoute } from "../openapi/route-docs.js";

/**
 * Methods no route of Basalt answers, whatever the path: TRACE (it would echo the
 * request, credentials included, back to a script: cross-site tracing) and TRACK.
 */
const NEVER_ALLOWED = new Set(["TRACE", "TRACK"]);

/** What a request that matched no route gets instead of a 404, if anything. */
export interface MethodRefusal {
	/** The `Allow` header: the path's methods, possibly none. */
	allow: string;
}

/**
 * Tells, for a request no route matched, whether the path exists under other methods
 * (405 with `Allow`, RFC 9110 section 15.5.6) or the method is one Basalt never
 * answers (405 on any path); undefined means a plain 404. Routes are read from the
 * live list the first time it is asked, once the server is ready.
 */
export function createMethodCheck(
	routes: readonly RegisteredRoute[],
	routerOptions: { maxParamLength: number },
): (method: string, url: string) => MethodRefusal | undefined {
	let router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1> | undefined;
	let methods: string[] = [];
	const build = () => {
		const built = FindMyWay({ ...routerOptions, ignoreTrailingSlash: false });
		const seen = new Set<string>();
		for (const route of routes) {
			// The CORS preflight route answers OPTIONS on every path: it says nothing
			// about which paths exist.
			if (route.method === "OPTIONS") continue;
			// Fastify answers HEAD wherever it answers GET.
			for (const method of route.method === "GET"
				? ["GET", "HEAD"]
				: [route.method]) {
				built.on(method as HTTPMethod, route.url, () => {});
				seen.add(method);
			}
		}
		methods = [...seen].sort();
		return built;
	};
	return (method, url) => {
		router ??= build();
		const known = router;
		const path = url.split("?")[0] ?? url;
		const found = methods.filter(
			(m) => known.find(m as HTTPMethod, path) !== null,
		);
		const allow =
			found.length > 0 ? [...found, "OPTIONS"].sort().join(", ") : "";
		if (found.length > 0 && !found.includes(method)) return { allow };
		if (NEVER_ALLOWED.has(method)) return { allow };
		return undefined;
	};
}
