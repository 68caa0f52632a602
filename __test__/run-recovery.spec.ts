/**
 * Going on after a run that ended early: what a refused run leaves, gaps reported once across a
 * stop, and the gaps of a `gap` listener that threw. Expected values are worked out by hand from
 * the bars fed (30-minute sessions, one bar a minute).
 */
import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, SessionError, columnsSource, iterableSource } from 'barstream';
import type { BarColumns } from 'barstream';

const MINUTE = 60_000;
const calendar = Calendar.custom({ timeZone: 'America/New_York', sessions: ['2024-01-02', '2024-01-03', '2024-01-04'].map((date) => ({ date, open: '09:30', close: '10:00' })) });
const openOf = (date: string): number => calendar.requireSession(date).open;

/** One bar a minute at minutes `from` to `to - 1` of each of `dates`' sessions. */
function bars(dates: readonly string[], from = 0, to = 30): BarColumns {
  const time = dates.flatMap((d) => Array.from({ length: to - from }, (_, k) => openOf(d) + (from + k) * MINUTE));
  return { time, open: time.map(() => 10), high: time.map(() => 11), low: time.map(() => 9), close: time.map(() => 10), volume: time.map(() => 100) };
}

/** A gap as minutes from its session's open. */
const minutes = (g: { symbol: string; from: number; to: number }, date: string): string => `${g.symbol} ${(g.from - openOf(date)) / MINUTE}-${(g.to - openOf(date)) / MINUTE}`;

test('a run the store refuses at its first session (it had that session) changes nothing: no symbol of its source becomes known', async (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const first = new SessionCoordinator({ calendar, data, engine, from: '2024-01-02', to: '2024-01-04', source: columnsSource({ AAA: bars(['2024-01-02', '2024-01-03', '2024-01-04']) }) });
  engine.subscribe({ interval: '1m' }, (e) => {
    if (e.session.date === '2024-01-03' && e.index === 39) first.stop();
  });
  t.true((await first.run()).stopped);
  data.endSession();
  data.takeGaps();
  // The stopped day again, with a source that also has BBB: refused.
  const again = new SessionCoordinator({ calendar, data, from: '2024-01-03', to: '2024-01-04', source: columnsSource({ AAA: bars(['2024-01-03', '2024-01-04']), BBB: bars(['2024-01-03', '2024-01-04']) }) });
  const error = await t.throwsAsync(again.run(), { instanceOf: SessionError });
  t.is(error?.code, 'session_order');
  t.deepEqual(data.symbols(), ['AAA']);
  // Going on from the next day with AAA alone: no gap or quality record of a BBB the store never met.
  const next = await new SessionCoordinator({ calendar, data, from: '2024-01-04', to: '2024-01-04', source: columnsSource({ AAA: bars(['2024-01-04']) }) }).run();
  t.deepEqual(next.gaps, []);
  t.deepEqual(Object.keys(next.quality['2024-01-04'] ?? {}), ['AAA']);
  t.is(next.qualityTotals.missing, 0);
});

test('a live run the store refuses at its first session makes none of its declared symbols known', async (t) => {
  // A session in progress now, which the store has had already.
  const open = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
  const date = new Date(open).toISOString().slice(0, 10);
  const today = { date, open, close: open + 10 * MINUTE, timeZone: 'UTC', dayStart: Date.parse(`${date}T00:00:00Z`) };
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(today);
  data.endSession();
  const live = new SessionCoordinator({ mode: 'live', calendar: { sessions: () => [today] }, data, from: date, to: date, source: iterableSource((async function* () {})()), symbols: ['ZZZ'] });
  const error = await t.throwsAsync(live.run(), { instanceOf: SessionError });
  t.is(error?.code, 'session_order');
  t.deepEqual(data.symbols(), []);
});

test('a live run whose sessions are all over begins none, and reports none of its declared symbols', async (t) => {
  const open = Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE;
  const date = new Date(open).toISOString().slice(0, 10);
  const over = { date, open, close: open + 10 * MINUTE, timeZone: 'UTC', dayStart: Date.parse(`${date}T00:00:00Z`) };
  const data = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ mode: 'live', calendar: { sessions: () => [over] }, data, from: date, to: date, source: iterableSource((async function* () {})()), symbols: ['A', 'B'] }).run();
  t.is(report.sessions, 0);
  t.deepEqual(report.symbols, []);
  t.is(report.symbolCount, 0);
  t.deepEqual(data.symbols(), []);
});

for (const speed of [0, 20_000]) {
  test(`a stop inside a session (${speed === 0 ? 'data' : 'clock'}-driven): the gaps the store finds at the session's end leave out the slots the run reported`, async (t) => {
    const date = '2024-01-02';
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    // AAA trades every minute; BBB's last bar is at minute 9. The stop comes at AAA's minute 12.
    // A clock-driven slice is 3 ms of wall time: a pause of the process inside the handler must not
    // fail the run (what is tested is the gaps, not the pace).
    const coordinator = new SessionCoordinator({ calendar, data, engine, from: date, to: date, speed, ...(speed === 0 ? {} : { overrun: 'queue' as const }), source: columnsSource({ AAA: bars([date]), BBB: bars([date], 0, 10) }) });
    engine.subscribe({ interval: '1m', symbols: ['AAA'] }, (e) => {
      if (e.time === openOf(date) + 12 * MINUTE) coordinator.stop();
    });
    const report = await coordinator.run();
    t.true(report.stopped);
    data.endSession();
    const missing = data.quality('BBB')?.base.missing;
    // Nor does BBB removed, nor the next session begun, before the gaps are taken (a removed
    // symbol's queued gaps keep its name).
    t.true(data.removeSymbol('BBB'));
    data.beginSession(calendar.requireSession('2024-01-03'));
    const later = data.takeGaps().map((g) => minutes(g, date));
    // Clock-driven, the boundaries found BBB's slots 10-12 missing while the run went on; data-driven, none.
    const reported = report.gaps.map((g) => minutes(g, date));
    t.deepEqual(reported, speed === 0 ? [] : ['BBB 10-13']);
    t.deepEqual(later.sort(), speed === 0 ? ['AAA 13-30', 'BBB 10-30'] : ['AAA 13-30', 'BBB 13-30']);
    // Each of BBB's 20 missing slots is reported once, as the session's quality record counts them.
    t.is(missing, 20);
  });
}

test("a gap listener that throws (data-driven): the run fails, and the slice's other gaps stay in the store for takeGaps", async (t) => {
  const date = '2024-01-03';
  const data = new SessionData({ intervals: ['5m'] });
  // AAA and BBB miss minutes 5 and 6; CCC trades every minute.
  const gappy = (): BarColumns => {
    const all = bars([date], 0, 10);
    const time = (all.time as number[]).filter((x) => x !== openOf(date) + 5 * MINUTE && x !== openOf(date) + 6 * MINUTE);
    return { time, open: time.map(() => 10), high: time.map(() => 11), low: time.map(() => 9), close: time.map(() => 10), volume: time.map(() => 100) };
  };
  const coordinator = new SessionCoordinator({ calendar, data, from: date, to: date, source: columnsSource({ AAA: gappy(), BBB: gappy(), CCC: bars([date], 0, 10) }) });
  const seen: string[] = [];
  coordinator.on('gap', (g) => {
    seen.push(minutes(g, date));
    throw new Error('listener failed');
  });
  await t.throwsAsync(coordinator.run(), { message: 'listener failed' });
  t.deepEqual(seen, ['AAA 5-7']);
  t.deepEqual(data.takeGaps().map((g) => minutes(g, date)), ['BBB 5-7']);
  // The slice that revealed the gaps went in before they were reported.
  t.is(data.bars('BBB', '1m').length, 6);
});
