/**
 * `SessionData.check`: the verdict `append` would give a bar now, with nothing changed or counted.
 * The expected codes are the validation table's, worked out by hand for each bar.
 */
import test from 'ava';
import { Calendar, SessionData } from 'barstream';
import type { Bar, RejectCode } from 'barstream';

const MINUTE = 60_000;
// One ten-minute session, 10:00 to 10:10 UTC.
const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:10' }] });
const [session] = calendar.sessions('2024-05-06', '2024-05-06');
const at = (minutes: number): number => session!.open + minutes * MINUTE;
const bar = (minutes: number, fields: Partial<Bar> = {}): Bar => ({ time: at(minutes), open: 10, high: 11, low: 9, close: 10, volume: 100, ...fields });

test('SessionData.check gives the verdict append would give, and changes and counts nothing', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(session!);
  data.append('A', bar(0));
  data.append('A', bar(1));
  const before = { stats: data.stats(), rejections: data.rejections('A'), symbols: data.symbols(), count: data.count('A', '1m') };
  const cases: [string, Bar, RejectCode | null][] = [
    ['A', bar(2), null],
    ['A', bar(1), 'duplicate'],
    ['A', bar(0), 'out_of_order'],
    ['A', bar(2, { high: 9.5 }), 'high_below_open_close'],
    ['A', bar(2, { low: 10.5 }), 'low_above_open_close'],
    ['A', bar(2, { volume: -1 }), 'negative_volume'],
    ['A', bar(2, { volume: 1e300 }), 'volume_too_large'],
    ['A', bar(2, { close: Number.NaN }), 'non_finite'],
    ['A', bar(2.5), 'off_grid'],
    ['A', bar(10), 'outside_session'],
    // A symbol the store has not met has no last bar.
    ['C', bar(0), null],
    ['C', bar(0, { open: Number.POSITIVE_INFINITY }), 'non_finite'],
  ];
  for (const [symbol, b, verdict] of cases) t.is(data.check(symbol, b), verdict, `${symbol} ${JSON.stringify(b)}`);
  t.deepEqual({ stats: data.stats(), rejections: data.rejections('A'), symbols: data.symbols(), count: data.count('A', '1m') }, before);
  // The verdicts are append's own.
  for (const [symbol, b, verdict] of cases.slice(1, 10)) {
    const error = t.throws(() => data.append(symbol, b));
    t.is((error as Error & { code: string }).code, verdict as string);
  }
  // The clock makes a bar late for a symbol not met yet too.
  data.advanceTo(at(5));
  t.is(data.check('C', bar(4)), 'late');
  t.is(data.check('C', bar(5)), null);
  data.endSession();
  t.is(data.check('A', bar(5)), 'no_session');
  t.throws(() => data.check(7 as unknown as string, bar(5)), { name: 'InputError' });
  t.throws(() => data.check('', bar(5)), { name: 'InputError' });
  t.throws(() => data.check('A', null as unknown as Bar), { name: 'InputError' });
  t.throws(() => data.check('A', [1, 2, 3, 4, 5, 6] as unknown as Bar), { name: 'InputError', message: /got an array \(appendValues takes the fields as arguments\)/ });
});

test('check and append judge an array with named fields alike: a bar like any other', (t) => {
  const data = new SessionData();
  data.beginSession(session!);
  const named = Object.assign([0], bar(0)) as unknown as Bar;
  t.is(data.check('A', named), null);
  t.deepEqual(data.append('A', named), ['1m']);
  t.is(data.check('A', named), 'duplicate');
});
