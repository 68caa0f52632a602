/**
 * The New York Stock Exchange's trading days: holidays, special closures, early closes.
 *
 * Sources (see `README.md` in this folder for the full account):
 * - NYSE Rule 7.2 (holidays, and the Saturday/Sunday observance rule) and the holiday and early
 *   closing calendars NYSE Group publishes every year (read for 2015-2028).
 * - NYSE's history of closings and shortened sessions (as transcribed by pandas_market_calendars)
 *   for 2000-2013 and the unscheduled closures.
 * @internal
 * @module
 */
import { dayOf, easterSunday, nthWeekday, weekday, yearOf } from './dates.js';

/** How a special day differs from a regular 09:30-16:00 session. */
export type XnysDayKind = 'holiday' | 'closure' | 'early-close' | 'late-open';

/** A day that is not a regular session, and why. */
export interface XnysDay {
  kind: XnysDayKind;
  /** What the day is, e.g. `Good Friday`, `Hurricane Sandy`, `Day after Thanksgiving`. */
  name: string;
}

/** The first date XNYS answers for: the rules below are checked from 2000 on. */
export const XNYS_FIRST = dayOf(2000, 1, 1);
/** The last date XNYS answers for: past 2030 the standing rules are projected forward. */
export const XNYS_LAST = dayOf(2099, 12, 31);

/** Unscheduled full-day closures (weekdays), 2000 onwards. */
const CLOSURES: readonly (readonly [number, number, number, string])[] = [
  [2001, 9, 11, 'September 11 attacks'],
  [2001, 9, 12, 'September 11 attacks'],
  [2001, 9, 13, 'September 11 attacks'],
  [2001, 9, 14, 'September 11 attacks'],
  [2004, 6, 11, 'National day of mourning for President Reagan'],
  [2007, 1, 2, 'National day of mourning for President Ford'],
  [2012, 10, 29, 'Hurricane Sandy'],
  [2012, 10, 30, 'Hurricane Sandy'],
  [2018, 12, 5, 'National day of mourning for President George H. W. Bush'],
  [2025, 1, 9, 'National day of mourning for President Carter'],
];

/** Early closes at 13:00 that no standing rule gives. */
const EXTRA_EARLY_CLOSES: readonly (readonly [number, number, number, string])[] = [
  [2003, 12, 26, 'Friday after Christmas'],
];

/** Late openings at 12:00. */
const LATE_OPENS: readonly (readonly [number, number, number, string])[] = [
  [2002, 9, 11, 'First anniversary of the September 11 attacks'],
];

/**
 * A holiday that falls on a weekend is observed on the Friday before (Saturday) or the Monday
 * after (Sunday), as NYSE Rule 7.2 has it; `saturday: false` for a holiday whose Friday before
 * would end a month or a year (New Year's Day), which is then not observed at all.
 */
function observed(day: number, saturday = true): number | null {
  const dow = weekday(day);
  if (dow === 6) return saturday ? day - 1 : null;
  if (dow === 0) return day + 1;
  return day;
}

const cache = new Map<number, ReadonlyMap<number, XnysDay>>();

/** Every weekday of year `y` that is not a regular session, by day number. */
export function xnysSpecialDays(y: number): ReadonlyMap<number, XnysDay> {
  let days = cache.get(y);
  if (days === undefined) {
    days = build(y);
    cache.set(y, days);
  }
  return days;
}

function build(y: number): Map<number, XnysDay> {
  const days = new Map<number, XnysDay>();
  const holiday = (day: number | null, name: string): void => {
    if (day !== null && yearOf(day) === y) days.set(day, { kind: 'holiday', name });
  };
  // A Saturday New Year's Day has no holiday: the Friday before ends the year (NYSE Rule 7.2).
  holiday(observed(dayOf(y, 1, 1), false), "New Year's Day");
  holiday(nthWeekday(y, 1, 1, 3), 'Martin Luther King, Jr. Day');
  holiday(nthWeekday(y, 2, 1, 3), "Washington's Birthday");
  holiday(easterSunday(y) - 2, 'Good Friday');
  holiday(nthWeekday(y, 5, 1, -1), 'Memorial Day');
  if (y >= 2022) holiday(observed(dayOf(y, 6, 19)), 'Juneteenth National Independence Day');
  holiday(observed(dayOf(y, 7, 4)), 'Independence Day');
  holiday(nthWeekday(y, 9, 1, 1), 'Labor Day');
  const thanksgiving = nthWeekday(y, 11, 4, 4);
  holiday(thanksgiving, 'Thanksgiving Day');
  holiday(observed(dayOf(y, 12, 25)), 'Christmas Day');

  for (const [cy, m, d, name] of CLOSURES) {
    if (cy === y) days.set(dayOf(y, m, d), { kind: 'closure', name });
  }

  const early = (day: number, name: string): void => {
    const dow = weekday(day);
    if (dow !== 0 && dow !== 6 && !days.has(day)) days.set(day, { kind: 'early-close', name });
  };
  early(thanksgiving + 1, 'Day after Thanksgiving');
  // Christmas Eve, Monday to Thursday (a Friday Christmas Eve is the observed Christmas Day).
  early(dayOf(y, 12, 24), 'Christmas Eve');
  // July 3 on a Monday, Tuesday or Thursday; on a Wednesday from 2013 on. Before 2013, a
  // Wednesday July 4 was followed by a full session and a Thursday July 4 by an early close on
  // Friday July 5 instead.
  const july3 = dayOf(y, 7, 3);
  const dow3 = weekday(july3);
  if (dow3 === 1 || dow3 === 2 || dow3 === 4 || (dow3 === 3 && y >= 2013)) early(july3, 'Day before Independence Day');
  if (dow3 === 3 && y < 2013) early(july3 + 2, 'Day after Independence Day');
  for (const [cy, m, d, name] of EXTRA_EARLY_CLOSES) {
    if (cy === y) early(dayOf(y, m, d), name);
  }
  for (const [cy, m, d, name] of LATE_OPENS) {
    if (cy === y) days.set(dayOf(y, m, d), { kind: 'late-open', name });
  }
  return days;
}
