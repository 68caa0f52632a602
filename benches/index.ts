/**
 * Runs the benchmark suites: `npm run bench` runs all of them, `npm run bench -- <suite> ...` only
 * the named ones (append, appendMany, bars, memory, indicatorsStream, indicatorsBatch, backtest, csvLoad).
 * Needs the release build (`npm run build`) and `node --expose-gc` (the `bench` script passes it).
 * @module
 */
import os from 'node:os';
import { markdownTable } from './common.js';
import type { Row } from './common.js';

type Suite = () => Promise<Row[]>;

const SUITES: Record<string, () => Promise<Suite>> = {
  append: async () => (await import('./append.js')).run,
  appendMany: async () => (await import('./append-many.js')).run,
  bars: async () => (await import('./bars.js')).run,
  memory: async () => (await import('./memory.js')).run,
  indicatorsStream: async () => (await import('./indicators-stream.js')).run,
  indicatorsBatch: async () => (await import('./indicators-batch.js')).run,
  backtest: async () => (await import('./backtest.js')).run,
  csvLoad: async () => (await import('./csv-load.js')).run,
};

function pick(args: string[]): string[] {
  if (args.length === 0) return Object.keys(SUITES);
  const names = Object.keys(SUITES);
  return args.map((a) => {
    const name = names.find((n) => n.toLowerCase() === a.toLowerCase().replace(/[-_]/g, ''));
    if (name === undefined) {
      console.error(`unknown suite '${a}'; suites: ${names.join(', ')}`);
      process.exit(2);
    }
    return name;
  });
}

async function main(): Promise<void> {
  const chosen = pick(process.argv.slice(2));
  if (typeof globalThis.gc !== 'function') {
    console.warn('warning: run with node --expose-gc (npm run bench does): garbage is not collected between tasks and the memory suite cannot run');
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`barstream benchmarks: ${chosen.join(', ')}`);
  const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`node ${process.version}, ${os.cpus().length} x ${cpu}, ${os.platform()} ${os.arch()}, ${new Date().toISOString()}`);
  console.log(`load average at start: ${load()} (other processes compete for the CPU when this is well above 0)`);
  const started = performance.now();
  const rows: Row[] = [];
  for (const name of chosen) {
    const loadSuite = SUITES[name];
    if (loadSuite === undefined) continue;
    const t0 = performance.now();
    rows.push(...(await (await loadSuite())()));
    console.log(`\n(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  console.log(`\n## Summary (${((performance.now() - started) / 1000).toFixed(1)} s in all; load average at end: ${load()})\n`);
  console.log(markdownTable(rows, true));
  const missed = rows.filter((r) => r.met === false);
  console.log(missed.length === 0 ? '\nEvery target met.' : `\nTargets not met: ${missed.map((r) => `${r.suite}: ${r.name} (${r.barstream}; target ${r.target})`).join('; ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
