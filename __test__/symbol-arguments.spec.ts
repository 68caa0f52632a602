/**
 * A symbol argument that is not a string is an InputError naming what was given, from every
 * method that takes one, as removeSymbol always did; a string the store does not know still reads
 * as empty (or null), as documented.
 */
import test from 'ava';
import { InputError, SessionData, sessionOn } from 'barstream';
import type { BarColumns } from 'barstream';

const S = sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });

function filled(): SessionData {
  const data = new SessionData({ intervals: ['5m'], indicators: { '5m': [{ kind: 'sma', period: 2 }] } });
  data.beginSession(S);
  for (let m = 0; m < 12; m++) data.append('X', { time: S.open + m * 60_000, open: 1, high: 2, low: 1, close: 2, volume: 3 });
  return data;
}

/** What the store shows of itself, to check that a refused call changed nothing. */
function state(data: SessionData): unknown {
  return {
    symbols: data.symbols(),
    stats: data.stats(),
    bars: [...data.bars('X', '5m').close],
    forming: data.forming('X', '5m'),
    rejections: data.rejections(),
    quality: data.quality(),
  };
}

const NOT_STRINGS: [unknown, RegExp][] = [
  [5, /got 5$/],
  [undefined, /got undefined$/],
  [null, /got null$/],
  [{}, /got an object$/],
  [['X'], /got an array$/],
];

test('readers given a symbol that is not a string throw InputError naming it, and change nothing', (t) => {
  const data = filled();
  const before = state(data);
  for (const [bad, shown] of NOT_STRINGS) {
    const s = bad as string;
    const calls: [string, () => unknown][] = [
      ['bars', () => data.bars(s, '5m')],
      ['count', () => data.count(s, '5m')],
      ['forming', () => data.forming(s, '5m')],
      ['peek', () => data.peek(s, '5m')],
      ['indicator', () => data.indicator(s, '5m', 'sma2')],
      ['removeSymbol', () => data.removeSymbol(s)],
    ];
    // `quality()` and `rejections()` without a symbol are every symbol's: an explicit undefined is that.
    if (bad !== undefined) calls.push(['quality', () => data.quality(s)], ['rejections', () => data.rejections(s)]);
    for (const [name, call] of calls) {
      const label = `${name}(${String(bad)})`;
      const e = t.throws(call, undefined, label);
      t.true(e instanceof InputError, `${label}: ${String(e)}`);
      t.regex((e as InputError).message, /symbol must be a string/, label);
      t.regex((e as InputError).message, shown, label);
    }
  }
  t.deepEqual(state(data), before);
});

test('a string symbol the store does not know still reads as empty or null', (t) => {
  const data = filled();
  for (const s of ['Y', '']) {
    t.is(data.bars(s, '5m').length, 0);
    t.is(data.count(s, '5m'), 0);
    t.is(data.forming(s, '5m'), null);
    t.is(data.peek(s, '5m'), null);
    t.is(data.indicator(s, '5m', 'sma2').length, 0);
    t.is(data.quality(s), null);
    t.deepEqual(Object.values(data.rejections(s)).filter((n) => n > 0), []);
    // Removal is between sessions, whatever the symbol.
    t.throws(() => data.removeSymbol(s), { code: 'session_open' });
  }
  t.is(Object.keys(data.quality()).length, 1);
  t.is(data.rejections(undefined).duplicate, 0);
  data.endSession();
  for (const s of ['Y', '']) t.false(data.removeSymbol(s));
});

test('appendMany of an empty batch refuses a bad symbol as a batch with bars does; append names what it got', (t) => {
  const data = filled();
  const before = state(data);
  const empty: BarColumns = { time: [], open: [], high: [], low: [], close: [], volume: [] };
  for (const [bad, shown] of [...NOT_STRINGS, ['', /got ''$/] as [unknown, RegExp]]) {
    const e = t.throws(() => data.appendMany(bad as string, empty), undefined, `appendMany(${String(bad)})`);
    t.true(e instanceof InputError, `appendMany(${String(bad)}): ${String(e)}`);
    t.regex((e as InputError).message, /symbol must be a non-empty string/);
    t.regex((e as InputError).message, shown);
  }
  t.throws(() => data.append({} as string, { time: S.open + 12 * 60_000, open: 1, high: 2, low: 1, close: 2, volume: 3 }), { instanceOf: InputError, message: /non-empty string, got an object$/ });
  t.deepEqual(state(data), before);
  // An empty batch of a good symbol is still a no-op that leaves the symbol unknown.
  t.is(data.appendMany('Z', empty).appended, 0);
  t.deepEqual(data.symbols(), ['X']);
});

test('append and appendValues refuse a null symbol before any append, after clear() and after removing the last symbol appended, instead of storing the bar under symbol id 0', (t) => {
  const bar = { time: S.open + 60_000, open: 1, high: 2, low: 1, close: 2, volume: 3 };
  const refuses = (data: SessionData, when: string): void => {
    const before = state(data);
    t.throws(() => data.append(null as unknown as string, bar), { instanceOf: InputError, message: /non-empty string, got null$/ }, `append, ${when}`);
    t.throws(() => data.appendValues(null as unknown as string, bar.time, 1, 2, 1, 2, 3), { instanceOf: InputError, message: /non-empty string, got null$/ }, `appendValues, ${when}`);
    t.deepEqual(state(data), before, when);
  };
  // A symbol known from a batch holds id 0; no append has run yet.
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  data.appendMany('X', { time: [S.open], open: [1], high: [2], low: [1], close: [2], volume: [3] });
  refuses(data, 'before any append');
  t.is(data.count('X', '1m'), 1);

  data.clear();
  data.beginSession(S);
  data.appendMany('X', { time: [S.open], open: [1], high: [2], low: [1], close: [2], volume: [3] });
  refuses(data, 'after clear()');

  data.endSession();
  data.beginSession(sessionOn('2013-10-08', { open: '09:30', close: '16:00', timeZone: 'America/New_York' }));
  data.append('Y', { time: data.session!.open, open: 1, high: 2, low: 1, close: 2, volume: 3 });
  data.endSession();
  data.removeSymbol('Y');
  data.beginSession(sessionOn('2013-10-09', { open: '09:30', close: '16:00', timeZone: 'America/New_York' }));
  t.throws(() => data.append(null as unknown as string, { ...bar, time: data.session!.open }), { instanceOf: InputError, message: /got null$/ }, 'after removeSymbol');
  t.is(data.count('X', '1m'), 1);
});
