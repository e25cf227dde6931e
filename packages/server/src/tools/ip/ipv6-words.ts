/**
 * Expands a valid IPv6 address (net.isIP said 6) into its eight 16-bit words,
 * including `::` runs and an embedded IPv4 tail (`::ffff:192.0.2.1`).
 *
 * @example ipv6Words("2001:db8::1") // [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]
 */
export function ipv6Words(ip: string): number[] {
	let text = ip.toLowerCase();
	const tailStart = text.lastIndexOf(":") + 1;
	const tail = text.slice(tailStart);
	if (tail.includes(".")) {
		const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number);
		const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
		text = `${text.slice(0, tailStart)}${hex(a, b)}:${hex(c, d)}`;
	}
	const [head = "", rest] = text.split("::");
	const words = (part: string) =>
		part === "" ? [] : part.split(":").map((word) => Number.parseInt(word, 16));
	const left = words(head);
	const right = rest === undefined ? [] : words(rest);
	const zeros = new Array<number>(8 - left.length - right.length).fill(0);
	return [...left, ...zeros, ...right];
}
