/**
 * The summary table `barstream backtest` prints.
 * @module
 */
import Table from 'cli-table3';
import type { BacktestResult } from './backtest.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const us = (ns: number | undefined): string => (ns === undefined ? '-' : (ns / 1000).toFixed(ns < 10_000 ? 2 : 1));

/** The run summary as a text table. */
export function summaryTable(result: BacktestResult): string {
  const r = result.report;
  const t = new Table({ style: { head: [], border: [] } });
  const rejected = Object.entries(r.rejected).filter(([, n]) => n > 0);
  const buys = result.signals.filter((s) => s.side === 'buy').length;
  t.push(
    ['strategy', result.strategy],
    ['mode', `${r.mode}, ${r.drive}-driven${r.drive === 'clock' ? ` at speed ${r.speed}` : ''}`],
    ['sessions', int(r.sessions)],
    ['symbols', r.symbols.join(', ')],
    ['base bars in', int(r.barsIn)],
    ['stored', int(r.barsStored)],
    ['rejected', rejected.length === 0 ? '0' : rejected.map(([code, n]) => `${code} ${int(n)}`).join(', ')],
    ['derived bars', `${int(r.derivedBars)} (${Object.entries(r.closedBars).slice(1).map(([i, n]) => `${i} ${int(n)}`).join(', ')})`],
    ['bar events delivered', int(r.delivered)],
    ['signals', `${result.signals.length} (${buys} buy, ${result.signals.length - buys} sell)`],
    ['subscriber errors', int(r.subscriberErrorCount)],
    ['overruns', `${r.overruns.length}${r.maxLagMs > 0 ? `, max lag ${r.maxLagMs.toFixed(1)} ms` : ''}`],
    ['wall time', `${r.durationMs.toFixed(0)} ms`],
    ['throughput', `${int(r.barsPerSecond)} bars/s`],
  );
  const lat = new Table({ head: ['stage', 'count', 'p50 us', 'p99 us', 'max us'], style: { head: [], border: [] } });
  for (const [stage, s] of Object.entries(r.metrics)) {
    lat.push([stage, int(s.count), us(s.p50Ns), us(s.p99Ns), us(s.maxNs)]);
  }
  return `${t.toString()}\n${lat.toString()}`;
}
