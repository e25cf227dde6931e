export {
	createMailService,
	MAIL_JOB,
	type MailService,
} from "./mail-service.js";
