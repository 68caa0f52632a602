/**
 * A bar field that is not a number (`null`, `''`, a numeric string, `true`, an array, a `Date`) is
 * refused as `non_finite` on every way into the store, counted, and changes nothing: a
 * `Float64Array` would otherwise turn `null` into 0 and `'10.5'` into 10.5 without a word.
 */
import test from 'ava';
import { BarValidationError, Calendar, SessionCoordinator, SessionData, columnsSource, iterableSource, sessionOn } from 'barstream';
import type { Bar } from 'barstream';

const SESSION = sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
const T = SESSION.open;
const GOOD: Bar = { time: T, open: 10, high: 11, low: 9, close: 10, volume: 5 };
const NOT_NUMBERS: [keyof Bar, unknown][] = [
  ['volume', null],
  ['volume', ''],
  ['open', '10.5'],
  ['close', true],
  ['high', [11]],
  ['time', new Date(T)],
  ['low', undefined],
];

test('append and appendValues refuse each non-number field as non_finite and store nothing', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(SESSION);
  for (const [field, value] of NOT_NUMBERS) {
    const bar = { ...GOOD, [field]: value } as unknown as Bar;
    const e = t.throws(() => data.append('X', bar), { instanceOf: BarValidationError }, `${field} = ${String(value)}`);
    t.is(e?.code, 'non_finite');
    const values = [bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume] as unknown as number[];
    t.throws(() => data.appendValues('X', ...(values as [number, number, number, number, number, number])), { instanceOf: BarValidationError });
  }
  t.is(data.count('X', '1m'), 0);
  t.is(data.rejections('X').non_finite, 2 * NOT_NUMBERS.length);
  data.append('X', GOOD);
  t.deepEqual([...data.bars('X', '1m').volume], [5]);
});

test('appendMany with plain arrays refuses a non-number entry: all or nothing, or skipped and reported', (t) => {
  const data = new SessionData();
  data.beginSession(SESSION);
  const columns = { time: [T, T + 60_000, T + 120_000], open: [10, 10, 10], high: [11, 11, 11], low: [9, 9, 9], close: [10, 10, 10], volume: [5, null, '7'] as unknown as number[] };
  const e = t.throws(() => data.appendMany('X', columns), { instanceOf: BarValidationError });
  t.is(e?.code, 'non_finite');
  t.is(data.count('X', '1m'), 0);
  const skipped = data.appendMany('X', columns, { invalid: 'skip' });
  t.is(skipped.appended, 1);
  t.deepEqual(skipped.rejected.map((r) => [r.index, r.code]), [[1, 'non_finite'], [2, 'non_finite']]);
  t.deepEqual([...data.bars('X', '1m').volume], [5]);
});

test('through the coordinator, stream and column sources: non-number fields are rejected and counted, never stored as 0', async (t) => {
  const calendar = Calendar.xnys();
  const open = calendar.session('2013-10-07')?.open as number;
  const feed = [
    { symbol: 'Y', time: open, open: 10, high: 11, low: 9, close: 10, volume: null },
    { symbol: 'Y', time: open + 60_000, open: '10', high: '11', low: '9', close: '10', volume: '' },
    { symbol: 'Y', time: open + 120_000, open: 10, high: 11, low: 9, close: 10, volume: 3 },
  ] as unknown as Parameters<typeof iterableSource>[0];
  const streamed = new SessionData({ intervals: ['5m'] });
  const r1 = await new SessionCoordinator({ calendar, data: streamed, source: iterableSource(feed), from: '2013-10-07', to: '2013-10-07' }).run();
  t.is(r1.barsIn, 3);
  t.is(r1.barsStored, 1);
  t.is(r1.rejected.non_finite, 2);
  t.deepEqual([...streamed.bars('Y', '1m').volume], [3]);

  const columns = columnsSource({ Z: { time: [open, open + 60_000], open: [10, 10], high: [11, 11], low: [9, 9], close: [10, 10], volume: [null, 4] as unknown as number[] } });
  const stored = new SessionData({ intervals: ['5m'] });
  const r2 = await new SessionCoordinator({ calendar, data: stored, source: columns, from: '2013-10-07', to: '2013-10-07' }).run();
  t.is(r2.barsStored, 1);
  t.is(r2.rejected.non_finite, 1);
  t.deepEqual([...stored.bars('Z', '1m').volume], [4]);
});

test('the non_finite message names a field that is not a number by what was given, not as the NaN the core saw', (t) => {
  const data = new SessionData();
  data.beginSession(SESSION);
  const withDate = { ...GOOD, time: new Date(Date.UTC(2013, 9, 7, 13, 30)) } as unknown as Bar;
  const e1 = t.throws(() => data.append('X', withDate), { instanceOf: BarValidationError });
  t.regex(e1?.message ?? '', /time is Date 2013-10-07T13:30:00\.000Z \(give epoch milliseconds: date\.getTime\(\)\)/);
  const mixed = { ...GOOD, close: '10.5', low: undefined } as unknown as Bar;
  const e2 = t.throws(() => data.append('X', mixed), { instanceOf: BarValidationError });
  t.regex(e2?.message ?? '', /not numbers: low is missing, close is '10\.5'$/);
  const e3 = t.throws(() => data.appendValues('X', T, 10, 11, 9, null as unknown as number, 5), { instanceOf: BarValidationError });
  t.regex(e3?.message ?? '', /not numbers: close is null$/);
  // An invalid Date has no epoch milliseconds to give.
  const e5 = t.throws(() => data.append('X', { ...GOOD, time: new Date(Number.NaN) } as unknown as Bar), { instanceOf: BarValidationError });
  t.regex(e5?.message ?? '', /not numbers: time is an invalid Date$/);
  // A number that is not finite is a bad value, not a wrong type: nothing is added.
  const e4 = t.throws(() => data.append('X', { ...GOOD, close: Number.NaN }), { instanceOf: BarValidationError });
  t.notRegex(e4?.message ?? '', /not numbers/);
});

test('appendMany names a field that is not a number by what was given too, thrown or skipped', (t) => {
  const data = new SessionData();
  data.beginSession(SESSION);
  const columns = {
    time: [T, T + 60_000, new Date(T + 120_000)],
    open: [10, 10, 10],
    high: [11, 11, 11],
    low: [9, 9, 9],
    close: [10, '10.5', 10],
    volume: [5, 5, 5],
  } as unknown as Parameters<SessionData['appendMany']>[1];
  const e = t.throws(() => data.appendMany('X', columns), { instanceOf: BarValidationError });
  t.is(e?.index, 1);
  t.regex(e?.message ?? '', /not numbers: close is '10\.5'$/);
  const r = data.appendMany('X', columns, { invalid: 'skip' });
  t.is(r.appended, 1);
  t.deepEqual(
    r.rejected.map((x) => [x.index, x.code]),
    [
      [1, 'non_finite'],
      [2, 'non_finite'],
    ],
  );
  t.regex(r.rejected[0]?.message ?? '', /not numbers: close is '10\.5'$/);
  t.regex(r.rejected[1]?.message ?? '', /not numbers: time is Date 2013-10-07T13:32:00\.000Z \(give epoch milliseconds: date\.getTime\(\)\)$/);
  // Float64Array columns hold numbers only: a NaN in one is a bad value, named as the core saw it.
  const f = (x: number): Float64Array => Float64Array.of(x);
  const nan = data.appendMany('X', { time: f(T + 180_000), open: f(10), high: f(11), low: f(9), close: f(Number.NaN), volume: f(5) }, { invalid: 'skip' });
  t.notRegex(nan.rejected[0]?.message ?? '', /not numbers/);
});
