import test from 'ava';
import { Calendar } from '../src/calendar/index.js';
import type { CalendarSession } from '../src/calendar/index.js';
import { ConfigError, SessionError } from '../src/errors.js';
import { sessionOn } from '../src/session.js';
import type { Session } from '../src/types.js';

// ---------------------------------------------------------------------------------------------
// The record, written out by hand. Sources: NYSE Group's published holiday and early-closing
// calendars (2015-2028), NYSE's history of closings and shortened sessions for 2000-2014 (as
// transcribed in pandas_market_calendars), and NYSE Rule 7.2 for 2029-2030 (not yet published).
// Nothing here is computed by the code under test.
// ---------------------------------------------------------------------------------------------

/** Every weekday XNYS was (or will be) closed all day, 2000-2030. */
const CLOSED: Record<number, string[]> = {
  // 2000-01-01 was a Saturday: no holiday (and 1999-12-31 traded).
  2000: ['01-17', '02-21', '04-21', '05-29', '07-04', '09-04', '11-23', '12-25'],
  2001: ['01-01', '01-15', '02-19', '04-13', '05-28', '07-04', '09-03', '09-11', '09-12', '09-13', '09-14', '11-22', '12-25'],
  2002: ['01-01', '01-21', '02-18', '03-29', '05-27', '07-04', '09-02', '11-28', '12-25'],
  2003: ['01-01', '01-20', '02-17', '04-18', '05-26', '07-04', '09-01', '11-27', '12-25'],
  // Reagan day of mourning 06-11; July 4 a Sunday (07-05); Christmas a Saturday (12-24); 2005-01-01
  // a Saturday, so 2004-12-31 traded.
  2004: ['01-01', '01-19', '02-16', '04-09', '05-31', '06-11', '07-05', '09-06', '11-25', '12-24'],
  2005: ['01-17', '02-21', '03-25', '05-30', '07-04', '09-05', '11-24', '12-26'],
  2006: ['01-02', '01-16', '02-20', '04-14', '05-29', '07-04', '09-04', '11-23', '12-25'],
  // Ford day of mourning 01-02.
  2007: ['01-01', '01-02', '01-15', '02-19', '04-06', '05-28', '07-04', '09-03', '11-22', '12-25'],
  2008: ['01-01', '01-21', '02-18', '03-21', '05-26', '07-04', '09-01', '11-27', '12-25'],
  2009: ['01-01', '01-19', '02-16', '04-10', '05-25', '07-03', '09-07', '11-26', '12-25'],
  2010: ['01-01', '01-18', '02-15', '04-02', '05-31', '07-05', '09-06', '11-25', '12-24'],
  2011: ['01-17', '02-21', '04-22', '05-30', '07-04', '09-05', '11-24', '12-26'],
  // Hurricane Sandy 10-29 and 10-30.
  2012: ['01-02', '01-16', '02-20', '04-06', '05-28', '07-04', '09-03', '10-29', '10-30', '11-22', '12-25'],
  2013: ['01-01', '01-21', '02-18', '03-29', '05-27', '07-04', '09-02', '11-28', '12-25'],
  2014: ['01-01', '01-20', '02-17', '04-18', '05-26', '07-04', '09-01', '11-27', '12-25'],
  2015: ['01-01', '01-19', '02-16', '04-03', '05-25', '07-03', '09-07', '11-26', '12-25'],
  2016: ['01-01', '01-18', '02-15', '03-25', '05-30', '07-04', '09-05', '11-24', '12-26'],
  2017: ['01-02', '01-16', '02-20', '04-14', '05-29', '07-04', '09-04', '11-23', '12-25'],
  // G. H. W. Bush day of mourning 12-05.
  2018: ['01-01', '01-15', '02-19', '03-30', '05-28', '07-04', '09-03', '11-22', '12-05', '12-25'],
  2019: ['01-01', '01-21', '02-18', '04-19', '05-27', '07-04', '09-02', '11-28', '12-25'],
  2020: ['01-01', '01-20', '02-17', '04-10', '05-25', '07-03', '09-07', '11-26', '12-25'],
  // No Juneteenth before 2022. 2022-01-01 a Saturday: 2021-12-31 traded.
  2021: ['01-01', '01-18', '02-15', '04-02', '05-31', '07-05', '09-06', '11-25', '12-24'],
  2022: ['01-17', '02-21', '04-15', '05-30', '06-20', '07-04', '09-05', '11-24', '12-26'],
  2023: ['01-02', '01-16', '02-20', '04-07', '05-29', '06-19', '07-04', '09-04', '11-23', '12-25'],
  2024: ['01-01', '01-15', '02-19', '03-29', '05-27', '06-19', '07-04', '09-02', '11-28', '12-25'],
  // Carter day of mourning 01-09.
  2025: ['01-01', '01-09', '01-20', '02-17', '04-18', '05-26', '06-19', '07-04', '09-01', '11-27', '12-25'],
  2026: ['01-01', '01-19', '02-16', '04-03', '05-25', '06-19', '07-03', '09-07', '11-26', '12-25'],
  // Juneteenth a Saturday (06-18), July 4 a Sunday (07-05), Christmas a Saturday (12-24); 2028-01-01 a
  // Saturday, so 2027-12-31 trades.
  2027: ['01-01', '01-18', '02-15', '03-26', '05-31', '06-18', '07-05', '09-06', '11-25', '12-24'],
  2028: ['01-17', '02-21', '04-14', '05-29', '06-19', '07-04', '09-04', '11-23', '12-25'],
  2029: ['01-01', '01-15', '02-19', '03-30', '05-28', '06-19', '07-04', '09-03', '11-22', '12-25'],
  2030: ['01-01', '01-21', '02-18', '04-19', '05-27', '06-19', '07-04', '09-02', '11-28', '12-25'],
};

/** Every 13:00 early close, 2000-2030. */
const EARLY: Record<number, string[]> = {
  2000: ['07-03', '11-24'],
  2001: ['07-03', '11-23', '12-24'],
  // July 4 a Thursday before 2013: the Friday after closed early, not the Wednesday before.
  2002: ['07-05', '11-29', '12-24'],
  // And the Friday after Christmas, 12-26.
  2003: ['07-03', '11-28', '12-24', '12-26'],
  2004: ['11-26'],
  2005: ['11-25'],
  2006: ['07-03', '11-24'],
  2007: ['07-03', '11-23', '12-24'],
  2008: ['07-03', '11-28', '12-24'],
  2009: ['11-27', '12-24'],
  2010: ['11-26'],
  2011: ['11-25'],
  2012: ['07-03', '11-23', '12-24'],
  // From 2013 a Wednesday July 3 closes early (and Friday July 5 is a full session).
  2013: ['07-03', '11-29', '12-24'],
  2014: ['07-03', '11-28', '12-24'],
  2015: ['11-27', '12-24'],
  2016: ['11-25'],
  2017: ['07-03', '11-24'],
  2018: ['07-03', '11-23', '12-24'],
  2019: ['07-03', '11-29', '12-24'],
  2020: ['11-27', '12-24'],
  2021: ['11-26'],
  2022: ['11-25'],
  2023: ['07-03', '11-24'],
  2024: ['07-03', '11-29', '12-24'],
  2025: ['07-03', '11-28', '12-24'],
  2026: ['11-27', '12-24'],
  2027: ['11-26'],
  2028: ['07-03', '11-24'],
  2029: ['07-03', '11-23', '12-24'],
  2030: ['07-03', '11-29', '12-24'],
};

/** The one scheduled late opening: 12:00 on the first anniversary of September 11. */
const LATE_OPEN = '2002-09-11';

/**
 * Sessions a year: weekdays less the closures above (e.g. 2020, a leap year from a Wednesday, has
 * 262 weekdays and 9 holidays: 253). Totals such as 252 (2019), 253 (2020), 251 (2022), 250 (2023)
 * are the ones usually quoted.
 */
const TOTALS: Record<number, number> = {
  2000: 252, 2001: 248, 2002: 252, 2003: 252, 2004: 252, 2005: 252, 2006: 251, 2007: 251, 2008: 253, 2009: 252,
  2010: 252, 2011: 252, 2012: 250, 2013: 252, 2014: 252, 2015: 252, 2016: 252, 2017: 251, 2018: 251, 2019: 252,
  2020: 253, 2021: 252, 2022: 251, 2023: 250, 2024: 252, 2025: 250, 2026: 251, 2027: 251, 2028: 251, 2029: 251,
  2030: 251,
};

const NY = 'America/New_York';
const REGULAR = { open: '09:30', close: '16:00', timeZone: NY };
const xnys = Calendar.xnys({ hours: 'regular' });
const Z = (iso: string): number => Date.parse(iso);

function dates(table: Record<number, string[]>): string[] {
  return Object.entries(table).flatMap(([y, days]) => days.map((d) => `${y}-${d}`));
}

/** Every date from 2000-01-01 to 2030-12-31, with its day of the week (0 = Sunday), by plain UTC arithmetic. */
function everyDate(): { date: string; dow: number }[] {
  const out: { date: string; dow: number }[] = [];
  for (let t = Date.UTC(2000, 0, 1); t <= Date.UTC(2030, 11, 31); t += 86_400_000) {
    const d = new Date(t);
    out.push({ date: d.toISOString().slice(0, 10), dow: d.getUTCDay() });
  }
  return out;
}

/** Plain copy, so a session with extra flags can be compared field by field. */
function plain(s: Session | null): Record<string, unknown> | null {
  return s === null ? null : { ...s };
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();
/** Instant `t` as `YYYY-MM-DD HH:MM` on the wall clock of `timeZone`, by Intl (not by the code under test). */
function wall(t: number, timeZone: string): string {
  let f = wallFormats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    wallFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/**
 * Whether `s` opens and closes at `open` and `close` of its date on `timeZone`'s wall clock. 00:00 is
 * the date's first instant and 24:00 the next date's (01:00 where the clocks skip midnight): the
 * instant shows its date and the millisecond before it the date before. A time shown twice is the
 * first of the two, as calendars place it.
 */
function showsHours(s: Session, timeZone: string, open: string, close: string): boolean {
  const next = new Date(Date.parse(`${s.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const closes =
    close === '24:00'
      ? wall(s.close, timeZone).startsWith(`${next} `) && wall(s.close - 1, timeZone).startsWith(`${s.date} `)
      : wall(s.close, timeZone) === `${s.date} ${close}`;
  const opens =
    open === '00:00'
      ? wall(s.open, timeZone).startsWith(`${s.date} `) && !wall(s.open - 1, timeZone).startsWith(`${s.date} `)
      : wall(s.open, timeZone) === `${s.date} ${open}`;
  // A wall time the clocks show twice (the hour they go back) is the first of the two: an hour
  // before, the clock showed something else.
  const first = (t: number): boolean => wall(t - 3_600_000, timeZone) !== wall(t, timeZone);
  return opens && closes && first(s.open) && (close === '24:00' || first(s.close)) && s.open < s.close;
}

// ---------------------------------------------------------------------------------------------
// XNYS: the record, both ways
// ---------------------------------------------------------------------------------------------

test('the record itself: every listed closure and early close is a weekday of its year, none listed twice', (t) => {
  const closed = dates(CLOSED);
  const early = dates(EARLY);
  const all = [...closed, ...early, LATE_OPEN];
  t.is(new Set(all).size, all.length);
  for (const date of all) {
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    t.true(dow >= 1 && dow <= 5, date);
  }
});

test('XNYS: every listed full-day closure 2000-2030 has no session', (t) => {
  const closed = dates(CLOSED);
  t.is(closed.length, 293);
  for (const date of closed) {
    t.is(xnys.session(date), null, date);
    t.false(xnys.isSessionDay(date), date);
  }
});

test('XNYS: every listed early close 2000-2030 is 09:30-13:00 New York with earlyClose', (t) => {
  const early = dates(EARLY);
  t.is(early.length, 69);
  for (const date of early) {
    const s = xnys.session(date);
    t.deepEqual(plain(s), { ...sessionOn(date, { ...REGULAR, close: '13:00' }), earlyClose: true }, date);
    // The hours by Intl as well, so an error of the wall-clock placement shared with sessionOn shows.
    t.true(s !== null && showsHours(s, NY, '09:30', '13:00'), date);
  }
});

test('XNYS: every other weekday 2000-2030 is a regular 09:30-16:00 session, and no weekend day has one', (t) => {
  const closed = new Set(dates(CLOSED));
  const special = new Set([...dates(EARLY), LATE_OPEN]);
  let regular = 0;
  let wallChecked = 0;
  for (const { date, dow } of everyDate()) {
    const s = xnys.session(date);
    if (dow === 0 || dow === 6) {
      if (s !== null) t.fail(`${date} is a weekend day with a session`);
    } else if (!closed.has(date) && !special.has(date)) {
      regular++;
      // Compared to sessionOn with the same hours: the plain Session, no flags.
      t.deepEqual(plain(s), { ...sessionOn(date, REGULAR) }, date);
      // And to Intl's New York wall clock, which shares no code with either.
      if (s === null || !showsHours(s, NY, '09:30', '16:00')) t.fail(`${date}: not 09:30-16:00 on the New York wall clock`);
      else wallChecked++;
    }
  }
  t.is(regular, 7794 - 69 - 1);
  t.is(wallChecked, regular);
});

test('XNYS: the 2002-09-11 late opening, 12:00-16:00', (t) => {
  const s = xnys.session(LATE_OPEN);
  t.deepEqual(plain(s), {
    date: LATE_OPEN,
    open: Z('2002-09-11T16:00:00Z'),
    close: Z('2002-09-11T20:00:00Z'),
    timeZone: NY,
    dayStart: Z('2002-09-11T04:00:00Z'),
    lateOpen: true,
  });
});

test('XNYS: sessions a year match the known totals', (t) => {
  for (const [year, total] of Object.entries(TOTALS)) {
    t.is(xnys.sessions(`${year}-01-01`, `${year}-12-31`).length, total, year);
  }
  t.is(xnys.sessions('2000-01-01', '2030-12-31').length, 7794);
});

test('XNYS: the days around the irregular ones are what the record says', (t) => {
  const close = (date: string): number | undefined => xnys.session(date)?.close;
  // 2002: Wednesday July 3 full, Friday July 5 early; 2013: the other way round.
  t.is(close('2002-07-03'), Z('2002-07-03T20:00:00Z'));
  t.is(close('2002-07-05'), Z('2002-07-05T17:00:00Z'));
  t.is(close('2013-07-03'), Z('2013-07-03T17:00:00Z'));
  t.is(close('2013-07-05'), Z('2013-07-05T20:00:00Z'));
  // Friday after Christmas: early in 2003, full in 2008, 2014 and 2025.
  t.is(close('2003-12-26'), Z('2003-12-26T18:00:00Z'));
  t.is(close('2008-12-26'), Z('2008-12-26T21:00:00Z'));
  t.is(close('2014-12-26'), Z('2014-12-26T21:00:00Z'));
  t.is(close('2025-12-26'), Z('2025-12-26T21:00:00Z'));
  // New Year's Eve trades in full when New Year's Day is a Saturday (NYSE Rule 7.2).
  for (const date of ['2004-12-31', '2010-12-31', '2021-12-31', '2027-12-31']) t.is(close(date), Z(`${date}T21:00:00Z`), date);
  // Friday July 2 before a Sunday/Monday Independence Day is a full session.
  for (const date of ['2004-07-02', '2010-07-02', '2021-07-02', '2027-07-02']) t.is(close(date), Z(`${date}T20:00:00Z`), date);
  // Christmas Eve on a Friday is the holiday itself; on a weekend nothing happens on the Friday before.
  t.is(xnys.session('2021-12-24'), null);
  t.is(close('2022-12-23'), Z('2022-12-23T21:00:00Z'));
  // No Juneteenth in 2021.
  t.is(close('2021-06-18'), Z('2021-06-18T20:00:00Z'));
});

// ---------------------------------------------------------------------------------------------
// Daylight saving
// ---------------------------------------------------------------------------------------------

test('XNYS: sessions across the daylight-saving changes open at 14:30Z in winter and 13:30Z in summer', (t) => {
  // [date, open, close, dayStart]: EST is UTC-5, EDT UTC-4. Summer time 2008: 9 March - 2 November;
  // 2024: 10 March - 3 November; 2005 (old rule): 3 April - 30 October; 2007 (first year of the new
  // rule): from 11 March.
  const cases: [string, string, string, string][] = [
    ['2008-03-07', '2008-03-07T14:30:00Z', '2008-03-07T21:00:00Z', '2008-03-07T05:00:00Z'],
    ['2008-03-10', '2008-03-10T13:30:00Z', '2008-03-10T20:00:00Z', '2008-03-10T04:00:00Z'],
    ['2008-10-31', '2008-10-31T13:30:00Z', '2008-10-31T20:00:00Z', '2008-10-31T04:00:00Z'],
    ['2008-11-03', '2008-11-03T14:30:00Z', '2008-11-03T21:00:00Z', '2008-11-03T05:00:00Z'],
    ['2024-03-08', '2024-03-08T14:30:00Z', '2024-03-08T21:00:00Z', '2024-03-08T05:00:00Z'],
    ['2024-03-11', '2024-03-11T13:30:00Z', '2024-03-11T20:00:00Z', '2024-03-11T04:00:00Z'],
    ['2024-11-01', '2024-11-01T13:30:00Z', '2024-11-01T20:00:00Z', '2024-11-01T04:00:00Z'],
    ['2024-11-04', '2024-11-04T14:30:00Z', '2024-11-04T21:00:00Z', '2024-11-04T05:00:00Z'],
    ['2005-04-01', '2005-04-01T14:30:00Z', '2005-04-01T21:00:00Z', '2005-04-01T05:00:00Z'],
    ['2005-04-04', '2005-04-04T13:30:00Z', '2005-04-04T20:00:00Z', '2005-04-04T04:00:00Z'],
    ['2005-10-28', '2005-10-28T13:30:00Z', '2005-10-28T20:00:00Z', '2005-10-28T04:00:00Z'],
    ['2005-10-31', '2005-10-31T14:30:00Z', '2005-10-31T21:00:00Z', '2005-10-31T05:00:00Z'],
    ['2007-03-09', '2007-03-09T14:30:00Z', '2007-03-09T21:00:00Z', '2007-03-09T05:00:00Z'],
    ['2007-03-12', '2007-03-12T13:30:00Z', '2007-03-12T20:00:00Z', '2007-03-12T04:00:00Z'],
  ];
  for (const [date, open, close, dayStart] of cases) {
    t.deepEqual(plain(xnys.session(date)), { date, open: Z(open), close: Z(close), timeZone: NY, dayStart: Z(dayStart) }, date);
  }
});

test('XNYS: early closes are 13:00 New York in either offset', (t) => {
  const cases: [string, string][] = [
    ['2024-07-03', '2024-07-03T17:00:00Z'], // EDT
    ['2024-11-29', '2024-11-29T18:00:00Z'], // EST
    ['2024-12-24', '2024-12-24T18:00:00Z'],
    ['2002-07-05', '2002-07-05T17:00:00Z'],
    ['2003-12-26', '2003-12-26T18:00:00Z'],
  ];
  for (const [date, close] of cases) {
    const s = xnys.session(date);
    t.is(s?.close, Z(close), date);
    t.is(s?.earlyClose, true, date);
  }
  t.false('earlyClose' in (xnys.session('2024-07-05') ?? {}));
});

// ---------------------------------------------------------------------------------------------
// Extended hours
// ---------------------------------------------------------------------------------------------

test('XNYS extended: 04:00-20:00, 04:00-17:00 on early-close days, closed on the same days', (t) => {
  const ext = Calendar.xnys({ hours: 'extended' });
  t.is(ext.name, 'XNYS extended');
  t.is(ext.timeZone, NY);
  t.deepEqual(plain(ext.session('2024-03-11')), {
    date: '2024-03-11', open: Z('2024-03-11T08:00:00Z'), close: Z('2024-03-12T00:00:00Z'), timeZone: NY, dayStart: Z('2024-03-11T04:00:00Z'),
  });
  t.deepEqual(plain(ext.session('2024-03-08')), {
    date: '2024-03-08', open: Z('2024-03-08T09:00:00Z'), close: Z('2024-03-09T01:00:00Z'), timeZone: NY, dayStart: Z('2024-03-08T05:00:00Z'),
  });
  t.deepEqual(plain(ext.session('2024-11-29')), {
    date: '2024-11-29', open: Z('2024-11-29T09:00:00Z'), close: Z('2024-11-29T22:00:00Z'), timeZone: NY, dayStart: Z('2024-11-29T05:00:00Z'), earlyClose: true,
  });
  t.is(ext.session('2024-07-03')?.close, Z('2024-07-03T21:00:00Z'));
  t.is(ext.session(LATE_OPEN)?.open, Z('2002-09-11T16:00:00Z'));
  t.is(ext.session('2024-12-25'), null);
  const regular = xnys.sessions('2000-01-01', '2030-12-31').map((s) => s.date);
  t.deepEqual(ext.sessions('2000-01-01', '2030-12-31').map((s) => s.date), regular);
  // The post-market spans the close: 16:30 New York is open in extended hours only.
  t.true(ext.isOpen(Z('2024-03-11T20:30:00Z')));
  t.false(xnys.isOpen(Z('2024-03-11T20:30:00Z')));
});

test('Calendar.xnys: the default is regular hours, and calendars are shared', (t) => {
  t.is(Calendar.xnys(), xnys);
  t.is(Calendar.xnys({}), xnys);
  t.is(xnys.name, 'XNYS');
  t.is(xnys.timeZone, NY);
  t.is(xnys.firstDate, '2000-01-01');
  t.is(xnys.lastDate, '2099-12-31');
  t.not(Calendar.xnys({ hours: 'extended' }), xnys);
});

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

test('isOpen: open inclusive, close exclusive, including an early close; sessionAt gives the session', (t) => {
  const s = xnys.requireSession('2024-03-11');
  t.false(xnys.isOpen(s.open - 1));
  t.true(xnys.isOpen(s.open));
  t.true(xnys.isOpen(s.close - 1));
  t.false(xnys.isOpen(s.close));
  t.is(xnys.sessionAt(s.open), s);
  t.is(xnys.sessionAt(new Date(s.open + 60_000)), s);
  t.is(xnys.sessionAt(s.close), null);
  const early = Z('2024-11-29T18:00:00Z');
  t.true(xnys.isOpen(early - 1));
  t.false(xnys.isOpen(early));
  // A holiday at 12:00 New York, a Saturday, a night.
  t.false(xnys.isOpen(Z('2024-12-25T17:00:00Z')));
  t.false(xnys.isOpen(Z('2024-03-09T17:00:00Z')));
  t.false(xnys.isOpen(Z('2024-03-12T03:00:00Z')));
  // Every minute of 2024: 252 sessions of 390 minutes, less 3 early closes of 180.
  let minutes = 0;
  for (let time = Z('2024-01-01T00:00:00Z'), end = Z('2025-01-01T00:00:00Z'); time < end; time += 60_000) {
    if (xnys.isOpen(time)) minutes++;
  }
  t.is(minutes, 252 * 390 - 3 * 180);
});

test('nextSession / previousSession from dates, across weekends and holidays', (t) => {
  const next = (d: string): string | undefined => xnys.nextSession(d)?.date;
  const prev = (d: string): string | undefined => xnys.previousSession(d)?.date;
  t.is(next('2024-03-08'), '2024-03-11'); // Friday -> Monday
  t.is(next('2024-03-09'), '2024-03-11'); // from a Saturday
  t.is(next('2024-03-28'), '2024-04-01'); // Good Friday
  t.is(prev('2024-04-01'), '2024-03-28');
  t.is(next('2024-12-24'), '2024-12-26'); // Christmas
  t.is(next('2024-12-31'), '2025-01-02'); // New Year, across the year
  t.is(prev('2025-01-02'), '2024-12-31');
  t.is(next('2025-01-08'), '2025-01-10'); // Carter day of mourning
  t.is(next('2001-09-10'), '2001-09-17'); // September 11
  t.is(prev('2001-09-17'), '2001-09-10');
  t.is(next('2012-10-26'), '2012-10-31'); // Hurricane Sandy
  t.is(next('2024-07-03'), '2024-07-05');
  t.is(next('1999-12-31'), '2000-01-03');
  t.is(xnys.previousSession('2000-01-03'), null);
  t.is(xnys.nextSession('2099-12-31'), null);
});

test('nextSession / previousSession from instants: the sessions around it', (t) => {
  const friday = xnys.requireSession('2024-03-08');
  const monday = xnys.requireSession('2024-03-11');
  // Before Monday's open (the weekend): next is Monday, previous is Friday.
  t.is(xnys.nextSession(monday.open - 1), monday);
  t.is(xnys.previousSession(monday.open - 1), friday);
  // At Monday's open and during it: next is Tuesday, previous is still Friday.
  t.is(xnys.nextSession(monday.open)?.date, '2024-03-12');
  t.is(xnys.previousSession(monday.open), friday);
  t.is(xnys.previousSession(new Date(monday.close - 1)), friday);
  // At Monday's close it is over.
  t.is(xnys.previousSession(monday.close), monday);
  t.is(xnys.nextSession(monday.close)?.date, '2024-03-12');
  // Over a holiday: Thursday evening before Good Friday.
  t.is(xnys.nextSession(Z('2024-03-28T22:00:00Z'))?.date, '2024-04-01');
});

test('sessions(from, to): inclusive, ordered, across years; dates and instants both work', (t) => {
  const week = xnys.sessions('2024-12-23', '2025-01-03');
  t.deepEqual(week.map((s) => s.date), ['2024-12-23', '2024-12-24', '2024-12-26', '2024-12-27', '2024-12-30', '2024-12-31', '2025-01-02', '2025-01-03']);
  t.deepEqual(xnys.sessions('2024-12-25', '2024-12-25'), []);
  t.deepEqual(xnys.sessions('2024-12-24', '2024-12-24').map((s) => s.date), ['2024-12-24']);
  // An instant stands for its New York date: 2024-03-09T02:00Z is Friday evening in New York.
  t.is(xnys.session(Z('2024-03-09T02:00:00Z'))?.date, '2024-03-08');
  t.is(xnys.session(new Date('2024-03-08T15:00:00Z'))?.date, '2024-03-08');
  t.deepEqual(xnys.sessions(Z('2024-03-08T15:00:00Z'), new Date('2024-03-11T15:00:00Z')).map((s) => s.date), ['2024-03-08', '2024-03-11']);
  for (let i = 1; i < week.length; i++) t.true(week[i]!.open > week[i - 1]!.close);
});

test('sessions are frozen and shared: the same date gives the same object', (t) => {
  const s = xnys.requireSession('2024-03-11') as CalendarSession;
  t.true(Object.isFrozen(s));
  t.is(xnys.session('2024-03-11'), s);
  t.is(xnys.sessions('2024-03-11', '2024-03-11')[0], s);
  t.throws(() => {
    (s as { open: number }).open = 0;
  });
  t.is(xnys.requireSession('2024-03-11').open, Z('2024-03-11T13:30:00Z'));
});

test('requireSession throws SessionError no_session, saying why', (t) => {
  const holiday = t.throws(() => xnys.requireSession('2024-12-25'), { instanceOf: SessionError });
  t.is(holiday?.code, 'no_session');
  t.is(holiday?.message, 'XNYS has no session on 2024-12-25 (Christmas Day)');
  t.regex(t.throws(() => xnys.requireSession('2012-10-29'))?.message ?? '', /Hurricane Sandy/);
  t.regex(t.throws(() => xnys.requireSession('2024-03-09'))?.message ?? '', /Saturday/);
});

test('sessions() over 30 years gives the same sessions on every call once the years are built', (t) => {
  const first = xnys.sessions('2000-01-01', '2030-12-31');
  const start = performance.now();
  for (let i = 0; i < 10; i++) t.deepEqual(xnys.sessions('2000-01-01', '2030-12-31'), first);
  // How long a call takes is for the benchmarks: the machine's load would decide a bound here.
  t.log(`sessions(2000..2030): ${((performance.now() - start) / 10).toFixed(3)} ms a call, deepEqual included`);
  t.true(first.length > 7700 && first.every((s, i) => i === 0 || s.open > (first[i - 1] as Session).close));
});

// ---------------------------------------------------------------------------------------------
// 24/7
// ---------------------------------------------------------------------------------------------

test('alwaysOpen: every UTC day is a session 00:00-24:00 UTC', (t) => {
  const c = Calendar.alwaysOpen();
  t.is(c, Calendar.alwaysOpen());
  t.is(c.name, '24/7 UTC');
  t.is(c.timeZone, 'UTC');
  t.deepEqual(plain(c.session('2024-03-10')), {
    date: '2024-03-10', open: Z('2024-03-10T00:00:00Z'), close: Z('2024-03-11T00:00:00Z'), timeZone: 'UTC', dayStart: Z('2024-03-10T00:00:00Z'),
  });
  t.is(c.sessions('2024-01-01', '2024-12-31').length, 366);
  t.is(c.sessions('2023-01-01', '2023-12-31').length, 365);
  t.is(c.session('2024-12-25')?.date, '2024-12-25');
  t.true(c.isOpen(Z('2024-03-10T00:00:00Z')));
  t.true(c.isOpen(Z('2024-03-10T23:59:59.999Z')));
  t.is(c.sessionAt(Z('2024-03-11T00:00:00Z'))?.date, '2024-03-11');
  t.is(c.nextSession('2024-12-31')?.date, '2025-01-01');
  t.is(c.previousSession('2024-03-01')?.date, '2024-02-29');
  t.is(c.nextSession(Z('2024-03-10T12:00:00Z'))?.date, '2024-03-11');
  t.is(c.previousSession(Z('2024-03-10T12:00:00Z'))?.date, '2024-03-09');
  // An instant picks its UTC date.
  t.is(c.session(Z('2024-03-10T23:30:00Z'))?.date, '2024-03-10');
  const all = c.sessions('2000-01-01', '2030-12-31');
  t.is(all.length, 11_323);
  for (let i = 1; i < all.length; i++) if (all[i]!.open !== all[i - 1]!.close) t.fail(all[i]!.date);
});

test('alwaysOpen refuses options: a time zone given to it would otherwise be ignored', (t) => {
  const call = Calendar.alwaysOpen as (...args: unknown[]) => Calendar;
  for (const [args, param] of [[[{ timeZone: 'America/New_York' }], 'timeZone'], [['America/New_York'], 'options'], [[[]], 'options'], [[null], 'options'], [[undefined, { hours: 'regular' }], 'hours']] as const) {
    const e = t.throws(() => call(...args), { instanceOf: ConfigError });
    t.is(e?.param, param);
    t.regex(e?.message ?? '', /takes no options.*Calendar\.custom/);
  }
  // What generic code passes to every factory alike is no option.
  t.is(call(undefined), Calendar.alwaysOpen());
  t.is(call({}), Calendar.alwaysOpen());
  t.is(call({ timeZone: undefined }), Calendar.alwaysOpen());
  t.is(Calendar.alwaysOpen().timeZone, 'UTC');
});

test('sessionOn places wall times as a calendar does where midnight comes twice (Havana, 2024-11-03: 01:00 back to 00:00)', (t) => {
  // Havana is UTC-4 until 05:00Z, when its clocks go back from 01:00 to 00:00 (UTC-5): 00:00 to
  // 00:59 show twice. Each time of day is its first occurrence, as README and Calendar.custom say.
  const hours = { open: '00:00', close: '00:30', timeZone: 'America/Havana' };
  const s = sessionOn('2024-11-03', hours);
  t.is(s.open, Z('2024-11-03T04:00:00Z'));
  t.is(s.close, Z('2024-11-03T04:30:00Z'));
  const c = Calendar.custom({ timeZone: 'America/Havana', session: () => ({ open: '00:00', close: '00:30' }) });
  const fromCalendar = c.requireSession('2024-11-03');
  t.deepEqual([fromCalendar.open, fromCalendar.close], [s.open, s.close]);
  t.is(sessionOn('2024-11-03', { ...hours, open: '00:30', close: '02:00' }).open, Z('2024-11-03T04:30:00Z'));
});

test('a date the zone skipped whole (Apia, 2011-12-30) has no session in a custom calendar, and queries across it go on', (t) => {
  const asked: string[] = [];
  const c = Calendar.custom({
    timeZone: 'Pacific/Apia',
    session: (date) => {
      asked.push(date);
      return { open: '00:00', close: '24:00' };
    },
  });
  t.is(c.session('2011-12-30'), null);
  t.deepEqual(c.sessions('2011-12-28', '2012-01-01').map((s) => s.date), ['2011-12-28', '2011-12-29', '2011-12-31', '2012-01-01']);
  t.is(c.nextSession('2011-12-29')?.date, '2011-12-31');
  t.false(asked.includes('2011-12-30'));
  // Apia went from UTC-10 to UTC+14: the 29th ends, and the 31st begins, at 2011-12-30T10:00Z.
  t.is(c.requireSession('2011-12-29').close, Z('2011-12-30T10:00:00Z'));
  t.is(c.requireSession('2011-12-31').open, Z('2011-12-30T10:00:00Z'));
});

test("a midnight skipped by a jump that starts before it: the day begins where the jump ends (Toronto, 1919-03-30: 23:30 to 00:30)", (t) => {
  // 23:30 EST (04:30Z) became 00:30 EDT: 31 March's first instant is 04:30Z, not 05:00Z.
  t.is(sessionOn('1919-03-31', { open: '09:00', close: '17:00', timeZone: 'America/Toronto' }).dayStart, Z('1919-03-31T04:30:00Z'));
  const c = Calendar.custom({ timeZone: 'America/Toronto', session: () => ({ open: '00:00', close: '24:00' }) });
  t.is(c.requireSession('1919-03-30').close, Z('1919-03-31T04:30:00Z'));
  t.is(c.requireSession('1919-03-31').open, Z('1919-03-31T04:30:00Z'));
});

test('a week of daylight saving (Recife, 8 to 15 October 2000) is seen: sessions and isOpen follow it', (t) => {
  // Recife is UTC-3, and was UTC-2 for that week alone (the time zone database's shortest round trip).
  const c = Calendar.custom({ timeZone: 'America/Recife', session: () => ({ open: '09:00', close: '17:00' }) });
  t.is(c.requireSession('2000-10-06').open, Z('2000-10-06T12:00:00Z'));
  t.is(c.requireSession('2000-10-10').open, Z('2000-10-10T11:00:00Z'));
  t.is(c.requireSession('2000-10-10').close, Z('2000-10-10T19:00:00Z'));
  t.is(c.requireSession('2000-10-17').open, Z('2000-10-17T12:00:00Z'));
  t.true(c.isOpen(Z('2000-10-10T11:30:00Z')));
  t.false(c.isOpen(Z('2000-10-10T19:30:00Z')));
});

test('24/7 in local days, the way the alwaysOpen error gives it: 23 and 25 hours when New York changes its clocks', (t) => {
  const c = Calendar.custom({ name: '24/7 New York', timeZone: 'America/New_York', session: () => ({ open: '00:00', close: '24:00' }) });
  const hours = (date: string): number => {
    const s = c.requireSession(date);
    return (s.close - s.open) / 3_600_000;
  };
  // Midnight in New York is 05:00Z in winter, 04:00Z in summer.
  t.is(c.requireSession('2024-01-15').open, Z('2024-01-15T05:00:00Z'));
  t.is(c.requireSession('2024-07-15').open, Z('2024-07-15T04:00:00Z'));
  t.is(hours('2024-03-10'), 23);
  t.is(hours('2024-11-03'), 25);
  t.is(hours('2024-03-11'), 24);
  const all = c.sessions('2024-01-01', '2024-12-31');
  t.is(all.length, 366);
  for (let i = 1; i < all.length; i++) if (all[i]!.open !== all[i - 1]!.close) t.fail(all[i]!.date);
});

// ---------------------------------------------------------------------------------------------
// Custom calendars
// ---------------------------------------------------------------------------------------------

const LONDON = 'Europe/London';

test('custom list: local hours placed in the time zone with daylight saving, in date order', (t) => {
  // Britain's summer time 2024 began 31 March: 08:00 London is 08:00Z before, 07:00Z after.
  const c = Calendar.custom({
    name: 'XLON',
    timeZone: LONDON,
    sessions: [
      { date: '2024-04-02', open: '08:00', close: '16:30' },
      { date: '2024-03-28', open: '08:00', close: '12:30', earlyClose: true },
    ],
  });
  t.is(c.name, 'XLON');
  t.is(c.timeZone, LONDON);
  t.deepEqual(c.sessions('2024-01-01', '2024-12-31').map((s) => s.date), ['2024-03-28', '2024-04-02']);
  t.deepEqual(plain(c.session('2024-03-28')), {
    date: '2024-03-28', open: Z('2024-03-28T08:00:00Z'), close: Z('2024-03-28T12:30:00Z'), timeZone: LONDON, dayStart: Z('2024-03-28T00:00:00Z'), earlyClose: true,
  });
  t.deepEqual(plain(c.session('2024-04-02')), {
    date: '2024-04-02', open: Z('2024-04-02T07:00:00Z'), close: Z('2024-04-02T15:30:00Z'), timeZone: LONDON, dayStart: Z('2024-04-01T23:00:00Z'),
  });
  t.is(c.session('2024-03-29'), null);
  t.is(c.nextSession('2024-03-28')?.date, '2024-04-02');
  t.is(c.previousSession('2024-04-02')?.date, '2024-03-28');
  t.is(c.nextSession('2024-04-02'), null);
  t.is(c.previousSession('2024-03-28'), null);
  t.is(c.nextSession(Z('2020-01-01T00:00:00Z'))?.date, '2024-03-28');
  t.true(c.isOpen(Z('2024-04-02T07:00:00Z')));
  t.false(c.isOpen(Z('2024-04-02T15:30:00Z')));
  t.false(c.isOpen(Z('2030-01-01T12:00:00Z')));
});

test('custom list: full Session objects, alone or mixed with local hours; the time zone taken from them', (t) => {
  const monday = sessionOn('2024-03-11', REGULAR);
  const c = Calendar.custom({ sessions: [monday, { date: '2024-03-12', open: '09:30', close: '16:00', timeZone: NY }] });
  t.is(c.name, 'custom');
  t.is(c.timeZone, NY);
  t.deepEqual(plain(c.session('2024-03-11')), { ...monday });
  t.deepEqual(plain(c.session('2024-03-12')), { ...sessionOn('2024-03-12', REGULAR) });
  // XNYS's own sessions make a custom calendar (a subset of XNYS, say).
  const half = Calendar.custom({ timeZone: NY, sessions: xnys.sessions('2024-11-25', '2024-11-29') });
  t.is(half.session('2024-11-29')?.earlyClose, true);
  t.is(half.sessions('2024-01-01', '2024-12-31').length, 4);
});

test('custom calendar: a full Session without dayStart takes the midnight of its date in the zone, as beginSession does', (t) => {
  // New York midnights, by hand: EST (UTC-5) on 2024-03-08 and on 2024-03-10 (the clocks change at
  // 02:00 that day), EDT (UTC-4) on 2024-03-11.
  const entry = (date: string, open: string, close: string) => ({ date, open: Z(open), close: Z(close), timeZone: NY });
  const c = Calendar.custom({
    sessions: [entry('2024-03-08', '2024-03-08T14:30:00Z', '2024-03-08T21:00:00Z'), entry('2024-03-10', '2024-03-10T13:30:00Z', '2024-03-10T20:00:00Z')],
  });
  t.is(c.session('2024-03-08')?.dayStart, Z('2024-03-08T05:00:00Z'));
  t.is(c.session('2024-03-10')?.dayStart, Z('2024-03-10T05:00:00Z'));
  const f = Calendar.custom({ timeZone: NY, session: (date) => (date === '2024-03-11' ? entry(date, '2024-03-11T13:30:00Z', '2024-03-11T20:00:00Z') : null) });
  t.is(f.session('2024-03-11')?.dayStart, Z('2024-03-11T04:00:00Z'));
  // A dayStart given is still checked.
  const wrong = { ...entry('2024-03-08', '2024-03-08T14:30:00Z', '2024-03-08T21:00:00Z'), dayStart: Z('2024-03-08T00:00:00Z') };
  t.throws(() => Calendar.custom({ sessions: [wrong] }), { instanceOf: ConfigError, message: /dayStart .* is not midnight of 2024-03-08/ });
});

test('custom function: hours, Session objects or null by date; remembered', (t) => {
  const closed = new Set(['2024-03-29', '2024-04-01']);
  let calls = 0;
  const c = Calendar.custom({
    name: 'XLON',
    timeZone: LONDON,
    session: (date) => {
      calls++;
      const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
      if (dow === 0 || dow === 6 || closed.has(date)) return null;
      if (date === '2024-12-24') return { open: '08:00', close: '12:30', earlyClose: true };
      return { open: '08:00', close: '16:30' };
    },
  });
  t.is(c.session('2024-03-29'), null);
  t.is(c.nextSession('2024-03-28')?.date, '2024-04-02');
  t.is(c.session('2024-04-02')?.open, Z('2024-04-02T07:00:00Z'));
  t.is(c.session('2024-12-24')?.close, Z('2024-12-24T12:30:00Z'));
  t.is(c.session('2024-12-24')?.earlyClose, true);
  t.is(c.sessions('2024-01-01', '2024-12-31').length, 262 - 2);
  const before = calls;
  c.sessions('2024-01-01', '2024-12-31');
  t.is(calls, before, 'asked once a date');
  // A function may return full sessions too.
  const f = Calendar.custom({ timeZone: NY, session: (date) => (date === '2024-03-11' ? sessionOn(date, REGULAR) : null) });
  t.deepEqual(plain(f.session('2024-03-11')), { ...sessionOn('2024-03-11', REGULAR) });
  // Wrapping XNYS to model an intraday disruption.
  const wrapped = Calendar.custom({ name: 'XNYS 2005', timeZone: NY, session: (d) => (d === '2005-06-01' ? { open: '09:30', close: '15:56' } : xnys.session(d)) });
  t.is(wrapped.session('2005-06-01')?.close, Z('2005-06-01T19:56:00Z'));
  t.deepEqual(wrapped.session('2005-06-02'), xnys.session('2005-06-02'));
});

test('custom function: nextSession gives up after maxGapDays without a session', (t) => {
  const c = Calendar.custom({ timeZone: 'UTC', maxGapDays: 10, session: (d) => (d === '2024-01-15' || d === '2024-03-01' ? { open: '00:00', close: '24:00' } : null) });
  t.is(c.nextSession('2024-01-10')?.date, '2024-01-15');
  t.is(c.nextSession('2024-01-15'), null);
  t.is(c.previousSession('2024-03-01'), null);
  t.is(c.previousSession('2024-01-20')?.date, '2024-01-15');
});

test('custom calendars agree with sessionOn, across daylight saving in several time zones', (t) => {
  // Sao Paulo moved its clocks at midnight (2018-11-04 had no 00:00); Chatham is UTC+12:45/13:45.
  const zones = ['America/New_York', 'Europe/London', 'Australia/Sydney', 'America/Sao_Paulo', 'Asia/Kolkata', 'Pacific/Chatham'];
  const hours: [string, string][] = [['09:30', '16:00'], ['00:00', '24:00'], ['01:30', '23:00']];
  let compared = 0;
  let total = 0;
  for (const timeZone of zones) {
    for (const [open, close] of hours) {
      const ok = new Map<string, Session>();
      for (let d = Date.UTC(2018, 0, 1); d < Date.UTC(2019, 0, 1); d += 86_400_000) {
        const date = new Date(d).toISOString().slice(0, 10);
        try {
          ok.set(date, sessionOn(date, { open, close, timeZone }));
          total++;
        } catch (e) {
          t.true(e instanceof ConfigError);
          t.throws(() => Calendar.custom({ timeZone, sessions: [{ date, open, close }] }), { instanceOf: ConfigError, message: /daylight-saving gap/ });
        }
      }
      const c = Calendar.custom({ timeZone, session: (date) => (ok.has(date) ? { open, close } : null) });
      for (const [date, s] of ok) {
        const mine = c.session(date);
        if (JSON.stringify(plain(mine)) !== JSON.stringify({ ...s })) t.fail(`${timeZone} ${open}-${close} ${date}`);
        // Both place wall times through the same code: Intl's wall clock is the independent check.
        else if (mine === null || !showsHours(mine, timeZone, open, close)) t.fail(`${timeZone} ${open}-${close} ${date}: not those hours on Intl's wall clock`);
        else compared++;
      }
      // Every date of 2018 but those refused (Sao Paulo's 2018-11-04 has no 00:00).
      t.true(ok.size >= 364, `${timeZone} ${open}-${close}: ${ok.size} dates`);
    }
  }
  t.is(compared, total);
});

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

function configError(t: import('ava').ExecutionContext, fn: () => unknown, param: string, message?: RegExp, label?: string): void {
  const error = t.throws(fn, { instanceOf: ConfigError }, label);
  t.is(error?.code, 'invalid_config', label);
  t.is(error?.param, param, label);
  if (message !== undefined) t.regex(error?.message ?? '', message, label);
}

test('bad dates and instants are ConfigErrors naming the parameter', (t) => {
  for (const bad of ['2024-02-30', '2024-13-01', '2024-1-05', '20240105', 'today', '', '2024-01-05T00:00:00Z']) {
    configError(t, () => xnys.session(bad), 'date', /is not a YYYY-MM-DD calendar date/);
  }
  configError(t, () => xnys.session(Number.NaN), 'date');
  configError(t, () => xnys.session(new Date('nope')), 'date', /invalid Date/);
  configError(t, () => xnys.session(null as unknown as string), 'date');
  configError(t, () => xnys.isOpen(Number.POSITIVE_INFINITY), 'time');
  configError(t, () => xnys.isOpen('2024-03-11' as unknown as number), 'time');
  configError(t, () => xnys.sessions('2024-01-01', 'x'), 'to');
  configError(t, () => xnys.sessions('x', '2024-01-01'), 'from');
  configError(t, () => xnys.nextSession('2024-02-31'), 'after');
  configError(t, () => xnys.previousSession(Number.NaN), 'before');
});

test('sessions(from, to) with to before from is a ConfigError', (t) => {
  configError(t, () => xnys.sessions('2024-03-11', '2024-03-08'), 'to', /2024-03-08 is before from \(2024-03-11\)/);
});

test('dates outside XNYS coverage are ConfigErrors', (t) => {
  configError(t, () => xnys.session('1999-12-31'), 'date', /outside the dates XNYS covers, 2000-01-01 to 2099-12-31/);
  configError(t, () => xnys.session('2100-01-04'), 'date');
  configError(t, () => xnys.sessions('1999-01-01', '2000-12-31'), 'from');
  configError(t, () => xnys.isOpen(Z('1999-06-01T15:00:00Z')), 'time');
  configError(t, () => xnys.nextSession('1999-12-30'), 'after');
});

test('out-of-range and malformed queries name what was given', (t) => {
  // A day just outside the dates is a question with an answer; further out, the message names the day given.
  t.is(xnys.nextSession('1999-12-31')?.date, '2000-01-03');
  configError(t, () => xnys.nextSession('2100-01-02'), 'after', /^invalid after: 2100-01-02 is more than a day outside the dates XNYS covers, 2000-01-01 to 2099-12-31$/);
  configError(t, () => xnys.previousSession('1999-12-30'), 'before', /^invalid before: 1999-12-30 is more than a day outside/);
  // sessionAt and isOpen take instants only: the message does not offer a date.
  for (const query of [(v: unknown) => xnys.sessionAt(v as number), (v: unknown) => xnys.isOpen(v as number)]) {
    configError(t, () => query('2024-03-04'), 'time', /^invalid time: expected an instant \(epoch milliseconds or a Date\), got '2024-03-04'$/);
  }
  configError(t, () => xnys.nextSession({} as string), 'after', /expected a YYYY-MM-DD date or an instant/);
});

test('a real date before the year 1000 is out of range, not malformed; a date that does not exist stays malformed', (t) => {
  const always = Calendar.alwaysOpen();
  configError(t, () => always.session('0999-12-31'), 'date', /^invalid date: 0999-12-31 is outside the dates 24\/7 UTC covers, 1000-01-01 to 9999-12-31$/);
  // Year 0 is a leap year in the proleptic Gregorian calendar; 100 is not.
  configError(t, () => always.sessions('0000-02-29', '2024-01-01'), 'from', /0000-02-29 is outside the dates/);
  configError(t, () => xnys.previousSession('0001-01-01'), 'before', /0001-01-01 is outside the dates XNYS covers, 2000-01-01 to 2099-12-31/);
  configError(t, () => always.session('0100-02-29'), 'date', /'0100-02-29' is not a YYYY-MM-DD calendar date/);
  configError(t, () => always.session('0999-13-01'), 'date', /is not a YYYY-MM-DD calendar date/);
});

test('Calendar.xnys: unknown hours or options are ConfigErrors', (t) => {
  configError(t, () => Calendar.xnys({ hours: 'overnight' as 'regular' }), 'hours', /expected 'regular' or 'extended', got 'overnight'/);
  configError(t, () => Calendar.xnys({ hours: null as unknown as 'regular' }), 'hours');
  configError(t, () => Calendar.xnys({ hour: 'regular' } as never), 'hour', /has no option 'hour'/);
  configError(t, () => Calendar.xnys('regular' as never), 'options');
});

test('Calendar.custom: bad lists and functions are ConfigErrors', (t) => {
  configError(t, () => Calendar.custom({} as never), 'options');
  configError(t, () => Calendar.custom({ timeZone: NY, sessions: [], session: () => null } as never), 'options');
  configError(t, () => Calendar.custom({ timeZone: 'Mars/Olympus', sessions: [] }), 'timeZone', /not a time zone/);
  configError(t, () => Calendar.custom({ sessions: [{ date: '2024-03-11', open: '09:30', close: '16:00' }] }), 'timeZone');
  configError(t, () => Calendar.custom({ timeZone: NY, sessions: 'all' as never }), 'sessions');
  configError(t, () => Calendar.custom({ timeZone: NY, sessions: [{ date: '2024-03-32', open: '09:30', close: '16:00' }] }), 'sessions', /sessions\[0\]/);
  configError(t, () => Calendar.custom({ timeZone: NY, sessions: [{ date: '2024-03-11', open: '9:30', close: '16:00' }] }), 'sessions', /open '9:30'/);
  configError(t, () => Calendar.custom({ timeZone: NY, sessions: [{ date: '2024-03-11', open: '16:00', close: '09:30' }] }), 'sessions', /not after open/);
  configError(
    t,
    () => Calendar.custom({ timeZone: NY, sessions: [{ date: '2024-03-10', open: '02:30', close: '16:00' }] }),
    'sessions',
    /open 02:30 does not exist in America\/New_York \(a daylight-saving gap\)/,
  );
  configError(
    t,
    () => Calendar.custom({ timeZone: NY, sessions: [{ date: '2024-03-11', open: '09:30', close: '16:00' }, { date: '2024-03-11', open: '17:00', close: '18:00' }] }),
    'sessions',
    /both on 2024-03-11/,
  );
  const overnight = { date: '2024-03-11', open: Z('2024-03-11T13:30:00Z'), close: Z('2024-03-12T15:00:00Z'), timeZone: NY, dayStart: Z('2024-03-11T04:00:00Z') };
  configError(t, () => Calendar.custom({ sessions: [overnight, sessionOn('2024-03-12', REGULAR)] }), 'sessions', /opens before/);
  configError(t, () => Calendar.custom({ timeZone: LONDON, sessions: [sessionOn('2024-03-11', REGULAR)] }), 'sessions', /not the calendar's/);
  // A real date before the year 1000 is out of range, not malformed; a date that is no date is.
  configError(t, () => Calendar.custom({ timeZone: NY, sessions: [{ date: '0999-03-11', open: '09:30', close: '16:00' }] }), 'sessions', /sessions\[0\]: date '0999-03-11' is before 1000-01-01, the first date a calendar covers$/);
  configError(t, () => Calendar.custom({ timeZone: NY, sessions: [{ date: '0999-02-29', open: '09:30', close: '16:00' }] }), 'sessions', /date '0999-02-29' is not a YYYY-MM-DD calendar date$/);
  configError(t, () => Calendar.custom({ sessions: [{ ...sessionOn('2024-03-11', REGULAR), dayStart: 0 }] }), 'sessions', /dayStart 0 \(1970-01-01T00:00:00\.000Z\) is not midnight of 2024-03-11 in America\/New_York, 1710129600000 \(2024-03-11T04:00:00\.000Z\)/);
  // Opening before its own date's midnight (22:00 the evening before): a store would refuse it mid-run.
  const early = { date: '2024-03-11', open: Z('2024-03-11T02:00:00Z'), close: Z('2024-03-11T20:00:00Z'), timeZone: NY, dayStart: Z('2024-03-11T04:00:00Z') };
  configError(t, () => Calendar.custom({ sessions: [early] }), 'sessions', /is before midnight of 2024-03-11.*give the session the date it opens/);
  // Two thirteen-digit times side by side say nothing: each shows the UTC instant it names.
  configError(t, () => Calendar.custom({ sessions: [early] }), 'sessions', /open 1710122400000 \(2024-03-11T02:00:00\.000Z\) is before midnight of 2024-03-11 in America\/New_York, 1710129600000 \(2024-03-11T04:00:00\.000Z\)/);
  const inverted = { ...sessionOn('2024-03-11', REGULAR), close: Z('2024-03-11T13:00:00Z') };
  configError(t, () => Calendar.custom({ sessions: [inverted] }), 'sessions', /close 1710162000000 \(2024-03-11T13:00:00\.000Z\) is not after open 1710163800000 \(2024-03-11T13:30:00\.000Z\)/);
  configError(t, () => Calendar.custom({ sessions: [{ ...sessionOn('2024-03-11', REGULAR), open: Number.NaN }] }), 'sessions', /open must be finite/);
  configError(t, () => Calendar.custom({ timeZone: NY, session: 'weekdays' as never }), 'session');
  configError(t, () => Calendar.custom({ session: () => null } as never), 'timeZone');
  configError(t, () => Calendar.custom({ timeZone: NY, session: () => null, maxGapDays: 0 }), 'maxGapDays');
  configError(t, () => Calendar.custom({ timeZone: NY, name: '', sessions: [] }), 'name');
  configError(t, () => Calendar.custom({ timeZone: NY, sessions: [], extra: 1 } as never), 'extra');
  // A function's mistakes show when its year is first built.
  const wrongDate = Calendar.custom({ timeZone: NY, session: () => sessionOn('2024-03-11', REGULAR) });
  configError(t, () => wrongDate.session('2024-03-12'), 'session', /returned a session on 2024-03-11/);
  const gap = Calendar.custom({ timeZone: NY, session: () => ({ open: '02:30', close: '03:00' }) });
  configError(t, () => gap.session('2024-03-10'), 'session', /2024-03-10.*daylight-saving gap/);
});

test('Calendar.custom: a Session whose times are not whole milliseconds is refused, naming its date', (t) => {
  // 2024-03-04 09:30 New York (EST, UTC-5) is 14:30Z.
  const s = { date: '2024-03-04', open: Z('2024-03-04T14:30:00Z'), close: Z('2024-03-04T21:00:00Z'), timeZone: NY, dayStart: Z('2024-03-04T05:00:00Z') };
  t.is(Calendar.custom({ sessions: [s] }).session('2024-03-04')?.open, Z('2024-03-04T14:30:00Z'));
  for (const key of ['open', 'close', 'dayStart'] as const) {
    configError(t, () => Calendar.custom({ sessions: [{ ...s, [key]: s[key] + 0.5 }] }), 'sessions', new RegExp(`\\(2024-03-04\\): ${key} must be whole epoch milliseconds`));
  }
  const f = Calendar.custom({ timeZone: NY, session: (date) => (date === '2024-03-04' ? { ...s, open: s.open + 0.5 } : null) });
  configError(t, () => f.session('2024-03-04'), 'session', /2024-03-04.*open must be whole epoch milliseconds/);
});

test('Calendar.custom: a Session opens on its date, between its local midnight and the next, daylight saving included', (t) => {
  const on = (date: string, open: string, dayStart: string): Session => ({ date, open: Z(open), close: Z(open) + 3_600_000, timeZone: NY, dayStart: Z(dayStart) });
  // Dated 2024-03-04, opening on 2024-03-07.
  configError(t, () => Calendar.custom({ sessions: [on('2024-03-04', '2024-03-07T14:30:00Z', '2024-03-04T05:00:00Z')] }), 'sessions', /\(2024-03-04\): open .* is not on 2024-03-04/);
  // The last minute of 2024-03-04 in New York (23:59 EST) is on it; its next midnight (05:00Z on the 5th) is not.
  t.truthy(Calendar.custom({ sessions: [on('2024-03-04', '2024-03-05T04:59:00Z', '2024-03-04T05:00:00Z')] }).session('2024-03-04'));
  configError(t, () => Calendar.custom({ sessions: [on('2024-03-04', '2024-03-05T05:00:00Z', '2024-03-04T05:00:00Z')] }), 'sessions', /2024-03-04/);
  // 2024-03-10 has 23 hours (clocks go forward): it ends at 04:00Z on the 11th, midnight EDT.
  t.truthy(Calendar.custom({ sessions: [on('2024-03-10', '2024-03-11T03:59:00Z', '2024-03-10T05:00:00Z')] }).session('2024-03-10'));
  configError(t, () => Calendar.custom({ sessions: [on('2024-03-10', '2024-03-11T04:30:00Z', '2024-03-10T05:00:00Z')] }), 'sessions', /2024-03-10/);
  // 2024-11-03 has 25 hours (clocks go back): 04:30Z on the 4th is still 23:30 EST on the 3rd.
  t.truthy(Calendar.custom({ sessions: [on('2024-11-03', '2024-11-04T04:30:00Z', '2024-11-03T04:00:00Z')] }).session('2024-11-03'));
  configError(t, () => Calendar.custom({ sessions: [on('2024-11-03', '2024-11-04T05:00:00Z', '2024-11-03T04:00:00Z')] }), 'sessions', /2024-11-03/);
  // From a function, the same date fails.
  const f = Calendar.custom({ timeZone: NY, session: (date) => (date === '2024-03-04' ? on(date, '2024-03-07T14:30:00Z', '2024-03-04T05:00:00Z') : null) });
  configError(t, () => f.session('2024-03-04'), 'session', /is not on 2024-03-04/);
});

test('custom function: a bad session fails its own date only, remembered, for every query that needs it', (t) => {
  const asked = new Map<string, number>();
  // 02:30 does not exist in New York on 2024-03-10 (clocks go from 02:00 to 03:00).
  const c = Calendar.custom({
    timeZone: NY,
    session: (date) => {
      asked.set(date, (asked.get(date) ?? 0) + 1);
      return { open: '02:30', close: '16:00' };
    },
  });
  const gap = /session\('2024-03-10'\) \(2024-03-10\): open 02:30 does not exist/;
  // 2024-03-09 (EST): 07:30Z-21:00Z. 2024-03-11 (EDT): 06:30Z-20:00Z.
  t.is(c.session('2024-03-11')?.open, Z('2024-03-11T06:30:00Z'));
  t.is(c.session('2024-03-09')?.close, Z('2024-03-09T21:00:00Z'));
  const first = t.throws(() => c.session('2024-03-10'), { instanceOf: ConfigError });
  t.is(first?.param, 'session');
  t.regex(first?.message ?? '', gap);
  const same = (fn: () => unknown, what: string): void => {
    const error = t.throws(fn, undefined, what);
    t.is(error, first, what);
  };
  same(() => c.session('2024-03-10'), 'session again');
  same(() => c.requireSession('2024-03-10'), 'requireSession');
  same(() => c.isSessionDay('2024-03-10'), 'isSessionDay');
  // Ranges: those that include the date throw, the others are answered.
  t.is(c.sessions('2024-03-01', '2024-03-09').length, 9);
  t.is(c.sessions('2024-03-11', '2024-03-31').length, 21);
  same(() => c.sessions('2024-03-01', '2024-03-31'), 'sessions over it');
  same(() => c.sessions('2024-03-10', '2024-03-10'), 'sessions of it');
  // Next and previous: the date lies between where they start and what they would return.
  t.is(c.nextSession('2024-03-08')?.date, '2024-03-09');
  same(() => c.nextSession('2024-03-09'), 'nextSession before it');
  t.is(c.nextSession('2024-03-10')?.date, '2024-03-11');
  t.is(c.previousSession('2024-03-12')?.date, '2024-03-11');
  same(() => c.previousSession('2024-03-11'), 'previousSession after it');
  t.is(c.previousSession('2024-03-10')?.date, '2024-03-09');
  same(() => c.nextSession(Z('2024-03-09T20:00:00Z')), 'nextSession from an instant on the 9th');
  same(() => c.nextSession(Z('2024-03-11T00:00:00Z')), 'nextSession from 20:00 EDT on the 10th');
  t.is(c.nextSession(Z('2024-03-11T05:00:00Z'))?.date, '2024-03-11');
  t.is(c.previousSession(Z('2024-03-09T22:00:00Z'))?.date, '2024-03-09');
  same(() => c.previousSession(Z('2024-03-11T12:00:00Z')), 'previousSession during the 11th');
  // Instants: from the date's midnight (05:00Z on the 10th) until the 11th's session opens.
  t.true(c.isOpen(Z('2024-03-09T15:00:00Z')));
  t.false(c.isOpen(Z('2024-03-09T22:00:00Z')));
  t.false(c.isOpen(Z('2024-03-10T04:59:00Z')));
  same(() => c.isOpen(Z('2024-03-10T15:00:00Z')), 'isOpen on the 10th');
  same(() => c.sessionAt(Z('2024-03-11T05:00:00Z')), 'sessionAt before the 11th opens');
  t.is(c.sessionAt(Z('2024-03-11T12:00:00Z'))?.date, '2024-03-11');
  t.true(c.isOpen(Z('2024-03-11T06:30:00Z')));
  // Other years know nothing of it (2025's gap day is 2025-03-09).
  t.is(c.sessions('2025-01-01', '2025-03-08').length, 67);
  same(() => c.session('2024-03-10'), 'session at the end');
  for (const [date, n] of asked) if (n !== 1) t.fail(`the function was asked for ${date} ${n} times`);
  t.true(asked.has('2024-03-10') && asked.has('2025-03-08'));
});

test('custom function: a function that throws for a date fails that date alone; overlapping sessions do not call it again', (t) => {
  const boom = new Error('no data for 2024-03-05');
  let calls = 0;
  const c = Calendar.custom({
    timeZone: 'UTC',
    session: (date) => {
      calls++;
      if (date === '2024-03-05') throw boom;
      return { open: '10:00', close: '11:00' };
    },
  });
  t.is(c.session('2024-03-06')?.open, Z('2024-03-06T10:00:00Z'));
  t.is(t.throws(() => c.session('2024-03-05')), boom);
  t.is(t.throws(() => c.sessions('2024-03-01', '2024-03-31')), boom);
  // 2024's dates, and the dates of 2023 and 2025 whose sessions could reach across New Year into
  // 2024's (a session lasts at most 31 days): 2023-11-30 to 12-31 and 2025-01-01 to 02-02.
  t.is(calls, 366 + 32 + 33);
  // 2024-04-30's session runs to 14:00Z on 05-01, after 05-01 opens at 13:00Z.
  const asked = new Map<string, number>();
  const o = Calendar.custom({
    timeZone: NY,
    session: (date) => {
      asked.set(date, (asked.get(date) ?? 0) + 1);
      if (date === '2024-04-30') return { date, open: Z('2024-04-30T13:00:00Z'), close: Z('2024-05-01T14:00:00Z'), timeZone: NY, dayStart: Z('2024-04-30T04:00:00Z') };
      return date === '2024-05-01' ? { open: '09:00', close: '16:00' } : null;
    },
  });
  configError(t, () => o.session('2024-05-01'), 'session', /opens before the session on 2024-04-30 closes/);
  configError(t, () => o.session('2024-06-01'), 'session', /opens before/);
  for (const [date, n] of asked) if (n !== 1) t.fail(`the function was asked for ${date} ${n} times`);
  t.is(asked.size, 366 + 32 + 33);
});

test('a function calendar: a long session of December that holds a later-dated short one and overlaps New Year fails the queries of the new year too', (t) => {
  const c = Calendar.custom({
    timeZone: 'UTC',
    session: (date) => {
      // 2023-12-02 00:00Z to 2024-01-01 12:00Z (30.5 days), 2023-12-31 09:00-17:00Z inside it, 2024-01-01 09:00-17:00Z.
      if (date === '2023-12-02') return { date, open: Date.UTC(2023, 11, 2), close: Date.UTC(2024, 0, 1, 12), timeZone: 'UTC', dayStart: Date.UTC(2023, 11, 2) };
      return date === '2023-12-31' || date === '2024-01-01' ? { open: '09:00', close: '17:00' } : null;
    },
  });
  configError(t, () => c.session('2024-01-01'), 'session', /the session on 2024-01-01 opens before the session on 2023-12-02 closes/);
  configError(t, () => c.sessionAt(Date.UTC(2024, 0, 1, 10)), 'session');
  configError(t, () => c.session('2023-12-31'), 'session');
});

test('a function calendar with sessions that overlap across New Year fails the queries of both years, whichever is asked first', (t) => {
  const mk = (asked: Map<string, number>): Calendar =>
    Calendar.custom({
      timeZone: 'UTC',
      session: (date) => {
        asked.set(date, (asked.get(date) ?? 0) + 1);
        // 2023-12-31 20:00Z to 2024-01-01 12:00Z, and 2024-01-01 09:00-17:00Z: they share 09:00-12:00.
        if (date === '2023-12-31') return { date, open: Date.UTC(2023, 11, 31, 20), close: Date.UTC(2024, 0, 1, 12), timeZone: 'UTC', dayStart: Date.UTC(2023, 11, 31) };
        return date === '2024-01-01' ? { open: '09:00', close: '17:00' } : null;
      },
    });
  const message = /the session on 2024-01-01 opens before the session on 2023-12-31 closes/;
  const queries: [string, (c: Calendar) => unknown][] = [
    ['session 2024-01-01', (c) => c.session('2024-01-01')],
    ['session 2023-12-31', (c) => c.session('2023-12-31')],
    ['sessionAt 2024-01-01T10:00Z', (c) => c.sessionAt(Date.UTC(2024, 0, 1, 10))],
    ['sessions of 2024', (c) => c.sessions('2024-01-01', '2024-12-31')],
  ];
  for (const [first, ask] of queries) {
    const asked = new Map<string, number>();
    const c = mk(asked);
    configError(t, () => ask(c), 'session', message, `${first}, asked first`);
    for (const [other, askOther] of queries) configError(t, () => askOther(c), 'session', message, `${other}, after ${first}`);
    for (const [date, n] of asked) if (n !== 1) t.fail(`the function was asked for ${date} ${n} times`);
  }
});

test('a function calendar answers an instant the same whatever was asked before, a session running into a failed date included', (t) => {
  const mk = (): Calendar =>
    Calendar.custom({
      timeZone: 'UTC',
      session: (d: string) => {
        if (d === '2024-03-06') throw new Error('feed down');
        return d === '2024-03-05' ? { date: d, open: Date.UTC(2024, 2, 5, 18), close: Date.UTC(2024, 2, 6, 17), timeZone: 'UTC', dayStart: Date.UTC(2024, 2, 5) } : null;
      },
    });
  const past = Date.UTC(2024, 2, 6, 10);
  t.throws(() => mk().sessionAt(past), { message: 'feed down' });
  const c = mk();
  t.is(c.sessionAt(Date.UTC(2024, 2, 5, 20))?.date, '2024-03-05');
  t.throws(() => c.sessionAt(past), { message: 'feed down' }, 'asked after an instant of the same session before midnight');
  t.throws(() => c.isOpen(past), { message: 'feed down' });
});

test('Calendar.custom refuses session times a store cannot take (2^53 and past)', (t) => {
  const open = Date.UTC(2024, 2, 4, 14, 30);
  t.throws(() => Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-03-04', open, close: 2 ** 53 + 2, timeZone: 'UTC', dayStart: Date.UTC(2024, 2, 4) }] }), { instanceOf: ConfigError, message: /close must be whole epoch milliseconds \(below 9e15/ });
});

test('a custom session with a field no session has (a misspelt flag) is refused, not made without the flag', (t) => {
  const list = (): Calendar => Calendar.custom({ timeZone: 'America/New_York', sessions: [{ date: '2024-11-29', open: '09:30', close: '13:00', earlyclose: true } as never] });
  const e = t.throws(list, { instanceOf: ConfigError });
  t.is(e?.param, 'sessions');
  t.regex(e?.message ?? '', /sessions\[0\]: 'earlyclose' is not a field of a session \(its fields: date, open, close, timeZone, dayStart, earlyClose, lateOpen\)/);
  const fn = Calendar.custom({ timeZone: 'America/New_York', session: (date) => (date === '2024-11-29' ? ({ open: '09:30', close: '13:00', erlyClose: true } as never) : { open: '09:30', close: '16:00' }) });
  t.throws(() => fn.session('2024-11-29'), { instanceOf: ConfigError, message: /'erlyClose' is not a field of a session/ });
  // The other dates are answered; the right spelling keeps its flag.
  t.is(fn.session('2024-11-27')?.close, Z('2024-11-27T21:00:00Z'));
  const good = Calendar.custom({ timeZone: 'America/New_York', sessions: [{ date: '2024-11-29', open: '09:30', close: '13:00', earlyClose: true }] });
  t.true(good.session('2024-11-29')?.earlyClose);
});

test('new Calendar() from plain JavaScript is a ConfigError that names the factories', (t) => {
  const Make = Calendar as unknown as new (...args: unknown[]) => Calendar;
  for (const args of [[], [{}], [Symbol('Calendar'), {}]]) {
    const e = t.throws(() => new Make(...args), { instanceOf: ConfigError });
    t.regex(e?.message ?? '', /Calendar\.xnys\(\), Calendar\.alwaysOpen\(\) or Calendar\.custom/);
  }
});

// Hand-checked: Santiago's clocks skip 00:00-01:00 on 2024-09-08 (UTC-4 to UTC-3).
test("a custom 00:00-24:00 calendar covers every day, the day whose midnight the clocks skip from its first instant", (t) => {
  const c = Calendar.custom({ timeZone: 'America/Santiago', session: () => ({ open: '00:00', close: '24:00' }) });
  const days = c.sessions('2024-09-07', '2024-09-09');
  t.deepEqual(days.map((s) => [s.date, new Date(s.open).toISOString(), new Date(s.close).toISOString()]), [
    ['2024-09-07', '2024-09-07T04:00:00.000Z', '2024-09-08T04:00:00.000Z'],
    ['2024-09-08', '2024-09-08T04:00:00.000Z', '2024-09-09T03:00:00.000Z'],
    ['2024-09-09', '2024-09-09T03:00:00.000Z', '2024-09-10T03:00:00.000Z'],
  ]);
  // 23:59:59 on the 7th is in the 7th's session; the next second is 01:00 on the 8th.
  t.is(c.sessionAt(Date.parse('2024-09-08T03:59:59Z'))?.date, '2024-09-07');
  t.is(c.sessionAt(Date.parse('2024-09-08T04:00:00Z'))?.date, '2024-09-08');
});

test('a custom session may last at most 31 days: a calendar finds the session at an instant among those opening up to a year before it', (t) => {
  const open = Date.parse('2020-01-01T01:00:00Z');
  const long = { date: '2020-01-01', open, close: Date.parse('2023-01-01T00:00:00Z'), timeZone: 'UTC', dayStart: Date.parse('2020-01-01T00:00:00Z') };
  const e = t.throws(() => Calendar.custom({ timeZone: 'UTC', sessions: [long] }).isOpen(Date.parse('2022-06-01T00:00:00Z')), { instanceOf: ConfigError });
  // 366 + 365 + 365 days less an hour: 1095.96, shown as 1096.0.
  t.regex(e?.message ?? '', /the session lasts 1096\.0 days, more than the 31 a session may last/);
  // Five days (a week of a market open around the clock) is a session.
  const week = { ...long, close: open + 5 * 86_400_000 };
  t.true(Calendar.custom({ timeZone: 'UTC', sessions: [week] }).isOpen(open + 4 * 86_400_000));
});

test('a session function that answers with a Promise (an async one) is told so', (t) => {
  const c = Calendar.custom({ timeZone: 'UTC', session: (async () => ({ open: '09:30', close: '16:00' })) as never });
  t.throws(() => c.session('2024-03-04'), { instanceOf: ConfigError, message: "invalid session: session('2024-03-04'): got a Promise; a session function answers at once, with the session or null" });
});

test("a custom calendar takes a session whose zone is its own spelt otherwise (sessionOn keeps 'america/new_york' as given, or an alias), and refuses another zone", (t) => {
  const c = (timeZone: string) => Calendar.custom({ timeZone: 'America/New_York', sessions: [sessionOn('2024-03-04', { open: '09:30', close: '16:00', timeZone })] });
  for (const spelt of ['america/new_york', 'US/Eastern']) {
    const s = c(spelt).session('2024-03-04');
    // 09:30 EST is 14:30Z; the calendar gives its own name.
    t.is(new Date(s?.open as number).toISOString(), '2024-03-04T14:30:00.000Z', spelt);
    t.is(s?.timeZone, 'America/New_York', spelt);
  }
  t.throws(() => c('Europe/London').session('2024-03-04'), { instanceOf: ConfigError, message: /time zone 'Europe\/London' is not the calendar's, 'America\/New_York'/ });
});

test('a session function that asks its own calendar while answering fails that date with a ConfigError, not a stack overflow', (t) => {
  let calendar: Calendar | null = null;
  calendar = Calendar.custom({ timeZone: 'UTC', session: (date) => (calendar?.isSessionDay(date) === true ? { open: '09:00', close: '17:00' } : null) });
  for (let k = 0; k < 2; k++) {
    const e = t.throws(() => calendar?.session('2024-03-08'), { instanceOf: ConfigError });
    t.is(e?.param, 'session');
    t.regex(e?.message ?? '', /asked its own calendar while answering '2024-03-08'/);
  }
});


test('sessionAt: an instant inside a session is found after a question about the evening after it', (t) => {
  const cal = Calendar.custom({
    timeZone: 'America/New_York',
    sessions: [
      { date: '2024-01-02', open: '09:30', close: '16:00' },
      { date: '2024-01-03', open: '09:30', close: '16:00' },
    ],
  });
  const evening = Date.UTC(2024, 0, 2, 22, 0); // 17:00 local, after the close
  const noon = Date.UTC(2024, 0, 2, 17, 0); // 12:00 local, inside the first session
  const atOpen = Date.UTC(2024, 0, 2, 14, 30); // 09:30 local, the open itself
  t.is(cal.sessionAt(evening), null);
  t.is(cal.isOpen(evening), false);
  t.is(cal.sessionAt(noon)?.date, '2024-01-02');
  t.is(cal.isOpen(atOpen), true);
  t.is(cal.isOpen(Date.UTC(2024, 0, 2, 20, 59)), true);
  t.is(cal.isOpen(Date.UTC(2024, 0, 2, 21, 0)), false);
});

test('sessionAt: an overnight session dated Dec 31 is open after New Year\'s midnight', (t) => {
  const open = Date.UTC(2024, 11, 31, 18);
  const close = Date.UTC(2025, 0, 1, 2);
  const cal = Calendar.custom({
    timeZone: 'UTC',
    sessions: [
      { date: '2024-12-31', open, close, timeZone: 'UTC' },
      { date: '2025-01-02', open: Date.UTC(2025, 0, 2, 18), close: Date.UTC(2025, 0, 3, 2), timeZone: 'UTC' },
    ],
  });
  const oneAm = Date.UTC(2025, 0, 1, 1);
  t.is(cal.sessionAt(oneAm)?.date, '2024-12-31');
  t.true(cal.isOpen(oneAm));
  t.false(cal.isOpen(close));
  // The same for the first question a fresh calendar is asked, and for isOpen first.
  const again = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-12-31', open, close, timeZone: 'UTC' }] });
  t.true(again.isOpen(oneAm));
});

test('custom function: a session exactly maxGapDays away is found, one day further is not', (t) => {
  const c = Calendar.custom({ timeZone: 'UTC', maxGapDays: 10, session: (d) => (d === '2024-01-15' ? { open: '00:00', close: '24:00' } : null) });
  // 2024-01-05 + 10 days = 2024-01-15; 2024-01-04 + 10 days = 2024-01-14.
  t.is(c.nextSession('2024-01-05')?.date, '2024-01-15');
  t.is(c.nextSession('2024-01-04'), null);
  // 2024-01-25 - 10 days = 2024-01-15; 2024-01-26 - 10 days = 2024-01-16.
  t.is(c.previousSession('2024-01-25')?.date, '2024-01-15');
  t.is(c.previousSession('2024-01-26'), null);
  // The smallest maxGapDays still finds the session on the next or previous day.
  const daily = Calendar.custom({ timeZone: 'UTC', maxGapDays: 1, session: (d) => (d === '2024-01-15' ? { open: '00:00', close: '24:00' } : null) });
  t.is(daily.nextSession('2024-01-14')?.date, '2024-01-15');
  t.is(daily.previousSession('2024-01-16')?.date, '2024-01-15');
  t.is(daily.nextSession('2024-01-13'), null);
});

const DAY = 86_400_000;

test('custom list: sessions back to back (one closes as the next opens) do not overlap', (t) => {
  const cal = Calendar.custom({
    timeZone: 'UTC',
    sessions: [
      { date: '2024-01-02', open: '00:00', close: '24:00' },
      { date: '2024-01-03', open: '00:00', close: '24:00' },
    ],
  });
  t.is(cal.sessions('2024-01-01', '2024-01-05').length, 2);
  // The instant the first closes is the second's open: open inclusive, close exclusive.
  t.is(cal.sessionAt(Date.UTC(2024, 0, 3))?.date, '2024-01-03');
  // Overlapping by one minute is still refused.
  t.throws(
    () => Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '00:00', close: '24:00' }, { date: '2024-01-03', open: Date.UTC(2024, 0, 2, 23, 59), close: Date.UTC(2024, 0, 3, 12), timeZone: 'UTC' }] }),
    { instanceOf: ConfigError },
  );
});

test('custom function: maxGapDays defaults to 366 (a session a leap year later is found)', (t) => {
  const cal = Calendar.custom({ timeZone: 'UTC', session: (d) => (d === '2024-01-01' || d === '2025-01-01' ? { open: '10:00', close: '11:00' } : null) });
  t.is(cal.nextSession('2024-01-01')?.date, '2025-01-01');
  t.is(cal.previousSession('2025-01-01')?.date, '2024-01-01');
  const further = Calendar.custom({ timeZone: 'UTC', session: (d) => (d === '2024-01-01' || d === '2025-01-02' ? { open: '10:00', close: '11:00' } : null) });
  t.is(further.nextSession('2024-01-01'), null);
});

test('Calendar.custom: a Session may last 31 days exactly, not a millisecond more', (t) => {
  const open = Date.UTC(2024, 0, 2);
  const s = { date: '2024-01-02', open, close: open + 31 * DAY, timeZone: 'UTC' };
  t.is(Calendar.custom({ sessions: [s] }).session('2024-01-02')?.close, open + 31 * DAY);
  t.throws(() => Calendar.custom({ sessions: [{ ...s, close: s.close + 1 }] }), { instanceOf: ConfigError, message: /more than the 31/ });
});

test('Calendar.custom: local hours with the close at the open are refused', (t) => {
  const err = t.throws(() => Calendar.custom({ timeZone: 'America/New_York', sessions: [{ date: '2024-03-04', open: '10:00', close: '10:00' }] }), { instanceOf: ConfigError });
  t.is(err?.param, 'sessions');
  t.regex(err?.message ?? '', /close 10:00 is not after open 10:00/);
  const f = Calendar.custom({ timeZone: 'America/New_York', session: () => ({ open: '10:00', close: '10:00' }) });
  t.throws(() => f.session('2024-03-04'), { instanceOf: ConfigError, message: /close 10:00 is not after open 10:00/ });
});

test('XNYS answers for its lastDate as for its firstDate, and refuses the day after', (t) => {
  const xnys = Calendar.xnys();
  t.is(xnys.lastDate, '2099-12-31');
  t.is(xnys.session('2099-12-31')?.date, '2099-12-31');
  t.true(xnys.isSessionDay('2099-12-31'));
  t.deepEqual(xnys.sessions('2099-12-30', '2099-12-31').map((s) => s.date), ['2099-12-30', '2099-12-31']);
  t.is(xnys.session(xnys.firstDate) === null, true); // 2000-01-01, a Saturday
  t.throws(() => xnys.session('2100-01-01'), { instanceOf: ConfigError });
});
