/**
 * A column source's rows that a run does not ask for (another symbol, a day outside the run) are
 * counted in the report's `skipped`, as a stream's are: every row is in `barsIn` or there. Counts
 * worked out by hand from the rows below.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalysisEngine, Calendar, ConfigError, InputError, SessionCoordinator, SessionData, columnsSource, csvSource } from 'barstream';
import type { Bar, ColumnarSource } from 'barstream';
import { toColumns } from './helpers/naive.js';

const MINUTE = 60_000;
const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-05-06', open: '10:00', close: '10:10' }] });
const open = Date.parse('2024-05-06T10:00:00Z');
const bar = (time: number): Bar => ({ time, open: 10, high: 11, low: 9, close: 10, volume: 100 });

const run = (source: ColumnarSource, symbols?: string[]) =>
  new SessionCoordinator({ calendar, data: new SessionData(), engine: new AnalysisEngine(), source, from: '2024-05-06', to: '2024-05-06', ...(symbols === undefined ? {} : { symbols }) }).run();

test('columnsSource: rows of another day, rows timed in seconds and a symbol not asked for are counted in skipped', async (t) => {
  // A: 3 rows the day before, then the session's 10. B: its 10 in seconds (1970: no day of the
  // run). C: 10 rows, and the run asks for A and B only.
  const session = Array.from({ length: 10 }, (_, k) => bar(open + k * MINUTE));
  const source = columnsSource({
    A: toColumns([...[3, 2, 1].map((d) => bar(open - d * 86_400_000)), ...session]),
    B: toColumns(session.map((b) => ({ ...b, time: b.time / 1000 }))),
    C: toColumns(session),
  });
  const report = await run(source, ['A', 'B']);
  t.is(report.barsIn, 10);
  t.deepEqual(report.skipped, { symbol: 10, days: 3 + 10, future: 0, unread: 0 });
  // All of them asked for: nothing left out for its symbol.
  const all = await run(source);
  t.is(all.barsIn, 20);
  t.deepEqual(all.skipped, { symbol: 0, days: 13, future: 0, unread: 0 });
});

test('csvSource: the rows of a symbol column not asked for, and of other days, are counted in skipped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'barstream-left-out-'));
  try {
    const iso = (time: number): string => new Date(time).toISOString();
    const rows = (symbol: string, times: number[]): string[] => times.map((time) => `${symbol},${iso(time)},10,11,9,10,100`);
    const session = Array.from({ length: 10 }, (_, k) => open + k * MINUTE);
    writeFileSync(join(dir, 'all.csv'), `symbol,time,open,high,low,close,volume\n${[...rows('A', [open - 86_400_000, ...session]), ...rows('C', session)].join('\n')}\n`);
    const report = await run(csvSource(dir), ['A']);
    t.is(report.barsIn, 10);
    t.deepEqual(report.skipped, { symbol: 10, days: 1, future: 0, unread: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a source's leftOut() that gives anything but two counts fails the run, naming it", async (t) => {
  const inner = columnsSource({ A: toColumns([bar(open)]) });
  for (const bad of [null, { symbol: 1 }, { symbol: -1, days: 0 }, { symbol: 0.5, days: 0 }]) {
    const source: ColumnarSource = { kind: 'columns', load: (r) => inner.load(r), leftOut: () => bad as never };
    await t.throwsAsync(() => run(source), { instanceOf: InputError, message: /a source's leftOut\(\) must return \{ symbol, days \}, whole numbers >= 0, got/ }, JSON.stringify(bad));
  }
  // A leftOut that is no function is refused when the run is made.
  t.throws(() => new SessionCoordinator({ calendar, data: new SessionData(), source: { kind: 'columns', load: (r: Parameters<ColumnarSource['load']>[0]) => inner.load(r), leftOut: 5 } as unknown as ColumnarSource, from: '2024-05-06', to: '2024-05-06' }), { instanceOf: ConfigError, message: /a source's leftOut must be a function returning \{ symbol, days \}, got 5/ });
  // Without leftOut: zeros, as before.
  const plain: ColumnarSource = { kind: 'columns', load: (r) => inner.load(r) };
  t.deepEqual((await run(plain)).skipped, { symbol: 0, days: 0, future: 0, unread: 0 });
});
