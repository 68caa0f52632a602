/**
 * {@link PerformanceMetrics}: counts and latency histograms per named stage of a run
 * (`'native.append'`, `'dispatch'`, `'subscriber:<name>'`, ...).
 * @module
 */
import { performance } from 'node:perf_hooks';
import { ConfigError, InputError, checkOptionKeys, describe, show } from '../errors.js';
import { grown } from '../typed-arrays.js';

/**
 * An HDR histogram of whole nanoseconds with 3 significant digits, laid out as HdrHistogram's
 * (and `perf_hooks.createHistogram`'s): values below 2048 each have a bucket; above, each power of
 * two is split into 1024 buckets, so a bucket spans less than 0.1% of its values. A percentile is
 * the nearest rank's: the highest value of the bucket where the cumulative count first reaches
 * `ceil(p% of the count)` (HdrHistogram rounds that rank instead, so it may answer a bucket
 * lower). Kept in JavaScript: `createHistogram().record()` validates its argument and crosses into
 * C++ (about 35 ns a record measured alone on the build VM, 60-100 ns a record in the profile of a
 * backtest, a record per subscriber call); this is a few array operations (about 10 ns at any
 * latency). It also takes values above 2^53 ns, which `createHistogram` refuses.
 */
class Hdr {
  /**
   * The buckets, made at the {@link FEW}+1th record. Until then the values themselves are kept: a
   * stage of a handful of records (a subscriber that took one bar and left) costs 256 bytes, not
   * the 32 KB of buckets of a latency of a few microseconds.
   */
  #counts: Float64Array | null = null;
  #few: Float64Array | null = new Float64Array(FEW);
  #total = 0;

  /** Bucket of a whole `v >= 1`: `v` itself below 2048; otherwise `1024 * e + floor(v / 2^e)` with `e = floor(log2 v) - 10`. */
  static index(v: number): number {
    if (v < 2048) return v;
    // Below 2^32 in 32-bit integer operations: `2 ** e` with a variable `e` is a call to pow, which
    // made a record of a latency above 2 us cost 70-120 ns instead of 10.
    if (v < 4294967296) {
      const e = 21 - Math.clz32(v);
      return 1024 * e + (v >>> e);
    }
    const e = exponent(v) - 10;
    return 1024 * e + Math.floor(v / 2 ** e);
  }

  /** The highest value in bucket `i`. */
  static highest(i: number): number {
    if (i < 2048) return i;
    const e = Math.floor(i / 1024) - 1;
    return (i - 1024 * e) * 2 ** e + 2 ** e - 1;
  }

  record(v: number): void {
    let counts = this.#counts;
    if (counts === null) {
      const few = this.#few as Float64Array;
      if (this.#total < FEW) {
        few[this.#total++] = v;
        return;
      }
      counts = this.#bucketed();
    }
    const i = Hdr.index(v);
    if (i >= counts.length) {
      // To the end of i's power of two: 1,024 buckets, 8 KB, for each doubling of the largest value.
      this.#counts = counts = grown(counts, (i | 1023) + 1);
    }
    counts[i] = (counts[i] as number) + 1;
    this.#total++;
  }

  /** The buckets of the values kept so far, from now on kept instead of them. */
  #bucketed(): Float64Array {
    const few = this.#few as Float64Array;
    let counts = new Float64Array(4096);
    for (let k = 0; k < this.#total; k++) {
      const i = Hdr.index(few[k] as number);
      if (i >= counts.length) counts = grown(counts, (i | 1023) + 1);
      counts[i] = (counts[i] as number) + 1;
    }
    this.#few = null;
    this.#counts = counts;
    return counts;
  }

  percentile(p: number): number {
    // Nearest rank: the smallest value with at least p% of the samples at or below it.
    const rank = Math.max(1, Math.ceil((Math.min(p, 100) / 100) * this.#total));
    const counts = this.#counts;
    if (counts === null) {
      if (this.#total === 0) return 0;
      // The bucket the rank-th smallest value falls in, as the buckets would answer.
      const sorted = (this.#few as Float64Array).slice(0, this.#total).sort();
      return Hdr.highest(Hdr.index(sorted[rank - 1] as number));
    }
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i] as number;
      if (seen >= rank) return Hdr.highest(i);
    }
    return 0;
  }

  reset(): void {
    this.#counts?.fill(0);
    this.#total = 0;
  }

  /** Adds `other`'s records to these: the result is the histogram of both. */
  add(other: Hdr): void {
    const from = other.#counts;
    if (from === null) {
      const few = other.#few as Float64Array;
      for (let k = 0; k < other.#total; k++) this.record(few[k] as number);
      return;
    }
    const to = this.#counts === null ? this.#bucketed() : this.#counts;
    const into = from.length > to.length ? (this.#counts = grown(to, from.length)) : to;
    for (let i = 0; i < from.length; i++) if (from[i] !== 0) into[i] = (into[i] as number) + (from[i] as number);
    this.#total += other.#total;
  }
}

/** Values a histogram keeps as they are before it makes its buckets. */
const FEW = 32;

/** `floor(log2 v)` for `v >= 1`, exact: `Math.log2` may round across a power of two. */
function exponent(v: number): number {
  let e = Math.floor(Math.log2(v));
  if (2 ** e > v) e--;
  else if (2 ** (e + 1) <= v) e++;
  return e;
}

/**
 * One stage's figures. Latencies are in **nanoseconds** (the `Ns` fields), the total in
 * milliseconds. Percentiles come from an HDR histogram with 3 significant digits (within 0.1% of
 * the exact value, and never outside [min, max]); count, min, max, mean and total are exact, of
 * the values as recorded (whole nanoseconds, at least 1: see `StageRecorder.record`).
 * A stage with no records has count 0 and zeros elsewhere.
 */
export interface StageStats {
  count: number;
  minNs: number;
  meanNs: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  maxNs: number;
  /** Sum of all records, in milliseconds. */
  totalMs: number;
}

/** Every stage's figures, by stage name, in the order the stages were first used. */
export type MetricsSnapshot = Record<string, StageStats>;

/**
 * Records the latencies of one stage. Get one from {@link PerformanceMetrics.stage} once and keep
 * it: recording is then a few compares and one histogram call.
 *
 * Timing uses `performance.now()` (a double, no allocation; measured cheaper than
 * `process.hrtime.bigint()`, which allocates a BigInt). A clock read costs about 30-80 ns on the
 * 2-core build VM and a record about 10 ns, so `start()` + `end()` cost about 70-170 ns. Time
 * work that is much longer than that, or sample.
 */
export class StageRecorder {
  readonly name: string;
  readonly #enabled: boolean;
  /** Null when disabled, or once folded (see {@link PerformanceMetrics.fold}). */
  #histogram: Hdr | null;
  /**
   * Once this stage was folded away, the metrics whose stage of the same name takes its records:
   * whoever still holds this recorder (another coordinator's subscriber of that name, still
   * subscribed) goes on being counted.
   */
  #folded: PerformanceMetrics | null = null;
  #count = 0;
  #sumNs = 0;
  #minNs = Infinity;
  #maxNs = 0;

  /** @internal Use {@link PerformanceMetrics.stage}. */
  constructor(name: string, enabled: boolean) {
    this.name = name;
    this.#enabled = enabled;
    this.#histogram = enabled ? new Hdr() : null;
  }

  /** Records were kept (false for the recorders of a disabled {@link PerformanceMetrics}). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** How many records. */
  get count(): number {
    return this.#count;
  }

  /**
   * Records one latency in nanoseconds. Fractions are rounded; values below 1 count as 1 ns (the
   * histogram's floor).
   * @throws {InputError} for a negative, infinite or NaN value.
   */
  record(ns: number): void {
    // Checked before a folded recorder forwards it: a refused value must not make its stage anew.
    // `typeof` first: a BigInt passes both comparisons, then fails Math.round with a TypeError.
    if (this.#enabled && !(typeof ns === 'number' && ns >= 0 && ns < Infinity)) throw new InputError(`metrics stage '${this.name}': ${describe(ns)} is not a latency in nanoseconds`);
    const h = this.#histogram;
    if (h === null) {
      this.#folded?.stage(this.name).record(ns);
      return;
    }
    const v = ns < 1 ? 1 : Math.round(ns);
    h.record(v);
    this.#count++;
    this.#sumNs += v;
    if (v < this.#minNs) this.#minNs = v;
    if (v > this.#maxNs) this.#maxNs = v;
  }

  /** A start mark for {@link end}: `const t = stage.start(); work(); stage.end(t);` */
  start(): number {
    return performance.now();
  }

  /**
   * Records the time since `start` (from {@link start}); returns it in nanoseconds.
   * @throws {InputError} when `start` is not a number, is NaN, or is later than now (a mark of another
   * clock, such as `Date.now()`): it would record a latency nothing measured.
   */
  end(start: number): number {
    if (typeof start !== 'number' || start !== start) throw new InputError(`metrics stage '${this.name}': end(start) takes the number start() returned, got ${describe(start)}`);
    const now = performance.now();
    // A start after now came from another clock (`Date.now()`, say): its latency would be nothing measured.
    if (start > now) throw new InputError(`metrics stage '${this.name}': end(start) takes the number start() returned (performance.now()), got ${start}, which is later than now (${now})`);
    const ns = (now - start) * 1e6;
    this.record(ns > 0 ? ns : 0);
    return ns;
  }

  /**
   * Runs `fn` and records how long it took, also when it throws. When it returns a promise (or any
   * thenable), the time runs until that settles, and a new promise with the same outcome is
   * returned.
   * @throws {ConfigError} `fn` when it is not a function.
   */
  time<T>(fn: () => T): T {
    if (typeof fn !== 'function') throw new ConfigError('fn', `metrics stage '${this.name}': time(fn) takes a function to run, got ${describe(fn)}`);
    const t0 = performance.now();
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.end(t0);
      throw error;
    }
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      return Promise.resolve(result as unknown as PromiseLike<unknown>).then(
        (value) => {
          this.end(t0);
          return value;
        },
        (error: unknown) => {
          this.end(t0);
          throw error;
        },
      ) as unknown as T;
    }
    this.end(t0);
    return result;
  }

  /** This stage's figures. */
  stats(): StageStats {
    const h = this.#histogram;
    const n = this.#count;
    if (h === null || n === 0) return { count: 0, minNs: 0, meanNs: 0, p50Ns: 0, p90Ns: 0, p99Ns: 0, maxNs: 0, totalMs: 0 };
    const lo = this.#minNs;
    const hi = this.#maxNs;
    const pct = (p: number): number => Math.min(hi, Math.max(lo, h.percentile(p)));
    return {
      count: n,
      minNs: lo,
      meanNs: this.#sumNs / n,
      p50Ns: pct(50),
      p90Ns: pct(90),
      p99Ns: pct(99),
      maxNs: hi,
      totalMs: this.#sumNs / 1e6,
    };
  }

  /** Adds `other`'s records to this stage's, exactly: counts, sum, min, max and histogram. @internal */
  absorb(other: StageRecorder): void {
    if (other.#count === 0) return;
    if (this.#histogram !== null && other.#histogram !== null) this.#histogram.add(other.#histogram);
    this.#count += other.#count;
    this.#sumNs += other.#sumNs;
    if (other.#minNs < this.#minNs) this.#minNs = other.#minNs;
    if (other.#maxNs > this.#maxNs) this.#maxNs = other.#maxNs;
  }

  /**
   * After its records went into another stage: keeps none (its histogram goes), and sends later
   * ones to `metrics`' stage of its name. @internal
   */
  detach(metrics: PerformanceMetrics): void {
    this.#histogram = null;
    this.#folded = metrics;
    this.#count = 0;
    this.#sumNs = 0;
    this.#minNs = Infinity;
    this.#maxNs = 0;
  }

  /** Forgets every record. */
  reset(): void {
    this.#histogram?.reset();
    this.#count = 0;
    this.#sumNs = 0;
    this.#minNs = Infinity;
    this.#maxNs = 0;
  }
}

/** Options of {@link PerformanceMetrics}. */
export interface PerformanceMetricsOptions {
  /**
   * `false` keeps nothing: every recorder's records are dropped and `snapshot()` is empty (a
   * recorder's `start`/`end` still read the clock and check their arguments). Default `true`.
   */
  enabled?: boolean | undefined;
}

/**
 * Per-stage counts and latency histograms (HDR, 3 significant digits, as `perf_hooks.createHistogram`
 * keeps them), in nanoseconds.
 *
 * @example
 * const metrics = new PerformanceMetrics();
 * const append = metrics.stage('native.append');   // keep it: no lookup per record
 * const t = append.start(); data.append(...); append.end(t);
 * metrics.stage('dispatch').record(1250);           // 1.25 us
 * metrics.snapshot(); // { 'native.append': { count, minNs, meanNs, p50Ns, p90Ns, p99Ns, maxNs, totalMs }, ... }
 */
export class PerformanceMetrics {
  readonly enabled: boolean;
  readonly #stages = new Map<string, StageRecorder>();

  /** @throws {ConfigError} for an option other than `enabled`, or an `enabled` that is not a boolean. */
  constructor(options: PerformanceMetricsOptions = {}) {
    if (options === null || typeof options !== 'object') throw new ConfigError('options', `expected { enabled? }, got ${describe(options)}`);
    checkOptionKeys(options, ['enabled'], 'PerformanceMetrics');
    const enabled = options.enabled ?? true;
    if (typeof enabled !== 'boolean') throw new ConfigError('enabled', `expected a boolean, got ${describe(enabled)}`);
    this.enabled = enabled;
  }

  /**
   * The recorder of stage `name`, made on first use; the same object every time after.
   * @throws {ConfigError} for an empty or non-string name.
   */
  stage(name: string): StageRecorder {
    let s = this.#stages.get(name);
    if (s === undefined) {
      if (typeof name !== 'string' || name === '') throw new ConfigError('stage', `${show(name)} is not a stage name`);
      s = new StageRecorder(name, this.enabled);
      this.#stages.set(name, s);
    }
    return s;
  }

  /** The names of the stages used so far, in first-use order. */
  stages(): string[] {
    return [...this.#stages.keys()];
  }

  /** Every stage's figures (a plain object, JSON-ready), in first-use order. Empty when disabled. */
  snapshot(): MetricsSnapshot {
    if (!this.enabled) return {};
    // Defined, not assigned: a stage named `__proto__` is a key like any other.
    return Object.fromEntries([...this.#stages].map(([name, s]) => [name, s.stats()])) as MetricsSnapshot;
  }

  /**
   * Merges the records of stage `name` into stage `into` (made if needed) and forgets `name`: its
   * counts, sum, min, max and histogram go on in `into`, exactly. For stages that come and go (a
   * subscriber that left): each keeps a histogram of several kilobytes, and a service that
   * subscribes afresh for weeks would keep one for every subscriber it ever had. A recorder of
   * `name` handed out before keeps no records of its own from then on: what it records goes to the
   * stage `name` as {@link PerformanceMetrics.stage} gives it (a new one, made on the first), so a
   * holder that still records under that name (metrics shared with another coordinator, whose
   * subscriber of the same name is still subscribed) loses nothing. An unknown `name` does nothing.
   * @throws {ConfigError} when `name` is not a stage name, or `into` is not one or is `name`.
   */
  fold(name: string, into: string): void {
    // A name that is no stage name (a number, say) would be an unknown name, and nothing folded without a word.
    if (typeof name !== 'string' || name === '') throw new ConfigError('name', `${describe(name)} is not a stage name`);
    if (typeof into !== 'string' || into === '' || into === name) throw new ConfigError('into', `${show(into)} is not a stage name other than ${show(name)}`);
    const from = this.#stages.get(name);
    if (from === undefined) return;
    this.stage(into).absorb(from);
    this.#stages.delete(name);
    from.detach(this);
  }

  /** Forgets every record; the stages (and recorders handed out) stay valid. */
  reset(): void {
    for (const s of this.#stages.values()) s.reset();
  }
}
