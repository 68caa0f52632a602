/**
 * csvSource over one stream ({ stream, name, symbol }): what `barstream backtest --data -` reads
 * from stdin. Expected values are written out by hand (times from Date.UTC), or are what the same
 * text gives as a file.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ConfigError, InputError } from '../src/errors.js';
import { csvSource } from '../src/sources/index.js';
import type { CsvSource, SymbolColumns } from '../src/sources/index.js';

const dir = mkdtempSync(join(tmpdir(), 'barstream-csv-stream-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const T = (h: number, m: number): number => Date.UTC(2013, 9, 7, h, m);

function times(c: SymbolColumns | undefined): number[] {
  if (c === undefined) throw new Error('no columns');
  return [...c.time.subarray(0, c.length)];
}

/** `bytes` as a Readable of chunks of `size` bytes: stdin hands over 64 KiB at a time, wherever that cuts. */
function chunked(bytes: Uint8Array, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(chunks);
}

const HEADER = 'time,open,high,low,close,volume';
const three = `${HEADER}\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n2013-10-07T13:31:00Z,1,2,0.5,1.5,10\n2013-10-07T13:32:00Z,1,2,0.5,1.5,10\n`;

test('a stream without a symbol column is the one symbol input.symbol names, plain or gzip (by its first bytes), in chunks of any size', async (t) => {
  const expected = [T(13, 30), T(13, 31), T(13, 32)];
  for (const bytes of [Buffer.from(three), gzipSync(three)]) {
    for (const size of [1, 3, 7, 1 << 16]) {
      const source = csvSource({ stream: chunked(bytes, size), name: 'stdin', symbol: 'SPY' });
      const cols = await source.load({});
      t.deepEqual([...cols.keys()], ['SPY']);
      t.deepEqual(times(cols.get('SPY')), expected, `${bytes[0] === 0x1f ? 'gzip' : 'plain'}, chunks of ${size}`);
      t.like(source.lastReport, { files: ['stdin'], rowsRead: 3, rowsLoaded: 3, badRows: 0 });
    }
  }
  // Any async iterable of bytes, not only a Readable; the name defaults to 'stream'.
  const source = csvSource({
    stream: (async function* () {
      yield new TextEncoder().encode(three);
    })(),
    symbol: 'SPY',
  });
  t.deepEqual(times((await source.load({})).get('SPY')), expected);
  t.deepEqual(source.lastReport?.files, ['stream']);
});

test('a stream with a symbol or ticker column takes each row\'s symbol from it, as a file does; a multi-byte symbol cut between chunks is read whole', async (t) => {
  const text = `time,ticker,open,high,low,close,volume\n2013-10-07T13:30:00Z,ÆON,1,2,0.5,1.5,10\n2013-10-07T13:30:00Z,BBB,1,2,0.5,1.5,10\n2013-10-07T13:31:00Z,ÆON,1,2,0.5,1.5,10\n`;
  const all = await csvSource({ stream: chunked(Buffer.from(text), 1), name: 'stdin' }).load({});
  t.deepEqual([...all.keys()].sort(), ['BBB', 'ÆON']);
  t.deepEqual(times(all.get('ÆON')), [T(13, 30), T(13, 31)]);
  // input.symbol is for streams without a column: here the request's symbols pick among the column's.
  const one = await csvSource({ stream: chunked(Buffer.from(text), 5), name: 'stdin', symbol: 'BBB' }).load({ symbols: ['BBB'] });
  t.deepEqual([...one.keys()], ['BBB']);
  t.deepEqual(times(one.get('BBB')), [T(13, 30)]);
});

test('a stream without a symbol column or input.symbol, an empty one, and a second load are errors that name the stream', async (t) => {
  const nameless = csvSource({ stream: Readable.from([Buffer.from(three)]), name: 'stdin' });
  const e = await t.throwsAsync(nameless.load({}), { instanceOf: InputError });
  t.is(e?.message, "csvSource: 'stdin' has no symbol column ('symbol' or 'ticker') and no symbol was given for its rows (give input.symbol or symbolColumn)");
  // Empty is said first: there is no header to look for a symbol column in.
  for (const symbol of [undefined, 'SPY']) {
    const empty = csvSource({ stream: Readable.from([]), name: 'stdin', ...(symbol === undefined ? {} : { symbol }) });
    await t.throwsAsync(empty.load({}), { instanceOf: InputError, message: "csvSource: 'stdin' is empty (no header line)" });
  }
  const once = csvSource({ stream: Readable.from([Buffer.from(three)]), name: 'stdin', symbol: 'SPY' });
  await once.load({});
  await t.throwsAsync(once.load({}), { instanceOf: ConfigError, message: /'stdin' was read by an earlier load: a stream is read once/ });
});

test("a malformed row names the stream and its line; onBadRow: 'skip' counts it there; damaged gzip is named", async (t) => {
  const text = `${HEADER}\n\n2013-10-07T13:30:00Z,1,2,0.5,1.5,10\n2013-10-07T13:31:00Z,1,2,0.5,one,10\n`;
  await t.throwsAsync(csvSource({ stream: chunked(Buffer.from(text), 4), name: 'stdin', symbol: 'SPY' }).load({}), {
    instanceOf: InputError,
    message: "csvSource: 'stdin' line 4: close 'one' is not a number",
  });
  const skip = csvSource({ stream: chunked(Buffer.from(text), 4), name: 'stdin', symbol: 'SPY' }, { onBadRow: 'skip' });
  t.deepEqual(times((await skip.load({})).get('SPY')), [T(13, 30)]);
  t.deepEqual(skip.lastReport?.badRowDetails, [{ file: 'stdin', line: 4, reason: "close 'one' is not a number" }]);
  const cut = gzipSync(three).subarray(0, 20);
  await t.throwsAsync(csvSource({ stream: Readable.from([cut]), name: 'stdin', symbol: 'SPY' }).load({}), { instanceOf: InputError, message: /^csvSource: cannot read 'stdin': Z_\w+ \(damaged or cut gzip data\)$/ });
  const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]);
  await t.throwsAsync(csvSource({ stream: Readable.from([zip]), name: 'stdin', symbol: 'SPY' }).load({}), { instanceOf: InputError, message: "csvSource: 'stdin' is a zip archive: extract its CSV files first" });
});

test('a quote past the first chunks hands the rest to csv-parse: rows and line numbers are those of the same text as a file, read either way', async (t) => {
  // 30,000 rows (1.4 MB: past the file reader's first 1 MiB chunk too); a quoted field on line
  // 25,000, and a bad row before and after it.
  const lines = [HEADER];
  for (let i = 0; i < 30_000; i++) {
    const time = new Date(T(13, 30) + i * 60_000).toISOString();
    lines.push(i === 24_998 ? `${time},"1",2,0.5,1.5,10` : i === 100 || i === 28_000 ? `${time},1,2,0.5,bad,10` : `${time},1,2,0.5,1.5,10`);
  }
  const text = `${lines.join('\r\n')}\r\n`;
  const file = join(dir, 'Q.csv');
  writeFileSync(file, text);
  const read = async (source: CsvSource): Promise<unknown> => {
    const cols = await source.load({});
    const r = source.lastReport;
    const q = cols.get('Q');
    return { n: q?.length, quoted: q?.time[24_997], last: q?.time[(q?.length ?? 0) - 1], rowsRead: r?.rowsRead, bad: r?.badRowDetails.map((b) => [b.line, b.reason]), parsers: r?.parsers };
  };
  const expected = { n: 29_998, quoted: T(13, 30) + 24_998 * 60_000, last: T(13, 30) + 29_999 * 60_000, rowsRead: 30_000, bad: [[102, "close 'bad' is not a number"], [28_002, "close 'bad' is not a number"]], parsers: { scanner: 0, csvParse: 1 } };
  for (const parser of ['auto', 'csv-parse'] as const) {
    t.deepEqual(await read(csvSource(file, { onBadRow: 'skip', parser })), expected, `file, ${parser}`);
    t.deepEqual(await read(csvSource({ stream: chunked(Buffer.from(text), 65_536), name: 'stdin', symbol: 'Q' }, { onBadRow: 'skip', parser })), expected, `stream, ${parser}`);
  }
});

test('stream inputs and options that cannot go together are ConfigErrors at construction', (t) => {
  const stream = Readable.from([]);
  t.throws(() => csvSource({ stream: 'a,b' as never }), { instanceOf: ConfigError, message: /input\.stream: expected a Readable or an async iterable of byte chunks, got 'a,b'/ });
  t.throws(() => csvSource({ stream, symbol: '' }), { instanceOf: ConfigError, message: /input\.symbol/ });
  t.throws(() => csvSource({ stream, name: ' ' }), { instanceOf: ConfigError, message: /input\.name/ });
  t.throws(() => csvSource({ stream, path: 'x' } as never), { instanceOf: ConfigError, message: /'path' is not an option of a csvSource stream input/ });
  t.throws(() => csvSource({ stream }, { symbolFromPath: () => 'X' }), { instanceOf: ConfigError, message: /a stream has no path: give its symbol as input\.symbol/ });
  t.throws(() => csvSource({ stream, symbol: 'SPY' }, { symbolColumn: 'sym' }), { instanceOf: ConfigError, message: /give symbolColumn or input\.symbol, not both/ });
});

test('a line starting with a byte order mark past the start keeps it when the scanner hands over there, as csv-parse alone and a single chunk read it', async (t) => {
  // Two header-less files with a BOM each, concatenated (`cat a.csv b.csv`): the second BOM is
  // text on line 3, so that line's time does not read (it does not start with four digits and a
  // '-'). Line 4 has a quote, so the scanner hands over to csv-parse; with the second file as a
  // chunk of its own it hands over at line 3, where that BOM is no BOM of the input's.
  const a = '\uFEFF2013-10-07T13:00:00Z,1,2,0.5,1.5,10\n2013-10-07T13:01:00Z,1,2,0.5,1.5,10\n';
  const b = '\uFEFF2013-10-07T13:02:00Z,1,2,0.5,1.5,10\n2013-10-07T13:03:00Z,"1",2,0.5,1.5,10\n';
  const file = join(dir, 'BOMS.csv');
  writeFileSync(file, a + b);
  const header = ['time', 'open', 'high', 'low', 'close', 'volume'];
  for (const parser of ['auto', 'csv-parse'] as const) {
    const options = { header, onBadRow: 'skip', parser } as const;
    const sources: [string, CsvSource][] = [['file', csvSource(file, options)]];
    for (const chunks of [[a, b], [a + b], [a.slice(0, 5), a.slice(5) + b]]) {
      sources.push([`chunks of ${chunks.map((c) => Buffer.byteLength(c)).join('+')} bytes`, csvSource({ stream: Readable.from(chunks.map((c) => Buffer.from(c))), name: 'stdin', symbol: 'BOMS' }, options)]);
    }
    for (const [what, source] of sources) {
      const cols = await source.load({});
      t.deepEqual(times(cols.get('BOMS')), [T(13, 0), T(13, 1), T(13, 3)], `${what}, ${parser}`);
      t.deepEqual(
        source.lastReport?.badRowDetails.map((r) => [r.line, r.reason]),
        [[3, "time '\uFEFF2013-10-07T13:02:00Z' is neither an ISO 8601 date-time nor an epoch number"]],
        `${what}, ${parser}`,
      );
    }
  }
});
