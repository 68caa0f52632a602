/**
 * PerformanceMetrics: figures against values recorded by hand, and the recorder's behaviour.
 */
import test from 'ava';
import { performance } from 'node:perf_hooks';
import { ConfigError, InputError } from '../src/errors.js';
import { Calendar } from '../src/calendar/index.js';
import { SessionCoordinator } from '../src/runtime/coordinator.js';
import { PerformanceMetrics } from '../src/runtime/metrics.js';
import { SessionData } from '../src/session-data.js';
import { iterableSource } from '../src/sources/index.js';
import type { SymbolBar } from '../src/sources/index.js';

/** Within HDR's 3 significant digits (0.1%). */
function near(t: { true(v: boolean, m?: string): void }, got: number, want: number, what: string): void {
  t.true(Math.abs(got - want) <= want * 0.001, `${what}: got ${got}, want ${want} (+-0.1%)`);
}

test('percentiles, mean, min, max and total of known records', (t) => {
  const m = new PerformanceMetrics();
  const s = m.stage('native.append');
  // 1 us, 2 us, ..., 100 us, recorded in a shuffled order.
  const values = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
  for (let i = 0; i < values.length; i++) s.record(values[(i * 37) % 100] as number);
  const snap = m.snapshot();
  const st = snap['native.append'];
  if (st === undefined) return t.fail('no stage');
  t.is(st.count, 100);
  t.is(st.minNs, 1000);
  t.is(st.maxNs, 100_000);
  t.is(st.meanNs, 50_500);
  t.is(st.totalMs, 5.05);
  // Nearest-rank percentiles of 1..100 us: p50 = 50 us, p90 = 90 us, p99 = 99 us.
  near(t, st.p50Ns, 50_000, 'p50');
  near(t, st.p90Ns, 90_000, 'p90');
  near(t, st.p99Ns, 99_000, 'p99');
  // A skewed stage: 99 fast records and one slow one.
  const d = m.stage('dispatch');
  for (let i = 0; i < 99; i++) d.record(200);
  d.record(5_000_000);
  const ds = m.snapshot().dispatch;
  t.is(ds?.p50Ns, 200);
  t.is(ds?.p99Ns, 200);
  t.is(ds?.maxNs, 5_000_000);
  t.deepEqual(Object.keys(m.snapshot()), ['native.append', 'dispatch']);
});

test('record rounds fractions, counts values below 1 ns as 1, and refuses non-latencies', (t) => {
  const s = new PerformanceMetrics().stage('x');
  s.record(1.4);
  s.record(0);
  s.record(0.2);
  s.record(2.6);
  const st = s.stats();
  t.is(st.count, 4);
  t.is(st.minNs, 1);
  t.is(st.maxNs, 3);
  t.is(st.totalMs, (1 + 1 + 1 + 3) / 1e6);
  for (const bad of [-1, NaN, Infinity, 10n, '5', Symbol('ns'), null]) t.throws(() => s.record(bad as number), { instanceOf: InputError, message: /'x'/ });
  t.is(s.count, 4);
});

test('stage() returns the same recorder; reset keeps stages; empty stages read as zeros', (t) => {
  const m = new PerformanceMetrics();
  const a = m.stage('subscriber:rsi');
  t.is(m.stage('subscriber:rsi'), a);
  a.record(10);
  m.stage('idle');
  t.deepEqual(m.stages(), ['subscriber:rsi', 'idle']);
  t.deepEqual(m.snapshot().idle, { count: 0, minNs: 0, meanNs: 0, p50Ns: 0, p90Ns: 0, p99Ns: 0, maxNs: 0, totalMs: 0 });
  m.reset();
  t.is(m.snapshot()['subscriber:rsi']?.count, 0);
  a.record(20);
  t.is(m.snapshot()['subscriber:rsi']?.maxNs, 20);
  t.throws(() => m.stage(''), { instanceOf: ConfigError });
  // JSON-ready.
  t.deepEqual(JSON.parse(JSON.stringify(m.snapshot())), m.snapshot());
});

test('start/end and time(fn) measure sync work, async work and throws', async (t) => {
  const m = new PerformanceMetrics();
  const s = m.stage('work');
  const spin = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const t0 = s.start();
  spin(2);
  const ns = s.end(t0);
  t.true(ns >= 2e6, `${ns}`);
  t.is(s.time(() => 7), 7);
  t.throws(() => s.time(() => {
    throw new Error('boom');
  }), { message: 'boom' });
  const v = await s.time(async () => {
    await new Promise((r) => setTimeout(r, 5));
    return 'done';
  });
  t.is(v, 'done');
  await t.throwsAsync(() => s.time(() => Promise.reject(new Error('late'))), { message: 'late' });
  const st = s.stats();
  t.is(st.count, 5);
  t.true(st.maxNs >= 4e6, `the async record spans the wait: ${st.maxNs}`);
});

test('a disabled instance records nothing', (t) => {
  const m = new PerformanceMetrics({ enabled: false });
  const s = m.stage('x');
  s.record(5);
  s.time(() => 1);
  t.false(s.enabled);
  t.is(s.count, 0);
  t.deepEqual(m.snapshot(), {});
  t.throws(() => new PerformanceMetrics({ enabled: 'yes' as never }), { instanceOf: ConfigError });
});

test('per-record overhead (reported)', (t) => {
  const s = new PerformanceMetrics().stage('overhead');
  const n = 200_000;
  let recordOnly = Infinity;
  let timed = Infinity;
  for (let r = 0; r < 5; r++) {
    let a = performance.now();
    for (let i = 0; i < n; i++) s.record(100 + (i & 255));
    recordOnly = Math.min(recordOnly, ((performance.now() - a) * 1e6) / n);
    a = performance.now();
    for (let i = 0; i < n; i++) s.end(s.start());
    timed = Math.min(timed, ((performance.now() - a) * 1e6) / n);
  }
  t.log(`record(ns): ${recordOnly.toFixed(0)} ns; start()+end(): ${timed.toFixed(0)} ns (two performance.now() reads and a record)`);
  t.is(s.count, 10 * n);
});

test('values past 2^64 ns land in their own buckets: percentiles stay within 0.1% and the record never throws', (t) => {
  const m = new PerformanceMetrics();
  const s = m.stage('huge');
  // The naive nearest-rank figures of these four: p50 is the second smallest, p99 the largest.
  for (const v of [1e20, 1e20, 1e20, 4e20]) s.record(v);
  const st = m.snapshot().huge;
  near(t, st?.p50Ns as number, 1e20, 'p50');
  near(t, st?.p99Ns as number, 4e20, 'p99');
  t.notThrows(() => s.record(2 ** 64));
  t.notThrows(() => s.record(2 ** 64 - 2 ** 12));
  t.notThrows(() => s.record(Number.MAX_VALUE));
  // Each power of two up to 2^70 and its neighbours: the median of one value is that value.
  for (let e = 32; e <= 70; e++) {
    for (const v of [2 ** e, 2 ** e + 2 ** (e - 20), 2 ** e - 2 ** (e - 20)]) {
      const m2 = new PerformanceMetrics();
      m2.stage('x').record(v);
      near(t, m2.snapshot().x?.p50Ns as number, v, `p50 of ${v}`);
    }
  }
});

test('percentiles of values spread over 1 ns to 2^40 ns, powers of two and their neighbours included, are within 0.1% of the exact ones', (t) => {
  // Whole values, log-uniform (a fixed LCG), plus each power of two from 2^11 to 2^40 and the values beside it.
  const values: number[] = [];
  let seed = 12345;
  for (let i = 0; i < 3001; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    values.push(Math.max(1, Math.round(2 ** ((seed / 2147483648) * 40))));
  }
  for (let e = 11; e <= 40; e++) values.push(2 ** e - 1, 2 ** e, 2 ** e + 1);
  const sorted = [...values].sort((a, b) => a - b);
  const exact = (p: number): number => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number;
  // The whole set, then the values from each power of two up: each median lands inside a range of its own.
  const m = new PerformanceMetrics();
  const s = m.stage('spread');
  for (const v of values) s.record(v);
  const st = s.stats();
  near(t, st.p50Ns, exact(50), 'p50');
  near(t, st.p90Ns, exact(90), 'p90');
  near(t, st.p99Ns, exact(99), 'p99');
  for (let k = 0; k < 40; k++) {
    const part = m.stage(`from-2^${k}`);
    const kept = values.filter((v) => v >= 2 ** k);
    for (const v of kept) part.record(v);
    const ks = [...kept].sort((a, b) => a - b);
    near(t, part.stats().p50Ns, ks[Math.ceil(ks.length / 2) - 1] as number, `p50 of the values from 2^${k}`);
  }
});

test('end(start) refuses a start from another clock, later than now', (t) => {
  const s = new PerformanceMetrics().stage('x');
  t.throws(() => s.end(Date.now()), { instanceOf: InputError, message: /later than now/ });
  t.throws(() => s.end(performance.now() + 1000), { instanceOf: InputError });
  t.is(s.count, 0);
  t.true(s.end(s.start()) >= 0);
  t.is(s.count, 1);
});

test('a stage named __proto__ is a stage like any other in the snapshot', (t) => {
  const m = new PerformanceMetrics();
  m.stage('__proto__').record(5);
  m.stage('dispatch').record(7);
  const snap = m.snapshot();
  t.deepEqual(Object.keys(snap), ['__proto__', 'dispatch']);
  t.is(Object.getPrototypeOf(snap), Object.prototype);
  t.is(snap['__proto__']?.maxNs, 5);
  t.deepEqual(Object.keys(JSON.parse(JSON.stringify(snap)) as object), ['__proto__', 'dispatch']);
});

test('a stage of a few records answers as one of many: percentiles within 0.1% of the exact ones at every count, folds exact whichever way, and no buckets held', (t) => {
  let seed = 777;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.max(1, Math.round(2 ** ((seed / 2147483648) * 30)));
  };
  for (const n of [1, 2, 3, 7, 31, 32, 33, 34, 64, 65]) {
    const values = Array.from({ length: n }, next);
    const sorted = [...values].sort((a, b) => a - b);
    const exact = (p: number): number => sorted[Math.max(1, Math.ceil((p / 100) * n)) - 1] as number;
    const s = new PerformanceMetrics().stage('few');
    for (const v of values) s.record(v);
    const st = s.stats();
    t.is(st.count, n);
    t.is(st.minNs, sorted[0] as number);
    t.is(st.maxNs, sorted[n - 1] as number);
    near(t, st.p50Ns, exact(50), `p50 of ${n}`);
    near(t, st.p90Ns, exact(90), `p90 of ${n}`);
    near(t, st.p99Ns, exact(99), `p99 of ${n}`);
  }
  // Folds of few into few, few into many, many into few: each the figures of one stage given all.
  for (const [na, nb] of [[3, 5], [20, 20], [3, 200], [200, 3]] as const) {
    const m = new PerformanceMetrics();
    const both = new PerformanceMetrics().stage('both');
    for (let i = 0; i < na; i++) {
      const v = next();
      m.stage('a').record(v);
      both.record(v);
    }
    for (let i = 0; i < nb; i++) {
      const v = next();
      m.stage('b').record(v);
      both.record(v);
    }
    m.fold('a', 'b');
    t.deepEqual(m.snapshot()['b'], both.stats(), `${na} into ${nb}`);
    m.stage('b').reset();
    t.is(m.stage('b').stats().count, 0);
  }
  // 10,000 stages of one record each (subscribers that took one bar and left): buckets for each
  // would be 32 KB, 320 MB in all.
  const before = process.memoryUsage().arrayBuffers;
  const many = new PerformanceMetrics();
  for (let i = 0; i < 10_000; i++) many.stage(`one-${i}`).record(3_000 + i);
  const grew = process.memoryUsage().arrayBuffers - before;
  t.true(grew < 40e6, `10,000 one-record stages took ${grew} bytes`);
  t.is(many.stages().length, 10_000);
});

test('fold merges a stage into another exactly and forgets it', (t) => {
  const m = new PerformanceMetrics();
  const a = m.stage('a');
  const b = m.stage('b');
  const both = new PerformanceMetrics().stage('both');
  for (let i = 1; i <= 300; i++) {
    a.record(i * 1000);
    both.record(i * 1000);
  }
  for (let i = 1; i <= 50; i++) {
    b.record(i * 7_777_777);
    both.record(i * 7_777_777);
  }
  m.fold('a', 'b');
  t.deepEqual(m.stages(), ['b']);
  t.deepEqual(m.snapshot()['b'], both.stats());
  // Into a stage not made yet; an unknown name does nothing.
  m.fold('b', 'c');
  m.fold('nothing', 'c');
  t.deepEqual(m.stages(), ['c']);
  t.deepEqual(m.snapshot()['c'], both.stats());
  t.is(m.stage('b').count, 0, 'a new stage under the folded name');
  t.throws(() => m.fold('c', 'c'), { instanceOf: ConfigError });
  t.throws(() => m.fold('c', ''), { instanceOf: ConfigError });
  for (const bad of [5, '', null]) t.throws(() => m.fold(bad as unknown as string, 'd'), { instanceOf: ConfigError, message: /invalid name/ });
  t.deepEqual(m.stages(), ['c', 'b']);
  t.deepEqual(m.snapshot()['c'], both.stats(), 'a refused fold changes nothing');
});

test('a recorder held from before its stage was folded goes on recording into the stage of its name', (t) => {
  const m = new PerformanceMetrics();
  const held = m.stage('a');
  held.record(10);
  m.fold('a', 'b');
  held.record(20);
  held.time(() => undefined);
  t.deepEqual(m.stages(), ['b', 'a']);
  t.is(m.snapshot()['b']!.count, 1);
  t.is(m.snapshot()['a']!.count, 2);
  t.is(m.stage('a').stats().minNs <= 20, true);
  t.is(held.count, 0, 'it keeps none of its own');
  t.throws(() => held.record(-1), { instanceOf: InputError });
});

test('a folded recorder refuses a bad latency without making its stage anew', (t) => {
  const m = new PerformanceMetrics();
  const held = m.stage('a');
  held.record(10);
  m.fold('a', 'b');
  t.throws(() => held.record(Number.NaN), { instanceOf: InputError });
  t.throws(() => held.record(-5), { instanceOf: InputError });
  t.deepEqual(m.stages(), ['b'], 'no stage a');
  t.deepEqual(Object.keys(m.snapshot()), ['b']);
});

test("native.append times the store's call, not the wait for a stream source's next bar", async (t) => {
  // Each wait for the source moves the clock an hour on: a stage that timed a wait would show it.
  const HOUR_MS = 3_600_000;
  const realNow = performance.now.bind(performance);
  let skipped = 0;
  const session = Calendar.xnys().session('2024-03-08');
  if (session === null) return t.fail('no session');
  async function* bars(): AsyncGenerator<SymbolBar> {
    for (let i = 0; i < 5; i++) {
      skipped += HOUR_MS;
      await new Promise((r) => setImmediate(r));
      for (const symbol of ['A', 'B']) yield { symbol, time: session!.open + i * 60_000, open: 10, high: 11, low: 9, close: 10, volume: 1 };
    }
  }
  const metrics = new PerformanceMetrics();
  performance.now = (): number => realNow() + skipped;
  let report;
  try {
    report = await new SessionCoordinator({ calendar: Calendar.xnys(), data: new SessionData({ intervals: ['5m'] }), source: iterableSource(bars()), from: '2024-03-08', to: '2024-03-08', metrics }).run();
  } finally {
    performance.now = realNow;
  }
  t.is(report.barsStored, 10);
  const append = report.metrics['native.append'];
  t.is(append?.count, 5);
  // Five slices took well under the hour any one wait would add.
  t.true((append?.maxNs as number) < HOUR_MS * 1e6, `native.append max ${append?.maxNs} ns`);
  t.true((append?.totalMs as number) < HOUR_MS, `native.append total ${append?.totalMs} ms`);
});

test('percentiles never exceed the largest value recorded, nor go below the smallest', (t) => {
  const m = new PerformanceMetrics();
  const s = m.stage('flat');
  for (let i = 0; i < 1000; i++) s.record(3000);
  const st = s.stats();
  t.is(st.maxNs, 3000);
  t.is(st.p50Ns, 3000);
  t.is(st.p90Ns, 3000);
  t.is(st.p99Ns, 3000);
  // Two values, each in a wide bucket: the top percentile is the largest value, not its bucket's top.
  const w = m.stage('wide');
  for (let i = 0; i < 500; i++) w.record(1_000_000);
  for (let i = 0; i < 500; i++) w.record(5_000_000);
  t.is(w.stats().p99Ns, 5_000_000);
  t.true(w.stats().p50Ns >= 1_000_000 && w.stats().p50Ns <= 1_000_000 * 1.001);
});
