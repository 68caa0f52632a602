/**
 * `order: 'time'` on the column and CSV sources: each symbol's rows sorted by time once, stably,
 * a row whose time is not finite kept after the row before it; the default keeps the order given.
 * The expected rows and counts are worked out by hand from the rows written here.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Calendar, ConfigError, SessionCoordinator, SessionData, columnsSource, csvSource } from 'barstream';
import type { SymbolColumns } from 'barstream';
import { scratchDir } from './helpers/scratch.js';

const MINUTE = 60_000;
// New York in January is UTC-5.
const ny = (date: string, hh: number, mm: number): number => Date.parse(`${date}T00:00:00Z`) + (hh + 5) * 3_600_000 + mm * MINUTE;

/** Rows at `times`; row i has open 10 + i, high 20 + i, low i, close 15 + i and volume 100 + i. */
function rows(times: readonly number[]) {
  const by = (base: number) => times.map((_, i) => base + i);
  return { time: [...times], open: by(10), high: by(20), low: by(0), close: by(15), volume: by(100) };
}

/** The row indices of `cols` (by its low, which is the index) and every column read back. */
function rowsOf(cols: SymbolColumns) {
  const index = Array.from(cols.low);
  return { index, open: Array.from(cols.open), high: Array.from(cols.high), close: Array.from(cols.close), volume: Array.from(cols.volume) };
}
const expectRows = (index: number[]) => ({ index, open: index.map((i) => 10 + i), high: index.map((i) => 20 + i), close: index.map((i) => 15 + i), volume: index.map((i) => 100 + i) });

const loadOne = async (source: ReturnType<typeof columnsSource>, symbol = 'A'): Promise<SymbolColumns> => (await source.load({})).get(symbol) as SymbolColumns;

test("order: 'time' sorts a symbol's rows stably, and keeps a row whose time is not finite after the row before it", async (t) => {
  // Minutes 3, 1, NaN, 2, 1 (a repeat of 1), -Infinity: the NaN row follows minute 1's first row,
  // the -Infinity row minute 1's repeat (the last finite row before it).
  const times = [3, 1, NaN, 2, 1, -Infinity].map((m) => m * MINUTE);
  const sorted = await loadOne(columnsSource({ A: rows(times) }, { order: 'time' }));
  // By row index: 1 (minute 1), 2 (NaN), 4 (minute 1 again), 5 (-Infinity), 3 (minute 2), 0 (minute 3).
  t.deepEqual(rowsOf(sorted), expectRows([1, 2, 4, 5, 3, 0]));
  t.deepEqual(Array.from(sorted.time), [1, NaN, 1, -Infinity, 2, 3].map((m) => m * MINUTE));
  // The default keeps the order given.
  t.deepEqual(rowsOf(await loadOne(columnsSource({ A: rows(times) }))), expectRows([0, 1, 2, 3, 4, 5]));
  t.deepEqual(rowsOf(await loadOne(columnsSource({ A: rows(times) }, { order: 'given' }))), expectRows([0, 1, 2, 3, 4, 5]));
});

test("order: 'time' leaves rows already in order where they are: the columns given, not a copy", async (t) => {
  const time = Float64Array.from([1, 2, 2, 5], (m) => m * MINUTE);
  const fill = (v: number) => new Float64Array(4).fill(v);
  const loaded = await loadOne(columnsSource({ A: { time, open: fill(1), high: fill(1), low: fill(1), close: fill(1), volume: fill(1) } }, { order: 'time' }));
  t.is(loaded.time.buffer, time.buffer);
  t.deepEqual(Array.from(loaded.time), [1, 2, 2, 5].map((m) => m * MINUTE));
  // Nor does a row whose time is not finite make a copy where no row moves.
  for (const minutes of [[1, NaN, 2], [NaN, 1, 2], [1, 2, Infinity, 3]]) {
    const given = Float64Array.from(minutes, (m) => m * MINUTE);
    const one = (v: number) => new Float64Array(given.length).fill(v);
    t.is((await loadOne(columnsSource({ A: { time: given, open: one(1), high: one(1), low: one(1), close: one(1), volume: one(1) } }, { order: 'time' }))).time.buffer, given.buffer, String(minutes));
  }
});

test('columnsSource refuses an order other than given and time, and options that are not an object', (t) => {
  for (const order of ['date', 'TIME', 1, null]) {
    const e = t.throws(() => columnsSource({}, { order } as never), { instanceOf: ConfigError });
    t.is(e?.param, 'order', String(order));
  }
  t.is(t.throws(() => columnsSource({}, 'time' as never), { instanceOf: ConfigError })?.param, 'options');
  t.is(t.throws(() => columnsSource({}, { sort: true } as never), { instanceOf: ConfigError })?.param, 'sort');
  // A load request given as options: a run chooses its symbols and dates.
  for (const key of ['symbols', 'from', 'to']) {
    const e = t.throws(() => columnsSource({}, { [key]: key === 'symbols' ? ['SPY'] : 0 } as never), { instanceOf: ConfigError });
    t.is(e?.param, key);
    t.regex(e?.message ?? '', /is not an option of columnsSource \(its options: order\): a run chooses its symbols and dates \(the coordinator's symbols, from and to\)/);
  }
});

// XNYS, 2024-01-03: A trades 09:30-09:39, then a row timed 14:00, then 09:40-10:29.
const ahead = [...Array.from({ length: 10 }, (_, k) => ny('2024-01-03', 9, 30 + k)), ny('2024-01-03', 14, 0), ...Array.from({ length: 50 }, (_, k) => ny('2024-01-03', 9, 40 + k))];

for (const speed of [0, 1e9]) {
  test(`a run over columns sorted by time (${speed === 0 ? 'data' : 'clock'}-driven): a row timed hours ahead of its place costs no bar`, async (t) => {
    const data = new SessionData({ intervals: ['5m'] });
    const report = await new SessionCoordinator({ calendar: Calendar.xnys(), data, source: columnsSource({ A: rows(ahead) }, { order: 'time' }), from: '2024-01-03', to: '2024-01-03', speed, overrun: 'queue' }).run();
    // All 61 stored: 09:30-10:29 and 14:00. Given in order, 50 were out of order (run-out-of-place.spec.ts).
    t.is(report.barsStored, 61);
    t.is(report.rejected.out_of_order, 0);
    const stored = Array.from(data.bars('A', '1m').time);
    t.deepEqual(stored, [...ahead].sort((a, b) => a - b));
    // 09:30-10:29 make twelve 5m bars (09:30 to 10:25), and 14:00 one more.
    t.deepEqual(Array.from(data.bars('A', '5m').time), [...Array.from({ length: 12 }, (_, k) => ny('2024-01-03', 9, 30 + 5 * k)), ny('2024-01-03', 14, 0)]);
  });
}

test("csvSource order: 'time': a symbol's files named out of date order load sorted, the symbol listed as reordered; the default keeps file order", async (t) => {
  const dir = scratchDir(t, 'barstream-order-');
  // Row k of a day: open base + k, high + 10, low - 10, close + 5, volume base + k.
  const line = (time: number, v: number): string => `${new Date(time).toISOString()},${v},${v + 10},${v - 10},${v + 5},${v}`;
  // A_1.csv holds 2024-01-04's first three minutes, A_2.csv 2024-01-03's; B_1.csv is in order.
  const day = (date: string, base: number): string => ['time,open,high,low,close,volume', ...[0, 1, 2].map((k) => line(ny(date, 9, 30 + k), base + k))].join('\n');
  writeFileSync(path.join(dir, 'A_1.csv'), `${day('2024-01-04', 40)}\n`);
  writeFileSync(path.join(dir, 'A_2.csv'), `${day('2024-01-03', 30)}\n`);
  writeFileSync(path.join(dir, 'B_1.csv'), `${day('2024-01-03', 50)}\n`);
  const sorted = csvSource(dir, { order: 'time' });
  const columns = await sorted.load({});
  const fields = (c: SymbolColumns) => ({ open: Array.from(c.open), high: Array.from(c.high), low: Array.from(c.low), close: Array.from(c.close), volume: Array.from(c.volume) });
  const expected = (v: number[]) => ({ open: v, high: v.map((x) => x + 10), low: v.map((x) => x - 10), close: v.map((x) => x + 5), volume: v });
  t.deepEqual(fields(columns.get('A') as SymbolColumns), expected([30, 31, 32, 40, 41, 42]));
  t.deepEqual(fields(columns.get('B') as SymbolColumns), expected([50, 51, 52]));
  t.deepEqual(sorted.lastReport?.reordered, ['A']);
  for (const given of [csvSource(dir), csvSource(dir, { order: 'given' })]) {
    t.deepEqual(fields((await given.load({})).get('A') as SymbolColumns), expected([40, 41, 42, 30, 31, 32]));
    t.deepEqual(given.lastReport?.reordered, []);
  }
  // A load of some symbols and times sorts what it loaded: A's rows of 2024-01-03 alone are in order.
  await sorted.load({ symbols: ['A'], to: ny('2024-01-04', 0, 0) });
  t.deepEqual(sorted.lastReport?.reordered, []);
  t.is(t.throws(() => csvSource(dir, { order: 'date' } as never), { instanceOf: ConfigError })?.param, 'order');
});
