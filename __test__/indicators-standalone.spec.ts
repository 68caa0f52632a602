/**
 * The standalone indicator classes (`new Rsi(14).update(x)`, ...), one contract run against every
 * class: warm-up and lookback against TA-Lib's begIndex, streaming equal to `computeIndicator` bit
 * for bit, `peek`, `reset`, non-finite inputs, `initialized`, `sessionStart`. Then
 * `SessionData.peek` of a forming 5m bar against standalone instances fed the naive 5m bars, and
 * the `ConfigError`s of bad parameters through every entry point.
 *
 * Expected values come from TA-Lib (`talib`), from naive code (helpers), or from hand arithmetic;
 * the package's own paths are only compared with each other (streaming vs batch vs peek).
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { runInNewContext } from 'node:vm';
import {
  Adx, Atr, BollingerBands, Cci, ConfigError, Ema, InputError, Macd, Mfi, Obv, Roc, Rsi, SessionData, Sma, Stddev, Stochastic, Vwap, Wma,
  computeIndicator, describeIndicator,
} from 'barstream';
import type { BandsValue, Bar, IndicatorConfig, MacdValue, Session, StochValue } from 'barstream';
import { aggregateSession } from './helpers/naive.js';
import { Rng } from './helpers/prng.js';
import { nySummerSession } from './helpers/sessions.js';
import { TALIB_CASES, TOLERANCE, compareToTalib, firstBitDiff, indicatorColumns, naiveVwap, randomWalk, relDiff, seriesOf, talibColumns } from './helpers/talib.js';
import type { Series, TalibCase } from './helpers/talib.js';

// ---------------------------------------------------------------------------------------------
// Every class behind one interface: bars in, flat output arrays out.

type Field = 'high' | 'low' | 'close' | 'volume';

interface Wrapped {
  update(b: Bar): number[];
  peek(b: Bar): number[];
  reset(): void;
  sessionStart(): void;
  readonly lookback: number;
  readonly initialized: boolean;
}

interface Common {
  reset(): void;
  sessionStart(): void;
  readonly lookback: number;
  readonly initialized: boolean;
}
interface ValueLike<O> extends Common {
  update(x: number): O;
  peek(x: number): O;
}
interface BarLike<O> extends Common {
  update(b: { high: number; low: number; close: number; volume?: number }): O;
  peek(b: { high: number; low: number; close: number; volume?: number }): O;
}

const one = (x: number): number[] => [x];
const macdOut = (o: MacdValue): number[] => [o.macd, o.signal, o.histogram];
const bandsOut = (o: BandsValue): number[] => [o.upper, o.middle, o.lower];
const stochOut = (o: StochValue): number[] => [o.k, o.d];

function ofValue<O>(ind: ValueLike<O>, flat: (o: O) => number[]): Wrapped {
  return {
    update: (b) => flat(ind.update(b.close)),
    peek: (b) => flat(ind.peek(b.close)),
    reset: () => ind.reset(),
    sessionStart: () => ind.sessionStart(),
    get lookback() {
      return ind.lookback;
    },
    get initialized() {
      return ind.initialized;
    },
  };
}
function ofBar<O>(ind: BarLike<O>, flat: (o: O) => number[]): Wrapped {
  const input = (b: Bar) => ({ high: b.high, low: b.low, close: b.close, volume: b.volume });
  return {
    update: (b) => flat(ind.update(input(b))),
    peek: (b) => flat(ind.peek(input(b))),
    reset: () => ind.reset(),
    sessionStart: () => ind.sessionStart(),
    get lookback() {
      return ind.lookback;
    },
    get initialized() {
      return ind.initialized;
    },
  };
}

interface Factory {
  /** How the instance is made, as written in the title. */
  title: string;
  make: () => Wrapped;
  /** The same indicator as a config, with every parameter written out. */
  config: IndicatorConfig;
  /** Output names, in the order of the flat outputs. */
  names: string[];
  /** TA-Lib's call for the same parameters; null for VWAP (not in TA-Lib). */
  talib: TalibCase | null;
  /** The bar fields it reads (the package's documented inputs). */
  reads: Field[];
  /** Whether the class takes a bar (rather than a number). */
  bar: boolean;
}

const caseNamed = (name: string): TalibCase => {
  const c = TALIB_CASES.find((x) => x.names[0] === name);
  if (c === undefined) throw new Error(`no TA-Lib case ${name}`);
  return c;
};
/** A one-period TA-Lib case at another period. */
const atPeriod = (base: string, kind: 'ema' | 'wma', period: number): TalibCase => ({
  ...caseNamed(base),
  config: { kind, period },
  names: [`${kind}${period}`],
  opts: { optInTimePeriod: period },
  lookback: period - 1,
});

const C: Field[] = ['close'];
const HLC: Field[] = ['high', 'low', 'close'];
const HLCV: Field[] = ['high', 'low', 'close', 'volume'];

/** Every class, at its constructor defaults (as its signature gives them) and at other parameters. */
const FACTORIES: Factory[] = [
  { title: 'new Sma()', make: () => ofValue(new Sma(), one), config: { kind: 'sma', period: 30 }, names: ['sma30'], talib: caseNamed('sma30'), reads: C, bar: false },
  { title: 'new Sma(2)', make: () => ofValue(new Sma(2), one), config: { kind: 'sma', period: 2 }, names: ['sma2'], talib: caseNamed('sma2'), reads: C, bar: false },
  { title: 'new Ema()', make: () => ofValue(new Ema(), one), config: { kind: 'ema', period: 30 }, names: ['ema30'], talib: caseNamed('ema30'), reads: C, bar: false },
  { title: 'new Ema(12)', make: () => ofValue(new Ema(12), one), config: { kind: 'ema', period: 12 }, names: ['ema12'], talib: caseNamed('ema12'), reads: C, bar: false },
  { title: 'new Wma()', make: () => ofValue(new Wma(), one), config: { kind: 'wma', period: 30 }, names: ['wma30'], talib: caseNamed('wma30'), reads: C, bar: false },
  { title: 'new Wma(10)', make: () => ofValue(new Wma(10), one), config: { kind: 'wma', period: 10 }, names: ['wma10'], talib: caseNamed('wma10'), reads: C, bar: false },
  { title: 'new Rsi()', make: () => ofValue(new Rsi(), one), config: { kind: 'rsi', period: 14 }, names: ['rsi14'], talib: caseNamed('rsi14'), reads: C, bar: false },
  { title: 'new Rsi(2)', make: () => ofValue(new Rsi(2), one), config: { kind: 'rsi', period: 2 }, names: ['rsi2'], talib: caseNamed('rsi2'), reads: C, bar: false },
  { title: 'new Roc()', make: () => ofValue(new Roc(), one), config: { kind: 'roc', period: 10 }, names: ['roc10'], talib: caseNamed('roc10'), reads: C, bar: false },
  { title: 'new Roc(1)', make: () => ofValue(new Roc(1), one), config: { kind: 'roc', period: 1 }, names: ['roc1'], talib: caseNamed('roc1'), reads: C, bar: false },
  { title: 'new Stddev()', make: () => ofValue(new Stddev(), one), config: { kind: 'stddev', period: 20, dev: 1 }, names: ['stddev20'], talib: caseNamed('stddev20'), reads: C, bar: false },
  { title: 'new Stddev(10, 2)', make: () => ofValue(new Stddev(10, 2), one), config: { kind: 'stddev', period: 10, dev: 2 }, names: ['stddev10_2'], talib: caseNamed('stddev10_2'), reads: C, bar: false },
  {
    title: 'new Macd()', make: () => ofValue(new Macd(), macdOut), config: { kind: 'macd', fast: 12, slow: 26, signal: 9 },
    names: ['macd.macd', 'macd.signal', 'macd.histogram'], talib: caseNamed('macd.macd'), reads: C, bar: false,
  },
  {
    title: 'new Macd(5, 35, 5)', make: () => ofValue(new Macd(5, 35, 5), macdOut), config: { kind: 'macd', fast: 5, slow: 35, signal: 5 },
    names: ['macd5_35_5.macd', 'macd5_35_5.signal', 'macd5_35_5.histogram'], talib: caseNamed('macd5_35_5.macd'), reads: C, bar: false,
  },
  {
    title: 'new BollingerBands()', make: () => ofValue(new BollingerBands(), bandsOut), config: { kind: 'bbands', period: 20, devUp: 2, devDown: 2 },
    names: ['bbands20.upper', 'bbands20.middle', 'bbands20.lower'], talib: caseNamed('bbands20.upper'), reads: C, bar: false,
  },
  {
    title: 'new BollingerBands(10, 1.5, 2.5)', make: () => ofValue(new BollingerBands(10, 1.5, 2.5), bandsOut), config: { kind: 'bbands', period: 10, devUp: 1.5, devDown: 2.5 },
    names: ['bbands10_1.5_2.5.upper', 'bbands10_1.5_2.5.middle', 'bbands10_1.5_2.5.lower'], talib: caseNamed('bbands10_1.5_2.5.upper'), reads: C, bar: false,
  },
  { title: 'new Atr()', make: () => ofBar(new Atr(), one), config: { kind: 'atr', period: 14 }, names: ['atr14'], talib: caseNamed('atr14'), reads: HLC, bar: true },
  { title: 'new Atr(5)', make: () => ofBar(new Atr(5), one), config: { kind: 'atr', period: 5 }, names: ['atr5'], talib: caseNamed('atr5'), reads: HLC, bar: true },
  { title: 'new Adx()', make: () => ofBar(new Adx(), one), config: { kind: 'adx', period: 14 }, names: ['adx14'], talib: caseNamed('adx14'), reads: HLC, bar: true },
  { title: 'new Adx(5)', make: () => ofBar(new Adx(5), one), config: { kind: 'adx', period: 5 }, names: ['adx5'], talib: caseNamed('adx5'), reads: HLC, bar: true },
  { title: 'new Cci()', make: () => ofBar(new Cci(), one), config: { kind: 'cci', period: 20 }, names: ['cci20'], talib: caseNamed('cci20'), reads: HLC, bar: true },
  { title: 'new Cci(14)', make: () => ofBar(new Cci(14), one), config: { kind: 'cci', period: 14 }, names: ['cci14'], talib: caseNamed('cci14'), reads: HLC, bar: true },
  { title: 'new Mfi()', make: () => ofBar(new Mfi(), one), config: { kind: 'mfi', period: 14 }, names: ['mfi14'], talib: caseNamed('mfi14'), reads: HLCV, bar: true },
  { title: 'new Mfi(5)', make: () => ofBar(new Mfi(5), one), config: { kind: 'mfi', period: 5 }, names: ['mfi5'], talib: caseNamed('mfi5'), reads: HLCV, bar: true },
  { title: 'new Obv()', make: () => ofBar(new Obv(), one), config: { kind: 'obv' }, names: ['obv'], talib: caseNamed('obv'), reads: ['close', 'volume'], bar: true },
  { title: 'new Vwap()', make: () => ofBar(new Vwap(), one), config: { kind: 'vwap' }, names: ['vwap'], talib: null, reads: HLCV, bar: true },
  {
    title: 'new Stochastic()', make: () => ofBar(new Stochastic(), stochOut), config: { kind: 'stoch', kPeriod: 14, kSlow: 3, dPeriod: 3 },
    names: ['stoch.k', 'stoch.d'], talib: caseNamed('stoch.k'), reads: HLC, bar: true,
  },
  {
    title: 'new Stochastic(5, 3, 3)', make: () => ofBar(new Stochastic(5, 3, 3), stochOut), config: { kind: 'stoch', kPeriod: 5, kSlow: 3, dPeriod: 3 },
    names: ['stoch5_3_3.k', 'stoch5_3_3.d'], talib: caseNamed('stoch5_3_3.k'), reads: HLC, bar: true,
  },
];

// ---------------------------------------------------------------------------------------------
// The contract.

const BARS = randomWalk(0x5eed, 400, { start: 50, sigma: 0.003, cents: true, volume: [1, 5_000], flat: 0.01 });
const SERIES = seriesOf(BARS);
const COLUMNS = indicatorColumns(SERIES);

/** The reference columns of a factory over `s`: TA-Lib, or the naive VWAP of one session. */
function reference(f: Factory, s: Series): { begIndex: number; columns: Float64Array[] } {
  if (f.talib === null) return { begIndex: 0, columns: [naiveVwap(s, [0])] };
  return talibColumns(f.talib, s);
}

/** Output `j` of the batch run, by the factory's names. */
function batchOf(f: Factory, sessionStarts?: number[]): Float64Array[] {
  const out = computeIndicator(f.config, COLUMNS, sessionStarts);
  return f.names.map((n) => {
    const col = out[n];
    if (col === undefined) throw new Error(`computeIndicator gave no ${n}: ${Object.keys(out).join(', ')}`);
    return col;
  });
}

/** Compares outputs of one step with the batch row `i`, bit for bit. */
function sameRow(got: readonly number[], batch: readonly Float64Array[], i: number): boolean {
  return got.length === batch.length && got.every((v, j) => Object.is(v, (batch[j] as Float64Array)[i]));
}
const sameOut = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, j) => Object.is(v, b[j]));
const row = (batch: readonly Float64Array[], i: number): number[] => batch.map((c) => c[i] as number);

/** Fails the test with the first few messages, if any (so that one test reports every kind of failure). */
function report(t: ExecutionContext, errors: string[]): void {
  t.deepEqual(errors.slice(0, 20), [], `${errors.length} failure(s)`);
}

for (const f of FACTORIES) {
  test(`contract ${f.title}: warm-up = lookback = TA-Lib begIndex; update = computeIndicator bit for bit; peek; reset; non-finite input; initialized`, (t) => {
    const errors: string[] = [];
    const err = (m: string) => errors.push(m);
    const ref = reference(f, SERIES);
    const batch = batchOf(f);
    const fresh = f.make();

    // Lookback: the instance, describeIndicator, TA-Lib's begIndex and the hand value agree.
    const hand = f.talib === null ? 0 : f.talib.lookback;
    t.is(fresh.lookback, hand, 'lookback is the hand lookback');
    t.is(ref.begIndex, hand, "TA-Lib's begIndex is the hand lookback");
    t.deepEqual(describeIndicator(f.config), { id: f.names[0]?.replace(/\.\w+$/, '') ?? '', outputs: f.names, lookback: hand });
    t.false(fresh.initialized, 'a new instance is not initialized');

    // Streaming with peek twice before each update.
    const lb = hand;
    const streamed: number[][] = [];
    BARS.forEach((b, i) => {
      const before = fresh.initialized;
      const p1 = fresh.peek(b);
      const p2 = fresh.peek(b);
      if (fresh.initialized !== before) err(`bar ${i}: peek changed initialized`);
      const u = fresh.update(b);
      streamed.push(u);
      if (!sameOut(p1, u) || !sameOut(p2, u)) err(`bar ${i}: peek ${p1} / ${p2}, update ${u}`);
      if (!sameRow(u, batch, i)) err(`bar ${i}: update ${u}, computeIndicator ${row(batch, i)}`);
      if (fresh.initialized !== i >= lb) err(`bar ${i}: initialized ${fresh.initialized} with lookback ${lb}`);
      if (i < lb && !u.every(Number.isNaN)) err(`bar ${i}: warm-up output ${u}`);
    });
    // Against the reference, with its tolerance (TA-Lib, or the naive VWAP).
    f.names.forEach((name, j) => {
      const r = compareToTalib(Float64Array.from(streamed.map((u) => u[j] as number)), ref.columns[j] as Float64Array, ref.begIndex);
      if (r.error !== null) err(`${name} vs reference: ${r.error}`);
    });

    // reset(): back to a new instance, from warm-up or from steady state.
    const again = f.make();
    for (const cut of [Math.max(0, lb - 1), lb + 37]) {
      for (let i = 0; i < cut; i++) again.update(BARS[i] as Bar);
      again.reset();
      if (again.initialized) err(`reset after ${cut} bars: still initialized`);
      BARS.forEach((b, i) => {
        const u = again.update(b);
        if (!sameRow(u, batch, i)) err(`reset after ${cut} bars, bar ${i}: ${u} vs ${row(batch, i)}`);
      });
      again.reset();
    }

    // Non-finite input in a field the indicator reads: NaN out, nothing changes.
    const bad = f.make();
    const at = new Set([0, Math.max(0, lb - 1), lb, lb + 7, 333]);
    BARS.forEach((b, i) => {
      if (at.has(i)) {
        for (const field of f.reads) {
          for (const x of [NaN, Infinity, -Infinity]) {
            const poisoned = { ...b, [field]: x };
            const before = bad.initialized;
            const p = bad.peek(poisoned);
            const u = bad.update(poisoned);
            if (!p.every(Number.isNaN) || !u.every(Number.isNaN)) err(`bar ${i} ${field}=${x}: peek ${p}, update ${u}`);
            if (bad.initialized !== before) err(`bar ${i} ${field}=${x}: initialized changed`);
          }
        }
      }
      const u = bad.update(b);
      if (!sameRow(u, batch, i)) err(`after non-finite inputs, bar ${i}: ${u} vs ${row(batch, i)}`);
    });

    // Fields it does not read are not looked at: NaN there everywhere changes nothing.
    if (f.bar) {
      const unread = (['high', 'low', 'close', 'volume'] as Field[]).filter((x) => !f.reads.includes(x));
      if (unread.length > 0) {
        const blind = f.make();
        BARS.forEach((b, i) => {
          const u = blind.update({ ...b, ...Object.fromEntries(unread.map((x) => [x, NaN])) });
          if (!sameRow(u, batch, i)) err(`NaN in unread ${unread.join('/')}, bar ${i}: ${u} vs ${row(batch, i)}`);
        });
      }
    }

    // sessionStart(): VWAP restarts (as computeIndicator with sessionStarts); the others ignore it.
    const starts = [0, 57, 58, 200];
    const sessioned = f.make();
    const batchS = batchOf(f, starts);
    const expectS = f.talib === null ? [naiveVwap(SERIES, starts)] : batch;
    BARS.forEach((b, i) => {
      if (starts.includes(i)) sessioned.sessionStart();
      const u = sessioned.update(b);
      if (!sameRow(u, batchS, i)) err(`sessionStart, bar ${i}: ${u} vs computeIndicator ${row(batchS, i)}`);
      if (!sameRow(u, expectS, i)) err(`sessionStart, bar ${i}: ${u} vs expected ${row(expectS, i)}`);
    });

    report(t, errors);
  });
}

test('a class left to its defaults is the indicator config left to its defaults: BollingerBands(20, 3) has devDown 2', (t) => {
  t.deepEqual(new BollingerBands(20, 3).info, describeIndicator({ kind: 'bbands', devUp: 3 }));
  t.is(new BollingerBands(20, 3).info.id, 'bbands20_3_2');
  t.deepEqual(new BollingerBands().info, describeIndicator({ kind: 'bbands' }));
  // By hand: closes 1, 2, 3 (period 3): mean 2, population deviation sqrt(2/3); upper 3, lower 2 deviations.
  const b = new BollingerBands(3, 3);
  b.update(1);
  b.update(2);
  const v = b.update(3);
  const sd = Math.sqrt(2 / 3);
  t.true(Math.abs(v.upper - (2 + 3 * sd)) < 1e-12 && Math.abs(v.lower - (2 - 2 * sd)) < 1e-12, JSON.stringify(v));
});

test('every indicator class is in the contract list', (t) => {
  const classes = [Adx, Atr, BollingerBands, Cci, Ema, Macd, Mfi, Obv, Roc, Rsi, Sma, Stddev, Stochastic, Vwap, Wma];
  const kinds = new Set(FACTORIES.map((f) => f.config.kind));
  t.is(kinds.size, classes.length);
  t.is(new Set(FACTORIES.map((f) => f.title.replace(/\(.*$/, ''))).size, classes.length);
});

test('Vwap by hand: restarts on sessionStart; zero volume so far gives the mean typical price', (t) => {
  const v = new Vwap();
  t.is(v.lookback, 0);
  t.false(v.initialized);
  // tp 10 (v 0) -> 10; tp 13 (v 0) -> 11.5; tp 20 (v 100) -> 20; tp 30 (v 300) -> 11000/400 = 27.5.
  t.is(v.update({ high: 12, low: 9, close: 9, volume: 0 }), 10);
  t.true(v.initialized);
  t.is(v.peek({ high: 14, low: 12, close: 13, volume: 0 }), 11.5);
  t.is(v.update({ high: 14, low: 12, close: 13, volume: 0 }), 11.5);
  t.is(v.update({ high: 21, low: 18, close: 21, volume: 100 }), 20);
  t.is(v.update({ high: 33, low: 27, close: 30, volume: 300 }), 27.5);
  // A bar without volume, or with a non-number one, is no bar: NaN, nothing committed.
  t.true(Number.isNaN(v.update({ high: 42, low: 39, close: 39 })));
  t.true(Number.isNaN(v.update({ high: 42, low: 39, close: 39, volume: null as unknown as number })));
  t.true(Number.isNaN(v.update({ high: 42, low: 39, close: 39, volume: NaN })));
  // tp 40 (v 100): (11000 + 4000) / 500 = 30.
  t.is(v.update({ high: 42, low: 39, close: 39, volume: 100 }), 30);
  v.sessionStart();
  t.true(v.initialized, 'a session start is not a reset');
  t.is(v.update({ high: 6, low: 3, close: 3, volume: 0 }), 4);
  t.is(v.update({ high: 7, low: 5, close: 6, volume: 200 }), 6);
  v.reset();
  t.false(v.initialized);
});

test('OBV, MFI, VWAP, ATR: a bar without volume (missing or null) gives what batch gives for a null volume, bit for bit', (t) => {
  const bars = [
    { high: 11, low: 9, close: 10, volume: 100 },
    { high: 10, low: 8, close: 9, volume: null },
    { high: 11, low: 9, close: 10 },
    { high: 12, low: 10, close: 11, volume: 70 },
    { high: 13, low: 10, close: 12, volume: 40 },
  ] as unknown as { high: number; low: number; close: number; volume?: number }[];
  const columns = {
    high: bars.map((b) => b.high),
    low: bars.map((b) => b.low),
    close: bars.map((b) => b.close),
    volume: bars.map((b) => b.volume as number),
  };
  // By hand: OBV 100, -, -, 170 (11 > 10 adds 70), 210; the two bars without volume change nothing.
  const obv = new Obv();
  t.deepEqual(bars.map((b) => obv.update(b)), [100, NaN, NaN, 170, 210]);
  const cases: [() => { update(b: (typeof bars)[number]): number }, IndicatorConfig][] = [
    [() => new Obv(), { kind: 'obv' }],
    [() => new Mfi(2), { kind: 'mfi', period: 2 }],
    [() => new Vwap(), { kind: 'vwap' }],
    [() => new Atr(2), { kind: 'atr', period: 2 }],
  ];
  for (const [make, config] of cases) {
    const ind = make();
    const stream = bars.map((b) => ind.update(b));
    const batch = [...(Object.values(computeIndicator(config, columns))[0] as Float64Array)];
    t.deepEqual(stream, batch, config.kind);
  }
  // ATR never reads volume: the bars without it count (lookback 2: values from the third bar on).
  const atr = new Atr(2);
  t.deepEqual(bars.map((b) => Number.isNaN(atr.update(b))), [true, true, false, false, false]);
});

test('Sma / Rsi by hand: SMA(3) of 1..5 and RSI(2) of a hand series', (t) => {
  const sma = new Sma(3);
  t.deepEqual([1, 2, 3, 4, 5].map((x) => sma.update(x)), [NaN, NaN, 2, 3, 4]);
  // RSI(2), Wilder: changes +1, +1 -> avg gain 1, avg loss 0 -> 100; then -1: gain (1*1+0)/2 = 0.5,
  // loss (0*1+1)/2 = 0.5 -> 50; then +2: gain (0.5+2)/2 = 1.25, loss 0.25 -> 100*1.25/1.5 = 83.33...
  const rsi = new Rsi(2);
  const got = [10, 11, 12, 11, 13].map((x) => rsi.update(x));
  t.deepEqual(got.slice(0, 4), [NaN, NaN, 100, 50]);
  t.true(Math.abs((got[4] as number) - 250 / 3) < 1e-12, String(got[4]));
});

// ---------------------------------------------------------------------------------------------
// SessionData.peek of the forming 5m bar.

/** Two sessions of 1m bars with some minutes missing (so some buckets close on a later bar). */
function twoSessions(): { session: Session; bars: Bar[] }[] {
  const rng = new Rng(77);
  const walk = randomWalk(0xfeed, 2 * 390, { start: 30, sigma: 0.004, cents: true, volume: [1, 2_000] });
  let k = 0;
  return ['2013-10-07', '2013-10-08'].map((date) => {
    const session = nySummerSession(date);
    const bars: Bar[] = [];
    for (let m = 0; m < 390; m++) {
      const b = walk[k++] as Bar;
      if (m > 0 && rng.chance(0.12)) continue;
      bars.push({ ...b, time: session.open + m * 60_000 });
    }
    return { session, bars };
  });
}

const FIVE = 5 * 60_000;

test("SessionData.peek(symbol, '5m') equals standalone instances fed the naive closed 5m bars, then peeked with the forming bar, and TA-Lib over those bars with the forming one closed; committing later is unaffected by the peeks", (t) => {
  const errors: string[] = [];
  const err = (m: string) => errors.push(m);
  const configs = FACTORIES.map((f) => f.config);
  const data = new SessionData({ intervals: ['5m'], indicators: { '5m': configs } });
  const control = new SessionData({ intervals: ['5m'], indicators: { '5m': configs } });
  const instances = FACTORIES.map((f) => f.make());
  const committed: number[][][] = FACTORIES.map(() => []);
  const sessions = twoSessions();
  let peeks = 0;
  let closedCount = 0;

  const closedBars: Bar[] = [];
  let talibPeeks = 0;
  const commit = (bar: Bar) => {
    instances.forEach((inst, k) => committed[k]?.push(inst.update(bar)));
    closedBars.push(bar);
    closedCount++;
  };
  const checkCommitted = (where: string) => {
    FACTORIES.forEach((f, k) => {
      f.names.forEach((name, j) => {
        const col = data.indicator('S', '5m', name);
        if (col.length !== closedCount) {
          err(`${where}: ${name} has ${col.length} values, expected ${closedCount}`);
          return;
        }
        const expected = committed[k]?.[closedCount - 1]?.[j];
        if (closedCount > 0 && !Object.is(col[closedCount - 1], expected)) err(`${where}: ${name} last ${col[closedCount - 1]}, standalone ${expected}`);
      });
    });
  };

  for (const { session, bars } of sessions) {
    data.beginSession(session);
    control.beginSession(session);
    instances.forEach((inst) => inst.sessionStart());
    const so = session.open;
    let done = 0; // naive 5m bars of this session already committed
    bars.forEach((b, i) => {
      data.append('S', b);
      control.append('S', b);
      // The naive state: the buckets of the session so far; the last is still forming unless this
      // bar is its last minute.
      const groups = aggregateSession(bars.slice(0, i + 1), session, '5m');
      const closesNow = (b.time - so) % FIVE === FIVE - 60_000;
      const closed = closesNow ? groups.length : groups.length - 1;
      for (; done < closed; done++) commit(groups[done] as Bar);
      checkCommitted(`${session.date} bar ${i}`);
      const forming = closesNow ? null : (groups[groups.length - 1] as Bar);
      t.deepEqual(data.forming('S', '5m'), forming);
      const peek = data.peek('S', '5m');
      if (forming === null) {
        if (peek !== null) err(`${session.date} bar ${i}: nothing forms, peek ${JSON.stringify(peek)}`);
        return;
      }
      if (peek === null) {
        err(`${session.date} bar ${i}: peek null with a forming bar`);
        return;
      }
      peeks++;
      FACTORIES.forEach((f, k) => {
        const expected = instances[k]?.peek(forming) ?? [];
        f.names.forEach((name, j) => {
          if (!Object.is(peek[name], expected[j])) err(`${session.date} bar ${i} (${(b.time - so) / 60_000} min): peek ${name} ${peek[name]}, standalone ${expected[j]}`);
        });
      });
      // Now and then, TA-Lib over the closed bars and the forming one as if it closed: the last value.
      if (i % 17 === 0) {
        const asIfClosed = seriesOf([...closedBars, forming]);
        const last = asIfClosed.close.length - 1;
        for (const f of FACTORIES) {
          // Within its warm-up TA-Lib gives nothing to compare (and the contract test checks the NaN).
          if (f.talib === null || asIfClosed.close.length <= f.talib.lookback) continue;
          const ref = talibColumns(f.talib, asIfClosed);
          f.names.forEach((name, j) => {
            const want = ref.columns[j]?.[last] as number;
            const got = peek[name] as number;
            if (Number.isNaN(want) ? !Number.isNaN(got) : !(relDiff(got, want) <= TOLERANCE)) err(`${session.date} bar ${i}: peek ${name} ${got}, TA-Lib ${want}`);
            else if (!Number.isNaN(want)) talibPeeks++;
          });
        }
      }
      t.deepEqual(Object.keys(peek), FACTORIES.flatMap((f) => f.names));
    });
    data.endSession();
    control.endSession();
    const groups = aggregateSession(bars, session, '5m');
    for (; done < groups.length; done++) commit(groups[done] as Bar);
    checkCommitted(`${session.date} end`);
  }
  t.true(peeks > 400, `${peeks} peeks`);
  t.true(talibPeeks > 300, `${talibPeeks} peeked values compared with TA-Lib`);
  t.is(data.peek('S', '1m'), null, 'nothing forms on the base interval');

  // Whole columns: equal to a store that was never peeked, and to computeIndicator over the naive
  // 5m bars with the session starts.
  const fives = sessions.map(({ session, bars }) => aggregateSession(bars, session, '5m'));
  const s5 = seriesOf(fives.flat());
  const starts = [0, (fives[0] as Bar[]).length];
  FACTORIES.forEach((f) => {
    const batch = computeIndicator(f.config, { close: s5.close, high: s5.high, low: s5.low, volume: s5.volume }, starts);
    for (const name of f.names) {
      const col = data.indicator('S', '5m', name);
      const d1 = firstBitDiff(col, control.indicator('S', '5m', name));
      if (d1 !== null) err(`${name}: peeked store vs never-peeked store: ${d1}`);
      const d2 = firstBitDiff(col, batch[name] as Float64Array);
      if (d2 !== null) err(`${name}: store vs computeIndicator over the naive 5m bars: ${d2}`);
    }
  });
  report(t, errors);
});

test("SessionData.peek after minute 4 of 5 (09:30-09:33 of a bucket), by hand: SMA(2) of 5m closes", (t) => {
  const s = nySummerSession('2013-10-07');
  const data = new SessionData({ intervals: ['5m'], indicators: { '5m': [{ kind: 'sma', period: 2 }, { kind: 'obv' }] } });
  data.beginSession(s);
  const min = (m: number, close: number, volume = 10): Bar => ({ time: s.open + m * 60_000, open: close, high: close, low: close, close, volume });
  for (let m = 0; m < 5; m++) data.append('X', min(m, 10 + m)); // 09:30 bucket closes at 14, volume 50
  for (let m = 5; m < 9; m++) data.append('X', min(m, 20 + m)); // 09:35 forming: close 28 after minute 4, volume 40
  t.deepEqual(data.forming('X', '5m'), { time: s.open + FIVE, open: 25, high: 28, low: 25, close: 28, volume: 40 });
  // SMA(2): (14 + 28) / 2 = 21. OBV (TA-Lib's): the first bar's volume 50, then +40 (close rose 14 -> 28).
  t.deepEqual(data.peek('X', '5m'), { sma2: 21, obv: 90 });
  t.deepEqual(data.peek('X', '5m'), { sma2: 21, obv: 90 }, 'peeking again gives the same');
  t.deepEqual(Array.from(data.indicator('X', '5m', 'sma2')), [NaN]);
  data.append('X', min(9, 12, 5)); // the bucket closes at 12, volume 45: SMA (14 + 12) / 2 = 13, OBV 50 - 45 = 5
  t.deepEqual(Array.from(data.indicator('X', '5m', 'sma2')), [NaN, 13]);
  t.deepEqual(Array.from(data.indicator('X', '5m', 'obv')), [50, 5]);
  t.is(data.peek('X', '5m'), null);
  data.endSession();
});

// ---------------------------------------------------------------------------------------------
// Bad parameters.

interface BadCase {
  label: string;
  config: Record<string, unknown>;
  param: string;
  ctor?: () => unknown;
}

/** Parameter names the package and its Rust core spell the same way. */
const BAD: BadCase[] = [
  { label: 'period 0', config: { kind: 'rsi', period: 0 }, param: 'period', ctor: () => new Rsi(0) },
  { label: 'period 1 for SMA (TA-Lib minimum 2)', config: { kind: 'sma', period: 1 }, param: 'period', ctor: () => new Sma(1) },
  { label: 'period 2.5', config: { kind: 'ema', period: 2.5 }, param: 'period', ctor: () => new Ema(2.5) },
  { label: 'period -1', config: { kind: 'atr', period: -1 }, param: 'period', ctor: () => new Atr(-1) },
  { label: 'period NaN', config: { kind: 'cci', period: NaN }, param: 'period', ctor: () => new Cci(NaN) },
  { label: 'period 100001', config: { kind: 'wma', period: 100_001 }, param: 'period', ctor: () => new Wma(100_001) },
  { label: "period '14' (a string)", config: { kind: 'rsi', period: '14' }, param: 'period' },
  { label: 'MACD fast > slow', config: { kind: 'macd', fast: 26, slow: 12 }, param: 'fast', ctor: () => new Macd(26, 12) },
  { label: 'MACD fast = slow', config: { kind: 'macd', fast: 12, slow: 12 }, param: 'fast', ctor: () => new Macd(12, 12, 9) },
  { label: 'MACD fast above the default slow', config: { kind: 'macd', fast: 30 }, param: 'fast' },
  { label: 'MACD slow 1', config: { kind: 'macd', slow: 1 }, param: 'slow', ctor: () => new Macd(12, 1) },
  { label: 'MACD signal 0', config: { kind: 'macd', signal: 0 }, param: 'signal', ctor: () => new Macd(12, 26, 0) },
  { label: 'STDDEV dev -1', config: { kind: 'stddev', dev: -1 }, param: 'dev', ctor: () => new Stddev(20, -1) },
  { label: 'STDDEV dev Infinity', config: { kind: 'stddev', dev: Infinity }, param: 'dev', ctor: () => new Stddev(20, Infinity) },
  { label: 'BBANDS period 0', config: { kind: 'bbands', period: 0 }, param: 'period', ctor: () => new BollingerBands(0) },
  { label: 'unknown kind', config: { kind: 'nope' }, param: 'kind' },
  { label: 'misspelt parameter perod', config: { kind: 'rsi', perod: 14 }, param: 'perod' },
  { label: "another kind's parameter (RSI fast)", config: { kind: 'rsi', fast: 12 }, param: 'fast' },
  { label: 'a parameter of a kind without any (OBV period)', config: { kind: 'obv', period: 5 }, param: 'period' },
];

/** Parameters the public API spells in camelCase (devUp, kPeriod, ...). */
const BAD_CAMEL: BadCase[] = [
  { label: 'BBANDS devUp NaN', config: { kind: 'bbands', devUp: NaN }, param: 'devUp', ctor: () => new BollingerBands(20, NaN) },
  { label: 'BBANDS devDown -1', config: { kind: 'bbands', devDown: -1 }, param: 'devDown', ctor: () => new BollingerBands(20, 2, -1) },
  { label: 'STOCH kPeriod 0', config: { kind: 'stoch', kPeriod: 0 }, param: 'kPeriod', ctor: () => new Stochastic(0) },
  { label: 'STOCH kSlow 0', config: { kind: 'stoch', kSlow: 0 }, param: 'kSlow', ctor: () => new Stochastic(14, 0) },
  { label: 'STOCH dPeriod 1.5', config: { kind: 'stoch', dPeriod: 1.5 }, param: 'dPeriod', ctor: () => new Stochastic(14, 3, 1.5) },
  { label: "another kind's camelCase parameter (STDDEV devUp)", config: { kind: 'stddev', devUp: 2 }, param: 'devUp' },
  { label: "another kind's camelCase parameter (RSI kPeriod)", config: { kind: 'rsi', kPeriod: 5 }, param: 'kPeriod' },
];

/** Every way a config reaches the package, each expected to throw ConfigError(param). */
function checkBad(t: ExecutionContext, c: BadCase): void {
  const config = c.config as unknown as IndicatorConfig;
  const ways: [string, () => unknown][] = [
    ['describeIndicator', () => describeIndicator(config)],
    ['computeIndicator', () => computeIndicator(config, { close: [1, 2, 3], high: [1, 2, 3], low: [1, 2, 3], volume: [1, 1, 1] })],
    ["SessionData indicators '5m'", () => new SessionData({ intervals: ['5m'], indicators: { '5m': [config] } })],
    ["SessionData indicators '1m'", () => new SessionData({ indicators: { '1m': [{ kind: 'rsi' }, config] } })],
  ];
  if (c.ctor !== undefined) ways.push(['constructor', c.ctor]);
  for (const [way, f] of ways) {
    const e = t.throws(f, { instanceOf: ConfigError }, `${c.label} via ${way}`);
    if (e !== undefined) {
      t.is(e.param, c.param, `${c.label} via ${way}: param (${e.message})`);
      t.is(e.code, 'invalid_config');
      t.true(e.message.includes(c.param), `${c.label} via ${way}: the message names ${c.param}: ${e.message}`);
    }
  }
}

test('bad parameters throw ConfigError naming the parameter, via the classes, describeIndicator, computeIndicator and the SessionData constructor', (t) => {
  for (const c of BAD) checkBad(t, c);
});

test('bad camelCase parameters (devUp, devDown, kPeriod, kSlow, dPeriod) throw ConfigError naming them as the caller wrote them', (t) => {
  for (const c of BAD_CAMEL) {
    checkBad(t, c);
    // Nowhere in the message either: the caller never wrote dev_up or k_period.
    const snake = c.param.replace(/[A-Z]/g, (l) => `_${l.toLowerCase()}`);
    const e = t.throws(() => describeIndicator(c.config as unknown as IndicatorConfig), { instanceOf: ConfigError });
    t.false(e?.message.includes(snake), `${c.label}: ${e?.message}`);
  }
});

test('a parameter the config only inherits (a prototype, a class getter) is a ConfigError naming it, not left at its default', (t) => {
  class RsiConfig {
    readonly kind = 'rsi';
    get period(): number {
      return 5;
    }
  }
  const inherited = Object.assign(Object.create({ period: 5 }) as object, { kind: 'rsi' }) as IndicatorConfig;
  for (const config of [inherited, new RsiConfig() as IndicatorConfig]) {
    for (const f of [() => describeIndicator(config), () => computeIndicator(config, { close: [1, 2, 3] }), () => new SessionData({ indicators: { '1m': [config] } })]) {
      t.is(t.throws(f, { instanceOf: ConfigError })?.param, 'period');
    }
  }
  // Own properties, whatever made the object, are read as before.
  class Own {
    readonly kind = 'rsi';
    readonly period = 5;
  }
  t.is(describeIndicator(new Own() as IndicatorConfig).id, 'rsi5');
});

test("SessionData: indicators that are not a plain object, for an interval that is not configured, or not given as an array, throw ConfigError 'indicators'", (t) => {
  for (const options of [
    { intervals: ['5m'], indicators: { '15m': [{ kind: 'rsi' }] } },
    { indicators: { '5m': [{ kind: 'rsi' }] } },
    { intervals: ['5m'], indicators: { '5m': { kind: 'rsi' } } },
    // Not a plain object of interval -> list: refused, never read as "no indicators".
    { indicators: new Map([['1m', [{ kind: 'rsi' }]]]) },
    { indicators: Object.create({ '1m': [{ kind: 'rsi' }] }) as object },
    { indicators: [[{ kind: 'rsi' }]] },
    { indicators: 'rsi' },
    { indicators: 14 },
    { indicators: null },
  ]) {
    const e = t.throws(() => new SessionData(options as never), { instanceOf: ConfigError });
    t.is(e?.param, 'indicators', JSON.stringify(options));
  }
  // Plain objects are read whatever their realm, or with no prototype at all.
  const foreign = runInNewContext("({ '1m': [{ kind: 'rsi', period: 5 }] })") as Record<string, IndicatorConfig[]>;
  const bare = Object.assign(Object.create(null) as Record<string, IndicatorConfig[]>, { '1m': [{ kind: 'rsi', period: 6 }] });
  t.deepEqual(new SessionData({ indicators: foreign }).indicatorNames('1m'), ['rsi5']);
  t.deepEqual(new SessionData({ indicators: bare }).indicatorNames('1m'), ['rsi6']);
});

test("data.indicator with a name not configured throws ConfigError listing the configured names; an unknown interval names 'interval'", (t) => {
  const data = new SessionData({ intervals: ['5m'], indicators: { '5m': [{ kind: 'rsi' }, { kind: 'macd' }, { kind: 'bbands', period: 10 }] } });
  const e = t.throws(() => data.indicator('SPY', '5m', 'nope'), { instanceOf: ConfigError });
  for (const name of ['rsi14', 'macd.macd', 'macd.signal', 'macd.histogram', 'bbands10.upper', 'bbands10.middle', 'bbands10.lower']) {
    t.true(e?.message.includes(name), `${name} in: ${e?.message}`);
  }
  t.true(e?.message.includes('nope'));
  // The base interval has none configured.
  t.throws(() => data.indicator('SPY', '1m', 'rsi14'), { instanceOf: ConfigError });
  t.is(t.throws(() => data.indicator('SPY', '15m', 'rsi14'), { instanceOf: ConfigError })?.param, 'interval');
  // A configured name of a symbol never seen: an empty column.
  t.is(data.indicator('NONE', '5m', 'rsi14').length, 0);
  t.deepEqual(data.indicatorNames('5m'), ['rsi14', 'macd.macd', 'macd.signal', 'macd.histogram', 'bbands10.upper', 'bbands10.middle', 'bbands10.lower']);
});

test("a class given more arguments than it has parameters throws ConfigError 'arguments' (a period given to Obv is not ignored); fewer take the defaults", (t) => {
  const extra: [string, () => unknown][] = [
    ['new Obv(14)', () => new (Obv as unknown as new (...a: unknown[]) => Obv)(14)],
    ['new Vwap(1)', () => new (Vwap as unknown as new (...a: unknown[]) => Vwap)(1)],
    ['new Rsi(14, 3)', () => new (Rsi as unknown as new (...a: unknown[]) => Rsi)(14, 3)],
    ['new Stddev(20, 2, 2)', () => new (Stddev as unknown as new (...a: unknown[]) => Stddev)(20, 2, 2)],
    ['new Macd(12, 26, 9, 5)', () => new (Macd as unknown as new (...a: unknown[]) => Macd)(12, 26, 9, 5)],
    ['new BollingerBands(20, 2, 2, 2)', () => new (BollingerBands as unknown as new (...a: unknown[]) => BollingerBands)(20, 2, 2, 2)],
    ['new Stochastic(14, 3, 3, 3)', () => new (Stochastic as unknown as new (...a: unknown[]) => Stochastic)(14, 3, 3, 3)],
    ['new Atr(14, 2, undefined)', () => new (Atr as unknown as new (...a: unknown[]) => Atr)(14, 2, undefined)],
  ];
  for (const [label, make] of extra) {
    const e = t.throws(make, { instanceOf: ConfigError }, label);
    t.is(e?.param, 'arguments', label);
  }
  t.deepEqual(new Macd(5).info.outputs, ['macd5_26_9.macd', 'macd5_26_9.signal', 'macd5_26_9.histogram']);
  t.is(new Stochastic().info.id, 'stoch');
  t.is(new Obv().info.id, 'obv');
  t.is(new Sma(undefined).info.id, 'sma30');
  // A trailing undefined is an argument left out, as a default parameter reads it.
  t.is(new (Atr as unknown as new (...a: unknown[]) => Atr)(7, undefined).info.id, 'atr7');
  t.is(new (Obv as unknown as new (...a: unknown[]) => Obv)(undefined).info.id, 'obv');
});

test('an input of the wrong kind (a bar to an indicator of closes, a number to one of bars) is an InputError that commits nothing; arguments after the first are not read', (t) => {
  type Loose = { update(...a: unknown[]): unknown; peek(...a: unknown[]): unknown };
  const bar = { high: 11, low: 9, close: 10, volume: 100 };
  const values: [string, () => Loose][] = [
    ['Sma', () => new Sma(2) as unknown as Loose], ['Ema', () => new Ema(2) as unknown as Loose], ['Wma', () => new Wma(2) as unknown as Loose],
    ['Rsi', () => new Rsi(2) as unknown as Loose], ['Roc', () => new Roc(2) as unknown as Loose], ['Stddev', () => new Stddev(2) as unknown as Loose],
    ['Macd', () => new Macd(2, 3, 2) as unknown as Loose], ['BollingerBands', () => new BollingerBands(2) as unknown as Loose],
  ];
  const bars: [string, () => Loose][] = [
    ['Atr', () => new Atr(2) as unknown as Loose], ['Adx', () => new Adx(2) as unknown as Loose], ['Cci', () => new Cci(2) as unknown as Loose],
    ['Mfi', () => new Mfi(2) as unknown as Loose], ['Obv', () => new Obv() as unknown as Loose], ['Vwap', () => new Vwap() as unknown as Loose],
    ['Stochastic', () => new Stochastic(2, 2, 2) as unknown as Loose],
  ];
  const closes = [10, 12, 11, 15, 14, 13, 16];
  for (const [name, make] of [...values, ...bars]) {
    const isValue = values.some(([n]) => n === name);
    const input = (c: number): unknown => (isValue ? c : { high: c + 1, low: c - 1, close: c, volume: 100 + c });
    const tried = make();
    const plain = make();
    for (const [i, c] of closes.entries()) {
      if (i === 3) {
        for (const call of ['update', 'peek'] as const) {
          for (const wrong of isValue ? [bar, () => 10, new Number(10), new Float64Array([10]), [10]] : [10, '10', [11, 9, 10], new Number(10), new String('10'), new Float64Array([11, 9, 10, 100]), new Map([['close', 10]]), new Date(10)]) {
            const e = t.throws(() => tried[call](wrong), { instanceOf: InputError }, `${name}.${call}`);
            t.regex(e?.message ?? '', new RegExp(`^${name} takes one ${isValue ? 'number' : 'bar'}`), name);
          }
        }
        // null and a string of a close still read as NaN and commit nothing, as documented.
        tried.update(null);
        if (isValue) tried.update('12.5');
        // An index after the input, as map and forEach pass one, is not read.
        tried.update(input(c), i, closes);
      } else {
        tried.update(input(c));
      }
      plain.update(input(c));
    }
    t.deepEqual(tried.peek(input(17)), plain.peek(input(17)), name);
  }
  // By hand: SMA(2) of 10 and 12 is 11, whatever was refused between them; through map, [NaN, 11, 11.5].
  const sma = new Sma(2) as unknown as Loose;
  sma.update(10);
  t.throws(() => sma.update({ close: 99 }), { instanceOf: InputError });
  t.is(sma.update(12), 11);
  const mapped = new Sma(2);
  t.deepEqual([10, 12, 11].map(mapped.update, mapped), [NaN, 11, 11.5]);
  // A Number object, of this realm or another, is told to pass its value.
  for (const boxed of [new Number(10), runInNewContext('new Number(10)') as unknown]) {
    t.throws(() => sma.update(boxed), { instanceOf: InputError, message: /got a Number object: pass its value$/ });
  }
  // A column is told that the batch functions take columns.
  t.throws(() => sma.update(new Float64Array([10, 12])), { instanceOf: InputError, message: 'Sma takes one number (a close), got Float64Array of 2: pass one close a call (computeIndicator takes a whole column)' });
  t.throws(() => (new Atr(2) as unknown as Loose).update(new Float64Array([11, 9, 10])), { instanceOf: InputError, message: 'Atr takes one bar { high, low, close, volume }, got a Float64Array' });
});

test('MACD by hand: the slow EMA is seeded with the first slow closes, the fast one with closes slow-fast to slow-1, the signal with the first signal MACD values', (t) => {
  const close = [1, 2, 4, 8, 16, 32];
  // MACD(2, 3, 2): slow EMA(3) seeded at index 2 with (1 + 2 + 4) / 3; fast EMA(2) seeded at
  // index 2 with (2 + 4) / 2 (not from index 0, which would give 1.5 then 3.1666...).
  let slow = 7 / 3;
  let fast = 3;
  const macd = [fast - slow];
  for (let i = 3; i < close.length; i++) {
    slow += ((close[i] as number) - slow) * (2 / 4);
    fast += ((close[i] as number) - fast) * (2 / 3);
    macd.push(fast - slow);
  }
  let signal = ((macd[0] as number) + (macd[1] as number)) / 2;
  const expected: [number, number, number][] = [[macd[1] as number, signal, (macd[1] as number) - signal]];
  for (let i = 2; i < macd.length; i++) {
    signal += ((macd[i] as number) - signal) * (2 / 3);
    expected.push([macd[i] as number, signal, (macd[i] as number) - signal]);
  }
  const m = new Macd(2, 3, 2);
  const got = close.map((x) => macdOut(m.update(x)));
  t.deepEqual(got.slice(0, 3).flat().map(Number.isNaN), Array(9).fill(true));
  got.slice(3).forEach((row, k) => row.forEach((v, j) => t.true(Math.abs(v - (expected[k] as number[])[j]!) < 1e-12, `index ${k + 3} output ${j}: ${v} vs ${(expected[k] as number[])[j]}`)));
});

test('an input whose getter feeds another indicator: each gives what it gives alone (every field is read before the shared slot is written)', (t) => {
  const xs = Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i / 3) * 5 + i / 10);
  const macdAlone = new Macd(3, 6, 2);
  const rsiAlone = new Rsi(5);
  const atrAlone = new Atr(3);
  const macd = new Macd(3, 6, 2);
  const rsi = new Rsi(5);
  const atr = new Atr(3);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    const expected = { rsi: rsiAlone.update(x), macd: macdAlone.update(x), atr: atrAlone.update({ high: x + 1, low: x - 1, close: x }) };
    let inner: MacdValue | undefined;
    // A bar whose close getter updates the MACD first, as a lazily computed input might.
    const bar = {
      high: x + 1,
      low: x - 1,
      get close(): number {
        inner = macd.update(x);
        return x;
      },
    };
    t.is(atr.update(bar), expected.atr);
    t.deepEqual(inner, expected.macd);
    t.is(rsi.update(x), expected.rsi);
  }
  // The comparison covered values, not only warm-up NaNs.
  t.true(atrAlone.initialized && macdAlone.initialized && rsiAlone.initialized);
});

test('many standalone indicators made and let go: the ones kept go on exactly as alone', (t) => {
  const kept = new Ema(10);
  const alone = new Ema(10);
  for (let round = 0; round < 200; round++) {
    for (let k = 0; k < 50; k++) new Sma(5).update(k);
    const x = 50 + Math.cos(round);
    t.is(kept.update(x), alone.update(x));
  }
  if (typeof globalThis.gc === 'function') globalThis.gc();
  for (let k = 0; k < 20; k++) t.is(kept.update(k), alone.update(k));
});
