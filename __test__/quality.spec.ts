/**
 * Data quality through the public entry: `SessionData.quality`, `takeGaps` and the `gaps` flag of
 * `appendSlice`. Expected values are hand-counted slots and buckets, and the real IBM minute bars
 * of October 2013 (../shared/data/minute), whose two missing regular-session minutes are known.
 */
import test from 'ava';
import { SessionData, SessionError, sessionOn } from 'barstream';
import type { Bar, Gap, Session, SliceColumns } from 'barstream';
import { MINUTE_DATA_DIR, minuteDataAvailable, readMinuteBars } from './helpers/csv.js';
import { MINUTE, nySummerSession, nyTime } from './helpers/sessions.js';

const S7 = nySummerSession('2013-10-07');
const S8 = nySummerSession('2013-10-08');
const at = (hhmm: string, s: Session = S7): number => nyTime(s, hhmm);
const simple = (time: number, i = 0): Bar => ({ time, open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: 100 });

/** A one-row-per-symbol slice of `bars`. */
function slice(bars: Bar[]): SliceColumns {
  const col = (k: keyof Bar): Float64Array => Float64Array.from(bars.map((b) => b[k]));
  return { time: col('time'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') };
}

test('quality during a session: passed slots and closed buckets only; advanceTo counts what the clock passed', (t) => {
  const data = new SessionData({ intervals: ['5m', '1h'] });
  t.throws(() => data.quality(), { instanceOf: SessionError, code: 'no_session' });
  t.throws(() => data.quality('SPY'), { instanceOf: SessionError, code: 'no_session' });
  data.beginSession(S7);
  // 09:30 to 09:39, then 09:45: 09:40-09:44 are missing, a whole 5m bucket.
  for (let m = 0; m < 10; m++) data.append('SPY', simple(at('09:30') + m * MINUTE, m));
  data.append('SPY', simple(at('09:45')));
  const q = data.quality('SPY');
  t.not(q, null);
  t.is(q?.session, '2013-10-07');
  t.false(q?.ended);
  t.deepEqual(q?.base, {
    expected: 390,
    received: 11,
    missing: 5,
    late: 0,
    rejected: { no_session: 0, non_finite: 0, high_below_open_close: 0, low_above_open_close: 0, negative_volume: 0, off_grid: 0, outside_session: 0, duplicate: 0, out_of_order: 0, late: 0, volume_too_large: 0 },
    score: 11 / 390,
  });
  // 5m: 09:30 and 09:35 closed with data, 09:40 closed empty, 09:45 forming. 1h: 09:30 forming.
  t.deepEqual(q?.intervals, {
    '5m': { expected: 78, received: 2, missing: 1, score: 2 / 78 },
    '1h': { expected: 7, received: 0, missing: 0, score: 0 },
  });
  t.deepEqual(q?.gaps, [{ from: at('09:40'), to: at('09:45') }]);

  // The clock at 10:00: 09:46-09:59 have ended with no bar; 5m 09:50 and 09:55 closed empty.
  data.advanceTo(at('10:00'));
  t.throws(() => data.append('SPY', simple(at('09:50'))), { code: 'late' });
  const after = data.quality('SPY');
  t.is(after?.base.missing, 19);
  t.is(after?.base.late, 1);
  t.is(after?.base.rejected.late, 1);
  t.deepEqual(after?.intervals['5m'], { expected: 78, received: 3, missing: 3, score: 3 / 78 });
  // The clock records no gap; the next bar does.
  t.is(after?.gaps.length, 1);
  t.deepEqual(data.takeGaps(), [{ symbol: 'SPY', from: at('09:40'), to: at('09:45') }]);
  data.append('SPY', simple(at('10:02')));
  t.deepEqual(data.takeGaps(), [{ symbol: 'SPY', from: at('09:46'), to: at('10:02') }]);

  // Every symbol known in the session; one with no bar yet has every passed slot missing.
  t.throws(() => data.append('QQQ', { ...simple(at('10:03')), high: 1 }), { code: 'high_below_open_close' }); // QQQ is known now
  const all = data.quality();
  t.deepEqual(Object.keys(all), ['SPY', 'QQQ']);
  t.is(all.QQQ?.base.received, 0);
  t.is(all.QQQ?.base.missing, 30);
  t.is(all.QQQ?.base.rejected.high_below_open_close, 1);
  t.is(data.quality('NOPE'), null);

  data.endSession();
  const end = data.quality();
  t.true(end.SPY?.ended);
  t.is(end.SPY?.base.missing, 390 - 12);
  t.deepEqual(end.QQQ?.gaps, [{ from: S7.open, to: S7.close }]);
  t.deepEqual(data.takeGaps(), [
    { symbol: 'SPY', from: at('10:03'), to: S7.close },
    { symbol: 'QQQ', from: S7.open, to: S7.close },
  ]);
  // Rejections between sessions belong to no session.
  t.throws(() => data.append('SPY', simple(at('17:00'))), { code: 'no_session' });
  t.is(data.quality('SPY')?.base.rejected.no_session, 0);
  t.is(data.rejections('SPY').no_session, 1);
  // First used after the session ended: not part of it.
  t.throws(() => data.append('LATE', simple(at('17:00'))), { code: 'no_session' });
  t.is(data.quality('LATE'), null);
  t.deepEqual(Object.keys(data.quality()), ['SPY', 'QQQ']);

  // The next session starts a new record.
  data.beginSession(S8);
  const next = data.quality();
  t.deepEqual(Object.keys(next), ['SPY', 'QQQ', 'LATE']);
  t.is(next.SPY?.session, '2013-10-08');
  t.deepEqual([next.SPY?.base.received, next.SPY?.base.missing, next.SPY?.base.late, next.SPY?.gaps.length], [0, 0, 0, 0]);
  t.deepEqual(next.SPY?.intervals['5m'], { expected: 78, received: 0, missing: 0, score: 0 });
});

test('the 13:00 early close of 2013-11-29 expects 210 one-minute bars', (t) => {
  const session = sessionOn('2013-11-29', { open: '09:30', close: '13:00', timeZone: 'America/New_York' });
  const data = new SessionData({ intervals: ['5m', '1h', '1d'] });
  data.beginSession(session);
  for (let time = session.open; time < session.close; time += MINUTE) data.append('SPY', simple(time));
  data.endSession();
  const q = data.quality('SPY');
  t.deepEqual([q?.base.expected, q?.base.received, q?.base.missing, q?.base.score], [210, 210, 0, 1]);
  // 5m: 42; 1h: 09:30, 10:30, 11:30, 12:30 (cut at 13:00); 1d: one.
  t.deepEqual(q?.intervals, {
    '5m': { expected: 42, received: 42, missing: 0, score: 1 },
    '1h': { expected: 4, received: 4, missing: 0, score: 1 },
    '1d': { expected: 1, received: 1, missing: 0, score: 1 },
  });
  t.deepEqual(q?.gaps, []);
  t.deepEqual(data.takeGaps(), []);
});

test('appendSlice flags a slice where a bar opened a gap, and takeGaps hands it out', (t) => {
  const data = new SessionData({ intervals: ['5m'], emptyBuckets: 'flat' });
  data.beginSession(S7);
  const symbols = ['A', 'B', 'C'];
  let out = data.appendSlice(symbols, slice([simple(at('09:30')), simple(at('09:30')), simple(at('09:30'))]));
  t.false(out.gaps);
  // C skips 09:31.
  out = data.appendSlice(['A', 'B'], slice([simple(at('09:31')), simple(at('09:31'))]));
  t.false(out.gaps);
  // B and C skip slots; the bars are stored as usual and the closed intervals read as without a gap.
  out = data.appendSlice(symbols, slice([simple(at('09:32')), simple(at('09:34')), simple(at('09:34'))]));
  t.true(out.gaps);
  t.deepEqual(out.closed.map((c) => (c === null ? null : [...c])), [['1m'], ['1m', '5m'], ['1m', '5m']]);
  t.deepEqual(out.rejected, [null, null, null]);
  const gaps: Gap[] = data.takeGaps();
  t.deepEqual(gaps, [
    { symbol: 'B', from: at('09:32'), to: at('09:34') },
    { symbol: 'C', from: at('09:31'), to: at('09:34') },
  ]);
  t.deepEqual(data.takeGaps(), []);
  // A rejected bar never flags: only stored bars open gaps.
  out = data.appendSlice(['A'], slice([{ ...simple(at('09:40')), volume: -1 }]));
  t.false(out.gaps);
  t.deepEqual(out.rejected, ['negative_volume']);
  // A gap that closes flat buckets: A jumps from 09:32 to 09:50.
  out = data.appendSlice(['A'], slice([simple(at('09:50'))]));
  t.true(out.gaps);
  t.deepEqual([...(out.closed[0] ?? [])], ['1m', '5m']);
  t.deepEqual(data.takeGaps(), [{ symbol: 'A', from: at('09:33'), to: at('09:50') }]);
  const q = data.quality('A');
  // 5m: 09:30 closed with data; 09:35, 09:40, 09:45 closed empty (flat bars); 09:50 forming.
  t.deepEqual(q?.intervals['5m'], { expected: 78, received: 1, missing: 3, score: 1 / 78 });
  t.is(data.bars('A', '5m').length, 4);
  t.is(q?.base.rejected.negative_volume, 1);
});

if (!minuteDataAvailable()) {
  test.skip(`IBM quality on real minute data (skipped: ../shared/data/minute not found at ${MINUTE_DATA_DIR})`, () => {});
} else {
  test('IBM, six October 2013 sessions through appendSlice: exactly two one-minute gaps, 12:39 and 12:46 New York', (t) => {
    const rows = readMinuteBars('IBM');
    const data = new SessionData({ intervals: ['5m', '15m', '30m', '1h', '1d'] });
    const dates = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];
    // Rows outside 09:30-16:00 New York (pre-market and after hours), counted from the file by hand.
    const outside = [22, 63, 34, 33, 44, 32];
    const gaps: Gap[] = [];
    let flagged = 0;
    dates.forEach((date, k) => {
      const session = sessionOn(date, { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
      data.beginSession(session);
      // Every row of the day (all between 04:00 and 20:00 New York, so its UTC date is the day's).
      for (const bar of rows.filter((b) => new Date(b.time).toISOString().slice(0, 10) === date)) {
        const out = data.appendSlice(['IBM'], slice([bar]));
        if (out.gaps) {
          flagged++;
          gaps.push(...data.takeGaps());
        }
      }
      data.endSession();
      gaps.push(...data.takeGaps());
      const q = data.quality('IBM');
      const gappy = date === '2013-10-04' || date === '2013-10-11';
      t.is(q?.session, date);
      t.is(q?.base.expected, 390, date);
      t.is(q?.base.received, gappy ? 389 : 390, date);
      t.is(q?.base.missing, gappy ? 1 : 0, date);
      const rejectedOutside = outside[k] as number;
      t.is(q?.base.rejected.outside_session, rejectedOutside, date);
      t.is(Object.values(q?.base.rejected ?? {}).reduce((a, b) => a + b, 0), rejectedOutside, date);
      t.is(q?.gaps.length, gappy ? 1 : 0, date);
      for (const [iv, iq] of Object.entries(q?.intervals ?? {})) t.deepEqual([iq.received, iq.missing], [iq.expected, 0], `${date} ${iv}`);
    });
    t.is(flagged, 2);
    t.deepEqual(
      gaps.map((g) => [g.symbol, new Date(g.from).toISOString(), new Date(g.to).toISOString()]),
      [
        ['IBM', '2013-10-04T16:39:00.000Z', '2013-10-04T16:40:00.000Z'],
        ['IBM', '2013-10-11T16:46:00.000Z', '2013-10-11T16:47:00.000Z'],
      ],
    );
  });
}

test("quality() keys every symbol by its own name, '__proto__' and 'constructor' included", (t) => {
  const s = nySummerSession('2013-10-07');
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(s);
  for (const sym of ['__proto__', 'constructor', 'SPY']) data.append(sym, { time: s.open, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  data.endSession();
  const q = data.quality();
  t.deepEqual(Object.keys(q), ['__proto__', 'constructor', 'SPY']);
  t.is(Object.getPrototypeOf(q), Object.prototype);
  t.is(Object.getOwnPropertyDescriptor(q, '__proto__')?.value.base.received, 1);
  t.is(Object.getOwnPropertyDescriptor(q, 'constructor')?.value.base.received, 1);
});

test("a write into a view of the times does not change the quality record: it is kept from the store's own state", (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S7);
  for (let m = 0; m < 10; m++) data.append('SPY', simple(at('09:30') + m * MINUTE, m));
  const before = data.quality('SPY');
  // By hand: ten slots passed, all received; two 5m buckets, the second closed by its last slot.
  t.like(before?.base, { received: 10, missing: 0 });
  const times = data.bars('SPY', '1m').time;
  times[9] = at('09:30');
  times[8] = -1e300;
  t.deepEqual(data.quality('SPY'), before);
});
