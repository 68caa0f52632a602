import test from 'ava';
import { AnalysisEngine, Calendar, SessionCoordinator, SessionData, csvSource } from 'barstream';
import type { Bar, Session } from 'barstream';
import { MINUTE_DATA_DIR, minuteDataAvailable, readMinuteBars } from './helpers/csv.js';
import { aggregateSession } from './helpers/naive.js';
import { nySummerSession } from './helpers/sessions.js';

const DATES = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];
const SYMBOLS = ['SPY', 'IBM', 'BAC'];
const INTERVALS = ['5m', '15m', '30m', '1h', '1d'];

if (!minuteDataAvailable()) {
  test.skip('end to end over real data (skipped: ../shared/data/minute is absent)', () => {});
} else {
  for (const alignment of ['session', 'clock'] as const) {
    test(`end to end (${alignment}): SPY, IBM and BAC from CSV through the coordinator for six XNYS sessions; every derived bar delivered equals an independent aggregation`, async (t) => {
      const data = new SessionData({ intervals: INTERVALS, alignment });
      const engine = new AnalysisEngine();
      const delivered = new Map<string, Bar[]>();
      for (const interval of INTERVALS) {
        engine.subscribe({ interval, symbols: SYMBOLS, name: `collect-${interval}` }, (e) => {
          const k = `${e.symbol}/${e.interval}`;
          delivered.set(k, [...(delivered.get(k) ?? []), e.bar]);
        });
      }
      const report = await new SessionCoordinator({
        calendar: Calendar.xnys({ hours: 'regular' }),
        data,
        engine,
        source: csvSource(MINUTE_DATA_DIR),
        from: '2013-10-04',
        to: '2013-10-11',
      }).run();
      t.is(report.sessions, 6);
      // The calendar's sessions are the hand-built summer-time sessions of the test helpers.
      const sessions: Session[] = DATES.map(nySummerSession);
      let derived = 0;
      for (const symbol of SYMBOLS) {
        const bars = readMinuteBars(symbol);
        for (const interval of INTERVALS) {
          const expected = sessions.flatMap((s) => aggregateSession(bars.filter((b) => b.time >= s.open && b.time < s.close), s, interval, alignment));
          t.deepEqual(delivered.get(`${symbol}/${interval}`), expected, `${symbol} ${interval}`);
          derived += expected.length;
        }
      }
      t.is(report.derivedBars, derived);
      t.is(report.delivered, derived);
      t.is(report.barsIn, report.barsStored + Object.values(report.rejected).reduce((a, b) => a + b, 0));
      t.is(report.rejected.outside_session, report.barsIn - report.barsStored);
    });
  }
}
