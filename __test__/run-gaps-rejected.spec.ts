/**
 * The gaps of a run whose bars the store rejects for their values or their time: a clock-driven
 * run reports the same missing slots as a data-driven one (the core's), on the base grid, and the
 * slot of a rejected bar at the end of a session is missing too.
 */
import test from 'ava';
import { Calendar, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { GapRecord, SymbolBar } from 'barstream';

const MINUTE = 60_000;
const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:06' }] });
const open = calendar.sessions('2024-05-06', '2024-05-06')[0]!.open;
const at = (minutes: number): number => open + minutes * MINUTE;
const bar = (time: number, low = 9): SymbolBar => ({ symbol: 'A', time, open: 10, high: 11, low, close: 10, volume: 100 });

// Stored: 10:00 and 10:03 (the 10:02:15 bar is off the grid, the 10:03:00.5 one not whole
// milliseconds, and the 10:05 one's low is above its open and close). Missing: 10:01, 10:02, 10:04, 10:05.
const stream = [bar(at(0)), bar(at(2.25)), bar(at(3)), bar(at(3) + 0.5), bar(at(5), 10.5)];
const missing = [[at(1), at(3)], [at(4), at(6)]];

/** The gaps' slots as merged [from, to) spans, each end checked to be on the grid. */
function spans(t: { true(v: boolean, m?: string): void }, gaps: readonly GapRecord[]): number[][] {
  const out: number[][] = [];
  for (const g of [...gaps].sort((a, b) => a.from - b.from)) {
    t.true((g.from - open) % MINUTE === 0 && (g.to - open) % MINUTE === 0, `gap ${g.from - open}..${g.to - open} ms from the open is off the grid`);
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === g.from) last[1] = g.to;
    else out.push([g.from, g.to]);
  }
  return out;
}

for (const source of ['columns', 'stream'] as const) {
  for (const speed of [0, 1e9]) {
    test(`${source}, ${speed === 0 ? 'data' : 'clock'}-driven: gaps around rejected bars are the missing slots, on the grid`, async (t) => {
      const col = (k: 'time' | 'open' | 'high' | 'low' | 'close' | 'volume') => Float64Array.from(stream.map((b) => b[k]));
      const src = source === 'columns'
        ? columnsSource({ A: { time: col('time'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') } })
        : iterableSource(stream);
      const report = await new SessionCoordinator({
        calendar, data: new SessionData({ intervals: ['5m'] }), source: src, from: '2024-05-06', to: '2024-05-06', speed, overrun: 'queue',
      }).run();
      t.is(report.barsStored, 2);
      t.deepEqual(spans(t, report.gaps), missing);
    });
  }
}

for (const declared of [false, true]) {
  test(`live, the symbol ${declared ? 'declared' : 'not declared'}: first bars that come after the clock closed their bucket are rejected late and end no gap; the gap reported is the one the store records`, async (t) => {
    const SECOND = 1000;
    const until = (time: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())));
    const start = Math.ceil((Date.now() + 1500) / SECOND) * SECOND;
    const day = new Date(start);
    const session = { date: day.toISOString().slice(0, 10), open: start, close: start + 12 * SECOND, timeZone: 'UTC', dayStart: Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) };
    const one = (k: number): SymbolBar => ({ symbol: 'A', time: start + 2 * k * SECOND, open: 10, high: 11, low: 9, close: 10, volume: 100 });
    // 2s bars into 4s, a close delay of 1 s. The bucket of slots 0 and 1 closes at +5 s: the two
    // come at +6 s, with slot 2, which is due at the +6 s boundary and waited for until +7 s. The
    // later slots come in time. A second either way for a machine under load.
    async function* feed(): AsyncGenerator<SymbolBar> {
      await until(start + 6 * SECOND);
      for (let k = 0; k < 3; k++) yield one(k);
      for (let k = 3; k < 6; k++) {
        await until(start + 2 * (k + 1) * SECOND + 200);
        yield one(k);
      }
    }
    const data = new SessionData({ baseInterval: '2s', intervals: ['4s'] });
    const events: string[] = [];
    const coordinator = new SessionCoordinator({
      calendar: { sessions: () => [session] }, data, source: iterableSource(feed()), mode: 'live', from: session.date, to: session.date, closeDelayMs: SECOND,
      ...(declared ? { symbols: ['A'] } : {}),
    });
    coordinator.on('gap', (g) => events.push(`gap ${(g.from - start) / SECOND}-${(g.to - start) / SECOND}`));
    coordinator.on('gapExtended', (g) => events.push(`extended ${(g.from - start) / SECOND}-${(g.to - start) / SECOND}`));
    const report = await coordinator.run();
    t.is(report.rejected.late, 2);
    t.is(report.barsStored, 4);
    // Slots 0 and 1 hold no bar: by hand, one gap [+0 s, +4 s).
    t.deepEqual(report.gaps.map((g) => [g.from - start, g.to - start]), [[0, 4 * SECOND]]);
    t.deepEqual(report.quality[session.date]?.A?.gaps?.map((g) => [g.from - start, g.to - start]), [[0, 4 * SECOND]]);
    // Declared, the clock finds it at +2 s and extends it at +4 s; otherwise the first bar stored finds it.
    t.deepEqual(events, declared ? ['gap 0-2', 'extended 0-4'] : ['gap 0-4']);
  });
}

/**
 * Clock-driven, a stream whose later bar comes first and is then rejected: it goes in at once,
 * alone, and the bars behind it each at their own boundary (held behind it, they would all go in at
 * its boundary, and the gaps before them be reported and then partly filled). Each case: the
 * stream, by hand the slots missing in 10:00-10:06, and the gap events of the clock-driven run
 * (minutes from the open).
 */
const behind: [string, SymbolBar[], number[], string[]][] = [
  // 10:03:30 is off the grid; 10:01 and 10:03-10:05 hold no bar. The clock finds 10:01 at 10:02;
  // the stream ends with 10:02, and the session plays out to its close: the clock finds 10:03 at
  // 10:04 and extends that gap at each boundary after, as with a column source.
  ['an off-grid bar first', [bar(at(3.5)), bar(at(0)), bar(at(2))], [1, 3, 4, 5], ['gap 1-2', 'gap 3-4', 'extended 3-5', 'extended 3-6']],
  // 10:03's high is below its open: the same.
  ['a bar with bad prices first', [{ ...bar(at(3)), high: 9 }, bar(at(0)), bar(at(2))], [1, 3, 4, 5], ['gap 1-2', 'gap 3-4', 'extended 3-5', 'extended 3-6']],
  // The bad 10:03 goes in at once, at 10:01 right after 10:00; 10:01 and 10:02 are
  // stored at their boundaries, the clock finds 10:03 at 10:04, and 10:05 is left when the stream ends.
  ['bars behind a bad one, after a gap', [bar(at(0)), { ...bar(at(3)), high: 9 }, bar(at(1)), bar(at(2)), bar(at(4))], [3, 5], ['gap 3-4', 'gap 5-6']],
];
for (const [name, stream, missingSlots, expectedEvents] of behind) {
  test(`clock-driven, ${name}: every missing slot is in a reported gap, and the gaps less their stored bars count the missing slots`, async (t) => {
    const data = new SessionData();
    const events: string[] = [];
    const coordinator = new SessionCoordinator({ calendar, data, source: iterableSource(stream), from: '2024-05-06', to: '2024-05-06', speed: 1e9, overrun: 'queue' });
    const minute = (x: number): number => (x - open) / MINUTE;
    coordinator.on('gap', (g) => events.push(`gap ${minute(g.from)}-${minute(g.to)}`));
    coordinator.on('gapExtended', (g) => events.push(`extended ${minute(g.from)}-${minute(g.to)}`));
    const report = await coordinator.run();
    const stored = [...data.bars('A', '1m').time].map(minute);
    const missing = [0, 1, 2, 3, 4, 5].filter((k) => !stored.includes(k));
    t.deepEqual(missing, missingSlots);
    for (const k of missing) t.true(report.gaps.some((g) => g.from <= at(k) && at(k) < g.to), `slot ${k} is in no reported gap`);
    t.is(report.gaps.reduce((sum, g) => sum + (g.to - g.from) / MINUTE - g.storedBars, 0), missing.length);
    t.is(report.quality['2024-05-06']?.A?.base.missing, missing.length);
    t.deepEqual(events, expectedEvents);
  });
}

test("a bar off the grid before a short last slot (a 1h base, 09:30-16:00) leaves that slot's bar in time, in every drive and source", async (t) => {
  const xnys = Calendar.xnys({ hours: 'regular' });
  const s = xnys.session('2024-03-05')!;
  const H = 3_600_000;
  // 09:30 ... 14:30 on the grid, 15:00 off it (rejected), 15:30 in the short last slot (15:30-16:00).
  const times = [0, 1, 2, 3, 4, 5, 5.5, 6].map((k) => s.open + k * H);
  const bars: SymbolBar[] = times.map((time) => ({ symbol: 'SPY', time, open: 10, high: 11, low: 9, close: 10, volume: 1 }));
  const ones = times.map(() => 1);
  for (const kind of ['columns', 'stream'] as const) {
    for (const speed of [0, 1e9]) {
      const data = new SessionData({ baseInterval: '1h', intervals: ['1d'] });
      const source = kind === 'columns' ? columnsSource({ SPY: { time: times, open: ones, high: ones, low: ones, close: ones, volume: ones } }) : iterableSource(bars);
      const r = await new SessionCoordinator({ calendar: xnys, data, source, from: s.date, to: s.date, speed, overrun: 'queue' }).run();
      const label = `${kind}, speed ${speed}`;
      t.is(r.barsStored, 7, label);
      t.deepEqual(Object.entries(r.rejected).filter(([, n]) => n > 0), [['off_grid', 1]], label);
      // The day's bar holds all seven hours' volume, and no slot went missing.
      t.is(data.bars('SPY', '1d').volume[0], 7, label);
      t.deepEqual(r.gaps, [], label);
    }
  }
});

test("the slots after a symbol's last bar, and a symbol's whole session, are gaps the close revealed ('clock') in every drive and source", async (t) => {
  const xnys = Calendar.xnys({ hours: 'regular' });
  const s = xnys.session('2024-03-05')!;
  const MIN = 60_000;
  // A: every minute; B: none after 15:55; C: a row only on another day (known, never in this session).
  const a = Array.from({ length: 390 }, (_, k) => s.open + k * MIN);
  const b = a.slice(0, 385);
  const c = [s.open + 86_400_000 * 7];
  const cols = (times: number[]) => ({ time: times, open: times.map(() => 1), high: times.map(() => 1), low: times.map(() => 1), close: times.map(() => 1), volume: times.map(() => 1) });
  const stream: SymbolBar[] = a.flatMap((time, k) => [{ symbol: 'A', time, open: 1, high: 1, low: 1, close: 1, volume: 1 }, ...(k < 385 ? [{ symbol: 'B', time, open: 1, high: 1, low: 1, close: 1, volume: 1 }] : [])]);
  for (const kind of ['columns', 'stream'] as const) {
    for (const speed of [0, 1e9]) {
      const source = kind === 'columns' ? columnsSource({ A: cols(a), B: cols(b), C: cols(c) }) : iterableSource(stream);
      const r = await new SessionCoordinator({ calendar: xnys, data: new SessionData({ intervals: ['5m'] }), source, from: s.date, to: s.date, speed, overrun: 'queue' }).run();
      const label = `${kind}, speed ${speed}`;
      const trailing = r.gaps.filter((g: GapRecord) => g.symbol === 'B').map((g) => [g.from - s.open, g.to - s.open, g.detectedBy]);
      t.deepEqual(trailing, [[385 * MIN, 390 * MIN, 'clock']], label);
      // C is known to a column run from its start (a stream learns a symbol from its first bar).
      const whole = r.gaps.filter((g: GapRecord) => g.symbol === 'C').map((g) => [g.from - s.open, g.to - s.open, g.detectedBy]);
      t.deepEqual(whole, kind === 'columns' ? [[0, 390 * MIN, 'clock']] : [], label);
    }
  }
});
