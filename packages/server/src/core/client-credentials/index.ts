export {
	type BasicCredentials,
	type ClientCredentialsGrant,
	createClientCredentialsGrant,
	type TokenRequest,
	type TokenResponse,
} from "./client-credentials-grant.js";
export {
	type Client,
	type ClientInput,
	type ClientsService,
	type ClientWithSecret,
	createClientsService,
} from "./clients-service.js";
export { TokenError, type TokenErrorCode } from "./token-error.js";
