/**
 * The generated native binding, re-exported with its types, and this thread's calling slot.
 * @internal
 * @module
 */
import { callingSlot, slotFunctions } from '../index.js';

export { NativeSessionStore, takeRejections } from '../index.js';
export type { NativeStoreConfig } from '../index.js';

/** Slot entries (see `crates/node/src/store.rs`). */
export const SLOT_HANDLE = 6;
export const SLOT_SYMBOL = 7;
export const SLOT_SERIES = 8;
export const SLOT_SKIP_INVALID = 9;

const KEY = Symbol.for('barstream.callingSlot');
type Holder = { [KEY]?: Float64Array };

/**
 * The calling slot of this thread, shared by every store: the native side hands it out once per
 * thread, so it is kept on `globalThis` where every copy of this module finds it.
 */
export const SLOT: Float64Array = ((globalThis as Holder)[KEY] ??= new Float64Array(callingSlot()));

/** The calls that read their arguments from {@link SLOT} and write their results into it. */
export const { appendSlot, seriesState, appendManySlot } = slotFunctions();
