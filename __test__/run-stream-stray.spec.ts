/**
 * A data-driven stream run whose slice is split by a bar that goes in alone (a stray timed in a
 * later session, or a time that is not finite): the bars of the slice's time behind it are stored,
 * not rejected as late, and the buckets they fill are whole, as with a column source.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, iterableSource } from 'barstream';
import type { SymbolBar } from 'barstream';

const MINUTE = 60_000;
// Ten-minute sessions, 10:00 to 10:10 UTC.
const calendar = Calendar.custom({ timeZone: 'UTC', sessions: ['2024-05-06', '2024-05-07'].map((date) => ({ date, open: '10:00', close: '10:10' })) });
const [s1, s2] = calendar.sessions('2024-05-06', '2024-05-07');

const bar = (symbol: string, time: number): SymbolBar => ({ symbol, time, open: 10, high: 11, low: 9, close: 10, volume: 100 });

for (const [name, intruder] of [
  ['a stray timed in the next session', bar('A', s2!.open + 3 * MINUTE)],
  ['a bar whose time is NaN', bar('A', NaN)],
] as const) {
  test(`stream, data-driven: ${name} between two bars of one slice leaves the second one in time`, async (t) => {
    const stream: SymbolBar[] = [];
    for (let i = 0; i < 10; i++) {
      stream.push(bar('A', s1!.open + i * MINUTE));
      // 10:04 is the last slot of the 10:00 5m bucket: the intruder comes between A's and B's bars of it.
      if (i === 4) stream.push(intruder);
      stream.push(bar('B', s1!.open + i * MINUTE));
    }
    for (let i = 0; i < 10; i++) stream.push(bar('A', s2!.open + i * MINUTE), bar('B', s2!.open + i * MINUTE));
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    const seen: string[] = [];
    engine.subscribe({ interval: '5m' }, (e) => {
      seen.push(`${e.symbol} ${(e.time - s1!.open) / MINUTE} ${e.bar.volume}`);
    });
    const report = await new SessionCoordinator({ calendar, data, engine, source: iterableSource(stream), from: s1!.date, to: s2!.date }).run();
    t.is(report.rejected.late, 0);
    t.is(report.rejected.outside_session + report.rejected.non_finite, 1);
    t.is(report.barsStored, 40);
    // Every 5m bar holds five bars of 100.
    t.deepEqual(Array.from(data.bars('B', '5m').volume), [500, 500, 500, 500]);
    t.deepEqual(seen.slice(0, 4), ['A 0 500', 'B 0 500', 'A 5 500', 'B 5 500']);
  });
}

test('stream, both speeds: a bar whose time is not finite among bars of another symbol read ahead costs its own bar only: the run stores what it stores without it', async (t) => {
  const at = (m: number): number => s1!.open + m * MINUTE;
  const minutes = (symbol: string, from: number): SymbolBar[] => Array.from({ length: 10 - from }, (_, k) => bar(symbol, at(from + k)));
  // [name, stream, where the bar with no time goes in it, that bar]
  const cases: Array<[string, SymbolBar[], number, SymbolBar]> = [
    // A's last bar first: B's bars after it are earlier (as a source ordered by symbol gives them).
    ["B's, after A's last", [bar('A', at(9)), bar('B', at(2)), bar('B', at(3))], 1, bar('B', NaN)],
    ["A's, after A's last", [bar('A', at(9)), bar('B', at(2))], 1, bar('A', -Infinity)],
    ['by symbol, in the second', [...minutes('A', 0), ...minutes('B', 0)], 11, bar('B', NaN)],
  ];
  for (const [name, stream, where, intruder] of cases) {
    for (const speed of [0, 1e7]) {
      const run = async (bars: SymbolBar[]): Promise<{ stored: number; rejected: Record<string, number> }> => {
        const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: iterableSource(bars), from: '2024-05-06', to: '2024-05-06', speed, overrun: 'queue' }).run();
        return { stored: report.barsStored, rejected: Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)) };
      };
      const clean = await run(stream);
      const corrupt = await run([...stream.slice(0, where), intruder, ...stream.slice(where)]);
      t.deepEqual(corrupt, { stored: clean.stored, rejected: { ...clean.rejected, non_finite: 1 } }, `${name}, speed ${speed}`);
      // Clock-driven, a stream's bars go by time whatever the order of its symbols.
      if (speed > 0) t.is(clean.stored, stream.length, `${name}, speed ${speed}`);
    }
  }
});

/** The bars of A stored for each XNYS session of the run, as `HH:MM` New York times. */
async function storedBySession(stream: SymbolBar[]): Promise<{ bySession: Record<string, string[]>; rejected: Record<string, number> }> {
  const xnys = Calendar.xnys();
  const data = new SessionData();
  const bySession: Record<string, string[]> = {};
  const hhmm = (t: number): string => new Date(t - 5 * 3_600_000).toISOString().slice(11, 16);
  const coordinator = new SessionCoordinator({ calendar: xnys, data, source: iterableSource(stream), from: '2024-01-02', to: '2024-01-03' });
  coordinator.on('sessionEnd', (s) => {
    const b = data.bars('A', '1m');
    const inside: string[] = [];
    for (let i = 0; i < b.length; i++) if ((b.time[i] as number) >= s.open && (b.time[i] as number) < s.close) inside.push(hhmm(b.time[i] as number));
    bySession[s.date] = inside;
  });
  const report = await coordinator.run();
  return { bySession, rejected: Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)) };
}

// New York in January is UTC-5: 2024-01-02 16:00 is 21:00Z.
const ny = (date: string, hh: number, mm: number): number => Date.parse(`${date}T00:00:00Z`) + (hh + 5) * 3_600_000 + mm * 60_000;
const day2 = (from: number, n: number): SymbolBar[] => Array.from({ length: n }, (_, k) => bar('A', ny('2024-01-03', 9, 30 + from + k)));

test("stream, data-driven: after-market prints between two sessions weigh on neither side: a late 15:59 after them is kept in its session, and the next session's bars in theirs", async (t) => {
  // 16:05 and 16:10 are after the close; 15:59 comes late, then the next session's first 16 minutes.
  const stream = [bar('A', ny('2024-01-02', 15, 57)), bar('A', ny('2024-01-02', 15, 58)), bar('A', ny('2024-01-02', 16, 5)), bar('A', ny('2024-01-02', 16, 10)), bar('A', ny('2024-01-02', 15, 59)), ...day2(0, 16)];
  const { bySession, rejected } = await storedBySession(stream);
  t.deepEqual(bySession['2024-01-02'], ['15:57', '15:58', '15:59']);
  t.is(bySession['2024-01-03']?.length, 16);
  t.is(bySession['2024-01-03']?.[0], '09:30');
  t.deepEqual(rejected, { outside_session: 2 });
});

test("stream, data-driven: a previous session's bars read after the next session's first ones do not cost those: the bar at the close and a late one are the ones rejected", async (t) => {
  // 09:30-09:32 of the next session, then 16:00 and 15:59 of the first, then 09:33-09:50.
  const stream = [bar('A', ny('2024-01-02', 15, 58)), ...day2(0, 3), bar('A', ny('2024-01-02', 16, 0)), bar('A', ny('2024-01-02', 15, 59)), ...day2(3, 18)];
  const { bySession, rejected } = await storedBySession(stream);
  t.deepEqual(bySession['2024-01-02'], ['15:58']);
  t.is(bySession['2024-01-03']?.length, 21);
  t.is(bySession['2024-01-03']?.[0], '09:30');
  t.is(Object.values(rejected).reduce((a, b) => a + b, 0), 2);
});

test("stream, data-driven: a symbol's bar read behind another's late bar keeps its bucket open: the clock stops at it, whatever the slice before judged", async (t) => {
  // A's 10:05 comes after its 10:06 (out of order, rejected), B's 10:04 after both: B lags. By
  // hand: after the slice at 10:06 the next bar is A's 10:05, but B's 10:04 behind it still fills
  // its slot, so the clock closes through 10:04 only: the 10:00 5m bucket stays open for it.
  const at = (m: number): number => s1!.open + m * MINUTE;
  const stream = [
    ...[0, 1, 2, 3].flatMap((m) => [bar('A', at(m)), bar('B', at(m))]),
    bar('A', at(6)), bar('A', at(5)), bar('B', at(4)),
    bar('B', at(5)), bar('B', at(6)), bar('A', at(7)), bar('B', at(7)),
  ];
  const data = new SessionData({ intervals: ['5m'] });
  const report = await new SessionCoordinator({ calendar, data, source: iterableSource(stream), from: '2024-05-06', to: '2024-05-06' }).run();
  t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)), { out_of_order: 1 });
  t.deepEqual(Array.from(data.bars('B', '1m').time, (x) => (x - s1!.open) / MINUTE), [0, 1, 2, 3, 4, 5, 6, 7]);
  t.deepEqual(Array.from(data.bars('A', '1m').time, (x) => (x - s1!.open) / MINUTE), [0, 1, 2, 3, 6, 7]);
  // B's first 5m bar holds its five bars of 100.
  t.is(data.bars('B', '5m').volume[0], 500);
});

test("stream, data-driven: a bar behind its symbol's first bar of the next session holds no bucket: the last slice closes every symbol's last bucket with it", async (t) => {
  // A trades every minute of the first session, B to 10:08. C's first bar read is of the next
  // session, then A's, then C's 10:09 of the first (rejected: a bar past the close with more past
  // it than back inside ends the session), then the next session's bars. By hand: nothing behind
  // the last slice (A's 10:09) can fill a slot, so the clock closes through the close with it, and
  // B's 10:05 bucket closes in the same dispatch as A's: A's handler sees B's 10:05 bar.
  const at = (m: number): number => s1!.open + m * MINUTE;
  const next = (m: number): number => s2!.open + m * MINUTE;
  const stream = [
    ...[0, 1, 2, 3, 4, 5, 6, 7, 8].flatMap((m) => [bar('A', at(m)), bar('B', at(m))]),
    bar('A', at(9)),
    bar('C', next(0)), bar('A', next(0)), bar('C', at(9)), bar('B', next(0)),
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((m) => [bar('A', next(m)), bar('B', next(m)), bar('C', next(m))]),
  ];
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const seen: string[] = [];
  engine.subscribe({ interval: '5m' }, (e) => {
    if (e.time === at(5)) seen.push(`${e.symbol} sees B's 5m bars: ${data.bars('B', '5m').length}`);
  });
  const report = await new SessionCoordinator({ calendar, data, engine, source: iterableSource(stream), from: s1!.date, to: s2!.date }).run();
  t.deepEqual(seen, ["A sees B's 5m bars: 2", "B sees B's 5m bars: 2"]);
  t.is(report.barsStored, 10 + 9 + 30);
  t.is(Object.values(report.rejected).reduce((a, b) => a + b, 0), 1);
  t.is(data.bars('C', '1m').time[0], next(0));
});
