/**
 * In-memory columns as a {@link ColumnarSource}, and the row selection every columnar source
 * shares (binary search on sorted times, a row-by-row test otherwise).
 * @module
 */
import { ConfigError, InputError, checkOptionKeys, describe, refuseArguments, show } from '../errors.js';
import type { BarColumns } from '../types.js';
import { givenLength, honest, isFloat64Array, numbers } from '../typed-arrays.js';
import { COLUMN_NAMES } from './types.js';
import type { ColumnarSource, LeftOutRows, LoadRequest, SymbolColumns } from './types.js';

/** The request, checked: `symbols` deduplicated (or null for all), `from`/`to` numbers. */
export interface NormalizedRequest {
  symbols: string[] | null;
  from: number;
  to: number;
}

/**
 * Checks a {@link LoadRequest}.
 * @throws {ConfigError} for a `symbols` that is not an array of strings or a `from`/`to` that is not a number.
 * @internal
 */
export function normalizeRequest(request: LoadRequest | undefined): NormalizedRequest {
  if (request !== undefined && (request === null || typeof request !== 'object' || Array.isArray(request))) {
    throw new ConfigError('request', `load takes { symbols?, from?, to? }, got ${describe(request)}`);
  }
  const r = request ?? {};
  // A misspelt key (`symbol`, `start`) would load every symbol over all time without a word.
  checkOptionKeys(r, ['symbols', 'from', 'to'], 'a load request');
  let symbols: string[] | null = null;
  if (r.symbols !== undefined) {
    if (!Array.isArray(r.symbols)) throw new ConfigError('symbols', `expected an array of symbol names, got ${typeof r.symbols}`);
    symbols = [];
    const seen = new Set<string>();
    for (const s of r.symbols as readonly unknown[]) {
      if (typeof s !== 'string' || s === '') throw new ConfigError('symbols', `${show(s)} is not a symbol name`);
      if (!seen.has(s)) {
        seen.add(s);
        symbols.push(s);
      }
    }
  }
  for (const key of ['from', 'to'] as const) {
    const v = r[key];
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) {
      throw new ConfigError(key, `expected epoch milliseconds, got ${describe(v)}`);
    }
  }
  return { symbols, from: r.from ?? -Infinity, to: r.to ?? Infinity };
}

/** Columns with no rows. */
export function emptyColumns(): SymbolColumns {
  const e = new Float64Array(0);
  return { time: e, open: e, high: e, low: e, close: e, volume: e, length: 0 };
}

/**
 * Whether `time[0..length)` never decreases (no NaN either). Sorted columns are filtered by binary
 * search; others row by row.
 */
export function isNonDecreasing(time: Float64Array, length = time.length): boolean {
  let prev = -Infinity;
  for (let i = 0; i < length; i++) {
    const t = time[i] as number;
    if (!(t >= prev)) return false;
    prev = t;
  }
  return true;
}

/**
 * How a source hands out each symbol's rows: `'given'` (default) in the order given, so that a row
 * timed before a row ahead of it is rejected as `out_of_order` and counted; `'time'` sorted by
 * time, stably (rows with the same time keep their order, so the store takes the first and
 * rejects the rest as `duplicate`), each row whose time is not finite kept right after the row
 * before it.
 */
export type RowOrder = 'given' | 'time';

/** Checks a {@link RowOrder} option. @throws {ConfigError} naming `order`. @internal */
export function checkRowOrder(order: unknown): RowOrder {
  if (order === undefined || order === 'given') return 'given';
  if (order === 'time') return 'time';
  throw new ConfigError('order', `expected 'given' or 'time', got ${describe(order)}`);
}

/**
 * `cols` with its rows in time order (see {@link RowOrder}): `cols` itself when no row would move
 * (no copy), else new columns.
 * @internal
 */
export function inTimeOrder(cols: SymbolColumns): SymbolColumns {
  const n = cols.length;
  if (isNonDecreasing(cols.time, n)) return cols;
  // A row whose time is not finite sorts as the row before it, and after it by index.
  const key = new Float64Array(n);
  let last = -Infinity;
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    const t = cols.time[i] as number;
    if (Number.isFinite(t)) {
      if (t < last) inOrder = false;
      last = t;
    }
    key[i] = last;
  }
  if (inOrder) return cols;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (key[a] as number) - (key[b] as number) || a - b);
  const take = (col: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = col[order[j] as number] as number;
    return out;
  };
  return { time: take(cols.time), open: take(cols.open), high: take(cols.high), low: take(cols.low), close: take(cols.close), volume: take(cols.volume), length: n };
}

/** First index in `time[lo..hi)` whose value is `>= value` (times non-decreasing). */
export function lowerBound(time: Float64Array, value: number, lo = 0, hi = time.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((time[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows of `cols` with `from <= time < to`.
 * - `sorted` (times non-decreasing): two binary searches and `subarray` views, no copy.
 * - otherwise: a row-by-row test and copies, keeping the given order. A row whose time is not
 *   finite (NaN, ±Infinity) has no time to select it by: it goes with the row before it that has
 *   one (the row after, for those at the start; every range, when no row has one), where a run
 *   over the whole columns takes it. Dropping it would hide it from the core, which rejects and
 *   counts it; keeping it in every range would count it again in every run of a backtest split
 *   into several. Sorted columns that begin or end with an infinite time are read this way too.
 */
export function selectRows(cols: SymbolColumns, sorted: boolean, from: number, to: number): SymbolColumns {
  const n = cols.length;
  if (from === -Infinity && to === Infinity) return { ...cols };
  if (sorted && n > 0 && Number.isFinite(cols.time[0]) && Number.isFinite(cols.time[n - 1])) {
    const lo = lowerBound(cols.time, from, 0, n);
    const hi = to === Infinity ? n : lowerBound(cols.time, to, lo, n);
    if (lo === 0 && hi === n) return { ...cols };
    return {
      time: cols.time.subarray(lo, hi),
      open: cols.open.subarray(lo, hi),
      high: cols.high.subarray(lo, hi),
      low: cols.low.subarray(lo, hi),
      close: cols.close.subarray(lo, hi),
      volume: cols.volume.subarray(lo, hi),
      length: hi - lo,
    };
  }
  const time = cols.time;
  const keep = new Uint8Array(n);
  // Whether the last row with a finite time is in range; null until one is met.
  let last: number | null = null;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const t = time[i] as number;
    if (t - t !== 0) {
      keep[i] = last ?? 0;
      count += keep[i] as number;
      continue;
    }
    const inside = t >= from && t < to ? 1 : 0;
    if (last === null && inside === 1) {
      // The rows before the first finite time go with it.
      keep.fill(1, 0, i);
      count += i;
    }
    last = inside;
    keep[i] = inside;
    count += inside;
  }
  if (last === null) {
    keep.fill(1);
    count = n;
  }
  const out: SymbolColumns = {
    time: new Float64Array(count),
    open: new Float64Array(count),
    high: new Float64Array(count),
    low: new Float64Array(count),
    close: new Float64Array(count),
    volume: new Float64Array(count),
    length: count,
  };
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (keep[i] === 0) continue;
    out.time[j] = time[i] as number;
    out.open[j] = cols.open[i] as number;
    out.high[j] = cols.high[i] as number;
    out.low[j] = cols.low[i] as number;
    out.close[j] = cols.close[i] as number;
    out.volume[j] = cols.volume[i] as number;
    j++;
  }
  return out;
}

/** Per-symbol columns kept in memory, answering {@link ColumnarSource.load}. @internal */
export class ColumnStore {
  readonly #symbols = new Map<string, { cols: SymbolColumns; sorted: boolean }>();

  add(symbol: string, cols: SymbolColumns): void {
    this.#symbols.set(symbol, { cols, sorted: isNonDecreasing(cols.time, cols.length) });
  }

  /** Symbol names, in insertion order. */
  symbols(): string[] {
    return [...this.#symbols.keys()];
  }

  /** What the last {@link ColumnStore.load} left out (see {@link ColumnarSource.leftOut}). */
  leftOut: LeftOutRows = { symbol: 0, days: 0 };

  load(request?: LoadRequest): Map<string, SymbolColumns> {
    const r = normalizeRequest(request);
    const out = new Map<string, SymbolColumns>();
    let days = 0;
    for (const symbol of r.symbols ?? this.#symbols.keys()) {
      const entry = this.#symbols.get(symbol);
      const rows = entry === undefined ? emptyColumns() : selectRows(entry.cols, entry.sorted, r.from, r.to);
      if (entry !== undefined) days += entry.cols.length - rows.length;
      out.set(symbol, rows);
    }
    let symbol = 0;
    for (const [name, entry] of this.#symbols) if (!out.has(name)) symbol += entry.cols.length;
    this.leftOut = { symbol, days };
    return out;
  }
}

/** Options of {@link columnsSource}. */
export interface ColumnsSourceOptions {
  /** How each symbol's rows are handed out: in the order given (default) or sorted by time (see {@link RowOrder}). */
  order?: RowOrder | undefined;
}

/** A {@link ColumnarSource} over columns held in memory. */
export interface ColumnsSource extends ColumnarSource {
  /** The symbols, in the order they were given. */
  readonly symbols: readonly string[];
}

function toFloat64(symbol: string, name: string, column: unknown): Float64Array {
  if (isFloat64Array(column)) return honest(column);
  if (Array.isArray(column)) {
    try {
      return numbers(column as readonly unknown[]);
    } catch (e) {
      // A sparse array's length may be up to 2^32 - 1: more than a Float64Array can be made of.
      if (e instanceof RangeError) throw new InputError(`columnsSource: symbol '${symbol}': column '${name}' has ${column.length} entries, more than a Float64Array of them can be made`);
      throw e;
    }
  }
  throw new InputError(
    column === undefined
      ? `columnsSource: symbol '${symbol}': column '${name}' is missing`
      : `columnsSource: symbol '${symbol}': column '${name}' is not a Float64Array or an array of numbers (got ${Object.prototype.toString.call(column)})`,
  );
}

/**
 * A source over in-memory columns, per symbol.
 *
 * - `Float64Array` columns are used in place (not copied; do not modify them afterwards); plain
 *   arrays are converted to `Float64Array` once, here.
 * - Bar contents are not validated: the native core validates every bar and counts rejections.
 * - Rows are kept in the order given under the default `order: 'given'`. Times are expected to
 *   increase per symbol; where they do not, nothing is dropped: the core rejects the out-of-order
 *   bars and counts them. Under `order: 'time'` each symbol's rows are sorted by time here, once
 *   (see {@link RowOrder}): a row timed hours ahead of its place then costs no bar behind it.
 * - `load` hands out views of these arrays (`subarray` for a time range on sorted times); a
 *   symbol sorted under `order: 'time'` is a copy, made here.
 *
 * @example
 * const source = columnsSource({ SPY: { time: [t0, t1], open: [1, 2], high: [1, 2], low: [1, 2], close: [1, 2], volume: [5, 6] } });
 * const cols = await source.load({ from: t0, to: t1 }); // SPY: 1 row
 * @throws {InputError} for a missing or non-numeric-array column, or columns of different lengths
 *   (naming the symbol and the column).
 * @throws {ConfigError} for options that are not an object, an unknown option, or an `order`
 *   other than `'given'` and `'time'`.
 */
export function columnsSource(data: Record<string, BarColumns> | Map<string, BarColumns>, options: ColumnsSourceOptions = {}): ColumnsSource {
  const runChooses = 'a run chooses its symbols and dates (the coordinator\'s symbols, from and to)';
  refuseArguments('columnsSource', arguments, runChooses, '(columns, options)', 2);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new ConfigError('options', `expected an object, got ${describe(options)}`);
  // A load request given as options.
  const asked = ['symbols', 'from', 'to'].find((k) => (options as Record<string, unknown>)[k] !== undefined);
  if (asked !== undefined) throw new ConfigError(asked, `'${asked}' is not an option of columnsSource (its options: order): ${runChooses}`);
  checkOptionKeys(options, ['order'], 'columnsSource');
  const order = checkRowOrder(options.order);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    // An array's entries would be symbols '0', '1', ...
    throw new InputError(`columnsSource: expected an object or a Map of symbol -> columns, got ${describe(data)}`);
  }
  const entries: [string, BarColumns][] = data instanceof Map ? [...data.entries()] : Object.entries(data);
  const store = new ColumnStore();
  for (const [symbol, columns] of entries) {
    if (typeof symbol !== 'string' || symbol === '') throw new InputError(`columnsSource: ${JSON.stringify(symbol)} is not a symbol name`);
    if (columns === null || typeof columns !== 'object' || Array.isArray(columns)) throw new InputError(`columnsSource: symbol '${symbol}': expected columns, got ${describe(columns)}`);
    // Lengths compared as given, before any column is converted (see givenLength).
    const timeLength = givenLength(columns.time);
    for (const name of COLUMN_NAMES.slice(1)) {
      const n = givenLength((columns as unknown as Record<string, unknown>)[name]);
      if (timeLength !== null && n !== null && n !== timeLength) {
        throw new InputError(`columnsSource: symbol '${symbol}': column '${name}' has ${n} values, column 'time' has ${timeLength}`);
      }
    }
    const time = toFloat64(symbol, 'time', columns.time);
    const rest = COLUMN_NAMES.slice(1).map((name) => {
      const col = toFloat64(symbol, name, (columns as unknown as Record<string, unknown>)[name]);
      if (col.length !== time.length) {
        throw new InputError(`columnsSource: symbol '${symbol}': column '${name}' has ${col.length} values, column 'time' has ${time.length}`);
      }
      return col;
    }) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const [open, high, low, close, volume] = rest;
    const cols = { time, open, high, low, close, volume, length: time.length };
    store.add(symbol, order === 'time' ? inTimeOrder(cols) : cols);
  }
  const symbols = Object.freeze(store.symbols());
  return {
    kind: 'columns',
    symbols,
    load: (request?: LoadRequest) => {
      try {
        return Promise.resolve(store.load(request));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    leftOut: () => store.leftOut,
  };
}
