/**
 * PerformanceMetrics: figures against values recorded by hand, and the recorder's behaviour.
 */
import test from 'ava';
import { ConfigError, InputError } from '../src/errors.js';
import { PerformanceMetrics } from '../src/runtime/metrics.js';

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
