import { AppError } from "../../tools/errors/index.js";
import type { Collection } from "./collection-definition.js";

/**
 * The live collections of one App, by name, as last loaded from `_collections`.
 * Reads on the hot path come from here, never from the database.
 */
export class CollectionRegistry {
	#byName = new Map<string, Collection>();

	/** Replaces every entry, e.g. after loading from the database. */
	replaceAll(collections: Collection[]): void {
		this.#byName = new Map(collections.map((c) => [c.name, c]));
	}

	/** Adds or replaces one collection; removes its previous name when renamed. */
	put(collection: Collection, previousName?: string): void {
		if (previousName !== undefined) this.#byName.delete(previousName);
		this.#byName.set(collection.name, collection);
	}

	/** Removes a collection. */
	remove(name: string): void {
		this.#byName.delete(name);
	}

	/** Finds a collection by name. */
	find(name: string): Collection | undefined {
		return this.#byName.get(name);
	}

	/** Gets a collection by name or throws COLLECTION_NOT_FOUND. */
	get(name: string): Collection {
		const collection = this.#byName.get(name);
		if (!collection)
			throw new AppError("COLLECTION_NOT_FOUND", {
				detail: `No collection "${name}".`,
			});
		return collection;
	}

	/** Every collection, by name. */
	list(): Collection[] {
		return [...this.#byName.values()].sort((a, b) =>
			a.name.localeCompare(b.name),
		);
	}
}
