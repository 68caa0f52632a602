/**
 * The package as its types and its runtime meet a user: code the runtime accepts type-checks (this
 * file is part of `tsc --noEmit`), Float64Arrays from another realm are columns like any other,
 * indicator ids spell numbers as `String(x)` does, and an empty view behaves as any other view.
 */
import test from 'ava';
import { runInNewContext } from 'node:vm';
import {
  AnalysisEngine,
  BollingerBands,
  Calendar,
  SessionCoordinator,
  SessionData,
  columnsSource,
  computeIndicator,
  computeIndicators,
  sessionOn,
  syntheticSource,
} from 'barstream';
import type { BarEvent, DeliveryObserver, PendingHandler, SessionCalendar, Strategy } from 'barstream';

const MIN = 60_000;
const session = sessionOn('2024-02-05', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });

test('a handler may return any value: a kept event pushed to a list (a number) and an async handler resolving to one', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const kept: BarEvent[] = [];
  const indices: number[] = [];
  // Both return values the types once refused (`number`, `Promise<number>`).
  engine.subscribe({ interval: '5m' }, (e) => kept.push(e));
  engine.subscribe({ interval: '5m', name: 'async' }, async (e) => indices.push(e.index));
  const calendar = Calendar.xnys();
  const report = await new SessionCoordinator({ calendar, data, engine, source: syntheticSource({ sessions: calendar.sessions('2024-02-05', '2024-02-05'), symbols: 1, seed: 3 }), from: '2024-02-05', to: '2024-02-05', speed: 0 }).run();
  t.is(report.subscriberErrorCount, 0);
  t.is(kept.length, 78);
  t.deepEqual(indices, Array.from({ length: 78 }, (_, i) => i));
});

test('a user calendar may leave dayStart out, and a strategy setup may return its subscription', async (t) => {
  // The shape a user writes by hand: no dayStart (the coordinator works it out).
  const calendar: SessionCalendar = {
    sessions: (from, to) => (from <= '2024-02-05' && to >= '2024-02-05' ? [{ date: '2024-02-05', open: session.open, close: session.close, timeZone: 'America/New_York' }] : []),
  };
  const closes: number[] = [];
  const strategy: Strategy = {
    name: 'returns',
    setup: (engine) => engine.subscribe({ interval: '1h' }, (e) => closes.push(e.bars.close[e.index] as number)),
  };
  const data = new SessionData({ intervals: ['1h'] });
  const engine = new AnalysisEngine();
  await strategy.setup(engine, { signal: () => undefined });
  const time = Float64Array.from({ length: 390 }, (_, i) => session.open + i * MIN);
  const price = Float64Array.from(time, (_, i) => 100 + i);
  const source = columnsSource({ SPY: { time, open: price, high: price, low: price, close: price, volume: new Float64Array(390).fill(1) } });
  const report = await new SessionCoordinator({ calendar, data, engine, source, from: '2024-02-05', to: '2024-02-05', speed: 0 }).run();
  t.is(report.sessions, 1);
  // Seven 1h buckets from 09:30: the close of each is its last minute's price (59, 119, ..., 389).
  t.deepEqual(closes, [159, 219, 279, 339, 399, 459, 489]);
});

test('the types a DataProcessor needs are exported', (t) => {
  const seen: string[] = [];
  const observer: DeliveryObserver = { delivered: (name) => seen.push(name), failed: () => undefined };
  const pending: PendingHandler[] = [];
  t.is(typeof observer.delivered, 'function');
  t.deepEqual(pending, []);
});

test('computeIndicator takes a whole view or batch of bar columns, and alwaysOpen an empty options object, as typed', (t) => {
  const close = Float64Array.from({ length: 30 }, (_, i) => 100 + (i % 7));
  const columns = { time: close.map((_, i) => i * MIN), open: close, high: close.map((x) => x + 1), low: close.map((x) => x - 1), close, volume: close.map(() => 10) };
  const out = computeIndicator({ kind: 'atr', period: 1 }, columns);
  // ATR(1) is the true range: high - low = 2 when the close stays between them, from bar 1 on.
  t.true(Number.isNaN(out.atr1?.[0]));
  t.is(out.atr1?.[1], 2);
  t.is(Calendar.alwaysOpen({}).name, Calendar.alwaysOpen().name);
});

test('an indicator id writes its multiplier as String(x) does, also where two shortest spellings are equally near', (t) => {
  // Rust's shortest spelling of these ends one digit higher than JavaScript's.
  for (const dev of [2.5757217407226562, 3.6633987426757812, 684643635060638.2, Math.fround(2.3)]) {
    const close = Float64Array.from({ length: 40 }, (_, i) => 100 + Math.sin(i));
    const id = `bbands20_${String(dev)}_2`;
    const out = computeIndicators([{ kind: 'bbands', period: 20, devUp: dev }], { close });
    t.deepEqual(Object.keys(out), [`${id}.upper`, `${id}.middle`, `${id}.lower`]);
    t.is(new BollingerBands(20, dev).info.id, id);
    const data = new SessionData({ indicators: { '1m': [{ kind: 'bbands', period: 20, devUp: dev }] } });
    data.beginSession(session);
    for (let i = 0; i < 25; i++) data.append('SPY', { time: session.open + i * MIN, open: 100, high: 101 + (i % 3), low: 99, close: 100 + (i % 3), volume: 1 });
    t.is(data.indicator('SPY', '1m', `${id}.upper`).length, 25);
  }
});

test('a rejected bar\'s message spells its numbers as String(x) does', (t) => {
  const data = new SessionData();
  data.beginSession(session);
  const at = session.open;
  const cases: [Record<string, number>, string][] = [
    [{ open: 2e-7, high: 1e-7, low: 1e-7, close: 2e-7, volume: 1 }, 'high 1e-7 is below max(open 2e-7, close 2e-7)'],
    [{ open: 1e21, high: 3e21, low: 3e21, close: 1e21, volume: 1 }, 'low 3e+21 is above min(open 1e+21, close 1e+21)'],
    [{ open: 1, high: 2.5757217407226562, low: 1, close: 3, volume: 1 }, 'high 2.5757217407226562 is below max(open 1, close 3)'],
    [{ open: 1, high: 1, low: 1, close: 1, volume: -1e-7 }, 'volume -1e-7 is negative'],
    [{ open: 1, high: 1, low: 1, close: 1, volume: 2e290 }, 'volume 2e+290 is above 1e+290'],
  ];
  for (const [fields, message] of cases) {
    const e = t.throws(() => data.append('SPY', { time: at, ...fields } as Parameters<SessionData['append']>[1]));
    t.true(e?.message.includes(message), e?.message);
  }
});

test('a Float64Array made in another realm is a column everywhere a Float64Array is', (t) => {
  const foreign = (values: number[]): Float64Array => runInNewContext(`new Float64Array(${JSON.stringify(values)})`) as Float64Array;
  const close = foreign([1, 2, 3, 4, 5]);
  t.false(close instanceof Float64Array);
  t.deepEqual(Array.from(computeIndicator({ kind: 'sma', period: 2 }, { close }).sma2 ?? []), [NaN, 1.5, 2.5, 3.5, 4.5]);

  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(session);
  const times = [0, 1, 2, 3, 4].map((i) => session.open + i * MIN);
  const bars = { time: foreign(times), open: foreign([10, 11, 12, 13, 14]), high: foreign([11, 12, 13, 14, 15]), low: foreign([9, 10, 11, 12, 13]), close: foreign([10.5, 11.5, 12.5, 13.5, 14.5]), volume: foreign([1, 2, 3, 4, 5]) };
  t.is(data.appendMany('SPY', bars).appended, 5);
  const five = data.bars('SPY', '5m');
  t.deepEqual([five.open[0], five.high[0], five.low[0], five.close[0], five.volume[0]], [10, 15, 9, 14.5, 15]);

  const slice = { time: foreign([session.open + 5 * MIN]), open: foreign([1]), high: foreign([2]), low: foreign([0.5]), close: foreign([1.5]), volume: foreign([7]) };
  t.is(data.appendSlice(['QQQ'], slice).count, 1);
  t.is(data.bars('QQQ', '1m').close[0], 1.5);

  const source = columnsSource({ SPY: bars });
  t.deepEqual(source.symbols, ['SPY']);
});

test('the view of a series with no bars reads, spreads and prints as a view with bars', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(session);
  data.append('SPY', { time: session.open, open: 1, high: 2, low: 0.5, close: 1.5, volume: 1 });
  const some = data.bars('SPY', '1m');
  const none = data.bars('QQQ', '1m');
  t.is(none.length, 0);
  t.is(none.close.length, 0);
  const { time, close } = none;
  t.deepEqual([time.length, close.length], [0, 0]);
  // Getters on the prototype, in both: spread and JSON see none of them.
  t.deepEqual(Object.keys({ ...none }), Object.keys({ ...some }));
  t.is(JSON.stringify(none), JSON.stringify(some));
  t.true(Object.isFrozen(none));
});
