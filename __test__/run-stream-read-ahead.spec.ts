/**
 * A clock-driven backtest reads its stream to the end after the last close, whatever the times of
 * the bars it holds: a bar timed +Infinity last among more than the read-ahead (65,536 bars) once
 * held the reader back for good, and the run never settled.
 */
import test from 'ava';
import { AnalysisEngine, SessionCoordinator, SessionData, iterableSource } from 'barstream';

const MINUTE = 60_000;
const day = Date.UTC(2024, 4, 6);
const session = { date: '2024-05-06', open: day + 600 * MINUTE, close: day + 610 * MINUTE, timeZone: 'UTC', dayStart: day };
const calendar = { sessions: () => [session] };
const AFTER = 70_000;

async function* bars() {
  for (let m = 0; m < 10; m++) yield { symbol: 'A', time: session.open + m * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  // After the close: 500 symbols a minute for 140 minutes, rejected as outside the session.
  for (let i = 0; i < AFTER; i++) yield { symbol: `S${i % 500}`, time: session.close + Math.floor(i / 500) * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  yield { symbol: 'A', time: Infinity, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  yield { symbol: 'A', time: session.close + 200 * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 };
}

test('clock-driven stream: a bar timed +Infinity after more than the read-ahead does not stall the end of the run', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({
    calendar, data, engine: new AnalysisEngine(), source: iterableSource(bars()),
    from: '2024-05-06', to: '2024-05-06', speed: 1e9, overrun: 'queue',
  }).run();
  // 10 in the session, 70,000 + 1 past the close, 1 not finite.
  t.is(report.barsIn, 10 + AFTER + 2);
  t.is(report.barsStored, 10);
  t.is(report.rejected.outside_session, AFTER + 1);
  t.is(report.rejected.non_finite, 1);
  t.is(report.closedBars['5m'], 2);
});
