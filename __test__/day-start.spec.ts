/**
 * A session's `dayStart`, worked out when left out: the first instant of its date in its time zone.
 * The oracle is `Intl.DateTimeFormat`, the runtime's own time zone data: the instant found must show
 * the date, and the millisecond before it must show another.
 */
import test from 'ava';
import { Calendar, SessionData, sessionOn } from 'barstream';
import { dayStartOf } from '../src/session.js';

const HOUR = 3_600_000;

const formats = new Map<string, Intl.DateTimeFormat>();
/** The local date (`YYYY-MM-DD`) of instant `t` in `timeZone`, by Intl. */
function localDate(t: number, timeZone: string): string {
  let f = formats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, f);
  }
  return f.format(t);
}

/** Every date of `year`, as `YYYY-MM-DD`. */
function datesOf(year: number): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 24 * HOUR) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

// Zones whose clocks change at or next to midnight (Havana, Santiago, Scoresbysund, Gaza, Tehran),
// by half an hour (Lord Howe), twice a year or never, and UTC.
const ZONES = ['America/New_York', 'Europe/London', 'America/Havana', 'America/Santiago', 'America/Scoresbysund', 'Asia/Gaza', 'Asia/Tehran', 'Australia/Lord_Howe', 'America/Sao_Paulo', 'Asia/Kolkata', 'UTC'];

test('dayStartOf is the first instant of the date in the zone, on every date of several years, midnights skipped or repeated included', (t) => {
  let checked = 0;
  for (const zone of ZONES) {
    for (const year of [1995, 2008, 2011, 2012, 2024]) {
      for (const date of datesOf(year)) {
        const start = dayStartOf(date, zone);
        if (localDate(start, zone) !== date || localDate(start - 1, zone) === date) {
          t.fail(`${zone} ${date}: ${new Date(start).toISOString()} is not the date's first instant`);
          return;
        }
        checked++;
      }
    }
  }
  t.is(checked, ZONES.length * (365 * 2 + 366 * 3));
  t.true(Number.isNaN(dayStartOf('2024-02-30', 'UTC')));
  t.true(Number.isNaN(dayStartOf('2024-03-01', 'America/NewYork')));
});

test('a date whose midnight comes twice starts at the first: Havana, 2024-11-03 (01:00 CDT back to 00:00 CST)', (t) => {
  // By hand: 00:00 CDT (UTC-4) is 04:00Z; the clocks go back at 01:00 CDT (05:00Z) to 00:00 CST.
  const first = Date.UTC(2024, 10, 3, 4);
  t.is(dayStartOf('2024-11-03', 'America/Havana'), first);
  const s = sessionOn('2024-11-03', { open: '09:00', close: '17:00', timeZone: 'America/Havana' });
  t.is(s.dayStart, first);
  t.is(s.open, Date.UTC(2024, 10, 3, 14), '09:00 CST');
  // The calendar and the store agree with it: a session from either opens under clock alignment,
  // with or without its dayStart.
  const c = Calendar.custom({ timeZone: 'America/Havana', sessions: [{ date: '2024-11-03', open: '09:00', close: '17:00' }] });
  t.is(c.session('2024-11-03')?.dayStart, first);
  for (const session of [s, { date: s.date, open: s.open, close: s.close, timeZone: s.timeZone }]) {
    const data = new SessionData({ intervals: ['1h'], alignment: 'clock' });
    t.notThrows(() => data.beginSession(session));
    t.is(data.session?.dayStart, first);
  }
  // 24:00 of the day before is this first instant too.
  t.is(sessionOn('2024-11-02', { open: '09:00', close: '24:00', timeZone: 'America/Havana' }).close, first);
});
