/**
 * Shared helpers of the benchmark suites: a seeded PRNG and synthetic bars, tinybench set-up,
 * result extraction, equality checks of derived bars, and the summary tables.
 * @module
 */
import { Bench } from 'tinybench';
import type { BenchOptions, Task } from 'tinybench';
import { sessionOn } from 'barstream';
import type { Bar, BarsView, Session, SessionData } from 'barstream';

// ---------------------------------------------------------------------------------------------
// Deterministic data
// ---------------------------------------------------------------------------------------------

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Six parallel columns of bars. */
export interface Columns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export const MINUTE = 60_000;

const cents = (x: number): number => Math.round(x * 100) / 100;

/**
 * A random walk of prices on a base grid, as a generator of bars: each bar opens at the last close,
 * prices are in whole cents, volume is a whole number (so every sum of volumes is exact), and
 * `low <= min(open, close) <= max(open, close) <= high` always holds.
 */
export class BarWalk {
  readonly #rng: () => number;
  #last: number;

  constructor(seed: number, startPrice = 100) {
    this.#rng = mulberry32(seed);
    this.#last = startPrice;
  }

  /** Writes the next bar at `time` into `out` (reused, so no allocation) and returns it. */
  next(time: number, out: Bar): Bar {
    const r = this.#rng;
    const open = this.#last;
    // Mean-reverting towards 100 so a long walk stays positive and in a sane range.
    const drift = (100 - open) * 0.0005;
    const close = Math.max(1, cents(open + drift + (r() - 0.5) * 0.4));
    const high = cents(Math.max(open, close) + r() * 0.1);
    const low = Math.max(0.01, cents(Math.min(open, close) - r() * 0.1));
    out.time = time;
    out.open = open;
    out.high = high;
    out.low = low;
    out.close = close;
    out.volume = 100 + Math.floor(r() * 10_000);
    this.#last = close;
    return out;
  }
}

/** A fresh, zeroed bar object. */
export const newBar = (): Bar => ({ time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 });

/** `n` bars from `start`, one every `stepMs`, as columns. */
export function generateColumns(seed: number, n: number, start: number, stepMs = MINUTE): Columns {
  const walk = new BarWalk(seed);
  const c: Columns = {
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  const bar = newBar();
  for (let i = 0; i < n; i++) {
    walk.next(start + i * stepMs, bar);
    c.time[i] = bar.time;
    c.open[i] = bar.open;
    c.high[i] = bar.high;
    c.low[i] = bar.low;
    c.close[i] = bar.close;
    c.volume[i] = bar.volume;
  }
  return c;
}

/** `n` bars from `start` as one object each (what a feed hands a streaming consumer). */
export function generateBarObjects(walk: BarWalk, n: number, start: number, stepMs = MINUTE): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < n; i++) out.push(walk.next(start + i * stepMs, newBar()));
  return out;
}

/** `count` weekdays from `first` (YYYY-MM-DD, a UTC calendar date), as YYYY-MM-DD strings. */
export function weekdays(first: string, count: number): string[] {
  const out: string[] = [];
  const d = new Date(`${first}T00:00:00Z`);
  while (out.length < count) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** The date `days` days after `date` (YYYY-MM-DD): a session moved by whole days keeps the date it opens on. */
export function laterDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Checks that barstream and a peer did the same work
// ---------------------------------------------------------------------------------------------

/** A compact fingerprint of a bar series: count, per-column sums and a few spot bars. */
/** Sessions of 1m bar objects for the streaming suites. */
export interface Feed {
  sessions: Session[];
  bars: Bar[][];
}

/** `sessions` regular New York sessions from 2024-01-02 on, each a full day of 1m bars from a walk seeded `seed`. */
export function makeFeed(seed: number, sessions: number): Feed {
  const days = weekdays('2024-01-02', sessions).map((d) => sessionOn(d, { open: '09:30', close: '16:00', timeZone: 'America/New_York' }));
  const walk = new BarWalk(seed);
  return { sessions: days, bars: days.map((s) => generateBarObjects(walk, 390, s.open)) };
}

/** Streams every session of `feed` into `store` with `append`; returns the number of closed series (a sink). */
export function feedBarstream(store: SessionData, symbol: string, feed: Feed): number {
  let closed = 0;
  const { sessions, bars } = feed;
  for (let s = 0; s < sessions.length; s++) {
    store.beginSession(sessions[s] as Session);
    const day = bars[s] as Bar[];
    for (let i = 0; i < day.length; i++) closed += store.append(symbol, day[i] as Bar).length;
    store.endSession();
  }
  return closed;
}

export interface Fingerprint {
  count: number;
  sums: [number, number, number, number, number, number];
  spots: number[][];
}

const COLS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Bar objects as six columns (monomorphic field reads; the peers' bars have several shapes). */
function barColumns(bars: readonly Bar[]): Float64Array[] {
  const n = bars.length;
  const out = COLS.map(() => new Float64Array(n));
  const [t, o, h, l, c, v] = out as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < n; i++) {
    const b = bars[i] as Bar;
    t[i] = b.time;
    o[i] = b.open;
    h[i] = b.high;
    l[i] = b.low;
    c[i] = b.close;
    v[i] = b.volume;
  }
  return out;
}

/** Fingerprint of columns (a `BarsView` or {@link Columns}) or of bar objects. */
export function fingerprint(bars: BarsView | Columns | readonly Bar[]): Fingerprint {
  const cols: ArrayLike<number>[] = Array.isArray(bars)
    ? barColumns(bars as readonly Bar[])
    : COLS.map((k) => (bars as Columns)[k]);
  const count = Array.isArray(bars) ? bars.length : (bars as Columns).time.length;
  const sums = cols.map((c) => {
    let s = 0;
    for (let i = 0; i < count; i++) s += c[i] as number;
    return s;
  }) as Fingerprint['sums'];
  const at = count === 0 ? [] : [0, 1, Math.floor(count / 3), Math.floor(count / 2), count - 2, count - 1].filter((i) => i >= 0 && i < count);
  const spots = at.map((i) => cols.map((c) => c[i] as number));
  return { count, sums, spots };
}

/** Throws unless the two fingerprints are equal (exactly, or within `relTol` for the sums). */
export function assertSameBars(label: string, ours: Fingerprint, theirs: Fingerprint, relTol = 0): void {
  const fail = (what: string): never => {
    throw new Error(`verification failed for ${label}: ${what}\n  barstream: ${JSON.stringify(ours)}\n  peer:      ${JSON.stringify(theirs)}`);
  };
  if (ours.count !== theirs.count) fail(`bar count ${ours.count} != ${theirs.count}`);
  ours.sums.forEach((s, i) => {
    const t = theirs.sums[i] as number;
    const ok = relTol === 0 ? s === t : Math.abs(s - t) <= relTol * Math.max(1, Math.abs(s), Math.abs(t));
    if (!ok) fail(`sum of ${COLS[i]} ${s} != ${t}`);
  });
  ours.spots.forEach((bar, j) => {
    const other = theirs.spots[j];
    if (other === undefined || bar.some((x, k) => x !== other[k])) fail(`spot bar ${j} differs`);
  });
}

/** The verification line: each checked series and its bar count. */
export function verifiedLine(checks: { label: string; count: number }[]): string {
  return `verified (same bars, outside the timed loop): ${checks.map((c) => `${c.label} ${c.count.toLocaleString('en-US')}`).join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

/** Forces a full collection when node runs with `--expose-gc`. */
export function collect(): void {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
}

/** Busy waiting at the end of {@link settle}, in milliseconds. */
const QUIET_MS = 10;

/**
 * Untimed, before a timed run: a full collection, a turn of the event loop (Node-API runs the
 * finalizers of collected objects there, which frees their native memory: barstream's column
 * blocks, polars' frames), another collection, then {@link QUIET_MS} ms of busy waiting while the
 * collector's helper threads finish the sweeping that a full collection leaves to them.
 *
 * Without the memory freed first, each run would pay for fresh pages while the last ones wait for
 * a collection. Without the wait, that sweeping takes the second core in the first milliseconds
 * of the timed run, which a run on two threads pays for (measured: barstream's `appendMany` of
 * 1,000,000 bars took 14-16 ms straight after the collections, 10 ms after the wait). A wait that
 * sleeps instead lets the idle core go cold: runs after a 30 ms sleep were slower still.
 */
export async function settle(): Promise<void> {
  collect();
  await new Promise((resolve) => setImmediate(resolve));
  collect();
  const until = performance.now() + QUIET_MS;
  while (performance.now() < until) {
    // Busy on purpose: see above.
  }
}

/** A tinybench `Bench` that throws on task errors and collects garbage before each task. */
export function makeBench(options: BenchOptions): Bench {
  return new Bench({
    throws: true,
    setup: () => collect(),
    ...options,
  });
}

/** Latency statistics of a finished task, in milliseconds per task call. */
export interface Timing {
  name: string;
  mean: number;
  p50: number;
  min: number;
  max: number;
  rme: number;
  samples: number;
}

export function timing(task: Task): Timing {
  const r = task.result;
  if (r.state !== 'completed') {
    throw new Error(`task '${task.name}' did not complete: ${r.state === 'errored' ? r.error.message : r.state}`);
  }
  return {
    name: task.name,
    mean: r.latency.mean,
    p50: r.latency.p50,
    min: r.latency.min,
    max: r.latency.max,
    rme: r.latency.rme,
    samples: r.latency.samplesCount,
  };
}

export function taskTiming(bench: Bench, name: string): Timing {
  const task = bench.getTask(name);
  if (task === undefined) throw new Error(`no task '${name}'`);
  return timing(task);
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

/** A row of a suite's summary table. */
export interface Row {
  suite: string;
  name: string;
  barstream: string;
  peer: string;
  ratio: string;
  target: string;
  /** `null` for rows that carry no target. */
  met: boolean | null;
}

/** Formats a number with `digits` significant digits, grouped. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  const decimals = abs === 0 ? 0 : Math.max(0, Math.min(6, digits - 1 - Math.floor(Math.log10(abs))));
  return x.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** `peer / ours` as "N.Nx faster" (or slower). */
export function speedup(ours: number, peer: number): string {
  const r = peer / ours;
  return r >= 1 ? `${fmt(r)}x faster` : `${fmt(1 / r)}x slower`;
}

/** Prints the detailed timing table of a bench, with a per-unit column. */
export function printTimings(title: string, timings: Timing[], unit: { per: number; label: string }): void {
  console.log(`\n${title}`);
  console.table(
    timings.map((t) => ({
      task: t.name,
      'mean (ms)': fmt(t.mean, 4),
      'p50 (ms)': fmt(t.p50, 4),
      'min (ms)': fmt(t.min, 4),
      'rme (%)': fmt(t.rme, 2),
      samples: t.samples,
      [unit.label]: fmt((t.mean * 1e6) / unit.per, 4),
    })),
  );
}

/** The markdown summary table of rows. */
export function markdownTable(rows: Row[], withSuite = false): string {
  const head = [...(withSuite ? ['suite'] : []), 'benchmark', 'barstream', 'peer', 'ratio', 'target', 'met?'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const met = r.met === null ? '—' : r.met ? 'yes' : '**NO**';
    lines.push(`| ${[...(withSuite ? [r.suite] : []), r.name, r.barstream, r.peer, r.ratio, r.target, met].join(' | ')} |`);
  }
  return lines.join('\n');
}

export function printSummary(suite: string, rows: Row[]): void {
  console.log(`\n### ${suite}\n`);
  console.log(markdownTable(rows));
}
