/**
 * What a run keeps for its report over a long life: lists bounded by `reportLimit`, counts exact.
 */
import test from 'ava';
import { AnalysisEngine, ConfigError, PerformanceMetrics, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { RunReport, Session, SymbolBar } from 'barstream';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** `count` UTC sessions of `minutes` minutes, a day apart. */
function sessionsOf(count: number, minutes: number): Session[] {
  return Array.from({ length: count }, (_, s) => {
    const open = Date.UTC(2024, 0, 2, 14, 30) + s * DAY;
    return { date: new Date(open).toISOString().slice(0, 10), open, close: open + minutes * MINUTE, timeZone: 'UTC', dayStart: open - (open % DAY) };
  });
}

/** Symbol A trades every minute, B every other one (a gap each minute it skips), C never after the first session. */
function* barsOf(sessions: readonly Session[], minutes: number): Generator<SymbolBar> {
  for (const [s, session] of sessions.entries()) {
    for (let k = 0; k < minutes; k++) {
      const time = session.open + k * MINUTE;
      yield { symbol: 'A', time, open: 1, high: 1, low: 1, close: 1, volume: 1 };
      if (k % 2 === 0) yield { symbol: 'B', time, open: 1, high: 1, low: 1, close: 1, volume: 1 };
      if (s === 0) yield { symbol: 'C', time, open: 1, high: 1, low: 1, close: 1, volume: 1 };
    }
  }
}

async function runOf(count: number, minutes: number, options: { reportLimit?: number; speed?: number }): Promise<RunReport> {
  const sessions = sessionsOf(count, minutes);
  return new SessionCoordinator({
    calendar: { sessions: () => sessions },
    data: new SessionData({ intervals: ['5m'] }),
    source: iterableSource(barsOf(sessions, minutes)),
    from: sessions[0]!.date,
    to: sessions[count - 1]!.date,
    overrun: 'queue',
    ...options,
  }).run();
}

for (const speed of [0, 1e7]) {
  test(`${speed === 0 ? 'data' : 'clock'}-driven: the report keeps the most recent reportLimit gaps and quality records, and exact counts of all`, async (t) => {
    const count = 24;
    const minutes = 10;
    const whole = await runOf(count, minutes, { reportLimit: Infinity, speed });
    const bounded = await runOf(count, minutes, { reportLimit: 7, speed });
    // Every session: B skips five minutes, C is missing whole.
    t.true(whole.gaps.length > 5 * count, `${whole.gaps.length} gaps`);
    t.is(whole.gapCount, whole.gaps.length);
    t.is(Object.keys(whole.quality).length, count);

    t.is(bounded.gapCount, whole.gapCount);
    t.deepEqual(bounded.gaps, whole.gaps.slice(-7));
    // Three symbols a session: the last two sessions' six records, not a third session's nine.
    const dates = Object.keys(whole.quality);
    t.deepEqual(Object.keys(bounded.quality), dates.slice(-2));
    for (const date of dates.slice(-2)) t.deepEqual(bounded.quality[date], whole.quality[date]);

    // The totals sum every session's records, kept or not.
    const records = Object.values(whole.quality).flatMap((perSymbol) => Object.values(perSymbol));
    const sum = (f: (q: (typeof records)[number]) => number): number => records.reduce((a, q) => a + f(q), 0);
    const expected = { sessions: count, records: records.length, expected: sum((q) => q.base.expected), received: sum((q) => q.base.received), missing: sum((q) => q.base.missing), late: sum((q) => q.base.late), gaps: sum((q) => q.gaps.length) };
    t.deepEqual(whole.qualityTotals, expected);
    t.deepEqual(bounded.qualityTotals, expected);
    t.is(expected.received, bounded.barsStored);
    t.is(expected.missing, expected.expected - expected.received);
  });
}

test('reportLimit 0 keeps only the counts; the default keeps the most recent 1000 gaps', async (t) => {
  const none = await runOf(4, 10, { reportLimit: 0 });
  t.deepEqual(none.gaps, []);
  t.deepEqual(none.quality, {});
  // B's five gaps a session, C's whole session from the second on.
  t.is(none.gapCount, 5 + 3 * 6);
  t.is(none.qualityTotals.sessions, 4);
  const many = await runOf(200, 10, {});
  t.is(many.gapCount, 5 + 199 * 6);
  t.is(many.gaps.length, 1000);
  t.is(many.gaps[999]!.session, sessionsOf(200, 10)[199]!.date);
  // 1000 records of three symbols a session: 333 sessions' worth, all 200 here.
  t.is(Object.keys(many.quality).length, 200);
  // The last session is kept whole, whatever the limit.
  const one = await runOf(4, 10, { reportLimit: 1 });
  t.deepEqual(Object.keys(one.quality), [sessionsOf(4, 10)[3]!.date]);
  t.is(Object.keys(one.quality[sessionsOf(4, 10)[3]!.date]!).length, 3);
});

test('subscriber errors: the first reportLimit kept, every one counted', async (t) => {
  const sessions = sessionsOf(3, 10);
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '1m', name: 'bad' }, () => {
    throw new Error('no');
  });
  const report = await new SessionCoordinator({
    calendar: { sessions: () => sessions }, data: new SessionData({ intervals: ['5m'] }), engine,
    source: iterableSource(barsOf(sessions, 10)), from: sessions[0]!.date, to: sessions[2]!.date, reportLimit: 7,
  }).run();
  t.is(report.subscriberErrorCount, report.barsStored);
  t.is(report.subscriberErrors.length, 7);
  t.is(report.subscriberErrors[0]!.time, sessions[0]!.open);
});

test('a stream symbol removed from the store leaves report.symbols and stays counted; one that comes back counts again', async (t) => {
  const sessions = sessionsOf(3, 10);
  const data = new SessionData({ intervals: ['5m'] });
  const run = new SessionCoordinator({ calendar: { sessions: () => sessions }, data, source: iterableSource(barsOf(sessions, 10)), from: sessions[0]!.date, to: sessions[2]!.date });
  let ended = 0;
  run.on('sessionEnd', () => {
    // C trades in the first session only; B is removed after the second and trades again in the third.
    if (++ended === 1) data.removeSymbol('C');
    if (ended === 2) data.removeSymbol('B');
  });
  const report = await run.run();
  t.deepEqual([...report.symbols].sort(), ['A', 'B']);
  t.is(report.symbolCount, 4);
  // A column source's symbols are its own: all listed.
  const columns = await new SessionCoordinator({
    calendar: { sessions: () => sessions }, data: new SessionData({ intervals: ['5m'] }),
    source: columnsSource({ A: { time: [sessions[0]!.open], open: [1], high: [1], low: [1], close: [1], volume: [1] }, Z: { time: [], open: [], high: [], low: [], close: [], volume: [] } }),
    from: sessions[0]!.date, to: sessions[2]!.date,
  }).run();
  t.deepEqual(columns.symbols, ['A', 'Z']);
  t.is(columns.symbolCount, 2);
});

test('reportLimit must be a whole number >= 0 or Infinity', (t) => {
  const sessions = sessionsOf(1, 10);
  for (const bad of [-1, 1.5, NaN, '10', null]) {
    const error = t.throws(
      () => new SessionCoordinator({ calendar: { sessions: () => sessions }, data: new SessionData(), source: iterableSource([]), from: sessions[0]!.date, to: sessions[0]!.date, reportLimit: bad as number }),
      { instanceOf: ConfigError },
    );
    t.is((error as ConfigError).param, 'reportLimit');
  }
});

test('subscribers that come and go: past the 100 most recent that left, their stages are folded into one, every call still counted', async (t) => {
  const count = 130;
  const sessions = sessionsOf(count, 5);
  const engine = new AnalysisEngine();
  const data = new SessionData({ intervals: ['5m'] });
  const run = new SessionCoordinator({ calendar: { sessions: () => sessions }, data, engine, source: iterableSource(barsOf(sessions, 5)), from: sessions[0]!.date, to: sessions[count - 1]!.date });
  let calls = 0;
  let n = 0;
  let current = engine.subscribe({ interval: '1m', name: `s${n}` }, () => void calls++);
  run.on('sessionEnd', () => {
    current.unsubscribe();
    current = engine.subscribe({ interval: '1m', name: `s${++n}` }, () => void calls++);
  });
  const report = await run.run();
  const stages = Object.entries(report.metrics).filter(([name]) => name.startsWith('subscriber:'));
  t.is(calls, report.delivered);
  t.is(stages.reduce((sum, [, s]) => sum + s.count, 0), calls);
  // 100 that left by name, the (unsubscribed) one, and none for the one subscribed at the end: it never got a bar.
  t.is(stages.length, 101);
  t.true(report.metrics['subscriber:(unsubscribed)']!.count > 0);
  t.is(report.metrics['subscriber:s0'], undefined);
  // The last session's bars: A's five and B's three.
  t.is(report.metrics[`subscriber:s${count - 1}`]!.count, 8);
});

test('one metrics object given to a coordinator a session: past the 100 most recent subscribers that left, their stages are folded, whichever coordinator made them', async (t) => {
  const count = 130;
  const sessions = sessionsOf(count, 5);
  const engine = new AnalysisEngine();
  const metrics = new PerformanceMetrics();
  const data = new SessionData({ intervals: ['5m'] });
  let calls = 0;
  let current = engine.subscribe({ interval: '1m', name: 's0' }, () => void calls++);
  for (let k = 0; k < count; k++) {
    const session = sessions[k]!;
    const run = new SessionCoordinator({ calendar: { sessions: () => [session] }, data, engine, metrics, source: iterableSource(barsOf([session], 5)), from: session.date, to: session.date });
    run.on('sessionEnd', () => {
      current.unsubscribe();
      current = engine.subscribe({ interval: '1m', name: `s${k + 1}` }, () => void calls++);
    });
    await run.run();
  }
  const stages = Object.entries(metrics.snapshot()).filter(([name]) => name.startsWith('subscriber:'));
  t.is(stages.reduce((sum, [, s]) => sum + s.count, 0), calls);
  // 100 that left by name and the (unsubscribed) one; the one subscribed at the end never got a bar.
  t.is(stages.length, 101);
  t.true(metrics.snapshot()['subscriber:(unsubscribed)']!.count > 0);
  t.is(metrics.snapshot()['subscriber:s0'], undefined);
});

test('runs stopped or failed before any session end fold the stages of subscribers that left too: a harness that stops each run early keeps the last 100', async (t) => {
  const count = 130;
  const sessions = sessionsOf(1, 5);
  const session = sessions[0]!;
  const metrics = new PerformanceMetrics();
  const engine = new AnalysisEngine();
  let calls = 0;
  for (let k = 0; k < count; k++) {
    const data = new SessionData({ intervals: ['5m'] });
    const run = new SessionCoordinator({ calendar: { sessions: () => sessions }, data, engine, metrics, source: iterableSource(barsOf(sessions, 5)), from: session.date, to: session.date });
    // Half the runs stopped at the first bar, half failed by a source that throws after it.
    const sub = engine.subscribe({ interval: '1m', name: `s${k}` }, () => {
      calls++;
      if (k % 2 === 0) run.stop();
    });
    if (k % 2 === 0) {
      await run.run();
    } else {
      const failing = new SessionCoordinator({
        calendar: { sessions: () => sessions }, data, engine, metrics,
        source: iterableSource((function* () {
          yield* [...barsOf(sessions, 5)].slice(0, 3);
          throw new RangeError('feed broke');
        })()),
        from: session.date, to: session.date,
      });
      await t.throwsAsync(failing.run(), { instanceOf: RangeError });
    }
    sub.unsubscribe();
  }
  const stages = Object.entries(metrics.snapshot()).filter(([name]) => name.startsWith('subscriber:'));
  t.is(stages.reduce((sum, [, st]) => sum + st.count, 0), calls);
  // The run after a subscriber left folds it: the last one left after the last run, so 101 by name.
  t.true(stages.length <= 102, `${stages.length} subscriber stages`);
  t.true(metrics.snapshot()['subscriber:(unsubscribed)']!.count > 0);
  t.is(metrics.snapshot()['subscriber:s0'], undefined);
});

test('metrics shared by two coordinators: one folding a stage that left its engine loses none of the calls the other still records under that name', async (t) => {
  const sessions = sessionsOf(2, 5);
  const metrics = new PerformanceMetrics();
  let calls = 0;
  let openA = (): void => undefined;
  const gateA = new Promise<void>((resolve) => {
    openA = resolve;
  });
  let openB = (): void => undefined;
  const gateB = new Promise<void>((resolve) => {
    openB = resolve;
  });
  // B's 'x' stays subscribed the whole run.
  const engineB = new AnalysisEngine();
  engineB.subscribe({ interval: '1m', name: 'x' }, () => {
    calls++;
    openA();
  });
  const barsB = [...barsOf(sessions, 5)].filter((b) => b.symbol === 'A');
  const runB = new SessionCoordinator({
    calendar: { sessions: () => sessions }, data: new SessionData({ intervals: ['5m'] }), engine: engineB, metrics, from: sessions[0]!.date, to: sessions[1]!.date,
    source: iterableSource((async function* () {
      yield barsB[0]!;
      yield barsB[1]!;
      // Until A's first session has ended, its departed subscribers' stages folded.
      await gateB;
      yield* barsB.slice(2);
    })()),
  }).run();
  // A's 'x' and 101 others each leave after their first call: past the 100 most recent, 'x' is folded.
  const engineA = new AnalysisEngine();
  for (const name of ['x', ...Array.from({ length: 101 }, (_, i) => `s${i}`)]) {
    const subscription = engineA.subscribe({ interval: '1m', name }, () => {
      calls++;
      subscription.unsubscribe();
    });
  }
  const coordinatorA = new SessionCoordinator({
    calendar: { sessions: () => sessions }, data: new SessionData({ intervals: ['5m'] }), engine: engineA, metrics, from: sessions[0]!.date, to: sessions[1]!.date,
    source: iterableSource((async function* () {
      await gateA;
      yield* barsOf(sessions, 5);
    })()),
  });
  coordinatorA.once('progress', () => openB());
  const [, b] = await Promise.all([coordinatorA.run(), runB]);
  // A's subscribers once each, B's on every bar.
  t.is(b.delivered, barsB.length);
  t.is(calls, 102 + barsB.length);
  const stages = Object.entries(metrics.snapshot()).filter(([name]) => name.startsWith('subscriber:'));
  t.is(stages.reduce((sum, [, s]) => sum + s.count, 0), calls);
});
