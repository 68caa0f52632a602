/**
 * computeIndicator(s)' sessionStarts are strictly ascending bar indices from 0 to the number of
 * bars: a repeated or descending index is a ConfigError naming sessionStarts, as every other bad
 * value of it is, and valid starts give what they gave before.
 */
import test from 'ava';
import { ConfigError, computeIndicator, computeIndicators } from 'barstream';

const COLUMNS = { close: [10, 11, 12, 13, 14], high: [11, 12, 13, 14, 15], low: [9, 10, 11, 12, 13], volume: [1, 2, 3, 4, 5] };
const VWAP = { kind: 'vwap' } as const;

test('repeated, descending or past-the-end session starts are a ConfigError naming sessionStarts, from both batch functions', (t) => {
  const input = { ...COLUMNS, close: Float64Array.from(COLUMNS.close) };
  const before = [...input.close];
  const cases: [number[], RegExp][] = [
    [[2, 2], /got 2 after 2 at position 1/],
    [[0, 0], /got 0 after 0 at position 1/],
    [[3, 1], /got 1 after 3 at position 1/],
    [[0, 2, 4, 4], /got 4 after 4 at position 3/],
    [[6], /got 6 at position 0/],
  ];
  for (const [starts, why] of cases) {
    for (const [name, call] of [
      ['computeIndicator', () => computeIndicator(VWAP, input, starts)],
      ['computeIndicators', () => computeIndicators([VWAP, { kind: 'sma', period: 2 }], input, starts)],
    ] as const) {
      const label = `${name} ${JSON.stringify(starts)}`;
      const e = t.throws(call, undefined, label);
      t.true(e instanceof ConfigError, `${label}: ${String(e)}`);
      t.is((e as ConfigError).param, 'sessionStarts', label);
      t.regex((e as ConfigError).message, /strictly ascending bar indices from 0 to 5/, label);
      t.regex((e as ConfigError).message, why, label);
    }
  }
  t.deepEqual([...input.close], before);
});

test('valid session starts give the same values as before: restarts at each, the bar count itself allowed', (t) => {
  const tp = COLUMNS.close.map((c, i) => ((COLUMNS.high[i] as number) + (COLUMNS.low[i] as number) + c) / 3);
  const vwapFrom = (starts: number[]): number[] => {
    let pv = 0;
    let v = 0;
    return tp.map((p, i) => {
      if (starts.includes(i)) {
        pv = 0;
        v = 0;
      }
      pv += p * (COLUMNS.volume[i] as number);
      v += COLUMNS.volume[i] as number;
      return pv / v;
    });
  };
  for (const starts of [[], [0], [2], [0, 2, 4], [5], [1, 3, 5]]) {
    const one = [...(computeIndicator(VWAP, COLUMNS, starts).vwap as Float64Array)];
    const many = [...(computeIndicators([VWAP], COLUMNS, starts).vwap as Float64Array)];
    t.deepEqual(one, many, JSON.stringify(starts));
    one.forEach((x, i) => t.true(Math.abs(x - (vwapFrom(starts)[i] as number)) < 1e-12, `${JSON.stringify(starts)} at ${i}`));
  }
  t.deepEqual([...(computeIndicator(VWAP, COLUMNS).vwap as Float64Array)], [...(computeIndicator(VWAP, COLUMNS, [0]).vwap as Float64Array)]);
});
