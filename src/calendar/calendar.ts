/**
 * Market calendars: which dates have a session, and when each session opens and closes.
 * @module
 */
import { ConfigError, SessionError, describe, firstHole, notOptions, refuseExtra, shownInstant } from '../errors.js';
import type { Session, SessionInput } from '../types.js';
import { DAY_MS, MAX_DAY, MIN_DAY, dayOf, formatDay, isEarlyDate, parseDay, parseTimeOfDay, weekday, yearOf } from './dates.js';
import { XNYS_FIRST, XNYS_LAST, xnysSpecialDays } from './xnys.js';
import { ZoneOffsets } from './zone.js';

/**
 * A {@link Session} as a calendar yields it. Regular sessions are plain `Session`s; the flags are
 * present (and `true`) only on the days they describe, so a regular session deep-equals what
 * `sessionOn` builds for the same date and hours.
 */
export interface CalendarSession extends Session {
  /** Present and `true` when the session closes before its usual time (XNYS: 13:00 instead of 16:00). */
  earlyClose?: boolean;
  /** Present and `true` when the session opens after its usual time (XNYS: 12:00 on 2002-09-11). */
  lateOpen?: boolean;
}

/**
 * A date, as the calendar's queries take it: a `YYYY-MM-DD` string names a local date of the
 * calendar; an instant (epoch milliseconds, or a `Date`) stands for its date in the calendar's time
 * zone. Beware: `new Date('2024-03-08')` is midnight UTC, which is still 7 March in New York; pass
 * the string instead.
 */
export type DateInput = string | Date | number;

/** An instant: epoch milliseconds (UTC), or a `Date`. */
export type Instant = number | Date;

/**
 * XNYS trading hours, New York time:
 * - `regular`: the core session, 09:30-16:00 (13:00 on early-close days);
 * - `extended`: pre-market, core and post-market together, 04:00-20:00 (17:00 on early-close days,
 *   when NYSE Arca's late trading session closes at 17:00).
 */
export type XnysHours = 'regular' | 'extended';

/** Options of {@link Calendar.xnys}. */
export interface XnysOptions {
  /** Which hours the sessions span. Default `'regular'`. */
  hours?: XnysHours | undefined;
}

/** A session of a custom calendar given in local times, e.g. `{ date: '2024-03-08', open: '09:30', close: '16:00' }`. */
export interface LocalSession {
  /** The local date, `YYYY-MM-DD`. */
  date: string;
  /** Local open time, `HH:MM`. */
  open: string;
  /** Local close time, `HH:MM` (`24:00` for the end of the day). */
  close: string;
  /** The time zone; when given it must be the calendar's. */
  timeZone?: string | undefined;
  /** Marks an early close (carried to the session). */
  earlyClose?: boolean | undefined;
  /** Marks a late open (carried to the session). */
  lateOpen?: boolean | undefined;
}

/** The local hours of one date, as a custom calendar's function may return them. */
export interface LocalHours {
  /** Local open time, `HH:MM`. */
  open: string;
  /** Local close time, `HH:MM` (`24:00` for the end of the day). */
  close: string;
  /** Marks an early close (carried to the session). */
  earlyClose?: boolean | undefined;
  /** Marks a late open (carried to the session). */
  lateOpen?: boolean | undefined;
}

/** A custom calendar from a list of sessions. Dates not in the list have no session. */
export interface CustomListOptions {
  /** The calendar's name. Default `'custom'`. */
  name?: string | undefined;
  /** The calendar's time zone. Default: the `timeZone` of the first entry that has one. */
  timeZone?: string | undefined;
  /**
   * The sessions, in any order; at most one a date, none overlapping another. A full session's
   * `dayStart` may be left out, as {@link SessionData.beginSession} allows: it is midnight of its
   * date in the calendar's time zone.
   */
  sessions: readonly (LocalSession | SessionInput)[];
}

/** A custom calendar from a function of the date. */
export interface CustomFunctionOptions {
  /** The calendar's name. Default `'custom'`. */
  name?: string | undefined;
  /** The calendar's time zone. */
  timeZone: string;
  /**
   * The session on a local date (`YYYY-MM-DD`): its local hours, a full `Session` on that date, or
   * `null`/`undefined` when there is none. Called at most once a date, a year of dates at a time,
   * and remembered: it must be pure. A date for which it throws, or returns a session that is not
   * valid, fails on its own: that error is remembered too, and every query that needs the date
   * throws it (see {@link Calendar.custom}), while queries that do not need it are answered.
   */
  session: (date: string) => LocalHours | SessionInput | null | undefined;
  /**
   * How many days `nextSession` and `previousSession` look ahead or back before they give up and
   * return `null`. Default 366.
   */
  maxGapDays?: number | undefined;
}

/** Options of {@link Calendar.custom}: a list of sessions or a function of the date. */
export type CustomCalendarOptions = CustomListOptions | CustomFunctionOptions;

/** What a calendar is made from. */
interface Source {
  readonly name: string;
  readonly zone: ZoneOffsets;
  /** The dates the calendar answers for (day numbers, inclusive); queries outside throw. */
  readonly first: number;
  readonly last: number;
  /** No session lies outside these days: next/previous stop looking there. */
  readonly searchFirst: number;
  readonly searchLast: number;
  /** Next/previous give up after this many days without a session. */
  readonly maxGap: number;
  /** The parameter that errors in the sessions built name. */
  readonly param: string;
  /** The sessions dated in year `y` (within `first..last`), in date order, with their day numbers. */
  year(y: number): YearSessions;
  /**
   * The sessions dated from day `from` to day `to` (inclusive, within `first..last`), in date
   * order, asking each date once for {@link Source.year} too: where a year's sessions must be
   * checked against the edges of the years around it (a function's, whose sessions are made as
   * they are asked for).
   */
  sessionsIn?(from: number, to: number): readonly CalendarSession[];
  /** Whether single dates can fail (a function calendar): queries then check the dates they need. */
  readonly failsByDate: boolean;
  /** Why a date has no session, for error messages. */
  why?(day: number): string | undefined;
}

/** The sessions of a year and their dates as day numbers. */
interface YearSessions {
  readonly days: readonly number[];
  readonly list: CalendarSession[];
  /** The dates whose session could not be made, in date order, with the error each throws. */
  readonly failed?: readonly { readonly day: number; readonly error: unknown }[];
}

/** One year of sessions, with the columns binary searches need. */
interface YearTable {
  readonly start: number;
  readonly byDay: (CalendarSession | undefined)[];
  readonly list: readonly CalendarSession[];
  readonly days: Int32Array;
  readonly opens: Float64Array;
  readonly closes: Float64Array;
  /** The dates that failed (day numbers, ascending) and their errors. */
  readonly failedDays: Int32Array;
  readonly errors: readonly unknown[];
}

const NEW_YORK = 'America/New_York';
/** Shown by the factories to the constructor, which nothing else can call. */
const MADE_HERE = Symbol('Calendar');
const shared = new Map<string, Calendar>();

/**
 * A market calendar: the sessions of an exchange (or of any market), by local date, in the
 * exchange's time zone with daylight saving.
 *
 * Three kinds are built in: {@link Calendar.xnys} (New York Stock Exchange), {@link
 * Calendar.alwaysOpen} (24/7, UTC days) and {@link Calendar.custom} (a list of sessions or a
 * function of the date). Every query is answered from per-year tables built on first use, so a
 * backtest can ask millions of times: `isOpen` and `session` are a look-up, `sessions` over 31
 * years (2000-2030: 7,794 XNYS sessions) copies references and takes well under a millisecond.
 *
 * Sessions are `{ date, open, close, timeZone, dayStart }` with `open`/`close` in epoch
 * milliseconds (UTC); an instant `t` is in a session when `open <= t < close`. The objects are
 * frozen and shared: the same date always gives the same object.
 *
 * @example
 * ```ts
 * import { Calendar } from 'barstream';
 *
 * const xnys = Calendar.xnys({ hours: 'regular' });
 * xnys.session('2024-11-29');  // { date: '2024-11-29', open: 14:30Z, close: 18:00Z (13:00 New York), earlyClose: true, ... }
 * xnys.session('2024-12-25');  // null: Christmas Day
 * xnys.requireSession('2024-12-25'); // throws SessionError 'no_session': XNYS has no session on 2024-12-25 (Christmas Day)
 * xnys.sessions('2024-01-01', '2024-12-31').length; // 252
 * xnys.isOpen(Date.parse('2024-03-11T13:30:00Z'));    // true: 09:30 New York, summer time
 * xnys.nextSession('2024-07-03')?.date;               // '2024-07-05'
 * ```
 */
export class Calendar {
  /** The calendar's name: `'XNYS'`, `'XNYS extended'`, `'24/7 UTC'`, or a custom calendar's. */
  readonly name: string;
  /** The calendar's IANA time zone, e.g. `'America/New_York'`; every session's `timeZone`. */
  readonly timeZone: string;
  /** The first date the calendar answers for (`YYYY-MM-DD`); earlier dates throw a `ConfigError`. */
  readonly firstDate: string;
  /** The last date the calendar answers for (`YYYY-MM-DD`); later dates throw a `ConfigError`. */
  readonly lastDate: string;

  readonly #source: Source;
  readonly #zone: ZoneOffsets;
  readonly #firstYear: number;
  readonly #lastYear: number;
  readonly #tables = new Map<number, YearTable>();
  /** The session the last `sessionAt` found: consecutive instants usually fall in it. */
  #hit: CalendarSession | null = null;
  /** The last closed interval `sessionAt` found, `[close of one session, open of the next)`. */
  #gapFrom = 0;
  #gapTo = 0;

  /**
   * Calendars are made by {@link Calendar.xnys}, {@link Calendar.alwaysOpen} and {@link Calendar.custom}.
   * @throws {ConfigError} `Calendar` when called from outside (plain JavaScript can).
   */
  private constructor(made: symbol, source: Source) {
    if (made !== MADE_HERE) throw new ConfigError('Calendar', 'a calendar is made by Calendar.xnys(), Calendar.alwaysOpen() or Calendar.custom({ ... }), not new Calendar()');
    this.#source = source;
    this.#zone = source.zone;
    this.name = source.name;
    this.timeZone = source.zone.name;
    this.firstDate = formatDay(source.first);
    this.lastDate = formatDay(source.last);
    this.#firstYear = yearOf(source.first);
    this.#lastYear = yearOf(source.last);
  }

  /**
   * The New York Stock Exchange (MIC `XNYS`), America/New_York: regular hours 09:30-16:00 or
   * extended hours 04:00-20:00, with every holiday, special closure and 13:00 early close.
   * Answers for 2000-01-01 to 2099-12-31: checked against the exchange's published schedules
   * through 2028 and two other calendar libraries through 2030; later years follow the standing
   * rules (a special closure is never known in advance). The calendar is shared: every call with
   * the same hours returns the same object.
   *
   * @example
   * ```ts
   * const xnys = Calendar.xnys();                       // regular hours
   * const ext = Calendar.xnys({ hours: 'extended' });
   * ext.session('2024-12-24');  // 04:00-17:00 New York, earlyClose: true
   * ```
   * @throws {ConfigError} `hours` for a value other than `'regular'` or `'extended'`, or an unknown option.
   */
  static xnys(options?: XnysOptions): Calendar;
  static xnys(options: XnysOptions = {}, extra?: unknown): Calendar {
    refuseExtra('Calendar.xnys', '(options)', extra, 2, "its options are one object { hours }");
    checkOptions(options, ['hours'], 'Calendar.xnys');
    const hours: unknown = options.hours === undefined ? 'regular' : options.hours;
    if (hours !== 'regular' && hours !== 'extended') {
      throw new ConfigError('hours', `expected 'regular' or 'extended', got ${describe(hours)}`);
    }
    const key = `xnys:${hours}`;
    let calendar = shared.get(key);
    if (calendar === undefined) {
      calendar = new Calendar(MADE_HERE, xnysSource(hours));
      shared.set(key, calendar);
    }
    return calendar;
  }

  /**
   * A market that never closes (crypto): every UTC day is one session, 00:00 to 24:00 UTC, named
   * by its UTC date. Answers for the years 1000 to 9999. Shared like {@link Calendar.xnys}.
   *
   * @example
   * ```ts
   * Calendar.alwaysOpen().session('2024-03-10'); // { open: 2024-03-10T00:00Z, close: 2024-03-11T00:00Z, timeZone: 'UTC', ... }
   * // The local days of another zone (23 or 25 hours when the clocks change):
   * Calendar.custom({ name: '24/7 New York', timeZone: 'America/New_York', session: () => ({ open: '00:00', close: '24:00' }) });
   * ```
   * @throws {ConfigError} naming the option for an options object with one set (`timeZone`), or
   * `options` for an argument that is not an options object: it takes no options, and one such as
   * `{ timeZone }` would otherwise be ignored without a word, its days staying UTC days. An object
   * with no option set (`{}`, `{ timeZone: undefined }`) is no option.
   */
  static alwaysOpen(options?: Record<string, undefined>): Calendar {
    // Generic code may pass options to every factory alike: an object with no option set is none.
    for (const given of arguments as ArrayLike<unknown> as unknown[]) {
      if (given === undefined) continue;
      const key = isPlainObject(given) ? Object.keys(given).find((k) => (given as Record<string, unknown>)[k] !== undefined) : null;
      if (key === undefined) continue;
      throw new ConfigError(
        key ?? 'options',
        `Calendar.alwaysOpen takes no options (its sessions are UTC days), got ${key === null ? describe(given) : `'${key}'`}; for the days of another time zone use Calendar.custom({ timeZone, session: () => ({ open: '00:00', close: '24:00' }) })`,
      );
    }
    let calendar = shared.get('24/7');
    if (calendar === undefined) {
      calendar = new Calendar(MADE_HERE, alwaysOpenSource());
      shared.set('24/7', calendar);
    }
    return calendar;
  }

  /**
   * A calendar of your own, from a list of sessions or from a function of the date. Local times
   * are placed in the time zone with daylight saving, as `sessionOn` does; a time in a
   * daylight-saving gap is an error. Answers for the years 1000 to 9999 (dates without a session
   * simply have none).
   *
   * @example
   * ```ts
   * // A list: local hours, or full Session objects.
   * const lse = Calendar.custom({
   *   name: 'XLON', timeZone: 'Europe/London',
   *   sessions: [{ date: '2024-03-28', open: '08:00', close: '16:30' }, { date: '2024-04-02', open: '08:00', close: '16:30' }],
   * });
   * // A function: weekdays 08:00-16:30, closed on the dates of a set.
   * const closed = new Set(['2024-03-29', '2024-04-01']);
   * const xlon = Calendar.custom({
   *   name: 'XLON', timeZone: 'Europe/London',
   *   session: (date) => {
   *     const dow = new Date(date).getUTCDay();
   *     return dow === 0 || dow === 6 || closed.has(date) ? null : { open: '08:00', close: '16:30' };
   *   },
   * });
   * ```
   * @throws {ConfigError} naming the parameter: an unknown time zone, a malformed date or time, a
   * close not after its open, a time in a daylight-saving gap, two sessions on one date, sessions
   * that overlap, a session whose time zone or `dayStart` is not the calendar's, a `Session` whose
   * `open`, `close` or `dayStart` is not whole epoch milliseconds or whose open is not on its date
   * (from its local midnight to the next), an unknown option.
   *
   * A session a function returns is checked when it is first asked for, and a date whose session
   * fails (or for which the function throws) fails alone, remembered: every query that needs that
   * date throws the same error, without calling the function again. A query needs a date when the
   * answer could depend on it: `session` and `requireSession` of that date; `sessions(from, to)`
   * whose range includes it; `nextSession` and `previousSession` when it lies between where they
   * start and the session they would return (within `maxGapDays`); `sessionAt` and `isOpen` at an
   * instant from that date's midnight on until the next session that opens after it. Sessions that
   * overlap still fail every query that builds the year they are in (a pair across New Year, those
   * of both years).
   */
  static custom(options: CustomCalendarOptions): Calendar;
  static custom(options: CustomCalendarOptions, extra?: unknown): Calendar {
    refuseExtra('Calendar.custom', '(options)', extra, 2, 'its options are one object { sessions } or { session }');
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError('options', `expected { sessions } or { session }, got ${describe(options)}`);
    }
    const hasList = 'sessions' in options && options.sessions !== undefined;
    const hasFunction = 'session' in options && options.session !== undefined;
    if (hasList === hasFunction) {
      throw new ConfigError(
        'options',
        hasList ? 'give either sessions (a list) or session (a function), not both' : 'give sessions (a list) or session (a function of the date)',
      );
    }
    return new Calendar(MADE_HERE, hasList ? listSource(options as CustomListOptions) : functionSource(options as CustomFunctionOptions));
  }

  /**
   * The session on a date, or `null` when the market does not open that day (a weekend, a holiday,
   * a closure). See {@link DateInput} for how an instant picks its date.
   *
   * @throws {ConfigError} `date` for a malformed date, or one outside `firstDate..lastDate`.
   */
  session(date: DateInput): Readonly<CalendarSession> | null;
  session(date: DateInput, extra?: unknown): Readonly<CalendarSession> | null {
    refuseExtra('session', '(date)', extra, 2, QUERY_HINT);
    const day = this.#day(date, 'date');
    this.#check(day, 'date');
    const table = this.#table(yearOf(day));
    const session = table.byDay[day - table.start];
    if (session !== undefined) return session;
    if (table.failedDays.length > 0) this.#failIn(day, day);
    return null;
  }

  /**
   * The session on a date, for when there must be one.
   *
   * @throws {SessionError} `no_session` when the market does not open that day; the message says
   * why when the calendar knows (e.g. `XNYS has no session on 2024-12-25 (Christmas Day)`).
   * @throws {ConfigError} `date` as {@link Calendar.session} does.
   */
  requireSession(date: DateInput): Readonly<CalendarSession>;
  requireSession(date: DateInput, extra?: unknown): Readonly<CalendarSession> {
    refuseExtra('requireSession', '(date)', extra, 2, QUERY_HINT);
    const session = this.session(date);
    if (session !== null) return session;
    const day = this.#day(date, 'date');
    const why = this.#source.why?.(day);
    throw new SessionError('no_session', `${this.name} has no session on ${formatDay(day)}${why === undefined ? '' : ` (${why})`}`);
  }

  /**
   * Whether the market opens on a date.
   * @throws {ConfigError} `date` as {@link Calendar.session} does.
   */
  isSessionDay(date: DateInput): boolean;
  isSessionDay(date: DateInput, extra?: unknown): boolean {
    refuseExtra('isSessionDay', '(date)', extra, 2, QUERY_HINT);
    return this.session(date) !== null;
  }

  /**
   * The sessions from one date to another, both included, in date order (a new array each call,
   * of the shared session objects).
   *
   * @throws {ConfigError} `from` or `to` for a malformed date or one outside `firstDate..lastDate`;
   * `to` when it is before `from`. A function calendar's failed date in the range throws its error.
   */
  sessions(from: DateInput, to: DateInput): Readonly<CalendarSession>[];
  sessions(from: DateInput, to: DateInput, extra?: unknown): Readonly<CalendarSession>[] {
    refuseExtra('sessions', '(from, to)', extra, 3, QUERY_HINT);
    const a = this.#day(from, 'from');
    const b = this.#day(to, 'to');
    this.#check(a, 'from');
    this.#check(b, 'to');
    if (b < a) throw new ConfigError('to', `${formatDay(b)} is before from (${formatDay(a)})`);
    const out: CalendarSession[] = [];
    for (let y = yearOf(a), end = yearOf(b); y <= end; y++) {
      const table = this.#table(y);
      const { days, list } = table;
      for (let i = lowerBound(days, a); i < list.length && days[i]! <= b; i++) out.push(list[i]!);
    }
    if (this.#source.failsByDate) this.#failIn(a, b);
    return out;
  }

  /**
   * The session an instant falls in (`open <= t < close`), or `null` when the market is closed then.
   * @throws {ConfigError} `time` for something other than a finite number or a valid `Date`, or an
   * instant whose local date is outside `firstDate..lastDate`.
   */
  sessionAt(time: Instant): Readonly<CalendarSession> | null;
  sessionAt(time: Instant, extra?: unknown): Readonly<CalendarSession> | null {
    refuseExtra('sessionAt', '(time)', extra, 2, QUERY_HINT);
    const t = instant(time, 'time', false);
    const hit = this.#hit;
    // A calendar with a failed date answers from its tables every time: a session remembered may
    // run past midnight into that date, where the answer is its error (see the `session` option).
    if (hit !== null && t >= hit.open && t < hit.close && !this.#source.failsByDate) return hit;
    if (t >= this.#gapFrom && t < this.#gapTo) return null;
    const day = this.#zone.localDay(t);
    this.#check(day, 'time');
    const y0 = yearOf(day);
    // The latest session that opens at or before t is in the latest year that has one.
    for (let y = Math.min(y0 + 1, this.#lastYear), stop = Math.max(y0 - 1, this.#firstYear); y >= stop; y--) {
      const table = this.#table(y);
      const i = upperBound(table.opens, t) - 1;
      if (i < 0) continue;
      // A failed date after the session found and up to t's own could hold a session open at t.
      const failsByDate = this.#source.failsByDate;
      if (failsByDate) this.#failIn(table.days[i]! + 1, day);
      if (t < table.closes[i]!) {
        const session = table.list[i]!;
        this.#hit = session;
        return session;
      }
      const nextTable = i + 1 < table.opens.length ? table : this.#tables.get(y + 1);
      const k = nextTable === table ? i + 1 : 0;
      const nextOpen = nextTable?.opens[k];
      // Not remembered across a failed date: an instant past its midnight needs it.
      if (nextOpen !== undefined && !(failsByDate && this.#failureIn(table.days[i]! + 1, nextTable!.days[k]! - 1) !== undefined)) {
        this.#gapFrom = table.closes[i]!;
        this.#gapTo = nextOpen;
      }
      return null;
    }
    if (this.#source.failsByDate) this.#failIn(dayOf(Math.max(y0 - 1, this.#firstYear), 1, 1), day);
    return null;
  }

  /**
   * Whether the market is open at an instant: open inclusive, close exclusive.
   * @throws {ConfigError} `time` as {@link Calendar.sessionAt} does.
   */
  isOpen(time: Instant): boolean;
  isOpen(time: Instant, extra?: unknown): boolean {
    refuseExtra('isOpen', '(time)', extra, 2, QUERY_HINT);
    return this.sessionAt(time) !== null;
  }

  /**
   * The next session. After a date (`YYYY-MM-DD`): the first session on a later date. After an
   * instant: the first session that opens after it (so, during a session, the one after it).
   * `null` when there is none within the calendar's dates (or, for a custom function calendar,
   * within `maxGapDays`).
   *
   * @throws {ConfigError} `after` for a malformed date, or one more than a day outside
   * `firstDate..lastDate`. A function calendar's failed date between `after` and the session
   * found (or, when none is, within `maxGapDays`) throws its error.
   */
  nextSession(after: DateInput): Readonly<CalendarSession> | null;
  nextSession(after: DateInput, extra?: unknown): Readonly<CalendarSession> | null {
    refuseExtra('nextSession', '(after)', extra, 2, QUERY_HINT);
    const source = this.#source;
    let day: number;
    let find: (table: YearTable) => number;
    let y: number;
    if (typeof after === 'string') {
      day = this.#day(after, 'after');
      this.#checkNear(day, 'after');
      find = (table) => lowerBound(table.days, day + 1);
      y = yearOf(day);
    } else {
      const t = instant(after, 'after');
      day = this.#zone.localDay(t);
      this.#checkNear(day, 'after');
      find = (table) => upperBound(table.opens, t);
      y = yearOf(day) - 1;
    }
    const lastYear = Math.min(this.#lastYear, yearOf(Math.min(source.searchLast, source.last)));
    let found: CalendarSession | null = null;
    let foundDay = Infinity;
    for (y = Math.max(y, this.#firstYear); y <= lastYear; y++) {
      const table = this.#table(y);
      const i = find(table);
      if (i < table.list.length) {
        found = table.list[i]!;
        foundDay = table.days[i]!;
        break;
      }
      if (dayOf(y + 1, 1, 1) - day > source.maxGap) break;
    }
    // From an instant, a failed date on t's own day could open after t.
    if (source.failsByDate) this.#failIn(typeof after === 'string' ? day + 1 : day, Math.min(foundDay - 1, day + source.maxGap, dayOf(lastYear + 1, 1, 1) - 1));
    return foundDay - day > source.maxGap ? null : found;
  }

  /**
   * The previous session. Before a date (`YYYY-MM-DD`): the last session on an earlier date.
   * Before an instant: the last session that closed at or before it (so, during a session, the
   * one before it). `null` when there is none within the calendar's dates (or, for a custom
   * function calendar, within `maxGapDays`).
   *
   * @throws {ConfigError} `before` for a malformed date, or one more than a day outside
   * `firstDate..lastDate`. A function calendar's failed date between the session found (or, when
   * none is, `maxGapDays` back) and `before` throws its error.
   */
  previousSession(before: DateInput): Readonly<CalendarSession> | null;
  previousSession(before: DateInput, extra?: unknown): Readonly<CalendarSession> | null {
    refuseExtra('previousSession', '(before)', extra, 2, QUERY_HINT);
    const source = this.#source;
    let day: number;
    let find: (table: YearTable) => number;
    let y: number;
    if (typeof before === 'string') {
      day = this.#day(before, 'before');
      this.#checkNear(day, 'before');
      find = (table) => lowerBound(table.days, day) - 1;
      y = yearOf(day);
    } else {
      const t = instant(before, 'before');
      day = this.#zone.localDay(t);
      this.#checkNear(day, 'before');
      find = (table) => upperBound(table.closes, t) - 1;
      y = yearOf(day) + 1;
    }
    const firstYear = Math.max(this.#firstYear, yearOf(Math.max(source.searchFirst, source.first)));
    let found: CalendarSession | null = null;
    let foundDay = -Infinity;
    for (y = Math.min(y, this.#lastYear); y >= firstYear; y--) {
      const table = this.#table(y);
      const i = find(table);
      if (i >= 0) {
        found = table.list[i]!;
        foundDay = table.days[i]!;
        break;
      }
      if (day - dayOf(y - 1, 12, 31) > source.maxGap) break;
    }
    // From an instant, a failed date on t's own day could have closed by t.
    if (source.failsByDate) this.#failIn(Math.max(foundDay + 1, day - source.maxGap, dayOf(firstYear, 1, 1)), typeof before === 'string' ? day - 1 : day);
    return day - foundDay > source.maxGap ? null : found;
  }

  /** `Calendar(XNYS, America/New_York)`. */
  toString(): string {
    return `Calendar(${this.name}, ${this.timeZone})`;
  }

  /** The day number of a date input. */
  #day(value: DateInput, param: string): number {
    if (typeof value === 'string') {
      const day = parseDay(value);
      if (Number.isNaN(day)) {
        if (isEarlyDate(value)) throw new ConfigError(param, `${value} is outside the dates ${this.name} covers, ${this.firstDate} to ${this.lastDate}`);
        throw new ConfigError(param, `${describe(value)} is not a YYYY-MM-DD calendar date`);
      }
      return day;
    }
    return this.#zone.localDay(instant(value, param));
  }

  #check(day: number, param: string): void {
    if (day < this.#source.first || day > this.#source.last) {
      throw new ConfigError(param, `${formatDay(day)} is outside the dates ${this.name} covers, ${this.firstDate} to ${this.lastDate}`);
    }
  }

  /** Lets a day just outside the dates pass: the session after the day before the first date, say, is a question with an answer. */
  #checkNear(day: number, param: string): void {
    if (day < this.#source.first - 1 || day > this.#source.last + 1) {
      throw new ConfigError(param, `${formatDay(day)} is more than a day outside the dates ${this.name} covers, ${this.firstDate} to ${this.lastDate}`);
    }
  }

  /** The error of the first failed date from `lo` to `hi` (day numbers, inclusive), building the years between. */
  #failureIn(lo: number, hi: number): unknown {
    lo = Math.max(lo, this.#source.first);
    hi = Math.min(hi, this.#source.last);
    if (lo > hi) return undefined;
    for (let y = yearOf(lo), end = yearOf(hi); y <= end; y++) {
      const { failedDays, errors } = this.#table(y);
      if (failedDays.length === 0) continue;
      const i = lowerBound(failedDays, lo);
      if (i < failedDays.length && failedDays[i]! <= hi) return errors[i];
    }
    return undefined;
  }

  /** Throws the error of the first failed date from `lo` to `hi`, if any. */
  #failIn(lo: number, hi: number): void {
    const error = this.#failureIn(lo, hi);
    if (error !== undefined) throw error;
  }

  #table(y: number): YearTable {
    let table = this.#tables.get(y);
    if (table === undefined) {
      table = this.#build(y);
      this.#tables.set(y, table);
    }
    return table;
  }

  #build(y: number): YearTable {
    const source = this.#source;
    const { days: dayList, list, failed = [] } = source.year(y);
    const start = dayOf(y, 1, 1);
    const n = list.length;
    const byDay: (CalendarSession | undefined)[] = new Array(dayOf(y + 1, 1, 1) - start).fill(undefined);
    const days = new Int32Array(n);
    const opens = new Float64Array(n);
    const closes = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = list[i]!;
      const day = dayList[i]!;
      if (day < start || day >= byDay.length + start || day < source.first || day > source.last) {
        throw new Error(`internal: ${this.name} built a session on ${s.date} for ${y}`);
      }
      if (i > 0 && day <= days[i - 1]!) {
        throw new ConfigError(source.param, `two sessions on ${s.date}, or sessions out of date order`);
      }
      days[i] = day;
      opens[i] = s.open;
      closes[i] = s.close;
      byDay[day - start] = s;
    }
    const failedDays = Int32Array.from(failed, (f) => f.day);
    const table: YearTable = { start, byDay, list, days, opens, closes, failedDays, errors: failed.map((f) => f.error) };
    // Sessions never overlap, within the year and with the years around it. A function's sessions
    // are checked against the neighbouring years' whether or not those were asked for yet, so that
    // a pair across New Year fails the queries of both years, whichever came first.
    if (n > 0) {
      const prev = this.#edge(y - 1, 'last');
      const next = this.#edge(y + 1, 'first');
      if (prev !== undefined) overlap(prev, list[0]!, source.param);
      for (let i = 1; i < n; i++) overlap(list[i - 1]!, list[i]!, source.param);
      if (next !== undefined) overlap(list[n - 1]!, next, source.param);
    }
    return table;
  }

  /**
   * The first session of year `y`, or the one that closes last, that could overlap a session of
   * the year beside it: from
   * its table when built; else, for a source that makes sessions as asked (a function's), from the
   * dates within a session's longest span of New Year; for the others, whose sessions are checked
   * when made, none.
   */
  #edge(y: number, which: 'first' | 'last'): CalendarSession | undefined {
    const built = this.#tables.get(y);
    if (built !== undefined) return which === 'first' ? built.list[0] : built.list.at(-1);
    const source = this.#source;
    if (source.sessionsIn === undefined) return undefined;
    // A session lasts at most MAX_SESSION_DAYS from its date's midnight; one more day for the zone.
    const reach = MAX_SESSION_DAYS + 1;
    const from = Math.max(source.first, which === 'first' ? dayOf(y, 1, 1) : dayOf(y + 1, 1, 1) - reach);
    const to = Math.min(source.last, which === 'first' ? dayOf(y, 1, 1) + reach : dayOf(y + 1, 1, 1) - 1);
    if (from > to) return undefined;
    const near = source.sessionsIn(from, to);
    if (which === 'first') return near[0];
    // The one that closes last: a long session may hold a later-dated short one.
    let last = near[0];
    for (const s of near) if (s.close > (last as CalendarSession).close) last = s;
    return last;
  }
}

/** Throws when session `b`, later than `a`, opens before `a` closes. */
function overlap(a: CalendarSession, b: CalendarSession, param: string): void {
  if (b.open < a.close) throw new ConfigError(param, `the session on ${b.date} opens before the session on ${a.date} closes`);
}

/** Epoch milliseconds of an instant input (`datesToo`: the parameter takes dates too, so the message offers them). */
function instant(value: unknown, param: string, datesToo = true): number {
  const t = value instanceof Date ? value.getTime() : value;
  if (typeof t !== 'number' || !Number.isFinite(t) || Math.abs(t) > 8.64e15) {
    throw new ConfigError(param, `expected ${datesToo ? 'a YYYY-MM-DD date or ' : ''}an instant (epoch milliseconds or a Date), got ${describe(value)}`);
  }
  return t;
}

/** The first index with `a[i] >= x`. */
function lowerBound(a: Int32Array | Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index with `a[i] > x`. */
function upperBound(a: Int32Array | Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Why a calendar query takes nothing more: its hours are the calendar's. */
const QUERY_HINT = "a calendar's hours are chosen when it is made (Calendar.xnys({ hours: 'extended' }))";

function isPlainObject(x: unknown): x is object {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkOptions(options: unknown, allowed: readonly string[], where: string): void {
  let array = false;
  try {
    array = Array.isArray(options);
  } catch {
    throw new ConfigError('options', `${where} takes an options object, got a revoked Proxy`);
  }
  if (typeof options !== 'object' || options === null || array || notOptions(options)) {
    throw new ConfigError('options', `${where} takes an options object, got ${describe(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(key, `${where} has no option '${key}' (it takes ${allowed.map((k) => `'${k}'`).join(', ')})`);
    }
    // As everywhere else: null is no option's value, not a way to ask for its default.
    if (value === null) throw new ConfigError(key, `null is not a value of ${where}'s '${key}' (an option left out takes its default, where it has one)`);
  }
}

/**
 * A frozen session on `day` from local times in minutes after midnight (1440 is the end of the day).
 * @returns the session, or a string saying which time does not exist (a daylight-saving gap).
 */
function localSession(
  zone: ZoneOffsets,
  day: number,
  open: number,
  close: number,
  flags: { earlyClose?: unknown; lateOpen?: unknown } = {},
): CalendarSession | 'open' | 'close' {
  const wall = day * DAY_MS;
  const o = wallInstant(zone, wall, open);
  if (Number.isNaN(o)) return 'open';
  const c = wallInstant(zone, wall, close);
  if (Number.isNaN(c)) return 'close';
  return finish(formatDay(day), o, c, zone.name, zone.instant(wall, 'forward'), flags);
}

/**
 * The instant of `minutes` after local midnight `wall`; `NaN` in a gap. 0 is the day's first
 * instant and 1440 the next day's: where the clocks skip midnight (Santiago, Havana), the end of
 * the skip, so that `00:00` to `24:00` is the whole day everywhere.
 */
function wallInstant(zone: ZoneOffsets, wall: number, minutes: number): number {
  if (minutes === 0) return zone.instant(wall, 'forward');
  return minutes === 1440 ? zone.instant(wall + DAY_MS, 'forward') : zone.instant(wall + minutes * 60_000, 'reject');
}

/**
 * Whether `given` names the zone `name` does: the same name, or one the runtime reads as the same
 * zone (`america/new_york`, as `sessionOn` takes it, or an alias such as `US/Eastern`).
 */
function sameZone(given: unknown, name: string): boolean {
  if (given === name) return true;
  if (typeof given !== 'string') return false;
  try {
    const canonical = (zone: string): string => new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return canonical(given) === canonical(name);
  } catch {
    return false;
  }
}

/** The longest a calendar's session may last, in days. */
const MAX_SESSION_DAYS = 31;

function finish(
  date: string,
  open: number,
  close: number,
  timeZone: string,
  dayStart: number,
  flags: { earlyClose?: unknown; lateOpen?: unknown },
): CalendarSession {
  const session: CalendarSession = { date, open, close, timeZone, dayStart };
  if (flags.earlyClose === true) session.earlyClose = true;
  if (flags.lateOpen === true) session.lateOpen = true;
  return Object.freeze(session);
}

function xnysSource(hours: XnysHours): Source {
  const zone = ZoneOffsets.of(NEW_YORK);
  const regular = hours === 'regular';
  const open = regular ? 9 * 60 + 30 : 4 * 60;
  const close = regular ? 16 * 60 : 20 * 60;
  // NYSE closes at 13:00 on an early-close day; NYSE Arca's late trading session then ends at 17:00.
  const earlyClose = regular ? 13 * 60 : 17 * 60;
  // 2002-09-11: all trading began at noon.
  const lateOpen = 12 * 60;
  return {
    name: regular ? 'XNYS' : 'XNYS extended',
    zone,
    first: XNYS_FIRST,
    last: XNYS_LAST,
    searchFirst: XNYS_FIRST,
    searchLast: XNYS_LAST,
    maxGap: Infinity,
    param: 'date',
    failsByDate: false,
    year(y) {
      const special = xnysSpecialDays(y);
      const days: number[] = [];
      const list: CalendarSession[] = [];
      for (let day = dayOf(y, 1, 1), end = dayOf(y + 1, 1, 1); day < end; day++) {
        const dow = weekday(day);
        if (dow === 0 || dow === 6) continue;
        const kind = special.get(day)?.kind;
        if (kind === 'holiday' || kind === 'closure') continue;
        const s = localSession(
          zone,
          day,
          kind === 'late-open' ? lateOpen : open,
          kind === 'early-close' ? earlyClose : close,
          { earlyClose: kind === 'early-close', lateOpen: kind === 'late-open' },
        );
        if (typeof s === 'string') throw new Error(`internal: XNYS ${s} time on ${formatDay(day)} does not exist`);
        days.push(day);
        list.push(s);
      }
      return { days, list };
    },
    why(day) {
      const dow = weekday(day);
      if (dow === 0 || dow === 6) return dow === 0 ? 'a Sunday' : 'a Saturday';
      return xnysSpecialDays(yearOf(day)).get(day)?.name;
    },
  };
}

function alwaysOpenSource(): Source {
  const zone = ZoneOffsets.of('UTC');
  return {
    name: '24/7 UTC',
    zone,
    first: MIN_DAY,
    last: MAX_DAY,
    searchFirst: MIN_DAY,
    searchLast: MAX_DAY,
    maxGap: Infinity,
    param: 'date',
    failsByDate: false,
    year(y) {
      const days: number[] = [];
      const list: CalendarSession[] = [];
      for (let day = dayOf(y, 1, 1), end = dayOf(y + 1, 1, 1); day < end; day++) {
        const t = day * DAY_MS;
        days.push(day);
        list.push(finish(formatDay(day), t, t + DAY_MS, 'UTC', t, {}));
      }
      return { days, list };
    },
  };
}

function calendarName(name: unknown): string {
  if (name === undefined) return 'custom';
  if (typeof name !== 'string' || name.trim() === '') throw new ConfigError('name', `expected a non-empty string, got ${describe(name)}`);
  return name;
}

function listSource(options: CustomListOptions): Source {
  checkOptions(options, ['name', 'timeZone', 'sessions'], 'Calendar.custom');
  const name = calendarName(options.name);
  const entries: unknown = options.sessions;
  if (!Array.isArray(entries)) throw new ConfigError('sessions', `expected an array of sessions, got ${describe(entries)}`);
  // Before any walk of it: a sparse array's length may be up to 2^32 - 1.
  const hole = firstHole(entries);
  if (hole >= 0) throw new ConfigError('sessions', `no session at ${hole} (a sparse array)`);
  let timeZone: unknown = options.timeZone;
  if (timeZone === undefined) {
    const withZone = entries.find((e: unknown) => typeof e === 'object' && e !== null && (e as { timeZone?: unknown }).timeZone !== undefined);
    timeZone = (withZone as { timeZone?: unknown } | undefined)?.timeZone;
    if (timeZone === undefined) throw new ConfigError('timeZone', 'give the calendar a timeZone (no session names one)');
  }
  const zone = ZoneOffsets.of(timeZone);
  const sessions = entries.map((entry: unknown, i: number) => toSession(entry, undefined, zone, 'sessions', `sessions[${i}]`));
  const days = sessions.map((s) => parseDay(s.date));
  const order = sessions.map((_, i) => i).sort((a, b) => days[a]! - days[b]!);
  const byYear = new Map<number, { days: number[]; list: CalendarSession[] }>();
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const s = sessions[i]!;
    if (k > 0) {
      const p = order[k - 1]!;
      const prev = sessions[p]!;
      if (days[p] === days[i]) throw new ConfigError('sessions', `sessions[${p}] and sessions[${i}] are both on ${s.date}`);
      if (s.open < prev.close) {
        throw new ConfigError('sessions', `sessions[${i}] (${s.date}) opens before sessions[${p}] (${prev.date}) closes`);
      }
    }
    const y = yearOf(days[i]!);
    let year = byYear.get(y);
    if (year === undefined) byYear.set(y, (year = { days: [], list: [] }));
    year.days.push(days[i]!);
    year.list.push(s);
  }
  const first = order.length > 0 ? days[order[0]!]! : MAX_DAY;
  const last = order.length > 0 ? days[order[order.length - 1]!]! : MIN_DAY;
  return {
    name,
    zone,
    first: MIN_DAY,
    last: MAX_DAY,
    searchFirst: first,
    searchLast: last,
    maxGap: Infinity,
    param: 'sessions',
    failsByDate: false,
    year: (y) => byYear.get(y) ?? { days: [], list: [] },
  };
}

function functionSource(options: CustomFunctionOptions): Source {
  checkOptions(options, ['name', 'timeZone', 'session', 'maxGapDays'], 'Calendar.custom');
  const name = calendarName(options.name);
  const fn: unknown = options.session;
  if (typeof fn !== 'function') throw new ConfigError('session', `expected a function (date: string) => hours | Session | null, got ${describe(fn)}`);
  if (options.timeZone === undefined) throw new ConfigError('timeZone', 'a calendar from a function needs a timeZone');
  const zone = ZoneOffsets.of(options.timeZone);
  const maxGap: unknown = options.maxGapDays ?? 366;
  if (typeof maxGap !== 'number' || !Number.isInteger(maxGap) || maxGap < 1) {
    throw new ConfigError('maxGapDays', `expected a whole number of days, at least 1, got ${describe(maxGap)}`);
  }
  const session = fn as (date: string) => unknown;
  // Kept here as well as in the calendar's tables: a year whose sessions overlap builds no table,
  // and asking again must not call the function again.
  const years = new Map<number, YearSessions>();
  // Each date's answer, asked once: a year's edges are asked for before the year itself when the
  // year beside it is built.
  const answers = new Map<number, { readonly session: CalendarSession } | { readonly error: unknown } | null>();
  // The dates whose function call is under way: a function that asks its own calendar about the
  // date it is answering would call itself for ever.
  const asking = new Set<number>();
  const answer = (day: number, start: number, nextStart: number): { readonly session: CalendarSession } | { readonly error: unknown } | null => {
    let a = answers.get(day);
    if (a !== undefined) return a;
    if (asking.has(day)) {
      const date = formatDay(day);
      throw new ConfigError('session', `the session function asked its own calendar while answering '${date}', whose answer the calendar is made of (the dates of its year are built together): it must not ask its own calendar`);
    }
    // A date the zone skipped whole (Apia's 2011-12-30: its first instant is the next day's) has
    // no session: the function is not asked for one.
    if (start === nextStart) {
      a = null;
    } else {
      const date = formatDay(day);
      asking.add(day);
      try {
        const result = session(date);
        a = result === null || result === undefined ? null : { session: toSession(result, date, zone, 'session', `session('${date}')`) };
      } catch (error) {
        a = { error };
      } finally {
        asking.delete(day);
      }
    }
    answers.set(day, a);
    return a;
  };
  return {
    name,
    zone,
    first: MIN_DAY,
    last: MAX_DAY,
    searchFirst: MIN_DAY,
    searchLast: MAX_DAY,
    maxGap,
    param: 'session',
    failsByDate: true,
    year(y) {
      const known = years.get(y);
      if (known !== undefined) return known;
      const days: number[] = [];
      const list: CalendarSession[] = [];
      const failed: { day: number; error: unknown }[] = [];
      // Each day's first instant, carried to the next day as its start.
      let nextStart = zone.instant(dayOf(y, 1, 1) * DAY_MS, 'forward');
      for (let day = dayOf(y, 1, 1), end = dayOf(y + 1, 1, 1); day < end; day++) {
        const start = nextStart;
        nextStart = zone.instant((day + 1) * DAY_MS, 'forward');
        const a = answer(day, start, nextStart);
        if (a === null) continue;
        if ('error' in a) {
          failed.push({ day, error: a.error });
          continue;
        }
        days.push(day);
        list.push(a.session);
      }
      // The year's answers now live in its list; the map keeps only those of dates not yet in one.
      for (let day = dayOf(y, 1, 1), end = dayOf(y + 1, 1, 1); day < end; day++) answers.delete(day);
      const year = { days, list, failed };
      years.set(y, year);
      return year;
    },
    sessionsIn(from, to) {
      const near: CalendarSession[] = [];
      let nextStart = zone.instant(from * DAY_MS, 'forward');
      for (let day = from; day <= to; day++) {
        const start = nextStart;
        nextStart = zone.instant((day + 1) * DAY_MS, 'forward');
        const known = years.get(yearOf(day));
        if (known !== undefined) {
          const i = known.days.indexOf(day);
          if (i >= 0) near.push(known.list[i]!);
          continue;
        }
        const a = answer(day, start, nextStart);
        if (a !== null && 'session' in a) near.push(a.session);
      }
      return near;
    },
  };
}

/**
 * A custom calendar's session from a list entry or a function's result: local hours, or a full
 * Session, checked. `date` is the date a function was asked for.
 */
/** What a custom calendar's list entry or function result may hold: local hours or a full session, and the flags. */
const SESSION_KEYS: readonly string[] = ['date', 'open', 'close', 'timeZone', 'dayStart', 'earlyClose', 'lateOpen'];

function toSession(entry: unknown, date: string | undefined, zone: ZoneOffsets, param: string, where: string): CalendarSession {
  if (typeof entry !== 'object' || entry === null) {
    throw new ConfigError(param, `${where}: expected { date, open, close } or a Session, got ${describe(entry)}`);
  }
  const e = entry as Record<string, unknown>;
  // An async function's answer: read as a session, it would be one without times.
  if (typeof e.then === 'function') throw new ConfigError(param, `${where}: got a Promise; a session function answers at once, with the session or null`);
  // A misspelt flag (`earlyclose`) would leave the session without it, without a word.
  for (const [key, value] of Object.entries(e)) {
    if (value !== undefined && !SESSION_KEYS.includes(key)) {
      throw new ConfigError(param, `${where}: '${key}' is not a field of a session (its fields: ${SESSION_KEYS.join(', ')})`);
    }
  }
  const entryDate = e.date ?? date;
  if (typeof entryDate !== 'string' || Number.isNaN(parseDay(entryDate))) {
    // A real date, out of range: 'not a calendar date' would send the reader to its format.
    if (typeof entryDate === 'string' && isEarlyDate(entryDate)) throw new ConfigError(param, `${where}: date '${entryDate}' is before 1000-01-01, the first date a calendar covers`);
    throw new ConfigError(param, `${where}: date ${describe(entryDate)} is not a YYYY-MM-DD calendar date`);
  }
  if (date !== undefined && entryDate !== date) {
    throw new ConfigError(param, `${where}: returned a session on ${entryDate}`);
  }
  const at = `${where} (${entryDate})`;
  if (e.timeZone !== undefined && !sameZone(e.timeZone, zone.name)) {
    throw new ConfigError(param, `${at}: time zone ${describe(e.timeZone)} is not the calendar's, '${zone.name}'`);
  }
  for (const flag of ['earlyClose', 'lateOpen'] as const) {
    if (e[flag] !== undefined && typeof e[flag] !== 'boolean') {
      throw new ConfigError(param, `${at}: ${flag} must be a boolean, got ${describe(e[flag])}`);
    }
  }
  const day = parseDay(entryDate);
  if (typeof e.open === 'number' || typeof e.close === 'number' || 'dayStart' in e) {
    // A full Session; without a dayStart, its date's midnight (as beginSession takes one).
    const midnight = zone.instant(day * DAY_MS, 'forward');
    const { open, close } = e;
    const dayStart = e.dayStart === undefined ? midnight : e.dayStart;
    for (const [key, value] of [['open', open], ['close', close], ['dayStart', dayStart]] as const) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ConfigError(param, `${at}: ${key} must be finite epoch milliseconds, got ${describe(value)}`);
      }
      // A store refuses a session with fractional times when it begins: refused here, at the date.
      if (!Number.isInteger(value) || Math.abs(value) >= 9e15) throw new ConfigError(param, `${at}: ${key} must be whole epoch milliseconds (below 9e15, as a store takes them), got ${value}`);
    }
    if (e.timeZone === undefined) throw new ConfigError(param, `${at}: a Session needs its timeZone`);
    if ((close as number) <= (open as number)) throw new ConfigError(param, `${at}: close ${shownInstant(close as number)} is not after open ${shownInstant(open as number)}`);
    // A calendar finds the session at an instant among those that open up to a year before it.
    if ((close as number) - (open as number) > MAX_SESSION_DAYS * DAY_MS) {
      throw new ConfigError(param, `${at}: the session lasts ${(((close as number) - (open as number)) / DAY_MS).toFixed(1)} days, more than the ${MAX_SESSION_DAYS} a session may last`);
    }
    if (dayStart !== midnight) {
      throw new ConfigError(param, `${at}: dayStart ${shownInstant(dayStart as number)} is not midnight of ${entryDate} in ${zone.name}, ${shownInstant(midnight)}`);
    }
    // A store opens a session on its day or later (an overnight session carries the date it opens).
    if ((open as number) < midnight) {
      throw new ConfigError(param, `${at}: open ${shownInstant(open as number)} is before midnight of ${entryDate} in ${zone.name}, ${shownInstant(midnight)}; give the session the date it opens`);
    }
    // Dated otherwise, `session(date)` would answer with a session that opens on another day.
    const nextMidnight = zone.instant((day + 1) * DAY_MS, 'forward');
    if ((open as number) >= nextMidnight) {
      throw new ConfigError(param, `${at}: open ${shownInstant(open as number)} is not on ${entryDate} in ${zone.name} (it is at or after the next midnight, ${shownInstant(nextMidnight)}); give the session the date it opens`);
    }
    return finish(entryDate, open as number, close as number, zone.name, midnight, e);
  }
  const open = parseTimeOfDay(e.open);
  const close = parseTimeOfDay(e.close);
  if (Number.isNaN(open)) throw new ConfigError(param, `${at}: open ${describe(e.open)} is not an HH:MM time of day`);
  if (Number.isNaN(close)) throw new ConfigError(param, `${at}: close ${describe(e.close)} is not an HH:MM time of day`);
  if (open === 1440) throw new ConfigError(param, `${at}: open 24:00 is the end of the day`);
  const session = localSession(zone, day, open, close, e);
  if (typeof session === 'string') {
    throw new ConfigError(param, `${at}: ${session} ${e[session] as string} does not exist in ${zone.name} (a daylight-saving gap)`);
  }
  if (session.close <= session.open) throw new ConfigError(param, `${at}: close ${e.close as string} is not after open ${e.open as string}`);
  return session;
}
