/**
 * The shapes every source shares. A source is what the session coordinator reads bars from:
 * historical data comes column-wise ({@link ColumnarSource}), live feeds as a stream of bar
 * objects ({@link StreamSource}).
 * @module
 */
import type { Bar } from '../types.js';

/** A bar with the symbol it belongs to: the unit of the live path. */
export interface SymbolBar extends Bar {
  symbol: string;
}

/**
 * One symbol's bars as columns. The six arrays have one length, and their first `length` rows are
 * the bars: rows past `length` are room to spare, not read (a buffer filled as it grew). Views may
 * sit at an offset inside a larger buffer. Arrays of different lengths are an `InputError` in a run.
 * The arrays are read-only by contract: sources hand out views of their own memory rather than copies.
 */
export interface SymbolColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  length: number;
}

/** What a {@link ColumnarSource} is asked for. Times are epoch milliseconds (UTC). */
export interface LoadRequest {
  /**
   * Only these symbols (default: every symbol the source has). Each requested symbol is a key of
   * the result, with zero rows when the source has no bars for it, so a missing symbol is visible
   * rather than silently absent.
   */
  symbols?: readonly string[] | undefined;
  /** Bars with `time >= from` (inclusive). */
  from?: number | undefined;
  /** Bars with `time < to` (exclusive). */
  to?: number | undefined;
}

/**
 * Historical data, column-wise per symbol, bars in strictly increasing time per symbol.
 *
 * Sources never drop bars, nor reorder them unless asked (`order: 'time'`): if the data breaks the
 * time order (a duplicate or a bar out of order), it is passed on as given and the native core
 * rejects and counts it. `from`/`to`
 * select rows by binary search (views, no copy) when a symbol's times are non-decreasing, and by a
 * row-by-row test otherwise, so no bar inside the range is lost either way.
 */
export interface ColumnarSource {
  readonly kind: 'columns';
  load(request: LoadRequest): Promise<Map<string, SymbolColumns>>;
  /**
   * The rows the last `load` left out, so that they are counted somewhere: of symbols it was not
   * asked for (`symbol`), and, of those it was, timed outside the dates asked (`days`). A
   * `SessionCoordinator` adds them to its report's `skipped`. A source that does not count them
   * leaves it out.
   */
  leftOut?(): LeftOutRows;
}

/** Rows a {@link ColumnarSource.load} did not hand out, by why: whole numbers >= 0. */
export interface LeftOutRows {
  readonly symbol: number;
  readonly days: number;
}

/**
 * A stream of bars in time order across symbols (live feeds, generators). Each call of
 * `[Symbol.asyncIterator]()` starts a new pass where the underlying data allows it.
 */
export interface StreamSource {
  readonly kind: 'stream';
  [Symbol.asyncIterator](): AsyncIterator<SymbolBar>;
  /**
   * What the source received and did not pass on, by reason, counted since it was made (a
   * `websocketFeed`'s malformed messages, say). A source that drops nothing leaves it out.
   * A `SessionCoordinator` reads it when its run starts and when it ends, and reports the
   * difference (`RunReport.sourceLosses`): losses before a bar exists reach the run's accounts too.
   */
  losses?(): SourceLosses;
}

/** Messages or bars a source counted and did not pass on, by reason: whole numbers >= 0. */
export type SourceLosses = Readonly<Record<string, number>>;

/** Anything the coordinator can read bars from. */
export type Source = ColumnarSource | StreamSource;

/** The six column names, in their conventional order. */
/**
 * How far after the wall clock a live bar may be timed when it comes: a bar's time is when it
 * opened, so a real one is never ahead by more than two machines' clocks disagree. Past it, a
 * `websocketFeed` does not take the bar for its symbol's last time, and a live run leaves it out
 * (`RunReport.skipped.future`). @internal
 */
export const FUTURE_TOLERANCE_MS = 15 * 60_000;

/** The bar columns of a source and of the store, in their order: `time, open, high, low, close, volume`. */
export const COLUMN_NAMES = Object.freeze(['time', 'open', 'high', 'low', 'close', 'volume'] as const);

/** One of {@link COLUMN_NAMES}. */
export type ColumnName = (typeof COLUMN_NAMES)[number];

/**
 * Whether a bar's prices and volume plainly pass the store's field rules: finite, high at or above
 * open and close, low at or below them, a volume from 0 to 1e15 (the store takes up to 1e290). Most
 * bars do, and are told apart without a call into the store; the store judges the rest.
 * @internal
 */
export function plainFields(open: number, high: number, low: number, close: number, volume: number): boolean {
  return Number.isFinite(high) && Number.isFinite(low) && high >= open && high >= close && low <= open && low <= close && volume >= 0 && volume <= 1e15;
}
