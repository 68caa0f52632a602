/**
 * The reference side of the indicator tests: real TA-Lib (the `talib` dev dependency, a binding of
 * the C library), a table of indicator configurations with the TA-Lib call that must give the same
 * values, seeded OHLCV random walks, and the tolerance used to compare.
 *
 * Nothing here calls barstream: expected values come from TA-Lib or from naive code in this file.
 */
import { createRequire } from 'node:module';
import type { Bar, IndicatorConfig } from 'barstream';
import { Rng } from './prng.js';

const require = createRequire(import.meta.url);

interface TalibResult {
  begIndex: number;
  nbElement: number;
  result: Record<string, number[]>;
}
interface TalibModule {
  version: string;
  execute(params: Record<string, unknown>): TalibResult;
}

/** The TA-Lib binding (CommonJS, no types). */
export const talib: TalibModule = require('talib') as TalibModule;

/** OHLCV columns as plain arrays (the TA-Lib binding does not read typed arrays). */
export interface Series {
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

export function seriesOf(bars: readonly Bar[]): Series {
  return {
    time: bars.map((b) => b.time),
    open: bars.map((b) => b.open),
    high: bars.map((b) => b.high),
    low: bars.map((b) => b.low),
    close: bars.map((b) => b.close),
    volume: bars.map((b) => b.volume),
  };
}

/** The columns the indicators read, as `Float64Array`s (what `computeIndicator` takes without copying). */
export function indicatorColumns(s: Series): { close: Float64Array; high: Float64Array; low: Float64Array; volume: Float64Array } {
  return {
    close: Float64Array.from(s.close),
    high: Float64Array.from(s.high),
    low: Float64Array.from(s.low),
    volume: Float64Array.from(s.volume),
  };
}

/** One indicator configuration and the TA-Lib call that must give the same outputs. */
export interface TalibCase {
  config: IndicatorConfig;
  /** The package's output names, written out by hand (from the naming rule), in output order. */
  names: string[];
  /** TA-Lib function name. */
  fn: string;
  /** TA-Lib optional inputs. */
  opts: Record<string, number>;
  /** TA-Lib output names, in the order of `names`. */
  outs: string[];
  /** TA-Lib inputs the function reads. */
  inputs: 'real' | 'hlc' | 'hlcv' | 'cv';
  /** TA-Lib's lookback for these parameters, by hand from the definitions (begIndex on a clean series). */
  lookback: number;
}

const real = (fn: string, config: IndicatorConfig, name: string, opts: Record<string, number>, lookback: number): TalibCase => ({
  config, names: [name], fn, opts, outs: ['outReal'], inputs: 'real', lookback,
});
const hlc = (fn: string, config: IndicatorConfig, name: string, opts: Record<string, number>, lookback: number): TalibCase => ({
  config, names: [name], fn, opts, outs: ['outReal'], inputs: 'hlc', lookback,
});
const macd = (fast: number, slow: number, signal: number, id: string): TalibCase => ({
  config: { kind: 'macd', fast, slow, signal },
  names: [`${id}.macd`, `${id}.signal`, `${id}.histogram`],
  fn: 'MACD',
  opts: { optInFastPeriod: fast, optInSlowPeriod: slow, optInSignalPeriod: signal },
  outs: ['outMACD', 'outMACDSignal', 'outMACDHist'],
  inputs: 'real',
  lookback: slow - 1 + signal - 1,
});
const bbands = (period: number, up: number, down: number, id: string): TalibCase => ({
  config: { kind: 'bbands', period, devUp: up, devDown: down },
  names: [`${id}.upper`, `${id}.middle`, `${id}.lower`],
  fn: 'BBANDS',
  opts: { optInTimePeriod: period, optInNbDevUp: up, optInNbDevDn: down, optInMAType: 0 },
  outs: ['outRealUpperBand', 'outRealMiddleBand', 'outRealLowerBand'],
  inputs: 'real',
  lookback: period - 1,
});
const stoch = (k: number, slow: number, d: number, id: string): TalibCase => ({
  config: { kind: 'stoch', kPeriod: k, kSlow: slow, dPeriod: d },
  names: [`${id}.k`, `${id}.d`],
  fn: 'STOCH',
  opts: { optInFastK_Period: k, optInSlowK_Period: slow, optInSlowK_MAType: 0, optInSlowD_Period: d, optInSlowD_MAType: 0 },
  outs: ['outSlowK', 'outSlowD'],
  inputs: 'hlc',
  lookback: k - 1 + slow - 1 + d - 1,
});

/**
 * Every TA-Lib indicator of the package, at its defaults (parameters left out) and at non-default
 * parameters. Defaults, by the package's documentation: SMA/EMA/WMA 30 (TA-Lib's own), RSI 14,
 * MACD 12/26/9, BBANDS 20/2/2, ATR 14, STDDEV 20/1, STOCH 14/3/3, ADX 14, CCI 20, ROC 10, MFI 14.
 */
export const TALIB_CASES: readonly TalibCase[] = [
  real('SMA', { kind: 'sma' }, 'sma30', { optInTimePeriod: 30 }, 29),
  real('SMA', { kind: 'sma', period: 20 }, 'sma20', { optInTimePeriod: 20 }, 19),
  real('SMA', { kind: 'sma', period: 2 }, 'sma2', { optInTimePeriod: 2 }, 1),
  real('EMA', { kind: 'ema' }, 'ema30', { optInTimePeriod: 30 }, 29),
  real('EMA', { kind: 'ema', period: 12 }, 'ema12', { optInTimePeriod: 12 }, 11),
  real('WMA', { kind: 'wma' }, 'wma30', { optInTimePeriod: 30 }, 29),
  real('WMA', { kind: 'wma', period: 10 }, 'wma10', { optInTimePeriod: 10 }, 9),
  real('RSI', { kind: 'rsi' }, 'rsi14', { optInTimePeriod: 14 }, 14),
  real('RSI', { kind: 'rsi', period: 2 }, 'rsi2', { optInTimePeriod: 2 }, 2),
  real('RSI', { kind: 'rsi', period: 30 }, 'rsi30', { optInTimePeriod: 30 }, 30),
  { ...macd(12, 26, 9, 'macd'), config: { kind: 'macd' } },
  macd(5, 35, 5, 'macd5_35_5'),
  macd(3, 10, 16, 'macd3_10_16'),
  { ...bbands(20, 2, 2, 'bbands20'), config: { kind: 'bbands' } },
  bbands(10, 1.5, 2.5, 'bbands10_1.5_2.5'),
  hlc('ATR', { kind: 'atr' }, 'atr14', { optInTimePeriod: 14 }, 14),
  hlc('ATR', { kind: 'atr', period: 5 }, 'atr5', { optInTimePeriod: 5 }, 5),
  hlc('ATR', { kind: 'atr', period: 1 }, 'atr1', { optInTimePeriod: 1 }, 1),
  real('STDDEV', { kind: 'stddev' }, 'stddev20', { optInTimePeriod: 20, optInNbDev: 1 }, 19),
  real('STDDEV', { kind: 'stddev', period: 10, dev: 2 }, 'stddev10_2', { optInTimePeriod: 10, optInNbDev: 2 }, 9),
  { ...stoch(14, 3, 3, 'stoch'), config: { kind: 'stoch' } },
  stoch(5, 3, 3, 'stoch5_3_3'),
  stoch(9, 1, 4, 'stoch9_1_4'),
  hlc('ADX', { kind: 'adx' }, 'adx14', { optInTimePeriod: 14 }, 27),
  hlc('ADX', { kind: 'adx', period: 5 }, 'adx5', { optInTimePeriod: 5 }, 9),
  { config: { kind: 'obv' }, names: ['obv'], fn: 'OBV', opts: {}, outs: ['outReal'], inputs: 'cv', lookback: 0 },
  hlc('CCI', { kind: 'cci' }, 'cci20', { optInTimePeriod: 20 }, 19),
  hlc('CCI', { kind: 'cci', period: 14 }, 'cci14', { optInTimePeriod: 14 }, 13),
  real('ROC', { kind: 'roc' }, 'roc10', { optInTimePeriod: 10 }, 10),
  real('ROC', { kind: 'roc', period: 1 }, 'roc1', { optInTimePeriod: 1 }, 1),
  { ...hlc('MFI', { kind: 'mfi' }, 'mfi14', { optInTimePeriod: 14 }, 14), inputs: 'hlcv' },
  { ...hlc('MFI', { kind: 'mfi', period: 5 }, 'mfi5', { optInTimePeriod: 5 }, 5), inputs: 'hlcv' },
];

/** TA-Lib over a whole series: each output as a full-length column, NaN before `begIndex`. */
export function talibColumns(c: TalibCase, s: Series): { begIndex: number; columns: Float64Array[] } {
  const n = s.close.length;
  const params: Record<string, unknown> = { name: c.fn, startIdx: 0, endIdx: n - 1, ...c.opts };
  if (c.inputs === 'real') params['inReal'] = s.close;
  if (c.inputs === 'cv') {
    params['inReal'] = s.close;
    params['volume'] = s.volume;
  }
  if (c.inputs === 'hlc' || c.inputs === 'hlcv') {
    params['high'] = s.high;
    params['low'] = s.low;
    params['close'] = s.close;
  }
  if (c.inputs === 'hlcv') params['volume'] = s.volume;
  const r = talib.execute(params);
  const columns = c.outs.map((name) => {
    const out = r.result[name];
    if (out === undefined) throw new Error(`TA-Lib ${c.fn} has no output ${name}: ${Object.keys(r.result).join(', ')}`);
    if (out.length !== r.nbElement || r.begIndex + r.nbElement !== n) {
      throw new Error(`TA-Lib ${c.fn}: begIndex ${r.begIndex} + nbElement ${r.nbElement} != ${n}`);
    }
    const col = new Float64Array(n).fill(NaN);
    col.set(out, r.begIndex);
    return col;
  });
  return { begIndex: r.begIndex, columns };
}

/**
 * The tolerance: `|got - expected| <= 1e-9 * max(1, |expected|)`, relative for values of magnitude
 * above 1 (OBV in the billions, prices, CCI), absolute 1e-9 for values near zero (MACD, ROC,
 * STDDEV of a flat stretch). `relDiff` is the same measure, for reporting.
 */
export const TOLERANCE = 1e-9;
export const relDiff = (got: number, expected: number): number => Math.abs(got - expected) / Math.max(1, Math.abs(expected));

/** Compares a column with TA-Lib's: NaN exactly before `begIndex`, within tolerance from it on. */
export function compareToTalib(
  got: Float64Array,
  expected: Float64Array,
  begIndex: number,
): { error: string | null; maxRel: number; exact: number } {
  if (got.length !== expected.length) return { error: `length ${got.length}, expected ${expected.length}`, maxRel: NaN, exact: 0 };
  let maxRel = 0;
  let exact = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i] as number;
    const e = expected[i] as number;
    if (i < begIndex) {
      if (!Number.isNaN(g)) return { error: `index ${i} (warm-up, TA-Lib begIndex ${begIndex}): got ${g}, expected NaN`, maxRel, exact };
      continue;
    }
    if (!Number.isFinite(e)) return { error: `index ${i}: TA-Lib gave ${e}`, maxRel, exact };
    const d = relDiff(g, e);
    if (!(d <= TOLERANCE)) return { error: `index ${i}: got ${g}, TA-Lib ${e} (rel diff ${d})`, maxRel, exact };
    if (Object.is(g, e)) exact++;
    if (d > maxRel) maxRel = d;
  }
  return { error: null, maxRel, exact };
}

/** The first index where two columns differ under `Object.is`, or null. */
export function firstBitDiff(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  }
  return null;
}

export interface WalkOptions {
  /** Starting price. */
  start: number;
  /** Per-bar relative move (uniform in +-sigma). */
  sigma: number;
  /** Round prices to cents, so that ties (equal closes, highs, lows) happen. */
  cents: boolean;
  /** Volume range (whole shares). */
  volume: [number, number];
  /** Chance per bar of starting a flat stretch (open = high = low = close, unchanged) of 5-40 bars. */
  flat?: number;
}

/**
 * A seeded random walk of `n` valid OHLCV bars (low <= open, close <= high; prices > 0; volume > 0),
 * one a minute from `time0`. `time` is filled in for streaming; callers may re-time the bars.
 */
export function randomWalk(seed: number, n: number, o: WalkOptions, time0 = 0): Bar[] {
  const rng = new Rng(seed);
  const round = (x: number): number => (o.cents ? Math.round(x * 100) / 100 : x);
  const bars: Bar[] = [];
  let price = o.start;
  let flatLeft = 0;
  for (let i = 0; i < n; i++) {
    const volume = rng.int(o.volume[0], o.volume[1]);
    if (flatLeft === 0 && o.flat !== undefined && rng.chance(o.flat)) flatLeft = rng.int(5, 40);
    if (flatLeft > 0) {
      flatLeft--;
      bars.push({ time: time0 + i * 60_000, open: price, high: price, low: price, close: price, volume });
      continue;
    }
    const open = price;
    let close = round(open * (1 + (rng.next() * 2 - 1) * o.sigma));
    if (close <= 0) close = open;
    const high = round(Math.max(open, close) * (1 + rng.next() * o.sigma * 0.7));
    const low = round(Math.min(open, close) * (1 - rng.next() * o.sigma * 0.7));
    bars.push({ time: time0 + i * 60_000, open, high: Math.max(high, open, close), low: Math.min(low, open, close), close, volume });
    price = close;
  }
  return bars;
}

/**
 * Naive session VWAP: per session, `sum(tp * v) / sum(v)` of the bars so far with
 * `tp = (h + l + c) / 3`; while the session's volume is 0, the plain mean of its typical prices
 * (the package's documented rule). `starts` lists the indices of the bars that open a session.
 */
export function naiveVwap(s: Pick<Series, 'high' | 'low' | 'close' | 'volume'>, starts: readonly number[]): Float64Array {
  const out = new Float64Array(s.close.length);
  const opens = new Set(starts);
  let pv = 0;
  let v = 0;
  let p = 0;
  let k = 0;
  for (let i = 0; i < s.close.length; i++) {
    if (opens.has(i)) {
      pv = 0;
      v = 0;
      p = 0;
      k = 0;
    }
    const tp = ((s.high[i] as number) + (s.low[i] as number) + (s.close[i] as number)) / 3;
    pv += tp * (s.volume[i] as number);
    v += s.volume[i] as number;
    p += tp;
    k += 1;
    out[i] = v !== 0 ? pv / v : p / k;
  }
  return out;
}
