import { isIP } from "node:net";

/**
 * Tells whether a host is this machine's loopback interface: `localhost`,
 * 127.0.0.0/8, ::1, or 127.x written as an IPv4-mapped IPv6 address (a dual-stack
 * listener reports `::ffff:127.0.0.1`). Takes an address as a socket reports it, or
 * a URL's hostname (IPv6 in brackets); a name such as `127.example` is not one.
 */
export function isLoopbackHost(host: string): boolean {
	const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
	if (bare === "localhost" || bare === "::1") return true;
	const v4 = bare.startsWith("::ffff:") ? bare.slice(7) : bare;
	return isIP(v4) === 4 && v4.startsWith("127.");
}
