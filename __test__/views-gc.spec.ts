/**
 * The zero-copy view contract and a leak check under --expose-gc (ava passes it; see package.json).
 * No timing assertions: memory bounds are generous and only catch leaks that grow with the work done.
 */
import test from 'ava';
import { SessionData, computeIndicators } from 'barstream';
import type { Bar, BarsView, Session } from 'barstream';
import { aggregateSession, diffBars } from './helpers/naive.js';
import { HOUR, MINUTE, SECOND, nySummerSession } from './helpers/sessions.js';

const gc = (globalThis as { gc?: () => void }).gc;
const MB = 1024 * 1024;
const S7 = nySummerSession('2013-10-07');
const S8 = nySummerSession('2013-10-08');
/** A whole-day session (00:00-24:00 New York): room for 86,400 one-second bars. */
const DAY: Session = { ...S7, open: S7.dayStart, close: S7.dayStart + 24 * HOUR };

/** Full collections with turns of the event loop between them, so native finalizers get to run. */
async function collect(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** Deterministic valid bars on a `step` grid from the session open; values depend on `seed`. */
function makeBars(session: Session, count: number, step: number, seed = 0): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < count; i++) {
    const x = seed * 1000 + i;
    const open = 100 + (x % 97) * 0.25;
    const close = 100 + ((x * 7) % 89) * 0.25;
    out.push({
      time: session.open + i * step,
      open,
      high: Math.max(open, close) + 0.125,
      low: Math.min(open, close) - 0.375,
      close,
      volume: 1 + (x % 13),
    });
  }
  return out;
}

/** One UTC session of `n` minutes and its bars as columns (about 12 MB stored for 180,000 of them with 5m and 15m). */
function minuteRun(n: number): { long: Session; cols: Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', Float64Array> } {
  const open = Date.UTC(2024, 0, 1);
  const long: Session = { ...S7, date: '2024-01-01', open, close: open + n * MINUTE, dayStart: open, timeZone: 'UTC' };
  const cols = { time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    cols.time[i] = open + i * MINUTE;
    cols.open[i] = cols.high[i] = cols.low[i] = cols.close[i] = 100 + (i % 7);
    cols.volume[i] = 1;
  }
  return { long, cols };
}

if (gc === undefined) {
  test.skip('views and GC (skipped: global.gc is absent; run node with --expose-gc)', () => {});
} else {
  registerGcTests();
}

function registerGcTests(): void {
  test.serial('1,000,000 views made and dropped, two columns of each read: memory stays flat', async (t) => {
    const data = new SessionData({ intervals: ['5m', '1h'] });
    data.beginSession(S7);
    const bars = makeBars(S7, 390, MINUTE);
    for (const b of bars) data.append('SPY', b);
    const expected5 = aggregateSession(bars, S7, '5m');
    // Warm up, then measure.
    for (let i = 0; i < 20_000; i++) data.bars('SPY', i % 2 === 0 ? '1m' : '5m');
    await collect();
    const before = process.memoryUsage();
    let checksum = 0;
    let wrong = 0;
    const intervals = ['1m', '5m', '1h'] as const;
    // The last close of each series, from the naive aggregation: 7 hours, 09:30 .. 15:30.
    const last = intervals.map((iv) => (aggregateSession(bars, S7, iv).at(-1) as Bar).close);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 100_002; i++) {
        // Each view's columns are made when first read: read two of them.
        const v = data.bars('SPY', intervals[i % 3] as string);
        checksum += v.time.length;
        if (v.close[v.length - 1] !== last[i % 3]) wrong++;
      }
      await collect(1);
    }
    await collect();
    const after = process.memoryUsage();
    t.is(wrong, 0);
    t.is(checksum, 10 * (33_334 * 390 + 33_334 * 78 + 33_334 * 7));
    t.is(diffBars(data.bars('SPY', '5m'), expected5), null);
    const rss = (after.rss - before.rss) / MB;
    const ab = (after.arrayBuffers - before.arrayBuffers) / MB;
    const ext = (after.external - before.external) / MB;
    t.log(`growth: rss ${rss.toFixed(1)} MB, arrayBuffers ${ab.toFixed(1)} MB, external ${ext.toFixed(1)} MB`);
    t.true(rss < 64, `rss grew ${rss.toFixed(1)} MB`);
    t.true(ab < 64, `arrayBuffers grew ${ab.toFixed(1)} MB`);
    t.true(ext < 64, `external grew ${ext.toFixed(1)} MB`);
  });

  test.serial('stores that grow through many blocks, with views held across the moves, are freed after GC', async (t) => {
    // 1s bars: 30,000 a store; capacityHint 16 forces a move every ~25% of growth. A leak of the
    // blocks (or of the stores) would hold well over 100 MB after 60 rounds.
    const bars = makeBars(DAY, 30_000, SECOND, 3);
    const cols = {
      time: Float64Array.from(bars, (b) => b.time),
      open: Float64Array.from(bars, (b) => b.open),
      high: Float64Array.from(bars, (b) => b.high),
      low: Float64Array.from(bars, (b) => b.low),
      close: Float64Array.from(bars, (b) => b.close),
      volume: Float64Array.from(bars, (b) => b.volume),
    };
    const round = (): number => {
      const data = new SessionData({ baseInterval: '1s', intervals: ['1m', '5m'], capacityHint: 16 });
      data.beginSession(DAY);
      const held: BarsView[] = [];
      let sum = 0;
      for (let i = 0; i < 30_000; i += 1_000) {
        const chunk = (c: Float64Array) => c.subarray(i, i + 1_000);
        data.appendMany('SPY', {
          time: chunk(cols.time), open: chunk(cols.open), high: chunk(cols.high),
          low: chunk(cols.low), close: chunk(cols.close), volume: chunk(cols.volume),
        });
        const v = data.bars('SPY', '1s');
        held.push(v, data.bars('SPY', '1m'));
        sum += v.time[v.length - 1] as number;
      }
      data.endSession();
      return sum + held.length;
    };
    for (let i = 0; i < 5; i++) round();
    await collect();
    const before = process.memoryUsage();
    let sum = 0;
    for (let r = 0; r < 60; r++) {
      sum += round();
      if (r % 5 === 4) await collect(1);
    }
    await collect();
    const after = process.memoryUsage();
    t.true(sum > 0);
    const rss = (after.rss - before.rss) / MB;
    const ext = (after.external - before.external) / MB;
    const ab = (after.arrayBuffers - before.arrayBuffers) / MB;
    t.log(`growth after 60 stores: rss ${rss.toFixed(1)} MB, arrayBuffers ${ab.toFixed(1)} MB, external ${ext.toFixed(1)} MB`);
    t.true(rss < 64, `rss grew ${rss.toFixed(1)} MB`);
    t.true(ab < 64, `arrayBuffers grew ${ab.toFixed(1)} MB`);
    t.true(ext < 64, `external grew ${ext.toFixed(1)} MB`);
  });

  test.serial('a view taken early keeps its length and values after the series moved blocks many times', async (t) => {
    const data = new SessionData({ baseInterval: '1s', intervals: ['1m'], capacityHint: 1 });
    data.beginSession(S7);
    const bars = makeBars(S7, 6_000, SECOND, 7);
    const views: { n: number; base: BarsView; minute: BarsView }[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (let i = 0; i < bars.length; i++) {
      data.append('SPY', bars[i] as Bar);
      if (i === 9 || i % 250 === 0) {
        const base = data.bars('SPY', '1s');
        views.push({ n: i + 1, base, minute: data.bars('SPY', '1m') });
        buffers.add(base.time.buffer);
      }
    }
    await collect();
    const latest = data.bars('SPY', '1s');
    t.true(buffers.size >= 5, `the series moved through ${buffers.size} blocks`);
    const early = views.find((v) => v.n === 10) as { n: number; base: BarsView };
    t.not(early.base.time.buffer, latest.time.buffer, 'the early view is over an older block');
    const minutes = aggregateSession(bars, S7, '1m');
    for (const v of views) {
      t.is(v.base.length, v.n);
      t.is(v.base.time.length, v.n);
      t.is(v.base.volume.length, v.n);
      t.is(diffBars(v.base, bars.slice(0, v.n)), null, `view of ${v.n} bars`);
      const closedMinutes = Math.floor(v.n / 60);
      t.is(diffBars(v.minute, minutes.slice(0, closedMinutes)), null, `1m view after ${v.n} bars`);
    }
    t.is(diffBars(latest, bars), null);
  });

  test.serial('views read correctly after the store that made them is gone', async (t) => {
    let collected = false;
    const registry = new FinalizationRegistry<string>(() => {
      collected = true;
    });
    const make = (): { views: Map<string, BarsView>; expected: Map<string, Bar[]> } => {
      const data = new SessionData({ intervals: ['5m', '1h', '1d'], retainSessions: 2 });
      const bars7 = makeBars(S7, 390, MINUTE, 11);
      const bars8 = makeBars(S8, 200, MINUTE, 12);
      data.beginSession(S7);
      data.appendMany('SPY', {
        time: bars7.map((b) => b.time), open: bars7.map((b) => b.open), high: bars7.map((b) => b.high),
        low: bars7.map((b) => b.low), close: bars7.map((b) => b.close), volume: bars7.map((b) => b.volume),
      });
      data.endSession();
      data.beginSession(S8);
      for (const b of bars8) data.append('SPY', b);
      data.endSession();
      registry.register(data, 'store');
      const expected = new Map<string, Bar[]>([['1m', [...bars7, ...bars8]]]);
      for (const iv of ['5m', '1h', '1d']) {
        expected.set(iv, [...aggregateSession(bars7, S7, iv), ...aggregateSession(bars8, S8, iv)]);
      }
      return { views: new Map(['1m', '5m', '1h', '1d'].map((iv) => [iv, data.bars('SPY', iv)])), expected };
    };
    const { views, expected } = make();
    await collect(6);
    // Churn: other stores allocate (and free) blocks of the same sizes, with different values.
    for (let k = 0; k < 20; k++) {
      const other = new SessionData({ intervals: ['5m', '1h', '1d'] });
      other.beginSession(S7);
      for (const b of makeBars(S7, 390, MINUTE, 100 + k)) other.append('IBM', b);
      other.endSession();
      other.bars('IBM', '1m');
    }
    await collect(6);
    t.true(collected, 'the store was garbage-collected (otherwise this test proves nothing)');
    for (const [iv, view] of views) {
      t.is(diffBars(view, expected.get(iv) as Bar[]), null, iv);
    }
  });

  test.serial('bars() twice on an unchanged series shares one ArrayBuffer; growth into a new block gives a fresh one', async (t) => {
    const data = new SessionData({ intervals: ['5m'], retainSessions: 1 });
    data.beginSession(S7);
    const bars = makeBars(S7, 390, MINUTE, 21);
    for (let i = 0; i < 100; i++) data.append('SPY', bars[i] as Bar);
    const a = data.bars('SPY', '1m');
    const b = data.bars('SPY', '1m');
    t.not(a, b);
    t.is(a.time.buffer, b.time.buffer);
    for (const col of ['open', 'high', 'low', 'close', 'volume'] as const) t.is(a[col].buffer, a.time.buffer, col);
    t.not(data.bars('SPY', '5m').time.buffer, a.time.buffer, 'each series has its own block');
    // The session reserved room for its 390 slots: more bars stay in the same block.
    data.append('SPY', bars[100] as Bar);
    const c = data.bars('SPY', '1m');
    t.is(c.time.buffer, a.time.buffer);
    t.is(c.length, 101);
    t.is(a.length, 100);
    for (let i = 101; i < 390; i++) data.append('SPY', bars[i] as Bar);
    data.endSession();
    const full = data.bars('SPY', '1m');
    t.is(full.time.buffer, a.time.buffer);
    // The next session grows the series past the block: a new buffer; the old views still read.
    data.beginSession(S8);
    const next = makeBars(S8, 390, MINUTE, 22);
    for (const x of next) data.append('SPY', x);
    const grown = data.bars('SPY', '1m');
    t.not(grown.time.buffer, a.time.buffer);
    t.is(grown.length, 780);
    t.is(diffBars(grown, [...bars, ...next]), null);
    t.is(data.bars('SPY', '1m').time.buffer, grown.time.buffer);
    // retainSessions: 1 drops the first session at endSession: again a new block.
    data.endSession();
    const kept = data.bars('SPY', '1m');
    t.not(kept.time.buffer, grown.time.buffer);
    t.is(diffBars(kept, next), null);
    await collect();
    t.is(diffBars(a, bars.slice(0, 100)), null);
    t.is(diffBars(full, bars), null);
    t.is(diffBars(grown, [...bars, ...next]), null);
    t.is(diffBars(data.bars('SPY', '5m'), aggregateSession(next, S8, '5m')), null);
  });

  test.serial('a live store does not keep blocks that retention emptied or moved once their views are gone', async (t) => {
    const collected = new Set<string>();
    const registry = new FinalizationRegistry<string>((name) => collected.add(name));
    const data = new SessionData({ intervals: ['5m'], retainSessions: 1 });
    const days = [0, 1, 2, 3].map((d) => ({ ...S7, date: `2013-10-0${7 + d}`, open: S7.open + d * 24 * HOUR, close: S7.close + d * 24 * HOUR, dayStart: S7.dayStart + d * 24 * HOUR }));
    const read = (symbol: string, name: string): void => {
      // Read once, the view dropped at once: only the store's own cache could keep the block.
      const view = data.bars(symbol, '1m');
      t.true(view.close[0]! > 0);
      registry.register(view.close.buffer, name);
    };
    // OLD trades on the first day only; SPY every day. Each is read on the first day.
    data.beginSession(days[0] as Session);
    for (const b of makeBars(days[0] as Session, 390, MINUTE, 1)) data.append('OLD', b);
    for (const b of makeBars(days[0] as Session, 390, MINUTE, 2)) data.append('SPY', b);
    read('OLD', 'OLD day 0');
    read('SPY', 'SPY day 0');
    data.endSession();
    for (const [k, day] of days.slice(1).entries()) {
      data.beginSession(day);
      for (const b of makeBars(day, 390, MINUTE, 3 + k)) data.append('SPY', b);
      data.endSession();
    }
    await collect(6);
    // Retention kept one session: OLD's block is empty, SPY's first block was compacted away.
    t.is(data.bars('OLD', '1m').length, 0);
    t.is(data.bars('SPY', '1m').length, 390);
    t.true(collected.has('OLD day 0'), "OLD's emptied block is still held");
    t.true(collected.has('SPY day 0'), "SPY's first block, moved by retention, is still held");
  });

  test.serial('many stores, views interleaved and dropped at random: no crash, every view reads what it held', async (t) => {
    // Exercises freeing a block and handing out a new external buffer that may land at a reused address.
    let checked = 0;
    for (let k = 0; k < 40; k++) {
      const data = new SessionData({ intervals: ['5m'], capacityHint: 1 + (k % 7) });
      data.beginSession(S7);
      const bars = makeBars(S7, 50 + (k % 5) * 60, MINUTE, 300 + k);
      const views: [number, BarsView][] = [];
      bars.forEach((b, i) => {
        data.append('SPY', b);
        if (i % 17 === 0) views.push([i + 1, data.bars('SPY', '1m')]);
      });
      if (k % 4 === 0) await collect(1);
      for (const [n, v] of views) {
        if (diffBars(v, bars.slice(0, n)) !== null) t.fail(`store ${k} view of ${n}: ${diffBars(v, bars.slice(0, n))}`);
        checked++;
      }
    }
    t.true(checked > 100);
  });

  test.serial('stores dropped in a loop are collected without gc(): V8 is told of their native memory', async (t) => {
    // 100 stores of about 12 MB each, dropped one after the other with a turn of the event loop
    // between them (Node-API runs finalizers there), as a parameter sweep would. V8 sees only a
    // small object per store; unless told of the native memory it collects none of them, and RSS
    // grows by the whole 1.2 GB.
    const n = 180_000;
    const { long, cols } = minuteRun(n);
    await collect();
    const before = process.memoryUsage().rss;
    let peak = 0;
    for (let k = 0; k < 100; k++) {
      const data = new SessionData({ intervals: ['5m', '15m'] });
      data.beginSession(long);
      data.appendMany('X', cols);
      data.endSession();
      if (data.bars('X', '15m').length !== n / 15) t.fail(`store ${k}: ${data.bars('X', '15m').length} 15m bars`);
      await new Promise((resolve) => setImmediate(resolve));
      peak = Math.max(peak, process.memoryUsage().rss - before);
    }
    t.log(`RSS grew by up to ${(peak / MB).toFixed(0)} MB`);
    t.true(peak < 400 * MB, `RSS grew by up to ${(peak / MB).toFixed(0)} MB`);
  });

  test.serial('computeIndicators in a loop that never yields: dropped outputs are freed as it goes', async (t) => {
    // 2,000 calls of twelve output columns over 2,000 bars (188 KB each, 375 MB in all), each result
    // read and dropped, with no turn of the event loop: outputs in native memory would wait for
    // that turn (Node-API runs finalizers there), and all 375 MB would stay resident.
    const close = Float64Array.from({ length: 2_000 }, (_, i) => 100 + Math.sin(i / 10));
    const configs = [{ kind: 'sma', period: 5 }, { kind: 'ema', period: 5 }, { kind: 'rsi' }, { kind: 'macd' }, { kind: 'bbands' }, { kind: 'stddev' }, { kind: 'wma' }, { kind: 'roc' }] as const;
    await collect();
    const before = process.memoryUsage().rss;
    let peak = 0;
    let checksum = 0;
    for (let k = 0; k < 2_000; k++) {
      const out = computeIndicators(configs, { close });
      checksum += Object.keys(out).length;
      if (k % 100 === 99) peak = Math.max(peak, process.memoryUsage().rss - before);
    }
    t.is(checksum, 2_000 * 12);
    t.log(`RSS grew by up to ${(peak / MB).toFixed(0)} MB`);
    t.true(peak < 200 * MB, `RSS grew by up to ${(peak / MB).toFixed(0)} MB`);
  });

  test.serial('a small store read through views costs kilobytes of bookkeeping, not tens of them', async (t) => {
    // 500 stores of one symbol and 60 bars (about 3 KB of bars each, in native memory), each read
    // once. The view bookkeeping once took room for 64 symbols at the first view: 80 KB a store.
    const bars = makeBars(S7, 60, MINUTE);
    await collect();
    const before = process.memoryUsage().arrayBuffers;
    const stores: SessionData[] = [];
    for (let k = 0; k < 500; k++) {
      const data = new SessionData({ intervals: ['5m'] });
      data.beginSession(S7);
      for (const b of bars) data.append('X', b);
      if (data.bars('X', '5m').length !== 12) t.fail(`store ${k}`);
      stores.push(data);
    }
    const perStore = (process.memoryUsage().arrayBuffers - before) / stores.length;
    t.log(`${(perStore / 1024).toFixed(1)} KB of ArrayBuffers a store`);
    t.true(perStore < 20 * 1024, `${(perStore / 1024).toFixed(1)} KB a store`);
  });

  test.serial('clear() in a synchronous loop frees each run at once; views made before keep their values', (t) => {
    // The same 100 runs of about 12 MB as above, in one store cleared between runs and with no
    // turn of the event loop, where dropped stores would all wait for one.
    const n = 180_000;
    const { long, cols } = minuteRun(n);
    const data = new SessionData({ intervals: ['5m', '15m'] });
    const before = process.memoryUsage().rss;
    let peak = 0;
    let kept: BarsView | null = null;
    for (let k = 0; k < 100; k++) {
      data.clear();
      t.deepEqual(data.symbols(), []);
      data.beginSession(long);
      data.appendMany(k % 2 === 0 ? 'X' : 'Y', cols);
      data.endSession();
      if (k === 0) kept = data.bars('X', '15m');
      peak = Math.max(peak, process.memoryUsage().rss - before);
    }
    t.log(`RSS grew by up to ${(peak / MB).toFixed(0)} MB`);
    t.true(peak < 400 * MB, `RSS grew by up to ${(peak / MB).toFixed(0)} MB`);
    // The view from the first run: 12,000 bars of 15 minutes, volumes 15, closes by hand.
    const v = kept as BarsView;
    t.is(v.length, n / 15);
    t.is(v.volume[0], 15);
    t.is(v.close[1], 100 + (29 % 7));
    t.is(data.bars('Y', '15m').length, n / 15);
    t.is(data.bars('X', '15m').length, 0, 'the last run had only Y');
  });
}
