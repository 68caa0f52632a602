/**
 * A clock-driven backtest replays its sessions on simulated time: it waits for a stream source
 * slower than its clock, plays a session out to its close when the stream ended early, judges the
 * last slot before a close that cuts it short by that slot's length, and its clock never goes back.
 * A data-driven run's clock reads the close for the bars closed there, and every run starts at its
 * first open. Expected counts and times are worked out by hand from the sessions and bars given.
 * The tests run one at a time: a handler that holds the thread in one would move the others' clocks.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, ConfigError, OverrunError, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { BarColumns, SymbolBar } from 'barstream';

const MINUTE = 60_000;

/** Keeps the thread busy for `ms` wall milliseconds: a synchronous handler that takes that long. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One bar of `symbol` at each minute from `from` (inclusive) to `to` (exclusive), all prices 10. */
function minuteBars(symbol: string, from: number, to: number): SymbolBar[] {
  const out: SymbolBar[] = [];
  for (let time = from; time < to; time += MINUTE) out.push({ symbol, time, open: 10, high: 10, low: 10, close: 10, volume: 1 });
  return out;
}

test.serial('a stream slower than the replay: the clock waits for it, and no bar is late or missing', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const session = calendar.session('2024-05-06')!;
  const bars = minuteBars('A', session.open, session.close);
  // The first bar after 100 ms, then 5 ms every two bars: at speed 60,000 the 30 minutes take 30 ms.
  async function* slow(): AsyncGenerator<SymbolBar> {
    await sleep(100);
    for (let i = 0; i < bars.length; i++) {
      if (i % 2 === 0) await sleep(5);
      yield bars[i] as SymbolBar;
    }
  }
  const data = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ calendar, data, source: iterableSource(slow()), from: '2024-05-06', to: '2024-05-06', speed: 60_000 }).run();
  t.is(report.barsIn, 30);
  t.is(report.barsStored, 30);
  t.deepEqual(Object.entries(report.rejected).filter(([, n]) => n > 0), []);
  t.is(report.gapCount, 0);
  t.is(report.closedBars['5m'], 6);
});

/** 10:00-10:30 UTC on 2024-05-06 and 2024-05-07. */
function twoDays(): ReturnType<typeof Calendar.custom> {
  return Calendar.custom({
    timeZone: 'UTC',
    sessions: [
      { date: '2024-05-06', open: '10:00', close: '10:30' },
      { date: '2024-05-07', open: '10:00', close: '10:30' },
    ],
  });
}

/** A bar of `symbol` at `time`, all prices 10. */
const flat = (symbol: string, time: number): SymbolBar => ({ symbol, time, open: 10, high: 10, low: 10, close: 10, volume: 1 });

/** Bars of A and B a minute each, B's `lag` places behind A's in the stream (A t, B t - lag, A t + 1, ...). */
function lagging(open: number, close: number, lag: number): SymbolBar[] {
  const a = minuteBars('A', open, close);
  const b = minuteBars('B', open, close);
  const out: SymbolBar[] = [];
  for (let i = 0; i < a.length + lag; i++) {
    if (i < a.length) out.push(a[i] as SymbolBar);
    if (i >= lag) out.push(b[i - lag] as SymbolBar);
  }
  return out;
}

/** The bars one at a time, each after a timer: a source slower than a replay at speed 60,000. */
async function* timed(bars: readonly SymbolBar[]): AsyncGenerator<SymbolBar> {
  for (const bar of bars) {
    await sleep(2);
    yield bar;
  }
}

for (const lag of [1, 2, 5, 16]) {
  test.serial(`a slow stream with one symbol ${lag} place${lag === 1 ? '' : 's'} behind another: the replay waits for the bars behind the first past a boundary, none late`, async (t) => {
    const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
    const session = calendar.session('2024-05-06')!;
    const data = new SessionData({ intervals: ['5m'] });
    const report = await new SessionCoordinator({ calendar, data, source: iterableSource(timed(lagging(session.open, session.close, lag))), from: '2024-05-06', to: '2024-05-06', speed: 60_000 }).run();
    t.is(report.barsIn, 60);
    t.is(report.barsStored, 60);
    t.deepEqual(Object.entries(report.rejected).filter(([, n]) => n > 0), []);
    t.is(report.gapCount, 0);
    t.is(report.closedBars['5m'], 12);
  });
}

for (const [name, stray] of [
  ['timed past the close', 11 * 60],
  ['off the grid', 25.5],
] as const) {
  test.serial(`a slow stream in time order with one bar ${name}: that bar alone is rejected, the replay does not run ahead to it`, async (t) => {
    const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
    const session = calendar.session('2024-05-06')!;
    const bars = lagging(session.open, session.close, 0);
    // After A's and B's 10:14: held to its time, the replay would take it for the source having
    // reached every boundary up to it.
    const at = bars.findIndex((b) => b.time === session.open + 15 * MINUTE);
    bars.splice(at, 0, { symbol: 'A', time: session.open + stray * MINUTE, open: 10, high: 10, low: 10, close: 10, volume: 1 });
    const data = new SessionData({ intervals: ['5m'] });
    const report = await new SessionCoordinator({ calendar, data, source: iterableSource(timed(bars)), from: '2024-05-06', to: '2024-05-06', speed: 60_000 }).run();
    t.is(report.barsIn, 61);
    t.is(report.barsStored, 60);
    t.deepEqual(Object.entries(report.rejected).filter(([, n]) => n > 0), [[name === 'off the grid' ? 'off_grid' : 'outside_session', 1]]);
    t.is(report.gapCount, 0);
    t.is(report.closedBars['5m'], 12);
  });
}

test.serial('a slow stream, one symbol a slot behind 30 others (31 places): none of its bars late', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:20' }] });
  const session = calendar.session('2024-05-06')!;
  const others = Array.from({ length: 30 }, (_, k) => `S${k}`);
  const bars: SymbolBar[] = [];
  // Each minute: the 30 others' bars of that minute, then Z's bar of the minute before.
  for (let m = 0; m <= 20; m++) {
    const time = session.open + m * MINUTE;
    if (m < 20) for (const symbol of others) bars.push({ symbol, time, open: 10, high: 10, low: 10, close: 10, volume: 1 });
    if (m > 0) bars.push({ symbol: 'Z', time: time - MINUTE, open: 10, high: 10, low: 10, close: 10, volume: 1 });
  }
  async function* paced(): AsyncGenerator<SymbolBar> {
    for (let i = 0; i < bars.length; i++) {
      if (i % 8 === 0) await sleep(1);
      yield bars[i] as SymbolBar;
    }
  }
  const data = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ calendar, data, source: iterableSource(paced()), from: '2024-05-06', to: '2024-05-06', speed: 60_000 }).run();
  t.is(report.barsIn, 31 * 20);
  t.is(report.barsStored, 31 * 20);
  t.deepEqual(Object.entries(report.rejected).filter(([, n]) => n > 0), []);
  t.is(data.bars('Z', '1m').length, 20);
});

test.serial('a slow stream with a minute of 20 symbols stamped with the next session\'s day: those 20 bars alone are rejected', async (t) => {
  const calendar = twoDays();
  const symbols = Array.from({ length: 20 }, (_, k) => `S${k}`);
  const bars: SymbolBar[] = [];
  for (const date of ['2024-05-06', '2024-05-07']) {
    const open = calendar.session(date)!.open;
    for (let m = 0; m < 30; m++) {
      // The first day's minute 10 comes stamped a day later (a wrong date upstream), in its place.
      const time = open + m * MINUTE + (date === '2024-05-06' && m === 10 ? 86_400_000 : 0);
      for (const symbol of symbols) bars.push(flat(symbol, time));
    }
  }
  const data = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ calendar, data, source: iterableSource(timed(bars)), from: '2024-05-06', to: '2024-05-07', speed: 60_000 }).run();
  t.is(report.barsIn, 1200);
  t.is(report.barsStored, 1180);
  t.deepEqual(Object.entries(report.rejected).filter(([, n]) => n > 0), [['outside_session', 20]]);
});

test.serial("a slow stream where a symbol sends one bar timed past the close, then lags a slot: the stray does not pass for the symbol's progress, none of its bars late", async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const session = calendar.session('2024-05-06')!;
  const bars: SymbolBar[] = [];
  for (let m = 0; m < 30; m++) {
    const time = session.open + m * MINUTE;
    // C in step to 10:09, then each of its bars after A's and B's of the next minute.
    for (const symbol of ['A', 'B', 'C']) if (symbol !== 'C' || m < 10) bars.push(flat(symbol, time));
    if (m >= 11) bars.push(flat('C', time - MINUTE));
    // At 10:05, C's one bar an hour past the close (a corrupt time).
    if (m === 5) bars.push(flat('C', session.close + 60 * MINUTE));
  }
  bars.push(flat('C', session.open + 29 * MINUTE));
  const data = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ calendar, data, source: iterableSource(timed(bars)), from: '2024-05-06', to: '2024-05-06', speed: 60_000 }).run();
  t.is(report.barsIn, 91);
  t.is(report.barsStored, 90);
  t.deepEqual(Object.entries(report.rejected).filter(([, n]) => n > 0), [['outside_session', 1]]);
  t.is(data.bars('C', '1m').length, 30);
});

test.serial("a slow stream where a symbol's two bars come stamped a day later, then it lags a slot: bars of a later day are no progress, none of its bars late", async (t) => {
  const calendar = twoDays();
  const session = calendar.session('2024-05-06')!;
  const bars: SymbolBar[] = [];
  for (let m = 0; m < 30; m++) {
    const time = session.open + m * MINUTE;
    for (const symbol of ['A', 'B']) bars.push(flat(symbol, time));
    // C's 10:05 and 10:06 stamped a day later; from 10:10 each of its bars after the next minute's.
    if (m < 10) bars.push(flat('C', time + (m === 5 || m === 6 ? 86_400_000 : 0)));
    if (m >= 11) bars.push(flat('C', time - MINUTE));
  }
  bars.push(flat('C', session.open + 29 * MINUTE));
  const data = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ calendar, data, source: iterableSource(timed(bars)), from: '2024-05-06', to: '2024-05-07', speed: 60_000 }).run();
  t.is(report.barsIn, 90);
  t.is(report.rejected.late, 0);
  // C's day: every minute but the two stamped a day later.
  t.is(data.bars('C', '1m').time.filter((time) => time < session.close).length, 28);
});

test.serial('a stream of bars without usable times is read no further than the read-ahead before its first boundary', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  let given = 0;
  async function* endless(): AsyncGenerator<SymbolBar> {
    for (;;) {
      given++;
      yield { symbol: 'A', time: Number.NaN, open: 10, high: 10, low: 10, close: 10, volume: 1 };
    }
  }
  // At speed 1 the first boundary is a minute of wall time away: the run is stopped long before.
  const coordinator = new SessionCoordinator({ calendar, data: new SessionData(), source: iterableSource(endless()), from: '2024-05-06', to: '2024-05-06', speed: 1 });
  coordinator.once('sessionStart', () => void setTimeout(() => coordinator.stop(), 500));
  const report = await coordinator.run();
  t.true(report.stopped);
  t.true(given <= 65_536 + 16, `${given} bars read`);
});

test.serial('a stream that ends early plays its session out: every bucket closes at its end, not before, flat ones included', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const session = calendar.session('2024-05-06')!;
  // Bars to 10:09, then nothing: the buckets from 10:10 on are flat.
  const data = new SessionData({ intervals: ['5m', '15m'], emptyBuckets: 'flat' });
  const engine = new AnalysisEngine();
  const early: string[] = [];
  let events = 0;
  const coordinator = new SessionCoordinator({ calendar, data, engine, source: iterableSource(minuteBars('A', session.open, session.open + 10 * MINUTE)), from: '2024-05-06', to: '2024-05-06', speed: 30_000, overrun: 'queue' });
  for (const [interval, ms] of [['5m', 5 * MINUTE], ['15m', 15 * MINUTE]] as const) {
    engine.subscribe({ interval }, (e) => {
      events++;
      const now = coordinator.clock.now();
      if (now < e.time + ms) early.push(`${interval}@${(e.time - session.open) / MINUTE} at ${(now - session.open) / MINUTE}`);
    });
  }
  const report = await coordinator.run();
  t.deepEqual(early, []);
  // 10:00-10:30: six 5m bars (four flat) and two 15m bars (one flat).
  t.is(events, 8);
  t.is(report.closedBars['5m'], 6);
});

test.serial('the last slot before a close that cuts it short: a subscriber busy past the close overran it, the close named', async (t) => {
  // A 20m base on 10:00-10:30: boundaries at 10:20 and at the close, 10 minutes later.
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const session = calendar.session('2024-05-06')!;
  const columns: BarColumns = { time: [session.open, session.open + 20 * MINUTE], open: [10, 10], high: [10, 10], low: [10, 10], close: [10, 10], volume: [1, 1] };
  // At speed 10,000 the last slot is 60 ms of wall time (a whole 20m slot would be 120 ms).
  for (const overrun of ['fail', 'queue'] as const) {
    const engine = new AnalysisEngine();
    engine.subscribe({ interval: '20m', name: 'slow' }, (e) => {
      if (e.time === session.open) busy(150);
    });
    const run = new SessionCoordinator({ calendar, data: new SessionData({ baseInterval: '20m' }), engine, source: columnsSource({ A: columns }), from: '2024-05-06', to: '2024-05-06', speed: 10_000, overrun }).run();
    if (overrun === 'fail') {
      const error = await t.throwsAsync(run, { instanceOf: OverrunError });
      t.is(error.subscriber, 'slow');
      t.is(error.sliceTime, session.close);
    } else {
      const report = await run;
      t.deepEqual(report.overruns.map((o) => [o.subscriber, o.sliceTime]), [['slow', session.close]]);
      t.is(report.barsStored, 2);
    }
  }
});

for (const kind of ['stream', 'columns'] as const) {
  test.serial(`a clock-driven replay's clock never goes back (${kind}): a session end's handlers that take longer than the night make the next session open late, and that is lag`, async (t) => {
    const calendar = Calendar.custom({
      timeZone: 'UTC',
      sessions: ['2024-05-06', '2024-05-07', '2024-05-08'].map((date) => ({ date, open: '10:00', close: '10:10' })),
    });
    const sessions = calendar.sessions('2024-05-06', '2024-05-08');
    const bars = sessions.flatMap((s) => minuteBars('A', s.open, s.close));
    const source = kind === 'stream' ? iterableSource(bars) : columnsSource({ A: { time: bars.map((b) => b.time), open: bars.map((b) => b.open), high: bars.map((b) => b.high), low: bars.map((b) => b.low), close: bars.map((b) => b.close), volume: bars.map((b) => b.volume) } });
    const engine = new AnalysisEngine();
    const reads: number[] = [];
    const starts: number[] = [];
    // 150 ms of wall time is some 41 hours at this speed: more than the night before the next open.
    const coordinator = new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m', '1d'] }), engine, source, from: '2024-05-06', to: '2024-05-08', speed: 1e6, overrun: 'queue' });
    engine.subscribe({ interval: '5m' }, () => void reads.push(coordinator.clock.now()));
    engine.subscribe({ interval: '1d' }, () => {
      reads.push(coordinator.clock.now());
      busy(150);
      reads.push(coordinator.clock.now());
    });
    coordinator.on('sessionStart', () => {
      starts.push(coordinator.clock.now());
      reads.push(coordinator.clock.now());
    });
    const report = await coordinator.run();
    t.is(report.barsStored, 30);
    for (let i = 1; i < reads.length; i++) t.true((reads[i] as number) >= (reads[i - 1] as number), `read ${i} went back: ${reads[i - 1]} then ${reads[i]}`);
    starts.forEach((start, k) => t.true(start >= sessions[k]!.open, `session ${sessions[k]!.date} started at ${start}, before its open`));
    // The first 1d handler took the clock past the second open: that session opened late.
    t.true((starts[1] as number) > sessions[1]!.open + 12 * 3_600_000);
    // More than 12 hours of the run's time late is more than 12 ms of wall time at this speed.
    t.true(report.maxLagMs > 12, `maxLagMs ${report.maxLagMs}`);
  });
}

test.serial('every run starts at its first open: a second run of the same coordinator, and a session before 1970', async (t) => {
  for (const date of ['2024-05-06', '1965-05-06']) {
    const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date, open: '10:00', close: '10:30' }] });
    const session = calendar.session(date)!;
    const bars = minuteBars('A', session.open, session.close);
    const columns: BarColumns = { time: bars.map((b) => b.time), open: bars.map((b) => b.open), high: bars.map((b) => b.high), low: bars.map((b) => b.low), close: bars.map((b) => b.close), volume: bars.map((b) => b.volume) };
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    const coordinator = new SessionCoordinator({ calendar, data, engine, source: columnsSource({ A: columns }), from: date, to: date });
    let reads: number[] = [];
    engine.subscribe({ interval: '5m' }, () => void reads.push((coordinator.clock.now() - session.open) / MINUTE));
    for (const run of [1, 2]) {
      reads = [];
      await coordinator.run();
      // Data-driven: each 5m bar's handler reads the end of its last slice, 10:05, 10:10, ...
      t.deepEqual(reads, [5, 10, 15, 20, 25, 30], `${date}, run ${run}`);
      data.clear();
    }
  }
});

test.serial('stop() while a clock-driven backtest waits for a stream that has gone quiet ends the run', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const session = calendar.session('2024-05-06')!;
  const bars = minuteBars('A', session.open, session.open + 30 * MINUTE);
  // Thirty bars, 10:00-10:29, then no bar and no end. The first boundary waits for 17 bars at or
  // past it (the run's symbols are not known before: one whose first bars lag could still come);
  // later ones for a bar at or past them once every symbol read has caught up. At the close the
  // replay waits for a bar of 10:30 or later to know that 10:29's slice is whole.
  async function* quiet(): AsyncGenerator<SymbolBar> {
    yield* bars;
    await new Promise(() => {});
  }
  const coordinator = new SessionCoordinator({ calendar, data: new SessionData(), source: iterableSource(quiet()), from: '2024-05-06', to: '2024-05-06', speed: 60_000 });
  setTimeout(() => coordinator.stop(), 200);
  const report = await coordinator.run();
  t.true(report.stopped);
  // 10:00-10:28 went in; 10:29 was read and never taken.
  t.is(report.barsStored, 29);
  t.is(report.skipped.unread, 1);
});

test.serial("a data-driven run's clock reads the close for the bars closed there: the 1d bar, and flat bars filled to it", async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const session = calendar.session('2024-05-06')!;
  const engine = new AnalysisEngine();
  const seen: string[] = [];
  const coordinator = new SessionCoordinator({
    calendar,
    data: new SessionData({ intervals: ['5m', '1d'], emptyBuckets: 'flat' }),
    engine,
    // Bars to 10:09 only.
    source: iterableSource(minuteBars('A', session.open, session.open + 10 * MINUTE)),
    from: '2024-05-06',
    to: '2024-05-06',
  });
  const at = (): number => (coordinator.clock.now() - session.open) / MINUTE;
  engine.subscribe({ interval: '5m' }, (e) => void seen.push(`5m@${(e.time - session.open) / MINUTE} read ${at()}`));
  engine.subscribe({ interval: '1d' }, () => void seen.push(`1d read ${at()}`));
  await coordinator.run();
  // 10:00 and 10:05 close with the bars of 10:04 and 10:09 (read at their ends); the flat ones and the day at the close.
  t.deepEqual(seen, ['5m@0 read 5', '5m@5 read 10', '5m@10 read 30', '5m@15 read 30', '5m@20 read 30', '5m@25 read 30', '1d read 30']);
});

test.serial('a live run refuses a speed: its clock is the wall clock', (t) => {
  const calendar = Calendar.xnys();
  for (const speed of [60, 0]) {
    const error = t.throws(() => new SessionCoordinator({ calendar, data: new SessionData(), source: iterableSource([]), mode: 'live', speed, from: '2024-05-06', to: '2024-05-06' }), { instanceOf: ConfigError });
    t.is(error.param, 'speed');
  }
  t.notThrows(() => new SessionCoordinator({ calendar, data: new SessionData(), source: iterableSource([]), mode: 'live', speed: 1, from: '2024-05-06', to: '2024-05-06' }));
});
