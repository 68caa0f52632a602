/**
 * `SessionCoordinator.stop()`: the run ends at its next step and resolves with the report so far.
 * The slice in hand reaches its subscribers; nothing after it is read, stored or delivered; no gap
 * is reported for slots not yet due; the open session stays open for the caller to end.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { Bar, BarEvent, Session, StreamSource, SymbolBar, SymbolColumns } from 'barstream';
import { aggregateSession, toColumns } from './helpers/naive.js';

const calendar = Calendar.xnys();
const SESSIONS = calendar.sessions('2024-06-03', '2024-06-05') as Session[];
const MINUTE = 60_000;

/** Every minute of `session`, prices from the symbol's number and the minute. */
function day(session: Session, k: number): Bar[] {
  const bars: Bar[] = [];
  for (let i = 0; i < 390; i++) {
    const open = 100 + k + (i % 7) * 0.5;
    const close = 100 + k + ((i * 3) % 11) * 0.5;
    bars.push({ time: session.open + i * MINUTE, open, high: Math.max(open, close) + 1, low: Math.min(open, close) - 1, close, volume: 100 + i });
  }
  return bars;
}

const columnsOf = toColumns;

/** `promise`'s value, or `'hung'` when it has not settled within 4 s. */
async function unlessHung<T>(promise: Promise<T>): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), 4000);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** A UTC session of one minute that opened at the last whole second. */
function sessionInProgress(): Session {
  const open = Math.floor(Date.now() / 1000) * 1000;
  const date = new Date(open).toISOString().slice(0, 10);
  return { date, open, close: open + 60_000, timeZone: 'UTC', dayStart: Date.parse(`${date}T00:00:00Z`) };
}

/** A stream source as a live feed is written: it sends `bars`, then its next bar never comes; `return()` closes it. */
function quietSource(bars: readonly SymbolBar[]): { source: StreamSource; sent: () => number; closed: () => boolean } {
  let sent = 0;
  let closed = false;
  const source: StreamSource = {
    kind: 'stream',
    [Symbol.asyncIterator]: (): AsyncIterator<SymbolBar> => ({
      next: () => (sent < bars.length ? Promise.resolve({ done: false, value: bars[sent++] as SymbolBar }) : new Promise<IteratorResult<SymbolBar>>(() => {})),
      return: async () => {
        closed = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return { source, sent: () => sent, closed: () => closed };
}

const barsOf = { A: SESSIONS.flatMap((s) => day(s, 1)), B: SESSIONS.flatMap((s) => day(s, 2)) };

test('stop() in a handler, data-driven: the slice in hand is delivered, nothing after it, and run() resolves with the report so far', async (t) => {
  const data = new SessionData({ intervals: ['5m', '1h'] });
  const engine = new AnalysisEngine();
  const got: Bar[] = [];
  const coordinator = new SessionCoordinator({ calendar, data, engine, source: columnsSource({ A: columnsOf(barsOf.A), B: columnsOf(barsOf.B) }), from: SESSIONS[0]!.date, to: SESSIONS[2]!.date });
  let inSecond = 0;
  coordinator.on('sessionStart', (s) => {
    if (s.date === SESSIONS[1]!.date) inSecond = 0;
  });
  engine.subscribe({ interval: '5m' }, (e: BarEvent) => {
    got.push(e.bar);
    // The 9th event of the second session is A's 5th bar there; B's comes in the same slice.
    if (e.session.date === SESSIONS[1]!.date && ++inSecond === 9) coordinator.stop();
  });
  const report = await coordinator.run();
  t.true(report.stopped);
  t.is(report.sessions, 2);
  // Session 1 whole (2 x 78), then 5 bars of each symbol: the stop came in the slice of A's and B's fifth.
  t.is(got.length, 2 * 78 + 10);
  t.is(report.delivered, got.length);
  // Base bars stored: session 1, then the 25 minutes that closed the fifth 5m bar.
  t.is(report.barsIn, 2 * (390 + 25));
  t.is(report.barsStored, report.barsIn);
  // The rest of the columns' rows (2 symbols x 3 sessions x 390 minutes) were given and never taken.
  t.is(report.skipped.unread, 2 * 3 * 390 - 2 * (390 + 25));
  t.is(data.bars('A', '1m').length, 390 + 25);
  t.deepEqual(report.gaps, [], 'no gap for the slots after the stop');
  // The session stays open; ending it closes the forming 1h bar (minutes 0-24 of the second session's first hour).
  t.is(data.session?.date, SESSIONS[1]!.date);
  data.endSession();
  const expected = aggregateSession(day(SESSIONS[1] as Session, 1).slice(0, 25), SESSIONS[1] as Session, '1h');
  const h = data.bars('A', '1h');
  t.is(h.length, 7 + 1);
  t.is(h.close[7], expected[0]?.close);
  t.is(h.volume[7], expected[0]?.volume);
  // The coordinator runs again on the store.
  coordinator.stop();
  const again = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: columnsSource({ A: columnsOf(barsOf.A) }), from: SESSIONS[0]!.date, to: SESSIONS[0]!.date }).run();
  t.false(again.stopped);
  t.is(again.sessions, 1);
});

test('stop() in a clock-driven run: no wait for the next boundary, no gaps for slots not yet due', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  let events = 0;
  // 100 simulated ms a wall ms: a minute of bars each 0.6 s, three sessions in about 12 minutes.
  const coordinator = new SessionCoordinator({ calendar, data, engine, source: columnsSource({ A: columnsOf(barsOf.A) }), from: SESSIONS[0]!.date, to: SESSIONS[2]!.date, speed: 100, overrun: 'queue' });
  engine.subscribe({ interval: '1m' }, () => {
    if (++events === 3) coordinator.stop();
  });
  const report = await coordinator.run();
  t.true(report.stopped);
  t.is(report.sessions, 1);
  t.is(events, 3);
  t.is(report.barsIn, 3);
  t.is(report.barsStored, 3);
  t.is(report.skipped.unread, 3 * 390 - 3);
  t.deepEqual(report.gaps, []);
  t.is(data.bars('A', '1m').length, 3);
});

test('stop() while a stream source has no next bar: the run resolves and the source is closed', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const session = SESSIONS[0] as Session;
  const feed = quietSource(day(session, 1).slice(0, 6).map((b) => ({ symbol: 'A', ...b })));
  const coordinator = new SessionCoordinator({ calendar, data, source: feed.source, from: session.date, to: session.date });
  const running = coordinator.run();
  // Stop once every bar sent is in the store but the last (its slice waits for a later bar).
  while (feed.sent() < 6 || data.bars('A', '1m').length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
  coordinator.stop();
  const report = await running;
  t.true(report.stopped);
  t.is(report.barsIn, 5, 'the sixth bar was read but its slice was not complete');
  t.is(report.barsStored, 5);
  t.is(report.skipped.unread, 1, 'the sixth bar is counted: read, never taken');
  t.deepEqual(report.symbols, ['A']);
  t.true(feed.closed(), 'the source was closed');
});

for (const speed of [0, 600]) {
  test(`stop() in an async handler (${speed === 0 ? 'data' : 'clock'}-driven): the stream source is closed at the stop, while the handler is still awaited`, async (t) => {
    const session = SESSIONS[0] as Session;
    const feed = quietSource(day(session, 1).slice(0, 30).map((b) => ({ symbol: 'A', ...b })));
    const engine = new AnalysisEngine();
    const coordinator = new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: feed.source, from: session.date, to: session.date, speed, overrun: 'queue' });
    const seen: boolean[] = [];
    let finished = false;
    engine.subscribe({ interval: '5m' }, async () => {
      coordinator.stop();
      await new Promise((resolve) => setTimeout(resolve, 30));
      seen.push(feed.closed());
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished = true;
    });
    const report = await coordinator.run();
    t.true(report.stopped);
    t.deepEqual(seen, [true], 'closed while the handler was still running');
    t.true(finished, 'and the handler was awaited');
    t.is(report.delivered, 1);
  });
}

test('stop() with no run in progress does nothing; a later run goes to its end', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const coordinator = new SessionCoordinator({ calendar, data, source: columnsSource({ A: columnsOf(barsOf.A) }), from: SESSIONS[0]!.date, to: SESSIONS[1]!.date });
  coordinator.stop();
  coordinator.stop();
  const report = await coordinator.run();
  t.false(report.stopped);
  t.is(report.sessions, 2);
  t.is(report.barsIn, 2 * 390);
  coordinator.stop();
  t.is(data.session, null);
});

test("stop() while a column source's load() is in progress: the run resolves without waiting for the load", async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  let finishLoad = (): void => undefined;
  let calls = 0;
  // A load that has not finished (a slow server, a large file set): it settles only when the test ends.
  const source = {
    kind: 'columns' as const,
    load: () => {
      calls++;
      setImmediate(() => coordinator.stop());
      return new Promise<Map<string, SymbolColumns>>((resolve) => {
        finishLoad = () => resolve(new Map());
      });
    },
  };
  const coordinator = new SessionCoordinator({ calendar, data, source, from: SESSIONS[0]!.date, to: SESSIONS[1]!.date });
  const result = await unlessHung(coordinator.run());
  finishLoad();
  t.is(calls, 1);
  t.not(result, 'hung', 'run() waited for the load to finish');
  if (result === 'hung') return;
  t.true(result.stopped);
  t.is(result.sessions, 0);
  t.is(result.barsIn, 0);
  t.is(data.session, null);
  // The coordinator runs again, to its end.
  const again = new SessionCoordinator({ calendar, data, source: columnsSource({ A: columnsOf(barsOf.A) }), from: SESSIONS[0]!.date, to: SESSIONS[0]!.date });
  t.false((await again.run()).stopped);
});

for (const overrun of ['fail', 'queue'] as const) {
  for (const kind of ['sync', 'async'] as const) {
    test(`stop() in ${kind === "sync" ? "a" : "an"} ${kind} handler that then stays busy past the next boundary, clock-driven (overrun: '${overrun}'): no overrun for a slice that never comes`, async (t) => {
      const data = new SessionData({ intervals: ['5m'] });
      const engine = new AnalysisEngine();
      // 100 ms of wall time per minute: the handler holds on well past its share.
      const coordinator = new SessionCoordinator({ calendar, data, engine, source: columnsSource({ A: columnsOf(barsOf.A) }), from: SESSIONS[0]!.date, to: SESSIONS[0]!.date, speed: 600, overrun });
      let events = 0;
      const hold = 250;
      engine.subscribe({ interval: '1m' }, kind === 'sync'
        ? () => {
            events++;
            coordinator.stop();
            const until = performance.now() + hold;
            while (performance.now() < until);
          }
        : async () => {
            events++;
            coordinator.stop();
            await new Promise((resolve) => setTimeout(resolve, hold));
          });
      const report = await coordinator.run();
      t.true(report.stopped);
      t.is(events, 1);
      t.is(report.delivered, 1);
      t.deepEqual(report.overruns, []);
    });
  }
}

for (const kind of ['columns', 'stream'] as const) {
  test(`stop() in a 'gap' listener (${kind} source): the slice that found the gap still reaches its subscribers`, async (t) => {
    const session = SESSIONS[0] as Session;
    // Minutes 20 to 39 missing: the bar at minute 40 finds the gap.
    const bars = day(session, 1).filter((_, i) => i < 20 || i >= 40);
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    const source = kind === 'columns' ? columnsSource({ A: columnsOf(bars) }) : iterableSource(bars.map((b) => ({ symbol: 'A', ...b })));
    const coordinator = new SessionCoordinator({ calendar, data, engine, source, from: session.date, to: session.date });
    const got: number[] = [];
    engine.subscribe({ interval: '1m' }, (e) => void got.push(e.time));
    coordinator.on('gap', () => coordinator.stop());
    const report = await coordinator.run();
    t.true(report.stopped);
    t.is(report.gaps.length, 1);
    t.is(report.barsStored, 21);
    t.is(data.bars('A', '1m').length, 21);
    t.deepEqual(got, bars.slice(0, 21).map((b) => b.time), 'every stored bar was delivered, the one that found the gap included');
    t.is(report.delivered, 21);
  });
}

test("stop() in a 'gap' listener of a live run with a filler: the filler is not asked and its deadline not waited for", async (t) => {
  // A session in progress, one-second bars, a feed that sends nothing: the first boundary finds A's gap.
  const session = sessionInProgress();
  const data = new SessionData({ baseInterval: '1s', intervals: ['3s'] });
  const feed = quietSource([]);
  const source = feed.source;
  let fills = 0;
  const coordinator = new SessionCoordinator({
    calendar: { sessions: () => [session] }, data, source, mode: 'live', from: session.date, to: session.date, symbols: ['A'], closeDelayMs: 50,
    fill: () => {
      fills++;
      return new Promise<Bar[]>(() => {});
    },
    fillDeadlineMs: 3000,
  });
  coordinator.on('gap', () => coordinator.stop());
  const settled: string[] = [];
  coordinator.on('gapSettled', (gap) => void settled.push(gap.state));
  const report = await coordinator.run();
  t.true(report.stopped);
  t.is(report.gaps.length, 1);
  t.is(fills, 0);
  t.is(report.gaps[0]!.state, 'unfilled', 'a live gap with a filler is settled, not left reported');
  t.deepEqual(settled, ['unfilled']);
  t.true(feed.closed());
});

test('stop() while a live run waits for a fill: the run ends without the deadline, the gap unfilled and settled', async (t) => {
  const session = sessionInProgress();
  const date = session.date;
  const data = new SessionData({ baseInterval: '1s', intervals: ['3s'] });
  const { source } = quietSource([]);
  const coordinator = new SessionCoordinator({
    calendar: { sessions: () => [session] }, data, source, mode: 'live', from: date, to: date, symbols: ['A'], closeDelayMs: 50,
    // The filler is asked, and the run is stopped while its answer is awaited.
    fill: () => {
      setImmediate(() => coordinator.stop());
      return new Promise<Bar[]>(() => {});
    },
    fillDeadlineMs: 60_000,
  });
  const settled: string[] = [];
  coordinator.on('gapSettled', (gap) => void settled.push(gap.state));
  const report = await coordinator.run();
  t.true(report.stopped);
  t.is(report.gaps.length, 1);
  t.is(report.gaps[0]!.state, 'unfilled');
  t.deepEqual(settled, ['unfilled']);
});

test('stop() at the last close of a clock-driven stream run: the run does not wait for the rest of the source', async (t) => {
  const session = SESSIONS[0] as Session;
  const bars = day(session, 1).map((b) => ({ symbol: 'A', ...b }));
  // A source that has sent the session's bars and one timed at its close, and has not ended (its
  // next bar may never come). The bar at the close tells the replay, which waits for its source,
  // that the session's bars are all in.
  const feed = quietSource([...bars, { ...bars[bars.length - 1]!, time: session.close }]);
  const source = feed.source;
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const coordinator = new SessionCoordinator({ calendar, data, engine, source, from: session.date, to: session.date, speed: 1e6, overrun: 'queue' });
  let events = 0;
  engine.subscribe({ interval: '1m' }, (e) => {
    events++;
    if (e.time === bars[bars.length - 1]!.time) coordinator.stop();
  });
  const result = await unlessHung(coordinator.run());
  t.not(result, 'hung', 'run() waited for the source to end');
  if (result === 'hung') return;
  t.true(result.stopped);
  t.is(events, 390);
  t.is(result.barsStored, 390);
  t.true(feed.closed(), 'the source was closed');
});

test("stop() in a handler of a session's last bar, data-driven stream: the run does not wait for a bar the source may never send", async (t) => {
  // The first session's bars, the second session's first 17 bars, then nothing (a feed gone
  // quiet). Whether the first bar past the close is a stray is told from the 16 bars after it, so
  // the first session's last slice is closed and delivered without waiting for more.
  const bars = [...day(SESSIONS[0]!, 1), ...day(SESSIONS[1]!, 1).slice(0, 17)].map((b) => ({ symbol: 'A', ...b }));
  const feed = quietSource(bars);
  const source = feed.source;
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const coordinator = new SessionCoordinator({ calendar, data, engine, source, from: SESSIONS[0]!.date, to: SESSIONS[1]!.date });
  let events = 0;
  engine.subscribe({ interval: '1m' }, (e) => {
    events++;
    if (e.time === bars[389]!.time) coordinator.stop();
  });
  const result = await unlessHung(coordinator.run());
  t.not(result, 'hung', 'run() waited for the source');
  if (result === 'hung') return;
  t.true(result.stopped);
  t.is(result.sessions, 1);
  t.is(events, 390);
  t.is(result.barsIn, 390);
  t.true(feed.closed(), 'the source was closed');
});

test('stop() in a data-driven stream run: the bars read ahead of the stop are counted as unread, so every bar the source gave is accounted for', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const session = SESSIONS[0] as Session;
  let given = 0;
  function* bars(): Generator<SymbolBar> {
    for (const b of day(session, 1).slice(0, 100)) {
      given++;
      yield { symbol: 'A', ...b };
    }
  }
  const engine = new AnalysisEngine();
  const coordinator = new SessionCoordinator({ calendar, data, engine, source: iterableSource(bars()), from: session.date, to: session.date });
  let events = 0;
  engine.subscribe({ interval: '1m' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (++events === 10) coordinator.stop();
  });
  const report = await coordinator.run();
  t.true(report.stopped);
  t.is(report.barsIn, 10);
  t.true(given > 10, `${given} bars given`);
  t.is(report.skipped.unread, given - 10);
});

test('stop() from a gap listener in a clock-driven stream run: the bars due at that boundary, taken from the source and never stored, are counted as unread', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const session = SESSIONS[0] as Session;
  const a = day(session, 1);
  const b = day(session, 2);
  // B has no bar at minute 5: the boundary at its end finds the gap, with A's minute 5 due there.
  const bars: SymbolBar[] = [];
  for (let i = 0; i < 20; i++) {
    bars.push({ symbol: 'A', ...(a[i] as Bar) });
    if (i !== 5) bars.push({ symbol: 'B', ...(b[i] as Bar) });
  }
  let given = 0;
  const iterable: Iterable<SymbolBar> = {
    [Symbol.iterator]: () => {
      let i = 0;
      return {
        next: (): IteratorResult<SymbolBar> => {
          if (i >= bars.length) return { done: true, value: undefined };
          given++;
          return { done: false, value: bars[i++] as SymbolBar };
        },
      };
    },
  };
  const coordinator = new SessionCoordinator({ calendar, data, source: iterableSource(iterable), from: session.date, to: session.date, speed: 1e6, overrun: 'queue' });
  coordinator.on('gap', () => coordinator.stop());
  const report = await coordinator.run();
  t.true(report.stopped);
  t.is(report.gapCount, 1);
  // Minutes 0 to 4 of both went in before that boundary.
  t.is(report.barsIn, 10);
  t.true(given > report.barsIn, `${given} bars given`);
  t.is(report.barsIn + report.skipped.symbol + report.skipped.days + report.skipped.unread, given);
});

test('a live run waiting for a session more than 24.8 days away waits in timers setTimeout can hold, and stop() ends the wait', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const open = Date.now() + 40 * 86_400_000;
    const session: Session = { date: new Date(open).toISOString().slice(0, 10), open, close: open + 3_600_000, timeZone: 'UTC', dayStart: open - (open % 86_400_000) };
    const feed = quietSource([]);
    const coordinator = new SessionCoordinator({ calendar: { sessions: () => [session] }, data: new SessionData({ intervals: ['5m'] }), source: feed.source, mode: 'live', from: session.date, to: session.date });
    const running = coordinator.run();
    await new Promise((resolve) => setTimeout(resolve, 100));
    coordinator.stop();
    const report = await unlessHung(running);
    t.not(report, 'hung');
    t.true(report !== 'hung' && report.stopped && report.sessions === 0);
    await new Promise((resolve) => setImmediate(resolve));
    t.deepEqual(warnings.filter((w) => w === 'TimeoutOverflowWarning'), []);
  } finally {
    process.off('warning', onWarning);
  }
});

test("stop() with a stream source whose return() throws at once: the run still resolves with its report, as when return() rejects", async (t) => {
  const session = SESSIONS[0] as Session;
  const bars: SymbolBar[] = day(session, 0).slice(0, 10).map((b) => ({ ...b, symbol: 'A' }));
  for (const how of ['throws', 'rejects'] as const) {
    let returned = 0;
    const source: StreamSource = {
      kind: 'stream',
      [Symbol.asyncIterator]: (): AsyncIterator<SymbolBar> => {
        let i = 0;
        return {
          // After its bars the source waits for more, as a feed does: however far the run has read
          // ahead when it stops, the source is still open, and the run closes it.
          next: () => (i < bars.length ? Promise.resolve({ done: false, value: bars[i++] as SymbolBar }) : new Promise<IteratorResult<SymbolBar>>(() => {})),
          return: (): Promise<IteratorResult<SymbolBar>> => {
            returned++;
            if (how === 'throws') throw new Error('cannot close');
            return Promise.reject(new Error('cannot close'));
          },
        };
      },
    };
    const engine = new AnalysisEngine();
    const data = new SessionData({ intervals: ['5m'] });
    const coordinator = new SessionCoordinator({ calendar, data, engine, source, from: session.date, to: session.date });
    // Stopped at the third minute's bar: the source has more, so the run closes it.
    engine.subscribe({ interval: '1m' }, (e) => {
      if (e.index === 2) coordinator.stop();
    });
    const report = await coordinator.run();
    t.is(returned, 1, how);
    t.true(report.stopped, how);
    t.is(report.barsIn, 3, how);
  }
});

for (const speed of [0, 1e5]) {
  test(`stop() in a handler of a bar closed when the clock reaches the close (${speed === 0 ? 'data' : 'clock'}-driven): the session stays open, as when its last slot had a bar`, async (t) => {
    // Two ten-minute sessions; A has no bar in the last minute of either, so the 1d bar closes only at the close.
    const open = Date.UTC(2024, 0, 2, 14, 30);
    const sessions: Session[] = [0, 1].map((d) => ({ date: `2024-01-0${2 + d}`, open: open + d * 86_400_000, close: open + d * 86_400_000 + 10 * MINUTE, timeZone: 'UTC', dayStart: open + d * 86_400_000 - (open % 86_400_000) }));
    const bars: SymbolBar[] = sessions.flatMap((s) => Array.from({ length: 9 }, (_, k) => ({ symbol: 'A', time: s.open + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 })));
    for (const async of [false, true]) {
      const label = async ? 'async handler' : 'sync handler';
      const data = new SessionData({ intervals: ['1d'] });
      const engine = new AnalysisEngine();
      const coordinator = new SessionCoordinator({ calendar: { sessions: () => sessions }, data, engine, source: iterableSource(bars), from: sessions[0]!.date, to: sessions[1]!.date, speed, overrun: 'queue' });
      const events: string[] = [];
      coordinator.on('sessionStart', (s) => events.push(`start ${s.date}`));
      coordinator.on('sessionEnd', (s) => events.push(`end ${s.date}`));
      coordinator.on('progress', (done, total) => events.push(`progress ${done}/${total}`));
      engine.subscribe({ interval: '1d' }, async ? async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        coordinator.stop();
      } : () => coordinator.stop());
      const report = await coordinator.run();
      t.true(report.stopped, label);
      t.is(report.sessions, 1, label);
      t.is(report.delivered, 1, label);
      t.is(report.barsIn, 9, label);
      // The 1d bar was delivered before the store ended the session: it stays open, with nothing
      // forming; the second never began.
      t.is(data.session?.date, '2024-01-02', label);
      t.is(data.bars('A', '1d').length, 1, label);
      t.deepEqual(data.endSession(), [], label);
      t.deepEqual(events, ['start 2024-01-02'], label);
    }
  });

}

// Data-driven: a clock-driven run finds such slots missing at their boundaries, before the close.
test("stop() in a gap listener of the slots a session's end reveals missing (data-driven): the store has ended the session, so sessionEnd goes out for it", async (t) => {
  const speed = 0;
  const open = Date.UTC(2024, 0, 2, 14, 30);
  const sessions: Session[] = [0, 1].map((d) => ({ date: `2024-01-0${2 + d}`, open: open + d * 86_400_000, close: open + d * 86_400_000 + 10 * MINUTE, timeZone: 'UTC', dayStart: open + d * 86_400_000 - (open % 86_400_000) }));
  // A's last bar of each session is at minute 7: minutes 8 and 9 are missing, found at the end.
  const bars: SymbolBar[] = sessions.flatMap((s) => Array.from({ length: 8 }, (_, k) => ({ symbol: 'A', time: s.open + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 })));
  const data = new SessionData({ intervals: ['5m'] });
  const coordinator = new SessionCoordinator({ calendar: { sessions: () => sessions }, data, source: iterableSource(bars), from: sessions[0]!.date, to: sessions[1]!.date, speed, overrun: 'queue' });
  const events: string[] = [];
  coordinator.on('sessionEnd', (s) => events.push(`end ${s.date}`));
  coordinator.on('gap', (g) => {
    events.push(`gap ${(g.from - open) / MINUTE}-${(g.to - open) / MINUTE}`);
    coordinator.stop();
  });
  const report = await coordinator.run();
  t.true(report.stopped);
  t.is(report.sessions, 1);
  t.is(report.barsIn, 8);
  t.is(data.session, null);
  t.deepEqual(events, ['gap 8-10', 'end 2024-01-02']);
});

test("stop() in the last session's sessionEnd listener: the run had reached its end, so it is not reported stopped", async (t) => {
  const session = SESSIONS[0] as Session;
  const coordinator = new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: columnsSource({ A: columnsOf(day(session, 1)) }), from: session.date, to: session.date });
  coordinator.on('sessionEnd', () => coordinator.stop());
  const report = await coordinator.run();
  t.false(report.stopped);
  t.is(report.sessions, 1);
  t.is(report.barsIn, 390);
});

for (const speed of [0, 600_000]) {
  test(`stop() from a 1d handler (speed ${speed}): the 1d bars close when the clock reaches the close, before the session's end, so the session stays open`, async (t) => {
    const data = new SessionData({ intervals: ['1h', '1d'] });
    const engine = new AnalysisEngine();
    const s0 = SESSIONS[0] as Session;
    const source = columnsSource(new Map(Object.entries(barsOf).map(([k, b]) => [k, columnsOf(b)])));
    const coordinator = new SessionCoordinator({ calendar, data, engine, source, from: s0.date, to: (SESSIONS[2] as Session).date, speed });
    const days: BarEvent[] = [];
    let ends = 0;
    coordinator.on('sessionEnd', () => ends++);
    engine.subscribe({ interval: '1d' }, (e) => {
      days.push(e);
      coordinator.stop();
    });
    const report = await coordinator.run();
    t.true(report.stopped);
    // Both symbols' 1d bars closed in the one step, and both were delivered: the step in hand reaches its subscribers.
    t.deepEqual(days.map((e) => e.symbol), ['A', 'B']);
    t.deepEqual(days[0]?.bar, aggregateSession(barsOf.A.slice(0, 390), s0, '1d')[0]);
    t.is(ends, 0);
    t.is(data.session?.open, s0.open, 'the first session is still open');
    // Nothing is forming: ending it closes no more bars.
    t.deepEqual(data.endSession(), []);
    t.is(data.bars('A', '1h').length, 7);
  });
}
