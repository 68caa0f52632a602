/** Shared by the live-run tests: a by-hand 3s aggregation of 1s bars and a bar without its symbol. */
import type { Bar, SymbolBar } from 'barstream';

const SECOND = 1000;

/** 3s bars folded by hand from 1s bars (session-aligned buckets from `open`; an empty bucket makes no bar). */
export function threeSecond(bars: readonly Bar[], open: number): Bar[] {
  const groups = new Map<number, Bar[]>();
  for (const b of bars) {
    const k = Math.floor((b.time - open) / (3 * SECOND));
    groups.set(k, [...(groups.get(k) ?? []), b]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([k, g]) => ({
    time: open + k * 3 * SECOND,
    open: g[0]!.open,
    high: Math.max(...g.map((b) => b.high)),
    low: Math.min(...g.map((b) => b.low)),
    close: g[g.length - 1]!.close,
    volume: g.reduce((a, b) => a + b.volume, 0),
  }));
}

/** The bar without its symbol. */
export const plain = ({ symbol: _, ...bar }: SymbolBar): Bar => bar;
