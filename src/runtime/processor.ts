/**
 * {@link DataProcessor}: feeds time slices into the store and tells the analysis engine what closed.
 * @module
 */
import { REJECT_CODES } from '../errors.js';
import type { RejectCode } from '../errors.js';
import type { Gap, SessionData, SliceColumns } from '../session-data.js';
import type { Closed, Session } from '../types.js';
import { BarEvent } from './engine.js';
import type { AnalysisEngine, DeliveryObserver, PendingHandler } from './engine.js';
import type { PerformanceMetrics, StageRecorder } from './metrics.js';
import { ReadySignal } from './ready.js';

/** Counts a processor keeps over a run. */
export interface ProcessorCounts {
  /** Base bars handed to the store. */
  barsIn: number;
  /** Base bars the store accepted. */
  barsStored: number;
  /** Base bars the store rejected, by reason. */
  rejected: Record<RejectCode, number>;
  /** Closed bars per interval (the base interval included). */
  closedBars: Record<string, number>;
  /** Bar events handed to subscribers. */
  delivered: number;
}

/**
 * Calls the core once per time slice, collects every `(symbol, interval)` that closed, and
 * notifies the analysis engine with one {@link BarEvent} per closed bar, in order: by slice, then by
 * symbol in slice order, then base interval first. Bars rejected by the core are counted by reason
 * (the core counts them too) and never stop the run.
 */
export class DataProcessor {
  readonly #data: SessionData;
  readonly #engine: AnalysisEngine;
  readonly #observer: DeliveryObserver;
  readonly #base: string;
  readonly #appendStage: StageRecorder;
  readonly #dispatchStage: StageRecorder;
  /** Closed bars already delivered, per `symbol` then series index. */
  readonly #delivered = new Map<string, number[]>();
  readonly #seriesIndex: Map<string, number>;
  /** `(symbol, interval)` pairs that closed since the last dispatch. */
  #pendingSymbols: string[] = [];
  #pendingIntervals: string[] = [];
  #session: Session | null = null;
  #sliceStart = 0;
  /** The slice being gathered: symbols and columns, reused from slice to slice. */
  #symbols: string[] = [];
  #columns: SliceColumns = { time: new Float64Array(0), open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0) };
  #count = 0;
  #gapsWaiting = false;
  readonly counts: ProcessorCounts;
  /** The time of each symbol's last stored bar in the open session. */
  readonly lastStored = new Map<string, number>();

  constructor(data: SessionData, engine: AnalysisEngine, metrics: PerformanceMetrics, observer: DeliveryObserver) {
    this.#data = data;
    this.#engine = engine;
    this.#observer = observer;
    this.#base = data.baseInterval;
    this.#seriesIndex = new Map(data.intervals.map((name, i) => [name, i]));
    this.#appendStage = metrics.stage('native.append');
    this.#dispatchStage = metrics.stage('dispatch');
    this.counts = {
      barsIn: 0,
      barsStored: 0,
      rejected: Object.fromEntries(REJECT_CODES.map((c) => [c, 0])) as Record<RejectCode, number>,
      closedBars: Object.fromEntries(data.intervals.map((i) => [i, 0])),
      delivered: 0,
    };
  }

  /** Opens `session` in the store. */
  beginSession(session: Session): void {
    this.#data.beginSession(session);
    this.lastStored.clear();
    this.#session = session;
  }

  /** Starts a slice: the bars added until {@link DataProcessor.endSlice} go to the core in one call. */
  beginSlice(): void {
    this.#sliceStart = performance.now();
    this.#count = 0;
  }

  /** Adds one base bar to the current slice. */
  append(symbol: string, time: number, open: number, high: number, low: number, close: number, volume: number): void {
    const i = this.#count;
    if (i === this.#symbols.length) this.#grow();
    this.#symbols[i] = symbol;
    const c = this.#columns;
    c.time[i] = time;
    c.open[i] = open;
    c.high[i] = high;
    c.low[i] = low;
    c.close[i] = close;
    c.volume[i] = volume;
    this.#count = i + 1;
  }

  /**
   * Sends the slice to the core in one call and queues what closed. A rejected bar is counted by
   * reason (the core counts it too) and never stops the run.
   */
  endSlice(): void {
    const count = this.#count;
    if (count > 0) {
      const outcome = this.#data.appendSlice(this.#symbols, this.#columns, count);
      this.counts.barsIn += count;
      if (outcome.gaps) this.#gapsWaiting = true;
      const base = this.#base;
      const wantsBase = this.#engine.wants(base);
      for (let i = 0; i < count; i++) {
        const closed = outcome.closed[i];
        if (closed === null || closed === undefined) {
          this.counts.rejected[outcome.rejected[i] as RejectCode]++;
          continue;
        }
        this.counts.barsStored++;
        const symbol = this.#symbols[i] as string;
        this.lastStored.set(symbol, this.#columns.time[i] as number);
        for (let k = 0; k < closed.length; k++) {
          const interval = closed[k] as string;
          if (interval === base) {
            // A stored base bar is closed at once; counted here, delivered only while someone listens.
            this.counts.closedBars[interval]!++;
            if (!wantsBase) continue;
          }
          this.#pendingSymbols.push(symbol);
          this.#pendingIntervals.push(interval);
        }
      }
    }
    this.#appendStage.record((performance.now() - this.#sliceStart) * 1e6);
  }

  #grow(): void {
    const size = Math.max(64, this.#symbols.length * 2);
    const c = this.#columns;
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.#columns = { time: grow(c.time), open: grow(c.open), high: grow(c.high), low: grow(c.low), close: grow(c.close), volume: grow(c.volume) };
    this.#symbols.length = size;
  }

  /** The gaps the core found since the last call (a bar skipped slots; at session end, the slots after a symbol's last bar). */
  takeGaps(): Gap[] {
    if (!this.#gapsWaiting) return [];
    this.#gapsWaiting = false;
    return this.#data.takeGaps();
  }

  /** Adds pairs that closed outside an append: by the clock (`advanceTo`) or at session end. */
  closed(pairs: readonly Closed[]): void {
    for (const p of pairs) {
      this.#pendingSymbols.push(p.symbol);
      this.#pendingIntervals.push(p.interval);
    }
  }

  /**
   * Notifies the engine of everything that closed since the last dispatch. Returns `null` when every
   * subscriber finished synchronously, or a {@link ReadySignal} that is signalled when the last
   * pending one settles (subscriber failures are reported, not thrown, so it never fails), together
   * with the handlers still running.
   */
  dispatch(): { ready: ReadySignal; pending: PendingHandler[] } | null {
    const symbols = this.#pendingSymbols;
    const intervals = this.#pendingIntervals;
    if (symbols.length === 0) return null;
    const started = performance.now();
    const session = this.#session as Session;
    let pending: PendingHandler[] | null = null;
    for (let i = 0; i < symbols.length; i++) {
      const symbol = symbols[i] as string;
      const interval = intervals[i] as string;
      const s = this.#seriesIndex.get(interval) as number;
      let done = this.#delivered.get(symbol);
      if (done === undefined) {
        done = new Array<number>(this.#seriesIndex.size).fill(0);
        this.#delivered.set(symbol, done);
      }
      const count = this.#data.count(symbol, interval);
      // A slice holds one bar of a symbol, so a base pair is that bar alone (a subscriber added
      // mid-run starts there, not at the first bar); derived series may close several at once.
      const from = s === 0 ? Math.max(done[s] as number, count - 1) : (done[s] as number);
      if (count <= from) continue;
      done[s] = count;
      if (s !== 0) this.counts.closedBars[interval]! += count - from;
      if (!this.#engine.wants(interval)) continue;
      for (let index = from; index < count; index++) {
        this.counts.delivered++;
        pending = this.#engine.deliver(new BarEvent(this.#data, session, symbol, interval, index), this.#observer, pending);
      }
    }
    symbols.length = 0;
    intervals.length = 0;
    this.#dispatchStage.record((performance.now() - started) * 1e6);
    if (pending === null) return null;
    const ready = new ReadySignal('slice');
    void Promise.all(pending.map((p) => p.promise)).then(() => ready.signal());
    return { ready, pending };
  }

  /** Moves the store's clock: buckets ending at or before `time` close. */
  advanceTo(time: number): void {
    this.closed(this.#data.advanceTo(time));
  }

  /** Ends the session in the store; the forming bars it flushes are queued for dispatch. */
  endSession(): void {
    this.closed(this.#data.endSession());
    // The slots after each symbol's last bar are known missing only now.
    this.#gapsWaiting = true;
  }

  /** After a session's last dispatch: retention may have dropped old bars, so counts restart from the store's. */
  settleSession(): void {
    for (const [symbol, done] of this.#delivered) {
      for (const [interval, s] of this.#seriesIndex) done[s] = this.#data.count(symbol, interval);
    }
    this.#session = null;
  }
}

