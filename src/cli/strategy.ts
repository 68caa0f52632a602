/**
 * The strategy contract of the command line, and the built-in example strategy.
 * @module
 */
import type { AnalysisEngine } from '../runtime/engine.js';
import type { IndicatorConfig } from '../indicators.js';

/** What a strategy reports when it decides something. */
export interface Signal {
  symbol: string;
  /** The closed bar's time (epoch ms). */
  time: number;
  side: 'buy' | 'sell';
  note?: string | undefined;
}

/** What a strategy gets besides the engine. */
export interface StrategyContext {
  /**
   * Records a copy of a signal (the object may be reused); the summary counts them by side.
   * @throws {InputError} for a signal that is not `{ symbol, time, side, note? }` with a non-empty
   * symbol, a time in whole epoch milliseconds, a side `'buy'` or `'sell'` and a string note if any
   * (from a subscriber, that is a subscriber error: recorded in the report, the run goes on).
   */
  signal(signal: Signal): void;
}

/**
 * A strategy for `barstream backtest --strategy path.js`: a module whose default export is this
 * object. The store has a `1m` base (`--base` sets another) and the intervals `5m`, `15m`, `30m`,
 * `1h` and `1d` that are whole multiples of it (1d always), with the strategy's own added, and the
 * strategy's indicators only: none is there unless it declares it.
 * Written in TypeScript, annotate the object (`const s: Strategy = { ... }`, or `satisfies
 * Strategy`): left to inference, `kind: 'ema'` widens to a string the type refuses.
 *
 * ```js
 * export default {
 *   name: 'ema-trend',
 *   intervals: ['15m'],
 *   indicators: { '15m': [{ kind: 'ema', period: 20 }] },
 *   setup(engine, ctx) {
 *     engine.subscribe({ interval: '15m' }, (e) => {
 *       const ema = e.indicator('ema20');
 *       if (e.bars.close[e.index] > ema[e.index]) ctx.signal({ symbol: e.symbol, time: e.time, side: 'buy' });
 *     });
 *   },
 * };
 * ```
 */
export interface Strategy {
  name: string;
  intervals?: readonly string[] | undefined;
  indicators?: Readonly<Record<string, readonly IndicatorConfig[]>> | undefined;
  /** Subscribes to the engine. May be async: the run starts when its promise settles. */
  setup(engine: AnalysisEngine, context: StrategyContext): unknown;
}

/**
 * The example: on 5m bars, buy when the close crosses above its 20-bar SMA while RSI(14) is below
 * 50 (a recovery from weakness); sell when it crosses below while RSI(14) is above 50.
 */
export const exampleStrategy: Strategy = {
  name: 'rsi-sma-5m',
  intervals: ['5m'],
  indicators: { '5m': [{ kind: 'rsi', period: 14 }, { kind: 'sma', period: 20 }] },
  setup(engine, context) {
    engine.subscribe({ interval: '5m', name: 'rsi-sma-5m' }, (e) => {
      const i = e.index;
      const sma = e.indicator('sma20');
      // Nothing until both averages are warm (NaN before).
      if (i < 1 || Number.isNaN(sma[i - 1])) return;
      const rsi = e.indicator('rsi14')[i] as number;
      const close = e.bars.close;
      const above = (close[i] as number) > (sma[i] as number);
      const wasAbove = (close[i - 1] as number) > (sma[i - 1] as number);
      if (above && !wasAbove && rsi < 50) context.signal({ symbol: e.symbol, time: e.time, side: 'buy' });
      else if (!above && wasAbove && rsi > 50) context.signal({ symbol: e.symbol, time: e.time, side: 'sell' });
    });
  },
};
