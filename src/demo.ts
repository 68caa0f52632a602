/**
 * A short built-in demo: a synthetic session of three symbols through {@link SessionData}, printing
 * derived bars and timings. Run it with `npm run demo`.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { SessionData } from './session-data.js';
import { sessionOn } from './session.js';
import { formatDay, parseDay } from './calendar/dates.js';
import type { Bar } from './types.js';

/** A deterministic pseudo-random walk (mulberry32), so every run prints the same bars. */
function walk(seed: number, start: number, time0: number, count: number): Bar[] {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const bars: Bar[] = [];
  let price = start;
  for (let i = 0; i < count; i++) {
    const open = price;
    const close = Math.round((open * (1 + (rand() - 0.5) * 0.002)) * 100) / 100;
    const high = Math.max(open, close) + Math.round(rand() * 5) / 100;
    const low = Math.min(open, close) - Math.round(rand() * 5) / 100;
    bars.push({ time: time0 + i * 60_000, open, high, low, close, volume: 1000 + Math.floor(rand() * 9000) });
    price = close;
  }
  return bars;
}

const fmtTime = (t: number): string =>
  new Date(t).toLocaleTimeString('en-US', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hour12: false });

/** Times `append` and `appendMany` over many sessions of the same bars, after a warm-up. */
function timings(feeds: { symbol: string; bars: Bar[] }[], date: string): boolean {
  const sessions = 100;
  const intervals = ['5m', '15m', '30m', '1h', '1d'];
  const day = 86_400_000;
  const base = sessionOn(date, { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  // Every session's bars, built before anything is timed: the timings are of the store alone.
  const plan = Array.from({ length: sessions }, (_, d) => {
    const shift = d * day;
    return {
      session: { ...base, date: formatDay(parseDay(base.date) + d), open: base.open + shift, close: base.close + shift, dayStart: base.dayStart + shift },
      feeds: feeds.map(({ symbol, bars }) => {
        const shifted = bars.map((b) => ({ ...b, time: b.time + shift }));
        const column = (pick: (b: Bar) => number): Float64Array => Float64Array.from(shifted, pick);
        return {
          symbol,
          bars: shifted,
          columns: {
            time: column((b) => b.time),
            open: column((b) => b.open),
            high: column((b) => b.high),
            low: column((b) => b.low),
            close: column((b) => b.close),
            volume: column((b) => b.volume),
          },
        };
      }),
    };
  });
  const run = (batch: boolean): { ms: number; data: SessionData } => {
    const data = new SessionData({ baseInterval: '1m', intervals });
    // As the session coordinator does for a run of known length: room for every session up front.
    data.expectSessions(sessions);
    const t0 = performance.now();
    for (const { session, feeds: day } of plan) {
      data.beginSession(session);
      for (const { symbol, bars, columns } of day) {
        if (batch) data.appendMany(symbol, columns);
        else for (const b of bars) data.append(symbol, b);
      }
      data.endSession();
    }
    return { ms: performance.now() - t0, data };
  };
  for (let warm = 0; warm < 3; warm++) {
    run(false);
    run(true);
  }
  const stream = run(false);
  const batch = run(true);
  const total = sessions * feeds.reduce((n, f) => n + f.bars.length, 0);
  console.log(`\ntimings, ${sessions} sessions x ${feeds.length} symbols (${total} 1m bars) into ${intervals.join('/')}, one store, after a warm-up (a first look; BENCHMARKS.md has measured figures against peers):`);
  console.log(`  append, bar by bar        : ${stream.ms.toFixed(1)} ms, ${((stream.ms * 1e6) / total).toFixed(0)} ns a bar`);
  console.log(`  appendMany, 390-bar batches: ${batch.ms.toFixed(1)} ms, ${((batch.ms * 1e6) / total).toFixed(0)} ns a bar`);
  return feeds.every(({ symbol }) =>
    stream.data.intervals.every((iv) => {
      const a = stream.data.bars(symbol, iv);
      const b = batch.data.bars(symbol, iv);
      const keys = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
      return a.length === b.length && keys.every((k) => a[k].every((x, i) => Object.is(x, b[k][i])));
    }),
  );
}

function main(): void {
  const session = sessionOn('2024-03-15', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  const minutes = (session.close - session.open) / 60_000;
  const symbols = { SPY: 510, QQQ: 440, IWM: 205 } as const;
  const feeds = Object.entries(symbols).map(([symbol, start], i) => ({ symbol, bars: walk(42 + i, start, session.open, minutes) }));

  const data = new SessionData({ baseInterval: '1m', intervals: ['5m', '15m', '30m', '1h', '1d'] });
  data.beginSession(session);
  const closedCount = new Map<string, number>();
  let forming: Bar | null = null;
  for (let i = 0; i < minutes; i++) {
    for (const { symbol, bars } of feeds) {
      for (const interval of data.append(symbol, bars[i] as Bar)) closedCount.set(interval, (closedCount.get(interval) ?? 0) + 1);
    }
    if (i === 149) forming = data.forming('SPY', '1h');
  }
  data.endSession();

  console.log(`barstream demo: ${feeds.length} symbols, one session ${session.date} 09:30-16:00 America/New_York, ${minutes} 1m bars each\n`);
  const spy = data.bars('SPY', '1h');
  console.log('SPY 1h bars (session-aligned, the last one cut at the 16:00 close):');
  console.log('  time    open      high      low       close     volume');
  for (let i = 0; i < spy.length; i++) {
    const cells = [spy.open[i], spy.high[i], spy.low[i], spy.close[i]].map((x) => (x as number).toFixed(2).padStart(9));
    console.log(`  ${fmtTime(spy.time[i] as number)}  ${cells.join(' ')} ${String(spy.volume[i]).padStart(9)}`);
  }
  const day = data.bars('SPY', '1d');
  console.log(`\nSPY 1d: open ${day.open[0]} high ${day.high[0]} low ${day.low[0]} close ${day.close[0]} volume ${day.volume[0]}`);
  if (forming) {
    console.log(`SPY 1h bar forming once the 11:59 bar is in (its minute ends at 12:00): ${fmtTime(forming.time)} open ${forming.open} high ${forming.high} low ${forming.low} close ${forming.close} volume ${forming.volume}`);
  }
  console.log('\nclosed bars by interval (all symbols):', Object.fromEntries(closedCount));

  const same = timings(feeds, session.date);
  console.log(`  streaming equals batch (every column, bit for bit): ${same}`);
  const stats = data.stats();
  console.log(`\nthe session's store (3 symbols, 1m and its derived bars): ${stats.storedBars} bars, ${(stats.allocatedBytes / stats.storedBars).toFixed(1)} bytes a bar`);
}

main();
