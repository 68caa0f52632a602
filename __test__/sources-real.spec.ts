/**
 * csvSource and timeSlices on the real minute bars in ../shared/data/minute (see its README).
 * Expected values come from reading the files with plain string splitting here, not from the code
 * under test.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { csvSource, timeSlices } from '../src/sources/index.js';
import type { SymbolColumns } from '../src/sources/index.js';

const SHARED = resolve('..', 'shared');
const DATA = join(SHARED, 'data', 'minute');
const SYMBOLS = ['BAC', 'IBM', 'SPY'];
const DATES = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];

if (!existsSync(SHARED) || !existsSync(DATA)) {
  test.skip(`real minute data (skipped: ${DATA} not found; it lives outside this repository)`, () => {});
} else {
  register();
}

/** The file's data lines, split on commas, by hand. */
function plainRows(symbol: string): string[][] {
  const lines = readFileSync(join(DATA, `${symbol}_201310_1m.csv`), 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (lines[0] !== 'time,open,high,low,close,volume') throw new Error(`unexpected header in ${symbol}`);
  return lines.slice(1).map((l) => l.split(','));
}

function register(): void {
  test('real: every row of the three files, values equal to a plain parse', async (t) => {
    const src = csvSource(DATA);
    const m = await src.load({});
    t.deepEqual([...m.keys()], SYMBOLS);
    let total = 0;
    for (const sym of SYMBOLS) {
      const expected = plainRows(sym);
      const c = m.get(sym) as SymbolColumns;
      t.is(c.length, expected.length, `${sym} rows`);
      total += expected.length;
      for (let i = 0; i < expected.length; i++) {
        const [iso, o, h, l, cl, v] = expected[i] as [string, string, string, string, string, string];
        const want = [Date.parse(iso), Number(o), Number(h), Number(l), Number(cl), Number(v)];
        const got = [c.time[i], c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]];
        if (!want.every((w, k) => Object.is(w, got[k]))) {
          t.fail(`${sym} row ${i + 2}: got ${got.join(',')}, expected ${want.join(',')}`);
          return;
        }
      }
    }
    t.is(src.lastReport?.rowsRead, total);
    t.is(src.lastReport?.rowsLoaded, total);
    t.is(src.lastReport?.badRows, 0);
    t.deepEqual(src.lastReport?.parsers, { scanner: 3, csvParse: 0 });
  });

  test('real: IBM misses 12:39 on Oct 4 and 12:46 on Oct 11 (New York time); the regular sessions otherwise full', async (t) => {
    const src = csvSource(join(DATA, '*_201310_1m.csv'));
    for (const date of DATES) {
      const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
      // 09:30-16:00 New York is 13:30-20:00 UTC on these (summer-time) dates.
      const from = Date.UTC(y, mo - 1, d, 13, 30);
      const to = Date.UTC(y, mo - 1, d, 20, 0);
      const m = await src.load({ from, to });
      for (const sym of SYMBOLS) {
        const expected = plainRows(sym).filter((r) => {
          const x = Date.parse(r[0] as string);
          return x >= from && x < to;
        }).length;
        t.is(m.get(sym)?.length, expected, `${sym} ${date}`);
        const missing = sym === 'IBM' && (date === '2013-10-04' || date === '2013-10-11') ? 1 : 0;
        t.is(m.get(sym)?.length, 390 - missing, `${sym} ${date}: 390 minutes in 09:30-16:00`);
      }
    }
    const ibm = (await src.load({ symbols: ['IBM'] })).get('IBM') as SymbolColumns;
    const times = new Set(ibm.time);
    t.false(times.has(Date.UTC(2013, 9, 4, 16, 39)), '2013-10-04 12:39 New York');
    t.false(times.has(Date.UTC(2013, 9, 11, 16, 46)), '2013-10-11 12:46 New York');
    t.true(times.has(Date.UTC(2013, 9, 4, 16, 38)) && times.has(Date.UTC(2013, 9, 4, 16, 40)));
  });

  test('real: timeSlices equal a naive grouping by time', async (t) => {
    const m = await csvSource(DATA).load({});
    const names = [...m.keys()];
    const naive = new Map<number, string[]>();
    names.forEach((sym, s) => {
      const c = m.get(sym) as SymbolColumns;
      for (let i = 0; i < c.length; i++) {
        const k = c.time[i] as number;
        const list = naive.get(k) ?? [];
        list.push(`${s}:${i}`);
        naive.set(k, list);
      }
    });
    const expected = [...naive.entries()].sort((a, b) => a[0] - b[0]);
    const got: [number, string[]][] = [];
    for (const slice of timeSlices(m)) {
      const pairs: string[] = [];
      for (let j = 0; j < slice.count; j++) pairs.push(`${slice.symbols[j]}:${slice.rows[j]}`);
      got.push([slice.time, pairs]);
    }
    t.deepEqual(got, expected);
    // And within one session, through from/to.
    const from = Date.UTC(2013, 9, 7, 13, 30);
    const to = Date.UTC(2013, 9, 7, 20, 0);
    let n = 0;
    for (const s of timeSlices(m, from, to)) {
      t.true(s.time >= from && s.time < to);
      t.is(s.count, 3);
      n++;
    }
    t.is(n, 390);
  });

  test('real: CSV load throughput (reported)', async (t) => {
    let best = Infinity;
    let rows = 0;
    for (let r = 0; r < 5; r++) {
      const src = csvSource(DATA);
      const t0 = performance.now();
      await src.load({});
      best = Math.min(best, performance.now() - t0);
      rows = src.lastReport?.rowsLoaded ?? 0;
    }
    const viaCsvParse = csvSource(DATA, { parser: 'csv-parse' });
    const t1 = performance.now();
    await viaCsvParse.load({});
    const general = performance.now() - t1;
    t.log(`${rows} rows in ${best.toFixed(1)} ms: ${Math.round((rows / best) * 1000)} rows/s (scanner); csv-parse path ${Math.round((rows / general) * 1000)} rows/s`);
    t.is(rows, 10_871);
  });
}
