/**
 * Stream sources in both drives, where the drives must agree: rows out of place that the store
 * rejects cost their own bars only, also two in a row, and a row with no time goes into the
 * session where it came. The bars stored and rejected are worked out by hand.
 */
import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, columnsSource, iterableSource } from 'barstream';
import type { SymbolBar } from 'barstream';

const MINUTE = 60_000;

for (const speed of [0, 1e9]) {
  const drive = speed === 0 ? 'data-driven' : 'clock-driven';
  test(`${drive} stream: rows out of place that the store rejects cost their own bars only, also two in a row`, async (t) => {
    const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '10:12' }] });
    const open = calendar.session('2024-01-02')!.open;
    const bar = (minutes: number, high = 11): SymbolBar => ({ symbol: 'A', time: open + minutes * MINUTE, open: 10, high, low: 9, close: 10, volume: 1 });
    const cases: [string, SymbolBar[], Record<string, number>][] = [
      ['two off the grid', [bar(0), bar(1), bar(2), bar(8.5), bar(9.5), bar(3), bar(4), bar(5), bar(6), bar(7)], { off_grid: 2 }],
      ['off the grid, then no time', [bar(0), bar(1), bar(2), bar(8.5), { ...bar(0), time: Number.NaN }, bar(3), bar(4), bar(5), bar(6), bar(7)], { off_grid: 1, non_finite: 1 }],
      ['off the grid, then a stray past the close', [bar(0), bar(1), bar(2), bar(8.5), bar(40), bar(3), bar(4), bar(5), bar(6), bar(7)], { off_grid: 1, outside_session: 1 }],
      ['two with a high below their open', [bar(0), bar(1), bar(2), bar(8, 5), bar(9, 5), bar(3), bar(4), bar(5), bar(6), bar(7)], { high_below_open_close: 2 }],
    ];
    for (const [name, bars, rejected] of cases) {
      const data = new SessionData({ intervals: ['5m'] });
      const r = await new SessionCoordinator({ calendar, data, source: iterableSource(bars), from: '2024-01-02', to: '2024-01-02', speed, overrun: 'queue' }).run();
      // 10:00-10:07 all stored; nothing late.
      t.deepEqual(Array.from(data.bars('A', '1m').time, (x) => (x - open) / MINUTE), [0, 1, 2, 3, 4, 5, 6, 7], name);
      t.deepEqual(Object.fromEntries(Object.entries(r.rejected).filter(([, n]) => n > 0)), rejected, name);
    }
  });

  test(`${drive} stream: a row with no time goes into the session where it came, not one read ahead`, async (t) => {
    const calendar = Calendar.custom({ timeZone: 'UTC', sessions: ['2024-01-02', '2024-01-03'].map((date) => ({ date, open: '10:00', close: '10:05' })) });
    const [s1, s2] = calendar.sessions('2024-01-02', '2024-01-03');
    const bar = (symbol: string, time: number): SymbolBar => ({ symbol, time, open: 10, high: 11, low: 9, close: 10, volume: 1 });
    const minutes = (symbol: string, from: number, count: number): SymbolBar[] => Array.from({ length: count }, (_, k) => bar(symbol, from + k * MINUTE));
    // B's first row has no time, and comes after all of the first session and the second's first bar.
    const stream = [...minutes('A', s1!.open, 5), bar('A', s2!.open), bar('B', Number.NaN), ...minutes('B', s2!.open, 5), ...minutes('A', s2!.open + MINUTE, 4)];
    const r = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: iterableSource(stream), from: '2024-01-02', to: '2024-01-03', speed, overrun: 'queue' }).run();
    t.is(r.barsStored, 15);
    // B takes no part in the first session: no gap or quality record there.
    t.deepEqual(Object.keys(r.quality['2024-01-02'] ?? {}), ['A']);
    t.is(r.quality['2024-01-03']?.B?.base.rejected.non_finite, 1);
    t.is(r.gapCount, 0);
  });
}

test('data-driven, a bucket whose last slot no symbol traded closes before the next slice goes in, over a stream as over columns: its handlers see none of that slice\'s bars', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '10:12' }] });
  const open = calendar.session('2024-01-02')!.open;
  // A and B every minute but 10:04 (the 10:00 bucket's last slot), for neither; then a case where
  // B's 10:04 comes after A's 10:05: it must not be called late.
  const minutes = [0, 1, 2, 3, 5, 6, 7];
  const price = (m: number): number => 100 + m;
  const bar = (symbol: string, m: number): SymbolBar => ({ symbol, time: open + m * MINUTE, open: price(m), high: price(m), low: price(m), close: price(m), volume: 1 });
  const inOrder = minutes.flatMap((m) => [bar('A', m), bar('B', m)]);
  const jittered = [...minutes.slice(0, 4).flatMap((m) => [bar('A', m), bar('B', m)]), bar('A', 5), bar('B', 4), bar('B', 5), ...[6, 7].flatMap((m) => [bar('A', m), bar('B', m)])];
  for (const [name, bars] of [['in time order', inOrder], ['B\'s 10:04 after A\'s 10:05', jittered]] as const) {
    const seen: string[] = [];
    const run = async (source: 'columns' | 'stream'): Promise<string[]> => {
      const data = new SessionData({ intervals: ['5m'] });
      const engine = new AnalysisEngine();
      const lines: string[] = [];
      engine.subscribe({ interval: '5m', symbols: ['A'] }, (e) => {
        const b = e.data.bars('B', '1m');
        lines.push(`${(e.time - open) / MINUTE}: B's last 1m ${(b.time[b.length - 1]! - open) / MINUTE}, A forming ${e.data.forming('A', '5m')?.close ?? 'none'}`);
      });
      const columns = Object.fromEntries(['A', 'B'].map((s) => {
        const own = bars.filter((b) => b.symbol === s).sort((x, y) => x.time - y.time);
        return [s, { time: own.map((b) => b.time), open: own.map((b) => b.open), high: own.map((b) => b.high), low: own.map((b) => b.low), close: own.map((b) => b.close), volume: own.map((b) => b.volume) }];
      }));
      const report = await new SessionCoordinator({ calendar, data, engine, source: source === 'columns' ? columnsSource(columns) : iterableSource(bars), from: '2024-01-02', to: '2024-01-02', speed: 0 }).run();
      t.is(report.barsStored, bars.length, `${name}, ${source}: every bar stored`);
      return lines;
    };
    seen.push(...(await run('stream')));
    if (name === 'in time order') {
      // At the 10:00 bucket's close B's last bar is 10:03, and nothing of 10:05 forms: as over columns.
      t.deepEqual(seen, ["0: B's last 1m 3, A forming none", "5: B's last 1m 7, A forming none"], name);
      t.deepEqual(await run('columns'), seen, `${name}: as over columns`);
    } else {
      t.is(seen.length, 2, name);
    }
  }
});

test('data-driven, a stream source that keeps one slice ahead of its subscribers runs to the end across a slot no symbol traded: the run does not wait on it to judge that slot', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '10:12' }] });
  const open = calendar.session('2024-01-02')!.open;
  const minutes = [0, 1, 2, 3, 5, 6, 7, 8, 9];
  const bar = (symbol: string, m: number): SymbolBar => ({ symbol, time: open + m * MINUTE, open: 100 + m, high: 100 + m, low: 100 + m, close: 100 + m, volume: 1 });
  // Yields slice k + 1 once a subscriber has seen slice k - 1.
  let seen = -1;
  let wake: (() => void) | null = null;
  const handled = (k: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (seen >= k) resolve();
        else wake = check;
      };
      check();
    });
  async function* source(): AsyncGenerator<SymbolBar> {
    for (let k = 0; k < minutes.length; k++) {
      if (k >= 2) await handled(k - 2);
      yield bar('A', minutes[k]!);
      yield bar('B', minutes[k]!);
    }
  }
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '1m', symbols: ['A'] }, (e) => {
    seen = minutes.indexOf((e.time - open) / MINUTE);
    const w = wake;
    wake = null;
    w?.();
  });
  const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: iterableSource(source()), from: '2024-01-02', to: '2024-01-02', speed: 0 }).run();
  t.is(report.barsStored, 18);
});

test('data-driven, bars with no time between two bars of one slice cost their own bars only, sixteen of them or more too', async (t) => {
  const calendar = Calendar.custom({ timeZone: 'UTC', sessions: [{ date: '2024-01-02', open: '10:00', close: '10:12' }] });
  const open = calendar.session('2024-01-02')!.open;
  const bar = (symbol: string, time: number): SymbolBar => ({ symbol, time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  const at4 = open + 4 * MINUTE;
  for (const n of [1, 15, 16, 30]) {
    for (const slow of [false, true]) {
      const bars = [bar('A', at4), ...Array.from({ length: n }, () => bar('C', Number.NaN)), bar('B', at4), bar('A', at4 + MINUTE), bar('B', at4 + MINUTE)];
      async function* paced(): AsyncGenerator<SymbolBar> {
        for (const b of bars) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          yield b;
        }
      }
      const report = await new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: iterableSource(slow ? paced() : bars), from: '2024-01-02', to: '2024-01-02', speed: 0 }).run();
      t.is(report.barsStored, 4, `${n}, ${slow ? 'slow' : 'fast'}`);
      t.deepEqual(Object.fromEntries(Object.entries(report.rejected).filter(([, k]) => k > 0)), { non_finite: n }, `${n}, ${slow ? 'slow' : 'fast'}`);
    }
  }
});
