import test from 'ava';
import { AnalysisEngine, SessionCoordinator, SessionData } from 'barstream';
import type { Bar, Session, SessionCalendar, StreamSource, SymbolBar } from 'barstream';
import { plain, threeSecond } from './helpers/live.js';

const SECOND = 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A live session of `seconds` 1s slots starting two seconds from now, on a whole second. */
function liveSession(seconds: number): Session {
  const open = Math.ceil(Date.now() / SECOND) * SECOND + 2 * SECOND;
  return { date: new Date(open).toISOString().slice(0, 10), open, close: open + seconds * SECOND, timeZone: 'UTC', dayStart: open - (open % 86_400_000) };
}

function barsOf(session: Session, symbol: string, count: number): SymbolBar[] {
  return Array.from({ length: count }, (_, k) => ({ symbol, time: session.open + k * SECOND, open: 10 + k, high: 12 + k, low: 9 + k, close: 11 + k, volume: 100 + k }));
}

/** A feed that sends each bar 50 ms after its second ends, leaving out `skip`. */
function feed(bars: readonly SymbolBar[], skip: (b: SymbolBar) => boolean): StreamSource {
  return {
    kind: 'stream',
    async *[Symbol.asyncIterator]() {
      for (const bar of bars) {
        if (skip(bar)) continue;
        await sleep(Math.max(0, bar.time + SECOND + 50 - Date.now()));
        yield bar;
      }
    },
  };
}


type Filler = (all: readonly SymbolBar[]) => (symbol: string, from: number, to: number) => Promise<readonly Bar[]>;

/** A live run of `seconds` 1s slots of ETH; the feed never sends seconds `skipped` (3 and 4 by default). */
async function run(filler: Filler, seconds = 9, skipped: readonly number[] = [3, 4]) {
  const session = liveSession(seconds);
  const calendar: SessionCalendar = { sessions: () => [session] };
  const all = barsOf(session, 'ETH', seconds);
  const missing = (b: SymbolBar): boolean => skipped.includes((b.time - session.open) / SECOND);
  const data = new SessionData({ baseInterval: '1s', intervals: ['3s'] });
  const engine = new AnalysisEngine();
  const delivered: Bar[] = [];
  engine.subscribe({ interval: '3s' }, (e) => void delivered.push(e.bar));
  const fill = filler(all);
  const report = await new SessionCoordinator({
    calendar, data, engine, source: feed(all, missing), mode: 'live', from: session.date, to: session.date, closeDelayMs: 250, fillDeadlineMs: 400, fill,
  }).run();
  return { session, all, missing, report, delivered };
}

test('live: gaps are detected, the filler returns the missing seconds, and the derived bars equal an uninterrupted run', async (t) => {
  const r = await run((all) => async (symbol, from, to) => all.filter((b) => b.symbol === symbol && b.time >= from && b.time < to).map(plain));
  t.is(r.report.barsStored, 9, JSON.stringify(r.report.gaps));
  t.deepEqual(r.delivered, threeSecond(r.all.map(plain), r.session.open));
  t.true(r.report.gaps.length >= 1);
  t.true(r.report.gaps.every((g) => g.symbol === 'ETH' && g.state === 'filled'));
  t.is(r.report.gaps.reduce((n, g) => n + g.filledBars, 0), 2);
  t.is(r.report.gaps.reduce((n, g) => n + g.storedBars, 0), 2);
  t.is(Math.min(...r.report.gaps.map((g) => g.from)), r.session.open + 3 * SECOND);
  t.is(Math.max(...r.report.gaps.map((g) => g.to)), r.session.open + 5 * SECOND);
  t.is(Object.values(r.report.rejected).reduce((a, b) => a + b, 0), 0);
});

test('live: a filler whose bars the store rejects leaves the gap unfilled, and says so; the rejections are counted', async (t) => {
  // The missing seconds come back with high below open: invalid.
  const r = await run((all) => async (symbol, from, to) => all.filter((b) => b.symbol === symbol && b.time >= from && b.time < to).map((b) => ({ ...plain(b), high: b.open - 1 })));
  t.is(r.report.barsStored, 7);
  t.is(r.report.rejected.high_below_open_close, 2);
  t.true(r.report.gaps.length >= 1);
  t.true(r.report.gaps.every((g) => g.state === 'unfilled' && g.storedBars === 0 && /store rejected/.test(g.reason ?? '')), JSON.stringify(r.report.gaps));
  t.is(r.report.gaps.reduce((n, g) => n + g.filledBars, 0), 2);
});

test('live: a filler that misses the deadline leaves the gap unfilled and every other bar right', async (t) => {
  const r = await run(() => () => new Promise<readonly Bar[]>(() => {}));
  t.is(r.report.barsStored, 7);
  t.deepEqual(r.delivered, threeSecond(r.all.filter((b) => !r.missing(b)).map(plain), r.session.open));
  t.true(r.report.gaps.length >= 1);
  t.true(r.report.gaps.every((g) => g.state === 'unfilled' && /no answer within 400 ms/.test(g.reason ?? '')));
  t.is(Math.min(...r.report.gaps.map((g) => g.from)), r.session.open + 3 * SECOND);
  t.is(Math.max(...r.report.gaps.map((g) => g.to)), r.session.open + 5 * SECOND);
});

test('live: a filler that throws at once leaves the gap unfilled with its error, and the run goes on', async (t) => {
  const r = await run(
    () => () => {
      throw new Error('no cache for that range');
    },
    4,
    [1, 2],
  );
  t.is(r.report.barsStored, 2);
  t.deepEqual(r.delivered, threeSecond(r.all.filter((b) => !r.missing(b)).map(plain), r.session.open));
  t.true(r.report.gaps.length >= 1);
  t.true(r.report.gaps.every((g) => g.state === 'unfilled' && /fill failed: no cache for that range/.test(g.reason ?? '')), JSON.stringify(r.report.gaps));
});

test('live: a filler that returns the bars themselves (no promise) fills the gap', async (t) => {
  const r = await run((all) => ((symbol: string, from: number, to: number) => all.filter((b) => b.symbol === symbol && b.time >= from && b.time < to).map(plain)) as never, 4, [1, 2]);
  t.is(r.report.barsStored, 4, JSON.stringify(r.report.gaps));
  t.deepEqual(r.delivered, threeSecond(r.all.map(plain), r.session.open));
  t.true(r.report.gaps.every((g) => g.state === 'filled'));
  t.is(r.report.gaps.reduce((n, g) => n + g.filledBars, 0), 2);
});
