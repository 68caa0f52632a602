/**
 * What runs leave behind in a process that makes many of them: stores they dropped, and how far
 * they read their sources ahead. No timing assertions; bounds are generous.
 */
import test from 'ava';
import { AnalysisEngine, SessionCoordinator, SessionData, columnsSource } from '../src/index.js';
import type { Session } from '../src/index.js';
import { SLOT, SLOT_HANDLE } from '../src/native.js';

const MINUTE = 60_000;
const OPEN = Date.UTC(2024, 5, 3, 13, 30);
const SESSION: Session = { date: '2024-06-03', open: OPEN, close: OPEN + 390 * MINUTE, timeZone: 'America/New_York', dayStart: Date.UTC(2024, 5, 3, 4) };

/** The native handle of `data`: the calling slot holds it after a call that names the store. */
function handleOf(data: SessionData): number {
  data.forming('A', '5m');
  return SLOT[SLOT_HANDLE] as number;
}

test('a loop of awaited runs, a store made per run, frees the stores it dropped as it goes', async (t) => {
  // Every run's subscribers finish synchronously, so nothing in a run turns the event loop, where
  // Node-API runs the finalizers of collected stores. A store freed gives its handle to the next
  // one made; a store kept holds its handle and its memory. Freed as it goes, the loop reuses a
  // few dozen handles; kept, it used a new handle every run (500 of 500).
  const time = Float64Array.from({ length: 390 }, (_, k) => OPEN + k * MINUTE);
  const ones = new Float64Array(390).fill(1);
  const columns = { time, open: ones, high: ones, low: ones, close: ones, volume: ones };
  const runs = 500;
  let first = -1;
  let highest = -1;
  for (let i = 0; i < runs; i++) {
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    engine.subscribe({ interval: '5m' }, () => undefined);
    const report = await new SessionCoordinator({ calendar: { sessions: () => [SESSION] }, data, engine, source: columnsSource({ A: columns }), from: SESSION.date, to: SESSION.date }).run();
    if (i === 0) t.is(report.delivered, 78);
    const handle = handleOf(data);
    if (first < 0) first = handle;
    highest = Math.max(highest, handle);
  }
  t.true(highest - first < runs / 2, `handles ${first} to ${highest} over ${runs} runs`);
});
