/**
 * The current time, as every service reads it: a function, so tests can fix or move
 * it. Services take a clock and never call `new Date()` for "now" themselves; an
 * operation that stamps several rows reads it once and passes that instant on.
 */
export type Clock = () => Date;

/** Reads the machine's clock. */
export const systemClock: Clock = () => new Date();
