/**
 * timeSlices / forEachSlice against a naive grouping by time, in every merge strategy.
 */
import test from 'ava';
import { ConfigError } from '../src/errors.js';
import { forEachSlice, timeSlices } from '../src/sources/index.js';
import type { SymbolColumns } from '../src/sources/index.js';
import { SliceCursor } from '../src/sources/slices.js';
import type { MergeStrategy } from '../src/sources/slices.js';
import { Rng } from './helpers/prng.js';

function cols(times: readonly number[]): SymbolColumns {
  const time = Float64Array.from(times);
  const v = new Float64Array(times.length);
  return { time, open: v, high: v, low: v, close: v, volume: v, length: times.length };
}

/** Random sorted, strictly increasing times per symbol, on a minute grid with gaps. */
function randomColumns(rng: Rng, symbols: number, maxBars: number, gap: number): Map<string, SymbolColumns> {
  const m = new Map<string, SymbolColumns>();
  for (let s = 0; s < symbols; s++) {
    const n = rng.int(0, maxBars);
    const times: number[] = [];
    let t = 1_381_152_600_000 + rng.int(0, gap) * 60_000;
    for (let i = 0; i < n; i++) {
      times.push(t);
      t += rng.int(1, gap) * 60_000;
    }
    m.set(`S${s}`, cols(times));
  }
  return m;
}

/** [time, "symbol:row" ...] per distinct time, ascending: grouping written without any merge. */
function naive(m: Map<string, SymbolColumns>, from = -Infinity, to = Infinity): [number, string[]][] {
  const groups = new Map<number, string[]>();
  [...m.values()].forEach((c, s) => {
    for (let i = 0; i < c.length; i++) {
      const t = c.time[i] as number;
      if (t < from || t >= to) continue;
      const g = groups.get(t) ?? [];
      g.push(`${s}:${i}`);
      groups.set(t, g);
    }
  });
  return [...groups.entries()].sort((a, b) => a[0] - b[0]);
}

function viaCursor(m: Map<string, SymbolColumns>, strategy: MergeStrategy, from?: number, to?: number): [number, string[]][] {
  const c = new SliceCursor(m, from, to, strategy);
  const out: [number, string[]][] = [];
  while (c.advance()) {
    const pairs: string[] = [];
    for (let j = 0; j < c.slice.count; j++) pairs.push(`${c.slice.symbols[j]}:${c.slice.rows[j]}`);
    out.push([c.slice.time, pairs]);
  }
  return out;
}

function viaIterator(m: Map<string, SymbolColumns>, from?: number, to?: number): [number, string[]][] {
  const out: [number, string[]][] = [];
  for (const s of timeSlices(m, from, to)) {
    const pairs: string[] = [];
    for (let j = 0; j < s.count; j++) pairs.push(`${s.symbols[j]}:${s.rows[j]}`);
    out.push([s.time, pairs]);
  }
  return out;
}

function viaCallback(m: Map<string, SymbolColumns>, from?: number, to?: number): [number, string[]][] {
  const out: [number, string[]][] = [];
  const n = forEachSlice(
    m,
    (time, symbols, rows, count) => {
      const pairs: string[] = [];
      for (let j = 0; j < count; j++) pairs.push(`${symbols[j]}:${rows[j]}`);
      out.push([time, pairs]);
    },
    from,
    to,
  );
  if (n !== out.length) throw new Error('forEachSlice count');
  return out;
}

test('timeSlices equals a naive grouping on random data (dense and sparse, every strategy, with ranges)', (t) => {
  // JSON text comparisons: ava's deep diff is slow on thousands of slices; a failure still shows both.
  const same = (a: unknown, b: unknown, label: string): void => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    if (x !== y) t.deepEqual(a, b, label);
    else t.pass();
  };
  const rng = new Rng(20131007);
  for (let round = 0; round < 60; round++) {
    const symbols = rng.int(0, round < 30 ? 8 : 120);
    const gap = rng.pick([1, 2, 5, 40]);
    const m = randomColumns(rng, symbols, rng.int(0, 300), gap);
    const expected = naive(m);
    for (const strategy of ['auto', 'scan', 'heap'] as const) same(viaCursor(m, strategy), expected, `round ${round} ${strategy}`);
    same(viaIterator(m), expected, `round ${round} iterator`);
    same(viaCallback(m), expected, `round ${round} callback`);
    const from = 1_381_152_600_000 + rng.int(-5, 200) * 60_000 + rng.pick([0, 1]);
    const to = from + rng.int(0, 300) * 60_000;
    const ranged = naive(m, from, to);
    for (const strategy of ['auto', 'scan', 'heap'] as const) same(viaCursor(m, strategy, from, to), ranged, `round ${round} ${strategy} range`);
    same(viaIterator(m, from, to), ranged, `round ${round} iterator range`);
    same(viaCallback(m, from), naive(m, from), `round ${round} callback from`);
  }
});

test('timeSlices yields one reused slice object; names follow the map', (t) => {
  const m = new Map([
    ['B', cols([1, 2])],
    ['A', cols([2])],
  ]);
  const it = timeSlices(m);
  t.deepEqual(it.names, ['B', 'A']);
  const seen = new Set<object>();
  const copies: { time: number; symbols: number[] }[] = [];
  for (const s of it) {
    seen.add(s);
    copies.push({ time: s.time, symbols: [...s.symbols.subarray(0, s.count)] });
  }
  t.is(seen.size, 1);
  t.deepEqual(copies, [
    { time: 1, symbols: [0] },
    { time: 2, symbols: [0, 1] },
  ]);
  t.deepEqual([...timeSlices(new Map())], []);
  t.throws(() => timeSlices({} as never), { instanceOf: ConfigError });
  t.throws(() => timeSlices(m, NaN), { instanceOf: ConfigError });
});

test('timeSlices never drops a bar: NaN times alone, duplicates and out-of-order bars visited once each', (t) => {
  for (const strategy of ['auto', 'scan', 'heap'] as const) {
    const m = new Map([
      ['A', cols([1, NaN, 3])],
      ['B', cols([1, 2, 3])],
    ]);
    const got = viaCursor(m, strategy).map(([time, p]) => [Number.isNaN(time) ? 'NaN' : time, p]);
    t.deepEqual(got, [[1, ['0:0', '1:0']], ['NaN', ['0:1']], [2, ['1:1']], [3, ['0:2', '1:2']]], strategy);
    // A duplicate time within a symbol: a second slice with that time (one bar per symbol a slice).
    const dup = new Map([
      ['A', cols([1, 1, 2])],
      ['B', cols([1, 2])],
    ]);
    t.deepEqual(viaCursor(dup, strategy), [[1, ['0:0', '1:0']], [1, ['0:1']], [2, ['0:2', '1:1']]], strategy);
    // Unsorted: every bar exactly once, in its symbol's row order.
    const rng = new Rng(7);
    const un = new Map(Array.from({ length: 30 }, (_, s) => [`S${s}`, cols(Array.from({ length: rng.int(0, 40) }, () => rng.int(0, 20)))] as const));
    const visits = viaCursor(un, strategy).flatMap(([, p]) => p);
    const expected = [...un.values()].flatMap((c, s) => Array.from({ length: c.length }, (_, i) => `${s}:${i}`));
    t.deepEqual([...visits].sort(), [...expected].sort(), strategy);
    for (const [s, c] of [...un.values()].entries()) {
      const rowsOfS = visits.filter((v) => v.startsWith(`${s}:`)).map((v) => Number(v.split(':')[1]));
      t.deepEqual(rowsOfS, Array.from({ length: c.length }, (_, i) => i));
    }
  }
});

test('timeSlices of plain arrays with entries that are not numbers (a hole, undefined, a string): each is no time, a slice alone, and the merge ends', (t) => {
  for (const strategy of ['auto', 'scan', 'heap'] as const) {
    const time = [1, , undefined, '2013-10-07T13:30:00Z', 3] as unknown as number[];
    const m = new Map([
      ['A', { time, length: 5 }],
      ['B', { time: [1, 2, 3], length: 3 }],
    ]);
    const got = viaCursor(m as unknown as Map<string, SymbolColumns>, strategy).map(([x, p]) => [Number.isNaN(x) ? 'NaN' : x, p]);
    t.deepEqual(got, [[1, ['0:0', '1:0']], ['NaN', ['0:1']], ['NaN', ['0:2']], ['NaN', ['0:3']], [2, ['1:1']], [3, ['0:4', '1:2']]], strategy);
  }
  let slices = 0;
  forEachSlice(new Map([['A', { time: [1, undefined, 3] as unknown as number[] }]]) as unknown as Map<string, SymbolColumns>, () => void slices++);
  t.is(slices, 3);
});

test('timeSlices and forEachSlice see every bar of 100 symbols x 7,800 once, in time order, aligned and sparse', (t) => {
  const k = 100;
  const n = 7800;
  const aligned = new Map<string, SymbolColumns>();
  const t0 = 1_381_152_600_000;
  for (let s = 0; s < k; s++) aligned.set(`S${s}`, cols(Array.from({ length: n }, (_, i) => t0 + i * 60_000)));
  const rng = new Rng(3);
  const sparse = randomColumns(rng, k, n, 30);
  let sparseBars = 0;
  const sparseTimes = new Set<number>();
  for (const c of sparse.values()) {
    sparseBars += c.length;
    for (let i = 0; i < c.length; i++) sparseTimes.add(c.time[i] as number);
  }
  const walk = (m: Map<string, SymbolColumns>, how: 'iterator' | 'callback'): { bars: number; slices: number; ordered: boolean } => {
    let bars = 0;
    let slices = 0;
    let last = -Infinity;
    let ordered = true;
    const see = (time: number, count: number): void => {
      bars += count;
      slices++;
      if (!(time > last)) ordered = false;
      last = time;
    };
    if (how === 'iterator') for (const s of timeSlices(m)) see(s.time, s.count);
    else forEachSlice(m, (time, _s, _r, count) => see(time, count));
    return { bars, slices, ordered };
  };
  for (const how of ['iterator', 'callback'] as const) {
    t.deepEqual(walk(aligned, how), { bars: k * n, slices: n, ordered: true }, how);
    t.deepEqual(walk(sparse, how), { bars: sparseBars, slices: sparseTimes.size, ordered: true }, how);
  }
});
