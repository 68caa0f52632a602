/**
 * Indicator values against real TA-Lib (the `talib` dev dependency), through every way the package
 * gives them: `computeIndicator` (batch), `SessionData` streaming on the base series, and
 * `SessionData` over real minute bars and their 5m aggregation (made by the naive helper, not by
 * the package). VWAP, which TA-Lib lacks, against a naive computation in this file.
 *
 * Tolerance (see helpers/talib.ts): `|got - talib| <= 1e-9 * max(1, |talib|)` at every index from
 * TA-Lib's begIndex on, i.e. relative 1e-9 for magnitudes above 1 (prices, OBV in the billions,
 * RSI/STOCH/MFI in 0..100, CCI) and absolute 1e-9 near zero (MACD, ROC, STDDEV of a flat stretch).
 * Before begIndex the package must give NaN (the warm-up length is begIndex). The max relative
 * difference of each indicator is logged (`npx ava --verbose` shows it).
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { SessionData, computeIndicator, describeIndicator } from 'barstream';
import type { Bar, IndicatorConfig, Session } from 'barstream';
import { minuteDataAvailable, readMinuteBars } from './helpers/csv.js';
import { aggregateSession, diffBars } from './helpers/naive.js';
import { Rng } from './helpers/prng.js';
import { nySummerSession } from './helpers/sessions.js';
import {
  TALIB_CASES,
  compareToTalib,
  indicatorColumns,
  firstBitDiff,
  naiveVwap,
  randomWalk,
  seriesOf,
  talibColumns,
} from './helpers/talib.js';
import type { Series, TalibCase } from './helpers/talib.js';

const N = 10_000;

/** Three seeded walks: cents (ties), unrounded with flat stretches and large volume (OBV ~1e10), high prices. */
const WALKS: { name: string; bars: Bar[] }[] = [
  { name: 'walk A (cents, ~100)', bars: randomWalk(0xa11ce, N, { start: 100, sigma: 0.002, cents: true, volume: [1, 100_000] }) },
  {
    name: 'walk B (unrounded, flat stretches, volume 1e6-1e7)',
    bars: randomWalk(0xb0b, N, { start: 20, sigma: 0.004, cents: false, volume: [1_000_000, 10_000_000], flat: 0.01 }),
  },
  { name: 'walk C (cents, ~5000, small volume)', bars: randomWalk(0xc0ffee, N, { start: 5000, sigma: 0.001, cents: true, volume: [1, 500], flat: 0.003 }) },
];

/**
 * Checks one case's columns (by output name) against TA-Lib over `s`. Pushes a message per failing
 * output to `errors` (so that one test reports every failure, not only the first) and returns the
 * max relative difference over the outputs that passed.
 */
function checkCase(c: TalibCase, s: Series, got: (name: string) => Float64Array | undefined, where: string, errors: string[]): number {
  const expected = talibColumns(c, s);
  if (expected.begIndex !== Math.min(c.lookback, s.close.length)) {
    errors.push(`${where} ${c.names[0]}: TA-Lib's begIndex ${expected.begIndex} is not the hand lookback ${c.lookback}`);
  }
  let worst = 0;
  c.names.forEach((name, j) => {
    const col = got(name);
    if (col === undefined) {
      errors.push(`${where}: no output ${name}`);
      return;
    }
    const r = compareToTalib(col, expected.columns[j] as Float64Array, expected.begIndex);
    if (r.error !== null) errors.push(`${where} ${name}: ${r.error}`);
    else worst = Math.max(worst, r.maxRel);
  });
  return worst;
}

const caseTitle = (c: TalibCase): string => `${c.names[0]?.replace(/\.\w+$/, '')} (${JSON.stringify(c.config)})`;

// ---------------------------------------------------------------------------------------------
// a. computeIndicator over 10,000-bar random walks.

for (const c of TALIB_CASES) {
  test(`a. computeIndicator ${caseTitle(c)} equals TA-Lib ${c.fn} at every index of three 10,000-bar walks; NaN before begIndex`, (t) => {
    t.deepEqual(describeIndicator(c.config), { id: c.names[0]?.replace(/\.(macd|signal|histogram|upper|middle|lower|k|d)$/, ''), outputs: c.names, lookback: c.lookback });
    const maxRel: string[] = [];
    const errors: string[] = [];
    for (const w of WALKS) {
      const s = seriesOf(w.bars);
      const out = computeIndicator(c.config, indicatorColumns(s));
      t.deepEqual(Object.keys(out), c.names);
      maxRel.push(checkCase(c, s, (name) => out[name], w.name, errors).toExponential(1));
    }
    t.log(`max rel diff vs TA-Lib per walk: ${maxRel.join(', ')}`);
    t.deepEqual(errors, []);
  });
}

// ---------------------------------------------------------------------------------------------
// b. The same walks streamed through SessionData (1m indicators, many sessions in a row).

interface Sessioned {
  sessions: { session: Session; bars: Bar[] }[];
  /** The walk's bars, re-timed into the sessions. */
  bars: Bar[];
  /** Index of the first bar of each session. */
  starts: number[];
}

/**
 * Cuts a walk into consecutive regular sessions (summer dates from 2013-06-03 on, one a calendar
 * day), each holding 100-390 of the walk's bars at random distinct minutes (gaps included).
 */
function sessionize(walk: readonly Bar[], seed: number): Sessioned {
  const rng = new Rng(seed);
  const sessions: { session: Session; bars: Bar[] }[] = [];
  const bars: Bar[] = [];
  const starts: number[] = [];
  let i = 0;
  for (let day = 0; i < walk.length; day++) {
    const date = new Date(Date.UTC(2013, 5, 3 + day)).toISOString().slice(0, 10);
    const session = nySummerSession(date);
    const count = Math.min(rng.int(100, 390), walk.length - i);
    // `count` distinct minutes of the 390, in order.
    const minutes = Array.from({ length: 390 }, (_, m) => m);
    for (let m = 389; m > 0; m--) {
      const k = rng.int(0, m);
      [minutes[m], minutes[k]] = [minutes[k] as number, minutes[m] as number];
    }
    const chosen = minutes.slice(0, count).sort((a, b) => a - b);
    starts.push(i);
    const own = chosen.map((m) => ({ ...(walk[i++] as Bar), time: session.open + m * 60_000 }));
    sessions.push({ session, bars: own });
    bars.push(...own);
  }
  return { sessions, bars, starts };
}

const ALL_CONFIGS: IndicatorConfig[] = [...TALIB_CASES.map((c) => c.config), { kind: 'vwap' }];

/** Streams sessions bar by bar into a store with every indicator on '1m' (and on '5m' if asked). */
function stream(sessions: Sessioned['sessions'], symbol: string, with5m: boolean): SessionData {
  const data = new SessionData({
    intervals: with5m ? ['5m'] : [],
    indicators: with5m ? { '1m': ALL_CONFIGS, '5m': ALL_CONFIGS } : { '1m': ALL_CONFIGS },
  });
  for (const { session, bars } of sessions) {
    data.beginSession(session);
    for (const b of bars) data.append(symbol, b);
    data.endSession();
  }
  return data;
}

WALKS.forEach((w, k) => {
  test(`b. ${w.name} streamed through SessionData over many sessions: every 1m indicator column equals TA-Lib and computeIndicator bit for bit`, (t) => {
    const sz = sessionize(w.bars, 1000 + k);
    t.true(sz.sessions.length > 20, `${sz.sessions.length} sessions`);
    const data = stream(sz.sessions, 'WALK', false);
    const s = seriesOf(sz.bars);
    const view = data.bars('WALK', '1m');
    t.is(view.length, N);
    t.is(firstBitDiff(view.close, s.close), null, 'stored closes are the walk');
    const cols = indicatorColumns(s);
    const logs: string[] = [];
    const errors: string[] = [];
    for (const c of TALIB_CASES) {
      const batch = computeIndicator(c.config, cols, sz.starts);
      const rel = checkCase(c, s, (name) => data.indicator('WALK', '1m', name), `${w.name} streamed`, errors);
      for (const name of c.names) {
        const diff = firstBitDiff(data.indicator('WALK', '1m', name), batch[name] as Float64Array);
        if (diff !== null) errors.push(`${name}: streamed vs computeIndicator differ at ${diff}`);
      }
      logs.push(`${c.names[0]} ${rel.toExponential(1)}`);
    }
    t.log(`max rel diff vs TA-Lib: ${logs.join(', ')}`);
    t.deepEqual(errors, []);
  });
});

// ---------------------------------------------------------------------------------------------
// c. Real minute bars: six regular sessions in a row, 1m and the naive 5m aggregation.

const DATES = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];
const SYMBOLS = ['SPY', 'IBM', 'BAC'];

/** Session-start indices of a list of per-session bar lists. */
function startsOf(lists: readonly (readonly Bar[])[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const l of lists) {
    if (l.length > 0) out.push(at);
    at += l.length;
  }
  return out;
}

if (!minuteDataAvailable()) {
  test.skip('c. TA-Lib parity over real minute bars (skipped: ../shared/data/minute is absent)', () => {});
} else {
  for (const symbol of SYMBOLS) {
    test(`c. real data ${symbol}: six regular sessions streamed through SessionData; 1m and 5m indicators equal TA-Lib over the 1m bars and their naive 5m aggregation (and computeIndicator bit for bit); VWAP equals the naive session VWAP`, (t) => {
      const all = readMinuteBars(symbol);
      const sessions = DATES.map((date) => {
        const session = nySummerSession(date);
        return { session, bars: all.filter((b) => b.time >= session.open && b.time < session.close) };
      });
      const fives = sessions.map(({ session, bars }) => aggregateSession(bars, session, '5m'));
      const data = stream(sessions, symbol, true);
      const series = {
        '1m': { s: seriesOf(sessions.flatMap((x) => x.bars)), starts: startsOf(sessions.map((x) => x.bars)) },
        '5m': { s: seriesOf(fives.flat()), starts: startsOf(fives) },
      };
      t.is(diffBars(data.bars(symbol, '5m'), fives.flat()), null, 'the store 5m bars are the naive 5m bars');
      t.true(series['1m'].s.close.length > 2000, `${series['1m'].s.close.length} 1m bars`);
      const errors: string[] = [];
      for (const interval of ['1m', '5m'] as const) {
        const { s, starts } = series[interval];
        t.is(data.bars(symbol, interval).length, s.close.length);
        const logs: string[] = [];
        for (const c of TALIB_CASES) {
          const rel = checkCase(c, s, (name) => data.indicator(symbol, interval, name), `${symbol} ${interval}`, errors);
          const batch = computeIndicator(c.config, indicatorColumns(s), starts);
          for (const name of c.names) {
            const diff = firstBitDiff(data.indicator(symbol, interval, name), batch[name] as Float64Array);
            if (diff !== null) errors.push(`${symbol} ${interval} ${name}: streamed vs computeIndicator differ at ${diff}`);
          }
          logs.push(`${c.names[0]} ${rel.toExponential(1)}`);
        }
        const vwap = data.indicator(symbol, interval, 'vwap');
        const naive = naiveVwap(s, starts);
        let worst = 0;
        for (let i = 0; i < naive.length; i++) {
          const d = Math.abs((vwap[i] as number) - (naive[i] as number)) / Math.max(1, Math.abs(naive[i] as number));
          if (!(d <= 1e-9)) {
            errors.push(`${symbol} ${interval} vwap index ${i}: got ${vwap[i]}, naive ${naive[i]}`);
            break;
          }
          worst = Math.max(worst, d);
        }
        logs.push(`vwap(naive) ${worst.toExponential(1)}`);
        t.log(`${interval} (${s.close.length} bars) max rel diff: ${logs.join(', ')}`);
      }
      t.deepEqual(errors, []);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// d. VWAP: restarts at each session open; its value while the session's volume is 0.

test('d. VWAP of the walks, streamed (1m and 5m) and by computeIndicator with sessionStarts, equals the naive session VWAP and restarts at each open', (t) => {
  for (const [k, w] of WALKS.entries()) {
    const sz = sessionize(w.bars.slice(0, 3000), 2000 + k);
    const data = stream(sz.sessions, 'W', true);
    const s = seriesOf(sz.bars);
    const naive = naiveVwap(s, sz.starts);
    const streamed = data.indicator('W', '1m', 'vwap');
    const batch = computeIndicator({ kind: 'vwap' }, indicatorColumns(s), sz.starts).vwap as Float64Array;
    t.is(firstBitDiff(streamed, batch), null, `${w.name}: streamed vs computeIndicator`);
    // The naive code does the same operations in the same order, so the values agree to the bit.
    t.is(firstBitDiff(streamed, naive), null, `${w.name}: streamed vs naive`);
    // The first bar of each session is its own typical price (a restart, not a continuation),
    // up to the rounding of (tp * v) / v.
    for (const i of sz.starts) {
      const tp = ((s.high[i] as number) + (s.low[i] as number) + (s.close[i] as number)) / 3;
      t.true(Math.abs((streamed[i] as number) - tp) <= 1e-12 * tp, `session opening at ${i}: ${streamed[i]} vs tp ${tp}`);
    }
    const fives = sz.sessions.map(({ session, bars }) => aggregateSession(bars, session, '5m'));
    const s5 = seriesOf(fives.flat());
    const naive5 = naiveVwap(s5, startsOf(fives));
    t.is(firstBitDiff(data.indicator('W', '5m', 'vwap'), naive5), null, `${w.name}: 5m streamed vs naive`);
    t.is(firstBitDiff(computeIndicator({ kind: 'vwap' }, indicatorColumns(s5), startsOf(fives)).vwap as Float64Array, naive5), null);
    // Without sessionStarts there is one session: the cumulative VWAP of everything.
    t.is(firstBitDiff(computeIndicator({ kind: 'vwap' }, indicatorColumns(s)).vwap as Float64Array, naiveVwap(s, [0])), null);
  }
});

/**
 * Hand arithmetic. Session 1: tp = (h+l+c)/3 = 10 (v 0), 13 (v 0), 20 (v 100), 30 (v 300), 40 (v 0);
 * session 2: 4 (v 0), 6 (v 200). While the session's volume is 0 the value is the plain mean of
 * its typical prices (the documented rule): 10, 11.5; then 2000/100 = 20, (2000+9000)/400 = 27.5,
 * still 27.5 after a zero-volume bar; the new session restarts: 4, then 1200/200 = 6.
 */
const VWAP_HAND = {
  high: [12, 14, 21, 33, 42, 6, 7],
  low: [9, 12, 18, 27, 39, 3, 5],
  close: [9, 13, 21, 30, 39, 3, 6],
  volume: [0, 0, 100, 300, 0, 0, 200],
  expected: [10, 11.5, 20, 27.5, 27.5, 4, 6],
  starts: [0, 5],
};

test('d. VWAP with zero cumulative volume is the mean typical price of the session so far (finite, never NaN); hand arithmetic via computeIndicator and SessionData', (t) => {
  const h = VWAP_HAND;
  t.deepEqual(Array.from(computeIndicator({ kind: 'vwap' }, { high: h.high, low: h.low, close: h.close, volume: h.volume }, h.starts).vwap as Float64Array), h.expected);
  // Through the store: session 1 at 09:30.., session 2 the next day.
  const s1 = nySummerSession('2013-10-07');
  const s2 = nySummerSession('2013-10-08');
  const data = new SessionData({ indicators: { '1m': [{ kind: 'vwap' }] } });
  for (const [session, from, to] of [[s1, 0, 5], [s2, 5, 7]] as const) {
    data.beginSession(session);
    for (let i = from; i < to; i++) {
      const c = h.close[i] as number;
      data.append('X', { time: session.open + (i - from) * 60_000, open: c, high: h.high[i] as number, low: h.low[i] as number, close: c, volume: h.volume[i] as number });
    }
    data.endSession();
  }
  t.deepEqual(Array.from(data.indicator('X', '1m', 'vwap')), h.expected);
  // A session with no volume at all: every value the running mean of typical prices.
  const flat = computeIndicator({ kind: 'vwap' }, { high: [3, 6, 9], low: [3, 6, 9], close: [3, 6, 9], volume: [0, 0, 0] });
  t.deepEqual(Array.from(flat.vwap as Float64Array), [3, 4.5, 6]);
});

test("d. VWAP over 'flat' empty 5m buckets (zero volume) keeps the session's volume-weighted value", (t) => {
  // 09:30 v 100 tp 10; nothing 09:35-09:44 (two flat buckets at close 10, volume 0); 09:45 v 300 tp 20.
  const s = nySummerSession('2013-10-07');
  const data = new SessionData({ intervals: ['5m'], emptyBuckets: 'flat', indicators: { '5m': [{ kind: 'vwap' }] } });
  data.beginSession(s);
  data.append('X', { time: s.open, open: 10, high: 11, low: 9, close: 10, volume: 100 });
  data.append('X', { time: s.open + 15 * 60_000, open: 20, high: 21, low: 19, close: 20, volume: 300 });
  data.advanceTo(s.open + 20 * 60_000);
  const bars = data.bars('X', '5m');
  t.deepEqual(Array.from(bars.volume), [100, 0, 0, 300]);
  // tp: 10, 10 (flat at close 10), 10, 20 -> 1000/100 = 10, 10, 10, (1000 + 6000)/400 = 17.5.
  t.deepEqual(Array.from(data.indicator('X', '5m', 'vwap')), [10, 10, 10, 17.5]);
  data.endSession();
});

test('e. at prices of 1e-8 and of 1e12, every TA-Lib case equals TA-Lib bit for bit, including its absolute zero tests (STDDEV reads 0 at 1e-8, RSI does not)', (t) => {
  const base = randomWalk(0x5ca1e, 400, { start: 100, sigma: 0.004, cents: false, volume: [1, 1000], flat: 0.01 });
  for (const scale of [1e-8, 1e12]) {
    const s = seriesOf(base.map((b) => ({ ...b, open: b.open * scale, high: b.high * scale, low: b.low * scale, close: b.close * scale })));
    for (const c of TALIB_CASES) {
      const out = computeIndicator(c.config, indicatorColumns(s));
      const expected = talibColumns(c, s);
      c.names.forEach((name, j) => {
        t.is(firstBitDiff(out[name] as Float64Array, expected.columns[j] as Float64Array), null, `${name} at scale ${scale}`);
      });
    }
  }
  const tiny = seriesOf(base.map((b) => ({ ...b, close: b.close * 1e-8 })));
  const out = computeIndicator({ kind: 'stddev' }, indicatorColumns(tiny));
  t.true((out['stddev20'] as Float64Array).slice(19).every((v) => v === 0));
  const rsi = computeIndicator({ kind: 'rsi' }, indicatorColumns(tiny))['rsi14'] as Float64Array;
  t.true(rsi.slice(14).some((v) => v > 0));
});
