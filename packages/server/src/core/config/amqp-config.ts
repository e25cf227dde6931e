import { type ClientTls, readClientTls } from "./client-tls-config.js";
import { optionalUrl, type Reader } from "./read-values.js";

/** The RabbitMQ the `rabbitmq` queue driver uses (docs/jobs.md#rabbitmq). */
export interface AmqpConfig {
	/** amqp:// (plain TCP) or amqps:// (TLS), with user, password and virtual host. */
	url: string;
	/** amqps:// only: how the server's certificate is checked. */
	tls: ClientTls | undefined;
}

/** Reads AMQP_URL, BASALT_AMQP_CA and BASALT_AMQP_TLS_VERIFY. */
export function readAmqpConfig(read: Reader): AmqpConfig | undefined {
	const url = optionalUrl(read, "AMQP_URL", ["amqp:", "amqps:"]);
	const secure = url !== undefined && new URL(url).protocol === "amqps:";
	const tls = readClientTls(
		read,
		{ ca: "BASALT_AMQP_CA", verify: "BASALT_AMQP_TLS_VERIFY" },
		secure
			? undefined
			: url
				? "AMQP_URL is amqp:// (plain TCP); use amqps:// for TLS"
				: "AMQP_URL is not set",
	);
	if (url === undefined) return undefined;
	return { url, tls: secure ? tls : undefined };
}
