import { ConfigError } from "./config-error.js";
import { checkPemFile } from "./pem-file.js";
import { flag, type Reader } from "./read-values.js";

/**
 * TLS of a connection Basalt opens to Redis or an SMTP server
 * (docs/security.md#tls-to-postgresql-redis-smtp-and-rabbitmq): the server's certificate is
 * checked for its CA and host name unless the operator turned that off.
 */
export interface ClientTls {
	/** PEM file of the CAs trusted instead of Node's bundled list; undefined: the bundled list. */
	caFile: string | undefined;
	/** false only when the operator set the service's `…_TLS_VERIFY=false`. */
	verify: boolean;
}

/** The variables of one service's TLS settings. */
export interface ClientTlsVariables {
	/** The CA file variable. */
	ca: string;
	/** The `true`/`false` verification variable. */
	verify: string;
}

/**
 * Reads a service's CA file and verification flag. Both are read whatever the URL
 * says, and refused when they cannot apply (`tlsRuledOut` says why, e.g. the URL is
 * redis://): a CA that is silently ignored would look like protection.
 */
export function readClientTls(
	read: Reader,
	names: ClientTlsVariables,
	tlsRuledOut: string | undefined,
): ClientTls {
	const caFile = read(names.ca);
	const verify = flag(read, names.verify, true);
	const changed =
		caFile !== undefined ? names.ca : verify ? undefined : names.verify;
	if (changed && tlsRuledOut)
		throw new ConfigError(changed, `has no effect: ${tlsRuledOut}`);
	if (caFile !== undefined && !verify)
		throw new ConfigError(
			names.verify,
			`false turns certificate checks off, so ${names.ca} would not be used: unset one of them`,
		);
	if (caFile !== undefined) checkPemFile(names.ca, caFile, "certificate");
	return { caFile, verify };
}
