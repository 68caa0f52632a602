/**
 * columnsSource and csvSource against hand-written fixtures (temporary files). Expected values are
 * written out by hand (times from Date.UTC), never computed by the code under test.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigError, InputError } from '../src/errors.js';
import { columnsSource, csvSource, symbolFromFileName } from '../src/sources/index.js';
import type { SymbolColumns } from '../src/sources/index.js';

const dir = mkdtempSync(join(tmpdir(), 'barstream-sources-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
/** Writes `text` to `name` in a new folder of its own and returns its path. */
function fixture(name: string, text: string): string {
  const sub = join(dir, `f${fileNo++}`);
  mkdirSync(sub);
  const p = join(sub, name);
  writeFileSync(p, text);
  return p;
}

const T = (h: number, m: number, d = 7): number => Date.UTC(2013, 9, d, h, m);

function rows(c: SymbolColumns | undefined): number[][] {
  if (c === undefined) throw new Error('no columns');
  const out: number[][] = [];
  for (let i = 0; i < c.length; i++) {
    out.push([c.time[i] as number, c.open[i] as number, c.high[i] as number, c.low[i] as number, c.close[i] as number, c.volume[i] as number]);
  }
  return out;
}

// ---------------------------------------------------------------- columnsSource

test('columnsSource: arrays are converted once, Float64Arrays used in place', async (t) => {
  const f64 = {
    time: Float64Array.from([T(13, 30), T(13, 31)]),
    open: Float64Array.from([1, 2]),
    high: Float64Array.from([1, 2]),
    low: Float64Array.from([1, 2]),
    close: Float64Array.from([1, 2]),
    volume: Float64Array.from([10, 20]),
  };
  const src = columnsSource({ A: f64, B: { time: [T(13, 30)], open: [5], high: [6], low: [4], close: [5.5], volume: [100] } });
  t.is(src.kind, 'columns');
  t.deepEqual(src.symbols, ['A', 'B']);
  const m = await src.load({});
  t.deepEqual([...m.keys()], ['A', 'B']);
  t.is(m.get('A')?.time.buffer, f64.time.buffer, 'no copy of a Float64Array');
  t.true(m.get('B')?.open instanceof Float64Array);
  t.deepEqual(rows(m.get('B')), [[T(13, 30), 5, 6, 4, 5.5, 100]]);
  // A second load sees the same (converted once) arrays.
  const m2 = await src.load({});
  t.is(m2.get('B')?.open.buffer, m.get('B')?.open.buffer);
});

test('columnsSource: from/to by binary search, as views', async (t) => {
  const time = Float64Array.from([0, 1, 2, 3, 4, 5].map((i) => T(13, 30 + i)));
  const v = Float64Array.from([0, 1, 2, 3, 4, 5]);
  const src = columnsSource(new Map([['A', { time, open: v, high: v, low: v, close: v, volume: v }]]));
  const m = await src.load({ from: T(13, 31), to: T(13, 34) });
  const a = m.get('A') as SymbolColumns;
  t.is(a.length, 3);
  t.deepEqual([...a.open], [1, 2, 3]);
  t.is(a.time.buffer, time.buffer, 'a view, not a copy');
  t.is(a.time.byteOffset, 8);
  // from inclusive, to exclusive; between bars; empty ranges.
  t.deepEqual([...((await src.load({ from: T(13, 31, 7) + 1 })).get('A') as SymbolColumns).open], [2, 3, 4, 5]);
  t.is(((await src.load({ to: T(13, 30) })).get('A') as SymbolColumns).length, 0);
  t.is(((await src.load({ from: T(14, 0) })).get('A') as SymbolColumns).length, 0);
  t.is(((await src.load({ from: T(13, 33), to: T(13, 32) })).get('A') as SymbolColumns).length, 0);
});

test('columnsSource: requested symbols are all keys (empty when unknown), in request order', async (t) => {
  const c = { time: [1], open: [1], high: [1], low: [1], close: [1], volume: [1] };
  const src = columnsSource({ A: c, B: c });
  const m = await src.load({ symbols: ['B', 'Z', 'B'] });
  t.deepEqual([...m.keys()], ['B', 'Z']);
  t.is(m.get('Z')?.length, 0);
  t.is((await src.load({ symbols: [] })).size, 0);
});

test('columnsSource: column length mismatch names the symbol and the column', (t) => {
  const e = t.throws(
    () => columnsSource({ OK: { time: [1], open: [1], high: [1], low: [1], close: [1], volume: [1] }, SPY: { time: [1, 2], open: [1, 2], high: [1, 2], low: [1, 2], close: [1], volume: [1, 2] } }),
    { instanceOf: InputError },
  );
  t.is(e?.code, 'invalid_input');
  t.regex(e?.message ?? '', /'SPY'/);
  t.regex(e?.message ?? '', /'close' has 1 values, column 'time' has 2/);
  const missing = t.throws(() => columnsSource({ Q: { time: [1], open: [1], high: [1], low: [1], close: [1] } as never }), { instanceOf: InputError });
  t.regex(missing?.message ?? '', /'Q'.*'volume' is missing/);
  t.throws(() => columnsSource({ Q: { time: 'x', open: [1], high: [1], low: [1], close: [1], volume: [1] } as never }), { instanceOf: InputError });
});

test('columnsSource: contents are not validated, order is kept, nothing is dropped', async (t) => {
  // Out of order, a duplicate, a NaN time, bad OHLC: all passed on as given.
  const time = [T(13, 32), T(13, 30), T(13, 30), NaN, T(13, 31)];
  const src = columnsSource({ A: { time, open: [1, 2, 3, 4, 5], high: [0, 2, 3, 4, 5], low: [9, 2, 3, 4, 5], close: [1, 2, 3, 4, 5], volume: [-1, 2, 3, 4, 5] } });
  const all = (await src.load({})).get('A') as SymbolColumns;
  t.deepEqual([...all.open], [1, 2, 3, 4, 5]);
  t.deepEqual([...all.high], [0, 2, 3, 4, 5]);
  // A range on unsorted times tests each row and keeps order; the NaN row has no time to select
  // it by and goes with the row before it (13:30, outside), so a run over either range counts it once.
  const after = (await src.load({ from: T(13, 31) })).get('A') as SymbolColumns;
  t.deepEqual([...after.open], [1, 5]);
  const before = (await src.load({ to: T(13, 31) })).get('A') as SymbolColumns;
  t.deepEqual([...before.open], [2, 3, 4]);
  t.true(Number.isNaN(before.time[2]));
});

test('columnsSource: a row whose time is not finite goes with the row before it that has one, those at the start with the first; with no finite time at all, in every range', async (t) => {
  const time = [NaN, Infinity, T(13, 31), T(13, 30), -Infinity, T(13, 33), NaN];
  const one = [1, 2, 3, 4, 5, 6, 7];
  const src = columnsSource({ A: { time, open: one, high: one, low: one, close: one, volume: one } });
  const rows = async (from: number, to: number): Promise<number[]> => [...((await src.load({ from, to })).get('A') as SymbolColumns).open];
  t.deepEqual(await rows(T(13, 31), T(13, 32)), [1, 2, 3]);
  t.deepEqual(await rows(T(13, 30), T(13, 31)), [4, 5]);
  t.deepEqual(await rows(T(13, 32), T(13, 40)), [6, 7]);
  t.deepEqual(await rows(T(14, 0), T(15, 0)), []);
  const nothing = columnsSource({ B: { time: [NaN, NaN], open: [1, 2], high: [1, 2], low: [1, 2], close: [1, 2], volume: [1, 2] } });
  t.is(((await nothing.load({ from: T(13, 0), to: T(14, 0) })).get('B') as SymbolColumns).length, 2);
});

test('columnsSource: bad requests are ConfigErrors', async (t) => {
  const src = columnsSource({ A: { time: [1], open: [1], high: [1], low: [1], close: [1], volume: [1] } });
  await t.throwsAsync(() => src.load({ from: NaN }), { instanceOf: ConfigError });
  await t.throwsAsync(() => src.load({ symbols: 'A' as never }), { instanceOf: ConfigError });
});

// ---------------------------------------------------------------- csvSource: layouts and times

const HEADER = 'time,open,high,low,close,volume';

test('csv: one file per symbol, ISO times, symbol from the file name; directory, pattern and paths', async (t) => {
  const a = fixture('AAA_201310_1m.csv', `${HEADER}\n2013-10-07T13:30:00Z,10.5,10.75,10.25,10.5,1200\n2013-10-07T13:31:00Z,10.5,11,10.5,10.9,300\n`);
  const folder = join(a, '..');
  writeFileSync(join(folder, 'BBB.csv'), `${HEADER}\n2013-10-07T13:31:00Z,20,20,20,20,7\n`);
  writeFileSync(join(folder, 'notes.txt'), 'not a csv');
  const expectA = [
    [T(13, 30), 10.5, 10.75, 10.25, 10.5, 1200],
    [T(13, 31), 10.5, 11, 10.5, 10.9, 300],
  ];
  for (const input of [folder, join(folder, '*.csv'), [join(folder, 'AAA_201310_1m.csv'), join(folder, 'BBB.csv')], join(folder, '???_*')]) {
    const src = csvSource(input);
    const m = await src.load({});
    const label = JSON.stringify(input);
    if (input === join(folder, '???_*')) {
      t.deepEqual([...m.keys()], ['AAA'], label);
    } else {
      t.deepEqual([...m.keys()], ['AAA', 'BBB'], label);
      t.deepEqual(rows(m.get('BBB')), [[T(13, 31), 20, 20, 20, 20, 7]], label);
    }
    t.deepEqual(rows(m.get('AAA')), expectA, label);
    t.true(m.get('AAA')?.time instanceof Float64Array);
    t.is(src.lastReport?.badRows, 0);
  }
  t.is(symbolFromFileName('/x/y/SPY_201310_1m.csv'), 'SPY');
  t.is(symbolFromFileName('QQQ.csv'), 'QQQ');
  const custom = await csvSource(a, { symbolFromPath: () => 'CUSTOM' }).load({});
  t.deepEqual([...custom.keys()], ['CUSTOM']);
});

test('csv: a symbol column, epoch seconds and milliseconds, auto-detected or set', async (t) => {
  const s = Date.UTC(2013, 9, 7, 13, 30) / 1000; // 1381152600
  const p = fixture('mixed.csv', `Symbol,Timestamp,Open,High,Low,Close,Volume\nX,${s},1,2,0.5,1.5,10\nY,${s},3,4,2,3,20\nX,${(s + 60) * 1000},1.5,2,1,1.75,11\n`);
  const m = await csvSource(p, { symbolColumn: 'symbol' }).load({});
  t.deepEqual([...m.keys()], ['X', 'Y']);
  t.deepEqual(rows(m.get('X')), [
    [T(13, 30), 1, 2, 0.5, 1.5, 10],
    [T(13, 31), 1.5, 2, 1, 1.75, 11],
  ]);
  t.deepEqual(rows(m.get('Y')), [[T(13, 30), 3, 4, 2, 3, 20]]);
  // Forced units.
  const secs = fixture('s.csv', `${HEADER}\n${s},1,1,1,1,1\n${s + 0.5},1,1,1,1,1\n`);
  t.deepEqual([...((await csvSource(secs, { epoch: 's' }).load({})).get('s') as SymbolColumns).time], [T(13, 30), T(13, 30) + 500]);
  const ms = fixture('ms.csv', `${HEADER}\n${s},1,1,1,1,1\n`);
  t.deepEqual([...((await csvSource(ms, { epoch: 'ms' }).load({})).get('ms') as SymbolColumns).time], [s]);
  // Auto refuses values that look like micro- or nanoseconds.
  const us = fixture('us.csv', `${HEADER}\n${s * 1_000_000},1,1,1,1,1\n`);
  await t.throwsAsync(() => csvSource(us).load({}), { instanceOf: InputError, message: /too large to tell seconds from milliseconds/ });
});

test('csv: an epoch time that is not finite is a bad row whatever the unit, and one beside an empty or unreadable date is too', async (t) => {
  const s = Date.UTC(2013, 9, 7, 13, 30); // 1381152600000
  const inf = fixture('INF.csv', `${HEADER}\n${s},1,1,1,1,1\nInfinity,1,1,1,1,1\n-Infinity,1,1,1,1,1\n1e999,1,1,1,1,1\n${s + 60_000},1,1,1,1,1\n`);
  for (const epoch of ['auto', 's', 'ms', 'us', 'ns'] as const) {
    const src = csvSource(inf, { epoch, onBadRow: 'skip' });
    const m = await src.load({});
    t.is(m.get('INF')?.length, 2, epoch);
    t.deepEqual(src.lastReport?.badRowDetails.map((r) => [r.line, r.reason]), [
      [3, "epoch time 'Infinity' is not a finite number"],
      [4, "epoch time '-Infinity' is not a finite number"],
      [5, "epoch time '1e999' is not a finite number"],
    ], epoch);
    await t.throwsAsync(() => csvSource(inf, { epoch }).load({}), { instanceOf: InputError, message: /INF\.csv' line 3: epoch time 'Infinity' is not a finite number/ });
  }
  // Epoch milliseconds beside a date column: a US-style date and an empty one cannot confirm the
  // day, an ISO one can.
  const dated = fixture('USD.csv', `Date,Time,Open,High,Low,Close,Volume\n10/07/2013,${s},1,1,1,1,1\n,${s},1,1,1,1,1\n2013-10-07,${s},1,1,1,1,1\n`);
  const src = csvSource(dated, { onBadRow: 'skip' });
  t.deepEqual([...((await src.load({})).get('USD') as SymbolColumns).time], [s]);
  t.deepEqual(src.lastReport?.badRowDetails.map((r) => [r.line, r.reason]), [
    [2, `time '${s}' read as an epoch is 2013-10-07T13:30:00.000Z, which the date beside it cannot confirm: '10/07/2013' is not a YYYY-MM-DD date`],
    [3, `time '${s}' read as an epoch is 2013-10-07T13:30:00.000Z, which the date beside it cannot confirm: it is empty`],
  ]);
});

test("csv: a bare date is its day's first instant, the end of the skip where the clocks skip midnight; a time of day in the skip is a bad row", async (t) => {
  // Santiago moved from UTC-4 to UTC-3 at 00:00 on 2024-09-08: that day starts at 01:00 (04:00 UTC).
  const p = fixture('SCL.csv', 'date,open,high,low,close,volume\n2024-09-07,1,1,1,1,1\n2024-09-08,1,1,1,1,1\n2024-09-08 00:30,1,1,1,1,1\n2024-09-09,1,1,1,1,1\n');
  const src = csvSource(p, { timeZone: 'America/Santiago', onBadRow: 'skip' });
  t.deepEqual([...((await src.load({})).get('SCL') as SymbolColumns).time], [
    Date.UTC(2024, 8, 7, 4), // 00:00 at UTC-4
    Date.UTC(2024, 8, 8, 4), // 01:00 at UTC-3
    Date.UTC(2024, 8, 9, 3), // 00:00 at UTC-3
  ]);
  t.deepEqual(src.lastReport?.badRowDetails.map((r) => [r.line, r.reason]), [[4, "time '2024-09-08 00:30' does not exist in America/Santiago (a daylight-saving gap)"]]);
});

test('csv: header names are case-insensitive, aliases and a mapping', async (t) => {
  const p = fixture('Z_1.csv', ` DATE ,Price Open,HIGH,low,Close,Vol,extra\n2013-10-07,1,2,0.5,1.5,10,ignored\n`);
  await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError, message: /line 1: no 'open' column in the header.*options\.columns\.open/ });
  const m = await csvSource(p, { columns: { open: 'price open', volume: 'VOL' } }).load({});
  t.deepEqual(rows(m.get('Z')), [[Date.UTC(2013, 9, 7), 1, 2, 0.5, 1.5, 10]]);
  t.throws(() => csvSource(p, { columns: { opn: 'x' } as never }), { instanceOf: ConfigError });
});

test('csv: a header that names a column read twice is refused, naming it; a repeated column not read is no matter', async (t) => {
  // Two `close` columns (a join of two tables, say): which holds the bars' closes no rule can tell.
  const twice = fixture('Z_1.csv', 'time,open,high,low,close,Close ,volume\n2013-10-07T13:30:00Z,1,2,0.5,1.5,1.6,10\n');
  await t.throwsAsync(() => csvSource(twice).load({}), { instanceOf: InputError, message: /Z_1\.csv' line 1: the header names the column 'close' more than once \(columns 5 and 6\) \(time,open,high,low,close,Close ,volume\)/ });
  // The symbol column and the date beside a time of day are read too.
  const symbols = fixture('all.csv', 'symbol,time,open,high,low,close,volume,Symbol\nA,2013-10-07T13:30:00Z,1,2,0.5,1.5,10,B\n');
  await t.throwsAsync(() => csvSource(symbols, { symbolColumn: 'symbol' }).load({}), { instanceOf: InputError, message: /the column 'symbol' more than once \(columns 1 and 8\)/ });
  const dates = fixture('Z_1.csv', 'date,time,open,high,low,close,volume,date\n2013-10-07,13:30,1,2,0.5,1.5,10,2013-10-08\n');
  await t.throwsAsync(() => csvSource(dates, { timeZone: 'UTC' }).load({}), { instanceOf: InputError, message: /the column 'date' more than once \(columns 1 and 8\)/ });
  // Named in options.header: refused when the source is made.
  t.throws(() => csvSource(twice, { header: ['time', 'open', 'high', 'low', 'close', 'close', 'volume'] }), { instanceOf: ConfigError, message: /names the column 'close' more than once \(columns 5 and 6\)/ });
  // A column the load does not read may repeat (two `note` columns), and is left alone.
  const other = fixture('Z_1.csv', 'time,open,high,low,close,volume,note,note\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10,x,y\n');
  const m = await csvSource(other).load({});
  t.deepEqual(rows(m.get('Z')), [[T(13, 30), 1, 2, 0.5, 1.5, 10]]);
  const bare = fixture('Z_1.csv', '2013-10-07T13:30:00Z,1,2,0.5,1.5,10,x,y\n');
  const m2 = await csvSource(bare, { header: ['time', 'open', 'high', 'low', 'close', 'volume', 'note', 'note'] }).load({});
  t.deepEqual(rows(m2.get('Z')), [[T(13, 30), 1, 2, 0.5, 1.5, 10]]);
});

test('csv: a delimiter that ends the rows but not the header, or the header but not the rows, makes no column; any other field more or less is a bad row', async (t) => {
  const row = (m: number, end = ''): string => `2013-10-07T13:${m}:00Z,1,2,0.5,1.5,10${end}\n`;
  for (const parser of ['auto', 'csv-parse'] as const) {
    const rowsEnd = fixture('Z_1.csv', `time,open,high,low,close,volume\n${row(30, ',')}${row(31, ', ')}${row(32)}`);
    t.deepEqual(rows((await csvSource(rowsEnd, { parser }).load({})).get('Z')), [30, 31, 32].map((m) => [T(13, m), 1, 2, 0.5, 1.5, 10]), parser);
    const headerEnds = fixture('Z_1.csv', `time,open,high,low,close,volume,\n${row(30)}${row(31, ',')}`);
    t.deepEqual(rows((await csvSource(headerEnds, { parser }).load({})).get('Z')), [30, 31].map((m) => [T(13, m), 1, 2, 0.5, 1.5, 10]), parser);
    // A field that is not blank, or two delimiters at the end, are still a field count other than the header's.
    const other = csvSource(fixture('Z_1.csv', `time,open,high,low,close,volume\n${row(30, ',x')}${row(31, ',,')}${row(32)}`), { parser, onBadRow: 'skip' });
    t.deepEqual(rows((await other.load({})).get('Z')), [[T(13, 32), 1, 2, 0.5, 1.5, 10]], parser);
    t.deepEqual(other.lastReport?.badRowDetails.map((b) => [b.line, b.reason]), [[2, 'expected 6 fields (as in the header), found 7'], [3, 'expected 6 fields (as in the header), found 8']], parser);
    const short = csvSource(fixture('Z_1.csv', `time,open,high,low,close,volume,\n2013-10-07T13:30:00Z,1,2,0.5,1.5\n${row(31)}`), { parser, onBadRow: 'skip' });
    t.deepEqual(rows((await short.load({})).get('Z')), [[T(13, 31), 1, 2, 0.5, 1.5, 10]], parser);
    t.deepEqual(short.lastReport?.badRowDetails.map((b) => b.line), [2], parser);
  }
});

test('csv: a header line repeated among the rows (files joined with cat) is a bad row that says so', async (t) => {
  const joined = fixture('Z_1.csv', `Time,open,high,low,close,volume\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10\nTime,open,high,low,close,volume\n2013-10-07T13:31:00Z,1,2,0.5,1.5,10\n`);
  await t.throwsAsync(() => csvSource(joined).load({}), { instanceOf: InputError, message: /Z_1\.csv' line 3: .*; the row is the header line again \(files joined into one, each with its header\?\)$/ });
  const skip = csvSource(joined, { onBadRow: 'skip' });
  t.deepEqual(rows((await skip.load({})).get('Z')), [30, 31].map((m) => [T(13, m), 1, 2, 0.5, 1.5, 10]));
  t.deepEqual(skip.lastReport?.badRowDetails.map((b) => b.line), [3]);
  // A time that is merely unreadable says nothing of the header.
  const other = csvSource(fixture('Z_1.csv', `time,open,high,low,close,volume\nnoon,1,2,0.5,1.5,10\n`), { onBadRow: 'skip' });
  await other.load({});
  t.false(other.lastReport?.badRowDetails[0]?.reason.includes('header'));
});

test('csv: dateOrder reads dates written year last, month first (mdy) or day first (dmy), with what an ISO time may have after them', async (t) => {
  const ny = (d: number, h: number, m: number, s = 0, ms = 0): number => Date.UTC(2024, 2, d, h + 5, m, s, ms); // EST, before 2024-03-10
  const times = async (text: string, options: Parameters<typeof csvSource>[1]): Promise<number[]> => {
    const src = csvSource(fixture('DO.csv', text), { timeZone: 'America/New_York', onBadRow: 'skip', ...options });
    return [...((await src.load({})).get('DO') as SymbolColumns).time];
  };
  // Kibot (no header, Date and Time apart), TradeStation, a US spreadsheet (one digit, AM/PM).
  const us = ['03/04/2024,09:30,1,1,1,1,1', '3/4/2024,9:31,1,1,1,1,1', '03/04/2024,12:00,1,1,1,1,1'].join('\n');
  const header = ['date', 'time', 'open', 'high', 'low', 'close', 'volume'];
  t.deepEqual(await times(`${us}\n`, { header, dateOrder: 'mdy' }), [ny(4, 9, 30), ny(4, 9, 31), ny(4, 12, 0)]);
  const sheet = ['time,open,high,low,close,volume', '3/4/2024 9:30 AM,1,1,1,1,1', '3/4/2024 12:00 PM,1,1,1,1,1', '3/4/2024 12:05 AM,1,1,1,1,1', '3/4/2024 1:15:30 PM,1,1,1,1,1', '03/04/2024T14:00Z,1,1,1,1,1', '03/04/2024 09:45:00.250-05:00,1,1,1,1,1'].join('\n');
  t.deepEqual(await times(`${sheet}\n`, { dateOrder: 'mdy' }), [
    ny(4, 9, 30),
    ny(4, 12, 0),
    ny(4, 0, 5),
    ny(4, 13, 15, 30),
    Date.UTC(2024, 2, 4, 14, 0),
    ny(4, 9, 45, 0, 250),
  ]);
  // Dukascopy and European spreadsheets: day first, dots or slashes; a bare date is the day's first instant.
  const eu = ['Gmt time,open,high,low,close,volume', '04.03.2024 14:30:00.000,1,1,1,1,1', '4/3/2024 14:31,1,1,1,1,1', '05.03.2024,1,1,1,1,1'].join('\n');
  t.deepEqual(await times(`${eu}\n`, { dateOrder: 'dmy', columns: { time: 'gmt time' }, timeZone: 'UTC' }), [Date.UTC(2024, 2, 4, 14, 30), Date.UTC(2024, 2, 4, 14, 31), Date.UTC(2024, 2, 5)]);
  // The same text in the other order is another day, and what no day is in it is a bad row.
  t.deepEqual(await times('time,open,high,low,close,volume\n04.03.2024 09:30,1,1,1,1,1\n', { dateOrder: 'mdy' }), [Date.UTC(2024, 3, 3, 13, 30)]);
  const bad = csvSource(fixture('DO.csv', ['time,open,high,low,close,volume', '13/04/2024 09:30,1,1,1,1,1', '02/30/2024 09:30,1,1,1,1,1', '03/04/2024 13:00 PM,1,1,1,1,1', '03/04/2024 0:30 AM,1,1,1,1,1', '03/04/24 09:30,1,1,1,1,1', '03/04/2024 09:30 EST,1,1,1,1,1', '03/10/2024 2:30 AM,1,1,1,1,1', '03/04/2024 09:30,1,1,1,1,1'].join('\n')), { dateOrder: 'mdy', onBadRow: 'skip', timeZone: 'America/New_York' });
  t.deepEqual([...((await bad.load({})).get('DO') as SymbolColumns).time], [ny(4, 9, 30)]);
  t.deepEqual(bad.lastReport?.badRowDetails.map((b) => [b.line, b.reason]), [
    [2, "time '13/04/2024 09:30' is not a valid date-time written MM/DD/YYYY [hh:mm[:ss]] (month first); it reads as a date day first: set the dateOrder option to 'dmy'"],
    [3, "time '02/30/2024 09:30' is not a valid date-time written MM/DD/YYYY [hh:mm[:ss]] (month first)"],
    [4, "time '03/04/2024 13:00 PM' has hour 13 with PM: a 12-hour clock runs from 1 to 12"],
    [5, "time '03/04/2024 0:30 AM' has hour 0 with AM: a 12-hour clock runs from 1 to 12"],
    [6, "time '03/04/24 09:30' is neither an ISO 8601 date-time nor an epoch number"],
    [7, "time '03/04/2024 09:30 EST' is not a date-time written MM/DD/YYYY [hh:mm[:ss]] (month first)"],
    [8, "time '03/10/2024 2:30 AM' does not exist in America/New_York (a daylight-saving gap)"],
  ]);
  // The hour the clocks go back, twice in a 24-hour file: the second pass is the later hour.
  t.deepEqual(await times('time,open,high,low,close,volume\n11/03/2024 1:30 AM,1,1,1,1,1\n11/03/2024 1:30 AM,1,1,1,1,1\n', { dateOrder: 'mdy' }), [Date.UTC(2024, 10, 3, 5, 30), Date.UTC(2024, 10, 3, 6, 30)]);
  // Dates written year first read as before under either order; a wrong order is a ConfigError.
  t.deepEqual(await times('time,open,high,low,close,volume\n2024-03-04 09:30,1,1,1,1,1\n2024.03.04 09:31,1,1,1,1,1\n', { dateOrder: 'dmy' }), [ny(4, 9, 30), ny(4, 9, 31)]);
  t.throws(() => csvSource(fixture('DO.csv', 'time\n'), { dateOrder: 'ydm' as never }), { instanceOf: ConfigError, message: /'ydm' is not 'ymd', 'mdy' \(03\/04\/2024 is March 4\) or 'dmy' \(3 April\)/ });
});

test('csv: ISO variants, offsets, and wall times in a time zone (gap: bad row; repeated hour: earlier instant)', async (t) => {
  const lines = [
    '2013-10-07T13:30:00Z', // Z
    '2013-10-07T09:30:00-04:00', // offset with colon
    '2013-10-07T15:30:00+0200', // compact offset
    '2013-10-07T15:30:00+02', // hour offset
    '2013-10-07 13:30', // no seconds, no zone: UTC by default
    '2013-10-07T13:30:00.250Z', // milliseconds
    '2013-10-07T13:30:00.2509Z', // beyond ms: rounded half up, as an epoch in us or ns is
    '2013-10-07T13:30:00.2504999Z',
    '2013-10-07T13:30:59.9995Z', // up into the next minute
    '2013-10-07T13:30:00.0005', // a wall time too
  ];
  const p = fixture('ISO.csv', `${HEADER}\n${lines.map((l) => `${l},1,1,1,1,1`).join('\n')}\n`);
  const got = [...((await csvSource(p).load({})).get('ISO') as SymbolColumns).time];
  const base = Date.UTC(2013, 9, 7, 13, 30);
  t.deepEqual(got, [base, base, base, base, base, base + 250, base + 251, base + 250, base + 60_000, base + 1]);

  const ny = fixture('NY.csv', `${HEADER}\n2013-10-07 09:30,1,1,1,1,1\n2013-10-07T09:31:00,1,1,1,1,1\n2013-10-07T13:32:00Z,1,1,1,1,1\n2013-12-02 09:30,1,1,1,1,1\n`);
  const nyTimes = [...((await csvSource(ny, { timeZone: 'America/New_York' }).load({})).get('NY') as SymbolColumns).time];
  // EDT (UTC-4) in October, EST (UTC-5) in December; a time with Z ignores the option.
  t.deepEqual(nyTimes, [Date.UTC(2013, 9, 7, 13, 30), Date.UTC(2013, 9, 7, 13, 31), Date.UTC(2013, 9, 7, 13, 32), Date.UTC(2013, 11, 2, 14, 30)]);

  // A fraction rounded up takes the instant to the next millisecond, once the zone has made one:
  // the last instant before the clocks skip, and the first of the hour they repeat.
  const edges = fixture('EDGE.csv', `${HEADER}\n2013-03-10T01:59:59.9995,1,1,1,1,1\n2013-11-03T01:59:59.999,1,1,1,1,1\n2013-11-04T01:59:59.9995,1,1,1,1,1\n`);
  const edgeTimes = [...((await csvSource(edges, { timeZone: 'America/New_York' }).load({})).get('EDGE') as SymbolColumns).time];
  t.deepEqual(edgeTimes, [Date.UTC(2013, 2, 10, 7, 0), Date.UTC(2013, 10, 3, 5, 59, 59, 999), Date.UTC(2013, 10, 4, 7, 0)]);

  const gap = fixture('GAP.csv', `${HEADER}\n2013-03-10 01:59,1,1,1,1,1\n2013-03-10 02:30,1,1,1,1,1\n2013-03-10 03:00,1,1,1,1,1\n`);
  await t.throwsAsync(() => csvSource(gap, { timeZone: 'America/New_York' }).load({}), {
    instanceOf: InputError,
    message: /line 3: time '2013-03-10 02:30' does not exist in America\/New_York/,
  });
  const skipGap = csvSource(gap, { timeZone: 'America/New_York', onBadRow: 'skip' });
  t.deepEqual([...((await skipGap.load({})).get('GAP') as SymbolColumns).time], [Date.UTC(2013, 2, 10, 6, 59), Date.UTC(2013, 2, 10, 7, 0)]);

  const back = fixture('BACK.csv', `${HEADER}\n2013-11-03 01:30,1,1,1,1,1\n`);
  // 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST): the earlier.
  t.deepEqual([...((await csvSource(back, { timeZone: 'America/New_York' }).load({})).get('BACK') as SymbolColumns).time], [Date.UTC(2013, 10, 3, 5, 30)]);

  t.throws(() => csvSource(p, { timeZone: 'Mars/Olympus' }), { instanceOf: ConfigError, message: /timeZone/ });

  // St John's changed its clocks at 00:01 until 2011, inside a quarter hour: NST is UTC-3:30, NDT
  // UTC-2:30. 2010-03-14 00:01 NST became 01:01 NDT, so 00:05 never happened and 01:05 did
  // (03:35Z); on 2010-11-07 00:01 NDT became 23:01 NST, and 00:05 is NST (03:35Z).
  const stJohns = fixture('NL.csv', `${HEADER}\n2010-03-14 00:00,1,1,1,1,1\n2010-03-14 00:05,1,1,1,1,1\n2010-03-14 01:05,1,1,1,1,1\n2010-11-07 00:05,1,1,1,1,1\n`);
  const nl = csvSource(stJohns, { timeZone: 'America/St_Johns', onBadRow: 'skip' });
  t.deepEqual([...((await nl.load({})).get('NL') as SymbolColumns).time], [Date.UTC(2010, 2, 14, 3, 30), Date.UTC(2010, 2, 14, 3, 35), Date.UTC(2010, 10, 7, 3, 35)]);
  t.deepEqual(nl.lastReport?.badRowDetails.map((b) => [b.line, b.reason]), [[3, "time '2010-03-14 00:05' does not exist in America/St_Johns (a daylight-saving gap)"]]);
});

test('csvSource: wall times of the hour the clocks go back take the instant that keeps their symbol in order', async (t) => {
  const ny = { timeZone: 'America/New_York' };
  const times = async (path: string, options: Parameters<typeof csvSource>[1], symbol: string): Promise<number[]> => [...((await csvSource(path, options).load({})).get(symbol) as SymbolColumns).time];
  // New York, 2024-11-03: 02:00 EDT (UTC-4) became 01:00 EST (UTC-5), so 01:00 and 01:30 happened
  // at 05:00Z and 05:30Z, then again at 06:00Z and 06:30Z.
  const wall = ['00:30', '01:00', '01:30', '01:00', '01:30', '02:00'];
  const utc = [[4, 30], [5, 0], [5, 30], [6, 0], [6, 30], [7, 0]].map(([h, m]) => Date.UTC(2024, 10, 3, h as number, m as number));
  const rowsAt = (list: string[]): string => list.map((w, k) => `2024-11-03 ${w},${k},${k},${k},${k},1`).join('\n');
  t.deepEqual(await times(fixture('FWD.csv', `${HEADER}\n${rowsAt(wall)}\n`), ny, 'FWD'), utc);
  // Newest first: the first 01:30 read is the later one.
  const newestFirst = [...wall].reverse();
  t.deepEqual(await times(fixture('REV.csv', `${HEADER}\n${rowsAt(newestFirst)}\n`), ny, 'REV'), [...utc].reverse());
  t.deepEqual(await times(fixture('REVS.csv', `${HEADER}\n${rowsAt(newestFirst)}\n`), { ...ny, order: 'time' }, 'REVS'), utc);
  // Each symbol by its own rows, in a file of two.
  const two = wall.flatMap((w) => [`A,2024-11-03 ${w},1,1,1,1,1`, `B,2024-11-03 ${w},1,1,1,1,1`]).join('\n');
  const both = await csvSource(fixture('TWO.csv', `symbol,${HEADER}\n${two}\n`), ny).load({});
  t.deepEqual([...(both.get('A') as SymbolColumns).time], utc);
  t.deepEqual([...(both.get('B') as SymbolColumns).time], utc);
  // A symbol's rows across two files: the second file's first row follows the first file's last.
  const files = join(dir, 'split-dst');
  mkdirSync(files);
  writeFileSync(join(files, 'S_1.csv'), `${HEADER}\n${rowsAt(wall.slice(0, 3))}\n`);
  writeFileSync(join(files, 'S_2.csv'), `${HEADER}\n${rowsAt(wall.slice(3))}\n`);
  t.deepEqual(await times(files, ny, 'S'), utc);
  // Their spans are judged by the instants taken: the two files do not overlap.
  const splitFiles = csvSource(files, ny);
  await splitFiles.load({});
  t.deepEqual(splitFiles.lastReport?.overlapping, []);
  // Files read in name order against date order (X_10, X_11, X_9), sorted: each file by its own
  // direction, the November one forward.
  const months = join(dir, 'months-dst');
  mkdirSync(months);
  writeFileSync(join(months, 'X_10.csv'), `${HEADER}\n2024-10-31 12:00,1,1,1,1,1\n`);
  writeFileSync(join(months, 'X_11.csv'), `${HEADER}\n${rowsAt(wall)}\n`);
  writeFileSync(join(months, 'X_9.csv'), `${HEADER}\n2024-09-30 12:00,1,1,1,1,1\n`);
  t.deepEqual(await times(months, { ...ny, order: 'time' }, 'X'), [Date.UTC(2024, 8, 30, 16), Date.UTC(2024, 9, 31, 16), ...utc]);
  // Hourly bars, 01:00 once: the earlier instant, oldest first or newest first alike.
  const hourly = ['00:00', '01:00', '02:00', '03:00'];
  const hourlyUtc = [4, 5, 7, 8].map((h) => Date.UTC(2024, 10, 3, h));
  t.deepEqual(await times(fixture('H.csv', `${HEADER}\n${rowsAt(hourly)}\n`), ny, 'H'), hourlyUtc);
  t.deepEqual(await times(fixture('HR.csv', `${HEADER}\n${rowsAt([...hourly].reverse())}\n`), ny, 'HR'), [...hourlyUtc].reverse());
  // A load whose range cuts the repeated hour takes each row by the instant it takes.
  const cut = fixture('CUT.csv', `${HEADER}\n${rowsAt(wall)}\n`);
  const early = csvSource(cut, ny);
  t.deepEqual([...((await early.load({ from: Date.UTC(2024, 10, 3, 4), to: Date.UTC(2024, 10, 3, 5, 30) })).get('CUT') as SymbolColumns).time], utc.slice(0, 2));
  t.deepEqual(early.leftOut?.(), { symbol: 0, days: 4 });
  t.like(early.lastReport, { rowsRead: 6, rowsLoaded: 2, rowsOutside: 4 });
  const late = csvSource(cut, ny);
  t.deepEqual([...((await late.load({ from: Date.UTC(2024, 10, 3, 6), to: Date.UTC(2024, 10, 3, 8) })).get('CUT') as SymbolColumns).time], utc.slice(3));
  t.deepEqual(late.leftOut?.(), { symbol: 0, days: 3 });
  // A date and a time of day in two columns, as Stooq writes them.
  const split = wall.map((w) => `2024-11-03,${w},1,1,1,1,1`).join('\n');
  t.deepEqual(await times(fixture('DT.csv', `date,time,open,high,low,close,volume\n${split}\n`), ny, 'DT'), utc);
  // Lord Howe goes back half an hour: 02:00 (UTC+11) became 01:30 (UTC+10:30) on 2024-04-07, so
  // 01:45 happened at 14:45Z and again at 15:15Z (the 6th, in UTC).
  const lh = ['01:15', '01:45', '01:45', '02:15'].map((w) => `2024-04-07 ${w},1,1,1,1,1`).join('\n');
  t.deepEqual(await times(fixture('LH.csv', `${HEADER}\n${lh}\n`), { timeZone: 'Australia/Lord_Howe' }, 'LH'), [[14, 15], [14, 45], [15, 15], [15, 45]].map(([h, m]) => Date.UTC(2024, 3, 6, h as number, m as number)));
  // A row of the repeated hour that does not follow the row before it either way keeps the
  // earlier instant: 01:30 after 02:00 EST is out of order whichever it is.
  t.deepEqual(await times(fixture('LATE.csv', `${HEADER}\n${rowsAt(['00:30', '02:00', '01:30', '02:30'])}\n`), ny, 'LATE'), [[4, 30], [7, 0], [5, 30], [7, 30]].map(([h, m]) => Date.UTC(2024, 10, 3, h as number, m as number)));
});

test('csvSource: lastReport.overlapping names the symbols whose files have times in common, and their files', async (t) => {
  const files = join(dir, 'overlap');
  mkdirSync(files);
  const rowsOf = (symbols: string[], from: number, n: number): string => Array.from({ length: n }, (_, k) => symbols.map((s) => `${s},2013-10-07T${String(13 + Math.floor((30 + from + k) / 60)).padStart(2, '0')}:${String((30 + from + k) % 60).padStart(2, '0')}:00Z,1,1,1,1,1`).join('\n')).join('\n');
  // Two files with a symbol column: A in both over the same minutes, B in the first only, C in
  // both on minutes of its own (10 to 19, then 20 to 29: no time in common).
  writeFileSync(join(files, 'one.csv'), `symbol,${HEADER}\n${rowsOf(['A', 'B'], 0, 10)}\n${rowsOf(['C'], 10, 10)}\n`);
  writeFileSync(join(files, 'two.csv'), `symbol,${HEADER}\n${rowsOf(['A'], 5, 10)}\n${rowsOf(['C'], 20, 10)}\n`);
  const src = csvSource(files);
  const got = await src.load({});
  t.deepEqual(src.lastReport?.overlapping, [{ symbol: 'A', files: [join(files, 'one.csv'), join(files, 'two.csv')] }]);
  // Only the files that overlap are named; a single time repeated in files that touch is a repeat.
  const five = join(dir, 'overlap-five');
  mkdirSync(five);
  for (const [name, from, n] of [['S_1', 0, 5], ['S_2', 5, 5], ['S_3', 10, 5], ['S_4', 15, 5], ['S_4b', 17, 5], ['R_1', 3, 1], ['R_2', 3, 1], ['R_3', 3, 1]] as const) {
    writeFileSync(join(five, `${name}.csv`), `${HEADER}\n${rowsOf([''], from, n).replaceAll(/^,/gm, '')}\n`);
  }
  const fiveSrc = csvSource(five);
  await fiveSrc.load({});
  t.deepEqual(fiveSrc.lastReport?.overlapping, [
    { symbol: 'R', files: ['R_1.csv', 'R_2.csv', 'R_3.csv'].map((f) => join(five, f)) },
    { symbol: 'S', files: ['S_4.csv', 'S_4b.csv'].map((f) => join(five, f)) },
  ]);
  // Loaded all the same, in file order.
  t.is((got.get('A') as SymbolColumns).length, 20);
  t.is((got.get('C') as SymbolColumns).length, 20);
});

test("csvSource: dates written YYYY.MM.DD (MetaTrader's exports) or YYYY/MM/DD, and an epoch beside a date-time", async (t) => {
  const at = (h: number, m: number): number => Date.UTC(2024, 2, 4, h, m);
  const times = async (path: string, options: Parameters<typeof csvSource>[1], symbol: string): Promise<number[]> => [...((await csvSource(path, options).load({})).get(symbol) as SymbolColumns).time];
  // One column: dots, slashes, and the usual dashes, with and without seconds and a zone.
  const one = ['2024.03.04 14:30:00', '2024/03/04 14:31', '2024-03-04T14:32:00Z', '2024.03.04T14:33:00+00:00'].map((x) => `${x},1,1,1,1,1`).join('\n');
  t.deepEqual(await times(fixture('DOTS.csv', `${HEADER}\n${one}\n`), {}, 'DOTS'), [at(14, 30), at(14, 31), at(14, 32), at(14, 33)]);
  // MetaTrader 5: tab-separated, <DATE> and <TIME> apart, New York wall times.
  const mt = ['<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>', '2024.03.04\t09:30:00\t1.0850\t1.0852\t1.0849\t1.0851\t120', '2024.03.04\t09:31:00\t1.0851\t1.0853\t1.0850\t1.0852\t110'].join('\n');
  const columns = { time: '<TIME>', date: '<DATE>', open: '<OPEN>', high: '<HIGH>', low: '<LOW>', close: '<CLOSE>', volume: '<TICKVOL>' };
  t.deepEqual(await times(fixture('EURUSD.csv', `${mt}\n`), { delimiter: '\t', columns, timeZone: 'America/New_York' }, 'EURUSD'), [at(14, 30), at(14, 31)]);
  // Two different separators, or a dot where a dash was begun, are no date.
  const mixed = csvSource(fixture('MIX.csv', `${HEADER}\n2024.03-04 14:30,1,1,1,1,1\n2024-03.04 14:31,1,1,1,1,1\n2024.03.04 14:32,1,1,1,1,1\n`), { onBadRow: 'skip' });
  t.deepEqual([...((await mixed.load({})).get('MIX') as SymbolColumns).time], [at(14, 32)]);
  t.deepEqual(mixed.lastReport?.badRowDetails.map((b) => b.line), [2, 3]);
  // An epoch time with a readable copy in a `date` column: the copy's date confirms it, and one
  // on another date still makes the row bad.
  const epochs = csvSource(fixture('EPD.csv', `time,date,open,high,low,close,volume\n1709562600,2024-03-04 09:30:00,1,1,1,1,1\n1709562660,2024.03.04T09:31:00,1,1,1,1,1\n1709562720,2024-03-06 09:32:00,1,1,1,1,1\n`), { onBadRow: 'skip' });
  t.deepEqual([...((await epochs.load({})).get('EPD') as SymbolColumns).time], [at(14, 30), at(14, 31)]);
  t.deepEqual(epochs.lastReport?.badRowDetails.map((b) => [b.line, b.reason]), [[4, "time '1709562720' read as an epoch is 2024-03-04T14:32:00.000Z, not on the date beside it ('2024-03-06')"]]);
});

test("csvSource reads yfinance's three header lines (Price, Ticker, Datetime), one ticker per file", async (t) => {
  for (const parser of ['auto', 'csv-parse'] as const) {
    // yfinance 0.2.51 and later: columns in its own order, times with the exchange's offset.
    const intraday = ['Price,Close,High,Low,Open,Volume', 'Ticker,AAPL,AAPL,AAPL,AAPL,AAPL', 'Datetime,,,,,', '2024-03-04 09:30:00-05:00,175.1,175.5,174.9,175.0,12345', '2024-03-04 09:31:00-05:00,175.2,175.6,175.0,175.1,2345'].join('\n');
    const got = await csvSource(fixture('AAPL.csv', `${intraday}\n`), { parser }).load({});
    t.deepEqual(rows(got.get('AAPL')), [
      [Date.UTC(2024, 2, 4, 14, 30), 175.0, 175.5, 174.9, 175.1, 12345],
      [Date.UTC(2024, 2, 4, 14, 31), 175.1, 175.6, 175.0, 175.2, 2345],
    ], parser);
    // Daily, with Adj Close (left out) and a Date line.
    const daily = ['Price,Adj Close,Close,High,Low,Open,Volume', 'Ticker,IBM,IBM,IBM,IBM,IBM,IBM', 'Date,,,,,,', '2024-03-04,190.1,193.0,194.0,191.5,192.0,4000'].join('\n');
    t.deepEqual(rows((await csvSource(fixture('IBM.csv', `${daily}\n`), { parser }).load({})).get('IBM')), [[Date.UTC(2024, 2, 4), 192.0, 194.0, 191.5, 193.0, 4000]], parser);
    // Several tickers' columns side by side: refused, naming them.
    const two = ['Price,Close,Close,High,High,Low,Low,Open,Open,Volume,Volume', 'Ticker,AAPL,MSFT,AAPL,MSFT,AAPL,MSFT,AAPL,MSFT,AAPL,MSFT', 'Datetime,,,,,,,,,,', '2024-03-04 09:30:00-05:00,1,2,1,2,1,2,1,2,1,2'].join('\n');
    await t.throwsAsync(() => csvSource(fixture('BOTH.csv', `${two}\n`), { parser }).load({}), { instanceOf: InputError, message: /BOTH\.csv' line 2: yfinance's columns of several tickers \(AAPL, MSFT\) in one file: save each ticker's columns to a file of its own/ });
    // A Price column with no Ticker line after it (or no line at all) is a header without a time column.
    for (const [name, text] of [['PRICE.csv', 'Price,Close,High,Low,Open,Volume\n2024-03-04,1,1,1,1,1\n'], ['ALONE.csv', 'Price,Close,High,Low,Open,Volume\n']] as const) {
      await t.throwsAsync(() => csvSource(fixture(name, text), { parser }).load({}), { instanceOf: InputError, message: new RegExp(`${name.replace('.', '\\.')}' line 1: no 'time' or 'timestamp' or 'datetime' or 'date' column in the header \\(Price,Close,High,Low,Open,Volume\\); name it with options.columns.time`) }, `${parser} ${name}`);
    }
  }
});

test('csvSource: hexadecimal, octal and binary literals are no numbers, in a price or a time', async (t) => {
  for (const parser of ['auto', 'csv-parse'] as const) {
    const text = `${HEADER}\n2024-03-04T14:30:00Z,1,2,0.5,0x1,10\n2024-03-04T14:31:00Z,0o7,8,1,2,10\n2024-03-04T14:32:00Z,1,2,0.5,1,0b1\n0x18E0B5FC8C0,1,2,0.5,1,10\n2024-03-04T14:34:00Z,1e0,2.0,.5,+1,1E1\n`;
    const src = csvSource(fixture('HEX.csv', text), { onBadRow: 'skip', parser });
    const got = await src.load({});
    // Exponents, signs and a leading dot are numbers still.
    t.deepEqual(rows(got.get('HEX')), [[Date.UTC(2024, 2, 4, 14, 34), 1, 2, 0.5, 1, 10]], parser);
    t.deepEqual(
      src.lastReport?.badRowDetails.map((b) => [b.line, b.reason]),
      [
        [2, "close '0x1' is not a number"],
        [3, "open '0o7' is not a number"],
        [4, "volume '0b1' is not a number"],
        [5, "time '0x18E0B5FC8C0' is neither an ISO 8601 date-time nor an epoch number"],
      ],
      parser,
    );
  }
});

// ---------------------------------------------------------------- bad rows

const BAD = [
  HEADER, // 1
  '2013-10-07T13:30:00Z,1,2,0.5,1.5,10', // 2 ok
  '', // 3 empty: not a row
  '2013-10-07T13:31:00Z,1,x,0.5,1.5,10', // 4 bad number
  '2013-10-07T13:32:00Z,1,2,0.5,1.5', // 5 too few fields
  'yesterday,1,2,0.5,1.5,10', // 6 bad time
  '2013-10-07T13:34:00Z,1,2,0.5,1.5,', // 7 blank volume: a missing value, loaded as NaN (the store rejects it)
  '2013-02-30T13:35:00Z,1,2,0.5,1.5,10', // 8 no such date
  '2013-10-07T13:36:00Z,1,2,0.5,1.5,10', // 9 ok
].join('\n');

test('csv: a malformed row throws an InputError naming the file and the line', async (t) => {
  const p = fixture('BAD_1m.csv', BAD);
  for (const parser of ['auto', 'csv-parse'] as const) {
    const e = await t.throwsAsync(() => csvSource(p, { parser }).load({}), { instanceOf: InputError });
    t.is(e?.code, 'invalid_input');
    t.true(e?.message.includes(p), parser);
    t.regex(e?.message ?? '', /line 4: high 'x' is not a number/, parser);
  }
});

test('csv: a volume that is text, or an empty symbol, is a bad row: refused with its line, or skipped and counted', async (t) => {
  const p = fixture('mixed.csv', ['time,symbol,open,high,low,close,volume', '2013-10-07T13:30:00Z,A,10,11,9,10,100', '2013-10-07T13:31:00Z,A,10,11,9,10,abc', '2013-10-07T13:32:00Z,,10,11,9,10,5', '2013-10-07T13:33:00Z,A,10,11,9,10,7', ''].join('\n'));
  await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError, message: /line 3: volume 'abc' is not a number/ });
  const skip = csvSource(p, { onBadRow: 'skip' });
  const m = await skip.load({});
  t.deepEqual([...m.keys()], ['A']);
  t.deepEqual(rows(m.get('A')).map((r) => [r[0], r[5]]), [[T(13, 30), 100], [T(13, 33), 7]]);
  t.like(skip.lastReport, { rowsRead: 4, rowsLoaded: 2, rowsOutside: 0, badRows: 2 });
  t.deepEqual(skip.lastReport?.badRowDetails.map((x) => [x.line, x.reason]), [[3, "volume 'abc' is not a number"], [4, 'empty symbol']]);
  // Rows left out by the dates asked for are outside, the bad ones bad: 13:33 alone is loaded.
  const late = csvSource(p, { onBadRow: 'skip' });
  await late.load({ from: T(13, 31) });
  t.like(late.lastReport, { rowsRead: 4, rowsLoaded: 1, rowsOutside: 1, badRows: 2 });
  // A row is read as far as needed to place it (its symbol and time), its prices and volume only
  // when it is loaded: before the dates asked for, the text volume is outside, the empty symbol bad.
  const later = csvSource(p, { onBadRow: 'skip' });
  await later.load({ from: T(13, 33) });
  t.like(later.lastReport, { rowsRead: 4, rowsLoaded: 1, rowsOutside: 2, badRows: 1 });
  t.deepEqual(later.lastReport?.badRowDetails.map((x) => x.line), [4]);
});

test('csv: maxBadRowDetails caps the details of all the files together, not of each', async (t) => {
  const bad = (name: string): string => fixture(name, [HEADER, '2013-10-07T13:30:00Z,1,2,0.5,1.5,10', '2013-10-07T13:31:00Z,1,x,0.5,1.5,10', '2013-10-07T13:32:00Z,1,y,0.5,1.5,10', ''].join('\n'));
  const src = csvSource([bad('AAA_1m.csv'), bad('BBB_1m.csv')], { onBadRow: 'skip', maxBadRowDetails: 2 });
  await src.load({});
  t.like(src.lastReport, { rowsRead: 6, rowsLoaded: 2, badRows: 4 });
  t.deepEqual(src.lastReport?.badRowDetails.map((x) => x.line), [3, 4]);
});

test('csv: a stray quote costs its own row only; an unclosed one costs the rows it swallowed, each counted with its line', async (t) => {
  const good = (m: number): string => `2013-10-07T13:${m}:00Z,1,2,0.5,1.5,100`;
  const stray = fixture('Q_1m.csv', [HEADER, good(30), '2013-10-07T13:31:00Z,1,2,0.5,"1.5"x,100', good(32), '2013-10-07T13:33:00Z,1,2,0.5,1"5,100', good(34), ''].join('\n'));
  const src = csvSource(stray, { onBadRow: 'skip' });
  const m = await src.load({});
  t.deepEqual(rows(m.get('Q')).map((r) => r[0]), [T(13, 30), T(13, 32), T(13, 34)]);
  t.like(src.lastReport, { rowsRead: 5, rowsLoaded: 3, badRows: 2 });
  t.deepEqual(src.lastReport?.badRowDetails.map((x) => x.line), [3, 5]);
  await t.throwsAsync(() => csvSource(stray).load({}), { instanceOf: InputError, message: /line 3: close '"1.5"x' is not a number/ });
  // An opening quote never closed runs to the end of the file: three rows, none lost uncounted.
  const unclosed = fixture('U_1m.csv', [HEADER, good(30), '2013-10-07T13:31:00Z,1,2,0.5,"1.5,100', good(32), good(33), ''].join('\n'));
  const u = csvSource(unclosed, { onBadRow: 'skip' });
  t.is((await u.load({})).get('U')?.length, 1);
  t.like(u.lastReport, { rowsRead: 4, rowsLoaded: 1, badRows: 3 });
  t.deepEqual(u.lastReport?.badRowDetails.map((x) => x.line), [3, 4, 5]);
  // An unclosed quote that a later quoted field closes: one record of four rows, each counted.
  const joined = fixture('J_1m.csv', [HEADER, good(30), '2013-10-07T13:31:00Z,"1,2,0.5,1.5,100', good(32), good(33), '2013-10-07T13:34:00Z,"1",2,0.5,1.5,100', good(35), ''].join('\n'));
  const j = csvSource(joined, { onBadRow: 'skip' });
  t.deepEqual(rows((await j.load({})).get('J')).map((r) => r[0]), [T(13, 30), T(13, 35)]);
  t.like(j.lastReport, { rowsRead: 6, rowsLoaded: 2, badRows: 4 });
  t.deepEqual(j.lastReport?.badRowDetails.map((x) => x.line), [3, 4, 5, 6]);
  // The same with CRLF line breaks: the same line numbers; the default throws naming the line the quote opened on.
  const crlf = fixture('C_1m.csv', [HEADER, good(30), '2013-10-07T13:31:00Z,"1,2,0.5,1.5,100', good(32), good(33), '2013-10-07T13:34:00Z,"1",2,0.5,1.5,100', good(35), ''].join('\r\n'));
  const c = csvSource(crlf, { onBadRow: 'skip' });
  await c.load({});
  t.deepEqual(c.lastReport?.badRowDetails.map((x) => x.line), [3, 4, 5, 6]);
  await t.throwsAsync(() => csvSource(crlf).load({}), { instanceOf: InputError, message: /line 3: a quote opened in a field runs across lines/ });
  await t.throwsAsync(() => csvSource(unclosed).load({}), { instanceOf: InputError, message: /line 3: Quote Not Closed/ });
  // Blank lines before an unclosed quote are not rows.
  const blank = fixture('B_1m.csv', [HEADER, good(30), '', '', '2013-10-07T13:31:00Z,"1,2,0.5,1.5,100', good(32), ''].join('\n'));
  const b = csvSource(blank, { onBadRow: 'skip' });
  await b.load({});
  t.like(b.lastReport, { rowsRead: 3, rowsLoaded: 1, badRows: 2 });
  t.deepEqual(b.lastReport?.badRowDetails.map((x) => x.line), [5, 6]);
});

test('csv: onBadRow skip counts every malformed row with file, line and reason', async (t) => {
  const p = fixture('BAD_1m.csv', BAD);
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(p, { onBadRow: 'skip', parser });
    t.is(src.lastReport, null);
    const m = await src.load({});
    t.deepEqual(rows(m.get('BAD')), [
      [T(13, 30), 1, 2, 0.5, 1.5, 10],
      [T(13, 34), 1, 2, 0.5, 1.5, NaN],
      [T(13, 36), 1, 2, 0.5, 1.5, 10],
    ]);
    const r = src.lastReport;
    t.truthy(r);
    t.is(r?.rowsRead, 7, parser);
    t.is(r?.rowsLoaded, 3, parser);
    t.is(r?.badRows, 4, parser);
    t.deepEqual(r?.badRowDetails.map((x) => [x.file, x.line]), [4, 5, 6, 8].map((l) => [p, l]), parser);
    t.regex(r?.badRowDetails[0]?.reason ?? '', /high 'x' is not a number/);
    t.regex(r?.badRowDetails[1]?.reason ?? '', /expected 6 fields \(as in the header\), found 5/);
    t.regex(r?.badRowDetails[2]?.reason ?? '', /time 'yesterday' is neither an ISO 8601 date-time nor an epoch number/);
    t.regex(r?.badRowDetails[3]?.reason ?? '', /'2013-02-30T13:35:00Z' is not a valid ISO 8601/);
  }
  // Details are capped, the count is not.
  const capped = csvSource(p, { onBadRow: 'skip', maxBadRowDetails: 2 });
  await capped.load({});
  t.is(capped.lastReport?.badRows, 4);
  t.is(capped.lastReport?.badRowDetails.length, 2);
});

// ---------------------------------------------------------------- filtering, order, parsers

test('csv: from/to and symbols filter; files of other symbols are not read', async (t) => {
  const a = fixture('AAA_x.csv', `${HEADER}\n${[30, 31, 32, 33].map((m) => `2013-10-07T13:${m}:00Z,${m},${m},${m},${m},1`).join('\n')}\n`);
  writeFileSync(join(a, '..', 'BBB_x.csv'), 'garbage that would throw\n1,2\n');
  const src = csvSource([a, join(a, '..', 'BBB_x.csv')]);
  const m = await src.load({ symbols: ['AAA', 'CCC'], from: T(13, 31), to: T(13, 33) });
  t.deepEqual([...m.keys()], ['AAA', 'CCC']);
  t.deepEqual([...(m.get('AAA') as SymbolColumns).open], [31, 32]);
  t.is(m.get('CCC')?.length, 0);
  t.deepEqual(src.lastReport?.files, [a]);
  t.is(src.lastReport?.rowsRead, 4);
  t.is(src.lastReport?.rowsLoaded, 2);
  // With a symbol column, rows of other symbols are read but not loaded.
  const mixed = fixture('m.csv', `symbol,${HEADER}\nA,2013-10-07T13:30:00Z,1,1,1,1,1\nB,2013-10-07T13:30:00Z,2,2,2,2,2\n`);
  const ms = csvSource(mixed, { symbolColumn: 'symbol' });
  t.deepEqual([...(await ms.load({ symbols: ['B'] })).keys()], ['B']);
  t.is(ms.lastReport?.rowsLoaded, 1);
});

test('csv: rows keep file order (out of order and duplicates are passed on), files in path order', async (t) => {
  const p = fixture('O_1.csv', `${HEADER}\n2013-10-07T13:32:00Z,3,3,3,3,1\n2013-10-07T13:30:00Z,1,1,1,1,1\n2013-10-07T13:30:00Z,2,2,2,2,1\n`);
  const q = join(p, '..', 'O_2.csv');
  writeFileSync(q, `${HEADER}\n2013-10-07T13:31:00Z,4,4,4,4,1\n`);
  const m = await csvSource([q, p]).load({});
  t.deepEqual([...(m.get('O') as SymbolColumns).open], [4, 3, 1, 2]);
  t.deepEqual([...(m.get('O') as SymbolColumns).time], [T(13, 31), T(13, 32), T(13, 30), T(13, 30)]);
});

test('csv: the scanner and csv-parse read the same numbers as Number(), bit for bit', async (t) => {
  const numbers = ['1', '-2.5', '0.1', '.5', '5.', '1e3', '-1.25E-2', ' 7 ', '+3', '123456789012345', '1234567890123456789', '0.30000000000000004', '99.99', '1.0000000000000002', 'Infinity', '0'];
  const text = `${HEADER}\r\n${numbers.map((n, i) => `2013-10-07T13:${String(10 + i).padStart(2, '0')}:00Z,${n},${n},${n},${n},${n}`).join('\r\n')}`;
  const p = fixture('N_1.csv', `\uFEFF${text}`);
  const scan = csvSource(p);
  const viaScan = (await scan.load({})).get('N') as SymbolColumns;
  t.deepEqual(scan.lastReport?.parsers, { scanner: 1, csvParse: 0 });
  const general = csvSource(p, { parser: 'csv-parse' });
  const viaCsvParse = (await general.load({})).get('N') as SymbolColumns;
  t.deepEqual(general.lastReport?.parsers, { scanner: 0, csvParse: 1 });
  const expected = numbers.map((n) => Number(n));
  for (const c of ['open', 'high', 'low', 'close', 'volume'] as const) {
    t.deepEqual([...viaScan[c]], expected, c);
    t.deepEqual([...viaCsvParse[c]], expected, c);
  }
  t.deepEqual([...viaScan.time], [...viaCsvParse.time]);
});

test('csv: quoted fields go to csv-parse; lone CR line breaks too', async (t) => {
  const p = fixture('Q_1.csv', `"time","open","high","low","close","volume"\n"2013-10-07T13:30:00Z","1,5",2,1,2,3\n2013-10-07T13:31:00Z,"1.5",2,1,2,3\n`);
  const src = csvSource(p, { onBadRow: 'skip' });
  const m = await src.load({});
  t.deepEqual(src.lastReport?.parsers, { scanner: 0, csvParse: 1 });
  // "1,5" is one field (a comma inside quotes) and not a number: line 2 is rejected.
  t.deepEqual(src.lastReport?.badRowDetails.map((r) => r.line), [2]);
  t.deepEqual(rows(m.get('Q')), [[T(13, 31), 1.5, 2, 1, 2, 3]]);
  // A quote appearing only late in a large file: the scanner hands the whole file to csv-parse.
  const many = Array.from({ length: 40_000 }, (_, i) => `${Date.UTC(2013, 9, 7) + i * 60_000},1,1,1,1,1`);
  many.push(`${Date.UTC(2013, 9, 7) + 40_000 * 60_000},"2",2,2,2,2`);
  const late = fixture('L_1.csv', `${HEADER}\n${many.join('\n')}\n`);
  const lateSrc = csvSource(late);
  const lm = (await lateSrc.load({})).get('L') as SymbolColumns;
  t.is(lm.length, 40_001);
  t.is(lm.open[40_000], 2);
  t.deepEqual(lateSrc.lastReport?.parsers, { scanner: 0, csvParse: 1 });
  const cr = fixture('CR_1.csv', `${HEADER}\r2013-10-07T13:30:00Z,1,1,1,1,1\r2013-10-07T13:31:00Z,2,2,2,2,2\r`);
  const crSrc = csvSource(cr);
  t.deepEqual([...((await crSrc.load({})).get('CR') as SymbolColumns).open], [1, 2]);
  t.deepEqual(crSrc.lastReport?.parsers, { scanner: 0, csvParse: 1 });
});

test('csv: a delimiter option', async (t) => {
  const p = fixture('S_1.csv', `time;open;high;low;close;volume\n2013-10-07T13:30:00Z;1;2;0.5;1.5;10\n`);
  for (const parser of ['auto', 'csv-parse'] as const) {
    t.deepEqual(rows((await csvSource(p, { delimiter: ';', parser }).load({})).get('S')), [[T(13, 30), 1, 2, 0.5, 1.5, 10]]);
  }
  t.throws(() => csvSource(p, { delimiter: ';;' }), { instanceOf: ConfigError });
});

test('csv: epoch microseconds and nanoseconds, as vendors export them, read with the unit set', async (t) => {
  // A Polygon flat file: ticker column, nanosecond window_start, its own column order.
  const header = 'ticker,volume,open,close,high,low,window_start,transactions';
  const poly = fixture('2013-10-07.csv', `${header}\nSPY,100,1,1.5,2,0.5,1381152600000000000,5\nSPY,200,1.5,1.25,1.75,1,1381152660000000000,7\n`);
  const columns = { time: 'window_start' };
  // Unset, the unit is refused with a message that says which option values fit.
  await t.throwsAsync(() => csvSource(poly, { columns }).load({}), { instanceOf: InputError, message: /line 2: epoch time 1381152600000000000 is too large .*'us' for microseconds, 'ns' for nanoseconds/ });
  const m = await csvSource(poly, { columns, epoch: 'ns' }).load({});
  t.deepEqual(rows(m.get('SPY')), [
    [T(13, 30), 1, 2, 0.5, 1.5, 100],
    [T(13, 31), 1.5, 1.75, 1, 1.25, 200],
  ]);
  // Microseconds; a fraction of a millisecond is rounded (.6 ms up, .4 ms down).
  const us = fixture('U.csv', `${HEADER}\n1381152600000000,1,1,1,1,1\n1381152660000600,1,1,1,1,1\n1381152720000400,1,1,1,1,1\n`);
  for (const parser of ['auto', 'csv-parse'] as const) {
    t.deepEqual([...((await csvSource(us, { epoch: 'us', parser }).load({})).get('U') as SymbolColumns).time], [T(13, 30), T(13, 31) + 1, T(13, 32)], parser);
  }
});

test('csv: nanosecond times round to the millisecond by their digits, not by their nearest double', async (t) => {
  // 1381152600123499999 ns is 0.499999 ms past T+123 ms; as a double it is a multiple of 256 ns,
  // 1381152600123500032, past the half.
  const times = ['1381152600123499999', '1381152600123500000', '1381152600123500001', '-1500000', '-1500001', '-500000', '-500001'];
  const p = fixture('N.csv', `${HEADER}\n${times.map((x) => `${x},1,1,1,1,1`).join('\n')}\n`);
  const at = T(13, 30);
  for (const parser of ['auto', 'csv-parse'] as const) {
    const got = [...((await csvSource(p, { epoch: 'ns', parser }).load({})).get('N') as SymbolColumns).time];
    // Half up, as for seconds (Math.round): -1.5 ms is -1, and -0.5 ms is 0, not -0.
    t.deepEqual(got, [at + 123, at + 124, at + 124, -1, -2, 0, -1], parser);
    t.false(Object.is(got[5], -0), parser);
  }
});

test('csv: micro- and nanosecond times with leading zeros or sixteen digits of milliseconds round by their digits too', async (t) => {
  // Each is ...499999 ns (or ...499 us) past a whole millisecond: it rounds down. Leading zeros
  // and a sixteenth digit of milliseconds (the store takes times up to 9e15) change nothing.
  const ns = ['0001381152600123499999', '-0001381152600123500001', '-0.5e6'];
  const us = ['8999999999999998499', '0008999999999999998499', '-8999999999999998501'];
  const at = T(13, 30);
  for (const parser of ['auto', 'csv-parse'] as const) {
    const n = [...((await csvSource(fixture('N.csv', `${HEADER}\n${ns.map((x) => `${x},1,1,1,1,1`).join('\n')}\n`), { epoch: 'ns', parser }).load({})).get('N') as SymbolColumns).time];
    t.deepEqual(n, [at + 123, -(at + 124), 0], parser);
    // -0.5 ms, written with an exponent, is 0 as -500000 is, not -0.
    t.false(Object.is(n[2], -0), parser);
    const u = [...((await csvSource(fixture('U.csv', `${HEADER}\n${us.map((x) => `${x},1,1,1,1,1`).join('\n')}\n`), { epoch: 'us', parser }).load({})).get('U') as SymbolColumns).time];
    t.deepEqual(u, [8999999999999998, 8999999999999998, -8999999999999999], parser);
  }
});

test('csv: times with a decimal fraction (seconds, microseconds) round to the millisecond by their digits, not by their nearest double', async (t) => {
  // 1381152600.0004999 s is 0.4999 ms past a whole second; times 1000 as doubles it reads
  // 1381152600000.5, on the half. Each case: the text, its unit, the milliseconds worked out by hand.
  const cases: [string, 'auto' | 's' | 'us', number][] = [
    ['1381152600.0004999', 's', 1381152600000],
    ['1381152600.0004999', 'auto', 1381152600000],
    ['1381152600.0005', 's', 1381152600001],
    ['1381152600.0025', 's', 1381152600003],
    ['.5', 's', 500],
    ['-0.0005', 's', 0],
    ['-0.0015', 's', -1],
    ['-0.00150001', 's', -2],
    ['1381152600000499.9', 'us', 1381152600000],
    ['1381152600000500.0', 'us', 1381152600001],
    ['2.5e2', 's', 250000],
    // A fraction the double drops: 8967495155425.0009 reads as the whole 8967495155425.
    ['8967495155425.0009', 's', 8967495155425001],
    ['-8994728349782.99909', 's', -8994728349782999],
    // Exponents move the point in the digits too; white space Number() trims is trimmed.
    ['13811526000004999e-7', 's', 1381152600000],
    ['1.3811526000004999e9', 'auto', 1381152600000],
    ['89674951554250009e-4', 's', 8967495155425001],
    ['\u00a01381152600.0004999', 's', 1381152600000],
    ['-0', 's', 0],
    // Read as the double where the digits cannot say more: the unit's scale applied once.
    ['0.000013811526e14', 's', 1381152600000],
    ['0e400', 's', 0],
  ];
  for (const parser of ['auto', 'csv-parse'] as const) {
    for (const [text, epoch, ms] of cases) {
      const got = ((await csvSource(fixture('F.csv', `${HEADER}\n${text},1,1,1,1,1\n`), { epoch, parser }).load({})).get('F') as SymbolColumns).time[0];
      t.true(Object.is(got, ms), `${text} ${epoch} (${parser}): got ${got}, expected ${ms}`);
    }
  }
});

test('csv: a Date and a Time column, as many exports and spreadsheets split them, are one time', async (t) => {
  const text = [
    'Date,Time,Open,High,Low,Close,Volume',
    '2013-10-07,09:30,1,2,0.5,1.5,100',
    '2013-10-07,09:31:00,1.5,1.75,1,1.25,200',
    '2013-10-07,09:32:00.500,1,1,1,1,1',
    // A zone on the time of day is the instant it names, whatever timeZone says.
    '2013-10-07,13:33Z,1,1,1,1,1',
    // A time column that holds whole date-times is read alone.
    '2013-10-07,2013-10-07T09:34:00-04:00,1,1,1,1,1',
    '10/07/2013,09:35,1,1,1,1,1',
    '2013-10-07,09:61,1,1,1,1,1',
    ',09:36,1,1,1,1,1',
    '',
  ].join('\r\n');
  const p = fixture('KB.csv', text);
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(p, { timeZone: 'America/New_York', onBadRow: 'skip', parser });
    // New York is UTC-4 on 2013-10-07: 09:30 there is 13:30 UTC.
    t.deepEqual(rows((await src.load({})).get('KB')), [
      [T(13, 30), 1, 2, 0.5, 1.5, 100],
      [T(13, 31), 1.5, 1.75, 1, 1.25, 200],
      [T(13, 32) + 500, 1, 1, 1, 1, 1],
      [T(13, 33), 1, 1, 1, 1, 1],
      [T(13, 34), 1, 1, 1, 1, 1],
    ], parser);
    t.deepEqual(
      src.lastReport?.badRowDetails.map((r) => [r.line, r.reason]),
      [
        [7, "time '10/07/2013 09:35' writes its date day and month first, in an order files do not agree on (03/04 is March 4 or 3 April): set the dateOrder option ('mdy' for March 4, 'dmy' for 3 April), or write dates as YYYY-MM-DD"],
        [8, "time '2013-10-07 09:61' is not a valid ISO 8601 date-time"],
        [9, "time '09:36' is a time of day and the date column beside it is empty"],
      ],
      parser,
    );
  }
  // Without a Date column, a time of day alone is a bad row, as before.
  const alone = fixture('TD.csv', 'Time,Open,High,Low,Close,Volume\n09:30,1,1,1,1,1\n');
  await t.throwsAsync(() => csvSource(alone).load({}), { instanceOf: InputError, message: /line 2: time '09:30' is neither/ });
});

test('csv: a time of day with one digit before its colon (9:30, as spreadsheets write it) beside a Date column', async (t) => {
  const p = fixture('SP.csv', 'Date,Time,Open,High,Low,Close,Volume\n2013-10-07,9:30,1,2,0.5,1.5,100\n2013-10-07,9:31:00.250,1,1,1,1,1\n2013-10-07,10:02,1,1,1,1,1\n');
  for (const parser of ['auto', 'csv-parse'] as const) {
    // New York is UTC-4 on 2013-10-07.
    t.deepEqual(rows((await csvSource(p, { timeZone: 'America/New_York', parser }).load({})).get('SP')), [
      [T(13, 30), 1, 2, 0.5, 1.5, 100],
      [T(13, 31) + 250, 1, 1, 1, 1, 1],
      [T(14, 2), 1, 1, 1, 1, 1],
    ], parser);
  }
});

test('csv: columns.date names a date column called otherwise (MetaStock-style <DATE>,<TIME>)', async (t) => {
  const text = ['<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>', 'SPY,1,20131007,093000,1,2,0.5,1.5,100', 'SPY,1,20131007,093100,1.5,1.75,1,1.25,200', ''].join('\n');
  const p = fixture('MS.csv', text);
  const columns = { time: '<TIME>', date: '<DATE>', open: '<OPEN>', high: '<HIGH>', low: '<LOW>', close: '<CLOSE>', volume: '<VOL>' };
  for (const parser of ['auto', 'csv-parse'] as const) {
    const got = await csvSource(p, { columns, symbolColumn: '<TICKER>', timeZone: 'America/New_York', parser }).load({});
    t.deepEqual(rows(got.get('SPY')), [
      [T(13, 30), 1, 2, 0.5, 1.5, 100],
      [T(13, 31), 1.5, 1.75, 1, 1.25, 200],
    ], parser);
  }
  // Named, the column must be there.
  const noDate = fixture('ND.csv', 'Day,Time,Open,High,Low,Close,Volume\n2013-10-07,09:30,1,1,1,1,1\n');
  await t.throwsAsync(() => csvSource(noDate, { columns: { date: 'Datum' } }).load({}), {
    instanceOf: InputError,
    message: `csvSource: '${noDate}' line 1: no 'datum' date column in the header (Day,Time,Open,High,Low,Close,Volume); options.columns.date names it`,
  });
  t.throws(() => csvSource(noDate, { columns: { date: 'Datum' }, header: ['Day', 'Time', 'Open', 'High', 'Low', 'Close', 'Volume'] }), { instanceOf: ConfigError, message: /no 'datum' date column among/ });
  t.throws(() => csvSource(noDate, { columns: { date: ' ' } }), { instanceOf: ConfigError, message: /date: expected the header name of the date column/ });
});

test('csv: a Time column of 3 to 6 digits beside a Date column is a time of day (HMM, HHMM, HMMSS, HHMMSS); 7 or more are an epoch on that date', async (t) => {
  const text = [
    'Date,Time,Open,High,Low,Close,Volume',
    '2013-10-07,930,1,1,1,1,1',
    '2013-10-07,0931.0,1,1,1,1,1',
    '2013-10-07,93200,1,1,1,1,1',
    '2013-10-07,093315,1,1,1,1,1',
    '20131007,1200,1,1,1,1,1',
    '2013-10-07,155959,1,1,1,1,1',
    '2013-10-07,1600,1,1,1,1,1',
    '2013-10-07,960,1,1,1,1,1',
    '2013-10-07,2500,1,1,1,1,1',
    '2013-10-07,93060,1,1,1,1,1',
    '2013-10-07,12,1,1,1,1,1',
    '2013-10-07,1381176060,1,1,1,1,1',
    '2013-10-07,093000000,1,1,1,1,1',
    ',1601,1,1,1,1,1',
    '',
  ].join('\n');
  const p = fixture('DT.csv', text);
  // 2013-10-07 is day 15985 since 1970-01-01 (15706 to 2013-01-01, + 273 for January to
  // September, + 6): 15985 * 86,400,000 = 1,381,104,000,000 ms at 00:00 UTC. New York is UTC-4
  // that day (EDT), so a wall time h:m:s there is 1,381,104,000,000 + ((h + 4) * 3600 + m * 60 + s) * 1000.
  const day = 1_381_104_000_000;
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(p, { timeZone: 'America/New_York', onBadRow: 'skip', parser });
    t.deepEqual(
      [...((await src.load({})).get('DT') as SymbolColumns).time],
      [
        day + 48_600_000, // 930: 09:30 EDT = 13:30 UTC, 13.5 * 3,600,000
        day + 48_660_000, // 0931.0 (a float's whole number): 13:31 UTC, 48,600,000 + 60,000
        day + 48_720_000, // 93200: 09:32:00 EDT = 13:32:00 UTC, 48,600,000 + 120,000
        day + 48_795_000, // 093315: 13:33:15 UTC, 48,600,000 + 3 * 60,000 + 15,000
        day + 57_600_000, // 1200 beside 20131007: 16:00 UTC, 16 * 3,600,000
        day + 71_999_000, // 155959: 19:59:59 UTC, 20 * 3,600,000 - 1000
        day + 72_000_000, // 1600: 20:00 UTC, 20 * 3,600,000
        day + 72_060_000, // 1381176060: epoch seconds, read alone: 1,381,104,000 s + 72,060 s (20:01 UTC)
      ],
      parser,
    );
    t.is(src.lastReport?.badRows, 6, parser);
    t.deepEqual(
      src.lastReport?.badRowDetails.map((r) => [r.line, r.reason]),
      [
        [9, "time '960' beside the date column is not a time of day: read as HHMM, it is 09:60"],
        [10, "time '2500' beside the date column is not a time of day: read as HHMM, it is 25:00"],
        [11, "time '93060' beside the date column is not a time of day: read as HHMMSS, it is 09:30:60"],
        [12, "time '12' beside the date column is not a time of day (HH:MM or H:MM, HH:MM:SS, or 3 to 6 digits: HMM, HHMM, HMMSS, HHMMSS) nor a whole date-time"],
        // HHMMSS and milliseconds, not an epoch: as seconds, 93,000,000 s is day 1076 (1972-12-12,
        // after 365 + 365 days of 1970-71 and 346 of 1972) plus 0.3889 of a day (09:20 UTC).
        [14, "time '093000000' read as an epoch is 1972-12-12T09:20:00.000Z, not on the date beside it ('2013-10-07')"],
        [15, "time '1601' is a time of day and the date column beside it is empty"],
      ],
      parser,
    );
  }
  await t.throwsAsync(() => csvSource(p, { timeZone: 'America/New_York' }).load({}), { instanceOf: InputError, message: /DT\.csv' line 9: time '960' beside the date column is not a time of day/ });
});

test('csv: a Time column beside a Date column takes a whole number written as a float (930.0, as pandas writes one), not a fraction', async (t) => {
  const p = fixture('PF.csv', 'Date,Time,Open,High,Low,Close,Volume\n2013-10-07,930.5,1,1,1,1,1\n2013-10-07,1600.00,1,1,1,1,1\n');
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(p, { timeZone: 'America/New_York', onBadRow: 'skip', parser });
    // 16:00 EDT on 2013-10-07 is 20:00 UTC: 1,381,104,000,000 + 20 * 3,600,000.
    t.deepEqual([...((await src.load({})).get('PF') as SymbolColumns).time], [1_381_176_000_000], parser);
    t.deepEqual(src.lastReport?.badRowDetails.map((r) => r.line), [2], parser);
  }
});

test('csv: a Time column of digits is read in the time zone of its date: EST in January, EDT in July, a gap in March', async (t) => {
  const p = fixture('DST.csv', 'Date,Time,Open,High,Low,Close,Volume\n2013-01-07,930,1,1,1,1,1\n2013-03-10,230,1,1,1,1,1\n2013-07-08,93000,1,1,1,1,1\n');
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(p, { timeZone: 'America/New_York', onBadRow: 'skip', parser });
    t.deepEqual(
      [...((await src.load({})).get('DST') as SymbolColumns).time],
      [
        // 2013-01-07 is day 15706 + 6 = 15712: 15712 * 86,400,000 = 1,357,516,800,000; 09:30 EST
        // (UTC-5) is 14:30 UTC, + 14.5 * 3,600,000 = 52,200,000.
        1_357_569_000_000,
        // 2013-07-08 is day 15706 + 181 (January to June) + 7 = 15894: 1,373,241,600,000; 09:30:00
        // EDT (UTC-4) is 13:30 UTC, + 13.5 * 3,600,000 = 48,600,000.
        1_373_290_200_000,
      ],
      parser,
    );
    // 02:30 on 2013-03-10 never happened in New York: clocks went from 02:00 to 03:00.
    t.deepEqual(
      src.lastReport?.badRowDetails.map((r) => [r.line, r.reason]),
      [[3, "time '2013-03-10 02:30' does not exist in America/New_York (a daylight-saving gap)"]],
      parser,
    );
  }
});

test('csv: a first line that is no header (split on the wrong delimiter, or a row of data) is reported as such', async (t) => {
  for (const [d, shown] of [
    [';', '";"'],
    ['\t', '"\\t"'],
  ] as const) {
    const p = fixture('EU.csv', `${HEADER.replaceAll(',', d)}\n2013-10-07T13:30:00Z${d}1${d}1${d}1${d}1${d}1\n`);
    const error = await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError });
    t.true(error?.message.startsWith(`csvSource: '${p}' line 1: no 'time' or 'timestamp' or 'datetime' or 'date' column in the header`), error?.message);
    t.true(error?.message.endsWith(`; the header has no "," but has ${shown}: set options.delimiter to ${shown}`), error?.message);
    t.deepEqual(rows((await csvSource(p, { delimiter: d }).load({})).get('EU')), [[T(13, 30), 1, 1, 1, 1, 1]]);
    // Without a header line, its columns named by options.header: each row says the same.
    const bare = fixture('EU.csv', `2013-10-07T13:30:00Z${d}1${d}1${d}1${d}1${d}1\n`);
    const names = HEADER.split(',');
    await t.throwsAsync(() => csvSource(bare, { header: names }).load({}), { instanceOf: InputError, message: `csvSource: '${bare}' line 1: expected 6 fields (as in options.header), found 1; the row has no "," but has ${shown}: set options.delimiter to ${shown}` });
    t.deepEqual(rows((await csvSource(bare, { header: names, delimiter: d }).load({})).get('EU')), [[T(13, 30), 1, 1, 1, 1, 1]]);
  }
  // No header at all (Binance's klines): the first row is taken for one, and the message says so.
  for (const first of ['1381152600000,1,2,0.5,1.5,10,1381152659999', '2013-10-07T13:30:00Z,1,2,0.5,1.5,10']) {
    const headless = fixture('BN.csv', `${first}\n`);
    await t.throwsAsync(() => csvSource(headless).load({}), { instanceOf: InputError, message: /line 1: no 'time' .* column in the header \(.*\); the first line is a row of data, not a header: name the columns with options\.header$/ }, first);
  }
  // A header of several fields that lacks a column is told to map it.
  const p = fixture('NV.csv', 'time,open,high,low,close\n');
  await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError, message: /no 'volume' column in the header \(time,open,high,low,close\); name it with options\.columns\.volume \(null for files that have none\)$/ });
});

test('csv: files without a volume column (currency quotes, indices) are read with volume: null, as volume 0', async (t) => {
  const p = fixture('EURUSD_1m.csv', 'time,open,high,low,close\n2013-10-07T13:30:00Z,1.3571,1.3574,1.357,1.3572\n2013-10-07T13:31:00Z,1.3572,1.3575,1.3571,1.3573\n');
  await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError, message: /no 'volume' column in the header/ });
  for (const parser of ['auto', 'csv-parse'] as const) {
    t.deepEqual(rows((await csvSource(p, { columns: { volume: null }, parser }).load({})).get('EURUSD')), [
      [T(13, 30), 1.3571, 1.3574, 1.357, 1.3572, 0],
      [T(13, 31), 1.3572, 1.3575, 1.3571, 1.3573, 0],
    ], parser);
  }
  // null stands for a column a file may lack: volume only.
  t.throws(() => csvSource(p, { columns: { close: null as unknown as string } }), { instanceOf: ConfigError, message: /close: expected a header name$/ });
  t.throws(() => csvSource(p, { columns: { volume: '' } }), { instanceOf: ConfigError, message: /volume: expected a header name, or null for files without volume/ });
});

test('csv: gzip-compressed files are read as they are decompressed, whatever their name', async (t) => {
  const text = `${HEADER}\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n2013-10-07T13:31:00Z,2,3,1.5,2.5,20\n`;
  const expected = [
    [T(13, 30), 1, 2, 0.5, 1.5, 10],
    [T(13, 31), 2, 3, 1.5, 2.5, 20],
  ];
  const gz = fixture('G_1m.csv.gz', '');
  writeFileSync(gz, gzipSync(text));
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(gz, { parser });
    t.deepEqual(rows((await src.load({})).get('G')), expected, parser);
    t.is(src.lastReport?.rowsRead, 2, parser);
  }
  // In a directory, beside a plain file; quoted, so csv-parse reads it.
  const folder = join(dir, 'gz-folder');
  mkdirSync(folder);
  writeFileSync(join(folder, 'BRK.B.csv.gz'), gzipSync(text.replace('2013-10-07T13:30:00Z', '"2013-10-07T13:30:00Z"')));
  writeFileSync(join(folder, 'P.csv'), text);
  const both = await csvSource(folder).load({});
  t.deepEqual([...both.keys()], ['BRK.B', 'P']);
  t.deepEqual(rows(both.get('BRK.B')), expected);
  // A file kept beside its compressed copy (gzip -k) would give every row twice: refused.
  writeFileSync(join(folder, 'P.csv.gz'), gzipSync(text));
  await t.throwsAsync(() => csvSource(folder).load({}), {
    instanceOf: InputError,
    message: `csvSource: directory '${folder}' has 'P.csv.gz' beside 'P.csv': the same rows twice; keep one of them, or name the files to read`,
  });
  t.is((await csvSource(join(folder, 'P.csv')).load({})).get('P')?.length, 2);
  // So does a pattern that matches both.
  for (const pattern of ['*', 'P*', '*.csv*']) {
    await t.throwsAsync(() => csvSource(join(folder, pattern)).load({}), {
      instanceOf: InputError,
      message: `csvSource: '${join(folder, pattern)}' matches 'P.csv.gz' beside 'P.csv': the same rows twice; keep one of them, or a pattern that matches one`,
    });
  }
  t.is((await csvSource(join(folder, 'P.csv*.gz')).load({})).get('P')?.length, 2);
  // A vendor's archive under a .csv name; a symbol column found in its header.
  const named = fixture('2013-10-07.csv', '');
  writeFileSync(named, gzipSync(`ticker,volume,open,close,high,low,window_start\nSPY,10,1,1.5,2,0.5,1381152600000\n`));
  t.deepEqual(rows((await csvSource(named, { columns: { time: 'window_start' } }).load({})).get('SPY')), [[T(13, 30), 1, 2, 0.5, 1.5, 10]]);
  // Cut short (a download that stopped), or damaged: an InputError naming the file, for both readers.
  const whole = gzipSync(`${text}${'2013-10-07T13:32:00Z,1,1,1,1,1\n'.repeat(2000)}`);
  const damaged = Buffer.from(whole);
  damaged.fill(0x55, 40, 80);
  for (const [name, bytes] of [
    ['C_cut.csv.gz', whole.subarray(0, whole.length - 30)],
    ['C_bad.csv.gz', damaged],
  ] as const) {
    const p = fixture(name, '');
    writeFileSync(p, bytes);
    for (const parser of ['auto', 'csv-parse'] as const) {
      await t.throwsAsync(() => csvSource(p, { parser }).load({}), { instanceOf: InputError, message: new RegExp(`cannot read '.*${name.replace('.', '\\.')}': Z_[A-Z_]+ \\(damaged or cut gzip data\\)$`) }, `${name} ${parser}`);
    }
  }
});

test('csv: a zip archive or UTF-16 file is named as such, not read as a header of binary noise', async (t) => {
  const text = `${HEADER}\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n`;
  for (const [name, bytes, message] of [
    ['Z.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]), 'is a zip archive: extract its CSV files first'],
    // What spreadsheets write as "Unicode text".
    ['U.csv', Buffer.from(`\uFEFF${text}`, 'utf16le'), 'is UTF-16 text: save it as UTF-8'],
    // Without the byte order mark, little- and big-endian: every other byte of ASCII text is zero.
    ['V.csv', Buffer.from(text, 'utf16le'), 'is UTF-16 text (without a byte order mark): save it as UTF-8'],
    ['W.csv', Buffer.from(text, 'utf16le').swap16(), 'is UTF-16 text (without a byte order mark): save it as UTF-8'],
  ] as const) {
    const p = fixture(name, '');
    writeFileSync(p, bytes);
    for (const options of [{}, { symbolFromPath: () => 'G' }, { symbolColumn: 'ticker' }]) {
      await t.throwsAsync(() => csvSource(p, options).load({}), { instanceOf: InputError, message: `csvSource: '${p}' ${message}` }, name);
    }
  }
  // A header that is not one, however long, is shown cut short.
  const long = fixture('L.csv', `${'x'.repeat(5000)}\n`);
  const error = await t.throwsAsync(() => csvSource(long).load({}), { instanceOf: InputError });
  t.true((error?.message.length ?? Infinity) < 500, error?.message.slice(0, 300));
  t.regex(error?.message ?? '', /\(x{200}\.\.\. \(5000 characters\)\); name it with options\.columns\.time$/);
});

test('csv: files without a header line (Binance klines) read with the column names given as options.header', async (t) => {
  const header = ['open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time', 'quote_volume', 'count', 'taker_buy_volume', 'taker_buy_quote_volume', 'ignore'];
  // Microsecond times, as Binance writes them since 2025; 1381152600000000 us is 2013-10-07T13:30Z.
  const text = [
    '1381152600000000,1,2,0.5,1.5,10,1381152659999999,15,3,5,7,0',
    '1381152660000000,x,2,0.5,1.5,10,1381152719999999,15,3,5,7,0',
    '1381152720000000,1.5,1.75,1,1.25,20,1381152779999999,25,4,6,8,0',
    '',
  ].join('\r\n');
  const p = fixture('BTCUSDT-1m-2013-10-07.csv', `\uFEFF${text}`);
  const options = { header, columns: { time: 'open_time' }, epoch: 'us', symbolFromPath: () => 'BTCUSDT', onBadRow: 'skip' } as const;
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(p, { ...options, parser });
    t.deepEqual(rows((await src.load({})).get('BTCUSDT')), [
      [T(13, 30), 1, 2, 0.5, 1.5, 10],
      [T(13, 32), 1.5, 1.75, 1, 1.25, 20],
    ], parser);
    // The first line is a row: line numbers count it as line 1.
    t.deepEqual(src.lastReport?.badRowDetails, [{ file: p, line: 2, reason: "open 'x' is not a number" }], parser);
    t.is(src.lastReport?.rowsRead, 3, parser);
  }
  // A symbol column among the names is found as in a header; an empty file is no rows.
  const multi = fixture('multi.csv', 'AAA,2013-10-07T13:30:00Z,1,2,0.5,1.5,10\nBBB,2013-10-07T13:30:00Z,3,4,2,3,20\n');
  const m = await csvSource(multi, { header: ['Symbol', ...HEADER.split(',')] }).load({});
  t.deepEqual([...m.keys()], ['AAA', 'BBB']);
  t.is((await csvSource(fixture('E.csv', ''), { header: HEADER.split(',') }).load({})).get('E')?.length, 0);
  // A row of another length is measured against the names given, there being no header line.
  const short = fixture('S.csv', '2013-10-07T13:30:00Z,1,2,0.5,1.5\n');
  await t.throwsAsync(() => csvSource(short, { header: [...HEADER.split(','), 'trades'] }).load({}), {
    instanceOf: InputError,
    message: `csvSource: '${short}' line 1: expected 7 fields (as in options.header), found 5`,
  });
  // More fields than names: options.header names every column (Binance's klines have twelve).
  const wide = fixture('W.csv', '2013-10-07T13:30:00Z,1,2,0.5,1.5,10,1381152659999,15,3,5,7,0\n');
  await t.throwsAsync(() => csvSource(wide, { header: HEADER.split(',') }).load({}), {
    instanceOf: InputError,
    message: `csvSource: '${wide}' line 1: expected 6 fields (as in options.header), found 12; options.header names every column of the file, one name each, in order`,
  });
  // The names given, on a file that has its own header line: the error says so.
  const headed = fixture('H.csv', `${HEADER}\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n`);
  await t.throwsAsync(() => csvSource(headed, { header: HEADER.split(',') }).load({}), {
    instanceOf: InputError,
    message: `csvSource: '${headed}' line 1: time 'time' is neither an ISO 8601 date-time nor an epoch number; the row has the names of options.header: the file has a header line of its own, so leave options.header out`,
  });
  // Only the first row gets the hint.
  const later = fixture('L.csv', `2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n${HEADER}\n`);
  await t.throwsAsync(() => csvSource(later, { header: HEADER.split(',') }).load({}), { message: `csvSource: '${later}' line 2: time 'time' is neither an ISO 8601 date-time nor an epoch number` });
  // Names that lack a column, or are not names, are refused when the source is made.
  t.throws(() => csvSource(p, { header }), { instanceOf: ConfigError, message: /no 'time' or 'timestamp' or 'datetime' or 'date' column among .*; name it with columns\.time/ });
  t.throws(() => csvSource(p, { header: [] }), { instanceOf: ConfigError });
  t.throws(() => csvSource(p, { header: 'time,open' as unknown as string[] }), { instanceOf: ConfigError });
  t.throws(() => csvSource(p, { header: HEADER.split(','), symbolColumn: 'ticker' }), { instanceOf: ConfigError, message: /no 'ticker' symbol column among/ });
});

test('csv: Interactive Brokers bar times, YYYYMMDD hh:mm:ss with or without a zone name, and split across Date and Time', async (t) => {
  const p = fixture(
    'IB.csv',
    [
      'date,open,high,low,close,volume,average,barCount',
      // Older API versions: two spaces, a wall time in the timeZone option (New York: UTC-4 that day).
      '20131007  09:30:00,1,2,0.5,1.5,100,1.2,5',
      '20131007 09:31:00,1,1,1,1,1,1,1',
      // Newer ones name the zone; it wins over the option.
      '20131007 09:32:00 US/Eastern,1,1,1,1,1,1,1',
      '20131007 14:33:00 Europe/London,1,1,1,1,1,1,1',
      '20131007 09:34:00 Mars/Base,1,1,1,1,1,1,1',
      '20131307 09:35:00,1,1,1,1,1,1,1',
      '20130310 02:30:00 US/Eastern,1,1,1,1,1,1,1',
      // Luxon reads these as the zone of the machine running; a file cannot mean that.
      '20131007 09:36:00 local,1,1,1,1,1,1,1',
      '20131007 09:37:00 system,1,1,1,1,1,1,1',
      '',
    ].join('\n'),
  );
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(p, { timeZone: 'America/New_York', onBadRow: 'skip', parser });
    t.deepEqual([...((await src.load({})).get('IB') as SymbolColumns).time], [T(13, 30), T(13, 31), T(13, 32), T(13, 33)], parser);
    t.deepEqual(
      src.lastReport?.badRowDetails.map((r) => [r.line, r.reason]),
      [
        [6, "time '20131007 09:34:00 Mars/Base' names a time zone this runtime does not know ('Mars/Base')"],
        [7, "time '20131307 09:35:00' is not a valid YYYYMMDD hh:mm[:ss] (or hhmm[ss]) date-time"],
        [8, "time '20130310 02:30:00 US/Eastern' does not exist in US/Eastern (a daylight-saving gap)"],
        [9, "time '20131007 09:36:00 local' names a time zone this runtime does not know ('local')"],
        [10, "time '20131007 09:37:00 system' names a time zone this runtime does not know ('system')"],
      ],
      parser,
    );
  }
  // NinjaTrader's text export: no header, `;`, the time of day in digits alone (HHMMSS or HHMM).
  const nt = fixture('NT.txt', '20131007 093000;1;2;0.5;1.5;100\n20131007 0931;1;1;1;1;1\n20131007 093260;1;1;1;1;1\n20131007 93300;1;1;1;1;1\n');
  const ninja = csvSource(nt, { delimiter: ';', header: ['time', 'open', 'high', 'low', 'close', 'volume'], timeZone: 'America/New_York', onBadRow: 'skip' });
  t.deepEqual([...((await ninja.load({})).get('NT') as SymbolColumns).time], [T(13, 30), T(13, 31)]);
  t.deepEqual(ninja.lastReport?.badRowDetails.map((r) => [r.line, r.reason]), [
    [3, "time '20131007 093260' is not a valid YYYYMMDD hh:mm[:ss] (or hhmm[ss]) date-time"],
    [4, "time '20131007 93300' is not a valid YYYYMMDD hh:mm[:ss] (or hhmm[ss]) date-time"],
  ]);
  // Split into a Date and a Time column (Stooq, spreadsheets), in UTC by default.
  const split = fixture('ST.csv', 'Date,Time,Open,High,Low,Close,Volume\n20131007,13:30:00,1,1,1,1,1\n');
  t.deepEqual([...((await csvSource(split).load({})).get('ST') as SymbolColumns).time], [T(13, 30)]);
  // A date alone is still refused as a number that reads as a date.
  const bare = fixture('B.csv', `${HEADER}\n20131007,1,1,1,1,1\n`);
  await t.throwsAsync(() => csvSource(bare).load({}), { instanceOf: InputError, message: /time '20131007' reads as the date-time 2013-10-07/ });
});

test('csv: unreadable inputs and bad options', async (t) => {
  await t.throwsAsync(() => csvSource(join(dir, 'nope.csv')).load({}), { instanceOf: InputError, message: /cannot read .*nope\.csv.*ENOENT/ });
  await t.throwsAsync(() => csvSource(join(dir, 'nothing-*.csv')).load({}), { instanceOf: InputError, message: /no file matches/ });
  await t.throwsAsync(() => csvSource(join(dir, '*', 'x.csv')).load({}), { instanceOf: ConfigError });
  // A directory of a vendor's .txt files (Kibot, FirstRate) is told the pattern that reads them.
  const txt = join(dir, 'txt-only');
  mkdirSync(txt);
  for (const name of ['SPY.txt', 'IBM.txt', 'README.md', '.hidden.csv']) writeFileSync(join(txt, name), `${HEADER}\n`);
  await t.throwsAsync(() => csvSource(txt).load({}), { instanceOf: InputError, message: `csvSource: directory '${txt}' has no .csv or .csv.gz file; it has 2 .txt files: to read them as CSV, give the pattern '${join(txt, '*.txt')}'` });
  t.deepEqual([...(await csvSource(join(txt, '*.txt')).load({})).keys()], ['IBM', 'SPY']);
  const none = join(dir, 'no-files');
  mkdirSync(none);
  await t.throwsAsync(() => csvSource(none).load({}), { instanceOf: InputError, message: `csvSource: directory '${none}' has no .csv or .csv.gz file` });
  const empty = fixture('E_1.csv', '\n\n');
  await t.throwsAsync(() => csvSource(empty).load({}), { instanceOf: InputError, message: /empty \(no header line\)/ });
  const nosym = fixture('m.csv', `${HEADER}\n`);
  await t.throwsAsync(() => csvSource(nosym, { symbolColumn: 'ticker' }).load({}), { instanceOf: InputError, message: /no 'ticker' symbol column/ });
  t.throws(() => csvSource([]), { instanceOf: ConfigError });
  t.throws(() => csvSource(nosym, { symbolColumn: 's', symbolFromPath: () => 'x' }), { instanceOf: ConfigError });
  t.throws(() => csvSource(nosym, { onBadRow: 'ignore' as never }), { instanceOf: ConfigError });
  t.throws(() => csvSource(nosym, { epoch: 'minutes' as never }), { instanceOf: ConfigError });
  // A header only: no rows, the symbol is there with zero rows.
  t.is((await csvSource(nosym).load({})).get('m')?.length, 0);
});

test('csv: lines cut across read chunks (files of several MB, LF and CRLF)', async (t) => {
  const n = 70_000;
  const t0 = Date.UTC(2013, 9, 7);
  for (const eol of ['\n', '\r\n']) {
    const lines = [HEADER];
    for (let i = 0; i < n; i++) lines.push(`${new Date(t0 + i * 60_000).toISOString()},${i}.25,${i + 1}.5,${i}.125,${i}.75,${i * 3}`);
    const p = fixture(`BIG_${eol.length}.csv`, lines.join(eol) + eol);
    const src = csvSource(p);
    const c = (await src.load({})).get('BIG') as SymbolColumns;
    t.deepEqual(src.lastReport?.parsers, { scanner: 1, csvParse: 0 });
    t.is(c.length, n);
    let bad = -1;
    for (let i = 0; i < n && bad === -1; i++) {
      if (c.time[i] !== t0 + i * 60_000 || c.open[i] !== i + 0.25 || c.high[i] !== i + 1.5 || c.low[i] !== i + 0.125 || c.close[i] !== i + 0.75 || c.volume[i] !== i * 3) bad = i;
    }
    t.is(bad, -1, `first wrong row ${bad} (eol ${JSON.stringify(eol)})`);
  }
});

// ---------------------------------------------------------------- times that are easy to misread

test('csv: compact date-times are refused under epoch auto, not read as 1970 or 1976; explicit units still read them as epochs', async (t) => {
  for (const [time, iso] of [
    ['20131007', '2013-10-07'],
    ['201310071330', '2013-10-07 13:30'],
    ['20131007133000', '2013-10-07 13:30:00'],
  ] as const) {
    const p = fixture('C.csv', `${HEADER}\n${time},1,1,1,1,1\n`);
    for (const parser of ['auto', 'csv-parse'] as const) {
      await t.throwsAsync(() => csvSource(p, { parser }).load({}), {
        instanceOf: InputError,
        message: new RegExp(`line 2: time '${time}' reads as the date-time ${iso} as well as an epoch number`),
      });
    }
    // Asked for, the number is an epoch: 20131007 ms is 1970-01-01T05:35:31.007Z.
    const ms = (await csvSource(p, { epoch: 'ms' }).load({})).get('C') as SymbolColumns;
    t.is(ms.time[0], Number(time));
  }
  // Not dates: hour 24, nine digits. Epochs by magnitude, as before. A 13th month, a 32nd day and
  // the year 2113 in eight digits are no dates either, but as seconds they are before 1973: refused.
  for (const time of ['201310072430', '201310071']) {
    const p = fixture('N.csv', `${HEADER}\n${time},1,1,1,1,1\n`);
    const c = (await csvSource(p).load({})).get('N') as SymbolColumns;
    t.is(c.time[0], Number(time) < 1e11 ? Number(time) * 1000 : Number(time), time);
  }
  for (const time of ['20131307', '20131032', '21131007']) {
    const p = fixture('N.csv', `${HEADER}\n${time},1,1,1,1,1\n`);
    await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError, message: new RegExp(`time '${time}' read as epoch seconds would be before 1973`) }, time);
  }
});

test('csv: an ISO year with a non-digit is a bad row, not the year 1000', async (t) => {
  for (const time of ['201x-10-07T13:30:00Z', '20x3-10-07T13:30:00Z', 'x013-10-07T13:30:00Z', '2x13-10-07T13:30:00Z']) {
    const p = fixture('Y.csv', `${HEADER}\n${time},1,1,1,1,1\n2013-10-07T13:31:00Z,1,1,1,1,1\n`);
    for (const parser of ['auto', 'csv-parse'] as const) {
      const src = csvSource(p, { parser, onBadRow: 'skip' });
      const c = (await src.load({})).get('Y') as SymbolColumns;
      t.deepEqual([...c.time], [T(13, 31)], `${time} ${parser}`);
      t.regex(src.lastReport?.badRowDetails[0]?.reason ?? '', /is not a valid ISO 8601 date-time/);
    }
  }
});

// ---------------------------------------------------------------- missing values

test('csv: a missing price or volume goes on as NaN for the store to reject and count; text where a number belongs is a bad row', async (t) => {
  const markers = ['', 'NaN', 'nan', 'NA', 'N/A', 'null', 'NULL', 'None', ' NaN '];
  const lines = [HEADER, ...markers.map((m, i) => `2013-10-07T13:${String(30 + i).padStart(2, '0')}:00Z,1,${i % 2 === 0 ? m : 2},0.5,1.5,${i % 2 === 0 ? 10 : m}`)];
  const p = fixture('M.csv', `${lines.join('\n')}\n`);
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(p, { parser });
    const c = (await src.load({})).get('M') as SymbolColumns;
    t.is(c.length, markers.length, parser);
    t.is(src.lastReport?.badRows, 0);
    for (let i = 0; i < markers.length; i++) {
      t.true(Number.isNaN(i % 2 === 0 ? c.high[i] : c.volume[i]), `${JSON.stringify(markers[i])} ${parser}`);
      t.is(i % 2 === 0 ? c.volume[i] : c.high[i], i % 2 === 0 ? 10 : 2);
    }
  }
  const thousands = ['1,234.5', '1,234,567', '-12,345.', '1,234,567.25'];
  for (const text of ['abc', '12,5', '1.2.3', 'NaNa', '-', '1.234,5', '1,234', ...thousands]) {
    const q = fixture('Q.csv', `${HEADER.replaceAll(',', ';')}\n2013-10-07T13:30:00Z;1;2;0.5;${text};10\n`);
    // `1,234` is a decimal comma as much as a thousand: the first hint names both.
    const comma = thousands.includes(text)
      ? ': numbers are read without thousands separators, so drop them first (1,234.5 is 1234.5)'
      : text.includes(',')
        ? ': numbers are read with a decimal point, so convert decimal commas (and drop thousands separators) first'
        : '';
    await t.throwsAsync(() => csvSource(q, { delimiter: ';' }).load({}), { instanceOf: InputError, message: `csvSource: '${q}' line 2: close '${text}' is not a number${comma}` }, text);
  }
});

// ---------------------------------------------------------------- symbols from files and columns

test('csv: a file with a symbol or ticker column takes each row\'s symbol from it, even when its name is not a requested symbol', async (t) => {
  for (const column of ['symbol', 'Ticker']) {
    const p = fixture('all_bars.csv', `${column},${HEADER}\nAAA,2013-10-07T13:30:00Z,10,11,9,10.5,100\nBBB,2013-10-07T13:30:00Z,500,510,490,505,7\nAAA,2013-10-07T13:31:00Z,10.5,11,10,10.25,200\n`);
    for (const parser of ['auto', 'csv-parse'] as const) {
      const all = await csvSource(p, { parser }).load({});
      t.deepEqual([...all.keys()], ['AAA', 'BBB'], column);
      t.deepEqual(rows(all.get('AAA')), [
        [T(13, 30), 10, 11, 9, 10.5, 100],
        [T(13, 31), 10.5, 11, 10, 10.25, 200],
      ]);
      t.deepEqual(rows(all.get('BBB')), [[T(13, 30), 500, 510, 490, 505, 7]]);
      const some = await csvSource(p, { parser }).load({ symbols: ['BBB'] });
      t.deepEqual(rows(some.get('BBB')), [[T(13, 30), 500, 510, 490, 505, 7]], 'the file is read although its name says "all"');
    }
    // A caller who names files by path gets one symbol a file, as asked.
    const named = await csvSource(p, { symbolFromPath: () => 'ALL' }).load({});
    t.deepEqual([...named.keys()], ['ALL']);
    t.is(named.get('ALL')?.length, 3);
  }
});

test('csv: a file name keeps a share class dot (BRK.B), loses its extension and what follows the first underscore', async (t) => {
  t.is(symbolFromFileName('/x/y/SPY_201310_1m.csv'), 'SPY');
  t.is(symbolFromFileName('BRK.A_1m.csv'), 'BRK.A');
  t.is(symbolFromFileName('BRK.B.csv'), 'BRK.B');
  t.is(symbolFromFileName('QQQ.CSV'), 'QQQ');
  t.is(symbolFromFileName('IBM'), 'IBM');
  const a = fixture('BRK.A_1m.csv', `${HEADER}\n2013-10-07T13:30:00Z,600000,600100,599900,600050,3\n`);
  writeFileSync(join(a, '..', 'BRK.B_1m.csv'), `${HEADER}\n2013-10-07T13:30:00Z,400,401,399,400.5,900\n`);
  const m = await csvSource(join(a, '..')).load({});
  t.deepEqual([...m.keys()], ['BRK.A', 'BRK.B']);
  t.deepEqual(rows(m.get('BRK.B')), [[T(13, 30), 400, 401, 399, 400.5, 900]]);
});

test('csv: hidden files are left out of directories and patterns, as a shell leaves them out', async (t) => {
  const a = fixture('SPY.csv', `${HEADER}\n2013-10-07T13:30:00Z,1,1,1,1,1\n`);
  const folder = join(a, '..');
  // What macOS leaves beside a copied file: not CSV at all.
  writeFileSync(join(folder, '._SPY.csv'), '\u0000\u0005\u0016\u0007Mac OS X');
  for (const input of [folder, join(folder, '*.csv'), join(folder, '*')]) {
    const m = await csvSource(input).load({});
    t.deepEqual([...m.keys()], ['SPY'], input);
  }
  // Asked for by a pattern that starts with a dot, or by name, it is read (and fails: it has no header).
  await t.throwsAsync(() => csvSource(join(folder, '.*.csv')).load({}), { instanceOf: InputError });
  await t.throwsAsync(() => csvSource(join(folder, '._SPY.csv')).load({}), { instanceOf: InputError });
});

test('csv: through a run, bars with missing values are counted by the store as non_finite, with the rest stored', async (t) => {
  const { AnalysisEngine, SessionCoordinator, SessionData } = await import('../src/index.js');
  const session = { date: '2013-10-07', open: T(13, 30), close: T(20, 0), timeZone: 'America/New_York', dayStart: T(4, 0) };
  const lines = [HEADER];
  for (let i = 0; i < 10; i++) lines.push(`${new Date(T(13, 30 + i)).toISOString()},1,${i === 3 ? 'NaN' : 2},0.5,1.5,${i === 7 ? '' : 10}`);
  const p = fixture('SPY.csv', `${lines.join('\n')}\n`);
  const report = await new SessionCoordinator({
    calendar: { sessions: () => [session] },
    data: new SessionData({ intervals: ['5m'] }),
    engine: new AnalysisEngine(),
    source: csvSource(p),
    from: '2013-10-07',
    to: '2013-10-07',
  }).run();
  t.is(report.barsIn, 10);
  t.is(report.barsStored, 8);
  t.is(report.rejected.non_finite, 2);
  t.is(report.quality['2013-10-07']?.SPY?.base.rejected.non_finite, 2);
});

// ---------------------------------------------------------------- headers, blank lines, compact times, hidden names

test('csv: a symbol column past the first 64 KiB of the header, or a header after 64 KiB of empty lines, is found', async (t) => {
  const pad = 'p'.repeat(70_000);
  const long = fixture('long_header.csv', `${HEADER},${pad},symbol\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10,x,AAA\n2013-10-07T13:30:00Z,5,6,4,5.5,20,x,BBB\n`);
  const late = fixture('late_header.csv', `${'\n'.repeat(70_000)}symbol,${HEADER}\nAAA,2013-10-07T13:30:00Z,1,2,0.5,1.5,10\nBBB,2013-10-07T13:30:00Z,5,6,4,5.5,20\n`);
  for (const p of [long, late]) {
    for (const parser of ['auto', 'csv-parse'] as const) {
      const m = await csvSource(p, { parser }).load({});
      t.deepEqual([...m.keys()], ['AAA', 'BBB'], `${p} ${parser}`);
      t.deepEqual(rows(m.get('BBB')), [[T(13, 30), 5, 6, 4, 5.5, 20]]);
    }
  }
});

test('csv: a header line that does not end within the first 1 MiB is an InputError naming the file', async (t) => {
  const p = fixture('huge_header.csv', `${HEADER},${'p'.repeat(1 << 20)},symbol\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10,x,AAA\n`);
  await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError, message: `csvSource: '${p}': its first non-empty line (the header) does not end within the first 1048576 bytes (1 MiB)` });
  // Blank lines before the header count towards the limit too.
  const q = fixture('late.csv', `${' \n'.repeat(600_000)}${HEADER}\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n`);
  await t.throwsAsync(() => csvSource(q).load({}), { instanceOf: InputError, message: new RegExp(`'${q.replaceAll('\\', '\\\\')}': its first non-empty line`) });
  // Named by path, the header is not looked at for a symbol column, and no limit applies.
  t.is((await csvSource(p, { symbolFromPath: () => 'H' }).load({})).get('H')?.length, 1);
});

test('csv: a line of only spaces and tabs is an empty line for both parsers: not the header, not a row', async (t) => {
  const text = ` \t \n${HEADER}\r\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n   \n\t\r\n2013-10-07T13:31:00Z,2,3,1.5,2.5,20\n  \nbad,1,1,1,1,1\n \t`;
  const p = fixture('W.csv', text);
  const q = fixture('w_symbols.csv', ` \n\t\nsymbol,${HEADER}\n  \nAAA,2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n\t\t\nBBB,2013-10-07T13:31:00Z,2,3,1.5,2.5,20\n`);
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(p, { parser, onBadRow: 'skip' });
    const m = await src.load({});
    t.deepEqual(rows(m.get('W')), [
      [T(13, 30), 1, 2, 0.5, 1.5, 10],
      [T(13, 31), 2, 3, 1.5, 2.5, 20],
    ], parser);
    t.is(src.lastReport?.rowsRead, 3, parser);
    t.deepEqual(src.lastReport?.badRowDetails, [{ file: p, line: 8, reason: "time 'bad' is neither an ISO 8601 date-time nor an epoch number" }], parser);
    const s = await csvSource(q, { parser }).load({});
    t.deepEqual([...s.keys()], ['AAA', 'BBB'], parser);
  }
  // With a tab delimiter, a line of tabs is empty as well.
  const tsv = fixture('T.csv', `${HEADER.replaceAll(',', '\t')}\n\t\t\t\n2013-10-07T13:30:00Z\t1\t2\t0.5\t1.5\t10\n`);
  for (const parser of ['auto', 'csv-parse'] as const) {
    const src = csvSource(tsv, { parser, delimiter: '\t' });
    t.is((await src.load({})).get('T')?.length, 1, parser);
    t.is(src.lastReport?.rowsRead, 1, parser);
  }
  // After an empty line (csv-parse hands the next record the empty line's break with it), and
  // in a quoted file, which goes to csv-parse whatever the option says.
  for (const [name, header] of [
    ['E.csv', HEADER],
    ['Q.csv', '"time","open","high","low","close","volume"'],
  ] as const) {
    const after = fixture(name, `${header}\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n\n   \n\r\n\t`);
    for (const parser of ['auto', 'csv-parse'] as const) {
      const src = csvSource(after, { parser });
      t.is((await src.load({})).get(name[0] as string)?.length, 1, `${name} ${parser}`);
      t.deepEqual([src.lastReport?.rowsRead, src.lastReport?.badRows], [1, 0], `${name} ${parser}`);
    }
  }
});

test('csv: under epoch auto a compact date-time is refused by its value, however it is written', async (t) => {
  for (const [time, iso] of [
    ['+20131007', '2013-10-07'],
    ['20131007.0', '2013-10-07'],
    [' 20131007.00', '2013-10-07'],
    ['020131007', '2013-10-07'],
    ['+201310071330', '2013-10-07 13:30'],
    ['20131007133000.000', '2013-10-07 13:30:00'],
  ] as const) {
    const p = fixture('C.csv', `${HEADER}\n${time},1,1,1,1,1\n`);
    const escaped = time.trim().replace(/[+.]/g, '\\$&');
    for (const parser of ['auto', 'csv-parse'] as const) {
      await t.throwsAsync(() => csvSource(p, { parser }).load({}), {
        instanceOf: InputError,
        message: new RegExp(`line 2: time '${escaped}' reads as the date-time ${iso} as well as an epoch number`),
      }, `${JSON.stringify(time)} ${parser}`);
    }
    // With a unit, the number is an epoch as written.
    const value = Number(time);
    t.is((await csvSource(p, { epoch: 'ms' }).load({})).get('C')?.time[0], value, time);
    t.is((await csvSource(p, { epoch: 's' }).load({})).get('C')?.time[0], value * 1000, time);
  }
  // Not whole numbers, or no date: epochs by magnitude (seconds below 1e11), but before 1973 (below
  // 1e8 seconds) refused unless the unit is set.
  for (const [time, ms] of [['20131007.5', 20_131_007_500], ['-20131007', -20_131_007_000], ['+20131307', 20_131_307_000]] as const) {
    const p = fixture('N.csv', `${HEADER}\n${time},1,1,1,1,1\n`);
    await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError, message: /read as epoch seconds would be before 1973/ }, time);
    t.is((await csvSource(p, { epoch: 's' }).load({})).get('N')?.time[0], ms, time);
  }
});

test('csv: under epoch auto a small number is no epoch of 1970-1973: an Excel serial date, or a time of day whose date column was not found, is refused saying what to set', async (t) => {
  // 45359.3958333333 is Excel's serial for 2024-03-08 09:30; 093000 a time of day beside a date
  // column named Day, which the loader does not know as the date.
  const excel = fixture('XL.csv', 'Date,Open,High,Low,Close,Volume\n45359.3958333333,100.25,100.5,100,100.25,500\n');
  await t.throwsAsync(() => csvSource(excel).load({}), { instanceOf: InputError, message: /line 2: time '45359\.3958333333' read as epoch seconds would be before 1973: .*options\.columns\.date.*Excel serial date.*epoch option \('s'\)/ });
  const day = fixture('DAY.csv', 'Day,Time,Open,High,Low,Close,Volume\n2024-03-08,093000,100.25,100.5,100,100.25,500\n');
  await t.throwsAsync(() => csvSource(day, { timeZone: 'America/New_York' }).load({}), { instanceOf: InputError, message: /line 2: time '093000' read as epoch seconds would be before 1973: a time of day whose date column was not found \(name it with options\.columns\.date\)/ });
  // Named, it is 09:30 New York on that day: 14:30Z (EST).
  const c = (await csvSource(day, { timeZone: 'America/New_York', columns: { date: 'Day' } }).load({})).get('DAY') as SymbolColumns;
  t.deepEqual([...c.time], [Date.UTC(2024, 2, 8, 14, 30)]);
});

test('csv: a file with no header whose first field is a date as vendors write it is told to name its columns with options.header', async (t) => {
  for (const first of ['03/08/2024', '2024.03.08', '08.03.2024', '20240308  09:30:00']) {
    const p = fixture('H.csv', `${first},09:30,100.25,100.5,100,100.25,500\n`);
    await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError, message: /the first line is a row of data, not a header: name the columns with options\.header/ }, first);
  }
});

test('csv: leading dots are not part of a file name\'s symbol; ._SPY.csv names none', async (t) => {
  t.is(symbolFromFileName('._SPY.csv'), '');
  t.is(symbolFromFileName('/x/._SPY_1m.csv'), '');
  t.is(symbolFromFileName('.SPY.csv'), 'SPY');
  t.is(symbolFromFileName('..QQQ_1m.csv'), 'QQQ');
  const p = fixture('._SPY.csv', `${HEADER}\n2013-10-07T13:30:00Z,1,1,1,1,1\n`);
  await t.throwsAsync(() => csvSource(p).load({}), { instanceOf: InputError, message: `csvSource: no symbol in the file name of '${p}' (give symbolFromPath or symbolColumn)` });
  t.is((await csvSource(p, { symbolFromPath: () => 'SPY' }).load({})).get('SPY')?.length, 1);
});

test('columnsSource: a symbol with no finite time at all loads its own rows in any range, not zeros', async (t) => {
  const nothing = columnsSource({ B: { time: [NaN, NaN], open: [1, 2], high: [3, 4], low: [0.5, 1], close: [2, 3], volume: [10, 20] } });
  const from = Date.UTC(2013, 9, 7, 13);
  const b = (await nothing.load({ from, to: from + 3_600_000 })).get('B') as SymbolColumns;
  t.is(b.length, 2);
  t.deepEqual([...b.time], [NaN, NaN]);
  t.deepEqual([...b.open], [1, 2]);
  t.deepEqual([...b.high], [3, 4]);
  t.deepEqual([...b.volume], [10, 20]);
});
