import type { CollectionRegistry } from "../collections/index.js";

/**
 * Names collections by id for metric labels, which read better by name. Token claims
 * and cached accounts carry the id, and a registry lookup by id walks every
 * collection, so names are remembered until the schema changes (the registry
 * generation). An id that names no collection (`_superusers`, OAuth2 clients) is its
 * own label.
 */
export function createCollectionNames(
	registry: Pick<CollectionRegistry, "generation" | "findById">,
) {
	let generation = registry.generation;
	const names = new Map<string, string>();
	return function nameOf(id: string): string {
		if (generation !== registry.generation) {
			generation = registry.generation;
			names.clear();
		}
		let name = names.get(id);
		if (name === undefined) {
			name = registry.findById(id)?.name ?? id;
			names.set(id, name);
		}
		return name;
	};
}
