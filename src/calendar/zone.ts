/**
 * Fast UTC offsets of an IANA time zone. The zone rules come from luxon (which reads the runtime's
 * time zone database); this module only remembers luxon's answers: for each UTC year it asks for
 * the offset every 3 days and bisects, to the second, every interval in which it changed (about
 * 160 luxon calls a year for a zone with daylight saving). After that, an offset is an array
 * look-up, so building thousands of sessions costs well under a microsecond each instead of
 * luxon `DateTime`s each.
 *
 * Limitation: two changes less than 3 days apart that cancel out would go unseen. The time zone
 * database has no such pair from 1900 on: the shortest round trip is a week of daylight saving in
 * America/Recife, Noronha and Boa_Vista (8 to 15 October 2000), which a 14-day step missed.
 * @internal
 * @module
 */
import { IANAZone } from 'luxon';
import { ConfigError, describe } from '../errors.js';
import { DAY_MS } from './dates.js';

/** How far apart offsets are sampled before bisection. */
const STEP_MS = 3 * DAY_MS;
const SECOND = 1_000;
const MINUTE = 60_000;

/** The offsets of one UTC year: `offsets[i]` applies from `starts[i]` (inclusive). */
interface YearOffsets {
  readonly from: number;
  readonly to: number;
  readonly starts: readonly number[];
  readonly offsets: readonly number[];
}

const zones = new Map<string, ZoneOffsets>();

/** UTC offsets of one time zone, in milliseconds, cached a UTC year at a time. */
export class ZoneOffsets {
  /** The zone's IANA name as given. */
  readonly name: string;
  readonly #zone: IANAZone;
  readonly #years = new Map<number, YearOffsets>();
  /** The offset of a zone that never changes (UTC), which needs no tables. */
  readonly #fixed: number | undefined;
  #last: YearOffsets | undefined;

  private constructor(name: string, zone: IANAZone) {
    this.name = name;
    this.#zone = zone;
    this.#fixed = name === 'UTC' || name === 'Etc/UTC' ? 0 : undefined;
  }

  /**
   * The (shared) offsets of `timeZone`.
   * @throws {ConfigError} naming `param` when the runtime does not know the zone.
   */
  static of(timeZone: unknown, param = 'timeZone'): ZoneOffsets {
    if (typeof timeZone !== 'string') {
      throw new ConfigError(param, `expected an IANA time zone name such as 'America/New_York', got ${describe(timeZone)}`);
    }
    let zone = zones.get(timeZone);
    if (zone === undefined) {
      if (!IANAZone.isValidZone(timeZone)) {
        throw new ConfigError(param, `'${timeZone}' is not a time zone this runtime knows`);
      }
      zone = new ZoneOffsets(timeZone, IANAZone.create(timeZone));
      zones.set(timeZone, zone);
    }
    return zone;
  }

  /** The zone's offset from UTC at instant `t`, in milliseconds (local = UTC + offset). */
  offset(t: number): number {
    if (this.#fixed !== undefined) return this.#fixed;
    let year = this.#last;
    if (year === undefined || t < year.from || t >= year.to) {
      const y = new Date(t).getUTCFullYear();
      year = this.#years.get(y) ?? this.#build(y);
      this.#last = year;
    }
    const { starts, offsets } = year;
    let i = starts.length - 1;
    while (starts[i]! > t) i--;
    return offsets[i]!;
  }

  /** The first instant in `(from, to)` at which the offset changes, or `null` when it holds throughout. */
  changeWithin(from: number, to: number): number | null {
    if (this.#fixed !== undefined) return null;
    for (let t = from; t < to; ) {
      this.offset(t);
      const year = this.#last as YearOffsets;
      // starts[0] opens the year; every later start is a change.
      for (let i = 1; i < year.starts.length; i++) {
        const start = year.starts[i]!;
        if (start > from && start < to) return start;
      }
      t = year.to;
    }
    return null;
  }

  /** The local calendar day (day number) of instant `t`. */
  localDay(t: number): number {
    return Math.floor((t + this.offset(t)) / DAY_MS);
  }

  /**
   * The instant of a local wall-clock time, given as the epoch milliseconds that wall time would be
   * in UTC. A wall time that occurs twice (when clocks go back) is its first occurrence. A wall
   * time in a gap (when clocks go forward) is `NaN` with `gap: 'reject'`, or with `gap: 'forward'`
   * the instant the gap ends, the first at or after that wall time (a day's first instant, where
   * its midnight is skipped: Toronto jumped from 23:30 to 00:30 on 1919-03-30, so 31 March began
   * at 00:30, not at 01:00 as moving midnight by the hour would have it).
   */
  instant(wall: number, gap: 'reject' | 'forward'): number {
    const before = this.offset(wall - DAY_MS);
    const after = this.offset(wall + DAY_MS);
    const a = wall - before;
    const aOk = this.offset(a) === before;
    if (before === after) {
      if (aOk) return a;
    } else {
      const b = wall - after;
      const bOk = this.offset(b) === after;
      if (aOk && bOk) return Math.min(a, b);
      if (aOk) return a;
      if (bOk) return b;
    }
    if (gap === 'reject') return NaN;
    // In the gap, read with the offset before it, the wall time lies past the change; with the
    // offset after it, before. The change between the two is where the gap ends.
    const late = wall - Math.min(before, after);
    return this.changeWithin(wall - Math.max(before, after), late + 1) ?? late;
  }

  #build(y: number): YearOffsets {
    const from = Date.UTC(y, 0, 1);
    const to = Date.UTC(y + 1, 0, 1);
    const starts = [from];
    const offsets = [this.#ask(from)];
    let a = from;
    let offA = offsets[0]!;
    while (a < to - SECOND) {
      const b = Math.min(a + STEP_MS, to - SECOND);
      const offB = this.#ask(b);
      // One or more changes in (a, b]: find each by bisection, to the second.
      let lo = a;
      let offLo = offA;
      while (offLo !== offB) {
        let hi = b;
        // To the minute first (changes fall on whole minutes), then to the second if need be.
        for (const unit of [MINUTE, SECOND]) {
          while (hi - lo > unit) {
            const mid = lo + Math.max(1, Math.floor((hi - lo) / (2 * unit))) * unit;
            if (this.#ask(mid) === offLo) lo = mid;
            else hi = mid;
          }
          // A change on a whole minute is at `hi`; otherwise it lies in (lo, hi - 1 s].
          if (unit === SECOND || this.#ask(hi - SECOND) === offLo) break;
        }
        starts.push(hi);
        offsets.push(this.#ask(hi));
        lo = hi;
        offLo = offsets[offsets.length - 1]!;
      }
      a = b;
      offA = offB;
    }
    const year = { from, to, starts, offsets };
    this.#years.set(y, year);
    return year;
  }

  #ask(t: number): number {
    return Math.round(this.#zone.offset(t) * 60_000);
  }
}
