/**
 * The README's demo command (`npm run demo`), run as a user runs it: it exits 0 and its counts are
 * the session's, worked out by hand.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('the demo runs to its end: a 09:30-16:00 session of three symbols closes 390 1m, 78 5m, 26 15m, 13 30m, 7 1h and one 1d bar each', (t) => {
  const r = spawnSync(process.execPath, ['dist/demo.js'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr, '');
  t.regex(r.stdout, /closed bars by interval \(all symbols\): \{ '1m': 1170, '5m': 234, '15m': 78, '30m': 39, '1h': 21, '1d': 3 \}/);
  // Seven 1h bars, session-aligned from 09:30: the last from 15:30, cut at the close.
  const hours = [...r.stdout.matchAll(/^ {2}(\d\d:\d\d) {4}/gm)].map((m) => m[1]);
  t.deepEqual(hours, ['09:30', '10:30', '11:30', '12:30', '13:30', '14:30', '15:30']);
  t.regex(r.stdout, /streaming equals batch \(every column, bit for bit\): true/);
});
