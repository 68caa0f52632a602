/**
 * What a stream source drops before a bar exists (its `losses()`) reaches the run's report.
 */
import test from 'ava';
import { AnalysisEngine, ConfigError, InputError, SessionCoordinator, SessionData, iterableSource, mergeStreams } from 'barstream';
import type { Session, SourceLosses, StreamSource, SymbolBar } from 'barstream';

const MINUTE = 60_000;
const OPEN = Date.UTC(2024, 0, 2, 14, 30);
const SESSION: Session = { date: '2024-01-02', open: OPEN, close: OPEN + 10 * MINUTE, timeZone: 'UTC', dayStart: OPEN - (OPEN % 86_400_000) };
const bar = (symbol: string, k: number): SymbolBar => ({ symbol, time: OPEN + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 });

/**
 * A stream of `bars` that, like a feed, counts a malformed message before each bar it yields
 * (and `before` of them before the run), and a wrong-typed one every other bar.
 */
function countingSource(bars: readonly SymbolBar[], before = 0): StreamSource & { losses(): SourceLosses } {
  const counts = { malformed: before, wrongType: 0 };
  return {
    kind: 'stream',
    losses: () => ({ ...counts }),
    async *[Symbol.asyncIterator]() {
      for (const [i, b] of bars.entries()) {
        counts.malformed++;
        if (i % 2 === 1) counts.wrongType++;
        yield b;
      }
    },
  };
}

const run = (source: StreamSource, speed = 0) =>
  new SessionCoordinator({ calendar: { sessions: () => [SESSION] }, data: new SessionData({ intervals: ['5m'] }), source, from: SESSION.date, to: SESSION.date, speed, overrun: 'queue' }).run();

for (const speed of [0, 1e6]) {
  test(`${speed === 0 ? 'data' : 'clock'}-driven: a source's losses during the run are reported by reason, not those before it`, async (t) => {
    const bars = Array.from({ length: 10 }, (_, k) => bar('A', k));
    const report = await run(countingSource(bars, 3), speed);
    t.is(report.barsIn, 10);
    t.deepEqual(report.sourceLosses, { malformed: 10, wrongType: 5 });
  });
}

test('iterableSource keeps a wrapped source\'s losses; mergeStreams sums its inputs\' by reason', async (t) => {
  const a = countingSource([bar('A', 0), bar('A', 1)]);
  const b = countingSource([bar('B', 0), bar('B', 1), bar('B', 2)], 1);
  const report = await run(mergeStreams(iterableSource(a), b, iterableSource([bar('C', 0)])));
  t.is(report.barsIn, 6);
  // The merge held nothing when the run ended: every input had ended.
  t.deepEqual(report.sourceLosses, { malformed: 5, wrongType: 2, discarded: 0 });
  // A source that counts nothing reports nothing.
  t.deepEqual((await run(iterableSource([bar('A', 0)]))).sourceLosses, {});
});

test('a source whose losses are not a function is a ConfigError; counts that are not whole numbers >= 0 fail the run with an InputError', async (t) => {
  const source = { kind: 'stream', losses: 5, [Symbol.asyncIterator]: () => iterableSource([])[Symbol.asyncIterator]() } as unknown as StreamSource;
  const error = t.throws(() => new SessionCoordinator({ calendar: { sessions: () => [SESSION] }, data: new SessionData(), source, from: SESSION.date, to: SESSION.date }), { instanceOf: ConfigError });
  t.is((error as ConfigError).param, 'source');
  for (const losses of [null, { malformed: -1 }, { malformed: 1.5 }, { malformed: '2' }]) {
    const data = new SessionData({ intervals: ['5m'] });
    const bad: StreamSource = { kind: 'stream', losses: () => losses as unknown as SourceLosses, [Symbol.asyncIterator]: () => iterableSource([bar('A', 0)])[Symbol.asyncIterator]() };
    await t.throwsAsync(new SessionCoordinator({ calendar: { sessions: () => [SESSION] }, data, source: bad, from: SESSION.date, to: SESSION.date }).run(), { instanceOf: InputError });
    // Refused when the run begins: nothing went into the store.
    t.is(data.session, null);
    t.is(data.count('A', '1m'), 0);
  }
});

test('a run that leaves a merged stream waiting for a quiet input closes it, and its losses at closing are the run\'s', async (t) => {
  // Like a feed: gives its bars, then waits for a message; on return() it drops the two it holds unparsed.
  const counts = { discarded: 0 };
  let closed = false;
  const feed: StreamSource = {
    kind: 'stream',
    losses: () => ({ ...counts }),
    [Symbol.asyncIterator]: () => {
      const bars = [bar('A', 0), bar('A', 1)];
      let wake: ((r: IteratorResult<SymbolBar>) => void) | null = null;
      return {
        next: () => {
          const b = bars.shift();
          if (b !== undefined) return Promise.resolve({ done: false, value: b });
          return closed ? Promise.resolve({ done: true, value: undefined }) : new Promise<IteratorResult<SymbolBar>>((resolve) => (wake = resolve));
        },
        return: async () => {
          closed = true;
          counts.discarded += 2;
          wake?.({ done: true, value: undefined });
          return { done: true, value: undefined };
        },
      };
    },
  };
  const engine = new AnalysisEngine();
  const coordinator = new SessionCoordinator({ calendar: { sessions: () => [SESSION] }, data: new SessionData({ intervals: ['5m'] }), engine, source: mergeStreams(feed), from: SESSION.date, to: SESSION.date });
  engine.subscribe({ interval: '1m' }, () => coordinator.stop());
  const report = await coordinator.run();
  t.true(report.stopped);
  t.is(report.barsIn, 1);
  t.true(closed, 'the input was closed');
  t.deepEqual(report.sourceLosses, { discarded: 2 });
});

test('losses() that fail when the run ends lose nothing else: the run resolves with its report, the losses unknown (null) and the failure in sourceLossesError', async (t) => {
  const broken = new Error('counter gone');
  // Each source counts properly when the run begins and fails to when it ends.
  const atEnd: [string, () => unknown, (error: unknown) => void][] = [
    ['throws', () => { throw broken; }, (error) => t.is(error, broken)],
    ['not an object', () => 'many', (error) => t.true(error instanceof InputError)],
    ['a count that is no whole number', () => ({ malformed: 2.5 }), (error) => t.true(error instanceof InputError)],
    // Counted since the source was made: a count that went down is no count of the run.
    ['a count lower than at the start', () => ({ malformed: 1 }), (error) => t.true(error instanceof InputError && /malformed/.test(error.message))],
  ];
  for (const [label, end, check] of atEnd) {
    let calls = 0;
    const source: StreamSource = {
      kind: 'stream',
      losses: () => (calls++ === 0 ? { malformed: 3 } : (end() as SourceLosses)),
      [Symbol.asyncIterator]: () => iterableSource([bar('A', 0), bar('A', 1), bar('A', 5)])[Symbol.asyncIterator](),
    };
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    let delivered = 0;
    engine.subscribe({ interval: '5m' }, () => void delivered++);
    const report = await new SessionCoordinator({ calendar: { sessions: () => [SESSION] }, data, engine, source, from: SESSION.date, to: SESSION.date }).run();
    t.is(calls, 2, label);
    t.is(report.barsIn, 3, label);
    t.is(report.barsStored, 3, label);
    // Two 5m bars: 14:30 (minutes 0 and 1) and 14:35 (minute 5), the session ended.
    t.is(report.closedBars['5m'], 2, label);
    t.is(delivered, 2, label);
    t.is(report.sessions, 1, label);
    t.false(report.stopped, label);
    t.is(data.session, null, `${label}: the session was ended`);
    t.is(report.sourceLosses, null, label);
    check(report.sourceLossesError);
  }
  // A source that counts properly has no sourceLossesError.
  t.false('sourceLossesError' in (await run(countingSource([bar('A', 0)]))));
});

test('iterableSource keeps the losses of a synchronous iterable as of an async one', async (t) => {
  const bars = [bar('A', 0), bar('A', 1)];
  const syncFeed = { *[Symbol.iterator]() { yield* bars; }, losses: () => ({ malformed: 3 }) };
  const asyncFeed = { async *[Symbol.asyncIterator]() { yield* bars; }, losses: () => ({ malformed: 3 }) };
  for (const [name, feed] of [['sync', syncFeed], ['async', asyncFeed]] as const) {
    const source = iterableSource(feed as never);
    t.is(typeof source.losses, 'function', name);
    t.deepEqual(source.losses?.(), { malformed: 3 }, name);
    const got: SymbolBar[] = [];
    for await (const b of source) got.push(b);
    t.deepEqual(got, bars, name);
  }
});
