/**
 * Suite `indicatorsBatch`: eight indicators over 1,000,000 bars at once: SMA 20, EMA 20, RSI 14,
 * MACD 12/26/9, BBANDS 20/2, ATR 14, STDDEV 20, WMA 20 (twelve output columns).
 *
 * barstream: `computeIndicators(eight, columns)`, one call that shares the eight between two
 * threads (each indicator whole on one), the `Float64Array` columns of a seeded random walk read
 * without copying, the twelve outputs in one new native block. Also timed: `computeIndicator`
 * once per indicator, all on the calling thread.
 *
 * Peers, each doing the same eight:
 * - `@ixjb94/indicators` (`IndicatorsSync`, plain TypeScript), given the same `Float64Array`s (it
 *   only indexes them) and, as a second task, `number[]` copies made outside the timed loop;
 * - `talib` 1.1.6 (TA-Lib's C through a Nan binding), and `tulind` 0.8 (Tulip Indicators' C): both
 *   need plain arrays (`talib` reads a `Float64Array` as garbage, `tulind` rejects it), so their
 *   time includes converting close/high/low to `number[]` once per run (a `push` loop, the fastest
 *   conversion measured here), since their users pay it. The conversion alone is timed too.
 *
 * Checked first (untimed): every peer's last value of every output agrees with barstream's within
 * 1e-6 relative where the definitions agree; the value at bar 40 is compared too, to name the
 * outputs whose seeding differs (they converge long before the last bar).
 *
 * Target: barstream at least 10x faster than the fastest peer.
 * @module
 */
import { createRequire } from 'node:module';
import { IndicatorsSync } from '@ixjb94/indicators';
import { computeIndicator, computeIndicators } from 'barstream';
import type { IndicatorConfig } from 'barstream';
import { fmt, generateColumns, printSummary, settle, speedup } from './common.js';
import type { Columns, Row } from './common.js';
import { EIGHT } from './indicators-stream.js';

const require = createRequire(import.meta.url);

interface TalibResult {
  begIndex: number;
  nbElement: number;
  result: Record<string, number[]>;
  error?: string;
}
interface Talib {
  version: string;
  execute(params: Record<string, unknown>): TalibResult;
}
interface Tulind {
  version: string;
  indicators: Record<string, { output_names: string[]; indicator(inputs: number[][], options: number[], cb: (err: unknown, res: number[][]) => void): void }>;
}
const talib = require('talib') as Talib;
const tulind = require('tulind') as Tulind;

const N = 1_000_000;
const FAST_ROUNDS = 5;
/** Timed rounds of talib and tulind after their first (timed) run: three runs each in all. */
const SLOW_ROUNDS = 2;
const TARGET_SPEEDUP = 10;
const REL_TOL = 1e-6;
const EARLY = 40;

/** Outputs by barstream name; each array's last element is bar N-1 (peers' arrays are shorter by their warm-up). */
type Outputs = Record<string, ArrayLike<number>>;

/** Plain columns, as talib and tulind need them. */
interface Plain {
  close: number[];
  high: number[];
  low: number[];
}

function toArray(col: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < col.length; i++) out.push(col[i] as number);
  return out;
}

const toPlain = (c: Columns): Plain => ({ close: toArray(c.close), high: toArray(c.high), low: toArray(c.low) });

/** The headline: all eight in one `computeIndicators` call (shared between two threads). */
function runBarstream(c: Columns): Outputs {
  return computeIndicators(EIGHT, { close: c.close, high: c.high, low: c.low });
}

/** One `computeIndicator` call per indicator, each on the calling thread. */
function runBarstreamEach(c: Columns): Outputs {
  const out: Outputs = {};
  for (const config of EIGHT) {
    Object.assign(out, computeIndicator(config, config.kind === 'atr' ? { close: c.close, high: c.high, low: c.low } : { close: c.close }));
  }
  return out;
}

function runIxjb94(close: ArrayLike<number>, high: ArrayLike<number>, low: ArrayLike<number>): Outputs {
  const ta = new IndicatorsSync();
  const cl = close as number[];
  const [macd, signal, hist] = ta.macd(cl, 12, 26, 9) as [number[], number[], number[]];
  const [lower, middle, upper] = ta.bbands(cl, 20, 2) as [number[], number[], number[]];
  return {
    sma20: ta.sma(cl, 20),
    ema20: ta.ema(cl, 20),
    rsi14: ta.rsi(cl, 14),
    'macd.macd': macd,
    'macd.signal': signal,
    'macd.histogram': hist,
    'bbands20.upper': upper,
    'bbands20.middle': middle,
    'bbands20.lower': lower,
    atr14: ta.atr(high as number[], low as number[], cl, 14),
    stddev20: ta.stddev(cl, 20),
    wma20: ta.wma(cl, 20),
  };
}

function runTalib(c: Columns): Outputs {
  const p = toPlain(c);
  const ex = (name: string, params: Record<string, unknown>): Record<string, number[]> => {
    const r = talib.execute({ name, startIdx: 0, endIdx: N - 1, ...params });
    if (r.error !== undefined) throw new Error(`talib ${name}: ${r.error}`);
    return r.result;
  };
  const macd = ex('MACD', { inReal: p.close, optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 });
  const bb = ex('BBANDS', { inReal: p.close, optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 });
  return {
    sma20: ex('SMA', { inReal: p.close, optInTimePeriod: 20 }).outReal as number[],
    ema20: ex('EMA', { inReal: p.close, optInTimePeriod: 20 }).outReal as number[],
    rsi14: ex('RSI', { inReal: p.close, optInTimePeriod: 14 }).outReal as number[],
    'macd.macd': macd.outMACD as number[],
    'macd.signal': macd.outMACDSignal as number[],
    'macd.histogram': macd.outMACDHist as number[],
    'bbands20.upper': bb.outRealUpperBand as number[],
    'bbands20.middle': bb.outRealMiddleBand as number[],
    'bbands20.lower': bb.outRealLowerBand as number[],
    atr14: ex('ATR', { high: p.high, low: p.low, close: p.close, optInTimePeriod: 14 }).outReal as number[],
    stddev20: ex('STDDEV', { inReal: p.close, optInTimePeriod: 20, optInNbDev: 1 }).outReal as number[],
    wma20: ex('WMA', { inReal: p.close, optInTimePeriod: 20 }).outReal as number[],
  };
}

function tul(name: string, inputs: number[][], options: number[]): number[][] {
  let out: number[][] | undefined;
  // tulind calls back synchronously.
  tulind.indicators[name]?.indicator(inputs, options, (err, res) => {
    if (err) throw new Error(`tulind ${name}: ${String(err)}`);
    out = res;
  });
  if (out === undefined) throw new Error(`tulind ${name}: no result`);
  return out;
}

function runTulind(c: Columns): Outputs {
  const p = toPlain(c);
  const [macd, signal, hist] = tul('macd', [p.close], [12, 26, 9]) as [number[], number[], number[]];
  const [lower, middle, upper] = tul('bbands', [p.close], [20, 2]) as [number[], number[], number[]];
  return {
    sma20: tul('sma', [p.close], [20])[0] as number[],
    ema20: tul('ema', [p.close], [20])[0] as number[],
    rsi14: tul('rsi', [p.close], [14])[0] as number[],
    'macd.macd': macd,
    'macd.signal': signal,
    'macd.histogram': hist,
    'bbands20.upper': upper,
    'bbands20.middle': middle,
    'bbands20.lower': lower,
    atr14: tul('atr', [p.high, p.low, p.close], [14])[0] as number[],
    stddev20: tul('stddev', [p.close], [20])[0] as number[],
    wma20: tul('wma', [p.close], [20])[0] as number[],
  };
}

/** The value at bar `i` of an output whose last element is bar N-1. */
const at = (col: ArrayLike<number>, i: number): number => {
  const k = col.length - N + i;
  return k >= 0 ? (col[k] as number) : NaN;
};
const close = (a: number, b: number): boolean => Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(a), Math.abs(b), 1e-12);

type Agreement = 'same' | 'seeding' | 'DIFFERS';

/** Per output: whether a peer agrees with barstream at the last bar and at bar {@link EARLY}. */
function compare(ours: Outputs, theirs: Outputs): Record<string, Agreement> {
  const out: Record<string, Agreement> = {};
  for (const [name, col] of Object.entries(ours)) {
    const other = theirs[name];
    if (other === undefined) throw new Error(`peer has no output ${name}`);
    const last = close(at(col, N - 1), at(other, N - 1));
    out[name] = !last ? 'DIFFERS' : close(at(col, EARLY), at(other, EARLY)) ? 'same' : 'seeding';
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface Task {
  name: string;
  rounds: number;
  run: () => unknown;
}

export async function run(): Promise<Row[]> {
  console.log(
    `\n## indicatorsBatch: ${EIGHT.map((c) => c.kind).join(', ')} over ${N.toLocaleString('en-US')} bars (12 output columns); ` +
      `${FAST_ROUNDS} rounds (talib, tulind: ${SLOW_ROUNDS + 1} runs); talib ${talib.version}, tulind ${tulind.version}`,
  );
  const cols = generateColumns(0xba7c, N, Date.UTC(2024, 0, 1));
  const plain = toPlain(cols);

  // The checks' run, which also warms every task up once. The comparison itself is untimed; the
  // talib and tulind calls are timed (after a collection) and count as their first run, since each
  // takes seconds and what it runs is C (the conversion loop warms up in its first milliseconds).
  const slowFirst = new Map<string, number>();
  const timed = async <T>(name: string, f: () => T): Promise<T> => {
    await settle();
    const t0 = performance.now();
    const out = f();
    slowFirst.set(name, performance.now() - t0);
    return out;
  };
  const ours = runBarstream(cols);
  const peers: [string, Outputs][] = [
    ['@ixjb94/indicators', runIxjb94(cols.close, cols.high, cols.low)],
    ['talib', await timed('talib', () => runTalib(cols))],
    ['tulind', await timed('tulind', () => runTulind(cols))],
  ];
  const agreement = peers.map(([name, outputs]) => [name, compare(ours, outputs)] as const);
  console.log(`checked (untimed): last value (bar ${N.toLocaleString('en-US')}) within 1e-6 relative, and the value at bar ${EARLY} ('seeding': the last agrees, bar ${EARLY} does not)`);
  console.table(Object.fromEntries(agreement.map(([name, a]) => [name, a])));
  for (const [name, a] of agreement) {
    const differs = Object.entries(a).filter(([, v]) => v === 'DIFFERS').map(([k]) => k);
    if (differs.length > 0) console.log(`  ${name}: last values differ for ${differs.join(', ')} (${differs.map((k) => `${k}: barstream ${at(ours[k] as ArrayLike<number>, N - 1)}, ${name} ${at(peers.find(([p]) => p === name)![1][k] as ArrayLike<number>, N - 1)}`).join('; ')})`);
  }
  peers.length = 0;

  let sink = 0;
  const sum = (o: Outputs): number => {
    let s = 0;
    for (const col of Object.values(o)) s += col.length;
    return s;
  };
  const tasks: Task[] = [
    { name: 'barstream computeIndicators, 8 in one call (Float64Array in)', rounds: FAST_ROUNDS, run: () => (sink += sum(runBarstream(cols))) },
    { name: 'barstream computeIndicator x8, one thread (Float64Array in)', rounds: FAST_ROUNDS, run: () => (sink += sum(runBarstreamEach(cols))) },
    { name: '@ixjb94/indicators x8 (Float64Array in)', rounds: FAST_ROUNDS, run: () => (sink += sum(runIxjb94(cols.close, cols.high, cols.low))) },
    { name: '@ixjb94/indicators x8 (number[] in, made untimed)', rounds: FAST_ROUNDS, run: () => (sink += sum(runIxjb94(plain.close, plain.high, plain.low))) },
    { name: 'Float64Array -> number[] x3 (close, high, low) alone', rounds: FAST_ROUNDS, run: () => (sink += toPlain(cols).close.length) },
    { name: '12 new Float64Array(1M), written once (memory floor)', rounds: FAST_ROUNDS, run: () => {
      for (let k = 0; k < 12; k++) sink += new Float64Array(N).fill(k)[N - 1] as number;
    } },
    { name: 'talib x8 (incl. conversion)', rounds: SLOW_ROUNDS, run: () => (sink += sum(runTalib(cols))) },
    { name: 'tulind x8 (incl. conversion)', rounds: SLOW_ROUNDS, run: () => (sink += sum(runTulind(cols))) },
  ];
  const times = new Map<string, number[]>(tasks.map((t) => [t.name, t.name.startsWith('talib') ? [slowFirst.get('talib') as number] : t.name.startsWith('tulind') ? [slowFirst.get('tulind') as number] : []]));
  for (let r = 0; r < FAST_ROUNDS; r++) {
    for (const t of tasks) {
      if (r >= t.rounds) continue;
      await settle();
      const t0 = performance.now();
      t.run();
      (times.get(t.name) as number[]).push(performance.now() - t0);
    }
  }
  // barstream per indicator (untimed above): which of the eight cost what.
  const perIndicator: { indicator: string; outputs: number; ms: number[] }[] = EIGHT.map((c: IndicatorConfig) => ({ indicator: c.kind, outputs: 0, ms: [] }));
  for (let r = 0; r < FAST_ROUNDS; r++) {
    for (let k = 0; k < EIGHT.length; k++) {
      const config = EIGHT[k] as IndicatorConfig;
      await settle();
      const t0 = performance.now();
      const o = computeIndicator(config, config.kind === 'atr' ? { close: cols.close, high: cols.high, low: cols.low } : { close: cols.close });
      const ms = performance.now() - t0;
      const entry = perIndicator[k]!;
      entry.ms.push(ms);
      entry.outputs = Object.keys(o).length;
    }
  }
  if (sink === 0) throw new Error('nothing computed');

  const stat = (name: string): { med: number; best: number; all: number[] } => {
    const xs = times.get(name) as number[];
    return { med: median(xs), best: Math.min(...xs), all: xs };
  };
  console.log(`\nindicatorsBatch: ms per run of all eight over ${N.toLocaleString('en-US')} bars`);
  console.table(
    tasks.map((t) => {
      const s = stat(t.name);
      return { task: t.name, runs: s.all.map((x) => fmt(x, 4)).join(' / '), 'median (ms)': fmt(s.med, 4), 'best (ms)': fmt(s.best, 4), 'ns/bar (median)': fmt((s.med * 1e6) / N, 3) };
    }),
  );
  console.log('barstream per indicator (median of runs; each output a new 8 MB Float64Array)');
  console.table(perIndicator.map((p) => ({ indicator: p.indicator, outputs: p.outputs, 'median (ms)': fmt(median(p.ms), 3), 'best (ms)': fmt(Math.min(...p.ms), 3) })));

  const bs = stat(tasks[0]!.name);
  const each = stat(tasks[1]!.name);
  const ixF = stat(tasks[2]!.name);
  const ixA = stat(tasks[3]!.name);
  const conv = stat(tasks[4]!.name);
  const ta = stat(tasks[6]!.name);
  const tu = stat(tasks[7]!.name);
  const ix = ixF.med <= ixA.med ? { s: ixF, how: 'Float64Array in' } : { s: ixA, how: 'number[] in' };
  const fastest = Math.min(ix.s.med, ta.med, tu.med);
  const note = (peer: string): string => {
    const a = agreement.find(([n]) => n === peer)?.[1] ?? {};
    const seeding = Object.entries(a).filter(([, v]) => v === 'seeding').map(([k]) => k);
    const differs = Object.entries(a).filter(([, v]) => v === 'DIFFERS').map(([k]) => k);
    return [differs.length > 0 ? `differs: ${differs.join(', ')}` : '', seeding.length > 0 ? `seeding differs: ${seeding.join(', ')}` : '']
      .filter((x) => x !== '').join('; ') || 'all 12 agree';
  };
  const rows: Row[] = [
    {
      suite: 'indicatorsBatch',
      name: `8 indicators over 1M bars in one computeIndicators call (ms, median) vs @ixjb94/indicators (${ix.how}; ${note('@ixjb94/indicators')})`,
      barstream: `${fmt(bs.med)} ms`,
      peer: `${fmt(ix.s.med)} ms (@ixjb94/indicators)`,
      ratio: speedup(bs.med, ix.s.med),
      target: `≥ ${TARGET_SPEEDUP}x faster${ix.s.med === fastest ? ' (fastest peer)' : ''}`,
      met: ix.s.med === fastest ? ix.s.med / bs.med >= TARGET_SPEEDUP : null,
    },
    {
      suite: 'indicatorsBatch',
      name: `same vs talib, incl. ${fmt(conv.med)} ms converting to number[] (${note('talib')})`,
      barstream: `${fmt(bs.med)} ms`,
      peer: `${fmt(ta.med)} ms (talib)`,
      ratio: speedup(bs.med, ta.med),
      target: ta.med === fastest ? `≥ ${TARGET_SPEEDUP}x faster (fastest peer)` : '—',
      met: ta.med === fastest ? ta.med / bs.med >= TARGET_SPEEDUP : null,
    },
    {
      suite: 'indicatorsBatch',
      name: `same vs tulind, incl. the same conversion (${note('tulind')})`,
      barstream: `${fmt(bs.med)} ms`,
      peer: `${fmt(tu.med)} ms (tulind)`,
      ratio: speedup(bs.med, tu.med),
      target: tu.med === fastest ? `≥ ${TARGET_SPEEDUP}x faster (fastest peer)` : '—',
      met: tu.med === fastest ? tu.med / bs.med >= TARGET_SPEEDUP : null,
    },
    {
      suite: 'indicatorsBatch',
      name: 'same, barstream one computeIndicator call per indicator, one thread, vs @ixjb94/indicators',
      barstream: `${fmt(each.med)} ms`,
      peer: `${fmt(ix.s.med)} ms (@ixjb94/indicators)`,
      ratio: speedup(each.med, ix.s.med),
      target: '—',
      met: null,
    },
    {
      suite: 'indicatorsBatch',
      name: 'same, best runs vs the fastest peer',
      barstream: `${fmt(bs.best)} ms`,
      peer: `${fmt(Math.min(ixF.best, ixA.best))} ms (@ixjb94/indicators)`,
      ratio: speedup(bs.best, Math.min(ixF.best, ixA.best)),
      target: '—',
      met: null,
    },
  ];
  printSummary('indicatorsBatch', rows);
  return rows;
}
