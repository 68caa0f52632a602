/**
 * The declarations as a strict consumer meets them. The type check of `npm test` compiles this
 * file with `exactOptionalPropertyTypes` and `noUncheckedIndexedAccess` on, so each
 * `@ts-expect-error` below is itself a test: it fails the type check when the line it marks
 * compiles. The ava tests check that what compiles also runs as the types say.
 */
import test from 'ava';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import {
  AnalysisEngine,
  BarstreamError,
  BarValidationError,
  Calendar,
  columnsSource,
  computeIndicator,
  csvSource,
  PerformanceMetrics,
  ReadySignal,
  SessionCoordinator,
  SessionData,
  sessionOn,
  timeSlices,
} from 'barstream';
import { Rsi, Sma } from 'barstream';
import type { ErrorCode, IndicatorConfig, StandaloneIndicator, SymbolTimes, ValueIndicator } from 'barstream';
import { scratchDir } from './helpers/scratch.js';

const MINUTE = 60_000;

test('an option may be given as undefined, as the README allows, and then takes its default', (t) => {
  const fromEnv = (name: string): string | undefined => process.env[`BARSTREAM_TEST_UNSET_${name}`];
  const retain = fromEnv('RETAIN');
  const data = new SessionData({
    intervals: ['5m'],
    alignment: undefined,
    emptyBuckets: undefined,
    capacityHint: undefined,
    retainSessions: retain === undefined ? undefined : Number(retain),
    indicators: undefined,
  });
  const period: number | undefined = undefined;
  const config: IndicatorConfig = { kind: 'sma', period };
  const calendar = Calendar.xnys({ hours: undefined });
  const coordinator = new SessionCoordinator({
    calendar,
    data,
    source: columnsSource(new Map()),
    from: '2024-03-04',
    to: '2024-03-04',
    speed: undefined,
    readyTimeoutMs: undefined,
    metrics: new PerformanceMetrics({ enabled: undefined }),
  });
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '5m', name: fromEnv('NAME') }, () => {});
  t.is(data.baseInterval, '1m');
  t.deepEqual(Object.keys(computeIndicator(config, { close: [1, 2, 3, 4, 5] })), ['sma30']);
  t.true(coordinator instanceof SessionCoordinator);
});

test("a calendar's sessions are frozen, and typed read-only", (t) => {
  const session = Calendar.xnys().requireSession('2024-03-04');
  // @ts-expect-error a calendar session is read-only
  t.throws(() => (session.close = session.close - 3 * 3_600_000), { instanceOf: TypeError });
  t.is(session.close, Date.UTC(2024, 2, 4, 21));
  const next = Calendar.xnys().nextSession('2024-03-04');
  // @ts-expect-error read-only too
  if (next !== null) t.throws(() => (next.date = 'x'), { instanceOf: TypeError });
  // A session made with sessionOn is the caller's own object.
  const own = sessionOn('2024-03-04', { open: '09:30', close: '13:00', timeZone: 'America/New_York' });
  own.close += 0;
  t.false(Object.isFrozen(own));
});

test("views are typed over an ArrayBuffer: the buffer can be named in a transfer list, and arrives as a copy where Node copies it", async (t) => {
  const data = new SessionData({});
  data.beginSession(sessionOn('2024-03-04', { open: '09:30', close: '16:00', timeZone: 'America/New_York' }));
  const open = Date.UTC(2024, 2, 4, 14, 30);
  for (let i = 0; i < 3; i++) data.append('A', { time: open + i * MINUTE, open: 10 + i, high: 11 + i, low: 9 + i, close: 10.5 + i, volume: 100 });
  const close = data.bars('A', '1m').close;
  const buffer: ArrayBuffer = close.buffer;
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<unknown>((resolve) => port2.once('message', resolve));
  // Node 20 copies external memory named in a transfer list; from 21 it refuses it (DataCloneError).
  if (Number(process.versions.node.split('.')[0]) >= 21) {
    t.throws(() => port1.postMessage(close, [buffer]), { name: 'DataCloneError' });
    port1.postMessage(close);
  } else port1.postMessage(close, [buffer]);
  const copy = (await got) as Float64Array;
  port1.close();
  port2.close();
  t.deepEqual([...copy], [10.5, 11.5, 12.5]);
  t.deepEqual([...data.bars('A', '1m').close], [10.5, 11.5, 12.5], "the store's memory stays where it is");
});

test("a ready signal's signal and fail can be handed on as they are", async (t) => {
  const emitter = new EventEmitter();
  const ready = new ReadySignal('done');
  emitter.once('done', ready.signal);
  emitter.emit('done', { some: 'payload' });
  t.is(ready.state, 'ready');
  await ready.wait(1000);
  const failed = new ReadySignal('failed');
  void Promise.reject(new RangeError('gone')).then(failed.signal, failed.fail);
  await t.throwsAsync(failed.wait(1000), { instanceOf: RangeError, message: 'gone' });
  t.is(failed.state, 'failed');
});

test('error codes are a union: a misspelt code fails to compile, and instanceof narrows the code', (t) => {
  const data = new SessionData({});
  const caught = t.throws(() => data.append('A', { time: 0, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
  const describe = (e: unknown): string => {
    if (!(e instanceof BarstreamError)) return 'other';
    const code: ErrorCode = e.code;
    // @ts-expect-error no such code
    if (code === 'ready_timeot') return 'misspelt';
    if (e instanceof BarValidationError) {
      // @ts-expect-error a bar appended with no open session is a SessionError, never a BarValidationError
      if (e.code === 'no_session') return 'impossible';
      return `bar ${e.code}`;
    }
    return code;
  };
  t.is(describe(caught), 'no_session');
});

test('timeSlices takes columns without length, as its docs say', (t) => {
  const columns = new Map([
    ['A', { time: new Float64Array([1, 2]) }],
    ['B', { time: [2, 3] }],
  ]);
  const seen: string[] = [];
  const it = timeSlices(columns);
  for (const s of it) seen.push(`${s.time}:${s.count}`);
  t.deepEqual(seen, ['1:1', '2:2', '3:1']);
});

test("a CSV load's report counts the rows outside the load", async (t) => {
  const dir = scratchDir(t, 'barstream-consumer-');
  const file = join(dir, 'bars.csv');
  // 2 rows of A inside, 1 of A outside the time range, 2 of B (not asked for), 1 malformed.
  writeFileSync(
    file,
    [
      'symbol,time,open,high,low,close,volume',
      'A,2024-03-04T14:30:00Z,1,1,1,1,1',
      'A,2024-03-04T14:31:00Z,1,1,1,1,1',
      'A,2024-03-05T14:30:00Z,1,1,1,1,1',
      'B,2024-03-04T14:30:00Z,1,1,1,1,1',
      'B,2024-03-04T14:31:00Z,1,1,1,1,1',
      'A,2024-03-04T14:32:00Z,1,1,1',
      '',
    ].join('\n'),
  );
  const source = csvSource(file, { symbolColumn: 'symbol', onBadRow: 'skip' });
  await source.load({ symbols: ['A'], from: Date.UTC(2024, 2, 4), to: Date.UTC(2024, 2, 5) });
  const report = source.lastReport;
  if (report === null) return t.fail('no report');
  t.like(report, { rowsRead: 6, rowsLoaded: 2, badRows: 1, rowsOutside: 3 });
});

test('the types a consumer names: the columns timeSlices reads (plain arrays too), and the standalone indicators\' bases', (t) => {
  const columns = new Map<string, SymbolTimes>([['SPY', { time: [1, 2, 3] }], ['QQQ', { time: new Float64Array([2, 4]) }]]);
  const times: number[] = [];
  for (const slice of timeSlices(columns)) times.push(slice.time);
  t.deepEqual(times, [1, 2, 3, 4]);
  const mixed: StandaloneIndicator<number, number>[] = [new Rsi(2), new Sma(2)];
  const closes: ValueIndicator<number>[] = mixed.filter((x): x is ValueIndicator<number> => x instanceof Rsi || x instanceof Sma);
  t.is(closes.length, 2);
  for (const x of [1, 2, 3]) for (const i of mixed) i.update(x);
  t.is(mixed[1]?.update(4), 3.5);
});
