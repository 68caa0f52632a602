/**
 * Suite `csvLoad`: loading one CSV file of 500,000 1m bars (one symbol, a header line, no quotes)
 * into columns, the way a backtest reads its data: `csvSource(path).load()`, which gives
 * `Float64Array` columns by symbol.
 *
 * Peer: `csv-parse` (the CSV library barstream itself falls back to for quoted files), streaming
 * the same file with `Number()` for the prices and volume and `Date.parse` for the time, into the
 * same `Float64Array` columns. Two files: ISO 8601 times with an offset
 * (`2024-01-02T09:30:00-05:00`) and epoch milliseconds.
 *
 * Both sides are checked once, outside timing, to give the same columns bit for bit. No target is
 * set for loading; the figure backs the README's claim of the loader's speed.
 * @module
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import { csvSource } from 'barstream';
import type { SymbolColumns } from 'barstream';
import { MINUTE, fmt, generateColumns, makeBench, printSummary, printTimings, settle, speedup, taskTiming } from './common.js';
import type { Columns, Row } from './common.js';

const N = 500_000;
const START = Date.UTC(2024, 0, 2, 14, 30);
const FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** `t` as New York wall time with its offset (EST all January: -05:00), as vendor exports write it. */
function isoNewYork(t: number): string {
  return `${new Date(t - 5 * 3_600_000).toISOString().slice(0, 19)}-05:00`;
}

function writeCsv(file: string, cols: Columns, time: (t: number) => string): void {
  const lines = ['time,open,high,low,close,volume'];
  for (let i = 0; i < cols.time.length; i++) {
    lines.push(`${time(cols.time[i] as number)},${cols.open[i]},${cols.high[i]},${cols.low[i]},${cols.close[i]},${cols.volume[i]}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function loadBarstream(file: string): Promise<SymbolColumns> {
  const loaded = await csvSource(file).load({});
  const cols = loaded.get('SPY');
  if (cols === undefined) throw new Error(`no SPY in ${file}`);
  return cols;
}

/** csv-parse, streaming, each field converted as barstream's loader reads it, into grown Float64Arrays. */
async function loadCsvParse(file: string): Promise<Columns> {
  const out = FIELDS.map(() => new Float64Array(1024));
  let n = 0;
  const parser = createReadStream(file).pipe(parse({ from_line: 2 }));
  for await (const record of parser as AsyncIterable<string[]>) {
    if (n === (out[0] as Float64Array).length) {
      for (let k = 0; k < out.length; k++) {
        const grown = new Float64Array(n * 2);
        grown.set(out[k] as Float64Array);
        out[k] = grown;
      }
    }
    const t = record[0] as string;
    (out[0] as Float64Array)[n] = /^\d+$/.test(t) ? Number(t) : Date.parse(t);
    for (let k = 1; k < 6; k++) (out[k] as Float64Array)[n] = Number(record[k]);
    n++;
  }
  const [time, open, high, low, close, volume] = out.map((c) => c.subarray(0, n)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  return { time, open, high, low, close, volume };
}

function assertSame(label: string, ours: SymbolColumns, theirs: Columns): void {
  for (const f of FIELDS) {
    const a = ours[f];
    const b = theirs[f];
    if (a.length !== N || b.length !== N) throw new Error(`${label} ${f}: ${a.length} and ${b.length} rows, expected ${N}`);
    for (let i = 0; i < N; i++) {
      if (!Object.is(a[i], b[i])) throw new Error(`${label} ${f}[${i}]: barstream ${a[i]}, csv-parse ${b[i]}`);
    }
  }
}

export async function run(): Promise<Row[]> {
  console.log(`\n## csvLoad: one file of ${N.toLocaleString('en-US')} 1m bars into Float64Array columns, barstream csvSource vs csv-parse`);
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-bench-csv-'));
  const rows: Row[] = [];
  try {
    const cols = generateColumns(0xc5f, N, START, MINUTE);
    const files = [
      { name: 'ISO 8601 times with offset', time: isoNewYork },
      { name: 'epoch ms times', time: (t: number) => String(t) },
    ];
    let sink = 0;
    for (const f of files) {
      // Each file in a folder of its own: the symbol is the file's name.
      const file = path.join(mkdtempSync(path.join(dir, 'f-')), 'SPY.csv');
      writeCsv(file, cols, f.time);
      // Verification, outside timing: the same columns, bit for bit, and the bars generated.
      const ours = await loadBarstream(file);
      assertSame(f.name, ours, await loadCsvParse(file));
      for (let i = 0; i < N; i++) if (ours.time[i] !== cols.time[i] || ours.close[i] !== cols.close[i]) throw new Error(`${f.name}: row ${i} is not the bar written`);
      console.log(`verified (untimed), ${f.name}: barstream and csv-parse give the same ${N.toLocaleString('en-US')} rows, bit for bit, equal to the bars written`);

      const bench = makeBench({ time: 2000, iterations: 3, warmupTime: 0, warmupIterations: 1 });
      bench
        .add('barstream csvSource', async () => {
          sink += (await loadBarstream(file)).length;
        }, { beforeEach: settle })
        .add('csv-parse + Number/Date.parse', async () => {
          sink += (await loadCsvParse(file)).time.length;
        }, { beforeEach: settle });
      await bench.run();
      const a = taskTiming(bench, 'barstream csvSource');
      const b = taskTiming(bench, 'csv-parse + Number/Date.parse');
      printTimings(`csvLoad, ${f.name}: per file`, [a, b], { per: N, label: 'ns/row' });
      rows.push({
        suite: 'csvLoad',
        name: `${N.toLocaleString('en-US')} rows, ${f.name} (ms/file)`,
        barstream: `${fmt(a.mean)} ms (${fmt((a.mean * 1e6) / N)} ns/row)`,
        peer: `${fmt(b.mean)} ms (csv-parse)`,
        ratio: speedup(a.mean, b.mean),
        target: '—',
        met: null,
      });
    }
    if (sink === 0) throw new Error('nothing loaded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printSummary('csvLoad', rows);
  return rows;
}
