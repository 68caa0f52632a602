/**
 * The generated native binding, re-exported with its types, and this thread's calling slot.
 * @internal
 * @module
 */
import { callingSlot, canonicalInterval, slotFunctions } from '../index.js';

export { NativeIndicator, NativeSessionStore, barFieldProblem, canonicalInterval, indicatorBatchAll, indicatorInfo, interleaveColumns, takeClosed, takeRejections } from '../index.js';
export type { NativeIndicatorConfig, NativeStoreConfig } from '../index.js';

/** Whether `a` and `b` spell the same interval (`'1h'` and `'60m'`), by the core's grammar. */
export function sameInterval(a: string, b: string): boolean {
  const name = canonicalInterval(a);
  return name !== null && name === canonicalInterval(b);
}

/** Milliseconds of an interval however spelt (`'5m'`, `'300s'`, `'1d'`), by the core's grammar; NaN for text that is none. */
export function intervalMs(interval: string): number {
  const m = /^(\d+)([smhd])$/.exec(canonicalInterval(interval) ?? '');
  if (m === null) return NaN;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** Slot entries (see `crates/node/src/store.rs`). */
export const SLOT_HANDLE = 6;
export const SLOT_SYMBOL = 7;
export const SLOT_SERIES = 8;
export const SLOT_SKIP_INVALID = 9;
/** For `appendSliceSlot`: the row of the columns where the slice starts. */
export const SLOT_SLICE_FROM = 9;

/**
 * The calling slot of this thread, shared by every store. The addon hands out the same buffer on
 * every call, so each copy of this module that loads the same addon writes into the same slot.
 */
export const SLOT: Float64Array = new Float64Array(callingSlot());

/** The calls that read their arguments from {@link SLOT} and write their results into it. */
export const { appendSlot, seriesState, seriesStates, formingSlot, appendManySlot, appendSliceSlot, indicatorSlot, advanceToSlot, takeGapsSlot, checkSlot, peekSlot } = slotFunctions();
