export {
	createSelfSignedCertificate,
	type SelfSignedCertificate,
	type SelfSignedCertificateOptions,
} from "./self-signed-certificate.js";
