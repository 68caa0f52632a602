/**
 * Suite `backtest`: a data-driven backtest (speed 0) of 100 symbols x 20 XNYS sessions of 1m bars
 * (`syntheticSource` over `Calendar.xnys()` sessions of February 2024: 390 bars each, 7,800 bars a
 * symbol, 780,000 in all) through `SessionCoordinator` into a fresh
 * `SessionData({ intervals: ['5m', '15m', '30m', '1h', '1d'] })`, with ONE subscriber per derived
 * interval (five), each a trivial handler reading `e.bars.close[e.index]`. Reported as base bars a
 * second: the report's `barsPerSecond` and our own timing of `run()`.
 *
 * No peer exists. The breakdown, each over the same bars into a fresh store:
 * - the same run with five subscribers that do not touch `e.bars` (what the views cost);
 * - the same run with no subscribers (what dispatch costs);
 * - a bare loop over `data.appendValues` in the coordinator's order (slice by slice, symbol by
 *   symbol), with `beginSession`/`endSession` (the store alone);
 * - the same bare loop into a store with no derived intervals.
 *
 * Every run uses a fresh store and follows the collection `settle()` forces, then an untimed run
 * of the same kind over the first session (see the comment in `run`).
 *
 * Target: at least 5,000,000 base bars a second with one subscriber per derived interval.
 * @module
 */
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, syntheticSource } from 'barstream';
import type { BarEvent, RunReport, Session, SymbolColumns } from 'barstream';
import { fmt, printSummary, settle } from './common.js';
import type { Row } from './common.js';

const INTERVALS = ['5m', '15m', '30m', '1h', '1d'] as const;
const FROM = '2024-02-01';
const TO = '2024-02-29';
const SYMBOLS = 100;
const SESSIONS = 20;
const BARS_PER_SESSION = 390;
const RUNS = 5;
const TARGET_BPS = 5_000_000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface Outcome {
  ms: number;
  report?: RunReport;
  /** Subscriber events, or a checksum of closes read. */
  events: number;
}

type Subscribers = 'read-close' | 'no-read' | 'none';

async function runCoordinator(source: ReturnType<typeof syntheticSource>, subscribers: Subscribers, to = TO): Promise<Outcome> {
  const data = new SessionData({ intervals: INTERVALS });
  const engine = new AnalysisEngine();
  let events = 0;
  let sum = 0;
  if (subscribers !== 'none') {
    for (const interval of INTERVALS) {
      const handler =
        subscribers === 'read-close'
          ? (e: BarEvent): void => {
              sum += e.bars.close[e.index] as number;
              events++;
            }
          : (): void => {
              events++;
            };
      engine.subscribe({ interval, name: `on-${interval}` }, handler);
    }
  }
  const coordinator = new SessionCoordinator({ calendar: Calendar.xnys(), data, engine, source, from: FROM, to, speed: 0 });
  const t0 = performance.now();
  const report = await coordinator.run();
  const ms = performance.now() - t0;
  if (subscribers === 'read-close' && !(sum > 0)) throw new Error('subscribers read nothing');
  return { ms, report, events };
}

/**
 * The store alone, no dispatch: `appendValues` in the coordinator's order (slice by slice, symbol
 * by symbol), or (`symbolMajor`) each symbol's whole session in turn, which a coordinator cannot do
 * (it shows what touching 100 symbols' series in turn costs in cache misses).
 */
function runBareLoop(sessions: Session[], names: string[], cols: SymbolColumns[], intervals: readonly string[], symbolMajor = false): Outcome {
  const data = new SessionData({ intervals });
  let closed = 0;
  const t0 = performance.now();
  let row0 = 0;
  for (const session of sessions) {
    data.beginSession(session);
    const n = (session.close - session.open) / 60_000;
    if (symbolMajor) {
      for (let s = 0; s < cols.length; s++) {
        const c = cols[s] as SymbolColumns;
        const name = names[s] as string;
        for (let row = row0; row < row0 + n; row++) {
          closed += data.appendValues(name, c.time[row] as number, c.open[row] as number, c.high[row] as number, c.low[row] as number, c.close[row] as number, c.volume[row] as number).length;
        }
      }
    } else {
      for (let row = row0; row < row0 + n; row++) {
        for (let s = 0; s < cols.length; s++) {
          const c = cols[s] as SymbolColumns;
          closed += data.appendValues(names[s] as string, c.time[row] as number, c.open[row] as number, c.high[row] as number, c.low[row] as number, c.close[row] as number, c.volume[row] as number).length;
        }
      }
    }
    row0 += n;
    closed += data.endSession().length;
  }
  const ms = performance.now() - t0;
  return { ms, events: closed };
}

/** `SessionData.appendSlice` (one crossing a time slice), where the build has it (it is new). */
type SliceAppender = (symbols: readonly string[], columns: Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', Float64Array>, count?: number) => { count: number };

/** The store alone through `appendSlice`: each slice's bars gathered into reused columns, one call a slice. */
function runBareSlices(sessions: Session[], names: string[], cols: SymbolColumns[], intervals: readonly string[]): Outcome | null {
  const data = new SessionData({ intervals });
  const appendSlice = (data as unknown as { appendSlice?: SliceAppender }).appendSlice?.bind(data);
  if (appendSlice === undefined) return null;
  const m = cols.length;
  const slice = { time: new Float64Array(m), open: new Float64Array(m), high: new Float64Array(m), low: new Float64Array(m), close: new Float64Array(m), volume: new Float64Array(m) };
  let stored = 0;
  const t0 = performance.now();
  let row0 = 0;
  for (const session of sessions) {
    data.beginSession(session);
    const n = (session.close - session.open) / 60_000;
    for (let row = row0; row < row0 + n; row++) {
      for (let s = 0; s < m; s++) {
        const c = cols[s] as SymbolColumns;
        slice.time[s] = c.time[row] as number;
        slice.open[s] = c.open[row] as number;
        slice.high[s] = c.high[row] as number;
        slice.low[s] = c.low[row] as number;
        slice.close[s] = c.close[row] as number;
        slice.volume[s] = c.volume[row] as number;
      }
      stored += appendSlice(names, slice, m).count;
    }
    row0 += n;
    data.endSession();
  }
  const ms = performance.now() - t0;
  if (stored !== m * row0) throw new Error(`appendSlice stored ${stored} bars of ${m * row0}`);
  return { ms, events: stored };
}

export async function run(): Promise<Row[]> {
  const sessions = Calendar.xnys().sessions(FROM, TO);
  if (sessions.length !== SESSIONS || sessions.some((s) => s.close - s.open !== BARS_PER_SESSION * 60_000)) {
    throw new Error(`expected ${SESSIONS} full sessions from ${FROM} to ${TO}`);
  }
  const source = syntheticSource({ sessions, symbols: SYMBOLS, seed: 7 });
  const totalBars = SYMBOLS * SESSIONS * BARS_PER_SESSION;
  if (source.bars !== totalBars) throw new Error(`synthetic source has ${source.bars} bars, expected ${totalBars}`);
  const loaded = await source.load({});
  const names = [...loaded.keys()];
  const cols = names.map((n) => loaded.get(n) as SymbolColumns);
  console.log(
    `\n## backtest: data-driven (speed 0), ${SYMBOLS} symbols x ${SESSIONS} XNYS sessions (${FROM}..${TO}) x ${BARS_PER_SESSION} 1m bars = ${totalBars.toLocaleString('en-US')} base bars, ` +
      `derived ${INTERVALS.join('/')}, one subscriber per derived interval; a fresh store per run; ${RUNS} runs, interleaved`,
  );

  // Check once (untimed): every bar stored, every derived bar delivered once to its subscriber.
  const check = await runCoordinator(source, 'read-close');
  const r = check.report as RunReport;
  const perSymbolDerived = SESSIONS * (78 + 26 + 13 + 7 + 1);
  if (r.barsIn !== totalBars || r.barsStored !== totalBars) throw new Error(`barsIn ${r.barsIn}, barsStored ${r.barsStored}, expected ${totalBars}`);
  if (r.derivedBars !== SYMBOLS * perSymbolDerived || r.delivered !== r.derivedBars || check.events !== r.delivered) {
    throw new Error(`derived ${r.derivedBars}, delivered ${r.delivered}, handled ${check.events}; expected ${SYMBOLS * perSymbolDerived} each`);
  }
  console.log(
    `verified (untimed): ${r.barsStored.toLocaleString('en-US')} base bars stored, ${r.derivedBars.toLocaleString('en-US')} derived bars ` +
      `(${Object.entries(r.closedBars).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}), each delivered once to its subscriber`,
  );

  // Each variant runs over all the sessions (`go`) or, untimed, over the first (`warm`).
  const first = sessions.slice(0, 1);
  const firstDate = first[0]!.date;
  const variants: { name: string; go: () => Promise<Outcome>; warm: () => Promise<unknown> }[] = [
    { name: 'coordinator, 5 subscribers reading e.bars.close[e.index]', go: () => runCoordinator(source, 'read-close'), warm: () => runCoordinator(source, 'read-close', firstDate) },
    { name: 'coordinator, 5 subscribers not reading e.bars', go: () => runCoordinator(source, 'no-read'), warm: () => runCoordinator(source, 'no-read', firstDate) },
    { name: 'coordinator, no subscribers', go: () => runCoordinator(source, 'none'), warm: () => runCoordinator(source, 'none', firstDate) },
    { name: 'bare loop: data.appendValues, 5 derived', go: async () => runBareLoop(sessions, names, cols, INTERVALS), warm: async () => runBareLoop(first, names, cols, INTERVALS) },
    { name: 'bare loop: data.appendValues, no derived', go: async () => runBareLoop(sessions, names, cols, []), warm: async () => runBareLoop(first, names, cols, []) },
    { name: 'bare loop: data.appendValues, 5 derived, symbol by symbol', go: async () => runBareLoop(sessions, names, cols, INTERVALS, true), warm: async () => runBareLoop(first, names, cols, INTERVALS, true) },
  ];
  if (runBareSlices(first, names, cols, INTERVALS) !== null) {
    variants.push({ name: 'bare loop: data.appendSlice (one call a slice), 5 derived', go: async () => runBareSlices(sessions, names, cols, INTERVALS) as Outcome, warm: async () => runBareSlices(first, names, cols, INTERVALS) });
  }
  const outcomes = new Map<string, Outcome[]>(variants.map((v) => [v.name, []]));
  for (let k = 0; k < RUNS; k++) {
    for (const v of variants) {
      await settle();
      // settle() forces a full collection, which takes with the previous run's objects the hidden
      // classes V8 made for them, and so the optimized code of every method that checked them: the
      // next run would start in the interpreter. A process running backtest after backtest keeps
      // them (ordinary collections retain such classes while new objects take them up), so each
      // timed run follows an untimed one-session run of the same kind, as such a process would.
      await v.warm();
      (outcomes.get(v.name) as Outcome[]).push(await v.go());
    }
  }

  const bps = (ms: number): number => (totalBars / ms) * 1000;
  const stats = variants.map((v) => {
    const os = outcomes.get(v.name) as Outcome[];
    const ms = os.map((o) => o.ms);
    const reported = os.map((o) => o.report?.barsPerSecond).filter((x): x is number => x !== undefined);
    return { name: v.name, ms, med: median(ms), best: Math.min(...ms), reportedMed: reported.length > 0 ? median(reported) : NaN, reportedBest: reported.length > 0 ? Math.max(...reported) : NaN, last: os[os.length - 1] as Outcome };
  });
  console.log(`\nbacktest: ${totalBars.toLocaleString('en-US')} base bars per run`);
  console.table(
    stats.map((s) => ({
      task: s.name,
      'runs (ms)': s.ms.map((x) => fmt(x, 3)).join(' / '),
      'median (ms)': fmt(s.med, 4),
      'bars/s (median)': fmt(bps(s.med), 3),
      'bars/s (best)': fmt(bps(s.best), 3),
      'report.barsPerSecond (median)': Number.isNaN(s.reportedMed) ? '—' : fmt(s.reportedMed, 3),
      'ns/bar (median)': fmt((s.med * 1e6) / totalBars, 3),
    })),
  );
  const full = stats[0]!;
  const metrics = full.last.report?.metrics ?? {};
  const stage = (name: string): number => metrics[name]?.totalMs ?? 0;
  const subs = Object.keys(metrics).filter((k) => k.startsWith('subscriber:')).reduce((s, k) => s + stage(k), 0);
  console.log(
    `last full run's own stage metrics: native.append (slices) ${fmt(stage('native.append'))} ms, dispatch ${fmt(stage('dispatch'))} ms ` +
      `(of which inside subscribers ${fmt(subs)} ms), run ${fmt(full.last.ms)} ms`,
  );

  const rows: Row[] = [
    {
      suite: 'backtest',
      name: 'data-driven backtest, 100 symbols x 20 sessions, 5 derived, 1 subscriber per derived interval (base bars/s, median of runs)',
      barstream: `${fmt(bps(full.med))} bars/s (report: ${fmt(full.reportedMed)})`,
      peer: '— (no peer)',
      ratio: '—',
      target: `≥ ${fmt(TARGET_BPS)} bars/s`,
      met: bps(full.med) >= TARGET_BPS,
    },
    {
      suite: 'backtest',
      name: 'same, best run (base bars/s)',
      barstream: `${fmt(bps(full.best))} bars/s (report: ${fmt(full.reportedBest)})`,
      peer: '—',
      ratio: '—',
      target: '—',
      met: null,
    },
    ...stats.slice(1).map((s) => ({
      suite: 'backtest',
      name: `breakdown: ${s.name} (base bars/s, median)`,
      barstream: `${fmt(bps(s.med))} bars/s`,
      peer: '—',
      ratio: '—',
      target: '—',
      met: null,
    })),
  ];
  printSummary('backtest', rows);
  return rows;
}
