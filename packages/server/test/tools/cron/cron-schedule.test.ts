import { describe, expect, it } from "vitest";
import { assertCronPattern, startCron } from "../../../src/tools/cron/index.js";

describe("startCron", () => {
	it("fires on the pattern with the scheduled time, to the second", async () => {
		const ticks: Date[] = [];
		const schedule = startCron("* * * * * *", (at) => ticks.push(at));
		expect(schedule.nextRun()?.getMilliseconds()).toBe(0);
		await new Promise((resolve) => setTimeout(resolve, 2300));
		schedule.stop();
		expect(ticks.length).toBeGreaterThanOrEqual(2);
		for (const at of ticks) expect(at.getMilliseconds()).toBe(0);
		expect((ticks[1] as Date).getTime() - (ticks[0] as Date).getTime()).toBe(
			1000,
		);
		const count = ticks.length;
		await new Promise((resolve) => setTimeout(resolve, 1100));
		expect(ticks.length).toBe(count);
	});

	it("refuses invalid patterns with a readable message", () => {
		expect(() => assertCronPattern("0 3 * * *")).not.toThrow();
		expect(() => assertCronPattern("*/15 * * * * *")).not.toThrow();
		expect(() => assertCronPattern("every day")).toThrow(
			/"every day" is not a valid cron pattern/,
		);
		expect(() => assertCronPattern("61 * * * *")).toThrow(
			/not a valid cron pattern/,
		);
	});
});
