/**
 * Stores made and dropped in a worker thread are collected while another thread uses the package:
 * each thread's V8 is told of the native memory of the blocks made on it. Run in a child process,
 * whose resident set is the figure.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { scratchDir } from './helpers/scratch.js';

const ENTRY = pathToFileURL(createRequire(import.meta.url).resolve('barstream')).href;

test("a worker's sweep of dropped stores stays flat while the main thread appends: the worker's V8 hears of their memory", (t) => {
  const dir = scratchDir(t, 'barstream-worker-memory-');
  const file = path.join(dir, 'sweep.mjs');
  // The worker makes 40 stores of ten symbols x 86,400 1s bars (about 50 MB each), drops each and
  // gives the event loop a turn; meanwhile the main thread appends a bar to a store of its own
  // every millisecond. Told of the process's memory instead of its own, the main thread's V8 took
  // every change, the worker's never ran a collection, and the peak was about 3 GB.
  writeFileSync(
    file,
    `
    import { Worker, isMainThread, parentPort } from 'node:worker_threads';
    const { SessionData, sessionOn } = await import(${JSON.stringify(ENTRY)});
    const S = sessionOn('2024-03-04', { open: '00:00', close: '24:00', timeZone: 'UTC' });
    if (!isMainThread) {
      const N = 86_400;
      const cols = { time: new Float64Array(N), open: new Float64Array(N), high: new Float64Array(N), low: new Float64Array(N), close: new Float64Array(N), volume: new Float64Array(N) };
      for (let i = 0; i < N; i++) {
        const c = 100 + Math.sin(i / 100);
        cols.time[i] = S.open + i * 1000; cols.open[i] = c; cols.close[i] = c; cols.high[i] = c + 1; cols.low[i] = c - 1; cols.volume[i] = 10;
      }
      let peak = 0;
      for (let run = 0; run < 40; run++) {
        const data = new SessionData({ baseInterval: '1s', intervals: ['5s'] });
        data.beginSession(S);
        for (let k = 0; k < 10; k++) data.appendMany('S' + k, cols);
        await new Promise((resolve) => setImmediate(resolve));
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      parentPort.postMessage(peak);
    } else {
      const data = new SessionData({ baseInterval: '1s' });
      data.beginSession(S);
      let time = S.open;
      let appended = 0;
      const timer = setInterval(() => { data.append('LIVE', { time, open: 1, high: 1, low: 1, close: 1, volume: 1 }); time += 1000; appended++; }, 1);
      const worker = new Worker(new URL(import.meta.url));
      const peak = await new Promise((resolve) => worker.once('message', resolve));
      clearInterval(timer);
      await worker.terminate();
      console.log(JSON.stringify({ peak, appended }));
    }
    `,
  );
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  const { peak, appended } = JSON.parse(r.stdout) as { peak: number; appended: number };
  t.true(appended > 0);
  t.log(`peak resident ${(peak / 1e6).toFixed(0)} MB`);
  t.true(peak < 800e6, `peak resident ${(peak / 1e6).toFixed(0)} MB`);
});

test('a sweep whose batches are all refused (a bad last row) stays flat: the room a refused batch reserved is told to V8', (t) => {
  // 40 stores, each given ten symbols x 86,400 1s bars whose last row has a negative volume: every
  // appendMany throws (all or nothing), after reserving room for the batch. Told of memory only
  // by calls that succeeded, V8 never collected the dropped stores: 1.6 GB resident.
  const script = `
    const { SessionData, sessionOn } = await import(${JSON.stringify(ENTRY)});
    const S = sessionOn('2024-03-04', { open: '00:00', close: '24:00', timeZone: 'UTC' });
    const N = 86_400;
    const cols = { time: new Float64Array(N), open: new Float64Array(N), high: new Float64Array(N), low: new Float64Array(N), close: new Float64Array(N), volume: new Float64Array(N) };
    for (let i = 0; i < N; i++) { cols.time[i] = S.open + i * 1000; cols.open[i] = cols.close[i] = 100; cols.high[i] = 101; cols.low[i] = 99; cols.volume[i] = 10; }
    cols.volume[N - 1] = -1;
    let peak = 0;
    let refused = 0;
    for (let run = 0; run < 40; run++) {
      const data = new SessionData({ baseInterval: '1s', intervals: ['5s'] });
      data.beginSession(S);
      for (let k = 0; k < 10; k++) {
        try { data.appendMany('S' + k, cols); } catch { refused++; }
      }
      await new Promise((resolve) => setImmediate(resolve));
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    console.log(JSON.stringify({ peak, refused }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  const { peak, refused } = JSON.parse(r.stdout) as { peak: number; refused: number };
  t.is(refused, 400);
  t.log(`peak resident ${(peak / 1e6).toFixed(0)} MB`);
  t.true(peak < 800e6, `peak resident ${(peak / 1e6).toFixed(0)} MB`);
});
