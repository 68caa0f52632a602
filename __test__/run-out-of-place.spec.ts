/**
 * A symbol's bar timed later than the bars of its symbol behind it (a corrupt time, say) costs
 * those bars nothing when the store rejects it: it goes in at once, alone, moving no clock, in
 * every drive and source. One the store takes still waits for its time, so no subscriber sees it
 * early, and the earlier bars behind it are out of order. The expected figures are worked out by
 * hand from the rows below.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { Bar, BarEvent } from 'barstream';
import { toColumns } from './helpers/naive.js';

const MINUTE = 60_000;
// One ten-minute session, 10:00 to 10:10 UTC.
const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:10' }] });
const [session] = calendar.sessions('2024-05-06', '2024-05-06');
const at = (minutes: number): number => session!.open + minutes * MINUTE;
const bar = (minutes: number, fields: Partial<Bar> = {}): Bar => ({ time: at(minutes), open: 10, high: 11, low: 9, close: 10, volume: 100, ...fields });

/** B: a bar a minute, 10:00 to 10:09. */
const B = Array.from({ length: 10 }, (_, k) => bar(k));

/** A's rows: `first`, then 10:00, 10:01, 10:02. */
const rowsOfA = (first: Bar): Bar[] => [first, bar(0), bar(1), bar(2)];

type Kind = 'columns' | 'stream';

function source(kind: Kind, a: Bar[]) {
  if (kind === 'columns') return columnsSource({ A: toColumns(a), B: toColumns(B) });
  // As they would come: A's first row before everything, then A's and B's bars of each minute.
  const stream = [{ symbol: 'A', ...a[0]! }];
  for (let k = 0; k < 10; k++) {
    const ofA = a.slice(1).find((b) => b.time === at(k));
    if (ofA !== undefined) stream.push({ symbol: 'A', ...ofA });
    stream.push({ symbol: 'B', ...B[k]! });
  }
  return iterableSource(stream);
}

async function run(kind: Kind, speed: number, a: Bar[]) {
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const events: string[] = [];
  engine.subscribe({ interval: '1m' }, (e: BarEvent) => {
    events.push(`${e.symbol} ${(e.time - session!.open) / MINUTE}`);
  });
  const report = await new SessionCoordinator({ calendar, data, engine, source: source(kind, a), from: '2024-05-06', to: '2024-05-06', speed, overrun: 'queue' }).run();
  return { data, report, events };
}

const minutesOf = (time: Float64Array): number[] => Array.from(time, (t) => (t - session!.open) / MINUTE);

for (const kind of ['columns', 'stream'] as const) {
  for (const speed of [0, 1e9]) {
    const drive = `${kind}, ${speed === 0 ? 'data' : 'clock'}-driven`;

    for (const [what, first, reason] of [
      ['high below open', bar(7, { high: 9.5 }), 'high_below_open_close'],
      ['off the grid', bar(6.5), 'off_grid'],
    ] as const) {
      test(`${drive}: a row timed 10:07 ${what}, ahead of 10:00-10:02, costs only itself`, async (t) => {
        const { data, report } = await run(kind, speed, rowsOfA(first));
        t.is(report.rejected[reason], 1);
        t.is(report.rejected.late, 0);
        t.is(report.barsStored, 13);
        t.deepEqual(minutesOf(data.bars('A', '1m').time), [0, 1, 2]);
        // A's 10:00 5m bar holds its three bars of 100; B's two hold five each.
        t.deepEqual(Array.from(data.bars('A', '5m').volume), [300]);
        t.deepEqual(Array.from(data.bars('B', '5m').volume), [500, 500]);
      });
    }

    test(`${drive}: a valid row timed 10:07 ahead of 10:00-10:02 waits for its time, and the rows behind it are out of order`, async (t) => {
      const { data, report, events } = await run(kind, speed, rowsOfA(bar(7)));
      t.is(report.rejected.out_of_order, 3);
      t.is(report.rejected.late, 0);
      t.deepEqual(minutesOf(data.bars('A', '1m').time), [7]);
      // Columns, and a clock-driven stream, deliver A's 10:07 bar after B's bars up to 10:06; a
      // data-driven stream takes its bars in the order they come, and it came first.
      if (kind === 'stream' && speed === 0) t.is(events[0], 'A 7');
      else t.true(events.indexOf('A 7') > events.indexOf('B 6'));
      t.is(events.length, 11);
    });
  }
}

test('rows of earlier days after later ones (files read out of date order): every drive and source gives the sessions the same rows, as a stream read in that order', async (t) => {
  // Half-hour sessions a day apart, 30 rows each: more than the 16 bars a stray is judged by.
  const days = ['2024-05-06', '2024-05-07', '2024-05-08', '2024-05-09'];
  const four = Calendar.custom({ timeZone: 'UTC', sessions: days.map((date) => ({ date, open: '10:00', close: '10:30' })) });
  const sessions = four.sessions(days[0]!, days[3]!);
  const rowsOf = (d: number): Bar[] => Array.from({ length: 30 }, (_, k) => ({ time: sessions[d]!.open + k * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 100 }));
  // Days in the order of their rows, and the days whose rows are stored: a session takes the rows
  // up to the first of a later day; a day's rows after a later day's come too late for it.
  const layouts: [number[], number[]][] = [
    [[2, 3, 0, 1], [2, 3]],
    [[1, 0], [1]],
    [[2, 0, 1], [2]],
    [[0, 2, 1], [0, 2]],
  ];
  for (const [order, kept] of layouts) {
    const rows = order.flatMap(rowsOf);
    const last = Math.max(...order);
    for (const kind of ['columns', 'stream'] as const) {
      for (const speed of [0, 1e7]) {
        const data = new SessionData({ intervals: ['5m'] });
        const src = kind === 'columns' ? columnsSource({ A: toColumns(rows) }) : iterableSource(rows.map((b) => ({ symbol: 'A', ...b })));
        const report = await new SessionCoordinator({ calendar: four, data, engine: new AnalysisEngine(), source: src, from: days[0]!, to: days[last]!, speed, overrun: 'queue' }).run();
        const label = `[${order.join(',')}] ${kind}, speed ${speed}`;
        const stored = [...new Set(Array.from(data.bars('A', '1m').time, (time) => sessions.findIndex((x) => time >= x.open && time < x.close)))];
        t.deepEqual(stored, kept, label);
        t.is(report.barsStored, 30 * kept.length, label);
        t.is(report.barsIn, rows.length, label);
      }
    }
  }
});

test('columns: a run of 17 rows given a later date in the middle of a session costs those rows alone, in both drives', async (t) => {
  // Four one-hour sessions of 60 rows; 17 of day 0's rows carry day 3's times (10:00 to 10:16)
  // between its 15th and 16th row. The 45 rows after them outweigh the 17: the window ends after them.
  const days = ['2024-05-06', '2024-05-07', '2024-05-08', '2024-05-09'];
  const four = Calendar.custom({ timeZone: 'UTC', sessions: days.map((date) => ({ date, open: '10:00', close: '11:00' })) });
  const sessions = four.sessions(days[0]!, days[3]!);
  const rowsOf = (d: number): Bar[] => Array.from({ length: 60 }, (_, k) => ({ time: sessions[d]!.open + k * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 100 }));
  const bad = Array.from({ length: 17 }, (_, k) => ({ time: sessions[3]!.open + k * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 100 }));
  const rows = [...rowsOf(0).slice(0, 15), ...bad, ...rowsOf(0).slice(15), ...rowsOf(1), ...rowsOf(2), ...rowsOf(3)];
  for (const speed of [0, 1e7]) {
    const data = new SessionData({ intervals: ['5m'] });
    const report = await new SessionCoordinator({ calendar: four, data, engine: new AnalysisEngine(), source: columnsSource({ A: toColumns(rows) }), from: days[0]!, to: days[3]!, speed, overrun: 'queue' }).run();
    const perDay = sessions.map((x) => Array.from(data.bars('A', '1m').time).filter((time) => time >= x.open && time < x.close).length);
    t.deepEqual(perDay, [60, 60, 60, 60], `speed ${speed}`);
    t.is(report.barsStored, 240, `speed ${speed}`);
    t.is(report.rejected.outside_session, 17, `speed ${speed}`);
  }
});

test('a short run of corrupt times just before the last rows of a session costs those rows alone, in every drive and source', async (t) => {
  // Half-hour sessions of 30 rows; k rows carrying day 3's times come before day 0's last m rows.
  const days = ['2024-05-06', '2024-05-07', '2024-05-08', '2024-05-09'];
  const four = Calendar.custom({ timeZone: 'UTC', sessions: days.map((date) => ({ date, open: '10:00', close: '10:30' })) });
  const sessions = four.sessions(days[0]!, days[3]!);
  const rowsOf = (d: number): Bar[] => Array.from({ length: 30 }, (_, k) => ({ time: sessions[d]!.open + k * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 100 }));
  for (const [k, m] of [[2, 1], [5, 4], [16, 15]] as const) {
    const bad = Array.from({ length: k }, (_, i) => ({ time: sessions[3]!.open + i * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 100 }));
    const rows = [...rowsOf(0).slice(0, 30 - m), ...bad, ...rowsOf(0).slice(30 - m), ...rowsOf(1), ...rowsOf(2), ...rowsOf(3)];
    for (const kind of ['columns', 'stream'] as const) {
      for (const speed of [0, 1e7]) {
        const data = new SessionData({ intervals: ['5m'] });
        const src = kind === 'columns' ? columnsSource({ A: toColumns(rows) }) : iterableSource(rows.map((b) => ({ symbol: 'A', ...b })));
        const report = await new SessionCoordinator({ calendar: four, data, engine: new AnalysisEngine(), source: src, from: days[0]!, to: days[3]!, speed, overrun: 'queue' }).run();
        const label = `${k} before the last ${m}: ${kind}, speed ${speed}`;
        t.is(report.barsStored, 120, label);
        t.is(report.rejected.outside_session, k, label);
      }
    }
  }
});

test("the run's last session: rows timed past its close amid its rows cost those rows alone, in every drive and source", async (t) => {
  // One half-hour session; after its 23rd row, n rows timed past the close (the same time, or a minute apart).
  const one = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:30' }] });
  const s = one.sessions('2024-05-06', '2024-05-06')[0]!;
  const row = (time: number): Bar => ({ time, open: 10, high: 11, low: 9, close: 10, volume: 100 });
  const own = Array.from({ length: 30 }, (_, k) => row(s.open + k * MINUTE));
  for (const [n, step] of [[9, 0], [20, 1]] as const) {
    const past = Array.from({ length: n }, (_, i) => row(s.close + 2 * MINUTE + i * step * MINUTE));
    const rows = [...own.slice(0, 23), ...past, ...own.slice(23)];
    for (const kind of ['columns', 'stream'] as const) {
      for (const speed of [0, 1e7]) {
        const src = kind === 'columns' ? columnsSource({ A: toColumns(rows) }) : iterableSource(rows.map((b) => ({ symbol: 'A', ...b })));
        const report = await new SessionCoordinator({ calendar: one, data: new SessionData({ intervals: ['5m'] }), engine: new AnalysisEngine(), source: src, from: s.date, to: s.date, speed, overrun: 'queue' }).run();
        const label = `${n} rows: ${kind}, speed ${speed}`;
        t.is(report.barsStored, 30, label);
        t.deepEqual(Object.entries(report.rejected).filter(([, c]) => c > 0), [['outside_session', n]], label);
      }
    }
  }
});

test('a valid bar timed hours ahead of its place costs every bar of its symbol up to its time, in every drive and source', async (t) => {
  // XNYS, 2024-01-03 (New York in January is UTC-5): A trades 09:30-09:39, then a bar timed
  // 14:00, then 09:40-10:29. The 14:00 bar is taken; the 50 after it are out of order.
  const ny = (hh: number, mm: number): number => Date.parse('2024-01-03T00:00:00Z') + (hh + 5) * 3_600_000 + mm * MINUTE;
  const times = [...Array.from({ length: 10 }, (_, k) => ny(9, 30 + k)), ny(14, 0), ...Array.from({ length: 50 }, (_, k) => ny(9, 40 + k))];
  const rows = times.map((time): Bar => ({ time, open: 10, high: 11, low: 9, close: 10, volume: 100 }));
  for (const kind of ['columns', 'stream'] as const) {
    for (const speed of [0, 1e9]) {
      const data = new SessionData();
      const source = kind === 'columns' ? columnsSource({ A: toColumns(rows) }) : iterableSource(rows.map((b) => ({ symbol: 'A', ...b })));
      const report = await new SessionCoordinator({ calendar: Calendar.xnys(), data, source, from: '2024-01-03', to: '2024-01-03', speed, overrun: 'queue' }).run();
      const drive = `${kind} at speed ${speed}`;
      t.is(report.barsStored, 11, drive);
      t.is(report.rejected.out_of_order, 50, drive);
      t.deepEqual(Array.from(data.bars('A', '1m').time), [...times.slice(0, 10), ny(14, 0)], drive);
    }
  }
});
