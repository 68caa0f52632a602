/**
 * A feed that yields one bar object again and again, changed in between (a reused buffer, or a
 * cursor whose getters read the current row), loses no bar: the run copies what it reads before it
 * asks for the next one. Every drive over a stream; the expected bars are those yielded, written
 * out in the test.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, iterableSource, mergeStreams } from 'barstream';
import type { SymbolBar } from 'barstream';

const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-03-05', open: '14:30', close: '15:00' }] });
const open = Date.parse('2024-03-05T14:30:00Z');
const MINUTE = 60_000;

/** 30 bars of `symbol`, one a minute, close `base + m`, yielded as one object changed each time. */
async function* reused(symbol: string, base: number): AsyncGenerator<SymbolBar> {
  const bar: SymbolBar = { symbol, time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  for (let m = 0; m < 30; m++) {
    const p = base + m;
    bar.time = open + m * MINUTE;
    bar.open = p;
    bar.high = p + 0.5;
    bar.low = p - 0.5;
    bar.close = p + 0.25;
    bar.volume = 1000 + m;
    yield bar;
  }
}

const expected = (base: number) => ({
  time: Array.from({ length: 30 }, (_, m) => open + m * MINUTE),
  close: Array.from({ length: 30 }, (_, m) => base + m + 0.25),
  volume: Array.from({ length: 30 }, (_, m) => 1000 + m),
});

for (const speed of [0, 1e6]) {
  const drive = speed === 0 ? 'data-driven' : 'clock-driven';
  test(`${drive}: one symbol's bars yielded as one reused object are all stored, each with its own values`, async (t) => {
    const data = new SessionData({ intervals: ['5m'] });
    const report = await new SessionCoordinator({ calendar, data, engine: new AnalysisEngine(), source: iterableSource(reused('SPY', 100)), from: '2024-03-05', to: '2024-03-05', speed, overrun: 'queue' }).run();
    t.is(report.barsIn, 30);
    t.is(report.barsStored, 30);
    const v = data.bars('SPY', '1m');
    t.deepEqual({ time: Array.from(v.time), close: Array.from(v.close), volume: Array.from(v.volume) }, expected(100));
  });

  test(`${drive}: two such feeds merged by mergeStreams`, async (t) => {
    const data = new SessionData({ intervals: ['5m'] });
    const report = await new SessionCoordinator({ calendar, data, engine: new AnalysisEngine(), source: mergeStreams(iterableSource(reused('A', 100)), iterableSource(reused('B', 500))), from: '2024-03-05', to: '2024-03-05', speed, overrun: 'queue' }).run();
    t.is(report.barsStored, 60);
    for (const [symbol, base] of [['A', 100], ['B', 500]] as const) {
      const v = data.bars(symbol, '1m');
      t.deepEqual({ time: Array.from(v.time), close: Array.from(v.close), volume: Array.from(v.volume) }, expected(base), symbol);
    }
  });
}
