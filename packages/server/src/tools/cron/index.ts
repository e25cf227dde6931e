export {
	assertCronPattern,
	type CronSchedule,
	startCron,
} from "./cron-schedule.js";
