/**
 * A deterministic synthetic data set, for the command line's default run, demos and benchmarks.
 * @module
 */
import { ConfigError, checkOptionKeys, describe, refuseArguments, show } from '../errors.js';
import type { Session } from '../types.js';
import { ColumnStore } from './columns.js';
import type { ColumnsSource } from './columns.js';
import type { LoadRequest, SymbolColumns } from './types.js';

/** Options of {@link syntheticSource}. */
export interface SyntheticOptions {
  /** The sessions to fill, in increasing order, not overlapping. Bars run from each open to its close. */
  sessions: readonly Session[];
  /** Symbol names, or how many (named `S001`, `S002`, ...). Default `['SYNA', 'SYNB', 'SYNC', 'SYND']`. */
  symbols?: readonly string[] | number | undefined;
  /**
   * The seed, an integer. Same seed, symbol name and sessions: the same bars, bit for bit. Taken
   * modulo 2^32, so seeds that differ by a multiple of it (1 and 2^32 + 1, -1 and 2^32 - 1) give
   * the same bars. Default 1.
   */
  seed?: number | undefined;
  /** Bar length in milliseconds. Default 60 000 (1m). */
  intervalMs?: number | undefined;
  /** Typical first price, at most 1e12; each symbol starts at `startPrice x [0.5, 1.5)`. Default 100. */
  startPrice?: number | undefined;
  /** Standard deviation of a bar's return (close / open - 1). Default 0.001. The overnight gap at each session open has three times that. */
  volatility?: number | undefined;
  /** Mean return per bar. Default 0. The walk stops rising at 1e12, so a drift never takes it to infinity. */
  drift?: number | undefined;
  /** Mean volume per bar, at most 1e12; volumes are whole numbers >= 1, higher near the open and the close. Default 10 000. */
  volume?: number | undefined;
  /** Prices are rounded to this many decimals (default 2, cents); `null` for no rounding. */
  decimals?: number | null | undefined;
  /** Probability that a bar is missing (no trade in that minute), in [0, 1). Default 0. */
  missing?: number | undefined;
}

/** A {@link ColumnsSource} over generated data. */
export interface SyntheticSource extends ColumnsSource {
  /** Bars generated, over all symbols. */
  readonly bars: number;
}

/** mulberry32: a tiny 32-bit PRNG, uniform in [0, 1). Integer arithmetic only: the same on every platform. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of the symbol name mixed with the seed: each symbol its own stream, whatever the others are. */
function symbolSeed(seed: number, symbol: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < symbol.length; i++) {
    h ^= symbol.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const SQRT3 = 1.7320508075688772;

/** The most bars a symbol of a synthetic data set may have: 2^27, a gigabyte of its six columns. */
const MAX_SYNTHETIC_BARS = 2 ** 27;

/**
 * A deterministic synthetic data set as a {@link ColumnarSource}: for each symbol, one bar per
 * `intervalMs` from each session's open to its close (the last bar cut at the close), prices a
 * geometric random walk.
 *
 * - Returns are `drift + volatility x z`, with `z` an Irwin-Hall sum of four uniforms scaled to unit
 *   variance: only `+ - * /` and `Math.round`/`Math.imul`, no `Math.exp`/`log`/`sin`, so the data is
 *   identical on every platform and Node version. Each symbol's stream depends only on the seed
 *   and its own name.
 * - Bars are valid: `high >= max(open, close)`, `low <= min(open, close)`, prices > 0 (at least one
 *   price step), volumes whole and >= 1, times on the grid and increasing.
 * - Open is the previous close within a session; a session opens with an overnight gap.
 *
 * Generated once, here; `load` filters like {@link columnsSource}.
 *
 * @example
 * const source = syntheticSource({ sessions: xnys.sessions('2024-03-04', '2024-03-15'), symbols: ['A', 'B'], seed: 7 });
 * @throws {ConfigError} for invalid options or sessions out of order.
 */
export function syntheticSource(options: SyntheticOptions): SyntheticSource {
  refuseArguments('syntheticSource', arguments, 'its options are one object { sessions, symbols, ... }', '(options)', 1);
  if (options === null || typeof options !== 'object') throw new ConfigError('options', 'expected { sessions, ... }');
  checkOptionKeys(options, ['sessions', 'symbols', 'seed', 'intervalMs', 'startPrice', 'volatility', 'drift', 'volume', 'decimals', 'missing'], 'syntheticSource', '', ['decimals']);
  const sessions = options.sessions;
  if (!Array.isArray(sessions)) throw new ConfigError('sessions', 'expected an array of sessions');
  let prevClose = -Infinity;
  for (const [i, s] of (sessions as readonly Session[]).entries()) {
    if (!(Number.isFinite(s?.open) && Number.isFinite(s?.close) && s.close > s.open)) {
      throw new ConfigError('sessions', `session ${i} (${String(s?.date)}) needs finite open < close`);
    }
    if (s.open < prevClose) throw new ConfigError('sessions', `session ${i} (${s.date}) opens before the previous session closes: give sessions in time order, not overlapping`);
    prevClose = s.close;
  }
  const symbols = symbolList(options.symbols);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new ConfigError('seed', `${describe(seed)} is not an integer`);
  const interval = options.intervalMs ?? 60_000;
  if (!Number.isInteger(interval) || interval <= 0) throw new ConfigError('intervalMs', `${describe(interval)} is not a whole number of milliseconds > 0`);
  // Bounded so that every bar is one the store takes: finite prices, volumes far below its limit.
  const startPrice = positive('startPrice', options.startPrice ?? 100, MAX_PRICE);
  // A number given as text compared as the number it spells, and went into the walk as text.
  const volatility = options.volatility ?? 0.001;
  if (!(typeof volatility === 'number' && volatility >= 0 && volatility < 0.2)) throw new ConfigError('volatility', `${describe(volatility)} is not a number in [0, 0.2)`);
  const drift = options.drift ?? 0;
  if (!(typeof drift === 'number' && Math.abs(drift) < 0.05)) throw new ConfigError('drift', `${describe(drift)} is not a number in (-0.05, 0.05)`);
  const volume = positive('volume', options.volume ?? 10_000, MAX_VOLUME);
  const decimals = options.decimals === undefined ? 2 : options.decimals;
  if (decimals !== null && !(Number.isInteger(decimals) && decimals >= 0 && decimals <= 10)) throw new ConfigError('decimals', `${describe(decimals)} is not a whole number in [0, 10] or null`);
  const missing = options.missing ?? 0;
  if (!(typeof missing === 'number' && missing >= 0 && missing < 1)) throw new ConfigError('missing', `${describe(missing)} is not a number in [0, 1)`);

  let slots = 0;
  for (const s of sessions as readonly Session[]) slots += Math.ceil((s.close - s.open) / interval);
  // Each symbol's columns are made whole, here: more bars than a typed array holds is a bad
  // option, said as one, not a RangeError from the allocation.
  if (!(slots <= MAX_SYNTHETIC_BARS)) {
    throw new ConfigError('intervalMs', `${describe(interval)} ms makes ${slots} bars a symbol over the sessions given, more than ${MAX_SYNTHETIC_BARS}: give a longer interval or fewer sessions`);
  }
  const scale = decimals === null ? 0 : 10 ** decimals;
  const round = (x: number): number => (scale === 0 ? x : Math.round(x * scale) / scale);
  const floor = scale === 0 ? 1e-6 : 1 / scale;

  const store = new ColumnStore();
  let total = 0;
  for (const symbol of symbols) {
    const rnd = mulberry32(symbolSeed(seed, symbol));
    const z = (): number => (rnd() + rnd() + rnd() + rnd() - 2) * SQRT3;
    const cols: SymbolColumns = {
      time: new Float64Array(slots),
      open: new Float64Array(slots),
      high: new Float64Array(slots),
      low: new Float64Array(slots),
      close: new Float64Array(slots),
      volume: new Float64Array(slots),
      length: 0,
    };
    let price = startPrice * (0.5 + rnd());
    let n = 0;
    for (const s of sessions as readonly Session[]) {
      const span = s.close - s.open;
      price *= 1 + 3 * volatility * z();
      for (let t = s.open; t < s.close; t += interval) {
        const open = price;
        // Held at MAX_PRICE: a drift would otherwise walk it to infinity within a long run.
        price = Math.min(open * (1 + drift + volatility * z()), MAX_PRICE);
        const close = price;
        const up = 1 + 0.5 * volatility * Math.abs(z());
        const down = 1 - 0.5 * volatility * Math.abs(z());
        const x = (t - s.open) / span;
        const shape = 1 + 1.5 * (2 * x - 1) * (2 * x - 1);
        const v = Math.max(1, Math.round(volume * (0.2 + 1.6 * rnd()) * shape * 0.6));
        if (missing > 0 && rnd() < missing) continue;
        const o = Math.max(floor, round(open));
        const c = Math.max(floor, round(close));
        const h = Math.max(o, c, round(Math.max(open, close) * up));
        const l = Math.max(floor, Math.min(o, c, round(Math.min(open, close) * down)));
        cols.time[n] = t;
        cols.open[n] = o;
        cols.high[n] = h;
        cols.low[n] = l;
        cols.close[n] = c;
        cols.volume[n] = v;
        n++;
      }
      // Keeps the walk off zero (and on the price grid's scale) whatever the parameters.
      if (price < floor) price = floor;
    }
    const exact: SymbolColumns =
      n === slots
        ? { ...cols, length: n }
        : {
            time: cols.time.slice(0, n),
            open: cols.open.slice(0, n),
            high: cols.high.slice(0, n),
            low: cols.low.slice(0, n),
            close: cols.close.slice(0, n),
            volume: cols.volume.slice(0, n),
            length: n,
          };
    store.add(symbol, exact);
    total += n;
  }
  const names = Object.freeze(store.symbols());
  return {
    kind: 'columns',
    symbols: names,
    bars: total,
    load: (request?: LoadRequest) => {
      try {
        return Promise.resolve(store.load(request));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/** The highest a price walks to, and the highest `startPrice`. */
const MAX_PRICE = 1e12;
/** The highest mean `volume`. */
const MAX_VOLUME = 1e12;

function positive(param: string, x: number, max: number): number {
  if (!(typeof x === 'number' && Number.isFinite(x) && x > 0 && x <= max)) throw new ConfigError(param, `${describe(x)} is not a number in (0, ${max.toExponential()}]`);
  return x;
}

function symbolList(symbols: readonly string[] | number | undefined): string[] {
  if (symbols === undefined) return ['SYNA', 'SYNB', 'SYNC', 'SYND'];
  if (typeof symbols === 'number') {
    if (!Number.isInteger(symbols) || symbols < 1 || symbols > 100_000) throw new ConfigError('symbols', `${describe(symbols)} is not a whole number in [1, 100000]`);
    const width = Math.max(3, String(symbols).length);
    return Array.from({ length: symbols }, (_, i) => `S${String(i + 1).padStart(width, '0')}`);
  }
  if (!Array.isArray(symbols) || symbols.length === 0) throw new ConfigError('symbols', 'expected a non-empty array of names or a count');
  const seen = new Set<string>();
  for (const s of symbols as readonly unknown[]) {
    if (typeof s !== 'string' || s === '') throw new ConfigError('symbols', `${show(s)} is not a symbol name`);
    if (seen.has(s)) throw new ConfigError('symbols', `'${s}' is given twice`);
    seen.add(s);
  }
  return [...symbols];
}
