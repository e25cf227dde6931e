import { randomFillSync } from "node:crypto";

const HEX = Array.from({ length: 256 }, (_, i) =>
	i.toString(16).padStart(2, "0"),
);

/**
 * Creates a generator of time-ordered UUIDv7 strings (RFC 9562 section 5.7), like
 * Basalt's own: a 12-bit counter keeps ids strictly increasing within a millisecond,
 * so seeded rows and bare-handler rows land in the same B-tree order as Basalt's.
 */
export function createIdGenerator(now = Date.now) {
	let lastMs = 0;
	let counter = 0;
	const bytes = new Uint8Array(16);
	return function nextId() {
		let ms = now();
		if (ms <= lastMs) {
			ms = lastMs;
			counter += 1;
			if (counter > 0xfff) {
				ms += 1;
				counter = 0;
			}
		} else {
			counter = 0;
		}
		lastMs = ms;
		randomFillSync(bytes, 8, 8);
		bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
		bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
		bytes[2] = (ms >>> 24) & 0xff;
		bytes[3] = (ms >>> 16) & 0xff;
		bytes[4] = (ms >>> 8) & 0xff;
		bytes[5] = ms & 0xff;
		bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
		bytes[7] = counter & 0xff;
		bytes[8] = 0x80 | (bytes[8] & 0x3f);
		let out = "";
		for (let i = 0; i < 16; i++) {
			if (i === 4 || i === 6 || i === 8 || i === 10) out += "-";
			out += HEX[bytes[i]];
		}
		return out;
	};
}
