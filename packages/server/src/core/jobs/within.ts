/**
 * Waits for `work` at most `ms`; tells whether it settled in time. Shutdown uses it:
 * while Redis or RabbitMQ is unreachable, BullMQ's Worker.close() and queued ioredis commands
 * wait for a reconnect that may never come (measured: Worker.close() still pending
 * after 10 s with the server gone), and a process must still be able to stop.
 */
export async function within(
	work: Promise<unknown>,
	ms: number,
): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<false>((resolve) => {
		timer = setTimeout(resolve, ms, false);
		timer.unref();
	});
	try {
		return await Promise.race([
			work.then(
				() => true,
				() => true,
			),
			late,
		]);
	} finally {
		clearTimeout(timer);
	}
}
