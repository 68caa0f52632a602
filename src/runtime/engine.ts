/**
 * {@link AnalysisEngine}: where strategies subscribe to closed bars.
 * @module
 */
// The global `performance` is a getter on globalThis in Node: the import is a plain binding, about 20 ns less a clock read.
import { performance } from 'node:perf_hooks';
import { ConfigError, checkOptionKeys, describe, firstHole, refuseArguments, show } from '../errors.js';
import { canonicalInterval, sameInterval } from '../native.js';
import { SessionData } from '../session-data.js';
import type { Bar, BarsView, Session } from '../types.js';

/** The subscriber name under which a run's metrics keep the stages of subscribers that left: no subscriber may have it. */
export const UNSUBSCRIBED = '(unsubscribed)';

/** What a subscriber wants: bars of `interval` for `symbols` (every symbol when omitted or `'*'`). */
export interface SubscriptionSpec {
  interval: string;
  symbols?: readonly string[] | '*' | undefined;
  /** A name for reports and errors. Default `subscriber-N`. */
  name?: string | undefined;
}

/**
 * A subscriber. It may return a promise (any object with a `then` method): in data-driven runs the
 * coordinator waits for it before the next time slice; in clock-driven runs a promise still pending
 * when the next slice is due is an overrun. Any other value it returns is ignored.
 */
export type BarHandler = (event: BarEvent) => unknown;

/** A live subscription. */
export interface Subscription {
  readonly name: string;
  readonly interval: string;
  /** Stops delivery. Events already being handled finish. */
  unsubscribe(): void;
}

/** A subscriber that threw or whose promise rejected. The run goes on; the report lists it. */
export interface SubscriberFailure {
  subscriber: string;
  symbol: string;
  interval: string;
  /** The closed bar's time (epoch ms). */
  time: number;
  error: unknown;
}

/** The views {@link BarEvent.closed} hands its constructor, which takes them at once. */
let closedViews: BarsView | undefined;

/**
 * One closed bar, as a subscriber receives it. Its views of bars and indicators are zero-copy
 * (see {@link BarsView}) and show the series exactly as of this bar, indicators updated, for as
 * long as the event is kept; `data` is the store as it is now. In a data-driven run (and under
 * `overrun: 'queue'`) the coordinator appends nothing more until every subscriber of the slice is
 * done; otherwise a subscriber still busy when the next slice is due is an overrun.
 */
export class BarEvent {
  /** The symbol. */
  readonly symbol: string;
  /** The interval of the closed bar. */
  readonly interval: string;
  /** Index of the closed bar in {@link BarEvent.bars}. */
  readonly index: number;
  /** The open session. */
  readonly session: Readonly<Session>;
  /** The store, for anything beyond this series (other symbols, other intervals, forming bars). */
  readonly data: SessionData;
  readonly #bars: BarsView;

  /**
   * The event of bar `index` of `symbol`'s `interval` series in `data` (to test a handler without
   * a run); its views are the series as it is now.
   * @throws {ConfigError} naming the first wrong argument: `data` not a SessionData, `session` not
   * an object, an empty `symbol`, an `interval` the store does not have, an `index` that is not a
   * closed bar's.
   */
  constructor(data: SessionData, session: Session, symbol: string, interval: string, index: number) {
    const bars = closedViews;
    closedViews = undefined;
    // Made by hand (to test a handler, say) the arguments are checked; the dispatcher's are right.
    if (bars === undefined) checkEventArguments(data, session, symbol, index);
    this.data = data;
    this.session = session;
    this.symbol = symbol;
    this.interval = interval;
    this.index = index;
    this.#bars = bars ?? data.bars(symbol, interval);
    if (bars === undefined && index >= this.#bars.length) {
      throw new ConfigError('index', `${symbol} ${interval} has ${this.#bars.length} closed bars, so no bar ${index}`);
    }
  }

  /**
   * The dispatcher's event: `bars` are the series' views of when bar `index` closed, and the
   * arguments are the store's own, so none is checked.
   * @internal
   */
  static closed(data: SessionData, session: Session, symbol: string, interval: string, index: number, bars: BarsView): BarEvent {
    closedViews = bars;
    return new BarEvent(data, session, symbol, interval, index);
  }

  /**
   * Zero-copy views of the series' closed bars as they stood when this one closed: this one last
   * (`bars.length - 1 === index`), also when several closed at once. An event kept past its
   * handler keeps reading them, whatever the store did since (more bars, retention, the symbol
   * removed). An event made by hand views the series as it was when the event was made, so later
   * bars may follow bar `index` there.
   */
  get bars(): BarsView {
    return this.#bars;
  }

  /** The closed bar, as an object. */
  get bar(): Bar {
    const b = this.#bars;
    const i = this.index;
    return {
      time: b.time[i] as number,
      open: b.open[i] as number,
      high: b.high[i] as number,
      low: b.low[i] as number,
      close: b.close[i] as number,
      volume: b.volume[i] as number,
    };
  }

  /** The bar's open time (epoch ms). */
  get time(): number {
    return this.#bars.time[this.index] as number;
  }

  /**
   * A zero-copy column of one indicator output of this series (for example `'rsi14'`,
   * `'macd.signal'`), aligned with {@link BarEvent.bars}: as it stood when this bar closed.
   * @throws {ConfigError} for an output not configured for this interval.
   */
  indicator(name: string): Float64Array<ArrayBuffer> {
    return this.data.indicatorOf(this.#bars, this.interval, name);
  }
}

/** @internal */
export interface Subscriber {
  readonly name: string;
  readonly interval: string;
  readonly symbols: ReadonlySet<string> | null;
  readonly handler: BarHandler;
  /** Which subscription of the engine this is, counting from 0: the order of delivery. */
  readonly seq: number;
  active: boolean;
}

/** Receives a subscriber's outcome: its time in nanoseconds, or its failure. */
export interface DeliveryObserver {
  /** `false` when nobody reads the times: handlers are then not timed (two clock reads a call saved) and `delivered` is not called. Default `true`. */
  readonly timed?: boolean | undefined;
  /** `settled` is true for a handler whose promise settled after its dispatch returned. */
  delivered(subscriber: string, ns: number, settled: boolean): void;
  /**
   * The synchronous part of a call that returned a promise: the time until it returned, during
   * which nothing else ran. (Its whole time comes later, through `delivered` with `settled`.)
   */
  busy?(subscriber: string, ns: number): void;
  failed(failure: SubscriberFailure): void;
}

/**
 * Routes closed bars to subscribers. An engine is one set of subscribers for whichever run feeds
 * it: given to two coordinators running at once, each run's events reach every subscriber (tell
 * them apart by {@link BarEvent.data}); give each strategy or store an engine of its own.
 *
 * ```ts
 * const engine = new AnalysisEngine();
 * engine.subscribe({ symbols: ['SPY'], interval: '5m', name: 'rsi-cross' }, (e) => {
 *   const rsi = e.indicator('rsi14');
 *   if (rsi[e.index]! < 30) console.log(e.symbol, new Date(e.time), 'oversold');
 * });
 * ```
 */
export class AnalysisEngine {
  readonly #byInterval = new Map<string, Subscriber[]>();
  #count = 0;
  #subscribed = 0;
  #version = 0;

  /**
   * An engine with no subscribers.
   * @throws {ConfigError} `arguments` for any argument but `undefined`: it takes none, so options
   * meant for {@link AnalysisEngine.subscribe} or the coordinator would be dropped without a word.
   */
  constructor() {
    refuseArguments('AnalysisEngine', arguments, 'subscribe with engine.subscribe({ interval, symbols, name }, handler)');
  }

  /**
   * Changes whenever a subscriber comes or goes. A list from {@link AnalysisEngine.subscribersOf}
   * is current while this is unchanged (lists are replaced, never edited).
   * @internal
   */
  get version(): number {
    return this.#version;
  }

  /** The intervals subscribed to, as the subscribers spelled them. @internal */
  intervals(): string[] {
    return [...this.#byInterval.keys()];
  }

  /** The active subscribers of `interval`, or `undefined` when nobody listens. @internal */
  subscribersOf(interval: string): readonly Subscriber[] | undefined {
    return this.#byInterval.get(interval);
  }

  /**
   * Subscribes `handler` to the closed bars of `spec.interval` for `spec.symbols`.
   * @throws {ConfigError} for an empty interval or one that is no interval at all (`'bogus'`; one
   * the store does not have is refused when a run starts, or, subscribed by a handler during a
   * run, at that dispatch: the run fails, naming the subscriber), an empty symbol list or a name
   * already in use. Symbols the store does not know yet are taken: they may come later.
   */
  subscribe(spec: SubscriptionSpec, handler: BarHandler): Subscription {
    refuseArguments('subscribe', arguments, 'a subscription is one spec { interval, symbols?, name? } and one handler', '(spec, handler)', 2);
    if (spec === null || typeof spec !== 'object') throw new ConfigError('spec', `expected { interval, symbols?, name? }, got ${show(spec)}`);
    // A misspelt `symbol: 'SPY'` would otherwise subscribe to every symbol.
    checkOptionKeys(spec, ['interval', 'symbols', 'name'], 'a subscription');
    if (typeof spec.interval !== 'string' || spec.interval === '') throw new ConfigError('interval', 'a subscription needs an interval');
    // Whether the store has it is known when a run starts; a spelling no store can have is refused now.
    if (canonicalInterval(spec.interval) === null) throw new ConfigError('interval', `'${spec.interval}' is not an interval (Ns, Nm, Nh or 1d)`);
    if (typeof handler !== 'function') throw new ConfigError('handler', 'a subscription needs a handler function');
    // A sparse list's length may be up to 2^32 - 1, which every() would walk: its first hole is refused at once.
    const hole = Array.isArray(spec.symbols) ? firstHole(spec.symbols) : -1;
    if (hole >= 0) throw new ConfigError('symbols', `no symbol at ${hole} (a sparse array)`);
    if (spec.symbols !== undefined && spec.symbols !== '*' && !(Array.isArray(spec.symbols) && spec.symbols.every((x) => typeof x === 'string' && x !== ''))) {
      throw new ConfigError('symbols', `expected '*' or an array of symbol names, got ${Array.isArray(spec.symbols) ? show(spec.symbols) : describe(spec.symbols)}`);
    }
    const symbols = spec.symbols === undefined || spec.symbols === '*' ? null : new Set(spec.symbols);
    if (symbols !== null && symbols.size === 0) throw new ConfigError('symbols', 'an empty symbol list would never receive a bar');
    const taken = (n: string): boolean => [...this.#byInterval.values()].some((list) => list.some((s) => s.name === n));
    if (spec.name !== undefined && (typeof spec.name !== 'string' || spec.name === '')) throw new ConfigError('name', `a subscriber's name is a non-empty string, got ${show(spec.name)}`);
    let name = spec.name;
    if (name === undefined) {
      // A generated name skips the names already in use (a user may have named one 'subscriber-2').
      do name = `subscriber-${++this.#count}`;
      while (taken(name));
    } else if (taken(name)) throw new ConfigError('name', `a subscriber named '${name}' exists`);
    else if (name === UNSUBSCRIBED) throw new ConfigError('name', `'${UNSUBSCRIBED}' names the metrics of subscribers that left a run; give another name`);
    const sub: Subscriber = { name, interval: spec.interval, symbols, handler, seq: this.#subscribed++, active: true };
    this.#byInterval.set(spec.interval, [...(this.#byInterval.get(spec.interval) ?? []), sub]);
    this.#version++;
    return {
      name,
      interval: spec.interval,
      unsubscribe: () => {
        if (!sub.active) return;
        sub.active = false;
        const rest = (this.#byInterval.get(sub.interval) ?? []).filter((s) => s !== sub);
        if (rest.length === 0) this.#byInterval.delete(sub.interval);
        else this.#byInterval.set(sub.interval, rest);
        this.#version++;
      },
    };
  }

  /** Names of the active subscribers. */
  subscribers(): string[] {
    return [...this.#byInterval.values()].flat().map((s) => s.name);
  }

  /** Whether anyone listens to `interval`, in any spelling (`'60m'` for `'1h'`), for any symbol. */
  wants(interval: string): boolean {
    return this.#byInterval.has(interval) || (typeof interval === 'string' && [...this.#byInterval.keys()].some((k) => sameInterval(k, interval)));
  }

  /**
   * Delivers one closed bar to its subscribers. A throwing handler is isolated and reported to
   * `observer`. Returns the promises of handlers still running, or `null` when all finished.
   * @internal
   */
  deliver(event: BarEvent, observer: DeliveryObserver, pending: PendingHandler[] | null): PendingHandler[] | null {
    const list = this.#byInterval.get(event.interval);
    return list === undefined ? pending : this.deliverTo(list, event, observer, pending);
  }

  /** Whether a subscriber of `list` takes bars of `symbol`. @internal */
  static takes(list: readonly Subscriber[], symbol: string): boolean {
    for (let i = 0; i < list.length; i++) if (accepts(list[i] as Subscriber, symbol)) return true;
    return false;
  }

  /**
   * {@link AnalysisEngine.deliver} to `list`, the event's interval's subscribers as
   * {@link AnalysisEngine.subscribersOf} gave them (the caller keeps it while `version` holds).
   * @internal
   */
  deliverTo(list: readonly Subscriber[], event: BarEvent, observer: DeliveryObserver, pending: PendingHandler[] | null): PendingHandler[] | null {
    const timed = observer.timed !== false;
    for (let i = 0; i < list.length; i++) {
      const sub = list[i] as Subscriber;
      if (!accepts(sub, event.symbol)) continue;
      const started = timed ? performance.now() : 0;
      let adopted: Promise<void> | null = null;
      try {
        const result: unknown = sub.handler(event);
        // Any value may come back (`null`, a number): only an object or function with a `then`
        // method is waited for, read once and called here, where a getter or a `then` that throws
        // is this subscriber failing (Promise.resolve would also read `constructor`, outside).
        if (result !== undefined && result !== null && (typeof result === 'object' || typeof result === 'function')) {
          const then: unknown = (result as { then?: unknown }).then;
          if (typeof then === 'function') adopted = new Promise<void>((resolve, reject) => (then as (f: (v: unknown) => void, r: (e: unknown) => void) => unknown).call(result, resolve as (v: unknown) => void, reject));
        }
      } catch (error) {
        // A call that failed is timed too: it took the time it took.
        if (timed) observer.delivered(sub.name, (performance.now() - started) * 1e6, false);
        observer.failed({ subscriber: sub.name, symbol: event.symbol, interval: event.interval, time: event.time, error });
        continue;
      }
      if (adopted !== null) {
        if (timed) observer.busy?.(sub.name, (performance.now() - started) * 1e6);
        const promise = adopted.then(
          () => {
            if (timed) observer.delivered(sub.name, (performance.now() - started) * 1e6, true);
          },
          (error: unknown) => {
            if (timed) observer.delivered(sub.name, (performance.now() - started) * 1e6, true);
            observer.failed({ subscriber: sub.name, symbol: event.symbol, interval: event.interval, time: event.time, error });
          },
        );
        const entry: PendingHandler = { subscriber: sub.name, promise, done: false };
        const done = (): void => {
          entry.done = true;
        };
        void promise.then(done, done);
        (pending ??= []).push(entry);
      } else if (timed) {
        observer.delivered(sub.name, (performance.now() - started) * 1e6, false);
      }
    }
    return pending;
  }
}

/**
 * The arguments of a `BarEvent` made by hand. The interval is checked by the store.
 * @throws {ConfigError} naming the first that is wrong.
 */
function checkEventArguments(data: unknown, session: unknown, symbol: unknown, index: unknown): void {
  if (!(data instanceof SessionData)) throw new ConfigError('data', `expected a SessionData, got ${show(data)}`);
  if (session === null || typeof session !== 'object') throw new ConfigError('session', `expected a session { date, open, close, timeZone }, got ${show(session)}`);
  if (typeof symbol !== 'string' || symbol === '') throw new ConfigError('symbol', `expected a non-empty string, got ${show(symbol)}`);
  if (!(Number.isInteger(index) && (index as number) >= 0)) throw new ConfigError('index', `expected a whole number >= 0, got ${show(index)}`);
}

/** Whether `sub` is active and takes bars of `symbol`. */
function accepts(sub: Subscriber, symbol: string): boolean {
  return sub.active && (sub.symbols === null || sub.symbols.has(symbol));
}

/** A handler that returned a promise that has not settled yet (see `DataProcessor.dispatch`). */
export interface PendingHandler {
  readonly subscriber: string;
  readonly promise: Promise<void>;
  done: boolean;
}
