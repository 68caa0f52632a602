/**
 * Property-style tests on random streams from a seeded PRNG (helpers/prng.ts): streaming equals
 * batch bit for bit; derived bars equal the naive re-aggregation (helpers/naive.ts); bad bars mixed
 * in, one fault each, are rejected with the injected reason, counted, and change nothing else.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { BarValidationError, SessionData, SessionError } from 'barstream';
import type { Bar, RejectCode, Session } from 'barstream';
import { aggregateSessions, diffBars, diffViews, intervalMs, toColumns, toFloat64Columns } from './helpers/naive.js';
import type { Alignment, EmptyBuckets } from './helpers/naive.js';
import { Rng } from './helpers/prng.js';
import { HOUR, MINUTE, nySummerSession } from './helpers/sessions.js';

const SYMBOLS = ['AAA', 'BBB'];
const SESSION_POOL = ['2m', '3m', '5m', '7m', '10m', '13m', '15m', '30m', '45m', '1h', '90m', '2h', '1d'];
const CLOCK_POOL = ['2m', '3m', '5m', '10m', '15m', '30m', '45m', '1h', '90m', '2h', '1d'];
const DATES = ['2013-10-07', '2013-10-08', '2013-10-09'];

interface Trial {
  seed: number;
  alignment: Alignment;
  empty: EmptyBuckets;
  intervals: string[];
  sessions: Session[];
  /** good[sym][k]: the valid bars of symbol `sym` in session k. */
  good: Map<string, Bar[][]>;
}

function makeTrial(seed: number): Trial {
  const rng = new Rng(seed);
  const alignment: Alignment = rng.chance(0.5) ? 'session' : 'clock';
  const empty: EmptyBuckets = rng.chance(0.4) ? 'flat' : 'skip';
  const pool = [...(alignment === 'session' ? SESSION_POOL : CLOCK_POOL)];
  const intervals: string[] = [];
  const n = rng.int(1, 5);
  while (intervals.length < n) {
    const iv = rng.pick(pool);
    pool.splice(pool.indexOf(iv), 1);
    intervals.push(iv);
  }
  const sessions = DATES.slice(0, rng.int(1, 3)).map((d) => {
    const s = nySummerSession(d);
    // Sometimes an early close (13:00) or a short odd one (09:30-11:17), so buckets are cut at the close.
    const r = rng.next();
    if (r < 0.2) return { ...s, close: s.dayStart + 13 * HOUR };
    if (r < 0.3) return { ...s, close: s.dayStart + 11 * HOUR + 17 * MINUTE };
    return s;
  });
  const good = new Map<string, Bar[][]>();
  for (const sym of SYMBOLS) {
    let price = 50 + rng.int(0, 5000) / 100;
    const perSession = sessions.map((s) => {
      const density = rng.pick([0.05, 0.3, 0.7, 0.95, 1]);
      const out: Bar[] = [];
      let gapUntil = -1;
      for (let time = s.open; time < s.close; time += MINUTE) {
        if (time < gapUntil) continue;
        if (rng.chance(0.01)) gapUntil = time + rng.int(5, 90) * MINUTE;
        if (!rng.chance(density)) continue;
        const open = price;
        const close = Math.max(0.01, Math.round((price + (rng.next() - 0.5) * 0.6) * 100) / 100);
        const high = Math.max(open, close) + rng.int(0, 20) / 100;
        const low = Math.min(open, close) - rng.int(0, 20) / 100;
        // Volumes: whole shares, fractional (sums depend on order), zero, and now and then -0.
        const v = rng.next();
        const volume = v < 0.5 ? rng.int(1, 10_000) : v < 0.9 ? rng.next() * 3 : v < 0.97 ? 0 : -0;
        out.push({ time, open, high, low, close, volume });
        price = close;
      }
      return out;
    });
    good.set(sym, perSession);
  }
  return { seed, alignment, empty, intervals, sessions, good };
}

function options(tr: Trial) {
  return { intervals: tr.intervals, alignment: tr.alignment, emptyBuckets: tr.empty };
}

const ALL_SERIES = (tr: Trial) => ['1m', ...tr.intervals];

function expectedSeries(tr: Trial, sym: string, iv: string): Bar[] {
  const sessions = tr.sessions.map((session, k) => ({ session, bars: (tr.good.get(sym) as Bar[][])[k] as Bar[] }));
  return iv === '1m' ? sessions.flatMap((s) => s.bars) : aggregateSessions(sessions, iv, tr.alignment, tr.empty);
}

/** What each call reported as closed, per `symbol/session`, as a union in series order. */
type ClosedLog = Map<string, string[]>;

function union(tr: Trial, log: ClosedLog, key: string, names: readonly string[]): void {
  const have = new Set([...(log.get(key) ?? []), ...names]);
  log.set(key, ALL_SERIES(tr).filter((iv) => have.has(iv)));
}

/**
 * One by one, good bars only, no clock. With `checkReturns`, every append's returned intervals are
 * checked against the series whose closed length grew.
 */
function feedSingle(tr: Trial, t?: ExecutionContext, log?: ClosedLog): SessionData {
  const data = new SessionData(options(tr));
  const lengths = (sym: string) => ALL_SERIES(tr).map((iv) => data.bars(sym, iv).length);
  tr.sessions.forEach((s, k) => {
    data.beginSession(s);
    const merged = SYMBOLS.flatMap((sym) => ((tr.good.get(sym) as Bar[][])[k] as Bar[]).map((bar) => ({ sym, bar })));
    merged.sort((a, b) => a.bar.time - b.bar.time);
    for (const { sym, bar } of merged) {
      const before = t ? lengths(sym) : [];
      const closed = data.append(sym, bar);
      if (log) union(tr, log, `${sym}/${k}`, closed);
      if (t) {
        const after = lengths(sym);
        const grew = ALL_SERIES(tr).filter((_, i) => (after[i] as number) > (before[i] as number));
        if (JSON.stringify(grew) !== JSON.stringify([...closed])) {
          t.fail(`seed ${tr.seed} ${sym} ${new Date(bar.time).toISOString()}: append returned [${closed.join(',')}], series that grew: [${grew.join(',')}]`);
        }
      }
    }
    data.endSession();
  });
  return data;
}

/** One appendMany per symbol and session (Float64Array or plain columns). */
function feedBatch(tr: Trial, plain: boolean, log?: ClosedLog): SessionData {
  const data = new SessionData(options(tr));
  tr.sessions.forEach((s, k) => {
    data.beginSession(s);
    for (const sym of SYMBOLS) {
      const bars = (tr.good.get(sym) as Bar[][])[k] as Bar[];
      const r = data.appendMany(sym, plain ? toColumns(bars) : toFloat64Columns(bars));
      if (log) union(tr, log, `${sym}/${k}`, r.closed);
    }
    data.endSession();
  });
  return data;
}

function compareAll(t: ExecutionContext, tr: Trial, data: SessionData, label: string, reference?: SessionData): void {
  for (const sym of SYMBOLS) {
    for (const iv of ALL_SERIES(tr)) {
      const d = reference ? diffViews(data.bars(sym, iv), reference.bars(sym, iv)) : diffBars(data.bars(sym, iv), expectedSeries(tr, sym, iv));
      if (d !== null) t.fail(`seed ${tr.seed} (${tr.alignment}, ${tr.empty}, [${tr.intervals.join(',')}]) ${label} ${sym} ${iv}: ${d}`);
    }
  }
}

const TRIALS = 40;

test('random streams with gaps: append one by one equals appendMany (typed and plain), bit for bit, and the naive aggregation', (t) => {
  let bars = 0;
  for (let seed = 1; seed <= TRIALS; seed++) {
    const tr = makeTrial(seed);
    const singleLog: ClosedLog = new Map();
    const batchLog: ClosedLog = new Map();
    const single = feedSingle(tr, seed <= 8 ? t : undefined, singleLog);
    compareAll(t, tr, single, 'append vs naive');
    compareAll(t, tr, feedBatch(tr, false, batchLog), 'appendMany(Float64Array) vs append', single);
    for (const [key, names] of batchLog) {
      const want = singleLog.get(key) ?? [];
      if (JSON.stringify(names) !== JSON.stringify(want)) t.fail(`seed ${seed} ${key}: appendMany closed [${names.join(',')}], appends closed [${want.join(',')}]`);
    }
    compareAll(t, tr, feedBatch(tr, true), 'appendMany(plain) vs append', single);
    let stored = 0;
    for (const sym of SYMBOLS) for (const iv of ALL_SERIES(tr)) stored += expectedSeries(tr, sym, iv).length;
    t.is(single.stats().storedBars, stored, `seed ${seed}`);
    bars += stored;
  }
  t.true(bars > 10_000, `the trials stored ${bars} bars`);
});

type Op =
  | { kind: 'advance'; time: number }
  | { kind: 'bar'; sym: string; bar: Bar; expect: RejectCode | null };

/**
 * The good stream of a trial with bad bars (one fault each) and clock moves mixed in. The expected
 * reason of each bad bar comes from DESIGN.md; lateness from "a bucket closed by advanceTo(T)":
 * some derived interval's bucket holding the bar ends (cut at the close) at or before T.
 */
function mixedSession(tr: Trial, k: number, rng: Rng, last: Map<string, number | null>): Op[] {
  const s = tr.sessions[k] as Session;
  const anchor = tr.alignment === 'session' ? s.open : s.dayStart;
  let clock = -Infinity;
  const isLate = (x: number): boolean =>
    tr.intervals.some((iv) => {
      const len = intervalMs(iv);
      const end = len === '1d' ? s.close : Math.min(anchor + (Math.floor((x - anchor) / len) + 1) * len, s.close);
      return end <= clock;
    });
  const ops: Op[] = [];
  const goodAt = new Map<number, { sym: string; bar: Bar }[]>();
  for (const sym of SYMBOLS) {
    for (const bar of (tr.good.get(sym) as Bar[][])[k] as Bar[]) {
      const list = goodAt.get(bar.time) ?? [];
      list.push({ sym, bar });
      goodAt.set(bar.time, list);
    }
  }
  const inSession = (x: number) => x >= s.open && x < s.close;
  for (let time = s.open; time < s.close; time += MINUTE) {
    if (rng.chance(0.08)) {
      const at = time - rng.int(0, 2 * MINUTE);
      ops.push({ kind: 'advance', time: at });
      clock = Math.max(clock, at);
    }
    for (const { sym, bar: g } of goodAt.get(time) ?? []) {
      const L = last.get(sym) ?? null;
      while (rng.chance(0.25)) {
        const bad = badBar(rng, g, L, s, isLate, inSession);
        if (bad !== null) ops.push({ kind: 'bar', sym, bar: bad.bar, expect: bad.code });
      }
      ops.push({ kind: 'bar', sym, bar: g, expect: null });
      last.set(sym, g.time);
    }
  }
  return ops;
}

function badBar(
  rng: Rng,
  g: Bar,
  L: number | null,
  s: Session,
  isLate: (x: number) => boolean,
  inSession: (x: number) => boolean,
): { bar: Bar; code: RejectCode } | null {
  const code = rng.pick<RejectCode>([
    'non_finite', 'high_below_open_close', 'low_above_open_close', 'negative_volume', 'off_grid',
    'outside_session', 'duplicate', 'out_of_order', 'late', 'volume_too_large',
  ]);
  const onGrid = (x: number) => (x - s.open) % MINUTE === 0;
  switch (code) {
    case 'non_finite': {
      const field = rng.pick(['time', 'open', 'high', 'low', 'close', 'volume', 'fraction'] as const);
      if (field === 'fraction') return { bar: { ...g, time: g.time + rng.pick([0.5, 0.25, 1e-3]) }, code };
      return { bar: { ...g, [field]: rng.pick([NaN, Infinity, -Infinity]) }, code };
    }
    case 'high_below_open_close':
      return { bar: { ...g, high: Math.max(g.open, g.close) - rng.int(1, 50) / 100 }, code };
    case 'low_above_open_close':
      return { bar: { ...g, low: Math.min(g.open, g.close) + rng.int(1, 50) / 100 }, code };
    case 'negative_volume':
      return { bar: { ...g, volume: -(rng.int(1, 1000) + rng.next()) }, code };
    case 'volume_too_large':
      // Past 1e290 (README, Validation): a derived bar's sum of such volumes could overflow.
      return { bar: { ...g, volume: rng.pick([1.0000000001e290, 1e300, Number.MAX_VALUE]) }, code };
    case 'off_grid':
      return { bar: { ...g, time: g.time + rng.int(1, MINUTE - 1) }, code };
    case 'outside_session': {
      // Before the open only while it is still later than the symbol's last bar (else it is out of order too).
      const before = s.open - rng.int(1, 120) * MINUTE;
      if ((L === null || before > L) && rng.chance(0.5)) return { bar: { ...g, time: before }, code };
      return { bar: { ...g, time: s.close + rng.int(0, 120) * MINUTE }, code };
    }
    case 'duplicate':
      if (L === null || !inSession(L) || isLate(L)) return null;
      return { bar: { ...g, time: L }, code };
    case 'out_of_order': {
      if (L === null || !inSession(L)) return null;
      const candidates: number[] = [];
      for (let x = s.open; x < L; x += MINUTE) if (!isLate(x)) candidates.push(x);
      if (candidates.length === 0) return null;
      return { bar: { ...g, time: rng.pick(candidates) }, code };
    }
    case 'late': {
      const candidates: number[] = [];
      for (let x = g.time - MINUTE; x >= s.open && (L === null || x > L); x -= MINUTE) if (onGrid(x) && isLate(x)) candidates.push(x);
      if (candidates.length === 0) return null;
      return { bar: { ...g, time: rng.pick(candidates) }, code };
    }
    default:
      return null;
  }
}

test('random streams with bad bars and clock moves mixed in: good results unchanged, rejections counted per reason', (t) => {
  const injectedTotal = new Map<string, number>();
  for (let seed = 101; seed < 101 + TRIALS; seed++) {
    const tr = makeTrial(seed);
    const rng = new Rng(seed * 7919);
    const last = new Map<string, number | null>(SYMBOLS.map((s) => [s, null]));
    const sessionsOps = tr.sessions.map((_, k) => mixedSession(tr, k, rng, last));
    const noSessionBars = tr.sessions.map(() => SYMBOLS.filter(() => rng.chance(0.5)));

    const single = new SessionData(options(tr));
    const batch = new SessionData(options(tr));
    const expected = new Map<string, Record<string, number>>(SYMBOLS.map((s) => [s, {}]));
    const count = (sym: string, code: string) => {
      const r = expected.get(sym) as Record<string, number>;
      r[code] = (r[code] ?? 0) + 1;
      injectedTotal.set(code, (injectedTotal.get(code) ?? 0) + 1);
    };
    tr.sessions.forEach((s, k) => {
      // Bars with no session open: SessionError no_session, counted.
      for (const sym of noSessionBars[k] as string[]) {
        const b: Bar = { time: s.open, open: 1, high: 1, low: 1, close: 1, volume: 1 };
        const e1 = t.throws(() => single.append(sym, b), { instanceOf: SessionError });
        const e2 = t.throws(() => batch.appendMany(sym, toColumns([b])), { instanceOf: SessionError });
        if (e1?.code !== 'no_session' || e2?.code !== 'no_session') t.fail(`seed ${seed}: no_session expected`);
        count(sym, 'no_session');
      }
      single.beginSession(s);
      batch.beginSession(s);
      const ops = sessionsOps[k] as Op[];
      // One by one.
      for (const op of ops) {
        if (op.kind === 'advance') {
          const lengths = () => SYMBOLS.flatMap((sym) => tr.intervals.map((iv) => ({ sym, iv, n: single.bars(sym, iv).length })));
          const before = lengths();
          const pairs = single.advanceTo(op.time);
          const grew = lengths().filter((x, i) => x.n > (before[i] as { n: number }).n).map((x) => `${x.sym} ${x.iv}`);
          const got = pairs.map((p) => `${p.symbol} ${p.interval}`);
          if (JSON.stringify(got.sort()) !== JSON.stringify(grew.sort())) t.fail(`seed ${seed}: advanceTo(${op.time}) returned [${got}], series that grew: [${grew}]`);
          continue;
        }
        if (op.expect === null) {
          try {
            single.append(op.sym, op.bar);
          } catch (e) {
            t.fail(`seed ${seed}: good bar ${JSON.stringify(op.bar)} of ${op.sym} rejected: ${String(e)}`);
          }
        } else {
          count(op.sym, op.expect);
          try {
            single.append(op.sym, op.bar);
            t.fail(`seed ${seed}: bad bar (${op.expect}) ${JSON.stringify(op.bar)} of ${op.sym} accepted`);
          } catch (e) {
            if (!(e instanceof BarValidationError) || e.code !== op.expect) {
              t.fail(`seed ${seed}: bar ${JSON.stringify(op.bar)} of ${op.sym}: expected ${op.expect}, got ${String(e)}`);
            }
          }
        }
      }
      // In batches under invalid: 'skip', split at each clock move.
      let segment: Op[] = [];
      const flush = () => {
        for (const sym of SYMBOLS) {
          const mine = segment.filter((o): o is Extract<Op, { kind: 'bar' }> => o.kind === 'bar' && o.sym === sym);
          if (mine.length === 0) continue;
          const r = batch.appendMany(sym, toFloat64Columns(mine.map((o) => o.bar)), { invalid: 'skip' });
          const want = mine.flatMap((o, i) => (o.expect === null ? [] : [{ index: i, code: o.expect }]));
          const got = r.rejected.map(({ index, code }) => ({ index, code }));
          if (JSON.stringify(got) !== JSON.stringify(want)) t.fail(`seed ${seed} ${sym}: batch rejected ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
          if (r.appended !== mine.length - want.length) t.fail(`seed ${seed}: appended ${r.appended}`);
        }
        segment = [];
      };
      for (const op of ops) {
        if (op.kind === 'advance') {
          flush();
          batch.advanceTo(op.time);
        } else {
          segment.push(op);
        }
      }
      flush();
      single.endSession();
      batch.endSession();
    });
    compareAll(t, tr, single, 'mixed one by one vs naive');
    compareAll(t, tr, batch, 'mixed batches vs one by one', single);
    for (const sym of SYMBOLS) {
      const want = expected.get(sym) as Record<string, number>;
      for (const data of [single, batch]) {
        const got = data.rejections(sym);
        for (const [code, n] of Object.entries(got)) {
          if (n !== (want[code] ?? 0)) t.fail(`seed ${seed} ${sym} ${code}: counted ${n}, injected ${want[code] ?? 0}`);
        }
      }
    }
  }
  // The generator really produced every reason, many times.
  for (const code of ['no_session', 'non_finite', 'high_below_open_close', 'low_above_open_close', 'negative_volume', 'off_grid', 'outside_session', 'duplicate', 'out_of_order', 'late', 'volume_too_large']) {
    t.true((injectedTotal.get(code) ?? 0) >= 10, `${code}: ${injectedTotal.get(code) ?? 0} injected`);
  }
  t.log(Object.fromEntries(injectedTotal));
});
