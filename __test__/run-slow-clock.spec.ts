/**
 * Clock-driven runs so slow that one base interval is more wall time than a timer can hold
 * (2^31 - 1 ms, about 24.8 days): the coordinator's waits must neither fire early nor wait wrong.
 */
import test from 'ava';
import { AnalysisEngine, SessionCoordinator, SessionData, SimulatedClock, iterableSource } from 'barstream';
import type { RunReport, Session, SymbolBar } from 'barstream';

const MINUTE = 60_000;
const OPEN = Date.UTC(2024, 0, 2, 14, 30);
const SESSION: Session = { date: '2024-01-02', open: OPEN, close: OPEN + 10 * MINUTE, timeZone: 'UTC', dayStart: OPEN - (OPEN % 86_400_000) };
const bar = (symbol: string, k: number): SymbolBar => ({ symbol, time: OPEN + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 });
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// At speed 1e-5 a simulated minute is 60_000 / 1e-5 = 6e9 wall ms (about 69 days): the subscribers
// of the first boundary have that long before the next one is due. The clock is moved to that first
// boundary as the session starts, so the run does not wait 69 days to reach it; a handler busy for
// 50 ms is then far inside its share, and the run is stopped once it is done.
for (const overrun of ['fail', 'queue'] as const) {
  test.serial(`speed 1e-5, overrun '${overrun}': a handler busy for a moment of a 69-day base interval is no overrun, and no timer overflows`, async (t) => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const engine = new AnalysisEngine();
      const coordinator = new SessionCoordinator({
        calendar: { sessions: () => [SESSION] },
        data: new SessionData({ intervals: ['5m'] }),
        engine,
        source: iterableSource([bar('A', 0), bar('A', 1)]),
        from: SESSION.date,
        to: SESSION.date,
        speed: 1e-5,
        overrun,
      });
      coordinator.on('sessionStart', (session) => (coordinator.clock as SimulatedClock).anchor(session.open + MINUTE));
      let handled = 0;
      engine.subscribe({ interval: '1m', name: 'slow' }, async () => {
        await delay(50);
        handled++;
        // Once the handler is done: the next boundary is 69 days away.
        setTimeout(() => coordinator.stop(), 20);
      });
      const report: RunReport = await coordinator.run();
      t.true(report.stopped);
      // The bar at the open came due at the first boundary; the one a minute later never did.
      t.is(report.barsIn, 1);
      t.is(report.delivered, 1);
      t.is(handled, 1);
      t.is(report.overrunCount, 0);
      t.deepEqual(report.overruns, []);
      await new Promise((resolve) => setImmediate(resolve));
      t.deepEqual(warnings.filter((w) => w === 'TimeoutOverflowWarning'), []);
    } finally {
      process.off('warning', onWarning);
    }
  });
}
