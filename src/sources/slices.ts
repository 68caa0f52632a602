/**
 * Time slices of columnar data: every bar with the same time, across symbols, in time order.
 * @module
 */
import { ConfigError, InputError, describe, refuseArguments } from '../errors.js';
import { lowerBound } from './columns.js';
import type { SymbolColumns } from './types.js';
import { isFloat64Array, num, toColumn } from '../typed-arrays.js';

/**
 * One time slice. **Reused**: {@link timeSlices} hands out the same object (and the same arrays)
 * for every slice, so it is valid only until the iterator's next step; copy what you keep.
 */
export interface TimeSlice {
  /** The time of every bar in the slice (epoch ms); NaN for a bar whose time is NaN, alone in its slice. */
  time: number;
  /** How many bars: the first `count` entries of `symbols` and `rows` are valid. */
  count: number;
  /** Symbol indices, ascending: positions in the columns map's iteration order (see {@link TimeSlices.names}). */
  readonly symbols: Int32Array;
  /** Row indices into each of those symbols' columns. */
  readonly rows: Int32Array;
}

/** Called once per slice by {@link forEachSlice}; the arrays are reused: valid during the call only. */
export type SliceCallback = (time: number, symbols: Int32Array, rows: Int32Array, count: number) => void;

/** How the merge finds the next time: `'auto'` picks per slice, the others force one (tests, benchmarks). */
export type MergeStrategy = 'auto' | 'scan' | 'heap';

/**
 * A k-way merge over per-symbol cursors, with two strategies:
 * - scan: each step reads the head of every symbol that still has bars (a dense list, compacted
 *   when one runs out), keeping the smallest time and the symbols at it, advancing them in the same
 *   pass (rolled back if a smaller time turns up). O(symbols) a slice: O(1) a bar when the symbols
 *   trade in the same minutes, the common case, and the cheapest constant.
 * - heap: a binary heap of symbols keyed by (head time, symbol index). O(bars in the slice x
 *   log symbols) a slice: better when slices hold few of many symbols (sparse, illiquid data).
 * `'auto'` follows a moving average of (bars in a slice / symbols left) and switches, with
 * hysteresis, to the heap below about 1 / (2 log2 symbols) and back above twice that. Neither
 * allocates per slice.
 * @internal
 */
export class SliceCursor {
  readonly names: readonly string[];
  readonly slice: TimeSlice;
  readonly #times: Float64Array[];
  readonly #cursor: Int32Array;
  readonly #end: Int32Array;
  /** Scan mode: symbols with bars left, ascending; heap mode: the heap. The first #active are live. */
  readonly #live: Int32Array;
  /** Heap mode: the head time of each heap entry. */
  readonly #keys: Float64Array;
  #active = 0;
  #heap = false;
  readonly #strategy: MergeStrategy;
  /** Moving average of count / active. */
  #fill = 1;

  constructor(columns: ReadonlyMap<string, SymbolTimes>, from: number | undefined, to: number | undefined, strategy: MergeStrategy = 'auto') {
    if (!(columns instanceof Map)) throw new ConfigError('columns', 'expected a Map of symbol -> columns');
    if (from !== undefined && (typeof from !== 'number' || Number.isNaN(from))) throw new ConfigError('from', `expected epoch milliseconds, got ${describe(from)}`);
    if (to !== undefined && (typeof to !== 'number' || Number.isNaN(to))) throw new ConfigError('to', `expected epoch milliseconds, got ${describe(to)}`);
    const names: string[] = [];
    const times: Float64Array[] = [];
    const lengths: number[] = [];
    for (const [name, cols] of columns) {
      names.push(name);
      times.push(timesOf(name, cols));
      lengths.push(rowsOf(name, cols));
    }
    const k = names.length;
    this.names = names;
    this.#times = times;
    this.#cursor = new Int32Array(k);
    this.#end = new Int32Array(k);
    this.#live = new Int32Array(k);
    this.#keys = new Float64Array(k);
    this.#strategy = strategy;
    for (let s = 0; s < k; s++) {
      const time = times[s] as Float64Array;
      const n = lengths[s] as number;
      const lo = from === undefined ? 0 : lowerBound(time, from, 0, n);
      const hi = to === undefined ? n : lowerBound(time, to, lo, n);
      this.#cursor[s] = lo;
      this.#end[s] = hi;
      if (lo < hi) this.#live[this.#active++] = s;
    }
    this.slice = { time: NaN, count: 0, symbols: new Int32Array(k), rows: new Int32Array(k) };
    if (strategy === 'heap') this.#toHeap();
  }

  /** Fills {@link slice} with the next slice; false when every symbol is done. */
  advance(): boolean {
    const active = this.#active;
    if (active === 0) return false;
    if (this.#heap) this.#heapStep();
    else this.#scanStep(active);
    if (this.#strategy === 'auto' && active >= 16) {
      const fill = (this.#fill = this.#fill * 0.9 + (this.slice.count / active) * 0.1);
      const limit = 1 / (2 * Math.log2(active));
      if (!this.#heap && fill < limit) this.#toHeap();
      else if (this.#heap && fill > 2 * limit) this.#toScan();
    }
    return true;
  }

  #scanStep(active: number): void {
    const live = this.#live;
    const times = this.#times;
    const cursor = this.#cursor;
    const end = this.#end;
    const slice = this.slice;
    const syms = slice.symbols;
    const rows = slice.rows;
    let min = Infinity;
    let count = 0;
    let exhausted = false;
    for (let i = 0; i < active; i++) {
      const s = live[i] as number;
      const c = cursor[s] as number;
      // A row past a column that shrank (a buffer detached by the callback) reads undefined: no time.
      const t = num((times[s] as Float64Array)[c]);
      if (t === min) {
        syms[count] = s;
        rows[count] = c;
        count++;
        cursor[s] = c + 1;
        if (c + 1 === end[s]) exhausted = true;
      } else if (t < min || t !== t) {
        // A smaller time: the symbols taken so far go back.
        for (let j = 0; j < count; j++) cursor[syms[j] as number] = rows[j] as number;
        min = t;
        syms[0] = s;
        rows[0] = c;
        count = 1;
        cursor[s] = c + 1;
        exhausted = c + 1 === end[s];
        // A NaN time is no time: it goes alone, now, so it is neither lost nor blocks the merge.
        if (t !== t) break;
      }
    }
    slice.time = min;
    slice.count = count;
    if (exhausted) {
      let w = 0;
      for (let i = 0; i < active; i++) {
        const s = live[i] as number;
        if ((cursor[s] as number) < (end[s] as number)) live[w++] = s;
      }
      this.#active = w;
    }
  }

  /** Heap order: by head time (NaN first), then by symbol index. */
  static #before(ka: number, sa: number, kb: number, sb: number): boolean {
    return ka < kb || (ka === kb ? sa < sb : ka !== ka && (kb === kb || sa < sb));
  }

  /** Moves the entry (key, symbol) down from slot i to its place. */
  #siftDown(i: number, key: number, sym: number): void {
    const hs = this.#live;
    const hk = this.#keys;
    const n = this.#active;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let ck = hk[child] as number;
      let cs = hs[child] as number;
      if (child + 1 < n) {
        const rk = hk[child + 1] as number;
        const rs = hs[child + 1] as number;
        if (SliceCursor.#before(rk, rs, ck, cs)) {
          child++;
          ck = rk;
          cs = rs;
        }
      }
      if (!SliceCursor.#before(ck, cs, key, sym)) break;
      hk[i] = ck;
      hs[i] = cs;
      i = child;
    }
    hk[i] = key;
    hs[i] = sym;
  }

  /** Adds symbol `sym`, whose head time is `key`. */
  #push(key: number, sym: number): void {
    const hs = this.#live;
    const hk = this.#keys;
    let i = this.#active++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = hk[parent] as number;
      const ps = hs[parent] as number;
      if (!SliceCursor.#before(key, sym, pk, ps)) break;
      hk[i] = pk;
      hs[i] = ps;
      i = parent;
    }
    hk[i] = key;
    hs[i] = sym;
  }

  /** Removes the top entry. */
  #pop(): void {
    const n = --this.#active;
    if (n > 0) this.#siftDown(0, this.#keys[n] as number, this.#live[n] as number);
  }

  #heapStep(): void {
    const times = this.#times;
    const cursor = this.#cursor;
    const end = this.#end;
    const hk = this.#keys;
    const hs = this.#live;
    const slice = this.slice;
    const syms = slice.symbols;
    const rows = slice.rows;
    const t = hk[0] as number;
    let count = 0;
    do {
      const s = hs[0] as number;
      syms[count] = s;
      rows[count] = cursor[s] as number;
      count++;
      this.#pop();
      // A NaN time goes alone.
    } while (t === t && this.#active > 0 && hk[0] === t);
    slice.time = t;
    slice.count = count;
    for (let j = 0; j < count; j++) {
      const s = syms[j] as number;
      const c = (cursor[s] as number) + 1;
      cursor[s] = c;
      if (c < (end[s] as number)) this.#push(num((times[s] as Float64Array)[c]), s);
    }
  }

  #toHeap(): void {
    this.#heap = true;
    const hs = this.#live;
    const hk = this.#keys;
    for (let i = 0; i < this.#active; i++) {
      const sym = hs[i] as number;
      hk[i] = num((this.#times[sym] as Float64Array)[this.#cursor[sym] as number]);
    }
    for (let i = (this.#active >> 1) - 1; i >= 0; i--) this.#siftDown(i, hk[i] as number, hs[i] as number);
  }

  #toScan(): void {
    this.#heap = false;
    this.#live.subarray(0, this.#active).sort();
  }
}

/** An iterator over time slices; see {@link timeSlices}. */
export interface TimeSlices extends IterableIterator<TimeSlice> {
  /** The symbols, in the columns map's order: `names[slice.symbols[j]]` is a bar's symbol. */
  readonly names: readonly string[];
}

/** A symbol's time column. @throws {InputError} when its columns have none. */
function timesOf(name: string, cols: unknown): Float64Array {
  const time: unknown = cols !== null && typeof cols === 'object' ? (cols as { time?: unknown }).time : undefined;
  if (!isFloat64Array(time) && !Array.isArray(time)) {
    throw new InputError(`${name}: expected columns { time, open, high, low, close, volume } with time a Float64Array, got ${describe(cols)}`);
  }
  // An array's entries that are not numbers (holes, strings) are no time, as NaN is: compared as
  // they are, they matched no slice and the merge never moved past them.
  return isFloat64Array(time) ? time : toColumn('time', time);
}

/**
 * A symbol's rows: its `length`, or, for columns without one (a plain `BarColumns`), its time
 * column's: read as zero rows, every bar would be left out without a word.
 * @throws {InputError} for a `length` that is not a whole number >= 0.
 */
function rowsOf(name: string, cols: SymbolTimes): number {
  const n: unknown = cols.length;
  if (n === undefined) return cols.time.length;
  if (!(Number.isInteger(n) && (n as number) >= 0)) throw new InputError(`${name}: length ${describe(n)} is not a whole number of rows`);
  return Math.min(n as number, cols.time.length);
}

/**
 * What {@link timeSlices} and {@link forEachSlice} read of a symbol's columns: its times, and how
 * many rows it has (default: the time column's length). {@link SymbolColumns} and a plain
 * `BarColumns` are both such columns.
 */
export interface SymbolTimes {
  readonly time: Float64Array | readonly number[];
  readonly length?: number | undefined;
}

/**
 * Iterates the time slices of columnar data: each slice is one time and the (symbol index, row
 * index) pairs of every bar at that time, across symbols, in time order. Within a slice the
 * symbols are in the map's order.
 *
 * - Allocation-free per slice: the iterator yields **the same {@link TimeSlice} object** every
 *   time, refilled; it is valid until the next step. Copy what you keep.
 * - `from` (inclusive) and `to` (exclusive) are found per symbol by binary search, which assumes
 *   non-decreasing times (the {@link ColumnarSource} contract). Without them every row is visited.
 * - Out-of-order input is not repaired: every bar is still visited exactly once, in its symbol's
 *   row order, and a bar earlier than its predecessor comes in a slice after later ones; the core
 *   rejects and counts it. A NaN time is a slice of its own (time NaN).
 *
 * @example
 * const it = timeSlices(columns);
 * for (const s of it) for (let j = 0; j < s.count; j++) use(it.names[s.symbols[j]!], s.rows[j]);
 * @throws {ConfigError} when `columns` is not a Map or `from`/`to` is not a number, `arguments`
 * for a fourth argument;
 * {@link InputError} for a map value that is not columns with a `time` column, or a `length` that is
 * not a whole number (columns without `length` have their time column's).
 */
export function timeSlices(columns: ReadonlyMap<string, SymbolTimes>, from?: number, to?: number): TimeSlices {
  refuseArguments('timeSlices', arguments, 'the times are a range [from, to)', 'at most three arguments (columns, from, to)', 3);
  const cursor = new SliceCursor(columns, from, to);
  // One result object, refilled: the iteration protocol allows it, and it saves an allocation a slice.
  const result: { done: boolean; value: TimeSlice | undefined } = { done: false, value: cursor.slice };
  const it: TimeSlices = {
    names: cursor.names,
    next() {
      if (!cursor.advance()) {
        result.done = true;
        result.value = undefined;
      }
      return result as IteratorResult<TimeSlice>;
    },
    [Symbol.iterator]() {
      return it;
    },
  };
  return it;
}

/**
 * The callback form of {@link timeSlices}: calls `fn(time, symbols, rows, count)` for each slice,
 * in time order, and returns the number of slices. `symbols` and `rows` are reused between calls
 * (the first `count` entries are the slice).
 * @throws {ConfigError} as {@link timeSlices} (`arguments` for a fifth argument), and `fn` when it is not a function.
 */
export function forEachSlice(columns: ReadonlyMap<string, SymbolTimes>, fn: SliceCallback, from?: number, to?: number): number {
  refuseArguments('forEachSlice', arguments, 'the times are a range [from, to)', 'at most four arguments (columns, fn, from, to)', 4);
  if (typeof fn !== 'function') throw new ConfigError('fn', `expected a function (time, symbols, rows, count) => void, got ${describe(fn)}`);
  const cursor = new SliceCursor(columns, from, to);
  const slice = cursor.slice;
  let n = 0;
  while (cursor.advance()) {
    fn(slice.time, slice.symbols, slice.rows, slice.count);
    n++;
  }
  return n;
}
