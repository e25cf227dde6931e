import { AppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";

/**
 * The live collections of one App, by name, as last loaded from `_collections`.
 * Reads on the hot path come from here, never from the database.
 */
export class CollectionRegistry {
	#byName = new Map<string, Collection>();
	#generation = 0;

	/**
	 * Goes up with every change to any collection: SQL compiled from rules (which may
	 * name other collections) is valid only for the generation it was compiled in.
	 */
	get generation(): number {
		return this.#generation;
	}

	/** Replaces every entry, e.g. after loading from the database. */
	replaceAll(collections: Collection[]): void {
		this.#byName = new Map(collections.map((c) => [c.name, c]));
		this.#generation += 1;
	}

	/** Adds or replaces one collection; removes its previous name when renamed. */
	put(collection: Collection, previousName?: string): void {
		if (previousName !== undefined) this.#byName.delete(previousName);
		this.#byName.set(collection.name, collection);
		this.#generation += 1;
	}

	/** Removes a collection. */
	remove(name: string): void {
		this.#byName.delete(name);
		this.#generation += 1;
	}

	/**
	 * Finds a collection by id (stored references, token claims). No copy, no sort:
	 * every signed-in request looks its account's collection up this way.
	 */
	findById(id: string): Collection | undefined {
		for (const collection of this.#byName.values())
			if (collection.id === id) return collection;
		return undefined;
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
