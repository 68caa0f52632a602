/**
 * A call reads what it is given once. Getters on a bar or on slice columns run user code, which
 * may append to the same store or to another: the call must act on what it read, in the store it
 * was made on, and an error must show the values it checked. The expected outcomes are worked out
 * by hand from the bars given.
 */
import test from 'ava';
import { BarEvent, BarValidationError, Calendar, InputError, Obv, SessionData } from 'barstream';
import type { Bar, SymbolQuality } from 'barstream';

const MINUTE = 60_000;
const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:10' }] });
const [session] = calendar.sessions('2024-05-06', '2024-05-06');
const at = (minutes: number): number => session!.open + minutes * MINUTE;
const bar = (minutes: number, close = 10): Bar => ({ time: at(minutes), open: close, high: close + 1, low: close - 1, close, volume: 100 });
const slice = (close: number): Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', Float64Array> => {
  const b = bar(0, close);
  return { time: Float64Array.of(b.time), open: Float64Array.of(b.open), high: Float64Array.of(b.high), low: Float64Array.of(b.low), close: Float64Array.of(b.close), volume: Float64Array.of(b.volume) };
};

test('appendSlice stores each bar in its own store under its own symbol when a column getter appends to another store', (t) => {
  const a = new SessionData();
  const b = new SessionData();
  a.beginSession(session!);
  b.beginSession(session!);
  const columns = slice(10);
  let reads = 0;
  const volume = columns.volume;
  Object.defineProperty(columns, 'volume', {
    get() {
      reads++;
      b.append('OTHER', bar(reads, 20));
      return volume;
    },
  });
  const out = a.appendSlice(['MINE'], columns);
  t.is(out.count, 1);
  t.deepEqual(out.rejected, [null]);
  t.is(reads, 1, 'each column is read once');
  t.deepEqual([...a.bars('MINE', '1m').close], [10]);
  t.deepEqual(a.symbols(), ['MINE']);
  t.deepEqual(b.symbols(), ['OTHER']);
  t.deepEqual([...b.bars('OTHER', '1m').close], [20]);
});

test('appendSlice keeps its symbols when a column getter runs a nested appendSlice on the same store', (t) => {
  const data = new SessionData();
  data.beginSession(session!);
  const columns = slice(10);
  const close = columns.close;
  let nested = false;
  Object.defineProperty(columns, 'close', {
    get() {
      if (!nested) {
        nested = true;
        data.appendSlice(['NESTED'], slice(30));
      }
      return close;
    },
  });
  const out = data.appendSlice(['OUTER'], columns);
  t.deepEqual(out.rejected, [null]);
  t.deepEqual([...data.bars('OUTER', '1m').close], [10]);
  t.deepEqual([...data.bars('NESTED', '1m').close], [30]);
  t.is(Object.values(data.rejections('OUTER')).reduce((a, b) => a + b, 0), 0);
});

test('appendSlice refuses a column that is a Float64Array on its check and a plain array after, and learns no symbol', (t) => {
  const data = new SessionData();
  data.beginSession(session!);
  const columns = slice(10);
  const time = columns.time;
  let reads = 0;
  Object.defineProperty(columns, 'time', {
    get() {
      reads++;
      return reads === 1 ? time : [at(0)];
    },
  });
  // Read once, it is a Float64Array: the bar is stored.
  t.deepEqual(data.appendSlice(['X'], columns).rejected, [null]);
  t.is(reads, 1);
  // Read once more for a second call, it is a plain array: refused as such, nothing learnt.
  const error = t.throws(() => data.appendSlice(['NEWSYM'], columns), { instanceOf: InputError });
  t.regex(error.message, /plain array/);
  t.deepEqual(data.symbols(), ['X']);
});

test("a rejected append's error holds the bar as it was read, and the bar's getters run once", (t) => {
  const data = new SessionData();
  data.beginSession(session!);
  let reads = 0;
  const b = {
    time: at(0),
    open: 10,
    get high(): number {
      reads++;
      // Below open and close on the first read: the bar checked is rejected.
      return reads === 1 ? 9 : 11;
    },
    low: 9,
    close: 10,
    volume: 100,
  };
  const error = t.throws(() => data.append('A', b), { instanceOf: BarValidationError });
  t.is(error.code, 'high_below_open_close');
  t.is(reads, 1);
  t.deepEqual(error.bar, { time: at(0), open: 10, high: 9, low: 9, close: 10, volume: 100 });
  t.is(data.count('A', '1m'), 0);
});

test("a rejected append's error keeps a field of the wrong type as given", (t) => {
  const data = new SessionData();
  data.beginSession(session!);
  const when = new Date(at(0));
  const error = t.throws(() => data.append('A', { ...bar(0), time: when as unknown as number }), { instanceOf: BarValidationError });
  t.is(error.code, 'non_finite');
  t.is(error.bar?.time, when);
});

test('check reads the bar before it looks at the symbol: a getter that appends the same bar makes it a duplicate', (t) => {
  const data = new SessionData();
  data.beginSession(session!);
  const plain = bar(0);
  const b = {
    ...plain,
    get time(): number {
      if (data.count('A', '1m') === 0) data.append('A', plain);
      return plain.time;
    },
  };
  t.is(data.check('A', b), 'duplicate');
  t.is(data.check('A', plain), 'duplicate');
});

test('a symbol holding a lone surrogate is refused and learnt by no store; a surrogate pair is taken', (t) => {
  const data = new SessionData();
  data.beginSession(session!);
  for (const symbol of ['A\uD800', 'A\uDC00', '\uDBFF']) {
    t.throws(() => data.append(symbol, bar(0)), { instanceOf: InputError, message: /lone surrogate/ }, JSON.stringify(symbol));
  }
  // In a slice, refused before any of its symbols becomes known.
  const two = slice(10);
  const both = { time: Float64Array.of(two.time[0]!, two.time[0]!), open: Float64Array.of(10, 10), high: Float64Array.of(11, 11), low: Float64Array.of(9, 9), close: Float64Array.of(10, 10), volume: Float64Array.of(100, 100) };
  t.throws(() => data.appendSlice(['OK', 'B\uD800'], both), { instanceOf: InputError, message: /lone surrogate/ });
  t.deepEqual(data.symbols(), []);
  // U+1F600 is the pair \uD83D\uDE00: well formed, one symbol apart from any other.
  data.append('A\uD83D\uDE00', bar(0));
  data.append('A\uD83D\uDE01', bar(0, 20));
  t.deepEqual(data.symbols(), ['A\uD83D\uDE00', 'A\uD83D\uDE01']);
  t.deepEqual([...data.bars('A\uD83D\uDE01', '1m').close], [20]);
});

test('a BarEvent made by hand is always checked: an index past the closed bars is refused', (t) => {
  const data = new SessionData();
  data.beginSession(session!);
  data.append('A', bar(0));
  // A sixth argument (once the dispatcher's views) no longer turns the checks off.
  const make = (index: number): BarEvent => Reflect.construct(BarEvent, [data, session, 'A', '1m', index, {}]) as BarEvent;
  t.throws(() => make(1), { message: /has 1 closed bars, so no bar 1/ });
  t.is(make(0).bar.close, 10);
});

test('types: quality takes a symbol that may be undefined, Obv takes close and volume alone', (t) => {
  const data = new SessionData();
  data.beginSession(session!);
  data.append('A', bar(0));
  const maybe = ((): string | undefined => 'A')();
  const q = data.quality(maybe) as SymbolQuality;
  t.is(q.base.received, 1);
  const obv = new Obv();
  // TA-Lib's OBV starts at the first bar's volume, then adds an up bar's volume.
  t.is(obv.update({ close: 10, volume: 100 }), 100);
  t.is(obv.update({ close: 11, volume: 50 }), 150);
});
