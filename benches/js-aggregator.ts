/**
 * The peer of the streaming and memory suites: a plain-JavaScript incremental aggregator of the
 * kind users write today. One object per bar, a `Map` of forming bars per interval, closed bars
 * pushed onto arrays. It follows barstream's contract for these suites (session-aligned buckets
 * cut at the session close, `1d` = one bar per session, a bucket closes as soon as the bar in its
 * last slot arrives, whatever is forming is flushed at the session end), with the cheap checks a
 * careful user would write (inside the session, later than the last bar).
 * @module
 */
import type { Bar, Session } from 'barstream';

interface IntervalSpec {
  name: string;
  /** Bucket length in ms; 0 for `1d` (the whole session). */
  ms: number;
}

interface FormingBar extends Bar {
  /** The bucket's end (cut at the session close). */
  end: number;
}

function parseInterval(name: string): IntervalSpec {
  if (name === '1d') return { name, ms: 0 };
  const m = /^(\d+)([smh])$/.exec(name);
  if (m === null) throw new Error(`bad interval ${name}`);
  const unit = m[2] === 's' ? 1_000 : m[2] === 'm' ? 60_000 : 3_600_000;
  return { name, ms: Number(m[1]) * unit };
}

/** Bars of one symbol: base bars and derived intervals, as arrays of objects. */
export class JsBarAggregator {
  readonly baseMs: number;
  readonly intervals: readonly IntervalSpec[];
  /** Closed bars by interval name, the base interval included. */
  readonly closed = new Map<string, Bar[]>();
  readonly #forming = new Map<string, FormingBar>();
  readonly #base: Bar[];
  #session: Session | null = null;
  #last = -Infinity;

  constructor(base: string, intervals: readonly string[]) {
    this.baseMs = parseInterval(base).ms;
    this.intervals = intervals.map(parseInterval);
    this.#base = [];
    this.closed.set(base, this.#base);
    for (const iv of this.intervals) this.closed.set(iv.name, []);
  }

  beginSession(session: Session): void {
    this.#session = session;
    this.#forming.clear();
  }

  /** Appends a base bar; returns how many series closed a bar (the base series always does). */
  append(bar: Bar): number {
    const s = this.#session;
    const t = bar.time;
    if (s === null || !(t >= s.open && t < s.close && t > this.#last)) {
      throw new Error(`bar at ${t} rejected`);
    }
    this.#last = t;
    this.#base.push(bar);
    let closedSeries = 1;
    for (const iv of this.intervals) {
      let f = this.#forming.get(iv.name);
      if (f !== undefined && t >= f.end) {
        (this.closed.get(iv.name) as Bar[]).push(f);
        f = undefined;
      }
      if (f === undefined) {
        const start = iv.ms === 0 ? s.open : s.open + Math.floor((t - s.open) / iv.ms) * iv.ms;
        f = {
          time: start,
          open: bar.open,
          high: bar.high,
          low: bar.low,
          close: bar.close,
          volume: bar.volume,
          end: iv.ms === 0 ? s.close : Math.min(start + iv.ms, s.close),
        };
        this.#forming.set(iv.name, f);
      } else {
        if (bar.high > f.high) f.high = bar.high;
        if (bar.low < f.low) f.low = bar.low;
        f.close = bar.close;
        f.volume += bar.volume;
      }
      if (t + this.baseMs >= f.end) {
        (this.closed.get(iv.name) as Bar[]).push(f);
        this.#forming.delete(iv.name);
        closedSeries++;
      }
    }
    return closedSeries;
  }

  /** Flushes whatever is forming. */
  endSession(): void {
    for (const iv of this.intervals) {
      const f = this.#forming.get(iv.name);
      if (f !== undefined) (this.closed.get(iv.name) as Bar[]).push(f);
    }
    this.#forming.clear();
    this.#session = null;
  }

  /** Closed bars of an interval. */
  bars(interval: string): readonly Bar[] {
    const b = this.closed.get(interval);
    if (b === undefined) throw new Error(`no interval ${interval}`);
    return b;
  }

  /** Bars stored over every series. */
  storedBars(): number {
    let n = 0;
    for (const b of this.closed.values()) n += b.length;
    return n;
  }
}
