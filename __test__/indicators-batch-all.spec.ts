/**
 * `computeIndicators`: every kind in one call over columns long enough to share them between two
 * threads. Each output equals TA-Lib (VWAP: a naive computation that restarts at each session
 * start) and, bit for bit, `computeIndicator` run on its own. Duplicate output names and missing
 * columns are refused with typed errors.
 */
import test from 'ava';
import { ConfigError, InputError, computeIndicator, computeIndicators } from 'barstream';
import type { IndicatorConfig } from 'barstream';
import { TALIB_CASES, compareToTalib, firstBitDiff, indicatorColumns, naiveVwap, randomWalk, seriesOf, talibColumns } from './helpers/talib.js';

const N = 60_000;
const bars = randomWalk(2024, N, { start: 50, sigma: 0.004, cents: true, volume: [100, 5000], flat: 0.01 });
const series = seriesOf(bars);
const columns = indicatorColumns(series);
const STARTS = [0, 390, 780, 30_000, 59_610];
const CONFIGS: IndicatorConfig[] = [...TALIB_CASES.map((c) => c.config), { kind: 'vwap' }];

test('computeIndicators: every kind at once equals TA-Lib (VWAP a naive session VWAP) and computeIndicator alone, bit for bit', (t) => {
  const all = computeIndicators(CONFIGS, columns, STARTS);
  const errors: string[] = [];
  for (const c of TALIB_CASES) {
    const expected = talibColumns(c, series);
    c.names.forEach((name, j) => {
      const got = all[name];
      if (got === undefined) {
        errors.push(`no output ${name}`);
        return;
      }
      const r = compareToTalib(got, expected.columns[j] as Float64Array, expected.begIndex);
      if (r.error !== null) errors.push(`${name} vs TA-Lib ${c.fn}: ${r.error}`);
    });
  }
  const vwap = all['vwap'];
  const naive = naiveVwap(series, STARTS);
  if (vwap === undefined) errors.push('no output vwap');
  else {
    for (let i = 0; i < N; i++) {
      const d = Math.abs((vwap[i] as number) - (naive[i] as number)) / Math.max(1, Math.abs(naive[i] as number));
      if (!(d <= 1e-9)) {
        errors.push(`vwap at ${i}: ${vwap[i]} vs naive ${naive[i]}`);
        break;
      }
    }
  }
  for (const config of CONFIGS) {
    for (const [name, col] of Object.entries(computeIndicator(config, columns, STARTS))) {
      const diff = firstBitDiff(all[name] as Float64Array, col);
      if (diff !== null) errors.push(`${name}: computeIndicators vs computeIndicator differ at ${diff}`);
    }
  }
  t.deepEqual(errors, []);
  t.is(Object.keys(all).length, TALIB_CASES.reduce((k, c) => k + c.names.length, 0) + 1);
  for (const col of Object.values(all)) t.is(col.length, N);
});

test('computeIndicators: two indicators with one output name is a ConfigError on configs; a missing column an InputError', (t) => {
  const dup = t.throws(() => computeIndicators([{ kind: 'sma', period: 20 }, { kind: 'ema', period: 20 }, { kind: 'sma', period: 20 }], columns), { instanceOf: ConfigError });
  t.is(dup?.param, 'configs');
  t.regex(dup?.message ?? '', /sma20/);
  const missing = t.throws(() => computeIndicators([{ kind: 'sma', period: 20 }, { kind: 'atr', period: 14 }], { close: columns.close }), { instanceOf: InputError });
  t.regex(missing?.message ?? '', /high/);
  t.deepEqual(computeIndicators([], columns), {});
  t.throws(() => computeIndicators([], { close: new Float64Array(3), high: new Float64Array(2) }), { instanceOf: InputError });
  const none = computeIndicators([{ kind: 'rsi', period: 14 }, { kind: 'macd' }], { close: new Float64Array(0) });
  t.deepEqual(Object.keys(none), ['rsi14', 'macd.macd', 'macd.signal', 'macd.histogram']);
  t.true(Object.values(none).every((c) => c.length === 0));
});

test('kinds are read in any ASCII case, ids are lower case; a kind that only folds to a name outside ASCII is refused', (t) => {
  const close = new Float64Array([1, 2, 3, 4, 5, 6]);
  // EMA(3) by hand: seeded with (1 + 2 + 3) / 3 = 2 at index 2, then (x - ema) * 0.5 + ema.
  const want = [NaN, NaN, 2, 3, 4, 5];
  for (const kind of ['EMA', 'Ema', 'eMa']) {
    const out = computeIndicator({ kind, period: 3 } as IndicatorConfig, { close });
    t.deepEqual(Object.keys(out), ['ema3'], kind);
    t.deepEqual([...(out.ema3 as Float64Array)], want, kind);
  }
  t.throws(() => computeIndicator({ kind: 'ſma', period: 3 } as unknown as IndicatorConfig, { close }), { instanceOf: ConfigError });
});
