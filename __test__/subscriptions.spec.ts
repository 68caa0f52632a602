/**
 * Subscriptions name intervals as users write them: any spelling of a store's interval delivers its
 * bars, and one the store does not have, or a symbol list that is not a list, is a ConfigError
 * rather than a subscriber that silently never hears anything.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, ConfigError, SessionCoordinator, SessionData, columnsSource, syntheticSource } from 'barstream';
import { toColumns } from './helpers/naive.js';
import type { BarEvent } from 'barstream';

const calendar = Calendar.xnys();
const sessions = calendar.sessions('2024-02-05', '2024-02-05');

function coordinator(data: SessionData, engine: AnalysisEngine): SessionCoordinator {
  return new SessionCoordinator({ calendar, data, engine, source: syntheticSource({ sessions, symbols: 2, seed: 5 }), from: '2024-02-05', to: '2024-02-05', speed: 0 });
}

test('a subscriber may spell an interval of the store another way: 60m and 3600s get the 1h bars', async (t) => {
  const data = new SessionData({ intervals: ['5m', '1h'] });
  const engine = new AnalysisEngine();
  const got: Record<string, string[]> = { '60m': [], '3600s': [], '1h': [] };
  for (const interval of Object.keys(got)) engine.subscribe({ interval }, (e: BarEvent) => void got[interval]?.push(`${e.symbol} ${e.interval} ${e.index}`));
  const report = await coordinator(data, engine).run();
  // 390 minutes: six whole hours and a half hour, per symbol.
  t.is(report.closedBars['1h'], 14);
  t.is(got['1h']?.length, 14);
  t.deepEqual(got['60m'], got['1h']);
  t.deepEqual(got['3600s'], got['1h']);
  t.is(report.delivered, 14, 'one event a closed bar, whatever the number of subscribers');
});

test('a subscription to an interval the store does not have fails the run with ConfigError before any bar', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '7m', name: 'sevenMinutes' }, () => {});
  const e = await t.throwsAsync(coordinator(data, engine).run(), { instanceOf: ConfigError });
  t.is((e as ConfigError).param, 'interval');
  t.is((e as Error).message, "invalid interval: subscriber 'sevenMinutes': '7m' is not one of this store's intervals (1m, 5m)");
  t.deepEqual(data.symbols(), []);
});

test('a subscription made by a handler to an interval the store does not have fails the run at that dispatch, naming the subscriber', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  let made = false;
  engine.subscribe({ interval: '5m' }, () => {
    if (!made) engine.subscribe({ interval: '10m', name: 'tenMinutes' }, () => {});
    made = true;
  });
  const e = await t.throwsAsync(coordinator(data, engine).run(), { instanceOf: ConfigError });
  t.is((e as Error).message, "invalid interval: subscriber 'tenMinutes': '10m' is not one of this store's intervals (1m, 5m)");
});

test('symbols must be * or an array of names', (t) => {
  const engine = new AnalysisEngine();
  for (const symbols of ['AB', [''], [1], {}] as unknown[]) {
    const e = t.throws(() => engine.subscribe({ interval: '5m', symbols: symbols as string[] }, () => {}), { instanceOf: ConfigError });
    t.is(e?.param, 'symbols');
  }
  t.deepEqual(engine.subscribers(), []);
  engine.subscribe({ interval: '5m', symbols: '*' }, () => {});
  engine.subscribe({ interval: '5m', symbols: ['A'] }, () => {});
  t.is(engine.subscribers().length, 2);
});

test('a handler may return anything: null, a number or an object without then is no promise; a then getter that throws is that subscriber failing', async (t) => {
  const data = new SessionData({ intervals: ['1h'] });
  const engine = new AnalysisEngine();
  const returns: Record<string, () => unknown> = {
    null: () => null,
    number: () => 5,
    string: () => 'done',
    object: () => ({ ok: true }),
    getter: () => ({
      get then(): never {
        throw new RangeError('then getter');
      },
    }),
  };
  const calls: Record<string, number> = {};
  for (const [name, value] of Object.entries(returns)) {
    calls[name] = 0;
    engine.subscribe({ interval: '1h', name }, (() => {
      calls[name]!++;
      return value();
    }) as () => void);
  }
  const report = await coordinator(data, engine).run();
  // Two symbols, seven 1h bars each: every subscriber got all fourteen.
  t.deepEqual(calls, { null: 14, number: 14, string: 14, object: 14, getter: 14 });
  t.is(report.subscriberErrorCount, 14);
  t.true(report.subscriberErrors.every((f) => f.subscriber === 'getter' && f.error instanceof RangeError));
});

test('a returned promise whose constructor getter throws is that subscriber failing; the others go on', async (t) => {
  const data = new SessionData({ intervals: ['1h'] });
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '1h', name: 'odd' }, (() => {
    const p = Promise.resolve();
    Object.defineProperty(p, 'constructor', {
      get(): never {
        throw new RangeError('constructor getter');
      },
    });
    return p;
  }) as () => void);
  let other = 0;
  engine.subscribe({ interval: '1h', name: 'other' }, () => void other++);
  const report = await coordinator(data, engine).run();
  t.is(other, 14);
  // Promise.prototype.then asks for the constructor: each call fails, as that subscriber's failure.
  t.is(report.subscriberErrorCount, 14);
  t.true(report.subscriberErrors.every((f) => f.subscriber === 'odd' && f.error instanceof RangeError));
});

test('a dispatch delivers interval by interval, shortest first, every symbol of one before the next, whatever the order intervals are declared or subscribed in', async (t) => {
  const data = new SessionData({ intervals: ['15m', '1d', '5m'] });
  const engine = new AnalysisEngine();
  const rank: Record<string, number> = { '1m': 0, '5m': 1, '15m': 2, '1d': 3 };
  const got: { key: number; rank: number; what: string }[] = [];
  for (const interval of ['1d', '15m', '1m', '5m']) {
    engine.subscribe({ interval }, (e: BarEvent) => {
      // Every bar of a slice is stored before its dispatch: the newest base bar names the dispatch.
      const base = data.bars(data.symbols()[0] as string, '1m');
      got.push({ key: base.time[base.time.length - 1] as number, rank: rank[e.interval] as number, what: `${e.interval} ${e.symbol} ${e.index}` });
    });
  }
  const report = await coordinator(data, engine).run();
  t.is(got.length, report.delivered);
  t.is(got.length, 2 * (390 + 78 + 26 + 1));
  const expected = [...got].sort((a, b) => a.key - b.key || a.rank - b.rank).map((x) => x.what);
  t.deepEqual(got.map((x) => x.what), expected);
  // The 09:44 slice closes a 1m, a 5m and a 15m bar of each symbol.
  const at = got.findIndex((x) => x.what.startsWith('15m'));
  t.deepEqual(got.slice(at - 4, at + 2).map((x) => x.what.split(' ')[0]), ['1m', '1m', '5m', '5m', '15m', '15m']);
});

test("an event's subscribers are called in the order they subscribed, across spellings of its interval", async (t) => {
  const data = new SessionData({ intervals: ['1h'] });
  const engine = new AnalysisEngine();
  const order: string[] = [];
  for (const interval of ['1h', '60m', '1h', '3600s', '60m']) {
    const name = `${order.length}`;
    order.push(name);
    engine.subscribe({ interval, name: `${interval}#${name}` }, (e: BarEvent) => {
      if (e.index === 0 && e.symbol === data.symbols()[0]) calls.push(name);
    });
  }
  const calls: string[] = [];
  await coordinator(data, engine).run();
  t.deepEqual(calls, ['0', '1', '2', '3', '4']);
});

test("a base subscription made in a gap listener gets the bar that revealed the gap, with or without another base subscriber (data-driven)", async (t) => {
  const cal = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '10:15' }] });
  const open = cal.requireSession('2024-01-02').open;
  // A misses 10:08 and 10:09: its 10:10 bar reveals the gap.
  const minutes = [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14];
  const bars = minutes.map((m) => ({ symbol: 'A', time: open + m * 60_000, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
  for (const other of [false, true]) {
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    if (other) engine.subscribe({ interval: '1m', name: 'other' }, () => {});
    const coordinator = new SessionCoordinator({ calendar: cal, data, engine, source: columnsSource({ A: toColumns(bars) }), from: '2024-01-02', to: '2024-01-02' });
    const got: string[] = [];
    let done = false;
    coordinator.on('gap', () => {
      if (done) return;
      done = true;
      engine.subscribe({ interval: '1m', name: 'new1m' }, (e) => void got.push(`1m@${(e.time - open) / 60_000}`));
      engine.subscribe({ interval: '5m', name: 'new5m' }, (e) => void got.push(`5m@${(e.time - open) / 60_000}`));
    });
    await coordinator.run();
    // The 10:05 5m bucket closed before the 10:10 slice went in (no bar in its last slot), before
    // the gap was found; the slice's own 1m bar is delivered to the new subscriber.
    t.deepEqual(got, ['1m@10', '1m@11', '1m@12', '1m@13', '1m@14', '5m@10'], other ? 'with another base subscriber' : 'alone');
  }
});

test('a subscriber another handler unsubscribes at a bar does not get that bar, nor any after it', async (t) => {
  const c = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:10' }] });
  const open = Date.UTC(2024, 4, 6, 10);
  const bars = [0, 1, 2, 3, 4].map((m) => ({ time: open + m * 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 1 }));
  const engine = new AnalysisEngine();
  const seen: number[] = [];
  let b: { unsubscribe(): void } | null = null;
  // 'a' is called first for each bar: at 10:02 it takes 'b' off before 'b' is called for it.
  engine.subscribe({ interval: '1m', name: 'a' }, (e) => {
    if (e.time === open + 2 * 60_000) b?.unsubscribe();
  });
  b = engine.subscribe({ interval: '1m', name: 'b' }, (e) => void seen.push((e.time - open) / 60_000));
  const report = await new SessionCoordinator({ calendar: c, data: new SessionData(), engine, source: columnsSource({ A: toColumns(bars) }), from: '2024-05-06', to: '2024-05-06' }).run();
  t.deepEqual(seen, [0, 1]);
  t.is(report.delivered, 5);
});

test("once an interval's last subscriber leaves, the engine no longer wants it, and a run on a store without it goes ahead", async (t) => {
  const engine = new AnalysisEngine();
  const sub = engine.subscribe({ interval: '2m' }, () => undefined);
  t.true(engine.wants('2m'));
  t.true(engine.wants('120s'));
  sub.unsubscribe();
  t.false(engine.wants('2m'));
  t.false(engine.wants('120s'));
  t.deepEqual(engine.subscribers(), []);
  // The store has no 2m series: a subscriber to it would fail the run.
  const report = await coordinator(new SessionData({ intervals: ['5m'] }), engine).run();
  t.true(report.barsStored > 0);
});

test('a handler that throws is timed once a call: its metrics count the calls made', async (t) => {
  const data = new SessionData({ intervals: ['5m', '1h'] });
  const engine = new AnalysisEngine();
  let calls = 0;
  engine.subscribe({ interval: '1h', name: 'thrower' }, () => {
    calls++;
    throw new Error('boom');
  });
  let okCalls = 0;
  engine.subscribe({ interval: '1h', name: 'fine' }, () => void okCalls++);
  const coordinator = new SessionCoordinator({ calendar, data, engine, source: syntheticSource({ sessions, symbols: 2, seed: 5 }), from: '2024-02-05', to: '2024-02-05', speed: 0 });
  const report = await coordinator.run();
  t.is(calls, 14);
  t.is(okCalls, 14);
  t.is(report.subscriberErrorCount, 14);
  t.is(report.metrics['subscriber:thrower']?.count, 14);
  t.is(report.metrics['subscriber:fine']?.count, 14);
});
