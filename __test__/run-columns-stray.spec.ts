/**
 * A column source run where one symbol's next bar is a stray (a time in a later session among its
 * bars) while another symbol still has a bar of the slot just appended behind a corrupt one: that
 * bar is stored, not rejected as late, data-driven and clock-driven alike.
 */
import test from 'ava';
import { Calendar, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { RunReport } from 'barstream';

const MINUTE = 60_000;
// Ten-minute sessions, 10:00 to 10:10 UTC.
const calendar = Calendar.custom({ timeZone: 'UTC', sessions: ['2024-05-06', '2024-05-07'].map((date) => ({ date, open: '10:00', close: '10:10' })) });
const [s1, s2] = calendar.sessions('2024-05-06', '2024-05-07');
const at = (minutes: number): number => s1!.open + minutes * MINUTE;

function columns(times: number[]) {
  const n = times.length;
  const fill = (v: number) => new Float64Array(n).fill(v);
  return { time: Float64Array.from(times), open: fill(10), high: fill(11), low: fill(9), close: fill(10), volume: fill(100) };
}

for (const speed of [0, 1e9]) {
  test(`columns, ${speed === 0 ? 'data' : 'clock'}-driven: a stray next in one symbol's column does not make another's bar of the slot late`, async (t) => {
    // A: 10:00-10:03, then 10:04:15 (off the grid, rejected), then 10:04, the last slot of the 10:00 5m bucket.
    // B: 10:00-10:04, then a stray timed in the next session, then 10:05.
    const source = columnsSource({
      A: columns([at(0), at(1), at(2), at(3), at(4.25), at(4)]),
      B: columns([at(0), at(1), at(2), at(3), at(4), s2!.open + 3 * MINUTE, at(5)]),
    });
    const data = new SessionData({ intervals: ['5m'] });
    const report = await new SessionCoordinator({ calendar, data, source, from: s1!.date, to: s2!.date, speed, overrun: 'queue' }).run();
    t.is(report.rejected.late, 0);
    t.is(report.rejected.off_grid, 1);
    t.is(report.rejected.outside_session, 1);
    t.is(report.barsStored, 11);
    // A's 10:00 5m bar holds its five bars of 100.
    t.deepEqual(Array.from(data.bars('A', '5m').volume), [500]);
  });
}

test('a backtest split into one run a session counts a row whose time is not finite once, in the run of the rows around it, as one run over both does', async (t) => {
  // A: 10:00-10:02 of each session, with a NaN time after the first session's 10:01.
  const times = [at(0), at(1), NaN, at(2), s2!.open, s2!.open + MINUTE, s2!.open + 2 * MINUTE];
  const run = async (from: string, to: string) =>
    new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: columnsSource({ A: columns(times) }), from, to, speed: 0 }).run();
  const [first, second, both] = [await run('2024-05-06', '2024-05-06'), await run('2024-05-07', '2024-05-07'), await run('2024-05-06', '2024-05-07')];
  t.deepEqual([first.barsIn, first.rejected.non_finite, first.barsStored], [4, 1, 3]);
  t.deepEqual([second.barsIn, second.rejected.non_finite, second.barsStored], [3, 0, 3]);
  t.deepEqual([both.barsIn, both.rejected.non_finite, both.barsStored], [7, 1, 6]);
});

// New York in January is UTC-5: 2024-01-02 16:00 is 21:00Z.
const ny = (date: string, hh: number, mm: number): number => Date.parse(`${date}T00:00:00Z`) + (hh + 5) * 3_600_000 + mm * 60_000;

/** A's bars at `times` run through XNYS's 2024-01-02 and 2024-01-03 over `kind` at `speed`: the store and the report. */
async function runA(kind: 'columns' | 'stream', speed: number, times: number[]): Promise<{ data: SessionData; report: RunReport }> {
  const source = kind === 'columns' ? columnsSource({ A: columns(times) }) : iterableSource(times.map((time) => ({ symbol: 'A', time, open: 10, high: 11, low: 9, close: 10, volume: 100 })));
  const data = new SessionData();
  const report = await new SessionCoordinator({ calendar: Calendar.xnys(), data, source, from: '2024-01-02', to: '2024-01-03', speed, overrun: 'queue' }).run();
  return { data, report };
}

for (const [kind, speed] of [['columns', 0], ['columns', 1e9], ['stream', 1e9]] as const) {
  test(`${kind}, ${speed === 0 ? 'data' : 'clock'}-driven: a symbol's last bar after its own after-market prints stays in its session (the prints weigh on neither side)`, async (t) => {
    // XNYS regular hours: 16:05 and 16:10 are of no session; 15:59 comes after them, then the next
    // session's first 16 minutes. By hand: after 16:05 come 16:10 (no session's), 15:59 (back
    // inside) and the next session: 16:05 is a stray, so is 16:10, and 15:59 is the first
    // session's; the two prints are rejected.
    const times = [ny('2024-01-02', 15, 57), ny('2024-01-02', 15, 58), ny('2024-01-02', 16, 5), ny('2024-01-02', 16, 10), ny('2024-01-02', 15, 59), ...Array.from({ length: 16 }, (_, k) => ny('2024-01-03', 9, 30 + k))];
    const source = kind === 'columns' ? columnsSource({ A: columns(times) }) : iterableSource(times.map((time) => ({ symbol: 'A', time, open: 10, high: 11, low: 9, close: 10, volume: 100 })));
    const data = new SessionData();
    const firstSession: number[] = [];
    const coordinator = new SessionCoordinator({ calendar: Calendar.xnys(), data, source, from: '2024-01-02', to: '2024-01-03', speed, overrun: 'queue' });
    coordinator.on('sessionEnd', (s) => {
      if (s.date === '2024-01-02') firstSession.push(...data.bars('A', '1m').time);
    });
    const report = await coordinator.run();
    t.deepEqual(firstSession, [ny('2024-01-02', 15, 57), ny('2024-01-02', 15, 58), ny('2024-01-02', 15, 59)]);
    t.is(report.barsStored, 19);
    t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)), { outside_session: 2 });
  });
}

test("columns: where a session's window ends after a run of wrong-dated rows, after-market prints weigh on neither side of the cut", async (t) => {
  // A's column: 15:00, then 17 rows of the next day (a run of wrong dates, too long to be strays),
  // a print at 16:05, then the first session's 15:01-15:18, then the next day's 10:00-10:15. By
  // hand, cutting after 15:18 puts the 17 wrong-dated rows on the wrong side; cutting at the run
  // puts the 18 late rows there (the print is of no session: on neither side). The later cut wins.
  const d2 = (k: number): number => ny('2024-01-03', 9, 30 + k);
  const times = [ny('2024-01-02', 15, 0), ...Array.from({ length: 17 }, (_, k) => d2(k)), ny('2024-01-02', 16, 5), ...Array.from({ length: 18 }, (_, k) => ny('2024-01-02', 15, 1 + k)), ...Array.from({ length: 16 }, (_, k) => d2(30 + k))];
  const data = new SessionData();
  const firstSession: number[] = [];
  const coordinator = new SessionCoordinator({ calendar: Calendar.xnys(), data, source: columnsSource({ A: columns(times) }), from: '2024-01-02', to: '2024-01-03', speed: 0 });
  coordinator.on('sessionEnd', (s) => {
    if (s.date === '2024-01-02') firstSession.push(...data.bars('A', '1m').time);
  });
  const report = await coordinator.run();
  t.deepEqual(firstSession, Array.from({ length: 19 }, (_, k) => ny('2024-01-02', 15, k)));
  t.is(report.barsStored, 19 + 16);
  t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)), { outside_session: 18 });
});

for (const [kind, speed] of [['columns', 0], ['columns', 1e9], ['stream', 0], ['stream', 1e9]] as const) {
  test(`${kind}, ${speed === 0 ? 'data' : 'clock'}-driven: a late bar the store rejects by its fields keeps no bar of the next session out of it`, async (t) => {
    // The next session's 09:30, then a late 15:59 with a NaN close (rejected wherever it goes), then
    // 09:31-09:50. By hand: the late bar weighs on neither side, so nothing after 09:30 is back
    // inside the first session: 09:30 ends it and is stored; only the bad bar is rejected.
    const times = [ny('2024-01-02', 15, 58), ny('2024-01-03', 9, 30), ny('2024-01-02', 15, 59), ...Array.from({ length: 20 }, (_, k) => ny('2024-01-03', 9, 31 + k))];
    const closes = times.map((_, i) => (i === 2 ? Number.NaN : 10));
    const source =
      kind === 'columns'
        ? columnsSource({ A: { ...columns(times), close: Float64Array.from(closes) } })
        : iterableSource(times.map((time, i) => ({ symbol: 'A', time, open: 10, high: 11, low: 9, close: closes[i] as number, volume: 100 })));
    const data = new SessionData();
    const report = await new SessionCoordinator({ calendar: Calendar.xnys(), data, source, from: '2024-01-02', to: '2024-01-03', speed, overrun: 'queue' }).run();
    t.deepEqual(Array.from(data.bars('A', '1m').time), [ny('2024-01-02', 15, 58), ...Array.from({ length: 21 }, (_, k) => ny('2024-01-03', 9, 30 + k))]);
    t.is(Object.values(report.rejected).reduce((a, b) => a + b, 0), 1);
  });
}

test("columns: where a session's window ends after a run of wrong-dated rows, a row the store rejects by its fields weighs on neither side of the cut", async (t) => {
  // A's column: 15:00, 18 rows of the next day (the fourth with a NaN close), the first session's
  // 15:01-15:18, then the next day's 10:00-10:15. By hand, cutting after 15:18 puts 17 rows on the
  // wrong side (the bad one is lost either way); cutting at the run puts 18 there. The later cut wins.
  const d2 = (k: number): number => ny('2024-01-03', 9, 30 + k);
  const times = [ny('2024-01-02', 15, 0), ...Array.from({ length: 18 }, (_, k) => d2(k)), ...Array.from({ length: 18 }, (_, k) => ny('2024-01-02', 15, 1 + k)), ...Array.from({ length: 16 }, (_, k) => d2(30 + k))];
  const closes = times.map((_, i) => (i === 4 ? Number.NaN : 10));
  const data = new SessionData();
  const firstSession: number[] = [];
  const coordinator = new SessionCoordinator({ calendar: Calendar.xnys(), data, source: columnsSource({ A: { ...columns(times), close: Float64Array.from(closes) } }), from: '2024-01-02', to: '2024-01-03', speed: 0 });
  coordinator.on('sessionEnd', (s) => {
    if (s.date === '2024-01-02') firstSession.push(...data.bars('A', '1m').time);
  });
  const report = await coordinator.run();
  t.deepEqual(firstSession, Array.from({ length: 19 }, (_, k) => ny('2024-01-02', 15, k)));
  t.is(report.barsStored, 19 + 16);
  t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)), { outside_session: 17, non_finite: 1 });
});

for (const [kind, speed] of [['columns', 0], ['columns', 1e9], ['stream', 0], ['stream', 1e9]] as const) {
  test(`${kind}, ${speed === 0 ? 'data' : 'clock'}-driven: a late bar behind a later one of its symbol keeps no bar of the next session out of it`, async (t) => {
    // 15:57 and 15:59, then the next session's 09:30, then a late 15:58 (out of order behind 15:59,
    // rejected wherever it goes), then 09:31-09:50. By hand: the late bar weighs on neither side, so
    // 09:30 ends the first session and is stored; only the late bar is rejected.
    const times = [ny('2024-01-02', 15, 57), ny('2024-01-02', 15, 59), ny('2024-01-03', 9, 30), ny('2024-01-02', 15, 58), ...Array.from({ length: 20 }, (_, k) => ny('2024-01-03', 9, 31 + k))];
    const { data, report } = await runA(kind, speed, times);
    t.deepEqual(Array.from(data.bars('A', '1m').time), [ny('2024-01-02', 15, 57), ny('2024-01-02', 15, 59), ...Array.from({ length: 21 }, (_, k) => ny('2024-01-03', 9, 30 + k))]);
    t.is(Object.values(report.rejected).reduce((a, b) => a + b, 0), 1);
  });
}

test("stream, data-driven: a late bar weighs unless its own symbol is past it: another symbol's later bar read before it does not make it lost", async (t) => {
  // A's 15:57, then A's 09:30 and 09:31 of the next session, A's late 15:59, B's late 15:58, then A's
  // 09:32-09:51. B's 15:58 is before A's 15:59 but is B's first bar: kept if the session goes on,
  // so it weighs. By hand, at 09:30: two bars back inside against 09:31 past the close, so 09:30 is
  // a stray (rejected alone), and so is 09:31 (two inside, none past before them); A's 15:59 and B's
  // 15:58 are stored, and 09:32 ends the session.
  const times: Array<[string, number]> = [
    ['A', ny('2024-01-02', 15, 57)], ['A', ny('2024-01-03', 9, 30)], ['A', ny('2024-01-03', 9, 31)], ['A', ny('2024-01-02', 15, 59)], ['B', ny('2024-01-02', 15, 58)],
    ...Array.from({ length: 20 }, (_, k): [string, number] => ['A', ny('2024-01-03', 9, 32 + k)]),
  ];
  const data = new SessionData();
  const report = await new SessionCoordinator({ calendar: Calendar.xnys(), data, source: iterableSource(times.map(([symbol, time]) => ({ symbol, time, open: 10, high: 11, low: 9, close: 10, volume: 100 }))), from: '2024-01-02', to: '2024-01-03' }).run();
  t.deepEqual(Array.from(data.bars('B', '1m').time), [ny('2024-01-02', 15, 58)]);
  t.deepEqual(Array.from(data.bars('A', '1m').time).slice(0, 3), [ny('2024-01-02', 15, 57), ny('2024-01-02', 15, 59), ny('2024-01-03', 9, 32)]);
  t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)), { outside_session: 2 });
});

for (const [kind, speed] of [['columns', 0], ['columns', 1e9], ['stream', 0], ['stream', 1e9]] as const) {
  test(`${kind}, ${speed === 0 ? 'data' : 'clock'}-driven: a bar with the next session's date but later than that session's bars after it costs its own bar only`, async (t) => {
    // 15:58 and 15:59, then a bar dated the next day at 15:59 (a wrong date), then the next
    // session's 09:30-09:50. By hand: nothing after it is back inside, but its own next bars are
    // of the next session and earlier: it is out of place there too, so it goes alone and is
    // rejected, and 09:30 ends the session. Taken as the next session's first bar instead, it would
    // leave 09:30-09:50 out of order behind it.
    const times = [ny('2024-01-02', 15, 58), ny('2024-01-02', 15, 59), ny('2024-01-03', 15, 59), ...Array.from({ length: 21 }, (_, k) => ny('2024-01-03', 9, 30 + k))];
    const { data, report } = await runA(kind, speed, times);
    t.deepEqual(Array.from(data.bars('A', '1m').time), [ny('2024-01-02', 15, 58), ny('2024-01-02', 15, 59), ...Array.from({ length: 21 }, (_, k) => ny('2024-01-03', 9, 30 + k))]);
    t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)), { outside_session: 1 });
  });
}

test("stream, data-driven: the next session's first bar of one symbol, with another symbol's earlier bar of that session after it, ends the session (no wrong date)", async (t) => {
  // A's 09:31 comes before B's 09:30 (B lags a slot at the open). By hand: nothing after A's 09:31
  // is back inside, and no bar of A after it is earlier: it ends the first session, and is stored.
  const d2 = (m: number): number => ny('2024-01-03', 9, 30 + m);
  const rows: Array<[string, number]> = [['A', ny('2024-01-02', 15, 59)], ['B', ny('2024-01-02', 15, 59)], ['A', d2(1)], ['B', d2(0)], ...Array.from({ length: 20 }, (_, k): Array<[string, number]> => [['A', d2(2 + k)], ['B', d2(1 + k)]]).flat()];
  const data = new SessionData();
  const report = await new SessionCoordinator({ calendar: Calendar.xnys(), data, source: iterableSource(rows.map(([symbol, time]) => ({ symbol, time, open: 10, high: 11, low: 9, close: 10, volume: 100 }))), from: '2024-01-02', to: '2024-01-03' }).run();
  t.deepEqual(Array.from(data.bars('A', '1m').time).slice(0, 2), [ny('2024-01-02', 15, 59), d2(1)]);
  t.is(data.bars('B', '1m').time[1], d2(0));
  t.is(report.barsStored, rows.length);
});

test('at a session boundary, columns and streams, data-driven and clock-driven, store the same bars of one symbol: 60 seeded cases of late bars, after-market prints, wrong dates, repeats and bad closes', async (t) => {
  let seed = 3;
  const rnd = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  for (let c = 0; c < 60; c++) {
    // The first session's last 20 minutes, up to 3 after-market prints, the next session's first 30.
    const rows: { time: number; close: number }[] = [];
    for (let m = 40; m < 60; m++) rows.push({ time: ny('2024-01-02', 15, m), close: 10 });
    const prints = Math.floor(rnd() * 4);
    for (let k = 0; k < prints; k++) rows.push({ time: ny('2024-01-02', 16, k * 5), close: 10 });
    for (let m = 0; m < 30; m++) rows.push({ time: ny('2024-01-03', 9, 30 + m), close: 10 });
    // Up to two of the first session's bars moved late, past the close.
    const moves = Math.floor(rnd() * 3);
    for (let k = 0; k < moves; k++) {
      const [row] = rows.splice(Math.floor(rnd() * 20), 1);
      rows.splice(Math.min(rows.length, 20 - k + Math.floor(rnd() * (prints + 4))), 0, row as { time: number; close: number });
    }
    if (rnd() < 0.3) (rows[Math.floor(rnd() * rows.length)] as { close: number }).close = Number.NaN;
    for (let w = 0; w < 3; w++) {
      if (rnd() < 0.3) {
        const i = Math.floor(rnd() * rows.length);
        rows[i] = { time: (rows[i] as { time: number }).time + (rnd() < 0.5 ? 1 : -1) * 86_400_000, close: 10 };
      }
    }
    if (rnd() < 0.2) {
      const i = Math.floor(rnd() * rows.length);
      rows.splice(i, 0, { ...(rows[i] as { time: number; close: number }) });
    }
    const stored: string[] = [];
    for (const [kind, speed] of [['columns', 0], ['columns', 1e9], ['stream', 0], ['stream', 1e9]] as const) {
      const source =
        kind === 'columns'
          ? columnsSource({ A: { ...columns(rows.map((r) => r.time)), close: Float64Array.from(rows, (r) => r.close) } })
          : iterableSource(rows.map((r) => ({ symbol: 'A', time: r.time, open: 10, high: 11, low: 9, close: r.close, volume: 100 })));
      const data = new SessionData();
      const report = await new SessionCoordinator({ calendar: Calendar.xnys(), data, source, from: '2024-01-02', to: '2024-01-03', speed, overrun: 'queue' }).run();
      const rejected = Object.values(report.rejected).reduce((a, b) => a + b, 0);
      t.is(report.barsIn, report.barsStored + rejected);
      stored.push(`${Array.from(data.bars('A', '1m').time).join()} / ${rejected} rejected`);
    }
    t.true(stored.every((s) => s === stored[0]), `case ${c}: ${JSON.stringify(rows.map((r) => [new Date(r.time).toISOString(), r.close]))}`);
  }
});

for (const [kind, speed] of [['columns', 0], ['columns', 1e9], ['stream', 0], ['stream', 1e9]] as const) {
  test(`${kind}, ${speed === 0 ? 'data' : 'clock'}-driven: a repeat of its symbol's last bar after the next session's first keeps no bar of that session out of it`, async (t) => {
    // 15:58 and 15:59, the next session's 09:30, a repeat of 15:59 (a duplicate, rejected wherever
    // it goes), then 09:31-09:50. By hand: the repeat weighs on neither side, so nothing after 09:30
    // is back inside: 09:30 ends the first session and is stored; only the repeat is rejected.
    // (Weighed as inside, the repeat would make 09:30 a stray: 09:30 rejected too.)
    const times = [ny('2024-01-02', 15, 58), ny('2024-01-02', 15, 59), ny('2024-01-03', 9, 30), ny('2024-01-02', 15, 59), ...Array.from({ length: 20 }, (_, k) => ny('2024-01-03', 9, 31 + k))];
    const { data, report } = await runA(kind, speed, times);
    t.deepEqual(Array.from(data.bars('A', '1m').time), [ny('2024-01-02', 15, 58), ny('2024-01-02', 15, 59), ...Array.from({ length: 21 }, (_, k) => ny('2024-01-03', 9, 30 + k))]);
    t.is(Object.values(report.rejected).reduce((a, b) => a + b, 0), 1);
  });
}

for (const [kind, speed] of [['columns', 0], ['columns', 1e9], ['stream', 0], ['stream', 1e9]] as const) {
  test(`${kind}, ${speed === 0 ? 'data' : 'clock'}-driven: the session's own pre-market bar after the next session's first weighs on neither side once its symbol has a bar of the session`, async (t) => {
    // 15:58, 15:59, the next session's 09:30, the first session's pre-market 09:00 (behind 15:59:
    // rejected wherever it goes), then 09:31-09:50. By hand: the pre-market bar weighs nothing, so
    // nothing after 09:30 is back inside: 09:30 ends the first session and is stored; only 09:00 is
    // rejected. (Counted as back inside, it made 09:30 a stray: cost 2, then 1 <= 1.)
    const times = [ny('2024-01-02', 15, 58), ny('2024-01-02', 15, 59), ny('2024-01-03', 9, 30), ny('2024-01-02', 9, 0), ...Array.from({ length: 20 }, (_, k) => ny('2024-01-03', 9, 31 + k))];
    const { data, report } = await runA(kind, speed, times);
    t.deepEqual(Array.from(data.bars('A', '1m').time), [ny('2024-01-02', 15, 58), ny('2024-01-02', 15, 59), ...Array.from({ length: 21 }, (_, k) => ny('2024-01-03', 9, 30 + k))]);
    t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)), { outside_session: 1 });
  });

  test(`${kind}, ${speed === 0 ? 'data' : 'clock'}-driven: the session's own pre-market bars count as back inside while its symbol has no bar of the session: a corrupt time among thousands of them costs its own bar`, async (t) => {
    // The first session's pre-market 08:00, a bar dated the next day at 09:35 (a corrupt time),
    // then 4,200 pre-market bars (04:00-09:29 over and over: more than the 4,096 the stray test
    // reads) and the session's 09:30-09:40. By hand: nothing of A is stored in the session before
    // the corrupt bar, so the pre-market bars after it are back inside: it is a stray, rejected
    // alone, and 09:30-09:40 are stored. (Weighed as nothing, they would leave it none back inside
    // within the bars read, and it would end the session unopened.)
    const premarket = Array.from({ length: 4200 }, (_, k) => ny('2024-01-02', 4, k % 330));
    const times = [ny('2024-01-02', 8, 0), ny('2024-01-03', 9, 35), ...premarket, ...Array.from({ length: 11 }, (_, k) => ny('2024-01-02', 9, 30 + k))];
    const { data, report } = await runA(kind, speed, times);
    t.deepEqual(Array.from(data.bars('A', '1m').time), Array.from({ length: 11 }, (_, k) => ny('2024-01-02', 9, 30 + k)));
    t.is(Object.values(report.rejected).reduce((x, y) => x + y, 0), 4202);
  });
}

for (const [kind, speed] of [['columns', 0], ['columns', 1e9], ['stream', 0], ['stream', 1e9]] as const) {
  test(`${kind}, ${speed === 0 ? 'data' : 'clock'}-driven: a late bar behind another late bar of its symbol, both after the next session's first two, weighs on neither side`, async (t) => {
    // 15:50, the next session's 09:30 and 09:31, the first session's late 15:59, then 15:58 (out of
    // order behind 15:59: rejected wherever it goes), then 09:32-09:50. By hand, for 09:30: one bar
    // back inside (15:59; 15:58 weighs nothing), cost from 2: 09:31 -> 3, 15:59 -> 2, then only
    // bars past: never <= 1, no stray. 09:30 ends the first session; 15:59 and 15:58 are rejected.
    // (Weighing 15:58 too: 2 inside, cost 3 -> 4 -> 3 -> 2 <= 2, 09:30 a stray.)
    const times = [ny('2024-01-02', 15, 50), ny('2024-01-03', 9, 30), ny('2024-01-03', 9, 31), ny('2024-01-02', 15, 59), ny('2024-01-02', 15, 58), ...Array.from({ length: 19 }, (_, k) => ny('2024-01-03', 9, 32 + k))];
    const { data, report } = await runA(kind, speed, times);
    t.deepEqual(Array.from(data.bars('A', '1m').time), [ny('2024-01-02', 15, 50), ...Array.from({ length: 21 }, (_, k) => ny('2024-01-03', 9, 30 + k))]);
    t.is(Object.values(report.rejected).reduce((a, b) => a + b, 0), 2);
  });
}

for (const [kind, speed] of [['columns', 0], ['columns', 1e9], ['stream', 0], ['stream', 1e9]] as const) {
  test(`${kind}, ${speed === 0 ? 'data' : 'clock'}-driven: a late bar behind a late off-grid one still counts as back inside`, async (t) => {
    // 15:50, the next session's 09:30 and 09:31, the first session's 15:58:30 (off the grid:
    // rejected), then 15:58, then 09:32-09:50. By hand, for 09:30: two back inside (15:58:30, and
    // 15:58, which the store takes: the off-grid bar stores nothing), cost from 3: 09:31 -> 4,
    // 15:58:30 -> 3, 15:58 -> 2 <= 2: a stray; likewise 09:31 (cost 3 -> 2). 15:58 is stored,
    // 15:58:30 rejected off the grid, and 09:32 ends the first session.
    const times = [ny('2024-01-02', 15, 50), ny('2024-01-03', 9, 30), ny('2024-01-03', 9, 31), ny('2024-01-02', 15, 58.5), ny('2024-01-02', 15, 58), ...Array.from({ length: 19 }, (_, k) => ny('2024-01-03', 9, 32 + k))];
    const { data, report } = await runA(kind, speed, times);
    t.deepEqual(Array.from(data.bars('A', '1m').time), [ny('2024-01-02', 15, 50), ny('2024-01-02', 15, 58), ...Array.from({ length: 19 }, (_, k) => ny('2024-01-03', 9, 32 + k))]);
    t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)), { outside_session: 2, off_grid: 1 });
  });
}

for (const speed of [0, 1e9]) {
  test(`columns, ${speed === 0 ? 'data' : 'clock'}-driven: where a session's window ends after a run of wrong-dated rows, one at the next open counts on the wrong side (a tie keeps the first end)`, async (t) => {
    // A's column: 15:00, 17 rows of the next day from its open (09:30-09:46, a run too long to be
    // strays), the first session's 15:01-15:17, then the next day's 10:00-10:15. By hand: cut at the
    // run, 17 late rows are on the wrong side; cut after 15:17, the 17 wrong-dated rows (09:30
    // among them: the next session's, not of no session). A tie: the first end stays, so the first
    // session holds 15:00 alone and the 17 late rows are rejected.
    const times = [ny('2024-01-02', 15, 0), ...Array.from({ length: 17 }, (_, k) => ny('2024-01-03', 9, 30 + k)), ...Array.from({ length: 17 }, (_, k) => ny('2024-01-02', 15, 1 + k)), ...Array.from({ length: 16 }, (_, k) => ny('2024-01-03', 10, k))];
    const data = new SessionData();
    const firstSession: number[] = [];
    const coordinator = new SessionCoordinator({ calendar: Calendar.xnys(), data, source: columnsSource({ A: columns(times) }), from: '2024-01-02', to: '2024-01-03', speed, overrun: 'queue' });
    coordinator.on('sessionEnd', (s) => {
      if (s.date === '2024-01-02') firstSession.push(...data.bars('A', '1m').time);
    });
    const report = await coordinator.run();
    t.deepEqual(firstSession, [ny('2024-01-02', 15, 0)]);
    t.is(report.barsStored, 1 + 17 + 16);
    t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)), { outside_session: 17 });
  });
}
