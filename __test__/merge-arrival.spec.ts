/**
 * mergeStreams read as a live run reads it: in arrival order, each input's bars as they come, none
 * held back for another input's next bar. And a live run over two merged feeds that send every
 * second at the same moment: every bar stored, none late, each 3s bar whole.
 */
import test from 'ava';
import { AnalysisEngine, SessionCoordinator, SessionData, mergeStreams } from 'barstream';
import type { Bar, Session, SessionCalendar, StreamSource, SymbolBar } from 'barstream';
// The package's own module (the one the entry re-exports): how a live run reads a stream is internal.
import * as streamModule from '../dist/sources/stream.js';
import { plain, threeSecond } from './helpers/live.js';

const { arrivalIterator } = streamModule as unknown as { arrivalIterator(source: StreamSource): AsyncIterator<SymbolBar> };
const SECOND = 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** A stream that gives the bars pushed into it, as they are pushed, until it is ended or fails. */
class Pushed implements StreamSource {
  readonly kind = 'stream' as const;
  readonly #queue: SymbolBar[] = [];
  #waiting: ((r: IteratorResult<SymbolBar>) => void) | null = null;
  #failWaiting: ((e: unknown) => void) | null = null;
  #ended = false;
  closed = false;

  push(bar: SymbolBar): void {
    if (this.#waiting !== null) {
      const w = this.#waiting;
      this.#waiting = null;
      w({ done: false, value: bar });
    } else this.#queue.push(bar);
  }

  end(): void {
    this.#ended = true;
    this.#waiting?.({ done: true, value: undefined });
    this.#waiting = null;
  }

  fail(error: Error): void {
    this.#failWaiting?.(error);
    this.#waiting = null;
  }

  [Symbol.asyncIterator](): AsyncIterator<SymbolBar> {
    return {
      next: () => {
        const bar = this.#queue.shift();
        if (bar !== undefined) return Promise.resolve({ done: false, value: bar });
        if (this.#ended || this.closed) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#failWaiting = reject;
        });
      },
      return: () => {
        this.closed = true;
        this.#waiting?.({ done: true, value: undefined });
        this.#waiting = null;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}

const bar = (symbol: string, time: number, close = 1): SymbolBar => ({ symbol, time, open: close, high: close, low: close, close, volume: 1 });

/** The next read, or 'pending' if it has not ended within a few turns of the event loop. */
async function within(it: AsyncIterator<SymbolBar>): Promise<IteratorResult<SymbolBar> | 'pending'> {
  return Promise.race([it.next(), sleep(30).then(() => 'pending' as const)]);
}

test('in arrival order a bar goes out as it comes, where time order waits for every input\'s next bar', async (t) => {
  const a = new Pushed();
  const b = new Pushed();
  const merged = mergeStreams(a, b);
  const live = arrivalIterator(merged);
  a.push(bar('A', 1000));
  t.deepEqual(await live.next(), { done: false, value: bar('A', 1000) });
  b.push(bar('B', 1000));
  t.deepEqual(await live.next(), { done: false, value: bar('B', 1000) });
  a.push(bar('A', 2000));
  t.deepEqual(await live.next(), { done: false, value: bar('A', 2000) });

  // The same arrivals in time order: B's bar at 1000 waits for A's next bar.
  const c = new Pushed();
  const d = new Pushed();
  const ordered = mergeStreams(c, d)[Symbol.asyncIterator]();
  c.push(bar('A', 1000));
  d.push(bar('B', 1000));
  t.deepEqual(await ordered.next(), { done: false, value: bar('A', 1000) });
  t.is(await within(ordered), 'pending');
  c.push(bar('A', 2000));
  await live.return?.();
  await ordered.return?.();
});

test('arrival order: nested merges too; an input that ends leaves the others; the merge ends with the last', async (t) => {
  const [a, b, c] = [new Pushed(), new Pushed(), new Pushed()];
  const live = arrivalIterator(mergeStreams(mergeStreams(a, b), c));
  b.push(bar('B', 5000));
  t.deepEqual((await live.next()).value, bar('B', 5000));
  a.end();
  c.push(bar('C', 1000));
  t.deepEqual((await live.next()).value, bar('C', 1000));
  b.end();
  c.push(bar('C', 2000));
  t.deepEqual((await live.next()).value, bar('C', 2000));
  c.end();
  t.deepEqual(await live.next(), { done: true, value: undefined });
});

test('arrival order: leaving closes every input and counts the bars taken and never handed out; a failing input fails the merge and closes the others', async (t) => {
  const a = new Pushed();
  const b = new Pushed();
  const merged = mergeStreams(a, b);
  const live = arrivalIterator(merged);
  a.push(bar('A', 1000));
  a.push(bar('A', 2000));
  b.push(bar('B', 1000));
  t.deepEqual((await live.next()).value, bar('A', 1000));
  await sleep(5);
  // A's second bar and B's first were read from their inputs and are held.
  await live.return?.();
  t.true(a.closed && b.closed);
  t.is(merged.losses?.()['discarded'], 2);
  t.deepEqual(await live.next(), { done: true, value: undefined });

  const c = new Pushed();
  const d = new Pushed();
  const failing = arrivalIterator(mergeStreams(c, d));
  const read = failing.next();
  await sleep(5); // both inputs asked
  c.fail(new Error('feed down'));
  await t.throwsAsync(read, { message: 'feed down' });
  t.true(d.closed);
});

test('a live run over two merged feeds that send each second at the same moment stores every bar on time and delivers whole 3s bars', async (t) => {
  const open = Math.ceil(Date.now() / SECOND) * SECOND + SECOND;
  const session: Session = { date: new Date(open).toISOString().slice(0, 10), open, close: open + 6 * SECOND, timeZone: 'UTC', dayStart: open - (open % 86_400_000) };
  const calendar: SessionCalendar = { sessions: () => [session] };
  const feeds = { A: new Pushed(), B: new Pushed() };
  const sent: SymbolBar[] = [];
  const play = (async () => {
    for (let k = 0; k < 6; k++) {
      // Each second's bar 30 ms after it ends, both feeds at once.
      await sleep(open + (k + 1) * SECOND + 30 - Date.now());
      for (const [symbol, feed] of Object.entries(feeds)) {
        const b: SymbolBar = { symbol, time: open + k * SECOND, open: 10 + k, high: 12 + k, low: 9 + k, close: 11 + k, volume: symbol === 'A' ? 100 + k : 200 + k };
        sent.push(b);
        feed.push(b);
      }
    }
  })();
  const data = new SessionData({ baseInterval: '1s', intervals: ['3s'] });
  const engine = new AnalysisEngine();
  const delivered: Record<string, Bar[]> = { A: [], B: [] };
  engine.subscribe({ interval: '3s' }, (e) => void delivered[e.symbol]?.push(e.bar));
  const report = await new SessionCoordinator({
    calendar, data, engine, source: mergeStreams(feeds.A, feeds.B), mode: 'live', from: session.date, to: session.date, closeDelayMs: 300,
  }).run();
  await play;
  t.is(report.barsIn, 12);
  t.is(report.barsStored, 12);
  t.deepEqual(Object.entries(report.rejected).filter(([, n]) => n > 0), []);
  t.is(report.gapCount, 0);
  for (const symbol of ['A', 'B']) {
    const mine = sent.filter((b) => b.symbol === symbol).map(plain);
    t.deepEqual(delivered[symbol], threeSecond(mine, open), symbol);
  }
});

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Gives its queued bars; a read past them waits until answer() is called, also after return(). */
class Lagging implements StreamSource {
  readonly kind = 'stream' as const;
  readonly queue: SymbolBar[];
  #waiting: ((r: IteratorResult<SymbolBar>) => void) | null = null;
  closed = false;
  constructor(...bars: SymbolBar[]) {
    this.queue = bars;
  }
  get reading(): boolean {
    return this.#waiting !== null;
  }
  answer(b: SymbolBar): void {
    const w = this.#waiting;
    this.#waiting = null;
    w?.({ done: false, value: b });
  }
  [Symbol.asyncIterator](): AsyncIterator<SymbolBar> {
    return {
      next: () => {
        const b = this.queue.shift();
        if (b !== undefined) return Promise.resolve({ done: false, value: b });
        return new Promise((resolve) => (this.#waiting = resolve));
      },
      return: () => {
        this.closed = true;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}

test('arrival order: a bar an input gives after the consumer left is counted discarded', async (t) => {
  const a = new Lagging(bar('A', 1000));
  const b = new Lagging();
  const merged = mergeStreams(a, b);
  const live = arrivalIterator(merged);
  t.deepEqual((await live.next()).value, bar('A', 1000));
  await turn();
  t.true(a.reading && b.reading);
  await live.return?.();
  t.is(merged.losses?.()['discarded'], 0);
  b.answer(bar('B', 1000));
  await turn();
  // Taken from B, never handed out.
  t.is(merged.losses?.()['discarded'], 1);
});

test('time order: the first reads answered after the consumer left count their bars discarded', async (t) => {
  const a = new Lagging(bar('A', 1000));
  const b = new Lagging();
  const merged = mergeStreams(a, b);
  const it = merged[Symbol.asyncIterator]();
  const read = it.next(); // waits for B's first bar to know which goes first
  await turn();
  t.true(b.reading);
  await it.return?.();
  b.answer(bar('B', 500));
  t.deepEqual(await read, { done: true, value: undefined });
  await turn();
  // A's bar and B's bar, both taken from their inputs, neither handed out.
  t.is(merged.losses?.()['discarded'], 2);
});

test('time order: a refill read answered after the consumer left counts its bar discarded', async (t) => {
  const a = new Lagging(bar('A', 1000));
  const b = new Lagging(bar('B', 2000));
  const merged = mergeStreams(a, b);
  const it = merged[Symbol.asyncIterator]();
  t.deepEqual((await it.next()).value, bar('A', 1000));
  const read = it.next(); // refills A, which has nothing yet
  await turn();
  t.true(a.reading);
  await it.return?.();
  // B's head was held: discarded at once.
  t.is(merged.losses?.()['discarded'], 1);
  a.answer(bar('A', 3000));
  t.deepEqual(await read, { done: true, value: undefined });
  await turn();
  t.is(merged.losses?.()['discarded'], 2);
});
