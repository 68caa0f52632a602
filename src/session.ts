/**
 * Building {@link Session}s from a date, local hours and a time zone.
 * @module
 */
import { DateTime, IANAZone } from 'luxon';
import { ConfigError, checkOptionKeys, describe, refuseArguments } from './errors.js';
import type { Session } from './types.js';
import { ZoneOffsets } from './calendar/zone.js';
import { DAY_MS, isEarlyDate, parseDay } from './calendar/dates.js';

/** Local opening hours of a session. */
export interface SessionHours {
  /** Local open time, `HH:MM`. */
  open: string;
  /** Local close time, `HH:MM`; `24:00` is the end of the day (the next day's first instant). */
  close: string;
  /** An IANA time zone such as `America/New_York`. */
  timeZone: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}$/;

/**
 * The session on `date` with these local hours, with daylight saving applied by the time zone
 * database (through luxon).
 *
 * @example
 * sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' })
 * // { date: '2013-10-07', open: 1381152600000 (13:30Z), close: 1381176000000 (20:00Z), ... }
 * @throws {ConfigError} naming the field: a malformed date or time, an unknown time zone, a wall
 * time that does not exist on that date (a daylight-saving gap: it is refused, not moved; but
 * `00:00` is the day's first instant, the end of the skip where the clocks skip midnight, as
 * `24:00` is the next day's), a date the zone skipped whole, an open of `24:00`, a
 * close not after the open, or a key of `hours` other than `open`, `close` and `timeZone` (a
 * misspelt `timezone`, say, is never ignored), or `arguments` for a third argument (flags such as
 * `{ earlyClose }` are a calendar's: see `Calendar.custom`). Only IANA zone names are taken.
 */
export function sessionOn(date: string, hours: SessionHours): Session {
  refuseArguments('sessionOn', arguments, "flags such as earlyClose are a calendar's (Calendar.custom)", '(date, { open, close, timeZone })', 2);
  if (typeof date !== 'string' || !DATE.test(date) || !DateTime.fromISO(date, { zone: 'UTC' }).isValid) {
    throw new ConfigError('date', `${describe(date)} is not a YYYY-MM-DD calendar date`);
  }
  if (hours === null || typeof hours !== 'object') throw new ConfigError('hours', `expected { open, close, timeZone }, got ${describe(hours)}`);
  checkOptionKeys(hours, ['open', 'close', 'timeZone'], 'sessionOn');
  // Each field read once: a getter read again could give another time than the one checked.
  hours = { open: hours.open, close: hours.close, timeZone: hours.timeZone };
  // A missing zone would be the process's own, a number a fixed offset in minutes: neither is meant.
  if (typeof hours.timeZone !== 'string' || hours.timeZone === '') {
    throw new ConfigError('timeZone', `expected an IANA time zone such as 'America/New_York', got ${describe(hours.timeZone)}`);
  }
  // An IANA name: luxon alone would also take 'local' and 'system' (the machine's zone) and 'UTC+5',
  // which no store or calendar takes (the session's dayStart would be NaN).
  if (!IANAZone.isValidZone(hours.timeZone)) {
    const own = ['local', 'system'].includes(hours.timeZone.toLowerCase()) ? ": the machine's own zone differs between machines" : '';
    throw new ConfigError('timeZone', `'${hours.timeZone}' is not an IANA time zone name such as 'America/New_York'${own}`);
  }
  for (const key of ['open', 'close'] as const) {
    const hhmm: unknown = hours[key];
    const [h, m] = typeof hhmm === 'string' && TIME.test(hhmm) ? hhmm.split(':').map(Number) : [NaN, NaN];
    if (!(h! >= 0 && h! <= 24 && m! >= 0 && m! <= 59 && (h! < 24 || m === 0))) {
      throw new ConfigError(key, `${describe(hhmm)} is not an HH:MM time of day`);
    }
  }
  const day = DateTime.fromISO(date, { zone: hours.timeZone }).startOf('day');
  // A date the zone skipped whole (Apia's 2011-12-30): luxon would give the next day's hours.
  if (day.toISODate() !== date) throw new ConfigError('date', `${date} does not exist in ${hours.timeZone}: its clocks skipped that whole day`);
  if (hours.open === '24:00') throw new ConfigError('open', 'open 24:00 is the end of the day');
  const n = parseDay(date);
  const at = (key: 'open' | 'close'): number => {
    const [h, m] = hours[key].split(':').map(Number) as [number, number];
    const gap = (): ConfigError => new ConfigError(key, `${date} ${hours[key]} does not exist in ${hours.timeZone} (a daylight-saving gap)`);
    if (!Number.isNaN(n)) {
      // As a calendar places them (Calendar.custom): 00:00 is the day's first instant, the end of
      // the skip where the clocks skip midnight; 24:00 the next day's; a wall time that occurs
      // twice its first occurrence, and one in a gap none.
      const zone = ZoneOffsets.of(hours.timeZone);
      const wall = n * DAY_MS;
      const minutes = h * 60 + m;
      const t = minutes === 0 ? zone.instant(wall, 'forward') : minutes === 1440 ? zone.instant(wall + DAY_MS, 'forward') : zone.instant(wall + minutes * 60_000, 'reject');
      if (Number.isNaN(t)) throw gap();
      return t;
    }
    // Years before 1000 are luxon's alone (see dayStartOf).
    if (h === 0 && m === 0) return dayStartOf(date, hours.timeZone);
    const t = h === 24 ? DateTime.fromMillis(nextDayStartOf(date, hours.timeZone), { zone: hours.timeZone }) : day.set({ hour: h, minute: m });
    // Wall times in a daylight-saving gap do not exist; luxon would move them silently.
    if (h < 24 && (t.hour !== h || t.minute !== m)) throw gap();
    return t.toMillis();
  };
  const open = at('open');
  const close = at('close');
  if (close <= open) throw new ConfigError('close', `close ${hours.close} is not after open ${hours.open}`);
  return { date, open, close, timeZone: hours.timeZone, dayStart: dayStartOf(date, hours.timeZone) };
}

/**
 * Midnight of `date` (`YYYY-MM-DD`) in `timeZone` (epoch ms), or `NaN` when either is not valid:
 * the day's first instant. On a day whose midnight the clocks skip, that is the end of the skip
 * (01:00 in Havana on 2024-03-10); on a day whose midnight comes twice (the clocks go back from
 * 01:00 to 00:00), the first of the two, as calendars give it.
 */
export function dayStartOf(date: unknown, timeZone: unknown): number {
  return midnightOf(date, timeZone, 0);
}

/**
 * Midnight of the day after `date` in `timeZone` (epoch ms): where `date`'s day ends. `NaN` when
 * either is not valid.
 * @internal
 */
export function nextDayStartOf(date: unknown, timeZone: unknown): number {
  return midnightOf(date, timeZone, 1);
}

/** The first instant of the day `days` after `date` in `timeZone` (see {@link dayStartOf}). */
function midnightOf(date: unknown, timeZone: unknown, days: number): number {
  if (typeof date !== 'string' || typeof timeZone !== 'string') return NaN;
  let zone: ZoneOffsets;
  try {
    zone = ZoneOffsets.of(timeZone);
  } catch {
    return NaN;
  }
  // The zone's offsets, worked out a year at a time and kept: a microsecond or two a call, where a
  // luxon DateTime took 35 us (about 90 ns a bar for a 390-bar session of one symbol). From the day
  // number, as a calendar does: the day after 9999-12-31 has no YYYY-MM-DD.
  const day = parseDay(date);
  if (!Number.isNaN(day)) return zone.instant((day + days) * DAY_MS, 'forward');
  // Years before 1000, which the offsets do not cover; anything else is no date.
  if (!isEarlyDate(date)) return NaN;
  const start = DateTime.fromISO(date, { zone: timeZone }).startOf('day');
  return start.isValid ? start.plus({ days }).startOf('day').toMillis() : NaN;
}

/**
 * The changes of the clocks of `timeZone` that a session from `dayStart` (its day's first instant,
 * epoch ms) to `close` lives through: the first, if any, with its instant (`at`) and how far the
 * clocks move (`by`, in whole ms: `+3_600_000` when daylight saving starts), and the next one
 * before `close`, if there is one (its `by` from the first). A day whose midnight the clocks
 * skipped (Havana: 00:00 -> 01:00) starts past midnight: that is a change at `dayStart` itself, by
 * what its clock shows. Empty when the clocks do not change, or the zone is unknown.
 * The zone's changes come from the calendar's cached offset tables ({@link ZoneOffsets}).
 * @internal
 */
export function clockChangesOf(dayStart: number, close: number, timeZone: string): { at: number; by: number }[] {
  let zone: ZoneOffsets;
  try {
    zone = ZoneOffsets.of(timeZone);
  } catch {
    return [];
  }
  // What the clock shows at the day's first instant: past 00:00 when midnight was skipped.
  const skipped = dayStart + zone.offset(dayStart) - zone.localDay(dayStart) * DAY_MS;
  const first = skipped > 0 ? dayStart : zone.changeWithin(dayStart, Math.max(close, dayStart + 1));
  if (first === null) return [];
  const out = [{ at: first, by: skipped > 0 ? skipped : zone.offset(first) - zone.offset(dayStart) }];
  const second = zone.changeWithin(first, close);
  if (second !== null) out.push({ at: second, by: zone.offset(second) - zone.offset(first) });
  return out;
}
