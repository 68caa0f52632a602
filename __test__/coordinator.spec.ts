import test from 'ava';
import { AnalysisEngine, OverrunError, SessionCoordinator, SessionData } from 'barstream';
import type { Bar, BarEvent, ColumnarSource, Session, SessionCalendar, StreamSource, SymbolBar, SymbolColumns } from 'barstream';
import { aggregateSession } from './helpers/naive.js';
import { Rng } from './helpers/prng.js';
import { MINUTE, nySummerSession, nyTime } from './helpers/sessions.js';

const DATES = ['2024-06-03', '2024-06-04'];
const SESSIONS = DATES.map(nySummerSession);

/** A calendar over hand-built sessions, independent of the built-in ones. */
const calendar: SessionCalendar = {
  sessions: (from, to) => SESSIONS.filter((s) => s.date >= from && s.date <= to),
};

/** A random walk of 1m bars for every minute of each session, with `skip` minutes left out. */
function walk(seed: number, sessions: readonly Session[], skip: (t: number) => boolean = () => false): Bar[] {
  const rng = new Rng(seed);
  const bars: Bar[] = [];
  let price = 100;
  for (const s of sessions) {
    for (let t = s.open; t < s.close; t += MINUTE) {
      const open = price;
      const close = Math.round(open * (1 + (rng.next() - 0.5) * 0.004) * 100) / 100;
      const high = Math.max(open, close) + rng.int(0, 5) / 100;
      const low = Math.min(open, close) - rng.int(0, 5) / 100;
      price = close;
      if (!skip(t)) bars.push({ time: t, open, high, low, close, volume: rng.int(100, 10_000) });
    }
  }
  return bars;
}

function columnsOf(bars: readonly Bar[]): SymbolColumns {
  const col = (k: keyof Bar): Float64Array => Float64Array.from(bars, (b) => b[k]);
  return { length: bars.length, time: col('time'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') };
}

function columnar(data: Record<string, readonly Bar[]>): ColumnarSource {
  return {
    kind: 'columns',
    load: async () => new Map(Object.entries(data).map(([symbol, bars]) => [symbol, columnsOf(bars)])),
  };
}

function stream(data: Record<string, readonly Bar[]>): StreamSource {
  const all: SymbolBar[] = Object.entries(data)
    .flatMap(([symbol, bars]) => bars.map((b) => ({ ...b, symbol })))
    .sort((a, b) => a.time - b.time);
  return {
    kind: 'stream',
    async *[Symbol.asyncIterator]() {
      yield* all;
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const key = (e: { symbol: string; interval: string }): string => `${e.symbol}/${e.interval}`;

function expectedDerived(data: Record<string, readonly Bar[]>, interval: string): Map<string, Bar[]> {
  const out = new Map<string, Bar[]>();
  for (const [symbol, bars] of Object.entries(data)) {
    out.set(`${symbol}/${interval}`, SESSIONS.flatMap((s) => aggregateSession(bars.filter((b) => b.time >= s.open && b.time < s.close), s, interval)));
  }
  return out;
}

for (const kind of ['columns', 'stream'] as const) {
  test(`data-driven (${kind}): slow async subscribers lose nothing; every derived bar is delivered once, in order`, async (t) => {
    const data = { SPY: walk(1, SESSIONS), QQQ: walk(2, SESSIONS, (x) => x % (7 * MINUTE) === 0), IWM: walk(3, SESSIONS) };
    const store = new SessionData({ intervals: ['5m', '15m', '1h', '1d'] });
    const engine = new AnalysisEngine();
    const got = new Map<string, Bar[]>();
    for (const interval of ['5m', '15m', '1h', '1d']) {
      engine.subscribe({ interval, name: `slow-${interval}` }, async (e: BarEvent) => {
        const bar = e.bar;
        // Yield to the event loop, sometimes for real time, so a lost wait would show.
        await (e.index % 9 === 0 ? sleep(1) : Promise.resolve());
        const list = got.get(key(e)) ?? [];
        list.push(bar);
        got.set(key(e), list);
      });
    }
    const report = await new SessionCoordinator({
      calendar, data: store, engine, source: kind === 'columns' ? columnar(data) : stream(data), from: DATES[0] as string, to: DATES[1] as string,
    }).run();
    const total = Object.values(data).reduce((n, b) => n + b.length, 0);
    t.is(report.barsIn, total);
    t.is(report.barsStored, total);
    t.is(Object.values(report.rejected).reduce((a, b) => a + b, 0), 0);
    t.is(report.sessions, 2);
    t.is(report.subscriberErrorCount, 0);
    let derived = 0;
    for (const interval of ['5m', '15m', '1h', '1d']) {
      for (const [k, bars] of expectedDerived(data, interval)) {
        t.deepEqual(got.get(k), bars, k);
        derived += bars.length;
      }
    }
    t.is(report.derivedBars, derived);
    t.is(report.delivered, derived);
  });
}

test('time slices: a subscriber on SPY 5m sees QQQ 5m of the same bucket', async (t) => {
  const data = { SPY: walk(4, SESSIONS), QQQ: walk(5, SESSIONS) };
  const store = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  let checked = 0;
  engine.subscribe({ symbols: ['SPY'], interval: '5m' }, (e) => {
    const other = e.data.bars('QQQ', '5m');
    t.is(other.time[other.length - 1], e.time);
    checked++;
  });
  await new SessionCoordinator({ calendar, data: store, engine, source: columnar(data), from: DATES[0] as string, to: DATES[1] as string }).run();
  t.is(checked, 2 * 78);
});

test('a throwing subscriber is isolated and reported; the others get every bar', async (t) => {
  const data = { SPY: walk(6, SESSIONS) };
  const store = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  let good = 0;
  engine.subscribe({ interval: '5m', name: 'thrower' }, (e) => {
    if (e.index % 10 === 3) throw new Error(`boom at ${e.index}`);
  });
  engine.subscribe({ interval: '5m', name: 'rejecter' }, async (e) => {
    if (e.index === 5) throw new Error('async boom');
  });
  engine.subscribe({ interval: '5m', name: 'good' }, () => {
    good++;
  });
  const coordinator = new SessionCoordinator({ calendar, data: store, engine, source: columnar(data), from: DATES[0] as string, to: DATES[1] as string });
  const seen: string[] = [];
  coordinator.on('error', (f) => seen.push(f.subscriber));
  const report = await coordinator.run();
  t.is(good, 156);
  // Indexes 3, 13, ..., 73 in the first session (8) and 81, ..., 151 in the second (8); index 5 once.
  t.is(report.subscriberErrorCount, 17);
  t.is(seen.length, 17);
  const first = report.subscriberErrors.find((f) => f.subscriber === 'thrower');
  t.truthy(first);
  t.is(first?.symbol, 'SPY');
  t.is(first?.interval, '5m');
  t.is(first?.time, nyTime(SESSIONS[0] as Session, '09:45'));
  t.regex(String((first?.error as Error).message), /boom at 3/);
  t.true(report.subscriberErrors.some((f) => f.subscriber === 'rejecter' && /async boom/.test((f.error as Error).message)));
});

test('rejected bars are counted by reason and never stop the run', async (t) => {
  const s0 = SESSIONS[0] as Session;
  const bars = walk(7, SESSIONS);
  const bad: Bar[] = [
    { time: s0.open - 10 * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 }, // pre-market
    { time: s0.open + 30_000, open: 1, high: 1, low: 1, close: 1, volume: 1 }, // off the grid
  ];
  const withBad = [...bars, ...bad].sort((a, b) => a.time - b.time);
  const broken = withBad.map((b, i) => (i === 100 ? { ...b, high: b.low - 1 } : b));
  const store = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ calendar, data: store, source: columnar({ SPY: broken }), from: DATES[0] as string, to: DATES[1] as string }).run();
  t.is(report.barsIn, broken.length);
  t.is(report.rejected.outside_session, 1);
  t.is(report.rejected.off_grid, 1);
  t.is(report.rejected.high_below_open_close, 1);
  t.is(report.barsStored, broken.length - 3);
  t.deepEqual(store.rejections('SPY'), report.rejected);
});

test('clock-driven: a slow subscriber at high speed raises OverrunError with its details', async (t) => {
  const data = { SPY: walk(8, SESSIONS) };
  const store = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '5m', name: 'sluggish' }, () => sleep(40));
  // 60,000 simulated ms a wall ms: a minute a millisecond, a 5m bucket every 5 ms.
  const run = new SessionCoordinator({ calendar, data: store, engine, source: columnar(data), from: DATES[0] as string, to: DATES[0] as string, speed: 60_000 }).run();
  const error = await t.throwsAsync(run, { instanceOf: OverrunError });
  t.is(error?.code, 'overrun');
  t.is(error?.subscriber, 'sluggish');
  t.true((error?.lagMs ?? -1) >= 0);
  t.is(((error?.sliceTime ?? 0) - (SESSIONS[0] as Session).open) % MINUTE, 0);
  t.regex(error?.message ?? '', /sluggish/);
});

// A synchronous handler that takes `ms` milliseconds, without spinning: `performance.now`, which the
// run's clock and its timings of handlers read, moves on by `ms` at once. A busy loop on a loaded
// machine also counted the times the process was not running, and named another subscriber.
const realNow = performance.now.bind(performance);
let skipped = 0;
performance.now = (): number => realNow() + skipped;
function busy(ms: number): void {
  skipped += ms;
}

test.serial('clock-driven: synchronous work split over calls and subscribers overruns as a whole, naming the one that took longest', async (t) => {
  const s0 = SESSIONS[0] as Session;
  const data = { AAA: walk(12, [s0]), BBB: walk(13, [s0]) };
  const at = nyTime(s0, '10:00');
  // 6,000 simulated ms a wall ms: a slice every 10 ms. The 10:00 5m bars close in the 10:04 slice and
  // take 25 + 25 + 35 ms there, each call shorter than the lag they make together (about 75 ms): the
  // slice due at 10:06 (the end of the 10:05 minute) comes due while they run.
  const subscribe = (engine: AnalysisEngine): void => {
    engine.subscribe({ interval: '5m', name: 'halves' }, (e) => {
      if (e.time === at) busy(25);
    });
    engine.subscribe({ interval: '5m', name: 'third' }, (e) => {
      if (e.time === at && e.symbol === 'BBB') busy(35);
    });
  };
  const failing = new AnalysisEngine();
  subscribe(failing);
  const run = new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine: failing, source: columnar(data), from: s0.date, to: s0.date, speed: 6_000 }).run();
  const error = await t.throwsAsync(run, { instanceOf: OverrunError });
  // 'halves' took 50 ms in the slice, 'third' 35.
  t.is(error?.subscriber, 'halves');
  t.is(error?.sliceTime, at + 6 * MINUTE);
  t.true((error?.lagMs ?? 0) > 20, String(error?.lagMs));

  const queued = new AnalysisEngine();
  subscribe(queued);
  const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine: queued, source: columnar(data), from: s0.date, to: s0.date, speed: 6_000, overrun: 'queue' }).run();
  const atSlice = report.overruns.filter((o) => o.sliceTime === at + 6 * MINUTE);
  t.is(atSlice.length, 1, JSON.stringify(report.overruns));
  t.is(atSlice[0]?.subscriber, 'halves');
  // One event a closed bar, however many subscribers take it: nothing lost.
  t.is(report.delivered, 2 * 78);
});

test.serial('clock-driven: a synchronous hog is named though an async subscriber shares its dispatch, and at any speed', async (t) => {
  const s0 = SESSIONS[0] as Session;
  const data = { AAA: walk(14, [s0]) };
  const at = nyTime(s0, '10:00');
  for (const speed of [6_000, 1_000_000]) {
    const engine = new AnalysisEngine();
    engine.subscribe({ interval: '5m', name: 'hog' }, (e) => {
      if (e.time === at) busy(80);
    });
    engine.subscribe({ interval: '5m', name: 'idle' }, async () => {});
    const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: columnar(data), from: s0.date, to: s0.date, speed, overrun: 'queue' }).run();
    // The 80 ms call spans the slices due after 10:04 (8 of them at 6,000, hundreds at 1e6).
    const atHog = report.overruns.filter((o) => o.sliceTime === at + 6 * MINUTE);
    t.is(atHog.length, 1, `speed ${speed}: ${JSON.stringify(report.overruns.slice(0, 5))}`);
    t.is(atHog[0]?.subscriber, 'hog');
    t.true((atHog[0]?.lagMs ?? 0) > 40, `speed ${speed}`);
  }
});

test.serial('clock-driven: a second run of the same coordinator reports its own lag, not the most of both runs', async (t) => {
  const s0 = SESSIONS[0] as Session;
  const at = nyTime(s0, '10:00');
  let slow = true;
  const engine = new AnalysisEngine();
  // Ten seconds of the clocks' time on one bar of the first run only.
  engine.subscribe({ interval: '5m', name: 'once' }, (e) => {
    if (slow && e.time === at) busy(10_000);
  });
  const store = new SessionData({ intervals: ['5m'] });
  const coordinator = new SessionCoordinator({ calendar, data: store, engine, source: columnar({ AAA: walk(18, [s0]) }), from: s0.date, to: s0.date, speed: 60_000, overrun: 'queue' });
  const first = await coordinator.run();
  t.true(first.maxLagMs >= 9_000, `first run: maxLagMs ${first.maxLagMs}`);
  slow = false;
  // The same session again: the store forgets the first run's.
  store.clear();
  const second = await coordinator.run();
  // Nothing held the second run: a lag of seconds could only be the first run's.
  t.true(second.maxLagMs < 5_000, `second run: maxLagMs ${second.maxLagMs}`);
  t.is(second.barsIn, first.barsIn);
});

test('barsPerSecond is barsIn over durationMs in seconds', async (t) => {
  const s0 = SESSIONS[0] as Session;
  const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: columnar({ AAA: walk(19, [s0]), BBB: walk(20, [s0]) }), from: s0.date, to: s0.date }).run();
  t.is(report.barsIn, 2 * 390);
  t.true(report.durationMs > 0);
  const want = report.barsIn / (report.durationMs / 1000);
  t.true(Math.abs(report.barsPerSecond - want) <= 1e-9 * want, `${report.barsPerSecond} bars/s for ${report.barsIn} bars in ${report.durationMs} ms`);
});

test.serial("clock-driven: a session end's handlers are not blamed in the next session", async (t) => {
  // The last minute of each session is missing, so each 1d bar closes at endSession, where a
  // subscriber takes 60 ms; nothing is due after the close, and the next session starts afresh.
  const bars = walk(15, SESSIONS).filter((b) => !SESSIONS.some((s) => b.time === s.close - MINUTE));
  const engine = new AnalysisEngine();
  let calls = 0;
  engine.subscribe({ interval: '1d', name: 'daily' }, () => {
    calls++;
    busy(60);
  });
  const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['1d'] }), engine, source: columnar({ AAA: bars }), from: DATES[0] as string, to: DATES[1] as string, speed: 1_000_000 }).run();
  t.is(calls, 2);
  t.deepEqual(report.overruns, []);
});

test.serial("clock-driven: an async handler's synchronous part counts as busy time; a session's last slice is judged against nothing", async (t) => {
  const s0 = SESSIONS[0] as Session;
  const at = nyTime(s0, '10:00');
  // An async handler that holds the thread 80 ms before it returns its promise, at 6,000 x (10 ms slices).
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '5m', name: 'hog' }, async (e) => {
    if (e.time === at) busy(80);
  });
  const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: columnar({ AAA: walk(16, [s0]) }), from: s0.date, to: s0.date, speed: 6_000, overrun: 'queue' }).run();
  t.deepEqual(report.overruns.map((o) => [o.subscriber, o.sliceTime]), [['hog', at + 6 * MINUTE]]);

  // A 1d subscriber that takes 60 ms on the bar its session's last minute closes: nothing comes
  // due after the close, so nothing overran (as when the bar closes at the session end).
  const daily = new AnalysisEngine();
  let calls = 0;
  daily.subscribe({ interval: '1d', name: 'daily' }, () => {
    calls++;
    busy(60);
  });
  const full = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['1d'] }), engine: daily, source: columnar({ AAA: walk(17, SESSIONS) }), from: DATES[0] as string, to: DATES[1] as string, speed: 6_000 }).run();
  t.is(calls, 2);
  t.deepEqual(full.overruns, []);
});

test("clock-driven with overrun: 'queue' finishes, loses nothing and records the lag", async (t) => {
  const data = { SPY: walk(9, [SESSIONS[0] as Session]) };
  const store = new SessionData({ intervals: ['5m', '30m'] });
  const engine = new AnalysisEngine();
  const got: number[] = [];
  engine.subscribe({ interval: '30m', name: 'sluggish' }, async (e) => {
    await sleep(15);
    got.push(e.time);
  });
  const report = await new SessionCoordinator({
    calendar, data: store, engine, source: columnar(data), from: DATES[0] as string, to: DATES[0] as string, speed: 120_000, overrun: 'queue',
  }).run();
  t.is(report.drive, 'clock');
  t.is(report.barsStored, 390);
  t.is(got.length, 13);
  t.true(report.overruns.length > 0);
  t.true(report.overruns.every((o) => o.subscriber === 'sluggish' && o.lagMs >= 0));
  t.true(report.maxLagMs > 0);
});

test('clock-driven: buckets close on time with no data', async (t) => {
  const s0 = SESSIONS[0] as Session;
  // SPY trades only until 10:02; QQQ all day. SPY's 10:00 bucket must close at the 10:05 tick, by
  // the clock: before QQQ's 10:10 bucket closes (on its 10:14 bar), not at the session end.
  const data = { SPY: walk(10, [s0]).filter((b) => b.time <= nyTime(s0, '10:02')), QQQ: walk(11, [s0]) };
  const store = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const order: string[] = [];
  const coordinator = new SessionCoordinator({ calendar, data: store, engine, source: columnar(data), from: DATES[0] as string, to: DATES[0] as string, speed: 60_000, overrun: 'queue' });
  let clockAtClose = NaN;
  engine.subscribe({ interval: '5m' }, (e) => {
    order.push(`${e.symbol}@${new Date(e.time).toISOString().slice(11, 16)}`);
    if (e.symbol === 'SPY' && e.time === nyTime(s0, '10:00')) clockAtClose = coordinator.clock.now();
  });
  await coordinator.run();
  // 14:00Z is 10:00 New York.
  const spy = order.indexOf('SPY@14:00');
  t.true(spy >= 0);
  t.true(spy < order.indexOf('QQQ@14:10'), order.slice(0, 20).join(' '));
  t.true(clockAtClose >= nyTime(s0, '10:05'), 'not before its end');
  t.is(order.filter((o) => o.startsWith('QQQ')).length, 78);
});

test('a bad configuration is a ConfigError naming the parameter', (t) => {
  const store = new SessionData();
  const source = columnar({});
  for (const [param, options] of [
    ['speed', { speed: -1 }],
    ['overrun', { overrun: 'drop' }],
    ['from', { from: '2024/06/03' }],
    ['to', { to: '2024-06-01' }],
    ['mode', { mode: 'paper' }],
    ['source', { mode: 'live' }],
  ] as const) {
    const error = t.throws(() => new SessionCoordinator({ calendar, data: store, source, from: '2024-06-03', to: '2024-06-04', ...(options as object) }));
    t.is((error as { param?: string }).param, param, param);
  }
});

test('live: wall clock, bars arriving after their close, buckets closed on time', async (t) => {
  const SECOND = 1000;
  const open = Math.ceil(Date.now() / SECOND) * SECOND + 2 * SECOND;
  const session: Session = { date: new Date(open).toISOString().slice(0, 10), open, close: open + 6 * SECOND, timeZone: 'UTC', dayStart: open - (open % 86_400_000) };
  const live: SessionCalendar = { sessions: () => [session] };
  const bars: SymbolBar[] = Array.from({ length: 6 }, (_, k) => ({ symbol: 'BTC', time: open + k * SECOND, open: 10 + k, high: 11 + k, low: 9 + k, close: 10.5 + k, volume: 1 }));
  const feed: StreamSource = {
    kind: 'stream',
    async *[Symbol.asyncIterator]() {
      for (const bar of bars) {
        // A bar is sent 50 ms after its second ends, as a feed would.
        await sleep(Math.max(0, bar.time + SECOND + 50 - Date.now()));
        order.push(`sent ${(bar.time - open) / SECOND}`);
        yield bar;
      }
    },
  };
  const order: string[] = [];
  const store = new SessionData({ baseInterval: '1s', intervals: ['3s'] });
  const engine = new AnalysisEngine();
  const closedAt: number[] = [];
  engine.subscribe({ interval: '3s' }, (e) => {
    closedAt.push(Date.now() - (e.time + 3 * SECOND));
    order.push(`closed ${(e.time - open) / SECOND}`);
  });
  const report = await new SessionCoordinator({ calendar: live, data: store, engine, source: feed, mode: 'live', from: session.date, to: session.date, closeDelayMs: 300 }).run();
  t.is(report.barsStored, 6);
  t.is(report.closedBars['3s'], 2);
  t.is(closedAt.length, 2);
  // Each 3s bar is delivered once its bucket is over, and the first before the feed sends the next
  // bucket's first bar: on time, not when a later bar comes. (An order, not a duration: the feed
  // sends a bar a second, however slowly this machine runs.)
  for (const late of closedAt) t.true(late >= 0, `delivered ${late} ms after its end`);
  t.log(`delivered ${closedAt.join(', ')} ms after their ends`);
  t.true(order.indexOf('closed 0') !== -1 && order.indexOf('closed 0') < order.indexOf('sent 3'), order.join(', '));
});

test('unsubscribe stops delivery; names are unique; events carry the session and the bar', async (t) => {
  const data = { SPY: walk(12, SESSIONS) };
  const store = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  let seen = 0;
  const sub = engine.subscribe({ interval: '5m', name: 'first-ten' }, (e) => {
    seen++;
    t.is(e.session.date, e.index < 78 ? '2024-06-03' : '2024-06-04');
    t.deepEqual(e.bar, { time: e.bars.time[e.index], open: e.bars.open[e.index], high: e.bars.high[e.index], low: e.bars.low[e.index], close: e.bars.close[e.index], volume: e.bars.volume[e.index] });
    if (seen === 10) sub.unsubscribe();
  });
  t.throws(() => engine.subscribe({ interval: '5m', name: 'first-ten' }, () => {}), { code: 'invalid_config' });
  t.deepEqual(engine.subscribers(), ['first-ten']);
  await new SessionCoordinator({ calendar, data: store, engine, source: columnar(data), from: DATES[0] as string, to: DATES[1] as string }).run();
  t.is(seen, 10);
  t.deepEqual(engine.subscribers(), []);
});

for (const speed of [0, 120_000]) {
  test(`gaps are reported (${speed === 0 ? 'data' : 'clock'}-driven): skipped minutes and the slots after the last bar, with their times`, async (t) => {
    const s0 = SESSIONS[0] as Session;
    const skipped = new Set([nyTime(s0, '10:00'), nyTime(s0, '10:01'), nyTime(s0, '11:30')]);
    const data = { SPY: walk(13, [s0], (x) => skipped.has(x) || x > nyTime(s0, '15:50')) };
    const store = new SessionData({ intervals: ['5m'] });
    const coordinator = new SessionCoordinator({ calendar, data: store, source: columnar(data), from: DATES[0] as string, to: DATES[0] as string, speed, overrun: 'queue' });
    const events: string[] = [];
    coordinator.on('gap', (g) => events.push(`${g.symbol} ${new Date(g.from).toISOString().slice(11, 16)}`));
    const report = await coordinator.run();
    const spans = report.gaps.map((g) => [g.symbol, g.from, g.to, g.state]);
    t.deepEqual(spans, [
      ['SPY', nyTime(s0, '10:00'), nyTime(s0, '10:02'), 'reported'],
      ['SPY', nyTime(s0, '11:30'), nyTime(s0, '11:31'), 'reported'],
      ['SPY', nyTime(s0, '15:51'), s0.close, 'reported'],
    ]);
    t.is(events.length, 3);
    const q = report.quality[s0.date]?.SPY;
    t.is(q?.base.expected, 390);
    t.is(q?.base.received, 390 - 3 - 9);
    t.is(q?.base.missing, 12);
  });
}

function throwingStream(bars: readonly SymbolBar[], after: number): StreamSource {
  return {
    kind: 'stream',
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < bars.length; i++) {
        if (i === after) throw new Error('feed broke');
        yield bars[i] as SymbolBar;
      }
    },
  };
}

for (const speed of [0, 600_000]) {
  test(`a stream source that fails fails the run with its error (${speed === 0 ? 'data' : 'clock'}-driven), after what it delivered`, async (t) => {
    const s0 = SESSIONS[0] as Session;
    const bars = walk(14, [s0]).map((b) => ({ ...b, symbol: 'SPY' }));
    const store = new SessionData({ intervals: ['5m'] });
    const run = new SessionCoordinator({ calendar, data: store, source: throwingStream(bars, 10), from: DATES[0] as string, to: DATES[0] as string, speed, overrun: 'queue' }).run();
    await t.throwsAsync(run, { message: 'feed broke' });
    t.is(store.count('SPY', '1m'), 10);
  });

  test(`every bar of a stream is stored or rejected and counted: a NaN time, bars after the last close (${speed === 0 ? 'data' : 'clock'}-driven)`, async (t) => {
    const s0 = SESSIONS[0] as Session;
    const good = walk(15, [s0]).slice(0, 5).map((b) => ({ ...b, symbol: 'SPY' }));
    const bars: SymbolBar[] = [good[0]!, good[1]!, { ...good[2]!, time: NaN }, good[3]!, good[4]!, { ...good[4]!, time: s0.close + 10 * MINUTE }, { ...good[4]!, time: s0.close + 11 * MINUTE }];
    const store = new SessionData({ intervals: ['5m'] });
    const report = await new SessionCoordinator({ calendar, data: store, source: { kind: 'stream', async *[Symbol.asyncIterator]() { yield* bars; } }, from: DATES[0] as string, to: DATES[0] as string, speed, overrun: 'queue' }).run();
    t.is(report.barsIn, 7);
    t.is(report.barsStored, 4);
    t.is(report.rejected.non_finite, 1);
    t.is(report.rejected.outside_session, 2);
  });
}

test('live: filled bars outside the gap or of another symbol are dropped and counted on the gap', async (t) => {
  const SECOND = 1000;
  const open = Math.ceil(Date.now() / SECOND) * SECOND + 2 * SECOND;
  const session: Session = { date: new Date(open).toISOString().slice(0, 10), open, close: open + 4 * SECOND, timeZone: 'UTC', dayStart: open - (open % 86_400_000) };
  const bar = (k: number, symbol = 'ETH'): SymbolBar => ({ symbol, time: open + k * SECOND, open: 10, high: 11, low: 9, close: 10, volume: 1 });
  const feed: StreamSource = {
    kind: 'stream',
    async *[Symbol.asyncIterator]() {
      for (const k of [0, 2, 3]) {
        await sleep(Math.max(0, open + (k + 1) * SECOND + 50 - Date.now()));
        yield bar(k);
      }
    },
  };
  const store = new SessionData({ baseInterval: '1s' });
  const report = await new SessionCoordinator({
    calendar: { sessions: () => [session] }, data: store, source: feed, mode: 'live', from: session.date, to: session.date, closeDelayMs: 200,
    fill: async (symbol, from) => [{ ...bar((from - open) / SECOND) }, { ...bar(3) }, { ...bar((from - open) / SECOND, 'BTC') }],
  }).run();
  t.is(report.barsStored, 4);
  const gap = report.gaps[0];
  t.is(gap?.state, 'filled');
  t.is(gap?.filledBars, 1);
  t.is(gap?.droppedBars, 2);
  t.deepEqual(store.symbols(), ['ETH']);
});

test('a base-interval subscriber added mid-run gets the bars from then on, each once; closed counts stay right', async (t) => {
  const s0 = SESSIONS[0] as Session;
  const data = { SPY: walk(16, [s0]).slice(0, 20) };
  const store = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const got: number[] = [];
  engine.subscribe({ interval: '5m' }, (e) => {
    if (e.index === 1) engine.subscribe({ interval: '1m', name: 'late' }, (b) => void got.push(b.index));
  });
  const report = await new SessionCoordinator({ calendar, data: store, engine, source: columnar(data), from: DATES[0] as string, to: DATES[0] as string }).run();
  // Subscribed while the 09:39 slice was dispatched: from 09:40 (index 10) on.
  t.deepEqual(got, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  t.is(report.closedBars['1m'], 20);
  t.is(report.barsStored, 20);
});

test('a stream that ends early in a clock-driven backtest still reports the slots to the close as a gap', async (t) => {
  const s0 = SESSIONS[0] as Session;
  const bars = walk(17, [s0]).slice(0, 100).map((b) => ({ ...b, symbol: 'SPY' }));
  const store = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ calendar, data: store, source: { kind: 'stream', async *[Symbol.asyncIterator]() { yield* bars; } }, from: DATES[0] as string, to: DATES[0] as string, speed: 1_000_000, overrun: 'queue' }).run();
  t.deepEqual(report.gaps.map((g) => [g.from, g.to]), [[s0.open + 100 * MINUTE, s0.close]]);
});
