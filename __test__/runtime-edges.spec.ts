/**
 * The runtime at the edges of its API: a coordinator run twice, handlers that return a bare
 * thenable, nearest-rank percentiles on small samples, generated subscriber names, and interval
 * spellings in `wants`. Expected values are worked out by hand.
 */
import test from 'ava';
import { getEventListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { AnalysisEngine, Calendar, ConfigError, InputError, PerformanceMetrics, SessionCoordinator, SessionData, SimulatedClock, WallClock, columnsSource, iterableSource } from 'barstream';
import type { BarColumns } from 'barstream';

const MINUTE = 60_000;
const calendar = Calendar.xnys();
const D1 = calendar.session('2024-03-04');

/** One bar a minute at each of `times`, all prices 1. */
function columns(times: number[]): BarColumns {
  const ones = times.map(() => 1);
  return { time: times, open: ones, high: ones, low: ones, close: ones, volume: ones };
}

test('a coordinator run twice reports each run alone: its own gaps, errors and metrics, in both modes', async (t) => {
  if (D1 === null) return t.fail('no session');
  // 390 minutes with minutes 100-109 missing: one gap of ten slots.
  const times = Array.from({ length: 390 }, (_, k) => D1.open + k * MINUTE).filter((_, k) => k < 100 || k >= 110);
  for (const speed of [0, 1e9]) {
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    let calls = 0;
    engine.subscribe({ interval: '5m', name: 'flaky' }, () => {
      calls++;
      if (calls <= 2) throw new Error('first run only');
    });
    // At 1e9 a base interval is 0.06 us of wall time: any handler overruns it ('queue' waits).
    const coordinator = new SessionCoordinator({ calendar, data, engine, source: columnsSource({ A: columns(times) }), from: D1.date, to: D1.date, speed, overrun: 'queue' });
    const gapEvents: number[] = [];
    coordinator.on('gap', (g: { from: number }) => gapEvents.push(g.from));
    const first = await coordinator.run();
    const firstGaps = first.gaps.length;
    data.clear();
    const second = await coordinator.run();
    const label = `speed ${speed}`;
    t.is(first.subscriberErrorCount, 2, label);
    t.is(second.subscriberErrorCount, 0, label);
    t.deepEqual(second.subscriberErrors, [], label);
    t.is(second.gaps.length, firstGaps, label);
    t.is(first.gaps.length, firstGaps, `${label}: the first report is not changed by the second run`);
    t.true(second.gaps.some((g) => g.from === D1.open + 100 * MINUTE && g.to === D1.open + 110 * MINUTE), `${label}: ${JSON.stringify(second.gaps)}`);
    t.is(gapEvents.filter((x) => x === D1.open + 100 * MINUTE).length, 2, label);
    t.is(second.metrics['subscriber:flaky']?.count, 76, label);
    t.is(second.barsIn, 380, label);
  }
});

test('a handler returning a bare thenable is waited for like a promise; the other subscribers go on', async (t) => {
  if (D1 === null) return t.fail('no session');
  const times = Array.from({ length: 10 }, (_, k) => D1.open + k * MINUTE);
  const engine = new AnalysisEngine();
  let settled = 0;
  let other = 0;
  engine.subscribe({ interval: '5m', name: 'thenable' }, () => ({
    then(resolve: () => void) {
      setTimeout(() => {
        settled++;
        resolve();
      }, 1);
    },
  }) as unknown as Promise<void>);
  engine.subscribe({ interval: '5m', name: 'other' }, () => void other++);
  const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: columnsSource({ A: columns(times) }), from: D1.date, to: D1.date }).run();
  t.is(settled, 2);
  t.is(other, 2);
  t.is(r.subscriberErrorCount, 0);
});

test('StageRecorder.time of a bare thenable returns a promise of its value', async (t) => {
  const stage = new PerformanceMetrics().stage('x');
  const thenable = {
    then(resolve: (v: number) => void): void {
      resolve(42);
    },
  };
  const out = stage.time(() => thenable as unknown as Promise<number>);
  t.is(await out, 42);
  t.is(stage.stats().count, 1);
});

test('percentiles are nearest-rank on small samples: the tail is not rounded away', (t) => {
  const m = new PerformanceMetrics();
  const a = m.stage('a');
  // 158 of 1 us and 2 of 1 ms: rank ceil(0.99 * 160) = 159 is a 1 ms record.
  for (let i = 0; i < 158; i++) a.record(1000);
  a.record(1_000_000);
  a.record(1_000_000);
  const sa = a.stats();
  t.true(Math.abs(sa.p99Ns - 1_000_000) <= 1000, `p99 ${sa.p99Ns}`);
  t.is(sa.p50Ns, 1000);
  // 100, 200, ..., 700: p90 has rank ceil(6.3) = 7, the 700.
  const b = m.stage('b');
  for (let v = 100; v <= 700; v += 100) b.record(v);
  t.is(b.stats().p90Ns, 700);
  t.is(b.stats().p50Ns, 400);
});

test('generated subscriber names skip names in use; wants() knows every spelling of an interval', (t) => {
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '5m', name: 'subscriber-2' }, () => undefined);
  t.is(engine.subscribe({ interval: '5m' }, () => undefined).name, 'subscriber-1');
  t.is(engine.subscribe({ interval: '60m' }, () => undefined).name, 'subscriber-3');
  t.true(engine.wants('60m'));
  t.true(engine.wants('1h'));
  t.true(engine.wants('3600s'));
  t.false(engine.wants('30m'));
  t.false(engine.wants('nonsense'));
});

test('SimulatedClock refuses times that are not finite numbers, and sleepUntil(Infinity) rejects instead of waiting forever', async (t) => {
  t.throws(() => new SimulatedClock('0' as unknown as number), { instanceOf: ConfigError });
  const clock = new SimulatedClock(0, 1);
  for (const bad of [NaN, Infinity, 'x']) {
    t.throws(() => clock.jumpTo(bad as number), { instanceOf: InputError }, String(bad));
    t.throws(() => clock.anchor(bad as number), { instanceOf: InputError }, String(bad));
  }
  await t.throwsAsync(clock.sleepUntil(Infinity), { instanceOf: InputError });
  t.is(typeof clock.now(), 'number');
});

test('a SimulatedClock wait ends when the clock is moved past its time, not when the old anchor would have reached it', async (t) => {
  const start = Date.UTC(2024, 2, 4, 14, 30);
  // One simulated ms a wall ms: a ten-minute wait, unless the move below wakes it.
  const clock = new SimulatedClock(start, 1);
  const outcome = (p: Promise<void>): Promise<string> => Promise.race([p.then(() => 'woke'), delay(5_000).then(() => 'still waiting')]);
  const jumped = clock.sleepUntil(start + 10 * MINUTE);
  setTimeout(() => clock.jumpTo(start + 20 * MINUTE), 20);
  t.is(await outcome(jumped), 'woke', 'jumpTo');
  t.true(clock.now() >= start + 10 * MINUTE);
  // The coordinator re-anchors at each session open: a wait for the next day's open ends there.
  const anchored = clock.sleepUntil(start + 24 * 60 * MINUTE);
  setTimeout(() => clock.anchor(start + 24 * 60 * MINUTE + 1), 20);
  t.is(await outcome(anchored), 'woke', 'anchor');
  // Moved back, a wait goes on: it ends when the clock reads its time, and an abort still ends it.
  const controller = new AbortController();
  let woke = false;
  const back = clock.sleepUntil(clock.now() + 60 * MINUTE, controller.signal).then(() => (woke = true));
  clock.anchor(start);
  await delay(30);
  t.false(woke);
  controller.abort();
  t.is(await outcome(back.then(() => undefined)), 'woke', 'abort');
});

// setTimeout holds at most 2^31 - 1 ms (24.8 days); Node turns a longer delay into 1 ms. Each wait
// below is longer than that.
test.serial('a wait longer than a timer can hold neither fires early nor spins on 1 ms timers, and an abort ends it', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  let timers = 0;
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = ((...args: Parameters<typeof realSetTimeout>) => {
    timers++;
    return realSetTimeout(...args);
  }) as typeof realSetTimeout;
  try {
    const cases: [string, () => { sleep: (signal: AbortSignal) => Promise<void> }][] = [
      ['wall clock, 30 days ahead', () => {
        const wall = new WallClock();
        return { sleep: (signal) => wall.sleepUntil(Date.now() + 30 * 86_400_000, signal) };
      }],
      // At a millionth of real time, a simulated hour is 3.6e9 wall ms (41.7 days).
      ['simulated clock at speed 1e-6, an hour ahead', () => {
        const slow = new SimulatedClock(0, 1e-6);
        return { sleep: (signal) => slow.sleepUntil(3_600_000, signal) };
      }],
      // A simulated minute at 1e-300 is Infinity wall ms: a wait that only the signal ends.
      ['simulated clock at speed 1e-300, a minute ahead', () => {
        const frozen = new SimulatedClock(0, 1e-300);
        return { sleep: (signal) => frozen.sleepUntil(60_000, signal) };
      }],
    ];
    for (const [label, make] of cases) {
      const { sleep } = make();
      const controller = new AbortController();
      timers = 0;
      let settled = false;
      const sleeping = sleep(controller.signal).then(() => void (settled = true));
      await delay(60);
      t.false(settled, `${label}: resolved long before its time`);
      // One timer of at most the limit; a spinning wait sets one a millisecond.
      t.true(timers <= 2, `${label}: ${timers} timers in 60 ms`);
      controller.abort();
      await sleeping;
      t.true(settled, label);
      t.deepEqual(getEventListeners(controller.signal, 'abort'), [], `${label}: abort listener left behind`);
    }
    await delay(10);
    t.deepEqual(warnings.filter((w) => w === 'TimeoutOverflowWarning'), []);
  } finally {
    globalThis.setTimeout = realSetTimeout;
    process.off('warning', onWarning);
  }
});

test('sleepUntil: an already-aborted signal returns at once; a finished wait leaves no abort listener', async (t) => {
  const wall = new WallClock();
  const aborted = new AbortController();
  aborted.abort();
  const started = performance.now();
  await wall.sleepUntil(Date.now() + 60_000, aborted.signal);
  t.true(performance.now() - started < 1_000);
  const controller = new AbortController();
  await wall.sleepUntil(Date.now() + 20, controller.signal);
  t.deepEqual(getEventListeners(controller.signal, 'abort'), []);
  // A time already past resolves on the next turn, signal or not.
  await wall.sleepUntil(Date.now() - 1e12, controller.signal);
  t.deepEqual(getEventListeners(controller.signal, 'abort'), []);
});

test('a simulated clock at a speed near the largest double stays finite, and its delays are wall milliseconds', async (t) => {
  const clock = new SimulatedClock(0, 1e308);
  await delay(5);
  const now = clock.now();
  t.true(Number.isFinite(now), `now() = ${now}`);
  // Simulated time 0 was the anchor, about 5 ms of wall time ago: it is that far behind.
  const d = clock.delayUntil(0);
  t.true(Number.isFinite(d) && d <= -4 && d > -1_000, `delayUntil(0) = ${d}`);
  // A simulated day ahead is 8.64e-300 wall ms ahead of the anchor: still behind by the same.
  t.true(Math.abs(clock.delayUntil(86_400_000) - clock.delayUntil(0)) < 1, 'a day is nothing at this speed');
});

test("a coordinator's own metrics: a subscriber that left before a run is not among that run's stages", async (t) => {
  if (D1 === null) return t.fail('no session');
  const data = new SessionData({ intervals: ['5m', '1d'] });
  const engine = new AnalysisEngine();
  const times = Array.from({ length: 10 }, (_, k) => D1.open + k * MINUTE);
  const coordinator = new SessionCoordinator({ calendar, data, engine, source: columnsSource({ A: columns(times) }), from: D1.date, to: D1.date });
  const old = engine.subscribe({ interval: '5m', name: 'old' }, () => {});
  engine.subscribe({ interval: '1d', name: 'daily' }, () => {});
  const first = await coordinator.run();
  t.is(first.metrics['subscriber:old']?.count, 2);
  old.unsubscribe();
  data.clear();
  engine.subscribe({ interval: '5m', name: 'new' }, () => {});
  const second = await coordinator.run();
  t.deepEqual(Object.keys(second.metrics).filter((k) => k.startsWith('subscriber:')).sort(), ['subscriber:daily', 'subscriber:new']);
  t.is(second.metrics['subscriber:new']?.count, 2);
  t.is(second.metrics['subscriber:daily']?.count, 1);
});

test('a coordinator run twice reports the quality of its own sessions only, also when the second run stops early', async (t) => {
  const days = calendar.sessions('2024-03-04', '2024-03-05');
  const times = days.flatMap((s) => Array.from({ length: 390 }, (_, k) => s.open + k * MINUTE));
  const ones = times.map(() => 1);
  const data = new SessionData({ intervals: ['5m'] });
  const coordinator = new SessionCoordinator({
    calendar,
    data,
    engine: new AnalysisEngine(),
    source: columnsSource({ A: { time: times, open: ones, high: ones, low: ones, close: ones, volume: ones } }),
    from: '2024-03-04',
    to: '2024-03-05',
    speed: 0,
  });
  const first = await coordinator.run();
  t.deepEqual(Object.keys(first.quality), ['2024-03-04', '2024-03-05']);
  t.is(first.qualityTotals.sessions, 2);
  t.is(first.sessions, 2);
  data.clear();
  let stopAt = true;
  coordinator.on('sessionEnd', () => {
    if (stopAt) coordinator.stop();
    stopAt = false;
  });
  const second = await coordinator.run();
  t.true(second.stopped);
  t.is(second.sessions, 1);
  t.deepEqual(Object.keys(second.quality), ['2024-03-04']);
  t.is(second.qualityTotals.sessions, 1);
  t.is(second.qualityTotals.expected, 390);
  t.is(second.qualityTotals.received, 390);
});

// Kills: CR7 src/runtime/coordinator.ts:861 `this.#skipped = { ... }` dropped from #startRun
// (the second run's report.skipped adds the first run's). By hand: 2 bars of B, a symbol the run
// does not take, in each run.
test('a coordinator run twice counts the bars it skipped in each run alone', async (t) => {
  const [d1] = calendar.sessions('2024-03-04', '2024-03-04');
  if (d1 === undefined) return t.fail('no session');
  const bar = (symbol: string, time: number) => ({ symbol, time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  const bars = [bar('A', d1.open), bar('B', d1.open), bar('A', d1.open + MINUTE), bar('B', d1.open + MINUTE)];
  const data = new SessionData({ intervals: ['5m'] });
  const coordinator = new SessionCoordinator({ calendar, data, engine: new AnalysisEngine(), source: iterableSource(bars), symbols: ['A'], from: d1.date, to: d1.date, speed: 0 });
  const first = await coordinator.run();
  data.clear();
  const second = await coordinator.run();
  t.is(first.skipped.symbol, 2);
  t.is(second.skipped.symbol, 2);
  t.deepEqual(second.skipped, first.skipped);
  t.is(second.barsIn, 2);
});
