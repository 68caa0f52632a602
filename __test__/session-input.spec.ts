/**
 * A session given to `beginSession` with its `dayStart` under clock alignment: the README says
 * that dayStart must be midnight of the session's date in its time zone. A date or a time zone
 * that names no midnight (a typo in the zone, an impossible date) cannot be checked, and is
 * refused as `invalid_session` rather than taken with buckets anchored without the zone's
 * daylight-saving changes.
 */
import test from 'ava';
import { ConfigError, InputError, SessionData, SessionError, csvSource, sessionOn } from 'barstream';
import type { Bar, Session } from 'barstream';

// 2024-03-04 09:30-16:00 in New York (EST, UTC-5): open 14:30Z, close 21:00Z, midnight 05:00Z.
const S: Session = {
  date: '2024-03-04',
  open: Date.UTC(2024, 2, 4, 14, 30),
  close: Date.UTC(2024, 2, 4, 21),
  timeZone: 'America/New_York',
  dayStart: Date.UTC(2024, 2, 4, 5),
};

for (const [label, patch] of [
  ['an unknown time zone', { timeZone: 'America/NewYork' }],
  ['an empty time zone', { timeZone: '' }],
  ['an impossible date', { date: '2024-02-30' }],
  ['a malformed date', { date: '4 March 2024' }],
] as const) {
  test(`clock alignment: a session with dayStart and ${label} is invalid_session, and no session opens`, (t) => {
    const data = new SessionData({ intervals: ['1h'], alignment: 'clock' });
    const e = t.throws(() => data.beginSession({ ...S, ...patch }), { instanceOf: SessionError });
    t.is(e?.code, 'invalid_session');
    t.regex(e?.message ?? '', /midnight/);
    t.is(data.session, null);
    // The store is as new: the good session opens and takes a bar.
    data.beginSession(S);
    data.append('A', { time: S.open, open: 1, high: 1, low: 1, close: 1, volume: 1 });
    t.is(data.count('A', '1m'), 1);
  });
}

test('clock alignment: a session with its right dayStart still opens', (t) => {
  const data = new SessionData({ intervals: ['1h'], alignment: 'clock' });
  data.beginSession(S);
  t.is(data.session?.dayStart, S.dayStart);
});

test('append of an array is an InputError that changes nothing: no symbol made, no rejection counted', (t) => {
  const data = new SessionData();
  const session = sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  data.beginSession(session);
  const e = t.throws(() => data.append('A', [session.open, 1, 1, 1, 1, 1] as unknown as Bar), { instanceOf: InputError });
  t.regex(e?.message ?? '', /got an array \(appendValues takes the fields as arguments\)/);
  t.deepEqual(data.symbols(), []);
  t.true(Object.values(data.rejections()).every((n) => n === 0));
  t.deepEqual(data.appendValues('A', session.open, 1, 1, 1, 1, 1), ['1m']);
});

test("sessionOn and csvSource refuse the machine's own zone ('local', 'system'): the same call would mean other times on another machine", (t) => {
  for (const timeZone of ['local', 'system', 'UTC+5']) {
    const e = t.throws(() => sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone }), { instanceOf: ConfigError }, timeZone);
    t.is(e?.param, 'timeZone');
    t.regex(e?.message ?? '', timeZone === 'UTC+5' ? /is not an IANA time zone name such as 'America\/New_York'$/ : /machine's own zone differs between machines/);
  }
  for (const timeZone of ['local', 'system']) {
    const e = t.throws(() => csvSource('bars.csv', { timeZone }), { instanceOf: ConfigError }, timeZone);
    t.regex(e?.message ?? '', /machine's own time zone/);
  }
  // By hand: 09:30 in New York on 2013-10-07 (summer time, UTC-4) is 13:30Z.
  t.is(sessionOn('2013-10-07', { open: '09:30', close: '16:00', timeZone: 'America/New_York' }).open, Date.UTC(2013, 9, 7, 13, 30));
});

test('SessionData options: an array is refused, and a capacity past 2^32 - 1 is told the range', (t) => {
  const Make = SessionData as unknown as new (options: unknown) => SessionData;
  t.is(t.throws(() => new Make([]), { instanceOf: ConfigError })?.param, 'options');
  for (const param of ['capacityHint', 'retainSessions']) {
    const e = t.throws(() => new Make({ [param]: 2 ** 32 }), { instanceOf: ConfigError });
    t.is(e?.param, param);
    t.regex(e?.message ?? '', /4294967296 is not a whole number from 1 to 2\^32 - 1 \(4294967295\)/);
  }
  t.is(new Make({ capacityHint: 2 ** 32 - 1 }).intervals.length, 1);
});
