/**
 * A `BarEvent` is a record of one closed bar: kept past its handler (pushed to a list, read after
 * an `await`), it reads the series as it stood when the bar closed, whatever the store did since
 * (more bars, retention, removal).
 */
import test from 'ava';
import { AnalysisEngine, BarEvent as BarEventClass, ConfigError, SessionCoordinator, SessionData } from 'barstream';
import type { Bar, BarEvent, ColumnarSource, Session, SessionCalendar } from 'barstream';
import { aggregateSession, symbolColumns } from './helpers/naive.js';
import { nySummerSession, randomWalkDay } from './helpers/sessions.js';
import { internals } from './helpers/internal.js';

const SESSIONS = ['2024-06-03', '2024-06-04', '2024-06-05', '2024-06-06'].map(nySummerSession);
const calendar: SessionCalendar = { sessions: (from, to) => SESSIONS.filter((s) => s.date >= from && s.date <= to) };

const day = randomWalkDay;


/** SMA of `period` over `closes`, ending at each index (NaN before the first full window), summed left to right. */
function naiveSma(closes: readonly number[], period: number): number[] {
  return closes.map((_, i) => {
    if (i + 1 < period) return NaN;
    let sum = 0;
    for (let k = i + 1 - period; k <= i; k++) sum += closes[k] as number;
    return sum / period;
  });
}

for (const retainSessions of [undefined, 1]) {
  test(`events kept past their handlers read the bar they were made for (retainSessions: ${String(retainSessions)})`, async (t) => {
    const bars = { A: SESSIONS.flatMap((s, k) => day(10 + k, s)), B: SESSIONS.flatMap((s, k) => day(20 + k, s)) };
    const source: ColumnarSource = { kind: 'columns', load: async () => new Map(Object.entries(bars).map(([s, b]) => [s, symbolColumns(b)])) };
    const data = new SessionData({ intervals: ['5m', '1h'], indicators: { '5m': [{ kind: 'sma', period: 3 }] }, ...(retainSessions === undefined ? {} : { retainSessions }) });
    const engine = new AnalysisEngine();
    const kept: BarEvent[] = [];
    engine.subscribe({ symbols: ['A'], interval: '5m' }, (e) => void kept.push(e));
    await new SessionCoordinator({ calendar, data, engine, source, from: SESSIONS[0]!.date, to: SESSIONS[3]!.date }).run();
    const expected = SESSIONS.flatMap((s, k) => aggregateSession(day(10 + k, s), s, '5m'));
    const sma = naiveSma(
      expected.map((b) => b.close),
      3,
    );
    t.is(kept.length, expected.length);
    const wrong: string[] = [];
    kept.forEach((e, k) => {
      const bar = expected[k] as Bar;
      if (e.time !== bar.time) wrong.push(`event ${k}: time ${e.time}, expected ${bar.time}`);
      if (JSON.stringify(e.bar) !== JSON.stringify(bar)) wrong.push(`event ${k}: bar ${JSON.stringify(e.bar)}`);
      if (e.bars.length !== e.index + 1) wrong.push(`event ${k}: ${e.bars.length} bars in its view, this one (index ${e.index}) not last`);
      const value = e.indicator('sma3')[e.index] as number;
      const want = sma[k] as number;
      if (!(Number.isNaN(want) ? Number.isNaN(value) : Math.abs(value - want) <= 1e-9 * Math.abs(want))) wrong.push(`event ${k}: sma3 ${value}, expected ${want}`);
    });
    t.deepEqual(wrong.slice(0, 5), []);
  });
}

test('an event kept after its symbol was removed reads its bar, not the series of the symbol that took its id', async (t) => {
  const data = new SessionData({ intervals: ['5m'], indicators: { '5m': [{ kind: 'sma', period: 3 }] } });
  const s0 = SESSIONS[0] as Session;
  const s1 = SESSIONS[1] as Session;
  const engine = new AnalysisEngine();
  const kept: BarEvent[] = [];
  engine.subscribe({ interval: '5m' }, (e) => void kept.push(e));
  const old = day(30, s0);
  const source: ColumnarSource = { kind: 'columns', load: async () => new Map([['OLD', symbolColumns(old)]]) };
  await new SessionCoordinator({ calendar, data, engine, source, from: s0.date, to: s0.date }).run();
  t.true(data.removeSymbol('OLD'));
  data.takeGaps();
  data.beginSession(s1);
  for (const bar of day(31, s1).slice(0, 30)) data.append('NEW', bar);
  t.is(internals(data).idOf('NEW'), 0, 'NEW took the id OLD had');
  const expected = aggregateSession(old, s0, '5m');
  t.is(kept.length, expected.length);
  t.deepEqual(kept[5]?.bar, expected[5]);
  t.is(kept[5]?.bars.length, 6);
  const sma = ((expected[3] as Bar).close + (expected[4] as Bar).close + (expected[5] as Bar).close) / 3;
  t.true(Math.abs((kept[5]?.indicator('sma3')[5] as number) - sma) <= 1e-9 * sma);
  t.throws(() => kept[5]?.indicator('rsi14'), { code: 'invalid_config' });
});

test('bars that close together get events whose views each end at their own bar', async (t) => {
  const s0 = SESSIONS[0] as Session;
  const all = day(40, s0);
  // 09:30-09:33, then 09:39 alone: the 09:39 bar closes the 09:30 bucket (a later bucket came) and
  // its own 09:35 bucket (its last slot), two 5m bars in one slice. Then 09:40 onwards as usual.
  const bars = [...all.slice(0, 4), all[9] as Bar, ...all.slice(10)];
  const source: ColumnarSource = { kind: 'columns', load: async () => new Map([['A', symbolColumns(bars)]]) };
  const data = new SessionData({ intervals: ['5m'], indicators: { '5m': [{ kind: 'sma', period: 2 }] } });
  const engine = new AnalysisEngine();
  const kept: BarEvent[] = [];
  const seen: { index: number; length: number; last: number }[] = [];
  engine.subscribe({ interval: '5m' }, (e) => {
    kept.push(e);
    seen.push({ index: e.index, length: e.bars.length, last: e.bars.time[e.bars.length - 1] as number });
  });
  await new SessionCoordinator({ calendar, data, engine, source, from: s0.date, to: s0.date }).run();
  const expected = aggregateSession(bars, s0, '5m');
  t.is(kept.length, expected.length);
  t.is(expected[1]?.time, (all[5] as Bar).time, 'the 09:35 bucket holds the 09:39 bar alone');
  // Both co-closed events, in the handler and kept: the view's last bar is the event's own.
  t.deepEqual(seen.slice(0, 2), [
    { index: 0, length: 1, last: (expected[0] as Bar).time },
    { index: 1, length: 2, last: (expected[1] as Bar).time },
  ]);
  kept.forEach((e, k) => {
    t.is(e.bars.length, e.index + 1, `event ${k}`);
    t.deepEqual(e.bar, expected[k], `event ${k}`);
    t.is(e.indicator('sma2').length, e.index + 1, `event ${k}: the indicator column ends at the bar too`);
  });
  t.true(Number.isNaN(kept[0]?.indicator('sma2')[0]));
  const sma = ((expected[0] as Bar).close + (expected[1] as Bar).close) / 2;
  t.true(Math.abs((kept[1]?.indicator('sma2')[1] as number) - sma) <= 1e-9 * sma);
});

test('a BarEvent made by hand checks its arguments: a ConfigError naming the first wrong one', (t) => {
  const s0 = SESSIONS[0] as Session;
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(s0);
  for (const bar of day(50, s0).slice(0, 10)) data.append('A', bar);
  const cases: [string, unknown[]][] = [
    ['data', [null, s0, 'A', '5m', 0]],
    ['data', [{}, s0, 'A', '5m', 0]],
    ['session', [data, null, 'A', '5m', 0]],
    ['symbol', [data, s0, '', '5m', 0]],
    ['symbol', [data, s0, 5, '5m', 0]],
    ['index', [data, s0, 'A', '5m', -1]],
    ['index', [data, s0, 'A', '5m', 0.5]],
    ['index', [data, s0, 'A', '5m', 2]],
    ['interval', [data, s0, 'A', '7m', 0]],
  ];
  for (const [param, args] of cases) {
    const e = t.throws(() => new (BarEventClass as unknown as new (...a: unknown[]) => BarEvent)(...args), { instanceOf: ConfigError }, `${param}: ${String(args[param === 'data' ? 0 : 4])}`);
    t.is(e?.param, param);
  }
  // Two 5m bars closed (09:30 and 09:35): the second is index 1, read from the store.
  const e = new BarEventClass(data, s0, 'A', '5m', 1);
  t.deepEqual(e.bar, aggregateSession(day(50, s0).slice(0, 10), s0, '5m')[1]);
  t.is(e.bars.length, 2);
});
