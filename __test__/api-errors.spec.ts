/**
 * Values at the public entry points that once escaped the typed errors: a message that could not
 * be built, a comparison that converted what it should not, options of a kind that reads as none,
 * a sparse list of 2^32 - 1 entries. Each is refused with a `ConfigError` naming the parameter, or,
 * for a stream bar, counted as the rejection it is.
 */
import test from 'ava';
import { Calendar, ConfigError, PerformanceMetrics, ReadySignal, ReadyTimeoutError, SessionCoordinator, SessionData, columnsSource, csvSource, iterableSource, sessionOn, waitAll } from 'barstream';
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
