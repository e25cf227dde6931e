/** An invalid environment variable; its message is the one line start-up prints. */
export class ConfigError extends Error {
	readonly variable: string;
	constructor(variable: string, problem: string) {
		// One line, always: a value with line breaks is shown escaped.
		super(
			`${variable}: ${problem.replace(/\r/g, "\\r").replace(/\n/g, "\\n")}`,
		);
		this.name = "ConfigError";
		this.variable = variable;
	}
}
