/**
 * Gaps that a live run fills at the edges: a bar come late for a slot already reported, a bar the
 * store rejects for its prices, a symbol first seen mid-session, and a filler whose bars throw when
 * read. Each gap must be found, and filled, before the buckets of its slots close: a filled bar the
 * store rejects as `late` would be counted as late data the feed never sent. The slots, fills and
 * volumes expected are worked out by hand. Also a backtest's gaps around a bar rejected for its
 * prices: the same in both drives.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { Bar, RunReport, Session, SymbolBar } from 'barstream';

const SECOND = 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** A live session of `seconds` 1s slots starting two seconds from now, on a whole second. */
function liveSession(seconds: number): Session {
  const open = Math.ceil(Date.now() / SECOND) * SECOND + 2 * SECOND;
  return { date: new Date(open).toISOString().slice(0, 10), open, close: open + seconds * SECOND, timeZone: 'UTC', dayStart: open - (open % 86_400_000) };
}

/** Bar `k` of `symbol`: volume 100 + k (and 150 + k for a second symbol), so a 3s bar's volume tells which slots it holds. */
const barAt = (session: Session, symbol: string, k: number, base = 100): SymbolBar => ({ symbol, time: session.open + k * SECOND, open: 10 + k, high: 12 + k, low: 9 + k, close: 11 + k, volume: base + k });

const plainBar = ({ time, open, high, low, close, volume }: SymbolBar): Bar => ({ time, open, high, low, close, volume });

interface Sent {
  bar: SymbolBar;
  /** Wall time it is sent at: by default 50 ms after its slot ends. */
  at?: number;
}

/** A live run of 1s bars into 3s buckets, 250 ms of grace, 400 ms for a fill; the feed sends `plan`, then stays quiet. */
async function liveRun(session: Session, plan: Sent[], fill: ((symbol: string, from: number, to: number) => Promise<readonly Bar[]>) | undefined, symbols?: string[]) {
  const sorted = plan.map((p) => ({ bar: p.bar, at: p.at ?? p.bar.time + SECOND + 50 })).sort((a, b) => a.at - b.at);
  async function* feed(): AsyncGenerator<SymbolBar> {
    for (const p of sorted) {
      await sleep(p.at - Date.now());
      yield p.bar;
    }
    await new Promise(() => {});
  }
  const engine = new AnalysisEngine();
  const threeSecond: string[] = [];
  engine.subscribe({ interval: '3s' }, (e) => void threeSecond.push(`${e.symbol}@${(e.time - session.open) / SECOND} v${e.bar.volume}`));
  const report: RunReport = await new SessionCoordinator({
    calendar: { sessions: () => [session] },
    data: new SessionData({ baseInterval: '1s', intervals: ['3s'] }),
    engine,
    source: iterableSource(feed()),
    mode: 'live',
    from: session.date,
    to: session.date,
    closeDelayMs: 250,
    fillDeadlineMs: 400,
    ...(fill === undefined ? {} : { fill }),
    ...(symbols === undefined ? {} : { symbols }),
  }).run();
  const gaps = report.gaps.map((g) => `${g.symbol} [${(g.from - session.open) / SECOND},${(g.to - session.open) / SECOND}) ${g.state} filled ${g.filledBars} stored ${g.storedBars}`);
  return { report, threeSecond, gaps };
}

test('live: a bar come late for a reported slot does not hide the next slot gap; it is filled before its bucket closes', async (t) => {
  const session = liveSession(6);
  const bars = Array.from({ length: 6 }, (_, k) => barAt(session, 'A', k));
  // Slot 4 comes at +5.5 s (after its grace, before [3,6) closes); slot 5 never comes from the feed.
  const plan = bars.filter((_, k) => k !== 5).map((bar, k) => (k === 4 ? { bar, at: session.open + 5500 } : { bar }));
  const asked: string[] = [];
  // The filler has every bar but slot 4's.
  const r = await liveRun(session, plan, async (symbol, from, to) => {
    asked.push(`[${(from - session.open) / SECOND},${(to - session.open) / SECOND})`);
    return bars.filter((b) => b.symbol === symbol && b.time >= from && b.time < to && b.time !== session.open + 4 * SECOND).map(plainBar);
  }, ['A']);
  t.deepEqual(asked, ['[4,5)', '[5,6)']);
  t.is(r.report.rejected.late, 0);
  t.is(r.report.barsStored, 6);
  // Five bars from the feed and one from the filler.
  t.is(r.report.barsIn, 6);
  t.is(r.report.filledBars, 1);
  // [3,6) holds slots 3, 4 and 5: 103 + 104 + 105.
  t.deepEqual(r.threeSecond, ['A@0 v303', 'A@3 v312']);
});

test('live: a feed bar rejected for its prices in the last slot of a bucket is no bar there; the slot is filled before the bucket closes', async (t) => {
  const session = liveSession(6);
  const bars = Array.from({ length: 6 }, (_, k) => barAt(session, 'A', k));
  const plan = bars.map((bar, k) => ({ bar: k === 2 ? { ...bar, high: bar.open - 1 } : bar }));
  const asked: string[] = [];
  const r = await liveRun(session, plan, async (symbol, from, to) => {
    asked.push(`[${(from - session.open) / SECOND},${(to - session.open) / SECOND})`);
    return bars.filter((b) => b.symbol === symbol && b.time >= from && b.time < to).map(plainBar);
  }, ['A']);
  t.deepEqual(asked, ['[2,3)']);
  t.is(r.report.rejected.high_below_open_close, 1);
  t.is(r.report.rejected.late, 0);
  // [0,3) holds the filled slot 2: 100 + 101 + 102.
  t.deepEqual(r.threeSecond, ['A@0 v303', 'A@3 v312']);
  t.deepEqual(r.gaps, ['A [2,3) filled filled 1 stored 1']);
});

test('live: a symbol first seen mid-session is filled only for slots whose buckets are open, and nothing it gives counts as late', async (t) => {
  const session = liveSession(9);
  const a = Array.from({ length: 9 }, (_, k) => barAt(session, 'A', k));
  const b = Array.from({ length: 9 }, (_, k) => barAt(session, 'B', k, 150));
  // B is not declared and its first bar is slot 5: found at the 6 s boundary, when [0,3) has closed.
  const asked: string[] = [];
  const r = await liveRun(session, [...a, ...b.slice(5)].map((bar) => ({ bar })), async (symbol, from, to) => {
    asked.push(`${symbol} [${(from - session.open) / SECOND},${(to - session.open) / SECOND})`);
    return b.filter((x) => x.symbol === symbol && x.time >= from && x.time < to).map(plainBar);
  });
  t.deepEqual(asked, ['B [3,5)']);
  t.is(r.report.rejected.late, 0);
  // The gap is all five slots; two of them were filled.
  t.deepEqual(r.gaps, ['B [0,5) filled filled 2 stored 2']);
  // B's [3,6) holds 153 + 154 + 155.
  t.true(r.threeSecond.includes('B@3 v462'), r.threeSecond.join(' '));
});

test('live: a gap none of whose slots can still take a bar is unfilled without asking the filler', async (t) => {
  const session = liveSession(5);
  const a = Array.from({ length: 5 }, (_, k) => barAt(session, 'A', k));
  const b = Array.from({ length: 5 }, (_, k) => barAt(session, 'B', k, 150));
  // B's first bar is slot 3: its gap [0,3) is found at the 4 s boundary, after [0,3) closed at 3 s.
  const asked: string[] = [];
  const r = await liveRun(session, [...a, ...b.slice(3)].map((bar) => ({ bar })), async (symbol, from, to) => {
    asked.push(`${symbol} [${(from - session.open) / SECOND},${(to - session.open) / SECOND})`);
    return [];
  });
  t.deepEqual(asked, []);
  t.deepEqual(r.gaps, ['B [0,3) unfilled filled 0 stored 0']);
  t.regex(r.report.gaps[0]?.reason ?? '', /the buckets of its slots had closed/);
  t.is(r.report.rejected.late, 0);
});

test('live, no filler: a bar come late for a reported slot stops its gap growing; the slots missing after it are a gap of their own', async (t) => {
  const session = liveSession(7);
  const bars = Array.from({ length: 7 }, (_, k) => barAt(session, 'A', k));
  // Slot 3 comes at +5.5 s, after the 5 s boundary extended its gap over slot 4, and before its
  // bucket [3,6) closes; slots 4 and 5 never come.
  const plan = bars.filter((_, k) => k !== 4 && k !== 5).map((bar) => (bar.time === session.open + 3 * SECOND ? { bar, at: session.open + 5500 } : { bar }));
  const r = await liveRun(session, plan, undefined, ['A']);
  t.is(r.report.barsStored, 5);
  t.is(r.report.rejected.late, 0);
  // [3,5): reported at 4 s, extended at 5 s; slot 3 stored late in it. [5,6): found at 6 s.
  t.deepEqual(r.gaps, ['A [3,5) reported filled 0 stored 1', 'A [5,6) reported filled 0 stored 0']);
  t.is(r.report.qualityTotals.missing, 2);
});

test("live: a filler's bar whose fields throw when read fails its gap's fill, not the run", async (t) => {
  const session = liveSession(6);
  const bars = Array.from({ length: 6 }, (_, k) => barAt(session, 'A', k));
  const r = await liveRun(session, bars.filter((_, k) => k !== 3).map((bar) => ({ bar })), async () => [
    {
      ...plainBar(bars[3]!),
      get time(): number {
        throw new Error('getter boom');
      },
    },
  ], ['A']);
  t.is(r.report.barsStored, 5);
  t.is(r.report.gaps.length, 1);
  t.is(r.report.gaps[0]?.state, 'unfilled');
  t.regex(r.report.gaps[0]?.reason ?? '', /fill failed: reading its bars threw getter boom/);
});

test('backtest: a bar rejected for its prices inside a gap leaves one gap, the same in both drives', async (t) => {
  const MINUTE = 60_000;
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:05' }] });
  const open = calendar.session('2024-05-06')!.open;
  // 10:00, 10:02 (high below its open: rejected) and 10:03; 10:01, 10:02 and 10:04 hold no stored bar.
  const columns = { A: { time: [0, 2, 3].map((k) => open + k * MINUTE), open: [10, 10, 10], high: [11, 9, 11], low: [9, 9, 9], close: [10, 10, 10], volume: [1, 1, 1] } };
  const spans: string[][] = [];
  for (const speed of [0, 1e9]) {
    const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: columnsSource(columns), from: '2024-05-06', to: '2024-05-06', speed, overrun: 'queue' }).run();
    t.is(r.gapCount, 2, `speed ${speed}`);
    t.is(r.qualityTotals.gaps, 2, `speed ${speed}`);
    t.is(r.qualityTotals.missing, 3, `speed ${speed}`);
    spans.push(r.gaps.map((g) => `[${(g.from - open) / MINUTE},${(g.to - open) / MINUTE})`));
  }
  t.deepEqual(spans, [
    ['[1,3)', '[4,5)'],
    ['[1,3)', '[4,5)'],
  ]);
});

test('live: a second run of the same coordinator counts the bars filled in it, not those of the first run too', async (t) => {
  let session = liveSession(4);
  // Slot 1 never comes from the feed; the filler has it.
  const barsOf = (s: Session): SymbolBar[] => Array.from({ length: 4 }, (_, k) => barAt(s, 'A', k));
  async function* feed(): AsyncGenerator<SymbolBar> {
    for (const bar of barsOf(session).filter((_, k) => k !== 1)) {
      await sleep(bar.time + SECOND + 50 - Date.now());
      yield bar;
    }
    await new Promise(() => {});
  }
  // What the filler returned in each run: slot 1, and, on a machine loaded enough to hold a feed's
  // bar past its grace, that bar too (filled, so still stored). Each run counts its own.
  let returned = 0;
  const coordinator = new SessionCoordinator({
    calendar: { sessions: () => [session] },
    data: new SessionData({ baseInterval: '1s', intervals: ['3s'] }),
    source: iterableSource({ [Symbol.asyncIterator]: () => feed() }),
    mode: 'live',
    from: session.date,
    to: session.date,
    // A second of grace and of fill time: the counts, not the timing, are what this test is about.
    closeDelayMs: 1000,
    fillDeadlineMs: 1000,
    fill: async (symbol, from, to) => {
      const bars = barsOf(session).filter((b) => b.symbol === symbol && b.time >= from && b.time < to).map(plainBar);
      returned += bars.length;
      return bars;
    },
    symbols: ['A'],
  });
  const first = await coordinator.run();
  t.true(returned >= 1);
  t.is(first.filledBars, returned);
  t.is(first.barsStored, 4);
  // The next run's session, later on the same store.
  session = liveSession(4);
  returned = 0;
  const second = await coordinator.run();
  t.true(returned >= 1);
  t.is(second.filledBars, returned);
  t.is(second.barsStored, 4);
});
