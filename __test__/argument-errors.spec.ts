/**
 * Arguments of the wrong type get the library's typed errors (or, for a standalone indicator's
 * input, NaN with nothing changed, as documented), never a plain `Error` from the native binding.
 */
import test from 'ava';
import { Atr, BarstreamError, InputError, Rsi, SessionData, SessionError, computeIndicator, sessionOn } from 'barstream';
import type { Bar, BarColumns, Session } from 'barstream';

const S = sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });

function typed(t: import('ava').ExecutionContext, fn: () => unknown, kind: new (...args: never[]) => BarstreamError, label: string): void {
  const e = t.throws(fn, undefined, label);
  t.true(e instanceof kind, `${label}: ${String(e)}`);
}

test('SessionData: a bar, columns, a session or a time of the wrong type is a typed error and changes nothing', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  typed(t, () => data.beginSession(null as unknown as Session), SessionError, 'beginSession(null)');
  typed(t, () => data.beginSession({ ...S, dayStart: null } as unknown as Session), SessionError, 'dayStart null');
  typed(t, () => data.beginSession({ ...S, dayStart: undefined, timeZone: 'Nowhere/City' } as unknown as Session), SessionError, 'no dayStart, an unknown time zone');
  typed(t, () => data.beginSession({ ...S, dayStart: undefined, date: '2013-13-07' } as unknown as Session), SessionError, 'no dayStart, no such date');
  typed(t, () => data.beginSession({ ...S, open: String(S.open) } as unknown as Session), SessionError, 'open as a string');
  t.is(data.session, null);
  data.beginSession(S);
  typed(t, () => data.append('X', null as unknown as Bar), InputError, 'append(null)');
  typed(t, () => data.appendMany('X', null as unknown as BarColumns), InputError, 'appendMany(null)');
  for (const time of ['123', undefined, null]) typed(t, () => data.advanceTo(time as unknown as number), InputError, `advanceTo(${String(time)})`);
  t.deepEqual(data.symbols(), []);
  t.deepEqual(Object.values(data.rejections()).filter((n) => n > 0), []);
  data.append('X', { time: S.open, open: 1, high: 2, low: 1, close: 2, volume: 3 });
  t.is(data.count('X', '1m'), 1);
});

test('a standalone indicator given a non-number gives NaN and changes nothing', (t) => {
  const rsi = new Rsi(3);
  const reference = new Rsi(3);
  for (const x of [10, 11, 10.5, 12]) {
    rsi.update(x);
    reference.update(x);
  }
  for (const bad of ['5', undefined, null, {}, [1]]) {
    t.true(Number.isNaN(rsi.update(bad as unknown as number)), `update(${JSON.stringify(bad)})`);
    t.true(Number.isNaN(rsi.peek(bad as unknown as number)), `peek(${JSON.stringify(bad)})`);
  }
  t.is(rsi.update(13), reference.update(13));
  const atr = new Atr(3);
  t.true(Number.isNaN(atr.update({ high: 2, low: 1 } as unknown as Bar)));
  t.true(Number.isNaN(atr.update(null as unknown as Bar)));
});

test('computeIndicator: missing close, columns that are not an object, or session starts that are not bar indices are InputErrors', (t) => {
  const sma = { kind: 'sma', period: 2 } as const;
  typed(t, () => computeIndicator(sma, {} as never), InputError, 'no close');
  typed(t, () => computeIndicator(sma, null as never), InputError, 'null columns');
  for (const starts of ['ab', [1.5], [-1]]) typed(t, () => computeIndicator({ kind: 'vwap' }, { close: [1, 2, 3], high: [1, 2, 3], low: [1, 2, 3], volume: [1, 1, 1] }, starts as never), InputError, `sessionStarts ${JSON.stringify(starts)}`);
  t.deepEqual([...(computeIndicator(sma, { close: [1, 2, 4] }).sma2 as Float64Array)], [NaN, 1.5, 3]);
});
