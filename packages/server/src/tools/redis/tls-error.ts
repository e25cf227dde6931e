/**
 * Tells whether an error is a failed TLS handshake: a certificate Node refused
 * (`SELF_SIGNED_CERT_IN_CHAIN`, `ERR_TLS_CERT_ALTNAME_INVALID`, …) or a server that
 * does not speak TLS (`ERR_SSL_WRONG_VERSION_NUMBER`).
 */
export function isTlsError(err: unknown): boolean {
	const code = (err as { code?: unknown } | null)?.code;
	return (
		typeof code === "string" &&
		/CERT|SELF_SIGNED|UNABLE_TO_|HOSTNAME|^ERR_SSL_|^ERR_TLS_/.test(code)
	);
}
