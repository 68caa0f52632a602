/**
 * Arguments of the sources and slicing functions that were taken without a word (a number as
 * text, something else where an object or a function was expected) or failed with a TypeError
 * from inside: each is now a ConfigError naming it, and nothing changed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { runInNewContext } from 'node:vm';
import { Calendar, ConfigError, InputError, SessionCoordinator, SessionData, columnsSource, csvSource, forEachSlice, iterableSource, streamSlices, symbolFromFileName, syntheticSource, timeSlices, websocketFeed } from 'barstream';
import type { BarstreamError, SymbolBar, SymbolColumns, SyntheticOptions, WebSocketFeedOptions } from 'barstream';
import { scratchDir } from './helpers/scratch.js';

function refused(t: import('ava').ExecutionContext, fn: () => unknown, kind: new (...args: never[]) => BarstreamError, param: string | null, message: RegExp, label: string): void {
  const e = t.throws(fn, undefined, label);
  t.true(e instanceof kind, `${label}: ${String(e)}`);
  if (param !== null) t.is((e as ConfigError).param, param, label);
  t.regex((e as Error).message, message, label);
}

test('forEachSlice, streamSlices and symbolFromFileName name an argument of the wrong type instead of a TypeError', (t) => {
  const columns = new Map([['A', { time: new Float64Array([1, 2]), open: new Float64Array(2), high: new Float64Array(2), low: new Float64Array(2), close: new Float64Array(2), volume: new Float64Array(2), length: 2 }]]);
  refused(t, () => forEachSlice(columns, 5 as never), ConfigError, 'fn', /expected a function \(time, symbols, rows, count\) => void, got 5/, 'forEachSlice fn 5');
  t.deepEqual([...columns.get('A')!.time], [1, 2]);
  t.is(forEachSlice(columns, () => undefined), 2);
  refused(t, () => streamSlices(5 as unknown as AsyncIterable<SymbolBar>), ConfigError, 'stream', /expected an async iterable of bars, got 5/, 'streamSlices(5)');
  refused(t, () => streamSlices([] as unknown as AsyncIterable<SymbolBar>), ConfigError, 'stream', /got an array/, 'streamSlices([])');
  refused(t, () => symbolFromFileName(5 as unknown as string), ConfigError, 'path', /expected a file path, got 5/, 'symbolFromFileName(5)');
  t.is(symbolFromFileName('data/SPY_201310_1m.csv'), 'SPY');
});

test('syntheticSource refuses a number given as text for volatility, drift and missing, and shows text as text', async (t) => {
  const sessions = Calendar.xnys().sessions('2024-03-04', '2024-03-04');
  const base = { sessions, symbols: ['A'] };
  for (const [key, value] of [['volatility', '0.1'], ['drift', '0'], ['missing', '0.1'], ['intervalMs', '60000'], ['startPrice', '100'], ['seed', '1']] as const) {
    refused(t, () => syntheticSource({ ...base, [key]: value } as unknown as SyntheticOptions), ConfigError, key, new RegExp(`^invalid ${key}: '${value}' is not`), `${key} '${value}'`);
  }
  // Numbers are read as before.
  t.is((await syntheticSource({ ...base, volatility: 0.1, drift: 0, missing: 0 }).load({})).get('A')?.time.length, 390);
});

test('websocketFeed refuses protocols or headers of the wrong type, and shows text as text', (t) => {
  const base = { url: 'ws://127.0.0.1:1', toBars: () => [] };
  refused(t, () => websocketFeed({ ...base, protocols: 5 } as unknown as WebSocketFeedOptions), ConfigError, 'protocols', /expected a non-empty string or a list of them, got number 5/, 'protocols 5');
  refused(t, () => websocketFeed({ ...base, headers: 5 } as unknown as WebSocketFeedOptions), ConfigError, 'headers', /expected an object of header name -> string value, got number 5/, 'headers 5');
  refused(t, () => websocketFeed({ ...base, headers: 'Authorization: x' } as unknown as WebSocketFeedOptions), ConfigError, 'headers', /got string/, 'headers as a string');
  refused(t, () => websocketFeed({ ...base, heartbeatMs: '5' } as unknown as WebSocketFeedOptions), ConfigError, 'heartbeatMs', /heartbeatMs: string "5" is not/, 'heartbeatMs as text');
  t.notThrows(() => websocketFeed({ ...base, protocols: new Set(['v1']), headers: { Authorization: 'x' } } as unknown as WebSocketFeedOptions));
  t.notThrows(() => websocketFeed({ ...base, protocols: 'v1' }));
});

test('load() refuses a request it cannot read: a misspelt key would have loaded every symbol over all time', async (t) => {
  const columns = { time: [1, 2], open: [1, 1], high: [1, 1], low: [1, 1], close: [1, 1], volume: [1, 1] };
  const dir = scratchDir(t, 'barstream-load-');
  const file = join(dir, 'SPY.csv');
  writeFileSync(file, 'time,open,high,low,close,volume\n2024-03-04T14:30:00Z,1,1,1,1,1\n');
  const sources = {
    columnsSource: columnsSource({ SPY: columns, QQQ: columns }),
    syntheticSource: syntheticSource({ sessions: Calendar.xnys().sessions('2024-03-04', '2024-03-04'), symbols: ['SPY', 'QQQ'] }),
    csvSource: csvSource(file),
  };
  for (const [name, source] of Object.entries(sources)) {
    const load = source.load as (request?: unknown) => Promise<Map<string, unknown>>;
    for (const [request, param] of [[{ symbol: ['SPY'] }, 'symbol'], [{ start: 5, end: 6 }, 'start'], ['SPY', 'request'], [['SPY'], 'request'], [null, 'request']] as const) {
      const e = await t.throwsAsync(async () => load(request), { instanceOf: ConfigError }, `${name} ${JSON.stringify(request)}`);
      t.is(e?.param, param, name);
    }
    // What the request may hold still loads; left out, every symbol.
    t.deepEqual([...(await load({ symbols: ['SPY'] })).keys()], ['SPY'], name);
    t.true((await load()).has('SPY'), name);
  }
});

test('timeSlices and forEachSlice read columns without a length (a plain BarColumns) whole, and refuse what is not columns', (t) => {
  const f = (a: number[]): Float64Array => new Float64Array(a);
  const plain = { time: f([1, 2, 3]), open: f([1, 1, 1]), high: f([1, 1, 1]), low: f([1, 1, 1]), close: f([1, 1, 1]), volume: f([1, 1, 1]) };
  const other = { ...plain, time: f([2, 4]), length: 2 };
  const columns = new Map([['A', plain], ['B', other]]) as unknown as Map<string, SymbolColumns>;
  // By hand: times 1, 2, 3 of A and 2, 4 of B are the slices 1, 2 (A and B), 3, 4.
  const seen: string[] = [];
  t.is(forEachSlice(columns, (time, symbols, rows, count) => {
    for (let j = 0; j < count; j++) seen.push(`${time}:${symbols[j]}:${rows[j]}`);
  }), 4);
  t.deepEqual(seen, ['1:0:0', '2:0:1', '2:1:0', '3:0:2', '4:1:1']);
  t.is([...timeSlices(columns)].length, 4);
  for (const bad of [5, null, { open: plain.open }]) {
    const e = t.throws(() => timeSlices(new Map([['A', bad]]) as unknown as Map<string, SymbolColumns>), { instanceOf: InputError });
    t.regex(e?.message ?? '', /^A: expected columns/);
  }
  const e = t.throws(() => forEachSlice(new Map([['A', { ...plain, length: 1.5 }]]) as unknown as Map<string, SymbolColumns>, () => {}), { instanceOf: InputError });
  t.regex(e?.message ?? '', /length 1\.5 is not a whole number/);
});

test('WebSocketFeed.send of what JSON cannot encode is an InputError, connected or not; what it can encode is false while no connection is open', (t) => {
  const feed = websocketFeed({ url: 'ws://127.0.0.1:1', toBars: () => [] });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const [message, why] of [[undefined, /cannot send undefined as JSON$/], [5n, /BigInt/], [cyclic, /circular/]] as const) {
    const e = t.throws(() => feed.send(message as never), { instanceOf: InputError });
    t.regex(e?.message ?? '', why);
  }
  t.false(feed.send({ subscribe: 'SPY' }));
  t.false(feed.send('ping'));
});

test('iterableSource takes no options: a second argument is refused', (t) => {
  const make = iterableSource as unknown as (...args: unknown[]) => unknown;
  const e = t.throws(() => make([], { symbols: ['A'] }), { instanceOf: ConfigError });
  t.is(e?.param, 'arguments');
  t.regex(e?.message ?? '', /iterableSource takes one iterable of bars and no options/);
  t.is((make([], undefined) as { kind: string }).kind, 'stream');
});

test('iterableSource refuses a string, whose characters would pass for three bad bars', (t) => {
  const make = iterableSource as unknown as (...args: unknown[]) => unknown;
  for (const given of ['SPY', new String('SPY'), runInNewContext("new String('SPY')") as unknown]) {
    const e = t.throws(() => make(given), { instanceOf: ConfigError });
    t.is(e?.param, 'iterable');
    t.regex(e?.message ?? '', /not the string 'SPY'/);
  }
  t.is((make(new Set()) as { kind: string }).kind, 'stream');
});

test('syntheticSource gives only bars the store takes: a drift that would walk to infinity is held at 1e12, and a startPrice or volume past 1e12 is refused', async (t) => {
  const calendar = Calendar.xnys();
  // 61 sessions (January 21: 23 weekdays less New Year's Day and Martin Luther King Day; February
  // 20: 21 less Presidents' Day; March 1-28 20), 23,790 bars: at a drift of 4.9% a bar the walk
  // passed 1e308 after about 14,600.
  const from = '2024-01-02';
  const to = '2024-03-28';
  const source = syntheticSource({ sessions: calendar.sessions(from, to), symbols: ['A'], drift: 0.049, seed: 3 });
  const data = new SessionData();
  const report = await new SessionCoordinator({ calendar, data, source, from, to }).run();
  t.is(report.barsIn, 61 * 390);
  t.is(report.barsStored, report.barsIn);
  t.true(Math.max(...data.bars('A', '1m').high) <= 1e12 * 1.01);
  refused(t, () => syntheticSource({ sessions: calendar.sessions(from, from), startPrice: 1e13 }), ConfigError, 'startPrice', /^invalid startPrice: 10000000000000 is not a number in \(0, 1e\+12\]/, 'startPrice');
  refused(t, () => syntheticSource({ sessions: calendar.sessions(from, from), volume: 1e300 }), ConfigError, 'volume', /^invalid volume: 1e\+300 is not a number in \(0, 1e\+12\]/, 'volume');
});

test("a stream source whose next() answers with something that is not { done, value } fails the run naming it", async (t) => {
  const calendar = Calendar.xnys();
  const source = { kind: 'stream' as const, [Symbol.asyncIterator]: () => ({ next: async () => 42 as unknown as IteratorResult<SymbolBar> }) };
  await t.throwsAsync(new SessionCoordinator({ calendar, data: new SessionData(), source, from: '2024-03-04', to: '2024-03-04' }).run(), { instanceOf: InputError, message: "a stream source's next() answered 42, not { done, value }" });
});
