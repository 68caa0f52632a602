/**
 * `barstream backtest --data -`: CSV piped to stdin, run as a user runs it (a child process with
 * the data written to its stdin). Expected counts are worked out by hand from the rows below.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');

/** Runs the command line with `input` piped to its stdin (nothing: an empty pipe). */
function barstream(input: string | Buffer, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', input, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Json {
  report: { sessions: number; symbols: string[]; barsIn: number; barsStored: number; closedBars: Record<string, number>; derivedBars: number };
  source: { files: string[]; rowsRead: number; rowsLoaded: number; rowsOutside: number; rowsBySymbol: Record<string, number>; symbolsBackInTime: string[]; symbolsReordered: string[]; badRows: number; badRowDetails: unknown[] };
}

const minute = (day: number, h: number, m: number): string => `2013-10-${String(day).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`;
// XNYS regular hours in October 2013 are 13:30Z-20:00Z. Monday the 7th: its first 12 minutes
// (13:30-13:41); Tuesday the 8th: its last 10 (19:50-19:59); Wednesday the 9th: one row, after --to.
const ROWS = [
  ...Array.from({ length: 12 }, (_, k) => `${minute(7, 13, 30 + k)},10,11,9,10.5,100`),
  ...Array.from({ length: 10 }, (_, k) => `${minute(8, 19, 50 + k)},10,11,9,10.5,100`),
  `${minute(9, 13, 30)},10,11,9,10.5,100`,
];
const CSV = `time,open,high,low,close,volume\n${ROWS.join('\n')}\n`;
const DAYS = ['--from', '2013-10-07', '--to', '2013-10-08'];

/** What the rows above make, counted by hand. */
function checkRun(t: ExecutionContext, j: Json): void {
  t.is(j.report.sessions, 2);
  t.deepEqual(j.report.symbols, ['SPY']);
  // 22 rows on the two days reach the run; the 9th's is outside them.
  t.like(j.report, { barsIn: 22, barsStored: 22 });
  t.deepEqual(j.source, { files: ['stdin'], rowsRead: 23, rowsLoaded: 22, rowsOutside: 1, rowsBySymbol: { SPY: 22 }, symbolsBackInTime: [], symbolsDaily: [], symbolsCoarser: [], symbolsStampedAtClose: [], symbolsFixedPoint: [], symbolsReordered: [], overlappingFiles: [], rowsWithoutOffset: 0, badRows: 0, badRowDetails: [] });
  // The 7th: 5m buckets 13:30, 13:35, 13:40 (cut short by the session's end), one each of 15m
  // (13:30), 30m (13:30), 1h (13:30) and 1d. The 8th: 5m 19:50 and 19:55, one each of 15m (19:45),
  // 30m (19:30), 1h (19:30, the session's last hour starts at 15:30 New York) and 1d.
  t.deepEqual(j.report.closedBars, { '1m': 22, '5m': 5, '15m': 2, '30m': 2, '1h': 2, '1d': 2 });
  t.is(j.report.derivedBars, 13);
}

test('--data - reads CSV piped to stdin; without a symbol column its rows are the one symbol --symbols names', (t) => {
  const json = barstream(CSV, 'backtest', '--data', '-', '--symbols', 'SPY', ...DAYS, '--json');
  t.is(json.status, 0, json.stderr);
  t.is(json.stderr, '');
  checkRun(t, JSON.parse(json.stdout) as Json);
  const table = barstream(CSV, 'backtest', '--data', '-', '--symbols', 'SPY', ...DAYS);
  t.is(table.status, 0, table.stderr);
  t.regex(table.stdout, /csv rows read\s*│\s*23 \(stdin\)\s/);
  t.regex(table.stdout, /derived bars\s*│\s*13 \(5m 5, 15m 2, 30m 2, 1h 2, 1d 2\)/);
});

test('--data -: its warnings, for rows that --symbols names, speak of the days alone', (t) => {
  // Every row is SPY's (--symbols names the rows); none is on the run's day, a day later.
  const later = barstream(CSV, 'backtest', '--data', '-', '--symbols', 'SPY', '--from', '2013-10-10', '--to', '2013-10-10');
  t.is(later.status, 0, later.stderr);
  t.regex(later.stderr, /warning: none of the 23 rows read from stdin was loaded, as none is on the run's day \(2013-10-10\): check --from and --to, and that the times are read as written/);
  t.notRegex(later.stderr, /symbol/);
  // A header alone: no row of SPY on the run's days, and no symbol column to blame.
  const empty = barstream('time,open,high,low,close,volume\n', 'backtest', '--data', '-', '--symbols', 'SPY', ...DAYS);
  t.is(empty.status, 0, empty.stderr);
  t.regex(empty.stderr, /warning: stdin has no row of 'SPY' \(--symbols, the symbol of its rows\) on the run's days: check --from and --to/);
  t.notRegex(empty.stderr, /symbol column/);
});

test('--data -: gzip-compressed input is known by its first bytes and read as the plain text is', (t) => {
  const r = barstream(gzipSync(CSV), 'backtest', '--data', '-', '--symbols', 'SPY', ...DAYS, '--json');
  t.is(r.status, 0, r.stderr);
  checkRun(t, JSON.parse(r.stdout) as Json);
});

test('--data -: the CSV flags apply to stdin, and a malformed row is named as stdin and its line', (t) => {
  // Semicolons, vendor names, epoch seconds: 2013-10-07T13:30:00Z is 1381152600.
  const semi = `ts;o;h;l;c;v\n${Array.from({ length: 12 }, (_, k) => `${1381152600 + 60 * k};10;11;9;10.5;100`).join('\n')}\n`;
  const ok = barstream(semi, 'backtest', '--data', '-', '--symbols', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07', '--delimiter', ';', '--columns', 'time=ts,open=o,high=h,low=l,close=c,volume=v', '--epoch', 's', '--json');
  t.is(ok.status, 0, ok.stderr);
  t.like((JSON.parse(ok.stdout) as Json).report, { barsIn: 12, barsStored: 12, closedBars: { '5m': 3 } });
  const bad = CSV.replace(`${minute(7, 13, 35)},10,11,9,10.5`, `${minute(7, 13, 35)},10,11,9,ten`);
  const fails = barstream(bad, 'backtest', '--data', '-', '--symbols', 'SPY', ...DAYS);
  t.is(fails.status, 1);
  t.is(fails.stderr, "barstream: csvSource: 'stdin' line 7: close 'ten' is not a number; --bad-rows skip leaves malformed rows out, counted and the first listed [invalid_input]\n");
  const skips = barstream(bad, 'backtest', '--data', '-', '--symbols', 'SPY', ...DAYS, '--bad-rows', 'skip', '--json');
  t.is(skips.status, 0, skips.stderr);
  t.like((JSON.parse(skips.stdout) as Json).source, { rowsRead: 23, rowsLoaded: 21, badRows: 1 });
  t.regex(skips.stderr, /^barstream: warning: 1 malformed CSV row was skipped \(--bad-rows skip\); it: 'stdin' line 7: close 'ten' is not a number\n$/);
});

test('--data -: without a symbol column, no --symbols or several are an error saying to give one; a symbol column needs none', (t) => {
  const none = barstream(CSV, 'backtest', '--data', '-', ...DAYS);
  t.is(none.status, 1);
  t.is(
    none.stderr,
    "barstream: csvSource: 'stdin' has no symbol column ('symbol' or 'ticker') to take each row's symbol from: name the symbol of its rows with --symbols NAME, or give --symbol-column for a column of symbols [invalid_input]\n",
  );
  const two = barstream(CSV, 'backtest', '--data', '-', '--symbols', 'SPY,QQQ', ...DAYS);
  t.is(two.status, 1);
  t.regex(two.stderr, /^barstream: csvSource: 'stdin' has no symbol column \('symbol' or 'ticker'\) to take each row's symbol from, so its rows are one symbol, but --symbols names 2: give one, or --symbol-column for a column of symbols \[invalid_input\]\n$/);
  // With a symbol column, as for a file: every symbol in it, or those --symbols picks.
  const mixed = `time,symbol,open,high,low,close,volume\n${ROWS.flatMap((row) => ['AAA', 'BBB'].map((s) => row.replace(',', `,${s},`))).join('\n')}\n`;
  const both = barstream(mixed, 'backtest', '--data', '-', ...DAYS, '--json');
  t.is(both.status, 0, both.stderr);
  t.like((JSON.parse(both.stdout) as Json).report, { symbols: ['AAA', 'BBB'], barsIn: 44 });
  const one = barstream(mixed, 'backtest', '--data', '-', '--symbols', 'BBB', ...DAYS, '--json');
  t.is(one.status, 0, one.stderr);
  t.like(JSON.parse(one.stdout) as Json, { report: { symbols: ['BBB'], barsIn: 22 }, source: { rowsRead: 46, rowsLoaded: 22, rowsOutside: 24 } });
  const column = barstream(mixed.replace('symbol', 'sym'), 'backtest', '--data', '-', '--symbol-column', 'sym', '--symbols', 'AAA', ...DAYS, '--json');
  t.is(column.status, 0, column.stderr);
  t.like((JSON.parse(column.stdout) as Json).report, { symbols: ['AAA'], barsIn: 22 });
});

test('--data - with nothing piped in: an empty stdin is an error, as an empty file is; a terminal is refused before anything is read', (t) => {
  const empty = barstream('', 'backtest', '--data', '-', '--symbols', 'SPY', ...DAYS);
  t.is(empty.status, 1);
  t.is(empty.stderr, "barstream: csvSource: 'stdin' is empty (no header line): nothing was piped to --data - [invalid_input]\n");
  t.is(empty.stdout, '');
  // A terminal on stdin, through script(1) where it is installed: it would wait for typing.
  const script = spawnSync('script', ['-qec', `"${process.execPath}" "${MAIN}" backtest --data - ${DAYS.join(' ')}`, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (script.error !== undefined || script.status === null) {
    t.log('script(1) is not available: the terminal case is not run');
    return;
  }
  t.is(script.status, 2, script.stdout);
  t.regex(script.stdout, /barstream: --data - reads CSV piped to stdin, and stdin is a terminal here: pipe the data in \(zcat SPY\.csv\.gz \| barstream backtest --data - --symbols SPY \.\.\.\) or give a file/);
});
