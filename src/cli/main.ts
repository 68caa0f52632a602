#!/usr/bin/env node
/**
 * The `barstream` command line.
 * @module
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { Calendar } from '../calendar/index.js';
import { BarstreamError, ConfigError, InputError, OverrunError, describe } from '../errors.js';
import type { EpochUnit } from '../sources/index.js';
import { csvSource } from '../sources/index.js';
import { resolvePaths } from '../sources/paths.js';
import { DEFAULTS, backtest, intradayMs } from './backtest.js';
import { intervalMs } from '../native.js';
import type { BacktestOptions } from './backtest.js';
import { dataWarnings, summaryTable } from './summary.js';

const USAGE = `Usage: barstream backtest [options]

Runs a strategy over XNYS sessions and prints a summary. With no options: the built-in synthetic
data set (4 symbols, 2024-03-04 to 2024-03-15) and the example RSI/SMA strategy on 5m bars.

Options:
  --data <path>        CSV files: a file, a directory, or a quoted pattern like 'dir/*.csv';
                       - reads one CSV stream piped to stdin (plain or gzip), whose symbol
                       comes from a symbol column, else from --symbols NAME (one name);
                       needs --from and --to
  --time-zone <zone>   the IANA time zone of CSV times without an offset, such as
                       'America/New_York' (default UTC); times with an offset or epoch times
                       are not affected
  --epoch <unit>       how CSV times that are numbers are read: auto (default: seconds or
                       milliseconds by magnitude), s, ms, us or ns (micro- and nanoseconds,
                       as Polygon and Databento write them)
  --date-order <order> how CSV dates written year last read: mdy (03/04/2024 is March 4: Kibot,
                       TradeStation, US spreadsheets), dmy (3 April: Dukascopy, European ones)
                       or ymd (default: such dates are refused, no order being certain)
  --bad-rows <policy>  a malformed CSV row: fail (default: the run fails naming the file and
                       line) or skip (left out, counted in the summary, the first ones on stderr)
  --symbol-column <name>
                       the CSV header column holding each row's symbol (default: a 'symbol' or
                       'ticker' column if the header has one, else one symbol per file, named by
                       the file name without leading dots and its extension, up to its first _:
                       SPY_1m.csv is SPY)
  --delimiter <char>   the CSV field delimiter: one character, or 'tab' (default ',')
  --columns <field=name,...>
                       CSV header names of the fields where they are not the defaults (time,
                       open, high, low, close, volume, in any case), as in
                       'time=window_start,volume=v'; 'volume=' with no name: the files have no
                       volume column (every volume 0); 'date=<name>': the date column beside a
                       time of day, where it is not 'date' (MetaStock: 'time=<TIME>,date=<DATE>,
                       open=<OPEN>,high=<HIGH>,low=<LOW>,close=<CLOSE>,volume=<VOL>')
  --header <name,...>  the column names of CSV files that have no header line, one for each
                       column, in order (Binance's klines: 'time,open,high,low,close,volume,
                       close_time,quote_volume,trades,taker_base,taker_quote,ignore')
  --base <interval>    what one bar spans: 1m (default), or 30s, 5m, 1h, ... for files of such
                       bars (the built-in data set is made at it too); the derived intervals
                       are those of 5m, 15m, 30m, 1h that are whole multiples of it, and 1d
  --order <order>      each symbol's CSV rows in file order (given, the default: a row timed
                       before one read ahead of it is rejected as out of order, counted) or
                       sorted by time once read (time: files named out of date order, or a row
                       timed hours ahead of its place, then cost no bar)
  --symbols <A,B,...>  only these symbols; without --data, the synthetic symbols to make (any
                       names; default ALFA,BRVO,CHRL,DLTA)
  --from <YYYY-MM-DD>  first session
  --to <YYYY-MM-DD>    last session (inclusive)
  --speed <n>          0 (default): data-driven; n > 0: clock-driven at n simulated ms per wall ms
  --overrun <policy>   clock-driven, when subscribers fall behind: fail (default) or queue
                       (wait, record the lag)
  --strategy <file>    a module whose default export is
                       { name, intervals?, indicators?, setup(engine, ctx) }
  --json               print the report as JSON (with --data, what the CSV source read as 'source');
                       stdout holds the JSON alone: what the strategy prints goes to stderr
  -h, --help           this text

Ctrl-C ends the run at its next step and prints what it did (a second Ctrl-C ends the process).

Exit codes: 0 done; 3 done, but the strategy's handlers threw (the count and the first failure on
stderr); 130 interrupted by Ctrl-C; 1 the run failed (a strategy module that cannot be loaded, is
not { name, setup }, or whose setup throws or can never settle, a CSV file that cannot be read or
has a malformed row (without --bad-rows skip), and a subscriber busy for over 60 s in a
data-driven run, included); 2 bad arguments (an option given twice, --json included, a --data
path that does not exist or names no CSV file, and --data - with stdin a terminal, included).
`;

/** Runs the command line with `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      tokens: true,
      options: {
        data: { type: 'string' },
        'time-zone': { type: 'string' },
        epoch: { type: 'string' },
        'date-order': { type: 'string' },
        'bad-rows': { type: 'string' },
        'symbol-column': { type: 'string' },
        delimiter: { type: 'string' },
        columns: { type: 'string' },
        header: { type: 'string' },
        order: { type: 'string' },
        base: { type: 'string' },
        symbols: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        speed: { type: 'string' },
        overrun: { type: 'string' },
        strategy: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    // Node's own words for an unknown option advise a '--' that this command does not take.
    const unknown = (e as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /^Unknown option '(.*)'\. To specify a positional argument/s.exec((e as Error).message) : null;
    const said = unknown === null ? (e as Error).message : `unknown option '${unknown[1]}' (the options are below)`;
    process.stderr.write(`barstream: ${said}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals, tokens } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // An unquoted pattern reaches us expanded by the shell: its first file is --data's value and the
  // others are positionals right after it.
  const stray: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token?.kind !== 'option' || token.name !== 'data') continue;
    for (let k = i + 1; k < tokens.length; k++) {
      const next = tokens[k];
      if (next?.kind !== 'positional') break;
      if (next.value !== 'backtest' && looksLikePath(next.value)) stray.push(next.value);
    }
  }
  if (stray.length > 0) {
    const shown = stray.slice(0, 2).map((p) => `'${p}'`).join(', ') + (stray.length > 2 ? ` and ${stray.length - 2} more` : '');
    process.stderr.write(`barstream: --data takes one path, directory or pattern, but ${shown} follow${stray.length === 1 ? 's' : ''} it; a pattern must be quoted so that the shell does not expand it: --data 'dir/*.csv'\n`);
    return 2;
  }
  // parseArgs keeps the last of a repeated option: the earlier ones would be dropped unseen. A
  // repeated flag (--json --json) loses nothing, but one rule for every option is easier to state
  // and to trust than a list of exceptions.
  const given = new Map<string, (string | undefined)[]>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const list = given.get(token.name) ?? [];
    list.push(token.value);
    given.set(token.name, list);
  }
  for (const [name, list] of given) {
    if (list.length > 1) {
      const shown = list.every((v) => v === undefined) ? '' : ` (${list.map((v) => `'${v ?? ''}'`).join(', ')})`;
      process.stderr.write(`barstream: --${name} is given ${list.length} times${shown}; give it once${name === 'symbols' ? ' (several symbols: --symbols A,B)' : ''}\n`);
      return 2;
    }
  }
  if (positionals[0] !== 'backtest' || positionals.length > 1) {
    process.stderr.write(`barstream: expected the command 'backtest'${positionals[0] === undefined ? '' : `, got '${positionals.join(' ')}'`}\n\n${USAGE}`);
    return 2;
  }
  const speed = values.speed === undefined ? 0 : Number(values.speed);
  // A decimal number: `Number` also reads '0x10', '0b11' and '' (as 16, 3 and 0), and a speed too
  // small for a double ('1e-400') as 0, which would be a data-driven run.
  const decimal = values.speed !== undefined && /^\s*(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(values.speed);
  if (values.speed !== undefined && !(decimal && Number.isFinite(speed) && speed >= 0 && (speed > 0 || !/[1-9]/.test(values.speed.replace(/e.*$/i, ''))))) {
    process.stderr.write(`barstream: --speed must be a number >= 0, got '${values.speed}'\n`);
    return 2;
  }
  for (const key of ['from', 'to'] as const) {
    const date = values[key];
    if (date !== undefined && !isCalendarDate(date)) {
      process.stderr.write(`barstream: --${key} must be a date YYYY-MM-DD, got '${date}'\n`);
      return 2;
    }
  }
  // Against the built-in data set's dates when only one is given.
  const from = values.from ?? (values.data === undefined ? DEFAULTS.from : undefined);
  const to = values.to ?? (values.data === undefined ? DEFAULTS.to : undefined);
  if (from !== undefined && to !== undefined && from > to) {
    process.stderr.write(`barstream: --to ${to} is before --from ${from}${values.from === undefined || values.to === undefined ? ' (the built-in data set runs from ' + DEFAULTS.from + ' to ' + DEFAULTS.to + ')' : ''}\n`);
    return 2;
  }
  if (values.data !== undefined && values.data.trim() === '') {
    process.stderr.write(`barstream: --data needs a file, a directory or a pattern, got '${values.data}'\n`);
    return 2;
  }
  if (values.data !== undefined && (values.from === undefined || values.to === undefined)) {
    process.stderr.write('barstream: --data needs --from and --to (the sessions to run)\n');
    return 2;
  }
  // Flags that say how to read --data's files mean nothing without them.
  for (const flag of CSV_FLAGS) {
    if (values[flag] !== undefined && values.data === undefined) {
      process.stderr.write(`barstream: --${flag} is for the files of --data\n`);
      return 2;
    }
  }
  const timeZone = values['time-zone'];
  if (timeZone !== undefined && !knownZone(timeZone)) {
    process.stderr.write(`barstream: --time-zone must be an IANA time zone such as America/New_York, got '${timeZone}'\n`);
    return 2;
  }
  if (from !== undefined && to !== undefined) {
    // Dates the calendar does not cover are bad arguments too, found before anything runs.
    try {
      Calendar.xnys({ hours: 'regular' }).sessions(from, to);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(`barstream: ${e.message}\n`);
      return 2;
    }
  }
  const epoch = values.epoch;
  if (epoch !== undefined && !isEpochUnit(epoch)) {
    process.stderr.write(`barstream: --epoch must be auto, s, ms, us or ns, got '${epoch}'\n`);
    return 2;
  }
  const dateOrder = values['date-order'];
  if (dateOrder !== undefined && dateOrder !== 'ymd' && dateOrder !== 'mdy' && dateOrder !== 'dmy') {
    process.stderr.write(`barstream: --date-order must be mdy, dmy or ymd, got '${dateOrder}'\n`);
    return 2;
  }
  const badRows = values['bad-rows'];
  if (badRows !== undefined && badRows !== 'fail' && badRows !== 'skip') {
    process.stderr.write(`barstream: --bad-rows must be 'fail' or 'skip', got '${badRows}'\n`);
    return 2;
  }
  const order = values.order;
  if (order !== undefined && order !== 'given' && order !== 'time') {
    process.stderr.write(`barstream: --order must be 'given' or 'time', got '${order}'\n`);
    return 2;
  }
  const symbolColumn = values['symbol-column'];
  if (symbolColumn !== undefined && symbolColumn.trim() === '') {
    process.stderr.write(`barstream: --symbol-column needs a column name, got '${symbolColumn}'\n`);
    return 2;
  }
  const layout = csvLayout(values);
  if (typeof layout === 'string') {
    process.stderr.write(`barstream: ${layout}\n`);
    return 2;
  }
  if (values.overrun !== undefined && values.overrun !== 'fail' && values.overrun !== 'queue') {
    process.stderr.write(`barstream: --overrun must be 'fail' or 'queue', got '${values.overrun}'\n`);
    return 2;
  }
  // A data-driven run waits for its subscribers: it has no overruns to treat.
  if (values.overrun !== undefined && speed === 0) {
    process.stderr.write('barstream: --overrun is for clock-driven runs: give --speed above 0 with it\n');
    return 2;
  }
  const base = values.base;
  if (base !== undefined) {
    if (Number.isNaN(intradayMs(base))) {
      process.stderr.write(`barstream: --base must be an intraday interval such as 30s, 1m, 5m or 1h, got '${base}'${intervalMs(base) >= 86_400_000 ? ' (daily bars are no base: a run builds its bars, 1d too, from intraday ones)' : ''}\n`);
      return 2;
    }
  }
  const options: BacktestOptions = { speed };
  if (base !== undefined) options.base = base;
  if (values.overrun !== undefined) options.overrun = values.overrun;
  if (values.data !== undefined) options.data = values.data;
  if (timeZone !== undefined) options.timeZone = timeZone;
  if (epoch !== undefined && isEpochUnit(epoch)) options.epoch = epoch;
  if (dateOrder === 'ymd' || dateOrder === 'mdy' || dateOrder === 'dmy') options.dateOrder = dateOrder;
  if (badRows === 'skip') options.skipBadRows = true;
  if (symbolColumn !== undefined) options.symbolColumn = symbolColumn;
  if (order !== undefined) options.order = order;
  Object.assign(options, layout);
  if (values.symbols !== undefined) {
    options.symbols = values.symbols.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (options.symbols.length === 0) {
      process.stderr.write(`barstream: --symbols names no symbol, got '${values.symbols}'\n`);
      return 2;
    }
    const twice = options.symbols.find((s, i) => options.symbols?.indexOf(s) !== i);
    if (twice !== undefined) {
      process.stderr.write(`barstream: --symbols names '${twice}' twice\n`);
      return 2;
    }
  }
  if (values.data === STDIN) {
    // Nothing piped in: the run would wait for typing, as if it hung.
    if (process.stdin.isTTY) {
      process.stderr.write("barstream: --data - reads CSV piped to stdin, and stdin is a terminal here: pipe the data in (zcat SPY.csv.gz | barstream backtest --data - --symbols SPY ...) or give a file\n");
      return 2;
    }
  } else if (values.data !== undefined) {
    // Resolved as the source will resolve it, so that a path naming no file is found before the run.
    try {
      await resolvePaths([values.data]);
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`barstream: --data '${values.data}': a pattern may have * or ? only in its last segment, as in 'dir/*.csv'\n`);
        return 2;
      }
      if (e instanceof InputError) {
        process.stderr.write(`barstream: --data: ${e.message.replace(/^csvSource: /, '').replace(/: ENOENT$/, ': no such file or directory')}\n`);
        return 2;
      }
      throw e;
    }
  }
  if (values.from !== undefined) options.from = values.from;
  if (values.to !== undefined) options.to = values.to;
  if (values.strategy !== undefined) options.strategy = values.strategy;

  // A progress bar on a terminal, for runs that last over a second: shown a second in, whether or
  // not a session has ended by then (one clock-driven session can last hours).
  let bar: cliProgress.SingleBar | null = null;
  let showBar: ReturnType<typeof setTimeout> | undefined;
  if (process.stderr.isTTY && !values.json && from !== undefined && to !== undefined) {
    let done = 0;
    let total = Calendar.xnys({ hours: 'regular' }).sessions(from, to).length;
    options.onProgress = (sessionsDone, sessions) => {
      done = sessionsDone;
      total = sessions;
      bar?.setTotal(sessions);
      bar?.update(sessionsDone);
    };
    if (total > 0) {
      showBar = setTimeout(() => {
        bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'sessions {bar} {value}/{total} | {duration_formatted}', clearOnComplete: true }, cliProgress.Presets.shades_classic);
        bar.start(total, done);
      }, 1000);
      showBar.unref();
    }
  }
  const endBar = (): void => {
    clearTimeout(showBar);
    (bar as cliProgress.SingleBar | null)?.stop();
  };
  // Ctrl-C ends the run at its next step and prints what it did; a second one ends the process.
  const interrupt = new AbortController();
  const onInterrupt = (): void => interrupt.abort();
  process.once('SIGINT', onInterrupt);
  options.signal = interrupt.signal;
  // With --json, stdout holds the JSON alone: what the strategy prints (console.log in a handler,
  // say) goes to stderr, also after the run (a timer or a promise it left behind).
  const stdoutWrite = process.stdout.write;
  if (values.json) process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    const result = await backtest(options);
    endBar();
    if (values.json) {
      const report = { ...result.report, subscriberErrors: result.report.subscriberErrors.map((f) => ({ ...f, error: jsonThrown(f.error) })) };
      const json = JSON.stringify({ strategy: result.strategy, signals: result.signals.length, signalsBySide: { buy: result.signals.filter((x) => x.side === 'buy').length, sell: result.signals.filter((x) => x.side === 'sell').length }, signalList: result.signals, report, ...(result.source === undefined ? {} : { source: result.source }) }, jsonErrors, 2);
      stdoutWrite.call(process.stdout, `${json}\n`);
    } else process.stdout.write(`${summaryTable(result, options)}\n`);
    // The skipped rows shown hold the source's reasons, advice included.
    for (const line of dataWarnings(result, options)) process.stderr.write(`barstream: ${asFlags(line)}\n`);
    if (result.report.stopped) {
      const n = result.report.sessions;
      process.stderr.write(`barstream: interrupted ${n === 0 ? 'before the first session' : `after ${n} session${n === 1 ? '' : 's'}, the last one cut short`}\n`);
      return 130;
    }
    // The run went through, but the strategy threw: a script must see it without reading the table.
    const failures = result.report.subscriberErrorCount;
    if (failures > 0) {
      const first = result.report.subscriberErrors[0];
      const error = first?.error;
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const where = first === undefined ? '' : `; the first: subscriber '${first.subscriber}' on ${first.symbol} ${first.interval} at ${new Date(first.time).toISOString()}: ${what}`;
      process.stderr.write(`barstream: the strategy's handlers failed ${failures.toLocaleString('en-US')} time${failures === 1 ? '' : 's'}${where}\n`);
      return 3;
    }
    return 0;
  } catch (e) {
    endBar();
    const error = e as Error;
    const code = e instanceof BarstreamError ? ` [${e.code}]` : '';
    // The error names the coordinator's option; here it is a flag.
    let message =
      e instanceof OverrunError
        ? error.message.replace("use overrun: 'queue' to wait instead", 'use --overrun queue to wait instead, or a lower --speed')
        : asFlags(error.message, options.symbols);
    // A malformed row (not a header it cannot read) whose message names no flag of its own.
    // Not for dates that no row of the file can be read by, nor a header naming a column twice:
    // skipping would skip every row.
    if (e instanceof InputError && /^csvSource: '.*' line \d+: /.test(error.message) && !/ column in the header|no header line|write dates as YYYY-MM-DD|more than once \(columns/.test(error.message) && !message.includes(' --')) {
      message += '; --bad-rows skip leaves malformed rows out, counted and the first listed';
    }
    process.stderr.write(`barstream: ${message}${code}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/**
 * A `csvSource` message's advice in the command line's words: its options are flags here.
 * `symbols`: the run's --symbols, which name the symbol of stdin's rows when it has no symbol column.
 */
function asFlags(message: string, symbols?: readonly string[]): string {
  return message
    // --data -: the stream's symbol is the one --symbols names.
    .replace(
      'and no symbol was given for its rows (give input.symbol or symbolColumn)',
      symbols === undefined || symbols.length === 1
        ? 'to take each row\'s symbol from: name the symbol of its rows with --symbols NAME, or give --symbol-column for a column of symbols'
        : `to take each row's symbol from, so its rows are one symbol, but --symbols names ${symbols.length}: give one, or --symbol-column for a column of symbols`,
    )
    .replace("'stdin' is empty (no header line)", "'stdin' is empty (no header line): nothing was piped to --data -")
    .replaceAll("set the epoch option: 'us' for microseconds, 'ns' for nanoseconds", 'give --epoch us for microseconds, --epoch ns for nanoseconds')
    .replaceAll("set the epoch option ('s' or 'ms') if it is one", 'give --epoch s or --epoch ms if it is one')
    .replaceAll("set the epoch option ('s') if it is an epoch", 'give --epoch s if it is an epoch')
    .replaceAll("set the dateOrder option ('mdy' for March 4, 'dmy' for 3 April)", 'give --date-order mdy for March 4, --date-order dmy for 3 April')
    .replace(/set the dateOrder option to '(mdy|dmy)'/, 'give --date-order $1')
    .replace(/set options\.delimiter to ("(?:[^"\\]|\\.)*")/, (_, shown: string) => {
      const d = JSON.parse(shown) as string;
      return `give --delimiter ${d === '\t' ? 'tab' : `'${d}'`}`;
    })
    .replace('name the columns with options.header', 'name the columns with --header')
    .replaceAll('(as in options.header)', '(as in --header)')
    .replace('options.header names every column of the file', '--header names every column of the file')
    .replace('options.columns.date names it', '--columns date=<name> names it')
    .replace('the row has the names of options.header: the file has a header line of its own, so leave options.header out', 'the row has the names --header gives: the file has a header line of its own, so leave --header out')
    // The command line has no symbolFromPath: a file's symbol is its name, up to the first _.
    .replace('(give symbolFromPath or symbolColumn)', '(name the file SYMBOL.csv or SYMBOL_anything.csv, or give --symbol-column for a column of symbols)')
    .replace(/name it with (?:options\.)?columns\.(\w+)( \(null for files that have none\))?/g, (_, field: string, none?: string) => `give --columns ${field}=<its name>${none === undefined ? '' : ` (${field}= for files that have none)`}`);
}

/** `--data`'s value that reads standard input. */
const STDIN = '-';

/** The flags that say how to read the CSV files of `--data`. */
const CSV_FLAGS = ['time-zone', 'epoch', 'date-order', 'bad-rows', 'symbol-column', 'delimiter', 'columns', 'header', 'order'] as const;

/** The CSV columns `--columns` may name: the bar's fields, and the date beside a time of day. */
const FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume', 'date'] as const;

/**
 * `--delimiter`, `--columns` and `--header` as `csvSource` options, checked by `csvSource` itself
 * (so that the command line and the library refuse the same things), or what is wrong with them.
 */
function csvLayout(values: { data?: string; delimiter?: string; columns?: string; header?: string; 'symbol-column'?: string }): Pick<BacktestOptions, 'delimiter' | 'columns' | 'header'> | string {
  const out: Pick<BacktestOptions, 'delimiter' | 'columns' | 'header'> = {};
  if (values.delimiter !== undefined) out.delimiter = values.delimiter === 'tab' ? '\t' : values.delimiter;
  if (values.columns !== undefined) {
    const columns: NonNullable<BacktestOptions['columns']> = {};
    for (const pair of values.columns.split(',')) {
      const eq = pair.indexOf('=');
      const field = (eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase();
      const name = eq < 0 ? '' : pair.slice(eq + 1).trim();
      if (!(FIELDS as readonly string[]).includes(field)) return `--columns takes field=name pairs, the fields ${FIELDS.join(', ')}; got '${pair}'`;
      if (field in columns) return `--columns names ${field} twice`;
      if (name === '' && field !== 'volume') return `--columns: ${field} needs a column name ('volume=' alone is for files without volume)`;
      (columns as Record<string, string | null>)[field] = name === '' ? null : name;
    }
    out.columns = columns;
  }
  if (values.header !== undefined) out.header = values.header.split(',').map((name) => name.trim());
  if (values.data !== undefined) {
    try {
      // With the symbol column too: --header must name it.
      const symbolColumn = values['symbol-column'];
      csvSource(values.data, symbolColumn === undefined ? out : { ...out, symbolColumn });
    } catch (e) {
      // The path is checked on its own, below.
      if (!(e instanceof ConfigError)) return out;
      const flag = e.param === 'delimiter' || e.param === 'header' ? e.param : e.param.startsWith('columns') ? 'columns' : null;
      if (flag === null) return out;
      // A shell passes '\t' on as two characters.
      const tab = flag === 'delimiter' && /\\|tab/i.test(values.delimiter ?? '') ? ' (--delimiter tab for a tab)' : '';
      return `--${flag}: ${asFlags(e.message.replace(/^invalid \S+: /, ''))}${tab}`;
    }
  }
  return out;
}

/** Whether `text` is a date YYYY-MM-DD that exists (`2024-02-30` does not, though `Date.parse` takes it). */
function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const t = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === text;
}

/** Whether a positional argument is likely a file the shell put there: a path, a CSV name or an existing file. */
function looksLikePath(arg: string): boolean {
  return /[\\/]/.test(arg) || /\.csv$/i.test(arg) || existsSync(arg);
}

function isEpochUnit(unit: string): unit is EpochUnit {
  return unit === 'auto' || unit === 's' || unit === 'ms' || unit === 'us' || unit === 'ns';
}

/** Whether the runtime knows IANA time zone `zone`. */
function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.trim() !== '';
  } catch {
    return false;
  }
}

/**
 * What a handler threw, as JSON can hold it: an `Error` as {@link jsonErrors} writes it, a value
 * JSON takes as itself, and anything else (`undefined`, a BigInt, an object that holds itself)
 * described in a string, so that one odd throw does not lose the report.
 */
function jsonThrown(value: unknown): unknown {
  if (value instanceof Error) return value;
  try {
    if (JSON.stringify(value, jsonErrors) !== undefined) return value;
  } catch {
    // Not JSON: described below.
  }
  return describe(value);
}

/** `JSON.stringify` writes an `Error` as `{}`: the report's subscriber errors keep their name, message and code. */
function jsonErrors(_key: string, value: unknown): unknown {
  // A BigInt (an error's code, say) is no JSON: written as its digits and `n`.
  if (typeof value === 'bigint') return describe(value);
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
}

// A reader that stops early (`barstream backtest --json | head -c 100`) closes the pipe: what is
// left to print has nowhere to go, which is no failure of the run, and the exit code stays the run's.
// So for stderr (`2>&1 | head`), where the strategy's own output goes during a --json run.
// Any other failure to write (a full disk: ENOSPC) fails the command, said once on stderr when
// that is not the stream that failed, without a stack trace.
let writeFailed = false;
const closedPipe = (error: NodeJS.ErrnoException): void => {
  if (error.code === 'EPIPE') return;
  process.exitCode = 1;
  if (writeFailed) return;
  writeFailed = true;
  if (!process.stderr.destroyed) process.stderr.write(`barstream: cannot write the output: ${error.message}\n`);
};
process.stdout.on('error', closedPipe);
process.stderr.on('error', closedPipe);

const code = await main(process.argv.slice(2));
process.exitCode = writeFailed ? 1 : code;
