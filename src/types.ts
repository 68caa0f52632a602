/**
 * Plain data types shared across the API.
 * @module
 */

/** One bar. `time` is its open time in epoch milliseconds (UTC). */
export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * A trading session. `open` and `close` are epoch milliseconds (UTC); bars satisfy
 * `open <= time < close`. `dayStart` is midnight of `date` in `timeZone`, the anchor of
 * clock-aligned buckets.
 */
export interface Session {
  /** The session's date in the exchange's time zone, `YYYY-MM-DD`. */
  date: string;
  open: number;
  close: number;
  /** An IANA time zone such as `America/New_York`. */
  timeZone: string;
  /** Midnight of `date` in `timeZone` (epoch ms): where clock-aligned buckets are anchored. */
  dayStart: number;
}

/** A {@link Session} as {@link SessionData.beginSession} takes it: `dayStart` may be left out and is then worked out from `date` and `timeZone`. */
export type SessionInput = Omit<Session, 'dayStart'> & { dayStart?: number | undefined };

/** Columns of bars; each a `Float64Array` (passed without copying) or a plain array of numbers. */
export interface BarColumns {
  time: Float64Array | readonly number[];
  open: Float64Array | readonly number[];
  high: Float64Array | readonly number[];
  low: Float64Array | readonly number[];
  close: Float64Array | readonly number[];
  volume: Float64Array | readonly number[];
}

/**
 * Zero-copy views of a series' closed bars. The arrays point into memory the native core owns;
 * they are read-only by contract: a write lands in the store's memory, so every later view and
 * subscriber reads it, though the store's own state (aggregation, validation, indicators, quality)
 * is not changed by it. Their length is fixed when the view is made, and they stay valid for as
 * long as you hold them, even after the series grows or the store is gone. The length and the
 * columns are getters (each column is made on its first read), so read or destructure them:
 * spread (`{ ...view }`) and `JSON.stringify` see none of them.
 */
export interface BarsView {
  readonly length: number;
  readonly time: Float64Array<ArrayBuffer>;
  readonly open: Float64Array<ArrayBuffer>;
  readonly high: Float64Array<ArrayBuffer>;
  readonly low: Float64Array<ArrayBuffer>;
  readonly close: Float64Array<ArrayBuffer>;
  readonly volume: Float64Array<ArrayBuffer>;
}

/** A `(symbol, interval)` pair that closed at least one bar. */
export interface Closed {
  symbol: string;
  interval: string;
}
