import { type ClientTls, readClientTls } from "./client-tls-config.js";
import { ConfigError } from "./config-error.js";
import { oneOf, type Reader } from "./read-values.js";

/** TLS to the SMTP server: smtps:// from the start, smtp:// by STARTTLS. */
export interface SmtpTls extends ClientTls {
	/**
	 * smtp:// only. `auto`: upgrade with STARTTLS when the server offers it, else send
	 * in plain text; `required`: refuse to send (or log in) without it.
	 */
	starttls: "auto" | "required";
}

/** Reads BASALT_SMTP_STARTTLS, BASALT_SMTP_CA and BASALT_SMTP_TLS_VERIFY. */
export function readSmtpTls(
	read: Reader,
	smtpUrl: string | undefined,
): SmtpTls {
	const starttls = oneOf(
		read,
		"BASALT_SMTP_STARTTLS",
		["auto", "required"] as const,
		"auto",
	);
	const unset =
		smtpUrl === undefined ? "BASALT_SMTP_URL is not set" : undefined;
	if (starttls === "required" && unset)
		throw new ConfigError("BASALT_SMTP_STARTTLS", `has no effect: ${unset}`);
	const tls = readClientTls(
		read,
		{
			ca: "BASALT_SMTP_CA",
			verify: "BASALT_SMTP_TLS_VERIFY",
		},
		unset,
	);
	// nodemailer reads options from the URL's query (`tls.rejectUnauthorized=false`
	// among them): Basalt sets TLS from the variables above only, and refuses a query
	// rather than drop a `requireTLS=true` in silence.
	if (smtpUrl !== undefined && new URL(smtpUrl).search !== "")
		throw new ConfigError(
			"BASALT_SMTP_URL",
			"takes no query parameters: TLS is set by BASALT_SMTP_STARTTLS, BASALT_SMTP_TLS_VERIFY and BASALT_SMTP_CA",
		);
	return { ...tls, starttls };
}
