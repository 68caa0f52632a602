/**
 * The backtest path's internals: slices read as rows of shared columns (`appendSliceIds` with a
 * first row), `interleaveColumns`, which turns per-symbol columns into such rows, and `readStates`,
 * which reads the states of a dispatch's series in one call. Expected values are the input itself,
 * moved by hand-written loops here, and bucket counts worked out by hand.
 */
import test from 'ava';
import { ConfigError, InputError, SessionData } from 'barstream';
import type { SliceColumns } from 'barstream';
import { internals } from './helpers/internal.js';

const native = (await import(new URL('../dist/native.js', import.meta.url).href)) as {
  interleaveColumns: (sources: Float64Array[], from: Int32Array, rows: number, out: Float64Array) => void;
};

const MINUTE = 60_000;
const OPEN = Date.UTC(2024, 1, 5, 14, 30);
const SESSION = { date: '2024-02-05', open: OPEN, close: OPEN + 390 * MINUTE, timeZone: 'America/New_York', dayStart: OPEN - 9.5 * 3_600_000 };
const FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Row `r` holds bar `r` of each of `symbols` symbols: symbol `s`'s bar at minute `r` has prices around `10 * (s + 1) + r`. */
function grid(symbols: number, rows: number): SliceColumns {
  const g = Object.fromEntries(FIELDS.map((f) => [f, new Float64Array(symbols * rows)])) as unknown as SliceColumns;
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < symbols; s++) {
      const i = r * symbols + s;
      const p = 10 * (s + 1) + r;
      g.time[i] = OPEN + r * MINUTE;
      g.open[i] = p;
      g.high[i] = p + 0.5;
      g.low[i] = p - 0.5;
      g.close[i] = p + 0.25;
      g.volume[i] = 100 + i;
    }
  }
  return g;
}

test('appendSliceIds reads bar i of a slice from row from + i of the columns', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(SESSION);
  const ids = new Float64Array(['A', 'B', 'C'].map((s) => internals(data).idOf(s)));
  const g = grid(3, 10);
  for (let r = 0; r < 10; r++) {
    const results = internals(data).appendSliceIds(ids, g, r * 3);
    for (let s = 0; s < 3; s++) t.true((results[s] as number) >= 1, `row ${r} symbol ${s} stored`);
  }
  ['A', 'B', 'C'].forEach((symbol, s) => {
    const bars = data.bars(symbol, '1m');
    t.is(bars.length, 10);
    for (let r = 0; r < 10; r++) {
      const p = 10 * (s + 1) + r;
      t.deepEqual([bars.time[r], bars.open[r], bars.high[r], bars.low[r], bars.close[r], bars.volume[r]], [OPEN + r * MINUTE, p, p + 0.5, p - 0.5, p + 0.25, 100 + r * 3 + s]);
    }
    // Two whole 5m buckets: opens of minutes 0 and 5, closes of 4 and 9, volumes summed by hand.
    const five = data.bars(symbol, '5m');
    t.deepEqual([...five.open], [10 * (s + 1), 10 * (s + 1) + 5]);
    t.deepEqual([...five.close], [10 * (s + 1) + 4.25, 10 * (s + 1) + 9.25]);
    const vol = (r0: number): number => [0, 1, 2, 3, 4].reduce((sum, k) => sum + 100 + (r0 + k) * 3 + s, 0);
    t.deepEqual([...five.volume], [vol(0), vol(5)]);
  });
});

test('appendSliceIds refuses a first row that leaves the columns too short, or is not a row index, and stores nothing', (t) => {
  const data = new SessionData();
  data.beginSession(SESSION);
  const ids = new Float64Array(['A', 'B'].map((s) => internals(data).idOf(s)));
  const g = grid(2, 3);
  for (const from of [5, -1, 0.5, NaN]) {
    const e = t.throws(() => internals(data).appendSliceIds(ids, g, from));
    t.true(e instanceof ConfigError, `from ${from}: ${String(e)}`);
  }
  t.is(data.count('A', '1m'), 0);
  t.is(data.count('B', '1m'), 0);
  // The last whole row is fine.
  internals(data).appendSliceIds(ids, g, 4);
  t.deepEqual([...data.bars('A', '1m').time], [OPEN + 2 * MINUTE]);
});

test('appendSliceIds refuses an id that is unknown, fractional or of a removed symbol, and stores nothing of the slice', (t) => {
  const data = new SessionData();
  data.beginSession(SESSION);
  const a = internals(data).idOf('A');
  const b = internals(data).idOf('B');
  data.endSession();
  t.true(data.removeSymbol('B'));
  data.beginSession({ ...SESSION, date: '2024-02-06', open: SESSION.open + 86_400_000, close: SESSION.close + 86_400_000, dayStart: SESSION.dayStart + 86_400_000 });
  const g = grid(2, 3);
  for (let k = 0; k < g.time.length; k++) g.time[k] = (g.time[k] as number) + 86_400_000;
  for (const bad of [b, 99, a + 0.5]) {
    const e = t.throws(() => internals(data).appendSliceIds(new Float64Array([a, bad]), g, 0));
    t.true(e instanceof ConfigError, `id ${bad}: ${String(e)}`);
  }
  t.is(data.count('A', '1m'), 0, "A's bar, first in the slice, was not stored");
  t.is(data.rejections().no_session + data.rejections().out_of_order, 0);
});

test('interleaveColumns puts value from[s] + r of source s at r * sources + s', (t) => {
  const sources = Array.from({ length: 11 }, (_, s) => Float64Array.from({ length: 20 }, (_, k) => s * 1000 + k));
  const from = Int32Array.from({ length: 11 }, (_, s) => s % 4);
  const out = new Float64Array(7 * 11 + 2).fill(-1);
  native.interleaveColumns(sources, from, 7, out);
  for (let r = 0; r < 7; r++) for (let s = 0; s < 11; s++) t.is(out[r * 11 + s], s * 1000 + (s % 4) + r, `row ${r}, source ${s}`);
  t.deepEqual([...out.subarray(77)], [-1, -1], 'nothing past the rows');
});

test('interleaveColumns refuses short sources, mismatched offsets, a short or overlapping out, writing nothing', (t) => {
  const a = new Float64Array([1, 2, 3, 4]);
  const b = new Float64Array([5, 6, 7, 8]);
  const out = new Float64Array(8).fill(-1);
  const cases: [string, () => void][] = [
    ['sources', () => native.interleaveColumns([a, b], Int32Array.of(0, 1), 4, out)],
    ['sources', () => native.interleaveColumns([a, b], Int32Array.of(0, -1), 2, out)],
    ['from', () => native.interleaveColumns([a, b], Int32Array.of(0), 2, out)],
    ['out', () => native.interleaveColumns([a, b], Int32Array.of(0, 0), 4, new Float64Array(7))],
    ['out', () => native.interleaveColumns([a, out.subarray(4)], Int32Array.of(0, 0), 2, out)],
  ];
  for (const [param, call] of cases) {
    const e = t.throws(call) as Error & { code?: string };
    t.is(e.code, `barstream:config:invalid_config:${param}`, e.message);
  }
  t.deepEqual([...out], [-1, -1, -1, -1, -1, -1, -1, -1]);
});

test('readStates reads many series in one call: the counts that follow are the stored bars', (t) => {
  const data = new SessionData({ intervals: ['5m', '15m'] });
  data.beginSession(SESSION);
  const ids = new Float64Array(['A', 'B'].map((s) => internals(data).idOf(s)));
  const g = grid(2, 16);
  for (let r = 0; r < 16; r++) internals(data).appendSliceIds(ids, g, r * 2);
  // 16 minutes from the open: 16 base bars, 3 whole 5m buckets, 1 whole 15m bucket, per symbol.
  const pairIds = Float64Array.of(0, 0, 0, 1, 1, 1);
  const pairSeries = Float64Array.of(0, 1, 2, 0, 1, 2);
  internals(data).readStates(pairIds, pairSeries, 6);
  t.deepEqual([0, 1, 2].map((s) => internals(data).countOf(0, s)), [16, 3, 1]);
  t.deepEqual([0, 1, 2].map((s) => internals(data).countOf(1, s)), [16, 3, 1]);
  t.deepEqual([...data.bars('B', '15m').volume], [Array.from({ length: 15 }, (_, r) => 100 + r * 2 + 1).reduce((a, b) => a + b, 0)]);
  // An unknown symbol or series is refused with a typed error.
  t.throws(() => internals(data).readStates(Float64Array.of(0, 7), Float64Array.of(0, 0), 2), { instanceOf: InputError });
  t.throws(() => internals(data).readStates(Float64Array.of(0), Float64Array.of(5), 1), { instanceOf: InputError });
  t.is(data.count('A', '5m'), 3);
});
