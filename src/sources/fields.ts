/**
 * Field parsers shared by both CSV paths: numbers (exactly as `Number()` reads them, with an
 * allocation-free fast path) and times (ISO 8601, or epoch seconds, milliseconds, microseconds or
 * nanoseconds).
 * @module
 * @internal
 */
import { Info } from 'luxon';
import type { Zone } from 'luxon';
import { ConfigError, describe } from '../errors.js';
import { dayStartOf } from '../session.js';

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * The number in `s[a..b)`, exactly as `Number(s.slice(a, b))` reads it, except that a blank field
 * is NaN (where `Number('')` is 0), and so are hexadecimal, octal and binary literals (`0x10`). Plain decimals of at most 15 digits are read without slicing:
 * `m / 10^k` with `m < 2^53` and `k <= 22` is correctly rounded, so it equals `Number()` bit for
 * bit; everything else (exponents, signs with spaces, hex, long digit runs) goes to `Number()`.
 */
export function parseNumber(s: string, a: number, b: number): number {
  let i = a;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 45) {
    neg = true;
    i++;
  }
  let m = 0;
  let digits = 0;
  let frac = 0;
  let dot = false;
  for (; i < b; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dot) frac++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      return slowNumber(s, a, b);
    }
  }
  if (digits === 0 || digits > 15) return slowNumber(s, a, b);
  const v = frac === 0 ? m : m / (POW10[frac] as number);
  return neg ? -v : v;
}

function slowNumber(s: string, a: number, b: number): number {
  const text = s.slice(a, b);
  if (text.trim() === '') return NaN;
  const x = Number(text);
  // `0x10`, `0o7`, `0b1`: JavaScript's literals, no price or time a file writes so.
  return x === x && /[xob]/i.test(text) ? NaN : x;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Whether `s` has `n` ASCII digits from `i`. */
function digitsAt(s: string, i: number, n: number): boolean {
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k);
    if (!(c >= 48 && c <= 57)) return false;
  }
  return true;
}

/** Two ASCII digits at `i` as a number, or -1000 (so any sum with it fails the range checks). */
function two(s: string, i: number): number {
  const x = s.charCodeAt(i) - 48;
  const y = s.charCodeAt(i + 1) - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1000;
}

/**
 * The number `x` as a compact date-time: a whole number whose decimal digits read as `YYYYMMDD`,
 * `YYYYMMDDhhmm` or `YYYYMMDDhhmmss` with a year from 1900 to 2099 and every field in range, written
 * back in ISO form; `null` when it is not one. The value decides, not how it is written: `+20131007`,
 * `20131007.0` and `020131007` are the same number. Read as epoch numbers, such times land in 1970,
 * 1976 or past the year 2286, and nothing tells them from epoch times there: `'auto'` refuses them
 * rather than guess.
 */
function compactDateTime(x: number): string | null {
  // Only 8, 12 or 14 digits can be one; the usual 10-digit seconds and 13-digit milliseconds are
  // never turned into text.
  if (!((x >= 1e7 && x < 1e8) || (x >= 1e11 && x < 1e12) || (x >= 1e13 && x < 1e14)) || !Number.isInteger(x)) return null;
  const s = String(x);
  const n = s.length;
  const field = (i: number): number => two(s, i);
  const century = field(0);
  const y = century * 100 + field(2);
  const mo = field(4);
  const d = field(6);
  if (!(century >= 19 && century <= 20 && y >= 1900 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo))) return null;
  const date = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
  if (n === 8) return date;
  const h = field(8);
  const mi = field(10);
  const sec = n === 14 ? field(12) : 0;
  if (!(h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59)) return null;
  return `${date} ${s.slice(8, 10)}:${s.slice(10, 12)}${n === 14 ? `:${s.slice(12, 14)}` : ''}`;
}

/**
 * The epoch time `x`, read from `s[a..b)` in units of 10^`shift` ms (3 for seconds, -3 for
 * microseconds, -6 for nanoseconds), as whole milliseconds rounded half up (as `Math.round`).
 * Plain decimals are scaled by their digits, not by multiplying or dividing the double they read
 * as: a nanosecond time of today has 19 digits, and as a double it is a multiple of 256 ns, enough
 * to carry `...123499999` over the half to `...124`; and `1381152600.0004999` seconds times 1000
 * is `1381152600000.5` as a double, half a millisecond where the text has less. Anything else (an
 * exponent) is scaled as the number it reads as.
 */
function epochToMs(s: string, a: number, b: number, shift: number, x: number): number {
  const scaled = (): number => (shift >= 0 ? Math.round(x * 10 ** shift) : Math.round(x / 10 ** -shift)) + 0;
  // As Number() read it: past any white space, not only ASCII's.
  while (a < b && isWhiteSpace(s.charCodeAt(a))) a++;
  while (b > a && isWhiteSpace(s.charCodeAt(b - 1))) b--;
  let i = a;
  const sign = s.charCodeAt(i);
  const neg = sign === 45;
  if (neg || sign === 43) i++;
  // An exponent moves the point: 13811526000004999e-7 s is 1381152600.0004999 s.
  let end = b;
  for (let j = i; j < b; j++) {
    const c = s.charCodeAt(j);
    if (c === 101 || c === 69) {
      end = j;
      break;
    }
  }
  // The digits' point moves by the unit and the exponent; `scaled` keeps the unit's alone, as `x`
  // holds the exponent already.
  let move = shift;
  if (end < b) {
    const exponent = s.slice(end + 1, b);
    if (!/^[+-]?[0-9]{1,4}$/.test(exponent)) return scaled();
    move += Number(exponent);
  }
  let dot = -1;
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 46 && dot < 0) dot = j;
    else if (!(c >= 48 && c <= 57)) return scaled();
  }
  if (end === i || end - i === (dot < 0 ? 0 : 1)) return scaled();
  // Leading zeros add digits, not value.
  while (i < end - 1 && s.charCodeAt(i) === 48 && i + 1 !== dot) i++;
  const digits = dot < 0 ? s.slice(i, end) : s.slice(i, dot) + s.slice(dot + 1, end);
  // Where the point falls in `digits` once scaled to milliseconds.
  const point = (dot < 0 ? end - i : dot - i) + move;
  // Less than a tenth of a millisecond: 0 either way (never -0).
  if (point < 0) return 0;
  // Past sixteen digits of whole milliseconds the store takes no time: the double will do.
  if (point > 17) return scaled();
  const whole = point >= digits.length ? Number(digits) * 10 ** (point - digits.length) : Number(digits.slice(0, point));
  // Every time a store takes (below 9e15 ms, sixteen digits) is exact as a double; past 2^53 the
  // result is a rounded double whichever way it is computed.
  if (!Number.isSafeInteger(whole)) return scaled();
  // The rest, after the whole milliseconds, against one half: its first digit, then any other.
  const rest = point >= digits.length ? '' : digits.slice(point);
  const first = rest === '' ? 0 : rest.charCodeAt(0) - 48;
  const atLeastHalf = first >= 5;
  const aboveHalf = first > 5 || (first === 5 && /[1-9]/.test(rest.slice(1)));
  // Half up: +1.5 ms is 2, -1.5 ms is -1.
  if (!neg) return whole + (atLeastHalf ? 1 : 0);
  return whole === 0 && !aboveHalf ? 0 : -whole - (aboveHalf ? 1 : 0);
}

/** Whether `s[a..b)` is a whole number written in digits alone (a sign at most before them). */
function plainInteger(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (i === a && (c === 45 || c === 43)))) return false;
  }
  return b > a;
}

/** The white space Number() trims: ASCII's, and Unicode's spaces, line ends and the byte order mark. */
function isWhiteSpace(c: number): boolean {
  return c <= 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** How epoch numbers in a time column are read. */
export type EpochUnit = 'auto' | 's' | 'ms' | 'us' | 'ns';

/**
 * How a date written with its year last reads (`03/04/2024`, `3.4.2024 9:30`): `'mdy'` month
 * first (March 4, as US vendors and spreadsheets write it), `'dmy'` day first (3 April, as
 * European ones do), or `'ymd'` (the default), under which such a date is refused: no reader
 * can tell the two orders apart.
 */
export type DateOrder = 'ymd' | 'mdy' | 'dmy';

/**
 * A date with its year last: one or two digits, a separator (`/`, `-` or `.`), one or two digits,
 * the same separator, four digits.
 */
const YEAR_LAST = /^(\d{1,2})([-./])(\d{1,2})\2(\d{4})(?!\d)/;

/**
 * What may follow a date written year last: a time of day (`9:30`, `09:30:00`, `09:30:00.250`),
 * then optionally `AM`/`PM` and a zone (`Z`, an offset), after a space or a `T`.
 */
const YEAR_LAST_TIME = /^(?:[ T]+(\d{1,2}):(\d{2})(:\d{2}(?:[.,]\d+)?)?(?: ?([AaPp])[Mm])?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Below this an automatic epoch is seconds (1e11 s is the year 5138; 1e11 ms is 1973-03-03). */
export const AUTO_SECONDS_BELOW = 1e11;
/**
 * Below this (in magnitude) an automatic epoch is refused: 1e8 s is 1973-03-03. Such small numbers
 * are an Excel serial date (45359.39 for 2024-03-08 09:21) or a time of day whose date column was
 * not found (`093000`) far more often than market data of 1970-1973, and read as seconds they
 * would be days no run asks for, left out without a word.
 */
export const AUTO_SECONDS_FROM = 1e8;
/** From this an automatic epoch is refused as ambiguous (microseconds or nanoseconds?). */
export const AUTO_REFUSED_FROM = 1e14;

/**
 * Reads a time field into epoch milliseconds (UTC). Returns NaN when the field is not a time and
 * leaves the reason in {@link TimeParser.reason}.
 *
 * - ISO 8601: `YYYY-MM-DD`, then optionally `T` (or a space) and `HH:MM`, `:SS`, `.fraction`
 *   (rounded half up to whole milliseconds, as an epoch is), then optionally a zone: `Z`, `±HH:MM`, `±HHMM` or
 *   `±HH`. A time with a zone is that instant. A time without one is a wall time in `timeZone`,
 *   and a bare date that day's first instant there (midnight, or the end of the skip where the
 *   clocks skip midnight). The date may be written `YYYY.MM.DD` (as MetaTrader exports it) or
 *   `YYYY/MM/DD` too, with the same separator twice.
 * - Interactive Brokers' `YYYYMMDD HH:MM:SS` (one or two spaces, or `T`), the same as its ISO
 *   spelling, optionally followed by a space and an IANA zone name (`US/Eastern`) that it is a
 *   wall time of instead of `timeZone`; NinjaTrader's `YYYYMMDD HHMMSS` (or `HHMM`), the time of
 *   day in digits alone.
 * - With a `dateOrder` of `'mdy'` or `'dmy'`, a date written year last (`03/04/2024`), then what an
 *   ISO 8601 time may have (a one-digit hour, `AM`/`PM` too).
 * - A number is epoch time: `'s'` seconds, `'ms'` milliseconds, `'us'` microseconds, `'ns'`
 *   nanoseconds (the last two as Polygon's and Databento's exports write them; all but `'ms'`
 *   rounded to whole milliseconds), or `'auto'` by magnitude: `|x| < 1e11` seconds, `|x| < 1e14`
 *   milliseconds, larger refused (set the unit). `'auto'` also
 *   refuses a number that reads as a compact date-time (`20131007`, `201310071330`,
 *   `20131007133000`, however written: `+20131007` and `20131007.0` too): as an epoch it would be
 *   a time in 1970, 1976 or past 2286.
 */
export class TimeParser {
  /** Why the last failed parse failed. */
  reason = '';
  /**
   * After a parse of a wall time that occurs twice (the hour the clocks go back), the later of its
   * two instants (the parse returns the earlier); NaN after any other parse.
   */
  later = NaN;
  /** Whether the last parse read a wall time (no offset, no zone name: a time of `timeZone`). */
  wall = false;
  readonly #epoch: EpochUnit;
  readonly #dateOrder: DateOrder;
  readonly #zone: Zone | null;
  readonly #fixedOffsetMs: number;
  readonly #zoneName: string;
  /** Parsers of the time zones named in compact times (`20131007 09:30:00 US/Eastern`); null for a name no runtime zone has. */
  readonly #named = new Map<string, TimeParser | null>();
  /**
   * Per day of wall time with one offset all day (no change of the clocks in it): wall ms minus
   * UTC ms; {@link MIXED} for a day with a change, whose quarters are looked at one by one.
   */
  readonly #dayOffsets = new Map<number, number>();
  /** Per quarter hour of wall time on a day with a change: wall ms minus UTC ms, or NaN in a daylight-saving gap. */
  readonly #offsets = new Map<number, number>();
  /** Per quarter hour of wall time that occurs twice: wall ms minus UTC ms of its later instant. */
  readonly #laterOffsets = new Map<number, number>();

  /** @throws {ConfigError} for an unknown time zone, epoch unit or date order. */
  constructor(timeZone = 'UTC', epoch: EpochUnit = 'auto', dateOrder: DateOrder = 'ymd') {
    if (epoch !== 'auto' && epoch !== 's' && epoch !== 'ms' && epoch !== 'us' && epoch !== 'ns') {
      throw new ConfigError('epoch', `${describe(epoch)} is not 'auto', 's', 'ms', 'us' or 'ns'`);
    }
    if (dateOrder !== 'ymd' && dateOrder !== 'mdy' && dateOrder !== 'dmy') {
      throw new ConfigError('dateOrder', `${describe(dateOrder)} is not 'ymd', 'mdy' (03/04/2024 is March 4) or 'dmy' (3 April)`);
    }
    this.#dateOrder = dateOrder;
    if (typeof timeZone !== 'string' || timeZone === '') throw new ConfigError('timeZone', `expected an IANA time zone name, got ${describe(timeZone)}`);
    const zone = Info.normalizeZone(timeZone);
    if (zone === null || zone === undefined || !zone.isValid) throw new ConfigError('timeZone', `'${timeZone}' is not a time zone this runtime knows`);
    // The machine's own zone would read the same file differently on another machine.
    if (zone.type === 'system') throw new ConfigError('timeZone', `'${timeZone}' is the machine's own time zone, which differs between machines: name the zone the file's times are in, such as 'America/New_York'`);
    this.#epoch = epoch;
    this.#zoneName = timeZone;
    if (zone.isUniversal) {
      this.#zone = null;
      this.#fixedOffsetMs = zone.offset(0) * 60_000;
    } else {
      this.#zone = zone;
      this.#fixedOffsetMs = 0;
    }
  }

  /**
   * The time in `s[a..b)`, epoch ms, or NaN (see {@link TimeParser.reason}). `dated`: the caller
   * checks an epoch time against a date beside it, so an automatic one before 1973 (see
   * {@link AUTO_SECONDS_FROM}) is read, for that check to judge.
   */
  parse(s: string, a: number, b: number, dated = false): number {
    this.later = NaN;
    this.wall = false;
    while (a < b && s.charCodeAt(a) <= 32) a++;
    while (b > a && s.charCodeAt(b - 1) <= 32) b--;
    // 2024-03-04, and 2024.03.04 (MetaTrader) or 2024/03/04 with the same separator twice.
    const sep = s.charCodeAt(a + 4);
    if (b - a >= 10 && (sep === 45 || ((sep === 46 || sep === 47) && s.charCodeAt(a + 7) === sep))) return this.#iso(s, a, b);
    if (b - a >= 13 && (s.charCodeAt(a + 8) === 32 || s.charCodeAt(a + 8) === 84) && digitsAt(s, a, 8)) return this.#compact(s, a, b);
    const x = parseNumber(s, a, b);
    if (x !== x) {
      const text = s.slice(a, b);
      const yearLast = YEAR_LAST.exec(text);
      if (yearLast !== null && this.#dateOrder !== 'ymd') return this.#yearLast(text, yearLast);
      // 03/04/2024 is March 4 in the US and 3 April in Europe: no reader can tell which a file means.
      this.reason =
        yearLast !== null
          ? `time '${text}' writes its date day and month first, in an order files do not agree on (03/04 is March 4 or 3 April): set the dateOrder option ('mdy' for March 4, 'dmy' for 3 April), or write dates as YYYY-MM-DD`
          : `time '${text}' is neither an ISO 8601 date-time nor an epoch number`;
      return NaN;
    }
    // `Infinity`, `1e999`: no time, whatever the unit (read as one, it would be on no day, and
    // left out of every run without a word).
    if (x - x !== 0) {
      this.reason = `epoch time '${s.slice(a, b)}' is not a finite number`;
      return NaN;
    }
    const unit = this.#epoch;
    if (unit === 'ms') return x;
    // Whole seconds written in digits alone (the common case) are exact in the double they read
    // as; a fraction the double lost (8967495155425.0009, or 89674951554250009e-4) is still in the digits.
    if (unit === 's') return Number.isInteger(x) && plainInteger(s, a, b) ? x * 1000 + 0 : epochToMs(s, a, b, 3, x);
    if (unit === 'us') return epochToMs(s, a, b, -3, x);
    if (unit === 'ns') return epochToMs(s, a, b, -6, x);
    const compact = compactDateTime(x);
    if (compact !== null) {
      this.reason = `time '${s.slice(a, b)}' reads as the date-time ${compact} as well as an epoch number; write ISO 8601 times, or set the epoch option ('s' or 'ms') if it is one`;
      return NaN;
    }
    const abs = Math.abs(x);
    if (abs < AUTO_SECONDS_FROM && !dated) {
      this.reason = `time '${s.slice(a, b)}' read as epoch seconds would be before 1973: a time of day whose date column was not found (name it with options.columns.date), or an Excel serial date (write ISO 8601 times); set the epoch option ('s') if it is an epoch`;
      return NaN;
    }
    if (abs < AUTO_SECONDS_BELOW) return Number.isInteger(x) && plainInteger(s, a, b) ? x * 1000 + 0 : epochToMs(s, a, b, 3, x);
    if (abs < AUTO_REFUSED_FROM) return x;
    this.reason = `epoch time ${s.slice(a, b)} is too large to tell seconds from milliseconds (set the epoch option: 'us' for microseconds, 'ns' for nanoseconds)`;
    return NaN;
  }

  /**
   * `YYYYMMDD hh:mm[:ss]`, as Interactive Brokers writes bar times (with one or two spaces, and in
   * newer versions a time zone name after the time: `20131007 09:30:00 US/Eastern`), or
   * `YYYYMMDDThh:mm[:ss]`: read as the ISO time it spells, in the named zone if there is one.
   */
  #compact(s: string, a: number, b: number): number {
    let i = a + 9;
    while (i < b && s.charCodeAt(i) === 32) i++;
    let e = s.indexOf(' ', i);
    if (e === -1 || e > b) e = b;
    // NinjaTrader writes the time of day in digits alone: `20240304 093000`, as `HHMMSS` (or `HHMM`).
    let clock = s.slice(i, e);
    if ((clock.length === 6 || clock.length === 4) && digitsAt(s, i, clock.length)) clock = clock.length === 6 ? `${clock.slice(0, 2)}:${clock.slice(2, 4)}:${clock.slice(4)}` : `${clock.slice(0, 2)}:${clock.slice(2)}`;
    const iso = `${s.slice(a, a + 4)}-${s.slice(a + 4, a + 6)}-${s.slice(a + 6, a + 8)} ${clock}`;
    let parser: TimeParser | null = this;
    if (e < b) {
      const name = s.slice(e, b).trim();
      parser = this.#named.get(name) ?? null;
      if (!this.#named.has(name)) {
        try {
          // The runtime's own check first: Luxon also takes 'local' and 'system' for the zone of
          // the machine reading the file, which a file cannot mean.
          new Intl.DateTimeFormat('en-US', { timeZone: name });
          parser = new TimeParser(name, this.#epoch);
        } catch {
          parser = null;
        }
        this.#named.set(name, parser);
      }
      if (parser === null) {
        this.reason = `time '${s.slice(a, b)}' names a time zone this runtime does not know ('${name}')`;
        return NaN;
      }
    }
    parser.later = NaN;
    const t = parser.#iso(iso, 0, iso.length);
    this.later = parser.later;
    if (t !== t) this.reason = parser.reason.replace(`'${iso}'`, `'${s.slice(a, b)}'`).replace('a valid ISO 8601 date-time', 'a valid YYYYMMDD hh:mm[:ss] (or hhmm[ss]) date-time');
    return t;
  }

  #iso(s: string, a: number, b: number): number {
    const century = two(s, a);
    const year = two(s, a + 2);
    const y = century < 0 || year < 0 ? -1 : century * 100 + year;
    const mo = s.charCodeAt(a + 7) === s.charCodeAt(a + 4) ? two(s, a + 5) : -1;
    const d = two(s, a + 8);
    if (!(y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo))) return this.#bad(s, a, b);
    let i = a + 10;
    let h = 0;
    let mi = 0;
    let sec = 0;
    let ms = 0;
    /** 1 when the fraction past milliseconds is half a millisecond or more: added to the instant. */
    let up = 0;
    if (i < b) {
      const sep = s.charCodeAt(i);
      if (sep !== 84 && sep !== 116 && sep !== 32) return this.#zoned(s, a, b, i, daysFromCivil(y, mo, d) * 86_400_000);
      if (b - i < 6 || s.charCodeAt(i + 3) !== 58) return this.#bad(s, a, b);
      h = two(s, i + 1);
      mi = two(s, i + 4);
      i += 6;
      if (i < b && s.charCodeAt(i) === 58) {
        if (b - i < 3) return this.#bad(s, a, b);
        sec = two(s, i + 1);
        i += 3;
        const c = s.charCodeAt(i);
        if (i < b && (c === 46 || c === 44)) {
          i++;
          const start = i;
          // Whole milliseconds, rounded half up by the fourth digit, as an epoch in microseconds
          // or nanoseconds is: the same instant reads the same either way. The half is added to
          // the instant, once the zone has made one of the wall time (01:59:59.9995 before the
          // clocks skip is 07:00:00.000Z in New York, not a time in the skip).
          for (; i < b; i++) {
            const x = s.charCodeAt(i) - 48;
            if (x < 0 || x > 9) break;
            const digit = i - start;
            if (digit < 3) ms += x * (digit === 0 ? 100 : digit === 1 ? 10 : 1);
            else if (digit === 3 && x >= 5) up = 1;
          }
          if (i === start) return this.#bad(s, a, b);
        }
      }
      if (!(h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59)) return this.#bad(s, a, b);
    } else {
      // A bare date is its day's first instant: midnight, or where the clocks skip midnight (Santiago,
      // Havana), the end of the skip, as a session's dayStart is. A daily bar's date is no gap.
      const t = this.#zoned(s, a, b, i, daysFromCivil(y, mo, d) * 86_400_000);
      if (t === t) return t;
      const start = dayStartOf(s.slice(a, b), this.#zoneName);
      return start === start ? start : t;
    }
    return this.#zoned(s, a, b, i, daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms) + up;
  }

  /** `wall` is the fields read as UTC; the zone designator (if any) starts at `i`. */
  #zoned(s: string, a: number, b: number, i: number, wall: number): number {
    if (i === b) return this.#local(s, a, b, wall);
    const c = s.charCodeAt(i);
    if ((c === 90 || c === 122) && i + 1 === b) return wall;
    if (c !== 43 && c !== 45) return this.#bad(s, a, b);
    const rest = b - i - 1;
    const oh = two(s, i + 1);
    let om = 0;
    if (rest === 5 && s.charCodeAt(i + 3) === 58) om = two(s, i + 4);
    else if (rest === 4) om = two(s, i + 3);
    else if (rest !== 2) return this.#bad(s, a, b);
    if (!(oh >= 0 && oh <= 23 && om >= 0 && om <= 59)) return this.#bad(s, a, b);
    const offset = (oh * 60 + om) * 60_000;
    return c === 43 ? wall - offset : wall + offset;
  }

  /** A wall time without a zone, in the configured time zone. */
  #local(s: string, a: number, b: number, wall: number): number {
    this.wall = true;
    const zone = this.#zone;
    if (zone === null) return wall - this.#fixedOffsetMs;
    // Most days have one offset all day: one look-up a day, where a quarter hour each took a
    // year of minute bars 35,000 of the time zone's slow answers.
    const day = Math.floor(wall / 86_400_000);
    let dayOffset = this.#dayOffsets.get(day);
    if (dayOffset === undefined) {
      dayOffset = dayOffsetOf(zone, day * 86_400_000);
      this.#dayOffsets.set(day, dayOffset);
    }
    if (dayOffset !== MIXED) return wall - dayOffset;
    const key = Math.floor(wall / 900_000);
    let offset = this.#offsets.get(key);
    if (offset === undefined) {
      // One offset for the quarter hour when it holds at both its ends; a quarter with a change of
      // the clocks inside it (St John's changed at 00:01 until 2011) is resolved time by time.
      const first = wallOffset(zone, key * 900_000);
      const firstLater = laterOffset;
      const last = wallOffset(zone, key * 900_000 + 899_999);
      offset = sameOffset(first, last) && sameOffset(firstLater, laterOffset) ? first : MIXED;
      this.#offsets.set(key, offset);
      if (offset !== MIXED && firstLater === firstLater) this.#laterOffsets.set(key, firstLater);
    }
    if (offset === MIXED) {
      offset = wallOffset(zone, wall);
      if (laterOffset === laterOffset) this.later = wall - laterOffset;
    } else if (this.#laterOffsets.size !== 0) {
      const later = this.#laterOffsets.get(key);
      if (later !== undefined) this.later = wall - later;
    }
    if (offset !== offset) {
      this.reason = `time '${s.slice(a, b)}' does not exist in ${this.#zoneName} (a daylight-saving gap)`;
      return NaN;
    }
    return wall - offset;
  }

  /**
   * A date written year last (`date` matched {@link YEAR_LAST} at the start of `text`) in the
   * configured order, with what may follow it ({@link YEAR_LAST_TIME}), read as its ISO 8601
   * spelling is.
   */
  #yearLast(text: string, date: RegExpExecArray): number {
    const order = this.#dateOrder;
    const shape = order === 'mdy' ? 'MM/DD/YYYY' : 'DD/MM/YYYY';
    const first = Number(date[1]);
    const second = Number(date[3]);
    const month = order === 'mdy' ? first : second;
    const day = order === 'mdy' ? second : first;
    const time = YEAR_LAST_TIME.exec(text.slice(date[0].length));
    if (time === null) {
      this.reason = `time '${text}' is not a date-time written ${shape} [hh:mm[:ss]] (${order === 'mdy' ? 'month' : 'day'} first)`;
      return NaN;
    }
    let iso = `${date[4] as string}-${pad2(month)}-${pad2(day)}`;
    const [, hour, minute, seconds, half, zone] = time;
    if (hour !== undefined) {
      let h = Number(hour);
      if (half !== undefined) {
        // 12 AM is midnight, 12 PM noon; 0 or 13 and more with AM or PM is no time.
        if (h < 1 || h > 12) {
          this.reason = `time '${text}' has hour ${hour} with ${half.toUpperCase()}M: a 12-hour clock runs from 1 to 12`;
          return NaN;
        }
        h = (h % 12) + (half === 'p' || half === 'P' ? 12 : 0);
      }
      iso += `T${pad2(h)}:${minute as string}${seconds ?? ''}${zone ?? ''}`;
    }
    const t = this.#iso(iso, 0, iso.length);
    // The ISO reader's reason, told of the text as written: a wall time in a daylight-saving gap
    // stays one.
    if (t !== t) {
      // A month over 12 whose day would be a month: the file is written the other way round.
      const other = month > 12 && day <= 12 ? `; it reads as a date ${order === 'mdy' ? 'day' : 'month'} first: set the dateOrder option to '${order === 'mdy' ? 'dmy' : 'mdy'}'` : '';
      this.reason = this.reason.replace(`'${iso}'`, `'${text}'`).replace('a valid ISO 8601 date-time', `a valid date-time written ${shape} [hh:mm[:ss]] (${order === 'mdy' ? 'month' : 'day'} first)`) + other;
    }
    return t;
  }

  #bad(s: string, a: number, b: number): number {
    this.reason = `time '${s.slice(a, b)}' is not a valid ISO 8601 date-time`;
    return NaN;
  }
}

/** `n` (0 to 99) in two digits. */
function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** What a day or a quarter hour of wall time caches when the clocks change inside it: no one offset. */
const MIXED = Infinity;

const sameOffset = (x: number, y: number): boolean => x === y || (x !== x && y !== y);

/**
 * The offset (wall minus instant) of the day of wall time starting at `start` when it holds at both
 * its ends and neither end occurs twice (no zone changes its clocks twice in a day, back to where
 * they were); else {@link MIXED}: a change inside the day, a gap at its start (Havana skips
 * midnight), or a repeated stretch at its end (St John's went back at 00:01 until 2011, repeating
 * 23:01 to 23:59 of the day before).
 */
function dayOffsetOf(zone: Zone, start: number): number {
  const offset = wallOffset(zone, start);
  // NaN (a gap at the start) equals nothing.
  return wallOffset(zone, start + 86_399_999) === offset && laterOffset !== laterOffset ? offset : MIXED;
}

/** What the last {@link wallOffset} found of a wall time that occurs twice: wall minus its later instant; NaN for one that occurs once or never. */
let laterOffset = NaN;

/**
 * For a wall time (read as UTC ms) in `zone`: wall minus the instant, in ms. When the wall time
 * occurs twice (clocks going back), the earlier instant, and {@link laterOffset} the later; NaN
 * when it never occurs (clocks going forward). The parser resolves it once per quarter hour of
 * wall time where the quarter has one offset, and time by time in a quarter that holds a change
 * of the clocks.
 */
function wallOffset(zone: Zone, wall: number): number {
  const candidates = new Set([zone.offset(wall - 86_400_000), zone.offset(wall), zone.offset(wall + 86_400_000)]);
  let earliest = NaN;
  let latest = NaN;
  for (const minutes of candidates) {
    const instant = wall - minutes * 60_000;
    if (zone.offset(instant) !== minutes) continue;
    const offset = wall - instant;
    if (!(instant >= wall - earliest)) earliest = offset;
    if (!(instant <= wall - latest)) latest = offset;
  }
  laterOffset = latest === earliest ? NaN : latest;
  return earliest;
}
