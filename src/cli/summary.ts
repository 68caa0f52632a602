/**
 * The summary table `barstream backtest` prints.
 * @module
 */
import { basename } from 'node:path';
import Table from 'cli-table3';
import { intervalMs } from '../native.js';
import type { BacktestOptions, BacktestResult, SourceSummary } from './backtest.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
/** The first `n` of `items`, then how many more: `A, B and 3 more`. */
const firstOf = (items: readonly string[], n: number): string => `${items.slice(0, n).join(', ')}${items.length > n ? ` and ${int(items.length - n)} more` : ''}`;
const us = (ns: number | undefined): string => (ns === undefined ? '-' : (ns / 1000).toFixed(ns < 10_000 ? 2 : 1));

/** The run summary as a text table. */
export function summaryTable(result: BacktestResult, options: BacktestOptions = {}): string {
  const r = result.report;
  const t = new Table({ style: { head: [], border: [] } });
  const rejected = Object.entries(r.rejected).filter(([, n]) => n > 0);
  const buys = result.signals.filter((s) => s.side === 'buy').length;
  const sells = result.signals.filter((s) => s.side === 'sell').length;
  t.push(
    ['strategy', result.strategy],
    ['mode', `${r.mode}, ${r.drive}-driven${r.drive === 'clock' ? ` at speed ${r.speed}` : ''}`],
    ['sessions', `${int(r.sessions)}${r.stopped ? (r.sessions === 0 ? ' (interrupted before the first)' : ' (interrupted: the last one cut short)') : ''}`],
    ['symbols', r.symbols.join(', ')],
    ...(result.source === undefined ? [] : sourceRows(result.source, options.data === '-')),
    ['base bars in', int(r.barsIn)],
    ['stored', int(r.barsStored)],
    ['rejected', rejected.length === 0 ? '0' : rejected.map(([code, n]) => `${code} ${int(n)}`).join(', ')],
    ...(r.skipped.unread === 0 ? [] : [['not taken', `${int(r.skipped.unread)} (read, and the run ended before them)`]]),
    ...(options.base === undefined ? [] : [['base interval', options.base]]),
    // Shortest first, a strategy's own intervals among the defaults.
    ['derived bars', `${int(r.derivedBars)} (${Object.entries(r.closedBars).slice(1).sort(([a], [b]) => intervalMs(a) - intervalMs(b)).map(([i, n]) => `${i} ${int(n)}`).join(', ')})`],
    ['bar events delivered', int(r.delivered)],
    ['signals', `${result.signals.length} (${buys} buy, ${sells} sell)`],
    ['gaps', r.gapCount === 0 ? '0' : `${int(r.gapCount)} (${['reported', 'filled', 'unfilled'].map((st) => `${r.gaps.filter((g) => g.state === st).length} ${st}`).join(', ')}${r.gaps.length < r.gapCount ? ` of the last ${int(r.gaps.length)}` : ''})`],
    ['subscriber errors', int(r.subscriberErrorCount)],
    ['overruns', `${int(r.overrunCount)}${r.maxLagMs > 0 ? `, max lag ${r.maxLagMs.toFixed(1)} ms` : ''}`],
    ['wall time', `${r.durationMs.toFixed(0)} ms`],
    ['throughput', `${int(r.barsPerSecond)} bars/s`],
  );
  const lat = new Table({ head: ['stage', 'count', 'p50 us', 'p99 us', 'max us'], style: { head: [], border: [] } });
  for (const [stage, s] of Object.entries(r.metrics)) {
    lat.push([stage, int(s.count), us(s.p50Ns), us(s.p99Ns), us(s.maxNs)]);
  }
  const quality = new Table({ head: ['symbol', 'expected', 'received', 'missing', 'rejected', 'gaps', 'quality'], style: { head: [], border: [] } });
  const totals = new Map<string, { expected: number; received: number; missing: number; rejected: number; gaps: number }>();
  for (const perSymbol of Object.values(r.quality)) {
    for (const [symbol, q] of Object.entries(perSymbol)) {
      const t0 = totals.get(symbol) ?? { expected: 0, received: 0, missing: 0, rejected: 0, gaps: 0 };
      t0.expected += q.base.expected;
      t0.received += q.base.received;
      t0.missing += q.base.missing;
      t0.rejected += Object.values(q.base.rejected).reduce((a, b) => a + b, 0);
      t0.gaps += q.gaps.length;
      totals.set(symbol, t0);
    }
  }
  for (const [symbol, q] of totals) {
    quality.push([symbol, int(q.expected), int(q.received), int(q.missing), int(q.rejected), int(q.gaps), q.expected === 0 ? '-' : `${((100 * q.received) / q.expected).toFixed(2)}%`]);
  }
  // A session cut short has no quality record (its expected bars are the whole session's): its bars count in `stored` above, not here.
  const cut = r.stopped && r.sessions > 0 ? '\nquality: the sessions that ended; the one cut short is left out (its bars are in stored above)' : '';
  return `${t.toString()}\n${lat.toString()}\n${quality.toString()}${cut}`;
}

function sourceRows(s: SourceSummary, stdin: boolean): string[][] {
  return [
    ['csv rows read', `${int(s.rowsRead)} (${stdin ? 'stdin' : `${int(s.files.length)} file${s.files.length === 1 ? '' : 's'}`})`],
    ['csv rows loaded', int(s.rowsLoaded)],
    ['csv rows outside', `${int(s.rowsOutside)} (not on the run's days or symbols)`],
    ['csv bad rows skipped', int(s.badRows)],
    // Under --order time: which symbols' rows were not in time order.
    ...(s.symbolsReordered.length === 0 ? [] : [['csv symbols sorted', firstOf(s.symbolsReordered, 10)]]),
  ];
}

/**
 * Warnings about a run that succeeded but probably did not do what was meant (no session in its
 * days, or, with `data`, files not read as meant): a summary of zeros or of rejections alone is
 * easy to take for a result.
 */
export function dataWarnings(result: BacktestResult, options: BacktestOptions): string[] {
  const out: string[] = [];
  if (result.report.sessions === 0 && !result.report.stopped) {
    const days = options.from === options.to ? `on ${options.from ?? '?'}` : `from ${options.from ?? '?'} to ${options.to ?? '?'}`;
    out.push(`warning: the calendar has no session ${days} (weekends and holidays have none), so nothing was run: check --from and --to`);
  }
  const s = result.source;
  if (s === undefined) return out;
  const stdin = options.data === '-';
  // Read as the command line reads it (see backtest.ts): stdin without a symbol column of its own
  // is the one symbol --symbols names, so no row of it is of another symbol.
  const named = stdin && options.symbolColumn === undefined && options.symbols?.length === 1;
  // Rows skipped as malformed are no sign of wrong days: when they are all there is, their own
  // warning says why nothing was loaded.
  if (s.rowsLoaded === 0 && s.rowsOutside > 0) {
    const days = options.from === options.to ? `day (${options.from ?? '?'})` : `days (${options.from ?? '?'} to ${options.to ?? '?'})`;
    const symbols = options.symbols !== undefined && !named;
    const where = `${symbols ? "of the run's symbols on its" : "on the run's"} ${days}`;
    const why =
      s.badRows === 0
        ? `, as none is ${where}`
        : `: ${int(s.badRows)} ${s.badRows === 1 ? 'was' : 'were'} malformed, and of the other ${int(s.rowsOutside)} none is ${where}`;
    out.push(
      `warning: none of the ${int(s.rowsRead)} rows read from ${stdin ? 'stdin' : 'the CSV files'} was loaded${why}: check --from${symbols ? ', --to and --symbols' : ' and --to'}, and that the times are read as written`,
    );
  }
  // Files with a header and no row (or only empty lines): every session a gap, easy to take for missing data.
  if (s.rowsRead === 0 && s.files.length > 0 && result.report.sessions > 0) {
    out.push(`warning: ${stdin ? 'stdin held' : `the CSV file${s.files.length === 1 ? '' : 's'} read (${int(s.files.length)}) held`} no data row, only ${stdin || s.files.length === 1 ? 'a header' : 'headers'} or empty lines: every session ran without bars`);
  }
  if (s.badRows > 0) {
    const shown = s.badRowDetails.slice(0, 3).map((b) => `'${b.file}' line ${b.line}: ${b.reason}`);
    out.push(`warning: ${int(s.badRows)} malformed CSV row${s.badRows === 1 ? ' was' : 's were'} skipped (--bad-rows skip); ${s.badRows > shown.length ? `the first ${shown.length}` : shown.length === 1 ? 'it' : 'they'}: ${shown.join('; ')}`);
  }
  const r = result.report;
  if (!(s.rowsRead > 0 && s.rowsLoaded === 0) && options.symbols !== undefined) {
    // A symbol asked for that the files have no row of on the run's days (a misspelt or lower-case
    // name, say) runs as a symbol with no bar: every session a gap, easy to take for missing data.
    // Counted as loaded, not from the report: a run stopped early (Ctrl-C) has taken fewer.
    const none = options.symbols.filter((symbol) => (s.rowsBySymbol[symbol] ?? 0) === 0);
    if (none.length > 0 && r.sessions > 0) {
      const names = none.map((x) => `'${x}'`).join(', ');
      out.push(
        named
          ? `warning: stdin has no row of ${names} (--symbols, the symbol of its rows) on the run's days: check --from and --to`
          : `warning: ${stdin ? 'stdin has' : 'the CSV files have'} no row of ${none.length === 1 ? 'symbol' : 'symbols'} ${names} (--symbols) on the run's days: check the name (symbols are case-sensitive; ${stdin ? "stdin's symbols come from its symbol column" : "a file's symbol is its name up to the first _, or its symbol column"}) and --from and --to`,
      );
    }
  }
  if (s.overlappingFiles.length > 0) {
    // Files named by something other than their symbol (Alpha Vantage's intraday_1min_AAPL.csv)
    // all read as one symbol; the store then rejects most of their rows as repeats or out of order.
    const listed = s.overlappingFiles.slice(0, 3).map(({ symbol, files }) => `'${symbol}' (${firstOf(files.map((f) => basename(f)), 3)})`);
    const more = s.overlappingFiles.length > 3 ? ` and ${int(s.overlappingFiles.length - 3)} more symbols` : '';
    out.push(
      `hint: the files of ${listed.join(', ')}${more} have times in common: a file's symbol is its name up to the first _, so these may be several symbols' files read as one (name each by its symbol: AAPL.csv, AAPL_1min.csv, or give a symbol column), or one file's rows given twice; the repeated times are rejected`,
    );
  }
  if (s.symbolsBackInTime.length > 0) {
    const names = s.symbolsBackInTime.map((x) => `'${x}'`).join(', ');
    out.push(
      `hint: the rows of ${names} go back in time by a day or more: a symbol's files are read in name order (SPY_10.csv before SPY_9.csv) and its rows in file order, so the rows of days out of order are rejected (those of one day or the other, whichever are fewer); name the files so that they sort by date, or give --order time to sort each symbol's rows by time`,
    );
  }
  const outside = r.rejected.outside_session;
  const base = options.base ?? '1m';
  // Daily bars (one a day, at midnight when only a date is written) are outside every session
  // of a 1m run: said as such, and left out of the outside-hours hint, which would blame the zone.
  let daily = 0;
  if (s.symbolsDaily.length > 0) {
    for (const symbol of s.symbolsDaily) daily += s.rowsBySymbol[symbol] ?? 0;
    out.push(
      `hint: the rows of ${firstOf(s.symbolsDaily.map((x) => `'${x}'`), 10)} are a day or more apart, as daily bars are: a run builds its bars from ${base} bars (its 1d bars too), and a daily bar, timed at its day's start, is outside the session hours; give it intraday bars (--base says what one spans)`,
    );
  }
  if (s.symbolsCoarser.length > 0) {
    // 5m files under a 1m base: each bar is stored as a 1m bar, and four minutes in five count as missing.
    const byStep = new Map<string, string[]>();
    for (const { symbol, interval } of s.symbolsCoarser) byStep.set(interval, [...(byStep.get(interval) ?? []), symbol]);
    for (const [interval, symbols] of byStep) {
      out.push(
        `hint: the rows of ${firstOf(symbols.map((x) => `'${x}'`), 10)} are most often ${interval} apart, as ${interval} bars are: the run's base is ${base}, so each is stored as one ${base} bar and the ${base} slots between them count as missing; give --base ${interval} if they are ${interval} bars`,
      );
    }
  }
  if (s.symbolsStampedAtClose.length > 0) {
    out.push(
      `hint: the rows of ${firstOf(s.symbolsStampedAtClose.map((x) => `'${x}'`), 10)} have a bar at most sessions' close and none at their open: their times may be each bar's end, as some exports write them, where a bar's time is its open here; each session's last bar is then outside the session and every bar a bar late: move the times back one bar`,
    );
  }
  for (const { symbol, close } of s.symbolsFixedPoint.slice(0, 3)) {
    out.push(
      `hint: every close of '${symbol}' is a whole number of 100,000,000 or more (the first ${int(close)}): the prices may be fixed-point integers (Databento's CSV without pretty_px is in units of 1e-9), and a run takes prices as written: export them as decimals (pretty_px=true) or scale them`,
    );
  }
  if (outside - Math.min(daily, outside) > (r.barsIn - daily) / 2) {
    const zone = options.timeZone === undefined ? 'are read as UTC unless --time-zone is given' : `were read in ${options.timeZone} (--time-zone)`;
    // A liquid symbol's pre- and after-market bars outnumber its regular ones (04:00-09:30 and
    // 16:00-20:00 in New York against 09:30-16:00): as likely a cause as a wrong zone. Times with
    // an offset, or epochs, are instants: no zone is in question.
    out.push(
      s.rowsWithoutOffset > 0
        ? `hint: ${int(outside)} of ${int(r.barsIn)} bars were outside the session hours: the files may hold pre- and after-market bars, which regular hours leave out, or the times may not be in the zone the file assumes; times without an offset ${zone}`
        : `hint: ${int(outside)} of ${int(r.barsIn)} bars were outside the session hours: the files may hold pre- and after-market bars, which regular hours leave out (their times are instants, with an offset or as epochs, so no time zone is in question)`,
    );
  }
  // Some vendors (Alpha Vantage, copies of web tables) list the newest bar first: every bar after
  // a session's first is then earlier than the one before it, and the store rejects it. Counted
  // against the bars inside the session hours: a file with pre- and after-market bars has more
  // of those outside them than out of order.
  const backwards = r.rejected.out_of_order;
  if (backwards > (r.barsIn - outside) / 2) {
    out.push(`hint: ${int(backwards)} of the ${int(r.barsIn - outside)} bars inside the session hours were out of order (earlier than the bar before them): the files may list the newest bar first; bars are read in file order: sort them oldest first, or give --order time`);
  }
  // Several instruments in one file with no symbol column (Databento without map_symbols, one row a
  // publisher) read as one symbol: each time's first row is stored and the others are repeats.
  const repeats = r.rejected.duplicate;
  // Two instruments make half the bars repeats: a quarter is far past what a feed's glitches make.
  if (s.overlappingFiles.length === 0 && repeats > 0 && repeats * 4 >= r.barsIn - outside) {
    out.push(
      `hint: ${int(repeats)} of the ${int(r.barsIn - outside)} bars inside the session hours repeated a time their symbol already had: a file of several instruments without a symbol column is read as one symbol; give --symbol-column naming the column of each row's instrument (Databento's symbol or instrument_id, say)`,
    );
  }
  return out;
}
