/**
 * Suite `indicatorsStream`: streaming one 1m bar through `SessionData.append` with eight indicators
 * on the 1m series (SMA 20, EMA 20, RSI 14, MACD 12/26/9, BBANDS 20/2, ATR 14, STDDEV 20, WMA 20)
 * and five derived intervals (5m, 15m, 30m, 1h, 1d). Whole regular sessions (390 bars, 09:30-16:00
 * America/New_York), 20 sessions per timed task, into long-lived stores that keep the last 20
 * sessions (as the `append` suite's long-lived case), reported as ns per bar.
 *
 * Peer: `trading-signals` 8, the same eight indicators alone (no bar storage, no derived intervals),
 * one `add` per indicator per bar on long-lived instances. It has no standard-deviation indicator,
 * so STDDEV 20 is a second `BollingerBands(20, 1)` (its band width is the population deviation; the
 * library's own way to it).
 *
 * Also timed, to show what the indicators cost: barstream with the eight and no derived intervals,
 * and with no indicators (five derived, and none); and the eight as barstream's standalone classes
 * (`new Rsi(14).update(close)`, no store), against the same peer.
 *
 * Target: barstream at least 20x faster than trading-signals with the eight on the base series (the
 * issue's case, no derived interval named); the same is shown with five derived intervals too.
 * @module
 */
import { Atr, BollingerBands as Bbands, Ema, Macd, Rsi, SessionData, Sma, Stddev, Wma } from 'barstream';
import type { Bar, IndicatorConfig, Session } from 'barstream';
import { ATR, BollingerBands, EMA, MACD, RSI, SMA, WMA } from 'trading-signals';
import {
  fmt,
  makeBench,
  printSummary,
  printTimings,
  speedup,
  taskTiming,
  feedBarstream,
  makeFeed,
  laterDate,
} from './common.js';
import type { Feed, Row, Timing } from './common.js';

const SYMBOL = 'SPY';
const INTERVALS = ['5m', '15m', '30m', '1h', '1d'] as const;
const SESSIONS = 20;
const BARS_PER_SESSION = 390;
const ROUNDS = 3;
const TARGET_SPEEDUP = 20;
const REL_TOL = 1e-6;
/** A bar early in the feed where seeding differences still show. */
const EARLY = 40;

export const EIGHT: readonly IndicatorConfig[] = [
  { kind: 'sma', period: 20 },
  { kind: 'ema', period: 20 },
  { kind: 'rsi', period: 14 },
  { kind: 'macd', fast: 12, slow: 26, signal: 9 },
  { kind: 'bbands', period: 20, devUp: 2, devDown: 2 },
  { kind: 'atr', period: 14 },
  { kind: 'stddev', period: 20 },
  { kind: 'wma', period: 20 },
];


/** The eight indicators of trading-signals, fed one bar at a time. */
class TradingSignalsEight {
  readonly sma = new SMA(20);
  readonly ema = new EMA(20);
  readonly rsi = new RSI(14);
  readonly macd = new MACD(new EMA(12), new EMA(26), new EMA(9));
  readonly bbands = new BollingerBands(20, 2);
  readonly atr = new ATR(14);
  /** STDDEV 20: trading-signals 8 has no standard-deviation indicator; BBANDS(20, 1) width is it. */
  readonly stddev = new BollingerBands(20, 1);
  readonly wma = new WMA(20);

  /** One bar; returns a number derived from the results so nothing is optimised away. */
  add(bar: Bar): number {
    const c = bar.close;
    this.sma.add(c);
    this.ema.add(c);
    this.rsi.add(c);
    this.macd.add(c);
    this.bbands.add(c);
    this.atr.add(bar);
    this.stddev.add(c);
    return this.wma.add(c) ?? 0;
  }

  /** The current values, by barstream output name (NaN while an indicator has none). */
  values(): Record<string, number> {
    const n = (x: number | null | undefined): number => (x === null || x === undefined ? NaN : x);
    const m = this.macd.getResult();
    const b = this.bbands.getResult();
    const d = this.stddev.getResult();
    return {
      sma20: n(this.sma.getResult()),
      ema20: n(this.ema.getResult()),
      rsi14: n(this.rsi.getResult()),
      'macd.macd': n(m?.macd),
      'macd.signal': n(m?.signal),
      'macd.histogram': n(m?.histogram),
      'bbands20.upper': n(b?.upper),
      'bbands20.middle': n(b?.middle),
      'bbands20.lower': n(b?.lower),
      atr14: n(this.atr.getResult()),
      stddev20: d === null ? NaN : d.upper - d.middle,
      wma20: n(this.wma.getResult()),
    };
  }
}

/** The same eight as barstream's standalone classes (no store): one `update` per indicator per bar. */
class StandaloneEight {
  readonly sma = new Sma(20);
  readonly ema = new Ema(20);
  readonly rsi = new Rsi(14);
  readonly macd = new Macd(12, 26, 9);
  readonly bbands = new Bbands(20, 2, 2);
  readonly atr = new Atr(14);
  readonly stddev = new Stddev(20);
  readonly wma = new Wma(20);
  /** The last outputs, kept as trading-signals keeps its results. */
  #last = { sma: NaN, ema: NaN, rsi: NaN, atr: NaN, stddev: NaN, wma: NaN, macd: this.macd.peek(NaN), bbands: this.bbands.peek(NaN) };

  /** One bar; returns a number derived from the results so nothing is optimised away. */
  add(bar: Bar): number {
    const c = bar.close;
    const last = this.#last;
    last.sma = this.sma.update(c);
    last.ema = this.ema.update(c);
    last.rsi = this.rsi.update(c);
    last.macd = this.macd.update(c);
    last.bbands = this.bbands.update(c);
    last.atr = this.atr.update(bar);
    last.stddev = this.stddev.update(c);
    last.wma = this.wma.update(c);
    return last.wma === last.wma ? last.wma : 0;
  }

  /** The current values, by barstream output name. */
  values(): Record<string, number> {
    const l = this.#last;
    return {
      sma20: l.sma,
      ema20: l.ema,
      rsi14: l.rsi,
      'macd.macd': l.macd.macd,
      'macd.signal': l.macd.signal,
      'macd.histogram': l.macd.histogram,
      'bbands20.upper': l.bbands.upper,
      'bbands20.middle': l.bbands.middle,
      'bbands20.lower': l.bbands.lower,
      atr14: l.atr,
      stddev20: l.stddev,
      wma20: l.wma,
    };
  }
}

/** Feeds every bar to one of the eights. */
function feedEight(eight: { add(bar: Bar): number }, feed: Feed): number {
  let sink = 0;
  for (const day of feed.bars) for (let i = 0; i < day.length; i++) sink += eight.add(day[i] as Bar);
  return sink;
}


const close = (a: number, b: number): boolean => Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(a), Math.abs(b), 1e-12);

/**
 * Both sides over the whole feed once, outside timing: every output's last value (bar 7,800) must
 * agree within 1e-6 relative; the value at bar {@link EARLY} is compared too, to name the outputs
 * whose seeding differs (they converge).
 */
function verify(feed: Feed): string {
  const store = new SessionData({ intervals: INTERVALS, indicators: { '1m': EIGHT } });
  const peer = new TradingSignalsEight();
  const standalone = new StandaloneEight();
  let early: Record<string, number> = {};
  let k = 0;
  for (let s = 0; s < feed.sessions.length; s++) {
    store.beginSession(feed.sessions[s] as Session);
    for (const bar of feed.bars[s] as Bar[]) {
      store.append(SYMBOL, bar);
      peer.add(bar);
      standalone.add(bar);
      if (k++ === EARLY) early = peer.values();
    }
    store.endSession();
  }
  const last = peer.values();
  const names = store.indicatorNames('1m');
  const seeding: string[] = [];
  for (const name of names) {
    const col = store.indicator(SYMBOL, '1m', name);
    if (col.length !== SESSIONS * BARS_PER_SESSION) throw new Error(`${name}: ${col.length} values`);
    const ours = col[col.length - 1] as number;
    const theirs = last[name] as number;
    if (!close(ours, theirs)) {
      throw new Error(`verification failed: ${name} last value: barstream ${ours}, trading-signals ${theirs}`);
    }
    if (!close(col[EARLY] as number, early[name] as number)) seeding.push(name);
    const alone = standalone.values()[name];
    if (!Object.is(alone, ours)) throw new Error(`verification failed: ${name} last value: store ${ours}, standalone class ${alone}`);
  }
  return (
    `verified (outside the timed loop): the last values of all ${names.length} outputs (${names.join(', ')}) agree with trading-signals within 1e-6 relative, and the standalone classes' equal the store's bit for bit` +
    (seeding.length === 0 ? '' : `; at bar ${EARLY} these differ (trading-signals seeds EMA/MACD with the first value and ATR with bar 0's range; they converge): ${seeding.join(', ')}`)
  );
}

interface Variant {
  name: string;
  options: ConstructorParameters<typeof SessionData>[0];
}

const VARIANTS: Variant[] = [
  { name: 'barstream: 8 indicators on 1m + 5 derived', options: { intervals: INTERVALS, indicators: { '1m': EIGHT } } },
  { name: 'barstream: 8 indicators on 1m, no derived', options: { indicators: { '1m': EIGHT } } },
  { name: 'barstream: no indicators, 5 derived', options: { intervals: INTERVALS } },
  { name: 'barstream: no indicators, no derived', options: {} },
];
const PEER = 'trading-signals: the 8 indicators alone';
const STANDALONE = 'barstream standalone classes: the 8 alone (no store)';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export async function run(): Promise<Row[]> {
  const feed = makeFeed(0x1d1c, SESSIONS);
  const barsPerTask = SESSIONS * BARS_PER_SESSION;
  console.log(
    `\n## indicatorsStream: one 1m bar at a time with 8 indicators on 1m (${EIGHT.map((c) => c.kind).join(', ')}), derived ${INTERVALS.join('/')}; ` +
      `${SESSIONS} sessions x ${BARS_PER_SESSION} bars = ${barsPerTask} bars per timed task, long-lived stores keeping ${SESSIONS} sessions; ${ROUNDS} rounds`,
  );
  console.log(verify(feed));

  // Long-lived stores and peer instances, as in a live service. Before each task (untimed) the feed
  // moves four weeks on, in place, so every store sees later sessions and only appending is timed.
  const stores = VARIANTS.map((v) => new SessionData({ ...v.options, retainSessions: SESSIONS }));
  const peer = new TradingSignalsEight();
  const standalone = new StandaloneEight();
  const fourWeeks = 28 * 86_400_000;
  const moveOn = (): void => {
    feed.sessions = feed.sessions.map((s) => ({ ...s, date: laterDate(s.date, 28), open: s.open + fourWeeks, close: s.close + fourWeeks, dayStart: s.dayStart + fourWeeks }));
    for (const day of feed.bars) for (const b of day) b.time += fourWeeks;
  };
  let sink = 0;
  // ns/bar (p50 of each round's samples) per task, per round; the rounds interleave the tasks so
  // that the machine's load falls on all of them alike.
  const perRound = new Map<string, Timing[]>();
  for (let r = 0; r < ROUNDS; r++) {
    const bench = makeBench({ time: 1500, warmupTime: r === 0 ? 1000 : 300 });
    VARIANTS.forEach((v, i) => {
      bench.add(v.name, () => {
        sink += feedBarstream(stores[i] as SessionData, SYMBOL, feed);
      }, { beforeEach: moveOn });
    });
    bench.add(PEER, () => {
      sink += feedEight(peer, feed);
    });
    bench.add(STANDALONE, () => {
      sink += feedEight(standalone, feed);
    });
    await bench.run();
    for (const name of [...VARIANTS.map((v) => v.name), PEER, STANDALONE]) {
      const t = taskTiming(bench, name);
      perRound.set(name, [...(perRound.get(name) ?? []), t]);
    }
    printTimings(`indicatorsStream round ${r + 1}: per timed task (${barsPerTask} bars)`, [...perRound.values()].map((ts) => ts[r] as Timing), { per: barsPerTask, label: 'ns/bar (mean)' });
  }
  if (sink === 0) throw new Error('nothing computed');

  const ns = (name: string): { med: number; best: number; rounds: number[] } => {
    const ts = perRound.get(name) as Timing[];
    const rounds = ts.map((t) => (t.p50 * 1e6) / barsPerTask);
    return { med: median(rounds), best: Math.min(...ts.map((t) => (t.min * 1e6) / barsPerTask)), rounds };
  };
  const full = ns(VARIANTS[0]!.name);
  const noDerived = ns(VARIANTS[1]!.name);
  const noInd = ns(VARIANTS[2]!.name);
  const bare = ns(VARIANTS[3]!.name);
  const ts = ns(PEER);
  const alone = ns(STANDALONE);
  console.log('\nindicatorsStream: ns/bar, p50 of each round (median of rounds; best sample)');
  console.table(
    [...VARIANTS.map((v) => v.name), PEER, STANDALONE].map((name) => {
      const x = ns(name);
      return { task: name, ...Object.fromEntries(x.rounds.map((v, i) => [`round ${i + 1}`, fmt(v, 4)])), median: fmt(x.med, 4), best: fmt(x.best, 4) };
    }),
  );
  console.log(
    `indicator cost (median): ${fmt(full.med - noInd.med)} ns/bar with 5 derived, ${fmt(noDerived.med - bare.med)} ns/bar without; ` +
      `trading-signals ${fmt(ts.med)} ns/bar`,
  );
  /** A case's median row, held to the target, and its best-samples row, against trading-signals. */
  const againstPeer = (name: string, ours: { med: number; best: number }, peerNote: string): Row[] => [
    {
      suite: 'indicatorsStream',
      name: `${name} (ns/bar, median of rounds)`,
      barstream: `${fmt(ours.med)} ns`,
      peer: `${fmt(ts.med)} ns (trading-signals${peerNote})`,
      ratio: speedup(ours.med, ts.med),
      target: `≥ ${TARGET_SPEEDUP}x faster`,
      met: ts.med / ours.med >= TARGET_SPEEDUP,
    },
    {
      suite: 'indicatorsStream',
      name: 'same, best samples (ns/bar)',
      barstream: `${fmt(ours.best)} ns`,
      peer: `${fmt(ts.best)} ns (trading-signals)`,
      ratio: speedup(ours.best, ts.best),
      target: '—',
      met: null,
    },
  ];
  const rows: Row[] = [
    ...againstPeer('append 1m bar, 8 indicators on 1m + 5 derived, long-lived store', full, ', 8 indicators alone'),
    ...againstPeer('append 1m bar, 8 indicators on 1m, no derived', noDerived, ''),
    {
      suite: 'indicatorsStream',
      name: 'standalone classes, the 8 updated a bar, no store (ns/bar, median of rounds)',
      barstream: `${fmt(alone.med)} ns`,
      peer: `${fmt(ts.med)} ns (trading-signals)`,
      ratio: speedup(alone.med, ts.med),
      target: '—',
      met: null,
    },
    {
      suite: 'indicatorsStream',
      name: 'append 1m bar, no indicators, 5 derived (ns/bar, for reference)',
      barstream: `${fmt(noInd.med)} ns`,
      peer: '—',
      ratio: '—',
      target: '—',
      met: null,
    },
    {
      suite: 'indicatorsStream',
      name: 'append 1m bar, no indicators, no derived (ns/bar, for reference)',
      barstream: `${fmt(bare.med)} ns`,
      peer: '—',
      ratio: '—',
      target: '—',
      met: null,
    },
  ];
  printSummary('indicatorsStream', rows);
  return rows;
}
