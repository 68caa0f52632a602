/**
 * `barstream backtest`: runs a strategy over sessions of a calendar and summarises the run.
 * @module
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { Calendar } from '../calendar/index.js';
import { ConfigError, InputError, describe } from '../errors.js';
import { AnalysisEngine } from '../runtime/engine.js';
import { SessionCoordinator } from '../runtime/coordinator.js';
import type { CoordinatorOptions, RunReport } from '../runtime/coordinator.js';
import type { Session } from '../types.js';
import { SessionData } from '../session-data.js';
import { intervalMs, sameInterval } from '../native.js';
import { csvSource, syntheticSource } from '../sources/index.js';
import { lowerBound } from '../sources/columns.js';
import type { CsvSource, CsvSourceOptions, DateOrder, EpochUnit, BadRow, RowOrder, Source } from '../sources/index.js';
import { exampleStrategy } from './strategy.js';
import type { Signal, Strategy } from './strategy.js';

/** Options of {@link backtest}, as the command line gives them. */
export interface BacktestOptions {
  /**
   * CSV files, a directory or a pattern (one file per symbol unless `symbolColumn`), or `'-'`: one
   * CSV stream from `process.stdin`, whose symbol, without a symbol column, is the one `symbols`
   * names. Default: the built-in synthetic data set.
   */
  data?: string | undefined;
  /** The time zone of `data`'s times without an offset (default UTC). */
  timeZone?: string | undefined;
  /** How `data`'s numeric times are read: `csvSource`'s `epoch` option; default `'auto'`. */
  epoch?: EpochUnit | undefined;
  /** How `data`'s dates written year last read (`03/04/2024`): `csvSource`'s `dateOrder` option; default `'ymd'` (refused). */
  dateOrder?: DateOrder | undefined;
  /** Leave malformed rows of `data` out, counted (`csvSource`'s `onBadRow: 'skip'`), rather than fail the run at the first. */
  skipBadRows?: boolean | undefined;
  /** The header column of `data` holding each row's symbol; default: one symbol per file, named by the file. */
  symbolColumn?: string | undefined;
  /** `data`'s field delimiter (`csvSource`'s `delimiter`); default `','`. */
  delimiter?: string | undefined;
  /** `data`'s header names of the fields (`csvSource`'s `columns`). */
  columns?: CsvSourceOptions['columns'] | undefined;
  /** The column names of `data` files that have no header line (`csvSource`'s `header`). */
  header?: readonly string[] | undefined;
  /** The order of each symbol's rows of `data` (`csvSource`'s `order`); default `'given'`. */
  order?: RowOrder | undefined;
  /**
   * The base interval: what a bar of `data` (or of the built-in data set) spans. Default `'1m'`.
   * The derived intervals are those of {@link BASE_INTERVALS} that are whole multiples of it, and `1d`.
   */
  base?: string | undefined;
  symbols?: readonly string[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  speed?: number | undefined;
  /** Clock-driven runs: what an overrun does (see {@link CoordinatorOptions.overrun}). */
  overrun?: 'fail' | 'queue' | undefined;
  /** A module whose default export is a {@link Strategy}; default: {@link exampleStrategy}. */
  strategy?: string | undefined;
  /** Called after each session with sessions done and the total. */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Aborted, ends the run at its next step (`SessionCoordinator.stop`): the result is the run so far, `report.stopped` true. */
  signal?: AbortSignal | undefined;
}

/** The built-in data set: four synthetic symbols over ten XNYS sessions across the March 2024 daylight-saving change. */
export const DEFAULTS = Object.freeze({
  symbols: Object.freeze(['ALFA', 'BRVO', 'CHRL', 'DLTA']),
  from: '2024-03-04',
  to: '2024-03-15',
  seed: 20240304,
});

/** The derived intervals every backtest keeps (those a base leaves: see {@link BacktestOptions.base}). */
export const BASE_INTERVALS = Object.freeze(['5m', '15m', '30m', '1h', '1d']);

/** Milliseconds of `base` when it is an intraday interval, the kind a run's base can be; NaN otherwise. */
export function intradayMs(base: string): number {
  const ms = intervalMs(base);
  return ms > 0 && ms < 86_400_000 ? ms : NaN;
}

/** What the CSV source of a `data` run read, in rows (a row is one bar of one symbol). */
export interface SourceSummary {
  /** The files read, in order. */
  files: string[];
  rowsRead: number;
  /** Rows handed to the run; each is stored, rejected (`report.rejected`), or, when the run was stopped first, never taken (`report.skipped.unread`). */
  rowsLoaded: number;
  /** Rows outside the run's days or symbols, not handed to the run. */
  rowsOutside: number;
  /** Rows handed to the run, by symbol (a symbol the load found no row of is not there). */
  rowsBySymbol: Record<string, number>;
  /**
   * Symbols whose rows go back in time by a day or more somewhere (files read in name order
   * against date order, say): rows of a session already run are rejected.
   */
  symbolsBackInTime: string[];
  /** Symbols whose rows are whole days apart, as daily bars are (a run builds its bars from intraday ones: they fall outside the session hours). */
  symbolsDaily: string[];
  /**
   * Symbols whose rows are most often a whole multiple of the base apart (5m bars under the default
   * 1m base), with that step as an interval: each row is stored as one base bar, and the slots
   * between them count as missing. `--base` says what a bar spans.
   */
  symbolsCoarser: { symbol: string; interval: string }[];
  /**
   * Symbols with a row at most of their sessions' closes and none at those sessions' opens: times of
   * each bar's end, as some exports write them, where a bar's time here is its open. Each such
   * session's last bar is then rejected outside the session, and every bar is a bar late.
   */
  symbolsStampedAtClose: string[];
  /**
   * Symbols whose closes are all whole numbers of 100,000,000 or more: prices written as fixed-point
   * integers (Databento's CSV without `pretty_px`, in units of 1e-9), which a run takes as written.
   */
  symbolsFixedPoint: { symbol: string; close: number }[];
  /** Under `order: 'time'`, the symbols whose rows were not in time order and were sorted (`csvSource`'s `lastReport.reordered`). */
  symbolsReordered: string[];
  /** Rows loaded whose time had no offset (wall times, read in `--time-zone` or UTC). */
  rowsWithoutOffset: number;
  /** Symbols read from two or more files with times in common, and those files (`csvSource`'s `lastReport.overlapping`). */
  overlappingFiles: { symbol: string; files: string[] }[];
  /** Malformed rows left out under `skipBadRows` (without it a malformed row fails the run). */
  badRows: number;
  /** The first of them (up to 1000), with file, line and reason. */
  badRowDetails: BadRow[];
}

/** What a backtest produced. */
export interface BacktestResult {
  strategy: string;
  report: RunReport;
  signals: Signal[];
  /** With `data`: what the CSV source read (all zero when the run has no session, as nothing is read). */
  source?: SourceSummary;
}

/**
 * Runs a backtest in data-driven (speed 0) or clock-driven mode.
 * @throws {ConfigError} for an unreadable strategy module or bad options.
 */
export async function backtest(options: BacktestOptions = {}): Promise<BacktestResult> {
  const base = options.base ?? '1m';
  const baseMs = intradayMs(base);
  if (baseMs !== baseMs) throw new ConfigError('base', `${describe(base)} is no base interval: give one such as 30s, 1m, 5m or 1h (daily bars are no base: a run builds its bars from intraday ones)`);
  // The example strategy trades 5m bars: a base that does not divide them leaves it nothing.
  if (options.strategy === undefined && !(baseMs <= 300_000 && 300_000 % baseMs === 0)) {
    throw new ConfigError('base', `the example strategy trades 5m bars, which a ${base} base does not make: give --strategy with one of your own for ${base} bars, or a base that divides 5m`);
  }
  const strategy = options.strategy === undefined ? exampleStrategy : await loadStrategy(options.strategy);
  const calendar = Calendar.xnys({ hours: 'regular' });
  const from = options.from ?? (options.data === undefined ? DEFAULTS.from : undefined);
  const to = options.to ?? (options.data === undefined ? DEFAULTS.to : undefined);
  if (from === undefined || to === undefined) throw new ConfigError(from === undefined ? 'from' : 'to', 'give --from and --to with --data');
  let source: Source;
  let csv: CsvSource | null = null;
  const rowsBySymbol: Record<string, number> = {};
  const symbolsBackInTime: string[] = [];
  const symbolsDaily: string[] = [];
  const symbolsCoarser: { symbol: string; interval: string }[] = [];
  const runSessions = calendar.sessions(from, to);
  const symbolsStampedAtClose: string[] = [];
  const symbolsFixedPoint: { symbol: string; close: number }[] = [];
  if (options.data === undefined) {
    source = syntheticSource({
      symbols: options.symbols ?? DEFAULTS.symbols,
      sessions: runSessions,
      seed: DEFAULTS.seed,
      intervalMs: baseMs,
    });
  } else {
    // A stream has no file name to name its symbol: without a symbol column its rows are the one
    // symbol --symbols names (several: csvSource says that it needs one).
    const stdin = options.data === '-';
    const symbol = stdin && options.symbolColumn === undefined && options.symbols?.length === 1 ? options.symbols[0] : undefined;
    csv = csvSource(stdin ? { stream: process.stdin, name: 'stdin', ...(symbol === undefined ? {} : { symbol }) } : options.data, {
      ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
      ...(options.epoch === undefined ? {} : { epoch: options.epoch }),
      ...(options.dateOrder === undefined ? {} : { dateOrder: options.dateOrder }),
      ...(options.skipBadRows === true ? { onBadRow: 'skip' as const } : {}),
      ...(options.symbolColumn === undefined ? {} : { symbolColumn: options.symbolColumn }),
      ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
      ...(options.columns === undefined ? {} : { columns: options.columns }),
      ...(options.header === undefined ? {} : { header: options.header }),
      ...(options.order === undefined ? {} : { order: options.order }),
    });
    // What the load handed to the run, symbol by symbol: a stopped run's report covers less.
    const loaded = csv;
    source = {
      kind: 'columns',
      leftOut: () => loaded.leftOut?.() ?? { symbol: 0, days: 0 },
      load: async (request) => {
        const columns = await loaded.load(request);
        for (const [symbol, c] of columns) {
          rowsBySymbol[symbol] = (rowsBySymbol[symbol] ?? 0) + c.length;
          if (!symbolsBackInTime.includes(symbol) && goesBackADay(c.time, c.length)) symbolsBackInTime.push(symbol);
          const times = sortedTimes(c.time, c.length);
          if (!symbolsDaily.includes(symbol) && looksDaily(times, runSessions)) symbolsDaily.push(symbol);
          else if (!symbolsCoarser.some((x) => x.symbol === symbol)) {
            const step = usualStep(times);
            if (step > baseMs && step < 86_400_000 && step % baseMs === 0) symbolsCoarser.push({ symbol, interval: canonicalName(step) });
          }
          if (!symbolsStampedAtClose.includes(symbol) && stampedAtClose(times, runSessions)) symbolsStampedAtClose.push(symbol);
          const fixed = fixedPointClose(c.close, c.length);
          if (fixed !== null && !symbolsFixedPoint.some((x) => x.symbol === symbol)) symbolsFixedPoint.push({ symbol, close: fixed });
        }
        return columns;
      },
    };
  }
  // The base interval is always stored: a strategy may list it without it being a derived one.
  // Each interval once, however spelt: a strategy's '60m' is the defaults' '1h', '60s' the base.
  const intervals: string[] = [];
  const defaults = BASE_INTERVALS.filter((i) => i === '1d' || (intervalMs(i) > baseMs && intervalMs(i) % baseMs === 0));
  // A default interval the base does not divide (5m over a 1h base) is left out; a strategy's own
  // goes to the store, which refuses it, naming it.
  for (const i of [...defaults, ...(strategy.intervals ?? [])]) {
    if (intervals.includes(i) || (typeof i === 'string' && (sameInterval(i, base) || intervals.some((k) => typeof k === 'string' && sameInterval(k, i))))) continue;
    intervals.push(i);
  }
  const data = new SessionData({
    baseInterval: base,
    intervals,
    ...(strategy.indicators === undefined ? {} : { indicators: strategy.indicators }),
  });
  const engine = new AnalysisEngine();
  const signals: Signal[] = [];
  const signal = (s: Signal): void => {
    const problem = signalProblem(s);
    if (problem !== null) throw new InputError(`a signal is { symbol, time, side: 'buy' | 'sell', note? }: ${problem}`);
    // A copy: a strategy may reuse one object for its signals.
    signals.push(s.note === undefined ? { symbol: s.symbol, time: s.time, side: s.side } : { symbol: s.symbol, time: s.time, side: s.side, note: s.note });
  };
  // Ctrl-C while setup waits (on a network call, say) ends the wait: the run then stops at once.
  const interrupted = new Promise<void>((resolve) => {
    if (options.signal?.aborted === true) resolve();
    else options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await settled(Promise.race([strategy.setup(engine, { signal }), interrupted]), 'its promise');
  } catch (e) {
    throw new ConfigError('strategy', `${strategy.name}: setup failed: ${(e as Error)?.message ?? String(e)}`);
  }
  const coordinator = new SessionCoordinator({
    calendar,
    data,
    engine,
    source,
    from,
    to,
    speed: options.speed ?? 0,
    // A strategy that never settles fails the run with a ReadyTimeoutError rather than hanging.
    readyTimeoutMs: 60_000,
    // A backtest of files is bounded by them: its summary gives per-symbol quality and gap states
    // over every session, which needs every record.
    reportLimit: Infinity,
    ...(options.overrun === undefined ? {} : { overrun: options.overrun }),
    ...(options.symbols === undefined ? {} : { symbols: options.symbols }),
  });
  if (options.onProgress !== undefined) coordinator.on('progress', options.onProgress);
  const stop = (): void => coordinator.stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  let report: RunReport;
  try {
    const running = coordinator.run();
    if (options.signal?.aborted === true) stop();
    report = await running;
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  if (csv === null) return { strategy: strategy.name, report, signals };
  const read = csv.lastReport ?? { files: [], rowsRead: 0, rowsLoaded: 0, rowsOutside: 0, badRows: 0, badRowDetails: [], reordered: [], rowsWithoutOffset: 0, overlapping: [] };
  return {
    strategy: strategy.name,
    report,
    signals,
    source: {
      files: read.files,
      rowsRead: read.rowsRead,
      rowsLoaded: read.rowsLoaded,
      rowsOutside: read.rowsOutside,
      rowsBySymbol,
      symbolsBackInTime,
      symbolsDaily,
      symbolsCoarser,
      symbolsStampedAtClose,
      symbolsFixedPoint,
      symbolsReordered: read.reordered,
      overlappingFiles: read.overlapping,
      rowsWithoutOffset: read.rowsWithoutOffset,
      badRows: read.badRows,
      badRowDetails: read.badRowDetails,
    },
  };
}

/**
 * Waits for a strategy's setup or import. A promise that nothing is left to settle would end the
 * process with Node's exit code 13 and no word: the event loop running dry while it waits
 * (`beforeExit`) proves it never will, and that is an error.
 */
async function settled<T>(result: T | Promise<T>, what: string): Promise<T> {
  let onIdle = (): void => undefined;
  const stalled = new Promise<never>((_, reject) => {
    onIdle = () => reject(new Error(`${what} never settles (nothing is left running that could settle it)`));
  });
  process.once('beforeExit', onIdle);
  try {
    return await Promise.race([result, stalled]);
  } finally {
    process.off('beforeExit', onIdle);
  }
}

/**
 * What to do about a TypeScript strategy that this Node.js cannot import: its own message (an
 * unknown file extension) names the symptom, not the way out, and the strategy's types come from
 * this package, so writing it in TypeScript is the natural first try.
 */
function typeScriptHint(file: string, error: unknown): string {
  if (!(error instanceof Error) || !/\.[cm]?ts$/i.test(file)) return '';
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return '; this Node.js does not run TypeScript itself: compile the strategy to JavaScript, or run the command line under a loader (node --import tsx node_modules/barstream/dist/cli/main.js backtest ...)';
  }
  // A loader compiles a `.ts` file of a folder that is not "type": "module" to CommonJS, which
  // this Node.js then cannot load from the command line's ES module.
  if ((code === 'ERR_REQUIRE_CYCLE_MODULE' || code === 'ERR_REQUIRE_ESM') && /\.ts$/i.test(file)) {
    return '; name the strategy .mts (an ES module whatever its folder says), or give its folder\'s package.json "type": "module"';
  }
  return '';
}

/** The keys a strategy's default export may have. */
const STRATEGY_KEYS: readonly string[] = ['name', 'setup', 'intervals', 'indicators'];

async function loadStrategy(file: string): Promise<Strategy> {
  let mod: { default?: unknown };
  try {
    mod = (await settled(import(pathToFileURL(path.resolve(file)).href), 'its import')) as { default?: unknown };
  } catch (e) {
    // A module may throw anything at its top level, undefined included.
    throw new ConfigError('strategy', `cannot load ${file}: ${e instanceof Error ? e.message : `it threw ${describe(e)}`}${typeScriptHint(file, e)}`);
  }
  let s: unknown = mod.default;
  // A TypeScript strategy compiled to CommonJS (`exports.default = ...` beside `__esModule`): its
  // module.exports is the import's default, and the strategy that object's default.
  if (s !== null && typeof s === 'object' && (s as { __esModule?: unknown }).__esModule === true && 'default' in s) s = (s as { default: unknown }).default;
  if (s === null || typeof s !== 'object') {
    throw new ConfigError('strategy', `${file} must export default { name, setup(engine, context) }, got ${describe(s)}`);
  }
  const { name, setup, intervals, indicators } = s as Record<string, unknown>;
  const bad = (what: string, value: unknown): ConfigError =>
    new ConfigError('strategy', `${file}: the default export's ${what}, got ${describe(value)}`);
  // A misspelt key (`interval`, `indicator`) of an object literal would otherwise leave the run
  // without what it names, failing later in every handler, or not at all. A class's instance may
  // have fields of its own (its parameters) beside a strategy's.
  const proto: unknown = Object.getPrototypeOf(s);
  const literal = proto === Object.prototype || proto === null;
  const unknown = literal ? Object.keys(s).filter((key) => !STRATEGY_KEYS.includes(key)) : [];
  if (unknown.length > 0) {
    throw new ConfigError('strategy', `${file}: the default export has ${unknown.map((k) => `'${k}'`).join(', ')}, which a strategy does not have (its keys: ${STRATEGY_KEYS.join(', ')})`);
  }
  if (typeof name !== 'string' || name.trim() === '') throw bad('name must be a non-empty string', name);
  if (typeof setup !== 'function') throw bad('setup must be a function (engine, context)', setup);
  // A string would be read as a list of one-character intervals ('15m' as '1', '5', 'm').
  if (intervals !== undefined && !(Array.isArray(intervals) && intervals.every((i) => typeof i === 'string'))) {
    throw bad("intervals must be an array of interval strings such as ['15m']", intervals);
  }
  if (indicators !== undefined && (indicators === null || typeof indicators !== 'object' || Array.isArray(indicators))) {
    throw bad("indicators must be an object of interval to indicator list, such as { '15m': [{ kind: 'ema', period: 20 }] }", indicators);
  }
  return s as Strategy;
}

/** What is wrong with `s` as a signal, or null. */
function signalProblem(s: unknown): string | null {
  if (s === null || typeof s !== 'object') return `got ${describe(s)}`;
  const { symbol, time, side, note } = s as Record<string, unknown>;
  if (typeof symbol !== 'string' || symbol === '') return `symbol must be a non-empty string, got ${describe(symbol)}`;
  if (!(Number.isInteger(time) && Math.abs(time as number) <= 8.64e15)) return `time must be whole epoch milliseconds (a closed bar's time), got ${describe(time)}`;
  if (side !== 'buy' && side !== 'sell') return `side must be 'buy' or 'sell', got ${describe(side)}`;
  if (note !== undefined && typeof note !== 'string') return `note must be a string when given, got ${describe(note)}`;
  return null;
}

/** The first `length` of `time` in order: a view when they are (the usual case), else a sorted copy. */
function sortedTimes(time: Float64Array, length: number): Float64Array {
  const view = time.subarray(0, length);
  for (let i = 1; i < length; i++) if (!((view[i] as number) >= (view[i - 1] as number))) return Float64Array.from(view).sort();
  return view;
}

/**
 * Whether a symbol's rows look like daily bars: one timed at its day's start, or at least two,
 * most of them (by time) whole days after the one before, give or take the hour a change of the
 * clocks makes (a symbol that trades once a day or so does so at other times of day). A run's base is 1m: such rows fall
 * outside the session hours (a date alone is its day's midnight).
 */
function looksDaily(sorted: Float64Array, sessions: readonly Session[]): boolean {
  const length = sorted.length;
  // One row (a one-day run of a daily file): daily when timed at its day's start, as a bare date
  // reads: midnight UTC, or a session's first instant in the calendar's zone.
  if (length === 1) {
    const t = sorted[0] as number;
    return t % 86_400_000 === 0 || sessions.some((x) => x.dayStart === t);
  }
  if (length < 2) return false;
  const day = 86_400_000;
  const hour = 3_600_000;
  let days = 0;
  for (let i = 1; i < length; i++) {
    const gap = (sorted[i] as number) - (sorted[i - 1] as number);
    const part = gap % day;
    if (gap >= day - hour && (part <= hour || part >= day - hour)) days++;
  }
  return days * 2 >= length - 1;
}

/**
 * Whether `sorted` (a symbol's times, in order) has a row at the close of most of the `sessions`
 * it has rows in, and none at their opens: the rows of a session that starts at its open and
 * ends a bar before its close, stamped at each bar's end.
 */
function stampedAtClose(sorted: Float64Array, sessions: readonly Session[]): boolean {
  let within = 0;
  let shifted = 0;
  for (const session of sessions) {
    const first = lowerBound(sorted, session.open);
    if (first === sorted.length || (sorted[first] as number) > session.close) continue;
    within++;
    const atOpen = sorted[first] === session.open;
    const last = lowerBound(sorted, session.close, first);
    if (!atOpen && last < sorted.length && sorted[last] === session.close) shifted++;
  }
  return within > 0 && shifted * 2 > within;
}

/**
 * The first close when every close of the column is a whole number of 100,000,000 or more (prices
 * as fixed-point integers), else null. No share, index or coin trades near such a price; a
 * price of 510.19 in Databento's units of 1e-9 is 510,190,000,000.
 */
function fixedPointClose(close: Float64Array, length: number): number | null {
  let first: number | null = null;
  for (let i = 0; i < length; i++) {
    const c = close[i] as number;
    // A missing close (NaN) is the store's to reject, and says nothing of the others.
    if (c !== c) continue;
    if (!(c >= 1e8 && Number.isInteger(c))) return null;
    first ??= c;
  }
  return first;
}

/**
 * The most common gap between a symbol's rows in time order, under a day (a session's bars, not the
 * nights between them), the shorter of two as common; 0 unless some gap occurs at least twice.
 */
function usualStep(sorted: Float64Array): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < sorted.length; i++) {
    const gap = (sorted[i] as number) - (sorted[i - 1] as number);
    if (gap > 0 && gap < 86_400_000) counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let step = 0;
  let most = 1;
  for (const [gap, n] of counts) if (n > most || (n === most && step !== 0 && gap < step)) [step, most] = [gap, n];
  return step;
}

/** The shortest name of `ms` as an interval: `'5m'`, `'90s'`, `'2h'`. */
function canonicalName(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/** Whether a time among the first `length` is a day or more before an earlier row's (NaN times are passed over). */
function goesBackADay(time: ArrayLike<number>, length: number): boolean {
  let latest = -Infinity;
  for (let i = 0; i < length; i++) {
    const t = time[i] as number;
    if (t <= latest - 86_400_000) return true;
    if (t > latest) latest = t;
  }
  return false;
}
