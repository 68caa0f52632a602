/**
 * Indicator columns of derived intervals (5m, 1h, 1d) streamed through SessionData, with what a
 * live store meets: minutes missing, rejected bars mixed in, `emptyBuckets` 'skip' and 'flat',
 * `retainSessions`, and a symbol removed between sessions and added again. Each column must equal,
 * bit for bit, `computeIndicators` over the naive aggregation of the accepted bars (VWAP restarting
 * at each session), TA-Lib where the series is long enough, and VWAP a naive running sum; `peek` of
 * a forming bar must equal the values written when that same bar closes.
 *
 * Expected values come from the naive aggregation (helpers/naive), TA-Lib and the naive VWAP; the
 * package's own paths are also compared with each other (streaming vs batch vs peek).
 */
import test from 'ava';
import { SessionData, computeIndicators } from 'barstream';
import type { Bar, IndicatorConfig, Session } from 'barstream';
import { aggregateSession } from './helpers/naive.js';
import { Rng } from './helpers/prng.js';
import { nySummerSession, randomWalkDay } from './helpers/sessions.js';
import { compareToTalib, firstBitDiff, naiveVwap, seriesOf, talibColumns } from './helpers/talib.js';
import type { TalibCase } from './helpers/talib.js';

/** Every kind, with periods short enough for a 1d series of a few sessions to leave its warm-up. */
const KINDS: { config: IndicatorConfig; names: string[]; talib?: Pick<TalibCase, 'fn' | 'opts' | 'outs' | 'inputs'> }[] = [
  { config: { kind: 'sma', period: 3 }, names: ['sma3'], talib: { fn: 'SMA', opts: { optInTimePeriod: 3 }, outs: ['outReal'], inputs: 'real' } },
  { config: { kind: 'ema', period: 4 }, names: ['ema4'], talib: { fn: 'EMA', opts: { optInTimePeriod: 4 }, outs: ['outReal'], inputs: 'real' } },
  { config: { kind: 'wma', period: 3 }, names: ['wma3'], talib: { fn: 'WMA', opts: { optInTimePeriod: 3 }, outs: ['outReal'], inputs: 'real' } },
  { config: { kind: 'rsi', period: 3 }, names: ['rsi3'], talib: { fn: 'RSI', opts: { optInTimePeriod: 3 }, outs: ['outReal'], inputs: 'real' } },
  {
    config: { kind: 'macd', fast: 2, slow: 4, signal: 2 }, names: ['macd2_4_2.macd', 'macd2_4_2.signal', 'macd2_4_2.histogram'],
    talib: { fn: 'MACD', opts: { optInFastPeriod: 2, optInSlowPeriod: 4, optInSignalPeriod: 2 }, outs: ['outMACD', 'outMACDSignal', 'outMACDHist'], inputs: 'real' },
  },
  {
    config: { kind: 'bbands', period: 3, devUp: 0, devDown: 1.5 }, names: ['bbands3_0_1.5.upper', 'bbands3_0_1.5.middle', 'bbands3_0_1.5.lower'],
    talib: { fn: 'BBANDS', opts: { optInTimePeriod: 3, optInNbDevUp: 0, optInNbDevDn: 1.5, optInMAType: 0 }, outs: ['outRealUpperBand', 'outRealMiddleBand', 'outRealLowerBand'], inputs: 'real' },
  },
  { config: { kind: 'atr', period: 1 }, names: ['atr1'], talib: { fn: 'ATR', opts: { optInTimePeriod: 1 }, outs: ['outReal'], inputs: 'hlc' } },
  { config: { kind: 'stddev', period: 3 }, names: ['stddev3'], talib: { fn: 'STDDEV', opts: { optInTimePeriod: 3, optInNbDev: 1 }, outs: ['outReal'], inputs: 'real' } },
  {
    config: { kind: 'stoch', kPeriod: 3, kSlow: 1, dPeriod: 2 }, names: ['stoch3_1_2.k', 'stoch3_1_2.d'],
    talib: { fn: 'STOCH', opts: { optInFastK_Period: 3, optInSlowK_Period: 1, optInSlowK_MAType: 0, optInSlowD_Period: 2, optInSlowD_MAType: 0 }, outs: ['outSlowK', 'outSlowD'], inputs: 'hlc' },
  },
  { config: { kind: 'adx', period: 2 }, names: ['adx2'], talib: { fn: 'ADX', opts: { optInTimePeriod: 2 }, outs: ['outReal'], inputs: 'hlc' } },
  { config: { kind: 'obv' }, names: ['obv'], talib: { fn: 'OBV', opts: {}, outs: ['outReal'], inputs: 'cv' } },
  { config: { kind: 'cci', period: 3 }, names: ['cci3'], talib: { fn: 'CCI', opts: { optInTimePeriod: 3 }, outs: ['outReal'], inputs: 'hlc' } },
  { config: { kind: 'roc', period: 1 }, names: ['roc1'], talib: { fn: 'ROC', opts: { optInTimePeriod: 1 }, outs: ['outReal'], inputs: 'real' } },
  { config: { kind: 'mfi', period: 3 }, names: ['mfi3'], talib: { fn: 'MFI', opts: { optInTimePeriod: 3 }, outs: ['outReal'], inputs: 'hlcv' } },
  { config: { kind: 'vwap' }, names: ['vwap'] },
];
const CONFIGS = KINDS.map((k) => k.config);
const NAMES = KINDS.flatMap((k) => k.names);
const INTERVALS = ['5m', '1h', '1d'] as const;
const DATES = ['2024-06-03', '2024-06-04', '2024-06-05', '2024-06-06', '2024-06-07', '2024-06-10', '2024-06-11'];
/** B leaves after this session (by index) and comes back two sessions later. */
const B_LEAVES = 2;
const B_RETURNS = 4;

interface Day {
  session: Session;
  /** Per symbol, the bars the store accepts (in order). */
  bars: Record<'A' | 'B', Bar[]>;
}

/** Seeded days: about a third of the minutes missing, different walks for A and B. */
function days(seed: number): Day[] {
  const rng = new Rng(seed);
  return DATES.map((date, d) => {
    const session = nySummerSession(date);
    const keep = (bars: Bar[]): Bar[] => bars.filter(() => !rng.chance(0.35));
    const b = d <= B_LEAVES || d >= B_RETURNS ? keep(randomWalkDay(seed + 100 + d, session)) : [];
    return { session, bars: { A: keep(randomWalkDay(seed + d, session)), B: b } };
  });
}

const same = (a: number, b: number): boolean => Object.is(a, b);

for (const empty of ['skip', 'flat'] as const) {
  for (const retain of [undefined, 2]) {
    test(`derived intervals, emptyBuckets '${empty}'${retain === undefined ? '' : `, retainSessions ${retain}`}: streamed columns equal computeIndicators over the naive bars (and TA-Lib), with rejected bars, a symbol removed and re-added, and peek equal to the close`, (t) => {
      const data = new SessionData({
        intervals: [...INTERVALS],
        emptyBuckets: empty,
        ...(retain === undefined ? {} : { retainSessions: retain }),
        indicators: Object.fromEntries(INTERVALS.map((iv) => [iv, CONFIGS])),
      });
      const rng = new Rng(77);
      const errors: string[] = [];
      let peeksChecked = 0;
      const all = days(4242);
      for (const [d, day] of all.entries()) {
        data.beginSession(day.session);
        // The forming bar and its peek per (symbol, interval), to compare with the bar when it closes.
        const pending = new Map<string, { bar: Bar; values: Record<string, number> }>();
        const settle = (symbol: string): void => {
          for (const iv of INTERVALS) {
            const key = `${symbol} ${iv}`;
            const p = pending.get(key);
            const n = data.count(symbol, iv);
            if (p !== undefined) {
              const view = data.bars(symbol, iv);
              // The forming bar closed as it stood when peeked: the closed bar at its time is the same bar.
              for (let i = n - 1; i >= 0 && (view.time[i] as number) >= p.bar.time; i--) {
                if (view.time[i] !== p.bar.time) continue;
                const closed: Bar = { time: p.bar.time, open: view.open[i] as number, high: view.high[i] as number, low: view.low[i] as number, close: view.close[i] as number, volume: view.volume[i] as number };
                if (JSON.stringify(closed) !== JSON.stringify(p.bar)) break;
                peeksChecked++;
                for (const name of NAMES) {
                  const got = data.indicator(symbol, iv, name)[i] as number;
                  if (!same(got, p.values[name] as number)) errors.push(`${DATES[d]} ${key} ${name} at ${i}: closed ${got}, peek ${p.values[name]}`);
                }
              }
            }
            const forming = data.forming(symbol, iv);
            const values = data.peek(symbol, iv);
            if ((forming === null) !== (values === null)) errors.push(`${DATES[d]} ${key}: forming ${JSON.stringify(forming)} but peek ${JSON.stringify(values)}`);
            if (forming !== null && values !== null) pending.set(key, { bar: forming, values });
            else pending.delete(key);
          }
        };
        const feed: [string, Bar][] = [];
        for (const symbol of ['A', 'B'] as const) for (const bar of day.bars[symbol]) feed.push([symbol, bar]);
        feed.sort((x, y) => x[1].time - y[1].time);
        for (const [symbol, bar] of feed) {
          // Rejected bars, before and after the good one, change nothing.
          if (rng.chance(0.05)) t.throws(() => data.append(symbol, { ...bar, high: bar.low - 0.01 }));
          data.append(symbol, bar);
          if (rng.chance(0.05)) t.throws(() => data.append(symbol, bar));
          settle(symbol);
        }
        data.endSession();
        for (const symbol of ['A', 'B']) {
          settle(symbol);
          for (const iv of INTERVALS) if (data.peek(symbol, iv) !== null) errors.push(`${DATES[d]} ${symbol} ${iv}: peek after the session's end`);
        }
        if (d === B_LEAVES) t.true(data.removeSymbol('B'));
      }

      // The reference: each symbol's accepted bars since it was (last) added, aggregated naively.
      let vwapChecked = 0;
      let dailyTalibChecked = 0;
      for (const symbol of ['A', 'B'] as const) {
        const from = symbol === 'A' ? 0 : B_RETURNS;
        for (const iv of INTERVALS) {
          const bars: Bar[] = [];
          const starts: number[] = [];
          for (const day of all.slice(from)) {
            const agg = aggregateSession(day.bars[symbol], day.session, iv, 'session', empty);
            if (agg.length > 0) starts.push(bars.length);
            bars.push(...agg);
          }
          const s = seriesOf(bars);
          const expected = computeIndicators(CONFIGS, s, starts);
          const n = data.count(symbol, iv);
          // Under retention the store holds the newest sessions: the tail of the reference.
          if (retain === undefined) t.is(n, bars.length, `${symbol} ${iv} bar count`);
          else t.true(n > 0 && n <= bars.length, `${symbol} ${iv}: ${n} of ${bars.length} bars`);
          const tail = bars.length - n;
          const diff = firstBitDiff(data.bars(symbol, iv).close, s.close.slice(tail));
          if (diff !== null) errors.push(`${symbol} ${iv} closes differ from the naive bars at ${diff}`);
          for (const name of NAMES) {
            const d = firstBitDiff(data.indicator(symbol, iv, name), (expected[name] as Float64Array).subarray(tail));
            if (d !== null) errors.push(`${symbol} ${iv} ${name}: streamed vs computeIndicators differ at ${d}`);
          }
          // VWAP against the naive running sum, restarting at each session.
          const vwap = firstBitDiff(expected['vwap'] as Float64Array, naiveVwap(s, starts));
          if (vwap !== null) errors.push(`${symbol} ${iv} vwap vs the naive VWAP: ${vwap}`);
          vwapChecked++;
          // TA-Lib over the whole series: the longest warm-up here is MACD 2/4/2's 4 bars, so a 1d
          // series of fewer than 5 (B's, back for 3 sessions) has nothing to compare.
          if (s.close.length < 5) continue;
          for (const k of KINDS) {
            if (k.talib === undefined) continue;
            if (iv === '1d') dailyTalibChecked++;
            const ref = talibColumns({ ...k.talib, config: k.config, names: k.names, lookback: 0 }, s);
            k.names.forEach((name, j) => {
              const r = compareToTalib(expected[name] as Float64Array, ref.columns[j] as Float64Array, ref.begIndex);
              if (r.error !== null) errors.push(`${symbol} ${iv} ${name} vs TA-Lib ${k.talib?.fn}: ${r.error}`);
            });
          }
        }
      }
      t.true(peeksChecked > 200, `${peeksChecked} peeks compared with their closed bars`);
      t.is(vwapChecked, 2 * INTERVALS.length);
      // A's 1d series, every kind TA-Lib has.
      t.is(dailyTalibChecked, KINDS.filter((k) => k.talib !== undefined).length);
      t.deepEqual(errors.slice(0, 20), [], `${errors.length} failure(s)`);
    });
  }
}
