/**
 * A load of a few days from large CSV files holds, at any time, about one file's room beyond the
 * rows it keeps: each file's columns are sized by the file, and the room of the rows left out goes
 * back once the file is read. Measured in a child process with a forced collection before each
 * sample, so that the figure is what is still referenced.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { scratchDir } from './helpers/scratch.js';

const ENTRY = pathToFileURL(createRequire(import.meta.url).resolve('barstream')).href;

test('loading one day from six files of 200,000 rows keeps at most about one file of room at a time', (t) => {
  const dir = scratchDir(t, 'barstream-csv-memory-');
  const t0 = Date.UTC(2010, 0, 4);
  const rows = 200_000;
  let body = 'time,open,high,low,close,volume\n';
  for (let i = 0; i < rows; i++) body += `${(t0 + i * 60_000) / 1000},100.25,100.5,100,100.25,1000\n`;
  for (let k = 0; k < 6; k++) writeFileSync(path.join(dir, `S${k}.csv`), body);
  const script = `
    const bs = await import(${JSON.stringify(ENTRY)});
    globalThis.gc();
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const sample = setInterval(() => { globalThis.gc(); peak = Math.max(peak, process.memoryUsage().arrayBuffers - base); }, 1);
    const from = ${t0} + 100 * 86_400_000;
    const result = await bs.csvSource(${JSON.stringify(dir)}).load({ from, to: from + 86_400_000 });
    clearInterval(sample);
    let loaded = 0;
    for (const c of result.values()) loaded += c.length;
    console.log(JSON.stringify({ loaded, peak }));
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  const { loaded, peak } = JSON.parse(r.stdout) as { loaded: number; peak: number };
  // One day of minutes from each of the six files.
  t.is(loaded, 6 * 1440);
  // A file's columns are sized at a row per 40 bytes of file, six columns of 8 bytes: about 10 MB
  // a file here. The six files' room held at once was about 59 MB.
  const room = (Buffer.byteLength(body) / 40) * 48;
  t.log(`peak ${(peak / 1e6).toFixed(1)} MB; one file's room ${(room / 1e6).toFixed(1)} MB`);
  t.true(peak < 2.5 * room, `peak ${peak}`);
});
