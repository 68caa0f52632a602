/**
 * A live run whose handler holds the thread past the next boundary's grace, fed by timers (a
 * simulator, an in-process replay): the feed's bars that came within their grace while the
 * thread was held go in, none late. Wall-clock test: a session of five 1s slots about a second
 * from now.
 */
import test from 'ava';
import { AnalysisEngine, SessionCoordinator, SessionData, iterableSource } from 'barstream';
import type { SymbolBar } from 'barstream';

const SECOND = 1000;

test("a handler that holds the thread past a boundary's grace, under overrun 'queue': the timer-fed bars that came within their grace are stored, none late", async (t) => {
  const open = Math.ceil(Date.now() / SECOND) * SECOND + 1500;
  const close = open + 5 * SECOND;
  const date = new Date(open).toISOString().slice(0, 10);
  // Bar k (the slot from open + k s) comes 50 ms after its slot ends, well within the 400 ms grace.
  const feed: AsyncIterable<SymbolBar> = {
    [Symbol.asyncIterator]() {
      let k = 0;
      return {
        next: async (): Promise<IteratorResult<SymbolBar>> => {
          if (k >= 5) return new Promise<IteratorResult<SymbolBar>>(() => {});
          const due = open + (k + 1) * SECOND + 50;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
          const time = open + k++ * SECOND;
          return { done: false, value: { symbol: 'A', time, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 } };
        },
        return: async (): Promise<IteratorResult<SymbolBar>> => ({ done: true, value: undefined }),
      };
    },
  };
  const engine = new AnalysisEngine();
  const seen: number[] = [];
  engine.subscribe({ interval: '1s', name: 'busy' }, (e) => {
    seen.push((e.time - open) / SECOND);
    // Delivered about open + 2.4 s; held to about open + 4 s: bar 2's timer (open + 3.05 s) and the
    // boundary of open + 3 s (due at 3.4 s) both expire meanwhile.
    if (e.time === open + SECOND) {
      const end = performance.now() + 1600;
      while (performance.now() < end);
    }
  });
  const report = await new SessionCoordinator({
    calendar: { sessions: () => [{ date, open, close, timeZone: 'UTC', dayStart: open - (open % 86_400_000) }] },
    data: new SessionData({ baseInterval: '1s', intervals: ['2s'] }),
    engine,
    source: iterableSource(feed),
    from: date,
    to: date,
    mode: 'live',
    closeDelayMs: 400,
    overrun: 'queue',
  }).run();
  t.deepEqual(seen, [0, 1, 2, 3, 4]);
  t.is(report.barsStored, 5);
  t.deepEqual(Object.entries(report.rejected).filter(([, n]) => n > 0), []);
  t.is(report.gapCount, 0);
  t.true(report.overrunCount >= 1);
});
