/**
 * Clocks: what time it is for every part of a run. A backtest runs on simulated time (jumping slice
 * to slice at `speed: 0`, or following the wall clock scaled by `speed`); live runs on wall time.
 * @module
 */
import { ConfigError, InputError, describe, refuseArguments } from '../errors.js';

/** The time source every part of a run reads. Times are epoch milliseconds (UTC). */
export interface Clock {
  /** The current time. */
  now(): number;
  /**
   * Milliseconds of wall time until the clock reads `time` (zero or less once it has passed).
   * A clock that only jumps (`speed: 0`) is never waited on and answers 0.
   */
  delayUntil(time: number): number;
  /**
   * Resolves once the clock reads `time`, or at once when `signal` aborts (its timer cleared). A
   * clock that only jumps (`speed: 0`) resolves at once and does not move: only the coordinator
   * moves it, slice to slice.
   * Rejects, before any timer starts, with {@link InputError} for a time that is not finite and
   * {@link ConfigError} `signal` for a signal that is not an `AbortSignal`.
   */
  sleepUntil(time: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Simulated time for backtests.
 *
 * - `speed: 0`: time moves only when the coordinator sets it ({@link SimulatedClock.jumpTo}), from
 *   one time slice to the next; nothing ever waits.
 * - `speed > 0`: time follows the wall clock, `speed` simulated milliseconds per wall millisecond
 *   (so `now()` has fractions of a millisecond, as `performance.now()` has)
 *   (`speed: 60` plays a minute a second), from the last {@link SimulatedClock.anchor}. The
 *   coordinator re-anchors at every session open, so nights and weekends are skipped, not waited.
 */
export class SimulatedClock implements Clock {
  readonly speed: number;
  #time: number;
  #wallAnchor = 0;
  /** Wakes each pending {@link SimulatedClock.sleepUntil} to work out its wait again. */
  readonly #sleepers = new Set<() => void>();

  /** @throws {ConfigError} `start` not a finite number, `speed` negative or not finite. */
  constructor(start: number, speed = 0) {
    if (!Number.isFinite(start)) throw new ConfigError('start', `${describe(start)} is not a finite time (epoch ms)`);
    if (!(Number.isFinite(speed) && speed >= 0)) throw new ConfigError('speed', `${describe(speed)} is not a finite number >= 0`);
    this.speed = speed;
    this.#time = start;
    this.#wallAnchor = performance.now();
  }

  now(): number {
    if (this.speed === 0) return this.#time;
    // At a speed near the largest double, a few wall milliseconds overflow to Infinity: the clock
    // stays a finite number however fast it runs.
    return Math.min(this.#time + (performance.now() - this.#wallAnchor) * this.speed, Number.MAX_VALUE);
  }

  /**
   * Sets the time (data-driven runs move it slice to slice). It never moves back.
   * @throws {InputError} for a time that is not a finite number.
   */
  jumpTo(time: number): void {
    finite(time);
    if (this.speed === 0) {
      if (time > this.#time) this.#time = time;
    } else {
      this.anchor(Math.max(time, this.now()));
    }
  }

  /**
   * From now on, the wall clock's present is simulated time `time`.
   * @throws {InputError} for a time that is not a finite number.
   */
  anchor(time: number): void {
    finite(time);
    this.#time = time;
    this.#wallAnchor = performance.now();
    // A wait timed before the move would end by the old anchor: a sleeper past a skipped night
    // would wait it out in wall time.
    if (this.#sleepers.size > 0) for (const wake of [...this.#sleepers]) wake();
  }

  /** @throws {InputError} for a time that is not a number, or NaN. */
  delayUntil(time: number): number {
    if (typeof time !== 'number' || time !== time) throw notATime(time);
    if (this.speed === 0) return 0;
    // In wall milliseconds throughout, not through now(): at a huge speed simulated time overflows
    // (or loses every wall millisecond to rounding) long before the wall delay does, and a lag
    // computed from it would be Infinity.
    return (time - this.#time) / this.speed - (performance.now() - this.#wallAnchor);
  }

  /** Resolves once the clock reads `time`; when the clock is moved ({@link SimulatedClock.anchor}, {@link SimulatedClock.jumpTo}), the wait is worked out again. */
  sleepUntil(time: number, signal?: AbortSignal): Promise<void> {
    return sleepUntil(this, time, signal, this.#sleepers);
  }
}

/** Wall time, for live runs. */
export class WallClock implements Clock {
  /**
   * The system's clock.
   * @throws {ConfigError} `arguments` for any argument but `undefined`: a wall clock cannot be
   * started at a time or run at a speed (that is {@link SimulatedClock}).
   */
  constructor() {
    refuseArguments('WallClock', arguments, 'for a start time or a speed use new SimulatedClock(start, speed)');
  }

  now(): number {
    return Date.now();
  }

  /** @throws {InputError} for a time that is not a number, or NaN (a string was converted). */
  delayUntil(time: number): number {
    if (typeof time !== 'number' || time !== time) throw notATime(time);
    return time - Date.now();
  }

  sleepUntil(time: number, signal?: AbortSignal): Promise<void> {
    return sleepUntil(this, time, signal);
  }
}

function notATime(time: unknown): InputError {
  return new InputError(`a clock time is a number (epoch ms), got ${describe(time)}`);
}

/** @throws {InputError} unless `time` is a finite number. */
function finite(time: unknown): void {
  if (!Number.isFinite(time)) throw new InputError(`a clock time is a finite number (epoch ms), got ${describe(time)}`);
}

/**
 * Waits until `clock` reads `time`, or until `signal` aborts: timers may fire a little early, so it
 * checks and waits again. A clock that can be moved wakes its `sleepers` when it is, and each checks
 * again then.
 */
async function sleepUntil(clock: Clock, time: number, signal?: AbortSignal, sleepers?: Set<() => void>): Promise<void> {
  finite(time);
  // Checked before any timer starts: a controller given for its signal would fail inside one, later.
  const given: unknown = signal;
  if (given !== undefined && !(given instanceof AbortSignal)) {
    const hint = given instanceof AbortController ? ' (an AbortController: pass its .signal)' : '';
    throw new ConfigError('signal', `expected an AbortSignal, got ${describe(given)}${hint}`);
  }
  let delay = clock.delayUntil(time);
  if (delay <= 0) return sleepMs(0);
  while (delay > 0 && signal?.aborted !== true) {
    if (sleepers === undefined) {
      await sleepMs(delay, signal);
    } else {
      const woken = new AbortController();
      const wake = (): void => woken.abort();
      sleepers.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
      try {
        await sleepMs(delay, woken.signal);
      } finally {
        sleepers.delete(wake);
        signal?.removeEventListener('abort', wake);
      }
    }
    delay = clock.delayUntil(time);
  }
}

/**
 * The longest delay `setTimeout` takes (2^31 - 1 ms, about 24.8 days): a longer one is an overflow
 * that Node turns into 1 ms, with a warning.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Resolves after `ms` of wall time (at once, on the next macrotask, when `ms <= 0`), or at once when
 * `signal` aborts, its timer cleared. A wait longer than a timer can hold is made of several timers
 * (`Infinity` waits for the signal).
 */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0) {
      setImmediate(resolve);
      return;
    }
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const end = performance.now() + ms;
    let timer: ReturnType<typeof setTimeout>;
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const arm = (left: number): void => {
      timer = setTimeout(left > MAX_TIMER_MS ? rearm : done, Math.min(left, MAX_TIMER_MS));
    };
    const rearm = (): void => arm(end - performance.now());
    arm(ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
