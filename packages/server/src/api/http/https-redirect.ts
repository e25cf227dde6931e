import { createServer, type Server } from "node:http";
import type { HeaderList } from "./security-headers.js";

/**
 * The plain HTTP listener of BASALT_HTTP_REDIRECT_PORT (docs/security.md#tls): every
 * request, whatever its method, gets `308 Permanent Redirect` to the same path and
 * query under the public URL, so a POST is repeated as a POST and nothing is
 * served over plain HTTP. `headers` are the ones of a plain HTTP answer (no HSTS,
 * which browsers ignore over HTTP). The target's origin is the configured one, never the
 * request's `Host` header, so the redirect cannot be pointed elsewhere.
 */
export function createHttpsRedirectServer(
	publicUrl: string,
	headers: HeaderList,
): Server {
	const base = publicUrl.replace(/\/$/, "");
	return createServer((request, response) => {
		// Origin-form targets only: an absolute-form one ("http://other/x") keeps no part.
		const target = request.url?.startsWith("/") ? request.url : "/";
		for (const [name, value] of headers) response.setHeader(name, value);
		response.writeHead(308, {
			location: `${base}${target}`,
			"content-length": 0,
		});
		response.end();
	});
}
