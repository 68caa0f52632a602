/**
 * The run report says what happened, the same way whatever the mode and the source kind: events
 * counted when a subscriber takes them, every subscriber call timed, one append record a slice,
 * symbols without bars reported, a corrupt time costing its own bar only, days outside the run
 * left out of streams as of columns. Expected figures are worked out by hand.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, InputError, ReadyTimeoutError, SessionCoordinator, SessionData, columnsSource, iterableSource, mergeStreams } from 'barstream';
import type { BarColumns, RunReport, Source, StreamSource, SymbolBar } from 'barstream';

const MINUTE = 60_000;
const calendar = Calendar.xnys();
const [D1, D2, D3] = calendar.sessions('2024-03-04', '2024-03-06') as [NonNullable<ReturnType<typeof calendar.session>>, NonNullable<ReturnType<typeof calendar.session>>, NonNullable<ReturnType<typeof calendar.session>>];

/** One bar a minute at each of `times`, all prices 1. */
function columns(times: number[]): BarColumns {
  const ones = times.map(() => 1);
  return { time: times, open: ones, high: ones, low: ones, close: ones, volume: ones };
}
const minutes = (open: number, n: number): number[] => Array.from({ length: n }, (_, i) => open + i * MINUTE);
function streamOf(data: Record<string, number[]>): Source {
  const bars: SymbolBar[] = [];
  for (const [symbol, times] of Object.entries(data)) for (const time of times) bars.push({ symbol, time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  bars.sort((a, b) => a.time - b.time);
  return iterableSource(bars);
}

test('delivered counts events a subscriber took; every call is timed, thrown or rejected too', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const calls = { a: 0, b: 0, thrower: 0, rejecter: 0 };
  engine.subscribe({ interval: '5m', symbols: ['SPY'], name: 'a' }, () => void calls.a++);
  engine.subscribe({ interval: '5m', symbols: ['SPY'], name: 'b' }, async () => void calls.b++);
  engine.subscribe({ interval: '5m', symbols: ['SPY'], name: 'thrower' }, () => {
    calls.thrower++;
    throw new Error('boom');
  });
  engine.subscribe({ interval: '5m', symbols: ['SPY'], name: 'rejecter' }, async () => {
    calls.rejecter++;
    throw new Error('rej');
  });
  const source = columnsSource({ SPY: columns(minutes(D1.open, 20)), QQQ: columns(minutes(D1.open, 20)) });
  const r = await new SessionCoordinator({ calendar, data, engine, source, from: D1.date, to: D1.date }).run();
  // 20 minutes: four 5m bars a symbol; only SPY's four are taken, by four subscribers each.
  t.deepEqual(calls, { a: 4, b: 4, thrower: 4, rejecter: 4 });
  t.is(r.closedBars['5m'], 8);
  t.is(r.delivered, 4);
  t.is(r.subscriberErrorCount, 8);
  for (const name of ['a', 'b', 'thrower', 'rejecter']) t.is(r.metrics[`subscriber:${name}`]?.count, 4, name);
  // One native append a slice: 20 slices of the two symbols.
  t.is(r.metrics['native.append']?.count, 20);
});

test('clock-driven runs record one append a slice too', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const source = columnsSource({ SPY: columns([...minutes(D1.open, 20), ...minutes(D2.open, 20)]) });
  const r = await new SessionCoordinator({ calendar, data, source, from: D1.date, to: D2.date, speed: 1_000_000 }).run();
  t.is(r.barsStored, 40);
  t.is(r.metrics['native.append']?.count, 40);
});

test('a symbol with no bar in a session gets its whole-session gap and quality record, in every mode of a column source', async (t) => {
  // QQQ trades on the second day only.
  const source = (): Source => columnsSource({ SPY: columns([...minutes(D1.open, 390), ...minutes(D2.open, 390), ...minutes(D3.open, 390)]), QQQ: columns(minutes(D2.open, 390)) });
  const outcomes: { gaps: string[]; missing: number[] }[] = [];
  for (const speed of [0, 1_000_000]) {
    const r: RunReport = await new SessionCoordinator({ calendar, data: new SessionData(), source: source(), from: D1.date, to: D3.date, speed }).run();
    outcomes.push({
      gaps: r.gaps.filter((g) => g.symbol === 'QQQ').map((g) => `${g.session} ${(g.to - g.from) / MINUTE}`),
      missing: [D1, D2, D3].map((d) => r.quality[d.date]?.QQQ?.base.missing ?? -1),
    });
  }
  t.deepEqual(outcomes[0], { gaps: [`${D1.date} 390`, `${D3.date} 390`], missing: [390, 0, 390] });
  t.deepEqual(outcomes[1], outcomes[0]);
});

test('a corrupt time costs its own bar only, in columns wherever the row sits and in a stream', async (t) => {
  const corrupt = D2.open + 200 * MINUTE + 30_000; // a time of day 2, off the grid
  // 389: right before the session's last row, where a cut on either side of the two costs one bar (a tie).
  for (const at of [0, 200, 245, 388, 389]) {
    const times = [...minutes(D1.open, 390), ...minutes(D2.open, 100)];
    times.splice(at, 0, corrupt);
    const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: columnsSource({ SPY: columns(times) }), from: D1.date, to: D2.date }).run();
    t.is(r.barsStored, 490, `columns, corrupt row at ${at}`);
    t.is(r.barsIn - r.barsStored, 1, `columns, corrupt row at ${at}`);
  }
  const bars: SymbolBar[] = [...minutes(D1.open, 390), ...minutes(D2.open, 100)].map((time) => ({ symbol: 'SPY', time, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
  bars.splice(245, 0, { symbol: 'SPY', time: corrupt, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: iterableSource(bars), from: D1.date, to: D2.date }).run();
  t.is(r.barsStored, 490);
  t.is(r.rejected.outside_session, 1);
});

test("a bar of the next session among a session's last rows costs its own bar only, not the next session's first bars", async (t) => {
  // D1 13:30, 13:31, [D2 +5], D1 13:32, D2 +0, D2 +1: cutting before the misplaced bar would make
  // it D2's first bar and D2's next two out of order; after D1's 13:32 it is rejected alone.
  const times = [D1.open, D1.open + MINUTE, D2.open + 5 * MINUTE, D1.open + 2 * MINUTE, D2.open, D2.open + MINUTE];
  const data = new SessionData({ intervals: ['5m'] });
  const r = await new SessionCoordinator({ calendar, data, source: columnsSource({ SPY: columns(times) }), from: D1.date, to: D2.date }).run();
  t.is(r.barsStored, 5);
  t.is(r.rejected.outside_session, 1);
  t.deepEqual([...data.bars('SPY', '1m').time].slice(-2), [D2.open, D2.open + MINUTE]);
});

test('clock-driven as data-driven: a row timed days ahead among a session\'s rows is rejected alone, the rows behind it are not late', async (t) => {
  // SPY: D1 13:30, 13:31, [D3 13:30], D1 13:32, 13:33, D2 13:30. Alone (one time grid) and with QQQ.
  const spy = [D1.open, D1.open + MINUTE, D3.open, D1.open + 2 * MINUTE, D1.open + 3 * MINUTE, D2.open];
  const qqq = [D1.open, D1.open + MINUTE, D1.open + 2 * MINUTE, D1.open + 3 * MINUTE, D2.open];
  for (const withQqq of [false, true]) {
    for (const speed of [0, 1e9]) {
      const label = `${withQqq ? 'SPY and QQQ' : 'SPY alone'}, speed ${speed}`;
      const source = columnsSource(withQqq ? { SPY: columns(spy), QQQ: columns(qqq) } : { SPY: columns(spy) });
      const data = new SessionData({ intervals: ['5m'] });
      const r = await new SessionCoordinator({ calendar, data, source, from: D1.date, to: D3.date, speed }).run();
      t.is(r.barsStored, withQqq ? 10 : 5, label);
      t.is(r.rejected.outside_session, 1, label);
      t.is(r.rejected.late, 0, label);
      t.deepEqual([...data.bars('SPY', '5m').volume], [4, 1], label);
    }
  }
});

test('a row timed past the close in one symbol of several costs its own bar only, in both modes', async (t) => {
  // A: 09:30, 09:31, [19:30], 09:33, 09:34, 09:35; B: 09:30-09:36. B's slices must not leave A's
  // bars behind the stray to be late.
  const a = [D1.open, D1.open + MINUTE, D1.open + 10 * 60 * MINUTE, D1.open + 3 * MINUTE, D1.open + 4 * MINUTE, D1.open + 5 * MINUTE];
  const b = Array.from({ length: 7 }, (_, k) => D1.open + k * MINUTE);
  for (const speed of [0, 1e9]) {
    const data = new SessionData({ intervals: ['5m'] });
    const r = await new SessionCoordinator({ calendar, data, source: columnsSource({ A: columns(a), B: columns(b) }), from: D1.date, to: D1.date, speed }).run();
    t.is(r.barsStored, 12, `speed ${speed}`);
    t.deepEqual(Object.entries(r.rejected).filter(([, n]) => n > 0), [['outside_session', 1]], `speed ${speed}`);
    t.deepEqual([...data.bars('A', '1m').time].map((x) => (x - D1.open) / MINUTE), [0, 1, 3, 4, 5], `speed ${speed}`);
  }
});

test('a stray row past the close followed by another symbol\'s NaN row closes nothing: the rows behind the stray are stored', async (t) => {
  // A: [19:30 (past the close), 09:40, 09:41]; B: [NaN, 09:59].
  const a = [D1.open + 10 * 60 * MINUTE, D1.open + 10 * MINUTE, D1.open + 11 * MINUTE];
  const b = [NaN, D1.open + 29 * MINUTE];
  for (const speed of [0, 1e9]) {
    const data = new SessionData({ intervals: ['5m'] });
    const r = await new SessionCoordinator({ calendar, data, source: columnsSource({ A: columns(a), B: columns(b) }), from: D1.date, to: D1.date, speed }).run();
    t.is(r.barsStored, 3, `speed ${speed}`);
    t.is(r.rejected.late, 0, `speed ${speed}`);
    t.is(r.rejected.outside_session + r.rejected.non_finite, 2, `speed ${speed}`);
  }
});

test('a stray first among a symbol\'s due bars makes no gap of its own, in columns and streams, in both modes', async (t) => {
  // A: [19:30 on D1 (past the close)], then 09:30-09:39. The only gap is 09:40 to the close.
  const times = [D1.open + 10 * 60 * MINUTE, ...Array.from({ length: 10 }, (_, k) => D1.open + k * MINUTE)];
  for (const kind of ['columns', 'stream'] as const) {
    for (const speed of [0, 1e9]) {
      const source = kind === 'columns' ? columnsSource({ A: columns(times) }) : iterableSource(times.map((time) => ({ symbol: 'A', time, open: 1, high: 1, low: 1, close: 1, volume: 1 })));
      const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source, from: D1.date, to: D1.date, speed }).run();
      const label = `${kind}, speed ${speed}`;
      t.is(r.barsStored, 10, label);
      t.deepEqual(r.gaps.map((g) => [(g.from - D1.open) / MINUTE, (g.to - D1.open) / MINUTE]), [[10, 390]], `${label}: ${JSON.stringify(r.gaps)}`);
    }
  }
});

test('a NaN row next to the cut between two sessions costs nothing on either side: columns agree with a stream', async (t) => {
  const times = [D1.open, D1.open + MINUTE, D2.open, NaN, D2.open + MINUTE, D2.open + 2 * MINUTE];
  for (const speed of [0, 1e9]) {
    for (const kind of ['columns', 'stream'] as const) {
      const source = kind === 'columns' ? columnsSource({ A: columns(times) }) : iterableSource(times.map((time) => ({ symbol: 'A', time, open: 1, high: 1, low: 1, close: 1, volume: 1 })));
      const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source, from: D1.date, to: D2.date, speed }).run();
      const label = `${kind}, speed ${speed}`;
      t.is(r.barsStored, 5, label);
      t.deepEqual(Object.entries(r.rejected).filter(([, n]) => n > 0), [['non_finite', 1]], label);
    }
  }
});

test('strays next to rows without a finite time: every source and mode agree, and each corrupt time costs its own bar', async (t) => {
  const after = D1.close + 5 * MINUTE;
  const cases: { name: string; symbols: Record<string, number[]>; to: typeof D1; stored: number; rejected: Record<string, number> }[] = [
    // A stray, then a NaN row, then the bars it must not hold back (one symbol: the time grid path).
    { name: 'stray then NaN', symbols: { A: [D1.open, after, NaN, D1.open + MINUTE, D1.open + 2 * MINUTE] }, to: D1, stored: 3, rejected: { outside_session: 1, non_finite: 1 } },
    // The same with another symbol in step.
    { name: 'stray then NaN, two symbols', symbols: { A: [D1.open, after, NaN, D1.open + MINUTE, D1.open + 2 * MINUTE], B: [D1.open, D1.open + MINUTE, D1.open + 2 * MINUTE] }, to: D1, stored: 6, rejected: { outside_session: 1, non_finite: 1 } },
    // -Infinity next to the cut between two sessions costs nothing on either side.
    { name: '-Infinity at the cut', symbols: { A: [D1.open, D1.open + MINUTE, D2.open, -Infinity, D2.open + MINUTE, D2.open + 2 * MINUTE] }, to: D2, stored: 5, rejected: { non_finite: 1 } },
    // Two corrupt rows in a row past the close: each costs its own bar only.
    { name: 'two strays in a row', symbols: { A: [D1.open, after, after + MINUTE, D1.open + 12 * MINUTE, D1.open + 13 * MINUTE], B: [D1.open + 5 * MINUTE] }, to: D1, stored: 4, rejected: { outside_session: 2 } },
    // A bar past the close whose next bars are past it too is no stray: it opens the next session.
    { name: 'no stray', symbols: { A: [D1.open, D1.open + MINUTE, D2.open + 2 * MINUTE, D2.open + 5 * MINUTE, D2.open + 6 * MINUTE, NaN] }, to: D2, stored: 5, rejected: { non_finite: 1 } },
    // One of the next session with a bar of that session after it that is earlier is a stray (a
    // wrong date): it goes alone, and the earlier one opens the next session.
    { name: 'a stray out of place in the next session', symbols: { A: [D1.open, D1.open + MINUTE, D2.open + 5 * MINUTE, D2.open + 2 * MINUTE, D2.open + 6 * MINUTE, NaN] }, to: D2, stored: 4, rejected: { outside_session: 1, non_finite: 1 } },
  ];
  for (const c of cases) {
    for (const kind of ['columns', 'stream'] as const) {
      for (const speed of [0, 1e9]) {
        const label = `${c.name}, ${kind}, speed ${speed}`;
        const stream: SymbolBar[] = [];
        const length = Math.max(...Object.values(c.symbols).map((x) => x.length));
        for (let i = 0; i < length; i++) {
          for (const [symbol, times] of Object.entries(c.symbols)) {
            if (i < times.length) stream.push({ symbol, time: times[i] as number, open: 1, high: 1, low: 1, close: 1, volume: 1 });
          }
        }
        const source = kind === 'columns' ? columnsSource(Object.fromEntries(Object.entries(c.symbols).map(([k, v]) => [k, columns(v)]))) : iterableSource(stream);
        const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source, from: D1.date, to: c.to.date, speed, overrun: 'queue' }).run();
        t.is(r.barsStored, c.stored, label);
        t.deepEqual(Object.fromEntries(Object.entries(r.rejected).filter(([, n]) => n > 0)), c.rejected, label);
      }
    }
  }
});

test('a late bar of the previous session, after the next session\'s first bars, costs its own bar only: every source and mode agree', async (t) => {
  // A and B: the last ten minutes of D1 and the first ten of D2, in time order, except B's last
  // bar of D1, which arrives after D2's 09:33 bars (a feed recorded with a late bar).
  const d1 = minutes(D1.close - 10 * MINUTE, 10);
  const d2 = minutes(D2.open, 10);
  const late = d1[9] as number;
  const stream: SymbolBar[] = [];
  const push = (symbol: string, time: number): number => stream.push({ symbol, time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  for (let i = 0; i < 10; i++) {
    push('A', d1[i] as number);
    if (i < 9) push('B', d1[i] as number);
  }
  for (let i = 0; i < 10; i++) {
    push('A', d2[i] as number);
    push('B', d2[i] as number);
    if (i === 3) push('B', late);
  }
  const bTimes = stream.filter((b) => b.symbol === 'B').map((b) => b.time);
  for (const kind of ['columns', 'stream'] as const) {
    for (const speed of [0, 1e9]) {
      const label = `${kind}, speed ${speed}`;
      const source = kind === 'columns' ? columnsSource({ A: columns([...d1, ...d2]), B: columns(bTimes) }) : iterableSource(stream);
      const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source, from: D1.date, to: D2.date, speed, overrun: 'queue' }).run();
      t.is(r.barsIn, 40, label);
      // The late bar is rejected in D2, before its open; every bar of D2 is stored.
      t.is(r.barsStored, 39, label);
      t.deepEqual(Object.fromEntries(Object.entries(r.rejected).filter(([, n]) => n > 0)), { outside_session: 1 }, label);
      t.is(r.quality[D2.date]?.['A']?.base.received, 10, label);
      t.is(r.quality[D2.date]?.['B']?.base.received, 10, label);
    }
  }
});

test('a run of twelve corrupt times past the close, in a stream, costs those bars only, in both modes', async (t) => {
  // D1 09:30-09:59 with its 09:40-09:51 bars stamped a day late (D2's 09:40-09:51), then D2's 30
  // bars. Only eight of D1's bars follow the run: a cut by counts alone would end D1 at the run,
  // and its bars, stored in D2, would push D2's own out as duplicates and out of order.
  const times: number[] = [];
  for (let i = 0; i < 30; i++) times.push(i >= 10 && i < 22 ? D2.open + i * MINUTE : D1.open + i * MINUTE);
  for (let i = 0; i < 30; i++) times.push(D2.open + i * MINUTE);
  const stream = times.map((time): SymbolBar => ({ symbol: 'A', time, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
  for (const speed of [0, 1e9]) {
    const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: iterableSource(stream), from: D1.date, to: D2.date, speed, overrun: 'queue' }).run();
    t.is(r.barsStored, 48, `speed ${speed}`);
    t.deepEqual(Object.fromEntries(Object.entries(r.rejected).filter(([, n]) => n > 0)), { outside_session: 12 }, `speed ${speed}`);
  }
});

test('a run refused for an item that is no bar closes its source, merged or not', async (t) => {
  const session = D1;
  const closed: string[] = [];
  const feed = (name: string, items: unknown[]): StreamSource => ({
    kind: 'stream',
    [Symbol.asyncIterator]: (): AsyncIterator<SymbolBar> => {
      let i = 0;
      return {
        // After its items the feed waits, as a live one does: only return() ends it.
        next: () => (i < items.length ? Promise.resolve({ done: false, value: items[i++] as SymbolBar }) : new Promise<IteratorResult<SymbolBar>>(() => {})),
        return: () => {
          closed.push(name);
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  });
  const bar = (time: number): SymbolBar => ({ symbol: 'A', time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  for (const merged of [false, true]) {
    closed.length = 0;
    const b = feed('B', [bar(session.open), null]);
    const source = merged ? mergeStreams(feed('A', [bar(session.open + MINUTE), bar(session.open + 2 * MINUTE)]), b) : b;
    const run = new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source, from: session.date, to: session.date }).run();
    await t.throwsAsync(run, { instanceOf: InputError, message: /a stream source delivered null/ });
    // Closing is asked for, not waited on: a turn of the event loop lets it happen.
    await new Promise((resolve) => setImmediate(resolve));
    t.deepEqual(closed.sort(), merged ? ['A', 'B'] : ['B'], merged ? 'merged' : 'alone');
  }
});

test('clock-driven runs keep a stream\'s order within a symbol: a bar after a later one of its symbol is out of order, as data-driven', async (t) => {
  // A: 09:30, 09:32, 09:31, 09:33, with B in time order around it.
  const times = [0, 2, 1, 3];
  const stream = (): SymbolBar[] => times.flatMap((k, i) => [
    { symbol: 'A', time: D1.open + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 },
    { symbol: 'B', time: D1.open + i * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 },
  ]);
  const outcomes = [];
  for (const speed of [0, 1e9]) {
    const data = new SessionData({ intervals: ['5m'] });
    const r = await new SessionCoordinator({ calendar, data, source: iterableSource(stream()), from: D1.date, to: D1.date, speed }).run();
    outcomes.push({ stored: r.barsStored, outOfOrder: r.rejected.out_of_order, a: [...data.bars('A', '1m').time].map((x) => (x - D1.open) / MINUTE) });
  }
  t.deepEqual(outcomes[0], { stored: 7, outOfOrder: 1, a: [0, 2, 3] });
  t.deepEqual(outcomes[1], outcomes[0]);
});

test('a bar timed at ±Infinity is read and rejected as non_finite, from columns and streams, in both modes', async (t) => {
  for (const bad of [Infinity, -Infinity]) {
    for (const at of [0, 1, 2]) {
      const times = [D1.open, D1.open + MINUTE];
      times.splice(at, 0, bad);
      for (const kind of ['columns', 'stream'] as const) {
        for (const speed of [0, 1e9]) {
          const source = kind === 'columns' ? columnsSource({ A: columns(times) }) : iterableSource(times.map((time) => ({ symbol: 'A', time, open: 1, high: 1, low: 1, close: 1, volume: 1 })));
          const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source, from: D1.date, to: D1.date, speed }).run();
          const label = `${bad} at ${at}, ${kind}, speed ${speed}`;
          t.is(r.barsIn, 3, label);
          t.is(r.barsStored, 2, label);
          t.is(r.rejected.non_finite, 1, label);
        }
      }
    }
  }
});

test('a stream leaves out bars of days outside the run, as a column source does', async (t) => {
  const [before, , after] = calendar.sessions('2024-03-04', '2024-03-06') as [typeof D1, typeof D2, typeof D3];
  const data = { SPY: [before.open, D2.open, D2.open + MINUTE, after.open] };
  const reports: RunReport[] = [];
  for (const source of [columnsSource({ SPY: columns(data.SPY) }), streamOf(data)]) {
    for (const speed of [0, 1_000_000]) reports.push(await new SessionCoordinator({ calendar, data: new SessionData(), source, from: D2.date, to: D2.date, speed }).run());
  }
  for (const r of reports) {
    t.is(r.barsIn, 2);
    t.is(r.barsStored, 2);
  }
});

test('clock-driven: a gap that grows is announced by gapExtended, with the record the report lists', async (t) => {
  // SPY stops after 10 minutes; QQQ trades on. The clock finds SPY's gap at the next boundary and
  // extends it at each one after, to the close.
  const source = columnsSource({ SPY: columns(minutes(D1.open, 10)), QQQ: columns(minutes(D1.open, 390)) });
  const coordinator = new SessionCoordinator({ calendar, data: new SessionData(), source, from: D1.date, to: D1.date, speed: 1_000_000 });
  const found: { from: number; to: number }[] = [];
  let extended = 0;
  let lastTo = NaN;
  coordinator.on('gap', (g) => void found.push({ from: g.from, to: g.to }));
  coordinator.on('gapExtended', (g) => {
    extended++;
    lastTo = g.to;
  });
  const r = await coordinator.run();
  t.deepEqual(found, [{ from: D1.open + 10 * MINUTE, to: D1.open + 11 * MINUTE }]);
  const spy = r.gaps.filter((g) => g.symbol === 'SPY');
  t.is(spy.length, 1);
  t.is(spy[0]?.to, D1.close);
  t.is(lastTo, D1.close);
  // Found at the 09:41 boundary (09:40-09:41), then one more minute at each boundary to the 16:00 close: 379.
  t.is(extended, 379);
});

test('readyTimeoutMs: a subscriber that never finishes fails the run with a ReadyTimeoutError naming it', async (t) => {
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '5m', name: 'fine' }, () => {});
  // Never settles from the third 5m bar on.
  let calls = 0;
  engine.subscribe({ interval: '5m', name: 'stuck' }, () => (++calls >= 3 ? new Promise<void>(() => {}) : undefined));
  const source = columnsSource({ SPY: columns(minutes(D1.open, 60)) });
  const run = new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source, from: D1.date, to: D1.date, readyTimeoutMs: 50 }).run();
  const e = await t.throwsAsync(run, { instanceOf: ReadyTimeoutError });
  t.deepEqual(e?.subscribers, ['stuck']);
  t.is(e?.timeoutMs, 50);
  // The clock of the slice that closed the third 5m bar: 09:45, the end of its last minute.
  t.is(e?.at, D1.open + 15 * MINUTE);
  t.regex(e?.message ?? '', /'stuck' still busy at 2024-03-04T14:45:00\.000Z/);
});

test('readyTimeoutMs in a clock-driven run: the error names the clock of the slice it waited on, not the clock when the time ran out', async (t) => {
  const engine = new AnalysisEngine();
  // The 1d bar closes at the session's close; its subscriber never finishes.
  engine.subscribe({ interval: '1d', name: 'stuck' }, () => new Promise<void>(() => {}));
  const source = columnsSource({ SPY: columns(minutes(D1.open, 30)) });
  // At a million simulated ms a wall ms, 200 ms of waiting is more than two simulated days.
  const run = new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['1d'] }), engine, source, from: D1.date, to: D1.date, speed: 1e6, overrun: 'queue', readyTimeoutMs: 200 }).run();
  const e = await t.throwsAsync(run, { instanceOf: ReadyTimeoutError });
  t.deepEqual(e?.subscribers, ['stuck']);
  t.is(e?.at, D1.close);
});

test('readyTimeoutMs in a clock-driven run with overrun queue: a handler that never settles mid-session fails the run, though the process has other work', async (t) => {
  const engine = new AnalysisEngine();
  // The second 5m bar's handler never settles; later slices come due while it is queued.
  let calls = 0;
  let coordinator: SessionCoordinator | undefined;
  // The run's clock when the stuck handler was called: after its dispatch began.
  let calledAt = NaN;
  engine.subscribe({ interval: '5m', name: 'stuck' }, () => {
    if (++calls !== 2) return undefined;
    calledAt = coordinator?.clock.now() ?? NaN;
    return new Promise<void>(() => {});
  });
  const source = columnsSource({ SPY: columns(minutes(D1.open, 30)) });
  // What an open feed or a server does in a live service: the process never runs out of work, so
  // only the limit can end the wait.
  const service = setInterval(() => {}, 50);
  try {
    // 6,000 simulated ms a wall ms: a base minute is 10 ms of wall time.
    coordinator = new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source, from: D1.date, to: D1.date, speed: 6000, overrun: 'queue', readyTimeoutMs: 200 });
    const e = await t.throwsAsync(coordinator.run(), { instanceOf: ReadyTimeoutError });
    t.deepEqual(e?.subscribers, ['stuck']);
    t.is(e?.timeoutMs, 200);
    // The run's clock when the dispatch that delivered the 09:35 bar began: at its 09:40 boundary
    // or a little after (the clock runs on), and no later than the handler's call, where the time
    // ran out 200 ms of wall time (20 simulated minutes) after that.
    const at = e?.at ?? NaN;
    t.true(at >= D1.open + 10 * MINUTE && at <= calledAt, `${new Date(at).toISOString()}, handler called at ${new Date(calledAt).toISOString()}`);
  } finally {
    clearInterval(service);
  }
});

test("a subscriber on SPY 5m sees QQQ's 5m bar of the same bucket, even when QQQ lacks the bucket's last minute", async (t) => {
  // QQQ has no 09:34 bar, so nothing of its own closes its 09:30 bucket before 09:35.
  const spy = minutes(D1.open, 20);
  const qqq = spy.filter((x) => x !== D1.open + 4 * MINUTE);
  for (const speed of [0, 1_000_000]) {
    for (const source of [columnsSource({ SPY: columns(spy), QQQ: columns(qqq) }), streamOf({ SPY: spy, QQQ: qqq })]) {
      const engine = new AnalysisEngine();
      const missing: string[] = [];
      engine.subscribe({ interval: '5m', symbols: ['SPY'] }, (e) => {
        const other = e.data.bars('QQQ', '5m');
        if (other.length === 0 || other.time[other.length - 1] !== e.time) missing.push(new Date(e.time).toISOString().slice(11, 16));
      });
      // At 1e6 a base interval is 60 us of wall time, which a handler's first calls can take ('queue' waits).
      const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source, from: D1.date, to: D1.date, speed, overrun: 'queue' }).run();
      t.is(r.closedBars['5m'], 8);
      t.deepEqual(missing, [], `speed ${speed}`);
    }
  }
});

test("clock-driven over columns: a symbol's gap is found by the clock also when its next bar falls on the tick that finds it", async (t) => {
  // A lacks 10:01 and 10:04-10:05 (its bars at 10:02 and 10:06 are due at the very ticks that
  // find the gaps); B has every minute. By hand: A's gaps are [10:01, 10:02) and [10:04, 10:06).
  const c = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:10' }] });
  const open = Date.UTC(2024, 4, 6, 10);
  const at = (mins: number[]): number[] => mins.map((m) => open + m * MINUTE);
  for (const speed of [1e9, 3_000]) {
    const source = columnsSource({ A: columns(at([0, 2, 3, 6, 7, 8, 9])), B: columns(at([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])) });
    const r = await new SessionCoordinator({ calendar: c, data: new SessionData({ intervals: ['5m'] }), source, from: '2024-05-06', to: '2024-05-06', speed, overrun: 'queue' }).run();
    t.deepEqual(r.gaps.map((g) => [g.symbol, (g.from - open) / MINUTE, (g.to - open) / MINUTE, g.detectedBy]), [['A', 1, 2, 'clock'], ['A', 4, 6, 'clock']], `speed ${speed}`);
    t.is(r.barsStored, 17);
  }
});
