/**
 * The last slice of a session closes every bucket that ends with it, for every symbol, before its
 * subscribers run, also when bars past the close come after it (the next session's first bars in
 * a stream, after-hours bars of the last session): a strategy on A 5m sees B's 5m bar of the same
 * bucket though B has no bar in the bucket's last minute. Only a stray (a bar past the close with
 * one back inside after it) or a time that is not finite holds the close back.
 */
import test from 'ava';
import { AnalysisEngine, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { SymbolBar } from 'barstream';

const MINUTE = 60_000;
const DAY = 86_400_000;
const day0 = Date.UTC(2024, 4, 6);
const sessions = [0, 1].map((k) => ({ date: `2024-05-0${6 + k}`, open: day0 + k * DAY + 600 * MINUTE, close: day0 + k * DAY + 610 * MINUTE, timeZone: 'UTC', dayStart: day0 + k * DAY }));
const calendar = { sessions: (from: string, to: string) => sessions.filter((s) => s.date >= from && s.date <= to) };

/** Each session 10:00-10:10: A a bar every minute, B every minute but 10:09; `afterHours` adds A 10:30 to each day. */
function bars(afterHours: boolean): SymbolBar[] {
  const out: SymbolBar[] = [];
  for (const s of sessions) {
    for (let m = 0; m < 10; m++) {
      out.push({ symbol: 'A', time: s.open + m * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 1 });
      if (m !== 9) out.push({ symbol: 'B', time: s.open + m * MINUTE, open: 20, high: 21, low: 19, close: 20, volume: 2 });
    }
    if (afterHours) out.push({ symbol: 'A', time: s.open + 30 * MINUTE, open: 10, high: 11, low: 9, close: 10, volume: 1 });
  }
  return out;
}

function columns(list: SymbolBar[]) {
  const out: Record<string, Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', Float64Array>> = {};
  for (const symbol of ['A', 'B']) {
    const own = list.filter((b) => b.symbol === symbol);
    const col = (k: 'time' | 'open' | 'high' | 'low' | 'close' | 'volume') => Float64Array.from(own.map((b) => b[k]));
    out[symbol] = { time: col('time'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') };
  }
  return out;
}

for (const source of ['columns', 'stream'] as const) {
  for (const speed of [0, 1e9]) {
    for (const afterHours of [false, true]) {
      test(`${source}, speed ${speed}${afterHours ? ', after-hours bars' : ''}: A's 5m subscriber sees B's 5m bar of the same bucket`, async (t) => {
        const data = new SessionData({ intervals: ['5m'] });
        const engine = new AnalysisEngine();
        const seen: { time: number; bLast: number; bVolume: number }[] = [];
        engine.subscribe({ interval: '5m', symbols: ['A'] }, (e) => {
          const b = data.bars('B', '5m');
          seen.push({ time: e.time, bLast: b.time[b.length - 1] as number, bVolume: b.volume[b.length - 1] as number });
        });
        const list = bars(afterHours);
        const report = await new SessionCoordinator({
          calendar, data, engine, from: '2024-05-06', to: '2024-05-07',
          source: source === 'columns' ? columnsSource(columns(list)) : iterableSource(list),
          ...(speed > 0 ? { speed, overrun: 'queue' as const } : {}),
        }).run();
        // Two 5m buckets a session, 10:00 and 10:05; B's holds 5 bars of volume 2, then 4 (10:09 missing).
        const expected = sessions.flatMap((s) => [
          { time: s.open, bLast: s.open, bVolume: 10 },
          { time: s.open + 5 * MINUTE, bLast: s.open + 5 * MINUTE, bVolume: 8 },
        ]);
        t.deepEqual(seen, expected);
        t.is(report.closedBars['5m'], 8);
      });
    }
  }
}
