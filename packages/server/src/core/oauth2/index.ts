export type { BeginRequest, OAuth2Session } from "./oauth2-flow.js";
export {
	createOAuth2Service,
	type OAuth2Service,
	type OAuth2ServiceDeps,
	type OAuth2Settings,
} from "./oauth2-service.js";
export { PRESETS } from "./provider-presets.js";
export type {
	PresetName,
	Provider,
	ProviderInput,
	ProviderKind,
} from "./provider-types.js";
