/**
 * {@link SessionCoordinator}: runs sessions from a calendar, feeding a source's bars into the store
 * in time slices and waiting for (or pacing) the subscribers.
 * @module
 */
import { EventEmitter } from 'node:events';
import { types } from 'node:util';
// The global `performance` is a getter on globalThis in Node: the import is a plain binding, about 20 ns less a clock read.
import { performance } from 'node:perf_hooks';
import { ConfigError, InputError, OverrunError, checkOptionKeys, describe, firstHole, isoTime, refuseArguments } from '../errors.js';
import { checkEventNames } from '../events.js';
import { barFieldProblem, interleaveColumns } from '../native.js';
import { honest, isFloat64Array, num } from '../typed-arrays.js';
import type { RejectCode } from '../errors.js';
import { SessionData, uncovered } from '../session-data.js';
import type { Gap, SliceColumns, SymbolQuality } from '../session-data.js';
import type { Bar, Session, SessionInput } from '../types.js';
import { isNonDecreasing } from '../sources/columns.js';
import { FUTURE_TOLERANCE_MS, plainFields } from '../sources/types.js';
import { arrivalIterator } from '../sources/stream.js';
import { dayStartOf } from '../session.js';
import { formatDay, isEarlyDate, parseDay } from '../calendar/dates.js';
import type { ColumnarSource, LeftOutRows, Source, SourceLosses, StreamSource, SymbolBar, SymbolColumns } from '../sources/index.js';
import { MAX_TIMER_MS, SimulatedClock, WallClock, sleepMs } from './clock.js';
import type { Clock } from './clock.js';
import { AnalysisEngine, UNSUBSCRIBED } from './engine.js';
import type { DeliveryObserver, PendingHandler, SubscriberFailure } from './engine.js';
import { PerformanceMetrics } from './metrics.js';
import type { MetricsSnapshot, StageRecorder } from './metrics.js';
import { DataProcessor } from './processor.js';
import { ReadyTimeoutError } from './ready.js';
import type { ReadySignal } from './ready.js';

/** Anything that yields sessions for a date range: a built-in or user calendar. */
export interface SessionCalendar {
  /**
   * Sessions whose date lies in `[from, to]` (dates `YYYY-MM-DD` in the calendar's time zone), in
   * order. A session without `dayStart` (from JavaScript) has it worked out from its date and time
   * zone, as {@link SessionData.beginSession} does.
   */
  sessions(from: string, to: string): readonly SessionInput[];
}

/** How a {@link SessionCoordinator} runs. */
export interface CoordinatorOptions {
  calendar: SessionCalendar;
  data: SessionData;
  /** Where bars come from: columnar (historical) or a stream (live, generators). */
  source: Source;
  /** Subscribers. Default: a new, empty engine. */
  engine?: AnalysisEngine | undefined;
  /** `'backtest'` (default) replays on simulated time; `'live'` runs on wall time and needs a stream source. */
  mode?: 'backtest' | 'live' | undefined;
  /**
   * Backtests: `0` (default) is data-driven: the next slice is fed once every subscriber is ready.
   * `> 0` is clock-driven: simulated milliseconds per wall millisecond (`60` plays a minute a second).
   */
  speed?: number | undefined;
  /** First session date, `YYYY-MM-DD`. */
  from: string;
  /** Last session date, `YYYY-MM-DD` (inclusive). */
  to: string;
  /** Only these symbols (default: every symbol the source has): a non-empty array of names. */
  symbols?: readonly string[] | undefined;
  /**
   * Clock-driven runs, when a slice comes due while a subscriber is still busy: `'fail'` (default)
   * ends the run with an {@link OverrunError}; `'queue'` waits for it and records the lag. A
   * data-driven run waits for its subscribers by design, so it has no overruns and no use for this.
   */
  overrun?: 'fail' | 'queue' | undefined;
  /**
   * The longest wait for subscribers of one slice, in data-driven runs and, in clock-driven ones,
   * for a slice whose subscribers are still busy when the next is due (with `overrun: 'queue'`,
   * counted from then) and for the slices after a session's close and its end (nothing else is
   * due then, so they are waited for); past it the run fails with a {@link ReadyTimeoutError}. Default: no limit (a handler whose promise can never settle, the
   * process having nothing else left to run, still fails the run then: see {@link SessionCoordinator.run}).
   */
  readyTimeoutMs?: number | undefined;
  /**
   * Live runs: how long after a base-interval boundary the coordinator waits for the bars of the
   * interval that just ended (they arrive after their close) before it appends them and closes
   * buckets. A bar arriving later than this for a closed bucket is rejected as `late` and counted.
   * Default 2000 ms; backtests ignore it (their bars are all there).
   */
  closeDelayMs?: number | undefined;
  /**
   * Live runs: fetches the base bars of a gap, `[from, to)` (epoch ms), for example from a
   * historical data API. Called for each gap found at a boundary: a symbol's next bar skips slots, or
   * the boundary passed slots with no bar. It is asked for the gap's slots whose buckets are still
   * open (`from` may be later than the gap's), and not at all when none is. The bars are validated
   * like any other and appended in time order before the boundary's buckets close. A filler that
   * throws (at once, by rejecting, or in a getter of a bar it returned) leaves the gap `unfilled`
   * with the reason; the run goes on. Backtests never fill; they report gaps.
   */
  fill?: ((symbol: string, from: number, to: number) => Promise<readonly Bar[]> | readonly Bar[]) | undefined;
  /** Live runs: how long a boundary waits for `fill` before it closes its buckets with what it has and records the gap as unfilled. Default 5000 ms; at most 2^31 - 1 (what a timer can wait). */
  fillDeadlineMs?: number | undefined;
  /**
   * Where stage latencies go. Default: a new {@link PerformanceMetrics}. Every subscriber call is
   * timed (two clock reads, about 130-170 ns on the build VM) unless the metrics are disabled in a
   * data-driven run, where nothing would read the times.
   */
  metrics?: PerformanceMetrics | undefined;
  /**
   * How many records each of the report's lists keeps: `gaps` and `overruns` keep the most recent
   * this many, `quality` the most recent sessions whose records (one a symbol and session) are at
   * most this many (the last session whole, however many symbols it has), `subscriberErrors` the
   * first this many (the first failure is the one that explains the rest). Counts stay exact whatever it is: `gapCount`,
   * `overrunCount`, `subscriberErrorCount`, `qualityTotals`. A run of weeks finds a gap or a
   * quality record every session for every quiet symbol; kept whole, they grew without bound.
   * Default 1000; `Infinity` keeps everything (a backtest of bounded data), `0` keeps only the counts.
   */
  reportLimit?: number | undefined;
}

/** An overrun that was waited out under `overrun: 'queue'`. */
export interface OverrunRecord {
  subscriber: string;
  /**
   * When the slice came due, on the run's clock (epoch ms): the end of its base interval (bars
   * timed 14:05 come due at 14:06 with a 1m base), or the session's close when that comes first.
   */
  sliceTime: number;
  /** How long after that the run took the slice, in wall milliseconds (not simulated ones): the wait the overrun cost. */
  lagMs: number;
}

/** A gap: base slots of a symbol with no bar, `[from, to)` (epoch ms). */
export interface GapRecord {
  symbol: string;
  /** The session's date. */
  session: string;
  from: number;
  to: number;
  /**
   * `'bar'`: a bar after the slots showed them missing; `'clock'`: a boundary, or the session's
   * close, passed them with no bar (the slots after a symbol's last bar, or its whole session, are
   * `'clock'` in every drive).
   */
  detectedBy: 'bar' | 'clock';
  /**
   * `'reported'` (backtests, or no `fill`), `'filled'` (the filler returned bars for it and the
   * store took at least one), `'unfilled'` (it failed, returned nothing, missed the deadline, the
   * store rejected all it returned, or no slot of it could still take a bar: `reason` says which).
   */
  state: 'reported' | 'filled' | 'unfilled';
  /**
   * Bars the filler returned for the gap to go to the store: those inside the slots it was asked
   * for (the gap's slots whose buckets were still open: from `max(from, lateBefore)` to `to`) and of
   * its symbol. Those that went in count in the report's `barsIn` and `filledBars` (a stop between
   * slices may leave some untaken).
   */
  filledBars: number;
  /**
   * Of the gap's slots, those the store holds a bar for: once filled bars went in (it may reject
   * some: they are counted as rejections), and for a gap of a clock-driven run again at the
   * session's end, counting bars stored in its slots after it was reported (bars that came later,
   * still in time for their buckets; bars that came behind a later one the store then rejected).
   * Its slots (`(to - from) / baseInterval`, rounded up where the close makes the last one short)
   * less `storedBars` are still missing.
   */
  storedBars: number;
  /** Bars the filler returned outside the slots asked for or for another symbol: not used. */
  droppedBars: number;
  /** Why it is unfilled. */
  reason?: string;
}

/**
 * The quality records of a run's sessions summed (see {@link SymbolQuality}): one per symbol and
 * session, of every session the run ended, whether or not `RunReport.quality` still lists it.
 */
export interface QualityTotals {
  /** Sessions whose records were summed (the sessions the run ended). */
  sessions: number;
  /** Symbol-session records summed. */
  records: number;
  /** Base slots expected (`base.expected` summed). */
  expected: number;
  /** Base bars stored (`base.received` summed). */
  received: number;
  /** Base slots that passed with no bar (`base.missing` summed). */
  missing: number;
  /** Bars rejected as `late` (`base.late` summed). */
  late: number;
  /** Gap spans the store found (`gaps.length` summed). */
  gaps: number;
}

/** What {@link SessionCoordinator.run} returns. */
export interface RunReport {
  /** The run's mode: `'backtest'` over a calendar's past sessions, or `'live'` on the wall clock. */
  mode: 'backtest' | 'live';
  /** `'data'` (speed 0) or `'clock'`. */
  drive: 'data' | 'clock';
  /** Simulated time per wall time: the `speed` option in a backtest (0: data-driven); 1 in a live run, whose clock is the wall clock. */
  speed: number;
  /** Sessions begun: all of the run's, but for those after a stop and, live, those already over when the run reached them (skipped, with no `sessionStart`, `sessionEnd` or `progress`). */
  sessions: number;
  /** Whether {@link SessionCoordinator.stop} ended the run before its last session's end. */
  stopped: boolean;
  /**
   * The run's symbols: a column source's, or those a stream delivered that the store still knows
   * at the end (a symbol removed from the store, in a `sessionEnd` handler say, leaves the list:
   * over weeks of symbols that come and go it grew by every one).
   */
  symbols: string[];
  /**
   * Symbols the run met, listed in `symbols` or not. A stream symbol removed from the store that
   * comes back counts again, as the store takes it for a new symbol.
   */
  symbolCount: number;
  /**
   * Base bars the run handed to the store: read from the source for the run's sessions, and, live
   * with a `fill`, the filler's bars for the gaps (`filledBars` of them).
   */
  barsIn: number;
  /** Live with a `fill`: the filler's bars that went to the store, counted in `barsIn` too. */
  filledBars: number;
  /**
   * Bars a source delivered that are not part of the run, so not in `barsIn`: of a symbol not in
   * the `symbols` option (`symbol`), or, in a backtest, timed on a day outside the run (`days`),
   * or, live, timed on one of its days but more than 15 minutes after the wall clock when it came
   * (`future`: it cannot have traded yet; held, it would hold its symbol's later bars back), or
   * read from the source and never taken because the run ended first (`unread`: read ahead of a
   * {@link SessionCoordinator.stop}, or, live, come after the last close and its grace while the
   * last bars went in). A column source is asked for the run's symbols and days only: its
   * `symbol` and `days` are the rows it left out, as its `leftOut()` counts them (`columnsSource`
   * and `csvSource` do; zeros for a source without it), and its `unread` the rows a stop left:
   * `barsIn + unread` is every row it loaded.
   */
  skipped: { symbol: number; days: number; future: number; unread: number };
  /**
   * What a stream source received during the run and did not pass on, by reason, as its
   * `losses()` counts them (a `websocketFeed`: `malformed`, `tooLarge` and `toBarsError` messages, `wrongType`,
   * `outOfOrder` and `duplicate` bars, and `discarded`, what it still held when the run left it).
   * They never became bars, so they are not in `barsIn`. Empty for a source without `losses()`.
   *
   * `null` when they are unknown: `losses()` counted properly when the run began (or the run would
   * have failed then, before the store was touched) but not when it ended (it threw, returned
   * something other than whole numbers >= 0, or a count lower than at the start, which counts
   * since the source was made cannot be). The run's work is done by then: it resolves with its
   * report all the same, the failure in {@link RunReport.sourceLossesError}, rather than lose the
   * report for a counter.
   */
  sourceLosses: Record<string, number> | null;
  /** Why `sourceLosses` is `null`: what `losses()` threw when the run ended (an {@link InputError} for counts it could not use). Absent otherwise. */
  sourceLossesError?: unknown;
  /** Base bars stored. */
  barsStored: number;
  /** Base bars rejected, by reason; `barsIn = barsStored + sum(rejected)`. */
  rejected: Record<RejectCode, number>;
  /** Closed bars per interval, base included. */
  closedBars: Record<string, number>;
  /** Closed bars of the derived intervals. */
  derivedBars: number;
  /** Bar events handed to subscribers. */
  delivered: number;
  /** Subscribers that threw, with context: the first `reportLimit` (default 1000) of them. */
  subscriberErrors: SubscriberFailure[];
  /** Subscriber failures in all, kept in `subscriberErrors` or not. */
  subscriberErrorCount: number;
  /**
   * Data quality per session date, then per symbol, as the store measured it at the session's end:
   * the most recent sessions whose records (one a symbol and session) are at most `reportLimit`
   * (default 1000), the last one whole. `qualityTotals` sums every session's.
   */
  quality: Record<string, Record<string, SymbolQuality>>;
  /** Every session's quality records of the run summed, kept in `quality` or not. */
  qualityTotals: QualityTotals;
  /** Gaps found, in order, with what filling did: the most recent `reportLimit` (default 1000). */
  gaps: GapRecord[];
  /** Gaps found in all, kept in `gaps` or not. */
  gapCount: number;
  /** Overruns waited out (`overrun: 'queue'`): the most recent `reportLimit` (default 1000). */
  overruns: OverrunRecord[];
  /** Overruns waited out in all, kept in `overruns` or not. */
  overrunCount: number;
  /**
   * Clock-driven: the most a slice or a bucket closing on the clock came late against the run's
   * clock, in wall milliseconds (waiting for subscribers under `overrun: 'queue'` included). 0 in a
   * data-driven run, which waits for its subscribers by design.
   */
  maxLagMs: number;
  /**
   * Wall time of the run, in milliseconds: from when it began (a column source's load included) to
   * its last session's end, or the stop. What a caller does before `run()` (a command line's
   * strategy setup, say) is left out.
   */
  durationMs: number;
  /** Base bars a second of wall time: `barsIn / durationMs * 1000` (0 when `durationMs` is 0). */
  barsPerSecond: number;
  /** Counts and latency percentiles per stage (see {@link PerformanceMetrics}); empty when the metrics given are disabled. */
  metrics: MetricsSnapshot;
}

/** Events a coordinator emits. */
export interface CoordinatorEvents {
  sessionStart: [session: Readonly<Session>];
  sessionEnd: [session: Readonly<Session>];
  /** A subscriber failed; the run goes on. */
  error: [failure: SubscriberFailure];
  /** A gap was found (before any attempt to fill it). */
  gap: [gap: GapRecord];
  /**
   * A gap the clock found grew: no bar came for more slots, so its `to` moved later. The record is
   * the one `gap` gave (and the report lists), now with its new end.
   */
  gapExtended: [gap: GapRecord];
  /** A gap was filled, or given up on. */
  gapSettled: [gap: GapRecord];
  /**
   * Progress after each session: sessions done of the total, both counted over the run's range (a
   * live run's sessions already over when it began count as done, though the report's `sessions`
   * leaves them out), so `done` reaches `total` at the last session.
   */
  progress: [done: number, total: number];
}

/** The prefix of a subscriber's stage in the run's metrics. */
const SUBSCRIBER_STAGE = 'subscriber:';
/** The stage the records of subscribers that left go on in (see `SessionCoordinator.#foldDeparted`). */
const FOLDED_STAGE = `subscriber:${UNSUBSCRIBED}`;
/** How many stages of subscribers that left keep their own name. */
const DEPARTED_STAGES = 100;

/**
 * Per metrics object, the subscriber stages coordinators made in it, in the order they made them,
 * each with the engine its subscriber was of: a service may give one metrics object to one
 * coordinator after another, and each folds the departed stages of the ones before it. The engine
 * is held weakly: one no longer used has no subscribers left.
 */
const SUBSCRIBER_STAGES = new WeakMap<PerformanceMetrics, Map<string, WeakRef<AnalysisEngine>>>();

/** The default of {@link CoordinatorOptions.reportLimit}. */
const REPORT_LIMIT = 1000;

/**
 * Runs sessions from `from` to `to`: for each, opens it in the store, feeds the source's base bars
 * one time slice at a time (every bar with the same time across symbols), closes buckets (by data,
 * by the clock in clock-driven runs), ends the session with the forming bars flushed, and notifies
 * subscribers after each slice. Nothing is dropped: every bar read is stored or rejected and counted.
 *
 * ```ts
 * const report = await new SessionCoordinator({
 *   calendar: Calendar.xnys(), data, engine, source: csvSource('data/*.csv'),
 *   from: '2013-10-07', to: '2013-10-11',
 * }).run();
 * ```
 */
export class SessionCoordinator extends EventEmitter<CoordinatorEvents> {
  readonly #options: CoordinatorOptions;
  readonly #engine: AnalysisEngine;
  readonly #metrics: PerformanceMetrics;
  /** Whether {@link SessionCoordinator.#metrics} was made here (and so starts again each run). */
  readonly #ownMetrics: boolean;
  readonly #speed: number;
  readonly #mode: 'backtest' | 'live';
  readonly #baseMs: number;
  readonly #closeDelay: number;
  readonly #fillDeadline: number;
  /** See {@link CoordinatorOptions.reportLimit}. */
  readonly #reportLimit: number;
  #clock: Clock;
  #errors: SubscriberFailure[] = [];
  #errorCount = 0;
  #overruns = new Recent<OverrunRecord>(REPORT_LIMIT);
  #gaps = new Recent<GapRecord>(REPORT_LIMIT);
  /** Gaps filled at the current boundary, settled once their bars have been through the store. */
  #filling: GapRecord[] = [];
  /**
   * The current session's gaps in a clock-driven run, found before the bars due went in: bars may
   * still be stored in their slots (a bar that came later, still in time for its bucket; a bar
   * placed behind one the store then rejected), counted at its end.
   */
  #clockGaps: GapRecord[] = [];
  /**
   * Clock-driven: per symbol, the spans of the current session its gaps reported, `[from, to, ...]`,
   * against which the store's own gaps are checked (see `#coreGaps`).
   */
  readonly #reportedSpans = new Map<string, { session: string; spans: number[] }>();
  /** The most recent sessions' quality records, oldest first. */
  #quality = new Map<string, Record<string, SymbolQuality>>();
  /** The symbol-session records in `#quality`. */
  #qualityKept = 0;
  #qualityTotals: QualityTotals = emptyTotals();
  /** Per symbol, slots before this time have been reported missing (clock-detected gaps are not reported twice). */
  readonly #gapReportedUntil = new Map<string, number>();
  /** Per symbol, a clock-found gap that may still grow (no bar has come since). */
  readonly #openGap = new Map<string, GapRecord>();
  #maxLag = 0;
  /** Clock-driven: per subscriber, the time its synchronous calls took in the current dispatch (overruns name the largest). */
  readonly #syncNs = new Map<string, number>();
  #running = false;
  /** Wall time (`performance.now()`) when {@link SessionCoordinator.stop} was called: a slice due after it never comes. */
  #stoppedAt = Infinity;
  /**
   * Aborted by {@link SessionCoordinator.stop}, with the {@link RunStopped} that the run's next
   * step throws as its reason; the run's waits listen to its signal. A new one for each run.
   */
  #stopper = new AbortController();
  /** The processor of the run in progress. */
  #runProcessor: DataProcessor | null = null;
  /** The symbols of the run in progress so far. */
  #runSymbols: () => string[] = () => [];
  /** How many symbols the run in progress has met (see {@link RunReport.symbolCount}). */
  #symbolCount: () => number = () => 0;
  /** Runs started so far: a run's reports carry its number. */
  #runNumber = 0;
  /** The dispatch whose subscribers the run waits for now, if any: what a stalled run names. */
  #waiting: { ready: ReadySignal; pending: PendingHandler[] } | null = null;
  /** The run's clock when the wait in `#waiting` began: the slice it waits on (a clock-driven run's clock goes on while it waits). */
  #waitingAt = NaN;
  #sessionsRun = 0;
  /** Stream bars left out of the run (see {@link RunReport.skipped}). */
  #skipped = { symbol: 0, days: 0, future: 0, unread: 0 };
  /** A live run's filled bars that went to the store (in `barsIn` too). */
  #filledIn = 0;
  /** The run's recorder of each subscriber's stage (see {@link SessionCoordinator.#foldDeparted}). */
  #recorders = new Map<string, StageRecorder>();
  /** Subscribers whose stage a coordinator made in this one's metrics (see {@link SUBSCRIBER_STAGES}). */
  readonly #subscriberStages: Map<string, WeakRef<AnalysisEngine>>;
  readonly #engineRef: WeakRef<AnalysisEngine>;
  /** The source's `losses()` when the run began: the report gives what the run added. */
  #lossesAtStart: SourceLosses | null = null;

  /**
   * @throws {ConfigError} naming the option: an unknown option; a `calendar` without `sessions`, a
   * `data` that is not a {@link SessionData}, a `source` that is not a source; a bad mode, speed,
   * overrun policy, date range or symbol list; a live run without a stream source; a
   * `readyTimeoutMs` that is not above 0 and at most 2147483647 (or `Infinity`), a `closeDelayMs`
   * that is negative or not finite, a `fillDeadlineMs` that is not above 0 and at most 2^31 - 1 (what a timer can wait), a `fill`
   * that is not a function, an `engine` that is not an `AnalysisEngine` or `metrics` that are not a
   * `PerformanceMetrics`.
   */
  constructor(options: CoordinatorOptions) {
    super();
    refuseArguments('SessionCoordinator', arguments, 'its options are one object { calendar, data, source, from, to, ... }', '(options)', 1);
    if (options === null || typeof options !== 'object') throw new ConfigError('options', `expected { calendar, data, source, from, to, ... }, got ${describe(options)}`);
    checkOptionKeys(
      options,
      ['calendar', 'data', 'source', 'engine', 'mode', 'speed', 'from', 'to', 'symbols', 'overrun', 'readyTimeoutMs', 'closeDelayMs', 'fill', 'fillDeadlineMs', 'metrics', 'reportLimit'],
      'SessionCoordinator',
    );
    for (const [key, what] of [['calendar', 'a calendar with sessions(from, to)'], ['data', 'a SessionData'], ['source', 'a source']] as const) {
      const value = (options as unknown as Record<string, unknown>)[key];
      const ok = key === 'calendar' ? typeof (value as { sessions?: unknown } | null)?.sessions === 'function' : key === 'data' ? value instanceof SessionData : typeof (value as { kind?: unknown } | null)?.kind === 'string';
      if (!ok) throw new ConfigError(key, `expected ${what}, got ${describe(value)}${key === 'source' ? iterableHint(value) : ''}`);
    }
    checkSource(options.source);
    const mode = options.mode ?? 'backtest';
    if (mode !== 'backtest' && mode !== 'live') throw new ConfigError('mode', `${describe(mode)} is not 'backtest' or 'live'`);
    const speed = options.speed ?? 0;
    if (!(Number.isFinite(speed) && speed >= 0)) throw new ConfigError('speed', `${describe(speed)} is not a finite number >= 0`);
    // Taken as 1 without a word, a replay speed would seem to apply to a run that it cannot.
    if (mode === 'live' && options.speed !== undefined && speed !== 1) throw new ConfigError('speed', `a live run goes at the wall clock's pace: speed is for backtests (leave it out), got ${speed}`);
    const overrun = options.overrun ?? 'fail';
    if (overrun !== 'fail' && overrun !== 'queue') throw new ConfigError('overrun', `${describe(overrun)} is not 'fail' or 'queue'`);
    // A real date: '2024-02-30' would pass a pattern, and then be 'before' from or fail in the calendar.
    for (const key of ['from', 'to'] as const) {
      const date: unknown = options[key];
      if (typeof date !== 'string' || (Number.isNaN(parseDay(date)) && !isEarlyDate(date))) {
        throw new ConfigError(key, `${describe(date)} is not a YYYY-MM-DD calendar date`);
      }
    }
    if (options.from > options.to) throw new ConfigError('to', `${options.to} is before from ${options.from}`);
    if (mode === 'live' && options.source.kind !== 'stream') throw new ConfigError('source', 'a live run reads a stream source');
    const losses: unknown = (options.source as { losses?: unknown }).losses;
    if (losses !== undefined && typeof losses !== 'function') throw new ConfigError('source', `a source's losses must be a function returning counts by reason, got ${describe(losses)}`);
    const leftOut: unknown = (options.source as { leftOut?: unknown }).leftOut;
    if (leftOut !== undefined && typeof leftOut !== 'function') throw new ConfigError('source', `a source's leftOut must be a function returning { symbol, days }, got ${describe(leftOut)}`);
    // A stream's bars are filtered by name: a string ('SPY', its letters), null or an empty list
    // would leave every bar out without a word.
    const symbols: unknown = options.symbols;
    if (symbols !== undefined) {
      if (!Array.isArray(symbols) || symbols.length === 0) throw new ConfigError('symbols', `expected a non-empty array of symbol names, got ${describe(symbols)}`);
      const hole = firstHole(symbols);
      if (hole >= 0) throw new ConfigError('symbols', `no symbol at ${hole} (a sparse array)`);
      // By index: find() would give back an undefined entry as "none found".
      const bad = symbols.findIndex((x: unknown) => typeof x !== 'string' || x === '');
      if (bad >= 0) throw new ConfigError('symbols', `${describe(symbols[bad])} is not a symbol name`);
    }
    const readyTimeout: unknown = options.readyTimeoutMs;
    // A string or a BigInt compares as the number it spells, and would reach a timer as itself.
    if (readyTimeout !== undefined && !(typeof readyTimeout === 'number' && readyTimeout > 0 && (readyTimeout <= 2_147_483_647 || readyTimeout === Infinity))) {
      throw new ConfigError('readyTimeoutMs', `${describe(readyTimeout)} is not a number > 0 and at most 2147483647 (what a timer can wait; Infinity for no limit)`);
    }
    this.#options = options;
    this.#mode = mode;
    this.#speed = mode === 'live' ? 1 : speed;
    // Anything else failed at run() with a TypeError from inside (`intervals is not a function`).
    if (options.engine !== undefined && !(options.engine instanceof AnalysisEngine)) throw new ConfigError('engine', `expected an AnalysisEngine, got ${describe(options.engine)}`);
    if (options.metrics !== undefined && !(options.metrics instanceof PerformanceMetrics)) throw new ConfigError('metrics', `expected a PerformanceMetrics, got ${describe(options.metrics)}`);
    this.#engine = options.engine ?? new AnalysisEngine();
    this.#metrics = options.metrics ?? new PerformanceMetrics();
    let stages = SUBSCRIBER_STAGES.get(this.#metrics);
    if (stages === undefined) SUBSCRIBER_STAGES.set(this.#metrics, (stages = new Map()));
    this.#subscriberStages = stages;
    this.#engineRef = new WeakRef(this.#engine);
    this.#ownMetrics = options.metrics === undefined;
    this.#baseMs = options.data.baseIntervalMs;
    const closeDelay = options.closeDelayMs ?? 2000;
    if (!(Number.isFinite(closeDelay) && closeDelay >= 0)) throw new ConfigError('closeDelayMs', `${describe(closeDelay)} is not a finite number >= 0`);
    this.#closeDelay = mode === 'live' ? closeDelay : 0;
    const fillDeadline = options.fillDeadlineMs ?? 5000;
    // A deadline longer than a timer can wait would fire after 1 ms, every fill then missing it.
    if (!(Number.isFinite(fillDeadline) && fillDeadline > 0 && fillDeadline <= MAX_TIMER_MS)) {
      throw new ConfigError('fillDeadlineMs', `${describe(fillDeadline)} is not a number > 0 and at most ${MAX_TIMER_MS} (what a timer can wait)`);
    }
    if (options.fill !== undefined && typeof options.fill !== 'function') throw new ConfigError('fill', 'must be a function (symbol, from, to) => Promise<Bar[]>');
    this.#fillDeadline = fillDeadline;
    const reportLimit: unknown = options.reportLimit === undefined ? REPORT_LIMIT : options.reportLimit;
    if (!(typeof reportLimit === 'number' && reportLimit >= 0 && (Number.isInteger(reportLimit) || reportLimit === Infinity))) {
      throw new ConfigError('reportLimit', `${describe(reportLimit)} is not a whole number >= 0 or Infinity`);
    }
    this.#reportLimit = reportLimit;
    this.#clock = mode === 'live' ? new WallClock() : new SimulatedClock(0, speed);
  }

  /** The engine subscribers register with. */
  get engine(): AnalysisEngine {
    return this.#engine;
  }

  /** The run's clock: every part reads `now()` from it. */
  get clock(): Clock {
    return this.#clock;
  }

  /**
   * Runs every session and resolves with the report. Each call is a run of its own, reported on
   * alone (the store is not emptied between runs: see {@link SessionData.clear}).
   * @throws {OverrunError} in a clock-driven run under `overrun: 'fail'`.
   * @throws {ReadyTimeoutError} when subscribers outlast `readyTimeoutMs`, or when the process runs
   *   out of work while the run waits for a handler's promise or the source's next bar: nothing
   *   left could settle them (Node would otherwise end the process with the run never settled).
   * @throws {ConfigError} `run` while this coordinator is already running; `arguments` for an
   *   argument (options such as `{ from }` belong to the constructor and would be ignored here).
   * @throws {SessionError} `session_open` when a session is open on the store (end it, or `clear()`
   *   the store, first) or another coordinator is running on it.
   * @throws {InputError} a stream source's `losses()` that are not counts when the run begins
   *   (before the store is touched; a `losses()` that throws then fails the run with its error).
   *   When the run ends, a failing `losses()` does not fail it: see {@link RunReport.sourceLosses}.
   * @throws the source's or the store's errors (a bar the store rejects is counted, not thrown).
   */
  async run(): Promise<RunReport> {
    refuseArguments('SessionCoordinator.run', arguments, 'its options are given when the coordinator is made; for other dates or symbols make another');
    if (this.#running) throw new ConfigError('run', 'this coordinator is already running');
    this.#running = true;
    this.#stopper = new AbortController();
    const o = this.#options;
    let claimed = false;
    let earlierGaps: Gap[] = [];
    let clears = 0;
    let stall: { promise: Promise<never>; dispose: () => void } | null = null;
    try {
      this.#startRun();
      const sessions = checkSessions(o.calendar.sessions(o.from, o.to));
      this.#lossesAtStart = lossesOf(o.source);
      const processor = this.#processor();
      // Before the run touches the store: another coordinator's run on it would interleave sessions.
      o.data.claimRun(this);
      claimed = true;
      // Gaps the store found before this run are not of its sessions: they wait for the caller.
      earlierGaps = o.data.takeGaps();
      clears = o.data.clears;
      // Node ends a process that has run out of work, and with it a run still waiting (for a
      // subscriber's promise, or a source's next bar, that nothing left can settle): the run fails
      // then, saying what it waited for, rather than never settling. What it waited for may still
      // come later (the caller settles it): the processor refuses to go on, so the failed run
      // leaves the store as it was when it failed.
      stall = onStall(() => {
        const error = this.#stalled();
        processor.abort(error);
        return error;
      });
      const started = performance.now();
      this.#runProcessor = processor;
      // A stop() during a calendar's or source's call before this point takes effect now.
      if (this.#stopping !== null) processor.abort(this.#stopping);
      const work = this.#runSessions(sessions, processor);
      // After a stall the abandoned run ends in the processor's refusal, which nobody awaits.
      work.catch(() => undefined);
      let symbols: string[];
      let stopped = false;
      try {
        symbols = await Promise.race([work, stall.promise]);
      } catch (e) {
        if (!(e instanceof RunStopped) || e !== this.#stopping) throw e;
        symbols = this.#runSymbols();
        stopped = true;
      }
      return this.#report(processor, symbols, performance.now() - started, stopped);
    } finally {
      stall?.dispose();
      this.#runProcessor = null;
      this.#stoppedAt = Infinity;
      this.#runSymbols = () => [];
      this.#symbolCount = () => 0;
      if (claimed) {
        // Unless the store was cleared meanwhile: its earlier symbols and gaps are gone.
        if (o.data.clears === clears) {
          o.data.restoreGaps(earlierGaps);
          // Ended inside a session (stopped, failed): the slots the run reported missing are in
          // its report, and the gaps the store finds there later (at the session's end) leave
          // them out, so that each slot is reported once.
          const open = o.data.session;
          if (open !== null) {
            for (const [symbol, kept] of this.#reportedSpans) if (kept.session === open.date) o.data.noteReportedGaps(symbol, kept.spans);
          }
        }
        o.data.releaseRun(this);
      }
      this.#running = false;
      // A run stopped or failed before a session's end folds too: a harness that stops each run
      // early (a fresh subscriber a run) otherwise kept every stage, and each report scanned them
      // all. After the run's own cleanup, which nothing here may skip.
      this.#foldDeparted();
      // One turn of the event loop before the run settles. Node-API runs the finalizers of
      // collected objects there, and a run whose subscribers all finish synchronously may never
      // give it one: a loop of `await run()`, a store made per run, kept every store it dropped
      // (their blocks, and the memory they fragment) until something else turned the loop.
      await sleepMs(0);
    }
  }

  /**
   * Ends the run in progress at its next step, and `run()` resolves with the report so far
   * (`stopped: true`): for a service shutting down, or a harness that has seen enough. The slice
   * in hand goes on to its subscribers, async ones awaited; after it nothing more is read,
   * appended, closed or delivered, and no gap is reported for slots not yet due. A live source is
   * closed. The open session stays open in the store, its forming bars unflushed, as when a run
   * fails: `data.endSession()` closes them (and returns what closed), `data.clear()` drops all.
   * Bars that end at the close are delivered before the store ends the session, so a stop from
   * their handlers leaves it open too. A stop after the store ended it (from a listener of the
   * gaps its end reveals) lets `sessionEnd` and `progress` go out for it.
   * Safe to call from a handler or an event listener, and more than once; nothing happens when
   * no run is in progress.
   */
  stop(): void {
    if (!this.#running || this.#stopping !== null) return;
    const stopping = new RunStopped();
    this.#stoppedAt = performance.now();
    // What closed before the stop (a `gap` listener stops between a slice's append and its
    // delivery) still goes to its subscribers.
    this.#runProcessor?.abort(stopping, true);
    this.#stopper.abort(stopping);
  }

  /** What the run's next step throws once {@link SessionCoordinator.stop} was called, else `null`. */
  get #stopping(): RunStopped | null {
    const signal = this.#stopper.signal;
    return signal.aborted ? (signal.reason as RunStopped) : null;
  }

  /** @throws the run's stop, once {@link SessionCoordinator.stop} was called. */
  #checkStop(): void {
    if (this.#stopping !== null) throw this.#stopping;
  }

  /** Waits until the run's clock reads `time`, or until the run is stopped. @throws the run's stop. */
  async #sleepUntil(time: number): Promise<void> {
    await this.#clock.sleepUntil(time, this.#stopper.signal);
    this.#checkStop();
  }

  /**
   * `promise`, or the run's stop when {@link SessionCoordinator.stop} comes first: what it settles
   * with then is left to nobody.
   */
  #unlessStopped<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onStop = (): void => {
        promise.catch(() => undefined);
        reject(this.#stopping);
      };
      if (this.#stopping !== null) {
        onStop();
        return;
      }
      const signal = this.#stopper.signal;
      signal.addEventListener('abort', onStop, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener('abort', onStop);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onStop);
          reject(error);
        },
      );
    });
  }

  /** What the run waits for when the process runs out of work (see {@link onStall}). */
  #stalled(): Error {
    const waiting = this.#waiting;
    if (waiting !== null) return new ReadyTimeoutError([waiting.ready.name], Infinity, this.#busyOf(waiting.pending), this.#waitingAt);
    return new ReadyTimeoutError(['source'], Infinity);
  }

  /** The processor of a run, reporting subscriber times and failures to it. */
  #processor(): DataProcessor {
    const o = this.#options;
    const recorders = new Map<string, StageRecorder>();
    this.#recorders = recorders;
    const run = this.#runNumber;
    // A handler of a run that has ended (failed, say, while other handlers were still pending) may
    // settle later: what it reports is not the next run's.
    const current = (): boolean => this.#running && this.#runNumber === run;
    const observer: DeliveryObserver = {
      // Subscriber times feed the metrics and, in clock-driven runs, the overrun reports; a
      // data-driven run with metrics disabled reads neither.
      timed: this.#metrics.enabled || this.#speed !== 0,
      delivered: (subscriber, ns, settled) => {
        if (!current()) return;
        let recorder = recorders.get(subscriber);
        if (recorder === undefined) {
          recorder = this.#metrics.stage(SUBSCRIBER_STAGE + subscriber);
          recorders.set(subscriber, recorder);
          // Made anew by this engine's subscriber: last in the order of making.
          this.#subscriberStages.delete(subscriber);
          this.#subscriberStages.set(subscriber, this.#engineRef);
        }
        recorder.record(ns);
        // What each subscriber's synchronous calls took in the dispatch being settled. A promise
        // that settles later was already waited for (and any overrun it caused recorded) by its
        // own dispatch.
        if (!settled) this.#busy(subscriber, ns);
      },
      // An async handler's synchronous part holds the thread as a synchronous handler does.
      busy: (subscriber, ns) => {
        if (current()) this.#busy(subscriber, ns);
      },
      failed: (failure) => {
        if (!current()) return;
        this.#errorCount++;
        if (this.#errors.length < this.#reportLimit) this.#errors.push(failure);
        if (this.listenerCount('error') > 0) this.emit('error', failure);
      },
    };
    const processor = new DataProcessor(o.data, this.#engine, this.#metrics, observer);
    processor.runFor(this);
    return processor;
  }

  /** Runs `sessions` from the source; returns the symbols it had. */
  async #runSessions(sessions: Session[], processor: DataProcessor): Promise<string[]> {
    const o = this.#options;
    // The store reserves room for the rest of the run at each symbol's second session, by its
    // rate in the first, instead of growing (and copying its bars) session by session.
    o.data.expectSessions(sessions.length);
    processor.checkSubscriptions();
    if (sessions.length === 0) return [];
    if (o.source.kind === 'columns') {
      // A stop does not wait for the load (a large file set, a slow server): the run ends then.
      this.#checkStop();
      const columns = checkColumns(
        await this.#unlessStopped(
          Promise.resolve(
            o.source.load({
              ...(o.symbols === undefined ? {} : { symbols: o.symbols }),
              ...runDays(sessions),
            }),
          ),
        ),
      );
      // Rows the source left out (other symbols, other days) are counted, as a stream's are.
      const left = leftOutOf(o.source);
      this.#skipped.symbol += left.symbol;
      this.#skipped.days += left.days;
      await this.#runColumns(sessions, columns, processor);
      return [...columns.keys()];
    }
    return this.#runStream(sessions, o.source, processor);
  }

  #report(processor: DataProcessor, symbols: string[], durationMs: number, stopped: boolean): RunReport {
    const o = this.#options;
    // A run stopped within a session: its clock-found gaps count the bars stored in them since they
    // were reported, as at a session's end (see #countArrivals), so that the report and the store's
    // later gaps count each missing slot once.
    for (const gap of this.#clockGaps) gap.storedBars = storedIn(o.data, gap);
    const c = processor.counts;
    const base = o.data.baseInterval;
    // The source's counter failing at the end costs its counts, not the run's report (see RunReport.sourceLosses).
    let sourceLosses: Record<string, number> | null;
    let lossesFailed: { error: unknown } | null = null;
    try {
      sourceLosses = lossesSince(lossesOf(o.source), this.#lossesAtStart);
    } catch (error) {
      sourceLosses = null;
      lossesFailed = { error };
    }
    return {
      mode: this.#mode,
      drive: this.#speed === 0 ? 'data' : 'clock',
      speed: this.#speed,
      sessions: this.#sessionsRun,
      stopped,
      symbols,
      symbolCount: Math.max(this.#symbolCount(), symbols.length),
      barsIn: c.barsIn,
      // A slice a stop cut short holds bars read from the source and never sent to the store.
      skipped: { ...this.#skipped, unread: this.#skipped.unread + processor.pendingBars },
      filledBars: this.#filledIn,
      sourceLosses,
      ...(lossesFailed === null ? {} : { sourceLossesError: lossesFailed.error }),
      barsStored: c.barsStored,
      rejected: { ...c.rejected },
      closedBars: { ...c.closedBars },
      derivedBars: Object.entries(c.closedBars).reduce((sum, [i, n]) => (i === base ? sum : sum + n), 0),
      delivered: c.delivered,
      subscriberErrors: this.#errors,
      subscriberErrorCount: this.#errorCount,
      gaps: this.#gaps.list(),
      gapCount: this.#gaps.count,
      quality: Object.fromEntries(this.#quality),
      qualityTotals: { ...this.#qualityTotals },
      overruns: this.#overruns.list(),
      overrunCount: this.#overruns.count,
      maxLagMs: this.#maxLag,
      durationMs,
      barsPerSecond: durationMs > 0 ? (c.barsIn / durationMs) * 1000 : 0,
      metrics: this.#metricsOfRun(),
    };
  }

  /**
   * The report's metrics. Metrics the coordinator made for itself start again with each run, and
   * a subscriber of an earlier run that left before this one (a stage with no record now) is not
   * of it; metrics given to it are the caller's, shown whole.
   */
  #metricsOfRun(): MetricsSnapshot {
    const all = this.#metrics.snapshot();
    if (!this.#ownMetrics) return all;
    const subscribed = new Set(this.#engine.subscribers());
    for (const [stage, stats] of Object.entries(all)) {
      if (stats.count === 0 && stage.startsWith(SUBSCRIBER_STAGE) && !subscribed.has(stage.slice(SUBSCRIBER_STAGE.length))) delete all[stage];
    }
    return all;
  }

  /**
   * Each run reports on itself alone: what an earlier run of this coordinator found (errors, gaps,
   * overruns, quality, lag, and which slots it reported missing) is left in its own report. The
   * metrics the coordinator made for itself start again too; metrics passed in keep accumulating.
   */
  #startRun(): void {
    this.#runNumber++;
    this.#waiting = null;
    this.#errors = [];
    this.#errorCount = 0;
    this.#overruns = new Recent(this.#reportLimit);
    this.#gaps = new Recent(this.#reportLimit);
    this.#filling = [];
    this.#clockGaps = [];
    this.#quality = new Map();
    this.#qualityKept = 0;
    this.#qualityTotals = emptyTotals();
    this.#gapReportedUntil.clear();
    this.#openGap.clear();
    this.#reportedSpans.clear();
    this.#maxLag = 0;
    this.#syncNs.clear();
    this.#sessionsRun = 0;
    this.#skipped = { symbol: 0, days: 0, future: 0, unread: 0 };
    this.#filledIn = 0;
    if (this.#ownMetrics) this.#metrics.reset();
  }

  /** Historical columns: each session takes the bars from the previous session's close to its own close (the last session takes the rest), so a bar outside every session is rejected and counted, never skipped. */
  async #runColumns(sessions: Session[], columns: Map<string, SymbolColumns>, processor: DataProcessor): Promise<void> {
    const names = [...columns.keys()];
    const cols = names.map((n) => columns.get(n) as SymbolColumns);
    const cursor = new Int32Array(cols.length);
    const end = new Int32Array(cols.length);
    // Times out of order (a corrupt row, say) cannot be cut by binary search.
    const sorted = cols.map((c) => isNonDecreasing(c.time, c.length));
    // For columns out of order, the earliest finite time from each row on: a window's end is weighed
    // against the rows after it only where one of them could be the session's (see windowEndOf).
    const earliestFrom = cols.map((c, s) => (sorted[s] === true ? null : suffixMin(c.time, c.length)));
    const slices = new SliceReader(this.#options.data, names, cols, cursor, end, sorted);
    this.#runSymbols = () => names;
    this.#symbolCount = () => names.length;
    const clock = this.#clock as SimulatedClock;
    let yieldAt = performance.now() + 50;
    try {
      for (let k = 0; k < sessions.length; k++) {
        const session = sessions[k] as Session;
        const windowEnd = k === sessions.length - 1 ? Infinity : session.close;
        // Where the window of bars this session may take begins (see windowEndOf).
        const since = k === 0 ? -Infinity : (sessions[k - 1] as Session).close;
        for (let s = 0; s < cols.length; s++) {
          const time = (cols[s] as SymbolColumns).time;
          const c = cursor[s] as number;
          end[s] = k === sessions.length - 1 ? (cols[s] as SymbolColumns).length : sorted[s] ? lowerBound(time, c, windowEnd) : windowEndOf(cols[s] as SymbolColumns, c, { open: session.open, close: windowEnd, baseMs: this.#baseMs }, since, earliestFrom[s] as Float64Array, (sessions[k + 1] as Session).open);
        }
        slices.beginWindow(session.close, since);
        // A run starts at its first open. After that the clock never goes back: when the last
        // session's end took more than the night of the run's time, this one opens late (lag).
        clock.anchor(k === 0 ? session.open : Math.max(session.open, clock.now()));
        processor.beginSession(session);
        // The store knows every symbol of the source from the first session, bars or not: one with
        // no bar in a session gets its whole-session gap and quality record, in every mode. Not
        // before the session began: a run the store refuses then (a session it had) changes nothing.
        if (k === 0) for (const name of names) this.#options.data.idOf(name);
        this.#sessionsRun++;
        this.emit('sessionStart', session);
        if (this.#speed === 0) {
          // Where the clock last closed buckets through (none before the first slice: nothing forms).
          let through = Infinity;
          for (let t = slices.next(); t !== null; ) {
            // A stray past the close, or a row out of place going in at once, does not move the
            // clock: the slices after it are earlier.
            const alone = slices.goesAlone();
            if (Number.isFinite(t) && t < session.close && !alone) {
              if (t > through) await this.#closeSkipped(processor, t);
              clock.jumpTo(Math.min(t + this.#baseMs, session.close));
            }
            processor.beginSlice();
            slices.take(processor);
            processor.endSlice();
            const next = slices.next();
            // Nor does it close anything.
            if (t < session.close && !alone) through = this.#closeThrough(processor, session, t, next, SessionCoordinator.#columnsAlone(slices, next));
            t = next;
            this.#coreGaps(session, processor);
            const r = processor.dispatch();
            if (r !== null) await this.#ready(r);
            // Also after handlers that settled: those that do no I/O settle within the turn.
            if (performance.now() > yieldAt) {
              await sleepMs(0);
              yieldAt = performance.now() + 50;
            }
          }
        } else {
          for (let due = session.open + this.#baseMs; ; due += this.#baseMs) {
            const tick = Math.min(due, session.close);
            await this.#sleepUntil(tick);
            this.#lag(tick);
            const first = new Map<string, number>();
            const behind = new Set<string>();
            const lastStored = processor.lastStored;
            const lateBefore = this.#options.data.lateBefore;
            for (let s = 0; s < cols.length; s++) {
              // The symbol's next due bar that can fill a slot of this session: past NaN rows and
              // strays, and past bars the store will reject (see #fillsSlot).
              const col = cols[s] as SymbolColumns;
              const time = col.time;
              const e = end[s] as number;
              const name = names[s] as string;
              const last = lastStored.get(name);
              for (let c = cursor[s] as number; c < e; c++) {
                const t = time[c] as number;
                if (!Number.isFinite(t) || slices.corruptPastClose(s, c) || slices.goesAtOnce(s, c)) continue;
                if (t >= tick) break;
                const slot = this.#slotOf(session, name, t, last, lateBefore, col.open[c] as number, col.high[c] as number, col.low[c] as number, col.close[c] as number, col.volume[c] as number);
                if (slot === Slot.Behind) behind.add(name);
                else if (slot === Slot.New) {
                  first.set(name, t);
                  break;
                }
              }
            }
            this.#detectGaps(session, tick, first, names, processor, behind);
            // Each time slice due goes in on its own, its subscribers done before the next. A slice
            // that goes alone (a stray past the close, or a row out of place that the store rejects:
            // see SliceReader.goesAtOnce) goes in now, rather than hold the rows behind it back
            // until they are late.
            for (;;) {
              const t = slices.next();
              const alone = t !== null && slices.goesAlone();
              if (t === null || (t >= tick && !alone)) break;
              processor.beginSlice();
              slices.take(processor);
              processor.endSlice();
              if (t < session.close && !alone) {
                const next = slices.next();
                this.#closeThrough(processor, session, t, next, SessionCoordinator.#columnsAlone(slices, next));
              }
              this.#coreGaps(session, processor);
              // Nothing is due after the close: the session's last slices are just waited for.
              await this.#dispatch(processor, tick >= session.close ? Infinity : Math.min(tick + this.#baseMs, session.close), Math.min(this.#baseMs, session.close - tick));
            }
            if (tick >= session.close) break;
            processor.advanceTo(tick);
            // The next tick: the close, when the session's last slot is shorter than the base interval.
            await this.#dispatch(processor, Math.min(tick + this.#baseMs, session.close), Math.min(this.#baseMs, session.close - tick));
          }
          // The slots after the symbol's last stored bar, when the bars due at the close were rejected.
          this.#detectGaps(session, session.close, new Map(), names, processor);
          // Bars left after the close are outside the session: appended so the store rejects and counts them.
          processor.beginSlice();
          while (slices.next() !== null) slices.take(processor);
          processor.endSlice();
        }
        await this.#endSession(session, processor, k + 1, sessions.length);
      }
    } finally {
      // A run stopped (or failed) before the end leaves rows it was given untaken: counted, as a
      // stream's bars read and never taken are. A run to the end takes every row.
      for (let s = 0; s < cols.length; s++) this.#skipped.unread += (cols[s] as SymbolColumns).length - (cursor[s] as number);
    }
  }

  /** A stream, in time order: slices are runs of equal times; sessions follow the bars' times. Clock-driven runs append what has arrived at each base-interval tick. */
  async #runStream(sessions: Session[], source: StreamSource, processor: DataProcessor): Promise<string[]> {
    /** Every symbol of the run, for its report. */
    const seen = new Set<string>();
    /**
     * The symbols clock-driven boundaries look for gaps of: those of `seen` the store still knows.
     * A symbol removed from the store leaves it (and comes back with its next bar), so a long run
     * whose symbols come and go visits only the ones it has, not every one it ever met.
     */
    const active = new Set<string>();
    const wanted = this.#options.symbols === undefined ? null : new Set(this.#options.symbols);
    // Live, the symbols asked for are known from the start, as a column source's are: a slot with
    // no bar is a gap from the first boundary (and filled then, before its buckets close), even
    // before the symbol's first bar, joining a session in progress or with the feed down at the open.
    // Once the first session began: a run refused then, or that begins none, changes nothing and
    // reports none of them.
    const declared = this.#mode === 'live' && wanted !== null ? [...wanted] : [];
    // Live, the clock orders the bars: a merge of feeds is read as its bars arrive (see mergeStreams).
    const iterator = this.#mode === 'live' ? arrivalIterator(source) : source[Symbol.asyncIterator]();
    const { from: runFrom, to: runTo } = runDays(sessions);
    /** Live: bars timed at or after this are past the run's days (see the clock-driven loop). */
    const pastRun = this.#mode === 'live' ? runTo : Infinity;
    const buffer: SymbolBar[] = [];
    let read = 0;
    let ended = false;
    /**
     * Whether the source ended by itself or failed (its `next()` threw or rejected): it needs no
     * closing. Apart from `ended`, which the pump sets however it stops, also when the run refuses
     * what the source delivered (an item that is no bar) and the source is still open.
     */
    let sourceDone = false;
    let failure: { error: unknown } | null = null;
    /**
     * Aborted when the source fails. Live, the wait for a session's open ends then too, so that a
     * feed that dies between sessions fails the run at once, not at the next open (overnight).
     */
    const sourceFailed = new AbortController();
    const waiter: { wake: (() => void) | null } = { wake: null };
    const wakeUp = (): void => {
      const w = waiter.wake;
      waiter.wake = null;
      w?.();
    };
    /** Symbols of `seen` that the store no longer knew at a session's end. */
    let departed = 0;
    this.#runSymbols = () => [...seen];
    this.#symbolCount = () => departed + seen.size;
    // Closes the source (once) unless it ended or failed by itself. A return() that throws at
    // once is read as one that rejects: either way the run's outcome (its report, or the failure
    // that ended it) stands, and closing is left to the source.
    let closed = false;
    const close = (): void => {
      if (sourceDone || closed) return;
      closed = true;
      void new Promise((resolve) => resolve(iterator.return?.())).catch(() => undefined);
    };
    // A stop wakes a wait for the source's next bar (or its failure): the run ends there. Nothing
    // is read after it, so the source is closed at once, while the slice in hand is still with its
    // subscribers: a feed's server sees it leave then, and its socket no longer holds the process.
    this.#stopper.signal.addEventListener(
      'abort',
      () => {
        stopped = true;
        resumePump();
        close();
        wakeUp();
      },
      { once: true },
    );
    /**
     * A backtest reads its source only so far ahead of the run: {@link READ_AHEAD} bars not yet
     * taken, whatever their times (a clock-driven run takes what is due of them then, see reached;
     * every bar is due at once in a data-driven one), and one more each time the run waits for a
     * delivery past them (see `readOneMore`). Unbounded, a
     * stream read faster than the run goes (a subscriber that awaits, a clock-driven pace) was read
     * whole into memory. A live feed is read as it comes.
     */
    const paced = this.#mode === 'backtest';
    let horizon = -Infinity;
    let stopped = false;
    const pumpWaiter: { wake: (() => void) | null } = { wake: null };
    /**
     * Whether the run waits for a bar more than a full read-ahead holds (a stray's judgement over
     * a read-ahead of bars without a time, say): the pump then reads one more, however many wait.
     */
    let readOneMore = false;
    const resumePump = (): void => {
      const w = pumpWaiter.wake;
      pumpWaiter.wake = null;
      w?.();
    };
    const skipped = this.#skipped;
    /** Bars timed past the run's days read in a row (a backtest's; see the pump), and their times. */
    let pastRunInARow = 0;
    let pastRunTimes = 0;
    let lastPastRun = NaN;
    /** Whether the bars read past the run's days are the stream's end for the run (see the pump). */
    const pastTheRun = (): boolean => pastRunInARow >= PAST_RUN_END && pastRunTimes >= STRAY_LOOKAHEAD;
    /**
     * Per symbol, how far its bars read have come (a clock-driven backtest's test of whether a
     * symbol has caught up with a boundary: see reached).
     */
    const latestRead = new Map<string, number>();
    /** Per symbol, the time of its last bar read (see latestRead). */
    const lastRead = new Map<string, number>();
    /** The close of the session whose boundaries a clock-driven backtest waits at (see latestRead). */
    let progressBefore = Infinity;
    const clockDriven = paced && this.#speed !== 0;
    /** Bars left out in a row (see leftOutTurn). */
    let leftOutInARow = 0;
    /**
     * A turn of the event loop in a long run of bars the run leaves out: a source that answers
     * without I/O (an array, a generator) would otherwise be read in one go, with no timer, no
     * `stop()` and no pacing until it gave a bar the run takes, or for good.
     */
    const leftOutTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
    const pump = (async () => {
      try {
        for (;;) {
          // An infinite horizon reads to the end (the run awaits the pump then): a bar timed +Infinity
          // must not hold it back.
          if (paced && horizon !== Infinity && buffer.length - read >= READ_AHEAD && !readOneMore) {
            await new Promise<void>((resolve) => {
              pumpWaiter.wake = resolve;
            });
          }
          if (stopped) break;
          let next: IteratorResult<SymbolBar>;
          try {
            next = await iterator.next();
          } catch (error) {
            sourceDone = true;
            throw error;
          }
          // A hand-written iterator may answer with anything: named, not taken for a bar of undefined.
          if ((next as unknown) === null || typeof next !== 'object') throw new InputError(`a stream source's next() answered ${describe(next)}, not { done, value }`);
          if (next.done === true) {
            sourceDone = true;
            break;
          }
          if (stopped) {
            // Asked for before the run ended, delivered after: read, never taken, and counted in
            // this run's report if it is not made yet (the next run has a record of its own). The
            // run does not wait for this read: a live source may not answer for a long time.
            skipped.unread++;
            break;
          }
          const bar: unknown = next.value;
          // Not a bar at all (null, a number): it cannot be counted against any symbol, as a bar
          // without a usable symbol cannot. The bars before it go in, then the run fails.
          if (bar === null || typeof bar !== 'object') throw new InputError(`a stream source delivered ${describe(bar)}, not a bar { symbol, time, open, high, low, close, volume }`);
          // An array of the fields has no names to read them by (one with named fields is a bar).
          if (Array.isArray(bar) && (bar as { symbol?: unknown }).symbol === undefined) throw new InputError(`a stream source delivered an array, not a bar { symbol, time, open, high, low, close, volume }`);
          // A field whose getter throws cannot be counted as anything either, and its error would
          // otherwise surface bare, from wherever the field was first read.
          const unreadable = unreadableField(bar);
          if (unreadable !== null) throw unreadable;
          // A backtest's stream is in time order: bars past the run's last day, PAST_RUN_END in a
          // row and of STRAY_LOOKAHEAD times or more, are its end for the run, which reads no
          // further (a feed that never ends, or a file of years for a run of days, would otherwise
          // be read on forever, the last session's end waiting for it). Fewer, with the run's bars
          // after them, are strays, skipped and counted: a minute of a whole market with a wrong
          // date, the next day's first bars ahead of a lagging symbol's last.
          if (paced && isFiniteTime(bar)) {
            if (bar.time < runTo) {
              pastRunInARow = 0;
              pastRunTimes = 0;
            } else {
              pastRunInARow++;
              if (bar.time !== lastPastRun) pastRunTimes++;
              lastPastRun = bar.time;
            }
          }
          // Left out, and counted: the report accounts for every bar the source delivered. A
          // symbol that is not a name is not left out: the store refuses it, with or without the option.
          if (wanted !== null && usableSymbol(bar) && !wanted.has(bar.symbol)) {
            this.#skipped.symbol++;
            if (pastTheRun()) break;
            if (++leftOutInARow % LEFT_OUT_TURN === 0) await leftOutTurn();
            continue;
          }
          // A backtest, as with a column source: bars of days outside the run are not part of it; a
          // time that is no day at all (NaN, ±Infinity, not a number) goes to the store, which
          // rejects and counts it. A live feed's bars are all part of the run: one timed outside
          // its days (seconds for milliseconds, a stale bar) goes to the store too.
          if (this.#mode !== 'live' && isFiniteTime(bar) && (bar.time < runFrom || bar.time >= runTo)) {
            this.#skipped.days++;
            if (pastTheRun()) break;
            if (++leftOutInARow % LEFT_OUT_TURN === 0) await leftOutTurn();
            continue;
          }
          // Live, a bar of the run's days timed well after the wall clock cannot have traded yet (a
          // zone slip upstream). Held for its time, it would hold its symbol's later bars back until
          // then, to be rejected as out of order behind it: left out, and counted. One past the
          // run's days goes to the store as above.
          if (this.#mode === 'live' && isFiniteTime(bar) && bar.time < pastRun && bar.time > this.#clock.now() + FUTURE_TOLERANCE_MS) {
            this.#skipped.future++;
            if (++leftOutInARow % LEFT_OUT_TURN === 0) await leftOutTurn();
            continue;
          }
          leftOutInARow = 0;
          if (clockDriven && isFiniteTime(bar)) {
            // A symbol's progress moves to a bar's time when that is within STRAY_LOOKAHEAD slots
            // of its progress, or of its symbol's bar read before, and before the close of the
            // session the run is in: a lone time far ahead (a corrupt one) would leave the symbol
            // caught up for good (see reached), and bars of a later session (a date slip, the next
            // day's first) are no progress in this one, however many come.
            const { symbol, time } = bar as SymbolBar;
            const progress = latestRead.get(symbol);
            const before = lastRead.get(symbol);
            const near = STRAY_LOOKAHEAD * this.#baseMs;
            if (time < progressBefore && (progress === undefined || (time > progress && (time <= progress + near || (before !== undefined && Math.abs(time - before) <= near))))) latestRead.set(symbol, time);
            lastRead.set(symbol, time);
          }
          // A time that is not a number is none (NaN, rejected as non_finite when appended): held
          // as given, the read-ahead's comparisons would convert it, a Symbol's or a
          // null-prototype object's by throwing (a bare TypeError ended the run), a Date's into a
          // time the clock went by.
          const given = bar as SymbolBar;
          // A copy, its fields by name (a spread copies only own ones, and a class's bar has
          // getters), read once: a feed may yield one object again and again, changed in between
          // (a reused buffer), and the read-ahead holds the bars it read until their slice.
          const time = given.time;
          buffer.push({ symbol: given.symbol, time: typeof time === 'number' ? time : Number.NaN, open: given.open, high: given.high, low: given.low, close: given.close, volume: given.volume });
          // The read one more bar was asked for is buffered (a bar left out above does not count).
          readOneMore = false;
          wakeUp();
        }
      } catch (error) {
        failure = { error };
        sourceFailed.abort();
      } finally {
        ended = true;
        wakeUp();
      }
    })();
    /** The source failed and everything it delivered before is in: the run fails with its error. */
    const check = (): void => {
      if (failure !== null && read >= buffer.length) throw (failure as { error: unknown }).error;
    };
    /** Waits for the source's next delivery (a bar, its end or its failure); a stop ends the wait, and the run. */
    const delivery = async (): Promise<void> => {
      this.#checkStop();
      readOneMore = true;
      resumePump();
      await new Promise<void>((resolve) => {
        waiter.wake = resolve;
      });
      this.#checkStop();
    };
    const more = async (): Promise<boolean> => {
      if (buffer.length > read) return true;
      // Stopped already (by the last slice's subscribers): no wait for a bar that may never come.
      if (!ended) await delivery();
      check();
      return buffer.length > read;
    };
    /** Whether the buffer's bar `k` places after bar `at` is of bar `at`'s symbol. */
    const ownAfter =
      (at: number) =>
      (k: number): boolean =>
        (buffer[at + 1 + k] as SymbolBar).symbol === (buffer[at] as SymbolBar).symbol;
    /**
     * The times the stray test weighs of the buffer's bars after bar `at`, by their place after it
     * (`undefined` past the last read), asked in order: {@link weighedTime}'s, and NaN for a bar
     * timed before the close at or before its symbol's last stored bar, or a bar of its symbol
     * read before it (from `read`) that the store takes (see {@link slotTime}): it is rejected
     * wherever the session ends (out of order, a duplicate, or a pre-market bar behind the
     * session's bars), so it weighs on neither side.
     */
    const timesAfter = (at: number): ((k: number) => number | undefined) => {
      const span = spanNow;
      const stored = processor.lastStored;
      const latest = new Map<string, number>();
      let scanned = read;
      const weigh = (bar: SymbolBar): number => {
        const y = behind(weighedTime(bar), latest.get(bar.symbol) ?? stored.get(bar.symbol) ?? -Infinity, span.close);
        if (slotTime(y, span)) latest.set(bar.symbol, y);
        return y;
      };
      return (k: number): number | undefined => {
        const j = at + 1 + k;
        if (j >= buffer.length) return undefined;
        for (; scanned < j; scanned++) weigh(buffer[scanned] as SymbolBar);
        scanned++;
        return weigh(buffer[j] as SymbolBar);
      };
    };
    /**
     * Whether the next bar, at or past `end`, stays in the session by the {@link STRAY_LOOKAHEAD}
     * bars with a finite time after it (see {@link staysInSession}), once they have come (the
     * stream ending or failing first ends the search).
     */
    const backBefore = async (end: number, since: number, at = read): Promise<boolean> => {
      // The bars it weighs come first: as many as it may look at (see windowAfter).
      const nextOpen = end === windowEndNow ? nextOpenNow : end;
      let past = 0;
      let finite = 0;
      for (let j = at + 1; past < STRAY_LOOKAHEAD && finite < STRAY_WINDOW; j++) {
        while (buffer.length <= j && !ended) await delivery();
        const bar = buffer[j];
        if (bar === undefined) break;
        const time = weighedTime(bar);
        if (!Number.isFinite(time)) continue;
        finite++;
        if (time >= nextOpen) past++;
      }
      return staysInSession((buffer[at] as SymbolBar).time, timesAfter(at), end, since, nextOpen, ownAfter(at));
    };
    /**
     * Whether none of the {@link STRAY_LOOKAHEAD} bars after the slice at `t` (the bars of time `t`
     * from the next one) is timed before `t`: `null` when fewer have been read and the source has
     * not ended.
     */
    const nothingEarlierBehindRead = (session: Session, t: number): boolean | null => {
      let j = read;
      while (j < buffer.length && (buffer[j] as SymbolBar).time === t) j++;
      filling.length = 0;
      for (let k = 0; k < STRAY_LOOKAHEAD; k++, j++) {
        if (j >= buffer.length) return ended ? true : null;
        if ((buffer[j] as SymbolBar).time < t && fillsSlot(session, j)) return false;
      }
      return true;
    };
    /**
     * The session being run's window end, the close before it, and the next session's open (its
     * close for the last: see `#runStream`'s session loop). A data-driven stream's stray test
     * weighs no bar from the close to the next open: an after-market print is of no session,
     * rejected wherever it goes.
     */
    let windowEndNow = Infinity;
    let sinceNow = -Infinity;
    /** The session being run, as the stray test sees it. */
    let spanNow: SessionSpan = { open: -Infinity, close: Infinity, baseMs: this.#baseMs };
    let nextOpenNow = Infinity;
    /**
     * Whether bar `k` of the buffer, past the session's window, ends the session by the bars read
     * after it (no stray: see {@link staysInSession}). Fewer bars read than the stray test weighs
     * may take a stray for an end: its symbol's bar behind it then holds no bucket, as before a
     * stray could be told.
     */
    const endsSession = (k: number): boolean => {
      const time = (buffer[k] as SymbolBar).time;
      return time >= windowEndNow && !staysInSession(time, timesAfter(k), windowEndNow, sinceNow, nextOpenNow, ownAfter(k));
    };
    /** What {@link fillsSlot} found of each bar from `read` in the judgement under way, reused. */
    const filling: (boolean | undefined)[] = [];
    /**
     * Whether bar `j` of the buffer can fill a slot of `session` (see
     * {@link SessionCoordinator.#slotOf}), and is not behind a later bar of its own symbol read
     * before it (from `read`) that fills one: a bar the store will reject (a stray before the
     * open, a bar sent again, one out of order) holds no bucket open, or its handlers would see
     * later bars for nothing, and one behind such a bar is no more out of order than without it (a
     * bad print timed ahead of its symbol's next bar would otherwise make that bar late); one that
     * ends the session still counts, as the store then rejects the bar behind it. One
     * behind a bar of its own time may be the correction of a bad print: it does. Each bar is
     * judged once a judgement (`filling` emptied at its start).
     */
    const fillsSlot = (session: Session, j: number): boolean => {
      const known = filling[j - read];
      if (known !== undefined) return known;
      const bar = buffer[j] as SymbolBar;
      let fills = usableSymbol(bar) && this.#slotOf(session, bar.symbol, bar.time, processor.lastStored.get(bar.symbol), this.#options.data.lateBefore, num(bar.open), num(bar.high), num(bar.low), num(bar.close), num(bar.volume)) !== Slot.None;
      for (let k = read; fills && k < j; k++) {
        const o = buffer[k] as SymbolBar;
        if (o.symbol === bar.symbol && o.time > bar.time && (fillsSlot(session, k) || endsSession(k))) fills = false;
      }
      filling[j - read] = fills;
      return fills;
    };
    /**
     * {@link nothingEarlierBehindRead}, after one turn of the event loop for the source to be read
     * further if it must be; still unknown, no. The run never waits for the source here: one that
     * paces itself on the run's subscribers gives its next bars only after their dispatch.
     */
    const nothingEarlierBehind = async (session: Session, t: number): Promise<boolean> => {
      const known = nothingEarlierBehindRead(session, t);
      if (known !== null) return known;
      resumePump();
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#checkStop();
      return nothingEarlierBehindRead(session, t) === true;
    };
    /**
     * One turn of the event loop for the source to be read further, unless {@link STRAY_LOOKAHEAD}
     * bars are in already or it ended. The run never waits for the source here (see
     * {@link nothingEarlierBehind}).
     */
    const readATurnAhead = async (): Promise<void> => {
      if (buffer.length - read >= STRAY_LOOKAHEAD || ended) return;
      resumePump();
      // A stop meanwhile is not checked here: the slice in hand is stored, and goes on to its
      // subscribers first.
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    /**
     * The earliest time before `next` of the {@link STRAY_LOOKAHEAD} bars from the next one read
     * that can fill a slot of `session` (see `fillsSlot`); `next` for none.
     */
    const earliestAhead = (session: Session, next: number): number => {
      let earliest = next;
      filling.length = 0;
      for (let j = read; j < buffer.length && j < read + STRAY_LOOKAHEAD; j++) {
        const time = (buffer[j] as SymbolBar).time;
        if (time < earliest && fillsSlot(session, j)) earliest = time;
      }
      return earliest;
    };
    /** Waits until `n` bars after the next one have come, or the source ended. */
    const readAhead = async (n: number): Promise<void> => {
      while (buffer.length <= read + n && !ended) await delivery();
    };
    /** Whether a boundary has been reached once by the bars after it alone (see reached). */
    let symbolsKnown = false;
    /**
     * Whether a clock-driven backtest has read far enough to take the bars due at boundary `time`:
     * the read-ahead is full (where the pump stops, whatever the bars' times), or the last bar
     * read is timed at or past the boundary and the bars at the end of the read-ahead are all at
     * or past it, as many as a round of every symbol read so far and {@link STRAY_LOOKAHEAD} + 1
     * more (a bar still to come lags further than that: a symbol a slot behind the others, and up
     * to 16 places more), or any number of them when every symbol read so far has a bar read from
     * the slot before the boundary on (none lags) and the first of them is within
     * {@link STRAY_LOOKAHEAD} slots of the boundary (a corrupt time far ahead proves nothing). The
     * shorter test needs the run's symbols known: not before a boundary has been reached by the
     * longer one (a symbol whose first bars lag is not known yet, at the run's start or when it
     * first trades). A failed source has nothing more to give.
     */
    const reached = (time: number): boolean => {
      if (failure !== null) return true;
      const n = buffer.length;
      if (n - read >= READ_AHEAD) return (symbolsKnown = true);
      if (n <= read || !((buffer[n - 1] as SymbolBar).time >= time)) return false;
      const enough = STRAY_LOOKAHEAD + latestRead.size;
      let j = n - 1;
      for (let past = 1; j > read && (buffer[j - 1] as SymbolBar).time >= time; j--) if (++past > enough) return (symbolsKnown = true);
      if (!symbolsKnown || (buffer[j] as SymbolBar).time >= time + STRAY_LOOKAHEAD * this.#baseMs) return false;
      const slot = time - this.#baseMs;
      for (const latest of latestRead.values()) if (latest < slot) return false;
      return true;
    };
    /** When the data-driven loop next gives the event loop a turn (see where it does). */
    let yieldAt = performance.now() + 50;
    const appendBar = (bar: SymbolBar): void => {
      seen.add(bar.symbol);
      active.add(bar.symbol);
      processor.append(bar.symbol, bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume);
    };
    try {
      for (let k = 0; k < sessions.length; k++) {
        const session = sessions[k] as Session;
        const windowEnd = k === sessions.length - 1 ? Infinity : session.close;
        // Where the window of bars this session may take begins (see windowEndOf).
        const since = k === 0 ? -Infinity : (sessions[k - 1] as Session).close;
        windowEndNow = windowEnd;
        sinceNow = since;
        spanNow = { open: session.open, close: session.close, baseMs: this.#baseMs };
        nextOpenNow = k === sessions.length - 1 ? session.close : (sessions[k + 1] as Session).open;
        // As for columns: a run starts at its first open, and the clock never goes back after.
        if (this.#clock instanceof SimulatedClock) this.#clock.anchor(k === 0 ? session.open : Math.max(session.open, this.#clock.now()));
        else if (session.close <= this.#clock.now()) continue; // live: a session already over
        else {
          // Begun a second before its open: the store has it open before a bar of its first slot
          // can come from a feed whose clock runs a little ahead of this one.
          await this.#clock.sleepUntil(session.open - 1000, AbortSignal.any([sourceFailed.signal, this.#stopper.signal]));
          this.#checkStop();
          // A feed that failed fails the run now, not at this session's open: bars of it still
          // held (for this session, or after the last close) are not waited for.
          if (failure !== null) throw (failure as { error: unknown }).error;
        }
        processor.beginSession(session);
        if (this.#sessionsRun === 0) {
          for (const name of declared) {
            this.#options.data.idOf(name);
            seen.add(name);
            active.add(name);
          }
        }
        this.#sessionsRun++;
        this.emit('sessionStart', session);
        if (this.#speed === 0) {
          // Where the clock last closed buckets through (none before the first slice: nothing forms).
          let through = Infinity;
          while (await more()) {
            const t = (buffer[read] as SymbolBar).time;
            // One bar past the session with the bar after it back inside (a corrupt time) does not
            // end the session: it goes in here, alone, and the store rejects it. A time that is not
            // finite (NaN, ±Infinity) belongs to no later session: the same.
            let alone = !Number.isFinite(t);
            if (!alone && t >= windowEnd) {
              if (!(await backBefore(windowEnd, since))) break;
              alone = true;
            }
            // A bar out of place that the store rejects goes in alone too, moving no clock (see
            // #goesAtOnce): the clock moved to its time would make the earlier bars behind it late.
            // Only a bar that does not plainly fill a slot is judged, with the bars after it read first.
            if (!alone && t < session.close && !this.#plainlySlot(session, buffer[read] as SymbolBar, processor)) {
              await readAhead(STRAY_LOOKAHEAD);
              alone = this.#goesAtOnce(buffer, read, session.close);
            }
            // A bar past the close (the last session takes them all) moves no clock and closes no
            // bucket: the bars after it may be earlier.
            const inside = !alone && t < session.close;
            // Buckets that ended in slots no symbol had a bar for close before this slice goes in,
            // in a dispatch of their own, as over columns (their handlers must not see its bars),
            // once the bars after it show none earlier than it (one that came after a later bar of
            // another symbol would be late then): else they close with it, as before.
            if (inside && t > through && (await nothingEarlierBehind(session, t))) await this.#closeSkipped(processor, t);
            if (inside) (this.#clock as SimulatedClock).jumpTo(Math.min(t + this.#baseMs, session.close));
            processor.beginSlice();
            if (alone) appendBar(buffer[read++] as SymbolBar);
            else {
              // A slice is every buffered bar with time t; it is complete once a later bar (or the end) is seen.
              for (;;) {
                while (read < buffer.length && (buffer[read] as SymbolBar).time === t) appendBar(buffer[read++] as SymbolBar);
                if (read < buffer.length || ended) break;
                buffer.length = 0;
                read = 0;
                let again: boolean;
                try {
                  again = await more();
                } catch (error) {
                  // The source failed: the bars it delivered before go in (and to their
                  // subscribers) first, then the run fails with its error.
                  failure = { error };
                  break;
                }
                if (!again) break;
              }
            }
            if (read === buffer.length) {
              buffer.length = 0;
              read = 0;
            } else if (read > 4096) {
              buffer.splice(0, read);
              read = 0;
            }
            resumePump();
            processor.endSlice();
            if (inside) {
              // A symbol with no bar in this slice (one not met yet too) may have one of its slot
              // behind a later bar of another (a feed recorded as it arrived, one symbol a little
              // behind): the clock closes nothing past the earliest time of the bars after the
              // slice, or that bar would be late. Read a turn further first if fewer are in (the
              // pump then fills its read-ahead, so the next slices seldom need a turn), never
              // waiting for the source.
              await readATurnAhead();
              // Stopped meanwhile: the clock moves no further, and the slice goes to its subscribers.
              if (this.#stopping === null) {
                // Bars with no time (rejected wherever they go) tell nothing of the bars behind them:
                // the first bar after them with a time does, within as many as a stray is judged by.
                // Bars not read yet are not waited for: past bars with no time and out of read bars (or
                // of reach), the next time is unknown, as a bar with no time tells.
                let at = read;
                while (at < buffer.length && at < read + STRAY_LOOKAHEAD && !Number.isFinite((buffer[at] as SymbolBar).time)) at++;
                let next = at < buffer.length && at < read + STRAY_LOOKAHEAD ? (buffer[at] as SymbolBar).time : at === read ? null : NaN;
                if (next !== null && Number.isFinite(next)) next = earliestAhead(session, next);
                // A next bar past the close goes in alone when one of the bars after it is back inside
                // (a stray, as the loop tells it); otherwise the session's bars are all in.
                let alone = false;
                try {
                  if (pastSession(next, session.close)) alone = !Number.isFinite(next) || (await backBefore(session.close, since, at));
                } catch (error) {
                  // Stopped while the bars after the session's last slice were read: the slice is
                  // stored, and goes to its subscribers before the run ends.
                  if (error !== this.#stopping) throw error;
                }
                if (this.#stopping === null) through = this.#closeThrough(processor, session, t, next, alone);
              }
            }
            this.#coreGaps(session, processor);
            const r = processor.dispatch();
            if (r !== null) await this.#ready(r);
            if (performance.now() > yieldAt) {
              // A turn of the event loop now and then, as over columns: Node-API frees the blocks
              // of collected views only there, and a stream that always has a bar ready, or async
              // handlers that settle without I/O (within the turn), would otherwise hold every
              // block the run's events viewed until the run ends.
              await sleepMs(0);
              yieldAt = performance.now() + 50;
            }
            check();
          }
        } else {
          // Joining a session in progress, the feed's backlog for the slots already over gets the
          // same grace from when the run began listening as every slot gets from its end.
          const listening = this.#mode === 'live' ? this.#clock.now() : -Infinity;
          progressBefore = session.close;
          for (let due = session.open + this.#baseMs; ; due += this.#baseMs) {
            const tick = Math.min(due, session.close);
            // The bars due at this boundary are read while it is waited for.
            horizon = tick;
            resumePump();
            const wake = Math.max(tick, listening) + this.#closeDelay;
            // Live and already past the wake-up (a handler held the thread): the wait is a turn
            // through the check phase, ahead of the timers that expired meanwhile, so a feed's
            // timer for a bar that came within the grace would fire after its bars were taken. One
            // turn through the timers phase lets them fire first, in the order they expired.
            const behind = this.#mode === 'live' && this.#clock.now() >= wake;
            await this.#sleepUntil(wake);
            if (behind) await new Promise<void>((resolve) => setTimeout(resolve, 0));
            // A backtest's bars are all there to be read: a source slower than the clock (a cursor
            // over a database, say) is waited for until it has given a bar timed at or past the
            // boundary and no bar due there is still to come (see reached), or ended, rather than
            // have the bars still to come called late. The clock
            // runs on meanwhile (a source or a handler may be waiting on it): the wait is lag.
            while (paced && !ended && !reached(tick)) await delivery();
            this.#lag(tick);
            check();
            // Every buffered bar timed before the tick is due, wherever it sits among other
            // symbols' bars: bars arrive in arrival order, so a later slot of one symbol can come
            // before an earlier one of another that is still inside the grace. A symbol's own bars
            // keep their order: one that came after a later bar of its symbol waits for it, and the
            // store then rejects it as out of order, as in a data-driven run. A time that is not
            // finite is due (and rejected by the store) unless a bar of its symbol waits before it,
            // and so is a stray, a bar past the close with an earlier bar of its symbol behind it,
            // and a bar the store rejects with an earlier bar of its symbol behind it (see
            // SliceReader.goesAtOnce). The rest keep their order.
            // The usual case, a stream in time order, in two plain scans: the bars before the first
            // one not yet due are due, and none after it is. Not at the close of a session before
            // the last: a bar past it may be a stray with no bar due behind it (a wrong date, later
            // than its symbol's next bars, see staysInSession).
            // Live, a bar timed past the run's days (a corrupt time) is due at once, as one with no
            // time at all: held, it would wait for the end of the run.
            const isDue = (time: number): boolean => !(time >= tick) || time >= pastRun;
            let split = read;
            while (split < buffer.length && isDue((buffer[split] as SymbolBar).time)) split++;
            let later = split;
            while (later < buffer.length && !isDue((buffer[later] as SymbolBar).time)) later++;
            let arrived: SymbolBar[];
            let atOnce: Set<SymbolBar> | undefined;
            if (later === buffer.length && !(tick >= session.close && windowEnd !== Infinity)) {
              arrived = buffer.slice(read, split);
              buffer.splice(0, split);
            } else {
              arrived = [];
              const waiting = new Set<string>();
              let kept = 0;
              for (let i = read; i < buffer.length; i++) {
                const bar = buffer[i] as SymbolBar;
                const time = bar.time;
                if (waiting.has(bar.symbol)) buffer[kept++] = bar;
                // A bar with no time is due where it came: not before a bar that came ahead of it and
                // waits (read ahead, it would go into a session the stream has not reached).
                else if ((isDue(time) && (Number.isFinite(time) || waiting.size === 0)) || (time >= session.close && strayAt(buffer, i, spanNow, since, nextOpenNow, latestTaken(bar.symbol, processor.lastStored.get(bar.symbol), arrived, spanNow)))) arrived.push(bar);
                // In the run's last session a bar at or past the close is no session's: held for its
                // time, it would hold its symbol's bars behind it until they were late.
                else if (this.#goesAtOnce(buffer, i, session.close) || (windowEnd === Infinity && time >= session.close)) {
                  arrived.push(bar);
                  (atOnce ??= new Set()).add(bar);
                } else {
                  // A bar with no time, held where it came, holds no bar of its symbol behind it:
                  // the store rejects it whatever their order, and held, they would come late.
                  if (Number.isFinite(time)) waiting.add(bar.symbol);
                  buffer[kept++] = bar;
                }
              }
              buffer.length = kept;
            }
            read = 0;
            const { bars: dueBars, fills } = await this.#gapsAt(session, tick, arrived, processor, active);
            // Nothing is due after the close: the session's last slices are just waited for.
            let cut = true;
            try {
              await this.#appendInSlices(dueBars, appendBar, session, processor, tick >= session.close ? Infinity : Math.min(tick + this.#baseMs, session.close), Math.min(this.#baseMs, session.close - tick), fills, atOnce);
              cut = false;
            } finally {
              // A stop (or a failure) between the slices leaves some filled bars never appended:
              // their gaps are settled all the same, with what the store took of them.
              this.#settleFills(cut);
            }
            // Live, a feed that failed fails the run once the bars due here are in: bars held for a
            // later boundary (timed ahead of the clock, or after the close) are not waited for,
            // which could hide a dead feed until the close.
            if (failure !== null && this.#mode === 'live') throw (failure as { error: unknown }).error;
            if (tick >= session.close) break;
            processor.advanceTo(tick);
            await this.#dispatch(processor, Math.min(tick + this.#baseMs, session.close), Math.min(this.#baseMs, session.close - tick));
            // A stream that ended plays the session out all the same: its buckets close on time.
            if (ended) check();
          }
          // A backtest's slots after a symbol's last stored bar, when the bars due at the close were rejected.
          if (this.#mode === 'backtest') this.#detectGaps(session, session.close, new Map(), active, processor);
          if (k === sessions.length - 1) {
            // What is left after the last close is outside every session: appended so it is
            // rejected and counted. A backtest reads its source to the end (or past the run's days); a live feed does not
            // end, so what has arrived by the close (and its grace) is what there is.
            if (this.#mode === 'backtest') {
              horizon = Infinity;
              resumePump();
              // A stop does not wait for the rest of the source.
              await this.#unlessStopped(pump);
            }
            const rest = buffer.splice(0);
            read = 0;
            await this.#appendInSlices(rest, appendBar, session, processor, Infinity, this.#baseMs);
            check();
          }
        }
        await this.#endSession(session, processor, k + 1, sessions.length);
        // After the `sessionEnd` handlers, where a service removes the symbols that left.
        for (const symbol of seen) {
          if (this.#options.data.knownId(symbol) < 0) {
            seen.delete(symbol);
            departed++;
          }
        }
      }
    } finally {
      // A live feed does not end by itself, and a failed run must not leave it reading: stop it.
      // A pump held back by the read-ahead limit ends without another read.
      stopped = true;
      resumePump();
      // Read from the source, never taken: the source delivered them, so they are counted.
      this.#skipped.unread += buffer.length - read;
      close();
    }
    return [...seen];
  }

  /**
   * Clock-driven: appends `bars` (what came due at a boundary, perhaps several times' worth after a
   * delay or a fill) one time slice at a time, in time order, and lets each slice's subscribers
   * finish before the next goes in, so every event sees the series as of its own slice.
   */
  async #appendInSlices(bars: SymbolBar[], appendBar: (bar: SymbolBar) => void, session: Session, processor: DataProcessor, nextDue: number, slotMs: number, fills?: ReadonlySet<SymbolBar>, atOnce?: ReadonlySet<SymbolBar>): Promise<void> {
    if (bars.length === 0) return;
    // Each bar's place (`bars` are in arrival order, filled bars last): its time; for a bar that
    // came after a later one of its own symbol, that later time, so it goes in after it and the
    // store rejects it as out of order (a source's order within a symbol is never repaired). Filled
    // bars, strays past the close and times that are not finite go by their own time and move no
    // one else's place. A bar let through before its time (`atOnce`) goes right after the bars of
    // its symbol before it (first, if none), and moves no one else's place either.
    const place = new Float64Array(bars.length);
    const latest = new Map<string, number>();
    bars.forEach((bar, i) => {
      if (atOnce?.has(bar) === true) {
        place[i] = latest.get(bar.symbol) ?? -Infinity;
        return;
      }
      const time = typeof bar.time === 'number' ? bar.time : NaN;
      if (!Number.isFinite(time) || time >= session.close || fills?.has(bar) === true) {
        place[i] = Number.isFinite(time) ? time : NaN;
        return;
      }
      const at = Math.max(latest.get(bar.symbol) ?? -Infinity, time);
      place[i] = at;
      latest.set(bar.symbol, at);
    });
    // Stable: bars of one place keep their order; a NaN place sorts first, each alone.
    const order = bars.map((b, i) => i).sort((a, b) => {
      const ta = place[a] as number;
      const tb = place[b] as number;
      if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(ta) === Number.isNaN(tb) ? a - b : Number.isNaN(ta) ? -1 : 1;
      return ta - tb || a - b;
    });
    let i = 0;
    try {
      while (i < order.length) {
        const t = place[order[i] as number] as number;
        processor.beginSlice();
        let filledHere = 0;
        do {
          const bar = bars[order[i] as number] as SymbolBar;
          appendBar(bar);
          if (fills?.has(bar) === true) filledHere++;
          i++;
        } while (!Number.isNaN(t) && i < order.length && place[order[i] as number] === t);
        processor.endSlice();
        this.#filledIn += filledHere;
        if (t < session.close) {
          // Bars placed at or past the close here are strays (or corrupt times) that go in alone.
          const next = i < order.length ? (place[order[i] as number] as number) : null;
          this.#closeThrough(processor, session, t, next, pastSession(next, session.close));
        }
        this.#coreGaps(session, processor);
        // Subscribers still busy when the next boundary is due overrun, as at any boundary.
        await this.#dispatch(processor, nextDue, slotMs);
      }
    } catch (error) {
      // A stop between slices: the source's bars of the later slices were taken from its buffer
      // and never appended (those of a slice left open are the processor's pending bars). Filled
      // bars are not the source's.
      for (let j = i; j < order.length; j++) if (fills?.has(bars[order[j] as number] as SymbolBar) !== true) this.#skipped.unread++;
      throw error;
    }
  }

  /**
   * Ends `session`: the store flushes its forming bars, the core's gaps and the session's quality
   * are taken, the last bars are delivered and waited for, and `sessionEnd`/`progress` go out.
   */
  async #endSession(session: Session, processor: DataProcessor, done: number, total: number): Promise<void> {
    this.#countArrivals();
    // A gap is a session's: one still open ends with it, even where the next session follows
    // without a break on the same date (a pre-market and a regular session).
    this.#openGap.clear();
    // The bars closed at the close are its own: a data-driven clock moves there from the last
    // slice's end (a clock-driven one is there already).
    const clock = this.#clock;
    if (clock instanceof SimulatedClock && clock.speed === 0) clock.jumpTo(session.close);
    // The bars closed at the close are delivered before the store ends the session, whose
    // retention may drop older sessions' bars: their events show each series as it stood then.
    // A live run's clock goes on past the close while it waits: the wait is the close's.
    processor.closeAtClose();
    const closed = processor.dispatch();
    if (closed !== null) await this.#ready(closed, Math.min(this.#clock.now(), session.close));
    // A stop from their handlers comes before the store ends the session, which stays open as
    // after any stop: so it does whether the bars ending at the close closed here or, their last
    // slot filled, in the last slice.
    this.#checkStop();
    processor.endSession();
    this.#coreGaps(session, processor);
    this.#keepQuality(session.date, this.#options.data.quality());
    const r = processor.dispatch();
    if (r !== null) await this.#ready(r, Math.min(this.#clock.now(), session.close));
    // A stop after the store ended the session (from a `gap` listener of its end, say): it has
    // ended, so `sessionEnd` and `progress` still go out for it (a listener that saves each
    // session's results must not miss the last), then the run stops. The stopped processor keeps
    // no counts for a next session.
    const stopping = this.#stopping;
    if (stopping === null) processor.settleSession();
    this.emit('sessionEnd', session);
    this.#foldDeparted();
    this.emit('progress', done, total);
    // (A stop from a `sessionEnd` listener takes effect at the next step: after the last session, none.)
    if (stopping !== null) throw stopping;
  }

  /**
   * After a session's end (where a service unsubscribes the strategies it is done with), and when
   * a run ends, however it ends: the stages of subscribers no longer subscribed, but for the
   * {@link DEPARTED_STAGES} made last, are folded into {@link FOLDED_STAGE}, exactly. Each stage keeps a histogram of tens of
   * kilobytes: a service whose subscribers come and go kept one for every subscriber it ever had.
   */
  #foldDeparted(): void {
    const stages = this.#subscriberStages;
    if (stages.size <= DEPARTED_STAGES) return;
    const active = new Map<AnalysisEngine, Set<string>>();
    const departed: string[] = [];
    for (const [name, ref] of stages) {
      const engine = ref.deref();
      if (engine === undefined) {
        departed.push(name);
        continue;
      }
      let names = active.get(engine);
      if (names === undefined) active.set(engine, (names = new Set(engine.subscribers())));
      if (!names.has(name)) departed.push(name);
    }
    for (let i = 0; i < departed.length - DEPARTED_STAGES; i++) {
      const name = departed[i] as string;
      stages.delete(name);
      this.#recorders.delete(name);
      if (SUBSCRIBER_STAGE + name !== FOLDED_STAGE) this.#metrics.fold(SUBSCRIBER_STAGE + name, FOLDED_STAGE);
    }
  }

  /**
   * Adds a session's quality records to the totals, and keeps them under its date, dropping the
   * oldest dates while more than {@link CoordinatorOptions.reportLimit} records are kept (one a
   * symbol and session; the last session is kept whole). A date seen before (two sessions on one
   * date) keeps the later session's records, as the most recent.
   */
  #keepQuality(date: string, records: Record<string, SymbolQuality>): void {
    const totals = this.#qualityTotals;
    totals.sessions++;
    const symbols = Object.values(records);
    for (const q of symbols) {
      totals.records++;
      totals.expected += q.base.expected;
      totals.received += q.base.received;
      totals.missing += q.base.missing;
      totals.late += q.base.late;
      totals.gaps += q.gaps.length;
    }
    const kept = this.#quality;
    const earlier = kept.get(date);
    if (earlier !== undefined) {
      kept.delete(date);
      this.#qualityKept -= Object.keys(earlier).length;
    }
    if (this.#reportLimit === 0) return;
    kept.set(date, records);
    this.#qualityKept += symbols.length;
    while (this.#qualityKept > this.#reportLimit && kept.size > 1) {
      const [oldest, dropped] = kept.entries().next().value as [string, Record<string, SymbolQuality>];
      kept.delete(oldest);
      this.#qualityKept -= Object.keys(dropped).length;
    }
  }

  /**
   * After the slice at `t`, `next` being the next slice's time (null: none known): every bucket
   * that ends by `t + base` is complete, since the next slice comes after it, so it closes now, for
   * every symbol, before the slice's subscribers run. A strategy on SPY 5m then sees QQQ's bar of
   * the same bucket, even when QQQ has no bar in the bucket's last minute. Never past the next
   * slice: a slice whose time is corrupt (far ahead of the ones after it) closes nothing they need.
   * A next slice that goes in alone (`alone`: a time that is not finite, or a stray past the
   * close) tells nothing of the bars behind it, which may still be of time `t` (another symbol's,
   * behind a corrupt one): then only what ended by `t` closes, or they would be late. Bars past
   * the close that are not strays (after-hours bars, the next session's first) end the session's
   * bars: every bucket that ends by `t + base` closes, as at the end of the source.
   */
  #closeThrough(processor: DataProcessor, session: Session, t: number, next: number | null, alone: boolean): number {
    if (!Number.isFinite(t)) return -Infinity;
    const known = alone ? t : next;
    // The end of the slot `t` is in: `t + base` for a time on the grid; for one off it (a bar the
    // store rejects), not past its slot, whose successor (a short last slot, say) is still to come.
    const slotEnd = session.open + (Math.floor((t - session.open) / this.#baseMs) + 1) * this.#baseMs;
    const end = Math.min(t + this.#baseMs, slotEnd);
    const through = known === null ? end : Math.min(end, known);
    processor.advanceTo(through);
    return through;
  }

  /**
   * Data-driven over columns, before the slice at `t` goes in, when the clock last closed buckets
   * `through` an earlier time (no symbol had a bar in the slots between): the buckets that ended in
   * those slots close now, in a dispatch of their own, as the clock-driven drive closes them at their
   * boundaries. Their events come before the slice's and show none of its bars; their handlers
   * read `now()` as `t`. Left to the slice, they would close with its first bar, after its
   * shorter intervals' events, and show its bars.
   */
  async #closeSkipped(processor: DataProcessor, t: number): Promise<void> {
    (this.#clock as SimulatedClock).jumpTo(t);
    processor.advanceTo(t);
    const r = processor.dispatch();
    if (r !== null) await this.#ready(r);
  }

  /** Whether the head slice of `slices`, at time `next`, goes in alone: a time that is not finite, a stray past the close, or a row out of place let through (see {@link SliceReader.goesAlone}). */
  static #columnsAlone(slices: SliceReader, next: number | null): boolean {
    return next !== null && (!Number.isFinite(next) || slices.goesAlone());
  }

  /**
   * Data-driven: waits for the subscribers of a slice, at most `readyTimeoutMs` (kept alive, so a
   * subscriber that never settles fails the run instead of letting the process exit).
   * @throws {ReadyTimeoutError} naming the subscribers still busy and the run's clock: when the time
   *   runs out, or (with no limit) when the process has nothing left to run while they are busy.
   */
  async #ready(r: { ready: ReadySignal; pending: PendingHandler[] }, at = this.#clock.now()): Promise<void> {
    const timeout = this.#options.readyTimeoutMs;
    this.#waiting = r;
    this.#waitingAt = at;
    try {
      if (timeout === undefined || timeout === Infinity) await r.ready.wait();
      else await r.ready.wait(timeout, { keepAlive: true });
    } catch (e) {
      if (!(e instanceof ReadyTimeoutError)) throw e;
      throw new ReadyTimeoutError(e.signals, e.timeoutMs, this.#busyOf(r.pending), at);
    } finally {
      // A run abandoned at a stall may resume here later: it must not clear the next run's wait.
      if (this.#waiting === r) this.#waiting = null;
    }
  }

  /** The subscribers of `pending` still running, each once. */
  #busyOf(pending: readonly PendingHandler[]): string[] {
    return [...new Set(pending.filter((p) => !p.done).map((p) => p.subscriber))];
  }

  /**
   * Clock-driven runs, at boundary `tick`, before its bars go in: for each symbol (those `known` and
   * those with a bar due, whose first due bar time is in `first`), the slots since its last bar that
   * its next bar skips, or that passed with no bar. Each is reported once; without a filler, a
   * clock-found gap that continues the symbol's previous one extends it instead of adding another.
   */
  #detectGaps(session: Session, tick: number, first: ReadonlyMap<string, number>, known: Iterable<string> | Set<string>, processor: DataProcessor, behind?: ReadonlySet<string>): GapRecord[] {
    const base = this.#baseMs;
    const found: GapRecord[] = [];
    const extend = this.#options.fill === undefined || this.#mode !== 'live';
    const data = this.#options.data;
    for (const symbol of new Set([...known, ...first.keys()])) {
      const next = first.get(symbol);
      // A bar came, late, for a slot already reported: the gap it falls in grows no more, and the
      // slots missing after it are a gap of their own.
      if (behind?.has(symbol) === true) this.#openGap.delete(symbol);
      // A symbol removed from the store (SessionData.removeSymbol) takes part in no session until a
      // bar of it comes again: it leaves a set of known symbols, and what was kept of its gaps goes.
      if (next === undefined && data.knownId(symbol) < 0) {
        if (known instanceof Set) known.delete(symbol);
        this.#gapReportedUntil.delete(symbol);
        this.#openGap.delete(symbol);
        continue;
      }
      const last = processor.lastStored.get(symbol);
      const expected = Math.max(last === undefined ? session.open : last + base, this.#gapReportedUntil.get(symbol) ?? -Infinity);
      const to = Math.min(next ?? tick, session.close);
      if (to <= expected) {
        // A bar came: a gap left open before it grows no more ("while no bar comes").
        if (next !== undefined) this.#openGap.delete(symbol);
        continue;
      }
      this.#gapReportedUntil.set(symbol, to);
      this.#reported(symbol, session.date, expected, to);
      const open = this.#openGap.get(symbol);
      if (extend && open !== undefined && open.session === session.date && open.to === expected) {
        open.to = to;
        if (next !== undefined) this.#openGap.delete(symbol);
        this.emit('gapExtended', open);
        continue;
      }
      const gap: GapRecord = { symbol, session: session.date, from: expected, to, detectedBy: next === undefined ? 'clock' : 'bar', state: 'reported', filledBars: 0, storedBars: 0, droppedBars: 0 };
      if (next === undefined) this.#openGap.set(symbol, gap);
      else this.#openGap.delete(symbol);
      this.#clockGaps.push(gap);
      found.push(gap);
      this.#reportGap(gap);
    }
    return found;
  }

  /**
   * Gaps whose filled bars went to the store (or were to, when `cut`: the run stopped or failed
   * between slices): each is `filled` if the store holds a bar in it now, else `unfilled`; then `gapSettled`.
   */
  #settleFills(cut: boolean): void {
    const data = this.#options.data;
    for (const gap of this.#filling) {
      gap.storedBars = storedIn(data, gap);
      if (gap.storedBars > 0) gap.state = 'filled';
      else {
        gap.state = 'unfilled';
        // Cut short, the bars may never have reached the store; a stop after they did is no reason.
        if (!cut) gap.reason = `the store rejected the ${gap.filledBars} bar(s) the fill returned`;
        else gap.reason = this.#stopping !== null ? 'the run was stopped before the gap was filled' : 'the run failed before the gap was filled';
      }
      this.emit('gapSettled', gap);
    }
    this.#filling = [];
  }

  /**
   * At a session's end, before retention can drop its bars: each clock-found gap's `storedBars`
   * counts the bars the store holds in it now. A bar may come for a slot after its gap was
   * reported (after the grace, still in time for its bucket) and be stored; without this the gap
   * list would overstate what is missing.
   */
  #countArrivals(): void {
    const data = this.#options.data;
    for (const gap of this.#clockGaps) gap.storedBars = storedIn(data, gap);
    this.#clockGaps = [];
  }

  /**
   * Live: before the bars due at boundary `tick` go in, finds each known symbol's gap (its next bar
   * skips slots, or no bar came for slots before `tick`), reports it, and, given a `fill`, waits up
   * to the deadline for the missing bars. Returns the due bars (in arrival order) and the filled ones after them, named in `fills`.
   */
  async #gapsAt(session: Session, tick: number, due: SymbolBar[], processor: DataProcessor, known: Set<string>): Promise<{ bars: SymbolBar[]; fills?: ReadonlySet<SymbolBar> }> {
    // Each symbol's first due bar with a time of this session (not a stray past the close, nor a
    // stale bar from before the open, which would hide the gap before the symbol's first bar).
    const first = new Map<string, number>();
    const lastStored = processor.lastStored;
    const lateBefore = this.#options.data.lateBefore;
    // A bar let through before its time (see #goesAtOnce) is one the store rejects.
    const behind = new Set<string>();
    for (const bar of due) {
      if (first.has(bar.symbol) || !(bar.time < tick)) continue;
      const slot = this.#slotOf(session, bar.symbol, bar.time, lastStored.get(bar.symbol), lateBefore, num(bar.open), num(bar.high), num(bar.low), num(bar.close), num(bar.volume));
      if (slot === Slot.Behind) behind.add(bar.symbol);
      else if (slot === Slot.New) first.set(bar.symbol, bar.time);
    }
    const found = this.#detectGaps(session, tick, first, known, processor, behind);
    const fill = this.#mode === 'live' ? this.#options.fill : undefined;
    if (found.length === 0 || fill === undefined) return { bars: due };
    // A stop ends the wait for the fills; their gaps are unfilled. Stopped by a 'gap' listener, no
    // filler is asked, nor its deadline waited for.
    const stoppedFill = (): void => {
      if (this.#stopping === null) return;
      for (const gap of found) {
        gap.state = 'unfilled';
        gap.reason = 'the run was stopped before the gap was filled';
        this.emit('gapSettled', gap);
      }
      // The bars due here were taken from the source's buffer: read, never taken.
      this.#skipped.unread += due.length;
      throw this.#stopping;
    };
    stoppedFill();
    // The run waits for the deadline: its timer keeps the process alive, and is cleared when every fill answered first.
    let timer: NodeJS.Timeout | undefined;
    let stopWait = (): void => undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.#fillDeadline);
      // A stop does not wait for the deadline.
      stopWait = () => resolve('deadline');
      this.#stopper.signal.addEventListener('abort', stopWait, { once: true });
    });
    // Slots whose buckets the clock has closed cannot take a bar any more (the store would reject
    // it as late, and count it as late data): the filler is asked for the rest of the gap only. A
    // gap all of whose slots are past filling (a symbol first seen mid-session) is not asked for.
    const fillable = found.map((gap) => ({ from: Math.max(gap.from, lateBefore ?? -Infinity), to: gap.to }));
    const results = await Promise.all(
      found.map((gap, i) => {
        const range = fillable[i] as { from: number; to: number };
        if (range.from >= range.to) return Promise.resolve('closed' as const);
        // A filler that throws at once, or answers with the bars themselves rather than a promise,
        // is read as one that rejected or resolved: its failure is the gap's, not the run's.
        return Promise.race([
          new Promise<readonly Bar[]>((resolve) => resolve(fill(gap.symbol, range.from, range.to))).then((bars) => ({ bars }), (error: unknown) => ({ error })),
          deadline,
        ]);
      }),
    );
    clearTimeout(timer);
    this.#stopper.signal.removeEventListener('abort', stopWait);
    stoppedFill();
    const filled: SymbolBar[] = [];
    results.forEach((result, i) => {
      const gap = found[i] as GapRecord;
      const range = fillable[i] as { from: number; to: number };
      if (result === 'closed') {
        gap.state = 'unfilled';
        gap.reason = 'the buckets of its slots had closed: a bar for them would be late';
      } else if (result === 'deadline') {
        gap.state = 'unfilled';
        gap.reason = `no answer within ${this.#fillDeadline} ms`;
      } else if ('error' in result) {
        gap.state = 'unfilled';
        gap.reason = `fill failed: ${reasonOf(result.error)}`;
      } else {
        // Only bars of the slots asked for, and of its symbol when the filler names one. The rest
        // are dropped and counted on the gap record. Each bar's fields are read once, here: a getter
        // that throws fails this gap's fill, not the run.
        const returned: readonly (Bar & { symbol?: unknown })[] = Array.isArray(result.bars) ? result.bars : [];
        const mine: SymbolBar[] = [];
        try {
          for (const b of returned) {
            if (b === null || typeof b !== 'object') {
              gap.droppedBars++;
              continue;
            }
            const bar: SymbolBar = { time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume, symbol: gap.symbol };
            const named: unknown = b.symbol;
            if (bar.time >= range.from && bar.time < range.to && (named === undefined || named === gap.symbol)) mine.push(bar);
            else gap.droppedBars++;
          }
        } catch (error) {
          gap.state = 'unfilled';
          gap.reason = `fill failed: reading its bars threw ${reasonOf(error)}`;
          gap.droppedBars = 0;
          this.emit('gapSettled', gap);
          return;
        }
        gap.filledBars = mine.length;
        filled.push(...mine);
        if (gap.filledBars > 0) {
          // Settled once its bars have been through the store (see #settleFills).
          this.#filling.push(gap);
          return;
        }
        gap.state = 'unfilled';
        gap.reason = returned.length === 0 ? 'fill returned no bars' : 'fill returned no bars inside the gap';
      }
      this.emit('gapSettled', gap);
    });
    if (filled.length === 0) return { bars: due };
    // Every bar goes to the store, which validates it; #appendInSlices puts filled minutes by their
    // own times, before the bars after them.
    return { bars: [...due, ...filled], fills: new Set(filled) };
  }

  /**
   * Clock-driven streams: whether bar `i` of `buffer`, not due yet, goes in now, before its time,
   * as {@link SliceReader.goesAtOnce} lets a row through: it is timed before the session's `close`
   * (a later session's bar waits for it; a stray past the close is told apart by {@link strayAt}),
   * the store rejects it as things stand (asked first: it takes most bars), and one of the next
   * {@link STRAY_LOOKAHEAD} bars of its symbol with a finite time is earlier.
   */
  #goesAtOnce(buffer: readonly SymbolBar[], i: number, close: number): boolean {
    const bar = buffer[i] as SymbolBar;
    const time = num(bar.time);
    if (!(time < close) || time - time !== 0) return false;
    const data = this.#options.data;
    const id = typeof bar.symbol === 'string' ? data.knownId(bar.symbol) : -1;
    if (data.checkId(id, time, num(bar.open), num(bar.high), num(bar.low), num(bar.close), num(bar.volume)) === null) return false;
    // Other symbols' bars read as NaN: skipped, not counted.
    return backInside((k) => (i + 1 + k < buffer.length ? ((buffer[i + 1 + k] as SymbolBar).symbol === bar.symbol ? (buffer[i + 1 + k] as SymbolBar).time : NaN) : undefined), time);
  }

  /**
   * What a due bar of `symbol` is to the gaps: {@link Slot.New}, a bar the store will take for a
   * slot of this session (see {@link #isSlot}) at or past the end of the symbol's last reported gap;
   * {@link Slot.Behind}, one it will take for a slot already reported (come late); else
   * {@link Slot.None}. A bar the store rejects, for its time or its fields, fills no slot: a gap
   * judged to end there would hide the slots after it until a later boundary, too late for their
   * buckets. Whether a bar's fields pass is asked of the store only when they do not plainly pass
   * (see {@link plainFields}): most bars are told apart without a call.
   */
  #slotOf(session: Session, symbol: string, time: number, last: number | undefined, lateBefore: number | null, open: number, high: number, low: number, close: number, volume: number): Slot {
    if (!this.#isSlot(session, time, last, lateBefore)) return Slot.None;
    if (!plainFields(open, high, low, close, volume)) {
      const data = this.#options.data;
      if (data.checkId(data.knownId(symbol), time, open, high, low, close, volume) !== null) return Slot.None;
    }
    return time < (this.#gapReportedUntil.get(symbol) ?? -Infinity) ? Slot.Behind : Slot.New;
  }

  /** Whether a stream bar plainly fills a slot of `session`: by its time (see {@link #isSlot}) and its fields (see {@link plainFields}), asking the store nothing. */
  #plainlySlot(session: Session, bar: SymbolBar, processor: DataProcessor): boolean {
    return plainFields(num(bar.open), num(bar.high), num(bar.low), num(bar.close), num(bar.volume)) && this.#isSlot(session, bar.time, processor.lastStored.get(bar.symbol), this.#options.data.lateBefore);
  }

  /**
   * Whether a bar timed `time` can fill a slot of `session` for a symbol whose last stored bar is
   * at `last`: a whole millisecond on the base grid, inside the session, after `last`, not before
   * `lateBefore` (the store's {@link SessionData.lateBefore}). A bar that fails this is rejected for
   * its time (off_grid, not whole, outside the session, duplicate, out of order, late): taken as
   * the symbol's next bar, it would end a gap where no slot ends, or hide one.
   */
  #isSlot(session: Session, time: unknown, last: number | undefined, lateBefore: number | null): boolean {
    return (
      typeof time === 'number' && Number.isInteger(time) && time >= session.open && time < session.close &&
      (time - session.open) % this.#baseMs === 0 && !(last !== undefined && time <= last) &&
      // A bar the store will reject as late fills no slot: a gap before it would be hidden.
      !(lateBefore !== null && time < lateBefore)
    );
  }

  /**
   * Data-driven runs: reports the gaps the core found. Clock-driven runs find theirs at each
   * boundary, before the bars go in (so live ones can be filled), and only drain these.
   */
  #coreGaps(session: Session, processor: DataProcessor): void {
    const gaps = processor.takeGaps();
    if (this.#speed !== 0) {
      // What the store found that the boundaries did not (slots skipped between bars that went in
      // at one boundary, behind a bar taken for the first and then rejected): reported now.
      for (let i = 0; i < gaps.length; i++) {
        const g = gaps[i] as Gap;
        try {
          for (const [from, to] of this.#unreported(g.symbol, session.date, g.from, g.to)) {
            this.#reported(g.symbol, session.date, from, to);
            this.#reportGap({ symbol: g.symbol, session: session.date, from, to, detectedBy: to >= session.close ? 'clock' : 'bar', state: 'reported', filledBars: 0, storedBars: 0, droppedBars: 0 });
          }
        } catch (error) {
          this.#options.data.restoreGaps(gaps.slice(i + 1));
          throw error;
        }
      }
      return;
    }
    for (let i = 0; i < gaps.length; i++) {
      const g = gaps[i] as Gap;
      try {
        // Slots up to the close were shown missing by the close, not by a bar after them.
        this.#reportGap({ symbol: g.symbol, session: session.date, from: g.from, to: g.to, detectedBy: g.to >= session.close ? 'clock' : 'bar', state: 'reported', filledBars: 0, storedBars: 0, droppedBars: 0 });
      } catch (error) {
        // A `gap` listener threw, which fails the run: the gaps not yet reported go back to the
        // store, where takeGaps finds them.
        this.#options.data.restoreGaps(gaps.slice(i + 1));
        throw error;
      }
    }
  }

  #reportGap(gap: GapRecord): void {
    this.#gaps.push(gap);
    this.emit('gap', gap);
  }

  /** Notes that `symbol`'s slots `[from, to)` of `session` are in a reported gap. */
  #reported(symbol: string, session: string, from: number, to: number): void {
    let kept = this.#reportedSpans.get(symbol);
    if (kept === undefined || kept.session !== session) {
      kept = { session, spans: [] };
      this.#reportedSpans.set(symbol, kept);
    }
    kept.spans.push(from, to);
  }

  /** The parts of `[from, to)` no reported gap of `symbol` in `session` covers, in time order. */
  #unreported(symbol: string, session: string, from: number, to: number): [number, number][] {
    const kept = this.#reportedSpans.get(symbol);
    return uncovered(from, to, kept?.session === session ? kept.spans : []);
  }

  /** Records how late the clock-driven loop reached `tick`. */
  #lag(tick: number): void {
    const lag = -this.#clock.delayUntil(tick + this.#closeDelay);
    if (lag > this.#maxLag) this.#maxLag = lag;
  }

  /** Clock-driven: adds `ns` of a subscriber's synchronous time to the current dispatch's. */
  #busy(subscriber: string, ns: number): void {
    if (this.#speed !== 0) this.#syncNs.set(subscriber, (this.#syncNs.get(subscriber) ?? 0) + ns);
  }

  /**
   * Clock-driven: dispatches what closed and settles it against the next slice, due at `nextDue`,
   * `slotMs` of the run's time after this one's boundary (the base interval, or less before a close
   * that cuts the last slot short).
   */
  async #dispatch(processor: DataProcessor, nextDue: number, slotMs: number): Promise<void> {
    const due = nextDue + this.#closeDelay;
    const remaining = Number.isFinite(due) ? this.#clock.delayUntil(due) : Infinity;
    // Only this dispatch's calls count (not a session end's, say, before the clock moved on).
    this.#syncNs.clear();
    const started = performance.now();
    // The clock goes on while the subscribers run: a wait is the dispatch's.
    const at = this.#clock.now();
    await this.#settle(processor.dispatch(), nextDue, slotMs, remaining, started, at);
  }

  /**
   * Clock-driven: waits for the subscribers of a dispatch that began (wall time `started`) with
   * `remaining` wall milliseconds left before the next slice is due (`nextDue`). If they are still
   * busy when it is due, that is an overrun: fail, or wait and record the lag.
   *
   * The subscribers' share of a dispatch is the time that was left, and at least the slot's length
   * (`slotMs`: one base interval, or the short last slot before a close) of the run's time: when
   * the coordinator itself ran late (timers, appends, a session joined in progress, a stream
   * source waited for), that lateness is lag, recorded, not blamed on them. Synchronous handlers overran
   * when their calls in the dispatch, together, took longer than the share and the slice came due
   * meanwhile; the one whose calls took longest is named. An asynchronous one overran when it is
   * still pending at the end of the share.
   */
  async #settle(r: { ready: ReadySignal; pending: PendingHandler[] } | null, nextDue: number, slotMs: number, remaining: number, started: number, at: number): Promise<void> {
    const due = nextDue + this.#closeDelay;
    let hog = '';
    let hogNs = 0;
    let syncMs = 0;
    for (const [name, ns] of this.#syncNs) {
      syncMs += ns / 1e6;
      if (ns > hogNs) {
        hog = name;
        hogNs = ns;
      }
    }
    this.#syncNs.clear();
    // Nothing comes due after the last close: just wait.
    if (!Number.isFinite(due)) {
      if (r !== null) await this.#ready(r, at);
      return;
    }
    const share = Math.max(remaining, this.#speed > 0 ? slotMs / this.#speed : 0);
    const late = -this.#clock.delayUntil(due);
    // Stopped within the subscribers' share: the next slice never comes, so nothing overran it and
    // no lag is recorded; the slice in hand is still waited for.
    const stopped = this.#stopping !== null && this.#stoppedAt < started + share;
    const syncOverran = !stopped && hog !== '' && late > 0 && syncMs > share;
    if (r === null) {
      if (late <= 0 || stopped) return;
      if (syncOverran) this.#overrun(hog, nextDue, late);
      else if (late > this.#maxLag) this.#maxLag = late;
      return;
    }
    let inTime = false;
    if (syncOverran) {
      this.#overrun(hog, nextDue, late);
    } else {
      const allowance = Math.max(0, share - (performance.now() - started));
      // At a slow speed the share can be longer than one timer holds (a base minute at speed 1e-5
      // is 69 days): sleepMs chains timers, where setTimeout would fire after 1 ms and call it an
      // overrun. Its timer is cleared once the subscribers are done.
      const allowanceOver = new AbortController();
      this.#waiting = r;
      this.#waitingAt = at;
      try {
        inTime = await Promise.race([r.ready.wait().then(() => true), sleepMs(allowance, allowanceOver.signal).then(() => false)]);
      } finally {
        allowanceOver.abort();
        if (this.#waiting === r) this.#waiting = null;
      }
      if (inTime) {
        const lag = -this.#clock.delayUntil(due);
        if (lag > this.#maxLag) this.#maxLag = lag;
        return;
      }
      if (this.#stopping !== null && this.#stoppedAt < started + share) {
        await this.#ready(r, at);
        return;
      }
      const busy = r.pending.find((p) => !p.done)?.subscriber ?? hog;
      this.#overrun(busy, nextDue, Math.max(0, -this.#clock.delayUntil(due)));
    }
    // Queued: bounded by readyTimeoutMs, as any wait for subscribers is. An open feed keeps a live
    // process from running out of work, so without a bound a promise that never settles would
    // hold the run for good.
    // The record is named after the handler the slice waited for last (several may be pending when
    // the share runs out, in any order), unless synchronous calls overran and cost more of the lag
    // than the wait for handlers after them.
    let settledLast: string | null = null;
    for (const p of r.pending) {
      if (p.done) continue;
      const settled = (): void => {
        settledLast = p.subscriber;
      };
      void p.promise.then(settled, settled);
    }
    await this.#ready(r, at);
    const lag = Math.max(0, -this.#clock.delayUntil(due));
    const last = this.#overruns.last();
    if (last !== undefined) {
      last.lagMs = lag;
      if (settledLast !== null && !(syncOverran && lag - late < late)) last.subscriber = settledLast;
    }
    if (lag > this.#maxLag) this.#maxLag = lag;
  }

  #overrun(subscriber: string, sliceTime: number, lagMs: number): void {
    if ((this.#options.overrun ?? 'fail') === 'fail') throw new OverrunError(subscriber, sliceTime, lagMs);
    this.#overruns.push({ subscriber, sliceTime, lagMs });
    if (lagMs > this.#maxLag) this.#maxLag = lagMs;
  }
}

// The event map types the names for TypeScript; plain JavaScript hears of a misspelt one too.
checkEventNames(
  SessionCoordinator,
  // Every key of the map, and no other: the compiler checks both.
  Object.keys({ sessionStart: 0, sessionEnd: 0, error: 0, gap: 0, gapExtended: 0, gapSettled: 0, progress: 0 } satisfies Record<keyof CoordinatorEvents, 0>),
);

/**
 * What a calendar's `sessions(from, to)` returned, checked before the run uses it: an array of
 * objects with a string date and finite open and close (the store checks the rest when each
 * session begins, with a SessionError). A user calendar that returned something else failed deep
 * in the run with a TypeError, or with a message about the clock.
 * @throws {ConfigError} `calendar`, saying what came back.
 */
function checkSessions(sessions: unknown): Session[] {
  if (!Array.isArray(sessions)) throw new ConfigError('calendar', `sessions(from, to) returned ${describe(sessions)}, not an array of sessions`);
  const hole = firstHole(sessions);
  if (hole >= 0) throw new ConfigError('calendar', `sessions(from, to) returned a sparse array, with no session at ${hole}`);
  sessions.forEach((s: unknown, i: number) => {
    const x = s as Partial<Session> | null;
    if (x === null || typeof x !== 'object' || typeof x.date !== 'string' || !Number.isFinite(x.open) || !Number.isFinite(x.close)) {
      throw new ConfigError('calendar', `sessions(from, to)[${i}] is not a session { date, open, close, timeZone } with finite epoch-ms open and close: got ${describe(s)}${x !== null && typeof x === 'object' ? ` (date ${describe(x.date)}, open ${describe(x.open)}, close ${describe(x.close)})` : ''}`);
    }
  });
  return sessions as Session[];
}

/**
 * The times a run reads from its source, columns and streams alike: from the first session's day
 * to the end of the last one's day, or its close for a session longer than a day from its day start
 * (a 25-hour day, an overnight session). Bars outside are not part of the run.
 */
function runDays(sessions: readonly Session[]): { from: number; to: number } {
  const first = sessions[0];
  const last = sessions[sessions.length - 1];
  if (first === undefined || last === undefined) return { from: -Infinity, to: Infinity };
  // A user calendar's sessions may leave dayStart out, as beginSession allows: worked out the same way.
  const dayStart = (s: Session): number => (typeof s.dayStart === 'number' ? s.dayStart : dayStartOf(s.date, s.timeZone));
  // The last day ends at the next local midnight: 25 hours after its start when clocks go back.
  const next = dayStartOf(formatDay(parseDay(last.date) + 1), last.timeZone);
  // What cannot be worked out (a session the store will refuse, saying why) bounds nothing here.
  const ends = [dayStart(last) + 86_400_000, next, last.close].filter((x) => Number.isFinite(x));
  const from = dayStart(first);
  return { from: Number.isFinite(from) ? from : -Infinity, to: ends.length === 0 ? Infinity : Math.max(...ends) };
}

/** The way out for a source given as the data itself (bars in an array or a generator, a Map of columns): wrap it. */
function iterableHint(value: unknown): string {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return '';
  const columns = types.isMap(value) || (Object.getPrototypeOf(value) === Object.prototype && Object.values(value).some((v) => v !== null && typeof v === 'object' && 'time' in v));
  if (columns) return ' (columns by symbol: pass columnsSource(them))';
  try {
    const iterable = typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function' || typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
    return iterable ? ' (bars to iterate over: pass iterableSource(them))' : '';
  } catch {
    return '';
  }
}

/** Whether a stream bar's `symbol` is a non-empty string. */
function usableSymbol(bar: object): bar is { symbol: string } {
  const symbol = (bar as { symbol?: unknown }).symbol;
  return typeof symbol === 'string' && symbol !== '';
}

/**
 * The {@link InputError} for a stream bar with a field that throws when read (a getter, a Proxy),
 * naming the field, the bar's symbol and time where they can be read, with the field's error as
 * its `cause`; `null` when every field reads.
 */
function unreadableField(bar: object): InputError | null {
  // Named reads first: a plain bar's fields are loaded as the later reads load them (the keyed
  // reads of the loop below cost more on every bar of a stream).
  const b = bar as SymbolBar;
  try {
    void b.symbol;
    void b.time;
    void b.open;
    void b.high;
    void b.low;
    void b.close;
    void b.volume;
    return null;
  } catch {
    // Found below, with the field that threw.
  }
  for (const field of ['symbol', ...FIELDS] as const) {
    try {
      void (bar as Record<string, unknown>)[field];
    } catch (error) {
      const of = (name: 'symbol' | 'time'): string => {
        try {
          const value = (bar as Record<string, unknown>)[name];
          return name === 'time' && typeof value === 'number' && Number.isFinite(value) ? isoTime(value) : describe(value);
        } catch {
          return 'unreadable';
        }
      };
      const e = new InputError(`a stream source delivered a bar (symbol ${of('symbol')}, time ${of('time')}) whose '${field}' throws when read: ${error instanceof Error ? error.message : describe(error)}`);
      e.cause = error;
      return e;
    }
  }
  return null;
}

/** What the steps of a run throw once {@link SessionCoordinator.stop} was called: `run()` then resolves. */
class RunStopped extends Error {
  constructor() {
    super('the run was stopped');
  }
}

/** Whether the next slice's time `next` lies past a session closing at `close`, or is no time at all (not finite). */
function pastSession(next: number | null, close: number): next is number {
  return next !== null && !(Number.isFinite(next) && next < close);
}

/** Whether a stream bar's `time` is a finite number. */
function isFiniteTime(bar: object): bar is { time: number } {
  return Number.isFinite((bar as { time?: unknown }).time);
}

/** How many bars a backtest reads from a stream source ahead of the run (see `#runStream`). */
const READ_AHEAD = 65_536;

/** Bars left out in a row between turns of the event loop (see leftOutTurn in the stream drive). */
const LEFT_OUT_TURN = 4096;

/** How many of a symbol's next bars with a finite time are looked at to tell a stray, past the close. */
const STRAY_LOOKAHEAD = 16;

/** The most bars with a finite time `staysInSession` weighs, back inside the session or past it. */
const STRAY_WINDOW = 4096;

/** Bars timed past a backtest's days, in a row (of 16 times at least), that end its stream for the run (see the pump). */
const PAST_RUN_END = 4096;

/**
 * The latest time of `symbol`'s bars the store will have taken before the next of them: its last
 * stored bar (`lastStored`) or a later one of `pending` (to be appended first, in order) that the
 * store takes (see {@link slotTime}, {@link weighedTime}).
 */
function latestTaken(symbol: string, lastStored: number | undefined, pending: readonly SymbolBar[], span: SessionSpan): number {
  let latest = lastStored ?? -Infinity;
  for (const bar of pending) {
    if (bar.symbol !== symbol) continue;
    const y = behind(weighedTime(bar), latest, span.close);
    if (slotTime(y, span)) latest = y;
  }
  return latest;
}

/**
 * A weighed time `y` of a symbol's bar, or NaN when it is before `close` and at or before `latest`,
 * the latest of its symbol's bars the store takes before it: out of order, a duplicate, or a
 * pre-market bar behind the session's bars, rejected wherever the session ends. The one rule the
 * stray test's weighing applies, in every drive.
 */
function behind(y: number, latest: number, close: number): number {
  return y < close && y <= latest ? Number.NaN : y;
}

/**
 * A stray is a bar at or past its session's close that belongs to the session by the bars after
 * it (see {@link staysInSession}): a corrupt time (or a run of them), appended at once and alone
 * (the store rejects it), so it neither ends the session nor holds its symbol's bars back. Columns
 * and clock-driven streams look at the symbol's own bars; a data-driven stream, which takes bars
 * in their order, at the next bars of any symbol. `latestBefore`: the latest time of the symbol's
 * bars the store will have taken before the bars after it (see {@link latestTaken}).
 */
function strayAt(buffer: readonly SymbolBar[], i: number, span: SessionSpan, since: number, nextOpen: number, latestBefore: number): boolean {
  const bar = buffer[i] as SymbolBar;
  const close = span.close;
  if (!(bar.time >= close)) return false;
  // The symbol's bars after it are weighed as a column's rows are (see RowWeights), after its
  // last stored bar; other symbols' bars read as NaN: skipped, not counted.
  let latest = latestBefore;
  const timeAt = (k: number): number | undefined => {
    if (i + 1 + k >= buffer.length) return undefined;
    const next = buffer[i + 1 + k] as SymbolBar;
    if (next.symbol !== bar.symbol) return Number.NaN;
    const y = behind(weighedTime(next), latest, close);
    if (slotTime(y, span)) latest = y;
    return y;
  };
  return staysInSession(bar.time, timeAt, close, since, nextOpen);
}

/** {@link strayAt} for row `r` of a symbol's columns, whose rows are weighed by `weights`. */
function isStray(time: Float64Array, r: number, weights: RowWeights, close: number, since: number, nextOpen: number): boolean {
  const x = time[r] as number;
  return x >= close && staysInSession(x, (k) => weights.at(r + 1 + k), close, since, nextOpen);
}

/** A session as the stray test sees it: its open and close, and the length of the base interval. */
interface SessionSpan {
  open: number;
  close: number;
  baseMs: number;
}

/** Whether the store takes a bar of good fields timed `x` for a slot of the session, its symbol's bars before it aside: inside it, a whole millisecond on the grid. */
function slotTime(x: number, span: SessionSpan): boolean {
  return x >= span.open && x < span.close && Number.isInteger(x) && (x - span.open) % span.baseMs === 0;
}

/**
 * The times the stray test weighs a symbol's rows from a window's first on by: {@link weighedTime}'s,
 * and NaN for a row timed before the close at or before an earlier row of the window that the
 * store takes (see {@link slotTime}): it is rejected wherever the window ends (out of order, a
 * duplicate, or a pre-market row behind the session's rows), so it weighs on neither side. Worked out as far as they are asked for.
 */
class RowWeights {
  readonly #col: SymbolColumns;
  readonly #from: number;
  readonly #span: SessionSpan;
  readonly #weights: number[] = [];
  #latest = -Infinity;

  constructor(col: SymbolColumns, from: number, span: SessionSpan) {
    this.#col = col;
    this.#from = from;
    this.#span = span;
  }

  /** The weight of row `r` (from the window's first on), or `undefined` past the column's last. */
  at(r: number): number | undefined {
    if (r >= this.#col.time.length) return undefined;
    const weights = this.#weights;
    const span = this.#span;
    while (this.#from + weights.length <= r) {
      const y = behind(weighedRow(this.#col, this.#from + weights.length), this.#latest, span.close);
      if (slotTime(y, span)) this.#latest = y;
      weights.push(y);
    }
    return weights[r - this.#from];
  }
}

/**
 * Whether the store takes a bar by its fields alone (see {@link plainFields}; any other is asked
 * of the core's field rules).
 */
function takenByFields(time: number, open: number, high: number, low: number, close: number, volume: number): boolean {
  return plainFields(open, high, low, close, volume) || barFieldProblem(time, open, high, low, close, volume) === null;
}

/**
 * The time the stray test weighs a bar by: its own, or NaN (weighed on neither side, as a time
 * that is not finite) for a bar the store rejects by its fields (a NaN close, a high below its
 * close), which is lost wherever it goes: a late bar that is also bad keeps no bar past the close
 * out of the session it begins.
 */
function weighedTime(bar: SymbolBar): number {
  const time = bar.time;
  return takenByFields(time, num(bar.open), num(bar.high), num(bar.low), num(bar.close), num(bar.volume)) ? time : Number.NaN;
}

/** {@link weighedTime} for row `r` of a symbol's columns. */
function weighedRow(col: SymbolColumns, r: number): number {
  const time = col.time[r] as number;
  return takenByFields(time, col.open[r] as number, col.high[r] as number, col.low[r] as number, col.close[r] as number, col.volume[r] as number) ? time : Number.NaN;
}

/**
 * Whether a bar timed `time`, at or past a session's `close`, is one of the session's (a stray),
 * judged by the finite times after it (`timeAt(0)`, `timeAt(1)`, ...; `undefined`: no more) up to
 * the {@link STRAY_LOOKAHEAD}th past the close (at most {@link STRAY_WINDOW} of them). When none
 * of them is back inside the session (`since` to `close`: a bar of a session already run is
 * counted on neither side), only when a bar of its own symbol after it (`ownAt`; every one without
 * it) is of the next session and earlier than it: a wrong date, which as that session's first bar
 * would leave its symbol's bars up to its time out of order behind it. Otherwise it is, when a
 * bar after it past the close is earlier than it
 * (it is out of place among the next session's bars: a corrupt time), or when the cut that puts
 * the fewest of them and it on the wrong side of the close falls after it (a tie keeps it).
 * Columns and streams alike end a session's window at its first bar past the close that is no
 * stray (see {@link windowEndOf}). A corrupt time, or a run of up to
 * {@link STRAY_LOOKAHEAD} of them, thus stays and is rejected alone. A bar of the next session
 * followed, in order, by more of that session and one late bar of this one is no stray: it ends
 * the session, and the late bar is the one rejected (unless the late bar comes right after the
 * first of the next session: a tie, which keeps that first bar in, to be rejected instead).
 * `nextOpen` is the next session's open: bars from the close to it weigh on neither side, and
 * the 16 past the close are counted from it (the close, for the run's last session).
 */
function staysInSession(time: number, timeAt: (k: number) => number | undefined, close: number, since: number, nextOpen = close, ownAt?: (k: number) => boolean): boolean {
  const own: boolean[] | null = ownAt === undefined ? null : [];
  const times = windowAfter(timeAt, nextOpen, ownAt, own);
  let inside = 0;
  let earlier = false;
  let ownEarlier = false;
  for (let i = 0; i < times.length; i++) {
    const y = times[i] as number;
    // Timed before `since` (the close of the session before), a bar is of a session already run;
    // from the close to `nextOpen`, of no session (an after-market print under regular hours, or
    // the next session's pre-market): rejected wherever it goes, it weighs on neither side. (The
    // session's own pre-market still counts as inside, until its symbol has a bar of the session
    // (the callers weigh it NaN then): weighed as nothing, a corrupt time read before the open
    // with thousands of pre-market bars after it would end the session unopened.)
    if (y < since || (y >= close && y < nextOpen)) continue;
    if (y < close) inside++;
    else if (y < time) {
      earlier = true;
      if (own === null || own[i] === true) ownEarlier = true;
    }
  }
  // Nothing back inside: the bar is of no later session either when a bar of its symbol after it,
  // of the next session, is earlier (a wrong date: taken as that session's first bar, it would
  // cost its symbol's bars up to its time, all out of order behind it).
  if (inside === 0) return ownEarlier;
  if (earlier) return true;
  // Cut before the bar, the bars back inside are on the wrong side (`inside` of them); cut after
  // it, the bar too. Each cut further on moves one more across: one past the close now wrong, or
  // one back inside now right.
  let cost = inside + 1;
  for (const y of times) {
    if (y < since || (y >= close && y < nextOpen)) continue;
    cost += y >= close ? 1 : -1;
    if (cost <= inside) return true;
  }
  return false;
}

/**
 * The finite times `staysInSession` weighs: up to the {@link STRAY_LOOKAHEAD}th at or past `from`
 * (the next session's open, or the close), at most {@link STRAY_WINDOW}; with `ownAt`, whether
 * each is of the judged bar's symbol, into `own`.
 */
function windowAfter(timeAt: (k: number) => number | undefined, from: number, ownAt?: (k: number) => boolean, own?: boolean[] | null): number[] {
  const times: number[] = [];
  let past = 0;
  for (let k = 0; past < STRAY_LOOKAHEAD && times.length < STRAY_WINDOW; k++) {
    const y = timeAt(k);
    if (y === undefined) break;
    if (!Number.isFinite(y)) continue;
    times.push(y);
    if (ownAt !== undefined) own?.push(ownAt(k));
    if (y >= from) past++;
  }
  return times;
}

/**
 * Whether, of the times `timeAt(0)`, `timeAt(1)`, ... (`undefined`: no more), one of the first
 * {@link STRAY_LOOKAHEAD} finite ones is before `close`.
 */
function backInside(timeAt: (k: number) => number | undefined, close: number): boolean {
  let seen = 0;
  for (let k = 0; seen < STRAY_LOOKAHEAD; k++) {
    const y = timeAt(k);
    if (y === undefined) return false;
    if (!Number.isFinite(y)) continue;
    if (y < close) return true;
    seen++;
  }
  return false;
}

/** Of a gap's slots, those the store holds a bar for now. */
function storedIn(data: SessionData, gap: GapRecord): number {
  const time = data.bars(gap.symbol, data.baseInterval).time;
  return lowerBound(time, 0, gap.to) - lowerBound(time, 0, gap.from);
}

/** First index in `time[from..]` whose value is `>= value` (times ascend; a NaN counts as below). */
function lowerBound(time: Float64Array, from: number, value: number): number {
  let lo = from;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((time[mid] as number) < value || Number.isNaN(time[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * For times out of order: where a session's window of rows ends. As a stream ends it: from `from`
 * on, the first row at or past `close` that is no stray (see {@link staysInSession}: the rows
 * after it do not come back into the window `[since, close)`); every row before it, whatever its
 * time, is the session's (a row of an earlier session, or a corrupt one, is rejected there). So
 * columns and streams give the sessions the same rows, files read out of date order included.
 * A stream weighs the next 16 rows past the close; columns have the rest of the column, and a run
 * of more corrupt times than that (17 rows of a wrong date) would end the window there and leave
 * the session's later rows to sessions they are not of. So where a later end leaves strictly fewer
 * rows on the wrong side (timed at or past `nextOpen` before it, or in `[since, close)` after it;
 * a time from the close to the next open, which no session takes, or one that is not finite, on
 * neither), the latest such end wins.
 */
function windowEndOf(col: SymbolColumns, from: number, span: SessionSpan, since: number, earliestFrom: Float64Array, nextOpen: number): number {
  const time = col.time;
  const close = span.close;
  let end = time.length;
  const weights = new RowWeights(col, from, span);
  for (let i = from; i < time.length; i++) {
    const x = time[i] as number;
    if (!(x >= close) || x === Infinity) continue;
    if (!isStray(time, i, weights, close, since, nextOpen)) {
      end = i;
      break;
    }
  }
  // No row from the end on is before the close: no later end can leave fewer on the wrong side
  // (what keeps a run over columns with a few rows out of order linear in their length).
  if (end === time.length || !((earliestFrom[end] as number) < close)) return end;
  let cost = 0;
  for (let i = from; i < time.length; i++) {
    const x = weights.at(i) as number;
    if (x - x === 0 && x < close && x >= since) cost++;
  }
  let atEnd = end === from ? cost : NaN;
  // Only a later end: an earlier one would give the session's rows after a short run of corrupt
  // times (a stray run, which a stream keeps) to a session they are not of.
  let best = end;
  let bestCost = Infinity;
  for (let p = from; p < time.length; p++) {
    const x = weights.at(p) as number;
    // From the close to the next open, a row is of no session: on neither side.
    if (x - x === 0 && x >= since && !(x >= close && x < nextOpen)) cost += x >= close ? 1 : -1;
    if (p + 1 === end) atEnd = cost;
    if (p + 1 > end && cost <= bestCost) {
      bestCost = cost;
      best = p + 1;
    }
  }
  return bestCost < atEnd ? best : end;
}

/** For each row `i` of the first `length`, the earliest finite time in rows `i..length - 1` (Infinity for none). */
function suffixMin(time: Float64Array, length: number): Float64Array {
  const out = new Float64Array(length);
  let min = Infinity;
  for (let i = length - 1; i >= 0; i--) {
    const x = time[i] as number;
    if (x < min) min = x;
    out[i] = min;
  }
  return out;
}

/** What a due bar is to a clock-driven boundary's gaps (see `SessionCoordinator.#slotOf`). */
const enum Slot {
  /** Not a bar the store will take for a slot. */
  None,
  /** For a slot at or past the end of its symbol's last reported gap: it ends a gap there. */
  New,
  /** For a slot already reported in a gap: come late, it ends that gap's growth. */
  Behind,
}


/**
 * The bars each symbol has in its window `[cursor, end)` when every symbol has that many with the
 * same times and none is out of place (`outOfPlace`, see SliceReader), else 0. NaN !== NaN: a
 * window with a NaN time goes the general way, where it is a slice alone.
 */
function sharedGrid(cols: readonly SymbolColumns[], cursor: Int32Array, end: Int32Array, outOfPlace: readonly (Uint8Array | null)[]): number {
  if (cols.length === 0) return 0;
  for (let s = 0; s < cols.length; s++) {
    const flags = outOfPlace[s];
    if (flags != null && flags.subarray(cursor[s] as number, end[s] as number).includes(1)) return 0;
  }
  const first = cursor[0] as number;
  const rows = (end[0] as number) - first;
  if (rows === 0) return 0;
  const times = (cols[0] as SymbolColumns).time;
  // A time twice (a print and its correction) is one slice, which a grid row is not: the general
  // way takes a symbol's rows of one time together.
  for (let k = first + 1; k < first + rows; k++) if (!((times[k] as number) > (times[k - 1] as number))) return 0;
  for (let s = 1; s < cols.length; s++) {
    const c = cursor[s] as number;
    if ((end[s] as number) - c !== rows || !sameValues(times, first, (cols[s] as SymbolColumns).time, c, rows)) return 0;
  }
  return rows;
}

function sameValues(a: Float64Array, from: number, b: Float64Array, at: number, count: number): boolean {
  for (let k = 0; k < count; k++) if (a[from + k] !== b[at + k]) return false;
  return true;
}

const FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Reads historical columns one time slice at a time: every symbol whose next bar (at its cursor,
 * before its end) has the slice's time, in symbol order. A NaN time comes first, alone, so the store
 * rejects it.
 */
class SliceReader {
  readonly #data: SessionData;
  readonly #names: readonly string[];
  readonly #cols: readonly SymbolColumns[];
  readonly #cursor: Int32Array;
  readonly #end: Int32Array;
  /** Per symbol, its store id, learnt at its first bar (-1 before): the store meets a symbol when its first bar goes in, as with a name. */
  readonly #ids: Float64Array;
  /** The symbols of the slice found by {@link SliceReader.next}, in symbol order. */
  readonly #members: Int32Array;
  #size = 0;
  /**
   * When every symbol's bars in the session's window have the same times (the usual case), slice
   * `k` is bar `k` of every symbol: the window is copied slice by slice into `#grid` once (reading
   * each symbol's columns in order, which the cache likes), and each slice is one row of it.
   * `#rows` is 0 otherwise.
   */
  #grid: SliceColumns = { time: new Float64Array(0), open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0) };
  #rows = 0;
  #row = 0;
  /** Each field's column of every symbol, in symbol order: what {@link SliceReader.beginWindow} interleaves. */
  readonly #sources: Record<(typeof FIELDS)[number], Float64Array[]>;
  /** Whether the last {@link SliceReader.next} found a row of `#grid`. */
  #fromGrid = false;
  /** Whether every symbol has its id. */
  #allIds = false;
  /** `SessionData.removedSymbols` when the ids were learnt. */
  #removedSeen: number;
  /** The window's session close (see {@link SliceReader.beginWindow}). */
  #close = Infinity;
  /** The close of the session before the window's (see {@link windowEndOf}). */
  #since = -Infinity;
  /** Per symbol whose times are out of order, the window's last row timed from `#since` to before the close; -1 for none. */
  readonly #lastInside: Int32Array;
  /**
   * Per symbol whose times are out of order, one flag a row of its window: the row is later than
   * one of the next {@link STRAY_LOOKAHEAD} rows with a finite time behind it (see
   * {@link SliceReader.goesAtOnce}). `null` for a symbol whose times are in order.
   */
  readonly #outOfPlace: (Uint8Array | null)[];
  /** Whether the slice {@link SliceReader.next} found (of the general path) goes in alone. */
  #alone = false;

  /** `sorted[s]`: whether symbol `s`'s times are in order (see {@link isNonDecreasing}). */
  constructor(data: SessionData, names: readonly string[], cols: readonly SymbolColumns[], cursor: Int32Array, end: Int32Array, sorted: readonly boolean[]) {
    this.#data = data;
    this.#names = names;
    this.#cols = cols;
    this.#cursor = cursor;
    this.#end = end;
    this.#ids = new Float64Array(cols.length).fill(-1);
    this.#removedSeen = data.removedSymbols;
    this.#members = new Int32Array(cols.length);
    this.#sources = { time: cols.map((c) => c.time), open: cols.map((c) => c.open), high: cols.map((c) => c.high), low: cols.map((c) => c.low), close: cols.map((c) => c.close), volume: cols.map((c) => c.volume) };
    this.#outOfPlace = cols.map((c, s) => (sorted[s] === true ? null : new Uint8Array(c.length)));
    this.#lastInside = new Int32Array(cols.length).fill(-1);
  }

  /**
   * Call once the cursors and ends of a session's window are set: finds whether its symbols share
   * one time grid. `close` is the session's close: a symbol's next bar at or past it, with an
   * earlier bar behind it, is a stray (a corrupt time) that {@link SliceReader.next} hands out at
   * once, alone, rather than let it hold back that symbol's bars until they are late. `since` is
   * the close of the session before (see {@link windowEndOf}).
   */
  beginWindow(close: number, since: number): void {
    this.#close = close;
    this.#since = since;
    this.#row = 0;
    // Symbols removed from the store between sessions (`SessionData.removeSymbol`) have new ids when
    // their bars come back.
    if (this.#data.removedSymbols !== this.#removedSeen) {
      this.#removedSeen = this.#data.removedSymbols;
      this.#ids.fill(-1);
      this.#allIds = false;
    }
    for (let s = 0; s < this.#cols.length; s++) {
      const flags = this.#outOfPlace[s];
      if (flags === undefined || flags === null) continue;
      const time = (this.#cols[s] as SymbolColumns).time;
      const e = this.#end[s] as number;
      // The window's last row inside the session's span: a row past the close before it is a
      // corrupt time (see SliceReader.corruptPastClose).
      let inside = e - 1;
      while (inside >= (this.#cursor[s] as number) && !((time[inside] as number) >= since && (time[inside] as number) < close)) inside--;
      this.#lastInside[s] = inside;
      for (let c = this.#cursor[s] as number; c < e; c++) {
        const x = time[c] as number;
        // +Infinity too: a row behind it is earlier, so it is a stray (or no session's at all).
        flags[c] = x === x && backInside((k) => (c + 1 + k < e ? (time[c + 1 + k] as number) : undefined), x) ? 1 : 0;
      }
    }
    // Rows out of order go the general way, where each symbol's are told apart.
    const rows = sharedGrid(this.#cols, this.#cursor, this.#end, this.#outOfPlace);
    this.#rows = rows;
    if (rows === 0) return;
    const cols = this.#cols;
    const cursor = this.#cursor;
    const width = cols.length;
    const size = rows * width;
    let g = this.#grid;
    if (g.time.length < size) {
      g = { time: new Float64Array(size), open: new Float64Array(size), high: new Float64Array(size), low: new Float64Array(size), close: new Float64Array(size), volume: new Float64Array(size) };
      this.#grid = g;
    }
    // Natively: in JavaScript these strided copies took about as long as storing the bars.
    for (const field of FIELDS) interleaveColumns(this.#sources[field], cursor, rows, g[field]);
  }

  /** Finds the next slice; returns its time, or null when every symbol is done. */
  next(): number | null {
    if (this.#row < this.#rows) {
      this.#fromGrid = true;
      return this.#grid.time[this.#row * this.#cols.length] as number;
    }
    this.#fromGrid = false;
    this.#alone = false;
    // One pass over the cursors.
    const cols = this.#cols;
    const cursor = this.#cursor;
    const end = this.#end;
    const members = this.#members;
    const close = this.#close;
    let t = Infinity;
    let size = 0;
    for (let s = 0; s < cols.length; s++) {
      const c = cursor[s] as number;
      if (c >= (end[s] as number)) continue;
      const time = (cols[s] as SymbolColumns).time;
      const x = time[c] as number;
      // A corrupt time past the close, or a row out of place that the store rejects: alone, now.
      if (this.corruptPastClose(s, c) || (this.#outOfPlace[s] != null && this.goesAtOnce(s, c))) {
        members[0] = s;
        size = 1;
        t = x;
        this.#alone = true;
        break;
      }
      if (x === t) members[size++] = s;
      else if (x < t) {
        // An earlier time: the symbols gathered so far belong to a later slice.
        t = x;
        members[0] = s;
        size = 1;
      } else if (Number.isNaN(x)) {
        members[0] = s;
        size = 1;
        t = NaN;
        break;
      }
    }
    this.#size = size;
    return size === 0 ? null : t;
  }

  /**
   * Whether the slice {@link SliceReader.next} found goes in at once, alone, moving no clock: a
   * stray (see {@link strayAt}), or a row {@link SliceReader.goesAtOnce} lets through.
   */
  goesAlone(): boolean {
    // A grid's rows are all in order (see beginWindow): none is a stray.
    return !this.#fromGrid && this.#alone;
  }

  /**
   * Whether row `c` of symbol `s`, in the window, is a corrupt time past the close: at or past it,
   * with a row of the session's span (from the close before to this one) after it in the window.
   * The window ends at the session's first row past the close that is no stray, or later where that
   * leaves fewer rows on the wrong side (see {@link windowEndOf}); rows past the close after the
   * window's last row of the span (after-hours bars of the last session) are in order, and wait.
   */
  corruptPastClose(s: number, c: number): boolean {
    return this.#outOfPlace[s] != null && ((this.#cols[s] as SymbolColumns).time[c] as number) >= this.#close && c < (this.#lastInside[s] as number);
  }

  /**
   * Whether row `c` of symbol `s` goes in at once, alone, moving no clock, rather than at its time:
   * it is later than one of the next rows of its symbol (see {@link STRAY_LOOKAHEAD}), and the store
   * rejects it as things stand. Held to its time, it would hold the earlier rows behind it until
   * the clock had closed their buckets, and cost them as `late` as well as itself. A row out of
   * place that the store takes waits for its time as any other: the rows behind it are out of
   * order then whenever they come.
   */
  goesAtOnce(s: number, c: number): boolean {
    if (this.#outOfPlace[s]?.[c] !== 1) return false;
    const col = this.#cols[s] as SymbolColumns;
    let id = this.#ids[s] as number;
    if (id < 0) id = this.#ids[s] = this.#data.idOf(this.#names[s] as string);
    return this.#data.checkId(id, col.time[c] as number, col.open[c] as number, col.high[c] as number, col.low[c] as number, col.close[c] as number, col.volume[c] as number) !== null;
  }

  /** Appends the bars of the slice {@link SliceReader.next} found and moves their cursors past them. */
  take(processor: DataProcessor): void {
    const cursor = this.#cursor;
    const ids = this.#ids;
    if (this.#fromGrid) {
      const width = this.#cols.length;
      if (!this.#allIds) {
        for (let s = 0; s < width; s++) if ((ids[s] as number) < 0) ids[s] = this.#data.idOf(this.#names[s] as string);
        this.#allIds = true;
      }
      processor.appendRows(ids, this.#grid, this.#row * width, width);
      for (let s = 0; s < width; s++) cursor[s] = (cursor[s] as number) + 1;
      this.#row++;
      this.#fromGrid = false;
      return;
    }
    const cols = this.#cols;
    const members = this.#members;
    const end = this.#end;
    for (let k = 0; k < this.#size; k++) {
      const s = members[k] as number;
      let c = cursor[s] as number;
      const col = cols[s] as SymbolColumns;
      let id = ids[s] as number;
      if (id < 0) id = ids[s] = this.#data.idOf(this.#names[s] as string);
      const t = col.time[c] as number;
      // A symbol's rows of the slice's time all go in it, as a stream's do: a print and its
      // correction at one time are both in before any subscriber of the slice runs.
      do {
        processor.appendId(id, t, col.open[c] as number, col.high[c] as number, col.low[c] as number, col.close[c] as number, col.volume[c] as number);
        c++;
      } while (!this.#alone && c < (end[s] as number) && col.time[c] === t && this.#outOfPlace[s]?.[c] !== 1);
      cursor[s] = c;
    }
    this.#size = 0;
  }
}

/** Callbacks of runs waiting while the process may run out of work; one process listener serves them all. */
const stallWatchers = new Set<() => void>();

function onBeforeExit(): void {
  // The oldest waiting run fails; a run that waited on it may go on. A rejection is no work for the
  // event loop, so an immediate keeps it turning once more (after the rejection's handlers, which
  // may start another run): if it runs out of work again, 'beforeExit' comes again and the next
  // stuck run fails then.
  const oldest = stallWatchers.values().next();
  if (oldest.done) return;
  oldest.value();
  setImmediate(() => undefined);
}

/**
 * Fails `promise` with `error()` if the process runs out of work (Node's `beforeExit`: nothing left
 * that could settle what a run waits for) before `dispose` is called.
 */
function onStall(error: () => Error): { promise: Promise<never>; dispose: () => void } {
  let watcher: () => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    watcher = () => {
      stallWatchers.delete(watcher);
      if (stallWatchers.size === 0) process.off('beforeExit', onBeforeExit);
      reject(error());
    };
  });
  // Only a run that stalls rejects; one that ends disposes of its watcher first.
  promise.catch(() => undefined);
  if (stallWatchers.size === 0) process.on('beforeExit', onBeforeExit);
  stallWatchers.add(watcher);
  return {
    promise,
    dispose: () => {
      if (stallWatchers.delete(watcher) && stallWatchers.size === 0) process.off('beforeExit', onBeforeExit);
    },
  };
}

/** What a fill's failure says: an error's message, or the value it threw as a message shows it (one `String()` cannot convert included). */
function reasonOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as Error).message;
  return describe(error);
}

/**
 * The columns a columnar source loaded, checked: each symbol's six columns `Float64Array`s of one
 * length, and its `length` a whole number no larger than that, the columns then cut to it. A
 * source without `length` had its bars ignored; one of plain arrays failed inside the native call.
 * @throws {InputError} naming the symbol and what is wrong.
 */
function checkColumns(columns: Map<string, SymbolColumns>): Map<string, SymbolColumns> {
  if (!(columns instanceof Map)) throw new InputError(`a columnar source's load() must resolve to a Map of symbol to columns, got ${describe(columns)}`);
  const out = new Map<string, SymbolColumns>();
  for (const [symbol, c] of columns) {
    if (c === null || typeof c !== 'object') throw new InputError(`source symbol ${describe(symbol)}: expected columns { length, time, open, high, low, close, volume }, got ${describe(c)}`);
    const fields = { time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
    for (const field of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
      const column: unknown = fields[field];
      if (!isFloat64Array(column)) throw new InputError(`source symbol ${describe(symbol)}: column ${field} must be a Float64Array, got ${describe(column)} (columnsSource converts arrays)`);
      fields[field] = honest(column);
    }
    const n = c.length;
    // Columns of different lengths are a source's mistake (a row given for some fields only), not
    // room to spare: refused, rather than the longer ones' last rows left unread without a count.
    const rows = fields.time.length;
    for (const field of ['open', 'high', 'low', 'close', 'volume'] as const) {
      if (fields[field].length !== rows) throw new InputError(`source symbol ${describe(symbol)}: column ${field} has ${fields[field].length} rows where time has ${rows}: every column holds one row a bar`);
    }
    if (!(Number.isInteger(n) && n >= 0 && n <= rows)) {
      throw new InputError(`source symbol ${describe(symbol)}: length ${describe(n)} is not a whole number of rows that the columns hold (${rows})`);
    }
    // Columns longer than their length are cut to it (views, no copy): every session's window, and
    // the order check, read exactly `length` rows.
    const cut = (a: Float64Array): Float64Array => (a.length === n ? a : a.subarray(0, n));
    out.set(symbol, { length: n, time: cut(fields.time), open: cut(fields.open), high: cut(fields.high), low: cut(fields.low), close: cut(fields.close), volume: cut(fields.volume) });
  }
  return out;
}

/**
 * What a column source's last load left out (see {@link ColumnarSource.leftOut}); zeros for a
 * source that does not count it.
 * @throws {InputError} when `leftOut()` gives anything but `{ symbol, days }` of whole numbers >= 0.
 */
function leftOutOf(source: ColumnarSource): LeftOutRows {
  if (source.leftOut === undefined) return { symbol: 0, days: 0 };
  const left: unknown = source.leftOut();
  const count = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0;
  if (left === null || typeof left !== 'object' || !count((left as LeftOutRows).symbol) || !count((left as LeftOutRows).days)) {
    throw new InputError(`a source's leftOut() must return { symbol, days }, whole numbers >= 0, got ${describe(left)}`);
  }
  return left as LeftOutRows;
}

/**
 * A source's `losses()`, checked, or null for a source that does not count any.
 * @throws {InputError} when they are not an object of whole numbers >= 0.
 */
function lossesOf(source: Source): SourceLosses | null {
  if (source.kind !== 'stream' || source.losses === undefined) return null;
  const losses: unknown = source.losses();
  if (losses === null || typeof losses !== 'object') throw new InputError(`a source's losses() must return counts by reason, got ${describe(losses)}`);
  for (const [reason, n] of Object.entries(losses)) {
    if (!(Number.isInteger(n) && (n as number) >= 0)) throw new InputError(`a source's losses() counted ${describe(n)} for '${reason}', not a whole number >= 0`);
  }
  return losses as SourceLosses;
}

/**
 * What `now` counts beyond `start`, by reason (every reason `now` has, zeros included).
 * @throws {InputError} when a reason counts less now than at the start (a reason left out counts 0):
 *   counts since the source was made never go down, so the difference would be no count of the run.
 */
function lossesSince(now: SourceLosses | null, start: SourceLosses | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (now === null) return out;
  for (const [reason, n] of Object.entries(start ?? {})) {
    if ((now[reason] ?? 0) < n) throw new InputError(`a source's losses() counted ${now[reason] ?? 0} for '${reason}' when the run ended, fewer than the ${n} it counted when the run began`);
  }
  for (const [reason, n] of Object.entries(now)) out[reason] = n - (start?.[reason] ?? 0);
  return out;
}

/** {@link QualityTotals} of no session. */
function emptyTotals(): QualityTotals {
  return { sessions: 0, records: 0, expected: 0, received: 0, missing: 0, late: 0, gaps: 0 };
}

/**
 * The most recent `limit` records of a list that a long run would grow without bound, and how
 * many there were in all. Trimmed when it holds twice the limit, so a push costs O(1) amortised.
 */
class Recent<T> {
  readonly #limit: number;
  #items: T[] = [];
  #count = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Records pushed in all. */
  get count(): number {
    return this.#count;
  }

  push(item: T): void {
    this.#count++;
    if (this.#limit === 0) return;
    const items = this.#items;
    items.push(item);
    if (items.length >= 2 * this.#limit) items.splice(0, items.length - this.#limit);
  }

  /** The last record pushed, if it is kept. */
  last(): T | undefined {
    return this.#items[this.#items.length - 1];
  }

  /** The kept records, oldest first: a new array. */
  list(): T[] {
    const items = this.#items;
    return items.length > this.#limit ? items.slice(items.length - this.#limit) : items.slice();
  }
}

/**
 * A source's shape, checked when the coordinator is made rather than as a TypeError inside `run()`.
 * @throws {ConfigError} `source` for a `kind` other than `'columns'` (with a `load` function) or
 * `'stream'` (async iterable).
 */
function checkSource(source: unknown): void {
  const s = source as { kind: unknown; load?: unknown; [Symbol.asyncIterator]?: unknown };
  if (s.kind === 'columns') {
    if (typeof s.load !== 'function') throw new ConfigError('source', `a columnar source (kind 'columns') needs a load(request) function, got ${describe(s.load)}`);
  } else if (s.kind === 'stream') {
    if (typeof s[Symbol.asyncIterator] !== 'function') throw new ConfigError('source', "a stream source (kind 'stream') needs [Symbol.asyncIterator]()");
  } else {
    throw new ConfigError('source', `a source's kind is 'columns' or 'stream', got ${describe(s.kind)}`);
  }
}
