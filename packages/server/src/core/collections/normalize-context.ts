import type { CollectionDefinition } from "../model/index.js";

/** What normalizeCollection needs to know about the world around the collection. */
export interface NormalizeContext {
	/** The collection being changed, for PATCH; undefined when creating. */
	existing: CollectionDefinition | undefined;
	/** Tells whether a collection of that name exists (relation targets). */
	collectionExists(name: string): boolean;
	/** The id for a new collection. */
	newCollectionId: string;
}

/** Reports one problem at a path of the input; the first problem at a path wins. */
export type Fail = (at: string, code: string, message: string) => void;
