/**
 * Values at the public entry points that once escaped the typed errors: a message that could not
 * be built, a comparison that converted what it should not, options of a kind that reads as none,
 * a sparse list of 2^32 - 1 entries. Each is refused with a `ConfigError` naming the parameter, or,
 * for a stream bar, counted as the rejection it is.
 */
import test from 'ava';
import { Calendar, ConfigError, PerformanceMetrics, ReadySignal, ReadyTimeoutError, SessionCoordinator, SessionData, columnsSource, computeIndicator, computeIndicators, csvSource, describeIndicator, forEachSlice, iterableSource, sessionOn, timeSlices, waitAll } from 'barstream';
import type { SymbolBar } from 'barstream';

const MINUTE = 60_000;
const nullProto = (): never => Object.create(null) as never;

function hugeSparse<T>(): T[] {
  const list: T[] = [];
  list.length = 2 ** 32 - 1;
  return list;
}

test('ReadySignal.all, waitAll and ReadyTimeoutError refuse a sparse list of 2^32 - 1 entries at once', async (t) => {
  await t.throwsAsync(async () => ReadySignal.all(hugeSparse<ReadySignal>()), { instanceOf: ConfigError, message: /signals: no signal at 0 \(a sparse array\)/ });
  await t.throwsAsync(async () => waitAll(hugeSparse<ReadySignal>()), { instanceOf: ConfigError, message: /signals: no signal at 0/ });
  t.throws(() => new ReadyTimeoutError(hugeSparse<string>(), 1000), { instanceOf: ConfigError, message: /signals/ });
});

test("a stream bar whose time is a Symbol or a null-prototype object is counted non_finite; the run goes on", async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const open = calendar.session('2024-05-06')!.open;
  for (const [name, odd] of [['a Symbol', Symbol('t')], ['a null-prototype object', nullProto()]] as const) {
    for (const speed of [0, 60_000]) {
      const bar = (time: unknown): SymbolBar => ({ symbol: 'A', time: time as number, open: 10, high: 10, low: 10, close: 10, volume: 1 });
      const data = new SessionData();
      const report = await new SessionCoordinator({ calendar, data, source: iterableSource([bar(open), bar(odd), bar(open + MINUTE)]), from: '2024-05-06', to: '2024-05-06', speed }).run();
      t.is(report.barsIn, 3, `${name}, speed ${speed}`);
      t.is(report.barsStored, 2, `${name}, speed ${speed}`);
      t.is(report.rejected.non_finite, 1, `${name}, speed ${speed}`);
    }
  }
});

test('a message about a value String() cannot convert is built all the same: the ConfigError, not a TypeError', async (t) => {
  const file = 'unused.csv';
  t.throws(() => csvSource(file, { onBadRow: nullProto() }), { instanceOf: ConfigError, message: /onBadRow: an object is not 'throw' or 'skip'/ });
  t.throws(() => csvSource(file, { epoch: nullProto() }), { instanceOf: ConfigError, message: /epoch/ });
  t.throws(() => csvSource(file, { timeZone: nullProto() }), { instanceOf: ConfigError, message: /timeZone/ });
  await t.throwsAsync(async () => columnsSource({}).load({ from: nullProto() }), { instanceOf: ConfigError, message: /from: expected epoch milliseconds, got an object/ });
  const coordinator = new SessionCoordinator({ calendar: Calendar.xnys(), data: new SessionData(), source: columnsSource({}), from: '2024-05-06', to: '2024-05-06' });
  t.throws(() => coordinator.on(14n as unknown as 'progress', () => undefined), { instanceOf: ConfigError, message: /event: 14n is not an event of SessionCoordinator/ });
  t.throws(() => new SessionCoordinator({ calendar: Calendar.xnys(), data: new SessionData(), source: columnsSource({}), from: '2024-05-06', to: '2024-05-06', overrun: nullProto() }), { instanceOf: ConfigError, message: /overrun/ });
});

test('options of a kind whose keys are not its data (a Map, a Date, an Error) are refused, not read as no options', (t) => {
  t.throws(() => Calendar.xnys(new Map([['hours', 'extended']]) as unknown as { hours: 'extended' }), { instanceOf: ConfigError, message: /takes an options object, got a Map/ });
  t.throws(() => new PerformanceMetrics(new Map([['enabled', false]]) as unknown as { enabled: boolean }), { instanceOf: ConfigError, message: /got a Map/ });
  const data = new SessionData();
  data.beginSession(sessionOn('2024-03-04', { open: '09:30', close: '16:00', timeZone: 'America/New_York' }));
  const columns = { time: [Number.NaN], open: [1], high: [1], low: [1], close: [1], volume: [1] };
  t.throws(() => data.appendMany('A', columns, new Map([['invalid', 'skip']]) as unknown as { invalid: 'skip' }), { instanceOf: ConfigError, message: /appendMany takes an object of options/ });
  t.throws(() => new SessionData(new Date() as unknown as object), { instanceOf: ConfigError });
  t.deepEqual(data.symbols(), []);
});

test('a stream bar of a class (fields as getters) whose time is a Date is counted non_finite; the others are stored', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const open = calendar.session('2024-05-06')!.open;
  class Row {
    constructor(readonly at: unknown) {}
    get symbol(): string { return 'A'; }
    get time(): number { return this.at as number; }
    get open(): number { return 10; }
    get high(): number { return 10; }
    get low(): number { return 10; }
    get close(): number { return 10; }
    get volume(): number { return 1; }
  }
  for (const speed of [0, 60_000]) {
    const rows = [0, 1, 2, 3, 4].map((m) => new Row(m === 2 ? new Date(open + m * MINUTE) : open + m * MINUTE));
    const report = await new SessionCoordinator({ calendar, data: new SessionData(), source: iterableSource(rows as unknown as SymbolBar[]), from: '2024-05-06', to: '2024-05-06', speed }).run();
    t.is(report.barsStored, 4, `speed ${speed}`);
    t.is(report.rejected.non_finite, 1, `speed ${speed}`);
  }
});

test('a data-driven run whose stray test reads past a full read-ahead of bars without times ends, when the bars after them are left out', async (t) => {
  const calendar = Calendar.custom({
    timeZone: 'UTC',
    sessions: [
      { date: '2024-05-06', open: '10:00', close: '10:30' },
      { date: '2024-05-07', open: '10:00', close: '10:30' },
    ],
  });
  const first = calendar.session('2024-05-06')!.open;
  const second = calendar.session('2024-05-07')!.open;
  const one = (time: number): SymbolBar => ({ symbol: 'A', time, open: 10, high: 10, low: 10, close: 10, volume: 1 });
  // Five bars, the next session's first (a stray or the session's end, told by the bars after it),
  // 70,000 bars with no time, then bars of a day after the run, which the run leaves out.
  async function* stream(): AsyncGenerator<SymbolBar> {
    for (let m = 0; m < 5; m++) yield one(first + m * MINUTE);
    yield one(second);
    for (let i = 0; i < 70_000; i++) yield one(Number.NaN);
    for (let i = 0; i < 5_000; i++) yield one(second + 3 * 86_400_000 + i * MINUTE);
  }
  const coordinator = new SessionCoordinator({ calendar, data: new SessionData(), source: iterableSource(stream()), from: '2024-05-06', to: '2024-05-07' });
  const timer = setTimeout(() => coordinator.stop(), 30_000);
  const report = await coordinator.run();
  clearTimeout(timer);
  t.false(report.stopped);
  t.is(report.barsIn, 70_006);
  t.is(report.rejected.non_finite, 70_000);
});

test('stop() ends a run whose source gives bars the run leaves out without end (a symbol not asked for), read without I/O', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const open = calendar.session('2024-05-06')!.open;
  const one = (symbol: string, time: number): SymbolBar => ({ symbol, time, open: 10, high: 10, low: 10, close: 10, volume: 1 });
  function* endless(): Generator<SymbolBar> {
    for (let m = 0; m < 5; m++) yield one('A', open + m * MINUTE);
    for (;;) yield one('Z', open + 5 * MINUTE);
  }
  for (const speed of [0, 60_000]) {
    const coordinator = new SessionCoordinator({ calendar, data: new SessionData(), source: iterableSource(endless()), from: '2024-05-06', to: '2024-05-06', speed, symbols: ['A'] });
    // Read in one go, the bars left out gave no timer a turn: this one, and the run, never ended.
    setTimeout(() => coordinator.stop(), 300);
    const report = await coordinator.run();
    t.true(report.stopped, `speed ${speed}`);
    t.true(report.skipped.symbol > 0, `speed ${speed}`);
  }
});

test('an argument past those a call takes is refused, not ignored: appendSlice, the batch indicators, the calendars and their queries', (t) => {
  const extra = (fn: (...args: unknown[]) => unknown, ...args: unknown[]): void => {
    t.throws(() => fn(...args), { instanceOf: ConfigError, message: /^invalid arguments: .* takes \(.*\), got .* as argument \d+: / }, String(fn));
  };
  const xnys = Calendar.xnys();
  extra((...a) => Calendar.xnys(...(a as [])), {}, { hours: 'extended' });
  extra((...a) => Calendar.custom(...(a as [never])), { sessions: [] }, {});
  extra((...a) => xnys.sessions(...(a as [string, string])), '2024-03-04', '2024-03-08', { hours: 'extended' });
  extra((...a) => xnys.session(...(a as [string])), '2024-03-04', 'extended');
  extra((...a) => xnys.isOpen(...(a as [number])), Date.UTC(2024, 2, 4, 15), true);
  extra((...a) => xnys.nextSession(...(a as [string])), '2024-03-04', 2);
  const close = new Float64Array([1, 2, 3, 4]);
  extra((...a) => computeIndicator(...(a as [never, never])), { kind: 'sma', period: 2 }, { close }, undefined, { threads: 1 });
  extra((...a) => computeIndicators(...(a as [never, never])), [{ kind: 'sma', period: 2 }], { close }, undefined, 'x');
  extra((...a) => describeIndicator(...(a as [never])), { kind: 'rsi' }, 14);
  const data = new SessionData();
  data.beginSession(sessionOn('2024-03-04', { open: '09:30', close: '16:00', timeZone: 'America/New_York' }));
  const one = (v: number): Float64Array => new Float64Array([v]);
  const open = sessionOn('2024-03-04', { open: '09:30', close: '16:00', timeZone: 'America/New_York' }).open;
  t.throws(() => (data.appendSlice as (...a: unknown[]) => unknown)(['A'], { time: one(open), open: one(1), high: one(1), low: one(1), close: one(1), volume: one(1) }, 1, { invalid: 'skip' }), { instanceOf: ConfigError, message: /appendSlice takes \(symbols, columns, count\?\)/ });
  t.deepEqual(data.symbols(), []);
  // undefined is no argument.
  t.is((xnys.sessions as (...a: unknown[]) => unknown[])('2024-03-04', '2024-03-08', undefined).length, 5);
});

test('an argument past those a call takes is refused at waitAll, ReadySignal.all and wait, timeSlices and forEachSlice; undefined is no argument', async (t) => {
  const ready = new ReadySignal('x');
  ready.signal();
  const cases: [string, () => unknown][] = [
    ['waitAll', () => (waitAll as (...a: unknown[]) => unknown)([ready], 10, {}, 5)],
    ['ReadySignal.all', () => (ReadySignal.all as (...a: unknown[]) => unknown)([ready], 10, undefined, 5)],
    ["ready signal 'x': wait", () => (ready.wait as (...a: unknown[]) => unknown).call(ready, 10, {}, 'x')],
    ['timeSlices', () => (timeSlices as (...a: unknown[]) => unknown)(new Map(), 0, 1, 2)],
    ['forEachSlice', () => (forEachSlice as (...a: unknown[]) => unknown)(new Map(), () => undefined, 0, 1, {})],
  ];
  for (const [what, call] of cases) {
    const e = t.throws(call, { instanceOf: ConfigError }, what);
    t.is(e?.param, 'arguments', what);
    t.true(e?.message.startsWith(`invalid arguments: ${what} takes at most`), e?.message);
  }
  await (waitAll as (...a: unknown[]) => Promise<void>)([ready], 10, undefined, undefined);
  await (ready.wait as (...a: unknown[]) => Promise<void>).call(ready, undefined, undefined, undefined);
  t.is((forEachSlice as (...a: unknown[]) => number)(new Map(), () => undefined, 0, 1, undefined), 0);
});
