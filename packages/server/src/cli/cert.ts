import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import path from "node:path";
import type { Command } from "commander";
import { createSelfSignedCertificate } from "../tools/certificates/index.js";
import { CommandError } from "./command-error.js";
import { loadConfigOrExit } from "./load-config.js";
import { shellQuote } from "./shell-quote.js";

/** The names every development certificate covers. */
const LOCAL_HOSTS = ["localhost", "127.0.0.1", "::1"];
/**
 * Apple platforms refuse TLS server certificates valid for more than 825 days, even
 * from a root the user trusts (https://support.apple.com/en-us/103769).
 */
const MAX_DAYS = 825;

interface DevCertOptions {
	out?: string;
	host: string[];
	days: string;
	force?: boolean;
}

/** Adds `basalt cert dev` (docs/security.md#a-certificate-for-development). */
export function addCertCommands(program: Command): void {
	const cert = program.command("cert").description("TLS certificates");
	cert
		.command("dev")
		.description(
			"write a self-signed certificate for localhost, to serve HTTPS in development",
		)
		.option(
			"--out <dir>",
			"where to write dev-cert.pem and dev-key.pem (default: <data dir>/tls)",
		)
		.option(
			"--host <name>",
			"another DNS name or IP address it covers (repeat for more)",
			(value: string, hosts: string[]) => [...hosts, value],
			[],
		)
		.option("--days <days>", `days it is valid, 1 to ${MAX_DAYS}`, "365")
		.option("--force", "replace the files if they exist")
		.action(writeDevCertificate);
}

async function writeDevCertificate(options: DevCertOptions): Promise<void> {
	const config = loadConfigOrExit();
	const days = Number(options.days);
	if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)
		throw new CommandError(
			`--days must be a whole number from 1 to ${MAX_DAYS}, got "${options.days}"`,
		);
	const hosts = [...new Set([...LOCAL_HOSTS, ...options.host.map(checkHost)])];
	const dir = path.resolve(options.out ?? path.join(config.dataDir, "tls"));
	const certFile = path.join(dir, "dev-cert.pem");
	const keyFile = path.join(dir, "dev-key.pem");
	if (!options.force)
		for (const file of [certFile, keyFile])
			if (existsSync(file))
				throw new CommandError(
					`${file} exists; pass --force to replace it (and trust the new certificate again)`,
				);
	const made = await createSelfSignedCertificate({ hosts, days });
	await mkdir(dir, { recursive: true, mode: 0o700 });
	await writeNewFile(keyFile, made.keyPem, 0o600, options.force);
	await writeNewFile(certFile, made.certPem, 0o644, options.force);
	process.stdout.write(
		`${describe({ hosts, certFile, keyFile, notAfter: made.notAfter, port: config.http.port })}\n`,
	);
}

/** Checks a --host value: an IP address, or a DNS name (a leading `*.` allowed). */
function checkHost(value: string): string {
	if (isIP(value)) return value;
	const name = value.toLowerCase();
	if (
		name.length <= 253 &&
		/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(
			name,
		)
	)
		return name;
	throw new CommandError(
		`--host must be a DNS name or an IP address, got "${value}"`,
	);
}

/**
 * Writes `data` to `file` with `mode`. Without `replace` the file must not exist
 * (`wx`); with it, the data goes to a new file renamed over the old one, so the key
 * never sits in a file with the old file's (perhaps wider) mode.
 */
async function writeNewFile(
	file: string,
	data: string,
	mode: number,
	replace = false,
): Promise<void> {
	const target = replace
		? `${file}.${randomBytes(6).toString("hex")}.tmp`
		: file;
	await writeFile(target, data, { mode, flag: "wx" });
	// writeFile's mode passes through the umask; the key's must be exactly 0600.
	await chmod(target, mode);
	if (replace) await rename(target, file);
}

function describe(made: {
	hosts: string[];
	certFile: string;
	keyFile: string;
	notAfter: Date;
	port: number;
}): string {
	const cert = shellQuote(made.certFile);
	const origin = `https://localhost:${made.port}`;
	return [
		`wrote a self-signed certificate for ${made.hosts.join(", ")}, valid until ${made.notAfter.toISOString().slice(0, 10)}:`,
		`  ${made.certFile}`,
		`  ${made.keyFile} (the private key, mode 600)`,
		"",
		"serve HTTPS with it by setting:",
		`BASALT_TLS_CERT=${cert}`,
		`BASALT_TLS_KEY=${shellQuote(made.keyFile)}`,
		"",
		"trust it on this machine only (it is for development; anyone with the key can impersonate these names):",
		`  curl           curl --cacert ${cert} ${origin}/health/live`,
		`  Node.js        NODE_EXTRA_CA_CERTS=${cert} node …`,
		`  Debian/Ubuntu  sudo cp ${cert} /usr/local/share/ca-certificates/basalt-dev.crt && sudo update-ca-certificates`,
		`  macOS          sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${cert}`,
		`  Chrome, Linux  certutil -d sql:$HOME/.pki/nssdb -A -t P,, -n basalt-dev -i ${cert}`,
		`  Firefox        open ${origin} and accept the certificate (Advanced, Accept the Risk)`,
	].join("\n");
}
