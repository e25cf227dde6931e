/**
 * A refusal the person at the terminal can act on (a file that exists, a wrong key):
 * the command line prints its message as one line, without a stack trace.
 */
export class CommandError extends Error {
	override name = "CommandError";
}
