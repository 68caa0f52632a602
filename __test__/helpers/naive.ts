/**
 * An independent, deliberately naive re-aggregation of base bars into derived bars, written from
 * DESIGN.md "Semantics (normative)" only, plus helpers to compare columns bit for bit.
 *
 * - A base bar at `t` belongs to bucket `floor((t - anchor) / length)`; the anchor is the session
 *   open (`'session'`) or the exchange midnight (`'clock'`).
 * - `1d` is one bucket per session: every bar of the session. Its time is the bucket start, which
 *   is the anchor: the open under `'session'`, the exchange midnight under `'clock'`.
 * - A derived bar: time = bucket start, open = first open, high = max, low = min, close = last
 *   close, volume = the sum in arrival order.
 * - `'flat'`: every empty bucket after the session's first bar, up to the bucket holding the last
 *   instant of the session, is a flat bar at the last close before it with zero volume.
 */
import type { Bar, BarsView, Session, SymbolColumns } from 'barstream';

export type Alignment = 'session' | 'clock';
export type EmptyBuckets = 'skip' | 'flat';

/** Interval text to milliseconds (`'1d'` stays `'1d'`). Parsed here, not by the package. */
export function intervalMs(text: string): number | '1d' {
  if (text === '1d') return '1d';
  const m = /^(\d+)([smh])$/.exec(text);
  if (!m) throw new Error(`test helper: bad interval ${text}`);
  const unit = m[2] === 's' ? 1_000 : m[2] === 'm' ? 60_000 : 3_600_000;
  return Number(m[1]) * unit;
}

/** Aggregates the base bars of ONE session (sorted by time, all inside it). */
export function aggregateSession(
  bars: readonly Bar[],
  session: Session,
  interval: string,
  alignment: Alignment = 'session',
  empty: EmptyBuckets = 'skip',
): Bar[] {
  if (bars.length === 0) return [];
  const anchor = alignment === 'session' ? session.open : session.dayStart;
  const len = intervalMs(interval);
  if (len === '1d') {
    return [fold(anchor, bars)];
  }
  const groups = new Map<number, Bar[]>();
  for (const b of bars) {
    const k = Math.floor((b.time - anchor) / len);
    let g = groups.get(k);
    if (g === undefined) {
      g = [];
      groups.set(k, g);
    }
    g.push(b);
  }
  const keys = [...groups.keys()].sort((a, b) => a - b);
  const out: Bar[] = [];
  if (empty === 'skip') {
    for (const k of keys) out.push(fold(anchor + k * len, groups.get(k) as Bar[]));
    return out;
  }
  const first = keys[0] as number;
  const lastInSession = Math.floor((session.close - 1 - anchor) / len);
  let lastClose = NaN;
  for (let k = first; k <= lastInSession; k++) {
    const g = groups.get(k);
    if (g === undefined) {
      out.push({ time: anchor + k * len, open: lastClose, high: lastClose, low: lastClose, close: lastClose, volume: 0 });
    } else {
      const bar = fold(anchor + k * len, g);
      out.push(bar);
      lastClose = bar.close;
    }
  }
  return out;
}

/** Aggregates several sessions, each with its base bars, one after the other. */
export function aggregateSessions(
  sessions: readonly { session: Session; bars: readonly Bar[] }[],
  interval: string,
  alignment: Alignment = 'session',
  empty: EmptyBuckets = 'skip',
): Bar[] {
  return sessions.flatMap(({ session, bars }) => aggregateSession(bars, session, interval, alignment, empty));
}

function fold(time: number, group: readonly Bar[]): Bar {
  const first = group[0] as Bar;
  let high = first.high;
  let low = first.low;
  let volume = first.volume;
  for (let i = 1; i < group.length; i++) {
    const b = group[i] as Bar;
    if (b.high > high) high = b.high;
    if (b.low < low) low = b.low;
    volume += b.volume;
  }
  return { time, open: first.open, high, low, close: (group[group.length - 1] as Bar).close, volume };
}

const FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Copies a view into plain bars. */
export function viewBars(view: BarsView): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < view.length; i++) {
    out.push({
      time: view.time[i] as number,
      open: view.open[i] as number,
      high: view.high[i] as number,
      low: view.low[i] as number,
      close: view.close[i] as number,
      volume: view.volume[i] as number,
    });
  }
  return out;
}

/**
 * Compares a view with expected bars, every field with `Object.is` (bit for bit, up to NaN
 * payloads). Returns `null` when equal, else a description of the first difference.
 */
export function diffBars(view: BarsView, expected: readonly Bar[]): string | null {
  const lengths = [view.length, ...FIELDS.map((f) => view[f].length)];
  if (lengths.some((n) => n !== expected.length)) {
    return `length: view ${view.length} (columns ${lengths.slice(1).join('/')}), expected ${expected.length}`;
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as Bar;
    for (const f of FIELDS) {
      const got = view[f][i];
      if (!Object.is(got, e[f])) {
        return `bar ${i} (${new Date(e.time).toISOString()}) ${f}: got ${got}, expected ${e[f]}`;
      }
    }
  }
  return null;
}

/** Compares two views bit for bit. `null` when equal. */
export function diffViews(a: BarsView, b: BarsView): string | null {
  return diffBars(a, viewBars(b));
}

/** Column arrays of bars, as `appendMany` takes them. */
export function toColumns(bars: readonly Bar[]): {
  time: number[]; open: number[]; high: number[]; low: number[]; close: number[]; volume: number[];
} {
  return {
    time: bars.map((b) => b.time),
    open: bars.map((b) => b.open),
    high: bars.map((b) => b.high),
    low: bars.map((b) => b.low),
    close: bars.map((b) => b.close),
    volume: bars.map((b) => b.volume),
  };
}

/** `Float64Array` columns of bars. */
export function toFloat64Columns(bars: readonly Bar[]): {
  time: Float64Array; open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array;
} {
  const c = toColumns(bars);
  return {
    time: Float64Array.from(c.time),
    open: Float64Array.from(c.open),
    high: Float64Array.from(c.high),
    low: Float64Array.from(c.low),
    close: Float64Array.from(c.close),
    volume: Float64Array.from(c.volume),
  };
}

/** The bars of one symbol as a column source loads them. */
export function symbolColumns(bars: readonly Bar[]): SymbolColumns {
  return { length: bars.length, ...toFloat64Columns(bars) };
}
