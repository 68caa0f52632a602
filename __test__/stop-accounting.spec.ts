/**
 * Every bar a stream source delivers is in one count of the report, wherever a stop comes:
 * `barsIn + skipped.symbol + skipped.days + skipped.unread` is what the source gave (a merge: what
 * its inputs gave, less what it counts discarded), in data-driven and clock-driven runs, stopped
 * from a handler, an async handler, a gap listener or from outside; and live, with fills.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, OverrunError, iterableSource, mergeStreams } from 'barstream';
import type { GapRecord, RunReport, Session, StreamSource, SymbolBar } from 'barstream';
import { Rng } from './helpers/prng.js';

const calendar = Calendar.xnys();
const SESSIONS = calendar.sessions('2024-06-03', '2024-06-04') as Session[];
const MINUTE = 60_000;

/** Two sessions' first hour for A, B and X (X not in the run's symbols), with holes, a few bars off the run's days and a few out of order. */
function barsFor(rng: Rng): SymbolBar[] {
  const out: SymbolBar[] = [];
  const before = (SESSIONS[0] as Session).open - 3 * 86_400_000;
  for (let k = 0; k < 3; k++) out.push({ symbol: 'A', time: before + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  for (const session of SESSIONS) {
    for (let i = 0; i < 60; i++) {
      for (const symbol of ['A', 'B', 'X']) {
        if (rng.chance(0.1)) continue;
        const time = session.open + i * MINUTE;
        const close = 100 + rng.int(0, 20);
        out.push({ symbol, time, open: close, high: close + 1, low: close - 1, close, volume: 10 });
        if (rng.chance(0.03)) out.push({ symbol, time: time - 2 * MINUTE, open: close, high: close, low: close, close, volume: 1 });
      }
    }
  }
  return out;
}

/**
 * A stream of `bars` counting what it delivered: answering each read on a later macrotask as a feed
 * does, or (`sync`) a generator's, answered at once.
 */
function counted(bars: readonly SymbolBar[], sync: boolean): { source: StreamSource; given: () => number } {
  let given = 0;
  if (sync) {
    function* all(): Generator<SymbolBar> {
      for (const bar of bars) {
        given++;
        yield bar;
      }
    }
    return { source: iterableSource(all()), given: () => given };
  }
  const source: StreamSource = {
    kind: 'stream',
    [Symbol.asyncIterator]: (): AsyncIterator<SymbolBar> => {
      let i = 0;
      let closed = false;
      return {
        next: async () => {
          await new Promise((resolve) => setImmediate(resolve));
          if (closed || i >= bars.length) return { done: true, value: undefined };
          given++;
          return { done: false, value: bars[i++] as SymbolBar };
        },
        return: async () => {
          closed = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { source, given: () => given };
}

type How = 'handler' | 'async handler' | 'gap' | 'outside';

async function stoppedRun(seed: number, speed: number, how: How, sync: boolean | 'merged'): Promise<{ report: RunReport; given: number }> {
  const rng = new Rng(seed);
  const all = barsFor(rng);
  // Merged: A and X from one feed, B from another. What the merge took from them and never handed
  // to the run is counted discarded in its losses(), not by the run.
  const parts = sync === 'merged' ? [counted(all.filter((b) => b.symbol !== 'B'), false), counted(all.filter((b) => b.symbol === 'B'), false)] : [];
  const feed = sync === 'merged' ? { source: mergeStreams(...parts.map((p) => p.source)), given: () => parts.reduce((n, p) => n + p.given(), 0) } : counted(all, sync);
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const coordinator = new SessionCoordinator({
    calendar, data, engine, source: feed.source, symbols: ['A', 'B'], from: (SESSIONS[0] as Session).date, to: (SESSIONS[1] as Session).date, speed, overrun: 'queue',
  });
  const at = rng.int(1, 150);
  let n = 0;
  if (how === 'handler') engine.subscribe({ interval: '1m' }, () => void (++n === at && coordinator.stop()));
  if (how === 'async handler') {
    engine.subscribe({ interval: '1m' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (++n === at) coordinator.stop();
    });
  }
  if (how === 'gap') coordinator.on('gap', () => void (++n === at % 12 + 1 && coordinator.stop()));
  let timer: NodeJS.Timeout | undefined;
  if (how === 'outside') timer = setTimeout(() => coordinator.stop(), rng.int(0, 40));
  const report = await coordinator.run();
  clearTimeout(timer);
  // A read asked for before the stop may still be answered: give it the time to, then count.
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { report, given: feed.given() - (feed.source.losses?.()['discarded'] ?? 0) };
}

for (const [label, speed, sync] of [['data-driven', 0, false], ['clock-driven', 1e9, false], ['data-driven', 0, true], ['clock-driven', 1e9, true], ['data-driven', 0, 'merged'], ['clock-driven', 1e9, 'merged']] as const) {
  test(`every bar a ${sync === 'merged' ? 'merge of feeds' : sync ? 'generator' : 'feed'} gave is counted once when a ${label} run is stopped at a random point`, async (t) => {
    let stopped = 0;
    for (let seed = 1; seed <= 24; seed++) {
      for (const how of ['handler', 'async handler', 'gap', 'outside'] as How[]) {
        const { report, given } = await stoppedRun(seed, speed, how, sync);
        const { symbol, days, unread } = report.skipped;
        t.is(report.barsIn + symbol + days + unread, given, `seed ${seed}, ${how}: barsIn ${report.barsIn}, skipped ${JSON.stringify(report.skipped)}, stopped ${report.stopped}`);
        const rejected = Object.values(report.rejected).reduce((a, b) => a + b, 0);
        t.is(report.barsStored + rejected, report.barsIn);
        if (report.stopped) stopped++;
      }
    }
    t.true(stopped >= 48, `${stopped} of 96 runs stopped`);
  });
}

const SECOND = 1000;

/**
 * A live run of 1s bars over a five-second session: A every second, B missing seconds 1 and 2,
 * filled after `fillMs`. Stopped at a random point; returns what the feed gave.
 */
async function stoppedLive(seed: number, lateA0 = false, overrun: GapRecord[] | null = null): Promise<{ report: RunReport; given: number; settled: Set<unknown> }> {
  const rng = new Rng(seed);
  const open = Math.ceil(Date.now() / SECOND) * SECOND + SECOND;
  const session: Session = { date: new Date(open).toISOString().slice(0, 10), open, close: open + 5 * SECOND, timeZone: 'UTC', dayStart: open - (open % 86_400_000) };
  const bar = (symbol: string, k: number): SymbolBar => ({ symbol, time: open + k * SECOND, open: 10 + k, high: 12 + k, low: 9 + k, close: 11 + k, volume: 100 + k });
  const sent: SymbolBar[] = [];
  const sendAt = new Map<SymbolBar, number>();
  for (let k = 0; k < 5; k++) {
    if (!(lateA0 && k === 0)) sent.push(bar('A', k));
    if (k !== 1 && k !== 2) sent.push(bar('B', k));
    // Sent after second 1's grace, with second 1's bars: due with them at second 2's boundary, where B's second 1 is filled.
    if (lateA0 && k === 1) {
      const late = bar('A', 0);
      sendAt.set(late, open + 2 * SECOND + 20);
      sent.splice(sent.length - 1, 0, late);
    }
  }
  let given = 0;
  let closed = false;
  const feed: StreamSource = {
    kind: 'stream',
    [Symbol.asyncIterator]: (): AsyncIterator<SymbolBar> => {
      let i = 0;
      let wake: (() => void) | null = null;
      return {
        next: async () => {
          const b = sent[i];
          if (b !== undefined) {
            // Each bar 20 ms after its second ends, as a feed sends it.
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, (sendAt.get(b) ?? b.time + SECOND + 20) - Date.now());
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
          } else await new Promise<void>((resolve) => (wake = resolve));
          if (closed || b === undefined) return { done: true, value: undefined };
          i++;
          given++;
          return { done: false, value: b };
        },
        return: async () => {
          closed = true;
          wake?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
  const fillMs = rng.int(0, 300);
  const data = new SessionData({ baseInterval: '1s', intervals: ['3s'] });
  const engine = new AnalysisEngine();
  const coordinator = new SessionCoordinator({
    calendar: { sessions: () => [session] }, data, engine, source: feed, mode: 'live', from: session.date, to: session.date, closeDelayMs: 100, fillDeadlineMs: 400,
    fill: async (symbol, from, to) => {
      await new Promise((resolve) => setTimeout(resolve, fillMs));
      return [1, 2].map((k) => bar(symbol, k)).filter((b) => b.time >= from && b.time < to);
    },
  });
  const how = lateA0 ? 'handler' : rng.pick(['handler', 'gap', 'gapSettled', 'outside'] as const);
  const at = lateA0 ? 2 : rng.int(1, 8);
  let n = 0;
  // Instead of stopping, a handler that holds the thread past the next slice's time fails the run.
  const hold = (): void => {
    const until = Date.now() + 1500;
    while (Date.now() < until);
  };
  if (how === 'handler') engine.subscribe({ interval: '1s' }, () => void (++n === at && (overrun !== null ? hold() : coordinator.stop())));
  if (how === 'gap') coordinator.on('gap', () => coordinator.stop());
  const settled = new Set<unknown>();
  coordinator.on('gapSettled', (gap) => {
    settled.add(gap);
    overrun?.push(gap);
    if (how === 'gapSettled') coordinator.stop();
  });
  const timer = how === 'outside' ? setTimeout(() => coordinator.stop(), open + rng.int(0, 5500) - Date.now()) : undefined;
  const report = await coordinator.run();
  clearTimeout(timer);
  return { report, given, settled };
}

test('every bar a live feed gave is counted once, and every gap settled, when a live run with fills is stopped at a random point', async (t) => {
  const runs = await Promise.all(Array.from({ length: 12 }, (_, k) => stoppedLive(100 + k)));
  for (const [k, { report, given, settled }] of runs.entries()) {
    const { symbol, days, unread } = report.skipped;
    // Filled bars are not the feed's: those the store took or rejected are in barsIn.
    const fills = report.gaps.reduce((n, g) => n + g.filledBars, 0);
    const what = `run ${k}: barsIn ${report.barsIn}, skipped ${JSON.stringify(report.skipped)}, gaps ${JSON.stringify(report.gaps)}`;
    t.true(report.barsIn + symbol + days + unread >= given && report.barsIn + symbol + days + unread <= given + fills, what);
    for (const gap of report.gaps) {
      if (gap.filledBars > 0) t.true(gap.state !== 'reported' && settled.has(gap), `a gap given bars is settled: ${what}`);
    }
  }
});

test('a live run stopped between the slices of a boundary with filled bars settles the gaps they filled', async (t) => {
  // Second 2's boundary appends A's late second 0, then A's and the filled B's second 1: the stop
  // comes in the handler of A's second 0 (B's is the first event), before the second slice.
  const { report, given, settled } = await stoppedLive(1, true);
  t.true(report.stopped);
  t.is(report.barsIn, 2, 'B0, then A0');
  t.is(given, 3, 'B0, A0, A1');
  t.is(report.skipped.unread, 1, 'A1, taken from the buffer and never appended');
  const filled = report.gaps.filter((g) => g.symbol === 'B');
  t.is(filled.length, 1);
  const gap = filled[0] as GapRecord;
  t.is(gap.filledBars, 1);
  t.is(gap.storedBars, 0, 'its bar was never appended');
  t.is(gap.state, 'unfilled');
  t.is(gap.reason, 'the run was stopped before the gap was filled');
  t.true(settled.has(gap), 'gapSettled was emitted for it');
});

test('a live run that fails between the slices of a boundary with filled bars settles their gaps as cut short by the failure', async (t) => {
  // As above, with an overrun in A's second 0's handler in place of the stop: B's filled bar is
  // never appended, which is no rejection by the store.
  const settled: GapRecord[] = [];
  await t.throwsAsync(() => stoppedLive(1, true, settled), { instanceOf: OverrunError });
  const filled = settled.filter((g) => g.symbol === 'B' && g.filledBars > 0);
  t.is(filled.length, 1);
  const gap = filled[0] as GapRecord;
  t.is(gap.storedBars, 0);
  t.is(gap.state, 'unfilled');
  t.is(gap.reason, 'the run failed before the gap was filled');
});
