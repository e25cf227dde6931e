import { AppError } from "../../tools/errors/index.js";
import type { Collection, CollectionRegistry } from "../collections/index.js";

/**
 * Gets the auth collection an account endpoint names: COLLECTION_NOT_FOUND when
 * there is none, NOT_AUTH_COLLECTION when it holds no accounts.
 */
export function getAuthCollection(
	registry: CollectionRegistry,
	name: string,
): Collection {
	const collection = registry.get(name);
	if (collection.type !== "auth") {
		throw new AppError("NOT_AUTH_COLLECTION", {
			detail: `"${collection.name}" holds no accounts.`,
		});
	}
	return collection;
}
