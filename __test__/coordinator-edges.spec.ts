/**
 * The coordinator at the edges of its sources: a stream that fails mid-run, and column sources
 * whose last session is longer than a day from its day start. Every bar the source delivered is
 * handed to the store; expected counts are worked out by hand.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, InputError, SessionCoordinator, SessionData, SessionError, columnsSource, iterableSource } from 'barstream';
import type { BarColumns, RunReport, Session, SessionCalendar, Source, SymbolBar } from 'barstream';
import { toColumns } from './helpers/naive.js';
import { Rng } from './helpers/prng.js';

const MINUTE = 60_000;

test('a stream that fails mid-run: every bar it delivered is stored and handled, then the run fails with its error', async (t) => {
  const calendar = Calendar.xnys();
  const open = calendar.session('2024-03-04')?.open as number;
  async function* feed(): AsyncGenerator<SymbolBar> {
    for (let k = 0; k < 30; k++) {
      if (k === 20) throw new TypeError('feed broke');
      for (const symbol of ['A', 'B', 'C']) {
        yield { symbol, time: open + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 };
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  let events = 0;
  engine.subscribe({ interval: '1m' }, () => void events++);
  await t.throwsAsync(new SessionCoordinator({ calendar, data, engine, source: iterableSource(feed()), from: '2024-03-04', to: '2024-03-04' }).run(), { instanceOf: TypeError, message: 'feed broke' });
  // 20 minutes of three symbols: the last minute's slice included.
  t.deepEqual(['A', 'B', 'C'].map((s) => data.count(s, '1m')), [20, 20, 20]);
  t.is(events, 60);
});

/** One bar a minute from `from` to `to`, all prices 1. */
function minutes(from: number, to: number): BarColumns {
  const time: number[] = [];
  for (let x = from; x < to; x += MINUTE) time.push(x);
  const ones = time.map(() => 1);
  return { time, open: ones, high: ones, low: ones, close: ones, volume: ones };
}

test('a user calendar whose sessions leave dayStart out (as beginSession allows): the run reads the sessions\' days, columns and streams alike', async (t) => {
  // 2024-03-08, 09:30-16:00 New York (EST): 14:30Z to 21:00Z, 390 minutes.
  const open = Date.UTC(2024, 2, 8, 14, 30);
  const close = Date.UTC(2024, 2, 8, 21, 0);
  const calendar = { sessions: () => [{ date: '2024-03-08', open, close, timeZone: 'America/New_York' }] } as unknown as SessionCalendar;
  const run = (source: Source): Promise<RunReport> => new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source, from: '2024-03-08', to: '2024-03-08' }).run();
  const report = await run(columnsSource({ A: minutes(open, close) }));
  t.is(report.barsIn, 390);
  t.is(report.barsStored, 390);
  t.is(report.closedBars['5m'], 78);
  // A bar three days later is not on the run's days: not part of it, as with a calendar's sessions.
  const bars: SymbolBar[] = Array.from({ length: 390 }, (_, k) => ({ symbol: 'A', time: open + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
  const stream = await run(iterableSource([...bars, { ...bars[0]!, time: open + 3 * 86_400_000 }]));
  t.is(stream.barsIn, 390);
  t.is(stream.rejected.outside_session, 0);
});

test('a column source whose last session is longer than its day (25 hours when clocks go back): every bar is read', async (t) => {
  const calendar = Calendar.custom({ name: 'NY 24h', timeZone: 'America/New_York', sessions: [{ date: '2024-11-03', open: '00:00', close: '24:00' }] });
  const s = calendar.session('2024-11-03');
  if (s === null) return t.fail('no session');
  t.is(s.close - s.open, 25 * 60 * MINUTE);
  const data = new SessionData({ intervals: ['1h'] });
  const report = await new SessionCoordinator({ calendar, data, source: columnsSource({ X: minutes(s.open, s.close) }), from: '2024-11-03', to: '2024-11-03' }).run();
  t.is(report.barsIn, 1500);
  t.is(report.barsStored, 1500);
  t.is(report.closedBars['1h'], 25);
  t.is(report.quality['2024-11-03']?.X?.base.missing, 0);
});

test('the last day of a run is read to its local midnight: a bar at 23:30 on a 25-hour day (London, clocks go back) is read and counted', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'Europe/London', sessions: [{ date: '2024-10-25', open: '08:00', close: '16:30' }, { date: '2024-10-27', open: '08:00', close: '16:30' }] });
  // 2024-10-27 runs from 23:00Z on the 26th (BST) to 00:00Z on the 28th (GMT): 25 hours.
  const time = ['2024-10-25T07:00:00Z', '2024-10-27T08:00:00Z', '2024-10-27T22:30:00Z', '2024-10-27T23:30:00Z'].map(Date.parse);
  const ones = time.map(() => 1);
  for (const source of [columnsSource({ A: { time, open: ones, high: ones, low: ones, close: ones, volume: ones } }), iterableSource(time.map((x) => ({ symbol: 'A', time: x, open: 1, high: 1, low: 1, close: 1, volume: 1 })))]) {
    const data = new SessionData({ intervals: ['5m'] });
    const r = await new SessionCoordinator({ calendar, data, source, from: '2024-10-25', to: '2024-10-27' }).run();
    t.is(r.barsIn, 4, source.kind);
    t.is(r.barsStored, 2, source.kind);
    t.is(r.rejected.outside_session, 2, source.kind);
  }
});

test('clock-driven: a bar that arrives after a later one of another symbol still goes in at its boundary, not late', async (t) => {
  // Arrival order A0 A1 A2 B0 A3 B1 A4 B2 ...: B runs two minutes behind A in the stream. At each
  // boundary every bar timed before it is due, wherever it sits in the arrival order.
  const calendar = Calendar.xnys();
  const open = calendar.session('2024-03-04')?.open as number;
  const bar = (symbol: string, k: number): SymbolBar => ({ symbol, time: open + k * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 1 });
  const stream: SymbolBar[] = [bar('A', 0), bar('A', 1)];
  for (let k = 2; k < 9; k++) stream.push(bar('A', k), bar('B', k - 2));
  stream.push(bar('B', 7), bar('B', 8));
  const data = new SessionData({ intervals: ['3m'] });
  const report = await new SessionCoordinator({ calendar, data, source: iterableSource(stream), from: '2024-03-04', to: '2024-03-04', speed: 1_000_000 }).run();
  t.is(report.barsIn, 18);
  t.is(report.barsStored, 18);
  t.is(report.rejected.late, 0);
  t.deepEqual([...data.bars('B', '3m').volume], [3, 3, 3]);
  t.deepEqual(report.gaps.filter((g) => g.detectedBy === 'bar'), []);
});

test("clock-driven, overrun: 'queue': one record per overrun, never two for the same boundary", async (t) => {
  const calendar = Calendar.xnys();
  const open = calendar.session('2024-03-04')?.open as number;
  const bars: SymbolBar[] = Array.from({ length: 20 }, (_, k) => ({ symbol: 'A', time: open + k * MINUTE, open: 10, high: 11, low: 9, close: 10.5, volume: 100 }));
  const data = new SessionData();
  const engine = new AnalysisEngine();
  // Minute 3 takes 40 ms: four simulated minutes at this speed.
  engine.subscribe({ interval: '1m', name: 'slow' }, (e) => new Promise<void>((resolve) => setTimeout(resolve, e.time === open + 3 * MINUTE ? 40 : 0)));
  const report = await new SessionCoordinator({ calendar, data, engine, source: iterableSource(bars), from: '2024-03-04', to: '2024-03-04', speed: 6000, overrun: 'queue' }).run();
  t.is(report.barsStored, 20);
  t.true(report.overruns.some((o) => o.subscriber === 'slow'));
  const times = report.overruns.map((o) => o.sliceTime);
  t.is(new Set(times).size, times.length, `overruns at ${times.map((x) => new Date(x).toISOString().slice(11, 16)).join(', ')}`);
});

test("clock-driven, overrun: 'queue': the record names the handler the slice waited for last, whatever the order of subscription", async (t) => {
  // Ten minutes at speed 600: a minute is 100 ms of wall time, the subscribers' share of a slice.
  const calendar = Calendar.custom({ name: 'ten minutes', timeZone: 'UTC', sessions: [{ date: '2024-03-04', open: '10:00', close: '10:10' }] });
  const open = Date.UTC(2024, 2, 4, 10);
  const bars: SymbolBar[] = Array.from({ length: 10 }, (_, k) => ({ symbol: 'A', time: open + k * MINUTE, open: 10, high: 11, low: 9, close: 10.5, volume: 100 }));
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const busy = (ms: number): void => {
    for (const end = performance.now() + ms; performance.now() < end; );
  };
  const run = async (subscribe: (engine: AnalysisEngine) => void): Promise<RunReport> => {
    const engine = new AnalysisEngine();
    subscribe(engine);
    return new SessionCoordinator({ calendar, data: new SessionData(), engine, source: iterableSource(bars), from: '2024-03-04', to: '2024-03-04', speed: 600, overrun: 'queue' }).run();
  };
  const at5 = (ms: number) => (e: { time: number }): Promise<void> | void => (e.time === open + 5 * MINUTE ? sleep(ms) : undefined);
  // Both pending when the share runs out: 'quick' settles 50 ms past it, 'slow' 500 ms.
  for (const order of [['quick', 'slow'], ['slow', 'quick']]) {
    const report = await run((engine) => {
      for (const name of order) engine.subscribe({ interval: '1m', name }, at5(name === 'quick' ? 150 : 600));
    });
    t.deepEqual(report.overruns.map((o) => o.subscriber), ['slow'], order.join(' then '));
    t.true((report.overruns[0]?.lagMs ?? 0) >= 400, `lag ${report.overruns[0]?.lagMs}`);
  }
  // A synchronous overrun of 300 ms past the share against a handler that keeps the slice 700 ms
  // more: the handler; against one that settles at once: the synchronous one.
  for (const [asyncMs, named] of [[1000, 'async'], [1, 'hog']] as const) {
    const report = await run((engine) => {
      engine.subscribe({ interval: '1m', name: 'hog' }, (e) => {
        if (e.time === open + 5 * MINUTE) busy(400);
      });
      engine.subscribe({ interval: '1m', name: 'async' }, at5(asyncMs));
    });
    t.deepEqual(report.overruns.map((o) => o.subscriber), [named], `async handler of ${asyncMs} ms`);
  }
});

/** A 1s-base session of `seconds` opening `inMs` from now (negative: already open), on whole seconds. */
function liveSession(inMs: number, seconds: number): { date: string; open: number; close: number; timeZone: string; dayStart: number } {
  const open = Math.ceil((Date.now() + inMs) / 1000) * 1000;
  const d = new Date(open);
  return { date: d.toISOString().slice(0, 10), open, close: open + seconds * 1000, timeZone: 'UTC', dayStart: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) };
}
const until = (t: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));
/** A bar of symbol A at `time`. */
const barA = (time: number): SymbolBar => ({ symbol: 'A', time, open: 10, high: 12, low: 9, close: 11, volume: 100 });

test.serial('live: a bar that arrived by the end of the last session is stored or rejected and counted, never left in the buffer', async (t) => {
  const s = liveSession(1500, 4);
  async function* feed(): AsyncGenerator<SymbolBar> {
    // Slots 0-3 just after they end, then a bar timed at the close, inside the grace.
    for (let k = 0; k < 5; k++) {
      await until(s.open + k * 1000 + 1100);
      yield { symbol: 'A', time: s.open + k * 1000, open: 1, high: 1, low: 1, close: 1, volume: 1 };
    }
    await until(s.close + 4000);
  }
  const data = new SessionData({ baseInterval: '1s', intervals: ['2s'] });
  const calendar = { sessions: () => [s] } as unknown as Calendar;
  const r = await new SessionCoordinator({ calendar, data, source: iterableSource(feed()), mode: 'live', from: s.date, to: s.date, closeDelayMs: 2000 }).run();
  t.is(r.barsIn, 5);
  t.is(r.barsStored, 4);
  t.is(r.rejected.outside_session, 1);
});

test.serial('live: two sessions back to back on one date (a pre-market and a regular one): a quiet symbol\'s gap is one record a session, as the store\'s', async (t) => {
  const first = liveSession(1500, 3);
  const second = { ...first, open: first.close, close: first.close + 3000 };
  // A trades every slot of both; Z is declared and never trades.
  async function* feed(): AsyncGenerator<SymbolBar> {
    for (let k = 0; k < 6; k++) {
      await until(first.open + k * 1000 + 1100);
      yield barA(first.open + k * 1000);
    }
  }
  const calendar = { sessions: () => [first, second] } as unknown as Calendar;
  const r = await new SessionCoordinator({ calendar, data: new SessionData({ baseInterval: '1s', intervals: ['2s'] }), source: iterableSource(feed()), symbols: ['A', 'Z'], mode: 'live', from: first.date, to: first.date, closeDelayMs: 300 }).run();
  t.is(r.barsStored, 6);
  const z = r.gaps.filter((g) => g.symbol === 'Z').map((g) => [g.from - first.open, g.to - first.open]);
  t.deepEqual(z, [[0, 3000], [3000, 6000]]);
  t.is(r.qualityTotals.gaps, r.gapCount);
});

test.serial('live: a run stopped within a session counts in its gaps the bars stored in them since, as a session\'s end does', async (t) => {
  const s = liveSession(1500, 8);
  // L's slot 2 comes after its grace (at 3.5 s) while its 2s bucket is still open: stored, after
  // its gap was reported. The run stops at 4.6 s.
  const plan: Array<[number, number]> = [[0, 1100], [1, 2100], [2, 3500], [3, 4100]];
  async function* feed(): AsyncGenerator<SymbolBar> {
    for (const [k, at] of plan) {
      await until(s.open + at);
      yield { ...barA(s.open + k * 1000), symbol: 'L' };
    }
    await until(s.close);
  }
  const calendar = { sessions: () => [s] } as unknown as Calendar;
  const data = new SessionData({ baseInterval: '1s', intervals: ['2s'] });
  const run = new SessionCoordinator({ calendar, data, source: iterableSource(feed()), mode: 'live', from: s.date, to: s.date, closeDelayMs: 400 });
  setTimeout(() => run.stop(), s.open + 4600 - Date.now());
  const r = await run.run();
  t.deepEqual([...data.bars('L', '1s').time].map((x) => x - s.open), [0, 1000, 2000, 3000]);
  const gap = r.gaps.find((g) => g.symbol === 'L' && g.from === s.open + 2000);
  t.is(gap?.storedBars, 1, JSON.stringify(r.gaps));
});

test.serial('live: joining a session in progress, the catch-up is lag, not an async subscriber\'s overrun', async (t) => {
  // Opened about four seconds ago; the feed hands over the slots already over at once, then each
  // as it ends.
  const s = liveSession(-4000, 8);
  async function* feed(): AsyncGenerator<SymbolBar> {
    for (let k = 0; k < 8; k++) {
      await until(s.open + k * 1000 + 1100);
      yield { symbol: 'A', time: s.open + k * 1000, open: 1, high: 1, low: 1, close: 1, volume: 1 };
    }
  }
  const engine = new AnalysisEngine();
  let seen = 0;
  engine.subscribe({ interval: '1s', name: 'slow' }, async () => {
    seen++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
  const calendar = { sessions: () => [s] } as unknown as Calendar;
  const r = await new SessionCoordinator({ calendar, data: new SessionData({ baseInterval: '1s', intervals: ['2s'] }), engine, source: iterableSource(feed()), mode: 'live', from: s.date, to: s.date, closeDelayMs: 300 }).run();
  t.is(r.barsStored, 8);
  t.is(seen, 8);
  t.deepEqual(r.overruns, []);
  t.true(r.maxLagMs > 0, `lag ${r.maxLagMs}`);
});

test.serial('live: a bar that comes for a clock-found gap after the grace, still in time for its bucket, is stored and counted on the gap', async (t) => {
  // Slot 2's bar comes 600 ms after its slot ended, past the 300 ms grace: the boundary reports
  // the slot missing; the bar then goes in at the next boundary (its 5s bucket is still forming).
  const s = liveSession(1500, 6);
  const arrivals = [1100, 2100, 3600, 4100, 5100, 6100];
  async function* feed(): AsyncGenerator<SymbolBar> {
    for (let k = 0; k < 6; k++) {
      await until(s.open + arrivals[k]!);
      yield { symbol: 'A', time: s.open + k * 1000, open: 1, high: 1, low: 1, close: 1, volume: 1 };
    }
  }
  const data = new SessionData({ baseInterval: '1s', intervals: ['5s'] });
  const calendar = { sessions: () => [s] } as unknown as Calendar;
  const r = await new SessionCoordinator({ calendar, data, source: iterableSource(feed()), mode: 'live', from: s.date, to: s.date, closeDelayMs: 300 }).run();
  t.is(r.barsStored, 6);
  t.deepEqual([...data.bars('A', '5s').volume], [5, 1]);
  t.is(r.gaps.length, 1, JSON.stringify(r.gaps));
  const gap = r.gaps[0]!;
  t.like(gap, { symbol: 'A', from: s.open + 2000, to: s.open + 3000, detectedBy: 'clock', state: 'reported', storedBars: 1 });
  t.is(r.quality[s.date]?.A?.base.missing, 0);
});

test.serial('live: a bar timed outside the run days (seconds for milliseconds, a stale replay, days ahead) is rejected and counted, not skipped', async (t) => {
  const second = 1000;
  const session = liveSession(2 * second, 4);
  const open = session.open;
  const feed = async function* (): AsyncGenerator<SymbolBar> {
    for (let k = 0; k < 4; k++) {
      await until(open + (k + 1) * second + 50);
      yield barA(open + k * second);
      if (k === 1) {
        yield barA((open + k * second) / 1000);
        yield barA(open + k * second - 86_400_000);
        yield barA(open + k * second + 2 * 86_400_000);
      }
    }
  };
  const report = await new SessionCoordinator({ calendar: { sessions: () => [session] }, data: new SessionData({ baseInterval: '1s', intervals: ['2s'] }), source: iterableSource(feed()), mode: 'live', from: session.date, to: session.date, closeDelayMs: 300 }).run();
  t.is(report.barsIn, 7);
  t.is(report.barsStored, 4);
  t.is(report.rejected.outside_session, 3);
});

for (const held of [false, true]) {
  test.serial(`live: a feed that fails between sessions fails the run then, not at the next open${held ? ', with a bar of the next session in hand' : ''}`, async (t) => {
    const second = 1000;
    const sessions = [liveSession(2 * second, 2), liveSession(16 * second, 2)];
    const open = sessions[0]!.open;
    const feed = async function* (): AsyncGenerator<SymbolBar> {
      for (let k = 0; k < 2; k++) {
        await until(open + (k + 1) * second + 50);
        yield barA(open + k * second);
      }
      // The next session's first bar, early: held for that session's open.
      if (held) yield barA(sessions[1]!.open);
      await until(open + 3 * second);
      throw new Error('feed died');
    };
    const calendar = { sessions: (from: string, to: string) => sessions.filter((s) => s.date >= from && s.date <= to) };
    const run = new SessionCoordinator({ calendar, data: new SessionData({ baseInterval: '1s' }), source: iterableSource(feed()), mode: 'live', from: sessions[0]!.date, to: sessions[1]!.date, closeDelayMs: 200 }).run();
    await t.throwsAsync(run, { message: 'feed died' });
    // Failed at open + 3 s; the next session opens at open + 14 s.
    t.true(Date.now() < open + 8 * second, `failed ${Date.now() - open} ms after the first open`);
  });
}

test.serial('live: a feed that fails during a session with a bar held for later fails the run at the next boundary, not at the close', async (t) => {
  const second = 1000;
  const session = liveSession(2 * second, 12);
  const open = session.open;
  const feed = async function* (): AsyncGenerator<SymbolBar> {
    await until(open + second + 50);
    yield barA(open);
    // A bar timed at the session's last slot, eleven seconds early: held until then.
    yield barA(open + 11 * second);
    await until(open + 3 * second);
    throw new Error('feed died');
  };
  const run = new SessionCoordinator({ calendar: { sessions: () => [session] }, data: new SessionData({ baseInterval: '1s' }), source: iterableSource(feed()), mode: 'live', from: session.date, to: session.date, closeDelayMs: 200 }).run();
  await t.throwsAsync(run, { message: 'feed died' });
  // Failed at open + 3 s: the boundary after is at open + 4 s (and its close delay); the close at open + 12 s.
  t.true(Date.now() < open + 7 * second, `failed ${Date.now() - open} ms after the open`);
});

test.serial("live: a bar timed well after the wall clock is left out and counted, and holds none of its symbol's later bars back", async (t) => {
  const second = 1000;
  const session = liveSession(2 * second, 4);
  const open = session.open;
  // 16 minutes ahead of the clock when it comes: a zone slip upstream.
  const ahead = open + 16 * 60 * second;
  const feed = async function* (): AsyncGenerator<SymbolBar> {
    await until(open + second + 50);
    yield barA(open);
    yield barA(ahead);
    for (let k = 1; k < 3; k++) {
      await until(open + (k + 1) * second + 50);
      yield barA(open + k * second);
    }
  };
  const data = new SessionData({ baseInterval: '1s', intervals: ['2s'] });
  const report = await new SessionCoordinator({ calendar: { sessions: () => [session] }, data, source: iterableSource(feed()), mode: 'live', from: session.date, to: session.date, closeDelayMs: 300 }).run();
  t.deepEqual([...data.bars('A', '1s').time].map((x) => (x - open) / second), [0, 1, 2]);
  t.is(report.rejected.late + report.rejected.out_of_order, 0);
  if (ahead < session.dayStart + 86_400_000) {
    t.is(report.skipped.future, 1);
    t.is(report.barsIn, 3);
  } else {
    // Run just before midnight UTC: the bar is on no day of the run, and goes to the store.
    t.is(report.rejected.outside_session, 1);
  }
});

test.serial('live: a declared symbol whose feed is down at the open has its slots filled from the first boundary, before their buckets close', async (t) => {
  const second = 1000;
  const session = liveSession(2 * second, 6);
  const open = session.open;
  // The feed's first bar is for slot 3; slots 0-2 come only from fill.
  const feed = async function* (): AsyncGenerator<SymbolBar> {
    for (let k = 3; k < 6; k++) {
      await until(open + (k + 1) * second + 50);
      yield barA(open + k * second);
    }
  };
  const filled: [number, number][] = [];
  const fill = async (_symbol: string, from: number, to: number): Promise<SymbolBar[]> => {
    filled.push([(from - open) / second, (to - open) / second]);
    const out: SymbolBar[] = [];
    for (let x = from; x < to; x += second) out.push(barA(x));
    return out;
  };
  const data = new SessionData({ baseInterval: '1s', intervals: ['2s'] });
  const report = await new SessionCoordinator({ calendar: { sessions: () => [session] }, data, source: iterableSource(feed()), mode: 'live', symbols: ['A'], fill, from: session.date, to: session.date, closeDelayMs: 300 }).run();
  t.deepEqual(filled, [[0, 1], [1, 2], [2, 3]]);
  t.is(report.barsStored, 6);
  t.is(report.rejected.late, 0);
  t.deepEqual([...data.bars('A', '2s').time].map((x) => (x - open) / second), [0, 2, 4]);
});

test.serial("live: a bar timed days ahead, its symbol's last, is rejected at once and does not hide the feed's failure", async (t) => {
  const second = 1000;
  const session = liveSession(2 * second, 5);
  const open = session.open;
  let rejectedAhead = -1;
  const data = new SessionData({ baseInterval: '1s' });
  const feed = async function* (): AsyncGenerator<SymbolBar> {
    for (let k = 0; k < 2; k++) {
      await until(open + (k + 1) * second + 50);
      yield barA(open + k * second);
    }
    yield barA(open + 2 * 86_400_000);
    await until(open + 3 * second + 500);
    rejectedAhead = data.rejections('A').outside_session;
    throw new Error('feed died');
  };
  const run = new SessionCoordinator({ calendar: { sessions: () => [session] }, data, source: iterableSource(feed()), mode: 'live', from: session.date, to: session.date, closeDelayMs: 200 }).run();
  await t.throwsAsync(run, { message: 'feed died' });
  t.is(rejectedAhead, 1, 'rejected at the next boundary, not held to the end of the run');
  t.true(Date.now() < session.close, `failed ${Date.now() - open} ms after the open`);
});

test('a second run on a store that holds bars delivers only its own: bars of an earlier run or appended by hand are not sent again', async (t) => {
  const calendar = Calendar.xnys();
  const days = ['2024-03-04', '2024-03-05'];
  const sessions = days.map((d) => calendar.session(d));
  if (sessions.some((s) => s === null)) return t.fail('no session');
  const [s4, s5] = sessions as NonNullable<(typeof sessions)[number]>[];
  // Ten minutes a day a symbol: two 5m bars and one 1h bar (closed at the session end).
  const source = columnsSource({ A: minutes(s4!.open, s4!.open + 10 * MINUTE), B: minutes(s4!.open, s4!.open + 10 * MINUTE) });
  const source5 = columnsSource({ A: minutes(s5!.open, s5!.open + 10 * MINUTE), B: minutes(s5!.open, s5!.open + 10 * MINUTE) });
  const data = new SessionData({ intervals: ['5m', '1h'] });
  const engine = new AnalysisEngine();
  const got: string[] = [];
  engine.subscribe({ interval: '5m' }, (e) => void got.push(`${e.symbol} ${new Date(e.time).toISOString().slice(5, 16)}`));
  const first = await new SessionCoordinator({ calendar, data, engine, source, from: days[0]!, to: days[0]! }).run();
  t.is(first.delivered, 4);
  got.length = 0;
  const second = await new SessionCoordinator({ calendar, data, engine, source: source5, from: days[1]!, to: days[1]! }).run();
  t.deepEqual(got, ['A 03-05T14:30', 'B 03-05T14:30', 'A 03-05T14:35', 'B 03-05T14:35']);
  t.is(second.delivered, 4);
  t.deepEqual(second.closedBars, { '1m': 20, '5m': 4, '1h': 2 });
  t.is(data.count('A', '5m'), 4, 'the store keeps both days');
});

test('one run at a time on a store: a second coordinator fails before touching it, and the first run is unaffected', async (t) => {
  const calendar = Calendar.xnys();
  const s = calendar.session('2024-03-04');
  if (s === null) return t.fail('no session');
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '5m' }, () => new Promise<void>((resolve) => setTimeout(resolve, 2)));
  const a = new SessionCoordinator({ calendar, data, engine, source: columnsSource({ A: minutes(s.open, s.open + 30 * MINUTE) }), from: '2024-03-04', to: '2024-03-04' });
  const b = new SessionCoordinator({ calendar, data, source: columnsSource({ B: minutes(s.open, s.open + 30 * MINUTE) }), from: '2024-03-04', to: '2024-03-04' });
  const first = a.run();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const e = await t.throwsAsync(b.run(), { instanceOf: SessionError });
  t.is((e as SessionError).code, 'session_open');
  const report = await first;
  t.deepEqual(data.symbols(), ['A'], 'B never reached the store');
  t.deepEqual([...new Set(report.gaps.map((g) => g.symbol))], ['A'], 'A stops after 30 minutes; B has no gap in this run');
  t.deepEqual(Object.keys(report.quality['2024-03-04'] ?? {}), ['A']);
  // Once the first run is over, the second may run (on the same day again, so after a clear()).
  data.clear();
  const second = await b.run();
  t.is(second.barsStored, 30);
});

test('a run on a store with a session open fails at once, telling how to go on', async (t) => {
  const calendar = Calendar.xnys();
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(calendar.session('2024-03-01')!);
  const run = new SessionCoordinator({ calendar, data, source: columnsSource({ A: minutes(0, 0) }), from: '2024-03-04', to: '2024-03-04' }).run();
  await t.throwsAsync(run, { instanceOf: SessionError, message: /a session \(2024-03-01\) is open on this store: end it \(endSession\) or clear\(\) the store before a run/ });
  t.deepEqual(data.symbols(), []);
});

test('gaps the store found before a run are not the run\'s: they stay for their taker, at both speeds', async (t) => {
  const calendar = Calendar.xnys();
  const before = calendar.session('2023-12-29');
  const s = calendar.session('2024-01-02');
  if (before === null || s === null) return t.fail('no session');
  for (const speed of [0, 1e6]) {
    const data = new SessionData({ intervals: ['5m'] });
    data.beginSession(before);
    // A skipped minute, then the session ends after 10 minutes: two gaps, not taken.
    for (const k of [0, 2, 3, 4, 5, 6, 7, 8, 9]) data.append('A', { time: before.open + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 });
    data.endSession();
    const report = await new SessionCoordinator({ calendar, data, source: columnsSource({ A: minutes(s.open, s.close) }), from: '2024-01-02', to: '2024-01-02', speed }).run();
    t.deepEqual(report.gaps, [], `speed ${speed}: A traded every minute of the run`);
    t.deepEqual(
      data.takeGaps().map((g) => [g.symbol, g.from - before.open, g.to - before.open]),
      [
        ['A', MINUTE, 2 * MINUTE],
        ['A', 10 * MINUTE, before.close - before.open],
      ],
      `speed ${speed}`,
    );
    // Taken once: they are not handed back again.
    t.deepEqual(data.takeGaps(), [], `speed ${speed}: taken twice`);
  }
});

test('a calendar that throws fails the run, and the coordinator can run again', async (t) => {
  let broken = true;
  const calendar = {
    sessions: (from: string, to: string) => {
      if (broken) throw new RangeError('calendar not loaded yet');
      return Calendar.xnys().sessions(from, to);
    },
  };
  const s = Calendar.xnys().session('2024-03-04')!;
  const data = new SessionData({ intervals: ['5m'] });
  const coordinator = new SessionCoordinator({ calendar, data, source: columnsSource({ A: minutes(s.open, s.open + 10 * MINUTE) }), from: '2024-03-04', to: '2024-03-04' });
  await t.throwsAsync(coordinator.run(), { instanceOf: RangeError });
  broken = false;
  const report = await coordinator.run();
  t.is(report.barsStored, 10);
});

test('a columnar source whose columns have no length, or are plain arrays, fails the run with an InputError naming the symbol', async (t) => {
  const s = Calendar.xnys().session('2024-03-04')!;
  const good = minutes(s.open, s.open + 3 * MINUTE);
  const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);
  const cases: [string, unknown][] = [
    ['no length', { time: f64(good.time), open: f64(good.open), high: f64(good.high), low: f64(good.low), close: f64(good.close), volume: f64(good.volume) }],
    ['plain arrays', { length: 3, ...good }],
    ['a length past the columns', { length: 4, time: f64(good.time), open: f64(good.open), high: f64(good.high), low: f64(good.low), close: f64(good.close), volume: f64(good.volume) }],
  ];
  for (const [label, columns] of cases) {
    const data = new SessionData({ intervals: ['5m'] });
    const source = { kind: 'columns' as const, load: async () => new Map([['A', columns as never]]) };
    const e = await t.throwsAsync(new SessionCoordinator({ calendar: Calendar.xnys(), data, source, from: '2024-03-04', to: '2024-03-04' }).run(), { instanceOf: InputError }, label);
    t.regex(e?.message ?? '', /source symbol 'A'/, label);
    t.is(data.session, null, `${label}: no session was opened`);
  }
});

test.serial('concurrent runs share one beforeExit listener, and leave none behind', async (t) => {
  const s = Calendar.xnys().session('2024-03-04')!;
  const baseline = process.listenerCount('beforeExit');
  const runs = Array.from({ length: 12 }, () => {
    const engine = new AnalysisEngine();
    engine.subscribe({ interval: '5m' }, () => new Promise<void>((resolve) => setTimeout(resolve, 1)));
    return new SessionCoordinator({ calendar: Calendar.xnys(), data: new SessionData({ intervals: ['5m'] }), engine, source: columnsSource({ A: minutes(s.open, s.open + 20 * MINUTE) }), from: '2024-03-04', to: '2024-03-04' }).run();
  });
  t.is(process.listenerCount('beforeExit'), baseline + 1);
  await Promise.all(runs);
  t.is(process.listenerCount('beforeExit'), baseline);
});

test('a column source whose columns run past its length is read to its length, in every session', async (t) => {
  const calendar = Calendar.xnys();
  const days = ['2024-03-04', '2024-03-05'].map((d) => calendar.session(d)!);
  // Two sessions of bars in the buffers, the length covering 10 bars of the first session only.
  const all = minutes(days[0]!.open, days[0]!.close);
  const next = minutes(days[1]!.open, days[1]!.close);
  const col = (k: keyof typeof all): Float64Array => Float64Array.from([...(all[k] as ArrayLike<number>) as number[], ...(next[k] as ArrayLike<number>) as number[]]);
  const columns = { length: 10, time: col('time'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') };
  const source = { kind: 'columns' as const, load: async () => new Map([['A', columns]]) };
  const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source, from: '2024-03-04', to: '2024-03-05' }).run();
  t.is(report.barsIn, 10);
  t.is(report.barsStored, 10);
});

test('a column source whose columns differ in length, or whose length is past their rows, fails the run with an InputError before any session', async (t) => {
  const calendar = Calendar.xnys();
  const day = calendar.session('2024-03-04')!;
  const given = minutes(day.open, day.open + 3 * MINUTE);
  const f64 = (k: keyof typeof given): Float64Array => Float64Array.from(given[k] as ArrayLike<number>);
  const three = { time: f64('time'), open: f64('open'), high: f64('high'), low: f64('low'), close: f64('close'), volume: f64('volume') };
  const two = (k: keyof typeof three): Float64Array => three[k].subarray(0, 2);
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['volume a row short', { ...three, volume: two('volume'), length: 2 }, /column volume has 2 rows where time has 3/],
    ['time a row short', { ...three, time: two('time'), length: 2 }, /column open has 3 rows where time has 2/],
    ['length past the rows', { ...three, length: 4 }, /length 4 is not a whole number of rows that the columns hold \(3\)/],
  ];
  for (const [label, columns, message] of cases) {
    const data = new SessionData({ intervals: ['5m'] });
    let sessions = 0;
    const source = { kind: 'columns' as const, load: async () => new Map([['A', columns as never]]) };
    const coordinator = new SessionCoordinator({ calendar, data, source, from: '2024-03-04', to: '2024-03-04' });
    coordinator.on('sessionStart', () => sessions++);
    await t.throwsAsync(coordinator.run(), { instanceOf: InputError, message }, label);
    t.is(sessions, 0, label);
    t.deepEqual(data.symbols(), [], label);
  }
});

test('a data-driven stream with bad bars mixed in, some timed ahead of their symbol\'s next bar, stores the good bars as it does without them', async (t) => {
  const dates = ['2013-10-07', '2013-10-08'];
  const calendar = Calendar.custom({ timeZone: 'America/New_York', sessions: dates.map((date) => ({ date, open: '09:30', close: '11:00' })) });
  const sessions = calendar.sessions(dates[0]!, dates[1]!);
  const intervals = ['5m', '15m', '1h', '1d'];
  const run = async (bars: SymbolBar[]): Promise<{ report: RunReport; stored: string }> => {
    const data = new SessionData({ intervals, emptyBuckets: 'flat' });
    const report = await new SessionCoordinator({ calendar, data, source: iterableSource(bars.map((b) => ({ ...b }))), from: dates[0]!, to: dates[1]! }).run();
    const stored = JSON.stringify(['X', 'Y'].map((s) => ['1m', ...intervals].map((iv) => { const v = data.bars(s, iv); return [...v.time].map((x, i) => [x, v.open[i], v.high[i], v.low[i], v.close[i], v.volume[i]]); })));
    return { report, stored };
  };
  const open = sessions[0]!.open;
  const bar = (symbol: string, minute: number, extra: Partial<SymbolBar> = {}): SymbolBar => ({ symbol, time: open + minute * MINUTE, open: 20, high: 20.5, low: 19.5, close: 20.2, volume: 10, ...extra });
  // By hand: Y's 10:39 bar of negative volume is read before Y's 10:34, with X's 10:34 filling the
  // 10:30 bucket's last slot; Y's 10:34 is a good first bar, and no later bar of Y is stored before it.
  const minimal = await run([bar('X', 64), bar('Y', 69, { volume: -1 }), bar('Y', 64)]);
  t.is(minimal.report.barsStored, 2);
  t.deepEqual({ ...minimal.report.rejected }, { ...minimal.report.rejected, negative_volume: 1, late: 0 });
  for (let seed = 1; seed <= 12; seed++) {
    const rng = new Rng(seed);
    const good: SymbolBar[] = [];
    const mixed: SymbolBar[] = [];
    for (const s of sessions) {
      for (let m = 0; m < 90; m++) {
        for (const symbol of ['X', 'Y']) {
          if (rng.chance(0.25)) continue;
          const c = 20 + rng.next() * 2;
          const b: SymbolBar = { symbol, time: s.open + m * MINUTE, open: c, high: c + 0.3, low: c - 0.3, close: c + 0.1, volume: rng.int(1, 100) };
          const x = rng.next();
          if (x < 0.04) mixed.push({ ...b, high: b.low - 1 });
          else if (x < 0.06) mixed.push({ ...b, time: b.time + 5 * MINUTE, volume: -1 });
          else if (x < 0.08) mixed.push({ ...b, time: b.time + 7 * MINUTE, close: NaN });
          else if (x < 0.09) mixed.push({ ...b, time: b.time + 30_000 });
          else if (x < 0.1) mixed.push({ ...b, time: b.time + 3 * MINUTE, low: b.high + 1 });
          good.push(b);
          mixed.push(b);
          if (rng.chance(0.03)) mixed.push({ ...b, close: b.close + 1 });
          if (rng.chance(0.02) && m > 3) mixed.push({ ...b, time: b.time - 2 * MINUTE });
        }
      }
    }
    const [plain, withBad] = [await run(good), await run(mixed)];
    t.is(plain.report.barsStored, good.length, `seed ${seed}`);
    t.is(withBad.report.barsIn, mixed.length, `seed ${seed}`);
    t.is(withBad.report.barsStored, good.length, `seed ${seed}: ${JSON.stringify(withBad.report.rejected)}`);
    t.is(withBad.stored, plain.stored, `seed ${seed}`);
  }
});

test('a data-driven stream: a bar behind the bar of its symbol that ends the session holds no bucket open (the store rejects it); one behind after-market prints or a stray is kept', async (t) => {
  const dates = ['2024-01-02', '2024-01-03'];
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: dates.map((date) => ({ date, open: '10:00', close: '11:00' })) });
  const [s1, s2] = calendar.sessions(dates[0]!, dates[1]!) as [Session, Session];
  const bar = (symbol: string, time: number): SymbolBar => ({ symbol, time, open: 10, high: 11, low: 9, close: 10, volume: 1 });
  const run = async (between: SymbolBar[]): Promise<{ order: string[]; report: RunReport }> => {
    const stream: SymbolBar[] = [];
    // X trades to 10:40, Y to 10:49; then the bars between; then X's 10:41, behind them.
    for (let m = 0; m < 50; m++) {
      if (m <= 40) stream.push(bar('X', s1.open + m * MINUTE));
      stream.push(bar('Y', s1.open + m * MINUTE));
    }
    stream.push(...between, bar('X', s1.open + 41 * MINUTE));
    const sent = new Set(between.map((b) => `${b.symbol}${b.time}`));
    for (let m = 0; m < 60; m++) for (const symbol of ['X', 'Y']) if (!sent.has(`${symbol}${s2.open + m * MINUTE}`)) stream.push(bar(symbol, s2.open + m * MINUTE));
    const engine = new AnalysisEngine();
    const order: string[] = [];
    engine.subscribe({ interval: '5m' }, (e) => {
      if (e.time >= s1.open + 40 * MINUTE && e.time < s2.open) order.push(`${e.symbol}${(e.time - s1.open) / MINUTE}`);
    });
    const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: iterableSource(stream), from: dates[0]!, to: dates[1]! }).run();
    return { order, report };
  };
  // The next session's first three bars: they end the session, and X's 10:41 behind them is
  // rejected. X's 10:40 bucket closes with Y's, before Y's 10:45.
  const ends = await run([bar('X', s2.open), bar('Y', s2.open), bar('X', s2.open + MINUTE)]);
  t.is(ends.report.rejected.outside_session, 1);
  t.is(ends.report.rejected.late, 0);
  t.deepEqual(ends.order, ['Y40', 'X40', 'Y45']);
  t.is(ends.report.barsStored, 41 + 50 + 120);
  // After-market prints (11:00 to the next 10:00 open, of no session) weigh on neither side: each
  // is rejected alone, and X's 10:41 behind them is stored (behind Y's 10:42 to 10:49 and 7 prints, it is 15 places behind).
  for (const n of [1, 3, 7]) {
    const prints = Array.from({ length: n }, (_, i) => bar(i % 2 === 0 ? 'X' : 'Y', s1.close + Math.floor(i / 2) * MINUTE));
    const after = await run(prints);
    t.is(after.report.rejected.outside_session, n, `${n} prints`);
    t.is(after.report.rejected.late, 0, `${n} prints`);
    t.is(after.report.barsStored, 41 + 1 + 50 + 120, `${n} prints`);
  }
});

test('a data-driven stream over extended-hours bars under regular hours: a bar with a wrong date among the after-market prints costs its own bar, however many pre-market bars follow it', async (t) => {
  // Eight symbols trading every minute 04:00-20:00 on three days, sessions 09:30-16:00: 4,560
  // after- and pre-market bars between two sessions, more than the stray test reads (4,096). One
  // after-market print of day 1 carries day 2's date (day 2, 16:30).
  const dates = ['2024-01-02', '2024-01-03', '2024-01-04'];
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: dates.map((date) => ({ date, open: '09:30', close: '16:00' })) });
  const day0 = Date.UTC(2024, 0, 2);
  const DAY = 1440 * MINUTE;
  const stream: SymbolBar[] = [];
  for (let d = 0; d < 3; d++) {
    for (let m = 240; m < 1200; m++) {
      for (let i = 0; i < 8; i++) stream.push({ symbol: `S${i}`, time: day0 + d * DAY + m * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 1 });
      if (d === 0 && m === 990) stream.push({ symbol: 'S0', time: day0 + DAY + 990 * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 1 });
    }
  }
  const data = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ calendar, data, source: iterableSource(stream), from: dates[0]!, to: dates[2]! }).run();
  // By hand: 390 regular minutes a day, 8 symbols, 3 days; every other bar is outside the session.
  t.is(report.barsStored, 3 * 390 * 8);
  t.is(report.rejected.outside_session, stream.length - 3 * 390 * 8);
  const perDay = dates.map((_, d) => [...data.bars('S1', '1m').time].filter((x) => x >= day0 + d * DAY && x < day0 + (d + 1) * DAY).length);
  t.deepEqual(perDay, [390, 390, 390]);
});

test('clear() during a run drops the gaps found before it, with the symbols they named', async (t) => {
  const calendar = Calendar.xnys();
  const before = calendar.session('2023-12-29')!;
  const s = calendar.session('2024-01-02')!;
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(before);
  data.append('OLD', { time: before.open + MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  data.endSession();
  const coordinator = new SessionCoordinator({ calendar, data, source: columnsSource({ A: minutes(s.open, s.close) }), from: '2024-01-02', to: '2024-01-02' });
  coordinator.on('sessionEnd', () => data.clear());
  await coordinator.run();
  t.deepEqual(data.symbols(), []);
  t.deepEqual(data.takeGaps(), []);
});

test('an error listener that throws for an async handler\'s failure fails the run with its error, as for a synchronous one', async (t) => {
  const s = Calendar.xnys().session('2024-03-04')!;
  for (const handler of [() => Promise.reject(new RangeError('handler')), () => { throw new RangeError('handler'); }]) {
    const engine = new AnalysisEngine();
    engine.subscribe({ interval: '5m' }, handler as () => void);
    const coordinator = new SessionCoordinator({ calendar: Calendar.xnys(), data: new SessionData({ intervals: ['5m'] }), engine, source: columnsSource({ A: minutes(s.open, s.open + 10 * MINUTE) }), from: '2024-03-04', to: '2024-03-04' });
    coordinator.on('error', () => {
      throw new TypeError('listener');
    });
    await t.throwsAsync(coordinator.run(), { instanceOf: TypeError, message: 'listener' });
  }
});

test('a handler of a failed run that fails later is not reported by the next run', async (t) => {
  const s = Calendar.xnys().session('2024-03-04')!;
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  let run = 1;
  engine.subscribe({ interval: '5m', name: 'fast' }, async () => {
    if (run === 1) throw new Error('fast');
  });
  engine.subscribe({ interval: '5m', name: 'slow' }, () => {
    const mine = run;
    return new Promise<void>((resolve, reject) => setTimeout(() => (mine === 1 ? reject(new Error('slow, of the first run')) : resolve()), 30));
  });
  const coordinator = new SessionCoordinator({ calendar: Calendar.xnys(), data, engine, source: columnsSource({ A: minutes(s.open, s.open + 10 * MINUTE) }), from: '2024-03-04', to: '2024-03-04' });
  let first = true;
  const seen: string[] = [];
  coordinator.on('error', (f) => {
    seen.push(`${run}:${f.subscriber}`);
    if (first) {
      first = false;
      throw new TypeError('listener');
    }
  });
  await t.throwsAsync(coordinator.run(), { instanceOf: TypeError, message: 'listener' });
  data.clear();
  run = 2;
  const report = await coordinator.run();
  t.is(report.subscriberErrorCount, 0);
  t.deepEqual(seen, ['1:fast']);
});

test.serial('live: bars of symbols not in the symbols option are left out and counted, so the report accounts for every bar the feed sent', async (t) => {
  const s = liveSession(1500, 2);
  const sent: SymbolBar[] = [];
  async function* feed(): AsyncGenerator<SymbolBar> {
    for (let k = 0; k < 2; k++) {
      await until(s.open + k * 1000 + 1100);
      for (const symbol of ['A', 'B', 'C']) {
        const bar = { ...barA(s.open + k * 1000), symbol };
        sent.push(bar);
        yield bar;
      }
    }
  }
  const data = new SessionData({ baseInterval: '1s', intervals: ['2s'] });
  const r = await new SessionCoordinator({ calendar: { sessions: () => [s] }, data, source: iterableSource(feed()), mode: 'live', symbols: ['A', 'C'], from: s.date, to: s.date, closeDelayMs: 300 }).run();
  // 6 bars sent: A and C twice each (stored), B twice (not asked for).
  t.is(sent.length, 6);
  t.is(r.barsIn, 4);
  t.is(r.barsStored, 4);
  t.deepEqual(r.skipped, { symbol: 2, days: 0, future: 0, unread: 0 });
  t.is(r.barsIn + r.skipped.symbol + r.skipped.days, sent.length);
});

test('a backtest stream: bars on days outside the run are left out and counted', async (t) => {
  const calendar = Calendar.xnys();
  const monday = calendar.session('2024-03-04')?.open as number;
  const tuesday = calendar.session('2024-03-05')?.open as number;
  const bars = [barA(monday), barA(monday + MINUTE), barA(tuesday), barA(tuesday + MINUTE), barA(tuesday + 2 * MINUTE)];
  const data = new SessionData();
  const r = await new SessionCoordinator({ calendar, data, source: iterableSource(bars), from: '2024-03-05', to: '2024-03-05' }).run();
  t.is(r.barsIn, 3);
  t.is(r.barsStored, 3);
  t.deepEqual(r.skipped, { symbol: 0, days: 2, future: 0, unread: 0 });
});

test('a backtest stream that goes on past the run\'s days (a feed that never ends) ends for the run at 4,096 bars in a row past them: the run ends and closes it, at either speed; fewer among the run\'s bars are skipped and read past', async (t) => {
  const calendar = Calendar.xnys();
  const monday = calendar.session('2024-03-04') as { open: number; close: number };
  // 2024-03-04 ends at 05:00Z on the 5th (midnight in New York, EST).
  const dayEnd = Date.UTC(2024, 2, 5, 5, 0);
  for (const speed of [0, 1e6]) {
    let read = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<SymbolBar> {
      try {
        // A minute of twenty symbols with the next day's date among the run's bars (read on past),
        // then a bar a minute forever.
        for (let k = 0; ; k++) {
          read++;
          if (k === 10) {
            for (let s = 0; s < 20; s++) yield { ...barA(dayEnd + k * MINUTE), symbol: `S${s}` };
            read += 19;
          } else yield barA(monday.open + k * MINUTE);
          if (k % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        closed = true;
      }
    }
    const data = new SessionData({ intervals: ['5m'] });
    const r = await new SessionCoordinator({ calendar, data, source: iterableSource(endless()), from: '2024-03-04', to: '2024-03-04', speed, overrun: 'queue' }).run();
    // Bars of the day: 390 in the session but the minute of strays, the rest to the day's end after
    // the close (rejected); the strays and the 4,096 bars past the day's end that ended the stream
    // for the run, skipped.
    const inDay = (dayEnd - monday.open) / MINUTE - 1;
    t.is(r.barsStored, 390 - 1, `speed ${speed}`);
    t.is(r.barsIn, inDay, `speed ${speed}`);
    t.is(r.rejected.outside_session, inDay - 389, `speed ${speed}`);
    t.deepEqual(r.skipped, { symbol: 0, days: 20 + 4096, future: 0, unread: 0 }, `speed ${speed}`);
    t.is(read, inDay + 20 + 4096, `speed ${speed}: nothing read past the 4,096th bar past the run`);
    t.true(closed, `speed ${speed}: the source is closed`);
  }
});

test('a stream that delivers something that is not a bar (null) fails the run with an InputError after the bars before it, with or without a symbols option', async (t) => {
  const calendar = Calendar.xnys();
  const open = calendar.session('2024-03-04')?.open as number;
  for (const symbols of [undefined, ['A']]) {
    const data = new SessionData();
    const stream = [barA(open), barA(open + MINUTE), null as unknown as SymbolBar];
    const e = await t.throwsAsync(
      new SessionCoordinator({ calendar, data, source: iterableSource(stream), from: '2024-03-04', to: '2024-03-04', ...(symbols === undefined ? {} : { symbols }) }).run(),
      { instanceOf: InputError },
      String(symbols),
    );
    t.regex(e?.message ?? '', /delivered null, not a bar/);
    t.is(data.bars('A', '1m').length, 2, 'the two bars before it are in');
  }
  // A bar whose symbol is not a name is refused with a symbols option too, not left out as another symbol's.
  const data = new SessionData();
  const noSymbol = { time: open, open: 1, high: 1, low: 1, close: 1, volume: 1 } as unknown as SymbolBar;
  await t.throwsAsync(new SessionCoordinator({ calendar, data, source: iterableSource([noSymbol]), symbols: ['A'], from: '2024-03-04', to: '2024-03-04' }).run(), { instanceOf: InputError });
  // An array of the fields is said to be one, not a bar without a symbol.
  const fields = [open, 1, 1, 1, 1, 1] as unknown as SymbolBar;
  await t.throwsAsync(new SessionCoordinator({ calendar, data: new SessionData(), source: iterableSource([fields]), from: '2024-03-04', to: '2024-03-04' }).run(), {
    instanceOf: InputError,
    message: 'a stream source delivered an array, not a bar { symbol, time, open, high, low, close, volume }',
  });
});

test("a stream bar with a field that throws when read fails the run with an InputError naming the field, after the bars before it, in every drive", async (t) => {
  const calendar = Calendar.xnys();
  const open = calendar.session('2024-03-04')?.open as number;
  const boom = new Error('getter boom');
  for (const [field, speed] of [['close', 0], ['time', 0], ['volume', 1e7]] as const) {
    const bad = Object.defineProperty({ ...barA(open + MINUTE) }, field, {
      enumerable: true,
      get() {
        throw boom;
      },
    });
    const b = { ...barA(open + MINUTE), symbol: 'B' };
    const data = new SessionData();
    const e = await t.throwsAsync(
      new SessionCoordinator({ calendar, data, source: iterableSource([barA(open), b, bad, barA(open + 2 * MINUTE)]), from: '2024-03-04', to: '2024-03-04', speed, overrun: 'queue' }).run(),
      { instanceOf: InputError },
    );
    t.regex(e?.message ?? '', new RegExp(`\\(symbol 'A', time ${field === 'time' ? 'unreadable' : '2024-03-04T14:31:00.000Z'}\\) whose '${field}' throws when read: getter boom`));
    t.is(e?.cause, boom);
    // The bars before it are in; nothing was counted for it.
    t.is(data.bars('A', '1m').length, 1, field);
    t.is(data.bars('B', '1m').length, 1, field);
    t.is(Object.values(data.rejections()).reduce((n, c) => n + c, 0), 0);
  }
});

test('a symbol\'s rows of one time (a bad print, then its correction) go in one slice, over columns as over a stream: the slice\'s handlers see the correction', async (t) => {
  const open = Date.UTC(2024, 0, 2, 10, 0);
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '10:10' }] });
  const at = (m: number, price = 10): Omit<SymbolBar, 'symbol'> => ({ time: open + m * MINUTE, open: price, high: price + 1, low: price - 1, close: price, volume: 100 });
  const a = [0, 1, 2, 3, 4, 5].map((m) => at(m));
  // B's 10:04 print has a high below its open (rejected); its correction follows at the same time.
  const b = [at(0), at(1), at(2), at(3), { ...at(4), high: 5 }, at(4, 10.5), at(5)];
  // A sends its 10:04 bar twice (a duplicate, rejected): both symbols' rows then have the same times.
  const aTwice = [at(0), at(1), at(2), at(3), at(4), at(4), at(5)];
  const columns = toColumns;
  const stream: SymbolBar[] = [];
  for (let m = 0; m < 6; m++) {
    for (const x of a) if (x.time === open + m * MINUTE) stream.push({ symbol: 'A', ...x });
    for (const x of b) if (x.time === open + m * MINUTE) stream.push({ symbol: 'B', ...x });
  }
  const streamTwice: SymbolBar[] = [];
  for (let m = 0; m < 6; m++) {
    for (const x of aTwice) if (x.time === open + m * MINUTE) streamTwice.push({ symbol: 'A', ...x });
    for (const x of b) if (x.time === open + m * MINUTE) streamTwice.push({ symbol: 'B', ...x });
  }
  for (const [label, source, rejected] of [
    ['columns', () => columnsSource({ A: columns(a), B: columns(b) }), 0],
    ['stream', () => iterableSource(stream.map((x) => ({ ...x }))), 0],
    ['columns, rows of the same times', () => columnsSource({ A: columns(aTwice), B: columns(b) }), 1],
    ['stream, A twice', () => iterableSource(streamTwice.map((x) => ({ ...x }))), 1],
  ] as const) {
    for (const speed of [0, 1e5]) {
      const data = new SessionData({ intervals: ['5m'] });
      const engine = new AnalysisEngine();
      const seen: string[] = [];
      engine.subscribe({ interval: '5m', symbols: ['A'] }, (e) => {
        const b5 = e.data.bars('B', '5m');
        seen.push(`${e.data.bars('B', '1m').length} ${b5.length} ${b5.close[0]}`);
      });
      const r = await new SessionCoordinator({ calendar, data, engine, source: source(), from: '2024-01-02', to: '2024-01-02', speed, overrun: 'queue' }).run();
      // At A's 10:00 5m bar: B's five 1m bars, the correction last, and its 5m bar closing at 10.5.
      t.is(seen[0], '5 1 10.5', `${label}, speed ${speed}`);
      t.is(r.rejected.high_below_open_close, 1, `${label}, speed ${speed}`);
      t.is(r.rejected.duplicate, rejected, `${label}, speed ${speed}`);
    }
  }
});

test('a data-driven stream recorded as it arrived, one symbol\'s bars up to 12 places behind another\'s: no bar is late, and the derived bars are a columns run\'s', async (t) => {
  const open = Date.UTC(2024, 0, 2, 10, 0);
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '11:00' }] });
  // A's volumes past 1e15 (which the store takes, though they are not plainly a bar's) too.
  let big = 0;
  const at = (symbol: string, m: number): SymbolBar => ({ symbol, time: open + m * MINUTE, open: 10 + m, high: 11 + m, low: 9 + m, close: 10.5 + m, volume: symbol === 'A' ? 100 + m + big : 50 });
  const columns = (symbol: string): BarColumns => toColumns(Array.from({ length: 60 }, (_, m) => at(symbol, m)));
  const run = async (source: Source): Promise<[RunReport, SessionData]> => {
    const data = new SessionData({ intervals: ['5m', '15m'] });
    return [await new SessionCoordinator({ calendar, data, source, from: '2024-01-02', to: '2024-01-02' }).run(), data];
  };
  // A behind B by `lag` minutes from the open (not met until B's bar `lag`); and A one minute
  // behind B from 10:04 only (known by then), across the 10:05 boundary.
  const lagged = (lag: number): SymbolBar[] => {
    const out: SymbolBar[] = [];
    for (let m = 0; m < 60 + lag; m++) {
      if (m < 60) out.push(at('B', m));
      if (m >= lag) out.push(at('A', m - lag));
    }
    return out;
  };
  const late = (): SymbolBar[] => {
    const out: SymbolBar[] = [];
    for (let m = 0; m < 4; m++) out.push(at('A', m), at('B', m));
    out.push(at('B', 4), at('B', 5), at('A', 4), at('A', 5));
    for (let m = 6; m < 60; m++) out.push(at('A', m), at('B', m));
    return out;
  };
  const cases: [string, () => SymbolBar[], number][] = [['late', late, 0], ['lag 1', () => lagged(1), 0], ['lag 6', () => lagged(6), 0], ['lag 12', () => lagged(12), 0], ['late, volumes past 1e15', late, 2e15]];
  for (const [label, make, volume] of cases) {
    big = volume;
    const [, expected] = await run(columnsSource({ A: columns('A'), B: columns('B') }));
    const [report, data] = await run(iterableSource(make()));
    t.is(report.rejected.late, 0, label);
    t.is(report.barsStored, 120, label);
    for (const symbol of ['A', 'B']) {
      for (const interval of ['5m', '15m']) {
        const ours = data.bars(symbol, interval);
        const theirs = expected.bars(symbol, interval);
        t.deepEqual([...ours.volume], [...theirs.volume], `${label} ${symbol} ${interval}`);
        t.deepEqual([...ours.time], [...theirs.time], `${label} ${symbol} ${interval}`);
      }
    }
  }
});

test('a data-driven stream in time order: a bar the store rejects among the next 16 (a stray before the open, a bar sent again) holds no bucket open, and handlers see what they see over columns', async (t) => {
  const open = Date.UTC(2024, 0, 2, 10, 0);
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '11:00' }] });
  const at = (symbol: string, m: number): SymbolBar => ({ symbol, time: open + m * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 1 });
  // A trades every minute of the first ten, B all but 10:04.
  const bars: SymbolBar[] = [];
  for (let m = 0; m < 10; m++) {
    bars.push(at('A', m));
    if (m !== 4) bars.push(at('B', m));
  }
  const observe = async (source: Source): Promise<string[]> => {
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    const seen: string[] = [];
    engine.subscribe({ interval: '5m', symbols: ['B'] }, (e) => void seen.push(`${e.time} A1m=${e.data.bars('A', '1m').length} B1m=${e.data.bars('B', '1m').length}`));
    await new SessionCoordinator({ calendar, data, engine, source, from: '2024-01-02', to: '2024-01-02' }).run();
    return seen;
  };
  const expected = await observe(iterableSource(bars.map((x) => ({ ...x }))));
  // At B's 10:00 5m bar: A's five bars and B's four, nothing of 10:05.
  t.is(expected[0], `${open} A1m=5 B1m=4`);
  // A stray of C timed before the open, and A's 10:02 sent again, after A's 10:05: among the bars
  // after the 10:04 slice, whose end closes B's 10:00 bucket.
  const after = bars.findIndex((x) => x.symbol === 'A' && x.time === open + 5 * MINUTE) + 1;
  for (const [label, extra] of [['a stray before the open', { ...at('C', 0), time: open - 60 * MINUTE }], ['a bar sent again', at('A', 2)]] as const) {
    const withExtra = [...bars.slice(0, after), extra, ...bars.slice(after)];
    t.deepEqual(await observe(iterableSource(withExtra.map((x) => ({ ...x })))), expected, label);
  }
});

test('a stop while a data-driven stream is read a turn ahead: the slice stored goes to its subscribers', async (t) => {
  const open = Date.UTC(2024, 0, 2, 10, 0);
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '11:00' }] });
  for (const stopAt of [5, 10, 20]) {
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    let events = 0;
    engine.subscribe({ interval: '1m' }, () => void events++);
    let n = 0;
    let coordinator: SessionCoordinator | undefined;
    // Each bar comes a turn of the event loop after it is asked for; the stop comes with a request.
    const source: Source = {
      kind: 'stream',
      [Symbol.asyncIterator]: () => ({
        next: (): Promise<IteratorResult<SymbolBar>> => {
          n++;
          if (n === stopAt) coordinator?.stop();
          if (n > 60) return Promise.resolve({ done: true, value: undefined });
          const m = n - 1;
          return new Promise((resolve) => setImmediate(() => resolve({ done: false, value: { symbol: 'A', time: open + m * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 1 } })));
        },
        return: () => Promise.resolve({ done: true as const, value: undefined }),
      }),
    };
    coordinator = new SessionCoordinator({ calendar, data, engine, source, from: '2024-01-02', to: '2024-01-02' });
    const report = await coordinator.run();
    t.true(report.stopped);
    t.true(report.barsStored > 0, `stop at ${stopAt}`);
    t.is(events, data.bars('A', '1m').length, `stop at ${stopAt}`);
  }
});

test('a backtest stream: a minute of a whole market (4,100 symbols) with a wrong date is skipped, not taken for the stream\'s end', async (t) => {
  const open = Date.UTC(2024, 0, 2, 10, 0);
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '10:05' }] });
  const symbols = Array.from({ length: 4100 }, (_, k) => `S${k}`);
  function* bars(): Generator<SymbolBar> {
    for (let m = 0; m < 5; m++) {
      // Minute 2 is dated a day later.
      const time = open + m * MINUTE + (m === 2 ? 86_400_000 : 0);
      for (const symbol of symbols) yield { symbol, time, open: 1, high: 1, low: 1, close: 1, volume: 1 };
    }
  }
  const r = await new SessionCoordinator({ calendar, data: new SessionData(), source: iterableSource(bars()), from: '2024-01-02', to: '2024-01-02' }).run();
  t.is(r.barsStored, 4 * 4100);
  t.is(r.skipped.days, 4100);
});

test('a data-driven stream: a bar out of order behind a later one of its own symbol, both among the bars read ahead, holds no bucket open; nor does a rejected bar after slots no symbol traded', async (t) => {
  const at = (symbol: string, hm: string): SymbolBar => ({ symbol, time: Date.parse(`2013-10-07T${hm}:00-04:00`), open: 10, high: 10, low: 10, close: 10, volume: 1 });
  const observe = async (bars: SymbolBar[], watch: string, time: string): Promise<string[]> => {
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    const seen: string[] = [];
    engine.subscribe({ interval: '5m', symbols: [watch] }, (e) => {
      if (e.time === at(watch, time).time) seen.push(['A', 'B', 'C'].map((s) => `${s}=${e.data.count(s, '1m')}`).join(' '));
    });
    await new SessionCoordinator({ calendar: Calendar.xnys(), data, engine, source: iterableSource(bars.map((b) => ({ ...b }))), from: '2013-10-07', to: '2013-10-07' }).run();
    return seen;
  };
  // B's 10:04 comes after its 10:06, which is not in yet when C's 10:00 bucket is due to close.
  const base = [at('A', '10:03'), at('B', '10:03'), at('C', '10:03'), at('A', '10:04'), at('B', '10:06')];
  const tail = [at('A', '10:05'), at('C', '10:05'), at('A', '10:06'), at('C', '10:06')];
  t.deepEqual(await observe([...base, at('B', '10:04'), ...tail], 'C', '10:00'), await observe([...base, ...tail], 'C', '10:00'));
  // Nothing from 10:04 to 10:06; a bar sent again right after the 10:07 bars.
  const quiet = [at('A', '10:02'), at('B', '10:02'), at('A', '10:03'), at('B', '10:03'), at('A', '10:07'), at('B', '10:07')];
  const clean = await observe(quiet, 'A', '10:00');
  t.deepEqual(clean, ['A=2 B=2 C=0']);
  t.deepEqual(await observe([...quiet, at('B', '10:03'), at('A', '10:08')], 'A', '10:00'), clean);
  // A bad print and its correction, both a place behind another symbol's next bar: the correction
  // holds its bucket open, and is stored.
  const data = new SessionData({ intervals: ['5m'] });
  const late = [at('A', '10:03'), at('B', '10:03'), at('A', '10:04'), at('A', '10:05'), { ...at('B', '10:04'), close: NaN }, at('B', '10:04'), at('B', '10:05')];
  const report = await new SessionCoordinator({ calendar: Calendar.xnys(), data, source: iterableSource(late), from: '2013-10-07', to: '2013-10-07' }).run();
  t.is(report.rejected.late, 0);
  t.is(report.rejected.non_finite, 1);
  t.is(data.count('B', '1m'), 3);
});

test('a stop while a data-driven stream reads the bars after a session\'s last slice: the slice stored goes to its subscribers', async (t) => {
  const first = Date.UTC(2024, 0, 2, 10, 0);
  const second = Date.UTC(2024, 0, 3, 10, 0);
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '11:00' }, { date: '2024-01-03', open: '10:00', close: '11:00' }] });
  const at = (symbol: string, day: number, m: number): SymbolBar => ({ symbol, time: day + m * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 1 });
  const bars: SymbolBar[] = [];
  for (let m = 0; m < 60; m++) bars.push(at('A', first, m), at('B', first, m));
  for (let m = 0; m < 60; m++) bars.push(at('A', second, m), at('B', second, m));
  const engine = new AnalysisEngine();
  let events = 0;
  engine.subscribe({ interval: '1m' }, () => void events++);
  let coordinator: SessionCoordinator | undefined;
  // The source slows after the first session's bars, and the stop comes while the run reads on.
  const source: Source = {
    kind: 'stream',
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < bars.length; i++) {
        if (i >= 120) {
          if (i === 121) setTimeout(() => coordinator?.stop(), 5);
          await new Promise((resolve) => setTimeout(resolve, 3));
        }
        yield bars[i] as SymbolBar;
      }
    },
  };
  const data = new SessionData({ intervals: ['5m'] });
  coordinator = new SessionCoordinator({ calendar, data, engine, source, from: '2024-01-02', to: '2024-01-03' });
  const report = await coordinator.run();
  // Wherever the stop fell (the machine's pace decides), every bar stored was delivered.
  t.true(report.stopped);
  t.true(data.count('A', '1m') > 0);
  t.is(events, data.count('A', '1m') + data.count('B', '1m'));
});
