/**
 * `SessionCoordinator`'s `from` and `to`: a date that is not a calendar date (February 30th, month
 * 13) is a ConfigError naming it, at construction, as a malformed one is; never a "before from"
 * about a date that does not exist, nor a run that starts and fails in the calendar. A value that
 * is not a string is described as what it is.
 */
import test from 'ava';
import { Calendar, ConfigError, SessionCoordinator, SessionData, syntheticSource } from 'barstream';
import type { Session, SessionCalendar } from 'barstream';

const calendar = Calendar.xnys();
const source = syntheticSource({ sessions: calendar.sessions('2024-03-04', '2024-03-04'), symbols: ['A'] });

for (const [label, from, to, param] of [
  ['to on February 30th, after from', '2024-02-01', '2024-02-30', 'to'],
  ['to on February 30th, before from', '2024-03-04', '2024-02-30', 'to'],
  ['from in month 13', '2024-13-01', '2025-01-31', 'from'],
  ['from on day 00', '2024-03-00', '2024-03-04', 'from'],
] as const) {
  test(`${label}: a ConfigError naming ${param} and the date, at construction`, (t) => {
    const data = new SessionData({ intervals: ['5m'] });
    const e = t.throws(() => new SessionCoordinator({ calendar, data, source, from, to }), { instanceOf: ConfigError });
    t.is(e?.param, param);
    const bad = param === 'to' ? to : from;
    t.true(e?.message.includes(`'${bad}' is not a YYYY-MM-DD calendar date`), e?.message);
    t.is(data.session, null);
  });
}

test('a user calendar is never asked for an impossible date', (t) => {
  const asked: string[] = [];
  const user: SessionCalendar = {
    sessions(from: string, to: string): Session[] {
      asked.push(from, to);
      return [];
    },
  };
  const data = new SessionData();
  t.throws(() => new SessionCoordinator({ calendar: user, data, source, from: '2023-02-29', to: '2023-03-01' }), { instanceOf: ConfigError, message: /'2023-02-29' is not a YYYY-MM-DD calendar date/ });
  t.deepEqual(asked, []);
});

test('a Date for from is described as a Date, not as a string', (t) => {
  const data = new SessionData();
  const e = t.throws(() => new SessionCoordinator({ calendar, data, source, from: new Date(Date.UTC(2024, 2, 4)) as unknown as string, to: '2024-03-04' }), { instanceOf: ConfigError });
  t.is(e?.param, 'from');
  t.true(e?.message.includes('Date 2024-03-04T00:00:00.000Z'), e?.message);
});

test('real dates still run, leap days included', async (t) => {
  const data = new SessionData();
  const report = await new SessionCoordinator({
    calendar, data, from: '2024-02-29', to: '2024-02-29',
    source: syntheticSource({ sessions: calendar.sessions('2024-02-29', '2024-02-29'), symbols: ['A'] }),
  }).run();
  t.is(report.sessions, 1);
  t.is(report.barsStored, 390);
});
