/**
 * The live path (iterableSource, mergeStreams, streamSlices) and syntheticSource.
 */
import test from 'ava';
import { ConfigError, InputError } from '../src/errors.js';
import { iterableSource, mergeStreams, streamSlices, syntheticSource } from '../src/sources/index.js';
import type { StreamSource, SymbolBar, SymbolColumns } from '../src/sources/index.js';
import type { Session } from '../src/types.js';
import { Rng } from './helpers/prng.js';
import { MINUTE, nySummerSession } from './helpers/sessions.js';

const bar = (symbol: string, time: number, close = 1): SymbolBar => ({ symbol, time, open: close, high: close, low: close, close, volume: 1 });

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function asStream(source: StreamSource): AsyncIterable<SymbolBar> {
  return { [Symbol.asyncIterator]: () => source[Symbol.asyncIterator]() };
}

// ---------------------------------------------------------------- iterableSource

test('iterableSource wraps arrays (replayable), sync and async generators', async (t) => {
  const bars = [bar('A', 1), bar('B', 1), bar('A', 2)];
  const fromArray = iterableSource(bars);
  t.is(fromArray.kind, 'stream');
  t.deepEqual(await collect(asStream(fromArray)), bars);
  t.deepEqual(await collect(asStream(fromArray)), bars, 'an array replays');
  function* gen(): Generator<SymbolBar> {
    yield* bars;
  }
  t.deepEqual(await collect(asStream(iterableSource(gen()))), bars);
  async function* agen(): AsyncGenerator<SymbolBar> {
    for (const b of bars) {
      await new Promise((r) => setImmediate(r));
      yield b;
    }
  }
  const live = iterableSource(agen());
  t.deepEqual(await collect(asStream(live)), bars);
  t.deepEqual(await collect(asStream(live)), [], 'a generator object is consumed once');
  t.throws(() => iterableSource(42 as never), { instanceOf: ConfigError });
});

// ---------------------------------------------------------------- mergeStreams

/** An instrumented input: counts pulls, records whether it was closed. */
function probe(bars: SymbolBar[], opts: { failAt?: number } = {}) {
  const state = { pulled: 0, closed: false };
  async function* gen(): AsyncGenerator<SymbolBar> {
    try {
      for (let i = 0; i < bars.length; i++) {
        if (i === opts.failAt) throw new Error('feed broke');
        await new Promise((r) => setImmediate(r));
        state.pulled++;
        yield bars[i] as SymbolBar;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, source: iterableSource({ [Symbol.asyncIterator]: gen }) };
}

test('mergeStreams: a bar whose time is not a number (a string, null, missing) goes out at once, as a NaN time does, and blocks nothing', async (t) => {
  for (const badTime of ['2013-10-04T13:30:00Z', null, undefined, NaN]) {
    const a = [bar('A', 1, 0), bar('A', 2, 1), bar('A', 3, 2)];
    const b = [{ ...bar('B', 0, 0), time: badTime as unknown as number }, bar('B', 1, 1), bar('B', 2, 2)];
    const out: string[] = [];
    for await (const x of mergeStreams(iterableSource(a), iterableSource(b))) out.push(`${x.symbol}${typeof x.time === 'number' && x.time === x.time ? x.time : '?'}`);
    t.deepEqual(out, ['B?', 'A1', 'B1', 'A2', 'B2', 'A3'], String(badTime));
  }
});

test('mergeStreams: an item that is no bar (undefined, null, a number) goes out at once, and the bars after it in its input are not lost', async (t) => {
  for (const odd of [undefined, null, 5]) {
    const a = iterableSource([bar('A', 0), odd as unknown as SymbolBar, bar('A', 2), bar('A', 3)]);
    const b = iterableSource([bar('B', 1), bar('B', 4)]);
    const merged = mergeStreams(a, b);
    const got = await collect(asStream(merged));
    t.deepEqual(got.map((x) => (x !== null && typeof x === 'object' ? `${x.symbol}@${x.time}` : String(x))), ['A@0', String(odd), 'B@1', 'A@2', 'A@3', 'B@4'], String(odd));
    t.deepEqual(merged.losses?.(), { discarded: 0 }, String(odd));
  }
  // streamSlices refuses such an item with an InputError, as a run does.
  await t.throwsAsync(() => collect(streamSlices(asStream(iterableSource([bar('A', 0), null as unknown as SymbolBar])))), {
    instanceOf: InputError,
    message: 'a stream source delivered null, not a bar { symbol, time, open, high, low, close, volume }',
  });
});

test('mergeStreams: time order, ties in source order, lazily (at most one bar held per input)', async (t) => {
  const rng = new Rng(11);
  const inputs = [0, 1, 2].map((k) => {
    let time = 0;
    return Array.from({ length: rng.int(5, 40) }, (_, i) => {
      time += rng.int(0, 3);
      return bar(`S${k}`, time, i);
    });
  });
  inputs.push([]);
  // Expected: all bars, stable-sorted by time (source order, then position, for ties).
  const expected = inputs.flat().sort((a, b) => a.time - b.time);
  const probes = inputs.map((b) => probe(b));
  const yielded = [0, 0, 0, 0];
  const got: SymbolBar[] = [];
  for await (const b of asStream(mergeStreams(...probes.map((p) => p.source)))) {
    got.push(b);
    yielded[Number(b.symbol.slice(1))] = (yielded[Number(b.symbol.slice(1))] ?? 0) + 1;
    for (const [i, p] of probes.entries()) t.true(p.state.pulled - (yielded[i] as number) <= 1, `input ${i} holds at most one bar`);
  }
  t.deepEqual(got, expected);
  t.true(probes.every((p) => p.state.closed));
});

test('mergeStreams: breaking out closes every input; a failing input fails the merge and closes the rest', async (t) => {
  const a = probe([bar('A', 1), bar('A', 2), bar('A', 3)]);
  const b = probe([bar('B', 1), bar('B', 5)]);
  for await (const x of asStream(mergeStreams(a.source, b.source))) {
    if (x.time === 2) break;
  }
  t.true(a.state.closed && b.state.closed);
  const c = probe([bar('C', 1), bar('C', 2)], { failAt: 1 });
  const d = probe([bar('D', 1), bar('D', 9)]);
  await t.throwsAsync(() => collect(asStream(mergeStreams(c.source, d.source))), { message: 'feed broke' });
  t.true(d.state.closed);
  t.deepEqual(await collect(asStream(mergeStreams())), []);
  t.throws(() => mergeStreams({} as never), { instanceOf: ConfigError });
});

test('mergeStreams: leaving while it waits for a quiet input (a feed between messages) closes every input at once', async (t) => {
  // Like a live feed: gives `bars`, then next() waits for a message; return() closes it and ends the waiting read.
  let closed = 0;
  const quiet = (bars: SymbolBar[]): StreamSource => ({
    kind: 'stream',
    [Symbol.asyncIterator]: () => {
      let wake: ((r: IteratorResult<SymbolBar>) => void) | null = null;
      let done = false;
      let i = 0;
      return {
        next: () => {
          if (done) return Promise.resolve({ done: true, value: undefined });
          if (i < bars.length) return Promise.resolve({ done: false, value: bars[i++] as SymbolBar });
          return new Promise<IteratorResult<SymbolBar>>((resolve) => (wake = resolve));
        },
        return: async () => {
          done = true;
          closed++;
          wake?.({ done: true, value: undefined });
          return { done: true, value: undefined };
        },
      };
    },
  });
  // Waiting for the first bars.
  const first = mergeStreams(quiet([]), iterableSource([bar('B', 1)]))[Symbol.asyncIterator]();
  const pending = first.next();
  await new Promise((resolve) => setTimeout(resolve, 10));
  await first.return?.();
  t.is(closed, 1);
  t.deepEqual(await pending, { done: true, value: undefined });
  // Waiting for the next bar of the input that gave the last one.
  const b = probe([bar('B', 5), bar('B', 6)]);
  const it = mergeStreams(quiet([bar('A', 1)]), b.source)[Symbol.asyncIterator]();
  t.deepEqual(await it.next(), { done: false, value: bar('A', 1) });
  const held = it.next();
  await new Promise((resolve) => setTimeout(resolve, 10));
  await it.return?.();
  t.is(closed, 2);
  t.true(b.state.closed);
  t.deepEqual(await held, { done: true, value: undefined });
  t.deepEqual(await it.next(), { done: true, value: undefined }, 'nothing after it was left');
});

test('mergeStreams: bars it holds from its inputs when left are counted discarded in its losses', async (t) => {
  const a = probe([bar('A', 1), bar('A', 2), bar('A', 3)]);
  const b = probe([bar('B', 5), bar('B', 6)]);
  const merged = mergeStreams(a.source, b.source);
  t.deepEqual(merged.losses?.(), { discarded: 0 });
  const got: SymbolBar[] = [];
  for await (const x of asStream(merged)) {
    got.push(x);
    if (x.time === 2) break;
  }
  t.deepEqual(got, [bar('A', 1), bar('A', 2)]);
  // Every bar taken from an input went out or is counted.
  t.is(a.state.pulled + b.state.pulled, got.length + (merged.losses?.()['discarded'] ?? NaN));
  t.deepEqual(merged.losses?.(), { discarded: 1 });
});

test('mergeStreams passes out-of-order bars on (not dropped, not repaired)', async (t) => {
  const a = iterableSource([bar('A', 1), bar('A', 5), bar('A', 2)]);
  const b = iterableSource([bar('B', 3)]);
  t.deepEqual(
    (await collect(asStream(mergeStreams(a, b)))).map((x) => `${x.symbol}${x.time}`),
    ['A1', 'B3', 'A5', 'A2'],
  );
});

// ---------------------------------------------------------------- streamSlices

test('streamSlices groups runs of equal times; an earlier bar is its own slice, flagged, never dropped', async (t) => {
  const stream = [bar('A', 1), bar('B', 1), bar('A', 2), bar('B', 0), bar('C', 2), bar('A', 3), bar('B', 3), bar('X', NaN), bar('A', 4)];
  const slices = await collect(streamSlices(asStream(iterableSource(stream))));
  t.deepEqual(
    slices.map((s) => [Number.isNaN(s.time) ? 'NaN' : s.time, s.bars.map((b) => b.symbol).join(''), s.outOfOrder]),
    [
      [1, 'AB', false],
      [2, 'A', false],
      [0, 'B', true],
      [2, 'C', true],
      [3, 'AB', false],
      ['NaN', 'X', true],
      [4, 'A', false],
    ],
  );
  t.deepEqual(
    slices.flatMap((s) => s.bars),
    stream,
    'the slices, concatenated, are the stream',
  );
  t.deepEqual(await collect(streamSlices(asStream(iterableSource([])))), []);
});

// ---------------------------------------------------------------- syntheticSource

const DATES = ['2013-10-07', '2013-10-08', '2013-10-09'];
const SESSIONS: Session[] = DATES.map((d) => nySummerSession(d));

function bytes(c: SymbolColumns): string {
  return (['time', 'open', 'high', 'low', 'close', 'volume'] as const).map((k) => Buffer.from(c[k].buffer, c[k].byteOffset, c[k].byteLength).toString('base64')).join('|');
}

test('syntheticSource: same seed, same data; another seed, other data; a symbol does not depend on the others', async (t) => {
  const a = await syntheticSource({ sessions: SESSIONS, symbols: ['AAA', 'BBB'], seed: 42 }).load({});
  const b = await syntheticSource({ sessions: SESSIONS, symbols: ['AAA', 'BBB'], seed: 42 }).load({});
  const c = await syntheticSource({ sessions: SESSIONS, symbols: ['AAA', 'BBB'], seed: 43 }).load({});
  const onlyB = await syntheticSource({ sessions: SESSIONS, symbols: ['BBB'], seed: 42 }).load({});
  for (const s of ['AAA', 'BBB']) {
    t.is(bytes(a.get(s) as SymbolColumns), bytes(b.get(s) as SymbolColumns), s);
    t.not(bytes(a.get(s) as SymbolColumns), bytes(c.get(s) as SymbolColumns), s);
  }
  t.is(bytes(onlyB.get('BBB') as SymbolColumns), bytes(a.get('BBB') as SymbolColumns));
  t.not(bytes(a.get('AAA') as SymbolColumns), bytes(a.get('BBB') as SymbolColumns));
});

test('syntheticSource: 1m bars from open to close, valid OHLC, cents, whole positive volumes', async (t) => {
  const src = syntheticSource({ sessions: SESSIONS, symbols: 5, seed: 7, volatility: 0.01 });
  t.deepEqual(src.symbols, ['S001', 'S002', 'S003', 'S004', 'S005']);
  t.is(src.bars, 5 * 3 * 390);
  const m = await src.load({});
  for (const [sym, c] of m) {
    t.is(c.length, 3 * 390, sym);
    let problem = '';
    for (let i = 0; i < c.length && problem === ''; i++) {
      const session = SESSIONS[Math.floor(i / 390)] as Session;
      const time = c.time[i] as number;
      const [o, h, l, cl, v] = [c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]] as number[] as [number, number, number, number, number];
      if (time !== session.open + (i % 390) * MINUTE) problem = `time ${i}`;
      else if (!(h >= Math.max(o, cl) && l <= Math.min(o, cl) && l > 0)) problem = `ohlc ${i}: ${o} ${h} ${l} ${cl}`;
      else if (![o, h, l, cl].every((p) => Math.round(p * 100) / 100 === p)) problem = `not cents ${i}`;
      else if (!(Number.isInteger(v) && v >= 1)) problem = `volume ${i}: ${v}`;
    }
    t.is(problem, '', sym);
    // It moves: not a flat line.
    t.true(new Set(c.close).size > 50, sym);
  }
  // load filters like any columnar source.
  const day = await src.load({ symbols: ['S002'], from: SESSIONS[1]?.open, to: SESSIONS[1]?.close });
  t.is(day.get('S002')?.length, 390);
  t.is(day.get('S002')?.time[0], SESSIONS[1]?.open);
});

test('syntheticSource: missing bars, other intervals, and bad options', async (t) => {
  const gappy = (await syntheticSource({ sessions: SESSIONS, symbols: ['A'], seed: 1, missing: 0.2 }).load({})).get('A') as SymbolColumns;
  t.true(gappy.length < 3 * 390 * 0.9 && gappy.length > 3 * 390 * 0.7, `${gappy.length}`);
  for (let i = 1; i < gappy.length; i++) t.true((gappy.time[i] as number) > (gappy.time[i - 1] as number));
  const fiveMin = (await syntheticSource({ sessions: SESSIONS, symbols: ['A'], intervalMs: 5 * MINUTE }).load({})).get('A') as SymbolColumns;
  t.is(fiveMin.length, 3 * 78);
  const reversed = [...SESSIONS].reverse();
  t.throws(() => syntheticSource({ sessions: reversed }), { instanceOf: ConfigError, message: /time order/ });
  t.throws(() => syntheticSource({ sessions: SESSIONS, volatility: -1 }), { instanceOf: ConfigError });
  t.throws(() => syntheticSource({ sessions: SESSIONS, symbols: ['A', 'A'] }), { instanceOf: ConfigError });
  t.throws(() => syntheticSource({ sessions: SESSIONS, seed: 1.5 }), { instanceOf: ConfigError });
  t.is((await syntheticSource({ sessions: [] }).load({})).get('SYNA')?.length, 0);
});

test('mergeStreams: an input failing at its first read leaves the bars the others gave counted discarded', async (t) => {
  const c = probe([bar('C', 1)], { failAt: 0 });
  const d = probe([bar('D', 1), bar('D', 2)]);
  const e = probe([bar('E', 3)]);
  const merged = mergeStreams(c.source, d.source, e.source);
  await t.throwsAsync(() => collect(asStream(merged)), { message: 'feed broke' });
  t.true(d.state.closed && e.state.closed);
  // Nothing went out: every bar taken from an input is counted.
  t.is(d.state.pulled + e.state.pulled, 2);
  t.deepEqual(merged.losses?.(), { discarded: 2 });
});

test('mergeStreams: an input whose return() throws at once leaves none of the others open', async (t) => {
  const throwing: StreamSource = {
    kind: 'stream',
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.resolve({ done: false, value: bar('T', 1) }),
      return: () => {
        throw new Error('cannot close');
      },
    }),
  };
  const b = probe([bar('B', 1), bar('B', 2)]);
  const c = probe([bar('C', 1), bar('C', 2)]);
  for await (const x of asStream(mergeStreams(throwing, b.source, c.source))) {
    if (x.symbol === 'T') break;
  }
  t.true(b.state.closed && c.state.closed);
});

test('mergeStreams: an input whose next() or whose iterator throws at once still leaves every other input closed and its bars counted', async (t) => {
  const failing = (where: 'next' | 'iterator'): StreamSource => ({
    kind: 'stream',
    [Symbol.asyncIterator]: () => {
      if (where === 'iterator') throw new Error('cannot open');
      return {
        next: () => {
          throw new Error('cannot read');
        },
      };
    },
  });
  const a = probe([bar('A', 1), bar('A', 2)]);
  const merged = mergeStreams(a.source, failing('next'));
  await t.throwsAsync(() => collect(asStream(merged)), { message: 'cannot read' });
  t.true(a.state.closed);
  // A's first bar was taken from it and never handed out.
  t.is(a.state.pulled, 1);
  t.deepEqual(merged.losses?.(), { discarded: 1 });

  let returned = 0;
  const opened: StreamSource = {
    kind: 'stream',
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.resolve({ done: false, value: bar('O', 1) }),
      return: () => {
        returned++;
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
  t.throws(() => mergeStreams(opened, failing('iterator'))[Symbol.asyncIterator](), { message: 'cannot open' });
  t.is(returned, 1);
});

test('mergeStreams: a read waiting when the merge is left resolves done, also when its input ends it with an error as it closes', async (t) => {
  // A feed that rejects the read it was asked for when it is closed, as an aborted socket does.
  let reject: (error: Error) => void = () => undefined;
  const aborting: StreamSource = {
    kind: 'stream',
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<SymbolBar>>((_resolve, fail) => {
          reject = fail;
        }),
      return: () => {
        reject(new Error('aborted'));
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
  const merged = mergeStreams(iterableSource([bar('A', 1)]), aborting);
  const it = merged[Symbol.asyncIterator]();
  const waiting = it.next();
  await new Promise((r) => setImmediate(r));
  t.deepEqual(await it.return?.(), { done: true, value: undefined });
  t.deepEqual(await waiting, { done: true, value: undefined });
  // A's bar was taken from it and never handed out.
  t.deepEqual(merged.losses?.(), { discarded: 1 });
});

test('mergeStreams: an input that answers a read with no iterator result fails the merge with an InputError naming it, the others closed', async (t) => {
  for (const at of [0, 1]) {
    let reads = 0;
    const broken: StreamSource = {
      kind: 'stream',
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.resolve((reads++ === at ? undefined : { done: false, value: bar('X', reads) }) as unknown as IteratorResult<SymbolBar>),
      }),
    };
    const a = probe([bar('A', 1), bar('A', 2), bar('A', 3)]);
    await t.throwsAsync(() => collect(asStream(mergeStreams(a.source, broken))), { instanceOf: InputError, message: 'mergeStreams: input 1 answered a read with undefined, not { done, value }' }, `read ${at}`);
    t.true(a.state.closed, `read ${at}`);
  }
});
