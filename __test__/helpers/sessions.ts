/**
 * Sessions built by hand, independent of `sessionOn` (which uses luxon). Every date used here is in
 * US summer time (EDT, UTC-4), so 09:30 New York is 13:30 UTC, 16:00 is 20:00 UTC and New York
 * midnight is 04:00 UTC.
 */
import type { Bar, Session } from 'barstream';
import { Rng } from './prng.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** The 09:30-16:00 New York session of `date` (YYYY-MM-DD, a summer-time date). */
export function nySummerSession(date: string): Session {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return {
    date,
    open: Date.UTC(y, m - 1, d, 13, 30),
    close: Date.UTC(y, m - 1, d, 20, 0),
    timeZone: 'America/New_York',
    dayStart: Date.UTC(y, m - 1, d, 4, 0),
  };
}

/** Epoch ms of `hh:mm` New York summer time on the session's date. */
export function nyTime(session: Session, hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return session.dayStart + h * HOUR + m * MINUTE;
}

/** A random walk of 1m bars from 100, every minute of `session`, in whole cents. */
export function randomWalkDay(seed: number, session: Session): Bar[] {
  const rng = new Rng(seed);
  const bars: Bar[] = [];
  let price = 100;
  for (let t = session.open; t < session.close; t += MINUTE) {
    const open = price;
    const close = Math.round(open * (1 + (rng.next() - 0.5) * 0.004) * 100) / 100;
    bars.push({ time: t, open, high: Math.max(open, close) + rng.int(0, 5) / 100, low: Math.min(open, close) - rng.int(0, 5) / 100, close, volume: rng.int(100, 10_000) });
    price = close;
  }
  return bars;
}
