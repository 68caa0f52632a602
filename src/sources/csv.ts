/**
 * CSV files as a {@link ColumnarSource}.
 * @module
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import type { CsvError } from 'csv-parse';
import { BarstreamError, ConfigError, InputError, checkOptionKeys, describe, firstHole, isoTime, refuseArguments, show } from '../errors.js';
import { checkRowOrder, emptyColumns, inTimeOrder, normalizeRequest, selectRows } from './columns.js';
import type { NormalizedRequest, RowOrder } from './columns.js';
import { parseNumber, TimeParser } from './fields.js';
import { resolvePaths } from './paths.js';
import type { DateOrder, EpochUnit } from './fields.js';
import { COLUMN_NAMES } from './types.js';
import type { ColumnarSource, ColumnName, LeftOutRows, LoadRequest, SymbolColumns } from './types.js';
import { grown } from '../typed-arrays.js';

/** Options of {@link csvSource}. */
export interface CsvSourceOptions {
  /**
   * The header name of a column holding each row's symbol (case-insensitive), for files with
   * several symbols. Without it (and without {@link symbolFromPath}), a file whose header has a
   * `symbol` or `ticker` column takes each row's symbol from it; any other file holds one symbol,
   * named by its file name.
   */
  symbolColumn?: string | undefined;
  /**
   * The symbol of a file, from its path; every file then holds one symbol, whatever its columns.
   * Without it, a file is named by {@link symbolFromFileName}: its name without leading dots and
   * without the extension, up to the first `_` (`bars/SPY_201310_1m.csv` is `SPY`, `BRK.B_1m.csv`
   * is `BRK.B`); a file whose name gives no symbol (`._SPY.csv`) makes `load` throw an
   * `InputError`. Not used with {@link symbolColumn}.
   */
  symbolFromPath?: ((path: string) => string) | undefined;
  /**
   * Header names of the columns, where the file does not use the defaults. Matching is
   * case-insensitive; the defaults are `time` (or `timestamp`, `datetime`, `date`, in that order
   * of preference), `open`, `high`, `low`, `close`, `volume`. Other columns are ignored. When the
   * header has a `date` column (or the column `columns.date` names) besides the time column, a row
   * whose time is only a time of day (`09:30` or `9:30`, `09:30:00`, `09:30:00.250`, with or without
   * a zone) takes its date from there: `Date,Time` files read as `2013-10-07 09:30`, in
   * {@link timeZone} unless the time has a zone. Name the date column where it is not `date`
   * (`{ time: '<TIME>', date: '<DATE>' }` for MetaStock-style exports): a time of day read
   * without its date would be an epoch number, `093000` a time on 2 January 1970, far from any
   * session.
   * There a time of 3 to 6 digits (`930.0` too) is a time of day: 3 or 4 digits are `HHMM` (`930` is 09:30,
   * `1600` 16:00), 5 or 6 `HHMMSS` (`93000` is 09:30:00). Seven digits or more are an epoch number,
   * read alone as without a date column, and a bad row unless it lies within 36 hours of the noon
   * of the date beside it (so also when that date is empty or unreadable). Fewer digits, fields
   * out of range (`960`, `2500`) and anything else that is not a whole date-time are bad rows.
   *
   * `volume: null` reads files that have no volume column (currency quotes, indices): every bar's
   * volume is then 0, so volume-weighted indicators (VWAP, OBV, MFI) have nothing to weigh.
   * Without it such a file is an `InputError`, as a column missing by mistake would be.
   */
  columns?: (Partial<Record<Exclude<ColumnName, 'volume'>, string>> & { volume?: string | null | undefined; date?: string | undefined }) | undefined;
  /**
   * The column names, in order, of files that have no header line: every line is then a row, and
   * must have one field a name, as under a header line. They are matched as a header's would be
   * (see {@link columns}), so Binance's klines, twelve columns, read with `['time', 'open', 'high',
   * 'low', 'close', 'volume', 'close_time', 'quote_volume', 'trades', 'taker_base_volume',
   * 'taker_quote_volume', 'ignore']` and nothing else.
   */
  header?: readonly string[] | undefined;
  /**
   * The IANA time zone of ISO times written without a zone (`2013-10-07 09:30`, or a bare date,
   * which is the day's first instant: midnight, or the end of the skip where the clocks skip it),
   * and of Interactive Brokers' `20131007 09:30:00` without a zone name after it. Default `'UTC'`. Times with `Z`, an offset or a zone name are exact instants and ignore
   * it. A wall time that does not exist (a daylight-saving gap) is a bad row; one that occurs twice
   * (clocks going back) is its earlier instant. `'local'` and `'system'` (the machine's own zone,
   * which differs between machines) are refused.
   */
  timeZone?: string | undefined;
  /**
   * How a date written with its year last reads (`03/04/2024`, `3.4.2024 9:30`, `04.03.2024
   * 14:30:00.000`): `'mdy'` month first (March 4: Kibot, TradeStation, US spreadsheets), `'dmy'`
   * day first (3 April: Dukascopy, European spreadsheets), or `'ymd'` (default), under which such a
   * date is a bad row that asks for this option. With `'mdy'` or `'dmy'`, the date may be followed
   * by a time of day (`9:30` or `09:30`, `:SS`, a fraction), `AM`/`PM`, and a zone (`Z`, an offset),
   * as in an ISO 8601 time; it applies to a date column beside a time of day too. Dates written
   * year first (ISO 8601, `YYYY.MM.DD`, `YYYYMMDD`) read the same whatever it is.
   */
  dateOrder?: DateOrder | undefined;
  /**
   * How a numeric time is read: `'s'` epoch seconds, `'ms'` epoch milliseconds, `'us'` epoch
   * microseconds, `'ns'` epoch nanoseconds (Polygon's and Databento's exports), or `'auto'`
   * (default) by magnitude: `|x| < 1e11` is seconds (1e11 s is the year 5138, 1e11 ms is March
   * 1973), `|x| < 1e14` milliseconds, and anything larger is a bad row that asks for `'us'` or
   * `'ns'`; so is `|x| < 1e8` (seconds before March 1973: an Excel serial date, or a time of day
   * whose date column was not found, far more often than such old data). Under `'auto'` a number that reads as a compact date-time (`20131007`,
   * `201310071330`, `20131007133000`, year 1900-2099; the value decides, so `+20131007` and
   * `20131007.0` too) is a bad row too: rather than a time in 1970, 1976 or past 2286, it asks for
   * ISO 8601 times or an explicit unit. Seconds, microseconds and nanoseconds are rounded to whole
   * milliseconds.
   */
  epoch?: EpochUnit | undefined;
  /**
   * A malformed row (a field count other than the header's, an unreadable time, a price or volume
   * that is text rather than a number, an empty symbol): `'throw'` (default) an {@link InputError}
   * naming the file and line; `'skip'` leaves it out and counts it in {@link CsvSource.lastReport}.
   * Rows are checked as far as needed to place them: field count, symbol and time for every row;
   * the price and volume fields of the rows that are loaded (not those outside the requested
   * symbols or time range). A price or volume that is missing (blank, `NaN`, `NA`, `N/A`, `null`,
   * `None`, in any case) is not malformed: the bar goes on with `NaN` there, and the store rejects
   * it as `non_finite`, counted by symbol and reason like any invalid bar.
   */
  onBadRow?: 'throw' | 'skip' | undefined;
  /** The field delimiter, one character. Default `','`. */
  delimiter?: string | undefined;
  /**
   * `'auto'` (default): files without a `"` are read by a dedicated scanner (several times faster
   * than csv-parse, same results); in a file with quotes, csv-parse reads on from the start of the
   * first chunk that has one. `'csv-parse'`: always csv-parse.
   */
  parser?: 'auto' | 'csv-parse' | undefined;
  /** How many bad rows {@link CsvLoadReport.badRowDetails} keeps in detail. Default 1000; all are counted. */
  maxBadRowDetails?: number | undefined;
  /**
   * How each symbol's rows are handed out: `'given'` (default) in file order, files in path
   * order, so that a row timed before one read ahead of it is rejected as `out_of_order` and
   * counted; `'time'` sorted by time once loaded (see {@link RowOrder}): files named out of date
   * order, or a row timed hours ahead of its place, then cost no bar. The symbols sorted are
   * listed in {@link CsvLoadReport.reordered}.
   */
  order?: RowOrder | undefined;
}

/** A row left out under `onBadRow: 'skip'`. */
export interface BadRow {
  file: string;
  /** The 1-based line number in the file (every line counts, the header and empty ones too). */
  line: number;
  reason: string;
}

/** What one {@link CsvSource.load} read. */
export interface CsvLoadReport {
  /** The files read, in order. */
  files: string[];
  /** Data rows seen (not the header, not empty lines nor lines of only spaces and tabs). */
  rowsRead: number;
  /** Rows in the result. */
  rowsLoaded: number;
  /** Rows of a symbol or time the load did not ask for: `rowsRead - rowsLoaded - badRows`. */
  rowsOutside: number;
  /** Malformed rows left out (only under `onBadRow: 'skip'`; `'throw'` throws at the first). */
  badRows: number;
  /** The first `maxBadRowDetails` of them, in file and line order. */
  badRowDetails: BadRow[];
  /** Files read by the scanner alone, and those csv-parse read (all or, after the scanner, from a chunk with quotes on). */
  parsers: { scanner: number; csvParse: number };
  /** Under `order: 'time'`, the symbols whose rows were not in time order, and were sorted; otherwise empty. */
  reordered: string[];
  /** Rows loaded whose time has no offset nor zone name: wall times read in `timeZone`. */
  rowsWithoutOffset: number;
  /**
   * The symbols whose rows came from two or more files with times in common (one file's first row
   * before another's last), with those files in read order: several symbols' files whose names
   * give one symbol (`intraday_AAPL.csv` and `intraday_IBM.csv` are both `intraday`), or a file
   * given twice. Their rows are loaded all the same, and the store rejects the repeats.
   */
  overlapping: { symbol: string; files: string[] }[];
}

/**
 * One CSV stream for {@link csvSource} to read in place of files: standard input, a socket, a
 * download. It holds what a file would (a header line unless `options.header`, then rows), as
 * UTF-8 text or that text gzip-compressed, known by its first bytes. It is read once, by the
 * source's first `load`.
 */
export interface CsvStreamInput {
  /** The bytes: a `Readable` such as `process.stdin`, or any async iterable of byte chunks. */
  stream: AsyncIterable<Uint8Array>;
  /** What messages, {@link BadRow.file} and {@link CsvLoadReport.files} call it, where they give a file's path. Default `'stream'`. */
  name?: string | undefined;
  /**
   * The symbol of its rows when its header has no `symbol` or `ticker` column: a stream has no file
   * name to take one from. Without it, such a stream makes `load` throw an `InputError`. Not used
   * with `options.symbolColumn`, which every row's symbol then comes from.
   */
  symbol?: string | undefined;
}

/** A {@link ColumnarSource} reading CSV files. */
export interface CsvSource extends ColumnarSource {
  /** The report of the last `load` that completed, or null before the first. */
  readonly lastReport: CsvLoadReport | null;
}

const TIME_ALIASES = ['time', 'timestamp', 'datetime', 'date'];

/**
 * A source reading bars from CSV files.
 *
 * `paths` are files, directories (every `*.csv` and `*.csv.gz` in them, sorted by name; not a
 * file and its gzip copy, which would read its rows twice) or
 * patterns with `*`/`?` in the last segment (`bars/*.csv`), resolved at each `load`. A
 * gzip-compressed file (by its first bytes, whatever its name) is decompressed as it is read.
 * The first non-empty line is a header naming the columns (see {@link CsvSourceOptions.columns});
 * a line of only spaces and tabs is empty, skipped wherever it is. A file whose header has a
 * `symbol` or `ticker` column (or the one `symbolColumn` names) holds any number of symbols; any
 * other holds one, named by its path.
 *
 * Nothing is dropped silently, nor reordered unless asked: a symbol's rows keep file order (files
 * in path order; `order: 'time'` sorts them once loaded, a stream input too), bars out of time
 * order are passed on and the native core rejects and counts them, and malformed rows throw or
 * are counted (`onBadRow`). Each `load` reads the files again (nothing is cached);
 * with one file per symbol, files of symbols not requested are not read at all.
 *
 * `paths` may instead be one stream ({@link CsvStreamInput}), read as a file is, through the same
 * readers and options, by the first `load` (a second one throws a `ConfigError`). Its symbol comes
 * from a symbol column as a file's does, else from `input.symbol`.
 *
 * @example
 * const source = csvSource('data/minute/*.csv');            // SPY_201310_1m.csv -> 'SPY'
 * const cols = await source.load({ symbols: ['SPY'], from: Date.UTC(2013, 9, 7) });
 * @example
 * // zcat SPY.csv.gz | node run.js
 * const piped = csvSource({ stream: process.stdin, name: 'stdin', symbol: 'SPY' });
 * @throws {ConfigError} for invalid options (checked here); `load` throws {@link InputError} for
 *   unreadable files, a header without a needed column (or, when the header is read for a
 *   `symbol`/`ticker` column, one that does not end within the file's first 1 MiB), a file whose
 *   name gives no symbol (a stream without a symbol column: no `input.symbol`), or a malformed row
 *   under `'throw'`.
 */
export function csvSource(paths: string | readonly string[] | CsvStreamInput, options: CsvSourceOptions = {}): CsvSource {
  refuseArguments('csvSource', arguments, 'its options are one object; a run chooses its symbols and dates (load({ symbols, from, to }))', '(paths, options)', 2);
  const input = isStreamInput(paths) ? checkStreamInput(paths, options) : null;
  const list = input !== null ? [] : typeof paths === 'string' ? [paths] : paths;
  // A sparse array's length may be up to 2^32 - 1: its first hole is refused before any walk of it.
  if (input === null && (!Array.isArray(list) || list.length === 0 || firstHole(list) >= 0 || list.some((p) => typeof p !== 'string' || p === ''))) {
    throw new ConfigError('paths', 'expected a path, a non-empty array of paths, or a stream input { stream, name?, symbol? }');
  }
  const config = checkOptions(options);
  // Checks the zone, epoch unit and date order now rather than at the first load.
  new TimeParser(config.timeZone, config.epoch, config.dateOrder);
  let lastReport: CsvLoadReport | null = null;
  let lastLeftOut: LeftOutRows = { symbol: 0, days: 0 };
  let streamRead = false;
  return {
    kind: 'columns',
    get lastReport() {
      return lastReport;
    },
    async load(request?: LoadRequest) {
      const r = normalizeRequest(request);
      if (input !== null && streamRead) throw new ConfigError('load', `'${input.name}' was read by an earlier load: a stream is read once (make a csvSource for each stream)`);
      const files = input === null ? await resolvePaths(list as readonly string[]) : [];
      const loader = new Loader(config, r);
      if (input !== null) {
        streamRead = true;
        await loader.stream(input);
      }
      for (const file of files) await loader.file(file);
      const result = loader.finish();
      lastReport = loader.report;
      lastLeftOut = loader.leftOut;
      return result;
    },
    leftOut: () => lastLeftOut,
  };
}

/** A {@link CsvStreamInput}, checked, with its default name. */
interface StreamInput {
  stream: AsyncIterable<Uint8Array | string>;
  name: string;
  symbol: string | null;
}

function isStreamInput(paths: unknown): paths is CsvStreamInput {
  return paths !== null && typeof paths === 'object' && !Array.isArray(paths);
}

function checkStreamInput(input: CsvStreamInput, options: CsvSourceOptions): StreamInput {
  checkOptionKeys(input, ['stream', 'name', 'symbol'], 'a csvSource stream input', 'input.');
  const stream = input.stream as unknown;
  if (stream === null || typeof stream !== 'object' || typeof (stream as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function') {
    throw new ConfigError('input.stream', `expected a Readable or an async iterable of byte chunks, got ${describe(stream)}`);
  }
  if (input.name !== undefined && (typeof input.name !== 'string' || input.name.trim() === '')) throw new ConfigError('input.name', `expected a non-empty string, got ${describe(input.name)}`);
  if (input.symbol !== undefined && (typeof input.symbol !== 'string' || input.symbol.trim() === '')) throw new ConfigError('input.symbol', `expected a symbol name, got ${describe(input.symbol)}`);
  if (options !== null && typeof options === 'object') {
    if (options.symbolFromPath !== undefined) throw new ConfigError('symbolFromPath', 'a stream has no path: give its symbol as input.symbol');
    if (options.symbolColumn !== undefined && input.symbol !== undefined) throw new ConfigError('input.symbol', 'give symbolColumn or input.symbol, not both: with symbolColumn every row names its symbol');
  }
  return { stream: input.stream, name: input.name ?? 'stream', symbol: input.symbol ?? null };
}

interface Config {
  symbolColumn: string | null;
  symbolFromPath: (path: string) => string;
  /** Whether the caller named each file's symbol (`symbolFromPath`): a symbol column is not looked for then. */
  namedByPath: boolean;
  names: Record<ColumnName, string[]>;
  /** The header name of the date column beside a time of day (lower case). */
  dateName: string;
  /** Whether `options.columns.date` named it: the header must then have it. */
  dateGiven: boolean;
  timeZone: string;
  epoch: EpochUnit;
  dateOrder: DateOrder;
  skipBad: boolean;
  delimiter: string;
  scanner: boolean;
  maxDetails: number;
  /** The column names of files without a header line (options.header, lower case), or null. */
  header: string[] | null;
  /** Whether each symbol's rows are sorted by time once loaded (`order: 'time'`). */
  byTime: boolean;
}

function checkOptions(o: CsvSourceOptions): Config {
  if (o === null || typeof o !== 'object') throw new ConfigError('options', `expected an object, got ${String(o)}`);
  checkOptionKeys(o, ['symbolColumn', 'symbolFromPath', 'columns', 'header', 'timeZone', 'epoch', 'dateOrder', 'onBadRow', 'delimiter', 'parser', 'maxBadRowDetails', 'order'], 'csvSource');
  if (o.symbolColumn !== undefined && (typeof o.symbolColumn !== 'string' || o.symbolColumn.trim() === '')) {
    throw new ConfigError('symbolColumn', 'expected a column name');
  }
  if (o.symbolColumn !== undefined && o.symbolFromPath !== undefined) {
    throw new ConfigError('symbolFromPath', 'give symbolColumn or symbolFromPath, not both');
  }
  if (o.symbolFromPath !== undefined && typeof o.symbolFromPath !== 'function') throw new ConfigError('symbolFromPath', 'expected a function (path) => symbol');
  const names = {} as Record<ColumnName, string[]>;
  for (const c of COLUMN_NAMES) names[c] = c === 'time' ? TIME_ALIASES : [c];
  let dateName = 'date';
  if (o.columns !== undefined) {
    if (o.columns === null || typeof o.columns !== 'object' || Array.isArray(o.columns)) throw new ConfigError('columns', 'expected an object such as { time: "Date" }');
    for (const [key, value] of Object.entries(o.columns)) {
      if (key === 'date') {
        if (value === undefined) continue;
        if (typeof value !== 'string' || value.trim() === '') throw new ConfigError('columns', 'date: expected the header name of the date column beside a time of day');
        dateName = value.trim().toLowerCase();
        continue;
      }
      if (!(COLUMN_NAMES as readonly string[]).includes(key)) throw new ConfigError('columns', `'${key}' is not one of ${COLUMN_NAMES.join(', ')}, date`);
      if (value === undefined) continue;
      if (value === null && key === 'volume') {
        // No column to look for: see FileSink.header.
        names.volume = [];
        continue;
      }
      if (typeof value !== 'string' || value.trim() === '') throw new ConfigError('columns', `${key}: expected a header name${key === 'volume' ? ', or null for files without volume' : ''}`);
      names[key as ColumnName] = [value.trim().toLowerCase()];
    }
  }
  let header: string[] | null = null;
  if (o.header !== undefined) {
    if (!Array.isArray(o.header) || o.header.length === 0 || firstHole(o.header) >= 0 || o.header.some((h) => typeof h !== 'string')) {
      throw new ConfigError('header', 'expected the column names of files without a header line, such as ["time", "open", "high", "low", "close", "volume"]');
    }
    header = o.header.map((h) => h.trim().toLowerCase());
    const given = header;
    // Checked here, once, rather than as a header line of every file.
    for (const col of COLUMN_NAMES) {
      if (names[col].length > 0 && !names[col].some((n) => given.includes(n))) {
        throw new ConfigError('header', `no '${names[col].join("' or '")}' column among ${JSON.stringify(o.header)}; name it with columns.${col}${col === 'volume' ? ' (null for files that have none)' : ''}`);
      }
    }
    if (o.symbolColumn !== undefined && !given.includes(o.symbolColumn.trim().toLowerCase())) {
      throw new ConfigError('header', `no '${o.symbolColumn}' symbol column among ${JSON.stringify(o.header)}`);
    }
    if (o.columns?.date !== undefined && !given.includes(dateName)) {
      throw new ConfigError('header', `no '${dateName}' date column among ${JSON.stringify(o.header)} (columns.date names it)`);
    }
    const read = [...COLUMN_NAMES.map((col) => names[col].find((n) => given.includes(n))), o.symbolColumn?.trim().toLowerCase(), dateName].flatMap((n) => (n === undefined ? [] : [given.indexOf(n)])).filter((i) => i !== -1);
    const twice = repeatedName(given, read);
    if (twice !== null) throw new ConfigError('header', `names the column ${twice} among ${JSON.stringify(o.header)}: no rule tells which of the two to read`);
  }
  if (o.onBadRow !== undefined && o.onBadRow !== 'throw' && o.onBadRow !== 'skip') throw new ConfigError('onBadRow', `${describe(o.onBadRow)} is not 'throw' or 'skip'`);
  const delimiter = o.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ConfigError('delimiter', `${show(delimiter)} is not a single character other than a quote or a line break`);
  }
  if (o.parser !== undefined && o.parser !== 'auto' && o.parser !== 'csv-parse') throw new ConfigError('parser', `${describe(o.parser)} is not 'auto' or 'csv-parse'`);
  const maxDetails = o.maxBadRowDetails ?? 1000;
  if (!Number.isInteger(maxDetails) || maxDetails < 0) throw new ConfigError('maxBadRowDetails', `${describe(maxDetails)} is not a whole number >= 0`);
  return {
    symbolColumn: o.symbolColumn === undefined ? null : o.symbolColumn.trim().toLowerCase(),
    symbolFromPath: o.symbolFromPath ?? symbolFromFileName,
    namedByPath: o.symbolFromPath !== undefined,
    names,
    dateName,
    dateGiven: o.columns?.date !== undefined,
    timeZone: o.timeZone ?? 'UTC',
    epoch: o.epoch ?? 'auto',
    dateOrder: o.dateOrder ?? 'ymd',
    skipBad: o.onBadRow === 'skip',
    delimiter,
    scanner: o.parser !== 'csv-parse',
    maxDetails,
    header,
    byTime: checkRowOrder(o.order) === 'time',
  };
}

/** The markers of a missing value that exporters write (pandas, R, SQL), compared in lower case. */
const MISSING = new Set(['', 'nan', 'na', 'n/a', 'null', 'none']);

function isMissing(field: string): boolean {
  return MISSING.has(field.trim().toLowerCase());
}

/**
 * The default symbol of a file: its name without leading dots and without its extension (and a
 * `.gz` after it), up to its first `_` (`SPY_201310_1m.csv` is `SPY`, `BRK.B_1m.csv`, `BRK.B.csv`
 * and `BRK.B.csv.gz` are `BRK.B`, `.SPY.csv` is `SPY`). `''` when that leaves nothing:
 * `._SPY.csv` (what macOS leaves beside a copy) names no symbol.
 * @throws {ConfigError} `path` when it is not a string.
 */
export function symbolFromFileName(path: string): string {
  if (typeof path !== 'string') throw new ConfigError('path', `expected a file path, got ${describe(path)}`);
  // A leading dot marks a hidden file; it is never part of a symbol. `.gz` is the compression's,
  // and the extension is the one before it.
  const name = basename(path).replace(/^\.+/, '').replace(/\.gz$/i, '');
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const cut = stem.indexOf('_');
  return cut === -1 ? stem : stem.slice(0, cut);
}

/**
 * The first of the names at `read` (indexes into `names`) that `names` holds more than once, with
 * the columns (counting from 1) that hold it, as a message says it (`'close' more than once
 * (columns 5 and 6)`);
 * null when none repeats.
 */
function repeatedName(names: readonly string[], read: readonly number[]): string | null {
  for (const i of read) {
    const n = names[i] as string;
    if (names.indexOf(n) === names.lastIndexOf(n)) continue;
    const at = names.flatMap((x, k) => (x === n ? [k + 1] : []));
    return `'${n}' more than once (columns ${at.slice(0, -1).join(', ')} and ${at[at.length - 1]})`;
  }
  return null;
}

/** The delimiters a file split on the wrong one is told of, most likely first. */
const DELIMITERS = [';', '\t', '|', ','];

/** `text` cut to 200 characters for a message: a header may run to a megabyte. */
function shorten(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 200)}... (${text.length} characters)`;
}

/** The first bytes of files that are not UTF-8 text (or gzip-compressed UTF-8 text), and what to do about each. */
const NOT_TEXT: readonly (readonly [readonly number[], string])[] = [
  [[0x50, 0x4b, 0x03, 0x04], 'is a zip archive: extract its CSV files first'],
  [[0xff, 0xfe], 'is UTF-16 text: save it as UTF-8'],
  [[0xfe, 0xff], 'is UTF-16 text: save it as UTF-8'],
];

/**
 * Whether `path` is gzip-compressed (by its first bytes, whatever its name: vendors' `.csv.gz`
 * files, and archives saved under a `.csv` name).
 * @throws {InputError} when it starts as a zip archive or UTF-16 text does: read as UTF-8, its
 *   bytes would make a header of binary noise, reported as a missing time column.
 */
async function isGzip(path: string): Promise<boolean> {
  let handle: FileHandle | undefined;
  const head = Buffer.alloc(4);
  let n = 0;
  try {
    handle = await open(path, 'r');
    n = (await handle.read(head, 0, 4, 0)).bytesRead;
  } catch (error) {
    throw wrapReadError(path, error);
  } finally {
    await handle?.close();
  }
  return gzipHead(path, head.subarray(0, n));
}

/**
 * Whether `head`, the first bytes of `name` (4 when there are that many), starts as gzip data does.
 * @throws {InputError} when it starts as a zip archive or UTF-16 text does, with or without a byte
 *   order mark (see {@link isGzip}).
 */
function gzipHead(name: string, head: Uint8Array): boolean {
  for (const [magic, what] of NOT_TEXT) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) throw new InputError(`csvSource: '${name}' ${what}`);
  }
  // UTF-16 without its byte order mark: a header in ASCII has a zero byte beside each letter, which
  // UTF-8 text never has.
  if (head.length >= 4 && [0, 1].some((z) => head[z] === 0 && head[z + 2] === 0 && head[1 - z] !== 0 && head[3 - z] !== 0)) {
    throw new InputError(`csvSource: '${name}' is UTF-16 text (without a byte order mark): save it as UTF-8`);
  }
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The bytes of `path`, decompressed when `gzip`. Destroying the stream returned closes the file; a
 * read error or damaged gzip data fails it.
 */
function readBytes(path: string, gzip: boolean, highWaterMark: number): Readable {
  const file = createReadStream(path, { highWaterMark });
  if (!gzip) return file;
  const gunzip = createGunzip({ chunkSize: highWaterMark });
  file.on('error', (error) => gunzip.destroy(error));
  gunzip.on('close', () => file.destroy());
  return file.pipe(gunzip);
}

/** Header names of a symbol column that files named by path must not have unnoticed. */
const SYMBOL_HEADERS = ['symbol', 'ticker'];

/** How far {@link headerOf} reads for the end of the header line. */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * The header fields of `path` (its first non-empty line, split on `delimiter`, trimmed, lower
 * case, surrounding quotes removed); `[]` when there is none. Reads until that line ends.
 * @throws {InputError} when it does not end within the first {@link MAX_HEADER_BYTES} bytes.
 */
async function headerOf(path: string, delimiter: string, gzip: boolean): Promise<string[]> {
  const stream = readBytes(path, gzip, 1 << 16);
  try {
    return (await readHeader(path, stream[Symbol.asyncIterator](), delimiter)).fields;
  } catch (error) {
    throw wrapReadError(path, error);
  } finally {
    stream.destroy();
  }
}

/**
 * Reads `chunks` (the bytes of `name`) as far as the end of the header line: its fields as
 * {@link headerOf} gives them, and the chunks read, for a stream to go on from. `atEnd` when the
 * bytes ended there; `fields` is `[]` when they held no line.
 */
async function readHeader(name: string, chunks: AsyncIterator<Buffer>, delimiter: string): Promise<{ fields: string[]; read: Buffer[]; atEnd: boolean }> {
  const read: Buffer[] = [];
  let size = 0;
  let header: Buffer | undefined;
  let atEnd = false;
  for (;;) {
    const next = await chunks.next();
    if (next.done === true) {
      atEnd = true;
      break;
    }
    const chunk = next.value;
    read.push(chunk);
    size += chunk.length;
    // One byte past the cap, to tell a file that ends there from one whose first line goes on.
    const bytes = Buffer.concat(read);
    header = firstLine(size > MAX_HEADER_BYTES ? bytes.subarray(0, MAX_HEADER_BYTES + 1) : bytes, false);
    if (header !== undefined || size > MAX_HEADER_BYTES) break;
  }
  if (header === undefined) {
    if (size > MAX_HEADER_BYTES) {
      throw new InputError(`csvSource: '${name}': its first non-empty line (the header) does not end within the first ${MAX_HEADER_BYTES} bytes (1 MiB)`);
    }
    header = firstLine(Buffer.concat(read), true);
  }
  const fields =
    header === undefined
      ? []
      : header
          .toString('utf8')
          .replace(/^\uFEFF/, '')
          .split(delimiter)
          .map((f) => f.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase());
  return { fields, read, atEnd };
}

/**
 * The first line of `bytes` that is not blank (see {@link isBlank}), without its line break, once
 * it has ended (or `atEnd`, at the end of the file); `undefined` when there is none yet. Line
 * breaks are single bytes in UTF-8, so the bytes are split before they are decoded.
 */
function firstLine(bytes: Buffer, atEnd: boolean): Buffer | undefined {
  let a = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (a < bytes.length) {
    let b = a;
    let blank = true;
    for (; b < bytes.length; b++) {
      const c = bytes[b]!;
      if (c === 10 || c === 13) break;
      if (c !== 32 && c !== 9) blank = false;
    }
    if (b === bytes.length && !atEnd) return undefined;
    if (!blank) return bytes.subarray(a, b);
    a = b + 1;
  }
  return undefined;
}

/**
 * Whether `text[a..b)` is blank: empty, or only spaces and tabs. Both readers skip such lines (not
 * a header, not a row), as they skip empty ones.
 */
function isBlank(text: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** {@link timeBesideDate}: a time of day written `HH:MM...`, to be read after the date. */
const CLOCK = 0;
/** {@link timeBesideDate}: digits only, a time of day `HMM`, `HHMM`, `HMMSS` or `HHMMSS`. */
const DIGITS = 1;
/** {@link timeBesideDate}: a whole date-time (ISO 8601, or Interactive Brokers' `YYYYMMDD hh:mm`), read alone. */
const WHOLE = 2;
/** {@link timeBesideDate}: none of these, a bad row. */
const OTHER = 3;
/** {@link timeBesideDate}: seven digits or more, an epoch number, read alone and checked against the date. */
const EPOCH = 4;

/** How far an epoch time beside a date column may be from that date's noon: half a day and any zone's offset. */
const EPOCH_OFF_DATE_MS = 36 * 3_600_000;

/**
 * What the time field `text[a..b)` (already trimmed) beside a date column holds, from its leading
 * run of digits: two then `:` is a time of day, up to six digits alone a compact time of day,
 * seven or more alone or before a `.` an epoch number; four then `-`, or eight then a space or
 * `T`, a whole date-time. One pass over a few characters, no regex: it runs for every row.
 */
function timeBesideDate(text: string, a: number, b: number): number {
  const i = digitsEnd(text, a, b);
  const n = i - a;
  // Seven digits or more are no time of day: an epoch number, read alone (a file may carry a
  // date column beside its epoch times).
  if (i === b) return n === 0 ? OTHER : n <= 6 ? DIGITS : EPOCH;
  const c = text.charCodeAt(i);
  // `9:30` as spreadsheets write it, as well as `09:30`.
  if ((n === 2 || n === 1) && c === 58) return CLOCK;
  if (n >= 7 && c === 46) return EPOCH;
  // `930.0`: a whole number written as a float, as pandas writes an integer column with a gap.
  if (n >= 1 && n <= 6 && c === 46 && wholeFraction(text, i + 1, b)) return DIGITS;
  if ((n === 4 && c === 45) || (n === 8 && (c === 32 || c === 84))) return WHOLE;
  return OTHER;
}

/** Where the run of digits that starts `text[a..b)` ends. */
function digitsEnd(text: string, a: number, b: number): number {
  while (a < b && text.charCodeAt(a) >= 48 && text.charCodeAt(a) <= 57) a++;
  return a;
}

/** Whether `text[a..b)` is nothing but zeros (the fraction of a whole number written `930.0`). */
function wholeFraction(text: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (text.charCodeAt(i) !== 48) return false;
  return true;
}

/**
 * The digits `text[a..b)` as a time of day, `HH:MM` (3 or 4 digits: `HMM`, `HHMM`) or `HH:MM:SS`
 * (5 or 6: `HMMSS`, `HHMMSS`), or null for fewer or more digits. Vendors write times as integers,
 * so the hour's leading zero is often dropped (`930` is 09:30, `93000` 09:30:00); another count
 * of digits says nothing certain (is `12` noon, or 00:12?) and is refused. Fields are not checked
 * here: `960` is `09:60` (see {@link clockInRange}).
 */
function digitsTimeOfDay(text: string, a: number, b: number): string | null {
  const n = b - a;
  if (n < 3 || n > 6) return null;
  const digits = text.slice(a, b);
  // Right-aligned: minutes, then seconds when there are 5 or 6 digits; the hour is what is left.
  const h = n === 3 || n === 5 ? `0${digits[0] as string}` : digits.slice(0, 2);
  const i = n === 3 || n === 5 ? 1 : 2;
  const hm = `${h}:${digits.slice(i, i + 2)}`;
  return n >= 5 ? `${hm}:${digits.slice(i + 2)}` : hm;
}

/** Whether `HH:MM` or `HH:MM:SS` (digits in place) has its hour below 24, its minute and second below 60. */
function clockInRange(s: string): boolean {
  return twoDigits(s, 0) <= 23 && twoDigits(s, 3) <= 59 && (s.length === 5 || twoDigits(s, 6) <= 59);
}

function twoDigits(s: string, i: number): number {
  return (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;
}

/** Growable columns of one symbol. */
class Builder {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  length = 0;
  /**
   * The rows whose wall time occurs twice (the hour the clocks go back), as pairs: the row's index
   * and its later instant (the row holds the earlier). See {@link laterWhereInOrder}.
   */
  readonly twice: number[] = [];
  /** The file (or stream) the rows came from. */
  file = '';

  constructor(capacity: number) {
    this.time = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
  }

  push(t: number, o: number, h: number, l: number, c: number, v: number): void {
    const i = this.length;
    if (i === this.time.length) this.#grow();
    this.time[i] = t;
    this.open[i] = o;
    this.high[i] = h;
    this.low[i] = l;
    this.close[i] = c;
    this.volume[i] = v;
    this.length = i + 1;
  }

  /**
   * Gives back the room past the rows when they fill under half of it: a file's builder is sized by
   * the file, and a load of a few days from large files would otherwise hold every file's room
   * until the last is read.
   */
  trim(): void {
    if (this.length * 2 >= this.time.length) return;
    const n = this.length;
    this.time = this.time.slice(0, n);
    this.open = this.open.slice(0, n);
    this.high = this.high.slice(0, n);
    this.low = this.low.slice(0, n);
    this.close = this.close.slice(0, n);
    this.volume = this.volume.slice(0, n);
  }

  #grow(): void {
    const n = Math.max(16, this.time.length * 2);
    const grow = (a: Float64Array): Float64Array => grown(a, n);
    this.time = grow(this.time);
    this.open = grow(this.open);
    this.high = grow(this.high);
    this.low = grow(this.low);
    this.close = grow(this.close);
    this.volume = grow(this.volume);
  }
}

/** Concatenates the builders of one symbol into exact-length columns. */
function concat(parts: Builder[]): SymbolColumns {
  let n = 0;
  for (const p of parts) n += p.length;
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only !== undefined && only.time.length === n) {
    return { time: only.time, open: only.open, high: only.high, low: only.low, close: only.close, volume: only.volume, length: n };
  }
  const out: SymbolColumns = {
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    length: n,
  };
  let at = 0;
  for (const p of parts) {
    for (const c of COLUMN_NAMES) out[c].set(p[c].subarray(0, p.length), at);
    at += p.length;
  }
  return out;
}

/**
 * Gives the rows whose wall time occurs twice (the hour the clocks go back, read in a zone with no
 * offset written) the instant that keeps their symbol's rows in order: a file that runs forward
 * lists 01:00 and 01:30 of that night twice, first before the change, then after it. A row read
 * as the earlier instant takes the later when it would otherwise not come after the row before it
 * in time (and the later does). Which row that is depends on the file's direction, each file by
 * its own first and last rows: the row above it in a file that runs forward, the row below it in
 * one that lists the newest first (read from its end, such a file runs forward). A row alone in
 * the repeated hour, or with no row before it in time, keeps the earlier. `time` is the symbol's
 * column, `parts` its builders in order.
 */
function laterWhereInOrder(time: Float64Array, parts: readonly Builder[]): void {
  const n = time.length;
  const resolve = (i: number, later: number, before: number): void => {
    if (!((time[i] as number) > before) && later > before) time[i] = later;
  };
  // Forward files first, from the top; then newest-first files, from their ends.
  const starts: number[] = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    at += p.length;
  }
  const backwards = (k: number): boolean => {
    const p = parts[k] as Builder;
    const first = starts[k] as number;
    return p.length > 1 && (time[first + p.length - 1] as number) < (time[first] as number);
  };
  parts.forEach((p, k) => {
    if (backwards(k)) return;
    for (let j = 0; j < p.twice.length; j += 2) {
      const i = (starts[k] as number) + (p.twice[j] as number);
      if (i > 0) resolve(i, p.twice[j + 1] as number, time[i - 1] as number);
    }
  });
  for (let k = parts.length - 1; k >= 0; k--) {
    if (!backwards(k)) continue;
    const p = parts[k] as Builder;
    for (let j = p.twice.length - 2; j >= 0; j -= 2) {
      const i = (starts[k] as number) + (p.twice[j] as number);
      if (i < n - 1) resolve(i, p.twice[j + 1] as number, time[i + 1] as number);
    }
  }
}

/** Reads the files (or the stream) of one `load`. */
class Loader {
  readonly report: CsvLoadReport = { files: [], rowsRead: 0, rowsLoaded: 0, rowsOutside: 0, badRows: 0, badRowDetails: [], parsers: { scanner: 0, csvParse: 0 }, reordered: [], rowsWithoutOffset: 0, overlapping: [] };
  readonly #config: Config;
  readonly #request: NormalizedRequest;
  readonly #wanted: Set<string> | null;
  readonly #parts = new Map<string, Builder[]>();
  /** The rows of the files read that the load left out (see {@link ColumnarSource.leftOut}). */
  leftOut: LeftOutRows = { symbol: 0, days: 0 };

  constructor(config: Config, request: NormalizedRequest) {
    this.#config = config;
    this.#request = request;
    this.#wanted = request.symbols === null ? null : new Set(request.symbols);
    if (request.symbols !== null) for (const s of request.symbols) this.#parts.set(s, []);
  }

  async file(path: string): Promise<void> {
    const c = this.#config;
    let symbol: string | null = null;
    let symbolColumn = c.symbolColumn;
    let gzip: boolean | null = null;
    if (symbolColumn === null && !c.namedByPath) {
      gzip = await isGzip(path);
      // A file with a symbol column holds rows of its own symbols: naming it by its file would
      // merge them into one series.
      const header = c.header ?? (await headerOf(path, c.delimiter, gzip));
      symbolColumn = SYMBOL_HEADERS.find((n) => header.includes(n)) ?? null;
    }
    if (symbolColumn === null) {
      const s = c.symbolFromPath(path);
      if (typeof s !== 'string' || s === '') throw new InputError(`csvSource: no symbol in the file name of '${path}' (give symbolFromPath or symbolColumn)`);
      if (this.#wanted !== null && !this.#wanted.has(s)) return;
      symbol = s;
    }
    const zipped = gzip ?? (await isGzip(path));
    let size = 0;
    try {
      size = (await stat(path)).size;
    } catch {
      // The read below reports it.
    }
    const sink = new FileSink(path, c, this.#request, this.#wanted, symbol, symbolColumn, size);
    await this.#read(path, sink, () => readBytes(path, zipped, 1 << 20).setEncoding('utf8'), () => readBytes(path, zipped, 1 << 16));
    this.#add(path, sink);
  }

  /**
   * Reads a stream as {@link file} reads a file, in one pass: its first bytes tell gzip data, and
   * the bytes read for its header are the start of what the readers then read.
   */
  async stream(input: StreamInput): Promise<void> {
    const c = this.#config;
    const name = input.name;
    const raw = asBuffers(input.stream)[Symbol.asyncIterator]();
    let bytes: AsyncIterator<Buffer> | null = null;
    try {
      // The first 4 bytes (or fewer, at its end), for gzip's magic number and text that is no UTF-8.
      const head: Buffer[] = [];
      let n = 0;
      while (n < 4) {
        const next = await raw.next();
        if (next.done === true) break;
        const chunk = next.value;
        head.push(chunk);
        n += chunk.length;
      }
      const gzip = gzipHead(name, Buffer.concat(head).subarray(0, 4));
      const whole = Readable.from(prepended(head, raw));
      let decoded: Readable = whole;
      if (gzip) {
        const gunzip = createGunzip();
        whole.on('error', (error) => gunzip.destroy(error));
        gunzip.on('close', () => whole.destroy());
        decoded = whole.pipe(gunzip);
      }
      bytes = decoded[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      let symbolColumn = c.symbolColumn;
      let read: Buffer[] = [];
      if (symbolColumn === null) {
        let header = c.header;
        if (header === null) {
          const found = await readHeader(name, bytes, c.delimiter);
          read = found.read;
          header = found.fields;
          // Said before a missing symbol would be: an empty stream is the mistake to report.
          if (found.atEnd && found.fields.length === 0) throw new InputError(`csvSource: '${name}' is empty (no header line)`);
        }
        symbolColumn = SYMBOL_HEADERS.find((h) => header.includes(h)) ?? null;
      }
      let symbol: string | null = null;
      if (symbolColumn === null) {
        if (input.symbol === null) {
          throw new InputError(`csvSource: '${name}' has no symbol column ('${SYMBOL_HEADERS.join("' or '")}') and no symbol was given for its rows (give input.symbol or symbolColumn)`);
        }
        if (this.#wanted !== null && !this.#wanted.has(input.symbol)) return;
        symbol = input.symbol;
      }
      const rest = bytes;
      const sink = new FileSink(name, c, this.#request, this.#wanted, symbol, symbolColumn, 0);
      await this.#read(name, sink, () => decodedText(prepended(read, rest)), () => Readable.from(prepended(read, rest)));
      this.#add(name, sink);
    } catch (error) {
      throw wrapReadError(name, error);
    } finally {
      // Read to its end, or left at an error or for a symbol not requested: closed either way (a
      // second return does nothing).
      await bytes?.return?.();
      await raw.return(undefined);
    }
  }

  /**
   * Reads one file or stream into `sink`: the scanner over `text`, handing over to csv-parse at the
   * first chunk that needs it; csv-parse alone over `bytes` when the options say so.
   */
  async #read(name: string, sink: FileSink, text: () => AsyncIterable<string>, bytes: () => Readable): Promise<void> {
    if (this.#config.scanner) {
      let handoff: Handoff | null;
      try {
        handoff = await scan(text(), sink);
      } catch (error) {
        throw wrapReadError(name, error);
      }
      if (handoff === null) {
        this.report.parsers.scanner++;
        return;
      }
      await parseWithCsvParse(name, handedOver(handoff), sink, this.#config, handoff.line, handoff.atStart);
    } else {
      await parseWithCsvParse(name, bytes(), sink, this.#config);
    }
    this.report.parsers.csvParse++;
  }

  /** What `sink` read from `name`, into the report and the symbols' parts. */
  #add(name: string, sink: FileSink): void {
    const c = this.#config;
    if (!sink.sawHeader) throw new InputError(`csvSource: '${name}' is empty (no header line)`);
    sink.end();
    this.report.files.push(name);
    this.report.rowsRead += sink.rowsRead;
    this.report.rowsWithoutOffset += sink.rowsWithoutOffset;
    this.leftOut = { symbol: this.leftOut.symbol + sink.rowsOtherSymbol, days: this.leftOut.days + sink.rowsOtherDays };
    this.report.badRows += sink.badRows;
    for (const r of sink.badRowDetails) {
      if (this.report.badRowDetails.length >= c.maxDetails) break;
      this.report.badRowDetails.push(r);
    }
    for (const [s, b] of sink.builders) {
      this.report.rowsLoaded += b.length;
      let list = this.#parts.get(s);
      if (list === undefined) {
        list = [];
        this.#parts.set(s, list);
      }
      if (b.length > 0) {
        b.trim();
        b.file = name;
        list.push(b);
      }
    }
    this.report.rowsOutside = this.report.rowsRead - this.report.rowsLoaded - this.report.badRows;
  }

  finish(): Map<string, SymbolColumns> {
    const out = new Map<string, SymbolColumns>();
    const { from, to } = this.#request;
    for (const [s, parts] of this.#parts) {
      let cols = parts.length === 0 ? emptyColumns() : concat(parts);
      const twice = parts.some((p) => p.twice.length > 0);
      if (twice) laterWhereInOrder(cols.time, parts);
      const overlapping = overlappingFiles(cols.time, parts);
      if (overlapping.length > 0) this.report.overlapping.push({ symbol: s, files: overlapping });
      // A row of the repeated hour was kept when either of its instants is in the range asked
      // (see FileSink's range test): the one it took decides.
      if (twice) {
        const kept = selectRows(cols, false, from, to);
        const dropped = cols.length - kept.length;
        if (dropped > 0) {
          cols = kept;
          this.leftOut = { symbol: this.leftOut.symbol, days: this.leftOut.days + dropped };
          this.report.rowsLoaded -= dropped;
          this.report.rowsOutside += dropped;
        }
      }
      const sorted = this.#config.byTime ? inTimeOrder(cols) : cols;
      if (sorted !== cols) this.report.reordered.push(s);
      out.set(s, sorted);
    }
    return out;
  }
}

/**
 * The files of one symbol's rows (`parts`, in read order, over `time`) that have times in common
 * with another: a file whose first time comes before the latest time of the files before it (by
 * first time), and that file. Files that only touch (one's last row at another's first time) do
 * not overlap, as a split export may repeat the row at its cut, unless one of them is a single
 * time: then its rows are all repeats.
 */
function overlappingFiles(time: Float64Array, parts: readonly Builder[]): string[] {
  if (parts.length < 2) return [];
  const spans: { file: string; first: number; last: number; order: number }[] = [];
  let at = 0;
  for (const p of parts) {
    let first = Infinity;
    let last = -Infinity;
    for (let i = at; i < at + p.length; i++) {
      const t = time[i] as number;
      if (t < first) first = t;
      if (t > last) last = t;
    }
    spans.push({ file: p.file, first, last, order: spans.length });
    at += p.length;
  }
  const marked = new Set<number>();
  let reach: (typeof spans)[number] | null = null;
  for (const span of [...spans].sort((x, y) => x.first - y.first || x.order - y.order)) {
    if (reach !== null && (span.first < reach.last || (span.first === reach.last && (span.first === span.last || reach.first === reach.last)))) {
      marked.add(span.order);
      marked.add(reach.order);
    }
    if (reach === null || span.last > reach.last) reach = span;
  }
  return [...new Set(spans.filter((x) => marked.has(x.order)).map((x) => x.file))];
}

/** A stream's chunk as bytes: a `Readable` with an encoding set yields strings. */
function asBuffer(chunk: Uint8Array | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** A stream's chunks as bytes; returning early closes the stream. */
async function* asBuffers(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield asBuffer(chunk);
}

/** `first`, then what is left of `rest`. Returning early closes `rest`. */
async function* prepended<T>(first: readonly T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    for (const chunk of first) yield chunk;
    for (;;) {
      const next = await rest.next();
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}

/** UTF-8 bytes as text; a character split across chunks is decoded whole. */
async function* decodedText(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) {
    const text = decoder.write(chunk);
    if (text !== '') yield text;
  }
  const tail = decoder.end();
  if (tail !== '') yield tail;
}

function wrapReadError(path: string, error: unknown): unknown {
  if (error instanceof BarstreamError) return error;
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && e.code.startsWith('E')) return new InputError(`csvSource: cannot read '${path}': ${e.code}`);
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) return new InputError(`csvSource: cannot read '${path}': ${e.code} (damaged or cut gzip data)`);
  return error;
}

/**
 * Turns the lines or records of one file into columns: the header, then rows. Both readers feed
 * it fields as (string, start, end) triples, so the conversions are the same code.
 */
class FileSink {
  sawHeader = false;
  rowsRead = 0;
  /** Rows of a symbol not asked for, and of one asked for timed outside the dates asked. */
  rowsOtherSymbol = 0;
  rowsOtherDays = 0;
  /** Rows loaded whose time is a wall time (see {@link CsvLoadReport.rowsWithoutOffset}). */
  rowsWithoutOffset = 0;
  badRows = 0;
  readonly badRowDetails: BadRow[] = [];
  readonly builders = new Map<string, Builder>();
  readonly #path: string;
  readonly #config: Config;
  readonly #from: number;
  readonly #to: number;
  readonly #wanted: Set<string> | null;
  readonly #times: TimeParser;
  readonly #capacity: number;
  /** The builder when the file has one symbol. */
  #single: Builder | null = null;
  /** The header name of the file's symbol column (lower case), or null when it has one symbol. */
  readonly #symbolColumn: string | null;
  #fieldCount = 0;
  /** The header's name of the time column (lower case), which a row that repeats the header line has for its time. */
  #timeName = '';
  /** Whether the header's last field is blank: a row may then end one field short. */
  #blankLastName = false;
  /** Whether the last field of a row of one field more than the header's is blank. */
  #lastBlank = false;
  /** Field index of time, open, high, low, close, volume, then the symbol (or -1). */
  readonly #index = new Int32Array(7);
  /** Field index of a `date` column beside the time column, whose rows may hold only a time of day; -1 when there is none. */
  #dateIndex = -1;
  /**
   * The yfinance header lines still to come after its `Price` line (see {@link FileSink.header}):
   * 2 before the `Ticker` line, 1 before the index's name, else 0.
   */
  #yfinance = 0;
  /** The yfinance `Price` line and its line number, for the error when no `Ticker` line follows. */
  #yfinanceHeader: [string, number] = ['', 0];
  // Reused per row: where each field is.
  #src: string[] = [];
  #start = new Int32Array(0);
  #end = new Int32Array(0);

  constructor(path: string, config: Config, request: NormalizedRequest, wanted: Set<string> | null, symbol: string | null, symbolColumn: string | null, size: number) {
    this.#path = path;
    this.#symbolColumn = symbolColumn;
    this.#config = config;
    this.#from = request.from;
    this.#to = request.to;
    this.#wanted = wanted;
    this.#times = new TimeParser(config.timeZone, config.epoch, config.dateOrder);
    this.#capacity = Math.max(256, Math.min(1 << 24, Math.ceil(size / 40)));
    if (symbol !== null) {
      this.#single = new Builder(this.#capacity);
      this.builders.set(symbol, this.#single);
    }
    if (config.header !== null) this.header(config.header, 0);
  }

  /** The header's fields (trimmed, case-insensitive). */
  header(fields: readonly string[], line: number): void {
    const names = fields.map((f) => f.trim().toLowerCase());
    const c = this.#config;
    const find = (candidates: readonly string[]): number => {
      for (const n of candidates) {
        const i = names.indexOf(n);
        if (i !== -1) return i;
      }
      return -1;
    };
    // yfinance (from 0.2.51) writes its columns' two levels as two header lines and its index's
    // name on a third: `Price,Close,High,...`, `Ticker,AAPL,AAPL,...`, `Datetime,,,...`, the times
    // in the first column. Taken as such when the next line is that `Ticker` line.
    const yfinance = c.header === null && names[0] === 'price' && find(c.names.time) === -1;
    this.#yfinance = 0;
    COLUMN_NAMES.forEach((col, k) => {
      const i = col === 'time' && yfinance ? 0 : find(c.names[col]);
      // `volume: null`: the file has none, and -1 stands for it.
      if (i === -1 && c.names[col].length > 0) {
        // A header of one field was most likely split on the wrong character: European
        // spreadsheets write `;`, `.tsv` files tabs.
        const other = fields.length === 1 ? DELIMITERS.find((x) => x !== c.delimiter && (fields[0] as string).includes(x)) : undefined;
        // Some exports (Binance's klines, for one) have no header at all: their first row is data.
        const first = (fields[0] ?? '').trim();
        // A number, or a date as vendors write them (2013-10-07, 10/07/2013, 2013.10.07, 07.10.2013, 20131007 09:30).
        const data = fields.length > 1 && first !== '' && (Number.isFinite(Number(first)) || /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?!\d)/.test(first) || /^\d{8}(?!\d)/.test(first));
        const fix =
          other !== undefined
            ? `the header has no ${JSON.stringify(c.delimiter)} but has ${JSON.stringify(other)}: set options.delimiter to ${JSON.stringify(other)}`
            : data
              ? 'the first line is a row of data, not a header: name the columns with options.header'
              : `name it with options.columns.${col}${col === 'volume' ? ' (null for files that have none)' : ''}`;
        throw new InputError(`csvSource: '${this.#path}' line ${line}: no '${c.names[col].join("' or '")}' column in the header (${shorten(fields.join(c.delimiter))}); ${fix}`);
      }
      this.#index[k] = i;
    });
    const symbolColumn = this.#symbolColumn;
    if (symbolColumn !== null) {
      const i = names.indexOf(symbolColumn);
      if (i === -1) throw new InputError(`csvSource: '${this.#path}' line ${line}: no '${symbolColumn}' symbol column in the header (${shorten(fields.join(c.delimiter))})`);
      this.#index[6] = i;
    } else {
      this.#index[6] = -1;
    }
    // Many exports, and spreadsheets, split the date and the time of day into `Date` and `Time`
    // columns.
    const date = names.indexOf(c.dateName);
    if (date === -1 && c.dateGiven) {
      throw new InputError(`csvSource: '${this.#path}' line ${line}: no '${c.dateName}' date column in the header (${shorten(fields.join(c.delimiter))}); options.columns.date names it`);
    }
    this.#dateIndex = date === this.#index[0] ? -1 : date;
    // A second column of a name read (two `close` columns from a join, say) would be left unread
    // without a word, and which of the two holds the bars' values no rule can tell. (yfinance's
    // columns of several tickers repeat every name; its `Ticker` line says so, naming them.)
    const twice = yfinance ? null : repeatedName(names, [...this.#index, this.#dateIndex].filter((i) => i !== -1));
    if (twice !== null) {
      throw new InputError(`csvSource: '${this.#path}' line ${line}: the header names the column ${twice} (${shorten(fields.join(c.delimiter))}), and no rule tells which of the two to read: rename or remove one${c.header === null ? '' : ' in options.header'}`);
    }
    if (yfinance) {
      this.#yfinance = 2;
      this.#yfinanceHeader = [fields.join(c.delimiter), line];
    }
    this.#fieldCount = fields.length;
    this.#timeName = names[this.#index[0] as number] ?? '';
    this.#blankLastName = fields.length > 1 && (fields[fields.length - 1] as string).trim() === '';
    this.#src = new Array<string>(fields.length).fill('');
    this.#start = new Int32Array(fields.length);
    this.#end = new Int32Array(fields.length);
    this.sawHeader = true;
  }

  /** @throws {InputError} when the input ended right after a yfinance-like `Price` header: it has no time column. */
  end(): void {
    if (this.#yfinance === 2) throw this.#noTimeColumn();
  }

  #noTimeColumn(): InputError {
    const [header, line] = this.#yfinanceHeader;
    return new InputError(`csvSource: '${this.#path}' line ${line}: no '${this.#config.names.time.join("' or '")}' column in the header (${shorten(header)}); name it with options.columns.time`);
  }

  /**
   * A line after a yfinance `Price` header: its `Ticker` line (one ticker in the bar's columns, or
   * an `InputError`), then the index's name (`Date` or `Datetime` and nothing else). Returns whether
   * the line was one of them; a line that is not the `Ticker` line leaves the header without a time
   * column, which is the error.
   */
  #yfinanceLine(fields: readonly string[], line: number): boolean {
    const first = (fields[0] ?? '').trim().toLowerCase();
    if (this.#yfinance === 2) {
      if (first !== 'ticker') throw this.#noTimeColumn();
      const tickers = [...new Set(fields.slice(1).map((f) => f.trim()))].filter((x) => x !== '');
      if (tickers.length > 1) {
        throw new InputError(`csvSource: '${this.#path}' line ${line}: yfinance's columns of several tickers (${tickers.join(', ')}) in one file: save each ticker's columns to a file of its own (one download per ticker, or df.xs(ticker, axis=1, level='Ticker').to_csv(...))`);
      }
      this.#yfinance = 1;
      return true;
    }
    this.#yfinance = 0;
    return (first === 'date' || first === 'datetime') && fields.slice(1).every((f) => f.trim() === '');
  }

  /** One line from the scanner: `text[a..b)`, without its line break. */
  line(text: string, a: number, b: number, line: number): void {
    if (isBlank(text, a, b)) return;
    const d = this.#config.delimiter;
    if (!this.sawHeader) {
      this.header(text.slice(a, b).split(d), line);
      return;
    }
    if (this.#yfinance !== 0 && this.#yfinanceLine(text.slice(a, b).split(d), line)) return;
    const n = this.#fieldCount;
    const src = this.#src;
    const start = this.#start;
    const end = this.#end;
    let k = 0;
    let at = a;
    for (;;) {
      let next = text.indexOf(d, at);
      if (next === -1 || next > b) next = b;
      if (k < n) {
        src[k] = text;
        start[k] = at;
        end[k] = next;
      }
      k++;
      if (next === b) break;
      at = next + 1;
    }
    // One field more than the header's, and blank: the row ends with a delimiter.
    if (k === n + 1) this.#lastBlank = isBlank(text, at, b);
    this.#row(k, line);
  }

  /** One record from csv-parse. */
  record(fields: string[], line: number): void {
    if (!this.sawHeader) {
      this.header(fields, line);
      return;
    }
    if (this.#yfinance !== 0 && this.#yfinanceLine(fields, line)) return;
    const n = Math.min(fields.length, this.#fieldCount);
    for (let k = 0; k < n; k++) {
      const f = fields[k] as string;
      this.#src[k] = f;
      this.#start[k] = 0;
      this.#end[k] = f.length;
    }
    if (fields.length === this.#fieldCount + 1) this.#lastBlank = (fields[fields.length - 1] as string).trim() === '';
    this.#row(fields.length, line);
  }

  /**
   * The hint for a row whose time field is the header's name for the time column: with
   * `options.header`, in the first row, the file has a header line of its own, read as a row of
   * data; after a header line, the file repeats it.
   */
  #headerAgain(time: string): string {
    const given = this.#config.header;
    if (given === null) {
      // Files joined into one (`cat *.csv`) repeat their header line between their rows.
      return this.#timeName !== '' && time.trim().toLowerCase() === this.#timeName ? '; the row is the header line again (files joined into one, each with its header?)' : '';
    }
    if (this.rowsRead !== 1) return '';
    const name = given[this.#index[0] as number]?.trim().toLowerCase();
    return name !== undefined && time.trim().toLowerCase() === name ? '; the row has the names of options.header: the file has a header line of its own, so leave options.header out' : '';
  }

  #text(k: number): string {
    return (this.#src[k] as string).slice(this.#start[k] as number, this.#end[k] as number);
  }

  #row(fields: number, line: number): void {
    this.rowsRead++;
    // A delimiter that ends every line of the rows but not the header's, or the header's but not
    // the rows' (spreadsheets and some exports write one): the blank field it makes is no column.
    if (fields !== this.#fieldCount && !(fields === this.#fieldCount + 1 && this.#lastBlank) && !(fields === this.#fieldCount - 1 && this.#blankLastName)) {
      // options.header names every column: Binance's klines have twelve, of which six are the bar.
      let every = this.#config.header !== null && fields > this.#fieldCount ? '; options.header names every column of the file, one name each, in order' : '';
      if (fields === 1) {
        // A whole line in one field, of a file split on another character (a headerless `.tsv`, or
        // a European spreadsheet's `;`, read with options.header).
        const d = this.#config.delimiter;
        const whole = this.#text(0);
        const other = DELIMITERS.find((x) => x !== d && whole.includes(x));
        if (other !== undefined) every = `; the row has no ${JSON.stringify(d)} but has ${JSON.stringify(other)}: set options.delimiter to ${JSON.stringify(other)}`;
      }
      this.#bad(line, `expected ${this.#fieldCount} fields (as in ${this.#config.header === null ? 'the header' : 'options.header'}), found ${fields}${every}`);
      return;
    }
    const src = this.#src;
    const start = this.#start;
    const end = this.#end;
    const ix = this.#index;
    const ti = ix[0] as number;
    let t: number;
    let later = NaN;
    let kind = WHOLE;
    const ts = src[ti] as string;
    let ta = start[ti] as number;
    let tb = end[ti] as number;
    if (this.#dateIndex !== -1) {
      while (ta < tb && ts.charCodeAt(ta) <= 32) ta++;
      while (tb > ta && ts.charCodeAt(tb - 1) <= 32) tb--;
      kind = timeBesideDate(ts, ta, tb);
    }
    let wall = false;
    if (kind === WHOLE) {
      t = this.#times.parse(ts, ta, tb);
      later = this.#times.later;
      wall = this.#times.wall;
    } else if (kind === EPOCH) {
      t = this.#times.parse(ts, ta, tb, true);
      // A long number that is really a time of day (`093000000`, HHMMSS and milliseconds) would
      // read as a day in the 1970s and be left out of every run without a word: an epoch time must
      // fall on the date beside it.
      // With no date to check it against (an empty or unreadable one), it is not taken either.
      const dateText = this.#text(this.#dateIndex).trim();
      // A date-time beside the epoch (`2024-03-04 09:30:00`, as some exports write a readable copy
      // of it) confirms it by its date.
      const date = dateText.length > 10 && /^\d{4}([-./])\d{2}\1\d{2}[Tt ]/.test(dateText) ? dateText.slice(0, 10) : dateText;
      if (t === t) {
        const noon = `${date} 12:00`;
        const day = date === '' ? NaN : this.#times.parse(noon, 0, noon.length);
        if (day !== day) {
          this.#bad(line, `time '${ts.slice(ta, tb)}' read as an epoch is ${isoTime(t)}, which the date beside it cannot confirm: ${date === '' ? 'it is empty' : `'${date}' is not a YYYY-MM-DD date`}`);
          return;
        }
        if (Math.abs(t - day) > EPOCH_OFF_DATE_MS) {
          this.#bad(line, `time '${ts.slice(ta, tb)}' read as an epoch is ${isoTime(t)}, not on the date beside it ('${date}')`);
          return;
        }
      }
    } else {
      // Beside a date column a short number is a time of day: `930` is 09:30 on that date, not 15
      // minutes and 30 seconds past 1970.
      const time = ts.slice(ta, tb);
      const clock = kind === CLOCK ? (ts.charCodeAt(ta + 1) === 58 ? `0${time}` : time) : kind === DIGITS ? digitsTimeOfDay(ts, ta, digitsEnd(ts, ta, tb)) : null;
      if (clock === null) {
        this.#bad(line, `time '${time}' beside the date column is not a time of day (HH:MM or H:MM, HH:MM:SS, or 3 to 6 digits: HMM, HHMM, HMMSS, HHMMSS) nor a whole date-time`);
        return;
      }
      if (kind === DIGITS && !clockInRange(clock)) {
        this.#bad(line, `time '${time}' beside the date column is not a time of day: read as ${clock.length === 5 ? 'HHMM' : 'HHMMSS'}, it is ${clock}`);
        return;
      }
      const date = this.#text(this.#dateIndex).trim();
      if (date === '') {
        // Read alone, the time of day would be reported as no time at all.
        this.#bad(line, `time '${time}' is a time of day and the date column beside it is empty`);
        return;
      }
      const joined = `${date} ${clock}`;
      t = this.#times.parse(joined, 0, joined.length);
      later = this.#times.later;
      wall = this.#times.wall;
    }
    if (t !== t) {
      this.#bad(line, this.#times.reason + this.#headerAgain(ts.slice(ta, tb)));
      return;
    }
    let builder = this.#single;
    if (builder === null) {
      const si = ix[6] as number;
      const symbol = this.#text(si).trim();
      if (symbol === '') {
        this.#bad(line, 'empty symbol');
        return;
      }
      if (this.#wanted !== null && !this.#wanted.has(symbol)) {
        this.rowsOtherSymbol++;
        return;
      }
      builder = this.builders.get(symbol) ?? null;
      if (builder === null) {
        // Small, and grown by doubling: a day file of every US ticker has some 10,000 symbols,
        // most with a few rows, and a larger start cost more than the rows themselves.
        builder = new Builder(16);
        this.builders.set(symbol, builder);
      }
    }
    // A wall time of the repeated hour is kept when either of its instants is in range: which one
    // it is, the rows around it tell (see laterWhereInOrder); the load drops it after if need be.
    if (!(t >= this.#from && t < this.#to) && !(later >= this.#from && later < this.#to)) {
      this.rowsOtherDays++;
      return;
    }
    const i1 = ix[1] as number;
    const o = parseNumber(src[i1] as string, start[i1] as number, end[i1] as number);
    const i2 = ix[2] as number;
    const h = parseNumber(src[i2] as string, start[i2] as number, end[i2] as number);
    const i3 = ix[3] as number;
    const l = parseNumber(src[i3] as string, start[i3] as number, end[i3] as number);
    const i4 = ix[4] as number;
    const c = parseNumber(src[i4] as string, start[i4] as number, end[i4] as number);
    const i5 = ix[5] as number;
    const v = i5 === -1 ? 0 : parseNumber(src[i5] as string, start[i5] as number, end[i5] as number);
    if (o !== o || h !== h || l !== l || c !== c || v !== v) {
      // A missing value (blank, NaN, NA, null) is passed on as NaN: the store rejects the bar as
      // `non_finite` and counts it by symbol and reason. Text that is no number is a malformed row.
      const values = [NaN, o, h, l, c, v];
      for (let k = 1; k <= 5; k++) {
        if (values[k] === values[k] || isMissing(this.#text(ix[k] as number))) continue;
        const text = this.#text(ix[k] as number);
        // European spreadsheets write decimal commas (and `.` between thousands); American ones
        // `,` between thousands (`1,234.5`, `1,234,567`: a point after the commas, or two of them).
        const comma = /^\s*[+-]?\d{1,3}(,\d{3})+(\.\d*|(,\d{3})+)\s*$/.test(text)
          ? ': numbers are read without thousands separators, so drop them first (1,234.5 is 1234.5)'
          : /^\s*[+-]?[\d.]*\d,\d+\s*$/.test(text)
            ? ': numbers are read with a decimal point, so convert decimal commas (and drop thousands separators) first'
            : '';
        this.#bad(line, `${COLUMN_NAMES[k]} '${text}' is not a number${comma}`);
        return;
      }
    }
    if (later === later) builder.twice.push(builder.length, later);
    if (wall) this.rowsWithoutOffset++;
    builder.push(t, o, h, l, c, v);
  }

  /** A malformed row: thrown, or counted. */
  #bad(line: number, reason: string): void {
    if (!this.#config.skipBad) throw new InputError(`csvSource: '${this.#path}' line ${line}: ${reason}`);
    this.badRows++;
    if (this.badRowDetails.length < this.#config.maxDetails) this.badRowDetails.push({ file: this.#path, line, reason });
  }

  /**
   * A record csv-parse could not read, or read as one record of several rows: each of its
   * non-empty `lines` is a row read and rejected, never lost without a count.
   */
  skipped(lines: readonly number[], reason: string): void {
    const from = lines[0] as number;
    const to = lines[lines.length - 1] as number;
    for (const l of lines) {
      this.rowsRead++;
      this.#bad(l, from === to ? reason : `${reason} (the record ran from line ${from} to ${to})`);
    }
  }
}

/**
 * Where the scanner stopped for csv-parse to go on: `text`, from the start of line `line + 1` to
 * the end of the chunk that needs csv-parse, then the chunks of `rest`. The lines before it are in
 * the sink. `atStart` when `text` is the start of the input, where a BOM is the input's; further
 * on, a U+FEFF starting `text` is a character of that line, kept as csv-parse alone keeps it.
 */
interface Handoff {
  text: string;
  line: number;
  atStart: boolean;
  rest: AsyncIterator<string>;
}

/**
 * The dedicated reader for text without quotes: splits lines and fields with `indexOf` on the
 * decoded text and hands positions to the sink (no per-field strings). At the first chunk with a
 * `"` (or a lone `\r`), before any of that chunk's lines is used, it stops and returns where, for
 * csv-parse to read the rest ({@link Handoff}); null when it read everything. A failure returns
 * the chunks' iterator (which closes a stream's file).
 */
async function scan(chunks: AsyncIterable<string>, sink: FileSink): Promise<Handoff | null> {
  const it = chunks[Symbol.asyncIterator]();
  let carry = '';
  let line = 0;
  let first = true;
  let pendingCr = false;
  try {
    for (;;) {
      const next = await it.next();
      if (next.done === true) break;
      const chunk = next.value;
      let needsCsvParse = chunk.indexOf('"') !== -1;
      // A lone \r (old Mac line breaks) is a line break for csv-parse: leave such text to it.
      if (pendingCr && chunk.charCodeAt(0) !== 10) needsCsvParse = true;
      pendingCr = false;
      for (let cr = chunk.indexOf('\r'); cr !== -1 && !needsCsvParse; cr = chunk.indexOf('\r', cr + 1)) {
        if (cr + 1 === chunk.length) pendingCr = true;
        else if (chunk.charCodeAt(cr + 1) !== 10) needsCsvParse = true;
      }
      // `carry` is the start of a line: nothing of it or of this chunk has reached the sink.
      if (needsCsvParse) return { text: carry + chunk, line, atStart: first, rest: it };
      let text = chunk;
      let pos = 0;
      if (first) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) pos = 1;
      }
      if (carry !== '') {
        // The line cut by the previous chunk: joined on its own, so `text` stays the flat chunk.
        const nl = text.indexOf('\n');
        if (nl === -1) {
          carry += text;
          continue;
        }
        const joined = carry + text.slice(0, nl);
        line++;
        sink.line(joined, 0, joined.charCodeAt(joined.length - 1) === 13 ? joined.length - 1 : joined.length, line);
        pos = nl + 1;
      }
      for (;;) {
        const nl = text.indexOf('\n', pos);
        if (nl === -1) break;
        line++;
        sink.line(text, pos, nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl, line);
        pos = nl + 1;
      }
      carry = pos === 0 ? text : text.slice(pos);
    }
  } catch (error) {
    await it.return?.();
    throw error;
  }
  if (carry !== '') {
    line++;
    const b = carry.charCodeAt(carry.length - 1) === 13 ? carry.length - 1 : carry.length;
    sink.line(carry, 0, b, line);
  }
  return null;
}

/** The text a {@link Handoff} left, as a stream for csv-parse; destroyed, it closes the rest's source. */
function handedOver(h: Handoff): Readable {
  return Readable.from(prepended([h.text], h.rest), { objectMode: false });
}

/**
 * The general reader: csv-parse (quotes, escaped delimiters, line breaks inside fields), over
 * `input` (bytes or text) from its start, or from after line `startLine` where the scanner handed
 * it over (`atStart` false when that was past the input's first chunk: a BOM there is text).
 */
async function parseWithCsvParse(name: string, input: Readable, sink: FileSink, config: Config, startLine = 0, atStart = true): Promise<void> {
  /**
   * The line the last record (read or skipped) ended on, counted here from each record's text:
   * csv-parse's own count takes a CRLF inside quotes for two lines.
   */
  let last = startLine;
  const endLine = (raw: string | undefined, fallback: number): number => {
    if (raw === undefined || raw === '') return fallback;
    const tail = raw.charCodeAt(raw.length - 1);
    return last + lineBreaks(raw) + (tail === 10 || tail === 13 ? 0 : 1);
  };
  const parser = parse({
    delimiter: config.delimiter,
    bom: atStart,
    // Explicit, so that files mixing line breaks split (and count lines) like the scanner does.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: true,
    // A quote inside a field (`"1.5"x`, `1"5`) is kept as text, so the field is a bad number on
    // its own row; otherwise csv-parse resynchronises mid-record and swallows the rows after it.
    relax_quotes: true,
    // Every unreadable record goes through on_skip, which counts its rows (skip) or throws naming
    // the line it began on (throw), rather than csv-parse's error naming where it gave up.
    skip_records_with_error: true,
    // Each record's text, so that a record spanning several lines counts each of them.
    raw: true,
    on_skip: (error, raw) => {
      const e = error as (CsvError & { lines?: number }) | undefined;
      const line = endLine(raw, typeof e?.lines === 'number' ? startLine + e.lines : last + 1);
      const lines = rowLines(raw, line);
      sink.skipped(lines, `${e?.message?.replace(/ at line \d+$/, '') ?? 'unreadable record'}`);
      last = line;
      return undefined;
    },
    on_record: (data, context) => {
      const { record, raw } = data as unknown as { record: string[]; raw: string };
      const line = endLine(raw, startLine + context.lines);
      // csv-parse skips empty lines only; a line of spaces or tabs is skipped as the scanner does.
      // The raw text of the record after an empty line starts with that line's break.
      if (isBlankRecord(raw)) {
        last = line;
        return null;
      }
      // A quote opened in a field and closed lines later makes one record of several rows:
      // bar files have no line breaks inside fields, so each of those rows is a bad row.
      if (record.some((field) => field.includes('\n') || field.includes('\r'))) {
        sink.skipped(rowLines(raw, line), 'a quote opened in a field runs across lines (several rows read as one record)');
      } else sink.record(record, line);
      last = line;
      return null;
    },
  });
  parser.resume();
  try {
    await pipeline(input, parser);
  } catch (error) {
    throw csvParseError(name, error, startLine);
  }
}

/** Whether a record's raw text is only spaces, tabs and line breaks (after a BOM): blank lines. */
function isBlankRecord(raw: string): boolean {
  for (let i = raw.charCodeAt(0) === 0xfeff ? 1 : 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return true;
}

/** Line breaks in `text`, a CRLF counting once. */
function lineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

/** The numbers of the non-empty lines of `raw`, a record's text that ends on line `line`. */
function rowLines(raw: string | undefined, line: number): number[] {
  if (raw === undefined) return [line];
  const parts = raw.split(/\r\n|\n|\r/);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const first = line - parts.length + 1;
  const lines: number[] = [];
  parts.forEach((text, k) => {
    if (!isBlank(text, 0, text.length)) lines.push(first + k);
  });
  return lines.length === 0 ? [line] : lines;
}

function csvParseError(path: string, error: unknown, startLine: number): unknown {
  if (error instanceof BarstreamError) return error;
  const e = error as CsvError & { lines?: number };
  if (typeof e?.code === 'string' && e.code.startsWith('CSV_')) {
    return new InputError(`csvSource: '${path}'${typeof e.lines === 'number' ? ` line ${startLine + e.lines}` : ''}: ${e.message}`);
  }
  return wrapReadError(path, error);
}
