import test from 'ava';
import { AnalysisEngine, BarEvent, SessionCoordinator, SessionData, SessionError } from 'barstream';
import type { Bar, ColumnarSource, Session, SessionCalendar } from 'barstream';
import { aggregateSession, symbolColumns, viewBars } from './helpers/naive.js';
import { nySummerSession, randomWalkDay } from './helpers/sessions.js';
import { internals } from './helpers/internal.js';

const SESSIONS = ['2024-06-03', '2024-06-04', '2024-06-05'].map(nySummerSession);
const calendar: SessionCalendar = { sessions: (from, to) => SESSIONS.filter((s) => s.date >= from && s.date <= to) };

const day = randomWalkDay;

const options = { intervals: ['5m', '1h'], indicators: { '5m': [{ kind: 'sma' as const, period: 3 }] } };

test('a removed symbol goes: its bars, counts and records, and it takes no part in later sessions', (t) => {
  const data = new SessionData(options);
  const a = SESSIONS.map((s, k) => day(10 + k, s));
  const b = SESSIONS.map((s, k) => day(20 + k, s));
  data.beginSession(SESSIONS[0] as Session);
  for (let i = 0; i < 390; i++) {
    data.append('A', a[0]![i]!);
    // B leaves at 15:00 (a trailing gap) after one rejected bar.
    if (i < 330) data.append('B', b[0]![i]!);
  }
  t.throws(() => data.append('B', b[0]![0]!), { code: 'out_of_order' });
  data.endSession();
  t.deepEqual(data.takeGaps().map((g) => g.symbol), ['B']);
  const view = data.bars('B', '5m');
  const sma = data.indicator('B', '5m', 'sma3');
  const expected = aggregateSession(b[0]!.slice(0, 330), SESSIONS[0] as Session, '5m');
  const statsBefore = data.stats();

  t.true(data.removeSymbol('B'));

  t.deepEqual(data.symbols(), ['A']);
  t.is(data.stats().symbols, 1);
  t.is(data.stats().storedBars, statsBefore.storedBars - 330 - expected.length - 6);
  t.is(data.bars('B', '5m').length, 0);
  t.is(data.forming('B', '1h'), null);
  t.is(data.rejections('B').out_of_order, 0);
  t.is(data.rejections().out_of_order, 0, 'the totals are of the symbols the store knows');
  t.deepEqual(Object.keys(data.quality()), ['A']);
  // A view made before keeps its values.
  t.deepEqual(viewBars(view), expected);
  t.is(sma.length, expected.length);
  t.is(sma[2], (expected[0]!.close + expected[1]!.close + expected[2]!.close) / 3);

  data.beginSession(SESSIONS[1] as Session);
  for (const bar of a[1]!) data.append('A', bar);
  data.endSession();
  t.deepEqual(data.takeGaps(), [], 'B has no whole-session gap');
  t.deepEqual(Object.keys(data.quality()), ['A']);
  t.false(data.removeSymbol('B'), 'removed already');
});

test('a symbol that comes back starts afresh, as in a store that never had it', (t) => {
  const data = new SessionData(options);
  const fresh = new SessionData(options);
  data.beginSession(SESSIONS[0] as Session);
  for (const bar of day(1, SESSIONS[0] as Session).slice(0, 100)) data.append('X', bar);
  data.endSession();
  const oldId = internals(data).idOf('X');
  t.true(data.removeSymbol('X'));
  const bars = day(2, SESSIONS[1] as Session);
  data.beginSession(SESSIONS[1] as Session);
  fresh.beginSession(SESSIONS[1] as Session);
  // The first append after the removal is by name: the cached id of the last symbol must not be reused.
  for (const bar of bars) {
    data.append('X', bar);
    fresh.append('X', bar);
  }
  data.endSession();
  fresh.endSession();
  t.not(internals(data).idOf('X'), oldId);
  for (const interval of ['1m', '5m', '1h']) t.deepEqual(viewBars(data.bars('X', interval)), viewBars(fresh.bars('X', interval)), interval);
  t.deepEqual([...data.indicator('X', '5m', 'sma3')], [...fresh.indicator('X', '5m', 'sma3')]);
  t.deepEqual(data.quality('X'), fresh.quality('X'));
});

test('removing a symbol while a session is open is refused and changes nothing', (t) => {
  const data = new SessionData(options);
  const bars = day(3, SESSIONS[0] as Session);
  data.beginSession(SESSIONS[0] as Session);
  for (const bar of bars.slice(0, 7)) data.append('A', bar);
  const error = t.throws(() => data.removeSymbol('A'));
  t.true(error instanceof SessionError);
  t.is((error as SessionError).code, 'session_open');
  t.deepEqual(data.symbols(), ['A']);
  t.is(data.bars('A', '1m').length, 7);
  t.deepEqual(data.forming('A', '5m'), aggregateSession(bars.slice(5, 7), SESSIONS[0] as Session, '5m')[0] ?? null);
  data.append('A', bars[7] as Bar);
  t.is(data.bars('A', '1m').length, 8);
  t.throws(() => data.removeSymbol(42 as unknown as string), { code: 'invalid_input' });
  // A symbol the store does not know is refused the same way while the session is open (the
  // session is what is wrong), and is no removal between sessions.
  t.throws(() => data.removeSymbol('NOPE'), { instanceOf: SessionError, code: 'session_open' });
  data.endSession();
  t.false(data.removeSymbol('NOPE'));
});

test('a backtest that removes a symbol at a session end gets it back as a new symbol at its next bar, losing nothing', async (t) => {
  const bySymbol: Record<string, Bar[]> = {
    A: SESSIONS.flatMap((s, k) => day(30 + k, s)),
    B: SESSIONS.flatMap((s, k) => day(40 + k, s)),
  };
  const source: ColumnarSource = { kind: 'columns', load: async () => new Map(Object.entries(bySymbol).map(([s, bars]) => [s, symbolColumns(bars)])) };
  const data = new SessionData(options);
  const engine = new AnalysisEngine();
  const got: Bar[] = [];
  let kept: BarEvent | null = null;
  engine.subscribe({ symbols: ['B'], interval: '5m' }, (e) => {
    got.push(e.bar);
    if (got.length === 10) kept = e;
  });
  let unread: BarEvent | null = null;
  engine.subscribe({ symbols: ['B'], interval: '1h' }, (e) => {
    unread ??= e;
  });
  const coordinator = new SessionCoordinator({ calendar, data, engine, source, from: SESSIONS[0]!.date, to: SESSIONS[2]!.date });
  let ended = 0;
  coordinator.on('sessionEnd', () => {
    if (++ended === 1) t.true(data.removeSymbol('B'));
  });
  const report = await coordinator.run();
  t.is(report.barsIn, 3 * 2 * 390);
  t.is(report.barsStored, report.barsIn);
  t.is(report.subscriberErrorCount, 0);
  const expected = SESSIONS.flatMap((s, k) => aggregateSession(day(40 + k, s), s, '5m'));
  t.deepEqual(got, expected, 'every 5m bar of B delivered once, in order, before and after its removal');
  // Events kept from before the removal read their bars, whether they were read in the handler or not.
  t.deepEqual((kept as BarEvent | null)?.bar, expected[9]);
  t.deepEqual((unread as BarEvent | null)?.bar, aggregateSession(day(40, SESSIONS[0] as Session), SESSIONS[0] as Session, '1h')[0]);
  // The store holds what B gained since it came back.
  t.is(data.bars('B', '1m').length, 2 * 390);
});

test('clear() in a sessionEnd handler: every bar of the sessions after it is still delivered once', async (t) => {
  const bars = SESSIONS.flatMap((s, k) => day(50 + k, s));
  const col = (k: keyof Bar): Float64Array => Float64Array.from(bars, (b) => b[k]);
  const source: ColumnarSource = { kind: 'columns', load: async () => new Map([['A', { length: bars.length, time: col('time'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') }]]) };
  const data = new SessionData(options);
  const engine = new AnalysisEngine();
  const got: Bar[] = [];
  engine.subscribe({ interval: '5m' }, (e) => void got.push(e.bar));
  const coordinator = new SessionCoordinator({ calendar, data, engine, source, from: SESSIONS[0]!.date, to: SESSIONS[2]!.date });
  let ended = 0;
  coordinator.on('sessionEnd', () => {
    if (++ended === 1) data.clear();
  });
  const report = await coordinator.run();
  const expected = SESSIONS.flatMap((s, k) => aggregateSession(day(50 + k, s), s, '5m'));
  t.deepEqual(got, expected);
  t.is(report.delivered, 3 * 78);
  t.is(report.closedBars['5m'], 3 * 78);
});

test.serial('a clock-driven run finds no gaps for a symbol removed at a session end', async (t) => {
  const a = SESSIONS.flatMap((s, k) => day(70 + k, s));
  const b = day(80, SESSIONS[0] as Session);
  const source: ColumnarSource = { kind: 'columns', load: async () => new Map([['A', symbolColumns(a)], ['B', symbolColumns(b)]]) };
  const data = new SessionData(options);
  const coordinator = new SessionCoordinator({ calendar, data, source, from: SESSIONS[0]!.date, to: SESSIONS[2]!.date, speed: 200_000 });
  let ended = 0;
  coordinator.on('sessionEnd', () => {
    if (++ended === 1) data.removeSymbol('B');
  });
  const report = await coordinator.run();
  t.deepEqual(report.gaps.map((g) => `${g.symbol} ${g.session}`), [], 'A and B trade every minute of the sessions they take part in');
  t.is(report.barsStored, 3 * 390 + 390);
  t.deepEqual(Object.keys(report.quality[SESSIONS[1]!.date] ?? {}), ['A']);
});
