/**
 * Calendar dates as day numbers (whole days since 1970-01-01), and `YYYY-MM-DD` strings. Plain
 * proleptic Gregorian arithmetic: no time zones here.
 * @internal
 * @module
 */

/** Milliseconds in a calendar day. */
export const DAY_MS = 86_400_000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The first and last day numbers a date string can name (years 1000 to 9999). */
export const MIN_DAY = Date.UTC(1000, 0, 1) / DAY_MS;
export const MAX_DAY = Date.UTC(9999, 11, 31) / DAY_MS;

/** Year, month (1-12) and day of `date` when it is a real `YYYY-MM-DD` date of any year, else `null`. */
function realDate(date: string): [number, number, number] | null {
  const match = DATE.exec(date);
  if (match === null) return null;
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m) ? [y, m, d] : null;
}

/** The day number of a `YYYY-MM-DD` string, or `NaN` when it is not a real date from 1000 to 9999. */
export function parseDay(date: string): number {
  const parts = realDate(date);
  if (parts === null || parts[0] < 1000) return NaN;
  return Date.UTC(parts[0], parts[1] - 1, parts[2]) / DAY_MS;
}

/**
 * Whether `date` is a real `YYYY-MM-DD` date before the year 1000, one that {@link parseDay} refuses
 * for its year alone (so that an error can say the date is out of range rather than malformed).
 */
export function isEarlyDate(date: string): boolean {
  const parts = realDate(date);
  return parts !== null && parts[0] < 1000;
}

/** The day number of year `y`, month `m` (1-12), day `d`. */
export function dayOf(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** The number of days in month `m` (1-12) of year `y`. */
export function daysInMonth(y: number, m: number): number {
  // Arithmetic, not Date.UTC, which reads the years 0 to 99 as 1900 to 1999.
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Year, month (1-12) and day of a day number (H. Hinnant's `civil_from_days`), written into `out`.
 */
function civil(day: number, out: [number, number, number]): [number, number, number] {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0);
  out[1] = m;
  out[2] = d;
  return out;
}

const scratch: [number, number, number] = [0, 0, 0];

/** `YYYY-MM-DD` of a day number. */
export function formatDay(day: number): string {
  civil(day, scratch);
  const y = scratch[0];
  const m = scratch[1];
  const d = scratch[2];
  if (y < 1000 || y > 9999) return new Date(day * DAY_MS).toISOString().slice(0, -14);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** The year of a day number. */
export function yearOf(day: number): number {
  return civil(day, scratch)[0];
}

/** The day of the week of a day number: 0 is Sunday, 6 is Saturday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The `n`th (1-based) `dow` (0 = Sunday) of month `m` of year `y`; a negative `n` counts from the end. */
export function nthWeekday(y: number, m: number, dow: number, n: number): number {
  if (n > 0) {
    const first = dayOf(y, m, 1);
    return first + ((dow - weekday(first) + 7) % 7) + (n - 1) * 7;
  }
  const last = dayOf(y, m, daysInMonth(y, m));
  return last - ((weekday(last) - dow + 7) % 7) + (n + 1) * 7;
}

/** Easter Sunday of year `y` (Gregorian calendar; the anonymous Meeus/Jones/Butcher algorithm). */
export function easterSunday(y: number): number {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return dayOf(y, month, day);
}

const TIME = /^(\d{2}):(\d{2})$/;

/**
 * Minutes after midnight of an `HH:MM` time of day (`24:00` is the end of the day), or `NaN` when
 * malformed. The same times `sessionOn` accepts.
 */
export function parseTimeOfDay(hhmm: unknown): number {
  if (typeof hhmm !== 'string') return NaN;
  const match = TIME.exec(hhmm);
  if (match === null) return NaN;
  const h = Number(match[1]);
  const m = Number(match[2]);
  if (h > 24 || m > 59 || (h === 24 && m !== 0)) return NaN;
  return h * 60 + m;
}
