/**
 * Coordinator runs on a store with retainSessions: the bars a session's end closes (the buckets
 * still forming at the close) are delivered and counted like any other, in every mode, even when
 * the same endSession drops an older session's bars; their events show the series as it stood when
 * they closed, before that drop.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { SymbolBar } from 'barstream';

const MINUTE = 60_000;
// Ten-minute sessions, 10:00 to 10:10 UTC.
const calendar = Calendar.custom({ timeZone: 'UTC', sessions: ['2024-05-06', '2024-05-07', '2024-05-08'].map((date) => ({ date, open: '10:00', close: '10:10' })) });

/** Three bars a session, 10:00 to 10:02: the 5m bucket of 10:00 is still forming when they are in, and the 10:05 bucket has none. */
function bars(): SymbolBar[] {
  const out: SymbolBar[] = [];
  for (const s of calendar.sessions('2024-05-06', '2024-05-08')) {
    for (let i = 0; i < 3; i++) out.push({ symbol: 'A', time: s.open + i * MINUTE, open: 10 + i, high: 11 + i, low: 9 + i, close: 10.5 + i, volume: 100 });
  }
  return out;
}

function columns(list: SymbolBar[]) {
  const col = (k: 'time' | 'open' | 'high' | 'low' | 'close' | 'volume') => Float64Array.from(list.map((b) => b[k]));
  return { A: { time: col('time'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') } };
}

for (const mode of ['columns', 'stream', 'clock'] as const) {
  test(`retainSessions: 1, ${mode}: the 5m bar each session's end closes is delivered and counted`, async (t) => {
    const data = new SessionData({ intervals: ['5m'], retainSessions: 1, indicators: { '5m': [{ kind: 'sma', period: 2 }] } });
    const engine = new AnalysisEngine();
    const got: { time: number; volume: number; sma: number; held: number[] }[] = [];
    engine.subscribe({ interval: '5m' }, (e) => {
      got.push({ time: e.time, volume: e.bar.volume, sma: e.indicator('sma2')[e.index] as number, held: Array.from(e.bars.time) });
    });
    const source = mode === 'columns' ? columnsSource(columns(bars())) : iterableSource(bars());
    const report = await new SessionCoordinator({
      calendar, data, engine, source, from: '2024-05-06', to: '2024-05-08',
      ...(mode === 'clock' ? { speed: 1e9, overrun: 'queue' as const } : {}),
    }).run();
    const opens = calendar.sessions('2024-05-06', '2024-05-08').map((s) => s.open);
    // One 5m bar a session: open 10, high 13, low 9, close 12.5, volume 300; SMA(2) of the closes
    // 12.5, 12.5. When each closed, the series held the session before too: retention drops it at
    // the session's end, after the bar's delivery.
    t.deepEqual(got, [
      { time: opens[0]!, volume: 300, sma: NaN, held: [opens[0]!] },
      { time: opens[1]!, volume: 300, sma: 12.5, held: [opens[0]!, opens[1]!] },
      { time: opens[2]!, volume: 300, sma: 12.5, held: [opens[1]!, opens[2]!] },
    ]);
    t.is(report.closedBars['5m'], 3);
    t.is(report.delivered, 3);
    // The store keeps the last session's bar.
    t.deepEqual(Array.from(data.bars('A', '5m').time), [opens[2]!]);
  });
}
