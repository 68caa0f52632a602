/**
 * What csvSource holds while it reads: alone in its file, so that the process's peak resident size
 * is this test's.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvSource } from 'barstream';

const dir = mkdtempSync(join(tmpdir(), 'barstream-sources-memory-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('csv: a day file of 10,000 symbols with a few rows each costs about its rows, not a buffer a symbol', async (t) => {
  // The shape of a vendor's daily file of every US ticker: many symbols, few rows for most.
  const symbols = 10_000;
  const perSymbol = 3;
  const lines = ['ticker,volume,open,close,high,low,window_start,transactions'];
  for (let k = 0; k < perSymbol; k++) {
    for (let s = 0; s < symbols; s++) lines.push(`S${s},100,1,1.5,2,0.5,${1381152600000 + k * 60_000},5`);
  }
  const file = join(dir, 'day.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const source = csvSource(file, { columns: { time: 'window_start' } });
  // A first load of a small file brings in the parsers' code, so that the peak below is the rows'.
  const small = join(dir, 'small.csv');
  writeFileSync(small, `${lines.slice(0, 3).join('\n')}\n`);
  await csvSource(small, { columns: { time: 'window_start' } }).load({});
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  const m = await source.load({});
  const peakKiB = process.resourceUsage().maxRSS;
  t.is(m.size, symbols);
  t.is(m.get('S9999')?.length, perSymbol);
  // 30,000 rows are 1.4 MB of columns; allow for the heap's growth while reading, far below the
  // half gigabyte that 10,000 symbols x 1,024 rows of room x 48 bytes would take.
  const grownMiB = (peakKiB * 1024 - before) / (1 << 20);
  t.true(grownMiB < 120, `the resident size grew by ${grownMiB.toFixed(0)} MiB during the load`);
});
