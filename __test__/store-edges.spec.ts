/**
 * SessionData at the edges of its arguments: what a failed or empty call leaves behind, another
 * spelling of an interval in the indicator config, and a session given without `dayStart`.
 * Expected values are worked out by hand.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { BarValidationError, Calendar, ConfigError, InputError, SessionData, SessionError, sessionOn } from 'barstream';

const MINUTE = 60_000;
const S = sessionOn('2024-03-04', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
const bar = (k: number, close = 10): { time: number; open: number; high: number; low: number; close: number; volume: number } => ({ time: S.open + k * MINUTE, open: close, high: close, low: close, close, volume: 1 });

test('a failed or empty appendMany, and an appendSlice with short columns, leave an unknown symbol unknown: no gap, no quality record', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  data.append('A', bar(0));
  t.throws(() => data.appendMany('X', { time: [S.open], open: [], high: [], low: [], close: [], volume: [] }), { instanceOf: InputError, message: /differ in length/ });
  t.deepEqual(data.appendMany('Z', { time: [], open: [], high: [], low: [], close: [], volume: [] }), { appended: 0, rejected: [], closed: [] });
  const one = new Float64Array([S.open]);
  t.throws(() => data.appendSlice(['P', 'Q'], { time: one, open: one, high: one, low: one, close: one, volume: one }), { instanceOf: InputError, message: /column 'time' has 1 entries, fewer than the 2/ });
  t.throws(() => data.appendSlice(['P'], { time: [S.open] as unknown as Float64Array, open: one, high: one, low: one, close: one, volume: one }), { instanceOf: InputError, message: /'time' is a plain array/ });
  t.throws(() => data.appendSlice(['P'], { time: one, open: new Float32Array(1) as unknown as Float64Array, high: one, low: one, close: one, volume: one }), { instanceOf: InputError, message: /'open' is a Float32Array/ });
  t.throws(() => data.appendSlice(['P'], { time: one, open: one, high: one, low: one, close: one } as never), { instanceOf: InputError, message: /'volume' is missing/ });
  t.deepEqual(data.symbols(), ['A']);
  data.endSession();
  t.deepEqual(data.takeGaps().map((g) => g.symbol), ['A']);
  t.deepEqual(Object.keys(data.quality()), ['A']);
  t.deepEqual(Object.values(data.rejections('A')).reduce((a, b) => a + b, 0), 0);
});

test("indicators declared under another spelling of an interval ('1h' for '60m') are the interval's", (t) => {
  const data = new SessionData({ intervals: ['60m'], indicators: { '1h': [{ kind: 'sma', period: 2 }] } });
  data.beginSession(S);
  // Closes 1..390, one a minute: the 09:30 bucket's last close is 60, 10:30's is 120, 11:30's 180.
  for (let k = 0; k < 180; k++) data.append('X', bar(k, k + 1));
  t.deepEqual([...data.bars('X', '1h').close], [60, 120, 180]);
  t.deepEqual([...data.indicator('X', '60m', 'sma2')], [NaN, 90, 150]);
  t.deepEqual([...data.indicator('X', '1h', 'sma2')], [NaN, 90, 150]);
});

test('a session without dayStart anchors clock-aligned buckets at its midnight in its time zone, across a daylight-saving change', (t) => {
  for (const [date, midnightUtcHour] of [['2024-03-08', 5], ['2024-03-11', 4]] as const) {
    const full = sessionOn(date, { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    t.is(full.dayStart, Date.UTC(y, m - 1, d, midnightUtcHour));
    const data = new SessionData({ intervals: ['1h'], alignment: 'clock' });
    data.beginSession({ date: full.date, open: full.open, close: full.close, timeZone: full.timeZone });
    t.is(data.session?.dayStart, full.dayStart);
    // 09:30-10:29 local: the 09:00 bucket holds 09:30-09:59, the 10:00 one 10:00-10:29 (forming).
    for (let k = 0; k < 60; k++) data.append('X', { time: full.open + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 });
    t.deepEqual([...data.bars('X', '1h').time], [full.open - 30 * MINUTE], date);
    t.is(data.bars('X', '1h').volume[0], 30);
  }
});

test("an empty symbol is an InputError on every way in, never another symbol's bar", (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  t.throws(() => data.append('', bar(0)), { instanceOf: InputError, message: /non-empty string/ });
  data.appendMany('A', { time: [S.open], open: [1], high: [1], low: [1], close: [1], volume: [1] });
  t.throws(() => data.append('', bar(1, 2)), { instanceOf: InputError, message: /non-empty string/ });
  t.throws(() => data.appendValues('', S.open + MINUTE, 2, 2, 2, 2, 2), { instanceOf: InputError, message: /non-empty string/ });
  data.append('A', bar(1, 3));
  t.throws(() => data.append('', bar(2, 4)), { instanceOf: InputError, message: /non-empty string/ });
  t.deepEqual(data.symbols(), ['A']);
  t.deepEqual([...data.bars('A', '1m').close], [1, 3]);
  data.clear();
  data.beginSession(S);
  data.appendMany('Q', { time: [S.open], open: [1], high: [1], low: [1], close: [1], volume: [1] });
  t.throws(() => data.append('', bar(1)), { instanceOf: InputError });
  t.is(data.count('Q', '1m'), 1);
});

test('appendSlice refuses a bad count or bad symbols before anything is stored or any symbol becomes known', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  data.append('A', bar(0));
  const col = (v: number): Float64Array => new Float64Array(100).fill(v);
  const cols = { time: col(S.open + MINUTE), open: col(1), high: col(1), low: col(1), close: col(1), volume: col(1) };
  for (const count of [-1, 1.5, 2, Infinity, 2 ** 40, '1' as unknown as number, null as unknown as number]) {
    t.throws(() => data.appendSlice(['B'], cols, count), { instanceOf: ConfigError, message: /count/ }, String(count));
  }
  t.throws(() => data.appendSlice(['B', ''], cols), { instanceOf: InputError, message: /symbol 1/ });
  t.throws(() => data.appendSlice('XY' as unknown as string[], cols), { instanceOf: InputError });
  t.throws(() => data.appendSlice(null as unknown as string[], cols), { instanceOf: InputError });
  t.deepEqual(data.symbols(), ['A']);
  t.is(data.count('A', '1m'), 1);
  t.is(Object.values(data.rejections('A')).reduce((a, b) => a + b, 0), 0);
  t.is(data.appendSlice(['B', 'C'], cols, 1).count, 1);
  t.deepEqual(data.symbols(), ['A', 'B']);
});

test('a bar whose getters call into a store is stored with its own fields', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const other = new SessionData();
  data.beginSession(S);
  other.beginSession(S);
  data.append('A', bar(0));
  const tricky = {
    time: S.open + 2 * MINUTE,
    open: 10,
    get high(): number {
      // Another store's append writes the same native slot.
      other.append('Z', { time: S.open, open: 5, high: 99, low: 1, close: 5, volume: 7 });
      return 11;
    },
    low: 9,
    close: 10.5,
    volume: 3,
  };
  data.append('A', tricky);
  const b = data.bars('A', '1m');
  t.deepEqual([b.time[1], b.open[1], b.high[1], b.low[1], b.close[1], b.volume[1]], [S.open + 2 * MINUTE, 10, 11, 9, 10.5, 3]);
  t.is(other.count('Z', '1m'), 1);
});

test("beginSession keeps a calendar session's other fields (earlyClose) in data.session", (t) => {
  const session = Calendar.xnys().session('2013-11-29');
  if (session === null) return t.fail('no session');
  const data = new SessionData();
  data.beginSession(session);
  t.is((data.session as unknown as { earlyClose?: boolean }).earlyClose, true);
  t.is(data.session?.close, session.close);
});

test('advanceTo reports every symbol it closes a bar for, however many symbols the store knows', (t) => {
  const data = new SessionData({ intervals: ['5m', '15m'] });
  data.beginSession(S);
  const names = Array.from({ length: 150 }, (_, i) => `S${i}`);
  // Two minutes of each symbol: a 5m and a 15m bar forming for all 150.
  for (const name of names) {
    data.append(name, bar(0));
    data.append(name, bar(1));
  }
  t.deepEqual(data.advanceTo(S.open + 4 * MINUTE), []);
  const closed = data.advanceTo(S.open + 5 * MINUTE);
  t.deepEqual(closed, names.map((symbol) => ({ symbol, interval: '5m' })));
  t.deepEqual(data.advanceTo(S.open + 15 * MINUTE), names.map((symbol) => ({ symbol, interval: '15m' })));
  t.is(data.bars('S149', '5m').length, 1);
  t.deepEqual(data.endSession(), []);
});

test('a volume whose sum in a derived bar could overflow is refused as volume_too_large, on every way in; the largest taken sums to a finite bar', (t) => {
  const data = new SessionData({ intervals: ['5m', '1d'] });
  data.beginSession(S);
  const big = (k: number, volume: number) => ({ ...bar(k), volume });
  // 1e290 at most: two of 1.7e308 (each finite) summed into the 5m bar would be Infinity.
  data.append('X', big(0, 1e290));
  const e = t.throws(() => data.append('X', big(1, 1.7e308)), { instanceOf: BarValidationError });
  t.is(e?.code, 'volume_too_large');
  t.throws(() => data.appendValues('X', S.open + MINUTE, 10, 10, 10, 10, 1e291), { code: 'volume_too_large' });
  const cols = { time: [S.open + MINUTE, S.open + 2 * MINUTE], open: [10, 10], high: [10, 10], low: [10, 10], close: [10, 10], volume: [1, Number.MAX_VALUE] };
  t.throws(() => data.appendMany('X', cols), { code: 'volume_too_large', message: /bar 1/ });
  t.is(data.count('X', '1m'), 1, 'the batch stored nothing');
  const one = (v: number) => new Float64Array([v]);
  const slice = data.appendSlice(['X'], { time: one(S.open + MINUTE), open: one(10), high: one(10), low: one(10), close: one(10), volume: one(1e300) });
  t.deepEqual(slice.rejected, ['volume_too_large']);
  t.is(data.rejections('X').volume_too_large, 4);
  t.is(data.quality('X')?.base.rejected.volume_too_large, 4);
  // A rule before it still names the bar.
  t.throws(() => data.append('X', { ...big(1, 1e300), high: 9 }), { code: 'high_below_open_close' });
  t.throws(() => data.append('X', big(1, -1e300)), { code: 'negative_volume' });
  t.throws(() => data.append('X', big(1, Infinity)), { code: 'non_finite' });
  const skipped = data.appendMany('X', { ...cols, volume: [1e290, 1e291] }, { invalid: 'skip' });
  t.deepEqual(skipped.rejected.map((r) => [r.index, r.code]), [[1, 'volume_too_large']]);
  for (let k = 2; k < 390; k++) data.append('X', big(k, 1e290));
  data.endSession();
  // By hand: 390 bars of 1e290 in the day.
  const day = data.bars('X', '1d').volume[0] as number;
  t.true(Number.isFinite(day));
  t.true(Math.abs(day / 3.9e292 - 1) < 1e-12, String(day));
  t.true([...data.bars('X', '5m').volume].every(Number.isFinite));
});

test('an interval longer than 9e15 ms is a ConfigError, and a session time past 9e15 ms an invalid_session: bucket ends would not fit the core\'s integers', (t) => {
  for (const intervals of [['153722867280912m'], ['2562047788015h'], ['9000000000001s']]) {
    t.throws(() => new SessionData({ intervals }), { instanceOf: ConfigError, message: /longer than/ }, intervals[0]);
  }
  t.throws(() => new SessionData({ baseInterval: '9000000000001s' }), { instanceOf: ConfigError });
  // 2,500,000,000 hours is 9e15 ms: the longest taken, one bucket a session.
  const data = new SessionData({ intervals: ['2500000000h'] });
  data.beginSession(S);
  data.append('X', bar(0, 10));
  data.append('X', bar(1, 11));
  data.endSession();
  t.deepEqual([...data.bars('X', '2500000000h').time], [S.open]);
  t.deepEqual([...data.bars('X', '2500000000h').volume], [2]);
  const far = new SessionData();
  const e = t.throws(() => far.beginSession({ date: '2024-03-04', open: 8.99e15, close: 9.1e15, timeZone: 'UTC', dayStart: 8.99e15 }), { instanceOf: SessionError });
  t.is(e?.code, 'invalid_session');
});

test('lateBefore: what the clock has closed, as appends then judge it (by hand: 09:35 after advanceTo 09:36 on 5m and 15m)', (t) => {
  const data = new SessionData({ intervals: ['5m', '15m'] });
  t.is(data.lateBefore, null);
  data.beginSession(S);
  t.is(data.lateBefore, null);
  data.append('A', bar(0));
  data.advanceTo(S.open + 6 * MINUTE);
  t.is(data.lateBefore, S.open + 5 * MINUTE);
  t.throws(() => data.append('A', bar(4)), { instanceOf: BarValidationError, message: /late/ });
  data.append('A', bar(5));
  data.advanceTo(S.open + 17 * MINUTE);
  t.is(data.lateBefore, S.open + 15 * MINUTE);
  data.endSession();
  t.is(data.lateBefore, null);
  const base = new SessionData();
  base.beginSession(S);
  base.advanceTo(S.open + 30 * MINUTE);
  t.is(base.lateBefore, null, 'no derived interval: the clock closes no bucket');
});

test('lateBefore read between every kind of change follows each one (clear, a new session, a batch, a slice)', (t) => {
  const data = new SessionData({ intervals: ['5m', '15m'] });
  data.beginSession(S);
  data.advanceTo(S.open + 6 * MINUTE);
  t.is(data.lateBefore, S.open + 5 * MINUTE);
  data.clear();
  t.is(data.lateBefore, null);
  data.beginSession(S);
  t.is(data.lateBefore, null);
  const col = (f: (i: number) => number): Float64Array => Float64Array.from({ length: 3 }, (_, i) => f(i));
  data.appendMany('A', { time: col((i) => S.open + i * MINUTE), open: col(() => 1), high: col(() => 1), low: col(() => 1), close: col(() => 1), volume: col(() => 1) });
  t.is(data.lateBefore, null);
  data.advanceTo(S.open + 11 * MINUTE);
  t.is(data.lateBefore, S.open + 10 * MINUTE);
  data.appendSlice(['B'], { time: col(() => S.open + 11 * MINUTE), open: col(() => 1), high: col(() => 1), low: col(() => 1), close: col(() => 1), volume: col(() => 1) }, 1);
  t.is(data.lateBefore, S.open + 10 * MINUTE);
  data.advanceTo(S.open + 16 * MINUTE);
  t.is(data.lateBefore, S.open + 15 * MINUTE);
  data.endSession();
  t.is(data.lateBefore, null);
});

test("a view's length cannot be moved past the closed bars: assigning it throws, and the columns keep the view's own length", (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  for (let k = 0; k < 3; k++) data.append('A', bar(k, 10 + k));
  const view = data.bars('A', '1m');
  t.throws(() => {
    (view as { length: number }).length = 300;
  }, { instanceOf: TypeError });
  t.is(view.length, 3);
  t.deepEqual(Array.from(view.close), [10, 11, 12]);
  t.deepEqual(Array.from(view.time), [S.open, S.open + MINUTE, S.open + 2 * MINUTE]);
  // The empty view of an unknown symbol is frozen too.
  t.throws(() => {
    (data.bars('B', '1m') as { length: number }).length = 3;
  }, { instanceOf: TypeError });
});

test('advanceTo to a time the clock has reached closes nothing; errors stay errors; each session and clear() start the clock afresh', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  t.throws(() => data.advanceTo(S.open), { instanceOf: SessionError, message: /no session/ });
  data.beginSession(S);
  data.append('A', bar(0));
  data.append('A', bar(1));
  t.deepEqual(data.advanceTo(S.open + 5 * MINUTE + 0.9), [{ symbol: 'A', interval: '5m' }]);
  // Floored to 09:35:00.000, the clock's time: nothing more, and earlier times do nothing.
  t.deepEqual(data.advanceTo(S.open + 5 * MINUTE), []);
  t.deepEqual(data.advanceTo(S.open + 3 * MINUTE), []);
  t.deepEqual(data.advanceTo(S.open - 86_400_000), []);
  for (const bad of [NaN, Infinity, -Infinity]) t.throws(() => data.advanceTo(bad), { instanceOf: InputError, message: /not a finite number/ });
  t.throws(() => data.append('A', bar(4)), { instanceOf: BarValidationError, message: /late/ });
  data.append('A', bar(7));
  t.deepEqual(data.advanceTo(S.open + 10 * MINUTE), [{ symbol: 'A', interval: '5m' }]);
  data.endSession();
  t.throws(() => data.advanceTo(S.open), { instanceOf: SessionError, message: /no session/ });
  // The next day: its clock starts at its open, whatever the last day's reached.
  const next = sessionOn('2024-03-05', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  data.beginSession(next);
  data.append('A', { ...bar(0), time: next.open });
  t.deepEqual(data.advanceTo(next.open + 5 * MINUTE), [{ symbol: 'A', interval: '5m' }]);
  data.clear();
  data.beginSession(next);
  data.append('B', { ...bar(0), time: next.open });
  t.deepEqual(data.advanceTo(next.open + 5 * MINUTE), [{ symbol: 'B', interval: '5m' }]);
  t.is(data.lateBefore, next.open + 5 * MINUTE);
});

test('takeGaps gives every gap recorded, however many wait, each once, oldest first', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S);
  const names = Array.from({ length: 150 }, (_, i) => `S${i}`);
  for (const s of names) data.append(s, bar(0));
  // Each symbol skips 09:31-09:34: a gap [09:31, 09:35) a symbol, in the order they were revealed.
  for (const s of names) data.append(s, bar(5));
  const gaps = data.takeGaps();
  t.is(gaps.length, 150);
  t.deepEqual(gaps[0], { symbol: 'S0', from: S.open + MINUTE, to: S.open + 5 * MINUTE });
  t.deepEqual(gaps[149], { symbol: 'S149', from: S.open + MINUTE, to: S.open + 5 * MINUTE });
  t.deepEqual(gaps.map((g) => g.symbol), names);
  t.deepEqual(data.takeGaps(), []);
  data.append('S7', bar(8));
  t.deepEqual(data.takeGaps(), [{ symbol: 'S7', from: S.open + 6 * MINUTE, to: S.open + 8 * MINUTE }]);
});

test('peek of a series with more outputs than any asked before, and check of a symbol the store has not met, answer as append would', (t) => {
  const many = [
    { kind: 'macd' as const },
    { kind: 'macd' as const, fast: 5, slow: 35, signal: 5 },
    { kind: 'bbands' as const, period: 20 },
    { kind: 'bbands' as const, period: 10, devUp: 1.5, devDown: 2.5 },
    { kind: 'stoch' as const },
    { kind: 'sma' as const, period: 3 },
  ];
  const data = new SessionData({ intervals: ['5m'], indicators: { '1m': [{ kind: 'sma', period: 2 }], '5m': many } });
  data.beginSession(S);
  for (let k = 0; k < 7; k++) data.append('A', bar(k, 10 + k));
  // The 1m series first (one output), then the 5m series (15 outputs, past the room asked so far).
  t.deepEqual(data.peek('A', '1m'), null, 'a base bar closes as it comes: nothing forming');
  const peeked = data.peek('A', '5m');
  t.is(Object.keys(peeked ?? {}).length, 15);
  // SMA(3) of the 5m closes: only one closed (14) and the forming one (16): still warming up.
  t.true(Number.isNaN(peeked?.['sma3']));
  for (let k = 7; k < 14; k++) data.append('A', bar(k, 10 + k));
  // Closed 5m closes 14 and 19; the forming 09:40 bucket's close so far is the 09:43 bar's, 23.
  t.is(data.peek('A', '5m')?.['sma3'], (14 + 19 + 23) / 3);
  t.is(data.check('NEW', bar(20)), null);
  t.is(data.check('NEW', { ...bar(20), high: 1, low: 1, open: 5 }), 'high_below_open_close');
  t.deepEqual(data.symbols(), ['A']);
});

// README (Storage): a series past what one ArrayBuffer can view is stored and counted, and bars()
// of it throws ConfigError (series). A wide series (200 indicator columns) and a 40-day session of
// 1s bars after a full first session of ten seconds: the symbol's first bar of it reserves the
// session's 3.46M slots, 5.7 GB of address space, mostly never touched. (A symbol's first session
// reserves less: no more than a block off huge pages.)
// In a child process: a refused buffer whose block was freed twice aborted the process.
test('a series past 4 GiB: bars() throws ConfigError (series) time after time, and the store goes on', (t) => {
  const entry = pathToFileURL(createRequire(import.meta.url).resolve('barstream')).href;
  const script = `
    const bs = await import(${JSON.stringify(entry)});
    const data = new bs.SessionData({ baseInterval: '1s', indicators: { '1s': Array.from({ length: 200 }, (_, i) => ({ kind: 'sma', period: i + 2 })) } });
    const first = Date.UTC(2023, 11, 31);
    data.beginSession({ date: '2023-12-31', open: first, close: first + 10_000, timeZone: 'UTC' });
    for (let k = 0; k < 10; k++) data.append('A', { time: first + k * 1000, open: 1, high: 1, low: 1, close: 1, volume: 1 });
    data.endSession();
    const open = Date.UTC(2024, 0, 1);
    data.beginSession({ date: '2024-01-01', open, close: open + 40 * 86_400_000, timeZone: 'UTC' });
    const out = [];
    for (let k = 0; k < 3; k++) {
      data.append('A', { time: open + k * 1000, open: 1, high: 1, low: 1, close: 1, volume: 1 });
      try { data.bars('A', '1s'); out.push('viewed'); } catch (e) { out.push(e.constructor.name + ' ' + e.param); }
      await new Promise((r) => setTimeout(r, 10));
    }
    out.push(data.count('A', '1s'));
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), ['ConfigError series', 'ConfigError series', 'ConfigError series', 13]);
});
