/**
 * Suite `append`: streaming one 1m bar through `SessionData.append` with five derived intervals
 * (5m, 15m, 30m, 1h, 1d). Whole regular sessions (390 bars, 09:30-16:00 America/New_York), many
 * sessions per timed task, reported as ns per bar. Target: at most 100 ns a bar.
 *
 * Peer: {@link JsBarAggregator}, a plain-JavaScript incremental aggregator (object per bar, a `Map`
 * of forming bars per interval).
 * @module
 */
import { SessionData } from 'barstream';
import type { Bar, Session } from 'barstream';
import { JsBarAggregator } from './js-aggregator.js';
import {
  assertSameBars,
  fingerprint,
  fmt,
  makeBench,
  printSummary,
  printTimings,
  speedup,
  taskTiming,
  verifiedLine,
  feedBarstream,
  makeFeed,
  laterDate,
} from './common.js';
import type { Feed, Row } from './common.js';

const SYMBOL = 'SPY';
const INTERVALS = ['5m', '15m', '30m', '1h', '1d'] as const;
const SESSIONS = 20;
const BARS_PER_SESSION = 390;
const TARGET_NS = 100;


/** The feed moved `weeks` weeks later: the same weekdays, so every session stays a valid session. */
function shifted(feed: Feed, weeks: number): Feed {
  const dt = weeks * 7 * 86_400_000;
  return {
    sessions: feed.sessions.map((s) => ({ ...s, date: laterDate(s.date, weeks * 7), open: s.open + dt, close: s.close + dt, dayStart: s.dayStart + dt })),
    bars: feed.bars.map((day) => day.map((b) => ({ ...b, time: b.time + dt }))),
  };
}

/**
 * Untimed, before each iteration that makes a fresh store: one turn of the event loop, as any
 * asynchronous program takes between runs. Node-API runs the finalizers of collected objects only
 * there, so without it no store dropped during a task (about a thousand in its two seconds) would be
 * freed before the task ends, and every fresh store would fault in new memory: that timed the
 * machine's page faults (60-100 ns a bar here), not the append.
 */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function feedPeer(agg: JsBarAggregator, feed: Feed): number {
  let closed = 0;
  const { sessions, bars } = feed;
  for (let s = 0; s < sessions.length; s++) {
    agg.beginSession(sessions[s] as Session);
    const day = bars[s] as Bar[];
    for (let i = 0; i < day.length; i++) closed += agg.append(day[i] as Bar);
    agg.endSession();
  }
  return closed;
}

/** Both sides over the whole feed once, outside timing: the same bars in every series. */
function verify(feed: Feed): string {
  const store = new SessionData({ baseInterval: '1m', intervals: INTERVALS });
  const agg = new JsBarAggregator('1m', INTERVALS);
  const closedOurs = feedBarstream(store, SYMBOL, feed);
  const closedPeer = feedPeer(agg, feed);
  if (closedOurs !== closedPeer) throw new Error(`verification failed: closed series ${closedOurs} != ${closedPeer}`);
  const checks = ['1m', ...INTERVALS].map((iv) => {
    const ours = fingerprint(store.bars(SYMBOL, iv));
    assertSameBars(`append ${iv}`, ours, fingerprint(agg.bars(iv)));
    return { label: iv, count: ours.count };
  });
  const bars5 = store.bars(SYMBOL, '5m');
  if (bars5.length !== SESSIONS * (BARS_PER_SESSION / 5)) throw new Error(`expected ${SESSIONS * 78} 5m bars, got ${bars5.length}`);
  return verifiedLine(checks);
}

export async function run(): Promise<Row[]> {
  const feed = makeFeed(0xba5e, SESSIONS);
  const barsPerTask = SESSIONS * BARS_PER_SESSION;
  console.log(
    `\n## append: one 1m bar at a time, derived ${INTERVALS.join('/')}; ${SESSIONS} sessions x ${BARS_PER_SESSION} bars = ${barsPerTask} bars per timed task (fresh store per task)`,
  );
  console.log(verify(feed));

  let store = new SessionData({ intervals: INTERVALS });
  let baseOnly = new SessionData();
  let planned = new SessionData({ intervals: INTERVALS });
  let agg = new JsBarAggregator('1m', INTERVALS);
  let sink = 0;
  // A long-lived store, as in a live service: sessions keep coming and the last 20 are kept. Before
  // each task (untimed) the feed moves four weeks on, in place, so only appending is timed.
  const liveFeed = shifted(feed, 0);
  const live = new SessionData({ intervals: INTERVALS, retainSessions: SESSIONS });
  const fourWeeks = 28 * 86_400_000;
  const moveOn = (): void => {
    liveFeed.sessions = liveFeed.sessions.map((s) => ({ ...s, date: laterDate(s.date, 28), open: s.open + fourWeeks, close: s.close + fourWeeks, dayStart: s.dayStart + fourWeeks }));
    for (const day of liveFeed.bars) for (const b of day) b.time += fourWeeks;
  };
  const bench = makeBench({ time: 2000, warmupTime: 300 });
  bench
    .add('barstream append (5 derived)', () => {
      sink += feedBarstream(store, SYMBOL, feed);
    }, { beforeEach: async () => { await turn(); store = new SessionData({ intervals: INTERVALS }); } })
    .add('barstream append (5 derived), fresh store told the 20 sessions', () => {
      sink += feedBarstream(planned, SYMBOL, feed);
    }, { beforeEach: async () => { await turn(); planned = new SessionData({ intervals: INTERVALS }); planned.expectSessions(SESSIONS); } })
    .add('barstream append (base only, no derived)', () => {
      sink += feedBarstream(baseOnly, SYMBOL, feed);
    }, { beforeEach: async () => { await turn(); baseOnly = new SessionData(); } })
    .add('barstream append (5 derived), long-lived store', () => {
      sink += feedBarstream(live, SYMBOL, liveFeed);
    }, { beforeEach: moveOn })
    .add('plain-JS aggregator (5 derived)', () => {
      sink += feedPeer(agg, feed);
    }, { beforeEach: async () => { await turn(); agg = new JsBarAggregator('1m', INTERVALS); } });
  await bench.run();
  if (sink === 0) throw new Error('nothing closed');

  const ours = taskTiming(bench, 'barstream append (5 derived)');
  const plannedTiming = taskTiming(bench, 'barstream append (5 derived), fresh store told the 20 sessions');
  const bare = taskTiming(bench, 'barstream append (base only, no derived)');
  const steady = taskTiming(bench, 'barstream append (5 derived), long-lived store');
  const peer = taskTiming(bench, 'plain-JS aggregator (5 derived)');
  printTimings('append: per timed task (20 sessions)', [ours, plannedTiming, bare, steady, peer], { per: barsPerTask, label: 'ns/bar' });
  const nsOurs = (ours.mean * 1e6) / barsPerTask;
  const nsBare = (bare.mean * 1e6) / barsPerTask;
  const nsPeer = (peer.mean * 1e6) / barsPerTask;
  const nsSteady = (steady.mean * 1e6) / barsPerTask;
  const nsPlanned = (plannedTiming.mean * 1e6) / barsPerTask;
  const rows: Row[] = [
    {
      suite: 'append',
      name: 'append 1m bar, 5 derived (ns/bar)',
      barstream: `${fmt(nsOurs)} ns`,
      peer: `${fmt(nsPeer)} ns (plain JS)`,
      ratio: speedup(nsOurs, nsPeer),
      target: `≤ ${TARGET_NS} ns/bar`,
      met: nsOurs <= TARGET_NS,
    },
    {
      suite: 'append',
      name: 'append 1m bar, 5 derived, long-lived store keeping 20 sessions (ns/bar)',
      barstream: `${fmt(nsSteady)} ns`,
      peer: `${fmt(nsPeer)} ns (plain JS)`,
      ratio: speedup(nsSteady, nsPeer),
      target: `≤ ${TARGET_NS} ns/bar`,
      met: nsSteady <= TARGET_NS,
    },
    {
      suite: 'append',
      name: 'append 1m bar, 5 derived, fresh store told the 20 sessions (`expectSessions`) (ns/bar)',
      barstream: `${fmt(nsPlanned)} ns`,
      peer: `${fmt(nsPeer)} ns (plain JS)`,
      ratio: speedup(nsPlanned, nsPeer),
      target: `≤ ${TARGET_NS} ns/bar`,
      met: nsPlanned <= TARGET_NS,
    },
    {
      suite: 'append',
      name: 'append 1m bar, no derived (ns/bar, for reference)',
      barstream: `${fmt(nsBare)} ns`,
      peer: '—',
      ratio: '—',
      target: '—',
      met: null,
    },
  ];
  printSummary('append', rows);
  return rows;
}
