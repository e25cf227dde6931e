import type { CollectionInput } from "../collections/index.js";

/**
 * The `users` auth collection a new install starts with
 * (docs/auth.md#authentication-and-accounts): anyone may sign up, and a signed-in user
 * sees, edits and deletes only their own record. Nobody may list other users; a
 * superuser changes the rules when an app needs more.
 */
export const DEFAULT_USERS_COLLECTION: CollectionInput = {
	name: "users",
	type: "auth",
	fields: [{ name: "name", type: "text", max: 255 }],
	rules: {
		list: "id = @request.auth.id",
		view: "id = @request.auth.id",
		create: "",
		update: "id = @request.auth.id",
		delete: "id = @request.auth.id",
	},
};
