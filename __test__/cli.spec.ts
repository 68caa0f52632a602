import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MINUTE_DATA_DIR, minuteDataAvailable } from './helpers/csv.js';
import { scratchDir } from './helpers/scratch.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');

/** Runs the command line as a user does: a child process, its exit code and output. */
function barstream(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonReport {
  strategy: string;
  signals: number;
  report: {
    drive: string;
    sessions: number;
    symbols: string[];
    barsIn: number;
    barsStored: number;
    rejected: Record<string, number>;
    closedBars: Record<string, number>;
    derivedBars: number;
    delivered: number;
    metrics: Record<string, { count: number }>;
  };
}

// The built-in data set: 4 symbols, XNYS 2024-03-04 to 2024-03-15: ten full sessions (no holiday,
// no early close), 390 minutes each.
const SESSIONS = 10;
const SYMBOLS = 4;

test('backtest with no options runs the built-in data set and prints the summary table', (t) => {
  const r = barstream('backtest');
  t.is(r.status, 0, r.stderr);
  const out = r.stdout;
  t.regex(out, /sessions\s*│\s*10\s/);
  t.regex(out, /base bars in\s*│\s*15,600\s/);
  t.regex(out, /stored\s*│\s*15,600\s/);
  t.regex(out, /symbols\s*│\s*ALFA, BRVO, CHRL, DLTA/);
  t.regex(out, /derived bars\s*│\s*5,000 \(5m 3,120, 15m 1,040, 30m 520, 1h 280, 1d 40\)/);
  t.regex(out, /signals\s*│\s*\d+ \(\d+ buy, \d+ sell\)/);
  t.regex(out, /throughput\s*│\s*[\d,]+ bars\/s/);
  for (const stage of ['native.append', 'dispatch', 'subscriber:rsi-sma-5m']) t.true(out.includes(stage), stage);
  t.regex(out, /p50 us.*p99 us.*max us/);
});

test('--json prints the report; counts match the data set', (t) => {
  const r = barstream('backtest', '--json');
  t.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as JsonReport;
  t.is(j.strategy, 'rsi-sma-5m');
  t.is(j.report.drive, 'data');
  t.is(j.report.sessions, SESSIONS);
  t.is(j.report.barsIn, SESSIONS * SYMBOLS * 390);
  t.is(j.report.barsStored, SESSIONS * SYMBOLS * 390);
  t.deepEqual(j.report.closedBars, { '1m': 15_600, '5m': 78 * 40, '15m': 26 * 40, '30m': 13 * 40, '1h': 7 * 40, '1d': 40 });
  t.is(j.report.derivedBars, 3120 + 1040 + 520 + 280 + 40);
  t.is(j.report.delivered, 3120);
  t.is(j.report.metrics['subscriber:rsi-sma-5m']?.count, 3120);
  // The same seed gives the same run.
  const again = JSON.parse(barstream('backtest', '--json').stdout) as JsonReport;
  t.is(again.signals, j.signals);
});

test('--symbols, --from, --to and --speed (clock-driven)', (t) => {
  const r = barstream('backtest', '--json', '--symbols', 'ALFA,BRVO', '--from', '2024-03-11', '--to', '2024-03-11', '--speed', '60000', '--overrun', 'queue');
  t.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as JsonReport;
  t.is(j.report.drive, 'clock');
  t.is(j.report.sessions, 1);
  t.deepEqual([...j.report.symbols].sort(), ['ALFA', 'BRVO']);
  t.is(j.report.barsStored, 2 * 390);
});

test('--strategy loads a user module', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'every-hour.mjs');
  writeFileSync(
    file,
    `export default {
      name: 'every-hour',
      intervals: ['1h'],
      indicators: { '1h': [{ kind: 'ema', period: 3 }] },
      setup(engine, ctx) {
        engine.subscribe({ interval: '1h' }, (e) => {
          if (!Number.isNaN(e.indicator('ema3')[e.index])) ctx.signal({ symbol: e.symbol, time: e.time, side: 'buy' });
        });
      },
    };\n`,
  );
  const j = JSON.parse(barstream('backtest', '--json', '--strategy', file).stdout) as JsonReport;
  t.is(j.strategy, 'every-hour');
  // 7 hourly bars a session and symbol; EMA(3) has values from the third bar on.
  t.is(j.signals, SESSIONS * SYMBOLS * 7 - SYMBOLS * 2);
});

test('--strategy: a TypeScript module this Node.js cannot import is refused with the way out, not only the unknown extension', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'typed.ts');
  writeFileSync(file, `const strategy: { name: string; setup(): void } = { name: 'typed', setup() {} };\nexport default strategy;\n`);
  const r = barstream('backtest', '--from', '2024-03-04', '--to', '2024-03-04', '--strategy', file);
  // A Node.js that strips types itself (23.6 and later, 22.18 and later) runs it: nothing to explain.
  if (r.status === 0) {
    t.log(`Node.js ${process.version} runs TypeScript itself: the strategy ran`);
    t.regex(r.stdout, /typed/);
    return;
  }
  t.is(r.status, 1);
  t.regex(r.stderr, /cannot load .*typed\.ts: .*\.ts.*; this Node\.js does not run TypeScript itself: compile the strategy to JavaScript, or run the command line under a loader \(node --import tsx /);
  // A JavaScript file that is missing says nothing of TypeScript.
  t.notRegex(barstream('backtest', '--strategy', path.join(dir, 'missing.mjs')).stderr, /TypeScript/);
});

test('--strategy under a TypeScript loader (tsx): a .mts strategy runs; a .ts one outside a "type": "module" folder is refused with the way out', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-'));
  const source = `import type { Strategy } from 'barstream';\nconst strategy: Strategy = { name: 'typed', setup() {} };\nexport default strategy;\n`;
  writeFileSync(path.join(dir, 'typed.mts'), source);
  writeFileSync(path.join(dir, 'typed.ts'), source);
  const run = (file: string): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'backtest', '--from', '2024-03-04', '--to', '2024-03-04', '--strategy', path.join(dir, file)], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const mts = run('typed.mts');
  t.is(mts.status, 0, mts.stderr);
  const ts = run('typed.ts');
  // A Node.js that loads CommonJS into ES modules this way (later than 20) runs it: nothing to explain.
  if (ts.status !== 0) t.regex(ts.stderr, /cannot load .*typed\.ts: .*; name the strategy \.mts \(an ES module whatever its folder says\), or give its folder's package\.json "type": "module"/);
  else t.regex(ts.stdout, /typed/);
  rmSync(dir, { recursive: true, force: true });
});

test('--strategy: intervals spelt otherwise than the defaults (60m for 1h, 60s for the base) are the same series', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'spelt.mjs');
  writeFileSync(
    file,
    `export default {
      name: 'spelt',
      intervals: ['60s', '60m', '300s', '2h'],
      setup(engine) {
        engine.subscribe({ interval: '60m' }, () => {});
        engine.subscribe({ interval: '2h' }, () => {});
      },
    };\n`,
  );
  const r = barstream('backtest', '--json', '--strategy', file);
  t.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as JsonReport;
  // The defaults (5m, 15m, 30m, 1h, 1d) and 2h, once each. A 09:30-16:00 session: 7 bars of 1h
  // (09:30 ... 15:30) and 4 of 2h (09:30, 11:30, 13:30, 15:30).
  t.deepEqual(Object.keys(j.report.closedBars), ['1m', '5m', '15m', '30m', '1h', '1d', '2h']);
  t.is(j.report.closedBars['1h'], SESSIONS * SYMBOLS * 7);
  t.is(j.report.closedBars['2h'], SESSIONS * SYMBOLS * 4);
  t.is(j.report.delivered, SESSIONS * SYMBOLS * (7 + 4));
});

test('an overrun fails the run (exit 1) with a message in the command line\'s terms: --overrun queue, or a lower --speed', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'slow.mjs');
  // 20 ms a 5m bar; at speed 60000 a minute is 1 ms of wall time.
  writeFileSync(file, `export default { name: 'slow', setup(engine) { engine.subscribe({ interval: '5m', name: 'slow' }, () => { const end = Date.now() + 20; while (Date.now() < end); }); } };\n`);
  const r = barstream('backtest', '--symbols', 'ALFA', '--from', '2024-03-04', '--to', '2024-03-04', '--speed', '60000', '--strategy', file);
  t.is(r.status, 1, r.stderr);
  t.regex(r.stderr, /^barstream: subscriber 'slow' was still busy when the slice at .* came due \(lag [\d.]+ ms\); use --overrun queue to wait instead, or a lower --speed \[overrun\]\n$/);
  t.notRegex(r.stderr, /overrun: 'queue'/);
});

test('a strategy whose handler failed once exits 3 and says so, in the singular', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'once.mjs');
  writeFileSync(
    file,
    `let thrown = false;
export default {
  name: 'once',
  setup(engine) {
    engine.subscribe({ interval: '1d', name: 'daily' }, () => {
      if (!thrown) {
        thrown = true;
        throw new Error('only this once');
      }
    });
  },
};\n`,
  );
  const r = barstream('backtest', '--strategy', file);
  t.is(r.status, 3, r.stderr);
  t.regex(r.stderr, /^barstream: the strategy's handlers failed 1 time; the first: subscriber 'daily' on [A-Z]{4} 1d at 2024-03-04T14:30:00\.000Z: Error: only this once\n$/);
});

test('--json keeps the name, message and code of subscriber errors', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'thrower.mjs');
  writeFileSync(
    file,
    `export default {
      name: 'thrower',
      setup(engine) {
        engine.subscribe({ interval: '1d', name: 'daily' }, (e) => {
          throw Object.assign(new TypeError('cannot handle ' + e.symbol), { code: 'E_DAILY' });
        });
      },
    };\n`,
  );
  const r = barstream('backtest', '--json', '--strategy', file);
  // The run went through: its report is printed, and the exit code says the strategy failed.
  t.is(r.status, 3, r.stderr);
  t.regex(r.stderr, /^barstream: the strategy's handlers failed 40 times; the first: subscriber 'daily' on [A-Z]{4} 1d at 2024-03-04T14:30:00\.000Z: TypeError: cannot handle [A-Z]{4}\n$/);
  const j = JSON.parse(r.stdout) as { report: { subscriberErrorCount: number; subscriberErrors: { subscriber: string; symbol: string; error: unknown }[] } };
  // One daily bar a session and symbol, each a failure.
  t.is(j.report.subscriberErrorCount, SESSIONS * SYMBOLS);
  const first = j.report.subscriberErrors[0];
  t.is(first?.subscriber, 'daily');
  t.deepEqual(first?.error, { name: 'TypeError', message: `cannot handle ${first?.symbol}`, code: 'E_DAILY' });
});

test('--strategy: an async setup is awaited, the base interval may be listed, and a bad signal is a subscriber error', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'late-setup.mjs');
  writeFileSync(
    file,
    `export default {
      name: 'late-setup',
      intervals: ['1m', '1d'],
      async setup(engine, ctx) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        engine.subscribe({ interval: '1d' }, (e) => {
          ctx.signal({ symbol: e.symbol, time: e.time, side: 'buy' });
          ctx.signal({ symbol: e.symbol, time: e.time, side: 'hold' });
        });
      },
    };\n`,
  );
  const r = barstream('backtest', '--json', '--strategy', file);
  t.is(r.status, 3, r.stderr);
  t.regex(r.stderr, /failed 40 times; the first: .*hold/);
  const j = JSON.parse(r.stdout) as JsonReport & { signalsBySide: { buy: number; sell: number }; report: { subscriberErrorCount: number } };
  // One daily bar a session and symbol: each gives one good signal and one refused.
  t.is(j.report.delivered, SESSIONS * SYMBOLS);
  t.is(j.signals, SESSIONS * SYMBOLS);
  t.deepEqual(j.signalsBySide, { buy: SESSIONS * SYMBOLS, sell: 0 });
  t.is(j.report.subscriberErrorCount, SESSIONS * SYMBOLS);

  // One signal object reused, its side changed after each call: each record is the signal as it
  // was given. Malformed signals are refused, saying what is wrong.
  const reuse = path.join(dir, 'reuse.mjs');
  writeFileSync(
    reuse,
    `export default {
      name: 'reuse',
      setup(engine, ctx) {
        const s = { symbol: '', time: 0, side: 'buy' };
        let n = 0;
        const refused = new Set();
        const tryBad = (bad) => { try { ctx.signal(bad); } catch (e) { refused.add(e.message); } };
        engine.subscribe({ interval: '1d' }, (e) => {
          s.symbol = e.symbol;
          s.time = e.time;
          s.side = n++ % 2 === 0 ? 'buy' : 'sell';
          ctx.signal(s);
          s.side = 'sell';
          tryBad({ symbol: '', time: e.time, side: 'buy' });
          tryBad({ symbol: e.symbol, time: 1.5, side: 'buy' });
          tryBad({ symbol: e.symbol, time: NaN, side: 'buy' });
          tryBad({ symbol: e.symbol, time: e.time, side: 'buy', note: 5 });
          if (n === ${SESSIONS * SYMBOLS}) console.log([...refused].join('\\n'));
        });
      },
    };\n`,
  );
  const re = barstream('backtest', '--json', '--strategy', reuse);
  t.is(re.status, 0, re.stderr);
  const rj = JSON.parse(re.stdout) as JsonReport & { signalsBySide: { buy: number; sell: number }; signalList: { side: string; time: number }[] };
  t.deepEqual(rj.signalsBySide, { buy: (SESSIONS * SYMBOLS) / 2, sell: (SESSIONS * SYMBOLS) / 2 });
  t.deepEqual(rj.signalList.slice(0, 2).map((x) => x.side), ['buy', 'sell']);
  t.is(rj.signalList.length, SESSIONS * SYMBOLS);
  const lines = re.stderr.trim().split('\n');
  t.is(lines.length, 4, re.stderr);
  t.is(lines[0], "a signal is { symbol, time, side: 'buy' | 'sell', note? }: symbol must be a non-empty string, got ''");
  t.is(lines[1], "a signal is { symbol, time, side: 'buy' | 'sell', note? }: time must be whole epoch milliseconds (a closed bar's time), got 1.5");
  t.is(lines[2], "a signal is { symbol, time, side: 'buy' | 'sell', note? }: time must be whole epoch milliseconds (a closed bar's time), got NaN");
  t.is(lines[3], "a signal is { symbol, time, side: 'buy' | 'sell', note? }: note must be a string when given, got 5");

  const failing = path.join(dir, 'failing-setup.mjs');
  writeFileSync(failing, `export default { name: 'failing', async setup() { throw new Error('model file missing'); } };\n`);
  const f = barstream('backtest', '--strategy', failing);
  t.is(f.status, 1);
  t.regex(f.stderr, /^barstream: .*failing: setup failed: model file missing \[invalid_config\]/);
});

test('bad arguments: a clear message and a non-zero exit', (t) => {
  const speed = barstream('backtest', '--speed=-3');
  t.is(speed.status, 2);
  t.regex(speed.stderr, /--speed must be a number >= 0/);
  const command = barstream('replay');
  t.is(command.status, 2);
  t.regex(command.stderr, /expected the command 'backtest'/);
  const overrun = barstream('backtest', '--overrun', 'drop');
  t.is(overrun.status, 2);
  t.regex(overrun.stderr, /--overrun must be 'fail' or 'queue'/);
  const unknown = barstream('backtest', '--frobnicate');
  t.is(unknown.status, 2);
  // Not Node's advice to put it after '--', which this command does not take.
  t.regex(unknown.stderr, /^barstream: unknown option '--frobnicate' \(the options are below\)\n\nUsage: barstream backtest/);
  const strategy = barstream('backtest', '--strategy', 'no/such/file.js');
  t.is(strategy.status, 1);
  t.regex(strategy.stderr, /cannot load no\/such\/file\.js.*\[invalid_config\]/s);
  for (const args of [
    ['--from', '2024-3-4'],
    ['--from', '2024-03-15', '--to', '2024-03-04'],
    ['--data', '/tmp'],
    ['--speed='],
    // Number() reads these as 16 and 3: a speed is a decimal number.
    ['--speed', '0x10'],
    ['--speed', '0b11'],
    // Too small for a double: Number() gives 0, a data-driven run.
    ['--speed', '1e-400'],
    // A day that does not exist, though Date.parse takes it.
    ['--from', '2024-02-30', '--to', '2024-03-05'],
    // Only one date, on the wrong side of the built-in data set's other one (2024-03-04 to 2024-03-15).
    ['--from', '2024-03-20'],
    ['--to', '2024-03-01'],
    ['--symbols', ','],
  ]) {
    const r = barstream('backtest', ...args);
    t.is(r.status, 2, args.join(' '));
    t.regex(r.stderr, /^barstream: --/, args.join(' '));
  }
  for (const [args, message] of [
    // A data-driven run has no overruns: the flag would be ignored without a word.
    [['--overrun', 'queue'], /--overrun is for clock-driven runs: give --speed above 0 with it/],
    [['--overrun', 'fail', '--speed', '0'], /--overrun is for clock-driven runs/],
    [['--from', '1999-12-30', '--to', '2000-01-05'], /outside the dates XNYS covers/],
    [['--time-zone', 'America/New_York'], /--time-zone is for the files of --data/],
    [['--data', '/tmp', '--from', '2024-03-04', '--to', '2024-03-05', '--time-zone', 'Mars/Base'], /--time-zone must be an IANA time zone/],
  ] as const) {
    const r = barstream('backtest', ...args);
    t.is(r.status, 2, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
  }
  const help = barstream('--help');
  t.is(help.status, 0);
  t.regex(help.stdout, /Usage: barstream backtest/);
  // Readable on a 100-column terminal without wrapping.
  t.deepEqual(help.stdout.split('\n').filter((line) => line.length > 100), []);
});

test('--time-zone reads CSV times without an offset as local times of that zone', (t) => {
  // A regular New York session, 09:30-15:59 local, written as wall-clock times.
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-tz-'));
  try {
    const rows = ['time,open,high,low,close,volume'];
    for (let k = 0; k < 390; k++) {
      const h = 9 + Math.floor((30 + k) / 60);
      const m = (30 + k) % 60;
      rows.push(`2013-10-07 ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00,1,2,0.5,1.5,10`);
    }
    const file = path.join(dir, 'NYL.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const report = (args: string[]): { barsIn: number; barsStored: number; rejected: Record<string, number> } => {
      const r = barstream('backtest', '--data', file, '--from', '2013-10-07', '--to', '2013-10-07', '--json', ...args);
      t.is(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { report: { barsIn: number; barsStored: number; rejected: Record<string, number> } }).report;
    };
    t.like(report(['--time-zone', 'America/New_York']), { barsIn: 390, barsStored: 390 });
    // Read as UTC, 09:30-15:59 is before the 13:30Z open for 240 of them (EDT: UTC-4).
    t.like(report([]), { barsIn: 390, barsStored: 150, rejected: { outside_session: 240 } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--epoch reads nanosecond times (Polygon, Databento); without it the failure names the flag', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-epoch-'));
  try {
    // 2013-10-07 13:30Z (09:30 in New York) is 1381152600 s; one bar a minute for the session.
    const rows = ['time,open,high,low,close,volume'];
    for (let k = 0; k < 390; k++) rows.push(`${1381152600 + k * 60}000000000,1,2,0.5,1.5,10`);
    const file = path.join(dir, 'NS.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const args = ['backtest', '--data', file, '--from', '2013-10-07', '--to', '2013-10-07', '--json'];
    const unset = barstream(...args);
    t.is(unset.status, 1, unset.stderr);
    t.regex(unset.stderr, /NS\.csv' line 2: epoch time 1381152600000000000 is too large .*give --epoch us for microseconds, --epoch ns for nanoseconds\) \[invalid_input\]/);
    const ns = barstream(...args, '--epoch', 'ns');
    t.is(ns.status, 0, ns.stderr);
    t.like((JSON.parse(ns.stdout) as JsonReport).report, { barsIn: 390, barsStored: 390 });
    for (const [extra, message] of [
      [['--epoch', 'minutes'], /--epoch must be auto, s, ms, us or ns, got 'minutes'/],
      [['--epoch', 'ns', '--epoch', 'us'], /--epoch is given 2 times/],
    ] as const) {
      const r = barstream(...args, ...extra);
      t.is(r.status, 2, extra.join(' '));
      t.regex(r.stderr, message, extra.join(' '));
    }
    const noData = barstream('backtest', '--epoch', 'ns');
    t.is(noData.status, 2);
    t.regex(noData.stderr, /--epoch is for the files of --data/);
    // Skipped rows shown on stderr give the same advice in flags.
    const skipped = barstream(...args, '--bad-rows', 'skip');
    t.is(skipped.status, 0, skipped.stderr);
    t.regex(skipped.stderr, /skipped \(--bad-rows skip\); the first 3: '[^']*NS\.csv' line 2: epoch time 1381152600000000000 is too large .*\(give --epoch us for microseconds, --epoch ns for nanoseconds\);/);
    t.notRegex(skipped.stderr, /epoch option/);
    // Every row is malformed, none is off the run's day: no warning blames the days.
    t.notRegex(skipped.stderr, /none is on the run's day/);
    // A compact date, refused under auto, names the flag too.
    const compact = path.join(dir, 'CD.csv');
    writeFileSync(compact, 'time,open,high,low,close,volume\n20131007,1,1,1,1,1\n');
    const date = barstream('backtest', '--data', compact, '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(date.status, 1, date.stderr);
    t.regex(date.stderr, /CD\.csv' line 2: time '20131007' reads as the date-time 2013-10-07 as well as an epoch number; write ISO 8601 times, or give --epoch s or --epoch ms if it is one \[invalid_input\]/);
    // A file whose name holds no symbol: the command line has no symbolFromPath to give.
    const unnamed = path.join(dir, '_bars.csv');
    writeFileSync(unnamed, 'time,open,high,low,close,volume\n2013-10-07T13:30:00Z,1,1,1,1,1\n');
    const nameless = barstream('backtest', '--data', unnamed, '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(nameless.status, 1, nameless.stderr);
    t.regex(nameless.stderr, /no symbol in the file name of '[^']*_bars\.csv' \(name the file SYMBOL\.csv or SYMBOL_anything\.csv, or give --symbol-column for a column of symbols\) \[invalid_input\]/);
    t.notRegex(nameless.stderr, /symbolFromPath|symbolColumn/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--bad-rows skip leaves malformed rows out, counted, with the first ones on stderr; by default the first fails the run', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-bad-'));
  try {
    const rows = sessionRows();
    // Lines 3, 11, 21 and 31 (the header is line 1): a text price, a short row, an unreadable time, and another text price.
    rows[1] = rows[1]!.replace(',1,2,', ',abc,2,');
    rows[9] = '2013-10-07T13:39:00Z,1,2,0.5';
    rows[19] = 'yesterday,1,2,0.5,1.5,10';
    rows[29] = rows[29]!.replace(',1.5,10', ',1.5,ten');
    const file = path.join(dir, 'BAD.csv');
    writeFileSync(file, `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
    const args = ['backtest', '--data', file, '--from', '2013-10-07', '--to', '2013-10-07'];
    const fail = barstream(...args);
    t.is(fail.status, 1);
    t.is(fail.stderr, `barstream: csvSource: '${file}' line 3: open 'abc' is not a number; --bad-rows skip leaves malformed rows out, counted and the first listed [invalid_input]\n`);
    t.is(barstream(...args, '--bad-rows', 'fail').stderr, fail.stderr);
    const skip = barstream(...args, '--bad-rows', 'skip', '--json');
    t.is(skip.status, 0, skip.stderr);
    const j = JSON.parse(skip.stdout) as JsonReport & { source: { rowsRead: number; rowsLoaded: number; badRows: number; badRowDetails: { line: number }[] } };
    t.like(j.source, { rowsRead: 390, rowsLoaded: 386, badRows: 4 });
    t.deepEqual(j.source.badRowDetails.map((b) => b.line), [3, 11, 21, 31]);
    t.like(j.report, { barsIn: 386, barsStored: 386 });
    t.is(
      skip.stderr,
      `barstream: warning: 4 malformed CSV rows were skipped (--bad-rows skip); the first 3: '${file}' line 3: open 'abc' is not a number; '${file}' line 11: expected 6 fields (as in the header), found 4; '${file}' line 21: time 'yesterday' is neither an ISO 8601 date-time nor an epoch number\n`,
    );
    const table = barstream(...args, '--bad-rows', 'skip');
    t.regex(table.stdout, /csv bad rows skipped\s*│\s*4\s/);
    for (const [extra, message] of [
      [['--bad-rows', 'ignore'], /--bad-rows must be 'fail' or 'skip', got 'ignore'/],
    ] as const) {
      const r = barstream(...args, ...extra);
      t.is(r.status, 2);
      t.regex(r.stderr, message);
    }
    const noData = barstream('backtest', '--bad-rows', 'skip');
    t.is(noData.status, 2);
    t.regex(noData.stderr, /--bad-rows is for the files of --data/);
    // Dates with the day and month first (a US export): every row is such, so skipping is no advice.
    const us = path.join(dir, 'US.csv');
    writeFileSync(us, 'Date,Time,Open,High,Low,Close,Volume\n10/07/2013,09:30,1,2,0.5,1.5,10\n');
    const usRun = barstream('backtest', '--data', us, '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(usRun.status, 1);
    t.is(usRun.stderr, `barstream: csvSource: '${us}' line 2: time '10/07/2013 09:30' writes its date day and month first, in an order files do not agree on (03/04 is March 4 or 3 April): give --date-order mdy for March 4, --date-order dmy for 3 April, or write dates as YYYY-MM-DD [invalid_input]\n`);
    // With the order given, read: 09:30 UTC (no --time-zone) is outside the session; in New York it is its first bar.
    const mdy = barstream('backtest', '--json', '--data', us, '--date-order', 'mdy', '--time-zone', 'America/New_York', '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(mdy.status, 0, mdy.stderr);
    t.like((JSON.parse(mdy.stdout) as JsonReport).report, { barsIn: 1, barsStored: 1 });
    // Day first, 10 July is no session of the run: the row is left out.
    const dmy = barstream('backtest', '--json', '--data', us, '--date-order', 'dmy', '--time-zone', 'America/New_York', '--from', '2013-10-07', '--to', '2013-10-07');
    t.like((JSON.parse(dmy.stdout) as JsonReport).report, { barsIn: 0 });
    const wrong = barstream('backtest', '--data', us, '--date-order', 'ydm', '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(wrong.status, 2);
    t.is(wrong.stderr, "barstream: --date-order must be mdy, dmy or ymd, got 'ydm'\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The rows of one regular XNYS session of 2013-10-07 (EDT, so 13:30Z to 19:59Z), one a minute, with
 * `Z` times; `symbol`, when given, fills a second column.
 */
function sessionRows(symbol?: string): string[] {
  const rows: string[] = [];
  for (let k = 0; k < 390; k++) {
    const minutes = 13 * 60 + 30 + k;
    const time = `2013-10-07T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00Z`;
    rows.push(symbol === undefined ? `${time},1,2,0.5,1.5,10` : `${time},${symbol},1,2,0.5,1.5,10`);
  }
  return rows;
}

test('--data: a pattern the shell expanded, an empty path, a wildcard in a directory or a path naming no file are bad arguments (exit 2)', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-data-'));
  try {
    for (const symbol of ['AAA', 'BBB', 'CCC']) writeFileSync(path.join(dir, `${symbol}_1m.csv`), `time,open,high,low,close,volume\n${sessionRows().join('\n')}\n`);
    mkdirSync(path.join(dir, 'empty'));
    const days = ['--from', '2013-10-07', '--to', '2013-10-07'];
    // Unquoted, as a user types it: the shell passes three paths.
    const shell = spawnSync('sh', ['-c', `"$0" "$1" backtest --data ${dir}/*.csv --from 2013-10-07 --to 2013-10-07`, process.execPath, MAIN], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    t.is(shell.status, 2, shell.stderr);
    t.regex(shell.stderr, /^barstream: --data takes one path, directory or pattern, but '.*BBB_1m\.csv', '.*CCC_1m\.csv' follow it; a pattern must be quoted/);
    t.notRegex(shell.stderr, /expected the command/);
    // Quoted, the pattern reaches the source: three symbols, one session each.
    const quoted = barstream('backtest', '--json', '--data', `${dir}/*.csv`, ...days);
    t.is(quoted.status, 0, quoted.stderr);
    t.like((JSON.parse(quoted.stdout) as JsonReport).report, { barsIn: 3 * 390, barsStored: 3 * 390 });
    for (const [args, message] of [
      [['--data', ''], /^barstream: --data needs a file, a directory or a pattern, got ''/],
      [['--data='], /^barstream: --data needs a file, a directory or a pattern/],
      [['--data', '/x/*/y.csv'], /^barstream: --data '\/x\/\*\/y\.csv': a pattern may have \* or \? only in its last segment/],
      [['--data', path.join(dir, 'ZZZ_1m.csv')], /^barstream: --data: cannot read '.*ZZZ_1m\.csv': no such file or directory/],
      [['--data', `${dir}/*.txt`], /^barstream: --data: no file matches/],
      [['--data', path.join(dir, 'empty')], /^barstream: --data: directory '.*empty' has no \.csv or \.csv\.gz file/],
    ] as const) {
      const r = barstream('backtest', ...args, ...days);
      t.is(r.status, 2, args.join(' '));
      t.regex(r.stderr, message, args.join(' '));
      t.notRegex(r.stderr, /invalid_config/, args.join(' '));
    }
    // A file that is there but malformed is a run that failed.
    const bad = path.join(dir, 'BAD_1m.csv');
    writeFileSync(bad, 'time,open,high,low,close,volume\n2013-10-07T13:30:00Z,1,2,0.5,one,10\n');
    const malformed = barstream('backtest', '--data', bad, ...days);
    t.is(malformed.status, 1);
    t.regex(malformed.stderr, /BAD_1m\.csv' line 2: .*\[invalid_input\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an option given twice, a flag included, is a bad argument (exit 2), not the last one silently', (t) => {
  for (const args of [
    ['--data', 'a.csv', '--data', 'b.csv', '--from', '2013-10-07', '--to', '2013-10-07'],
    ['--from', '2024-03-04', '--from', '2024-03-05'],
    ['--to', '2024-03-05', '--to=2024-03-06'],
    ['--symbols', 'ALFA', '--symbols', 'BRVO'],
    ['--speed', '0', '--speed', '0'],
    ['--overrun', 'fail', '--overrun', 'queue'],
    ['--strategy', 'a.mjs', '--strategy', 'b.mjs'],
    ['--time-zone', 'UTC', '--time-zone', 'UTC'],
  ]) {
    const r = barstream('backtest', ...args);
    const name = args[0] as string;
    t.is(r.status, 2, args.join(' '));
    t.regex(r.stderr, new RegExp(`^barstream: ${name} is given 2 times`), args.join(' '));
  }
  // A flag too: nothing would be lost, but the rule has no exceptions to remember.
  const json = barstream('backtest', '--json', '--json');
  t.is(json.status, 2);
  t.is(json.stderr, 'barstream: --json is given 2 times; give it once\n');
  t.is(json.stdout, '');
  const symbols = barstream('backtest', '--symbols', 'ALFA,BRVO,ALFA');
  t.is(symbols.status, 2);
  t.regex(symbols.stderr, /^barstream: --symbols names 'ALFA' twice/);
});

test('--symbol-column reads each row\'s symbol from a header column, for a file with several symbols', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-column-'));
  try {
    const aaa = sessionRows('AAA');
    const bbb = sessionRows('BBB');
    const file = path.join(dir, 'mixed.csv');
    writeFileSync(file, `time,symbol,open,high,low,close,volume\n${aaa.flatMap((row, i) => [row, bbb[i] as string]).join('\n')}\n`);
    const days = ['--from', '2013-10-07', '--to', '2013-10-07'];
    const both = barstream('backtest', '--json', '--data', file, '--symbol-column', 'symbol', ...days);
    t.is(both.status, 0, both.stderr);
    const j = JSON.parse(both.stdout) as JsonReport;
    t.deepEqual([...j.report.symbols].sort(), ['AAA', 'BBB']);
    t.like(j.report, { barsIn: 2 * 390, barsStored: 2 * 390 });
    // The column's name is matched in any case; --symbols picks among the column's symbols.
    const one = barstream('backtest', '--json', '--data', file, '--symbol-column', 'Symbol', '--symbols', 'BBB', ...days);
    t.is(one.status, 0, one.stderr);
    t.like((JSON.parse(one.stdout) as JsonReport).report, { symbols: ['BBB'], barsIn: 390, barsStored: 390 });

    const noData = barstream('backtest', '--symbol-column', 'symbol');
    t.is(noData.status, 2);
    t.regex(noData.stderr, /^barstream: --symbol-column is for the files of --data/);
    const empty = barstream('backtest', '--data', file, '--symbol-column', ' ', ...days);
    t.is(empty.status, 2);
    t.regex(empty.stderr, /^barstream: --symbol-column needs a column name/);
    // A column the header does not have is found when the file is read: the run fails.
    const absent = barstream('backtest', '--data', file, '--symbol-column', 'ticker', ...days);
    t.is(absent.status, 1);
    t.regex(absent.stderr, /no 'ticker' symbol column in the header.*\[invalid_input\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--delimiter, --columns and --header read files in other layouts: semicolons, vendor names, tabs without a header or a volume', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-layout-'));
  try {
    const days = ['--from', '2013-10-07', '--to', '2013-10-07'];
    // Rows of sessionRows: time,1,2,0.5,1.5,10 -> 390 bars, each open 1, high 2, low 0.5, close 1.5, volume 10.
    const rows = sessionRows();
    const semi = path.join(dir, 'SEMI_1m.csv');
    writeFileSync(semi, `window_start;o;h;l;c;v\n${rows.map((r) => r.replaceAll(',', ';')).join('\n')}\n`);
    const wrong = barstream('backtest', '--data', semi, ...days);
    t.is(wrong.status, 1);
    t.regex(wrong.stderr, /has ";": give --delimiter ';' \[invalid_input\]/);
    // Without a header line, read with --header: the row says the same.
    const tabs = path.join(dir, 'TABS_1m.csv');
    writeFileSync(tabs, `${rows.map((r) => r.replaceAll(',', '\t')).join('\n')}\n`);
    const bare = barstream('backtest', '--data', tabs, '--header', 'time,open,high,low,close,volume', ...days);
    t.is(bare.status, 1);
    t.regex(bare.stderr, /line 1: expected 6 fields \(as in --header\), found 1; the row has no "," but has "\\t": give --delimiter tab \[invalid_input\]\n$/);
    t.is(barstream('backtest', '--data', tabs, '--header', 'time,open,high,low,close,volume', '--delimiter', 'tab', ...days).status, 0);
    // A header naming a column twice is not told to skip its rows.
    const closes = path.join(dir, 'TWICE_1m.csv');
    writeFileSync(closes, `time,open,high,low,close,close,volume\n${rows.map((r) => r.replace(/,([^,]*),([^,]*)$/, ',$1,$1,$2')).join('\n')}\n`);
    const both = barstream('backtest', '--data', closes, ...days);
    t.is(both.status, 1);
    t.regex(both.stderr, /line 1: the header names the column 'close' more than once \(columns 5 and 6\) .*: rename or remove one \[invalid_input\]\n$/);
    const names = barstream('backtest', '--data', semi, '--delimiter', ';', ...days);
    t.is(names.status, 1);
    t.regex(names.stderr, /give --columns time=<its name> \[invalid_input\]/);
    const semiOk = barstream('backtest', '--json', '--data', semi, '--delimiter', ';', '--columns', 'time=window_start,open=o,HIGH=h,low=l,close=c,volume=v', ...days);
    t.is(semiOk.status, 0, semiOk.stderr);
    t.like((JSON.parse(semiOk.stdout) as JsonReport).report, { symbols: ['SEMI'], barsIn: 390, barsStored: 390, closedBars: { '5m': 78 } });

    // Tabs, no header line, no volume column.
    const tsv = path.join(dir, 'TABS_1m.csv');
    writeFileSync(tsv, `${rows.map((r) => r.split(',').slice(0, 5).join('\t')).join('\n')}\n`);
    const noHeader = barstream('backtest', '--data', tsv, '--delimiter', 'tab', ...days);
    t.is(noHeader.status, 1);
    t.regex(noHeader.stderr, /the first line is a row of data, not a header: name the columns with --header/);
    const noVolume = barstream('backtest', '--data', tsv, '--delimiter', 'tab', '--header', 'time,open,high,low,close', ...days);
    t.is(noVolume.status, 2);
    t.regex(noVolume.stderr, /^barstream: --header: no 'volume' column .*give --columns volume=<its name> \(volume= for files that have none\)/);
    const oneTooMany = barstream('backtest', '--data', tsv, '--delimiter', 'tab', '--header', 'time,open,high,low,close,volume', ...days);
    t.is(oneTooMany.status, 1);
    t.regex(oneTooMany.stderr, /TABS_1m\.csv' line 1: expected 6 fields \(as in --header\), found 5 \[invalid_input\]\n$/);
    const tsvOk = barstream('backtest', '--json', '--data', tsv, '--delimiter', 'tab', '--header', 'time,open,high,low,close', '--columns', 'volume=', ...days);
    t.is(tsvOk.status, 0, tsvOk.stderr);
    t.like((JSON.parse(tsvOk.stdout) as JsonReport).report, { symbols: ['TABS'], barsIn: 390, barsStored: 390 });
    // --header on a file with a header line of its own: the error says that is the cause.
    const headed = path.join(dir, 'HEADED_1m.csv');
    writeFileSync(headed, `time,open,high,low,close,volume\n${rows.map((r) => r.split(',').slice(0, 6).join(',')).join('\n')}\n`);
    const twice = barstream('backtest', '--data', headed, '--header', 'time,open,high,low,close,volume', ...days);
    t.is(twice.status, 1);
    t.regex(twice.stderr, /HEADED_1m\.csv' line 1: time 'time' is neither an ISO 8601 date-time nor an epoch number; the row has the names --header gives: the file has a header line of its own, so leave --header out \[invalid_input\]\n$/);
    t.is(barstream('backtest', '--data', headed, ...days).status, 0);
    // Binance's klines: twelve columns; --header names each of them, and a short list is told so.
    const klines = path.join(dir, 'KL_1m.csv');
    writeFileSync(klines, `${rows.map((r) => `${r.split(',').slice(0, 6).join(',')},0,15,3,5,7,0`).join('\n')}\n`);
    const six = barstream('backtest', '--data', klines, '--header', 'time,open,high,low,close,volume', ...days);
    t.is(six.status, 1);
    t.regex(six.stderr, /KL_1m\.csv' line 1: expected 6 fields \(as in --header\), found 12; --header names every column of the file, one name each, in order \[invalid_input\]\n$/);
    const twelve = barstream('backtest', '--json', '--data', klines, '--header', 'time,open,high,low,close,volume,close_time,quote_volume,trades,taker_base,taker_quote,ignore', ...days);
    t.is(twelve.status, 0, twelve.stderr);
    t.like((JSON.parse(twelve.stdout) as JsonReport).report, { symbols: ['KL'], barsIn: 390, barsStored: 390 });
    // A date column named otherwise beside a time of day: --columns date=<name>.
    const dated = path.join(dir, 'MS_1m.csv');
    const hhmmss = (r: string): [string, string] => {
      // sessionRows' times are ISO instants in UTC; New York is 4 hours behind on 2013-10-07.
      const d = new Date(r.split(',')[0] as string);
      return ['20131007', `${String(d.getUTCHours() - 4).padStart(2, '0')}${String(d.getUTCMinutes()).padStart(2, '0')}00`];
    };
    writeFileSync(dated, `<DATE>,<TIME>,open,high,low,close,volume\n${rows.map((r) => [...hhmmss(r), ...r.split(',').slice(1, 6)].join(',')).join('\n')}\n`);
    const msOk = barstream('backtest', '--json', '--data', dated, '--columns', 'time=<TIME>,date=<DATE>', '--time-zone', 'America/New_York', ...days);
    t.is(msOk.status, 0, msOk.stderr);
    t.like((JSON.parse(msOk.stdout) as JsonReport).report, { symbols: ['MS'], barsIn: 390, barsStored: 390, closedBars: { '5m': 78 } });

    // Bad values are bad arguments, found before the run.
    for (const [args, message] of [
      [['--delimiter', ';;'], /^barstream: --delimiter: ";;" is not a single character/],
      [['--delimiter', '\\t'], /^barstream: --delimiter: "\\\\t" is not a single character other than a quote or a line break \(--delimiter tab for a tab\)\n$/],
      [['--columns', 'tim=x'], /^barstream: --columns takes field=name pairs, the fields time, open, high, low, close, volume, date; got 'tim=x'/],
      [['--columns', 'time=a,time=b'], /^barstream: --columns names time twice/],
      [['--columns', 'close='], /^barstream: --columns: close needs a column name/],
      [['--header', 'open,high'], /^barstream: --header: no 'time' or 'timestamp' or 'datetime' or 'date' column among \["open","high"\]; give --columns time=<its name>\n/],
      // The symbol column is one --header must name too.
      [['--header', 'time,open,high,low,close,volume', '--symbol-column', 'sym'], /^barstream: --header: no 'sym' symbol column among \["time","open","high","low","close","volume"\]\n/],
    ] as const) {
      const r = barstream('backtest', '--data', semi, ...args, ...days);
      t.is(r.status, 2, args.join(' '));
      t.regex(r.stderr, message, args.join(' '));
    }
    for (const flag of ['--time-zone', '--epoch', '--bad-rows', '--symbol-column', '--delimiter', '--columns', '--header', '--order']) {
      const r = barstream('backtest', flag, 'x');
      t.is(r.status, 2);
      t.is(r.stderr, `barstream: ${flag} is for the files of --data\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a symbol's files read in name order against date order: the later days are stored, the earlier ones rejected, and a hint says why", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-order-'));
  try {
    // Regular hours of 2013-10-07..10 (13:30Z-20:00Z): AAA_a.csv holds the 9th and 10th, AAA_b.csv the 7th and 8th.
    const day = (date: string): string[] => sessionRows().map((row) => row.replace('2013-10-07', date));
    writeFileSync(path.join(dir, 'AAA_a.csv'), `time,open,high,low,close,volume\n${[...day('2013-10-09'), ...day('2013-10-10')].join('\n')}\n`);
    writeFileSync(path.join(dir, 'AAA_b.csv'), `time,open,high,low,close,volume\n${[...day('2013-10-07'), ...day('2013-10-08')].join('\n')}\n`);
    const run = ['--data', dir, '--from', '2013-10-07', '--to', '2013-10-10'];
    const json = barstream('backtest', '--json', ...run);
    t.is(json.status, 0, json.stderr);
    const j = JSON.parse(json.stdout) as JsonReport & { source: { symbolsBackInTime: string[] } };
    // As a stream in file order would: the 9th and 10th run whole; the 7th's and 8th's rows come
    // after them, before the open of the last session, and are rejected.
    t.is(j.report.barsStored, 2 * 390);
    t.is(j.report.rejected.outside_session, 2 * 390);
    t.deepEqual(j.source.symbolsBackInTime, ['AAA']);
    t.deepEqual((j.source as { symbolsReordered?: unknown }).symbolsReordered, []);
    const table = barstream('backtest', ...run);
    t.is(table.status, 0, table.stderr);
    t.regex(table.stderr, /hint: the rows of 'AAA' go back in time by a day or more: a symbol's files are read in name order.*, or give --order time to sort each symbol's rows by time\n/);
    // Sorted by time once read: the four days are stored whole, and nothing goes back in time.
    const sorted = barstream('backtest', '--json', '--order', 'time', ...run);
    t.is(sorted.status, 0, sorted.stderr);
    const k = JSON.parse(sorted.stdout) as JsonReport & { source: { symbolsBackInTime: string[]; symbolsReordered: string[] } };
    t.is(k.report.barsStored, 4 * 390);
    t.is(k.report.rejected.outside_session, 0);
    t.deepEqual(k.source.symbolsBackInTime, []);
    t.deepEqual(k.source.symbolsReordered, ['AAA']);
    const sortedTable = barstream('backtest', '--order', 'time', ...run);
    t.notRegex(sortedTable.stderr, /go back in time/);
    t.regex(sortedTable.stdout, /csv symbols sorted\s*│\s*AAA\s/);
    t.notRegex(table.stdout, /csv symbols sorted/);
    // --order given is the default, said.
    const given = barstream('backtest', '--json', '--order', 'given', ...run);
    t.is(given.status, 0, given.stderr);
    t.is((JSON.parse(given.stdout) as JsonReport).report.barsStored, 2 * 390);
    // Another order is refused, naming the two.
    const bad = barstream('backtest', '--order', 'date', ...run);
    t.is(bad.status, 2);
    t.is(bad.stderr, "barstream: --order must be 'given' or 'time', got 'date'\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("several symbols' files whose names give one symbol: the rows of the first stored, the rest rejected, and a hint names the files", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-overlap-'));
  try {
    // Three symbols' regular hours of 2013-10-07, each in a file named as Alpha Vantage's
    // downloads are: all three read as 'intraday'. With them, two files of one symbol for two days
    // (no time in common) and a split file that repeats the row at its cut.
    for (const name of ['AAPL', 'IBM', 'MSFT']) writeFileSync(path.join(dir, `intraday_1min_${name}.csv`), `time,open,high,low,close,volume\n${sessionRows().join('\n')}\n`);
    const day8 = sessionRows().map((row) => row.replace('2013-10-07', '2013-10-08'));
    writeFileSync(path.join(dir, 'DAYS_1.csv'), `time,open,high,low,close,volume\n${sessionRows().join('\n')}\n`);
    writeFileSync(path.join(dir, 'DAYS_2.csv'), `time,open,high,low,close,volume\n${day8.join('\n')}\n`);
    writeFileSync(path.join(dir, 'CUT_1.csv'), `time,open,high,low,close,volume\n${sessionRows().slice(0, 200).join('\n')}\n`);
    writeFileSync(path.join(dir, 'CUT_2.csv'), `time,open,high,low,close,volume\n${sessionRows().slice(199).join('\n')}\n`);
    const run = ['--data', dir, '--from', '2013-10-07', '--to', '2013-10-08'];
    const json = barstream('backtest', '--json', ...run);
    t.is(json.status, 0, json.stderr);
    const j = JSON.parse(json.stdout) as JsonReport & { source: { overlappingFiles: { symbol: string; files: string[] }[] } };
    t.deepEqual(
      j.source.overlappingFiles.map(({ symbol, files }) => [symbol, files.map((f) => path.basename(f))]),
      [['intraday', ['intraday_1min_AAPL.csv', 'intraday_1min_IBM.csv', 'intraday_1min_MSFT.csv']]],
    );
    // 'intraday' keeps the first file's 390 rows; DAYS both days; CUT its 390 (the repeated row a duplicate).
    t.is(j.report.barsStored, 390 + 2 * 390 + 390);
    // Each later intraday file goes back to 13:30 (out of order), and ends on the stored 19:59.
    t.is(j.report.rejected.out_of_order, 2 * 389);
    t.is(j.report.rejected.duplicate, 2 + 1);
    const table = barstream('backtest', ...run);
    t.is(table.status, 0, table.stderr);
    t.regex(table.stderr, /hint: the files of 'intraday' \(intraday_1min_AAPL\.csv, intraday_1min_IBM\.csv, intraday_1min_MSFT\.csv\) have times in common: a file's symbol is its name up to the first _, so these may be several symbols' files read as one \(name each by its symbol: AAPL\.csv, AAPL_1min\.csv, or give a symbol column\), or one file's rows given twice; the repeated times are rejected\n/);
    // Each file named by its symbol: no hint.
    for (const name of ['AAPL', 'IBM', 'MSFT']) renameSync(path.join(dir, `intraday_1min_${name}.csv`), path.join(dir, `${name}.csv`));
    const renamed = barstream('backtest', ...run);
    t.is(renamed.status, 0, renamed.stderr);
    t.notRegex(renamed.stderr, /times in common/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('daily bars given to --data: a hint says the run builds its bars from 1m bars, in place of the outside-hours hint', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-daily-'));
  try {
    // Yahoo Finance's daily download, 2013-10-07 to 10-11 (a date alone: midnight UTC); a symbol
    // that trades about once a day, at 14:05, 15:47, 13:31, 19:12 and 16:00 UTC; and minute bars.
    writeFileSync(path.join(dir, 'DAILY.csv'), `Date,Open,High,Low,Close,Adj Close,Volume\n${[7, 8, 9, 10, 11].map((d) => `2013-10-${String(d).padStart(2, '0')},100,101,99,100.5,99.9,1000`).join('\n')}\n`);
    writeFileSync(path.join(dir, 'RARE.csv'), `time,open,high,low,close,volume\n${['07T14:05', '08T15:47', '09T13:31', '10T19:12', '11T16:00'].map((x) => `2013-10-${x}:00Z,1,2,0.5,1.5,10`).join('\n')}\n`);
    writeFileSync(path.join(dir, 'MINUTE.csv'), `time,open,high,low,close,volume\n${sessionRows().join('\n')}\n`);
    const run = ['--data', dir, '--from', '2013-10-07', '--to', '2013-10-11'];
    const json = barstream('backtest', '--json', ...run);
    t.is(json.status, 0, json.stderr);
    const j = JSON.parse(json.stdout) as JsonReport & { source: { symbolsDaily: string[]; rowsOutside: number } };
    t.deepEqual(j.source.symbolsDaily, ['DAILY']);
    // The 7th's midnight UTC is the 6th in New York, before the run's days: not loaded. The other
    // four daily bars are outside the sessions; RARE's five and the minute bars are stored.
    t.is(j.source.rowsOutside, 1);
    t.is(j.report.rejected.outside_session, 4);
    t.is(j.report.barsStored, 390 + 5);
    const table = barstream('backtest', ...run);
    t.is(table.status, 0, table.stderr);
    t.regex(table.stderr, /hint: the rows of 'DAILY' are a day or more apart, as daily bars are: a run builds its bars from 1m bars \(its 1d bars too\), and a daily bar, timed at its day's start, is outside the session hours; give it intraday bars \(--base says what one spans\)\n/);
    t.notRegex(table.stderr, /outside the session hours: the files may hold pre- and after-market bars/);
    // Alone, its five bars are all the bars, all outside: still the daily hint alone.
    const alone = barstream('backtest', '--data', path.join(dir, 'DAILY.csv'), '--from', '2013-10-07', '--to', '2013-10-11');
    t.is(alone.status, 0, alone.stderr);
    t.regex(alone.stderr, /hint: the rows of 'DAILY' are a day or more apart/);
    t.notRegex(alone.stderr, /pre- and after-market/);
    // Over one day, one daily bar: timed at its day's start (the date read in New York, or a
    // midnight UTC), it is one; a bar at another time is not.
    const one = ['--from', '2013-10-08', '--to', '2013-10-08'];
    const ny = barstream('backtest', '--json', '--data', path.join(dir, 'DAILY.csv'), '--time-zone', 'America/New_York', ...one);
    t.deepEqual((JSON.parse(ny.stdout) as { source: { symbolsDaily: string[] } }).source.symbolsDaily, ['DAILY']);
    const oneDay = barstream('backtest', '--data', path.join(dir, 'DAILY.csv'), '--time-zone', 'America/New_York', ...one);
    t.regex(oneDay.stderr, /hint: the rows of 'DAILY' are a day or more apart/);
    t.notRegex(oneDay.stderr, /pre- and after-market/);
    writeFileSync(path.join(dir, 'UTC.csv'), 'Date,Open,High,Low,Close,Volume\n2013-10-09,100,101,99,100.5,1000\n');
    const utc = barstream('backtest', '--json', '--data', path.join(dir, 'UTC.csv'), ...one);
    t.deepEqual((JSON.parse(utc.stdout) as { source: { symbolsDaily: string[] } }).source.symbolsDaily, ['UTC']);
    const rare = barstream('backtest', '--json', '--data', path.join(dir, 'RARE.csv'), ...one);
    t.deepEqual((JSON.parse(rare.stdout) as { source: { symbolsDaily: string[] } }).source.symbolsDaily, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hints for files whose bars are stamped at their close, whose prices are fixed-point integers, or whose one symbol holds several instruments', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-hints-'));
  try {
    const days = ['--from', '2013-10-07', '--to', '2013-10-07'];
    type Source = { source: { symbolsStampedAtClose: string[]; symbolsFixedPoint: { symbol: string; close: number }[] } };
    const header = 'time,open,high,low,close,volume';
    // Regular hours 13:30Z-20:00Z: bars stamped at their end run 13:31Z to 20:00Z.
    const ends = sessionRows().map((r) => r.replace(/^(\S+?),/, (_, time: string) => `${new Date(Date.parse(time) + 60_000).toISOString()},`));
    const late = path.join(dir, 'LATE_1m.csv');
    writeFileSync(late, `${header}\n${ends.join('\n')}\n`);
    const a = barstream('backtest', '--json', '--data', late, ...days);
    t.is(a.status, 0, a.stderr);
    const ja = JSON.parse(a.stdout) as JsonReport & Source;
    t.deepEqual(ja.source.symbolsStampedAtClose, ['LATE']);
    t.like(ja.report, { barsIn: 390, barsStored: 389, rejected: { outside_session: 1 } });
    t.regex(a.stderr, /hint: the rows of 'LATE' have a bar at most sessions' close and none at their open: their times may be each bar's end, .*move the times back one bar\n/);
    // The same bars at their opens: no hint.
    const open = path.join(dir, 'OPEN_1m.csv');
    writeFileSync(open, `${header}\n${sessionRows().join('\n')}\n`);
    const b = barstream('backtest', '--json', '--data', open, ...days);
    t.deepEqual((JSON.parse(b.stdout) as Source).source.symbolsStampedAtClose, []);
    t.is(b.stderr, '');
    // Databento's prices without pretty_px: 510.19 as 510190000000.
    const fixed = path.join(dir, 'FIX_1m.csv');
    writeFileSync(fixed, `${header}\n${sessionRows().map((r) => r.replace(/,1,2,0\.5,1\.5,/, ',510000000000,510250000000,509900000000,510190000000,')).join('\n')}\n`);
    const c = barstream('backtest', '--json', '--data', fixed, ...days);
    t.is(c.status, 0, c.stderr);
    t.deepEqual((JSON.parse(c.stdout) as Source).source.symbolsFixedPoint, [{ symbol: 'FIX', close: 510190000000 }]);
    t.regex(c.stderr, /hint: every close of 'FIX' is a whole number of 100,000,000 or more \(the first 510,190,000,000\): the prices may be fixed-point integers/);
    // A close of a decimal among them: prices as written, no hint.
    writeFileSync(fixed, `${header}\n${sessionRows().map((r, k) => r.replace(/,1,2,0\.5,1\.5,/, k === 100 ? ',510000000000,510250000000,509900000000,510190000000.5,' : ',510000000000,510250000000,509900000000,510190000000,')).join('\n')}\n`);
    t.deepEqual((JSON.parse(barstream('backtest', '--json', '--data', fixed, ...days).stdout) as Source).source.symbolsFixedPoint, []);
    // Two instruments in one file, no symbol column: each minute twice.
    const both = path.join(dir, 'xnas-20131007.csv');
    writeFileSync(both, `instrument_id,${header}\n${sessionRows().flatMap((r) => [`1,${r}`, `2,${r.replace(',1,2,0.5,1.5,', ',3,4,2.5,3.5,')}`]).join('\n')}\n`);
    const d = barstream('backtest', '--json', '--data', both, ...days);
    t.like((JSON.parse(d.stdout) as JsonReport).report, { barsIn: 780, barsStored: 390, rejected: { duplicate: 390 } });
    t.regex(d.stderr, /hint: 390 of the 780 bars inside the session hours repeated a time their symbol already had: .*give --symbol-column naming the column of each row's instrument/);
    const e = barstream('backtest', '--json', '--data', both, '--symbol-column', 'instrument_id', ...days);
    t.like((JSON.parse(e.stdout) as JsonReport).report, { barsIn: 780, barsStored: 780 });
    t.notRegex(e.stderr, /repeated a time/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--base: files of 5m bars, read at the default 1m base with a hint, and at --base 5m whole; bad bases refused', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-base-'));
  try {
    // 2013-10-07's regular hours in 5m bars: 78 of them, 13:30Z to 19:55Z.
    const rows = Array.from({ length: 78 }, (_, k) => {
      const minutes = 13 * 60 + 30 + 5 * k;
      return `2013-10-07T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00Z,1,2,0.5,1.5,10`;
    });
    writeFileSync(path.join(dir, 'QQQ_5m.csv'), `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
    const run = ['--data', dir, '--from', '2013-10-07', '--to', '2013-10-07'];
    type Source = { source: { symbolsCoarser: { symbol: string; interval: string }[] } };
    const asOneMinute = barstream('backtest', '--json', ...run);
    t.is(asOneMinute.status, 0, asOneMinute.stderr);
    const a = JSON.parse(asOneMinute.stdout) as JsonReport & Source;
    t.deepEqual(a.source.symbolsCoarser, [{ symbol: 'QQQ', interval: '5m' }]);
    t.is(a.report.barsStored, 78);
    const table = barstream('backtest', ...run);
    t.regex(table.stderr, /hint: the rows of 'QQQ' are most often 5m apart, as 5m bars are: the run's base is 1m, so each is stored as one 1m bar and the 1m slots between them count as missing; give --base 5m if they are 5m bars\n/);
    t.regex(table.stdout, /QQQ\s*│\s*390\s*│\s*78\s*│\s*312\s*│/);
    // At --base 5m: 78 of 78 expected, 15m 26, 30m 13, 1h 7 (the last cut at 16:00), 1d 1; no 5m
    // derived (it is the base), no hint.
    const asFive = barstream('backtest', '--json', '--base', '5m', ...run);
    t.is(asFive.status, 0, asFive.stderr);
    const b = JSON.parse(asFive.stdout) as JsonReport & Source;
    t.deepEqual(b.source.symbolsCoarser, []);
    t.deepEqual(b.report.closedBars, { '5m': 78, '15m': 26, '30m': 13, '1h': 7, '1d': 1 });
    const fiveTable = barstream('backtest', '--base', '5m', ...run);
    t.regex(fiveTable.stdout, /base interval\s*│\s*5m\s/);
    t.regex(fiveTable.stdout, /QQQ\s*│\s*78\s*│\s*78\s*│\s*0\s*│/);
    t.notRegex(fiveTable.stderr, /most often/);
    t.notRegex(table.stdout, /base interval/);
    // The built-in data set is made at the base: 4 symbols x 10 sessions x 78.
    const synthetic = JSON.parse(barstream('backtest', '--json', '--base', '5m').stdout) as JsonReport;
    t.is(synthetic.report.barsStored, 4 * 10 * 78);
    // Bad bases, and a base the example strategy's 5m bars cannot be made from.
    for (const [base, message] of [
      ['1d', "barstream: --base must be an intraday interval such as 30s, 1m, 5m or 1h, got '1d' (daily bars are no base: a run builds its bars, 1d too, from intraday ones)\n"],
      ['5x', "barstream: --base must be an intraday interval such as 30s, 1m, 5m or 1h, got '5x'\n"],
    ] as const) {
      const r = barstream('backtest', '--base', base);
      t.is(r.status, 2, base);
      t.is(r.stderr, message, base);
    }
    // A strategy's own interval the base does not divide is refused by the store, naming it.
    const own = path.join(dir, 'five.mjs');
    writeFileSync(own, `export default { name: 'five', intervals: ['5m'], setup() {} };\n`);
    const ownRun = barstream('backtest', '--base', '1h', '--strategy', own);
    t.is(ownRun.status, 1);
    t.regex(ownRun.stderr, /5m is not a whole multiple of the base interval 1h/);
    const fifteen = barstream('backtest', '--base', '15m');
    t.is(fifteen.status, 1);
    t.regex(fifteen.stderr, /the example strategy trades 5m bars, which a 15m base does not make: give --strategy with one of your own for 15m bars, or a base that divides 5m/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the summary lists a strategy's own intervals among the others, shortest first", (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'ten.mjs');
  writeFileSync(file, `export default { name: 'ten', intervals: ['10m', '2h'], setup() {} };\n`);
  const r = barstream('backtest', '--strategy', file);
  t.is(r.status, 0, r.stderr);
  // Ten sessions of 390 minutes, four symbols: 10m 39 a session, 2h 4 (09:30, 11:30, 13:30, 15:30).
  t.regex(r.stdout, /derived bars\s*│\s*[\d,]+ \(5m 3,120, 10m 1,560, 15m 1,040, 30m 520, 1h 280, 2h 160, 1d 40\)/);
});

test('after a --data run: what the CSV source read, in the table and as `source` in --json; a warning when no row was loaded', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-source-'));
  try {
    // 3 symbols x 390 rows on 2013-10-07, and 30 more AAA rows on 2013-10-09 (14:00Z onwards).
    const later = Array.from({ length: 30 }, (_, k) => `2013-10-09T14:${String(k).padStart(2, '0')}:00Z,AAA,1,2,0.5,1.5,10`);
    const file = path.join(dir, 'mixed.csv');
    writeFileSync(file, `time,symbol,open,high,low,close,volume\n${[...sessionRows('AAA'), ...sessionRows('BBB'), ...sessionRows('CCC'), ...later].join('\n')}\n`);
    const run = ['--data', file, '--symbol-column', 'symbol', '--symbols', 'AAA,BBB', '--from', '2013-10-07', '--to', '2013-10-07'];
    const json = barstream('backtest', '--json', ...run);
    t.is(json.status, 0, json.stderr);
    const j = JSON.parse(json.stdout) as JsonReport & { source: unknown };
    // Loaded: AAA and BBB on the 7th; outside: CCC's rows and AAA's on the 9th, in the report's
    // skipped too (CCC as a symbol not asked for, AAA's 9th as a day outside the run).
    t.like((j.report as unknown as { skipped: object }).skipped, { symbol: 390, days: 30 });
    t.deepEqual(j.source, { files: [file], rowsRead: 3 * 390 + 30, rowsLoaded: 2 * 390, rowsOutside: 390 + 30, rowsBySymbol: { AAA: 390, BBB: 390 }, symbolsBackInTime: [], symbolsDaily: [], symbolsCoarser: [], symbolsStampedAtClose: [], symbolsFixedPoint: [], symbolsReordered: [], overlappingFiles: [], rowsWithoutOffset: 0, badRows: 0, badRowDetails: [] });
    t.is(j.report.barsIn, 2 * 390);
    t.notRegex(json.stderr, /warning|hint/);
    const table = barstream('backtest', ...run);
    t.is(table.status, 0, table.stderr);
    t.regex(table.stdout, /csv rows read\s*│\s*1,200 \(1 file\)\s/);
    t.regex(table.stdout, /csv rows loaded\s*│\s*780\s/);
    t.regex(table.stdout, /csv rows outside\s*│\s*420 \(not on the run's days or symbols\)/);
    t.regex(table.stdout, /csv bad rows skipped\s*│\s*0\s/);

    // A session the file has no row for: every row is read, none loaded; the run itself is done.
    const none = barstream('backtest', '--json', '--data', file, '--symbol-column', 'symbol', '--from', '2013-10-08', '--to', '2013-10-08');
    t.is(none.status, 0, none.stderr);
    t.like((JSON.parse(none.stdout) as { source: unknown }).source, { rowsRead: 3 * 390 + 30, rowsLoaded: 0, rowsOutside: 3 * 390 + 30 });
    t.regex(none.stderr, /^barstream: warning: none of the 1,200 rows read from the CSV files was loaded, as none is on the run's day \(2013-10-08\): check --from and --to/);
    // With malformed rows among them, the warning counts those apart from the rows off the day.
    const withBad = path.join(dir, 'bad.csv');
    writeFileSync(withBad, `time,symbol,open,high,low,close,volume\n${sessionRows('AAA').slice(0, 3).join('\n')}\nnot-a-time,AAA,1,1,1,1,1\n`);
    const someBad = barstream('backtest', '--data', withBad, '--symbol-column', 'symbol', '--bad-rows', 'skip', '--from', '2013-10-08', '--to', '2013-10-08');
    t.is(someBad.status, 0, someBad.stderr);
    t.regex(someBad.stderr, /^barstream: warning: none of the 4 rows read from the CSV files was loaded: 1 was malformed, and of the other 3 none is on the run's day \(2013-10-08\): check --from and --to/);

    // A symbol the file has no row of (a lower-case name): it runs with no bar, and a warning says so.
    const missing = barstream('backtest', '--json', '--data', file, '--symbol-column', 'symbol', '--symbols', 'AAA,bbb,DDD', '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(missing.status, 0, missing.stderr);
    t.like((JSON.parse(missing.stdout) as JsonReport).report, { barsIn: 390 });
    t.regex(missing.stderr, /^barstream: warning: the CSV files have no row of symbols 'bbb', 'DDD' \(--symbols\) on the run's days/);
    t.notRegex(missing.stderr, /'AAA'/);
    // One file a symbol, named by the file: SPY_....csv holds SPY, not spy.
    const named = path.join(dir, 'SPY_1m.csv');
    writeFileSync(named, `time,open,high,low,close,volume\n${sessionRows().join('\n')}\n`);
    const lower = barstream('backtest', '--data', named, '--symbols', 'spy', '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(lower.status, 0, lower.stderr);
    t.regex(lower.stderr, /^barstream: warning: the CSV files have no row of symbol 'spy' \(--symbols\)/);
    t.is(barstream('backtest', '--data', named, '--symbols', 'SPY', '--from', '2013-10-07', '--to', '2013-10-07').stderr, '');

    // The built-in data set has no CSV source.
    const synthetic = barstream('backtest', '--json', '--from', '2024-03-04', '--to', '2024-03-04');
    t.false('source' in (JSON.parse(synthetic.stdout) as object));
    t.notRegex(barstream('backtest', '--from', '2024-03-04', '--to', '2024-03-04').stdout, /csv rows/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a --data run with over half of its bars out of order hints that the file lists the newest bar first', (t) => {
  // An Alpha Vantage style file: the session of 2013-10-07 with its 15:59 bar first, its 09:30 bar last.
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-desc-'));
  try {
    const rows = sessionRows().reverse();
    const file = path.join(dir, 'DESC.csv');
    writeFileSync(file, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
    const r = barstream('backtest', '--json', '--data', file, '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(r.status, 0, r.stderr);
    // The first row (19:59Z) is stored; each of the other 389 is earlier than the last stored.
    t.like((JSON.parse(r.stdout) as JsonReport).report, { barsIn: 390, barsStored: 1, rejected: { out_of_order: 389 } });
    t.regex(r.stderr, /^barstream: hint: 389 of the 390 bars inside the session hours were out of order \(earlier than the bar before them\): the files may list the newest bar first; bars are read in file order: sort them oldest first, or give --order time\n/);
    // So given: every bar stored, and no hint.
    const ordered = barstream('backtest', '--json', '--order', 'time', '--data', file, '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(ordered.status, 0, ordered.stderr);
    t.like((JSON.parse(ordered.stdout) as JsonReport).report, { barsIn: 390, barsStored: 390, rejected: { out_of_order: 0 } });
    t.is(ordered.stderr, '');
    // With its pre- and after-market bars too (04:00-20:00 New York, 08:00Z-24:00Z): the 570 outside
    // regular hours outnumber the 389 out of order, and each hint has its cause.
    const at = (m: number): string => `2013-10-07T${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00Z,1,2,0.5,1.5,10`;
    const extended = Array.from({ length: 16 * 60 }, (_, k) => at(8 * 60 + k)).reverse();
    writeFileSync(file, `timestamp,open,high,low,close,volume\n${extended.join('\n')}\n`);
    const both = barstream('backtest', '--json', '--data', file, '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(both.status, 0, both.stderr);
    t.like((JSON.parse(both.stdout) as JsonReport).report, { barsIn: 960, barsStored: 1, rejected: { out_of_order: 389, outside_session: 570 } });
    t.regex(both.stderr, /hint: 570 of 960 bars were outside the session hours/);
    t.regex(both.stderr, /hint: 389 of the 390 bars inside the session hours were out of order \(earlier than the bar before them\): the files may list the newest bar first/);
    // Sorted, the same rows give no hint.
    writeFileSync(file, `timestamp,open,high,low,close,volume\n${sessionRows().join('\n')}\n`);
    const sorted = barstream('backtest', '--json', '--data', file, '--from', '2013-10-07', '--to', '2013-10-07');
    t.is(sorted.status, 0, sorted.stderr);
    t.is(sorted.stderr, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a --data run with over half of its bars outside the session hints that the times may be in another zone', (t) => {
  // New York wall-clock times without an offset, 09:30-15:59 on 2013-10-07 (EDT, UTC-4).
  const dir = mkdtempSync(path.join(tmpdir(), 'barstream-cli-hint-'));
  try {
    const rows = ['time,open,high,low,close,volume'];
    for (let k = 0; k < 390; k++) {
      const minutes = 9 * 60 + 30 + k;
      rows.push(`2013-10-07 ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00,1,2,0.5,1.5,10`);
    }
    const file = path.join(dir, 'NYL.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const run = (...args: string[]): { status: number | null; stdout: string; stderr: string } => barstream('backtest', '--json', '--data', file, '--from', '2013-10-07', '--to', '2013-10-07', ...args);
    // Read as UTC: 09:30-13:29 (240 rows) is before the 13:30Z open.
    const utc = run();
    t.is(utc.status, 0, utc.stderr);
    t.like((JSON.parse(utc.stdout) as JsonReport).report, { barsIn: 390, rejected: { outside_session: 240 } });
    t.is((JSON.parse(utc.stdout) as { source: { rowsWithoutOffset: number } }).source.rowsWithoutOffset, 390);
    t.regex(utc.stderr, /^barstream: hint: 240 of 390 bars were outside the session hours: the files may hold pre- and after-market bars, which regular hours leave out, or the times may not be in the zone the file assumes; times without an offset are read as UTC unless --time-zone is given/);
    t.notRegex(utc.stderr, /warning/);
    // Read as London (UTC+1): 08:30Z-14:59Z, of which 13:30Z-14:59Z (90 rows) is in the session.
    const london = run('--time-zone', 'Europe/London');
    t.is(london.status, 0, london.stderr);
    t.like((JSON.parse(london.stdout) as JsonReport).report, { rejected: { outside_session: 300 } });
    t.regex(london.stderr, /^barstream: hint: 300 of 390 bars were outside the session hours: .*times without an offset were read in Europe\/London \(--time-zone\)/);
    const newYork = run('--time-zone', 'America/New_York');
    t.is(newYork.status, 0, newYork.stderr);
    t.is(newYork.stderr, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const real = minuteDataAvailable() ? test : test.skip;
if (!minuteDataAvailable()) test.skip('the CLI over real data (skipped: ../shared/data/minute is absent)', () => {});

real('--data runs the real SPY, IBM and BAC files for their six sessions; every row is stored or rejected as outside the session', (t) => {
  const r = barstream('backtest', '--json', '--data', MINUTE_DATA_DIR, '--from', '2013-10-04', '--to', '2013-10-11');
  t.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as JsonReport;
  t.is(j.report.sessions, 6);
  t.deepEqual([...j.report.symbols].sort(), ['BAC', 'IBM', 'SPY']);
  // Independent count: rows whose New York time (UTC-4 that week) is 09:30 <= t < 16:00.
  let rows = 0;
  let regular = 0;
  const rowsBySymbol: Record<string, number> = {};
  for (const name of readdirSync(MINUTE_DATA_DIR).filter((f) => f.endsWith('.csv'))) {
    for (const line of readFileSync(path.join(MINUTE_DATA_DIR, name), 'utf8').split('\n').slice(1)) {
      if (line.trim() === '') continue;
      rows++;
      const symbol = name.slice(0, name.indexOf('_'));
      rowsBySymbol[symbol] = (rowsBySymbol[symbol] ?? 0) + 1;
      const [hh, mm] = (line.slice(11, 16).split(':').map(Number)) as [number, number];
      const ny = (hh - 4) * 60 + mm;
      if (ny >= 9 * 60 + 30 && ny < 16 * 60) regular++;
    }
  }
  t.is(j.report.barsIn, rows);
  t.deepEqual((j as JsonReport & { source: unknown }).source, {
    files: ['BAC', 'IBM', 'SPY'].map((s) => path.join(MINUTE_DATA_DIR, `${s}_201310_1m.csv`)),
    rowsRead: rows,
    rowsLoaded: rows,
    rowsOutside: 0,
    rowsBySymbol,
    // The real files are in time order.
    symbolsBackInTime: [],
    symbolsDaily: [],
    symbolsCoarser: [],
    // Each session has its 09:30 bar: times of bars' opens, integer cents.
    symbolsStampedAtClose: [],
    symbolsFixedPoint: [],
    symbolsReordered: [],
    overlappingFiles: [],
    // Their times end in Z: instants.
    rowsWithoutOffset: 0,
    badRows: 0,
    badRowDetails: [],
  });
  // Under half of the rows are outside regular hours: no hint about time zones.
  t.is(r.stderr, '');
  // SPY alone has more pre- and after-market rows than regular ones: the hint names them first.
  const spy = barstream('backtest', '--json', '--data', path.join(MINUTE_DATA_DIR, 'SPY_201310_1m.csv'), '--from', '2013-10-04', '--to', '2013-10-11');
  t.is(spy.status, 0, spy.stderr);
  // Its times end in Z: no time zone is in question.
  t.regex(spy.stderr, /^barstream: hint: [\d,]+ of [\d,]+ bars were outside the session hours: the files may hold pre- and after-market bars, which regular hours leave out \(their times are instants, with an offset or as epochs, so no time zone is in question\)\n/);
  t.is(j.report.barsStored, regular);
  t.is(j.report.rejected.outside_session, rows - regular);
  // IBM misses two regular minutes, so 3 * 6 * 390 - 2 base bars.
  t.is(regular, 3 * 6 * 390 - 2);
  // Quality: IBM's two missing minutes are found, with their times (12:39 and 12:46 New York).
  const q = (j.report as unknown as { quality: Record<string, Record<string, { base: { expected: number; received: number }; gaps: { from: number; to: number }[] }>> }).quality;
  t.deepEqual(Object.keys(q), ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11']);
  t.is(q['2013-10-04']?.IBM?.base.received, 389);
  t.deepEqual(q['2013-10-04']?.IBM?.gaps, [{ from: Date.UTC(2013, 9, 4, 16, 39), to: Date.UTC(2013, 9, 4, 16, 40) }]);
  t.deepEqual(q['2013-10-11']?.IBM?.gaps, [{ from: Date.UTC(2013, 9, 11, 16, 46), to: Date.UTC(2013, 9, 11, 16, 47) }]);
  t.is(q['2013-10-08']?.SPY?.base.expected, 390);
  t.is(q['2013-10-08']?.SPY?.base.received, 390);
  const table = barstream('backtest', '--data', MINUTE_DATA_DIR, '--from', '2013-10-04', '--to', '2013-10-11');
  t.regex(table.stdout, /IBM\s*│\s*2,340\s*│\s*2,338\s*│\s*2\s*│\s*[\d,]+\s*│\s*2\s*│\s*99\.91%/);
  t.regex(table.stdout, /gaps\s*│\s*2 \(2 reported, 0 filled, 0 unfilled\)/);
});

real('--data for one day reads that day only: its rows are stored or rejected, later days are not part of the run', (t) => {
  const j = JSON.parse(barstream('backtest', '--json', '--data', MINUTE_DATA_DIR, '--from', '2013-10-08', '--to', '2013-10-08').stdout) as JsonReport;
  let rows = 0;
  for (const name of readdirSync(MINUTE_DATA_DIR).filter((f) => f.endsWith('.csv'))) {
    for (const line of readFileSync(path.join(MINUTE_DATA_DIR, name), 'utf8').split('\n').slice(1)) {
      // New York 2013-10-08 is 04:00Z on the 8th to 04:00Z on the 9th.
      const iso = line.slice(0, 20);
      if (iso >= '2013-10-08T04:00:00Z' && iso < '2013-10-09T04:00:00Z') rows++;
    }
  }
  t.is(j.report.sessions, 1);
  t.is(j.report.barsIn, rows);
  t.is(j.report.barsStored, 3 * 390);
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
(hasScript ? test : test.skip)('on a terminal, a run over a second shows a progress bar of sessions (run under script(1) for a pseudo-terminal)', (t) => {
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} backtest --speed 30000 --overrun queue --from 2024-03-04 --to 2024-03-08 > /dev/null`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /sessions .*\d\/5/);
  t.regex(r.stdout, /5\/5/);
});

test('days with no session (a weekend): the run is done, with zeros, and a warning says why', (t) => {
  // 2024-01-06 and 07 are a Saturday and a Sunday.
  const r = barstream('backtest', '--json', '--from', '2024-01-06', '--to', '2024-01-07');
  t.is(r.status, 0, r.stderr);
  t.is((JSON.parse(r.stdout) as JsonReport).report.sessions, 0);
  t.regex(r.stderr, /^barstream: warning: the calendar has no session from 2024-01-06 to 2024-01-07 \(weekends and holidays have none\), so nothing was run: check --from and --to\n/);
  // New Year's Day, a holiday.
  const one = barstream('backtest', '--from', '2024-01-01', '--to', '2024-01-01');
  t.is(one.status, 0, one.stderr);
  t.regex(one.stderr, /warning: the calendar has no session on 2024-01-01 /);
  // A day with a session: no such warning.
  t.notRegex(barstream('backtest', '--from', '2024-01-02', '--to', '2024-01-02').stderr, /no session/);
});

test('Ctrl-C ends a run at its next step: the summary of what it did, exit 130', async (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'marker.mjs');
  // Says on stderr when the first 5m bar came: the run is under way.
  writeFileSync(
    file,
    `export default {
      name: 'marker',
      setup(engine) {
        let said = false;
        engine.subscribe({ interval: '5m' }, () => {
          if (!said) process.stderr.write('first bar\\n');
          said = true;
        });
      },
    };\n`,
  );
  // A clock-driven run at 300 simulated ms a wall ms: a session takes 78 s.
  const child = spawn(process.execPath, [MAIN, 'backtest', '--json', '--speed', '300', '--overrun', 'queue', '--strategy', file], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('first bar') && !child.killed) child.kill('SIGINT');
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.is(status, 130, stderr);
  t.regex(stderr, /barstream: interrupted after 1 session, the last one cut short\n/);
  const j = JSON.parse(stdout) as { report: { stopped: boolean; sessions: number; barsIn: number; barsStored: number; delivered: number; skipped: { unread: number } } };
  t.true(j.report.stopped);
  t.is(j.report.sessions, 1);
  // Four symbols: at least the five minutes of the first 5m bar, and far from a whole session.
  t.true(j.report.barsIn >= 4 * 5 && j.report.barsIn < 4 * 390, String(j.report.barsIn));
  t.is(j.report.barsStored, j.report.barsIn);
  // The built-in data set's other bars (4 symbols x 10 sessions x 390 minutes) are counted as never taken.
  t.is(j.report.barsIn + j.report.skipped.unread, 4 * 10 * 390);
  t.true(j.report.delivered >= 1);
});

test('Ctrl-C during a --data run with --symbols: no warning that the symbols have no rows, when they were loaded and only the run was cut short', async (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const strategy = path.join(dir, 'marker.mjs');
  writeFileSync(strategy, `export default { name: 'marker', setup(engine) { let said = false; engine.subscribe({ interval: '5m' }, () => { if (!said) process.stderr.write('first bar\\n'); said = true; }); } };\n`);
  const file = path.join(dir, 'bars.csv');
  writeFileSync(file, `time,symbol,open,high,low,close,volume\n${[...sessionRows('AAA'), ...sessionRows('BBB')].join('\n')}\n`);
  // Clock-driven at 300 simulated ms a wall ms: the session takes 78 s, and is interrupted in its first minutes.
  const child = spawn(process.execPath, [MAIN, 'backtest', '--data', file, '--symbol-column', 'symbol', '--symbols', 'AAA,BBB', '--from', '2013-10-07', '--to', '2013-10-07', '--speed', '300', '--overrun', 'queue', '--strategy', strategy], { cwd: ROOT });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('first bar') && !child.killed) child.kill('SIGINT');
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.is(status, 130, stderr);
  t.regex(stderr, /interrupted after 1 session/);
  t.notRegex(stderr, /no row of/);
});

test('--strategy: a default export of the wrong shape is refused, naming the file and the field', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const cases: [string, string, RegExp][] = [
    // A string, not a list: it would be taken apart into '1', '5' and 'm'.
    ['intervals-string', `export default { name: 's', intervals: '15m', setup() {} };`, /intervals must be an array of interval strings .*got '15m'/],
    ['intervals-numbers', `export default { name: 's', intervals: [15], setup() {} };`, /intervals must be an array of interval strings/],
    ['indicators-list', `export default { name: 's', indicators: [{ kind: 'ema', period: 3 }], setup() {} };`, /indicators must be an object .*got an array/],
    ['name-number', `export default { name: 5, setup() {} };`, /name must be a non-empty string, got 5/],
    ['name-empty', `export default { name: ' ', setup() {} };`, /name must be a non-empty string, got ' '/],
    ['setup-missing', `export default { name: 's' };`, /setup must be a function .*got undefined/],
    // A misspelt key would leave the run without what it names.
    ['misspelt-keys', `export default { name: 's', interval: ['15m'], indicator: {}, setup() {} };`, /the default export has 'interval', 'indicator', which a strategy does not have \(its keys: name, setup, intervals, indicators\)/],
    ['function', `export default function setup() {}`, /must export default \{ name, setup\(engine, context\) \}, got a function/],
    ['no-default', `export const name = 's';`, /must export default .*got undefined/],
    ['throws-on-import', `throw new RangeError('no model file');`, /cannot load .*throws-on-import\.mjs: no model file/],
    ['syntax-error', `export default { name: 's', setup() {`, /cannot load .*syntax-error\.mjs: /],
    // What a module throws need not be an Error.
    ['throws-undefined', `throw undefined;`, /cannot load .*throws-undefined\.mjs: it threw undefined/],
    ['throws-string', `throw 'no model file';`, /cannot load .*throws-string\.mjs: it threw 'no model file'/],
  ];
  for (const [name, source, message] of cases) {
    const file = path.join(dir, `${name}.mjs`);
    writeFileSync(file, `${source}\n`);
    const r = barstream('backtest', '--strategy', file);
    t.is(r.status, 1, name);
    t.is(r.stdout, '', name);
    t.true(r.stderr.includes(file), `${name}: ${r.stderr}`);
    t.regex(r.stderr, message, name);
    t.regex(r.stderr, /\[invalid_config\]\n$/, name);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('--strategy: an instance of a class, with fields of its own beside a strategy\'s, is taken', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'class.mjs');
  writeFileSync(
    file,
    `class Daily {
      name = 'daily';
      threshold = 30;
      intervals = ['1d'];
      setup(engine, context) {
        engine.subscribe({ interval: '1d' }, (e) => context.signal({ symbol: e.symbol, time: e.time, side: e.bar.close > this.threshold ? 'buy' : 'sell' }));
      }
    }
    export default new Daily();\n`,
  );
  const r = barstream('backtest', '--json', '--from', '2024-03-04', '--to', '2024-03-04', '--strategy', file);
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { strategy: string; signals: number };
  t.is(out.strategy, 'daily');
  t.true(out.signals > 0);
  rmSync(dir, { recursive: true, force: true });
});

test('--json: stdout is the JSON alone even when the strategy prints; what it prints goes to stderr', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'chatty.mjs');
  writeFileSync(
    file,
    `console.log('loading chatty');
    export default {
      name: 'chatty',
      setup(engine) {
        process.stdout.write('set up\\n');
        engine.subscribe({ interval: '1d' }, (e) => { console.log('daily bar', e.symbol); console.info('info'); });
      },
    };\n`,
  );
  const r = barstream('backtest', '--json', '--from', '2024-03-04', '--to', '2024-03-04', '--strategy', file);
  t.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as JsonReport;
  t.is(j.strategy, 'chatty');
  t.is(j.report.delivered, SYMBOLS);
  t.regex(r.stderr, /^loading chatty\nset up\n/);
  t.is(r.stderr.match(/^daily bar [A-Z]{4}$/gm)?.length, SYMBOLS);
  // Without --json, what the strategy prints stays on stdout, before the table.
  const plain = barstream('backtest', '--from', '2024-03-04', '--to', '2024-03-04', '--strategy', file);
  t.is(plain.status, 0, plain.stderr);
  t.regex(plain.stdout, /^loading chatty\nset up\n/);
  t.is(plain.stderr, '');
  rmSync(dir, { recursive: true, force: true });
});

test('--json: what the strategy prints after the run still goes to stderr, and thrown values JSON cannot hold keep the report', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'odd.mjs');
  writeFileSync(
    file,
    `export default {
      name: 'odd',
      setup(engine) {
        let n = 0;
        engine.subscribe({ interval: '1d' }, () => {
          n++;
          // Printed once the run is over: a timer the strategy left behind.
          setTimeout(() => console.log('late line ' + n), 50);
          if (n === 1) throw 10n;
          if (n === 2) { const o = { name: 'loop' }; o.self = o; throw o; }
          if (n === 3) throw undefined;
        });
      },
    };\n`,
  );
  const r = barstream('backtest', '--json', '--from', '2024-03-04', '--to', '2024-03-04', '--strategy', file);
  t.is(r.status, 3, r.stderr);
  const j = JSON.parse(r.stdout) as JsonReport & { report: { subscriberErrors: { error: unknown }[] } };
  t.is(j.report.delivered, SYMBOLS);
  t.deepEqual(
    j.report.subscriberErrors.map((f) => f.error),
    ['10n', 'an object', 'undefined'],
  );
  t.is(r.stderr.match(/^late line \d+$/gm)?.length, SYMBOLS);
  rmSync(dir, { recursive: true, force: true });
});

test('--strategy: a setup or an import that can never settle fails the run with a message, not a silent exit 13', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const setup = path.join(dir, 'stuck-setup.mjs');
  writeFileSync(setup, `export default { name: 'stuck', setup() { return new Promise(() => {}); } };\n`);
  const s = barstream('backtest', '--strategy', setup);
  t.is(s.status, 1, s.stderr);
  t.is(s.stdout, '');
  t.regex(s.stderr, /^barstream: .*stuck: setup failed: its promise never settles .*\[invalid_config\]\n$/);
  const imported = path.join(dir, 'stuck-import.mjs');
  writeFileSync(imported, `await new Promise(() => {});\nexport default { name: 'never', setup() {} };\n`);
  const i = barstream('backtest', '--json', '--strategy', imported);
  t.is(i.status, 1, i.stderr);
  t.is(i.stdout, '');
  t.regex(i.stderr, /^barstream: .*cannot load .*stuck-import\.mjs: its import never settles .*\[invalid_config\]\n$/);
  rmSync(dir, { recursive: true, force: true });
});

test('a reader that closes stdout early (| head) ends nothing in error: no EPIPE crash, the exit code is the run\'s', async (t) => {
  for (const args of [['backtest', '--json'], ['backtest'], ['--help']]) {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    // Nothing reads stdout: the first write finds the pipe closed.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    t.is(status, 0, `${args.join(' ')}: ${stderr}`);
    t.notRegex(stderr, /EPIPE|Unhandled/, args.join(' '));
  }
});

// util-linux's `script` runs the command on a pseudo-terminal: stderr is a TTY there, as in a shell.
(hasScript ? test : test.skip)('on a terminal, a run still going after a second shows the progress bar, even inside its first session', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const out = path.join(dir, 'summary.txt');
  // One session (390 minutes) at 8,000 simulated ms a wall ms: about 2.9 s, one progress event, at its end.
  const command = [process.execPath, MAIN, 'backtest', '--symbols', 'ALFA', '--from', '2024-03-04', '--to', '2024-03-04', '--speed', '8000'];
  const quoted = command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', `${quoted} > '${out}'`, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  t.is(r.status, 0, r.stdout + r.stderr);
  // What the terminal showed: the bar, at 0 of the 1 session.
  t.regex(r.stdout, /sessions .* 0\/1 \|/);
  t.regex(readFileSync(out, 'utf8'), /sessions\s*│\s*1\s/);
  rmSync(dir, { recursive: true, force: true });
});

test('a reader that closes stderr early ends nothing in error: with --json, the strategy\'s output goes there, and stdout still gets the JSON', async (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'chatty.mjs');
  writeFileSync(file, "export default { name: 'chatty', setup(engine) { engine.subscribe({ interval: '5m' }, () => { console.log('a 5m bar'); }); } };\n");
  const child = spawn(process.execPath, [MAIN, 'backtest', '--json', '--strategy', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // The first line of the strategy's output is read, then the pipe is closed.
  child.stderr.once('data', () => child.stderr.destroy());
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.is(status, 0);
  const json = JSON.parse(stdout) as JsonReport;
  t.is(json.strategy, 'chatty');
  t.is(json.report.sessions, SESSIONS);
  rmSync(dir, { recursive: true, force: true });
});

test('Ctrl-C while a strategy setup waits ends the wait: the run stops before its first session, exit 130', async (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const strategy = path.join(dir, 'waits.mjs');
  // A setup waiting on something that never comes (a network call), with a timer keeping the process up.
  writeFileSync(strategy, `export default { name: 'waits', setup() { process.stderr.write('setting up\\n'); setInterval(() => {}, 1000); return new Promise(() => {}); } };\n`);
  const child = spawn(process.execPath, [MAIN, 'backtest', '--json', '--strategy', strategy], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('setting up') && !stderr.includes('sent') && !child.killed) {
      stderr += 'sent';
      child.kill('SIGINT');
    }
    // The strategy's own timer keeps the process up after the summary: a second Ctrl-C ends it.
    if (stderr.includes('interrupted')) child.kill('SIGINT');
  });
  // Ended by the second Ctrl-C: Node's own handling of it (the signal), or exit 130 had the timer gone first.
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, sig) => resolve([c, sig])));
  t.true(code === 130 || signal === 'SIGINT', `${String(code)} ${String(signal)} ${stderr}`);
  t.regex(stderr, /barstream: interrupted before the first session/);
  const j = JSON.parse(stdout) as { report: { stopped: boolean; sessions: number; barsIn: number } };
  t.true(j.report.stopped);
  t.is(j.report.sessions, 0);
  t.is(j.report.barsIn, 0);
});

test('--strategy: a TypeScript strategy compiled to CommonJS (exports.default beside __esModule) runs', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  const file = path.join(dir, 'compiled.js');
  // What tsc --module commonjs writes for `export default strategy`.
  writeFileSync(file, `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nconst strategy = { name: 'compiled', setup(engine, context) { engine.subscribe({ interval: '1d' }, (e) => context.signal({ symbol: e.symbol, time: e.time, side: 'buy' })); } };\nexports.default = strategy;\n`);
  const r = barstream('backtest', '--json', '--strategy', file, '--from', '2024-03-04', '--to', '2024-03-05');
  t.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { strategy: string; signals: number };
  t.is(j.strategy, 'compiled');
  // One daily bar a symbol a session: four symbols, two sessions.
  t.is(j.signals, 8);
});

test('output that cannot be written (a full disk) fails with one line on stderr, no stack trace', (t) => {
  const full = openSync('/dev/full', 'w');
  t.teardown(() => closeSync(full));
  const r = spawnSync(process.execPath, [MAIN, 'backtest', '--from', '2024-03-04', '--to', '2024-03-04'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', full, 'pipe'], timeout: 120_000 });
  t.is(r.status, 1, r.stderr);
  t.regex(r.stderr, /^barstream: cannot write the output: ENOSPC/m);
  t.notRegex(r.stderr, /\n\s+at /);
});

test('a CSV file with a header and no row: a warning that every session ran without bars', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'X_1m.csv');
  writeFileSync(file, 'time,open,high,low,close,volume\n\n');
  const r = barstream('backtest', '--data', file, '--from', '2013-10-07', '--to', '2013-10-08');
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /warning: the CSV file read \(1\) held no data row, only a header or empty lines: every session ran without bars/);
});

test('--symbols takes a list with spaces and empty entries (a trailing comma) as the names in it', (t) => {
  const r = barstream('backtest', '--json', '--symbols', 'ALFA, BRVO,,', '--from', '2024-03-11', '--to', '2024-03-11');
  t.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { report: { symbols: string[]; barsStored: number } };
  t.deepEqual([...j.report.symbols].sort(), ['ALFA', 'BRVO']);
  t.is(j.report.barsStored, 2 * 390);
});

test('--symbols over days without a session: the no-session warning, no "no row of symbol" one', (t) => {
  const dir = scratchDir(t, 'barstream-cli-');
  const file = path.join(dir, 'AAA_1m.csv');
  writeFileSync(file, 'time,open,high,low,close,volume\n2013-10-07T13:30:00Z,10,11,9,10,100\n');
  const r = spawnSync(process.execPath, [MAIN, 'backtest', '--data', file, '--symbols', 'AAA', '--from', '2013-10-05', '--to', '2013-10-06'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /warning: the calendar has no session from 2013-10-05 to 2013-10-06/);
  t.notRegex(r.stderr, /no row of symbol/);
});
