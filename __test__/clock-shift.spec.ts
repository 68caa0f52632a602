/**
 * Clock alignment on the days the clocks change: buckets start where the exchange's clock shows a
 * multiple of their length. The expected buckets come from a naive rule written here: with a bar
 * every minute, a bucket starts at each bar whose local time of day (read with Intl, not luxon) is
 * a multiple of the interval, and at the session's first bar.
 */
import test from 'ava';
import { Calendar, SessionData, SessionError, sessionOn } from 'barstream';
import type { Bar, Session } from 'barstream';
import { MINUTE } from './helpers/sessions.js';

const NY = 'America/New_York';
const clocks = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight that the clock of `zone` (New York unless given) shows at `t`. */
function wallMinutes(t: number, zone = NY): number {
  let clock = clocks.get(zone);
  if (clock === undefined) {
    clock = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    clocks.set(zone, clock);
  }
  const parts = Object.fromEntries(clock.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  return Number(parts.hour) * 60 + Number(parts.minute);
}

/**
 * The naive buckets of a session with a bar every minute: `[start, minutes]` each. The first
 * starts where the clock last showed a multiple before the open, or at the day's first instant
 * when that multiple never showed (a midnight the clocks skipped).
 */
function naive(s: Session, minutes: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = s.open; t < s.close; t += MINUTE) {
    const wall = wallMinutes(t, s.timeZone);
    if (out.length === 0) out.push([Math.max(t - (wall % minutes) * MINUTE, s.dayStart), 0]);
    else if (wall % minutes === 0) out.push([t, 0]);
    (out[out.length - 1] as [number, number])[1]++;
  }
  return out;
}

function derived(s: Session, intervals: string[], baseInterval = '1m'): [number, number][][] {
  const data = new SessionData({ baseInterval, intervals, alignment: 'clock' });
  data.beginSession(s);
  const step = baseInterval === '1h' ? 60 * MINUTE : MINUTE;
  for (let t = s.open; t < s.close; t += step) data.append('X', { time: t, open: 1, high: 1, low: 1, close: 1, volume: 1 } as Bar);
  data.endSession();
  return intervals.map((iv) => {
    const v = data.bars('X', iv);
    return Array.from({ length: v.length }, (_, i): [number, number] => [v.time[i] as number, v.volume[i] as number]);
  });
}

const calendar = Calendar.custom({
  timeZone: NY,
  sessions: [
    { date: '2024-03-08', open: '18:00', close: '23:00' },
    { date: '2024-03-10', open: '00:00', close: '24:00' },
    { date: '2024-11-03', open: '00:00', close: '24:00' },
  ],
});

for (const date of ['2024-03-08', '2024-03-10', '2024-11-03']) {
  test(`${date}: clock-aligned 15m, 1h, 2h and 4h buckets start where New York's clock shows their multiples`, (t) => {
    const s = calendar.session(date);
    if (s === null) return t.fail('no session');
    const intervals = ['15m', '1h', '2h', '4h'];
    const got = derived(s, intervals);
    intervals.forEach((iv, k) => t.deepEqual(got[k], naive(s, [15, 60, 120, 240][k] as number), iv));
  });
}

test('an evening session on the day the clocks go forward (the review case): 2h bars at 18:00, 20:00 and 22:00', (t) => {
  const s = sessionOn('2024-03-10', { open: '18:00', close: '23:00', timeZone: NY });
  const [twos] = derived(s, ['2h']);
  t.deepEqual(twos?.map(([time]) => wallMinutes(time) / 60), [18, 20, 22]);
  t.deepEqual(twos?.map(([, n]) => n), [120, 120, 60]);
});

test('under clock alignment a dayStart that is not the local midnight is refused; left out, it is worked out', (t) => {
  const s = sessionOn('2024-03-07', { open: '09:30', close: '16:00', timeZone: NY });
  const data = new SessionData({ intervals: ['90m'], alignment: 'clock' });
  const e = t.throws(() => data.beginSession({ ...s, dayStart: Date.UTC(2024, 2, 7) }));
  t.true(e instanceof SessionError);
  t.is((e as SessionError).code, 'invalid_session');
  t.regex((e as Error).message, /is not midnight of 2024-03-07 in America\/New_York/);
  t.is(data.session, null);
  const { dayStart: _, ...withoutDayStart } = s;
  data.beginSession(withoutDayStart);
  t.is(data.session?.dayStart, s.dayStart);
  // Under session alignment the midnight anchors nothing: any dayStart before the open is taken.
  const bySession = new SessionData({ intervals: ['90m'] });
  t.notThrows(() => bySession.beginSession({ ...s, dayStart: Date.UTC(2024, 2, 7) }));
});

test('a day whose midnight the clocks skip (Havana, 2024-03-10: 00:00 -> 01:00): buckets on the clock from the first instant', (t) => {
  const s = sessionOn('2024-03-10', { open: '01:00', close: '09:00', timeZone: 'America/Havana' });
  t.is(wallMinutes(s.dayStart, 'America/Havana'), 60, 'the day starts at 01:00');
  const intervals = ['1h', '2h', '90m'];
  const got = derived(s, intervals);
  intervals.forEach((iv, k) => t.deepEqual(got[k], naive(s, [60, 120, 90][k] as number), iv));
  t.deepEqual(got[1]?.map(([time, n]) => [wallMinutes(time, 'America/Havana') / 60, n]), [[1, 60], [2, 120], [4, 120], [6, 120], [8, 60]]);
});

test('a session that runs past midnight into the day the clocks change has its buckets on the clock after the change too', (t) => {
  for (const [date, zone] of [['2024-03-09', NY], ['2024-11-02', NY], ['2024-04-06', 'Australia/Sydney']] as const) {
    const open = sessionOn(date, { open: '18:00', close: '23:00', timeZone: zone });
    // 18:00 to 16:00 the next day.
    const next = sessionOn(new Date(Date.parse(`${date}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10), { open: '16:00', close: '17:00', timeZone: zone });
    const s: Session = { ...open, close: next.open };
    const got = derived(s, ['2h', '4h']);
    t.deepEqual(got[0], naive(s, 120), `${zone} ${date} 2h`);
    t.deepEqual(got[1], naive(s, 240), `${zone} ${date} 4h`);
  }
});

test('a change by less than a base bar before the open (Lord Howe moves by 30 minutes) does not refuse a 1h base', (t) => {
  const s = sessionOn('2024-04-07', { open: '10:00', close: '16:00', timeZone: 'Australia/Lord_Howe' });
  const [twos] = derived(s, ['2h'], '1h');
  t.deepEqual(twos?.map(([time, n]) => [wallMinutes(time, 'Australia/Lord_Howe') / 60, n]), [[10, 2], [12, 2], [14, 2]]);
});

test('a clock-aligned session that lives through two changes of the clocks is refused, not bucketed an hour off after the second', (t) => {
  // 2024-01-02 to 2024-12-30 in New York: the clocks go forward on 2024-03-10 and back on 2024-11-03.
  const from = sessionOn('2024-01-02', { open: '00:00', close: '24:00', timeZone: NY });
  const until = sessionOn('2024-12-30', { open: '00:00', close: '24:00', timeZone: NY });
  const s: Session = { ...from, close: until.open };
  const data = new SessionData({ intervals: ['2h'], alignment: 'clock' });
  const e = t.throws(() => data.beginSession(s));
  t.true(e instanceof SessionError);
  t.is((e as SessionError).code, 'invalid_session');
  t.regex((e as Error).message, /2024-03-10T07:00:00\.000Z and 2024-11-03T06:00:00\.000Z/);
  t.is(data.session, null);
  // Through the first change only, it is taken, and a bar after that change is on the clock:
  // 10:00 EDT starts a 2h bucket.
  const spring: Session = { ...from, close: Date.UTC(2024, 9, 1) };
  data.beginSession(spring);
  const ten = Date.UTC(2024, 8, 3, 14);
  t.is(wallMinutes(ten), 600);
  data.append('X', { time: ten + MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  t.is(data.forming('X', '2h')?.time, ten);
  // Session alignment counts elapsed time from the open: any length is taken.
  t.notThrows(() => new SessionData({ intervals: ['2h'] }).beginSession(s));
});
