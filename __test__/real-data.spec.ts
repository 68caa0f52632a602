/**
 * Real minute bars (SPY, IBM, BAC, six sessions in October 2013) from ../shared/data/minute.
 * Expected values come from the files themselves through the naive aggregator in helpers/naive.ts
 * and from known properties of the data (see ../shared/data/README.md).
 */
import test from 'ava';
import { BarValidationError, SessionData, sessionOn } from 'barstream';
import type { Bar, Session } from 'barstream';
import { MINUTE_DATA_DIR, minuteDataAvailable, readMinuteBars } from './helpers/csv.js';
import { aggregateSessions, diffBars, diffViews, toFloat64Columns } from './helpers/naive.js';
import type { Alignment } from './helpers/naive.js';
import { MINUTE, nySummerSession } from './helpers/sessions.js';

const DATES = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];
const SYMBOLS = ['SPY', 'IBM', 'BAC'];
const INTERVALS = ['5m', '15m', '30m', '1h', '1d'];

interface Day {
  session: Session;
  /** Every row of the day, in file order (pre-market, session, after-hours). */
  all: Map<string, Bar[]>;
  /** The rows inside [open, close). */
  inside: Map<string, Bar[]>;
}

if (!minuteDataAvailable()) {
  test.skip(`real minute data (skipped: ../shared/data/minute not found at ${MINUTE_DATA_DIR})`, () => {});
} else {
  registerRealDataTests();
}

function loadDays(): Day[] {
  const rows = new Map(SYMBOLS.map((s) => [s, readMinuteBars(s)]));
  return DATES.map((date) => {
    const session = sessionOn(date, { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
    const all = new Map<string, Bar[]>();
    const inside = new Map<string, Bar[]>();
    for (const sym of SYMBOLS) {
      // Every row is between 04:00 and 20:00 New York time, so its New York date is its UTC date.
      const day = (rows.get(sym) as Bar[]).filter((b) => new Date(b.time).toISOString().slice(0, 10) === date);
      all.set(sym, day);
      inside.set(sym, day.filter((b) => b.time >= session.open && b.time < session.close));
    }
    return { session, all, inside };
  });
}

function perSymbol(days: Day[], sym: string) {
  return days.map((d) => ({ session: d.session, bars: d.inside.get(sym) as Bar[] }));
}

/** Feeds the in-session bars: one appendMany per symbol and session, or append one by one in time order. */
function feed(days: Day[], alignment: Alignment, method: 'appendMany' | 'append'): SessionData {
  const data = new SessionData({ intervals: INTERVALS, alignment });
  for (const day of days) {
    data.beginSession(day.session);
    if (method === 'appendMany') {
      for (const sym of SYMBOLS) {
        const bars = day.inside.get(sym) as Bar[];
        const r = data.appendMany(sym, toFloat64Columns(bars));
        if (r.appended !== bars.length || r.rejected.length !== 0) throw new Error(`${sym} ${day.session.date}: ${JSON.stringify(r.rejected[0])}`);
      }
    } else {
      const merged = SYMBOLS.flatMap((sym) => (day.inside.get(sym) as Bar[]).map((bar) => ({ sym, bar })));
      merged.sort((a, b) => a.bar.time - b.bar.time);
      for (const { sym, bar } of merged) data.append(sym, bar);
    }
    data.endSession();
  }
  return data;
}

function registerRealDataTests(): void {
  const days = loadDays();

  test('the files hold the six sessions; sessionOn gives 13:30-20:00 UTC (EDT) for each', (t) => {
    for (const day of days) {
      t.deepEqual(day.session, nySummerSession(day.session.date));
      for (const sym of SYMBOLS) t.true((day.all.get(sym) as Bar[]).length > (day.inside.get(sym) as Bar[]).length, `${sym} has rows outside the session`);
    }
    const total = SYMBOLS.map((s) => readMinuteBars(s).length);
    const inDays = SYMBOLS.map((s) => days.reduce((n, d) => n + (d.all.get(s) as Bar[]).length, 0));
    t.deepEqual(inDays, total, 'every row belongs to one of the six sessions');
    // Sorted, on the minute grid.
    for (const sym of SYMBOLS) {
      const rows = readMinuteBars(sym);
      t.true(rows.every((b, i) => b.time % MINUTE === 0 && (i === 0 || b.time > (rows[i - 1] as Bar).time)), sym);
    }
  });

  for (const alignment of ['session', 'clock'] as const) {
    for (const method of ['appendMany', 'append'] as const) {
      test(`real data, ${method}, ${alignment} alignment: 1m equals the input, 5m/15m/30m/1h/1d equal a naive aggregation`, (t) => {
        const data = feed(days, alignment, method);
        t.deepEqual(data.symbols(), SYMBOLS);
        for (const sym of SYMBOLS) {
          const sessions = perSymbol(days, sym);
          t.is(diffBars(data.bars(sym, '1m'), sessions.flatMap((s) => s.bars)), null, `${sym} 1m`);
          for (const iv of INTERVALS) {
            const expected = aggregateSessions(sessions, iv, alignment);
            t.is(diffBars(data.bars(sym, iv), expected), null, `${sym} ${iv}`);
            t.is(data.forming(sym, iv), null, `${sym} ${iv} nothing forming after endSession`);
          }
          t.is(data.bars(sym, '1d').length, 6);
        }
        // Hand-checked shape: 78 5m bars a full session; 7 hours either way: session-aligned
        // 09:30 .. 15:30 (the last cut at 16:00), clock-aligned 09:00 (holding 09:30-09:59) .. 15:00.
        t.is(data.bars('SPY', '5m').length, 6 * 78);
        const hours = data.bars('SPY', '1h');
        t.is(hours.length, 6 * 7);
        t.is(hours.time[0], Date.UTC(2013, 9, 4, 13, alignment === 'session' ? 30 : 0));
        t.is(hours.time[6], Date.UTC(2013, 9, 4, 19, alignment === 'session' ? 30 : 0));
        t.is(data.bars('SPY', '1d').time[0], alignment === 'session' ? Date.UTC(2013, 9, 4, 13, 30) : Date.UTC(2013, 9, 4, 4, 0));
        t.deepEqual(data.rejections(), { no_session: 0, non_finite: 0, high_below_open_close: 0, low_above_open_close: 0, negative_volume: 0, off_grid: 0, outside_session: 0, duplicate: 0, out_of_order: 0, late: 0, volume_too_large: 0 });
      });
    }
  }

  test('real data: append one by one and appendMany give identical columns, bit for bit, under both alignments', (t) => {
    for (const alignment of ['session', 'clock'] as const) {
      const a = feed(days, alignment, 'appendMany');
      const b = feed(days, alignment, 'append');
      for (const sym of SYMBOLS) {
        for (const iv of ['1m', ...INTERVALS]) t.is(diffViews(a.bars(sym, iv), b.bars(sym, iv)), null, `${alignment} ${sym} ${iv}`);
      }
      t.deepEqual(a.stats(), b.stats());
    }
  });

  test('IBM: exactly two regular-session minutes are missing, and the 5m buckets around them hold the 4 bars there are', (t) => {
    const missing: { date: string; time: number }[] = [];
    for (const day of days) {
      const have = new Set((day.inside.get('IBM') as Bar[]).map((b) => b.time));
      for (let m = day.session.open; m < day.session.close; m += MINUTE) if (!have.has(m)) missing.push({ date: day.session.date, time: m });
    }
    t.is(missing.length, 2);
    t.deepEqual(
      missing.map((m) => new Date(m.time).toISOString()),
      ['2013-10-04T16:39:00.000Z', '2013-10-11T16:46:00.000Z'], // 12:39 and 12:46 New York
    );
    for (const sym of ['SPY', 'BAC']) {
      for (const day of days) t.is((day.inside.get(sym) as Bar[]).length, 390, `${sym} ${day.session.date} is complete`);
    }
    const ibmRows = readMinuteBars('IBM');
    for (const alignment of ['session', 'clock'] as const) {
      for (const method of ['appendMany', 'append'] as const) {
        const data = feed(days, alignment, method);
        const five = data.bars('IBM', '5m');
        t.is(five.length, 6 * 78, 'every 5m bucket still makes a bar');
        for (const m of missing) {
          // 09:30 is on the 5-minute clock grid, so both alignments put the bucket at the same start.
          const start = m.time - (m.time % (5 * MINUTE));
          const rows = ibmRows.filter((b) => b.time >= start && b.time < start + 5 * MINUTE);
          t.is(rows.length, 4);
          const i = Array.from(five.time).indexOf(start);
          t.not(i, -1, `a 5m bar at ${new Date(start).toISOString()}`);
          t.is(five.volume[i], rows.reduce((v, b, k) => (k === 0 ? b.volume : v + b.volume), 0));
          t.is(five.open[i], rows[0]?.open);
          t.is(five.close[i], rows[3]?.close);
          t.is(five.high[i], Math.max(...rows.map((b) => b.high)));
          t.is(five.low[i], Math.min(...rows.map((b) => b.low)));
          // The neighbours are whole.
          t.is(five.time[i + 1], start + 5 * MINUTE);
          t.is(five.time[i - 1], start - 5 * MINUTE);
        }
      }
    }
  });

  test('IBM: the 12:35 bucket, whose last minute (12:39) is missing, closes when the 12:40 bar arrives', (t) => {
    const day = days[0] as Day;
    const data = new SessionData({ intervals: ['5m'] });
    data.beginSession(day.session);
    const t1240 = Date.UTC(2013, 9, 4, 16, 40);
    let lastClosed: readonly string[] = [];
    for (const b of day.inside.get('IBM') as Bar[]) {
      if (b.time > t1240) break;
      lastClosed = data.append('IBM', b);
      if (b.time === Date.UTC(2013, 9, 4, 16, 38)) t.is(data.bars('IBM', '5m').length, 37, '12:35 still forming at 12:38');
    }
    t.deepEqual([...lastClosed], ['1m', '5m']);
    const five = data.bars('IBM', '5m');
    t.is(five.length, 38); // 09:30 .. 12:35
    t.is(five.time[37], Date.UTC(2013, 9, 4, 16, 35));
  });

  test('real data: a run over extended hours, planned as the coordinator plans it, holds at most 64 bytes a stored bar for each symbol', (t) => {
    // Extended hours (04:00-20:00 New York): IBM trades about a third of those minutes, BAC about
    // half, SPY most. A plan for the six sessions reserves every minute of each at a symbol's
    // first bar; a thin symbol's series give back what its rate will not use.
    for (const sym of SYMBOLS) {
      const data = new SessionData({ intervals: INTERVALS });
      data.expectSessions(days.length);
      let stored = 0;
      for (const day of days) {
        const session = sessionOn(day.session.date, { open: '04:00', close: '20:00', timeZone: 'America/New_York' });
        data.beginSession(session);
        for (const bar of day.all.get(sym) as Bar[]) if (bar.time < session.close) data.append(sym, bar);
        data.endSession();
        stored += (day.all.get(sym) as Bar[]).filter((b) => b.time < session.close).length;
      }
      const stats = data.stats();
      t.is(data.bars(sym, '1m').length, stored);
      t.true(stats.allocatedBytes / stats.storedBars <= 64, `${sym}: ${stats.allocatedBytes} bytes for ${stats.storedBars} bars (${(stats.allocatedBytes / stats.storedBars).toFixed(1)} a bar)`);
    }
  });

  test('real data: pre-market and after-hours bars are rejected as outside_session and counted per symbol', (t) => {
    const expectedOutside = new Map(SYMBOLS.map((s) => [s, days.reduce((n, d) => n + (d.all.get(s) as Bar[]).length - (d.inside.get(s) as Bar[]).length, 0)]));
    // Known from the files: 2499 SPY, 228 IBM and 1126 BAC rows outside 09:30-16:00.
    t.deepEqual([...expectedOutside.values()], [2499, 228, 1126]);

    const single = new SessionData({ intervals: INTERVALS });
    const batch = new SessionData({ intervals: INTERVALS });
    for (const day of days) {
      single.beginSession(day.session);
      batch.beginSession(day.session);
      for (const sym of SYMBOLS) {
        const rows = day.all.get(sym) as Bar[];
        const outsideIdx: number[] = [];
        rows.forEach((b, i) => {
          const inside = b.time >= day.session.open && b.time < day.session.close;
          if (inside) {
            single.append(sym, b);
          } else {
            outsideIdx.push(i);
            const err = t.throws(() => single.append(sym, b), { instanceOf: BarValidationError });
            if (err?.code !== 'outside_session') t.fail(`${sym} ${new Date(b.time).toISOString()}: ${err?.code}`);
          }
        });
        const r = batch.appendMany(sym, toFloat64Columns(rows), { invalid: 'skip' });
        t.deepEqual(r.rejected.map((x) => x.index), outsideIdx);
        t.true(r.rejected.every((x) => x.code === 'outside_session'));
        t.is(r.appended, rows.length - outsideIdx.length);
        // Throw mode: the first row of the day is pre-market, so the batch fails at index 0, stores nothing.
        const before = batch.bars(sym, '1m').length;
        const err = t.throws(() => batch.appendMany(sym, toFloat64Columns(rows)), { instanceOf: BarValidationError });
        t.is(err?.index, 0);
        t.is(batch.bars(sym, '1m').length, before);
      }
      single.endSession();
      batch.endSession();
    }
    const clean = feed(days, 'session', 'appendMany');
    for (const sym of SYMBOLS) {
      const n = expectedOutside.get(sym) as number;
      t.is(single.rejections(sym).outside_session, n, sym);
      // appendMany skip counted each once; each throw-mode batch counted its first rejection once more.
      t.is(batch.rejections(sym).outside_session, n + days.length, sym);
      for (const iv of ['1m', ...INTERVALS]) {
        t.is(diffViews(single.bars(sym, iv), clean.bars(sym, iv)), null, `single ${sym} ${iv}`);
        t.is(diffViews(batch.bars(sym, iv), clean.bars(sym, iv)), null, `batch ${sym} ${iv}`);
      }
    }
    t.is(single.rejections().outside_session, 2499 + 228 + 1126);
  });
}
