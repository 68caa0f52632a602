/**
 * Arguments of the wrong type get the library's typed errors (or, for a standalone indicator's
 * input, NaN with nothing changed, as documented), never a plain `Error` from the native binding.
 */
import test from 'ava';
import { AnalysisEngine, Atr, BarstreamError, Calendar, ConfigError, InputError, PerformanceMetrics, Rsi, SessionCoordinator, SessionData, SessionError, columnsSource, computeIndicator, computeIndicators, csvSource, describeIndicator, iterableSource, sessionOn, syntheticSource, websocketFeed } from 'barstream';
import type { Bar, BarColumns, CoordinatorOptions, Session, SessionHours, SubscriptionSpec, SyntheticOptions, WebSocketFeedOptions } from 'barstream';

const S = sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });

function typed(t: import('ava').ExecutionContext, fn: () => unknown, kind: new (...args: never[]) => BarstreamError, label: string): void {
  const e = t.throws(fn, undefined, label);
  t.true(e instanceof kind, `${label}: ${String(e)}`);
}

test('SessionData: a bar, columns, a session or a time of the wrong type is a typed error and changes nothing', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  typed(t, () => data.beginSession(null as unknown as Session), SessionError, 'beginSession(null)');
  typed(t, () => data.beginSession({ ...S, dayStart: null } as unknown as Session), SessionError, 'dayStart null');
  typed(t, () => data.beginSession({ ...S, dayStart: undefined, timeZone: 'Nowhere/City' } as unknown as Session), SessionError, 'no dayStart, an unknown time zone');
  typed(t, () => data.beginSession({ ...S, dayStart: undefined, date: '2013-13-07' } as unknown as Session), SessionError, 'no dayStart, no such date');
  typed(t, () => data.beginSession({ ...S, open: String(S.open) } as unknown as Session), SessionError, 'open as a string');
  // Said as given, not as the NaN it would read as.
  t.throws(() => data.beginSession({ ...S, open: String(S.open) } as unknown as Session), { message: `a session's open is epoch milliseconds, a number, got '${S.open}'` });
  t.throws(() => data.beginSession({ ...S, close: BigInt(S.close) } as unknown as Session), { message: `a session's close is epoch milliseconds, a number, got ${S.close}n` });
  t.throws(() => data.beginSession({ ...S, close: undefined } as unknown as Session), { message: "a session's close is epoch milliseconds, a number, got undefined" });
  t.is(data.session, null);
  data.beginSession(S);
  typed(t, () => data.append('X', null as unknown as Bar), InputError, 'append(null)');
  typed(t, () => data.appendMany('X', null as unknown as BarColumns), InputError, 'appendMany(null)');
  for (const time of ['123', undefined, null]) typed(t, () => data.advanceTo(time as unknown as number), InputError, `advanceTo(${String(time)})`);
  t.deepEqual(data.symbols(), []);
  t.deepEqual(Object.values(data.rejections()).filter((n) => n > 0), []);
  data.append('X', { time: S.open, open: 1, high: 2, low: 1, close: 2, volume: 3 });
  t.is(data.count('X', '1m'), 1);
});

test('an argument past those a SessionData method takes is a ConfigError, never ignored, and changes nothing', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  const bar = (time: number): Bar => ({ time, open: 1, high: 2, low: 1, close: 2, volume: 3 });
  data.append('SPY', bar(S.open));
  // A bar that skips a minute: QQQ's gap waits to be taken.
  data.append('QQQ', bar(S.open));
  data.append('QQQ', bar(S.open + 2 * 60_000));
  const calls: [string, () => unknown][] = [
    ['append', () => (data.append as (...a: unknown[]) => unknown)('SPY', bar(S.open + 60_000), { invalid: 'skip' })],
    ['check', () => (data.check as (...a: unknown[]) => unknown)('SPY', bar(S.open + 60_000), true)],
    ['advanceTo', () => (data.advanceTo as (...a: unknown[]) => unknown)(S.open + 10 * 60_000, 'SPY')],
    ['indicator', () => (data.indicator as (...a: unknown[]) => unknown)('SPY', '5m', 'x', 10)],
    ['peek', () => (data.peek as (...a: unknown[]) => unknown)('SPY', '5m', 'rsi14')],
    ['count', () => (data.count as (...a: unknown[]) => unknown)('SPY', '1m', 1)],
    ['forming', () => (data.forming as (...a: unknown[]) => unknown)('SPY', '5m', 1)],
    ['quality', () => (data.quality as (...a: unknown[]) => unknown)('SPY', true)],
    ['takeGaps', () => (data.takeGaps as (...a: unknown[]) => unknown)('SPY')],
    ['appendValues', () => (data.appendValues as (...a: unknown[]) => unknown)('SPY', S.open + 60_000, 1, 2, 1, 2, 3, { invalid: 'skip' })],
    ['rejections', () => (data.rejections as (...a: unknown[]) => unknown)('SPY', 'late')],
    ['symbols', () => (data.symbols as (...a: unknown[]) => unknown)({ all: true })],
    ['indicatorNames', () => (data.indicatorNames as (...a: unknown[]) => unknown)('5m', 'x')],
    ['expectSessions', () => (data.expectSessions as (...a: unknown[]) => unknown)(3, 4)],
    ['removeSymbol', () => (data.removeSymbol as (...a: unknown[]) => unknown)('SPY', { force: true })],
    ['beginSession', () => (data.beginSession as (...a: unknown[]) => unknown)(S, { dayStart: S.dayStart })],
    ['appendMany', () => (data.appendMany as (...a: unknown[]) => unknown)('SPY', { time: [S.open + 60_000], open: [1], high: [2], low: [1], close: [2], volume: [3] }, {}, 'more')],
  ];
  for (const [name, call] of calls) {
    const e = t.throws(call, { instanceOf: ConfigError }, name);
    t.is(e?.param, 'arguments', name);
    t.regex(e?.message ?? '', new RegExp(`^invalid arguments: ${name} takes `), name);
  }
  // Nothing moved: no bar stored, the clock where it was, QQQ's gap still there for its taker.
  t.is(data.count('SPY', '1m'), 1);
  t.deepEqual(data.takeGaps().map((g) => g.symbol), ['QQQ']);
  t.is(data.append('SPY', bar(S.open + 60_000)).length, 1);
});

test('check and an empty appendMany refuse a symbol append would refuse (a lone surrogate), as an InputError', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  const bar: Bar = { time: S.open, open: 1, high: 2, low: 1, close: 2, volume: 3 };
  t.throws(() => data.append('A\uD800', bar), { instanceOf: InputError, message: /lone surrogate/ });
  t.throws(() => data.check('A\uD800', bar), { instanceOf: InputError, message: /lone surrogate/ });
  // An empty batch too, as a batch with bars refuses it.
  t.throws(() => data.appendMany('A\uD800', { time: [], open: [], high: [], low: [], close: [], volume: [] }), { instanceOf: InputError, message: /lone surrogate/ });
  t.deepEqual(data.symbols(), []);
});

test('a revoked Proxy, a string that reads as a number and a huge synthetic set are described in typed errors, not TypeErrors or RangeErrors', (t) => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  t.throws(() => new SessionData(proxy as never), { instanceOf: ConfigError, message: 'invalid options: expected an object of options, got a revoked Proxy' });
  const data = new SessionData({ intervals: ['5m'] });
  t.throws(() => data.bars(proxy as never, '5m'), { instanceOf: InputError, message: /got a revoked Proxy/ });
  data.beginSession(S);
  // '42' is text, and says so.
  t.throws(() => data.append('SPY', '42' as never), { instanceOf: InputError, message: "a bar is { time, open, high, low, close, volume }, got '42'" });
  t.throws(() => data.append('SPY', '' as never), { instanceOf: InputError, message: "a bar is { time, open, high, low, close, volume }, got ''" });
  // A megabyte of symbol is shown by its start and its length.
  const long = 'x'.repeat(1_000_000);
  const e = t.throws(() => data.bars('SPY', long));
  t.true((e?.message.length ?? Infinity) < 1000, `${e?.message.length}`);
  t.regex(e?.message ?? '', /\(1000000 characters\)/);
  // A year-long session of 1 ms bars: 3.15e10 bars a symbol.
  const year: Session = { ...S, close: S.open + 365 * 86_400_000 };
  t.throws(() => syntheticSource({ sessions: [year], symbols: ['A'], intervalMs: 1 }), { instanceOf: ConfigError, message: /^invalid intervalMs: 1 ms makes 31536000000 bars a symbol/ });
});

test('a standalone indicator given a non-number gives NaN and changes nothing; an object where a number goes is an InputError', (t) => {
  const rsi = new Rsi(3);
  const reference = new Rsi(3);
  for (const x of [10, 11, 10.5, 12]) {
    rsi.update(x);
    reference.update(x);
  }
  for (const bad of ['5', undefined, null, true]) {
    t.true(Number.isNaN(rsi.update(bad as unknown as number)), `update(${JSON.stringify(bad)})`);
    t.true(Number.isNaN(rsi.peek(bad as unknown as number)), `peek(${JSON.stringify(bad)})`);
  }
  for (const bad of [{}, [1], { close: 13 }]) {
    t.throws(() => rsi.update(bad as unknown as number), { instanceOf: InputError }, `update(${JSON.stringify(bad)})`);
    t.throws(() => rsi.peek(bad as unknown as number), { instanceOf: InputError }, `peek(${JSON.stringify(bad)})`);
  }
  t.is(rsi.update(13), reference.update(13));
  const atr = new Atr(3);
  t.true(Number.isNaN(atr.update({ high: 2, low: 1 } as unknown as Bar)));
  t.true(Number.isNaN(atr.update(null as unknown as Bar)));
});

test('computeIndicator: missing close or columns that are not an object are InputErrors; session starts that are not bar indices a ConfigError naming sessionStarts', (t) => {
  const sma = { kind: 'sma', period: 2 } as const;
  typed(t, () => computeIndicator(sma, {} as never), InputError, 'no close');
  typed(t, () => computeIndicator(sma, null as never), InputError, 'null columns');
  for (const starts of ['ab', [1.5], [-1]]) {
    const e = t.throws(() => computeIndicator({ kind: 'vwap' }, { close: [1, 2, 3], high: [1, 2, 3], low: [1, 2, 3], volume: [1, 1, 1] }, starts as never), undefined, `sessionStarts ${JSON.stringify(starts)}`);
    t.true(e instanceof ConfigError && e.param === 'sessionStarts', `sessionStarts ${JSON.stringify(starts)}: ${String(e)}`);
  }
  t.deepEqual([...(computeIndicator(sma, { close: [1, 2, 4] }).sma2 as Float64Array)], [NaN, 1.5, 3]);
  // A key that is no column is refused, not left unread: session starts among the columns would
  // have VWAP restart nowhere ([10, 10, 13.33, 15] instead of [10, 10, 20, 20]).
  const c = [10, 10, 20, 20];
  const v = [1, 1, 1, 1];
  const misplaced = t.throws(() => computeIndicator({ kind: 'vwap' }, { high: c, low: c, close: c, volume: v, sessionStarts: [0, 2] } as never), { instanceOf: ConfigError });
  t.is(misplaced?.message, "invalid columns: 'sessionStarts' is no column (close, high, low, volume; time, open and length are taken and not read): session starts are the argument after the columns");
  t.throws(() => computeIndicators([sma], { close: c, vol: v } as never), { instanceOf: ConfigError, message: /'vol' is no column/ });
  t.deepEqual([...(computeIndicator({ kind: 'vwap' }, { high: c, low: c, close: c, volume: v }, [0, 2]).vwap as Float64Array)], [10, 10, 20, 20]);
  // Bar columns (time, open) and a store's view pass whole.
  const bars = { time: [1, 2, 3, 4], open: c, high: c, low: c, close: c, volume: v, length: 4 };
  t.deepEqual([...(computeIndicator(sma, bars).sma2 as Float64Array)], [NaN, 10, 15, 20]);
});

test('options and arguments of the wrong type are ConfigErrors naming them, never a TypeError from inside', (t) => {
  const config = (fn: () => unknown, param: string, label: string): void => {
    const e = t.throws(fn, undefined, label);
    t.true(e instanceof ConfigError, `${label}: ${String(e)}`);
    t.is((e as ConfigError).param, param, label);
  };
  config(() => new SessionData(null as unknown as object), 'options', 'SessionData(null)');
  config(() => new SessionData({ baseInterval: 5 as unknown as string }), 'baseInterval', 'baseInterval 5');
  config(() => new SessionData({ intervals: 5 as unknown as string[] }), 'intervals', 'intervals 5');
  config(() => new SessionData({ intervals: ['5m', null as unknown as string] }), 'intervals', 'an interval null');
  config(() => new SessionData({ alignment: 1 as unknown as 'clock' }), 'alignment', 'alignment 1');
  config(() => new SessionData({ capacityHint: Symbol('x') as unknown as number }), 'capacityHint', 'capacityHint a Symbol');
  config(() => new SessionData({ intervals: ['1h'], indicators: { '1h': [{ kind: 'rsi' }], '60m': [{ kind: 'sma' }] } }), 'indicators', 'one interval twice');
  config(() => new SessionData({ indicators: { '1m': [{ kind: 'rsi', period: 14n as unknown as number }] } }), 'period', 'a BigInt period');
  const data = new SessionData({ intervals: ['5m'] });
  config(() => data.bars('X', Symbol('5m') as unknown as string), 'interval', 'bars() with a Symbol interval');
  config(() => data.indicator('X', '5m', Symbol('rsi') as unknown as string), 'indicator', 'indicator() with a Symbol name');
  config(() => data.expectSessions(Symbol('n') as unknown as number), 'sessions', 'expectSessions(Symbol)');
  config(() => data.appendMany('X', { time: [], open: [], high: [], low: [], close: [], volume: [] }, null as unknown as object), 'options', 'appendMany options null');
  config(() => computeIndicators({ kind: 'sma' } as unknown as [], { close: [1] }), 'configs', 'computeIndicators with one config, not an array');
  config(() => sessionOn('2024-03-04', null as unknown as SessionHours), 'hours', 'sessionOn without hours');
  config(() => sessionOn('2024-03-04', { open: '09:30', close: '16:00' } as unknown as SessionHours), 'timeZone', 'sessionOn without a time zone');
  config(() => sessionOn('2024-03-04', { open: '09:30', close: '16:00', timeZone: 5 } as unknown as SessionHours), 'timeZone', 'sessionOn with a numeric time zone');
  config(() => sessionOn('2024-03-04', { open: {} as unknown as string, close: '16:00', timeZone: 'UTC' }), 'open', 'sessionOn with an object open');
  config(() => new AnalysisEngine().subscribe(null as unknown as SubscriptionSpec, () => undefined), 'spec', 'subscribe(null)');
  config(() => new AnalysisEngine().subscribe({ interval: '5m', name: 7 as unknown as string }, () => undefined), 'name', 'a numeric name');
  config(() => new PerformanceMetrics(null as unknown as object), 'options', 'PerformanceMetrics(null)');
  config(() => new SessionCoordinator(null as unknown as CoordinatorOptions), 'options', 'SessionCoordinator(null)');
  config(() => new SessionCoordinator({ calendar: Calendar.xnys(), data: {} as SessionData, source: columnsSource({}), from: '2024-03-04', to: '2024-03-04' }), 'data', 'a coordinator over {}');
  config(() => new SessionCoordinator({ calendar: {} as Calendar, data, source: columnsSource({}), from: '2024-03-04', to: '2024-03-04' }), 'calendar', 'a coordinator without a calendar');
  t.throws(() => computeIndicator({ kind: 'vwap' }, { high: [1, 1], low: [1, 1], close: [1, 1], volume: [1, 1] }, [2 ** 32 + 1]), { instanceOf: ConfigError, message: /sessionStarts/ });
});

test('beginSession keeps a session of its own: the caller changing its object later changes nothing; date and timeZone must be strings', (t) => {
  const data = new SessionData();
  const s = { ...S };
  data.beginSession(s);
  s.open = 0;
  s.date = 'changed';
  t.is(data.session?.open, S.open);
  t.is(data.session?.date, S.date);
  t.true(Object.isFrozen(data.session));
  data.endSession();
  typed(t, () => data.beginSession({ ...S, date: 20131007 as unknown as string }), SessionError, 'a numeric date');
  typed(t, () => data.beginSession({ ...S, timeZone: Symbol('tz') as unknown as string }), SessionError, 'a Symbol time zone');
});

test('a misspelt option is a ConfigError naming it, never ignored', (t) => {
  const misspelt = (fn: () => unknown, key: string, label: string): void => {
    const e = t.throws(fn, undefined, label);
    t.true(e instanceof ConfigError, `${label}: ${String(e)}`);
    t.is((e as ConfigError).param, key, label);
    t.regex((e as ConfigError).message, new RegExp(`'${key}' is not an option of`), label);
  };
  // Ignored, `interval` left a store with the base interval only, and `symbol` subscribed to every symbol.
  misspelt(() => new SessionData({ interval: ['5m'] } as unknown as object), 'interval', 'SessionData interval');
  misspelt(() => new SessionData({ intervals: ['5m'], indicator: { '5m': [{ kind: 'rsi' }] } } as unknown as object), 'indicator', 'SessionData indicator');
  misspelt(() => new AnalysisEngine().subscribe({ interval: '5m', symbol: 'SPY' } as unknown as SubscriptionSpec, () => undefined), 'symbol', 'subscribe symbol');
  const data = new SessionData({ intervals: ['5m'] });
  const base = { calendar: Calendar.xnys(), data, source: columnsSource({}), from: '2024-03-04', to: '2024-03-04' };
  misspelt(() => new SessionCoordinator({ ...base, overun: 'queue' } as unknown as CoordinatorOptions), 'overun', 'SessionCoordinator overun');
  misspelt(() => csvSource('x.csv', { timezone: 'America/New_York' } as unknown as object), 'timezone', 'csvSource timezone');
  // A wait longer than a timer can keep would be cut short without a word.
  t.throws(() => new SessionCoordinator({ ...base, readyTimeoutMs: 2 ** 31 }), { instanceOf: ConfigError, message: /readyTimeoutMs: 2147483648 is not a number > 0 and at most 2147483647/ });
  t.notThrows(() => new SessionCoordinator({ ...base, readyTimeoutMs: Infinity }));
  t.throws(() => new SessionCoordinator({ ...base, fillDeadlineMs: 2 ** 31 }), { instanceOf: ConfigError, message: /fillDeadlineMs: 2147483648 is not a number > 0 and at most 2147483647/ });
  t.notThrows(() => new SessionCoordinator({ ...base, fillDeadlineMs: 2 ** 31 - 1 }));
  // A number given as text (or a BigInt) is shown as given: '5000 is not a number' reads as a contradiction.
  const asText = { speed: '2', readyTimeoutMs: '1000', closeDelayMs: '250', fillDeadlineMs: '5000' };
  for (const [key, value] of Object.entries(asText)) {
    t.throws(() => new SessionCoordinator({ ...base, [key]: value } as unknown as CoordinatorOptions), { instanceOf: ConfigError, message: new RegExp(`${key}: '${value}' is not`) }, key);
  }
  for (const key of ['readyTimeoutMs', 'fillDeadlineMs']) {
    t.throws(() => new SessionCoordinator({ ...base, [key]: 5000n } as unknown as CoordinatorOptions), { instanceOf: ConfigError, message: new RegExp(`${key}: 5000n is not`) }, key);
  }
  // An option given as undefined is no option: spreading defaults stays allowed.
  t.notThrows(() => new SessionData({ intervals: ['5m'], retainSessions: undefined }));
});

test("SessionCoordinator's symbols must be a non-empty list of names, for a stream source as for columns", async (t) => {
  // A stream of SPY bars: with a bad symbols option the run read none of them, without a word.
  const session = Calendar.xnys().requireSession('2024-03-08');
  const bars = Array.from({ length: 5 }, (_, k) => ({ symbol: 'SPY', time: session.open + k * 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 }));
  for (const [symbols, label] of [['SPY', 'a string'], [[], 'an empty list'], [null, 'null'], [[''], 'an empty name'], [[5], 'a number'], [new Set(['SPY']), 'a Set']] as const) {
    for (const source of [iterableSource(bars), columnsSource({ SPY: { time: bars.map((b) => b.time), open: [1, 1, 1, 1, 1], high: [2, 2, 2, 2, 2], low: [0.5, 0.5, 0.5, 0.5, 0.5], close: [1.5, 1.5, 1.5, 1.5, 1.5], volume: [10, 10, 10, 10, 10] } })]) {
      const options = { calendar: Calendar.xnys(), data: new SessionData({}), source, from: '2024-03-08', to: '2024-03-08', symbols } as unknown as CoordinatorOptions;
      const e = t.throws(() => new SessionCoordinator(options), undefined, `${label}, ${source.kind}`);
      t.true(e instanceof ConfigError, `${label}, ${source.kind}: ${String(e)}`);
      t.is((e as ConfigError).param, 'symbols', label);
    }
  }
  const report = await new SessionCoordinator({ calendar: Calendar.xnys(), data: new SessionData({}), source: iterableSource(bars), from: '2024-03-08', to: '2024-03-08', symbols: ['SPY'] }).run();
  t.is(report.barsIn, 5);
});

test("a user calendar whose sessions(from, to) returns no array of sessions fails the run with a ConfigError 'calendar'", async (t) => {
  const open = Date.UTC(2024, 2, 8, 14, 30);
  for (const [returned, label] of [[undefined, 'undefined'], [{}, 'an object'], [[null], 'a null entry'], [[{ date: '2024-03-08', open: 'x', close: open + 60_000, timeZone: 'UTC' }], 'an open that is no time']] as const) {
    for (const source of [columnsSource({}), iterableSource([])]) {
      const calendar = { sessions: () => returned } as unknown as CoordinatorOptions['calendar'];
      const e = await t.throwsAsync(new SessionCoordinator({ calendar, data: new SessionData({}), source, from: '2024-03-08', to: '2024-03-08' }).run(), undefined, label);
      t.true(e instanceof ConfigError, `${label}, ${source.kind}: ${String(e)}`);
      t.is((e as ConfigError).param, 'calendar', label);
    }
  }
});

test('a misspelt option of appendMany, PerformanceMetrics, syntheticSource or websocketFeed is a ConfigError naming it', (t) => {
  const misspelt = (fn: () => unknown, key: string, label: string): void => {
    const e = t.throws(fn, undefined, label);
    t.true(e instanceof ConfigError, `${label}: ${String(e)}`);
    t.is((e as ConfigError).param, key, label);
    t.regex((e as ConfigError).message, /is not an option of/, label);
  };
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  const cols = { time: [S.open, S.open], open: [1, 1], high: [2, 2], low: [1, 1], close: [2, 2], volume: [1, 1] };
  // Ignored, `onInvalid: 'skip'` threw at the duplicate and stored nothing: all or nothing, the default.
  misspelt(() => data.appendMany('X', cols, { onInvalid: 'skip' } as unknown as object), 'onInvalid', 'appendMany onInvalid');
  t.is(data.count('X', '1m'), 0);
  t.deepEqual(Object.values(data.rejections()).filter((n) => n > 0), []);
  // Ignored, `enable: false` left the metrics enabled.
  misspelt(() => new PerformanceMetrics({ enable: false } as unknown as object), 'enable', 'PerformanceMetrics enable');
  misspelt(() => syntheticSource({ sessions: [S], seeds: 7 } as unknown as SyntheticOptions), 'seeds', 'syntheticSource seeds');
  misspelt(() => websocketFeed({ url: 'ws://127.0.0.1:1', toBars: () => [], heartbeat: 5_000 } as unknown as WebSocketFeedOptions), 'heartbeat', 'websocketFeed heartbeat');
  misspelt(() => websocketFeed({ url: 'ws://127.0.0.1:1', toBars: () => [], reconnect: { retries: 3 } } as unknown as WebSocketFeedOptions), 'reconnect.retries', 'websocketFeed reconnect.retries');
  // Given as undefined, an option is no option, as elsewhere.
  t.notThrows(() => data.appendMany('X', { ...cols, time: [S.open, S.open + 60_000] }, { invalid: undefined }));
  t.notThrows(() => new PerformanceMetrics({ enabled: undefined }));
});

test('messages spell numbers and parameters as the caller wrote them', (t) => {
  t.throws(() => new Rsi(Infinity), { instanceOf: ConfigError, message: /got Infinity$/ });
  t.throws(() => new Rsi(-Infinity), { instanceOf: ConfigError, message: /got -Infinity$/ });
  t.throws(() => computeIndicator({ kind: 'sma', fast: 3 } as never, { close: [1, 2, 3] }), { instanceOf: ConfigError, message: "invalid fast: 'fast' is not a parameter of sma" });
  // Ids too: a multiplier is written as String(x) writes it.
  for (const x of [1e-7, 2.5e21, 0.1 + 0.2, 1e-6]) {
    t.is(describeIndicator({ kind: 'bbands', devUp: x, devDown: -0 }).id, `bbands20_${String(x)}_0`);
    t.deepEqual(Object.keys(computeIndicator({ kind: 'stddev', period: 2, dev: x }, { close: [1, 2] })), [`stddev2_${String(x)}`]);
  }
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  t.throws(() => data.advanceTo(Infinity), { message: /advanceTo time Infinity is not a finite number/ });
  t.throws(() => data.append('X', { time: S.open, open: 1, high: Infinity, low: 1, close: 1, volume: 1 }), { code: 'non_finite', message: /high Infinity,/ });
});

test('an indicator config that is not { kind, ... } is a ConfigError naming the argument it came in: config, configs, or the indicators option', (t) => {
  const param = (fn: () => unknown): string | undefined => t.throws(fn, { instanceOf: ConfigError })?.param;
  t.is(param(() => computeIndicator(null as never, { close: [1, 2] })), 'config');
  t.is(param(() => describeIndicator('rsi' as never)), 'config');
  t.is(param(() => computeIndicators([{ kind: 'rsi' }, 5 as never], { close: [1, 2] })), 'configs');
  t.is(param(() => new SessionData({ indicators: { '1m': [{} as never] } })), 'indicators');
});

test("a bad indicator in SessionData's indicators option names its parameter and says which indicator of which interval it is", (t) => {
  const bad = (config: unknown): ConfigError | undefined =>
    t.throws(() => new SessionData({ intervals: ['5m', '1h'], indicators: { '5m': [{ kind: 'sma', period: 3 }], '60m': [{ kind: 'ema', period: 5 }, config as never] } }), { instanceOf: ConfigError });
  t.like(bad({ kind: 'rsi', period: 0 }), { param: 'period', message: "invalid period: must be a whole number from 2 to 100000, got 0 (indicator 2 of '60m')" });
  t.like(bad({ kind: 'macd', fast: 30, slow: 10 }), { param: 'fast', message: "invalid fast: must be less than slow (10), got 30 (indicator 2 of '60m')" });
  t.like(bad({ kind: 'sma', period: 5, bogus: 1 }), { param: 'bogus', message: "invalid bogus: 'bogus' is not a parameter of sma (indicator 2 of '60m')" });
  t.like(bad({ kind: 'nope' }), { param: 'kind' });
  t.regex(bad({ kind: 'nope' })?.message ?? '', /unknown indicator 'nope'.*\(indicator 2 of '60m'\)$/);
});

test('a column in a typed array other than Float64Array is an InputError naming its type, for appendMany and computeIndicator alike', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);
  const columns = { time: f64([S.open]), open: f64([1]), high: f64([2]), low: f64([1]), close: new Float32Array([1.1]), volume: f64([3]) };
  const e = t.throws(() => data.appendMany('X', columns as unknown as BarColumns), { instanceOf: InputError });
  t.regex(e?.message ?? '', /column 'close' is a Float32Array: give a Float64Array/);
  t.deepEqual(data.symbols(), []);
  const f = t.throws(() => computeIndicator({ kind: 'sma', period: 2 }, { close: new Int32Array([1, 2, 3]) as unknown as Float64Array }), { instanceOf: InputError });
  t.regex(f?.message ?? '', /column 'close' is an Int32Array/);
});

test('subscribe refuses an interval no store can have when subscribing, naming it; a valid spelling the store lacks waits for the run', (t) => {
  const engine = new AnalysisEngine();
  for (const interval of ['bogus', '0m', '1w', '5 m']) {
    const error = t.throws(() => engine.subscribe({ interval }, () => {}), { instanceOf: ConfigError });
    t.is((error as ConfigError).param, 'interval', interval);
    t.true((error as ConfigError).message.includes(`'${interval}' is not an interval`), interval);
  }
  // Nothing was subscribed by the refused calls: a later name is the first generated one.
  t.is(engine.subscribe({ interval: '7m' }, () => {}).name, 'subscriber-1');
  t.is(engine.subscribe({ interval: '60m' }, () => {}).interval, '60m');
});

test('null for an option is refused with the option named, not read as its default in some places and refused in others; an array is not options', (t) => {
  const calendar = Calendar.xnys();
  const sessions = calendar.sessions('2024-03-04', '2024-03-04');
  const cases: [string, string, () => unknown][] = [
    ['SessionData', 'alignment', () => new SessionData({ alignment: null } as never)],
    ['SessionData', 'capacityHint', () => new SessionData({ capacityHint: null } as never)],
    ['appendMany', 'invalid', () => new SessionData().appendMany('A', { time: [1], open: [1], high: [1], low: [1], close: [1], volume: [1] }, { invalid: null } as never)],
    ['csvSource', 'epoch', () => csvSource('bars.csv', { epoch: null } as never)],
    ['syntheticSource', 'seed', () => syntheticSource({ sessions, seed: null } as never)],
    ['SessionCoordinator', 'speed', () => new SessionCoordinator({ calendar, data: new SessionData(), source: columnsSource({}), from: '2024-03-04', to: '2024-03-04', speed: null } as never)],
    ['websocketFeed', 'heartbeatMs', () => websocketFeed({ url: 'ws://127.0.0.1:1', toBars: () => [], heartbeatMs: null } as never)],
    ['PerformanceMetrics', 'enabled', () => new PerformanceMetrics({ enabled: null } as never)],
    ['Calendar.custom', 'maxGapDays', () => Calendar.custom({ timeZone: 'UTC', session: () => null, maxGapDays: null } as never)],
  ];
  for (const [what, param, make] of cases) {
    const e = t.throws(make, { instanceOf: ConfigError }, `${what} ${param}`);
    t.is(e?.param, param, what);
    t.regex(e?.message ?? '', /null is not a value of .* \(an option left out takes its default, where it has one\)/, what);
  }
  // Where null means something, it still does: no rounding.
  const unrounded = syntheticSource({ sessions, symbols: ['A'], decimals: null });
  t.is(unrounded.symbols.length, 1);
  const arrays: [string, () => unknown][] = [
    ['SessionData', () => new SessionData([] as never)],
    ['appendMany', () => new SessionData().appendMany('A', { time: [1], open: [1], high: [1], low: [1], close: [1], volume: [1] }, [] as never)],
    ['csvSource', () => csvSource('bars.csv', [] as never)],
    ['PerformanceMetrics', () => new PerformanceMetrics([] as never)],
  ];
  for (const [what, make] of arrays) t.is(t.throws(make, { instanceOf: ConfigError }, what)?.param, 'options', what);
  t.is(t.throws(() => websocketFeed({ url: 'ws://127.0.0.1:1', toBars: () => [], reconnect: [] } as never), { instanceOf: ConfigError })?.param, 'reconnect');
  t.is(t.throws(() => csvSource('bars.csv', { columns: [] } as never), { instanceOf: ConfigError })?.param, 'columns');
});

test('websocketFeed refuses, when made, headers and protocols the WebSocket handshake would refuse at its first connection', (t) => {
  const feed = (o: Partial<WebSocketFeedOptions>): unknown => websocketFeed({ url: 'ws://127.0.0.1:1', toBars: () => [], ...o } as WebSocketFeedOptions);
  const cases: [Partial<WebSocketFeedOptions>, string][] = [
    [{ headers: { 'X Api Key': 'secret' } }, 'headers'],
    [{ headers: { 'X-Api-Key': 'secret\r\nX-Admin: 1' } }, 'headers'],
    [{ headers: { 'X-Api-Key': 'a\0b' } }, 'headers'],
    [{ protocols: ['v1 json'] }, 'protocols'],
    [{ protocols: ['v1', 'v1'] }, 'protocols'],
  ];
  for (const [o, param] of cases) {
    const e = t.throws(() => feed(o), { instanceOf: ConfigError }, JSON.stringify(o));
    t.is(e?.param, param, JSON.stringify(o));
  }
  // What the handshake takes is taken.
  t.notThrows(() => feed({ headers: { 'X-Api-Key': 'secret value; with spaces' }, protocols: ['v1.json', 'graphql-ws'] }));
});

test('messages show NaN and Infinity as given, not as the null JSON writes for them', (t) => {
  const cols = { close: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], high: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], low: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], volume: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] };
  t.throws(() => computeIndicator({ kind: 'vwap' }, cols, [0, NaN]), { instanceOf: ConfigError, message: /got NaN at position 1$/ });
  t.throws(() => computeIndicator({ kind: 'vwap' }, cols, [-Infinity]), { instanceOf: ConfigError, message: /got -Infinity at position 0$/ });
  t.throws(() => computeIndicators(NaN as never, cols), { instanceOf: ConfigError, message: /got NaN$/ });
  const engine = new AnalysisEngine();
  t.throws(() => engine.subscribe({ interval: '5m', symbols: ['A', NaN] as never }, () => {}), { instanceOf: ConfigError, message: /got \["A",NaN\]$/ });
});
