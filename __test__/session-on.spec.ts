import test from 'ava';
import { ConfigError, sessionOn } from 'barstream';

const NY = { open: '09:30', close: '16:00', timeZone: 'America/New_York' };

// Hand-checked: New York is UTC-4 in summer time (EDT) and UTC-5 in winter time (EST). In 2024 summer
// time began on Sunday 10 March and ended on Sunday 3 November.
test('sessionOn places the open and close in the time zone, across both daylight-saving changes', (t) => {
  const cases: [string, string, string, string][] = [
    ['2024-03-08', '2024-03-08T14:30:00Z', '2024-03-08T21:00:00Z', '2024-03-08T05:00:00Z'], // EST
    ['2024-03-11', '2024-03-11T13:30:00Z', '2024-03-11T20:00:00Z', '2024-03-11T04:00:00Z'], // EDT
    ['2024-11-01', '2024-11-01T13:30:00Z', '2024-11-01T20:00:00Z', '2024-11-01T04:00:00Z'], // EDT
    ['2024-11-04', '2024-11-04T14:30:00Z', '2024-11-04T21:00:00Z', '2024-11-04T05:00:00Z'], // EST
  ];
  for (const [date, open, close, dayStart] of cases) {
    const s = sessionOn(date, NY);
    t.deepEqual(
      [s.open, s.close, s.dayStart],
      [Date.parse(open), Date.parse(close), Date.parse(dayStart)],
      date,
    );
    t.is(s.date, date);
    t.is(s.timeZone, 'America/New_York');
  }
});

test('sessionOn: the day of a change itself has its midnight in the old offset', (t) => {
  // 2024-03-10 00:00 New York is still EST (05:00Z); the change happens at 02:00.
  t.is(sessionOn('2024-03-10', { open: '04:00', close: '20:00', timeZone: 'America/New_York' }).dayStart, Date.parse('2024-03-10T05:00:00Z'));
  t.is(sessionOn('2024-03-10', { open: '04:00', close: '20:00', timeZone: 'America/New_York' }).open, Date.parse('2024-03-10T08:00:00Z'));
});

test('sessionOn rejects a wall time in a daylight-saving gap, naming the parameter', (t) => {
  const err = t.throws(() => sessionOn('2024-03-10', { open: '02:30', close: '16:00', timeZone: 'America/New_York' }), {
    instanceOf: ConfigError,
  });
  t.is(err?.param, 'open');
  t.regex(err?.message ?? '', /daylight-saving gap/);
});

test('sessionOn accepts 24:00 as the end of the day', (t) => {
  const s = sessionOn('2024-01-02', { open: '00:00', close: '24:00', timeZone: 'UTC' });
  t.is(s.close - s.open, 86_400_000);
});

test('24:00 is the next day\'s first instant, also after a day whose midnight the clocks skipped (Havana, 2024-03-10)', (t) => {
  const s = sessionOn('2024-03-10', { open: '01:00', close: '24:00', timeZone: 'America/Havana' });
  t.is(s.open, Date.UTC(2024, 2, 10, 5), '01:00 CDT, the day\'s first instant');
  t.is(s.close, Date.UTC(2024, 2, 11, 4), '00:00 CDT on the 11th: 23 hours later');
});

test('sessionOn refuses a key of hours other than open, close and timeZone with a ConfigError naming it', (t) => {
  for (const key of ['extra', 'timezone', 'earlyClose']) {
    const hours = { ...NY, [key]: 1 };
    const e = t.throws(() => sessionOn('2024-03-08', hours as typeof NY), undefined, key);
    t.true(e instanceof ConfigError, `${key}: ${String(e)}`);
    t.is((e as ConfigError).param, key);
    t.regex((e as ConfigError).message, new RegExp(`'${key}' is not an option of sessionOn \\(its options: open, close, timeZone\\)`));
    t.deepEqual(Object.keys(hours), ['open', 'close', 'timeZone', key], 'the hours given are left as they were');
  }
  // A key given as undefined is no key, as in every options object; the hours alone still work.
  t.deepEqual(sessionOn('2024-03-08', { ...NY, extra: undefined } as typeof NY), sessionOn('2024-03-08', NY));
});

// Hand-checked: Santiago moved from UTC-4 to UTC-3 at 00:00 on Sunday 2024-09-08, so that day's
// clocks start at 01:00 (04:00Z) and end at the next midnight, 00:00 UTC-3 (2024-09-09T03:00Z).
// Apia skipped the whole of 2011-12-30, going from the 29th to the 31st.
test("00:00 is the day's first instant where the clocks skip midnight; a skipped day, a time in the skip and an open of 24:00 are refused", (t) => {
  const day = sessionOn('2024-09-08', { open: '00:00', close: '24:00', timeZone: 'America/Santiago' });
  t.is(new Date(day.open).toISOString(), '2024-09-08T04:00:00.000Z');
  t.is(new Date(day.close).toISOString(), '2024-09-09T03:00:00.000Z');
  t.is(day.dayStart, day.open);
  t.is(new Date(sessionOn('2024-09-07', { open: '00:00', close: '24:00', timeZone: 'America/Santiago' }).open).toISOString(), '2024-09-07T04:00:00.000Z');
  t.throws(() => sessionOn('2024-09-08', { open: '00:30', close: '24:00', timeZone: 'America/Santiago' }), { instanceOf: ConfigError, message: /00:30 does not exist in America\/Santiago/ });
  const skipped = t.throws(() => sessionOn('2011-12-30', { open: '09:30', close: '16:00', timeZone: 'Pacific/Apia' }), { instanceOf: ConfigError });
  t.is((skipped as ConfigError).param, 'date');
  t.regex(skipped?.message ?? '', /2011-12-30 does not exist in Pacific\/Apia: its clocks skipped that whole day/);
  t.is(new Date(sessionOn('2011-12-31', { open: '09:30', close: '16:00', timeZone: 'Pacific/Apia' }).open).toISOString(), '2011-12-30T19:30:00.000Z');
  const late = t.throws(() => sessionOn('2024-03-04', { open: '24:00', close: '24:00', timeZone: 'UTC' }), { instanceOf: ConfigError });
  t.is((late as ConfigError).param, 'open');
});
