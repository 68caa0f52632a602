/**
 * The store's methods that the runtime uses and the published types leave out (`@internal`):
 * tests that check them reach them through here.
 */
import type { SessionData, SliceColumns } from 'barstream';

export interface StoreInternals {
  idOf(symbol: string): number;
  appendSliceIds(ids: Float64Array, columns: SliceColumns, from?: number): Float64Array;
  readStates(ids: Float64Array, series: Float64Array, count: number): void;
  countOf(id: number, s: number): number;
}

export const internals = (data: SessionData): StoreInternals => data as unknown as StoreInternals;
