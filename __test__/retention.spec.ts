/**
 * retainSessions over many sessions: after every endSession the store holds exactly the last N
 * sessions (checked against the naive aggregation of those sessions), and views taken earlier keep
 * reading what they held, whether the store dropped bars in place or moved them to a new block.
 */
import test from 'ava';
import { SessionData } from 'barstream';
import type { Bar, BarsView, Session } from 'barstream';
import { aggregateSessions, diffBars, viewBars } from './helpers/naive.js';
import { MINUTE, nySummerSession } from './helpers/sessions.js';

/** 30 summer weekdays of 2013 (June 3 to July 12, no holidays needed: the store has no calendar). */
function weekdays(count: number): Session[] {
  const out: Session[] = [];
  const d = new Date(Date.UTC(2013, 5, 3));
  while (out.length < count) {
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(nySummerSession(d.toISOString().slice(0, 10)));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** A session's bars with a gap pattern that changes by day, prices from the day and minute. */
function dayBars(session: Session, day: number): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < 390; i++) {
    if ((i + day) % 7 === 3) continue;
    const open = 100 + day + (i % 11) * 0.25;
    const close = 100 + day + ((i * 3) % 13) * 0.25;
    out.push({ time: session.open + i * MINUTE, open, high: Math.max(open, close) + 0.5, low: Math.min(open, close) - 0.5, close, volume: 100 + i });
  }
  return out;
}

test('retainSessions: 3 over 30 sessions keeps exactly the last three; old views stay intact', (t) => {
  const sessions = weekdays(30);
  const days = sessions.map((session, k) => ({ session, bars: dayBars(session, k) }));
  const data = new SessionData({ intervals: ['5m', '1h', '1d'], retainSessions: 3 });
  const held: { view: BarsView; expected: Bar[] }[] = [];
  days.forEach(({ session, bars }, k) => {
    data.beginSession(session);
    for (const b of bars) data.append('SPY', b);
    data.endSession();
    const kept = days.slice(Math.max(0, k - 2), k + 1);
    for (const interval of ['1m', '5m', '1h', '1d']) {
      const expected = interval === '1m' ? kept.flatMap((d) => d.bars) : aggregateSessions(kept, interval);
      const view = data.bars('SPY', interval);
      const diff = diffBars(view, expected);
      if (diff !== null) t.fail(`after session ${k}, ${interval}: ${diff}`);
      if (interval === '5m') held.push({ view, expected });
    }
  });
  // Every view taken along the way still reads the bars it was made over.
  held.forEach(({ view, expected }, k) => {
    const diff = diffBars(view, expected);
    if (diff !== null) t.fail(`view after session ${k}: ${diff}`);
  });
  t.is(held.length, 30);
  t.deepEqual(viewBars(data.bars('SPY', '1d')).map((b) => b.time), sessions.slice(27).map((s) => s.open));
});
