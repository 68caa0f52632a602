/**
 * Every bad input: the error's class and `code`, the offending value in its message, no change of
 * state (closed bars, forming bars, other rejection counts), the rejection counted, and a valid bar
 * accepted afterwards.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import {
  BarstreamError,
  BarValidationError,
  ConfigError,
  InputError,
  REJECT_CODES,
  SessionData,
  SessionError,
  sessionOn,
} from 'barstream';
import type { Bar, ErrorCode, RejectCode, SessionDataOptions } from 'barstream';
import { MINUTE, nySummerSession, nyTime } from './helpers/sessions.js';
import { toColumns, toFloat64Columns, viewBars } from './helpers/naive.js';

const S7 = nySummerSession('2013-10-07');
const S8 = nySummerSession('2013-10-08');
const S9 = nySummerSession('2013-10-09');
const at = (hhmm: string): number => nyTime(S7, hhmm);
const INTERVALS = ['5m', '15m', '1d'];
const SYMBOLS = ['SPY', 'IBM'];

const ok = (time: number, i = 0): Bar => ({ time, open: 10 + i, high: 11 + i, low: 9 + i, close: 10.5 + i, volume: 100 + i });

/** A store with an open session, SPY at 09:30-09:32 and IBM at 09:30: forming bars everywhere. */
function filled(): SessionData {
  const data = new SessionData({ intervals: INTERVALS });
  data.beginSession(S7);
  data.append('SPY', ok(at('09:30'), 0));
  data.append('SPY', ok(at('09:31'), 1));
  data.append('SPY', ok(at('09:32'), 2));
  data.append('IBM', ok(at('09:30'), 5));
  return data;
}

function snapshot(data: SessionData) {
  const out: Record<string, unknown> = {};
  for (const sym of SYMBOLS) {
    for (const iv of data.intervals) {
      out[`${sym} ${iv} bars`] = viewBars(data.bars(sym, iv));
      out[`${sym} ${iv} forming`] = data.forming(sym, iv);
    }
    out[`${sym} rejections`] = data.rejections(sym);
  }
  out['symbols'] = data.symbols();
  out['stats'] = data.stats();
  return out;
}

type ErrorClass = typeof BarValidationError | typeof SessionError | typeof ConfigError | typeof InputError;

interface Case {
  title: string;
  setup?: () => SessionData;
  act: (data: SessionData) => unknown;
  cls: ErrorClass;
  code: ErrorCode;
  /** The rejection reason counted for SPY, or null when the error is not a bar rejection. */
  counted: RejectCode | null;
  /** Text the message must hold (the offending value). */
  mentions?: string[];
  index?: number;
  /** A valid follow-up; by default a SPY bar at 09:33. */
  next?: (data: SessionData) => void;
  nextBars?: number;
}

function checkCase(t: ExecutionContext, c: Case): void {
  const data = (c.setup ?? filled)();
  const before = snapshot(data);
  const err = t.throws(() => c.act(data));
  if (err === undefined) return;
  t.true(err instanceof c.cls, `class: got ${err.constructor.name}, expected ${c.cls.name}`);
  t.true(err instanceof BarstreamError);
  t.is(err.name, c.cls.name);
  t.is((err as BarstreamError).code, c.code);
  for (const m of c.mentions ?? []) t.true(err.message.includes(m), `message ${JSON.stringify(err.message)} mentions ${m}`);
  if (c.index !== undefined) t.is((err as BarValidationError).index, c.index);
  const after = snapshot(data);
  const expected = structuredClone(before);
  if (c.counted !== null) {
    const r = expected['SPY rejections'] as Record<RejectCode, number>;
    r[c.counted] += 1;
  }
  t.deepEqual(after, expected, 'state unchanged but for the counted rejection');
  const baseBefore = data.bars('SPY', '1m').length;
  t.notThrows(() => (c.next ?? ((d: SessionData) => d.append('SPY', ok(at('09:33'), 3))))(data));
  t.is(data.bars('SPY', '1m').length, baseBefore + (c.nextBars ?? 1), 'the following valid bar is stored');
}

const t933 = at('09:33');
const t934 = at('09:34');
const t935 = at('09:35');

/** A store like `filled()` where SPY is known but has no bar yet (one non_finite rejection). */
function spyWithoutBars(): SessionData {
  const data = new SessionData({ intervals: INTERVALS });
  data.beginSession(S7);
  data.append('IBM', ok(at('09:30'), 5));
  try {
    data.append('SPY', { ...ok(at('09:30')), open: NaN });
  } catch {
    // interns SPY
  }
  return data;
}

function lateSetup(): SessionData {
  const d = filled();
  d.advanceTo(at('09:40'));
  return d;
}

interface BarCase {
  title: string;
  /** The bad bar, appended on its own after `setup` (SPY's last bar is 09:32 unless said). */
  bar: Bar;
  code: RejectCode;
  mentions: string[];
  setup?: () => SessionData;
  /** The valid bar after it. */
  next?: Bar;
  /** A batch with the bad bar at `index`, and only that one reason applying to it. */
  batch: Bar[];
  index: number;
}

/** Each bad bar has exactly one fault, so the expected reason does not depend on check order. */
const withTime = (b: Bar, time: number): Bar => ({ ...b, time });
const barCases: BarCase[] = (
  [
    ['NaN open', { ...ok(t933), open: NaN }, 'non_finite', ['NaN']],
    ['NaN time', { ...ok(t933), time: NaN }, 'non_finite', ['NaN']],
    ['Infinity high', { ...ok(t933), high: Infinity }, 'non_finite', ['high Infinity']],
    ['-Infinity low', { ...ok(t933), low: -Infinity }, 'non_finite', ['low -Infinity']],
    ['NaN close', { ...ok(t933), close: NaN }, 'non_finite', ['NaN']],
    ['Infinity volume', { ...ok(t933), volume: Infinity }, 'non_finite', ['volume Infinity']],
    ['high below open', { time: t933, open: 10, high: 9.5, low: 9, close: 9.25, volume: 1 }, 'high_below_open_close', ['9.5']],
    ['high below close', { time: t933, open: 10, high: 10.5, low: 9, close: 10.75, volume: 1 }, 'high_below_open_close', ['10.5']],
    ['low above open', { time: t933, open: 10, high: 11, low: 10.25, close: 10.5, volume: 1 }, 'low_above_open_close', ['10.25']],
    ['low above close', { time: t933, open: 10, high: 11, low: 9.75, close: 9.5, volume: 1 }, 'low_above_open_close', ['9.75']],
    ['negative volume', { ...ok(t933), volume: -7 }, 'negative_volume', ['-7']],
  ] as [string, Bar, RejectCode, string[]][]
).map(([title, bar, code, mentions]): BarCase => ({
  title,
  bar,
  code,
  mentions,
  // In a batch the same fault, one minute later than the valid bars before it.
  batch: [ok(t933, 3), ok(t934, 4), withTime(bar, Number.isNaN(bar.time) ? NaN : t935)],
  index: 2,
}));
barCases.push(
  { title: 'fractional time', bar: ok(t933 + 0.5), code: 'non_finite', mentions: [String(t933 + 0.5)], batch: [ok(t933), ok(t934 + 0.5)], index: 1 },
  { title: 'off the 1m grid', bar: ok(t933 + 30_000), code: 'off_grid', mentions: [String(t933 + 30_000)], batch: [ok(t933), ok(t934 + 30_000)], index: 1 },
  { title: 'one ms off the grid', bar: ok(t933 + 1), code: 'off_grid', mentions: [String(t933 + 1)], batch: [ok(t933), ok(t934 + 1)], index: 1 },
  {
    title: 'before the open',
    setup: spyWithoutBars,
    bar: ok(at('09:29')),
    code: 'outside_session',
    mentions: [String(at('09:29'))],
    batch: [ok(at('09:29')), ok(t933)],
    index: 0,
  },
  { title: 'at the close', bar: ok(S7.close), code: 'outside_session', mentions: [String(S7.close)], batch: [ok(t933), ok(S7.close)], index: 1 },
  { title: 'after the close', bar: ok(S7.close + 60 * MINUTE), code: 'outside_session', mentions: [String(S7.close + 60 * MINUTE)], batch: [ok(t933), ok(t934), ok(S7.close + 60 * MINUTE)], index: 2 },
  { title: 'on the next day', bar: ok(S8.open), code: 'outside_session', mentions: [String(S8.open)], batch: [ok(t933), ok(S8.open)], index: 1 },
  { title: 'duplicate of the last bar', bar: ok(at('09:32'), 9), code: 'duplicate', mentions: [String(at('09:32'))], batch: [ok(t933), ok(t934), ok(t934, 9)], index: 2 },
  { title: 'out of order', bar: ok(at('09:31'), 9), code: 'out_of_order', mentions: [String(at('09:31'))], batch: [ok(t933), ok(t935), ok(t934, 9)], index: 2 },
  { title: 'out of order, before the first bar', bar: ok(at('09:30'), 9), code: 'out_of_order', mentions: [String(at('09:30'))], batch: [ok(t933), ok(at('09:30'), 9)], index: 1 },
  {
    title: 'late: in a bucket advanceTo closed',
    setup: lateSetup,
    bar: ok(at('09:36')),
    code: 'late',
    mentions: [String(at('09:36'))],
    next: ok(at('09:40'), 4),
    batch: [ok(at('09:36')), ok(at('09:40'))],
    index: 0,
  },
);

for (const bc of barCases) {
  test(`append rejects ${bc.title} as ${bc.code}, counted, state unchanged`, (t) => {
    checkCase(t, {
      title: bc.title,
      ...(bc.setup ? { setup: bc.setup } : {}),
      act: (d) => d.append('SPY', bc.bar),
      cls: BarValidationError,
      code: bc.code,
      counted: bc.code,
      mentions: ['SPY', ...bc.mentions],
      ...(bc.next !== undefined ? { next: (d: SessionData) => d.append('SPY', bc.next as Bar) } : {}),
    });
  });
  test(`appendMany (throw) rejects ${bc.title} as ${bc.code} at index ${bc.index}, stores nothing`, (t) => {
    const next = bc.next ?? ok(t933, 3);
    checkCase(t, {
      title: bc.title,
      ...(bc.setup ? { setup: bc.setup } : {}),
      act: (d) => d.appendMany('SPY', toFloat64Columns(bc.batch)),
      cls: BarValidationError,
      code: bc.code,
      counted: bc.code,
      index: bc.index,
      mentions: ['SPY'],
      // The batch's valid bars were not stored: the first of them is still accepted.
      next: (d) => d.append('SPY', next),
    });
  });
}

test('the batch index, symbol and bar are on a BarValidationError', (t) => {
  const data = filled();
  const bad = { ...ok(t933), volume: -1 };
  const e1 = t.throws(() => data.append('SPY', bad), { instanceOf: BarValidationError });
  t.is(e1?.symbol, 'SPY');
  t.deepEqual(e1?.bar, bad);
  t.is(e1?.index, undefined);
  const batch = [ok(at('09:33')), ok(at('09:34')), ok(at('09:35')), { ...ok(at('09:36')), volume: -1 }];
  const e2 = t.throws(() => data.appendMany('SPY', toColumns(batch)), { instanceOf: BarValidationError });
  t.is(e2?.index, 3);
  t.is(e2?.symbol, 'SPY');
  t.is(data.bars('SPY', '1m').length, 3, 'nothing of the batch stored');
  t.is(data.rejections('SPY').negative_volume, 2);
});

test('appending with no session open is a SessionError no_session, counted, state unchanged', (t) => {
  checkCase(t, {
    title: 'no session',
    setup: () => {
      const d = filled();
      d.endSession();
      return d;
    },
    act: (d) => d.append('SPY', ok(S8.open)),
    cls: SessionError,
    code: 'no_session',
    counted: 'no_session',
    // The bar's time, as every rejection gives it: epoch ms and the UTC instant.
    mentions: ['SPY', `at ${S8.open} (${new Date(S8.open).toISOString()})`],
    next: (d) => {
      d.beginSession(S8);
      d.append('SPY', ok(S8.open));
    },
  });
});

test('appendMany with no session open is a SessionError no_session, nothing stored', (t) => {
  checkCase(t, {
    title: 'no session batch',
    setup: () => {
      const d = filled();
      d.endSession();
      return d;
    },
    act: (d) => d.appendMany('SPY', toColumns([ok(S8.open), ok(S8.open + MINUTE)])),
    cls: SessionError,
    code: 'no_session',
    counted: 'no_session',
    mentions: ['SPY', 'bar 0', `at ${S8.open} (${new Date(S8.open).toISOString()})`],
    next: (d) => {
      d.beginSession(S8);
      d.append('SPY', ok(S8.open));
    },
  });
});

test('a store that never had a session: append is SessionError no_session and counted', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  const err = t.throws(() => data.append('SPY', ok(at('09:30'))), { instanceOf: SessionError });
  t.is(err?.code, 'no_session');
  t.is(data.rejections('SPY').no_session, 1);
  t.is(data.bars('SPY', '1m').length, 0);
  data.beginSession(S7);
  t.notThrows(() => data.append('SPY', ok(at('09:30'))));
});

test('beginSession while one is open is a SessionError session_open; the open session stays', (t) => {
  checkCase(t, {
    title: 'session open',
    act: (d) => d.beginSession(S8),
    cls: SessionError,
    code: 'session_open',
    counted: null,
  });
});

test('the open session is unchanged after a session_open error', (t) => {
  const data = filled();
  t.throws(() => data.beginSession(S8), { instanceOf: SessionError });
  t.is(data.session?.date, '2013-10-07');
  t.throws(() => data.append('SPY', ok(S8.open)), { instanceOf: BarValidationError, message: /outside/ });
});

test('beginSession before the previous close is a SessionError session_order', (t) => {
  checkCase(t, {
    title: 'session order',
    setup: () => {
      const d = new SessionData({ intervals: INTERVALS });
      d.beginSession(S8);
      d.append('SPY', ok(S8.open));
      d.endSession();
      return d;
    },
    act: (d) => d.beginSession(S7),
    cls: SessionError,
    code: 'session_order',
    counted: null,
    next: (d) => {
      t.is(d.session, null);
      d.beginSession(S9);
      d.append('SPY', ok(S9.open));
    },
  });
});

test('beginSession with malformed times is a SessionError invalid_session', (t) => {
  const data = new SessionData();
  for (const s of [
    { ...S7, open: S7.open + 0.5 },
    { ...S7, close: S7.open },
    { ...S7, close: S7.open - MINUTE },
    { ...S7, open: NaN },
    { ...S7, dayStart: S7.open + 1 },
  ]) {
    const err = t.throws(() => data.beginSession(s), { instanceOf: SessionError });
    t.is(err?.code, 'invalid_session');
    t.is(data.session, null);
  }
  t.notThrows(() => data.beginSession(S7));
});

test('endSession and advanceTo with no session are SessionError no_session; advanceTo(NaN) is InputError', (t) => {
  const data = new SessionData({ intervals: ['5m'] });
  t.is(t.throws(() => data.endSession(), { instanceOf: SessionError })?.code, 'no_session');
  t.is(t.throws(() => data.advanceTo(S7.open), { instanceOf: SessionError })?.code, 'no_session');
  data.beginSession(S7);
  data.append('SPY', ok(at('09:30')));
  const before = snapshot(data);
  for (const x of [NaN, Infinity, -Infinity]) {
    t.is(t.throws(() => data.advanceTo(x), { instanceOf: InputError })?.code, 'invalid_input');
  }
  t.deepEqual(snapshot(data), before);
  t.deepEqual(data.rejections(), Object.fromEntries(REJECT_CODES.map((c) => [c, 0])));
});

const configCases: { title: string; options: SessionDataOptions; param: string; mentions?: string }[] = [
  { title: 'unknown interval text', options: { intervals: ['5x'] }, param: 'intervals', mentions: '5x' },
  { title: 'interval with no number', options: { intervals: ['m'] }, param: 'intervals' },
  { title: 'zero interval', options: { intervals: ['0m'] }, param: 'intervals' },
  { title: 'fractional interval', options: { intervals: ['1.5m'] }, param: 'intervals' },
  { title: 'a 2d interval', options: { intervals: ['2d'] }, param: 'intervals' },
  { title: 'unknown base interval', options: { baseInterval: 'minute' }, param: 'baseInterval' },
  { title: '1d base interval', options: { baseInterval: '1d' }, param: 'baseInterval' },
  { title: 'interval not a multiple of the base', options: { baseInterval: '2m', intervals: ['5m'] }, param: 'intervals', mentions: '5m' },
  { title: '90s over a 1m base', options: { intervals: ['90s'] }, param: 'intervals' },
  { title: 'interval equal to the base', options: { intervals: ['1m'] }, param: 'intervals' },
  { title: 'interval listed twice', options: { intervals: ['5m', '5m'] }, param: 'intervals' },
  { title: "clock alignment with 7m (does not divide a day)", options: { intervals: ['7m'], alignment: 'clock' }, param: 'intervals', mentions: '7m' },
  { title: "clock alignment with 5h", options: { intervals: ['5h'], alignment: 'clock' }, param: 'intervals' },
  { title: 'capacityHint 0', options: { capacityHint: 0 }, param: 'capacityHint' },
  { title: 'capacityHint -1', options: { capacityHint: -1 }, param: 'capacityHint' },
  { title: 'capacityHint 1.5', options: { capacityHint: 1.5 }, param: 'capacityHint' },
  { title: 'retainSessions 0', options: { retainSessions: 0 }, param: 'retainSessions' },
  { title: 'unknown alignment', options: { alignment: 'midnight' as unknown as 'clock' }, param: 'alignment' },
  { title: 'unknown emptyBuckets', options: { emptyBuckets: 'zero' as unknown as 'flat' }, param: 'emptyBuckets' },
];

for (const c of configCases) {
  test(`new SessionData: ${c.title} is a ConfigError naming ${c.param}`, (t) => {
    const err = t.throws(() => new SessionData(c.options), { instanceOf: ConfigError });
    t.is(err?.code, 'invalid_config');
    t.is(err?.param, c.param);
    t.is(err?.name, 'ConfigError');
    if (c.mentions !== undefined) t.true(err?.message.includes(c.mentions), err?.message);
  });
}

test('valid option edge cases are accepted: 7m under session alignment, 1d and 1h under clock', (t) => {
  t.notThrows(() => new SessionData({ intervals: ['7m'] }));
  t.notThrows(() => new SessionData({ intervals: ['1h', '1d', '30m', '4h'], alignment: 'clock' }));
  t.notThrows(() => new SessionData({ capacityHint: 1, retainSessions: 1 }));
});

test('bars() and forming() with an interval the store does not have are ConfigError naming interval', (t) => {
  const data = filled();
  for (const iv of ['2m', '1h', 'nonsense', '']) {
    const e1 = t.throws(() => data.bars('SPY', iv), { instanceOf: ConfigError });
    t.is(e1?.param, 'interval');
    t.is(e1?.code, 'invalid_config');
    const e2 = t.throws(() => data.forming('SPY', iv), { instanceOf: ConfigError });
    t.is(e2?.param, 'interval');
  }
});

test("appendMany with an unknown 'invalid' option is a ConfigError, nothing stored", (t) => {
  checkCase(t, {
    title: 'invalid option',
    act: (d) => d.appendMany('SPY', toColumns([ok(t933)]), { invalid: 'drop' as unknown as 'skip' }),
    cls: ConfigError,
    code: 'invalid_config',
    counted: null,
  });
});

test('appendMany with columns of different lengths is an InputError, nothing stored or counted', (t) => {
  const bars = [ok(at('09:33')), ok(at('09:34'))];
  for (const col of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
    checkCase(t, {
      title: `short ${col}`,
      act: (d) => {
        const cols = toFloat64Columns(bars);
        cols[col] = cols[col].subarray(0, 1);
        return d.appendMany('SPY', cols);
      },
      cls: InputError,
      code: 'invalid_input',
      counted: null,
    });
  }
  checkCase(t, {
    title: 'plain arrays, long volume',
    act: (d) => d.appendMany('SPY', { ...toColumns(bars), volume: [1, 2, 3] }),
    cls: InputError,
    code: 'invalid_input',
    counted: null,
  });
});

test('appendMany with a missing column is an InputError', (t) => {
  checkCase(t, {
    title: 'missing column',
    act: (d) => {
      const { volume: _v, ...rest } = toColumns([ok(t933)]);
      return d.appendMany('SPY', rest as unknown as Parameters<SessionData['appendMany']>[1]);
    },
    cls: InputError,
    code: 'invalid_input',
    counted: null,
  });
});

test('an empty symbol is an InputError', (t) => {
  checkCase(t, {
    title: 'empty symbol',
    act: (d) => d.append('', ok(t933)),
    cls: InputError,
    code: 'invalid_input',
    counted: null,
  });
});

test('sessionOn: a bad date, time or time zone is a ConfigError', (t) => {
  const hours = { open: '09:30', close: '16:00', timeZone: 'America/New_York' };
  const cases: [string, typeof hours, string | null][] = [
    ['2013/10/07', hours, 'date'],
    ['07-10-2013', hours, 'date'],
    ['2013-10-07', { ...hours, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['2013-10-07', { ...hours, open: '9:30' }, 'open'],
    ['2013-10-07', { ...hours, close: '4pm' }, 'close'],
    ['2013-10-07', { ...hours, open: '16:00', close: '09:30' }, 'close'],
    // A session of no time at all.
    ['2013-10-07', { ...hours, open: '09:30', close: '09:30' }, 'close'],
    ['2013-02-30', hours, null],
    ['2013-13-01', hours, null],
    ['2013-10-07', { ...hours, open: '25:00' }, null],
  ];
  for (const [date, h, param] of cases) {
    const err = t.throws(() => sessionOn(date, h), { instanceOf: ConfigError }, `${date} ${JSON.stringify(h)}`);
    t.is(err?.code, 'invalid_config');
    if (param !== null) t.is(err?.param, param, `${date} ${JSON.stringify(h)}`);
  }
});

// Known failures: the `param` of these ConfigErrors names the wrong parameter (see the report).
test("sessionOn: an impossible calendar date ('2013-02-30') is a ConfigError naming 'date', not 'timeZone'", (t) => {
  const hours = { open: '09:30', close: '16:00', timeZone: 'America/New_York' };
  for (const date of ['2013-02-30', '2013-13-01']) {
    const err = t.throws(() => sessionOn(date, hours), { instanceOf: ConfigError });
    t.is(err?.param, 'date', `${date}: ${err?.message}`);
  }
});

test("sessionOn: an out-of-range open ('25:00') or close ('16:75') is a ConfigError naming 'open' / 'close'", (t) => {
  const hours = { open: '09:30', close: '16:00', timeZone: 'America/New_York' };
  const e1 = t.throws(() => sessionOn('2013-10-07', { ...hours, open: '25:00' }), { instanceOf: ConfigError });
  t.is(e1?.param, 'open', e1?.message);
  const e2 = t.throws(() => sessionOn('2013-10-07', { ...hours, close: '16:75' }), { instanceOf: ConfigError });
  t.is(e2?.param, 'close', e2?.message);
});

test('messages show each time with the UTC instant it names, beside the epoch milliseconds given', (t) => {
  // JavaScript's own Date is the reference for the instants; the core formats them itself.
  const shown = (ms: number): string => `${ms} (${new Date(ms).toISOString()})`;
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession(S7);
  data.append('SPY', ok(at('09:35')));
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    t.fail('expected an error');
    return '';
  };
  t.true(message(() => data.append('SPY', ok(at('09:33')))).includes(`time ${shown(at('09:33'))} is before the last bar at ${shown(at('09:35'))}`));
  t.true(message(() => data.append('SPY', ok(at('09:35')))).includes(`time ${shown(at('09:35'))} repeats`));
  t.true(message(() => data.append('SPY', ok(S7.close))).includes(`[${shown(S7.open)}, ${shown(S7.close)})`));
  t.true(message(() => data.append('SPY', ok(at('09:36') + 500))).includes(`from the session open ${shown(S7.open)}`));
  data.advanceTo(at('09:50'));
  t.true(message(() => data.append('IBM', ok(at('09:42')))).includes(`time ${shown(at('09:42'))} falls in a bucket that the clock closed at ${shown(at('09:50'))}`));
  t.true(message(() => data.beginSession(S8)).includes(`a session (${shown(S7.open)} to ${shown(S7.close)}) is open`));
  data.endSession();
  const early = nySummerSession('2013-10-04');
  t.true(message(() => data.beginSession(early)).includes(`session opening at ${shown(early.open)} starts before the previous one closed at ${shown(S7.close)}`));
});

test('beginSession messages show each session time with the UTC instant it names', (t) => {
  // JavaScript's own Date is the reference; the store formats the instants itself.
  const shown = (ms: number): string => `${ms} (${new Date(ms).toISOString()})`;
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      t.true(e instanceof SessionError);
      t.is((e as SessionError).code, 'invalid_session');
      return (e as Error).message;
    }
    t.fail('expected an error');
    return '';
  };
  const data = new SessionData({ intervals: ['5m'] });
  t.true(message(() => data.beginSession({ ...S7, close: S7.open })).includes(`session close ${shown(S7.open)} is not after its open ${shown(S7.open)}`));
  t.true(message(() => data.beginSession({ ...S7, dayStart: S7.open + 1 })).includes(`day start ${shown(S7.open + 1)} is after its open ${shown(S7.open)}`));
  const far = 9e15;
  t.true(message(() => data.beginSession({ ...S7, close: far })).includes(`within 9000000000000000 ms of 1970`));
  // Clock alignment: 09:30 New York is 570 minutes from midnight, not on a 20m grid; a dayStart
  // an hour off midnight.
  const midnight = Date.UTC(2013, 9, 7, 4); // 2013-10-07 00:00 EDT
  t.is(S7.dayStart, midnight);
  const clock20 = new SessionData({ baseInterval: '20m', intervals: ['1h'], alignment: 'clock' });
  t.true(message(() => clock20.beginSession(S7)).includes(`open ${shown(S7.open)} shows 09:30 on the exchange's clock, not on the 20m grid from its midnight (the day starts ${shown(midnight)})`));
  // Santiago skips midnight on 2024-09-08 (00:00 -> 01:00): the day starts at the skip's end, and
  // a session opening then reads 01:00, off a 2h grid. The message says the clock's reading.
  const skipped = sessionOn('2024-09-08', { open: '01:00', close: '23:00', timeZone: 'America/Santiago' });
  t.is(skipped.open, skipped.dayStart);
  const clock2h = new SessionData({ baseInterval: '2h', intervals: ['1d'], alignment: 'clock' });
  t.true(message(() => clock2h.beginSession(skipped)).includes(`open ${shown(skipped.open)} shows 01:00 on the exchange's clock, not on the 2h grid from its midnight (the day starts ${shown(skipped.dayStart)})`));
  const clock = new SessionData({ intervals: ['1h'], alignment: 'clock' });
  t.true(message(() => clock.beginSession({ ...S7, dayStart: midnight + 3_600_000 })).includes(`dayStart ${shown(midnight + 3_600_000)} is not midnight of 2013-10-07 in America/New_York, ${shown(midnight)}`));
});

test('a session that opens past the end of its date is refused under either alignment, and the store is as before', (t) => {
  // Sydney on 2024-03-08 is at UTC+11: its 10:00 open is 2024-03-07T23:00Z, and 2024-03-07 ends at
  // 2024-03-07T13:00Z (midnight of the 8th there). Dated by the UTC day of its open, the session
  // would have its 1d bar timed a day and a half before its first bar.
  const sydneyOpen = Date.UTC(2024, 2, 7, 23);
  const misdated = { date: '2024-03-07', open: sydneyOpen, close: sydneyOpen + 6 * 3_600_000, timeZone: 'Australia/Sydney' };
  for (const alignment of ['session', 'clock'] as const) {
    const data = new SessionData({ intervals: ['1h', '1d'], alignment });
    const e = t.throws(() => data.beginSession(misdated), { instanceOf: SessionError });
    t.is(e?.code, 'invalid_session');
    t.regex(e?.message ?? '', /is past 2024-03-07 in Australia\/Sydney, which ends at 1709816400000 \(2024-03-07T13:00:00.000Z\): a session takes the date it opens on/);
    t.is(data.session, null, alignment);
    // At the last minute of its date it is taken; the next instant is the next day's.
    t.throws(() => data.beginSession({ ...misdated, open: Date.UTC(2024, 2, 7, 13) }), { instanceOf: SessionError, message: /session open 1709816400000 \(2024-03-07T13:00:00.000Z\) is past 2024-03-07 in Australia\/Sydney/ });
    data.beginSession({ ...misdated, date: '2024-03-08' });
    t.is(data.session?.date, '2024-03-08');
    data.endSession();
    data.beginSession({ date: '2024-03-09', open: Date.UTC(2024, 2, 9, 12, 59), close: Date.UTC(2024, 2, 9, 14), timeZone: 'Australia/Sydney' });
    data.endSession();
  }
  // New York's 2024-11-03 has 25 hours (EDT until 06:00Z, then EST): it ends at 2024-11-04T05:00Z.
  const data = new SessionData({ intervals: ['1h'] });
  data.beginSession({ date: '2024-11-03', open: Date.UTC(2024, 10, 4, 4, 30), close: Date.UTC(2024, 10, 4, 4, 59), timeZone: 'America/New_York' });
  data.endSession();
  t.throws(() => data.beginSession({ date: '2024-11-04', open: Date.UTC(2024, 10, 4, 4, 59), close: Date.UTC(2024, 10, 4, 6), timeZone: 'America/New_York' }), { instanceOf: SessionError, message: /dayStart|day start|after its open/ });
  const e = t.throws(() => data.beginSession({ date: '2024-11-03', open: Date.UTC(2024, 10, 4, 5), close: Date.UTC(2024, 10, 4, 6), timeZone: 'America/New_York' }), { instanceOf: SessionError });
  t.regex(e?.message ?? '', /which ends at 1730696400000 \(2024-11-04T05:00:00.000Z\)/);
  // The last day with a YYYY-MM-DD date ends too: 9999-12-31 in New York ends at 10000-01-01T05:00Z.
  const last = new SessionData({ intervals: ['1d'], alignment: 'clock' });
  const late = Date.UTC(10000, 0, 1, 5);
  t.throws(() => last.beginSession({ date: '9999-12-31', open: late, close: late + 60_000, timeZone: 'America/New_York' }), { instanceOf: SessionError, message: /is past 9999-12-31 in America\/New_York, which ends at 253402318800000 / });
  last.beginSession({ date: '9999-12-31', open: late - 60_000, close: late, timeZone: 'America/New_York' });
  t.is(last.session?.date, '9999-12-31');
});

test('a bar refused for no open session with a time that is no number says what the time was', (t) => {
  const data = new SessionData();
  const date = new Date(S8.open);
  const one = t.throws(() => data.append('SPY', { ...ok(S8.open), time: date as unknown as number }), { instanceOf: SessionError });
  t.regex(one?.message ?? '', /no session is open for the bar at NaN; call beginSession first; not numbers: time is Date .* \(give epoch milliseconds: date\.getTime\(\)\)/);
  const many = t.throws(() => data.appendMany('SPY', { time: [date as unknown as number], open: [1], high: [1], low: [1], close: [1], volume: [1] }), { instanceOf: SessionError });
  t.regex(many?.message ?? '', /bar 0: .*not numbers: time is Date/);
});
