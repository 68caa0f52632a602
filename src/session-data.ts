/**
 * {@link SessionData}: the bar store over the native core.
 * @module
 */
import { ConfigError, InputError, REJECT_CODES, fromNative } from './errors.js';
import type { RejectCode } from './errors.js';
import {
  NativeSessionStore,
  SLOT,
  SLOT_HANDLE,
  SLOT_SERIES,
  SLOT_SKIP_INVALID,
  SLOT_SYMBOL,
  appendManySlot,
  appendSlot,
  formingSlot,
  seriesState,
  takeRejections,
} from './native.js';
import type { Bar, BarColumns, BarsView, Closed, Session } from './types.js';

/** How a {@link SessionData} is set up. */
export interface SessionDataOptions {
  /** Interval of the bars you append: `Ns`, `Nm` or `Nh`. Default `'1m'`. */
  baseInterval?: string;
  /** Derived intervals, each a whole multiple of the base, or `'1d'` (one bar per session). */
  intervals?: readonly string[];
  /**
   * Bucket anchor: `'session'` (default) counts from the session open (a `1h` series runs 09:30,
   * 10:30, ...); `'clock'` from midnight in the session's time zone (09:00, 10:00, ...), for
   * intervals that divide a day.
   */
  alignment?: 'session' | 'clock';
  /** What an empty bucket makes: nothing (`'skip'`, default) or a flat bar at the last close with zero volume (`'flat'`). */
  emptyBuckets?: 'skip' | 'flat';
  /** Base bars per symbol per session to reserve room for. Default: the session's slot count. */
  capacityHint?: number;
  /** Keep only the bars of the last N sessions, dropped at each `endSession()`. Default: keep all. */
  retainSessions?: number;
}

/** Options of {@link SessionData.appendMany}. */
export interface AppendManyOptions {
  /**
   * `'throw'` (default): the batch is all or nothing; the first invalid bar throws a
   * `BarValidationError` carrying its `index`, is counted, and nothing is stored.
   * `'skip'`: each invalid bar is rejected and counted, the rest stored, exactly as appending them
   * one by one and catching each error.
   */
  invalid?: 'throw' | 'skip';
}

/** A bar rejected inside a batch. */
export interface BatchRejection {
  index: number;
  code: RejectCode;
  message: string;
}

/** What {@link SessionData.appendMany} did. */
export interface AppendManyResult {
  /** Bars stored. */
  appended: number;
  /** Bars rejected under `invalid: 'skip'`. */
  rejected: BatchRejection[];
  /** Intervals that closed at least one bar, base first. */
  closed: readonly string[];
}

/** Memory use of a store. */
export interface StoreStats {
  symbols: number;
  /** Closed bars stored across every symbol and interval. */
  storedBars: number;
  /** Bytes of the column blocks that hold them (old blocks still held by views are not counted). */
  allocatedBytes: number;
}

/** The bar columns, in block order. */
const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
const EMPTY = new Float64Array(0);
const EMPTY_VIEW: BarsView = Object.freeze({
  length: 0, time: EMPTY, open: EMPTY, high: EMPTY, low: EMPTY, close: EMPTY, volume: EMPTY,
});
const MAX_SERIES = 32;

/**
 * The views of one series at one moment. Each column's `Float64Array` is made on first read, over
 * the same block, offset and length, so a reader of `close` alone pays for one array.
 */
class ColumnViews implements BarsView {
  readonly length: number;
  readonly #buffer: ArrayBuffer;
  readonly #at: number;
  readonly #stride: number;
  #time: Float64Array | undefined;
  #open: Float64Array | undefined;
  #high: Float64Array | undefined;
  #low: Float64Array | undefined;
  #close: Float64Array | undefined;
  #volume: Float64Array | undefined;

  constructor(buffer: ArrayBuffer, at: number, stride: number, length: number) {
    this.#buffer = buffer;
    this.#at = at;
    this.#stride = stride;
    this.length = length;
  }

  #column(c: number): Float64Array {
    return new Float64Array(this.#buffer, this.#at + c * this.#stride, this.length);
  }

  get time(): Float64Array {
    return (this.#time ??= this.#column(0));
  }
  get open(): Float64Array {
    return (this.#open ??= this.#column(1));
  }
  get high(): Float64Array {
    return (this.#high ??= this.#column(2));
  }
  get low(): Float64Array {
    return (this.#low ??= this.#column(3));
  }
  get close(): Float64Array {
    return (this.#close ??= this.#column(4));
  }
  get volume(): Float64Array {
    return (this.#volume ??= this.#column(5));
  }
}

interface CachedBlock {
  generation: number;
  buffer: ArrayBuffer;
  capacity: number;
}

/**
 * Bars of many symbols in one session at a time: base bars appended as they come, derived
 * intervals aggregated and closed by the native core, closed bars read as zero-copy views.
 *
 * @example
 * const data = new SessionData({ baseInterval: '1m', intervals: ['5m', '1h', '1d'] });
 * data.beginSession(sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' }));
 * data.append('SPY', { time, open, high, low, close, volume }); // ['1m'] or ['1m', '5m'], ...
 * const spy5 = data.bars('SPY', '5m'); // { length, time, open, high, low, close, volume }
 * data.endSession();
 */
export class SessionData {
  readonly #native: NativeSessionStore;
  readonly #handle: number;
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];
  /** Canonical interval names, base first; series index = position. */
  readonly #series: readonly string[];
  readonly #seriesIndex = new Map<string, number>();
  readonly #maskNames: (readonly string[] | undefined)[] = [];
  readonly #blocks: (CachedBlock | undefined)[] = [];
  #session: Session | null = null;
  /** The symbol of the last append and its id: a stream of one symbol skips the map look-up. */
  #lastSymbol = '';
  #lastId = -1;

  /**
   * @throws {ConfigError} naming the parameter: an unknown interval, a `1d` base, a derived interval
   * that is not a whole multiple of the base (or repeats it), a clock-aligned interval that does
   * not divide a day, a non-positive capacity hint or retention.
   */
  constructor(options: SessionDataOptions = {}) {
    const alignment = options.alignment ?? 'session';
    const emptyBuckets = options.emptyBuckets ?? 'skip';
    for (const [param, value] of [['capacityHint', options.capacityHint], ['retainSessions', options.retainSessions]] as const) {
      if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= 0xffffffff)) {
        throw new ConfigError(param, `${value} is not a whole number of at least 1`);
      }
    }
    try {
      this.#native = new NativeSessionStore({
        baseInterval: options.baseInterval ?? '1m',
        intervals: [...(options.intervals ?? [])],
        alignment,
        emptyBuckets,
        capacityHint: options.capacityHint,
        retainSessions: options.retainSessions,
      });
    } catch (e) {
      throw fromNative(e);
    }
    this.#series = Object.freeze(this.#native.seriesNames());
    const given = [options.baseInterval ?? '1m', ...(options.intervals ?? [])];
    this.#series.forEach((name, i) => {
      this.#seriesIndex.set(name, i);
      this.#seriesIndex.set(given[i] as string, i);
    });
    this.#handle = this.#native.handle;
  }

  /** The base interval, in canonical form (`'60m'` is `'1h'`). */
  get baseInterval(): string {
    return this.#series[0] as string;
  }

  /** Every interval stored per symbol, base first, in canonical form. */
  get intervals(): readonly string[] {
    return this.#series;
  }

  /** The open session, or `null`. */
  get session(): Session | null {
    return this.#session;
  }

  /**
   * Opens a session. Bars must fall in `[session.open, session.close)`.
   * @throws {SessionError} `session_open` if one is open, `session_order` if it opens before the
   * previous close, `invalid_session` for times that are not whole milliseconds or out of order.
   */
  beginSession(session: Session): void {
    try {
      this.#native.beginSession(session.open, session.close, session.dayStart);
    } catch (e) {
      throw fromNative(e);
    }
    this.#session = session;
  }

  /**
   * Appends one base bar: validates it, stores it, updates the forming bars of every derived
   * interval and closes the buckets it completes.
   *
   * @returns the intervals that closed a bar, base first (the array is shared and frozen).
   * @throws {BarValidationError} with the reason as `code`; the rejection is counted and nothing changes.
   * @throws {SessionError} `no_session` when no session is open (counted too).
   */
  append(symbol: string, bar: Bar): readonly string[] {
    let id = this.#lastId;
    if (symbol !== this.#lastSymbol) {
      id = this.#ids.get(symbol) ?? this.#intern(symbol);
      this.#lastSymbol = symbol;
      this.#lastId = id;
    }
    const slot = SLOT;
    slot[0] = bar.time;
    slot[1] = bar.open;
    slot[2] = bar.high;
    slot[3] = bar.low;
    slot[4] = bar.close;
    slot[5] = bar.volume;
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SYMBOL] = id;
    try {
      appendSlot();
    } catch (e) {
      throw fromNative(e, { symbol, bar: { ...bar } });
    }
    const mask = slot[0] as number;
    return this.#maskNames[mask] ?? this.#namesOf(mask);
  }

  /**
   * Appends a batch of base bars of one symbol, given as columns. The result is identical, bit for
   * bit, to appending them one by one. `Float64Array` columns are read without copying.
   *
   * @throws {BarValidationError} under `invalid: 'throw'` (default) for the first invalid bar, with its `index`; nothing is stored.
   * @throws {InputError} when a column is missing or the columns differ in length.
   * @throws {SessionError} `no_session` under `invalid: 'throw'` when no session is open (under
   * `'skip'` every bar is reported rejected with `no_session`, as one by one). An empty batch is a no-op.
   */
  appendMany(symbol: string, columns: BarColumns, options: AppendManyOptions = {}): AppendManyResult {
    const invalid = options.invalid ?? 'throw';
    if (invalid !== 'throw' && invalid !== 'skip') throw new ConfigError('invalid', `'${String(invalid)}' is not 'throw' or 'skip'`);
    const cols = COLUMNS.map((name) => {
      const col = columns[name];
      if (col instanceof Float64Array) return col;
      if (!Array.isArray(col)) throw new InputError(`column '${name}' is missing or not an array`);
      return Float64Array.from(col);
    }) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const id = this.#ids.get(symbol) ?? this.#intern(symbol);
    const slot = SLOT;
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SYMBOL] = id;
    slot[SLOT_SKIP_INVALID] = invalid === 'skip' ? 1 : 0;
    try {
      appendManySlot(...cols);
    } catch (e) {
      throw fromNative(e, { symbol });
    }
    const appended = slot[0] as number;
    const closed = slot[1] as number;
    let rejected: BatchRejection[] = [];
    if ((slot[2] as number) > 0) {
      const r = takeRejections();
      rejected = r.index.map((index, i) => ({ index, code: r.code[i] as RejectCode, message: r.message[i] as string }));
    }
    return { appended, rejected, closed: this.#maskNames[closed] ?? this.#namesOf(closed) };
  }

  /**
   * Moves the clock to `time` (epoch ms): every bucket that ends at or before it closes, for every
   * symbol, with or without data. Later bars for a bucket closed this way are rejected as `late`.
   * An earlier `time` than before does nothing.
   * @returns the `(symbol, interval)` pairs that closed bars.
   * @throws {SessionError} `no_session`. {@link InputError} for a non-finite time.
   */
  advanceTo(time: number): Closed[] {
    try {
      return this.#pairs(this.#native.advanceTo(time));
    } catch (e) {
      throw fromNative(e);
    }
  }

  /**
   * Ends the session: flushes every forming bar and applies `retainSessions`.
   * @returns the `(symbol, interval)` pairs that closed bars.
   * @throws {SessionError} `no_session` when none is open.
   */
  endSession(): Closed[] {
    let pairs: number[];
    try {
      pairs = this.#native.endSession();
    } catch (e) {
      throw fromNative(e);
    }
    this.#session = null;
    return this.#pairs(pairs);
  }

  /**
   * Zero-copy views of the closed bars of `symbol` at `interval` (see {@link BarsView} for the
   * contract). An unknown symbol gives an empty view. Constant time: no bar is copied.
   * @throws {ConfigError} for an interval the store does not have.
   */
  bars(symbol: string, interval: string): BarsView {
    const s = this.#seriesOf(interval);
    const id = this.#ids.get(symbol);
    if (id === undefined) return EMPTY_VIEW;
    const slot = SLOT;
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SYMBOL] = id;
    slot[SLOT_SERIES] = s;
    seriesState();
    const length = slot[0] as number;
    if (length === 0) return EMPTY_VIEW;
    const generation = slot[1] as number;
    const at = (slot[2] as number) * 8;
    const key = id * MAX_SERIES + s;
    let block = this.#blocks[key];
    if (block === undefined || block.generation !== generation) {
      const buffer = this.#native.seriesBlock(id, s);
      if (buffer === null) return EMPTY_VIEW;
      block = { generation, buffer, capacity: buffer.byteLength / 48 };
      this.#blocks[key] = block;
    }
    return new ColumnViews(block.buffer, at, block.capacity * 8, length);
  }

  /**
   * The bar being built at `interval` for `symbol`, if a bucket is open; `null` otherwise and always
   * for the base interval. It is never part of {@link SessionData.bars}.
   * @throws {ConfigError} for an interval the store does not have.
   */
  forming(symbol: string, interval: string): Bar | null {
    const s = this.#seriesOf(interval);
    const id = this.#ids.get(symbol);
    if (id === undefined) return null;
    const slot = SLOT;
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SYMBOL] = id;
    slot[SLOT_SERIES] = s;
    formingSlot();
    const time = slot[0] as number;
    if (Number.isNaN(time)) return null;
    return { time, open: slot[1] as number, high: slot[2] as number, low: slot[3] as number, close: slot[4] as number, volume: slot[5] as number };
  }

  /** Symbols seen so far, in order of first use. */
  symbols(): string[] {
    return [...this.#names];
  }

  /**
   * Rejected bars by reason: of one symbol, or summed over all symbols when none is given. Every
   * code is present, zero when nothing was rejected for it.
   */
  rejections(symbol?: string): Record<RejectCode, number> {
    const totals = Object.fromEntries(REJECT_CODES.map((c) => [c, 0])) as Record<RejectCode, number>;
    const ids = symbol === undefined ? [...this.#ids.values()] : [this.#ids.get(symbol)].filter((x) => x !== undefined);
    for (const id of ids) {
      this.#native.rejections(id).forEach((n, i) => {
        totals[REJECT_CODES[i] as RejectCode] += n;
      });
    }
    return totals;
  }

  /** Stored bars and the memory that holds them. */
  stats(): StoreStats {
    return {
      symbols: this.#names.length,
      storedBars: this.#native.storedBars(),
      allocatedBytes: this.#native.allocatedBytes(),
    };
  }

  #intern(symbol: string): number {
    if (typeof symbol !== 'string' || symbol.length === 0) {
      throw new InputError(`symbol must be a non-empty string, got ${String(symbol)}`);
    }
    const id = this.#native.intern(symbol);
    this.#ids.set(symbol, id);
    this.#names[id] = symbol;
    return id;
  }

  #seriesOf(interval: string): number {
    const s = this.#seriesIndex.get(interval);
    if (s === undefined) {
      throw new ConfigError('interval', `'${interval}' is not one of this store's intervals (${this.#series.join(', ')})`);
    }
    return s;
  }

  #namesOf(mask: number): readonly string[] {
    const names = Object.freeze(this.#series.filter((_, i) => (mask & (1 << i)) !== 0));
    this.#maskNames[mask] = names;
    return names;
  }

  #pairs(flat: number[]): Closed[] {
    const out: Closed[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const symbol = this.#names[flat[i] as number] as string;
      for (const interval of this.#maskNames[flat[i + 1] as number] ?? this.#namesOf(flat[i + 1] as number)) {
        out.push({ symbol, interval });
      }
    }
    return out;
  }
}

