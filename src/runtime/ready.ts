/**
 * {@link ReadySignal}: a one-shot "I am done" between the coordinator, the processor and the
 * subscribers, with a typed timeout.
 * @module
 */
import { BarstreamError, ConfigError, checkOptionKeys, describe, firstHole, isoTime, refuseArguments } from '../errors.js';

/** Where a {@link ReadySignal} is. Every state but `'pending'` is final. */
export type ReadyState = 'pending' | 'ready' | 'failed' | 'timedOut';

/** A ready signal was not signalled in time. `signals` names the ones still pending. */
export class ReadyTimeoutError extends BarstreamError {
  declare readonly code: 'ready_timeout';
  /** The names of the signals that were not ready. */
  readonly signals: readonly string[];
  /** The timeout that ran out, in milliseconds: `Infinity` when a wait with no limit could never end (the process ran out of work). */
  readonly timeoutMs: number;
  /** When a run's wait for its subscribers timed out: the subscribers still busy (empty otherwise). */
  readonly subscribers: readonly string[];
  /**
   * When a run's wait timed out: the run's clock (epoch ms) at the slice it waited on, the
   * session's close for the bars closed at its end (NaN otherwise). A clock-driven run's clock goes
   * on while it waits; this is where the wait began.
   */
  readonly at: number;
  /** @throws {ConfigError} for signal or subscriber names that are not an array of strings, or a timeout or `at` that is not a number. */
  constructor(signals: readonly string[], timeoutMs: number, subscribers: readonly string[] = [], at = NaN) {
    // A sparse list is refused at its first hole: every() would walk up to 2^32 - 1 of them.
    const names = (list: unknown): boolean => Array.isArray(list) && firstHole(list) < 0 && list.every((x) => typeof x === 'string');
    if (!names(signals)) throw new ConfigError('signals', `expected an array of signal names, got ${describe(signals)}`);
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) throw new ConfigError('timeoutMs', `expected a number of milliseconds, got ${describe(timeoutMs)}`);
    if (!names(subscribers)) throw new ConfigError('subscribers', `expected an array of subscriber names, got ${describe(subscribers)}`);
    if (typeof at !== 'number') throw new ConfigError('at', `expected epoch milliseconds or NaN, got ${describe(at)}`);
    const what = signals.length === 1 ? `ready signal '${signals[0]}' was` : `ready signals ${signals.map((s) => `'${s}'`).join(', ')} were`;
    const busy = subscribers.length === 0 ? '' : `: ${subscribers.map((s) => `'${s}'`).join(', ')} still busy${Number.isNaN(at) ? '' : ` at ${isoTime(at)}`}`;
    // An infinite timeout runs out only when nothing is left in the process that could signal.
    const within = timeoutMs === Infinity ? 'at all: the process ran out of work while waiting' : `within ${timeoutMs} ms`;
    super('ready_timeout', `${what} not signalled ${within}${busy}`);
    this.signals = Object.freeze([...signals]);
    this.timeoutMs = timeoutMs;
    this.subscribers = Object.freeze([...subscribers]);
    this.at = at;
  }
}

/** Options of {@link ReadySignal.wait} and {@link waitAll}. */
export interface WaitOptions {
  /**
   * Whether the timeout timer keeps the process alive. Default `false`: the timer is `unref`ed, so
   * a wait never holds a process open by itself (if nothing else is running, nothing can signal
   * either, and the process ends without the timeout firing). `true` when the timeout error must
   * surface even then (a command line waiting on a handler that forgot to finish).
   */
  keepAlive?: boolean | undefined;
}

const noop = (): void => {};

/** The longest wait `setTimeout` keeps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Refuses options that are not `{ keepAlive?: boolean }`: a misspelt key or `keepAlive: 'yes'` was read as no keepAlive. */
function checkWaitOptions(options: WaitOptions | undefined): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new ConfigError('options', `expected { keepAlive? }, got ${describe(options)}`);
  checkOptionKeys(options, ['keepAlive'], 'a wait');
  if (options.keepAlive !== undefined && typeof options.keepAlive !== 'boolean') throw new ConfigError('keepAlive', `expected a boolean, got ${describe(options.keepAlive)}`);
}

function checkTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
    throw new ConfigError('timeoutMs', `${describe(timeoutMs)} is not a number of milliseconds >= 0`);
  }
  // Timers wait at most 2^31 - 1 ms; given more, Node cuts it short without a word.
  if (timeoutMs !== undefined && timeoutMs > MAX_TIMEOUT_MS && timeoutMs !== Infinity) {
    throw new ConfigError('timeoutMs', `${timeoutMs} ms is longer than a timer can wait (${MAX_TIMEOUT_MS} ms, about 24.8 days); give Infinity (or nothing) for no limit`);
  }
}

/** A timer for `ms` (none for Infinity), unref'ed unless keepAlive. */
function startTimer(ms: number, options: WaitOptions | undefined, onTimeout: () => void): ReturnType<typeof setTimeout> | null {
  if (ms === Infinity) return null;
  const timer = setTimeout(onTimeout, ms);
  if (options?.keepAlive !== true) timer.unref();
  return timer;
}

/**
 * A one-shot ready signal. It starts `'pending'` and settles once, for good: `'ready'`
 * ({@link signal}), `'failed'` ({@link fail}) or `'timedOut'` (a {@link wait} ran out of time).
 * Later calls of `signal`/`fail` are ignored (they return false).
 *
 * Cheap when nobody waits: the promise is made on the first pending `wait`. A failure is never an
 * unhandled rejection by itself: only the promises `wait` returns reject.
 *
 * @example
 * const ready = new ReadySignal('strategy:rsi');
 * queueMicrotask(() => ready.signal());
 * await ready.wait(5_000); // or throws ReadyTimeoutError (code 'ready_timeout'), or the failure
 * // The timeout's timer does not keep the process up by itself: `wait(5_000, { keepAlive: true })` does.
 */
export class ReadySignal {
  readonly name: string;
  #state: ReadyState = 'pending';
  #error: unknown = undefined;
  #promise: Promise<void> | null = null;
  #resolve: () => void = noop;
  #reject: (error: unknown) => void = noop;

  constructor(name = 'ready') {
    if (typeof name !== 'string') throw new ConfigError('name', `expected a string, got ${typeof name}`);
    this.name = name;
    // Bound, so that either can be handed on as it is: `emitter.once('done', ready.signal)`,
    // `promise.then(ready.signal, ready.fail)`.
    this.signal = this.signal.bind(this);
    this.fail = this.fail.bind(this);
  }

  get state(): ReadyState {
    return this.#state;
  }

  get isReady(): boolean {
    return this.#state === 'ready';
  }

  /** Whether it is still pending. */
  get isPending(): boolean {
    return this.#state === 'pending';
  }

  /** The failure (`'failed'`) or the {@link ReadyTimeoutError} (`'timedOut'`); undefined otherwise. */
  get error(): unknown {
    return this.#error;
  }

  /**
   * Marks it ready and releases every waiter. Idempotent: true only for the call that did it.
   * Bound to its signal, and what it is given is ignored, so it can be handed on as a callback
   * (`promise.then(ready.signal)`, an event's listener), except that an Error is refused.
   * @param given ignored, unless an Error.
   * @throws {ConfigError} `error` for an Error: one meant for {@link ReadySignal.fail} would
   * otherwise report success. The signal is unchanged.
   */
  // A parameter, not `arguments`, which would make an object a call.
  signal(given?: unknown): boolean {
    if (given instanceof Error) {
      throw new ConfigError('error', `signal() marks it ready, and was given ${given.name} '${given.message}': to mark it failed, call fail(error)`);
    }
    if (this.#state !== 'pending') return false;
    this.#state = 'ready';
    this.#resolve();
    return true;
  }

  /**
   * Marks it failed: every waiter rejects with `error` (any value, as a promise may reject with
   * any). True only if it was pending. Bound to its signal, as {@link ReadySignal.signal} is.
   * @throws {ConfigError} `error` when called with no argument at all: waiters would reject with
   * nothing to say why; the signal is unchanged.
   */
  fail(error: unknown): boolean {
    if (arguments.length === 0) throw new ConfigError('error', 'fail takes the error its waiters reject with: fail(error)');
    return this.#settleError('failed', error);
  }

  /**
   * Resolves once signalled; rejects with the failure, or with a {@link ReadyTimeoutError} after
   * `timeoutMs` (default: no timeout; at most 2^31 - 1 ms, about 24.8 days, what a timer can wait).
   * A timeout settles the signal itself as `'timedOut'`, so
   * every other waiter rejects with the same error: the party it waited for is considered gone.
   * The timer is cleared as soon as the signal settles and is `unref`ed (see {@link WaitOptions}).
   * @throws {ConfigError} (synchronously) for a negative, NaN or too long a timeout, options
   * other than `{ keepAlive?: boolean }`, or `arguments` for a third argument.
   */
  wait(timeoutMs?: number, options?: WaitOptions): Promise<void> {
    refuseArguments(`ready signal '${this.name}': wait`, arguments, 'options are { keepAlive }', 'at most two arguments (timeoutMs, options)', 2);
    checkTimeout(timeoutMs);
    checkWaitOptions(options);
    if (this.#state === 'ready') return Promise.resolve();
    if (this.#state !== 'pending') return Promise.reject(this.#error);
    const settled = this.#settled();
    if (timeoutMs === undefined || timeoutMs === Infinity) return settled;
    return new Promise<void>((resolve, reject) => {
      const timer = startTimer(timeoutMs, options, () => this.#settleError('timedOut', new ReadyTimeoutError([this.name], timeoutMs)));
      settled.then(
        () => {
          if (timer !== null) clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          if (timer !== null) clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * Waits for every signal with one timeout; see {@link waitAll}.
   * @throws {ConfigError} (synchronously) for something that is not an iterable of ReadySignals, a bad timeout, bad options, or `arguments` for a fourth argument.
   */
  static all(signals: Iterable<ReadySignal>, timeoutMs?: number, options?: WaitOptions): Promise<void> {
    refuseArguments('ReadySignal.all', arguments, 'pass the signals as one iterable', 'at most three arguments (signals, timeoutMs, options)', 3);
    checkTimeout(timeoutMs);
    checkWaitOptions(options);
    if (typeof (signals as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator] !== 'function') {
      throw new ConfigError('signals', `expected an iterable of ReadySignals, got ${describe(signals)}`);
    }
    // A sparse array is refused before it is spread: one of length 2^32 - 1 would fill the heap.
    const hole = Array.isArray(signals) ? firstHole(signals) : -1;
    if (hole >= 0) throw new ConfigError('signals', `no signal at ${hole} (a sparse array)`);
    const list = [...signals];
    for (const [i, s] of list.entries()) {
      if (!(s instanceof ReadySignal)) throw new ConfigError('signals', `item ${i} is not a ReadySignal`);
    }
    const done = list.find((s) => s.#state === 'failed' || s.#state === 'timedOut');
    if (done !== undefined) return Promise.reject(done.#error);
    const pending = list.filter((s) => s.#state === 'pending');
    if (pending.length === 0) return Promise.resolve();
    const all = Promise.all(pending.map((s) => s.#settled())).then(noop);
    if (timeoutMs === undefined || timeoutMs === Infinity) return all;
    return new Promise<void>((resolve, reject) => {
      const timer = startTimer(timeoutMs, options, () => {
        const late = pending.filter((s) => s.#state === 'pending');
        reject(new ReadyTimeoutError(late.map((s) => s.name), timeoutMs));
        for (const s of late) s.#settleError('timedOut', new ReadyTimeoutError([s.name], timeoutMs));
      });
      all.then(
        () => {
          if (timer !== null) clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          if (timer !== null) clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** The promise of this signal settling, made on first need. */
  #settled(): Promise<void> {
    if (this.#promise === null) {
      this.#promise = new Promise<void>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
      // The rejection is for the waiters; this promise itself must never count as unhandled.
      this.#promise.catch(noop);
    }
    return this.#promise;
  }

  #settleError(state: 'failed' | 'timedOut', error: unknown): boolean {
    if (this.#state !== 'pending') return false;
    this.#state = state;
    this.#error = error;
    this.#reject(error);
    return true;
  }
}

/**
 * Resolves when every signal is ready (at once for an empty list); rejects with the first failure,
 * or, after `timeoutMs`, with one {@link ReadyTimeoutError} whose `signals` lists every signal
 * still pending, each of which becomes `'timedOut'` with its own error. One timer for the lot,
 * cleared when they are all settled, `unref`ed unless `options.keepAlive`.
 * @throws {ConfigError} (synchronously) for something that is not an iterable of ReadySignals, a
 * bad timeout, options other than `{ keepAlive?: boolean }`, or `arguments` for a fourth argument.
 */
export function waitAll(signals: Iterable<ReadySignal>, timeoutMs?: number, options?: WaitOptions): Promise<void> {
  refuseArguments('waitAll', arguments, 'pass the signals as one iterable', 'at most three arguments (signals, timeoutMs, options)', 3);
  return ReadySignal.all(signals, timeoutMs, options);
}
