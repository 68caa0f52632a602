/**
 * Suite `bars`: the cost of `bars()` (zero-copy views) on a 1,000,000-bar series against a
 * 1,000-bar series, ns per call. Target: the large series within 2x of the small one (a view
 * copies no bar, so its cost must not grow with the series).
 * @module
 */
import { SessionData } from 'barstream';
import type { BarsView } from 'barstream';
import {
  MINUTE,
  assertSameBars,
  fingerprint,
  fmt,
  generateColumns,
  makeBench,
  printSummary,
  printTimings,
  taskTiming,
  verifiedLine,
} from './common.js';
import type { Columns, Row } from './common.js';

const LARGE = 1_000_000;
const SMALL = 1_000;
const CALLS = 1_000;
const TARGET_RATIO = 2;
const OPEN = Date.UTC(2024, 0, 1);

function filled(cols: Columns): SessionData {
  const n = cols.time.length;
  const store = new SessionData({ intervals: ['5m'] });
  store.beginSession({ date: '2024-01-01', open: OPEN, close: OPEN + n * MINUTE, timeZone: 'UTC', dayStart: OPEN });
  store.appendMany('X', cols);
  store.endSession();
  return store;
}

/** Every value of a view against its input columns. */
function sameAsInput(label: string, view: BarsView, cols: Columns): void {
  const keys = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
  if (view.length !== cols.time.length) throw new Error(`${label}: view length ${view.length} != ${cols.time.length}`);
  for (const k of keys) {
    const a = view[k];
    const b = cols[k];
    for (let i = 0; i < b.length; i++) {
      if (a[i] !== b[i]) throw new Error(`${label}: ${k}[${i}] ${a[i]} != ${b[i]}`);
    }
  }
}

export async function run(): Promise<Row[]> {
  console.log(`\n## bars: bars() on a ${LARGE.toLocaleString('en-US')}-bar vs a ${SMALL.toLocaleString('en-US')}-bar series (${CALLS} calls per timed task)`);
  const largeCols = generateColumns(0xb1a5, LARGE, OPEN);
  const smallCols = generateColumns(0xb1a5, SMALL, OPEN);
  const large = filled(largeCols);
  const small = filled(smallCols);

  // Verification, outside timing: the views hold exactly the appended bars, and the 5m bars of the
  // small series equal the first 5m bars of the large one (same seed, same prefix).
  sameAsInput('1m view, large', large.bars('X', '1m'), largeCols);
  sameAsInput('1m view, small', small.bars('X', '1m'), smallCols);
  const small5 = small.bars('X', '5m');
  const large5 = large.bars('X', '5m');
  if (large5.length !== LARGE / 5 || small5.length !== SMALL / 5) throw new Error('unexpected 5m bar counts');
  const prefix: Columns = {
    time: large5.time.subarray(0, small5.length),
    open: large5.open.subarray(0, small5.length),
    high: large5.high.subarray(0, small5.length),
    low: large5.low.subarray(0, small5.length),
    close: large5.close.subarray(0, small5.length),
    volume: large5.volume.subarray(0, small5.length),
  };
  assertSameBars('bars 5m prefix', fingerprint(small5), fingerprint(prefix));
  console.log(verifiedLine([
    { label: '1m (large)', count: LARGE },
    { label: '1m (small)', count: SMALL },
    { label: '5m (large)', count: large5.length },
    { label: '5m (small, = prefix of large)', count: small5.length },
  ]));

  let sink = 0;
  const bench = makeBench({ time: 1500, warmupTime: 200 });
  bench
    .add(`bars() on ${LARGE.toLocaleString('en-US')} bars`, () => {
      for (let i = 0; i < CALLS; i++) {
        const v = large.bars('X', '1m');
        sink += v.length;
      }
    })
    .add(`bars() on ${SMALL.toLocaleString('en-US')} bars`, () => {
      for (let i = 0; i < CALLS; i++) {
        const v = small.bars('X', '1m');
        sink += v.length;
      }
    });
  await bench.run();
  if (sink === 0) throw new Error('no bars read');

  const big = taskTiming(bench, `bars() on ${LARGE.toLocaleString('en-US')} bars`);
  const little = taskTiming(bench, `bars() on ${SMALL.toLocaleString('en-US')} bars`);
  printTimings(`bars: per timed task (${CALLS} calls)`, [big, little], { per: CALLS, label: 'ns/call' });
  const nsBig = (big.mean * 1e6) / CALLS;
  const nsSmall = (little.mean * 1e6) / CALLS;
  const ratio = nsBig / nsSmall;
  const rows: Row[] = [
    {
      suite: 'bars',
      name: 'bars() 1M-bar series vs 1k-bar series (ns/call)',
      barstream: `${fmt(nsBig)} ns (1M bars)`,
      peer: `${fmt(nsSmall)} ns (1k bars)`,
      ratio: `${fmt(ratio)}x`,
      target: `≤ ${TARGET_RATIO}x`,
      met: ratio <= TARGET_RATIO,
    },
  ];
  printSummary('bars', rows);
  return rows;
}
