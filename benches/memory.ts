/**
 * Suite `memory`: bytes per stored bar. 100 symbols x 20 regular sessions of 390 1m bars, streamed
 * bar by bar (symbols interleaved, as a live feed arrives), with 5m/15m/30m/1h/1d derived.
 * Reported two ways: `stats().allocatedBytes / stats().storedBars` (what the store says it holds)
 * and the growth of the process's resident set (RSS), measured with `process.memoryUsage()` after
 * `global.gc()`, divided by the stored bars. Target: at most 64 bytes a bar.
 *
 * Peer: the plain-JavaScript aggregator of the `append` suite (an object per bar), measured as the
 * growth of the V8 heap (`heapUsed`) and of the RSS after `global.gc()`.
 *
 * Each side is measured in a fresh child process (this file run with `--child <side>`), so memory
 * that earlier suites freed but the allocator kept cannot hide or inflate the growth.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SessionData, sessionOn } from 'barstream';
import type { Bar, Session } from 'barstream';
import { JsBarAggregator } from './js-aggregator.js';
import { BarWalk, MINUTE, assertSameBars, collect, fingerprint, fmt, newBar, printSummary, weekdays } from './common.js';
import type { Fingerprint, Row } from './common.js';

const SYMBOLS = Array.from({ length: 100 }, (_, i) => `S${String(i).padStart(3, '0')}`);
const SESSIONS = 20;
const BARS_PER_SESSION = 390;
const INTERVALS = ['5m', '15m', '30m', '1h', '1d'] as const;
const SERIES = ['1m', ...INTERVALS] as const;
const TARGET_BYTES = 64;

const SESSION_LIST: Session[] = weekdays('2024-03-04', SESSIONS).map((d) =>
  sessionOn(d, { open: '09:30', close: '16:00', timeZone: 'America/New_York' }),
);

/**
 * The feed: every session, every minute, every symbol (interleaved). `fresh` makes a new bar
 * object per bar (for a consumer that keeps it); otherwise one object is reused.
 */
function stream(
  fresh: boolean,
  begin: (s: Session) => void,
  append: (symbol: number, bar: Bar) => void,
  end: () => void,
): void {
  const walks = SYMBOLS.map((_, i) => new BarWalk(0x3e3 + i, 50 + i));
  const shared = newBar();
  for (const session of SESSION_LIST) {
    begin(session);
    for (let m = 0; m < BARS_PER_SESSION; m++) {
      const time = session.open + m * MINUTE;
      for (let s = 0; s < SYMBOLS.length; s++) {
        append(s, (walks[s] as BarWalk).next(time, fresh ? newBar() : shared));
      }
    }
    end();
  }
}

interface Usage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function usage(): Usage {
  collect();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

function delta(a: Usage, b: Usage): Usage {
  return { rss: b.rss - a.rss, heapUsed: b.heapUsed - a.heapUsed, external: b.external - a.external, arrayBuffers: b.arrayBuffers - a.arrayBuffers };
}

const mb = (x: number): string => `${fmt(x / 1048576)} MiB`;
const EXPECTED = SYMBOLS.length * SESSIONS * (390 + 78 + 26 + 13 + 7 + 1);

/** What a child process reports. */
interface ChildReport {
  side: 'barstream' | 'peer';
  storedBars: number;
  /** `stats().allocatedBytes` for barstream; 0 for the peer. */
  allocatedBytes: number;
  delta: Usage;
  /** Per symbol, per series (1m first). */
  prints: Fingerprint[][];
}

function measureBarstream(): ChildReport {
  const before = usage();
  const store = new SessionData({ intervals: INTERVALS });
  stream(false, (x) => store.beginSession(x), (i, bar) => store.append(SYMBOLS[i] as string, bar), () => store.endSession());
  const after = usage();
  const stats = store.stats();
  // Fingerprints for the verification, made after the measurement.
  const prints = SYMBOLS.map((sym) => SERIES.map((iv) => fingerprint(store.bars(sym, iv))));
  return { side: 'barstream', storedBars: stats.storedBars, allocatedBytes: stats.allocatedBytes, delta: delta(before, after), prints };
}

function measurePeer(): ChildReport {
  const before = usage();
  const aggs = SYMBOLS.map(() => new JsBarAggregator('1m', INTERVALS));
  stream(
    true,
    (x) => aggs.forEach((g) => g.beginSession(x)),
    (i, bar) => (aggs[i] as JsBarAggregator).append(bar),
    () => aggs.forEach((g) => g.endSession()),
  );
  const after = usage();
  const storedBars = aggs.reduce((n, g) => n + g.storedBars(), 0);
  const prints = aggs.map((g) => SERIES.map((iv) => fingerprint(g.bars(iv))));
  return { side: 'peer', storedBars, allocatedBytes: 0, delta: delta(before, after), prints };
}

/** Runs one side in a fresh node process with this process's flags (`--expose-gc --import tsx`). */
function inChild(side: 'barstream' | 'peer'): ChildReport {
  const self = fileURLToPath(import.meta.url);
  const out = spawnSync(process.execPath, [...process.execArgv, self, '--child', side], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (out.status !== 0) throw new Error(`memory child '${side}' failed (${out.status}):\n${out.stderr}`);
  const last = out.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ChildReport;
}

export async function run(): Promise<Row[]> {
  console.log(
    `\n## memory: ${SYMBOLS.length} symbols x ${SESSIONS} sessions x ${BARS_PER_SESSION} 1m bars streamed, derived ${INTERVALS.join('/')}: ${EXPECTED.toLocaleString('en-US')} stored bars (each side in a fresh process)`,
  );
  const ours = inChild('barstream');
  const peer = inChild('peer');
  for (const r of [ours, peer]) {
    if (r.storedBars !== EXPECTED) throw new Error(`${r.side} stored ${r.storedBars} bars, expected ${EXPECTED}`);
  }
  SYMBOLS.forEach((sym, i) =>
    SERIES.forEach((iv, j) =>
      assertSameBars(`memory ${sym} ${iv}`, ours.prints[i]?.[j] as Fingerprint, peer.prints[i]?.[j] as Fingerprint),
    ),
  );
  console.log(`verified (same bars, outside the measurement): all ${SYMBOLS.length} symbols x ${SERIES.join('/')}, ${EXPECTED.toLocaleString('en-US')} bars on each side`);

  console.log(`\nmemory growth after global.gc() (${EXPECTED.toLocaleString('en-US')} stored bars):`);
  console.table([ours, peer].map((r) => ({
    side: r.side === 'peer' ? 'plain-JS aggregator' : 'barstream',
    allocatedBytes: r.side === 'peer' ? '—' : mb(r.allocatedBytes),
    rss: mb(r.delta.rss),
    heapUsed: mb(r.delta.heapUsed),
    external: mb(r.delta.external),
    arrayBuffers: mb(r.delta.arrayBuffers),
  })));
  const bAlloc = ours.allocatedBytes / EXPECTED;
  const bRss = ours.delta.rss / EXPECTED;
  const pHeap = peer.delta.heapUsed / EXPECTED;
  const pRss = peer.delta.rss / EXPECTED;
  const less = (ourBytes: number, peerBytes: number): string =>
    ourBytes <= 0 ? '—' : peerBytes >= ourBytes ? `${fmt(peerBytes / ourBytes)}x less` : `${fmt(ourBytes / peerBytes)}x more`;
  const rows: Row[] = [
    {
      suite: 'memory',
      name: 'bytes per stored bar: stats().allocatedBytes / storedBars',
      barstream: `${fmt(bAlloc)} B`,
      peer: `${fmt(pHeap)} B (plain JS, heapUsed growth)`,
      ratio: less(bAlloc, pHeap),
      target: `≤ ${TARGET_BYTES} B`,
      met: bAlloc <= TARGET_BYTES,
    },
    {
      suite: 'memory',
      name: 'bytes per stored bar: RSS growth after gc() / storedBars',
      barstream: `${fmt(bRss)} B`,
      peer: `${fmt(pRss)} B (plain JS, RSS growth)`,
      ratio: less(bRss, pRss),
      target: `≤ ${TARGET_BYTES} B`,
      met: bRss <= TARGET_BYTES,
    },
  ];
  printSummary('memory', rows);
  return rows;
}

if (process.argv[2] === '--child') {
  const side = process.argv[3];
  if (side !== 'barstream' && side !== 'peer') throw new Error(`unknown side ${String(side)}`);
  if (typeof globalThis.gc !== 'function') throw new Error('the memory suite needs node --expose-gc');
  const report = side === 'barstream' ? measureBarstream() : measurePeer();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
