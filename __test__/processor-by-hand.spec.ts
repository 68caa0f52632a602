/**
 * A DataProcessor driven by hand, as the README allows: every stored base bar reaches a base
 * subscriber, also when one slice holds several bars of a symbol, and a slice once sent is not
 * sent again. Expected figures are counted by hand.
 */
import test from 'ava';
import { AnalysisEngine, DataProcessor, PerformanceMetrics, SessionData, sessionOn } from 'barstream';

const s = sessionOn('2024-03-05', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
const MIN = 60_000;

function setup(): { data: SessionData; processor: DataProcessor; seen: string[] } {
  const data = new SessionData({ intervals: ['5m'] });
  const engine = new AnalysisEngine();
  const seen: string[] = [];
  engine.subscribe({ interval: '1m' }, (e) => void seen.push(`${e.symbol} ${e.index}`));
  engine.subscribe({ interval: '5m' }, (e) => void seen.push(`${e.symbol} 5m ${e.index}`));
  const processor = new DataProcessor(data, engine, new PerformanceMetrics(), { delivered() {}, failed() {} });
  processor.beginSession(s);
  return { data, processor, seen };
}

test('a slice holding several bars of one symbol delivers each of them to a base subscriber, in order', (t) => {
  const { data, processor, seen } = setup();
  processor.beginSlice();
  // A's 09:30 to 09:34 and B's 09:30, in one slice: A's five close the 09:30 5m bucket at 09:34.
  for (let k = 0; k < 5; k++) processor.append('A', s.open + k * MIN, 1, 2, 0.5, 1, 1);
  processor.append('B', s.open, 1, 2, 0.5, 1, 1);
  processor.endSlice();
  processor.dispatch();
  t.is(data.count('A', '1m'), 5);
  t.deepEqual(seen, ['A 0', 'A 1', 'A 2', 'A 3', 'A 4', 'B 0', 'A 5m 0']);
  t.is(processor.counts.delivered, 7);
  t.is(processor.counts.closedBars['1m'], 6);
  // The next slice: one bar each, one event each.
  seen.length = 0;
  processor.beginSlice();
  processor.append('A', s.open + 5 * MIN, 1, 2, 0.5, 1, 1);
  processor.append('B', s.open + MIN, 1, 2, 0.5, 1, 1);
  processor.endSlice();
  processor.dispatch();
  t.deepEqual(seen, ['A 5', 'B 1']);
});

test('a slice once sent is not sent again: a missing beginSlice, or a second endSlice, sends only what came after', (t) => {
  const { data, processor } = setup();
  processor.beginSlice();
  processor.append('A', s.open, 1, 2, 0.5, 1, 1);
  processor.endSlice();
  processor.dispatch();
  // No beginSlice: the bar goes in a slice of its own; the one before is not sent again.
  processor.append('A', s.open + MIN, 1, 2, 0.5, 1, 1);
  processor.endSlice();
  processor.endSlice();
  processor.dispatch();
  t.is(processor.counts.barsIn, 2);
  t.is(data.count('A', '1m'), 2);
  t.is(data.rejections('A').duplicate, 0);
});
