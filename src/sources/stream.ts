/**
 * The live path: streams of bar objects, merged and grouped into time slices.
 * @module
 */
import { ConfigError, InputError, describe, refuseArguments } from '../errors.js';
import type { SourceLosses, StreamSource, SymbolBar } from './types.js';

/**
 * A {@link StreamSource} over any iterable of bars: an async iterable (a live feed, an async
 * generator, a Node stream in object mode) or a plain iterable (an array, a generator). Bars pass
 * through untouched, in the order the iterable gives them.
 *
 * Each `[Symbol.asyncIterator]()` call asks the iterable for a new iterator, so an array can be
 * replayed while a one-shot feed (a generator object) is consumed once. An iterable that counts
 * what it drops (a `losses()` method, as a {@link StreamSource} may have) keeps it.
 *
 * @throws {ConfigError} when `iterable` is neither async iterable nor iterable, or is a string
 * (whose characters are no bars); `arguments` for a second argument (it takes no options).
 */
export function iterableSource(iterable: AsyncIterable<SymbolBar> | Iterable<SymbolBar>): StreamSource {
  refuseArguments('iterableSource', arguments, "pick the symbols with the coordinator's symbols option", 'one iterable of bars and no options', 1);
  // A String object of another realm too: its class, not its prototype, says what it is.
  if (typeof iterable === 'string' || (typeof iterable === 'object' && iterable !== null && Object.prototype.toString.call(iterable) === '[object String]')) {
    throw new ConfigError('iterable', `expected an async iterable or an iterable of bars, not the string ${describe(String(iterable))} (a symbol is chosen with the coordinator's symbols option)`);
  }
  const asyncIt = (iterable as AsyncIterable<SymbolBar>)?.[Symbol.asyncIterator];
  const syncIt = (iterable as Iterable<SymbolBar>)?.[Symbol.iterator];
  // A feed wrapped here (iterableSource(websocketFeed(...))) still has its losses reported.
  const losses = (iterable as { losses?: unknown })?.losses;
  const counted = typeof losses === 'function' ? { losses: () => (losses as () => SourceLosses).call(iterable) } : {};
  if (typeof asyncIt === 'function') {
    return {
      kind: 'stream',
      [Symbol.asyncIterator]: () => asyncIt.call(iterable),
      ...counted,
    };
  }
  if (typeof syncIt === 'function') {
    return {
      kind: 'stream',
      [Symbol.asyncIterator]: () => fromSync(syncIt.call(iterable) as Iterator<SymbolBar>),
      ...counted,
    };
  }
  throw new ConfigError('iterable', 'expected an async iterable or an iterable of bars');
}

/** An async iterator over a sync one (without the per-item overhead of an async generator). */
function fromSync(it: Iterator<SymbolBar>): AsyncIterator<SymbolBar> {
  return {
    next: () => {
      try {
        return Promise.resolve(it.next());
      } catch (error) {
        return Promise.reject(error);
      }
    },
    return: (value?: unknown) => {
      try {
        return Promise.resolve(it.return?.(value) ?? { done: true, value: undefined });
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/**
 * Merges time-ordered streams into one time-ordered stream: a k-way merge on `time`. Bars with
 * equal times come in source order (all of the first source's bars at that time, then the
 * second's, ...).
 *
 * - Lazy: holds at most one bar per input. It asks every input for its first bar (concurrently),
 *   then, after handing out a bar, asks only that bar's input for its next one. So a bar is
 *   released only once every unfinished input has a bar waiting: an input that is quiet holds the
 *   merge back (the price of order; a live merge across feeds that pause needs a clock, which is
 *   the coordinator's job).
 * - Nothing is dropped or repaired: an input that goes back in time still has each bar handed out
 *   when it is the smallest head; the core rejects what is out of order for its symbol. Such an
 *   input's bars after a corrupt later time wait behind it until the other inputs pass that time,
 *   and may then be late in a run: merge upstream, or give one stream of every symbol, when an
 *   input may carry corrupt times. A time that is not a number goes out at once.
 * - Breaking out of the merged stream (or an input failing) closes every input still open. The
 *   bars it held from its inputs then (at most one an input) are counted `discarded` in its
 *   `losses()`, as are bars an input gives after that.
 * - The inputs' `losses()` (see {@link StreamSource.losses}) are summed by reason in its own.
 * - A live `SessionCoordinator` run reads it in arrival order instead: each input's bars as they
 *   come, none held for another input's next one. The run's clock orders a live run's bars, and in
 *   time order a feed's bar would wait for every other feed's next bar, an interval later, and
 *   reach the run late.
 */
export function mergeStreams(...sources: StreamSource[]): StreamSource {
  for (const [i, s] of sources.entries()) {
    if (typeof s?.[Symbol.asyncIterator] !== 'function') throw new ConfigError('sources', `argument ${i} is not a stream source`);
  }
  const counting = sources.filter((s) => typeof s.losses === 'function');
  /** Bars taken from the inputs and never handed out, every iteration's. */
  let discarded = 0;
  const discard = (n: number): void => {
    discarded += n;
  };
  const merged: StreamSource = {
    kind: 'stream',
    [Symbol.asyncIterator]: () => merge(sources, discard),
    losses: (): SourceLosses => {
      const sum: Record<string, number> = {};
      for (const s of counting) for (const [reason, n] of Object.entries(s.losses?.() ?? {})) sum[reason] = (sum[reason] ?? 0) + n;
      sum['discarded'] = (sum['discarded'] ?? 0) + discarded;
      return sum;
    },
  };
  Object.defineProperty(merged, ARRIVAL_ORDER, { value: () => arrival(sources, discard) });
  return merged;
}

/** The end of an iteration, shared. */
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** Where a merged stream keeps its reading in arrival order (see {@link arrivalIterator}). */
const ARRIVAL_ORDER: unique symbol = Symbol('barstream.arrivalOrder');

/**
 * An iterator over `source`'s bars in the order they arrive: a {@link mergeStreams} merge (nested
 * ones too) hands out each input's bars as they come; any other source is read as it is. What a
 * live run reads. @internal
 */
export function arrivalIterator(source: StreamSource): AsyncIterator<SymbolBar> {
  const own = (source as { [ARRIVAL_ORDER]?: () => AsyncIterator<SymbolBar> })[ARRIVAL_ORDER];
  return typeof own === 'function' ? own() : source[Symbol.asyncIterator]();
}

/** Opens an iterator on each source; if one cannot be opened, closes those already open and throws. */
function openAll(sources: readonly StreamSource[], open: (s: StreamSource) => AsyncIterator<SymbolBar>): AsyncIterator<SymbolBar>[] {
  const iterators: AsyncIterator<SymbolBar>[] = [];
  try {
    for (const s of sources) iterators.push(open(s));
  } catch (error) {
    // The merge that would close the inputs already opened never starts: they are closed here.
    for (const it of iterators) {
      try {
        void Promise.resolve(it.return?.()).catch(() => undefined);
      } catch {
        // The input that could not be opened is the failure to report.
      }
    }
    throw error;
  }
  return iterators;
}

/** What input `i` answered a read with, when it is an iterator result at all. */
function answer(r: unknown, i: number): IteratorResult<SymbolBar> {
  if (r === null || typeof r !== 'object') throw new InputError(`mergeStreams: input ${i} answered a read with ${describe(r)}, not { done, value }`);
  return r as IteratorResult<SymbolBar>;
}

/** Closes each iterator whose entry in `open` is still true, once, and marks it closed. */
function closeOpen(iterators: readonly AsyncIterator<SymbolBar>[], open: boolean[]): Promise<unknown> {
  return Promise.allSettled(
    iterators.map((it, i) => {
      if (!open[i]) return undefined;
      open[i] = false;
      // One input's return() throwing at once must not leave the inputs after it open.
      try {
        return typeof it.return === 'function' ? it.return() : undefined;
      } catch (error) {
        return Promise.reject(error);
      }
    }),
  );
}

/**
 * {@link mergeStreams} in arrival order: every input is read at once and again as soon as it has
 * given a bar, and bars go out in the order their reads ended. Holds at most one bar per input.
 * An input that fails fails the merge and closes the others; leaving it closes every input, and
 * the bars taken from them and never handed out, now or later, are counted discarded.
 */
function arrival(sources: readonly StreamSource[], discard: (n: number) => void): AsyncIterator<SymbolBar> {
  const iterators = openAll(sources, arrivalIterator);
  const open = iterators.map(() => true);
  /** Reads that ended and were not handed on yet, in the order they ended. */
  const ended: { i: number; result?: unknown; error?: unknown; failed: boolean }[] = [];
  let wake: (() => void) | null = null;
  let started = false;
  let finished = false;
  let closing: Promise<unknown> | null = null;
  const done = DONE;
  const isBar = (r: unknown): boolean => r !== null && typeof r === 'object' && (r as IteratorResult<SymbolBar>).done !== true;
  const ask = (i: number): void => {
    let read: Promise<unknown>;
    try {
      read = Promise.resolve((iterators[i] as AsyncIterator<SymbolBar>).next());
    } catch (error) {
      read = Promise.reject(error);
    }
    read.then(
      (result) => {
        if (finished) {
          if (isBar(result)) discard(1);
          return;
        }
        ended.push({ i, result, failed: false });
        wake?.();
      },
      (error: unknown) => {
        if (finished) return;
        ended.push({ i, error, failed: true });
        wake?.();
      },
    );
  };
  const close = (): Promise<unknown> => {
    if (!finished) {
      finished = true;
      discard(ended.filter((e) => !e.failed && isBar(e.result)).length);
      ended.length = 0;
      wake?.();
    }
    closing ??= closeOpen(iterators, open);
    return closing;
  };
  const step = async (): Promise<IteratorResult<SymbolBar>> => {
    if (!started) {
      started = true;
      for (let i = 0; i < iterators.length; i++) ask(i);
    }
    for (;;) {
      if (finished) return done;
      const next = ended.shift();
      if (next === undefined) {
        if (!open.includes(true)) {
          await close();
          return done;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      try {
        if (next.failed) throw next.error;
        const r = answer(next.result, next.i);
        if (r.done === true) {
          open[next.i] = false;
          continue;
        }
        ask(next.i);
        return { done: false, value: r.value };
      } catch (error) {
        await close();
        throw error;
      }
    }
  };
  return serialized(step, close);
}

/**
 * The k-way merge behind {@link mergeStreams}. An iterator of its own rather than an async
 * generator: a generator's `return()` waits behind the read it is suspended in, so leaving a merge
 * waiting for a quiet input (a live feed between messages, at a run's end) closed nothing until a
 * message came, and the feeds went on reading.
 */
function merge(sources: readonly StreamSource[], discard: (n: number) => void): AsyncIterator<SymbolBar> {
  const iterators = openAll(sources, (s) => s[Symbol.asyncIterator]());
  const heads: (SymbolBar | undefined)[] = new Array(iterators.length).fill(undefined);
  /**
   * Whether input `i` has a bar waiting in `heads[i]`. Apart from the head itself: an input may
   * deliver `undefined`, which goes out as any other item (the run refuses it, saying so) rather
   * than reading as no bar, which left that input unread for good.
   */
  const has = iterators.map(() => false);
  const open = iterators.map(() => true);
  let started = false;
  let finished = false;
  /** The input whose bar went out last: asked for its next one at the next call. */
  let refill = -1;
  let closing: Promise<unknown> | null = null;
  const done = DONE;
  /** Closes every input still open, once. */
  const close = (): Promise<unknown> => {
    if (!finished) {
      finished = true;
      // Taken from their inputs, never handed out.
      const held = has.filter(Boolean).length;
      heads.fill(undefined);
      has.fill(false);
      if (held > 0) discard(held);
    }
    closing ??= closeOpen(iterators, open);
    return closing;
  };
  const step = async (): Promise<IteratorResult<SymbolBar>> => {
    if (finished) return done;
    try {
      if (!started) {
        started = true;
        // A next() that throws at once fails as a rejected read: the reads already begun are
        // then counted as the others are, not lost.
        const reads = iterators.map((it, i): Promise<IteratorResult<SymbolBar>> => {
          try {
            return Promise.resolve(it.next()).then((r) => answer(r, i));
          } catch (error) {
            return Promise.reject(error);
          }
        });
        let first: IteratorResult<SymbolBar>[];
        try {
          first = await Promise.all(reads);
        } catch (error) {
          // An input failed before the others answered: what they give, now or later, is taken
          // from them and never handed out.
          for (const read of reads) {
            read.then(
              (r) => {
                if (r.done !== true) discard(1);
              },
              () => undefined,
            );
          }
          throw error;
        }
        // Left while waiting: what came is not handed out.
        if (finished) {
          discard(first.filter((r) => r.done !== true).length);
          return done;
        }
        first.forEach((r, i) => {
          if (r.done === true) open[i] = false;
          else {
            heads[i] = r.value;
            has[i] = true;
          }
        });
      } else if (refill >= 0) {
        const i = refill;
        refill = -1;
        const r = answer(await (iterators[i] as AsyncIterator<SymbolBar>).next(), i);
        if (finished) {
          if (r.done !== true) discard(1);
          return done;
        }
        if (r.done === true) open[i] = false;
        else {
          heads[i] = r.value;
          has[i] = true;
        }
      }
      let best = -1;
      let bestTime = Infinity;
      for (let i = 0; i < heads.length; i++) {
        if (!has[i]) continue;
        const h: unknown = heads[i];
        // A time that is not a number (NaN, a string, null, missing) goes first as NaN, so a bar
        // without a time never blocks the others; the store rejects it as non_finite. So does an
        // item that is no bar at all (undefined, null, a number), which the run refuses.
        const time: unknown = h !== null && typeof h === 'object' ? (h as { time?: unknown }).time : NaN;
        const t = typeof time === 'number' ? time : NaN;
        if (best === -1 || t < bestTime || (t !== t && bestTime === bestTime)) {
          best = i;
          bestTime = t;
        }
      }
      if (best === -1) {
        await close();
        return done;
      }
      const bar = heads[best] as SymbolBar;
      heads[best] = undefined;
      has[best] = false;
      refill = best;
      return { done: false, value: bar };
    } catch (error) {
      // Left while waiting: an input may end the read it was asked for with an error as it is
      // closed (an aborted feed), which is no failure of a merge already left.
      if (finished) return done;
      // An input failed: the others are closed, and the merge fails with its error.
      await close();
      throw error;
    }
  };
  return serialized(step, close);
}

/**
 * A merge's iterator: calls of `next()` run `step` one after another, as a generator's do, and
 * `return()` is not queued behind a waiting read: it closes the inputs now, and a read they end
 * resolves done.
 */
function serialized(step: () => Promise<IteratorResult<SymbolBar>>, close: () => Promise<unknown>): AsyncIterator<SymbolBar> {
  const done = DONE;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    next: () => {
      const result = queue.then(step);
      queue = result.catch(() => undefined);
      return result;
    },
    return: async () => {
      await close();
      return done;
    },
  };
}

/** All bars of one time, from {@link streamSlices}. */
export interface StreamSlice {
  time: number;
  /** The bars, in stream order. A new array per slice: yours to keep. */
  bars: SymbolBar[];
  /**
   * True when `time` is not later than every slice already yielded (or is NaN): the stream went
   * back in time, or came back to a time it had left. The bars are still passed on; the core rejects those out of order for their symbol.
   */
  outOfOrder: boolean;
}

/**
 * Groups a time-ordered stream into slices: every run of consecutive bars with the same time is a
 * slice, yielded when a bar with another time arrives or the stream ends (a live slice is complete
 * only once a later bar shows it is).
 *
 * A bar earlier than the current slice is not dropped and not moved: it closes the current slice
 * and starts its own (flagged `outOfOrder`), so the slices, concatenated, are exactly the stream,
 * in its order. A bar coming back to a time already yielded starts a new slice (also flagged). A
 * bar with a NaN time is a slice of its own.
 * @throws {ConfigError} `stream` (at the call, not at the first step) when it is not an async
 * iterable.
 */
export function streamSlices(stream: AsyncIterable<SymbolBar>): AsyncGenerator<StreamSlice, void, undefined> {
  // Checked here: inside the generator it was a TypeError at the first step, far from the call.
  if (typeof (stream as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator] !== 'function') {
    throw new ConfigError('stream', `expected an async iterable of bars, got ${describe(stream)}`);
  }
  return slicesOf(stream);
}

async function* slicesOf(stream: AsyncIterable<SymbolBar>): AsyncGenerator<StreamSlice, void, undefined> {
  let current: StreamSlice | null = null;
  let latest = -Infinity;
  for await (const bar of stream) {
    if (bar === null || typeof bar !== 'object') throw new InputError(`a stream source delivered ${describe(bar)}, not a bar { symbol, time, open, high, low, close, volume }`);
    const t = bar.time;
    if (current !== null && t === current.time) {
      current.bars.push(bar);
      continue;
    }
    if (current !== null) yield current;
    const outOfOrder: boolean = !(t > latest);
    if (!outOfOrder) latest = t;
    current = { time: t, bars: [bar], outOfOrder };
  }
  if (current !== null) yield current;
}
