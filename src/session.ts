/**
 * Building {@link Session}s from a date, local hours and a time zone.
 * @module
 */
import { DateTime } from 'luxon';
import { ConfigError } from './errors.js';
import type { Session } from './types.js';

/** Local opening hours of a session. */
export interface SessionHours {
  /** Local open time, `HH:MM`. */
  open: string;
  /** Local close time, `HH:MM`. */
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
 * @throws {ConfigError} for a malformed date or time, an unknown time zone, or a close not after the open.
 */
export function sessionOn(date: string, hours: SessionHours): Session {
  if (!DATE.test(date)) throw new ConfigError('date', `'${date}' is not a YYYY-MM-DD date`);
  for (const key of ['open', 'close'] as const) {
    if (!TIME.test(hours[key])) throw new ConfigError(key, `'${hours[key]}' is not an HH:MM time`);
  }
  const at = (hhmm: string): DateTime => DateTime.fromISO(`${date}T${hhmm}`, { zone: hours.timeZone });
  const day = DateTime.fromISO(date, { zone: hours.timeZone }).startOf('day');
  if (!day.isValid) {
    throw new ConfigError('timeZone', `cannot place ${date} in '${hours.timeZone}': ${day.invalidExplanation ?? day.invalidReason}`);
  }
  const open = at(hours.open);
  const close = at(hours.close);
  if (!open.isValid || !close.isValid) throw new ConfigError('date', `${date} ${hours.open}-${hours.close} is not a valid local time`);
  if (close <= open) throw new ConfigError('close', `close ${hours.close} is not after open ${hours.open}`);
  return { date, open: open.toMillis(), close: close.toMillis(), timeZone: hours.timeZone, dayStart: day.toMillis() };
}
