/**
 * {@link DataProcessor}: feeds time slices into the store and tells the analysis engine what closed.
 * @module
 */
// The global `performance` is a getter on globalThis in Node: the import is a plain binding, about 20 ns less a clock read.
import { performance } from 'node:perf_hooks';
import { ConfigError, REJECT_CODES, describe } from '../errors.js';
import type { RejectCode } from '../errors.js';
import { SLICE_GAP_FLAG, SessionData } from '../session-data.js';
import type { Gap, SliceColumns } from '../session-data.js';
import type { Closed, Session } from '../types.js';
import { AnalysisEngine, BarEvent } from './engine.js';
import type { DeliveryObserver, PendingHandler, Subscriber } from './engine.js';
import { PerformanceMetrics } from './metrics.js';
import type { StageRecorder } from './metrics.js';
import { ReadySignal } from './ready.js';
import { grown, num } from '../typed-arrays.js';
import { intervalMs } from '../native.js';

/** Counts a processor keeps over a run. */
export interface ProcessorCounts {
  /** Base bars handed to the store. */
  barsIn: number;
  /** Base bars the store accepted. */
  barsStored: number;
  /** Base bars the store rejected, by reason. */
  rejected: Record<RejectCode, number>;
  /** Closed bars per interval (the base interval included): base bars as each slice is stored, derived bars at the end of the dispatch that finds them. */
  closedBars: Record<string, number>;
  /** Bar events handed to subscribers. */
  delivered: number;
}

/**
 * Calls the core once per time slice, collects every `(symbol, interval)` that closed, and
 * notifies the analysis engine with one {@link BarEvent} per closed bar, in order: by slice, then
 * interval by interval, shortest first (the base, then derived by length, `1d` last), then by symbol
 * in slice order. Bars rejected by the core are counted by reason
 * (the core counts them too) and never stop the run.
 */
export class DataProcessor {
  readonly #data: SessionData;
  readonly #engine: AnalysisEngine;
  readonly #observer: DeliveryObserver;
  readonly #base: string;
  /** Canonical interval names, base first: series index = position. */
  readonly #series: readonly string[];
  readonly #seriesIndex: Map<string, number>;
  /** Series indices, shortest interval first (`1d` last): the order a dispatch delivers in. */
  readonly #byLength: readonly number[];
  readonly #appendStage: StageRecorder;
  readonly #dispatchStage: StageRecorder;
  /** Closed bars already delivered, per `symbol id * series count + series index`. */
  #delivered: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Per symbol id, the base bars a dispatch delivers: its queued base pairs, one a stored bar. */
  #baseNew: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** One more than the largest symbol id queued so far: the ids whose delivered counts exist. */
  #idLimit = 0;
  /** What closed since the last dispatch, in order: symbol ids and their closed-series masks (bit `k` = series `k`). */
  #pendingIds: Float64Array<ArrayBuffer> = new Float64Array(256);
  #pendingMasks: Float64Array<ArrayBuffer> = new Float64Array(256);
  #pendingCount = 0;
  /** The `(symbol id, series)` pairs of a dispatch, for one native read of their states. */
  #pairIds: Float64Array<ArrayBuffer> = new Float64Array(256);
  #pairSeries: Float64Array<ArrayBuffer> = new Float64Array(256);
  /** Derived bars closed during the current dispatch, per series index: added to `counts.closedBars` at its end (one keyed update a series, not one a closed bar). */
  readonly #closedNow: Float64Array;
  /** Subscribers per series index as of engine version `#listsVersion`. */
  #lists: (readonly Subscriber[] | undefined)[] = [];
  #listsVersion = -1;
  #session: Session | null = null;
  /** The slice being gathered: symbol ids and columns, reused from slice to slice. */
  #ids: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** `#ids` cut to the last slice's length (the core takes a slice's size from its ids). */
  #idsView: Float64Array = new Float64Array(0);
  #columns: SliceColumns = { time: new Float64Array(0), open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0) };
  #count = 0;
  /**
   * A slice that is whole rows of the caller's columns (see {@link DataProcessor.appendRows}) goes
   * to the core from there, without a copy: its ids, columns and first row. `null` otherwise.
   */
  #rowIds: Float64Array | null = null;
  #rowColumns: SliceColumns | null = null;
  #rowFrom = 0;
  #gapsWaiting = false;
  /**
   * The last slice's ids and results when its base bars were not queued (nobody listened to the
   * base): a subscription made before its dispatch (in a `gap` listener) takes them in then.
   */
  #heldIds: Float64Array = new Float64Array(0);
  #heldResults: Float64Array = new Float64Array(0);
  #heldCount = 0;
  /** Set by {@link DataProcessor.abort}: every later call that would change the store throws it. */
  #aborted: Error | null = null;
  /** Set by `abort(error, true)`: what closed before the abort is still delivered by the next {@link DataProcessor.dispatch}. */
  #deliverQueued = false;
  /** `SessionData.removedSymbols` when the delivered counts were last taken from the store. */
  #removedSeen = -1;
  /** Per symbol id, the time of its last stored bar in the open session (NaN: none yet). */
  #lastTime: Float64Array<ArrayBuffer> = new Float64Array(0);
  #lastStored = new Map<string, number>();
  /** Whether `#lastStored` lags `#lastTime`. */
  #lastStale = false;
  readonly counts: ProcessorCounts;
  /** Between {@link DataProcessor.beginSlice} and the {@link DataProcessor.endSlice} that sends it. */
  #sliceOpen = false;

  /** The coordinator this processor runs for (see {@link DataProcessor.runFor}), or null. */
  #owner: object | null = null;

  /**
   * Makes this the processor of `owner`'s run (a coordinator): while that run's session is open,
   * the store takes changes from this processor alone, and refuses those of any other.
   * @internal
   */
  runFor(owner: object): void {
    this.#owner = owner;
  }

  /** @throws {ConfigError} naming an argument of the wrong kind (it was a TypeError from inside, or later). */
  constructor(data: SessionData, engine: AnalysisEngine, metrics: PerformanceMetrics, observer: DeliveryObserver) {
    if (!(data instanceof SessionData)) throw new ConfigError('data', `expected a SessionData, got ${describe(data)}`);
    if (!(engine instanceof AnalysisEngine)) throw new ConfigError('engine', `expected an AnalysisEngine, got ${describe(engine)}`);
    if (!(metrics instanceof PerformanceMetrics)) throw new ConfigError('metrics', `expected a PerformanceMetrics, got ${describe(metrics)}`);
    if (typeof (observer as Partial<DeliveryObserver> | null)?.delivered !== 'function' || typeof observer.failed !== 'function') {
      throw new ConfigError('observer', `expected { delivered, failed } functions, got ${describe(observer)}`);
    }
    this.#data = data;
    this.#engine = engine;
    this.#observer = observer;
    this.#base = data.baseInterval;
    this.#series = data.intervals;
    this.#seriesIndex = new Map(data.intervals.map((name, i) => [name, i]));
    // `1d`, a whole session, counts as the longest.
    this.#byLength = data.intervals.map((name, i) => ({ i, ms: name === '1d' ? Infinity : intervalMs(name) })).sort((a, b) => a.ms - b.ms || a.i - b.i).map((x) => x.i);
    this.#closedNow = new Float64Array(data.intervals.length);
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

  /**
   * Stops this processor for good: every later call that would change the store or notify
   * subscribers throws `error`. A run that failed while it waited (see `SessionCoordinator.run`)
   * may be woken later by what it waited for; it must not go on. With `deliverQueued` (a stopped
   * run: the slice in hand reaches its subscribers), the bars that closed before the abort are
   * still delivered by `dispatch`; nothing can close after it.
   * @throws {ConfigError} `error` when it is not an Error: later calls would throw it, and
   * `undefined` thrown says nothing.
   */
  abort(error: Error, deliverQueued = false): void {
    if (!(error instanceof Error)) throw new ConfigError('error', `abort takes the Error later calls throw, got ${describe(error)}`);
    if (this.#aborted !== null) return;
    this.#aborted = error;
    this.#deliverQueued = deliverQueued;
  }

  /** The time of each symbol's last stored bar in the open session. */
  get lastStored(): Map<string, number> {
    if (this.#lastStale) {
      // Kept per symbol id on the slice path (a typed-array write a bar); made into a map when read.
      const map = this.#lastStored;
      const last = this.#lastTime;
      for (let id = 0; id < last.length; id++) {
        const t = last[id] as number;
        if (!Number.isNaN(t)) map.set(this.#data.symbolOf(id), t);
      }
      this.#lastStale = false;
    }
    return this.#lastStored;
  }

  /** Opens `session` in the store. */
  beginSession(session: Session): void {
    if (this.#aborted !== null) throw this.#aborted;
    this.#data.beginSession(session);
    // Bars the store held before this processor met their symbol (an earlier run, appends by hand)
    // were never this processor's to deliver: its counts start from the store's. After symbols
    // were removed or the store cleared (a sessionEnd handler may do either), an id may name
    // another symbol now: every count starts again from the store's.
    const removed = this.#data.removedSymbols;
    if (removed !== this.#removedSeen) {
      this.#removedSeen = removed;
      this.#delivered.fill(0);
      this.#idLimit = 0;
    }
    const known = this.#data.idCount;
    if (known > this.#idLimit) {
      const from = this.#idLimit;
      this.#growDelivered(known);
      const width = this.#series.length;
      for (let id = from; id < known; id++) {
        const held = this.#data.knowsId(id);
        for (let s = 0; s < width; s++) this.#delivered[id * width + s] = held ? this.#data.countOf(id, s) : 0;
      }
    }
    this.#lastTime.fill(NaN);
    this.#lastStored.clear();
    this.#lastStale = false;
    this.#session = session;
  }

  /** Starts a slice: the bars added until {@link DataProcessor.endSlice} go to the core in one call. */
  beginSlice(): void {
    if (this.#aborted !== null) throw this.#aborted;
    this.#count = 0;
    this.#sliceOpen = true;
    this.#rowIds = null;
    this.#rowColumns = null;
  }

  /**
   * Bars added to the current slice and not yet sent to the store: a run stopped while a slice
   * waited for its last bars leaves them here, read and never taken.
   */
  get pendingBars(): number {
    return this.#sliceOpen ? this.#count : 0;
  }

  /**
   * Adds one base bar to the current slice.
   * @throws {InputError} for an empty or non-string symbol.
   */
  append(symbol: string, time: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (this.#aborted !== null) throw this.#aborted;
    this.appendId(this.#data.idOf(symbol), time, open, high, low, close, volume);
  }

  /** {@link DataProcessor.append} by the store's symbol id (`SessionData.idOf`). @internal */
  appendId(id: number, time: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (this.#aborted !== null) throw this.#aborted;
    if (this.#rowIds !== null) this.#copyRows();
    const i = this.#count;
    if (i === this.#ids.length) this.#grow();
    this.#ids[i] = id;
    const c = this.#columns;
    c.time[i] = num(time);
    c.open[i] = num(open);
    c.high[i] = num(high);
    c.low[i] = num(low);
    c.close[i] = num(close);
    c.volume[i] = num(volume);
    this.#count = i + 1;
  }

  /**
   * Adds rows `from .. from + count` of `columns` to the current slice, row `from + i` the bar of
   * symbol id `ids[i]`. When they are the whole slice they go to the core from `columns`, which
   * must not change before {@link DataProcessor.endSlice}. @internal
   */
  appendRows(ids: Float64Array, columns: SliceColumns, from: number, count: number): void {
    if (this.#aborted !== null) throw this.#aborted;
    if (this.#count === 0 && this.#rowIds === null) {
      this.#rowIds = count === ids.length ? ids : ids.subarray(0, count);
      this.#rowColumns = columns;
      this.#rowFrom = from;
      this.#count = count;
      return;
    }
    if (this.#rowIds !== null) this.#copyRows();
    this.#copy(ids, columns, from, count);
  }

  /** Turns a slice taken as rows of the caller's columns into a copy in the processor's own. */
  #copyRows(): void {
    const ids = this.#rowIds as Float64Array;
    const columns = this.#rowColumns as SliceColumns;
    this.#rowIds = null;
    this.#rowColumns = null;
    this.#count = 0;
    this.#copy(ids, columns, this.#rowFrom, ids.length);
  }

  #copy(ids: Float64Array, columns: SliceColumns, from: number, count: number): void {
    const i = this.#count;
    while (i + count > this.#ids.length) this.#grow();
    const to = from + count;
    const c = this.#columns;
    // Block copies: a slice of 100 symbols costs six small allocations instead of 700 element moves.
    this.#ids.set(count === ids.length ? ids : ids.subarray(0, count), i);
    c.time.set(columns.time.subarray(from, to), i);
    c.open.set(columns.open.subarray(from, to), i);
    c.high.set(columns.high.subarray(from, to), i);
    c.low.set(columns.low.subarray(from, to), i);
    c.close.set(columns.close.subarray(from, to), i);
    c.volume.set(columns.volume.subarray(from, to), i);
    this.#count = i + count;
  }

  /**
   * Sends the slice to the core in one call and queues what closed. A rejected bar is counted by
   * reason (the core counts it too) and never stops the run.
   */
  endSlice(): void {
    if (this.#aborted !== null) throw this.#aborted;
    this.#sliceOpen = false;
    const count = this.#count;
    if (count > 0) {
      let ids: Float64Array;
      let columns: SliceColumns;
      let from = 0;
      if (this.#rowIds !== null) {
        ids = this.#rowIds;
        columns = this.#rowColumns as SliceColumns;
        from = this.#rowFrom;
        this.#rowIds = null;
        this.#rowColumns = null;
      } else {
        if (this.#idsView.length !== count) this.#idsView = this.#ids.subarray(0, count);
        ids = this.#idsView;
        columns = this.#columns;
      }
      // Before the append: a subscription the store cannot serve fails the run with the slice not stored.
      if (this.#engine.version !== this.#listsVersion) this.#refreshLists();
      // Timed from here: a slice open while a stream source is awaited would time the source.
      const started = performance.now();
      const results = this.#data.appendSliceIds(ids, columns, from, this.#owner);
      const counts = this.counts;
      counts.barsIn += count;
      // A stored base bar is closed at once; counted here, delivered only while someone listens.
      const wantsBase = this.#lists[0] !== undefined;
      this.#heldCount = 0;
      const time = columns.time;
      let last = this.#lastTime;
      let stored = 0;
      let baseClosed = 0;
      for (let i = 0; i < count; i++) {
        let r = results[i] as number;
        if (r >= SLICE_GAP_FLAG) {
          this.#gapsWaiting = true;
          r -= SLICE_GAP_FLAG;
        }
        if (r < 0) {
          counts.rejected[REJECT_CODES[-r - 1] as RejectCode]++;
          continue;
        }
        stored++;
        const id = ids[i] as number;
        if (id >= last.length) last = this.#growLast(id);
        last[id] = time[from + i] as number;
        if ((r & 1) !== 0) {
          baseClosed++;
          if (!wantsBase) r -= 1;
        }
        if (r !== 0) this.#queue(id, r);
      }
      if (stored > 0) {
        counts.barsStored += stored;
        this.#lastStale = true;
      }
      counts.closedBars[this.#base]! += baseClosed;
      if (!wantsBase && baseClosed > 0) {
        this.#heldIds = ids;
        this.#heldResults = results;
        this.#heldCount = count;
      }
      // One record a slice that went to the core.
      this.#appendStage.record((performance.now() - started) * 1e6);
      // Sent: a bar appended next, or a second endSlice, starts a slice of its own (a missing
      // beginSlice sent the slice's bars again, rejected as duplicates and counted so).
      this.#count = 0;
    }
  }

  #grow(): void {
    const size = Math.max(64, this.#ids.length * 2);
    const grow = (a: Float64Array): Float64Array<ArrayBuffer> => grown(a, size);
    const c = this.#columns;
    this.#columns = { time: grow(c.time), open: grow(c.open), high: grow(c.high), low: grow(c.low), close: grow(c.close), volume: grow(c.volume) };
    this.#ids = grow(this.#ids);
    this.#idsView = this.#ids.subarray(0, 0);
  }

  #growLast(id: number): Float64Array<ArrayBuffer> {
    this.#lastTime = grown(this.#lastTime, Math.max(64, (id + 1) * 2), NaN);
    return this.#lastTime;
  }

  /** Queues `mask` (closed series) of symbol `id` for the next dispatch. */
  /** Queues the last slice's stored base bars, held back while nobody listened to the base, if somebody does now. */
  #queueHeldBase(): void {
    const count = this.#heldCount;
    this.#heldCount = 0;
    if (this.#engine.version !== this.#listsVersion) this.#refreshLists();
    if (this.#lists[0] === undefined) return;
    const ids = this.#heldIds;
    const results = this.#heldResults;
    for (let i = 0; i < count; i++) {
      let r = results[i] as number;
      if (r >= SLICE_GAP_FLAG) r -= SLICE_GAP_FLAG;
      if (r >= 0 && (r & 1) !== 0) this.#queue(ids[i] as number, 1);
    }
  }

  #queue(id: number, mask: number): void {
    const n = this.#pendingCount;
    if (n === this.#pendingIds.length) {
      this.#pendingIds = grown(this.#pendingIds, n * 2);
      this.#pendingMasks = grown(this.#pendingMasks, n * 2);
    }
    this.#pendingIds[n] = id;
    this.#pendingMasks[n] = mask;
    this.#pendingCount = n + 1;
    if (id >= this.#idLimit) this.#growDelivered(id + 1);
  }

  #growDelivered(idLimit: number): void {
    const width = this.#series.length;
    if (idLimit * width > this.#delivered.length) this.#delivered = grown(this.#delivered, Math.max(64, idLimit * 2) * width);
    if (idLimit > this.#baseNew.length) this.#baseNew = grown(this.#baseNew, Math.max(64, idLimit * 2));
    this.#idLimit = idLimit;
  }

  /** The gaps the core found since the last call (a bar skipped slots; at session end, the slots after a symbol's last bar). */
  takeGaps(): Gap[] {
    if (!this.#gapsWaiting) return [];
    this.#gapsWaiting = false;
    return this.#data.takeGaps();
  }

  /**
   * Adds pairs that closed outside an append: by the clock (`advanceTo`) or at session end.
   * @throws {ConfigError} for an interval the store does not have; `pairs` when it is not an array
   * of `{ symbol, interval }` (nothing is queued then).
   */
  closed(pairs: readonly Closed[]): void {
    if (this.#aborted !== null) throw this.#aborted;
    if (!Array.isArray(pairs) || !pairs.every((p: unknown) => typeof (p as Closed | null)?.symbol === 'string' && typeof (p as Closed).interval === 'string')) {
      throw new ConfigError('pairs', `expected an array of { symbol, interval } as endSession returns, got ${describe(pairs)}`);
    }
    for (const p of pairs) {
      const s = this.#seriesIndex.get(p.interval);
      // The store names the interval it does not have.
      if (s === undefined) this.#data.count(p.symbol, p.interval);
      const id = this.#data.knownId(p.symbol);
      // A symbol the store does not know has no bars to deliver.
      if (id >= 0) this.#queue(id, 2 ** (s as number));
    }
  }

  /** `[symbol id, mask, ...]` from the store, as {@link DataProcessor.closed} takes pairs. */
  #closedMasks(flat: ArrayLike<number>): void {
    for (let i = 0; i < flat.length; i += 2) this.#queue(flat[i] as number, flat[i + 1] as number);
  }

  /**
   * Notifies the engine of everything that closed since the last dispatch. Returns `null` when every
   * subscriber finished synchronously, or a {@link ReadySignal} that is signalled when the last
   * pending one settles (subscriber failures are reported, not thrown, so it never fails), together
   * with the handlers still running.
   */
  dispatch(): { ready: ReadySignal; pending: PendingHandler[] } | null {
    if (this.#aborted !== null && !this.#deliverQueued) throw this.#aborted;
    if (this.#heldCount > 0) this.#queueHeldBase();
    const n = this.#pendingCount;
    if (n === 0) return null;
    const started = performance.now();
    const session = this.#session as Session;
    const data = this.#data;
    const engine = this.#engine;
    const observer = this.#observer;
    const series = this.#series;
    const width = series.length;
    const ids = this.#pendingIds;
    const masks = this.#pendingMasks;
    const done = this.#delivered;
    const counts = this.counts;
    const closedNow = this.#closedNow;
    let pending: PendingHandler[] | null = null;
    this.#readStates(n);
    let closing = 0;
    for (let p = 0; p < n; p++) closing |= masks[p] as number;
    // A symbol's base bars stored since the last dispatch, one queued pair each: a slice given by
    // hand may hold several bars of a symbol, and each is delivered.
    const baseNew = this.#baseNew;
    // Counted afresh each call, so that a dispatch tried again after one that threw counts the same.
    if ((closing & 1) !== 0) {
      for (let p = 0; p < n; p++) baseNew[ids[p] as number] = 0;
      for (let p = 0; p < n; p++) if (((masks[p] as number) & 1) !== 0) baseNew[ids[p] as number]!++;
    }
    // Interval by interval, shortest first, so that every handler of a shorter interval has seen
    // the dispatch's bars before a longer interval's handlers run; within one, in storing order.
    for (const s of this.#byLength) {
      // Masks fit 32 bits (at most 32 series); `>>>` reads them unsigned.
      if (((closing >>> s) & 1) === 0) continue;
      for (let p = 0; p < n; p++) {
        if ((((masks[p] as number) >>> s) & 1) === 0) continue;
        const id = ids[p] as number;
        const key = id * width + s;
        const count = data.countOf(id, s);
        // A base pair is a bar stored since the last dispatch (a subscriber added mid-run starts
        // there, not at the first bar); derived series may close several at once.
        const from = s === 0 ? Math.max(done[key] as number, count - (baseNew[id] as number)) : (done[key] as number);
        if (count <= from) continue;
        done[key] = count;
        if (s !== 0) closedNow[s] = (closedNow[s] as number) + count - from;
        if (engine.version !== this.#listsVersion) this.#refreshLists();
        if (this.#lists[s] === undefined) continue;
        const symbol = data.symbolOf(id);
        const interval = series[s] as string;
        for (let index = from; index < count; index++) {
          // A handler may subscribe or unsubscribe: later events go to the subscribers of their time.
          if (engine.version !== this.#listsVersion) this.#refreshLists();
          const list = this.#lists[s];
          // Counted when a subscriber takes it (one event, however many subscribers).
          if (list === undefined || !AnalysisEngine.takes(list, symbol)) continue;
          counts.delivered++;
          // Each event's views end at its own bar, also when several closed together: the series
          // as it stood when that bar closed.
          pending = engine.deliverTo(list, BarEvent.closed(data, session, symbol, interval, index, data.barsOf(id, s, index + 1)), observer, pending);
        }
      }
    }
    this.#pendingCount = 0;
    for (let s = 1; s < width; s++) {
      const closed = closedNow[s] as number;
      if (closed === 0) continue;
      counts.closedBars[series[s] as string]! += closed;
      closedNow[s] = 0;
    }
    this.#dispatchStage.record((performance.now() - started) * 1e6);
    if (pending === null) return null;
    const ready = new ReadySignal('slice');
    // Handler failures are reported, not thrown; what rejects here is the reporting itself (an
    // 'error' listener that threw), which fails the slice, and so the run, as it would in a
    // synchronous call.
    void Promise.all(pending.map((p) => p.promise)).then(
      () => ready.signal(),
      (error: unknown) => ready.fail(error),
    );
    return { ready, pending };
  }

  /** Reads the state of every series the `n` queued masks name in one native call, so that each `countOf` below finds it. */
  #readStates(n: number): void {
    const ids = this.#pendingIds;
    const masks = this.#pendingMasks;
    let pairs = 0;
    for (let p = 0; p < n; p++) {
      for (let bits = (masks[p] as number) >>> 0, s = 0; bits !== 0; bits >>>= 1, s++) {
        if ((bits & 1) === 0) continue;
        if (pairs === this.#pairIds.length) {
          this.#pairIds = grown(this.#pairIds, pairs * 2);
          this.#pairSeries = grown(this.#pairSeries, pairs * 2);
        }
        this.#pairIds[pairs] = ids[p] as number;
        this.#pairSeries[pairs] = s;
        pairs++;
      }
    }
    this.#data.readStates(this.#pairIds, this.#pairSeries, pairs);
  }

  /**
   * The subscribers of each series, whatever spelling of its interval they used (`'60m'` for
   * `'1h'`).
   * @throws {ConfigError} for a subscription to an interval the store does not have: it would
   * never receive a bar.
   */
  #refreshLists(): void {
    const lists: (Subscriber[] | undefined)[] = this.#series.map(() => undefined);
    for (const interval of this.#engine.intervals()) {
      const subs = this.#engine.subscribersOf(interval);
      if (subs === undefined) continue;
      const s = this.#seriesOf(interval, subs);
      // Spellings of one interval merge in the order their subscriptions were made.
      lists[s] = lists[s] === undefined ? [...subs] : [...lists[s], ...subs].sort((a, b) => a.seq - b.seq);
    }
    this.#lists = lists;
    this.#listsVersion = this.#engine.version;
  }

  /**
   * The store's series of `interval`, which `subs` subscribed to.
   * @throws {ConfigError} naming the subscribers, for an interval the store does not have.
   */
  #seriesOf(interval: string, subs: readonly Subscriber[]): number {
    try {
      return this.#data.seriesIndexOf(interval);
    } catch (e) {
      // The store's message, and whose subscription it is: subscribe() takes any interval, as
      // the engine may serve stores of other intervals.
      if (!(e instanceof ConfigError)) throw e;
      const names = [...new Set(subs.map((x) => `'${x.name}'`))].join(', ');
      throw e.of(`subscriber${subs.length === 1 ? '' : 's'} ${names}`);
    }
  }

  /**
   * Checks every subscription against the store before a run.
   * @throws {ConfigError} for a subscription to an interval the store does not have.
   */
  checkSubscriptions(): void {
    this.#refreshLists();
  }

  /** Moves the store's clock: buckets ending at or before `time` close. */
  advanceTo(time: number): void {
    if (this.#aborted !== null) throw this.#aborted;
    this.#closedMasks(this.#data.advanceToMasks(time, this.#owner));
  }

  /**
   * Moves the store's clock to the session's close: every bucket ends by then, so every bar still
   * forming closes and is queued for dispatch, as the store's endSession would close it, but
   * before that endSession: under retention it may drop older sessions' bars, and the events of
   * these bars, dispatched first, then show each series as it stood when the bar closed.
   */
  closeAtClose(): void {
    if (this.#aborted !== null) throw this.#aborted;
    if (this.#session !== null) this.#closedMasks(this.#data.advanceToMasks(this.#session.close, this.#owner));
  }

  /**
   * Ends the session in the store, after {@link DataProcessor.closeAtClose} and its dispatch. What retention drops is taken off
   * the delivered counts: a series' count would otherwise no longer tell which of its bars were
   * delivered.
   */
  endSession(): void {
    if (this.#aborted !== null && !this.#deliverQueued) throw this.#aborted;
    const data = this.#data;
    // Without closeAtClose first (nothing to close after it), its bars close here, still before
    // retention, for the counts below.
    if (this.#session !== null) this.#closedMasks(data.advanceToMasks(this.#session.close, this.#owner));
    // With no retention nothing is dropped: no counts to compare.
    if (!data.retains) {
      this.#closedMasks(data.endSessionMasks(this.#owner));
      this.#gapsWaiting = true;
      return;
    }
    const width = this.#series.length;
    const done = this.#delivered;
    const before = new Float64Array(this.#idLimit * width);
    for (let id = 0; id < this.#idLimit; id++) {
      if (!data.knowsId(id)) continue;
      for (let s = 0; s < width; s++) before[id * width + s] = data.countOf(id, s);
    }
    this.#closedMasks(data.endSessionMasks(this.#owner));
    for (let id = 0; id < this.#idLimit; id++) {
      if (!data.knowsId(id)) continue;
      for (let s = 0; s < width; s++) {
        const key = id * width + s;
        const dropped = (before[key] as number) - data.countOf(id, s);
        if (dropped > 0) done[key] = Math.max(0, (done[key] as number) - dropped);
      }
    }
    // The slots after each symbol's last bar are known missing only now.
    this.#gapsWaiting = true;
  }

  /** After a session's last dispatch: retention may have dropped old bars, so counts restart from the store's. */
  settleSession(): void {
    if (this.#aborted !== null) throw this.#aborted;
    const width = this.#series.length;
    const done = this.#delivered;
    for (let id = 0; id < this.#idLimit; id++) {
      // A removed symbol's id names nothing any more (it comes back under a new one).
      const known = this.#data.knowsId(id);
      for (let s = 0; s < width; s++) done[id * width + s] = known ? this.#data.countOf(id, s) : 0;
    }
    this.#session = null;
  }
}

