/**
 * {@link SessionData}: the bar store over the native core.
 * @module
 */
import { ConfigError, InputError, REJECT_CODES, SessionError, checkOptionKeys, describe, firstHole, fromNative, notNumbers, rowOf, refuseArguments, shownInstant, symbolProblem } from './errors.js';
import type { RejectCode } from './errors.js';
import {
  NativeSessionStore,
  SLOT,
  SLOT_HANDLE,
  SLOT_SERIES,
  SLOT_SKIP_INVALID,
  SLOT_SLICE_FROM,
  SLOT_SYMBOL,
  advanceToSlot,
  appendManySlot,
  appendSliceSlot,
  appendSlot,
  canonicalInterval,
  checkSlot,
  formingSlot,
  peekSlot,
  sameInterval,
  seriesState,
  seriesStates,
  takeClosed,
  takeGapsSlot,
  takeRejections,
} from './native.js';
import type { Bar, BarColumns, BarsView, Closed, Session, SessionInput } from './types.js';
import { clockChangesOf, dayStartOf, nextDayStartOf } from './session.js';
import { describeIndicator, nativeConfig } from './indicators.js';
import type { IndicatorConfig } from './indicators.js';
import { givenLength, grown, isFloat64Array, lengthOf, notAColumn, num, toColumn } from './typed-arrays.js';

/** How a {@link SessionData} is set up. */
export interface SessionDataOptions {
  /** Interval of the bars you append: `Ns`, `Nm` or `Nh`. Default `'1m'`. */
  baseInterval?: string | undefined;
  /** Derived intervals, each a whole multiple of the base, or `'1d'` (one bar per session); at most 31. */
  intervals?: readonly string[] | undefined;
  /**
   * Bucket anchor: `'session'` (default) counts from the session open (a `1h` series runs 09:30,
   * 10:30, ...); `'clock'` from midnight in the session's time zone (09:00, 10:00, ...), for
   * intervals that divide a day.
   */
  alignment?: 'session' | 'clock' | undefined;
  /** What an empty bucket makes: nothing (`'skip'`, default) or a flat bar at the last close with zero volume (`'flat'`). */
  emptyBuckets?: 'skip' | 'flat' | undefined;
  /** The most base bars per symbol per session to reserve room for up front (a session with fewer slots reserves its slots; more bars still fit, growing as they come). Default: the session's slot count, at most 4,194,304. */
  capacityHint?: number | undefined;
  /** Keep only the bars of the last N sessions, dropped at each `endSession()`. Default: keep all. */
  retainSessions?: number | undefined;
  /**
   * Indicators per interval (the base interval included), computed for every symbol on each closed
   * bar of that interval, in the same native call that closes it. Read them with
   * {@link SessionData.indicator} by output name (`rsi14`, `macd.signal`, `bbands20.upper`, ...).
   */
  indicators?: Readonly<Record<string, readonly IndicatorConfig[]>> | undefined;
}

/** Numbers in a `NativeQualityTable` row before the rejections: present, ended, and the base interval's expected, received, missing, late, score. */
const QUALITY_LEADING = 7;

/** Options of {@link SessionData.appendMany}. */
export interface AppendManyOptions {
  /**
   * `'throw'` (default): the batch is all or nothing; the first invalid bar throws a
   * `BarValidationError` carrying its `index`, is counted, and nothing is stored.
   * `'skip'`: each invalid bar is rejected and counted, the rest stored, exactly as appending them
   * one by one and catching each error.
   */
  invalid?: 'throw' | 'skip' | undefined;
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

/** Columns of a time slice for {@link SessionData.appendSlice}: entry `i` is the bar of `symbols[i]`. */
export interface SliceColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * What {@link SessionData.appendSlice} did, bar by bar. The object and its arrays belong to the
 * store and are rewritten by its next `appendSlice` call: read them before that.
 */
export interface SliceOutcome {
  /** Bars in the slice. */
  readonly count: number;
  /** For bar `i`: the intervals it closed, base first (as `append` returns them), or `null` when rejected. */
  readonly closed: readonly (readonly string[] | null)[];
  /** For bar `i`: why it was rejected, or `null` when it was stored. */
  readonly rejected: readonly (RejectCode | null)[];
  /**
   * Whether any bar of the slice opened a gap (it skipped base slots since its symbol's previous bar,
   * or since the session open). Only then is there something new for {@link SessionData.takeGaps}.
   */
  readonly gaps: boolean;
}

/**
 * Quality of one derived interval of a symbol in a session. A bucket counts once it has closed (by
 * any of the closing rules: a later bar, its last slot's bar, the clock, the session end).
 */
export interface IntervalQuality {
  /** Buckets that meet the session (a session-aligned `1h` in 09:30-16:00: 7). */
  readonly expected: number;
  /** Buckets closed with at least one base bar. */
  readonly received: number;
  /**
   * Buckets closed without any base bar (passed by a later bar, ended by `advanceTo`, or left at
   * `endSession`), whatever they made: counted under `emptyBuckets: 'skip'` too, and before the
   * symbol's first bar of the session, where `'flat'` makes no bar either.
   */
  readonly missing: number;
  /** `received / expected`: it grows during the session and is final once the session has ended. */
  readonly score: number;
}

/** Quality of a symbol's base series in a session. */
export interface BaseQuality extends IntervalQuality {
  /** Base slots in the session: `ceil((close - open) / baseInterval)` (390 for 09:30-16:00 in `1m`, 210 for a 13:00 early close). */
  readonly expected: number;
  /** Bars stored this session. */
  readonly received: number;
  /**
   * Slots that have passed with no bar. While the session is open a slot has passed when it lies
   * before the symbol's latest bar or when `advanceTo` has reached its end; slots still ahead are not
   * counted. After `endSession`, `expected - received`.
   */
  readonly missing: number;
  /** Bars rejected as `late` this session (also in `rejected.late`). */
  readonly late: number;
  /**
   * Bars rejected this session, by reason; every code present. Rejections while no session is open
   * (`no_session`) belong to no session and count only in {@link SessionData.rejections}.
   */
  readonly rejected: Readonly<Record<RejectCode, number>>;
}

/** A run of base slots with no bar: `[from, to)` in epoch ms. */
export interface GapSpan {
  /** The time of the first missing slot. */
  readonly from: number;
  /** The end of the last missing slot: the time of the bar that revealed the gap, or the session close. */
  readonly to: number;
}

/** A gap of one symbol, as {@link SessionData.takeGaps} hands it out. */
export interface Gap extends GapSpan {
  readonly symbol: string;
}

/**
 * The data quality of one symbol in the open session, or in the last one until the next begins,
 * measured by the native core as bars arrive.
 */
export interface SymbolQuality {
  /** The session's date (`Session.date`). */
  readonly session: string;
  /** Whether the session has ended, so every count is final. */
  readonly ended: boolean;
  readonly base: BaseQuality;
  /** Per derived interval, by its canonical name (as in {@link SessionData.intervals}). */
  readonly intervals: Readonly<Record<string, IntervalQuality>>;
  /**
   * Gaps in the base series this session, in time order: one for each bar that skipped slots, and
   * at `endSession` one up to the close for every symbol whose last bar was before the last slot (or
   * that had no bar at all: then the gap is the whole session).
   */
  readonly gaps: readonly GapSpan[];
}

/** Memory use of a store. */
export interface StoreStats {
  /** Symbols the store knows (removed ones left out). */
  symbols: number;
  /** Closed bars stored across every symbol and interval. */
  storedBars: number;
  /** Bytes of the column blocks that hold them (old blocks still held by views are not counted). */
  allocatedBytes: number;
}

/** The bar columns, in block order. */
const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** A slice's six columns in {@link COLUMNS} order, as read once from the caller's object. */
type SliceColumnList = readonly [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
/** The options {@link SessionData.appendMany} takes. */
const APPEND_MANY_OPTIONS = ['invalid'] as const;
const EMPTY = new Float64Array(0);
const MAX_SERIES = 32;

/**
 * The error for a symbol argument that is not a string. Readers check it only when the look-up
 * missed (the map holds strings only), so a known symbol costs nothing more.
 */
function notASymbol(symbol: unknown): InputError {
  return new InputError(`symbol must be a string, got ${describe(symbol)}`);
}

/** @throws {InputError} when `symbol` is not a non-empty string, naming what it got. */
function checkSymbol(symbol: unknown): asserts symbol is string {
  if (typeof symbol !== 'string' || symbol.length === 0) throw new InputError(`symbol must be a non-empty string, got ${describe(symbol)}`);
}

/** What a bar given as an array of its fields is told (`append` and `check` alike). */
const ARRAY_BAR = 'a bar is { time, open, high, low, close, volume }, got an array (appendValues takes the fields as arguments)';

/** What an append during a run's session is told to do instead. */
const APPEND_IN_RUN = "bars come from the run's source (a series a strategy makes goes in a SessionData of its own)";

/**
 * What {@link SessionData}'s last appended symbol is while there is none: a value no caller can
 * pass, so that `append(null, bar)` is refused rather than taken for the last symbol's id.
 */
const NO_SYMBOL: unique symbol = Symbol('no symbol');

/** Added to a bar's closed mask in the slice results when the bar opened a gap (masks are below it). @internal */
export const SLICE_GAP_FLAG = 2 ** 32;

/**
 * The views of one series at one moment. Each column's `Float64Array` is made on first read, over
 * the same block, offset and length, so a reader of `close` alone pays for one array. The length
 * is a getter, so no assignment can move it past the closed bars (in strict code it throws).
 */
class ColumnViews implements BarsView {
  readonly #length: number;
  readonly #buffer: ArrayBuffer;
  readonly #at: number;
  readonly #stride: number;
  #time: Float64Array<ArrayBuffer> | undefined;
  #open: Float64Array<ArrayBuffer> | undefined;
  #high: Float64Array<ArrayBuffer> | undefined;
  #low: Float64Array<ArrayBuffer> | undefined;
  #close: Float64Array<ArrayBuffer> | undefined;
  #volume: Float64Array<ArrayBuffer> | undefined;

  constructor(buffer: ArrayBuffer, at: number, stride: number, length: number) {
    this.#buffer = buffer;
    this.#at = at;
    this.#stride = stride;
    this.#length = length;
  }

  get length(): number {
    return this.#length;
  }

  #column(c: number): Float64Array<ArrayBuffer> {
    return new Float64Array(this.#buffer, this.#at + c * this.#stride, this.#length);
  }

  /** Column `c` of the block (the bar columns first, then the indicator outputs), over the same rows. @internal */
  column(c: number): Float64Array<ArrayBuffer> {
    return this.#column(c);
  }

  get time(): Float64Array<ArrayBuffer> {
    return (this.#time ??= this.#column(0));
  }
  get open(): Float64Array<ArrayBuffer> {
    return (this.#open ??= this.#column(1));
  }
  get high(): Float64Array<ArrayBuffer> {
    return (this.#high ??= this.#column(2));
  }
  get low(): Float64Array<ArrayBuffer> {
    return (this.#low ??= this.#column(3));
  }
  get close(): Float64Array<ArrayBuffer> {
    return (this.#close ??= this.#column(4));
  }
  get volume(): Float64Array<ArrayBuffer> {
    return (this.#volume ??= this.#column(5));
  }
}

/** The view of a series with no bars: a {@link ColumnViews} too, so it reads, spreads and prints as any other. */
const EMPTY_VIEW: BarsView = Object.freeze(new ColumnViews(new ArrayBuffer(0), 0, 0, 0));

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
  /** The base interval in milliseconds, read once (it never changes). */
  readonly #baseIntervalMs: number;
  readonly #handle: number;
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];
  /** Canonical interval names, base first; series index = position. */
  readonly #series: readonly string[];
  readonly #seriesIndex = new Map<string, number>();
  readonly #maskNames: (readonly string[] | undefined)[] = [];
  /** Per `id * MAX_SERIES + series`, sized with the state arrays so it stays a dense array (a sparse one falls back to a dictionary). */
  #blocks: (CachedBlock | null)[] = [];
  /** The keys of `#blocks` that hold a block: what {@link SessionData.endSessionMasks} checks. */
  readonly #cachedKeys = new Set<number>();
  /** Symbol ids and series indices of `#cachedKeys`, for one native read of their states. */
  #sweepIds = new Float64Array(0);
  #sweepSeries = new Float64Array(0);
  /**
   * Bumped by every call that can change what a series holds. A series' state read from the core
   * in the current epoch is still true, so a dispatch's `count` and its subscribers' `bars` share
   * one native `seriesState` call per series.
   */
  #epoch = 0;
  /** Bumped by every call that can move the core's clock: advanceTo, beginSession, endSession, clear. */
  #clockEpoch = 0;
  /** {@link SessionData.lateBefore} as read in clock epoch `#lateEpoch` (-1: never). */
  #lateBefore: number | null = null;
  #lateEpoch = -1;
  /** The open session's clock as the core keeps it (see {@link SessionData.advanceTo}); -Infinity before any advance. */
  #clock = -Infinity;
  /**
   * Where `advanceToSlot` writes the `[symbol id, mask, ...]` pairs it closed: read before the next
   * advance, which writes it again.
   */
  #closed = new Float64Array(32);
  /** Where `peekSlot` writes a series' indicator values; as long as the most outputs a series has had asked. */
  #peeked = new Float64Array(8);
  /** Where `takeGapsSlot` writes the gaps it takes, `[symbol id, from, to]` a gap; grown as needed. */
  #gapTriples = new Float64Array(3 * 64);
  /** Per `id * MAX_SERIES + series`: the epoch its state was read in (-1: never), its length, block generation and start index. */
  #stateEpoch: Float64Array<ArrayBuffer> = new Float64Array(0);
  #stateLength: Float64Array<ArrayBuffer> = new Float64Array(0);
  #stateGeneration: Float64Array<ArrayBuffer> = new Float64Array(0);
  #stateStart: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Per series: indicator output name -> column in the block. */
  readonly #outputs: ReadonlyMap<string, number>[];
  /** Per series: columns in a block. */
  readonly #widths: readonly number[];
  #session: Session | null = null;
  /** The session the quality record describes: the open one, or the last one after it ended. */
  #qualitySession: Session | null = null;
  #sliceIds = new Float64Array(64);
  /** What `seriesStates` writes: three entries a series. */
  #statesOut = new Float64Array(192);
  #sliceResults = new Float64Array(64);
  readonly #sliceOutcome: { count: number; closed: (readonly string[] | null)[]; rejected: (RejectCode | null)[]; gaps: boolean } = { count: 0, closed: [], rejected: [], gaps: false };
  /** The symbol of the last append and its id: a stream of one symbol skips the map look-up. */
  /** {@link NO_SYMBOL} before any append: no argument (not `null`, not the invalid `''`) matches it. */
  #lastSymbol: string | typeof NO_SYMBOL = NO_SYMBOL;
  #lastId = -1;
  #removedSymbols = 0;
  #clears = 0;
  /** Gaps given back by {@link SessionData.restoreGaps}, oldest first: ahead of the core's queue. */
  #carriedGaps: Gap[] = [];
  /**
   * Slots of the open session that a coordinator's run reported missing before it ended inside
   * the session (stopped, failed), by symbol, as `[from, to, ...]`: the gaps the store finds there
   * later (at the session's end, say) leave them out, as the run's report has them already.
   * Forgotten once the gaps are taken after that session ended, and by clear().
   */
  #reportedGaps = new Map<string, number[]>();
  /** Whether buckets are anchored at the exchange's midnight (`alignment: 'clock'`). */
  #clockAligned = false;
  /** Whether `retainSessions` is set. */
  readonly #retains: boolean;
  /** The coordinator running on this store, if any (see {@link SessionData.claimRun}). */
  #runner: object | null = null;

  /**
   * @throws {ConfigError} naming the parameter: an unknown option, an unknown interval, a `1d` base,
   * a derived interval that is not a whole multiple of the base (or repeats it), more than 31
   * derived intervals, a clock-aligned interval that does not divide a day, an `alignment` or
   * `emptyBuckets` value not listed, a capacity hint or retention that is not a whole number of
   * at least 1; for `indicators`, a value that is not a plain object (a `Map`, an array, `null`), an
   * interval the store does not have or an output listed twice for one interval, and a bad
   * indicator parameter by its name.
   */
  constructor(options: SessionDataOptions = {}) {
    // describe() tells an array, and a revoked Proxy, which every read of would throw a TypeError.
    const shape = options === null || typeof options !== 'object' ? null : describe(options);
    if (shape !== 'an object') throw new ConfigError('options', `expected an object of options, got ${describe(options)}`);
    checkOptionKeys(options, ['baseInterval', 'intervals', 'alignment', 'emptyBuckets', 'capacityHint', 'retainSessions', 'indicators'], 'SessionData');
    // Each option is read once: a getter read again could hand the core another value than the one checked.
    const { baseInterval = '1m', intervals, alignment = 'session', emptyBuckets = 'skip', capacityHint, retainSessions, indicators: byInterval = {} } = options;
    for (const [param, value] of [['capacityHint', capacityHint], ['retainSessions', retainSessions]] as const) {
      if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 0xffffffff)) {
        throw new ConfigError(param, `${describe(value)} is not a whole number from 1 to 2^32 - 1 (4294967295)`);
      }
    }
    if (intervals !== undefined && !Array.isArray(intervals)) {
      throw new ConfigError('intervals', `expected an array of intervals such as ['5m', '1h'], got ${describe(intervals)}`);
    }
    // Before the list is copied: a sparse array's length may be anything up to 2^32 - 1.
    if (intervals !== undefined && intervals.length > 31) throw new ConfigError('intervals', `${intervals.length} derived intervals; at most 31`);
    const derived: string[] = intervals === undefined ? [] : [...intervals];
    const given = [baseInterval, ...derived];
    given.forEach((interval: unknown, i) => {
      if (typeof interval !== 'string') throw new ConfigError(i === 0 ? 'baseInterval' : 'intervals', `an interval is a string such as '5m', got ${describe(interval)}`);
      // Before the indicators are matched to the intervals: a misspelt interval is the error, not
      // the indicators of its intended spelling.
      if (canonicalInterval(interval) === null) throw new ConfigError(i === 0 ? 'baseInterval' : 'intervals', `${describe(interval)} is not an interval (Ns, Nm, Nh or 1d)`);
    });
    for (const [param, value] of [['alignment', alignment], ['emptyBuckets', emptyBuckets]] as const) {
      if (typeof value !== 'string') throw new ConfigError(param, `expected a string, got ${describe(value)}`);
    }
    const indicators: ReturnType<typeof nativeConfig>[][] = given.map(() => []);
    const declared: (string | undefined)[] = [];
    // Read with Object.entries, which sees only own keys: a Map, a class instance or inherited keys
    // would silently configure nothing, and a string or an array would be read by index. A plain
    // object's prototype is null or an Object.prototype, of this realm or another (a vm context's).
    const proto: unknown = typeof byInterval === 'object' && byInterval !== null ? Object.getPrototypeOf(byInterval) : undefined;
    if (proto !== null && (proto === undefined || Object.getPrototypeOf(proto) !== null)) {
      throw new ConfigError('indicators', `expected an object of interval -> indicator list, such as { '5m': [{ kind: 'rsi' }] }, got ${describe(byInterval)}`);
    }
    for (const [interval, list] of Object.entries(byInterval as object)) {
      // Any spelling of a configured interval ('1h' for '60m'), as everywhere else.
      const s = given.findIndex((g) => g === interval || sameInterval(g, interval));
      if (s < 0) throw new ConfigError('indicators', `'${interval}' is not one of the intervals (${given.join(', ')})`);
      if (!Array.isArray(list)) throw new ConfigError('indicators', `indicators of '${interval}' must be an array`);
      const hole = firstHole(list);
      if (hole >= 0) throw new ConfigError('indicators', `indicators of '${interval}' has no entry at ${hole} (a sparse array)`);
      if (declared[s] !== undefined) throw new ConfigError('indicators', `'${interval}' and '${declared[s]}' are one interval: give its indicators once`);
      declared[s] = interval;
      indicators[s] = list.map((c: IndicatorConfig, k) => {
        try {
          const native = nativeConfig(c);
          // Checked here, one by one, so that an error can say which indicator it is.
          describeIndicator(c);
          return native;
        } catch (e) {
          throw e instanceof ConfigError ? e.within(`indicator ${k + 1} of '${interval}'`) : e;
        }
      });
    }
    try {
      this.#native = new NativeSessionStore({
        baseInterval,
        intervals: derived,
        alignment,
        emptyBuckets,
        ...(capacityHint === undefined ? {} : { capacityHint }),
        ...(retainSessions === undefined ? {} : { retainSessions }),
        indicators,
      });
    } catch (e) {
      throw fromNative(e);
    }
    this.#retains = retainSessions !== undefined;
    this.#series = Object.freeze(this.#native.seriesNames());
    this.#series.forEach((name, i) => {
      this.#seriesIndex.set(name, i);
      this.#seriesIndex.set(given[i] as string, i);
    });
    const outputs = this.#native.seriesOutputs();
    this.#outputs = outputs.map((names) => new Map(names.map((n, j) => [n, COLUMNS.length + j])));
    this.#widths = outputs.map((names) => COLUMNS.length + names.length);
    this.#handle = this.#native.handle;
    this.#clockAligned = alignment === 'clock';
    this.#baseIntervalMs = this.#native.baseIntervalMs;
  }

  /** The base interval, in canonical form (`'60m'` is `'1h'`). */
  get baseInterval(): string {
    return this.#series[0] as string;
  }

  /** The base interval in milliseconds. */
  get baseIntervalMs(): number {
    return this.#baseIntervalMs;
  }

  /** Every interval stored per symbol, base first, in canonical form. */
  get intervals(): readonly string[] {
    return this.#series;
  }

  /** The open session (frozen), or `null`. */
  get session(): Readonly<Session> | null {
    return this.#session;
  }

  /**
   * A base bar of the open session timed before this (epoch ms) is rejected as `late`: the clock
   * ({@link SessionData.advanceTo}) has closed a bucket it falls in. `null` when no bar would be:
   * no session is open, there is no derived interval, or the clock has closed none of its buckets.
   * A live feed can tell from it, before appending, which of its bars will be stored.
   */
  get lateBefore(): number | null {
    // Read from the core once a move of its clock: a caller may ask before every bar it judges,
    // and the generated getter costs about 300 ns a read. Only advanceTo, beginSession,
    // endSession and clear move it.
    if (this.#lateEpoch !== this.#clockEpoch) {
      this.#lateBefore = this.#native.lateBefore;
      this.#lateEpoch = this.#clockEpoch;
    }
    return this.#lateBefore;
  }

  /**
   * Opens a session. Bars must fall in `[session.open, session.close)`. `dayStart` (the exchange's
   * midnight of `date`, where clock-aligned buckets are anchored) may be left out: it is then
   * worked out from `date` and `timeZone`, and {@link SessionData.session} has it.
   * @throws {SessionError} `session_open` if one is open, `session_order` if it opens before the
   * previous close, `invalid_session` for times that are not numbers, not whole milliseconds or out
   * of order, an open that is not on `date` in `timeZone` (before its `dayStart`, or at or past
   * the next day's midnight), or a `date` or `timeZone` that gives no midnight (without `dayStart`,
   * or under clock alignment, where a given `dayStart` must be that midnight).
   */
  beginSession(session: SessionInput): void;
  beginSession(session: SessionInput, extra?: unknown): void {
    if (extra !== undefined) throw extraArgument('beginSession', '(session)', extra, "a session's hours and dates are its fields");
    if (session === null || typeof session !== 'object') throw new SessionError('invalid_session', `expected a session { date, open, close, timeZone, dayStart? }, got ${describe(session)}`);
    // Read once, into a session of the store's own: the caller's object may change later.
    const { date, open, close, timeZone } = session;
    const given = session.dayStart;
    if (typeof date !== 'string' || typeof timeZone !== 'string') {
      throw new SessionError('invalid_session', `a session's date and timeZone are strings, got ${describe(date)} and ${describe(timeZone)}`);
    }
    // Said as given: read as numbers, text or a BigInt would be reported as NaN.
    for (const [name, value] of [['open', open], ['close', close], ['dayStart', given]] as const) {
      if ((value !== undefined || name !== 'dayStart') && typeof value !== 'number') throw new SessionError('invalid_session', `a session's ${name} is epoch milliseconds, a number, got ${describe(value)}`);
    }
    const dayStart = given === undefined ? dayStartOf(date, timeZone) : given;
    if (given === undefined && !Number.isFinite(dayStart)) {
      throw new SessionError('invalid_session', `no dayStart given, and date ${describe(date)} in time zone ${describe(timeZone)} gives no midnight`);
    }
    let shift: { at: number; by: number } | null = null;
    if (this.#clockAligned) {
      // The day's midnight anchors clock-aligned buckets: a dayStart given must be it (UTC midnight
      // for a New York session, say, would shift every bucket by hours without a word).
      const midnight = given === undefined ? dayStart : dayStartOf(date, timeZone);
      // A date or zone that names no midnight cannot anchor the buckets, nor tell when the clocks change.
      if (given !== undefined && !Number.isFinite(midnight)) {
        throw new SessionError('invalid_session', `date ${describe(date)} in time zone ${describe(timeZone)} gives no midnight, where clock-aligned buckets are anchored`);
      }
      if (given !== undefined && given !== midnight) {
        throw new SessionError('invalid_session', `dayStart ${typeof given === 'number' ? shownInstant(given) : describe(given)} is not midnight of ${date} in ${timeZone}, ${shownInstant(midnight)}; leave it out to have it worked out`);
      }
      // On a day the clocks change (or a session that runs into one), buckets still start where the
      // exchange's clock shows a multiple of their length.
      if (typeof dayStart === 'number' && Number.isFinite(dayStart) && typeof close === 'number') {
        const changes = clockChangesOf(dayStart, close, timeZone);
        // The core keeps one change a session: buckets after a second would be off by it.
        if (changes.length > 1) {
          const [a, b] = changes.map((c) => new Date(c.at).toISOString());
          throw new SessionError('invalid_session', `the clocks of ${timeZone} change twice during the session (${a} and ${b}): a clock-aligned session lives through one change at most`);
        }
        shift = changes[0] ?? null;
      }
    }
    // A session dated by the UTC day of an open that is the next local morning (Sydney's 10:00,
    // 23:00Z the day before) would anchor its clock-aligned buckets and `1d` bar a day early.
    const dayEnd = nextDayStartOf(date, timeZone);
    if (open >= dayEnd) {
      throw new SessionError('invalid_session', `session open ${shownInstant(open)} is past ${date} in ${timeZone}, which ends at ${shownInstant(dayEnd)}: a session takes the date it opens on`);
    }
    // The caller's other fields (a calendar's `earlyClose`, say) come along.
    const full: Session = Object.freeze({ ...session, date, open, close, timeZone, dayStart });
    this.#epoch++;
    this.#clockEpoch++;
    try {
      // A field that is not a number reads as NaN, which the core refuses as invalid_session.
      this.#native.beginSession(num(full.open), num(full.close), num(full.dayStart), shift?.at, shift?.by);
    } catch (e) {
      throw fromNative(e);
    }
    this.#session = full;
    this.#qualitySession = full;
    this.#clock = -Infinity;
  }

  /**
   * Empties the store, as if it were new with the same options: every symbol, bar, session,
   * rejection count and quality record goes. Views made before stay valid and keep their values
   * (they hold their memory). The blocks no view was ever made of are freed at once, where a
   * dropped store waits for a garbage collection and a turn of the event loop; a block that was
   * viewed (by a `BarEvent` too) waits for them as well, held by its `ArrayBuffer`. A loop that
   * runs one backtest after another can reuse one store this way; one that views its series and
   * never awaits should await a turn between runs.
   * @throws {SessionError} `session_open` while a coordinator runs a session on this store.
   */
  clear(): void {
    if (this.#runner !== null && this.#session !== null) throw this.#runsHere('clear', 'clear it between sessions (in a sessionEnd listener) or once run() has settled');
    try {
      this.#native.clear();
    } catch (e) {
      throw fromNative(e);
    }
    this.#epoch++;
    this.#clockEpoch++;
    this.#clock = -Infinity;
    this.#ids.clear();
    this.#names.length = 0;
    this.#carriedGaps = [];
    this.#reportedGaps.clear();
    this.#blocks.fill(null);
    this.#cachedKeys.clear();
    this.#stateEpoch.fill(-1);
    this.#session = null;
    this.#qualitySession = null;
    this.#lastSymbol = NO_SYMBOL;
    this.#lastId = -1;
    this.#removedSymbols++;
    this.#clears++;
  }

  /** How many times the store was cleared: a caller holding something of its earlier content checks it. @internal */
  get clears(): number {
    return this.#clears;
  }

  /**
   * Forgets `symbol`, between sessions: its bars, forming bars, indicator state, rejection counts
   * and quality record go, and it takes part in no later session (no whole-session gap, no
   * quality record). Its memory is freed at once, except blocks that were viewed: those wait for
   * a garbage collection and a turn of the event loop (held by their `ArrayBuffer`), and views
   * still alive keep their values. A symbol that comes back later starts afresh, as one never seen. Gaps of it
   * already recorded and not yet taken keep its name: its id goes to a new symbol only once they
   * are taken. A `BarEvent` of it kept from before keeps the views it made and reads empty ones
   * after. A service whose symbols come and go calls this for each one that leaves: the store then
   * holds, and visits at each session and clock move, only the symbols it knows.
   *
   * Within a {@link SessionCoordinator} run, remove symbols in a `sessionEnd` handler: a symbol
   * whose source still has bars comes back at its next bar, as a new symbol.
   *
   * @returns `false`, changing nothing, when the store does not know `symbol`.
   * @throws {SessionError} `session_open` while a session is open.
   * @throws {InputError} when `symbol` is not a string.
   * @example
   * data.endSession();
   * for (const symbol of delisted) data.removeSymbol(symbol);
   */
  removeSymbol(symbol: string): boolean;
  removeSymbol(symbol: string, extra?: unknown): boolean {
    if (extra !== undefined) throw extraArgument('removeSymbol', '(symbol)', extra, 'it removes one symbol, between sessions');
    if (typeof symbol !== 'string') throw notASymbol(symbol);
    const id = this.#ids.get(symbol);
    // A symbol the store does not know is not removed, but not while a session is open either: the
    // core refuses that first, whatever the symbol (its message would invite a later removal).
    if (id === undefined) {
      if (this.#session === null) return false;
      throw new SessionError('session_open', `a session is open: symbols are removed between sessions (and the store does not know ${JSON.stringify(symbol)})`);
    }
    let removed: boolean;
    try {
      removed = this.#native.removeSymbol(symbol);
    } catch (e) {
      throw fromNative(e);
    }
    this.#epoch++;
    // Its noted gap slots stay: its gaps already queued keep its name (see takeGaps), and the
    // slots are instants, which a symbol of that name coming back later cannot share.
    this.#ids.delete(symbol);
    this.#removedSymbols++;
    for (let s = 0; s < this.#series.length; s++) this.#forgetBlock(id * MAX_SERIES + s);
    if (this.#lastId === id) {
      this.#lastSymbol = NO_SYMBOL;
      this.#lastId = -1;
    }
    return removed;
  }

  /** Whether `endSession` may drop bars (`retainSessions` is set). @internal */
  get retains(): boolean {
    return this.#retains;
  }

  /**
   * Symbols removed by {@link SessionData.removeSymbol} since the store was made or cleared: a
   * caller that caches ids checks it to know when to look them up again. @internal
   */
  get removedSymbols(): number {
    return this.#removedSymbols;
  }

  /**
   * Says how many sessions are coming, counting the open one (or, between sessions, the next one to
   * begin). Each symbol then reserves room for those still to come, or for as many as
   * `retainSessions` keeps, at its first bar of its second session, by what it traded in its first
   * (see the README's Zero-copy views), instead of growing session by session: a symbol that fills
   * its sessions has its first session's bars copied once and every later bar stored in place. Its
   * first session reserves that session alone, so an illiquid symbol never holds a plan's room. The session coordinator calls it with the sessions of its run. Only a
   * hint: more or longer sessions still fit. `0` returns to reserving one session at a time.
   * @throws {ConfigError} when `sessions` is not a whole number from 0 to 2^32 - 1.
   */
  expectSessions(sessions: number): void;
  expectSessions(sessions: number, extra?: unknown): void {
    if (extra !== undefined) throw extraArgument('expectSessions', '(sessions)', extra, 'one count, of the sessions every series is planned for');
    if (!(Number.isInteger(sessions) && sessions >= 0 && sessions <= 0xffffffff)) throw new ConfigError('sessions', `${describe(sessions)} is not a whole number from 0 to 4294967295`);
    this.#native.expectSessions(sessions);
  }

  /**
   * Appends one base bar: validates it, stores it, updates the forming bars of every derived
   * interval and closes the buckets it completes.
   *
   * @returns the intervals that closed a bar, base first (the array is shared and frozen).
   * @throws {BarValidationError} with the reason as `code`; the rejection is counted and nothing changes.
   * @throws {InputError} when `bar` is not an object (or is an array with no named fields: its time
   * reads NaN), or `symbol` is not a non-empty string (nothing is counted: there is no bar, or no
   * symbol to count it against).
   * @throws {SessionError} `no_session` when no session is open (counted too); `session_open` while a
   * coordinator runs a session on this store (only the run changes it then).
   */
  append(symbol: string, bar: Bar): readonly string[];
  append(symbol: string, bar: Bar, extra?: unknown): readonly string[] {
    if (extra !== undefined) throw extraArgument('append', '(symbol, bar)', extra, 'a bar is valid or rejected, with nothing to choose; appendMany takes { invalid }');
    if (this.#runner !== null && this.#session !== null) throw this.#runsHere('append', APPEND_IN_RUN);
    if (typeof bar !== 'object' || bar === null) throw new InputError(`a bar is { time, open, high, low, close, volume }, got ${describe(bar)}`);
    // Every field is read before the shared slot is written: a getter on the bar may call into a
    // store, which uses the slot too.
    // Kept as read, for the error of a rejected bar (no object is made unless one is).
    const givenTime: unknown = bar.time;
    const givenOpen: unknown = bar.open;
    const givenHigh: unknown = bar.high;
    const givenLow: unknown = bar.low;
    const givenClose: unknown = bar.close;
    const givenVolume: unknown = bar.volume;
    const time = num(givenTime);
    const open = num(givenOpen);
    const high = num(givenHigh);
    const low = num(givenLow);
    const close = num(givenClose);
    const volume = num(givenVolume);
    // An array has no named fields: it would be one more non-finite rejection, counted against a
    // symbol made for it. Its time reads NaN, so only such a bar pays for the test.
    if (time !== time && Array.isArray(bar)) throw new InputError(ARRAY_BAR);
    let id = this.#lastId;
    if (symbol !== this.#lastSymbol) {
      id = this.#ids.get(symbol) ?? this.#intern(symbol);
      this.#lastSymbol = symbol;
      this.#lastId = id;
    }
    const slot = SLOT;
    slot[0] = time;
    slot[1] = open;
    slot[2] = high;
    slot[3] = low;
    slot[4] = close;
    slot[5] = volume;
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SYMBOL] = id;
    this.#epoch++;
    try {
      appendSlot();
    } catch (e) {
      // The bar as it was read, not read again: a getter may give something else the second time.
      throw fromNative(e, { symbol, bar: { time: givenTime, open: givenOpen, high: givenHigh, low: givenLow, close: givenClose, volume: givenVolume } });
    }
    const mask = slot[0] as number;
    return this.#maskNames[mask] ?? this.#namesOf(mask);
  }

  /**
   * Whether {@link SessionData.append} would store `bar` for `symbol` now: `null` if it would, else
   * the code it would reject it with (the same rules, in the same order: its fields, its time
   * against the open session, the grid and the symbol's last bar, the clock, its range). Changes
   * nothing and counts nothing; a symbol the store has not met stays unknown. A live feed or a
   * source can tell with it which bars will be refused before it sends them.
   * @example
   * ```ts
   * data.check('SPY', { time, open: 10, high: 9, low: 8, close: 9, volume: 100 }); // 'high_below_open_close'
   * ```
   * @throws {InputError} when `symbol` is not a non-empty string or `bar` not an object.
   */
  check(symbol: string, bar: Bar): RejectCode | null;
  check(symbol: string, bar: Bar, extra?: unknown): RejectCode | null {
    if (extra !== undefined) throw extraArgument('check', '(symbol, bar)', extra, 'it judges one bar against the store as it stands');
    if (typeof bar !== 'object' || bar === null) throw new InputError(`a bar is { time, open, high, low, close, volume }, got ${describe(bar)}`);
    checkSymbol(symbol);
    // The fields first: a getter may append, and the verdict is on the store as it then stands.
    const time = num(bar.time);
    // As append: an array is refused when it has no named fields (its time reads NaN).
    if (time !== time && Array.isArray(bar)) throw new InputError(ARRAY_BAR);
    const open = num(bar.open);
    const high = num(bar.high);
    const low = num(bar.low);
    const close = num(bar.close);
    const volume = num(bar.volume);
    const id = this.#ids.get(symbol);
    if (id === undefined) {
      // A name append would refuse (a lone surrogate, say) is refused here too.
      const problem = symbolProblem(symbol);
      if (problem !== null) throw new InputError(problem);
    }
    return this.checkId(id ?? -1, time, open, high, low, close, volume);
  }

  /** {@link SessionData.check} by symbol id (`-1`: a symbol the store has not met) and the bar's fields. @internal */
  checkId(id: number, time: number, open: number, high: number, low: number, close: number, volume: number): RejectCode | null {
    const slot = SLOT;
    slot[0] = time;
    slot[1] = open;
    slot[2] = high;
    slot[3] = low;
    slot[4] = close;
    slot[5] = volume;
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SYMBOL] = id;
    try {
      checkSlot();
    } catch (e) {
      throw fromNative(e, {});
    }
    const reason = slot[0] as number;
    return reason < 0 ? null : (REJECT_CODES[reason] as RejectCode);
  }

  /**
   * {@link SessionData.append} with the bar's fields as arguments: the same validation, storage and
   * result, without a bar object. The hot path of the session coordinator over columnar sources.
   *
   * @returns the intervals that closed a bar, base first (the array is shared and frozen).
   * @throws {BarValidationError} / {@link SessionError} / {@link InputError} (for the symbol) exactly as
   * {@link SessionData.append}.
   */
  appendValues(symbol: string, time: number, open: number, high: number, low: number, close: number, volume: number): readonly string[];
  appendValues(symbol: string, time: number, open: number, high: number, low: number, close: number, volume: number, extra?: unknown): readonly string[] {
    if (extra !== undefined) throw extraArgument('appendValues', '(symbol, time, open, high, low, close, volume)', extra, 'a bar is valid or rejected, with nothing to choose; appendMany takes { invalid }');
    if (this.#runner !== null && this.#session !== null) throw this.#runsHere('appendValues', APPEND_IN_RUN);
    let id = this.#lastId;
    if (symbol !== this.#lastSymbol) {
      id = this.#ids.get(symbol) ?? this.#intern(symbol);
      this.#lastSymbol = symbol;
      this.#lastId = id;
    }
    const slot = SLOT;
    slot[0] = num(time);
    slot[1] = num(open);
    slot[2] = num(high);
    slot[3] = num(low);
    slot[4] = num(close);
    slot[5] = num(volume);
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SYMBOL] = id;
    this.#epoch++;
    try {
      appendSlot();
    } catch (e) {
      throw fromNative(e, { symbol, bar: { time, open, high, low, close, volume } });
    }
    const mask = slot[0] as number;
    return this.#maskNames[mask] ?? this.#namesOf(mask);
  }

  /**
   * Appends a time slice, one base bar for each of `count` symbols (entry `i` of each column is the
   * bar of `symbols[i]`), in one native call. Each bar is validated, stored and aggregated exactly as
   * by {@link SessionData.append}; a rejected bar is counted and reported in the outcome instead of
   * thrown, and the others are stored. The session coordinator feeds its slices this way.
   *
   * @returns the outcome per bar; it is reused by the next call (see {@link SliceOutcome}). When its
   * `gaps` is true, a bar opened a gap: {@link SessionData.takeGaps} hands it out.
   * @throws {InputError} for symbols that are not an array of non-empty strings, or a column that
   * is not a `Float64Array` of at least `count` entries (a plain array or another typed array is
   * refused, not copied), as {@link SessionData.appendMany} refuses a bad column;
   * {@link ConfigError} (`count`) for a count that is not a whole number from 0 to
   * `symbols.length`; {@link SessionError} `session_open` while a coordinator runs a session on
   * this store. Nothing is appended then, and no symbol becomes known.
   */
  appendSlice(symbols: readonly string[], columns: SliceColumns, count?: number): SliceOutcome;
  appendSlice(symbols: readonly string[], columns: SliceColumns, count?: number, extra?: unknown): SliceOutcome {
    if (extra !== undefined) throw extraArgument('appendSlice', '(symbols, columns, count?)', extra, "a slice's bars are valid or rejected one by one, with nothing to choose; appendMany takes { invalid }");
    if (this.#runner !== null && this.#session !== null) throw this.#runsHere('appendSlice', APPEND_IN_RUN);
    if (!Array.isArray(symbols)) throw new InputError(`symbols must be an array of symbol names, got ${describe(symbols)}`);
    // Left out (or undefined), every symbol; null is no count.
    if (count === undefined) count = symbols.length;
    if (!(Number.isInteger(count) && count >= 0 && count <= symbols.length)) {
      throw new ConfigError('count', `${describe(count)} is not a whole number from 0 to ${symbols.length} (the symbols given)`);
    }
    // Each symbol and column is read once, here: a getter or proxy read again later could hand the
    // native call other arrays, or run another append that rewrites the shared calling slot.
    const names: string[] = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      const symbol: unknown = symbols[i];
      if (typeof symbol !== 'string' || symbol.length === 0) throw new InputError(`symbol ${i} must be a non-empty string, got ${describe(symbol)}`);
      // Refused here, before any symbol of the slice becomes known (interning refuses it too).
      const problem = symbolProblem(symbol);
      if (problem !== null) throw new InputError(problem);
      names[i] = symbol;
    }
    this.#reserveSlice(count);
    // Columns too short are refused before any symbol becomes known (see appendMany).
    const given = columns as Partial<SliceColumns> | null;
    const column = (name: (typeof COLUMNS)[number]): Float64Array => {
      const c = given?.[name];
      if (!isFloat64Array(c)) {
        throw new InputError(Array.isArray(c) ? `column '${name}' is a plain array: appendSlice reads Float64Arrays only` : notAColumn(name, c));
      }
      const n = lengthOf(c);
      if (n < count) throw new InputError(`column '${name}' has ${n} entries, fewer than the ${count} bars given`);
      return c;
    };
    const cols: SliceColumnList = [column('time'), column('open'), column('high'), column('low'), column('close'), column('volume')];
    // Again once all six are read: reading one may have detached another (a getter that transfers its buffer).
    for (let k = 0; k < cols.length; k++) {
      const n = lengthOf(cols[k]!);
      if (n < count) throw new InputError(`column '${COLUMNS[k]!}' has ${n} entries, fewer than the ${count} bars given`);
    }
    const ids = count === this.#sliceIds.length ? this.#sliceIds : this.#sliceIds.subarray(0, count);
    for (let i = 0; i < count; i++) ids[i] = this.idOf(names[i] as string);
    const results = this.#appendSliceColumns(ids, cols, 0);
    const out = this.#sliceOutcome;
    out.count = count;
    out.closed.length = count;
    out.rejected.length = count;
    let gaps = false;
    for (let i = 0; i < count; i++) {
      let r = results[i] as number;
      if (r >= SLICE_GAP_FLAG) {
        gaps = true;
        r -= SLICE_GAP_FLAG;
      }
      if (r >= 0) {
        out.closed[i] = this.#maskNames[r] ?? this.#namesOf(r);
        out.rejected[i] = null;
      } else {
        out.closed[i] = null;
        out.rejected[i] = REJECT_CODES[-r - 1] as RejectCode;
      }
    }
    out.gaps = gaps;
    return out;
  }

  /**
   * {@link SessionData.appendSlice} by symbol id (see {@link SessionData.idOf}): one bar for each
   * of `ids.length` symbols. Returns, per bar, the raw outcome: the closed-series mask (bit 0 the
   * base interval, bit `k` series `k`), plus {@link SLICE_GAP_FLAG} when the bar opened a gap, or
   * `-(1 + reason)` (an index into `REJECT_CODES`) when it was rejected. The array belongs to the
   * store and is rewritten by the next call. Bar `i` is row `from + i` of the columns.
   * @internal The session coordinator's hot path.
   * @throws {ConfigError} for an unknown id, columns shorter than `from + ids.length` or a `from`
   * that is not a row index; nothing is appended then.
   */
  appendSliceIds(ids: Float64Array, columns: SliceColumns, from = 0, owner: object | null = null): Float64Array {
    if (this.#runner !== null && this.#runner !== owner && this.#session !== null) throw this.#runsHere('appendSlice', APPEND_IN_RUN);
    // Read before the shared slot is written (see appendSlice).
    return this.#appendSliceColumns(ids, [columns.time, columns.open, columns.high, columns.low, columns.close, columns.volume], from);
  }

  #appendSliceColumns(ids: Float64Array, columns: SliceColumnList, from: number): Float64Array {
    this.#reserveSlice(ids.length);
    const results = this.#sliceResults;
    const slot = SLOT;
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SLICE_FROM] = from;
    this.#epoch++;
    try {
      appendSliceSlot(ids, columns[0], columns[1], columns[2], columns[3], columns[4], columns[5], results);
    } catch (e) {
      throw fromNative(e);
    }
    return results;
  }

  #reserveSlice(count: number): void {
    if (this.#sliceIds.length < count) {
      const size = Math.max(count, this.#sliceIds.length * 2);
      this.#sliceIds = new Float64Array(size);
      this.#sliceResults = new Float64Array(size);
    }
  }

  /**
   * Appends a batch of base bars of one symbol, given as columns. The result is identical, bit for
   * bit, to appending them one by one. `Float64Array` columns are read without copying (one over a
   * `SharedArrayBuffer` is copied first: another thread could write it between the check of a bar
   * and its storing). Each column is read from `columns` once. A batch of
   * 65,536 bars or more with three or more derived intervals shares them, by estimated work, between
   * the calling thread (which also validates the batch and stores the base bars) and a second one,
   * for the length of the call.
   *
   * @throws {BarValidationError} under `invalid: 'throw'` (default) for the first invalid bar, with its `index`; nothing is stored.
   * @throws {InputError} when a column is missing, is not a `Float64Array` or an array, or the columns
   * differ in length, or `symbol` is not a non-empty string.
   * @throws {ConfigError} for an option other than `invalid`, or an `invalid` other than `'throw'` or `'skip'`.
   * @throws {SessionError} `no_session` under `invalid: 'throw'` when no session is open (under
   * `'skip'` every bar is reported rejected with `no_session`, as one by one); `session_open` while a
   * coordinator runs a session on this store. An empty batch is a no-op.
   */
  appendMany(symbol: string, columns: BarColumns, options?: AppendManyOptions): AppendManyResult;
  appendMany(symbol: string, columns: BarColumns, options: AppendManyOptions = {}, extra?: unknown): AppendManyResult {
    if (extra !== undefined) throw extraArgument('appendMany', '(symbol, columns, options?)', extra, 'its options are the third argument: { invalid }');
    if (this.#runner !== null && this.#session !== null) throw this.#runsHere('appendMany', APPEND_IN_RUN);
    if (options === null || typeof options !== 'object') throw new ConfigError('options', `expected { invalid?: 'throw' | 'skip' }, got ${describe(options)}`);
    checkOptionKeys(options, APPEND_MANY_OPTIONS, 'appendMany');
    const invalid = options.invalid ?? 'throw';
    if (invalid !== 'throw' && invalid !== 'skip') throw new ConfigError('invalid', `${describe(invalid)} is not 'throw' or 'skip'`);
    if (typeof columns !== 'object' || columns === null) throw new InputError(`columns are { time, open, high, low, close, volume }, got ${describe(columns)}`);
    // Each column is read from `columns` once: the messages of rejected bars are made from these
    // arrays too, not from a getter read again after the store changed.
    const read = { time: columns.time, open: columns.open, high: columns.high, low: columns.low, close: columns.close, volume: columns.volume };
    // What is no column is refused first (toColumn throws at once for it), then lengths compared,
    // before any column is converted (see givenLength).
    const given = COLUMNS.map((name) => givenLength(read[name]));
    COLUMNS.forEach((name, k) => given[k] === null && toColumn(name, read[name]));
    if (given.some((n) => n !== given[0])) {
      throw new InputError(`columns differ in length (time, open, high, low, close, volume: [${given.join(', ')}])`);
    }
    const cols = COLUMNS.map((name) => toColumn(name, read[name])) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    let id = this.#ids.get(symbol);
    if (id === undefined) {
      // A batch that can store nothing and reject nothing leaves an unknown symbol unknown: a
      // known symbol has a gap and a quality record at the session's end.
      const n = lengthOf(cols[0]);
      if (cols.some((c) => lengthOf(c) !== n)) {
        throw new InputError(`columns differ in length (time, open, high, low, close, volume: [${cols.map(lengthOf).join(', ')}])`);
      }
      if (n === 0) {
        // Nothing to store, but a bad symbol is refused as a batch with bars would refuse it.
        checkSymbol(symbol);
        const problem = symbolProblem(symbol);
        if (problem !== null) throw new InputError(problem);
        return { appended: 0, rejected: [], closed: this.#maskNames[0] ?? this.#namesOf(0) };
      }
      id = this.#intern(symbol);
    }
    const slot = SLOT;
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SYMBOL] = id;
    slot[SLOT_SKIP_INVALID] = invalid === 'skip' ? 1 : 0;
    this.#epoch++;
    try {
      appendManySlot(...cols);
    } catch (e) {
      throw fromNative(e, { symbol, columns: read });
    }
    const appended = slot[0] as number;
    const closed = slot[1] as number;
    let rejected: BatchRejection[] = [];
    if ((slot[2] as number) > 0) {
      const r = takeRejections();
      rejected = r.index.map((index, i) => {
        const code = r.code[i] as RejectCode;
        const message = r.message[i] as string;
        return { index, code, message: code === 'non_finite' ? message + notNumbers(rowOf(read, index)) : message };
      });
    }
    return { appended, rejected, closed: this.#maskNames[closed] ?? this.#namesOf(closed) };
  }

  /**
   * Moves the clock to `time` (epoch ms): every bucket that ends at or before it closes, for every
   * symbol, with or without data. Later bars for a bucket closed this way are rejected as `late`.
   * An earlier `time` than before does nothing.
   * @returns the `(symbol, interval)` pairs that closed bars.
   * @throws {SessionError} `no_session`; `session_open` while a coordinator runs a session on this
   * store. {@link InputError} for a non-finite time.
   */
  advanceTo(time: number): Closed[];
  advanceTo(time: number, extra?: unknown): Closed[] {
    if (extra !== undefined) throw extraArgument('advanceTo', '(time)', extra, 'it closes every symbol\'s buckets that ended by then');
    // advanceToMasks refuses it while a run's session is open.
    return this.#pairs(this.advanceToMasks(time));
  }

  /**
   * {@link SessionData.advanceTo}, returning what closed as `[symbol id, mask, ...]`.
   * @internal
   */
  advanceToMasks(time: number, owner: object | null = null): ArrayLike<number> {
    if (this.#runner !== null && this.#runner !== owner && this.#session !== null) throw this.#runsHere('advanceTo', "the run's clock closes its buckets");
    if (typeof time !== 'number') throw new InputError(`advanceTo takes a time in epoch milliseconds, got ${describe(time)}`);
    // A time the clock has reached closes nothing: the core would return at once, after a crossing
    // that costs more than a slice's bookkeeping. Anything else (no session, a time that is not
    // finite) goes to the core, which answers or throws.
    if (this.#session !== null && Number.isFinite(time) && Math.floor(time) <= this.#clock) return EMPTY;
    this.#epoch++;
    this.#clockEpoch++;
    // Room for a pair a symbol, the most the core closes at once.
    if (this.#closed.length < 2 * this.#names.length) this.#closed = new Float64Array(2 * Math.max(16, this.#names.length * 2));
    const slot = SLOT;
    slot[0] = time;
    slot[SLOT_HANDLE] = this.#handle;
    try {
      advanceToSlot(this.#closed);
    } catch (e) {
      throw fromNative(e);
    }
    // As the core keeps it: whole milliseconds, never before the open, never back.
    this.#clock = Math.max(this.#clock, Math.floor(time), (this.#session as Session).open);
    const n = slot[0] as number;
    return n === 0 ? EMPTY : slot[1] === 1 ? this.#closed.subarray(0, 2 * n) : takeClosed();
  }

  /**
   * Ends the session: flushes every forming bar and applies `retainSessions`.
   * @returns the `(symbol, interval)` pairs that closed bars.
   * @throws {SessionError} `no_session` when none is open; `session_open` while a coordinator runs
   * it (the run ends its sessions). {@link ConfigError} `arguments` for an
   * argument: it takes none (every forming bar is flushed), and the session stays open.
   */
  endSession(): Closed[] {
    refuseArguments('endSession', arguments, 'it flushes every forming bar; to leave them, keep the session open');
    // endSessionMasks refuses it while a run's session is open.
    return this.#pairs(this.endSessionMasks());
  }

  /**
   * {@link SessionData.endSession}, returning what closed as `[symbol id, mask, ...]`.
   * @internal
   */
  endSessionMasks(owner: object | null = null): number[] {
    if (this.#runner !== null && this.#runner !== owner && this.#session !== null) throw this.#runsHere('endSession', 'the run ends its sessions (to end one early, stop() the run and end it once run() has settled)');
    this.#epoch++;
    this.#clockEpoch++;
    let pairs: number[];
    try {
      pairs = this.#native.endSession();
    } catch (e) {
      throw fromNative(e);
    }
    this.#session = null;
    this.#sweepBlocks();
    return pairs;
  }

  /**
   * Forgets the cached blocks that are no longer a series' current one: moved by growth, or emptied
   * or compacted by retention. Such a block is never handed out again, and held here it would keep
   * its memory (dropped bars included) for as long as the store lives, long after the last view of
   * it is gone; views still holding it keep it alive themselves.
   */
  #sweepBlocks(): void {
    const keys = this.#cachedKeys;
    const n = keys.size;
    if (n === 0) return;
    if (this.#sweepIds.length < n) {
      this.#sweepIds = new Float64Array(2 * n);
      this.#sweepSeries = new Float64Array(2 * n);
    }
    const ids = this.#sweepIds;
    const series = this.#sweepSeries;
    let i = 0;
    for (const key of keys) {
      ids[i] = Math.floor(key / MAX_SERIES);
      series[i] = key % MAX_SERIES;
      i++;
    }
    this.readStates(ids, series, n);
    for (const key of keys) {
      const block = this.#blocks[key] as CachedBlock | null;
      if (block === null || this.#stateLength[key] === 0 || this.#stateGeneration[key] !== block.generation) this.#forgetBlock(key);
    }
  }

  /**
   * Zero-copy views of the closed bars of `symbol` at `interval` (see {@link BarsView} for the
   * contract). An unknown symbol gives an empty view. Constant time: no bar is copied.
   * @throws {ConfigError} for an interval the store does not have, or `arguments` for a third
   * argument (a count would be ignored: every closed bar is in the view). {@link InputError} when
   * `symbol` is not a string.
   */
  bars(symbol: string, interval: string): BarsView;
  // A parameter, not `arguments`, which would make an object a call.
  bars(symbol: string, interval: string, extra?: unknown): BarsView {
    if (extra !== undefined) {
      throw new ConfigError('arguments', `bars takes (symbol, interval), got a third argument ${describe(extra)}: the view holds every closed bar; for the last n, subarray(length - n) its columns`);
    }
    const s = this.#seriesOf(interval);
    const id = this.#knownId(symbol);
    if (id === undefined) return EMPTY_VIEW;
    return this.barsOf(id, s);
  }

  /**
   * {@link SessionData.bars} by symbol id and series index; with `length`, only the first `length`
   * bars (at most all of them): the series as it stood when its bar `length - 1` closed. @internal
   */
  barsOf(id: number, s: number, length?: number): BarsView {
    const block = this.#liveBlock(id, s);
    if (block === null) return EMPTY_VIEW;
    const key = id * MAX_SERIES + s;
    const stored = this.#stateLength[key] as number;
    return new ColumnViews(block.buffer, (this.#stateStart[key] as number) * 8, block.capacity * 8, length === undefined ? stored : Math.min(length, stored));
  }

  /**
   * A zero-copy column of one indicator output of `symbol` at `interval`, aligned one to one with
   * {@link SessionData.bars} (`NaN` during warm-up), under the same view contract. Empty for an
   * unknown symbol.
   * @throws {ConfigError} for an interval the store does not have, or an output name that is not
   * configured for it (the message lists the names that are). {@link InputError} when `symbol` is
   * not a string.
   */
  indicator(symbol: string, interval: string, name: string): Float64Array<ArrayBuffer>;
  indicator(symbol: string, interval: string, name: string, extra?: unknown): Float64Array<ArrayBuffer> {
    if (extra !== undefined) throw extraArgument('indicator', '(symbol, interval, name)', extra, 'the column holds every closed bar\'s value; for the last n, subarray(length - n)');
    const s = this.#seriesOf(interval);
    const column = this.#outputColumn(s, interval, name);
    const id = this.#knownId(symbol);
    if (id === undefined) return EMPTY;
    const block = this.#liveBlock(id, s);
    if (block === null) return EMPTY;
    const key = id * MAX_SERIES + s;
    return new Float64Array(block.buffer, ((this.#stateStart[key] as number) + column * block.capacity) * 8, this.#stateLength[key] as number);
  }

  /** The block column of output `name` of series `s` (`interval` as the caller spelled it). */
  #outputColumn(s: number, interval: string, name: string): number {
    const column = (this.#outputs[s] as ReadonlyMap<string, number>).get(name);
    if (column === undefined) {
      const names = [...(this.#outputs[s] as ReadonlyMap<string, number>).keys()];
      throw new ConfigError('indicator', `${describe(name)} is not an indicator output of ${interval} (${names.length === 0 ? 'none configured' : names.join(', ')})`);
    }
    return column;
  }

  /**
   * Indicator output `name` of `interval` over the rows of `view`, a view this store made of that
   * interval: the column as it stood when the view was made. @internal
   * @throws {ConfigError} for an interval the store does not have, or an output not configured for it.
   */
  indicatorOf(view: BarsView, interval: string, name: string): Float64Array<ArrayBuffer> {
    const column = this.#outputColumn(this.#seriesOf(interval), interval, name);
    return view instanceof ColumnViews ? view.column(column) : EMPTY;
  }

  /**
   * The indicator output names of `interval`, in configuration order.
   * @throws {ConfigError} for an interval the store does not have.
   */
  indicatorNames(interval: string): readonly string[];
  indicatorNames(interval: string, extra?: unknown): readonly string[] {
    if (extra !== undefined) throw extraArgument('indicatorNames', '(interval)', extra, 'the names are those of every symbol at that interval');
    return [...(this.#outputs[this.#seriesOf(interval)] as ReadonlyMap<string, number>).keys()];
  }

  /**
   * What every indicator of `interval` would be for `symbol` if its forming bar closed now, by
   * output name; nothing is committed. `null` when no bar is forming (always for the base interval,
   * and for an unknown symbol).
   * @throws {ConfigError} for an interval the store does not have. {@link InputError} when `symbol`
   * is not a string.
   */
  peek(symbol: string, interval: string): Record<string, number> | null;
  peek(symbol: string, interval: string, extra?: unknown): Record<string, number> | null {
    if (extra !== undefined) throw extraArgument('peek', '(symbol, interval)', extra, 'it gives every indicator of the interval');
    const s = this.#seriesOf(interval);
    const id = this.#knownId(symbol);
    if (id === undefined) return null;
    const outputs = this.#outputs[s] as ReadonlyMap<string, number>;
    if (this.#peeked.length < outputs.size) this.#peeked = new Float64Array(outputs.size);
    const slot = SLOT;
    slot[SLOT_HANDLE] = this.#handle;
    slot[SLOT_SYMBOL] = id;
    slot[SLOT_SERIES] = s;
    try {
      peekSlot(this.#peeked);
    } catch (e) {
      throw fromNative(e);
    }
    if (slot[0] === 0) return null;
    const values = this.#peeked;
    const out: Record<string, number> = {};
    for (const [name, column] of outputs) out[name] = values[column - COLUMNS.length] as number;
    return out;
  }

  /** Reads the state of series `s` of symbol `id` from the core, unless it was read in this epoch; returns its key. */
  #state(id: number, s: number): number {
    const key = id * MAX_SERIES + s;
    if (key >= this.#stateEpoch.length) this.#growState(key);
    if (this.#stateEpoch[key] !== this.#epoch) {
      const slot = SLOT;
      slot[SLOT_HANDLE] = this.#handle;
      slot[SLOT_SYMBOL] = id;
      slot[SLOT_SERIES] = s;
      try {
        seriesState();
      } catch (e) {
        // An id kept from before its symbol was removed (a BarEvent, say) reads as an empty series.
        if (this.knowsId(id)) throw fromNative(e);
        slot[0] = 0;
        slot[1] = -1;
        slot[2] = 0;
      }
      this.#stateLength[key] = slot[0] as number;
      this.#stateGeneration[key] = slot[1] as number;
      this.#stateStart[key] = slot[2] as number;
      this.#stateEpoch[key] = this.#epoch;
    }
    return key;
  }

  /**
   * Reads the state of series `series[i]` of symbol `ids[i]`, for `i < count`, in one native call,
   * as {@link SessionData.countOf} would one at a time: a dispatch of many closed bars asks for
   * them all before it counts them. @internal
   * @throws {InputError} for an unknown symbol id or series.
   */
  readStates(ids: Float64Array, series: Float64Array, count: number): void {
    if (count === 0) return;
    if (this.#statesOut.length < 3 * count) this.#statesOut = new Float64Array(Math.max(3 * count, 2 * this.#statesOut.length));
    const out = this.#statesOut;
    SLOT[SLOT_HANDLE] = this.#handle;
    try {
      seriesStates(ids.length === count ? ids : ids.subarray(0, count), series, out);
    } catch (e) {
      throw fromNative(e);
    }
    const epoch = this.#epoch;
    for (let i = 0; i < count; i++) {
      const key = (ids[i] as number) * MAX_SERIES + (series[i] as number);
      if (key >= this.#stateEpoch.length) this.#growState(key);
      this.#stateLength[key] = out[3 * i] as number;
      this.#stateGeneration[key] = out[3 * i + 1] as number;
      this.#stateStart[key] = out[3 * i + 2] as number;
      this.#stateEpoch[key] = epoch;
    }
  }

  #growState(key: number): void {
    // Doubled as symbols come: a store of a few symbols keeps a few kilobytes of it, not the 80 KB
    // that room for 64 symbols from the first view took (thousands of small stores paid several
    // times their bars' memory for it).
    const size = Math.max(MAX_SERIES * 2, (key + MAX_SERIES) * 2);
    this.#stateEpoch = grown(this.#stateEpoch, size, -1);
    this.#stateLength = grown(this.#stateLength, size);
    this.#stateGeneration = grown(this.#stateGeneration, size);
    this.#stateStart = grown(this.#stateStart, size);
    const blocks = new Array<CachedBlock | null>(size).fill(null);
    for (let k = 0; k < this.#blocks.length; k++) blocks[k] = this.#blocks[k] as CachedBlock | null;
    this.#blocks = blocks;
  }

  /** The current block of series `s` of symbol `id`, its state read for this epoch; `null` while it holds no bars. */
  #liveBlock(id: number, s: number): CachedBlock | null {
    const key = this.#state(id, s);
    if (this.#stateLength[key] === 0) {
      // Emptied (by retention): the block cached before is no series' any more.
      this.#forgetBlock(key);
      return null;
    }
    return this.#block(key, id, s);
  }

  /** Drops the cached block of state `key`, if any: views still holding it keep it alive themselves. */
  #forgetBlock(key: number): void {
    if (this.#blocks[key] == null) return;
    this.#blocks[key] = null;
    this.#cachedKeys.delete(key);
  }

  /** The block of the series with state `key`, as of its state's generation: made once per generation (V8 refuses two buffers over one block). */
  #block(key: number, id: number, s: number): CachedBlock | null {
    const generation = this.#stateGeneration[key] as number;
    let block = this.#blocks[key] as CachedBlock | null;
    if (block === null || block.generation !== generation) {
      let buffer: ArrayBuffer | null;
      try {
        buffer = this.#native.seriesBlock(id, s);
      } catch (e) {
        // Past the most bars a view can cover (README, Storage): stored and counted, not viewable.
        throw new ConfigError('series', `${this.#names[id] ?? id} ${this.#series[s] ?? s} holds more than one ArrayBuffer (4 GiB) can view: ${(e as Error)?.message ?? String(e)}`);
      }
      if (buffer === null) return null;
      block = { generation, buffer, capacity: buffer.byteLength / (8 * (this.#widths[s] as number)) };
      this.#blocks[key] = block;
      this.#cachedKeys.add(key);
    }
    return block;
  }

  /**
   * The number of closed bars of `symbol` at `interval` (what `bars(symbol, interval).length` would
   * be), without making a view. Zero for an unknown symbol.
   * @throws {ConfigError} for an interval the store does not have. {@link InputError} when `symbol`
   * is not a string.
   */
  count(symbol: string, interval: string): number;
  count(symbol: string, interval: string, extra?: unknown): number {
    if (extra !== undefined) throw extraArgument('count', '(symbol, interval)', extra, 'it counts every closed bar');
    const s = this.#seriesOf(interval);
    const id = this.#knownId(symbol);
    if (id === undefined) return 0;
    return this.countOf(id, s);
  }

  /** {@link SessionData.count} by symbol id and series index. @internal */
  countOf(id: number, s: number): number {
    const key = this.#state(id, s);
    return this.#stateLength[key] as number;
  }

  /**
   * The id of `symbol`, which the store learns here if it is new (as on its first append).
   * @internal
   * @throws {InputError} for an empty or non-string symbol.
   */
  idOf(symbol: string): number {
    return this.#ids.get(symbol) ?? this.#intern(symbol);
  }

  /**
   * Marks the store as run by `owner` (a coordinator) until {@link SessionData.releaseRun}.
   * @throws {SessionError} `session_open` while another owner runs on it, or a session is open.
   * @internal
   */
  claimRun(owner: object): void {
    if (this.#runner !== null && this.#runner !== owner) throw new SessionError('session_open', 'another SessionCoordinator is running on this store: one run at a time');
    if (this.#session !== null) throw new SessionError('session_open', `a session (${this.#session.date}) is open on this store: end it (endSession) or clear() the store before a run`);
    this.#runner = owner;
  }

  /** Ends `owner`'s claim (see {@link SessionData.claimRun}). @internal */
  releaseRun(owner: object): void {
    if (this.#runner === owner) this.#runner = null;
  }

  /**
   * The error for a call that would change the store while a run's session is open on it: the run
   * delivers and counts what its own calls close, and would miss what another call closed (or
   * lose track of the symbols a clear() dropped).
   */
  #runsHere(method: string, instead: string): SessionError {
    return new SessionError('session_open', `${method}: a SessionCoordinator is running the session of ${(this.#session as Session).date} on this store, and only the run changes it while it is open; ${instead}`);
  }

  /** Symbol ids given so far (removed symbols' included): ids are `0..idCount - 1`. @internal */
  get idCount(): number {
    return this.#names.length;
  }

  /** Whether `id` names a symbol the store knows: not one removed since (see {@link SessionData.removeSymbol}). @internal */
  knowsId(id: number): boolean {
    const name = this.#names[id];
    return name !== undefined && this.#ids.get(name) === id;
  }

  /** The id of `symbol`, or -1 when the store does not know it. @internal */
  knownId(symbol: string): number {
    return this.#ids.get(symbol) ?? -1;
  }

  /** The symbol of id `id`. @internal */
  symbolOf(id: number): string {
    return this.#names[id] as string;
  }

  /**
   * The bar being built at `interval` for `symbol`, if a bucket is open; `null` otherwise and always
   * for the base interval, and for an unknown symbol. It is never part of {@link SessionData.bars}.
   * @throws {ConfigError} for an interval the store does not have. {@link InputError} when `symbol`
   * is not a string.
   */
  forming(symbol: string, interval: string): Bar | null;
  forming(symbol: string, interval: string, extra?: unknown): Bar | null {
    if (extra !== undefined) throw extraArgument('forming', '(symbol, interval)', extra, 'a series has one forming bar');
    const s = this.#seriesOf(interval);
    const id = this.#knownId(symbol);
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

  /** The symbols the store knows, in order of first use (a removed one that came back, as of its return). */
  symbols(): string[];
  symbols(extra?: unknown): string[] {
    if (extra !== undefined) throw extraArgument('symbols', 'no arguments', extra, 'it lists every symbol the store knows');
    return [...this.#ids.keys()];
  }

  /**
   * Rejected bars by reason: of one symbol, or summed over all symbols when none is given. Every
   * code is present, zero when nothing was rejected for it (and for a symbol the store does not know).
   * @throws {InputError} when `symbol` is given and is not a string (`null` included).
   */
  rejections(symbol?: string): Record<RejectCode, number>;
  rejections(symbol?: string, extra?: unknown): Record<RejectCode, number> {
    if (extra !== undefined) throw extraArgument('rejections', '(symbol?)', extra, 'it gives every code\'s count; read the one you want from it');
    if (symbol !== undefined && typeof symbol !== 'string') throw notASymbol(symbol);
    const totals = Object.fromEntries(REJECT_CODES.map((c) => [c, 0])) as Record<RejectCode, number>;
    const ids = symbol === undefined ? [...this.#ids.values()] : [this.#ids.get(symbol)].filter((x) => x !== undefined);
    for (const id of ids) {
      this.#native.rejections(id).forEach((n, i) => {
        totals[REJECT_CODES[i] as RejectCode] += n;
      });
    }
    return totals;
  }

  /**
   * The data quality of every symbol the store knew during the open session (or the last one, until
   * the next `beginSession`), by symbol: base bars expected, received, missing, late and rejected by
   * reason, buckets of each derived interval closed with and without data, and the gaps, each with
   * a score. A symbol first used after that session ended took no part in it and is left out.
   * Computed by the core when asked, every symbol's record in one native call (constant time a
   * series): a report, not a per-bar call.
   *
   * @example
   * data.endSession();
   * const q = data.quality('IBM'); // { session: '2013-10-04', ended: true, base: { expected: 390, received: 389, missing: 1, ... }, gaps: [{ from, to }] }
   * @throws {SessionError} `no_session` before the first session.
   */
  quality(): Record<string, SymbolQuality>;
  /**
   * The data quality of `symbol` (see {@link SessionData.quality}); `null` for a symbol the store
   * does not know, or first used after the session ended.
   * @throws {SessionError} `no_session` before the first session. {@link InputError} when `symbol`
   * is not a string (`null` included).
   */
  quality(symbol: string): SymbolQuality | null;
  /** Either of the above, as `symbol` is given or `undefined`. */
  quality(symbol: string | undefined): Record<string, SymbolQuality> | SymbolQuality | null;
  quality(symbol?: string, extra?: unknown): Record<string, SymbolQuality> | SymbolQuality | null {
    if (extra !== undefined) throw extraArgument('quality', '(symbol?)', extra, 'it gives the open session\'s record, or the last one\'s');
    if (symbol !== undefined) {
      const id = this.#knownId(symbol);
      if (id === undefined) {
        this.#requireQualitySession();
        return null;
      }
      return this.#qualityRows(id)[0] ?? null;
    }
    this.#requireQualitySession();
    const entries: [string, SymbolQuality][] = [];
    this.#qualityRows().forEach((q, id) => {
      if (q !== null) entries.push([this.#names[id] as string, q]);
    });
    // Own properties whatever the name: an assignment to out['__proto__'] would set the prototype.
    return Object.fromEntries(entries);
  }

  /**
   * Takes the gaps recorded since the last call, for every symbol, oldest first: those revealed by a
   * bar that skipped slots, as it was appended, and those that run to the close, at `endSession`.
   * Each stays in its symbol's {@link SessionData.quality} record for the session too. Gaps wait until
   * taken, across sessions. After {@link SessionData.appendSlice}, call it only when the outcome's
   * `gaps` is true; after `endSession`, call it once for the trailing gaps.
   */
  takeGaps(): Gap[];
  takeGaps(extra?: unknown): Gap[] {
    if (extra !== undefined) throw extraArgument('takeGaps', 'no arguments', extra, 'it takes every symbol\'s gaps; filter what it returns by symbol');
    const slot = SLOT;
    slot[SLOT_HANDLE] = this.#handle;
    try {
      takeGapsSlot(this.#gapTriples);
      if (slot[1] === 0) {
        // More gaps than room: none was taken; again with room for them all.
        this.#gapTriples = new Float64Array(3 * 2 * (slot[0] as number));
        slot[SLOT_HANDLE] = this.#handle;
        takeGapsSlot(this.#gapTriples);
      }
    } catch (e) {
      throw fromNative(e);
    }
    const n = slot[0] as number;
    const triples = this.#gapTriples;
    const carried = this.#carriedGaps;
    const out: Gap[] = new Array(carried.length + n);
    for (let i = 0; i < carried.length; i++) out[i] = carried[i] as Gap;
    for (let i = 0; i < n; i++) {
      out[carried.length + i] = { symbol: this.#names[triples[3 * i] as number] as string, from: triples[3 * i + 1] as number, to: triples[3 * i + 2] as number };
    }
    this.#carriedGaps = [];
    if (this.#reportedGaps.size === 0) return out;
    const left = leaveOut(out, this.#reportedGaps);
    // Once the session has ended, its gaps are all in the queue, and now taken.
    if (this.#session === null) this.#reportedGaps.clear();
    return left;
  }

  /**
   * Notes that a coordinator's run reported `symbol`'s slots in `spans` (`[from, to, ...]`) of the
   * open session missing, before it ended inside the session: {@link SessionData.takeGaps} leaves
   * them out of the gaps the store finds there later. @internal
   */
  noteReportedGaps(symbol: string, spans: readonly number[]): void {
    if (this.#session === null || spans.length === 0) return;
    const kept = this.#reportedGaps.get(symbol);
    if (kept === undefined) this.#reportedGaps.set(symbol, [...spans]);
    else kept.push(...spans);
  }

  /**
   * Puts `gaps`, taken earlier, back in front of the queue: the next {@link SessionData.takeGaps}
   * returns them first. A coordinator run takes the gaps found before it and gives them back at its
   * end, so that they wait for their taker instead of being reported as the run's. @internal
   */
  restoreGaps(gaps: readonly Gap[]): void {
    if (gaps.length > 0) this.#carriedGaps = [...gaps, ...this.#carriedGaps];
  }

  /**
   * The quality records of symbol `id`, or of every symbol (entry `id`), from one native call:
   * rows of numbers laid out as `NativeQualityTable` documents.
   */
  #qualityRows(id?: number): (SymbolQuality | null)[] {
    let t;
    try {
      t = this.#native.qualityTable(id);
    } catch (e) {
      throw fromNative(e);
    }
    const { stride, values: v } = t;
    const rows = v.length / stride;
    const gaps: GapSpan[][] = Array.from({ length: rows }, () => []);
    t.gapRow.forEach((row, i) => {
      (gaps[row] as GapSpan[]).push({ from: t.gapFrom[i] as number, to: t.gapTo[i] as number });
    });
    const derived = this.#series.length - 1;
    const out: (SymbolQuality | null)[] = [];
    for (let r = 0; r < rows; r++) {
      const at = r * stride;
      if (v[at] !== 1) {
        out.push(null);
        continue;
      }
      const rejected = {} as Record<RejectCode, number>;
      REJECT_CODES.forEach((c, i) => {
        rejected[c] = v[at + QUALITY_LEADING + i] as number;
      });
      const intervals: Record<string, IntervalQuality> = {};
      for (let k = 0; k < derived; k++) {
        const i = at + QUALITY_LEADING + REJECT_CODES.length + 4 * k;
        intervals[this.#series[k + 1] as string] = { expected: v[i] as number, received: v[i + 1] as number, missing: v[i + 2] as number, score: v[i + 3] as number };
      }
      out.push({
        session: (this.#qualitySession as Session).date,
        ended: v[at + 1] === 1,
        base: { expected: v[at + 2] as number, received: v[at + 3] as number, missing: v[at + 4] as number, late: v[at + 5] as number, rejected, score: v[at + 6] as number },
        intervals,
        gaps: gaps[r] as GapSpan[],
      });
    }
    return out;
  }

  /** Throws the core's `no_session` error when no session has begun, as the native call would. */
  #requireQualitySession(): void {
    if (this.#qualitySession === null) throw new SessionError('no_session', 'no session has begun: quality describes the open session or the last one');
  }

  /** Stored bars and the memory that holds them. */
  stats(): StoreStats {
    return {
      symbols: this.#ids.size,
      storedBars: this.#native.storedBars(),
      allocatedBytes: this.#native.allocatedBytes(),
    };
  }

  #intern(symbol: string): number {
    checkSymbol(symbol);
    const problem = symbolProblem(symbol);
    if (problem !== null) throw new InputError(problem);
    const id = this.#native.intern(symbol);
    this.#ids.set(symbol, id);
    this.#names[id] = symbol;
    return id;
  }

  /**
   * The series index of `interval`: a name the store was given, its canonical form, or any other
   * spelling of the same length (`'60m'` and `'3600s'` for `'1h'`).
   * @internal
   * @throws {ConfigError} for an interval the store does not have.
   */
  seriesIndexOf(interval: string): number {
    return this.#seriesOf(interval);
  }

  /**
   * The id of `symbol`, or undefined for a string the store does not know (readers then give an
   * empty result).
   * @throws {InputError} when `symbol` is not a string (checked only when the look-up missed: the
   * map holds strings only).
   */
  #knownId(symbol: string): number | undefined {
    const id = this.#ids.get(symbol);
    if (id === undefined && typeof symbol !== 'string') throw notASymbol(symbol);
    return id;
  }

  #seriesOf(interval: string): number {
    let s = this.#seriesIndex.get(interval);
    if (s === undefined && typeof interval === 'string') {
      // Another spelling of one of the store's intervals: the core's grammar says which.
      const name = canonicalInterval(interval);
      s = name === null ? undefined : this.#seriesIndex.get(name);
      if (s !== undefined) this.#seriesIndex.set(interval, s);
    }
    if (s === undefined) {
      throw new ConfigError('interval', `${describe(interval)} is not one of this store's intervals (${this.#series.join(', ')})`);
    }
    return s;
  }

  #namesOf(mask: number): readonly string[] {
    const names = Object.freeze(this.#series.filter((_, i) => (mask & (1 << i)) !== 0));
    this.#maskNames[mask] = names;
    return names;
  }

  #pairs(flat: ArrayLike<number>): Closed[] {
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

/**
 * The error for an argument past those a method takes: one a caller would expect to change what
 * the call does (a count, a symbol, an option) is refused rather than ignored.
 */
function extraArgument(method: string, takes: string, extra: unknown, hint: string): ConfigError {
  return new ConfigError('arguments', `${method} takes ${takes}, got ${describe(extra)} beyond them: ${hint}`);
}

/**
 * The parts of `[from, to)` that no span of `spans` (`[from, to, ...]`, in any order, overlapping or
 * not) covers, in time order. @internal
 */
export function uncovered(from: number, to: number, spans: readonly number[]): [number, number][] {
  const covering: [number, number][] = [];
  for (let i = 0; i < spans.length; i += 2) {
    const a = spans[i] as number;
    const b = spans[i + 1] as number;
    if (b > from && a < to) covering.push([a, b]);
  }
  covering.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  let at = from;
  for (const [a, b] of covering) {
    if (a > at) out.push([at, Math.min(a, to)]);
    at = Math.max(at, b);
    if (at >= to) break;
  }
  if (at < to) out.push([at, to]);
  return out;
}

/** `gaps` less the slots in `spans` of their symbol (`[from, to, ...]`): a gap may lose its ends, be cut in two, or go. */
function leaveOut(gaps: Gap[], spans: ReadonlyMap<string, readonly number[]>): Gap[] {
  const out: Gap[] = [];
  for (const gap of gaps) {
    const left = spans.get(gap.symbol);
    if (left === undefined) {
      out.push(gap);
      continue;
    }
    const pieces = uncovered(gap.from, gap.to, left);
    for (const [from, to] of pieces) out.push(pieces.length === 1 && from === gap.from && to === gap.to ? gap : { symbol: gap.symbol, from, to });
  }
  return out;
}
