/**
 * `expectSessions(n)` takes a whole number from 0 to 2^32 - 1; its ConfigError says so, so that a
 * large whole number is not told it is "not a whole number >= 0". A refused call changes nothing.
 */
import test from 'ava';
import { ConfigError, SessionData, sessionOn } from 'barstream';

test('expectSessions past 2^32 - 1 is a ConfigError that gives the range, and changes nothing', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  for (const n of [2 ** 32, 1e12]) {
    const e = t.throws(() => data.expectSessions(n), { instanceOf: ConfigError });
    t.is(e?.param, 'sessions');
    t.true(e?.message.includes(`${n} is not a whole number from 0 to 4294967295`), e?.message);
  }
  for (const n of [-1, 1.5, NaN]) t.throws(() => data.expectSessions(n), { instanceOf: ConfigError, message: /is not a whole number from 0 to 4294967295/ });
  // Nothing was planned: one 390-bar session of 1m and 5m bars reserves one session's room, 48 bytes a bar.
  const session = sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  const planned = new SessionData({ intervals: ['5m'] });
  data.beginSession(session);
  planned.beginSession(session);
  const bar = { time: session.open, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  data.append('A', bar);
  planned.append('A', bar);
  t.is(data.stats().allocatedBytes, planned.stats().allocatedBytes);
  data.expectSessions(4_294_967_295);
});
