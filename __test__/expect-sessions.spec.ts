/**
 * `expectSessions(n)` takes a whole number from 0 to 2^32 - 1; its ConfigError says so, so that a
 * large whole number is not told it is "not a whole number >= 0". A refused call changes nothing.
 */
import test from 'ava';
import { ConfigError, SessionData, sessionOn } from 'barstream';
import type { Session } from 'barstream';

/** Begins `session` and appends one bar at its open for each of `symbols` symbols; returns how far RSS grew meanwhile. */
function oneBarEach(data: SessionData, session: Session, symbols: number): number {
  data.beginSession(session);
  const before = process.memoryUsage().rss;
  for (let s = 0; s < symbols; s++) data.append(`S${s}`, { time: session.open, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  return process.memoryUsage().rss - before;
}

test('expectSessions past 2^32 - 1 is a ConfigError that gives the range, and changes nothing', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  for (const n of [2 ** 32, 1e12]) {
    const e = t.throws(() => data.expectSessions(n), { instanceOf: ConfigError });
    t.is(e?.param, 'sessions');
    t.true(e?.message.includes(`${n} is not a whole number from 0 to 4294967295`), e?.message);
  }
  for (const n of [-1, 1.5, NaN]) t.throws(() => data.expectSessions(n), { instanceOf: ConfigError, message: /is not a whole number from 0 to 4294967295/ });
  // Nothing was planned: a symbol that filled its first session reserves one session's room at its
  // second, as in a store never told, where a plan would have reserved its sessions (up to 2^20 bars).
  const unplanned = new SessionData({ intervals: ['5m'] });
  for (const date of ['2013-10-07', '2013-10-08']) {
    const session = sessionOn(date, { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
    for (const store of [data, unplanned]) {
      store.beginSession(session);
      const last = date === '2013-10-07' ? session.close : session.open + 60_000;
      for (let time = session.open; time < last; time += 60_000) store.append('A', { time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
      if (date === '2013-10-07') store.endSession();
    }
  }
  t.is(data.stats().allocatedBytes, unplanned.stats().allocatedBytes);
  data.expectSessions(4_294_967_295);
});

test('a plan reserves nothing for a symbol before it has traded a session: a wide universe of symbols with a bar each holds a session of room each, not the plan\'s', (t) => {
  const data = new SessionData({ intervals: ['5m', '1h', '1d'] });
  data.expectSessions(252);
  const session = sessionOn('2024-01-02', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  const symbols = 500;
  const grown = oneBarEach(data, session, symbols);
  // One session's room a symbol: 390 1m and 78 5m bars, and the smallest block (16 bars) for the
  // 7 1h bars and for the 1d bar; 48 bytes a bar. The plan, taken at the first bar, was 252 times
  // that: 5.76 MB a symbol, made resident by its first bar (a huge page a column).
  t.is(data.stats().allocatedBytes, symbols * (390 + 78 + 16 + 16) * 48);
  t.true(grown < 64 * 2 ** 20, `RSS grew ${(grown / 2 ** 20).toFixed(0)} MiB for ${symbols} bars`);
  data.endSession();
  // A symbol that then trades whole sessions takes the plan at its second.
  const next = sessionOn('2024-01-03', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  data.beginSession(next);
  for (let time = next.open; time < next.close; time += 60_000) data.append('S0', { time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  data.endSession();
  const third = sessionOn('2024-01-04', { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
  data.beginSession(third);
  data.append('S0', { time: third.open, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  t.true(data.stats().allocatedBytes > 200 * 390 * 48, `${data.stats().allocatedBytes} bytes`);
});

test('a symbol\'s first session holds no more room than a block off huge pages, however long: a day of seconds with one bar makes no megabytes resident', (t) => {
  const data = new SessionData({ baseInterval: '1s', intervals: ['1m'] });
  data.expectSessions(250);
  // 04:00 to 20:00: 57,600 one-second slots, 2.8 MB of six columns, which would be mapped on huge pages.
  const session = sessionOn('2024-01-02', { open: '04:00', close: '20:00', timeZone: 'America/New_York' });
  const symbols = 300;
  const grown = oneBarEach(data, session, symbols);
  // Each symbol's 1s block under 2 MiB, beside its session of 960 1m bars (48 bytes a bar).
  t.true(data.stats().allocatedBytes - symbols * 960 * 48 < symbols * 2 * 2 ** 20, `${data.stats().allocatedBytes} bytes`);
  t.true(grown < 64 * 2 ** 20, `RSS grew ${(grown / 2 ** 20).toFixed(0)} MiB for ${symbols} bars`);
  // A symbol that fills the session still stores every second of it.
  for (let time = session.open + 1000; time < session.close; time += 1000) data.append('S0', { time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  data.endSession();
  t.is(data.bars('S0', '1s').length, 57_600);
  t.is(data.bars('S0', '1m').length, 960);
});

test('expectSessions(0) takes a plan back: the store reserves one session at a time again', (t) => {
  const fill = (store: SessionData): number => {
    for (const date of ['2013-10-07', '2013-10-08']) {
      const session = sessionOn(date, { open: '09:30', close: '16:00', timeZone: 'America/New_York' });
      store.beginSession(session);
      const last = date === '2013-10-07' ? session.close : session.open + 60_000;
      for (let time = session.open; time < last; time += 60_000) store.append('A', { time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
      store.endSession();
    }
    return store.stats().allocatedBytes;
  };
  const planned = new SessionData({ intervals: ['5m'] });
  planned.expectSessions(20);
  const withdrawn = new SessionData({ intervals: ['5m'] });
  withdrawn.expectSessions(20);
  withdrawn.expectSessions(0);
  const never = fill(new SessionData({ intervals: ['5m'] }));
  t.is(fill(withdrawn), never);
  // The plan itself reserves more at the second session: the comparison can tell them apart.
  t.true(fill(planned) > never);
});
