/**
 * Arguments of the runtime's public classes that were taken without a word (a misspelt option, a
 * value of the wrong type) or failed with a TypeError from inside: each is now the library's typed
 * error naming it, and nothing changed.
 */
import { EventEmitter, once as eventsOnce } from 'node:events';
import test from 'ava';
import { AnalysisEngine, Calendar, ConfigError, DataProcessor, InputError, PerformanceMetrics, ReadySignal, SessionCoordinator, SessionData, SimulatedClock, WallClock, columnsSource, csvSource, sessionOn, syntheticSource, waitAll, websocketFeed } from 'barstream';
import type { BarstreamError, CoordinatorOptions, WaitOptions } from 'barstream';

function refused(t: import('ava').ExecutionContext, fn: () => unknown, kind: new (...args: never[]) => BarstreamError, param: string | null, message: RegExp, label: string): void {
  const e = t.throws(fn, undefined, label);
  t.true(e instanceof kind, `${label}: ${String(e)}`);
  if (param !== null) t.is((e as ConfigError).param, param, label);
  t.regex((e as Error).message, message, label);
}

test('SessionCoordinator refuses an engine or metrics of the wrong kind at construction, not with a TypeError at run()', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const base = { calendar: Calendar.xnys(), data, source: columnsSource({}), from: '2024-03-04', to: '2024-03-04' };
  refused(t, () => new SessionCoordinator({ ...base, engine: {} } as unknown as CoordinatorOptions), ConfigError, 'engine', /expected an AnalysisEngine, got an object/, 'engine {}');
  refused(t, () => new SessionCoordinator({ ...base, engine: null } as unknown as CoordinatorOptions), ConfigError, 'engine', /null is not a value of SessionCoordinator's 'engine' \(an option left out takes its default, where it has one\)/, 'engine null');
  refused(t, () => new SessionCoordinator({ ...base, metrics: { stage: 1 } } as unknown as CoordinatorOptions), ConfigError, 'metrics', /expected a PerformanceMetrics, got an object/, 'metrics {}');
  t.is(data.session, null);
  t.deepEqual(data.symbols(), []);
  // The store is not claimed by the refused coordinators: a good one runs on it.
  const report = await new SessionCoordinator({ ...base, engine: new AnalysisEngine(), metrics: new PerformanceMetrics() }).run();
  t.is(report.sessions, 1);
});

test('DataProcessor names an argument of the wrong kind instead of a TypeError from inside', (t) => {
  const data = new SessionData();
  const engine = new AnalysisEngine();
  const metrics = new PerformanceMetrics();
  const observer = { delivered: () => undefined, failed: () => undefined };
  refused(t, () => new DataProcessor(null as unknown as SessionData, engine, metrics, observer), ConfigError, 'data', /expected a SessionData, got null/, 'data null');
  refused(t, () => new DataProcessor(data, {} as AnalysisEngine, metrics, observer), ConfigError, 'engine', /AnalysisEngine/, 'engine {}');
  refused(t, () => new DataProcessor(data, engine, undefined as unknown as PerformanceMetrics, observer), ConfigError, 'metrics', /got undefined/, 'metrics undefined');
  refused(t, () => new DataProcessor(data, engine, metrics, {} as typeof observer), ConfigError, 'observer', /delivered, failed/, 'observer {}');
  t.deepEqual(metrics.stages(), [], 'no stage was made');
  t.notThrows(() => new DataProcessor(data, engine, metrics, observer));
});

test('a metrics stage: time() of something that is not a function, end() of something that is not a start mark', (t) => {
  const stage = new PerformanceMetrics().stage('work');
  refused(t, () => stage.time(5 as unknown as () => void), ConfigError, 'fn', /time\(fn\) takes a function to run, got 5/, 'time(5)');
  // end(undefined) recorded a latency of 0 (shown as 1 ns); end('5') converted the text.
  for (const bad of [undefined, '5', NaN, null]) {
    refused(t, () => stage.end(bad as unknown as number), InputError, null, /end\(start\) takes the number start\(\) returned/, `end(${String(bad)})`);
  }
  t.is(stage.count, 0, 'nothing was recorded');
  stage.end(stage.start());
  t.is(stage.count, 1);
});

test('ReadySignal.wait and waitAll refuse options other than { keepAlive?: boolean }', async (t) => {
  const signal = new ReadySignal('s');
  const bad: [unknown, string, RegExp][] = [
    [{ keepalive: true }, 'keepalive', /'keepalive' is not an option of a wait \(its options: keepAlive\)/],
    [{ keepAlive: 'yes' }, 'keepAlive', /expected a boolean, got 'yes'/],
    [5, 'options', /expected \{ keepAlive\? \}, got 5/],
    [null, 'options', /got null/],
  ];
  for (const [options, param, message] of bad) {
    refused(t, () => signal.wait(10, options as WaitOptions), ConfigError, param, message, `wait ${String(options)}`);
    refused(t, () => waitAll([signal], 10, options as WaitOptions), ConfigError, param, message, `waitAll ${String(options)}`);
  }
  t.is(signal.state, 'pending', 'no wait began: the signal did not time out');
  signal.signal();
  await t.notThrowsAsync(signal.wait(10, { keepAlive: false }));
  await t.notThrowsAsync(waitAll([signal], 10, { keepAlive: undefined }));
});

test('clocks: delayUntil of something that is not a number is an InputError, as sleepUntil is; a jumping clock never jumps back', (t) => {
  for (const clock of [new SimulatedClock(0, 2), new SimulatedClock(0), new WallClock()]) {
    for (const bad of ['5', undefined, NaN, null]) {
      refused(t, () => clock.delayUntil(bad as unknown as number), InputError, null, /a clock time is a number \(epoch ms\), got/, `${clock.constructor.name} delayUntil(${String(bad)})`);
    }
  }
  const clock = new SimulatedClock(1_000, 0);
  t.is(clock.delayUntil(5_000), 0);
  t.is(clock.now(), 1_000);
  // jumpTo moves it on, never back.
  clock.jumpTo(2_000);
  t.is(clock.now(), 2_000);
  clock.jumpTo(1_500);
  t.is(clock.now(), 2_000);
});

test('the coordinator and the column, CSV and synthetic sources take one options object (CSV its paths first, columns its columns): an argument past it is a ConfigError, not dropped', (t) => {
  const Coordinator = SessionCoordinator as unknown as new (...a: unknown[]) => unknown;
  const calendar = Calendar.xnys();
  const options = { calendar, data: new SessionData(), source: columnsSource({}), from: '2024-03-04', to: '2024-03-04' };
  refused(t, () => new Coordinator(options, { speed: 60 }), ConfigError, 'arguments', /SessionCoordinator takes \(options\), got \{"speed":60\} as argument 2/, 'coordinator');
  refused(t, () => (columnsSource as (...a: unknown[]) => unknown)({}, {}, { symbols: ['SPY'] }), ConfigError, 'arguments', /columnsSource takes \(columns, options\).*as argument 3/, 'columns');
  // A load request given as its options: no option of it.
  refused(t, () => (columnsSource as (...a: unknown[]) => unknown)({}, { symbols: ['SPY'] }), ConfigError, 'symbols', /'symbols' is not an option of columnsSource \(its options: order\)/, 'columns options');
  refused(t, () => (csvSource as (...a: unknown[]) => unknown)('x.csv', {}, { symbols: ['SPY'] }), ConfigError, 'arguments', /csvSource takes \(paths, options\).*as argument 3/, 'csv');
  refused(t, () => (syntheticSource as (...a: unknown[]) => unknown)({ sessions: [] }, 7), ConfigError, 'arguments', /syntheticSource takes \(options\).*as argument 2/, 'synthetic');
  // undefined counts as no argument.
  t.notThrows(() => new Coordinator(options, undefined));
});

test('AnalysisEngine and WallClock take no arguments: one given is a ConfigError, not dropped', (t) => {
  const Engine = AnalysisEngine as unknown as new (...args: unknown[]) => AnalysisEngine;
  const Wall = WallClock as unknown as new (...args: unknown[]) => WallClock;
  refused(t, () => new Engine({ interval: '5m' }), ConfigError, 'arguments', /AnalysisEngine takes no arguments, got \{"interval":"5m"\} as argument 1: subscribe with engine\.subscribe/, 'engine options');
  refused(t, () => new Engine(new Map([['interval', '5m']])), ConfigError, 'arguments', /got a Map as argument 1/, 'engine map');
  refused(t, () => new Engine(undefined, null), ConfigError, 'arguments', /as argument 2/, 'engine second argument');
  refused(t, () => new Wall(Date.UTC(2024, 2, 4)), ConfigError, 'arguments', /WallClock takes no arguments.*SimulatedClock/, 'wall clock start');
  refused(t, () => new Wall(undefined, 2), ConfigError, 'arguments', /as argument 2/, 'wall clock speed');
  // `undefined` is no argument, as for a parameter left out.
  t.is(new Engine(undefined).subscribers().length, 0);
  const before = Date.now();
  t.true(new Wall(undefined).now() >= before);
});

test('sleepUntil with an AbortController (not its signal) rejects with a ConfigError before any timer starts, and the process lives on', async (t) => {
  const wall = new WallClock();
  const slow = new SimulatedClock(0, 1);
  const controller = new AbortController();
  for (const [clock, time] of [[wall, Date.now() + 40], [slow, 40]] as const) {
    for (const signal of [controller, {}, 'abort']) {
      const e = await t.throwsAsync(clock.sleepUntil(time, signal as unknown as AbortSignal), { instanceOf: ConfigError });
      t.is(e?.param, 'signal');
    }
    const e = await t.throwsAsync(clock.sleepUntil(time, controller as unknown as AbortSignal));
    t.regex(e?.message ?? '', /AbortController: pass its \.signal/);
  }
  // A timer started before the check would throw from inside it, uncaught, about now.
  await new Promise((resolve) => setTimeout(resolve, 120));
  await wall.sleepUntil(Date.now() + 5, controller.signal);
  t.pass();
});

test('a listener on an event the coordinator or the feed does not have is a ConfigError naming the events, and is not added', async (t) => {
  const calendar = Calendar.xnys();
  const coordinator = new SessionCoordinator({ calendar, data: new SessionData(), source: columnsSource({}), from: '2024-03-04', to: '2024-03-04' });
  const on = coordinator.on.bind(coordinator) as unknown as (name: string, fn: () => void) => unknown;
  const once = coordinator.once.bind(coordinator) as unknown as (name: string, fn: () => void) => unknown;
  for (const [add, name] of [[on, 'sessionstart'], [on, 'session-end'], [once, 'progres']] as const) {
    refused(t, () => add(name, () => {}), ConfigError, 'event', new RegExp(`^invalid event: "${name}" is not an event of SessionCoordinator \\(its events: sessionStart, sessionEnd, error, gap, gapExtended, gapSettled, progress\\)`), name);
  }
  t.deepEqual(coordinator.eventNames(), []);
  const feed = websocketFeed({ url: 'ws://127.0.0.1:1', toBars: () => [] });
  refused(t, () => (feed.on as unknown as (name: string, fn: () => void) => unknown).call(feed, 'reconected', () => {}), ConfigError, 'event', /is not an event of WebSocketFeed \(its events: status, .*closed, error\)/, 'feed');
  t.deepEqual(feed.eventNames(), []);
  // A subclass may have events of its own.
  class Trading extends SessionCoordinator {}
  const trading = new Trading({ calendar, data: new SessionData(), source: columnsSource({}), from: '2024-03-04', to: '2024-03-04' });
  let trades = 0;
  (trading.on as unknown as (name: string, fn: () => void) => unknown).call(trading, 'trade', () => trades++);
  (trading.emit as unknown as (name: string) => boolean).call(trading, 'trade');
  t.is(trades, 1);
  // The events there are, symbols, and what events.once listens to beside the name, are taken.
  let ended = 0;
  coordinator.on('sessionEnd', () => ended++);
  coordinator.on(EventEmitter.errorMonitor as unknown as 'error', () => {});
  const started = eventsOnce(coordinator, 'sessionStart');
  const report = await coordinator.run();
  t.is((await started).length, 1);
  t.is(report.sessions, 1);
  t.is(ended, 1);
});

test('a source of no kind the coordinator reads is refused when the coordinator is made, not with a TypeError inside run()', async (t) => {
  const base = { calendar: Calendar.xnys(), from: '2024-03-04', to: '2024-03-05' };
  const cases: [unknown, RegExp][] = [
    [{ kind: 'columns' }, /kind 'columns'\) needs a load\(request\) function, got undefined/],
    [{ kind: 'stream' }, /kind 'stream'\) needs \[Symbol\.asyncIterator\]\(\)/],
    [{ kind: 'Columns', load: async () => new Map() }, /kind is 'columns' or 'stream', got 'Columns'/],
    // The bars themselves, unwrapped: the message says how to pass them.
    [(async function* bars() {})(), /expected a source, got an object \(bars to iterate over: pass iterableSource\(them\)\)/],
    [[], /expected a source, got an array \(bars to iterate over: pass iterableSource\(them\)\)/],
    [new Map([['SPY', { time: [] }]]), /expected a source, got .*\(columns by symbol: pass columnsSource\(them\)\)/],
  ];
  for (const [source, message] of cases) {
    const data = new SessionData();
    refused(t, () => new SessionCoordinator({ ...base, data, source } as unknown as CoordinatorOptions), ConfigError, 'source', message, JSON.stringify(source));
    t.is(data.session, null);
  }
  t.is((await new SessionCoordinator({ ...base, data: new SessionData(), source: { kind: 'columns', load: async () => new Map() } }).run()).sessions, 2);
});

test('run(options), endSession(flag), bars(symbol, interval, n) and sessionOn(date, hours, flags) refuse what they would ignore, and change nothing', async (t) => {
  const calendar = Calendar.xnys();
  const data = new SessionData({ intervals: ['5m'] });
  const coordinator = new SessionCoordinator({ calendar, data, source: columnsSource({}), from: '2024-03-04', to: '2024-03-04' });
  const run = coordinator.run.bind(coordinator) as unknown as (...args: unknown[]) => Promise<unknown>;
  const e = await t.throwsAsync(run({ from: '2024-03-05' }), { instanceOf: ConfigError });
  t.is(e?.param, 'arguments');
  t.regex(e?.message ?? '', /SessionCoordinator\.run takes no arguments/);
  t.is(data.session, null);
  const session = calendar.requireSession('2024-03-04');
  data.beginSession(session);
  for (let k = 0; k < 7; k++) data.appendValues('A', session.open + k * 60_000, 1, 9, 0.5, 1 + k, 10);
  const endSession = data.endSession.bind(data) as unknown as (...args: unknown[]) => unknown;
  refused(t, () => endSession({ flush: false }), ConfigError, 'arguments', /endSession takes no arguments/, 'endSession');
  t.is(data.session?.date, '2024-03-04');
  t.is(data.bars('A', '5m').length, 1);
  const bars = data.bars.bind(data) as unknown as (...args: unknown[]) => unknown;
  refused(t, () => bars('A', '1m', 3), ConfigError, 'arguments', /bars takes \(symbol, interval\), got a third argument 3/, 'bars n');
  t.is(data.bars('A', '1m').length, 7);
  data.endSession();
  t.is(data.bars('A', '5m').length, 2);
  const on = sessionOn as unknown as (...args: unknown[]) => unknown;
  refused(t, () => on('2024-11-29', { open: '09:30', close: '13:00', timeZone: 'America/New_York' }, { earlyClose: true }), ConfigError, 'arguments', /sessionOn takes \(date, \{ open, close, timeZone \}\)/, 'sessionOn flags');
});

test('DataProcessor.abort needs the Error later calls throw, and closed() refuses what is not pairs; neither changes anything', (t) => {
  const processor = new DataProcessor(new SessionData(), new AnalysisEngine(), new PerformanceMetrics(), { delivered() {}, failed() {} });
  const abort = processor.abort.bind(processor) as unknown as (...args: unknown[]) => void;
  refused(t, () => abort(), ConfigError, 'error', /abort takes the Error later calls throw, got undefined/, 'abort()');
  refused(t, () => abort('stop'), ConfigError, 'error', /got 'stop'/, "abort('stop')");
  const closed = processor.closed.bind(processor) as unknown as (pairs: unknown) => void;
  for (const pairs of [null, [null], [{ symbol: 'A' }], 'A']) refused(t, () => closed(pairs), ConfigError, 'pairs', /expected an array of \{ symbol, interval \}/, JSON.stringify(pairs));
  // Not aborted by any of it: a slice still begins; an abort with an Error then holds.
  processor.beginSlice();
  processor.endSlice();
  const error = new Error('gone');
  processor.abort(error);
  t.is(t.throws(() => processor.beginSlice()), error);
});

test('subscribe refuses a third argument, a Set of symbols (saying so) and the name the metrics keep for departed subscribers', (t) => {
  const engine = new AnalysisEngine();
  const subscribe = engine.subscribe.bind(engine) as (...args: unknown[]) => unknown;
  refused(t, () => subscribe({ interval: '5m' }, () => {}, { name: 'x' }), ConfigError, 'arguments', /^invalid arguments: subscribe takes \(spec, handler\), got \{"name":"x"\} as argument 3/, 'third argument');
  refused(t, () => engine.subscribe({ interval: '5m', symbols: new Set(['A']) as never }, () => {}), ConfigError, 'symbols', /got a Set$/, 'a Set');
  refused(t, () => engine.subscribe({ interval: '5m', name: '(unsubscribed)' }, () => {}), ConfigError, 'name', /'\(unsubscribed\)' names the metrics of subscribers that left a run/, 'reserved name');
  t.deepEqual(engine.subscribers(), []);
});

test('a running SimulatedClock (speed > 0) is moved on by jumpTo, never back', (t) => {
  const clock = new SimulatedClock(1_000_000, 1);
  clock.jumpTo(2_000_000);
  t.true(clock.now() >= 2_000_000);
  clock.jumpTo(1_500_000);
  t.true(clock.now() >= 2_000_000, `now() is ${clock.now()} after jumpTo to an earlier time`);
  // And delayUntil agrees: a time before 2e6 is already due.
  t.true(clock.delayUntil(1_999_999) <= 0);
});
