import type { JobsService } from "../jobs/index.js";
import { createKeysService, type KeysService } from "../key-rotation/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";

/** Rotation of the data key ring and the job that re-encrypts under the new key. */
export interface EncryptionArea {
	keys: KeysService;
	contribution: AreaContribution;
}

/**
 * Wires key rotation (docs/security.md#key-rotation). The ring itself is a shared part,
 * loaded by the App before any area starts; this area hears other nodes' rotations.
 */
export function wireEncryption(
	shared: SharedParts,
	uses: { jobs: JobsService },
): EncryptionArea {
	const keys = createKeysService({
		db: shared.db,
		dataKeys: shared.dataKeys,
		registry: shared.registry,
		jobs: uses.jobs,
		bus: shared.bus,
		logger: shared.logger,
	});
	return {
		keys,
		contribution: { start: () => keys.start(), close: () => keys.stop() },
	};
}
