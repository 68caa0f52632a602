/**
 * While a run's session is open, only the run changes its store: a handler, a listener or the
 * source that appends, moves the clock, ends the session or clears the store is refused, and the
 * run goes on with every closed bar delivered and counted. Between sessions and after the run the
 * store takes every call. Counts are worked out by hand: one symbol, one 390-minute session.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, DataProcessor, PerformanceMetrics, SessionCoordinator, SessionData, SessionError, columnsSource, iterableSource } from 'barstream';
import type { BarColumns, BarEvent } from 'barstream';

const MINUTE = 60_000;
const calendar = Calendar.xnys();
const session = calendar.session('2024-03-04')!;
const times = Array.from({ length: 390 }, (_, k) => session.open + k * MINUTE);
const ones = times.map(() => 1);
const columns: BarColumns = { time: times, open: ones, high: ones, low: ones, close: ones, volume: ones };

/** Each way a handler could change the store, as a call on `data`. */
const calls: [string, (data: SessionData) => unknown][] = [
  ['append', (d) => d.append('SYN', { time: session.open, open: 1, high: 1, low: 1, close: 1, volume: 1 })],
  ['appendValues', (d) => d.appendValues('SYN', session.open, 1, 1, 1, 1, 1)],
  ['appendMany', (d) => d.appendMany('SYN', { time: [session.open], open: [1], high: [1], low: [1], close: [1], volume: [1] })],
  ['appendSlice', (d) => d.appendSlice(['SYN'], { time: new Float64Array([session.open]), open: new Float64Array([1]), high: new Float64Array([1]), low: new Float64Array([1]), close: new Float64Array([1]), volume: new Float64Array([1]) })],
  ['advanceTo', (d) => d.advanceTo(session.close)],
  ['endSession', (d) => d.endSession()],
  ['clear', (d) => d.clear()],
  // A processor of one's own over the run's store: its calls are refused as the store's own are.
  ['advanceTo', (d) => new DataProcessor(d, new AnalysisEngine(), new PerformanceMetrics(), { delivered() {}, failed() {} }).advanceTo(session.close)],
];

for (const kind of ['columns', 'stream'] as const) {
  for (const speed of [0, 1e7]) {
    test(`${kind}, speed ${speed}: a handler's call that would change the store mid-session is refused, and every closed bar is delivered and counted`, async (t) => {
      const data = new SessionData({ intervals: ['5m', '1h', '1d'] });
      const engine = new AnalysisEngine();
      const seen: Record<string, number> = { '5m': 0, '1h': 0, '1d': 0 };
      const refused: string[] = [];
      engine.subscribe({ interval: '5m', name: 'meddler' }, (e: BarEvent) => {
        seen['5m']!++;
        if (e.index !== 20) return;
        for (const [name, call] of calls) {
          try {
            call(e.data);
            refused.push(`${name}: not refused`);
          } catch (error) {
            refused.push(error instanceof SessionError && error.code === 'session_open' && error.message.startsWith(`${name}: `) ? name : `${name}: ${String(error)}`);
          }
        }
      });
      for (const interval of ['1h', '1d'] as const) engine.subscribe({ interval }, () => void seen[interval]!++);
      const source = kind === 'columns' ? columnsSource({ SPY: columns }) : iterableSource(times.map((time) => ({ symbol: 'SPY', time, open: 1, high: 1, low: 1, close: 1, volume: 1 })));
      const report = await new SessionCoordinator({ calendar, data, engine, source, from: session.date, to: session.date, speed, overrun: 'queue' }).run();
      t.deepEqual(refused, calls.map(([name]) => name));
      // 09:30-16:00: 78 5m bars, 7 1h bars (09:30-10:30 ... 15:30-16:00), one day.
      t.deepEqual(seen, { '5m': 78, '1h': 7, '1d': 1 });
      t.deepEqual({ '5m': report.closedBars['5m'], '1h': report.closedBars['1h'], '1d': report.closedBars['1d'] }, seen);
      t.is(report.barsStored, 390);
      t.deepEqual(data.symbols(), ['SPY']);
    });
  }
}

test('a source or a gap listener that moves the clock mid-session is refused; between sessions and after a stopped run the store takes every call', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const errors: unknown[] = [];
  // The source tries to move the store's clock while the run's session is open.
  async function* bars(): AsyncGenerator<{ symbol: string; time: number; open: number; high: number; low: number; close: number; volume: number }> {
    for (const time of times) {
      if (time === session.open + 10 * MINUTE) {
        try {
          data.advanceTo(session.close);
        } catch (error) {
          errors.push(error);
        }
      }
      // Minutes 100-109 missing: one gap.
      if (time >= session.open + 100 * MINUTE && time < session.open + 110 * MINUTE) continue;
      yield { symbol: 'SPY', time, open: 1, high: 1, low: 1, close: 1, volume: 1 };
    }
  }
  const engine = new AnalysisEngine();
  let delivered = 0;
  engine.subscribe({ interval: '5m' }, () => void delivered++);
  const coordinator = new SessionCoordinator({ calendar, data, engine, source: iterableSource(bars()), from: session.date, to: session.date });
  coordinator.on('gap', () => {
    try {
      data.endSession();
    } catch (error) {
      errors.push(error);
    }
  });
  let clearedBetween = false;
  coordinator.on('sessionEnd', () => {
    // The session has ended: the store is the caller's again.
    data.removeSymbol('SPY');
    clearedBetween = true;
  });
  const report = await coordinator.run();
  t.is(errors.length, 2);
  for (const e of errors) t.true(e instanceof SessionError && e.code === 'session_open', String(e));
  t.true(clearedBetween);
  t.is(delivered, report.closedBars['5m']!);
  // 78 buckets, less the two the missing minutes 11:10-11:19 leave empty.
  t.is(report.closedBars['5m'], 76);

  // Stopped mid-session: the session stays open, and the store takes endSession once run() settled.
  const stopped = new SessionData({ intervals: ['5m'] });
  const stopper = new AnalysisEngine();
  const run = new SessionCoordinator({ calendar, data: stopped, engine: stopper, source: columnsSource({ SPY: columns }), from: session.date, to: session.date });
  stopper.subscribe({ interval: '5m' }, (e) => {
    if (e.index === 3) run.stop();
  });
  await run.run();
  t.not(stopped.session, null);
  t.notThrows(() => stopped.endSession());
});
