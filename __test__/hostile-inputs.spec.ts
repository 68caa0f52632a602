/**
 * Inputs that change while they are read: getters that give another value the second time, a
 * getter that detaches another column, columns over a SharedArrayBuffer written by another thread,
 * sparse arrays with a huge length, a revoked Proxy. Each input is read once, the value checked is
 * the value used, and what is refused is a typed error that changes nothing. Expected values are
 * worked out by hand or computed from plain inputs. Values of the wrong kind (text outside ASCII for an
 * interval, a BigInt for a name) are typed errors too.
 */
import test from 'ava';
import { Worker } from 'node:worker_threads';
import { AnalysisEngine, BarValidationError, Calendar, ConfigError, InputError, PerformanceMetrics, SessionCoordinator, SessionData, columnsSource, computeIndicators, csvSource, sessionOn, timeSlices, websocketFeed } from 'barstream';
import type { BarColumns, SessionDataOptions } from 'barstream';
import { notAColumn, toColumn } from '../src/typed-arrays.js';

const MINUTE = 60_000;
const session = sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });

/** `target` with an enumerable getter `key` that gives `values[k]` on its k-th read (the last one after). */
function readsAs<T extends object>(target: T, key: string, ...values: unknown[]): { target: T; reads: () => number } {
  let reads = 0;
  Object.defineProperty(target, key, { enumerable: true, get: () => values[Math.min(reads++, values.length - 1)] });
  return { target, reads: () => reads };
}

test('options read again give the store nothing but what was checked', (t) => {
  // The first read (the check of option names) sees one order, every later read the other.
  const { target } = readsAs({}, 'intervals', ['5m', '15m'], ['15m', '5m']);
  const data = new SessionData(target as SessionDataOptions);
  data.beginSession(session);
  for (let m = 0; m < 30; m++) data.appendValues('A', session.open + m * MINUTE, 1, 1, 1, 1, 1);
  // 30 minutes: six 5m bars and two 15m bars, whichever order was used.
  t.is(data.bars('A', '5m').length, 6);
  t.is(data.bars('A', '15m').length, 2);
  t.deepEqual([...data.intervals].sort(), ['15m', '1m', '5m']);
});

test('sessionOn and computeIndicators use the values they checked', (t) => {
  const { target: hours } = readsAs({ open: '09:30', timeZone: 'America/New_York' }, 'close', '16:00', '16:00', '24:59');
  t.is(sessionOn('2013-10-07', hours as { open: string; close: string; timeZone: string }).close, session.close);
  const close = Float64Array.from({ length: 6 }, (_, i) => 10 + i);
  const high = close.map((c) => c + 1);
  const low = close.map((c) => c - 1);
  const volume = close.map(() => 100);
  const plain = computeIndicators([{ kind: 'vwap' }], { close, high, low, volume }, [0, 2]);
  // The second start reads 2 when it is checked and 'x' after.
  const starts: number[] = [0];
  readsAs(starts, '1', 2, 'x');
  const odd = computeIndicators([{ kind: 'vwap' }], { close, high, low, volume }, starts);
  t.deepEqual([...(odd['vwap'] as Float64Array)], [...(plain['vwap'] as Float64Array)]);
});

test("appendMany reads each column once: a rejected bar's message comes from the arrays it stored from", (t) => {
  const time = [0, 1, 2, 3].map((i) => session.open + i * MINUTE);
  const columns = (): BarColumns => {
    let reads = 0;
    const c = { open: [1, 1, 1, 1], high: [1, 1, 1, 1], low: [1, 1, 1, 1], close: [1, 'x', 1, 1], volume: [1, 1, 1, 1] } as unknown as BarColumns;
    Object.defineProperty(c, 'time', {
      enumerable: true,
      get: () => {
        if (++reads > 1) throw new Error('time read a second time');
        return time;
      },
    });
    return c;
  };
  const skip = new SessionData();
  skip.beginSession(session);
  const result = skip.appendMany('A', columns(), { invalid: 'skip' });
  t.is(result.appended, 3);
  t.deepEqual(result.rejected.map((r) => [r.index, r.code]), [[1, 'non_finite']]);
  t.regex(result.rejected[0]?.message ?? '', /not numbers: close is 'x'/);
  const strict = new SessionData();
  strict.beginSession(session);
  const e = t.throws(() => strict.appendMany('A', columns()), { instanceOf: BarValidationError });
  t.regex(e?.message ?? '', /not numbers: close is 'x'/);
  t.is(strict.count('A', '1m'), 0);
});

test('a column whose entry cannot be read is shown as such in the message, not thrown in its place', (t) => {
  const data = new SessionData();
  data.beginSession(session);
  const close: unknown[] = [1, 1];
  let reads = 0;
  Object.defineProperty(close, '1', {
    enumerable: true,
    get: () => {
      if (++reads > 1) throw new Error('read twice');
      return 'y';
    },
  });
  const time = [session.open, session.open + MINUTE];
  const e = t.throws(() => data.appendMany('A', { time, open: [1, 1], high: [1, 1], low: [1, 1], close: close as number[], volume: [1, 1] }), { instanceOf: BarValidationError });
  t.is(e?.index, 1);
  t.regex(e?.message ?? '', /close could not be read/);
  t.is(data.count('A', '1m'), 0);
});

test('appendSlice refuses a column another getter detached, before any symbol becomes known', (t) => {
  const data = new SessionData();
  data.beginSession(session);
  const one = (v: number): Float64Array => new Float64Array([v]);
  const time = one(session.open);
  const volume = one(1);
  const columns = { time, open: one(1), high: one(1), low: one(1), close: one(1) } as Record<string, Float64Array>;
  Object.defineProperty(columns, 'volume', {
    enumerable: true,
    get: () => {
      structuredClone(time.buffer, { transfer: [time.buffer] });
      return volume;
    },
  });
  const e = t.throws(() => data.appendSlice(['NEW'], columns as unknown as Parameters<SessionData['appendSlice']>[1]), { instanceOf: InputError });
  t.regex(e?.message ?? '', /column 'time' has 0 entries/);
  t.deepEqual(data.symbols(), []);
  data.endSession();
  t.deepEqual(data.takeGaps(), []);
});

test('a column whose length lies (a subclass, an own property) is measured as the core reads it: refused before any symbol becomes known', (t) => {
  class Longer extends Float64Array {
    override get length(): number {
      return 1000;
    }
  }
  const data = new SessionData();
  data.beginSession(session);
  const column = (...v: number[]): Float64Array => Longer.from(v);
  const many = t.throws(() => data.appendMany('NEW', { time: column(session.open), open: column(1, 1), high: column(1, 1), low: column(1, 1), close: column(1, 1), volume: column(1, 1) }), { instanceOf: InputError });
  t.regex(many?.message ?? '', /columns differ in length \(time, open, high, low, close, volume: \[1, 2, 2, 2, 2, 2\]\)/);
  // One entry a column where the slice names two symbols; an own length property says 2.
  const short = (): Float64Array => Object.defineProperty(new Float64Array([1]), 'length', { value: 2 });
  const time = Object.defineProperty(new Float64Array([session.open]), 'length', { value: 2 });
  const slice = t.throws(() => data.appendSlice(['A', 'B'], { time, open: short(), high: short(), low: short(), close: short(), volume: short() }), { instanceOf: InputError });
  t.regex(slice?.message ?? '', /column 'time' has 1 entries, fewer than the 2 bars given/);
  t.deepEqual(data.symbols(), []);
  t.is(data.stats().storedBars, 0);
});

test('a column whose length lies (a subclass, an own property) is read by its real length in computeIndicators and columnsSource: the same outputs and bars as a plain one', async (t) => {
  class Shorter extends Float64Array {
    override get length(): number {
      return 2;
    }
  }
  class Longer extends Float64Array {
    override get length(): number {
      return super.length + 3;
    }
  }
  const close = Float64Array.from({ length: 100 }, (_, i) => 100 + Math.sin(i / 7));
  const configs = [{ kind: 'sma', period: 3 }, { kind: 'ema', period: 3 }] as const;
  const plain = computeIndicators(configs, { close });
  for (const lying of [Shorter.from(close), Longer.from(close)]) {
    const out = computeIndicators(configs, { close: lying });
    t.deepEqual([...(out['sma3'] as Float64Array)], [...(plain['sma3'] as Float64Array)]);
    t.deepEqual([...(out['ema3'] as Float64Array)], [...(plain['ema3'] as Float64Array)]);
  }
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const open = calendar.session('2024-05-06')!.open;
  for (const Kind of [Shorter, Longer]) {
    const column = (f: (i: number) => number): Float64Array => Kind.from({ length: 10 }, (_, i) => f(i));
    const columns = { time: column((i) => open + i * MINUTE), open: column(() => 10), high: column(() => 11), low: column(() => 9), close: column(() => 10), volume: column(() => 1) };
    const report = await new SessionCoordinator({ calendar, data: new SessionData(), source: columnsSource({ A: columns }), from: '2024-05-06', to: '2024-05-06' }).run();
    t.is(report.barsIn, 10, Kind.name);
    t.is(report.barsStored, 10, Kind.name);
  }
  // A plain Float64Array given an own length property that says 7: all ten rows still.
  const own = (f: (i: number) => number): Float64Array => Object.defineProperty(Float64Array.from({ length: 10 }, (_, i) => f(i)), 'length', { value: 7 });
  const columns = { time: own((i) => open + i * MINUTE), open: own(() => 10), high: own(() => 11), low: own(() => 9), close: own(() => 10), volume: own(() => 1) };
  const report = await new SessionCoordinator({ calendar, data: new SessionData(), source: columnsSource({ A: columns }), from: '2024-05-06', to: '2024-05-06' }).run();
  t.is(report.barsIn, 10, 'own length');
  t.is(report.barsStored, 10, 'own length');
});

test('a sparse array with a huge length is a typed error at once, not an abort or a hang', (t) => {
  const sparse = <T>(first: T): T[] => {
    const list = [first];
    list.length = 2 ** 32 - 1;
    return list;
  };
  const intervals = t.throws(() => new SessionData({ intervals: sparse('5m') }), { instanceOf: ConfigError });
  t.is(intervals?.param, 'intervals');
  const indicators = t.throws(() => new SessionData({ indicators: { '1m': sparse({ kind: 'rsi' as const }) } }), { instanceOf: ConfigError });
  t.is(indicators?.param, 'indicators');
  t.regex(indicators?.message ?? '', /no entry at 1/);
  const configs = t.throws(() => computeIndicators(sparse({ kind: 'rsi' as const }), { close: new Float64Array(3) }), { instanceOf: ConfigError });
  t.is(configs?.param, 'configs');
  const data = new SessionData();
  data.beginSession(session);
  const huge = sparse(session.open);
  const column = t.throws(() => data.appendMany('A', { time: huge, open: huge, high: huge, low: huge, close: huge, volume: huge }), { instanceOf: InputError });
  t.regex(column?.message ?? '', /column 'time' has 4294967295 entries/);
  t.deepEqual(data.symbols(), []);
});

test('sparse lists with a huge length given to the runtime and the sources are typed errors at once', async (t) => {
  const sparse = <T>(first: T): T[] => {
    const list = [first];
    list.length = 2 ** 32 - 1;
    return list;
  };
  const symbols = t.throws(() => new AnalysisEngine().subscribe({ interval: '1m', symbols: sparse('A') }, () => {}), { instanceOf: ConfigError });
  t.is(symbols?.param, 'symbols');
  const protocols = t.throws(() => websocketFeed({ url: 'ws://127.0.0.1:1', toBars: () => [], protocols: sparse('x') }), { instanceOf: ConfigError });
  t.is(protocols?.param, 'protocols');
  const huge = sparse(session.open);
  const columns = t.throws(() => columnsSource({ A: { time: huge, open: huge, high: huge, low: huge, close: huge, volume: huge } }), { instanceOf: InputError });
  t.regex(columns?.message ?? '', /column 'time' has 4294967295 entries/);
  const run = new SessionCoordinator({ calendar: { sessions: () => sparse(session) }, data: new SessionData(), source: columnsSource({}), from: session.date, to: session.date });
  const calendar = await t.throwsAsync(run.run(), { instanceOf: ConfigError });
  t.is(calendar?.param, 'calendar');
  const listCalendar = t.throws(() => Calendar.custom({ timeZone: 'UTC', sessions: sparse({ date: '2024-03-04', open: '09:30', close: '16:00' }) }), { instanceOf: ConfigError });
  t.is(listCalendar?.param, 'sessions');
  const paths = t.throws(() => csvSource(sparse('bars.csv')), { instanceOf: ConfigError });
  t.is(paths?.param, 'paths');
  const header = t.throws(() => csvSource('bars.csv', { header: sparse('time') }), { instanceOf: ConfigError });
  t.is(header?.param, 'header');
  // An undefined entry among the run's symbols is no symbol name (it was taken as "none found").
  const undefinedSymbol = t.throws(() => new SessionCoordinator({ calendar: { sessions: () => [session] }, data: new SessionData(), source: columnsSource({}), from: session.date, to: session.date, symbols: [undefined as unknown as string] }), { instanceOf: ConfigError });
  t.is(undefinedSymbol?.param, 'symbols');
});

test('columns of different lengths are refused before any is converted: a sparse one of 2^30 entries beside short ones costs nothing', (t) => {
  const sparse = (first: number): number[] => {
    const list = [first];
    list.length = 2 ** 30;
    return list;
  };
  const short = [session.open, session.open + MINUTE];
  const data = new SessionData();
  data.beginSession(session);
  const rss = process.memoryUsage().rss;
  const batch = t.throws(() => data.appendMany('A', { time: short, open: [1, 1], high: [1, 1], low: [1, 1], close: sparse(1), volume: [1, 1] }), { instanceOf: InputError });
  t.regex(batch?.message ?? '', /columns differ in length \(time, open, high, low, close, volume: \[2, 2, 2, 2, 1073741824, 2\]\)/);
  t.deepEqual(data.symbols(), []);
  const batchOfIndicators = t.throws(() => computeIndicators([{ kind: 'atr', period: 3 }], { close: [1, 2], high: sparse(1), low: [1, 2] }), { instanceOf: InputError });
  t.regex(batchOfIndicators?.message ?? '', /column high has length 1073741824, but close has 2/);
  // A column missing beside a sparse one: the missing one is the error, before any is converted.
  const missing = t.throws(() => data.appendMany('A', { time: short, open: sparse(1), high: [1, 1], low: [1, 1], close: [1, 1] } as unknown as BarColumns), { instanceOf: InputError });
  t.regex(missing?.message ?? '', /column 'volume' is missing/);
  const source = t.throws(() => columnsSource({ A: { time: short, open: [1, 1], high: [1, 1], low: [1, 1], close: [1, 1], volume: sparse(1) } }), { instanceOf: InputError });
  t.regex(source?.message ?? '', /column 'volume' has 1073741824 values, column 'time' has 2/);
  // 2^30 entries made into a Float64Array would be 8 GiB.
  t.true(process.memoryUsage().rss - rss < 256 * 2 ** 20);
});

test('a column over a SharedArrayBuffer is copied even when it says it is not over one (its own buffer property)', (t) => {
  const n = 3;
  const shared = new Float64Array(new SharedArrayBuffer(n * 8));
  Object.defineProperty(shared, 'buffer', { value: new ArrayBuffer(n * 8) });
  Object.defineProperty(shared, 'slice', { value: () => shared });
  t.not(toColumn('close', shared), shared);
  t.deepEqual([...toColumn('close', shared)], [0, 0, 0]);
  // Nor by a subclass whose species makes slice() give a view of the shared memory back.
  const memory = new SharedArrayBuffer(n * 8);
  const sneaky = new Float64Array(memory);
  Object.defineProperty(sneaky, 'constructor', {
    value: { [Symbol.species]: function species() { return new Float64Array(memory); } },
  });
  const copy = toColumn('close', sneaky);
  t.not(copy.buffer, memory);
  t.false(copy.buffer instanceof SharedArrayBuffer);
  const plain = new Float64Array(n);
  t.is(toColumn('close', plain), plain);
  // A typed array of another kind is named with its article.
  t.is(notAColumn('close', new Uint8Array(1)), "column 'close' is a Uint8Array: give a Float64Array (read without copying) or an array of numbers");
  t.regex(notAColumn('close', new Int32Array(1)), /is an Int32Array/);
});

test('a revoked Proxy as a bar field is a non_finite rejection with a message, not a TypeError', (t) => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const data = new SessionData();
  data.beginSession(session);
  const bar = { time: proxy as unknown as number, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  const e = t.throws(() => data.append('A', bar), { instanceOf: BarValidationError });
  t.is(e?.code, 'non_finite');
  t.regex(e?.message ?? '', /time is a revoked Proxy/);
  const many = t.throws(() => data.appendMany('A', { time: [proxy as unknown as number], open: [1], high: [1], low: [1], close: [1], volume: [1] }), { instanceOf: BarValidationError });
  t.regex(many?.message ?? '', /time is a revoked Proxy/);
  t.is(data.rejections('A').non_finite, 2);
});

// Checked once and stored from a second reading, columns another thread writes could store bars
// the check never saw. A worker flips every high between 101 and NaN while batches go in: each
// batch must be refused whole or stored with only finite highs.
test.serial('appendMany over SharedArrayBuffer columns another thread writes stores only bars it checked', async (t) => {
  const n = 4000;
  const shared = new SharedArrayBuffer(n * 8 * 6 + 8);
  const col = (k: number): Float64Array => new Float64Array(shared, k * n * 8, n);
  const [time, open, high, low, close, volume] = [0, 1, 2, 3, 4, 5].map(col) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const stop = new Int32Array(shared, n * 48, 1);
  for (let i = 0; i < n; i++) {
    time[i] = session.open + i * 5000;
    open[i] = 100;
    high[i] = 101;
    low[i] = 99;
    close[i] = 100;
    volume[i] = 1;
  }
  const worker = new Worker(
    `const { workerData: shared } = require('node:worker_threads');
     const n = ${n};
     const high = new Float64Array(shared, 2 * n * 8, n);
     const stop = new Int32Array(shared, n * 48, 1);
     for (let v = 0; Atomics.load(stop, 0) === 0; v ^= 1) high.fill(v ? 101 : NaN);`,
    { eval: true, workerData: shared },
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  let stored = 0;
  let refused = 0;
  let wrong = 0;
  try {
    // Until both outcomes have come up a few times: a run that only refused would check nothing.
    for (let round = 0; round < 50_000 && (stored < 5 || refused < 5); round++) {
      const data = new SessionData({ baseInterval: '5s', intervals: ['1m'] });
      data.beginSession(session);
      try {
        data.appendMany('A', { time, open, high, low, close, volume });
      } catch (e) {
        if (!(e instanceof BarValidationError && e.code === 'non_finite')) throw e;
        refused++;
        continue;
      }
      stored++;
      for (const interval of ['5s', '1m']) {
        const highs = data.bars('A', interval).high;
        for (let i = 0; i < highs.length; i++) if (highs[i] !== 101) wrong++;
      }
    }
  } finally {
    Atomics.store(stop, 0, 1);
    await worker.terminate();
  }
  t.log(`${stored} batches stored, ${refused} refused`);
  t.true(stored > 0 && refused > 0, `${stored} batches stored, ${refused} refused: the race was not run`);
  t.is(wrong, 0);
});

test('an interval with characters outside ASCII is a ConfigError everywhere an interval is taken, never the core\'s panic', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  for (const interval of ['5分', '5µ', '1ｍ', 'é']) {
    t.throws(() => data.bars('SPY', interval), { instanceOf: ConfigError, message: /is not one of this store's intervals/ }, interval);
    t.throws(() => data.count('SPY', interval), { instanceOf: ConfigError }, interval);
    t.throws(() => new SessionData({ intervals: [interval] }), { instanceOf: ConfigError, message: /is not an interval/ }, interval);
    t.throws(() => new SessionData({ baseInterval: interval }), { instanceOf: ConfigError, message: /is not an interval/ }, interval);
    t.throws(() => new AnalysisEngine().subscribe({ interval }, () => undefined), { instanceOf: ConfigError, message: /is not an interval/ }, interval);
  }
});

test('a misspelt interval beside indicators is the error, not the indicators of its intended spelling', (t) => {
  const e = t.throws(() => new SessionData({ intervals: ['5M', '1h'], indicators: { '5m': [{ kind: 'sma' }] } }), { instanceOf: ConfigError });
  t.is(e?.param, 'intervals');
  t.regex(e?.message ?? '', /'5M' is not an interval/);
});

test('a BigInt where a name is expected is a ConfigError naming it, not a TypeError from the message', async (t) => {
  t.throws(() => new PerformanceMetrics().stage(5n as unknown as string), { instanceOf: ConfigError, message: /5n.* is not a stage name/ });
  await t.throwsAsync(async () => columnsSource(new Map()).load({ symbols: [5n as unknown as string] }), { instanceOf: ConfigError, message: /5n.* is not a symbol name/ });
  t.throws(() => timeSlices(new Map(), 5n as unknown as number), { instanceOf: ConfigError, message: /5n/ });
});
