/**
 * A header value as a client can send it: the text's UTF-8 bytes read as Latin-1
 * (which is how Node reads header bytes) and no control character but tab, so no line
 * break ends the header early.
 */
export function headerValue(text: string, maxLength = 2000): string {
	const latin1 = Buffer.from(text.slice(0, maxLength), "utf8").toString(
		"latin1",
	);
	let out = "";
	for (const ch of latin1) {
		const code = ch.charCodeAt(0);
		if (code === 9 || (code >= 0x20 && code !== 0x7f)) out += ch;
	}
	return out;
}
