export type { AccountLink, AuthMethods } from "./account-links.js";
export type { BeginRequest, OAuth2Session } from "./oauth2-flow.js";
export { PRESETS } from "./provider-presets.js";
export type {
	NewProviderInput,
	PresetName,
	Provider,
	ProviderInput,
	ProviderKind,
} from "./provider-types.js";
export {
	createSignInProvidersService,
	type SignInProviderSettings,
	type SignInProvidersDeps,
	type SignInProvidersService,
} from "./sign-in-providers-service.js";
