/**
 * SessionData behaviour through the public entry. Expected values are hand-checked arithmetic
 * from DESIGN.md "Semantics (normative)", or the naive aggregator in helpers/naive.ts.
 */
import test from 'ava';
import { SessionData, sessionOn, REJECT_CODES } from 'barstream';
import type { Bar, BarsView } from 'barstream';
import { MINUTE, nySummerSession, nyTime } from './helpers/sessions.js';
import { aggregateSession, diffBars, diffViews, toColumns, toFloat64Columns } from './helpers/naive.js';

const S7 = nySummerSession('2013-10-07');
const S8 = nySummerSession('2013-10-08');
const S9 = nySummerSession('2013-10-09');

const at = (hhmm: string, s = S7): number => nyTime(s, hhmm);
const bar = (time: number, open: number, high: number, low: number, close: number, volume: number): Bar => ({
  time, open, high, low, close, volume,
});
/** A simple valid bar whose prices depend on i. */
const simple = (time: number, i: number, volume = 100): Bar =>
  bar(time, 100 + i, 100 + i + 0.5, 100 + i - 0.5, 100 + i + 0.25, volume);

function minutes(from: string, count: number, s = S7): number[] {
  return Array.from({ length: count }, (_, i) => at(from, s) + i * MINUTE);
}

test('sessionOn gives the hand-computed EDT times for 2013-10-07 (09:30-16:00 New York = 13:30-20:00 UTC)', (t) => {
  const s = sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  t.is(s.date, '2013-10-07');
  t.is(s.open, Date.UTC(2013, 9, 7, 13, 30));
  t.is(s.close, Date.UTC(2013, 9, 7, 20, 0));
  t.is(s.dayStart, Date.UTC(2013, 9, 7, 4, 0));
  t.is(s.timeZone, 'America/New_York');
  // Winter time (EST, UTC-5) for a January date.
  const w = sessionOn('2014-01-06', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  t.is(w.open, Date.UTC(2014, 0, 6, 14, 30));
  t.is(w.dayStart, Date.UTC(2014, 0, 6, 5, 0));
});

test('append returns the closed intervals, base first: 5m on the 5th minute, 15m on the 15th, 1h on the 60th', (t) => {
  const data = new SessionData({ intervals: ['5m', '15m', '1h'] });
  data.beginSession(S7);
  const times = minutes('09:30', 61);
  times.forEach((time, i) => {
    const got = data.append('SPY', simple(time, i));
    const expected = ['1m'];
    if ((i + 1) % 5 === 0) expected.push('5m');
    if ((i + 1) % 15 === 0) expected.push('15m');
    if (i === 59) expected.push('1h');
    t.deepEqual([...got], expected, `minute ${i}`);
  });
  t.deepEqual([...data.append('SPY', simple(at('10:31'), 99))], ['1m']);
  t.is(data.bars('SPY', '5m').length, 12);
  t.is(data.bars('SPY', '15m').length, 4);
  t.is(data.bars('SPY', '1h').length, 1);
});

test('a bar from a later bucket closes the previous bucket (no waiting for the clock)', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S7);
  t.deepEqual([...data.append('SPY', bar(at('09:30'), 10, 12, 9, 11, 100))], ['1m']);
  t.deepEqual([...data.append('SPY', bar(at('09:32'), 11, 13, 10, 12, 50))], ['1m']);
  t.deepEqual([...data.append('SPY', bar(at('09:36'), 12, 12, 8, 9, 7))], ['1m', '5m']);
  t.is(diffBars(data.bars('SPY', '5m'), [bar(at('09:30'), 10, 13, 9, 12, 150)]), null);
  t.deepEqual(data.forming('SPY', '5m'), bar(at('09:35'), 12, 12, 8, 9, 7));
});

function sampleBars(): Bar[] {
  // A session with gaps, fractional volumes and uneven prices.
  const out: Bar[] = [];
  let price = 100.37;
  let i = 0;
  for (let m = 0; m < 390; m++) {
    if (m % 7 === 3 || m % 11 === 5 || m === 389) continue; // gaps; no 15:59 bar
    const open = price;
    const close = Math.round((price + Math.sin(m) * 0.37) * 100) / 100;
    const high = Math.max(open, close) + (m % 3) * 0.01;
    const low = Math.min(open, close) - (m % 4) * 0.013;
    out.push(bar(S7.open + m * MINUTE, open, high, low, close, (m % 5) * 0.1 + 0.2 + i));
    price = close;
    i++;
  }
  return out;
}

const ALL = ['1m', '5m', '15m', '30m', '1h', '1d'] as const;

test('appendMany with Float64Array columns and with plain arrays equals append one by one, bit for bit', (t) => {
  const bars = sampleBars();
  const make = () => {
    const d = new SessionData({ intervals: ['5m', '15m', '30m', '1h', '1d'] });
    d.beginSession(S7);
    return d;
  };
  const single = make();
  for (const b of bars) single.append('SPY', b);
  const typed = make();
  const r1 = typed.appendMany('SPY', toFloat64Columns(bars));
  const plain = make();
  const r2 = plain.appendMany('SPY', toColumns(bars));
  t.is(r1.appended, bars.length);
  t.is(r2.appended, bars.length);
  t.deepEqual(r1.rejected, []);
  // Without a 15:59 bar the 1d bucket stays forming; the others close bars.
  t.deepEqual([...r1.closed], ['1m', '5m', '15m', '30m', '1h']);
  t.deepEqual([...r2.closed], ['1m', '5m', '15m', '30m', '1h']);
  for (const iv of ALL) {
    t.is(diffViews(typed.bars('SPY', iv), single.bars('SPY', iv)), null, `typed ${iv}`);
    t.is(diffViews(plain.bars('SPY', iv), single.bars('SPY', iv)), null, `plain ${iv}`);
    if (iv === '1m') {
      t.is(diffBars(single.bars('SPY', iv), bars), null, 'base = input');
    } else {
      // Every derived interval's last bucket lacks its 15:59 slot, so it is still forming.
      const naive = aggregateSession(bars, S7, iv);
      t.is(diffBars(single.bars('SPY', iv), naive.slice(0, -1)), null, `naive ${iv}`);
      t.deepEqual(single.forming('SPY', iv), naive[naive.length - 1], `forming ${iv}`);
    }
    t.deepEqual(typed.forming('SPY', iv), single.forming('SPY', iv));
    t.deepEqual(plain.forming('SPY', iv), single.forming('SPY', iv));
  }
  for (const d of [single, typed, plain]) d.endSession();
  for (const iv of ALL) {
    t.is(diffViews(typed.bars('SPY', iv), single.bars('SPY', iv)), null, `typed after end ${iv}`);
    t.is(diffViews(plain.bars('SPY', iv), single.bars('SPY', iv)), null, `plain after end ${iv}`);
    t.is(diffBars(single.bars('SPY', iv), iv === '1m' ? bars : aggregateSession(bars, S7, iv)), null, `naive after end ${iv}`);
  }
});

test("appendMany invalid: 'throw' (default) stores nothing and names the index; 'skip' stores the rest", (t) => {
  const good = minutes('09:30', 4).map((time, i) => simple(time, i));
  const bad = { ...good[2]!, high: 50 }; // high below open and close
  const batch = [good[0]!, good[1]!, bad, good[3]!];

  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S7);
  const err = t.throws(() => data.appendMany('SPY', toColumns(batch)));
  t.is(err?.name, 'BarValidationError');
  t.is((err as { code?: string } | undefined)?.code, 'high_below_open_close');
  t.is((err as { index?: number } | undefined)?.index, 2);
  t.is(data.bars('SPY', '1m').length, 0);
  t.is(data.forming('SPY', '5m'), null);
  t.is(data.rejections('SPY').high_below_open_close, 1);

  const r = data.appendMany('SPY', toColumns(batch), { invalid: 'skip' });
  t.is(r.appended, 3);
  t.is(r.rejected.length, 1);
  t.is(r.rejected[0]?.index, 2);
  t.is(r.rejected[0]?.code, 'high_below_open_close');
  t.is(typeof r.rejected[0]?.message, 'string');
  t.is(diffBars(data.bars('SPY', '1m'), [good[0]!, good[1]!, good[3]!]), null);
  t.is(data.rejections('SPY').high_below_open_close, 2);
});

test('advanceTo closes a forming bucket at its end, not before, and only what has ended', (t) => {
  const data = new SessionData({ intervals: ['5m', '15m'] });
  data.beginSession(S7);
  data.append('SPY', bar(at('09:30'), 10, 11, 9, 10.5, 100));
  data.append('SPY', bar(at('09:31'), 10.5, 12, 10, 11, 200));
  data.append('IBM', bar(at('09:32'), 180, 181, 179, 180.5, 5));
  t.deepEqual(data.advanceTo(at('09:35') - 1), []);
  t.is(data.bars('SPY', '5m').length, 0);
  t.deepEqual(data.advanceTo(at('09:35')), [
    { symbol: 'SPY', interval: '5m' },
    { symbol: 'IBM', interval: '5m' },
  ]);
  t.is(diffBars(data.bars('SPY', '5m'), [bar(at('09:30'), 10, 12, 9, 11, 300)]), null);
  t.is(diffBars(data.bars('IBM', '5m'), [bar(at('09:30'), 180, 181, 179, 180.5, 5)]), null);
  t.is(data.forming('SPY', '5m'), null);
  t.deepEqual(data.forming('SPY', '15m'), bar(at('09:30'), 10, 12, 9, 11, 300));
  // An earlier time than before does nothing.
  t.deepEqual(data.advanceTo(at('09:31')), []);
  // No data in later buckets: nothing to close under 'skip'.
  t.deepEqual(data.advanceTo(at('09:44')), []);
  t.deepEqual(data.advanceTo(at('09:45')), [
    { symbol: 'SPY', interval: '15m' },
    { symbol: 'IBM', interval: '15m' },
  ]);
  t.is(data.bars('SPY', '5m').length, 1);
  t.is(data.bars('SPY', '15m').length, 1);
});

test("advanceTo without data makes flat bars for ended empty buckets under emptyBuckets: 'flat'", (t) => {
  const data = new SessionData({ intervals: ['5m', '15m'], emptyBuckets: 'flat' });
  data.beginSession(S7);
  // Nothing appended yet: the clock makes nothing (never before the session's first bar).
  data.append('IBM', bar(at('09:30'), 180, 181, 179, 180.5, 5)); // interns IBM first
  t.deepEqual(data.advanceTo(at('09:50')), [
    { symbol: 'IBM', interval: '5m' },
    { symbol: 'IBM', interval: '15m' },
  ]);
  t.is(
    diffBars(data.bars('IBM', '5m'), [
      bar(at('09:30'), 180, 181, 179, 180.5, 5),
      bar(at('09:35'), 180.5, 180.5, 180.5, 180.5, 0),
      bar(at('09:40'), 180.5, 180.5, 180.5, 180.5, 0),
      bar(at('09:45'), 180.5, 180.5, 180.5, 180.5, 0),
    ]),
    null,
  );
  // The 09:45 15m bucket ends at 10:00: not yet closed.
  t.is(diffBars(data.bars('IBM', '15m'), [bar(at('09:30'), 180, 181, 179, 180.5, 5)]), null);
});

test("emptyBuckets 'flat': flat bars at the last close fill gaps and the rest of the session, never before the first bar", (t) => {
  const data = new SessionData({ intervals: ['5m'], emptyBuckets: 'flat' });
  data.beginSession(S7);
  data.append('SPY', bar(at('09:30'), 10, 11, 9, 10.25, 100));
  data.append('SPY', bar(at('09:47'), 10.5, 10.75, 10.5, 10.5, 40));
  data.append('IBM', bar(at('09:47'), 180, 181, 179, 180.5, 5));
  t.is(
    diffBars(data.bars('SPY', '5m'), [
      bar(at('09:30'), 10, 11, 9, 10.25, 100),
      bar(at('09:35'), 10.25, 10.25, 10.25, 10.25, 0),
      bar(at('09:40'), 10.25, 10.25, 10.25, 10.25, 0),
    ]),
    null,
  );
  t.is(data.bars('IBM', '5m').length, 0);
  data.endSession();
  // 390 minutes / 5 = 78 buckets; SPY fills all 78, IBM from the 09:45 bucket (index 3) on: 75.
  const spy = data.bars('SPY', '5m');
  const ibm = data.bars('IBM', '5m');
  t.is(spy.length, 78);
  t.is(ibm.length, 75);
  t.is(spy.time[77], at('15:55'));
  t.is(ibm.time[0], at('09:45'));
  t.is(spy.close[77], 10.5);
  t.is(spy.volume[77], 0);
  t.is(ibm.close[74], 180.5);
});

test('endSession flushes every forming bar and returns what closed', (t) => {
  const data = new SessionData({ intervals: ['5m', '15m', '1h', '1d'] });
  data.beginSession(S7);
  data.append('SPY', bar(at('09:30'), 10, 11, 9, 10.5, 100));
  data.append('SPY', bar(at('09:31'), 10.5, 12, 10, 11, 200));
  data.append('SPY', bar(at('09:32'), 11, 11.5, 8.5, 9, 300));
  for (const iv of ['5m', '15m', '1h', '1d']) t.is(data.bars('SPY', iv).length, 0, iv);
  const closed = data.endSession();
  t.deepEqual(closed, ['5m', '15m', '1h', '1d'].map((interval) => ({ symbol: 'SPY', interval })));
  t.is(data.session, null);
  const expected = bar(at('09:30'), 10, 12, 8.5, 9, 600);
  for (const iv of ['5m', '15m', '1h', '1d']) {
    t.is(diffBars(data.bars('SPY', iv), [expected]), null, iv);
    t.is(data.forming('SPY', iv), null, iv);
  }
});

test('forming() returns the partial bar, which is never in bars()', (t) => {
  const data = new SessionData({ intervals: ['5m', '30m'] });
  data.beginSession(S7);
  t.is(data.forming('SPY', '5m'), null, 'unknown symbol');
  data.append('SPY', bar(at('09:30'), 10, 11, 9, 10.5, 100));
  t.deepEqual(data.forming('SPY', '5m'), bar(at('09:30'), 10, 11, 9, 10.5, 100));
  t.is(data.forming('SPY', '1m'), null, 'never for the base interval');
  data.append('SPY', bar(at('09:33'), 10.5, 13, 10, 12, 50));
  t.deepEqual(data.forming('SPY', '5m'), bar(at('09:30'), 10, 13, 9, 12, 150));
  t.is(data.bars('SPY', '5m').length, 0);
  t.is(data.bars('SPY', '30m').length, 0);
  data.append('SPY', bar(at('09:34'), 12, 12.5, 11.5, 12.25, 10));
  t.is(data.forming('SPY', '5m'), null);
  t.is(diffBars(data.bars('SPY', '5m'), [bar(at('09:30'), 10, 13, 9, 12.25, 160)]), null);
  t.deepEqual(data.forming('SPY', '30m'), bar(at('09:30'), 10, 13, 9, 12.25, 160));
  t.is(data.bars('SPY', '30m').length, 0);
});

test("alignment: a 1h series runs 09:30, 10:30 under 'session' and 09:00, 10:00 under 'clock'", (t) => {
  const session = new SessionData({ intervals: ['1h'] });
  const clock = new SessionData({ intervals: ['1h'], alignment: 'clock' });
  session.beginSession(S7);
  clock.beginSession(S7);
  const times = minutes('09:30', 61); // 09:30 .. 10:30
  times.forEach((time, i) => {
    const b = simple(time, i, 1);
    const s = session.append('SPY', b);
    const c = clock.append('SPY', b);
    t.deepEqual([...s], i === 59 ? ['1m', '1h'] : ['1m'], `session ${i}`);
    t.deepEqual([...c], i === 29 ? ['1m', '1h'] : ['1m'], `clock ${i}`);
  });
  const sv = session.bars('SPY', '1h');
  const cv = clock.bars('SPY', '1h');
  t.is(sv.length, 1);
  t.is(sv.time[0], at('09:30'));
  t.is(sv.volume[0], 60);
  t.is(sv.open[0], 100);
  t.is(sv.close[0], 159.25);
  t.is(cv.length, 1);
  t.is(cv.time[0], at('09:00'));
  t.is(cv.volume[0], 30);
  t.is(cv.close[0], 129.25);
  t.deepEqual(session.forming('SPY', '1h'), { time: at('10:30'), open: 160, high: 160.5, low: 159.5, close: 160.25, volume: 1 });
  t.deepEqual(clock.forming('SPY', '1h'), { time: at('10:00'), open: 130, high: 160.5, low: 129.5, close: 160.25, volume: 31 });
  // The last session-aligned hour starts 15:30 and is cut at 16:00: its 30th minute closes it.
  session.append('SPY', simple(at('15:30'), 0, 1));
  t.deepEqual([...session.append('SPY', simple(at('15:59'), 1, 1))], ['1m', '1h']);
  t.is(session.bars('SPY', '1h').time[2], at('15:30'));
});

test("'1d' is one bar per session; it closes on the session's last minute or at endSession", (t) => {
  const data = new SessionData({ intervals: ['1d'] });
  data.beginSession(S7);
  data.append('SPY', bar(at('09:30'), 10, 11, 9, 10.5, 100));
  data.append('SPY', bar(at('12:00'), 10.5, 14, 10, 13, 200));
  t.deepEqual([...data.append('SPY', bar(at('15:59'), 13, 13.5, 8, 12, 300))], ['1m', '1d']);
  t.is(diffBars(data.bars('SPY', '1d'), [bar(S7.open, 10, 14, 8, 12, 600)]), null);
  t.deepEqual(data.endSession(), []);
  data.beginSession(S8);
  data.append('SPY', bar(at('10:00', S8), 20, 21, 19, 20.5, 7));
  data.append('SPY', bar(at('11:00', S8), 20.5, 22, 20, 21, 8));
  t.deepEqual(data.endSession(), [{ symbol: 'SPY', interval: '1d' }]);
  t.is(diffBars(data.bars('SPY', '1d'), [bar(S7.open, 10, 14, 8, 12, 600), bar(S8.open, 20, 22, 19, 21, 15)]), null);
});

test("'1d' under 'clock' alignment is stamped at its bucket start: the exchange midnight", (t) => {
  const data = new SessionData({ intervals: ['1d'], alignment: 'clock' });
  data.beginSession(S7);
  data.append('SPY', bar(at('09:30'), 10, 11, 9, 10.5, 100));
  data.append('SPY', bar(at('15:00'), 10.5, 12, 10, 11, 1));
  data.endSession();
  t.is(diffBars(data.bars('SPY', '1d'), [bar(Date.UTC(2013, 9, 7, 4, 0), 10, 12, 9, 11, 101)]), null);
});

test('retainSessions keeps only the last N sessions, dropped at endSession', (t) => {
  const data = new SessionData({ intervals: ['5m'], retainSessions: 2 });
  const sessions = [S7, S8, S9];
  sessions.forEach((s, k) => {
    data.beginSession(s);
    for (let i = 0; i < 3; i++) data.append('SPY', simple(s.open + i * MINUTE, 10 * k + i));
    if (k === 2) t.is(data.bars('SPY', '1m').length, 9, 'not dropped before endSession');
    data.endSession();
  });
  const base = data.bars('SPY', '1m');
  t.deepEqual([...base.time], [S8.open, S8.open + MINUTE, S8.open + 2 * MINUTE, S9.open, S9.open + MINUTE, S9.open + 2 * MINUTE]);
  t.deepEqual([...base.open], [110, 111, 112, 120, 121, 122]);
  const five = data.bars('SPY', '5m');
  t.deepEqual([...five.time], [S8.open, S9.open]);
  t.deepEqual([...five.volume], [300, 300]);
  t.is(data.stats().storedBars, 8);
});

test('symbols() lists symbols in order of first use', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  t.deepEqual(data.symbols(), []);
  data.beginSession(S7);
  data.append('SPY', simple(at('09:30'), 0));
  data.append('IBM', simple(at('09:30'), 0));
  data.append('SPY', simple(at('09:31'), 1));
  data.appendMany('BAC', toColumns([simple(at('09:30'), 0)]));
  t.deepEqual(data.symbols(), ['SPY', 'IBM', 'BAC']);
  t.is(data.stats().symbols, 3);
});

test('rejections() counts per symbol and in total, every code present', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S7);
  data.append('SPY', simple(at('09:30'), 0));
  data.append('IBM', simple(at('09:30'), 0));
  const reject = (f: () => unknown): void => {
    t.throws(f);
  };
  reject(() => data.append('SPY', simple(at('09:30'), 0))); // duplicate
  reject(() => data.append('SPY', simple(at('09:30'), 0))); // duplicate
  reject(() => data.append('SPY', { ...simple(at('09:31'), 0), volume: -1 }));
  reject(() => data.append('IBM', simple(at('09:31') + 30_000, 0))); // off grid
  const zero = Object.fromEntries(REJECT_CODES.map((c) => [c, 0]));
  t.deepEqual(Object.keys(data.rejections('SPY')).sort(), [...REJECT_CODES].sort());
  t.deepEqual(data.rejections('SPY'), { ...zero, duplicate: 2, negative_volume: 1 });
  t.deepEqual(data.rejections('IBM'), { ...zero, off_grid: 1 });
  t.deepEqual(data.rejections(), { ...zero, duplicate: 2, negative_volume: 1, off_grid: 1 });
  t.deepEqual(data.rejections('NOPE'), zero);
});

test('stats(): stored bars equal the sum of the series lengths; blocks hold at least 48 bytes a bar', (t) => {
  const data = new SessionData({ intervals: ['5m', '1h'] });
  t.deepEqual(data.stats(), { symbols: 0, storedBars: 0, allocatedBytes: 0 });
  data.beginSession(S7);
  for (const [k, sym] of ['SPY', 'IBM'].entries()) {
    for (let i = 0; i < 17 + k * 50; i++) data.append(sym, simple(S7.open + i * MINUTE, i));
  }
  // SPY: 17 base, 3 5m, 0 1h. IBM: 67 base, 13 5m, 1 1h.
  const stats = data.stats();
  t.is(stats.symbols, 2);
  t.is(stats.storedBars, 17 + 3 + 67 + 13 + 1);
  let sum = 0;
  for (const sym of ['SPY', 'IBM']) for (const iv of ['1m', '5m', '1h']) sum += data.bars(sym, iv).length;
  t.is(stats.storedBars, sum);
  t.true(stats.allocatedBytes >= 48 * stats.storedBars);
});

test("intervals are canonical ('60m' is '1h') and bars() accepts both spellings", (t) => {
  const data = new SessionData({ intervals: ['60m', '5m'] });
  t.deepEqual([...data.intervals], ['1m', '1h', '5m']);
  t.is(data.baseInterval, '1m');
  data.beginSession(S7);
  for (let i = 0; i < 60; i++) data.append('SPY', simple(S7.open + i * MINUTE, i));
  const a: BarsView = data.bars('SPY', '60m');
  const b: BarsView = data.bars('SPY', '1h');
  t.is(a.length, 1);
  t.is(diffViews(a, b), null);
  t.is(a.volume[0], 6000);
});

test('a seconds base interval: 30s bars into 1m and 5m', (t) => {
  const data = new SessionData({ baseInterval: '30s', intervals: ['1m', '5m'] });
  data.beginSession(S7);
  const bars: Bar[] = [];
  for (let i = 0; i < 25; i++) bars.push(simple(S7.open + i * 30_000, i, i + 1));
  const closes = bars.map((b) => [...data.append('SPY', b)]);
  t.deepEqual(closes[1], ['30s', '1m']);
  t.deepEqual(closes[9], ['30s', '1m', '5m']);
  t.deepEqual(closes[10], ['30s']);
  t.is(diffBars(data.bars('SPY', '1m'), aggregateSession(bars, S7, '1m').slice(0, 12)), null);
  t.is(diffBars(data.bars('SPY', '5m'), aggregateSession(bars, S7, '5m').slice(0, 2)), null);
  t.is(data.bars('SPY', '5m').volume[0], 55); // 1 + 2 + ... + 10
});

test('expectSessions: the bars are the same, memory is reserved once for all of them, and a bad count is a ConfigError', (t) => {
  const days = [S7, S8, S9];
  const fill = (data: SessionData): void => {
    for (const s of days) {
      data.beginSession(s);
      for (let i = 0; i < 390; i++) data.append('SPY', simple(s.open + i * MINUTE, i % 50));
      data.endSession();
    }
  };
  const planned = new SessionData({ intervals: ['5m', '1h'] });
  planned.expectSessions(days.length);
  const grown = new SessionData({ intervals: ['5m', '1h'] });
  fill(planned);
  fill(grown);
  for (const iv of ['1m', '5m', '1h']) t.is(diffViews(planned.bars('SPY', iv), grown.bars('SPY', iv)), null, iv);
  // Three days of 390 1m, 78 5m and 7 1h bars, 6 columns of 8 bytes: reserved at the first bar, exactly.
  t.is(planned.stats().allocatedBytes, 3 * (390 + 78 + 7) * 48);
  for (const bad of [-1, 1.5, Number.NaN]) {
    t.throws(() => planned.expectSessions(bad), { name: 'ConfigError', message: /sessions/ });
  }
});

test('clear() empties the store as if it were new; views made before keep their values', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S8);
  const day8 = minutes('09:30', 12, S8).map((time, i) => simple(time, i));
  for (const b of day8) data.append('SPY', b);
  t.throws(() => data.append('SPY', day8[0] as Bar)); // out of order: counted
  data.advanceTo(at('09:45', S8));
  const before5 = data.bars('SPY', '5m');
  const before1 = data.bars('SPY', '1m');
  data.clear();
  t.deepEqual(data.symbols(), []);
  t.is(data.session, null);
  t.is(data.count('SPY', '1m'), 0);
  t.is(data.bars('SPY', '5m').length, 0);
  t.is(data.forming('SPY', '5m'), null);
  t.deepEqual(Object.values(data.rejections()).filter((n) => n > 0), []);
  // A session earlier than the one before the clear is accepted: nothing of that one is left.
  data.beginSession(S7);
  const day7 = minutes('09:30', 10, S7).map((time, i) => simple(time, 100 + i));
  for (const b of day7) data.append('QQQ', b);
  data.endSession();
  t.deepEqual(data.symbols(), ['QQQ']);
  t.is(diffBars(data.bars('QQQ', '5m'), aggregateSession(day7, S7, '5m')), null);
  // The views from before the clear: the 12 minutes of S8 and their three 5m buckets, the last
  // (09:40-09:45, two bars) closed by the clock.
  t.is(diffBars(before1, day8), null);
  t.is(diffBars(before5, aggregateSession(day8, S8, '5m')), null);
  t.is(before5.volume[2], 200);
});

test('advanceTo in a session closes its buckets even after the clock of the session before was moved past its close', (t) => {
  const d1 = sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  const d2 = sessionOn('2013-10-08', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  const at = (time: number): Bar => ({ time, open: 10, high: 11, low: 9, close: 10, volume: 100 });
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(d1);
  data.append('A', at(d1.open));
  // The clock moved on to the next day's noon (a replay that ran past the close, say).
  data.advanceTo(d2.open + 150 * MINUTE);
  data.endSession();
  data.beginSession(d2);
  for (let m = 0; m < 3; m++) data.append('A', at(d2.open + m * MINUTE));
  const closed = data.advanceTo(d2.open + 5 * MINUTE);
  t.deepEqual(closed, [{ symbol: 'A', interval: '5m' }]);
  t.is(data.count('A', '5m'), 2); // one 5m bar of each day
  t.is(data.lateBefore, d2.open + 5 * MINUTE);
  // A bar for the closed bucket (09:34, never sent) is late now.
  t.deepEqual(data.check('A', at(d2.open + 4 * MINUTE)), 'late');
});
