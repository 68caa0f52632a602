/**
 * Indicators: how they are configured for a {@link SessionData}, and their standalone forms
 * (`new Rsi(14).update(x)`, and batch functions over whole columns). Every value comes from the
 * native core, the same code the store runs.
 * @module
 */
import { constants } from 'node:buffer';
import { ConfigError, InputError, describe, firstHole, fromNative, refuseExtra, show } from './errors.js';
import { NativeIndicator, SLOT, SLOT_HANDLE, indicatorBatchAll, indicatorInfo, indicatorSlot } from './native.js';
import type { NativeIndicatorConfig } from './native.js';
import { givenLength, num, toColumn } from './typed-arrays.js';

/** The most bytes one ArrayBuffer that Node.js makes may hold. */
const MAX_LENGTH = constants.MAX_LENGTH;

/** Indicators of one window. */
export interface PeriodConfig {
  kind: 'sma' | 'ema' | 'wma' | 'rsi' | 'atr' | 'adx' | 'cci' | 'roc' | 'mfi';
  period?: number | undefined;
}
/** Standard deviation (population) over `period`, times `dev` (default 1). */
export interface StddevConfig {
  kind: 'stddev';
  period?: number | undefined;
  dev?: number | undefined;
}
/** MACD: EMA(fast) - EMA(slow), its EMA(signal), and their difference. Default 12/26/9. */
export interface MacdConfig {
  kind: 'macd';
  fast?: number | undefined;
  slow?: number | undefined;
  signal?: number | undefined;
}
/** Bollinger Bands: SMA(period) +- devUp/devDown population deviations. Default 20/2/2. */
export interface BbandsConfig {
  kind: 'bbands';
  period?: number | undefined;
  devUp?: number | undefined;
  devDown?: number | undefined;
}
/** Slow stochastic: fast %K over kPeriod, smoothed by SMA(kSlow) into %K, SMA(dPeriod) of it is %D. Default 14/3/3. */
export interface StochConfig {
  kind: 'stoch';
  kPeriod?: number | undefined;
  kSlow?: number | undefined;
  dPeriod?: number | undefined;
}
/** On-balance volume; session VWAP of the typical price. */
export interface PlainConfig {
  kind: 'obv' | 'vwap';
}

/** An indicator and its parameters; an absent parameter takes its default (see the README's table). */
export type IndicatorConfig = PeriodConfig | StddevConfig | MacdConfig | BbandsConfig | StochConfig | PlainConfig;

/** Every indicator kind. */
export type IndicatorKind = IndicatorConfig['kind'];

const PARAMS = ['period', 'fast', 'slow', 'signal', 'kPeriod', 'kSlow', 'dPeriod', 'devUp', 'devDown', 'dev'] as const;

/**
 * The binding's form of a config. An unknown key is an error, so a misspelt parameter is never
 * ignored; a config that is not `{ kind, ... }` is a ConfigError naming `param`, the argument or
 * option it came in. @internal
 */
export function nativeConfig(config: IndicatorConfig, param = 'indicators'): NativeIndicatorConfig {
  if (config === null || typeof config !== 'object' || typeof config.kind !== 'string') {
    throw new ConfigError(param, `an indicator is { kind, ...parameters }, got ${show(config)}`);
  }
  const out: NativeIndicatorConfig = { kind: config.kind };
  // Parameters are read from the config's own keys: one it only inherits (from a prototype, or a
  // class getter) would otherwise be left at its default without a word.
  for (const key of PARAMS) {
    if (key in config && !Object.prototype.propertyIsEnumerable.call(config, key)) {
      throw new ConfigError(key, `must be an own property of the indicator config; ${config.kind}'s ${key} is inherited or a getter of its class`);
    }
  }
  for (const [key, value] of Object.entries(config)) {
    if (key === 'kind') continue;
    if (!(PARAMS as readonly string[]).includes(key)) throw new ConfigError(key, `'${key}' is not a parameter of ${config.kind}`);
    if (value === undefined) continue;
    if (typeof value !== 'number') throw new ConfigError(key, `must be a number, got ${show(value)}`);
    (out as unknown as Record<string, number>)[key] = value;
  }
  return out;
}

/** What an indicator is called and what it gives. */
export interface IndicatorInfo {
  /** Its stable name, such as `rsi14`, `macd`, `bbands20`. */
  id: string;
  /** Its output names, such as `['rsi14']` or `['macd.macd', 'macd.signal', 'macd.histogram']`. */
  outputs: string[];
  /** Bars consumed before the first value: TA-Lib's lookback. */
  lookback: number;
}

/**
 * Validates a configuration and describes the indicator.
 * @throws {ConfigError} naming the bad parameter.
 */
export function describeIndicator(config: IndicatorConfig): IndicatorInfo;
export function describeIndicator(config: IndicatorConfig, extra?: unknown): IndicatorInfo {
  refuseExtra('describeIndicator', '(config)', extra, 2, 'an indicator is one config { kind, ...parameters }');
  try {
    return indicatorInfo(nativeConfig(config, 'config'));
  } catch (e) {
    throw fromNative(e);
  }
}

/** The inputs of bar-based indicators; `volume` is read by OBV, MFI and VWAP. */
export interface IndicatorBar {
  high: number;
  low: number;
  close: number;
  /** Needed by OBV, MFI and VWAP: without it they give `NaN` and change nothing. */
  volume?: number | undefined;
}

/** Shared by every standalone indicator: one native instance, fed a bar at a time. */
export abstract class StandaloneIndicator<In, Out> {
  readonly #native: NativeIndicator;
  /** The native indicator's handle, which the slot call finds it by. */
  readonly #handle: number;
  /** The indicator's name and outputs. */
  readonly info: IndicatorInfo;

  /**
   * @param given the arguments the subclass's constructor was called with: more than the
   * parameters in `config` (a period given to `Obv`, a third multiplier to `Stddev`) is a
   * `ConfigError` rather than a value silently ignored.
   */
  protected constructor(config: IndicatorConfig, given: ArrayLike<unknown>) {
    const params = Object.keys(config).filter((k) => k !== 'kind');
    // A trailing `undefined` is an argument left out (`new Atr(14, opts.extra)`), as the defaults read it.
    let count = given.length;
    while (count > 0 && given[count - 1] === undefined) count--;
    if (count > params.length) {
      const takes = params.length === 0 ? 'no arguments' : `at most ${params.length} argument${params.length === 1 ? '' : 's'} (${params.join(', ')})`;
      const got = Array.from(given, show).slice(0, count).join(', ');
      throw new ConfigError('arguments', `${new.target.name} takes ${takes}, got ${count}: ${got}`);
    }
    const native = nativeConfig(config);
    try {
      this.info = indicatorInfo(native);
      this.#native = new NativeIndicator(native);
      this.#handle = this.#native.handle;
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** The output from its first value, given, and the others, read from the calling slot where the native call wrote them. */
  protected abstract shape(first: number): Out;
  protected abstract fields(input: In): [number, number, number, number];

  /**
   * Commits one value (or bar) and returns the output, `NaN` during warm-up. A non-finite input
   * changes nothing and gives `NaN`. Arguments after the first are not read (`closes.map(rsi.update, rsi)`
   * passes an index).
   * @throws {InputError} for an input of the wrong kind: an object or function given to an
   * indicator of values (pass the bar's close), a number or string given to an indicator of bars
   * (`atr.update(high, low, close)`: pass one bar); state unchanged.
   */
  update(input: In): Out {
    return this.#run(input, 0);
  }

  /**
   * What {@link update} would return for this input, committing nothing.
   * @throws {InputError} as {@link update} does.
   */
  peek(input: In): Out {
    return this.#run(input, 1);
  }

  /**
   * One native call: the input's fields go into the calling slot (anything that is not a number,
   * a missing field, `null`, a string, reads as NaN: not finite, so it changes nothing), and the
   * outputs come back in it. Every field is read before the slot is written: a getter may itself
   * feed an indicator, which uses the slot too.
   */
  #run(input: In, peek: 0 | 1): Out {
    let h = NaN;
    let l = NaN;
    let c = NaN;
    let v = NaN;
    if (input !== null && input !== undefined) {
      const f = this.fields(input);
      h = num(f[0]);
      l = num(f[1]);
      c = num(f[2]);
      v = num(f[3]);
    }
    const slot = SLOT;
    slot[0] = h;
    slot[1] = l;
    slot[2] = c;
    slot[3] = v;
    slot[4] = peek;
    slot[SLOT_HANDLE] = this.#handle;
    try {
      indicatorSlot();
    } catch (e) {
      throw fromNative(e);
    }
    return this.shape(slot[0] as number);
  }

  /** Back to the state of a new instance. */
  reset(): void {
    this.#native.reset();
  }

  /** Whether outputs are values yet. */
  get initialized(): boolean {
    return this.#native.initialized;
  }

  /** Inputs consumed before the first value (TA-Lib's lookback). */
  get lookback(): number {
    return this.info.lookback;
  }

  /** Starts a new session: VWAP restarts; the others ignore it. */
  sessionStart(): void {
    this.#native.sessionStart();
  }
}

/** An indicator of one series of numbers (closes). */
export abstract class ValueIndicator<Out> extends StandaloneIndicator<number, Out> {
  protected fields(x: number): [number, number, number, number] {
    // A whole bar given where its close was meant would read as NaN at every update, for good.
    if (typeof x === 'object' || typeof x === 'function') {
      const boxed = Object.prototype.toString.call(x) === '[object Number]';
      // A column given where one value was meant: computeIndicator takes columns.
      const column = ArrayBuffer.isView(x) || Array.isArray(x);
      throw new InputError(
        `${this.constructor.name} takes one number (a close), got ${boxed ? 'a Number object' : column ? `${Object.prototype.toString.call(x).slice(8, -1)}${typeof (x as { length?: unknown }).length === 'number' ? ` of ${(x as ArrayLike<unknown>).length}` : ''}` : describe(x)}: ${boxed ? 'pass its value' : column ? 'pass one close a call (computeIndicator takes a whole column)' : "pass the bar's close"}`,
      );
    }
    return [x, x, x, 0];
  }
}

/** An indicator of bars. */
export abstract class BarIndicator<Out, In extends Partial<IndicatorBar> = IndicatorBar> extends StandaloneIndicator<In, Out> {
  // A missing field reads as NaN: an indicator that reads it (volume for OBV, MFI and VWAP) then
  // gives NaN and changes nothing (as batch does); the others never look at it.
  protected fields(bar: In): [number, number, number, number] {
    // A close given where a bar was meant has no fields: every update would read NaN, for good.
    // So would an array of its fields, or a boxed number or string.
    if (typeof bar !== 'object' || Array.isArray(bar) || bar instanceof Number || bar instanceof String) {
      throw new InputError(`${this.constructor.name} takes one bar { high, low, close, volume }, got ${describe(bar)}`);
    }
    const high = bar.high;
    const low = bar.low;
    const close = bar.close;
    // Every indicator of bars reads the close: without one, a typed array of the fields, a Map or
    // a Date would read NaN at every update too. Asked only then, so a bar pays nothing for it.
    if (close === undefined && (ArrayBuffer.isView(bar) || bar instanceof Map || bar instanceof Set || bar instanceof Date)) {
      throw new InputError(`${this.constructor.name} takes one bar { high, low, close, volume }, got a ${Object.prototype.toString.call(bar).slice(8, -1)}`);
    }
    return [high as number, low as number, close as number, bar.volume as number];
  }
}

/** What {@link Obv} reads of a bar: its close and volume (a whole bar will do). */
export interface ObvInput {
  close: number;
  /** Without it OBV gives `NaN` and changes nothing. */
  volume?: number | undefined;
}

const first = (value: number): number => value;

/** Simple moving average. */
export class Sma extends ValueIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 30) {
    super({ kind: 'sma', period }, arguments);
  }
  protected shape = first;
}
/** Exponential moving average, seeded with the SMA of the first `period` values (as TA-Lib). */
export class Ema extends ValueIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 30) {
    super({ kind: 'ema', period }, arguments);
  }
  protected shape = first;
}
/** Linearly weighted moving average. */
export class Wma extends ValueIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 30) {
    super({ kind: 'wma', period }, arguments);
  }
  protected shape = first;
}
/** Relative strength index (Wilder). */
export class Rsi extends ValueIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 14) {
    super({ kind: 'rsi', period }, arguments);
  }
  protected shape = first;
}
/** Rate of change, in percent. */
export class Roc extends ValueIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 10) {
    super({ kind: 'roc', period }, arguments);
  }
  protected shape = first;
}
/** Population standard deviation times `dev`. */
export class Stddev extends ValueIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 20, dev = 1) {
    super({ kind: 'stddev', period, dev }, arguments);
  }
  protected shape = first;
}
/** MACD outputs. */
export interface MacdValue {
  macd: number;
  signal: number;
  histogram: number;
}
/** Moving average convergence/divergence. */
export class Macd extends ValueIndicator<MacdValue> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(fast = 12, slow = 26, signal = 9) {
    super({ kind: 'macd', fast, slow, signal }, arguments);
  }
  protected shape = (macd: number): MacdValue => ({ macd, signal: SLOT[1] as number, histogram: SLOT[2] as number });
}
/** Bollinger Bands outputs. */
export interface BandsValue {
  upper: number;
  middle: number;
  lower: number;
}
/**
 * Bollinger Bands (population deviation). Each deviation defaults to 2, as in the indicator config
 * and TA-Lib: `new BollingerBands(20, 3)` has an upper band at 3 and a lower one at 2 deviations.
 */
export class BollingerBands extends ValueIndicator<BandsValue> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 20, devUp = 2, devDown = 2) {
    super({ kind: 'bbands', period, devUp, devDown }, arguments);
  }
  protected shape = (upper: number): BandsValue => ({ upper, middle: SLOT[1] as number, lower: SLOT[2] as number });
}
/** Average true range (Wilder). */
export class Atr extends BarIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 14) {
    super({ kind: 'atr', period }, arguments);
  }
  protected shape = first;
}
/** Average directional index (Wilder). */
export class Adx extends BarIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 14) {
    super({ kind: 'adx', period }, arguments);
  }
  protected shape = first;
}
/** Commodity channel index. */
export class Cci extends BarIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 20) {
    super({ kind: 'cci', period }, arguments);
  }
  protected shape = first;
}
/** Money flow index. */
export class Mfi extends BarIndicator<number> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(period = 14) {
    super({ kind: 'mfi', period }, arguments);
  }
  protected shape = first;
}
/** On-balance volume. */
export class Obv extends BarIndicator<number, ObvInput> {
  /** @throws {ConfigError} `arguments` when given any argument. */
  constructor() {
    super({ kind: 'obv' }, arguments);
  }
  protected shape = first;
}
/** Volume-weighted average of the typical price (h+l+c)/3 since the session opened ({@link StandaloneIndicator.sessionStart}). */
export class Vwap extends BarIndicator<number> {
  /** @throws {ConfigError} `arguments` when given any argument. */
  constructor() {
    super({ kind: 'vwap' }, arguments);
  }
  protected shape = first;
}
/** Stochastic outputs. */
export interface StochValue {
  k: number;
  d: number;
}
/** Slow stochastic oscillator. */
export class Stochastic extends BarIndicator<StochValue> {
  /** @throws {ConfigError} naming a parameter out of its range (see the README's indicator table), or `arguments` for more arguments than these. */
  constructor(kPeriod = 14, kSlow = 3, dPeriod = 3) {
    super({ kind: 'stoch', kPeriod, kSlow, dPeriod }, arguments);
  }
  protected shape = (k: number): StochValue => ({ k, d: SLOT[1] as number });
}

/** Input columns of {@link computeIndicator}; `high`, `low`, `volume` for the kinds that read them. */
export interface IndicatorColumns {
  close: Float64Array | readonly number[];
  /** Not read: a view of bars (or a batch's columns) may be given whole. */
  time?: Float64Array | readonly number[] | undefined;
  /** Not read, as `time`. */
  open?: Float64Array | readonly number[] | undefined;
  /** Not read, as `time`: a view's length. */
  length?: number | undefined;
  high?: Float64Array | readonly number[] | undefined;
  low?: Float64Array | readonly number[] | undefined;
  volume?: Float64Array | readonly number[] | undefined;
}

const f64 = (name: string, col: Float64Array | readonly number[] | undefined): Float64Array | undefined => (col === undefined ? undefined : toColumn(name, col));

/**
 * Runs an indicator over whole columns at once (`Float64Array`s are read without copying, but for
 * one over a `SharedArrayBuffer`, copied first) and
 * returns one new column per output (views of one `ArrayBuffer`), keyed by output name (`rsi14`,
 * `macd.signal`, ...), `NaN` during warm-up. Bit for bit the values of feeding the same bars one
 * at a time. Outputs of under 32 MiB in all are the engine's memory, freed by any collection; larger
 * ones are native memory (a reused mapping, already faulted in), freed once a collection has found
 * them unreachable and the event loop has turned, as a dropped store's.
 *
 * @param sessionStarts indices of bars that open a session (VWAP restarts there), strictly
 * ascending, each from 0 to the number of bars; default one session.
 * @throws {ConfigError} naming a bad parameter: `sessionStarts` when it is not such a list (a
 * repeated or descending index included), `columns` for a key that is no column (a misspelt one,
 * or `sessionStarts` put among the columns) or for outputs too large for one `ArrayBuffer` (bars x
 * outputs x 8 bytes past `buffer.constants.MAX_LENGTH`, 4 GiB on Node 20: checked before any work).
 * {@link InputError} for missing or unequal columns.
 */
export function computeIndicator(config: IndicatorConfig, columns: IndicatorColumns, sessionStarts?: readonly number[]): Record<string, Float64Array<ArrayBuffer>>;
export function computeIndicator(config: IndicatorConfig, columns: IndicatorColumns, sessionStarts?: readonly number[], extra?: unknown): Record<string, Float64Array<ArrayBuffer>> {
  refuseExtra('computeIndicator', '(config, columns, sessionStarts?)', extra, 4, 'the session starts are the third argument; several indicators go in computeIndicators');
  return compute([nativeConfig(config, 'config')], columns, sessionStarts);
}

/**
 * {@link computeIndicator} for several indicators over the same columns in one call: every
 * output of every indicator, keyed by output name. Over long columns (32,768 bars or more) the
 * indicators are shared between two threads, each indicator whole on one, so the values are bit
 * for bit those of {@link computeIndicator}. All outputs live in one `ArrayBuffer` (its memory as
 * {@link computeIndicator} says).
 *
 * @example
 * ```ts
 * const out = computeIndicators([{ kind: 'rsi', period: 14 }, { kind: 'macd' }], { close });
 * out['rsi14']; out['macd.signal'];
 * ```
 * @param sessionStarts indices of bars that open a session (VWAP restarts there), strictly
 * ascending, each from 0 to the number of bars; default one session.
 * @throws {ConfigError} naming a bad parameter (`sessionStarts` and `columns` as
 * {@link computeIndicator} says), or `configs` when two indicators would give an output of the
 * same name. {@link InputError} for missing or unequal columns. Nothing is computed then.
 */
export function computeIndicators(configs: readonly IndicatorConfig[], columns: IndicatorColumns, sessionStarts?: readonly number[]): Record<string, Float64Array<ArrayBuffer>>;
export function computeIndicators(configs: readonly IndicatorConfig[], columns: IndicatorColumns, sessionStarts?: readonly number[], extra?: unknown): Record<string, Float64Array<ArrayBuffer>> {
  refuseExtra('computeIndicators', '(configs, columns, sessionStarts?)', extra, 4, 'the session starts are the third argument');
  if (!Array.isArray(configs)) throw new ConfigError('configs', `expected an array of indicator configs, got ${show(configs)}`);
  const hole = firstHole(configs);
  if (hole >= 0) throw new ConfigError('configs', `no config at ${hole} (a sparse array)`);
  return compute(
    configs.map((c) => nativeConfig(c, 'configs')),
    columns,
    sessionStarts,
  );
}

/**
 * Refuses session starts that are not strictly ascending bar indices from 0 to `bars`: a repeated
 * index restarted nothing more and a descending one was the core's error, while the others went
 * through; an argument, so a ConfigError naming it, whatever is wrong with it.
 */
function checkSessionStarts(starts: unknown, bars: number): number[] {
  const bad = (why: string): ConfigError => new ConfigError('sessionStarts', `expected strictly ascending bar indices from 0 to ${bars} (the bars given), ${why}`);
  if (!Array.isArray(starts)) throw bad(`got ${show(starts)}`);
  // Each entry read once, into the list the core gets: a getter read again could give another.
  const checked: number[] = [];
  for (let k = 0; k < starts.length; k++) {
    const i: unknown = starts[k];
    if (!(typeof i === 'number' && Number.isInteger(i) && i >= 0 && i <= bars && i <= 0xffffffff)) throw bad(`got ${show(i)} at position ${k}`);
    if (k > 0 && i <= (checked[k - 1] as number)) throw bad(`got ${i} after ${checked[k - 1] as number} at position ${k}`);
    checked.push(i);
  }
  return checked;
}

/** The keys a columns argument may have: the bar columns, and a view's or a batch's length. */
const COLUMN_KEYS = new Set(['time', 'open', 'high', 'low', 'close', 'volume', 'length']);

/** {@link computeIndicators} of configs in the binding's form. */
function compute(natives: NativeIndicatorConfig[], columns: IndicatorColumns, sessionStarts?: readonly number[]): Record<string, Float64Array<ArrayBuffer>> {
  try {
    const names: string[] = [];
    for (const native of natives) {
      for (const name of indicatorInfo(native).outputs) {
        if (names.includes(name)) throw new ConfigError('configs', `two indicators give the output '${name}'; give each a different kind or parameters`);
        names.push(name);
      }
    }
    if (columns === null || typeof columns !== 'object') throw new InputError('columns must be an object with a close column');
    // A misspelt column, or the session starts given among the columns, would be left unread
    // without a word (VWAP then restarting nowhere). Bar columns and views pass whole.
    for (const key of Object.keys(columns)) {
      if (!COLUMN_KEYS.has(key)) {
        throw new ConfigError('columns', `'${key}' is no column (close, high, low, volume; time, open and length are taken and not read)${key === 'sessionStarts' ? ': session starts are the argument after the columns' : ''}`);
      }
    }
    // Lengths compared as given, before any column is converted (see givenLength).
    const closeLength = givenLength(columns.close);
    for (const name of ['high', 'low', 'volume'] as const) {
      const n = givenLength(columns[name]);
      if (closeLength !== null && n !== null && n !== closeLength) throw new InputError(`column ${name} has length ${n}, but close has ${closeLength}`);
    }
    const close = f64('close', columns.close);
    if (close === undefined) throw new InputError("column 'close' is missing");
    const starts = sessionStarts === undefined ? undefined : checkSessionStarts(sessionStarts, close.length);
    // The outputs come back in one ArrayBuffer: past its limit the work would be done and then lost.
    const bytes = names.length * close.length * 8;
    if (bytes > MAX_LENGTH) {
      throw new ConfigError('columns', `${close.length} bars x ${names.length} outputs take ${bytes} bytes, more than one ArrayBuffer holds (${MAX_LENGTH}): compute fewer indicators a call, or fewer bars`);
    }
    const buffer = indicatorBatchAll(
      natives,
      close,
      f64('high', columns.high),
      f64('low', columns.low),
      f64('volume', columns.volume),
      starts,
    );
    // One native block holds every output, column after column.
    const n = close.length;
    return Object.fromEntries(names.map((name, k) => [name, buffer === null ? new Float64Array(0) : new Float64Array(buffer, k * n * 8, n)]));
  } catch (e) {
    throw fromNative(e);
  }
}
