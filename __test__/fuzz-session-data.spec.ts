/**
 * Differential fuzz of SessionData against a naive model written from DESIGN.md "Semantics
 * (normative)" and README "Semantics" / "Decisions where the design is silent". The model keeps
 * every series as a plain array of bars and works each bucket out from first principles (elapsed
 * time from the open, or the exchange's wall clock read through Intl), so it shares no code with
 * the core. After every operation the two must agree on closed bars bit for bit, forming bars,
 * what closed, rejections by symbol and reason, gaps and base quality.
 */
import test from 'ava';
import { BarValidationError, REJECT_CODES, SessionData, SessionError } from 'barstream';
import type { Bar, RejectCode, Session } from 'barstream';
import { Rng } from './helpers/prng.js';

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NY = 'America/New_York';

// ---------------------------------------------------------------- exchange wall clock (Intl)

const wallFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: NY, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const offsetCache = new Map<number, number>();
/** UTC offset of New York at `u` (ms); New York changes offset only on whole quarter hours. */
function nyOffset(u: number): number {
  const key = Math.floor(u / (15 * MIN));
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const parts: Record<string, number> = {};
  for (const p of wallFormat.formatToParts(new Date(key * 15 * MIN))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  const off = wall - key * 15 * MIN;
  offsetCache.set(key, off);
  return off;
}
const mod = (a: number, m: number): number => ((a % m) + m) % m;

/**
 * The instant of wall time `hh:mm` on `date` in New York, by the Intl offset: the instant whose
 * offset, added, shows that wall time; in the hour the clocks repeat, the first. No template's time
 * falls in the hour they skip.
 */
function nyInstant(date: string, hhmm: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = hhmm.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  for (const off of [-4 * HOUR, -5 * HOUR]) if (nyOffset(wall - off) === off) return wall - off;
  throw new Error(`${date} ${hhmm} is not on New York's wall clock`);
}

/** The codes a bar is rejected with, written out here so a code missing from the package shows. */
const CODES = ['no_session', 'non_finite', 'high_below_open_close', 'low_above_open_close', 'negative_volume', 'off_grid', 'outside_session', 'duplicate', 'out_of_order', 'late', 'volume_too_large'] as const;
/** A clock-aligned boundary is an instant where the exchange's clock shows a multiple of the length. */
const isWallBoundary = (u: number, len: number): boolean => mod(u + nyOffset(u), len) === 0;

// ---------------------------------------------------------------- the model

interface Spec { name: string; ms: number | 'day' }
interface Opts { base: number; baseName: string; derived: Spec[]; alignment: 'session' | 'clock'; flat: boolean; retain: number | undefined }
interface MBar { time: number; open: number; high: number; low: number; close: number; volume: number }
interface Bucket { start: number; end: number }
interface Forming { bucket: Bucket; bar: MBar }
interface Series { bars: MBar[]; seq: number[] }
interface MSym {
  last: number | undefined;
  series: Map<string, Series>;
  forming: Map<string, Forming | undefined>;
  /** End of the last bucket that held data or a flat bar this session, per interval. */
  covered: Map<string, number | undefined>;
  lastClose: number | undefined;
  prevInSession: number | undefined;
  rejects: Map<RejectCode, number>;
  sessReceived: number;
  sessLate: number;
  sessRejects: Map<RejectCode, number>;
  /** Buckets closed this session with base bars, and without (flat), per interval. */
  sessData: Map<string, number>;
  sessFlat: Map<string, number>;
  sessTimes: number[];
}
interface GapRec { symbol: string; from: number; to: number }

/** What the cases reached, logged so a change that stops them reaching a rule shows. */
const reached = new Map<string, number>();
const tally = (what: string): void => { reached.set(what, (reached.get(what) ?? 0) + 1); };

class Reject extends Error {
  constructor(readonly code: RejectCode) { super(code); }
}

class Model {
  syms = new Map<string, MSym>();
  session: Session | undefined;
  lastSession: Session | undefined;
  seq = 0;
  clock = -Infinity;
  gaps: GapRec[] = [];
  bucketCache = new Map<string, Bucket>();
  constructor(readonly o: Opts) {}

  clone(): Model {
    const m = new Model(this.o);
    m.session = this.session; m.lastSession = this.lastSession; m.seq = this.seq; m.clock = this.clock;
    m.gaps = [...this.gaps]; m.bucketCache = this.bucketCache;
    for (const [k, s] of this.syms) {
      const series = new Map<string, Series>();
      for (const [i, v] of s.series) series.set(i, { bars: [...v.bars], seq: [...v.seq] });
      m.syms.set(k, { ...s, series, forming: new Map(s.forming), covered: new Map(s.covered), rejects: new Map(s.rejects), sessRejects: new Map(s.sessRejects), sessData: new Map(s.sessData), sessFlat: new Map(s.sessFlat), sessTimes: [...s.sessTimes] });
    }
    return m;
  }

  sym(name: string): MSym {
    let s = this.syms.get(name);
    if (s === undefined) {
      s = { last: undefined, series: new Map(), forming: new Map(), covered: new Map(), lastClose: undefined, prevInSession: undefined, rejects: new Map(), sessReceived: 0, sessLate: 0, sessRejects: new Map(), sessData: new Map(), sessFlat: new Map(), sessTimes: [] };
      s.series.set(this.o.baseName, { bars: [], seq: [] });
      for (const d of this.o.derived) s.series.set(d.name, { bars: [], seq: [] });
      this.syms.set(name, s);
    }
    return s;
  }

  /** The bucket of `t` in interval `d`, cut at the session close. */
  bucket(d: Spec, t: number): Bucket {
    const ses = this.session;
    if (ses === undefined) throw new Error('no session');
    const key = `${d.name}:${t}:${ses.open}`;
    const hit = this.bucketCache.get(key);
    if (hit !== undefined) return hit;
    let b: Bucket;
    if (d.ms === 'day') {
      b = { start: this.o.alignment === 'clock' ? ses.dayStart : ses.open, end: ses.close };
    } else if (this.o.alignment === 'session') {
      const start = ses.open + Math.floor((t - ses.open) / d.ms) * d.ms;
      b = { start, end: Math.min(start + d.ms, ses.close) };
    } else {
      const step = 30 * SEC;
      let start = t;
      while (!isWallBoundary(start, d.ms)) start -= step;
      let end = start + step;
      while (!isWallBoundary(end, d.ms)) end += step;
      b = { start, end: Math.min(end, ses.close) };
    }
    this.bucketCache.set(key, b);
    return b;
  }

  count(s: MSym, code: RejectCode): void {
    tally(`rejected ${code}`);
    s.rejects.set(code, (s.rejects.get(code) ?? 0) + 1);
    if (code !== 'no_session') s.sessRejects.set(code, (s.sessRejects.get(code) ?? 0) + 1);
    if (code === 'late') s.sessLate++;
  }

  /** The first failing rule, in README's table order, or undefined for a good bar. */
  check(s: MSym, b: MBar): RejectCode | undefined {
    const ses = this.session;
    if (ses === undefined) return 'no_session';
    const fields = [b.time, b.open, b.high, b.low, b.close, b.volume];
    if (fields.some((v) => !Number.isFinite(v)) || !Number.isInteger(b.time)) return 'non_finite';
    if (b.time < ses.open || b.time >= ses.close) return 'outside_session';
    if ((b.time - ses.open) % this.o.base !== 0) return 'off_grid';
    if (s.last !== undefined && b.time === s.last) return 'duplicate';
    if (s.last !== undefined && b.time < s.last) return 'out_of_order';
    if (this.o.derived.some((d) => this.bucket(d, b.time).end <= this.clock)) return 'late';
    if (b.high < Math.max(b.open, b.close)) return 'high_below_open_close';
    if (b.low > Math.min(b.open, b.close)) return 'low_above_open_close';
    if (b.volume < 0) return 'negative_volume';
    if (b.volume > 1e290) return 'volume_too_large';
    return undefined;
  }

  closeBar(s: MSym, interval: string, bar: MBar, flat = false): void {
    if (interval !== this.o.baseName) {
      const m = flat ? s.sessFlat : s.sessData;
      m.set(interval, (m.get(interval) ?? 0) + 1);
    }
    const ser = s.series.get(interval);
    if (ser === undefined) throw new Error(interval);
    ser.bars.push(bar); ser.seq.push(this.seq);
  }

  /** Flat bars for the empty buckets from what `s` covered up to `limit` (bucket starts before it, ends at or before `endLimit`). */
  fillFlat(s: MSym, d: Spec, startBefore: number, endBy: number, closed: Set<string>): void {
    if (!this.o.flat || s.lastClose === undefined) return;
    let from = s.covered.get(d.name);
    if (from === undefined) return;
    while (true) {
      const ses = this.session;
      if (ses === undefined || from >= ses.close) return;
      const b = this.bucket(d, from);
      if (b.start >= startBefore || b.end > endBy) return;
      const c = s.lastClose;
      tally('flat bar');
      this.closeBar(s, d.name, { time: b.start, open: c, high: c, low: c, close: c, volume: 0 }, true);
      closed.add(d.name);
      s.covered.set(d.name, b.end);
      from = b.end;
    }
  }

  /** Appends one bar; returns the intervals it closed, in the store's order, or throws Reject. */
  append(name: string, b: MBar): string[] {
    const s = this.sym(name);
    const code = this.check(s, b);
    if (code !== undefined) { this.count(s, code); throw new Reject(code); }
    const ses = this.session;
    if (ses === undefined) throw new Error('unreachable');
    const expectedFrom = s.prevInSession === undefined ? ses.open : s.prevInSession + this.o.base;
    if (b.time > expectedFrom) this.gaps.push({ symbol: name, from: expectedFrom, to: b.time });
    s.prevInSession = b.time; s.last = b.time; s.sessReceived++; s.sessTimes.push(b.time);
    const closed = new Set<string>([this.o.baseName]);
    this.closeBar(s, this.o.baseName, { ...b });
    for (const d of this.o.derived) {
      const bk = this.bucket(d, b.time);
      const f = s.forming.get(d.name);
      if (f !== undefined && f.bucket.start !== bk.start) {
        tally('closed by a later bucket');
        this.closeBar(s, d.name, f.bar); closed.add(d.name); s.forming.set(d.name, undefined);
      }
      this.fillFlat(s, d, bk.start, Infinity, closed);
      const cur = s.forming.get(d.name);
      let next: Forming;
      if (cur === undefined) next = { bucket: bk, bar: { time: bk.start, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume } };
      else next = { bucket: bk, bar: { time: bk.start, open: cur.bar.open, high: Math.max(cur.bar.high, b.high), low: Math.min(cur.bar.low, b.low), close: b.close, volume: cur.bar.volume + b.volume } };
      s.covered.set(d.name, bk.end);
      if (b.time + this.o.base >= bk.end) {
        tally('closed by its last slot');
        this.closeBar(s, d.name, next.bar); closed.add(d.name); s.forming.set(d.name, undefined);
      } else s.forming.set(d.name, next);
    }
    s.lastClose = b.close;
    return [this.o.baseName, ...this.o.derived.map((d) => d.name)].filter((n) => closed.has(n));
  }

  advanceTo(t: number): Set<string> {
    const out = new Set<string>();
    if (this.session === undefined) return out;
    t = Math.floor(t);
    if (t <= this.clock) return out;
    this.clock = t;
    for (const [name, s] of this.syms) {
      const closed = new Set<string>();
      for (const d of this.o.derived) {
        const f = s.forming.get(d.name);
        if (f !== undefined && f.bucket.end <= t) { tally('closed by advanceTo'); this.closeBar(s, d.name, f.bar); closed.add(d.name); s.forming.set(d.name, undefined); }
        this.fillFlat(s, d, Infinity, t, closed);
      }
      for (const i of closed) out.add(`${name}|${i}`);
    }
    return out;
  }

  endSession(): Set<string> {
    const out = new Set<string>();
    const ses = this.session;
    if (ses === undefined) throw new Error('no session');
    for (const [name, s] of this.syms) {
      const closed = new Set<string>();
      for (const d of this.o.derived) {
        const f = s.forming.get(d.name);
        if (f !== undefined) { this.closeBar(s, d.name, f.bar); closed.add(d.name); s.forming.set(d.name, undefined); }
        this.fillFlat(s, d, Infinity, Infinity, closed);
      }
      for (const i of closed) out.add(`${name}|${i}`);
      const from = s.prevInSession === undefined ? ses.open : s.prevInSession + this.o.base;
      if (from < ses.close) this.gaps.push({ symbol: name, from, to: ses.close });
    }
    if (this.o.retain !== undefined) {
      const keepFrom = this.seq - this.o.retain + 1;
      for (const s of this.syms.values()) for (const ser of s.series.values()) {
        const cut = ser.seq.findIndex((q) => q >= keepFrom);
        const n = cut < 0 ? ser.bars.length : cut;
        ser.bars.splice(0, n); ser.seq.splice(0, n);
      }
    }
    this.lastSession = ses;
    this.session = undefined;
    return out;
  }

  beginSession(ses: Session): void {
    this.session = ses; this.seq++; this.clock = -Infinity;
    for (const s of this.syms.values()) {
      s.forming.clear(); s.covered.clear(); s.lastClose = undefined; s.prevInSession = undefined;
      s.sessReceived = 0; s.sessLate = 0; s.sessRejects.clear(); s.sessData.clear(); s.sessFlat.clear(); s.sessTimes = [];
    }
  }
}

// ---------------------------------------------------------------- sessions

interface SessionTemplate { date: string; open: string; close: string }
/** In date order: regular days, a 13:00 early close, a short day that no 1h divides, and days the clocks change. */
const TEMPLATES: readonly SessionTemplate[] = [
  { date: '2024-03-08', open: '09:30', close: '16:00' },
  { date: '2024-03-10', open: '00:00', close: '05:00' }, // spring forward at 02:00
  { date: '2024-03-11', open: '09:30', close: '10:47' },
  { date: '2024-07-03', open: '09:30', close: '13:00' }, // early close
  { date: '2024-07-05', open: '04:00', close: '09:30' }, // pre-market, then the regular session of the same day
  { date: '2024-07-05', open: '09:30', close: '16:00' },
  { date: '2024-11-03', open: '00:00', close: '04:30' }, // fall back at 02:00
  { date: '2024-11-04', open: '09:30', close: '12:13' },
  { date: '2024-11-29', open: '09:30', close: '13:00' }, // early close
];

/**
 * Written out in UTC: a short summer day, and two overnight sessions that
 * run past midnight into a clock change (18:00 EST to 03:30 EDT; 18:00 EDT to 03:00 EST).
 */
const HAND_BUILT: readonly Session[] = [
  { date: '2024-03-09', open: Date.UTC(2024, 2, 9, 23, 0), close: Date.UTC(2024, 2, 10, 7, 30), timeZone: NY, dayStart: Date.UTC(2024, 2, 9, 5, 0) },
  { date: '2024-07-08', open: Date.UTC(2024, 6, 8, 13, 30), close: Date.UTC(2024, 6, 8, 15, 0), timeZone: NY, dayStart: Date.UTC(2024, 6, 8, 4, 0) },
  { date: '2024-11-02', open: Date.UTC(2024, 10, 2, 22, 0), close: Date.UTC(2024, 10, 3, 8, 0), timeZone: NY, dayStart: Date.UTC(2024, 10, 2, 4, 0) },
];

function pickSessions(rng: Rng): Session[] {
  const chosen = TEMPLATES.filter(() => rng.chance(0.45));
  if (chosen.length === 0) chosen.push(rng.pick(TEMPLATES));
  const all = chosen.map((t): Session => ({ date: t.date, open: nyInstant(t.date, t.open), close: nyInstant(t.date, t.close), timeZone: NY, dayStart: nyInstant(t.date, '00:00') }));
  for (const h of HAND_BUILT) if (rng.chance(0.25)) all.push(h);
  all.sort((a, b) => a.open - b.open);
  // Sessions come in order and never overlap; an overnight one and the next morning's may.
  const out: Session[] = [];
  for (const ses of all) if (out.length < 4 && (out.at(-1)?.close ?? -Infinity) <= ses.open) out.push(ses);
  return out;
}

// ---------------------------------------------------------------- options

function pickOptions(rng: Rng): Opts {
  const base30 = rng.chance(0.3);
  const base = base30 ? 30 * SEC : MIN;
  const alignment = rng.chance(0.5) ? 'clock' : 'session';
  const pools: Record<string, readonly Spec[]> = {
    session1m: [{ name: '2m', ms: 2 * MIN }, { name: '5m', ms: 5 * MIN }, { name: '7m', ms: 7 * MIN }, { name: '13m', ms: 13 * MIN }, { name: '45m', ms: 45 * MIN }, { name: '1h', ms: HOUR }, { name: '2h', ms: 2 * HOUR }, { name: '1d', ms: 'day' }],
    clock1m: [{ name: '5m', ms: 5 * MIN }, { name: '15m', ms: 15 * MIN }, { name: '30m', ms: 30 * MIN }, { name: '1h', ms: HOUR }, { name: '2h', ms: 2 * HOUR }, { name: '4h', ms: 4 * HOUR }, { name: '1d', ms: 'day' }],
    session30s: [{ name: '90s', ms: 90 * SEC }, { name: '2m', ms: 2 * MIN }, { name: '5m', ms: 5 * MIN }, { name: '7m', ms: 7 * MIN }, { name: '1h', ms: HOUR }, { name: '1d', ms: 'day' }],
    clock30s: [{ name: '1m', ms: MIN }, { name: '2m', ms: 2 * MIN }, { name: '5m', ms: 5 * MIN }, { name: '1h', ms: HOUR }, { name: '4h', ms: 4 * HOUR }, { name: '1d', ms: 'day' }],
  };
  const pool = pools[`${alignment}${base30 ? '30s' : '1m'}`] ?? [];
  const derived = pool.filter(() => rng.chance(0.4));
  return { base, baseName: base30 ? '30s' : '1m', derived, alignment, flat: rng.chance(0.5), retain: rng.chance(0.3) ? rng.int(1, 2) : undefined };
}

// ---------------------------------------------------------------- bars

function goodBar(rng: Rng, time: number): MBar {
  const open = rng.int(9_000, 11_000) / 100;
  const close = rng.int(9_000, 11_000) / 100;
  const volume = rng.chance(0.2) ? rng.int(0, 99_999) / 100 : rng.int(0, 5_000);
  return { time, open, high: Math.max(open, close) + rng.int(0, 30) / 100, low: Math.min(open, close) - rng.int(0, 30) / 100, close, volume };
}

/** A bar meant to break one rule (the model decides what it actually breaks). */
function badBar(rng: Rng, next: number, last: number | undefined, ses: Session, base: number): MBar {
  const b = goodBar(rng, next);
  switch (rng.int(0, 9)) {
    case 0: return { ...b, [rng.pick(['open', 'high', 'low', 'close', 'volume', 'time'] as const)]: rng.pick([NaN, Infinity, -Infinity]) };
    case 1: return { ...b, time: next + 0.5 };
    case 2: return { ...b, high: Math.max(b.open, b.close) - 0.01, low: Math.min(b.open, b.close) - 0.5 };
    case 3: return { ...b, low: Math.min(b.open, b.close) + 0.01 };
    case 4: return { ...b, volume: -rng.int(1, 100) };
    case 5: return { ...b, time: next + rng.pick([SEC, 7 * SEC, base / 2 + SEC]) };
    case 6: return { ...b, time: last ?? next };
    case 7: return { ...b, time: (last ?? next) - base * rng.int(1, 3) };
    case 8: return { ...b, time: rng.pick([ses.close, ses.close + base * 3, ses.open - base]) };
    default: return { ...b, volume: 1e300 };
  }
}

// ---------------------------------------------------------------- comparison

const same = (a: number, b: number): boolean => Object.is(a, b);
type Column = 'time' | 'open' | 'high' | 'low' | 'close' | 'volume';
const COLUMNS: readonly Column[] = ['time', 'open', 'high', 'low', 'close', 'volume'];

class Mismatch extends Error {}
function expect(ok: boolean, what: () => string): void {
  if (!ok) throw new Mismatch(what());
}

function compareState(data: SessionData, model: Model, o: Opts, checked: Map<string, number>, full: boolean): void {
  const libSyms = [...data.symbols()].sort();
  const modelSyms = [...model.syms.keys()].sort();
  expect(JSON.stringify(libSyms) === JSON.stringify(modelSyms), () => `symbols: lib ${JSON.stringify(libSyms)} model ${JSON.stringify(modelSyms)}`);
  const total = data.rejections();
  for (const code of CODES) {
    let sum = 0;
    for (const s of model.syms.values()) sum += s.rejects.get(code) ?? 0;
    expect(total[code] === sum, () => `rejections() ${code}: lib ${total[code]} model ${sum}`);
  }
  for (const [name, s] of model.syms) {
    const rej = data.rejections(name);
    for (const code of CODES) expect(rej[code] === (s.rejects.get(code) ?? 0), () => `rejections(${name}) ${code}: lib ${rej[code]} model ${s.rejects.get(code) ?? 0}`);
    for (const [interval, ser] of s.series) {
      const view = data.bars(name, interval);
      expect(view.length === ser.bars.length, () => `${name} ${interval} length: lib ${view.length} model ${ser.bars.length}`);
      const key = `${name}|${interval}`;
      const from = full ? 0 : Math.min(checked.get(key) ?? 0, ser.bars.length);
      for (let i = from; i < ser.bars.length; i++) {
        const m = ser.bars[i] as MBar;
        for (const c of COLUMNS) expect(same(view[c][i] as number, m[c]), () => `${name} ${interval} bar ${i} ${c}: lib ${view[c][i]} model ${m[c]} (model bar ${JSON.stringify(m)})`);
      }
      checked.set(key, ser.bars.length);
      if (interval === o.baseName) continue;
      const lf = data.forming(name, interval);
      const mf = s.forming.get(interval)?.bar ?? null;
      expect((lf === null) === (mf === null), () => `${name} ${interval} forming: lib ${JSON.stringify(lf)} model ${JSON.stringify(mf)}`);
      if (lf !== null && mf !== null) for (const c of COLUMNS) expect(same(lf[c], mf[c]), () => `${name} ${interval} forming ${c}: lib ${lf[c]} model ${mf[c]}`);
    }
  }
  const gaps = data.takeGaps().map((g) => `${g.symbol}:${g.from}-${g.to}`).sort();
  const mg = model.gaps.map((g) => `${g.symbol}:${g.from}-${g.to}`).sort();
  model.gaps = [];
  expect(JSON.stringify(gaps) === JSON.stringify(mg), () => `gaps: lib ${JSON.stringify(gaps)} model ${JSON.stringify(mg)}`);
}

function compareQuality(data: SessionData, model: Model): void {
  const ses = model.session ?? model.lastSession;
  if (ses === undefined) return;
  for (const [name, s] of model.syms) {
    const q = data.quality(name);
    expect(q !== null, () => `quality(${name}) is null`);
    if (q === null) return;
    expect(q.base.received === s.sessReceived, () => `quality(${name}).base.received: lib ${q.base.received} model ${s.sessReceived}`);
    expect(q.base.late === s.sessLate, () => `quality(${name}).base.late: lib ${q.base.late} model ${s.sessLate}`);
    expect(q.base.expected === Math.ceil((ses.close - ses.open) / model.o.base), () => `quality(${name}).base.expected ${q.base.expected}`);
    const slots = Math.ceil((ses.close - ses.open) / model.o.base);
    let missing = slots - s.sessReceived;
    if (model.session !== undefined) {
      // While the session is open a slot has passed when it lies before the latest bar or the clock reached its end.
      const latest = s.sessTimes.at(-1) ?? -Infinity;
      const have = new Set(s.sessTimes);
      missing = 0;
      for (let k = 0; k < slots; k++) {
        const slot = ses.open + k * model.o.base;
        if (!have.has(slot) && (slot < latest || Math.min(slot + model.o.base, ses.close) <= model.clock)) missing++;
      }
    }
    expect(q.base.missing === missing, () => `quality(${name}).base.missing: lib ${q.base.missing} model ${missing}`);
    for (const d of model.o.derived) {
      const iq = q.intervals[d.name];
      expect(iq !== undefined, () => `quality(${name}).intervals.${d.name} missing`);
      if (iq === undefined) return;
      const rcv = s.sessData.get(d.name) ?? 0;
      const flat = s.sessFlat.get(d.name) ?? 0;
      // Missing buckets are those closed without base bars, whatever emptyBuckets makes of them:
      // passed by a later bar, ended by the clock, or (after the session) every empty one.
      let buckets = 0;
      let empty = 0;
      const saved = model.session;
      model.session = ses;
      const withData = new Set(s.sessTimes.map((t) => model.bucket(d, t).start));
      const latest = s.sessTimes.length === 0 ? -Infinity : model.bucket(d, s.sessTimes.at(-1) as number).start;
      for (let u = ses.open; u < ses.close; u = model.bucket(d, u).end) {
        const b = model.bucket(d, u);
        buckets++;
        if (!withData.has(b.start) && (saved === undefined || b.end <= model.clock || b.start < latest)) empty++;
      }
      model.session = saved;
      if (model.o.flat && s.sessTimes.length > 0) expect(flat <= empty, () => `${name} ${d.name}: ${flat} flat bars for ${empty} empty buckets`);
      expect(iq.received === rcv && iq.missing === empty && iq.expected === buckets, () => `quality(${name}).intervals.${d.name}: lib ${JSON.stringify(iq)} model received ${rcv} missing ${empty} expected ${buckets}`);
    }
    for (const code of CODES) {
      if (code === 'no_session') continue;
      expect(q.base.rejected[code] === (s.sessRejects.get(code) ?? 0), () => `quality(${name}).base.rejected.${code}: lib ${q.base.rejected[code]} model ${s.sessRejects.get(code) ?? 0}`);
    }
  }
}

const sortedClosed = (list: readonly { symbol: string; interval: string }[]): string[] => [...new Set(list.map((c) => `${c.symbol}|${c.interval}`))].sort();

// ---------------------------------------------------------------- one case

function libCode(e: unknown): string {
  if (e instanceof BarValidationError || e instanceof SessionError) return e.code;
  throw e;
}

const SYMBOLS = ['AAA', 'BBB', 'CCC'] as const;
/** The operations of the case that ran last, logged with a failure so it can be replayed. */
let lastLog: string[] = [];

function runCase(seed: number): string[] {
  const rng = new Rng(seed);
  const o = pickOptions(rng);
  const log: string[] = [`options ${JSON.stringify(o)}`];
  lastLog = log;
  const data = new SessionData({
    baseInterval: o.baseName, intervals: o.derived.map((d) => d.name), alignment: o.alignment,
    emptyBuckets: o.flat ? 'flat' : 'skip', ...(o.retain === undefined ? {} : { retainSessions: o.retain }),
  });
  expect(JSON.stringify(data.intervals) === JSON.stringify([o.baseName, ...o.derived.map((d) => d.name)]), () => `intervals ${JSON.stringify(data.intervals)}`);
  const model = new Model(o);
  const checked = new Map<string, number>();
  const symbols = SYMBOLS.slice(0, rng.int(1, 3));

  const appendOne = (name: string, b: MBar): void => {
    const before = model.clone();
    let expected: string[] | RejectCode;
    try { expected = model.append(name, b); } catch (e) { if (e instanceof Reject) expected = e.code; else throw e; }
    let got: string[] | string;
    try { got = [...data.append(name, b as Bar)]; } catch (e) { got = libCode(e); }
    log.push(`append ${name} ${JSON.stringify(b)} -> ${JSON.stringify(got)}`);
    expect(JSON.stringify(got) === JSON.stringify(expected), () => `append ${name} ${JSON.stringify(b)}: lib ${JSON.stringify(got)} model ${JSON.stringify(expected)}`);
    if (typeof expected === 'string') {
      // A rejected bar changes nothing but its count: the model before it, plus the count, must match.
      const s = before.sym(name); before.count(s, expected);
      compareState(data, before, o, new Map(), true);
      model.gaps = before.gaps;
    }
  };

  for (const ses of pickSessions(rng)) {
    if (rng.chance(0.3)) appendOne(rng.pick(symbols), goodBar(rng, ses.open));
    data.beginSession(ses); model.beginSession(ses);
    tally(`${o.alignment} session ${ses.date}`);
    log.push(`beginSession ${JSON.stringify(ses)}`);
    const cursor = new Map<string, number>(symbols.map((s) => [s, ses.open + o.base * (rng.chance(0.2) ? rng.int(0, 20) : 0)]));
    const nextTime = (name: string): number => {
      const t = cursor.get(name) ?? ses.open;
      cursor.set(name, t + o.base * (rng.chance(0.1) ? rng.int(2, 12) : 1));
      return t;
    };
    const slots = Math.ceil((ses.close - ses.open) / o.base);
    const ops = Math.min(rng.int(20, 160), slots * 2);
    for (let op = 0; op < ops; op++) {
      if (symbols.every((s) => (cursor.get(s) ?? ses.open) >= ses.close) && rng.chance(0.3)) break;
      const r = rng.next();
      const name = rng.pick(symbols);
      if (r < 0.55) {
        const last = model.syms.get(name)?.last;
        appendOne(name, rng.chance(0.15) ? badBar(rng, cursor.get(name) ?? ses.open, last, ses, o.base) : goodBar(rng, nextTime(name)));
      } else if (r < 0.75) {
        const n = rng.int(0, 12);
        const batch: MBar[] = [];
        for (let i = 0; i < n; i++) batch.push(rng.chance(0.08) ? badBar(rng, cursor.get(name) ?? ses.open, batch.at(-1)?.time ?? model.syms.get(name)?.last, ses, o.base) : goodBar(rng, nextTime(name)));
        const mode = rng.chance(0.5) ? 'throw' : 'skip';
        const cols = { time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
        batch.forEach((b, i) => { for (const c of COLUMNS) cols[c][i] = b[c]; });
        // The model's batch: one by one on a copy, kept whole unless 'throw' met a bad bar.
        const trial = model.clone();
        const closed = new Set<string>();
        const rejected: string[] = [];
        let thrown: string | undefined;
        for (let i = 0; i < n; i++) {
          try { for (const c of trial.append(name, batch[i] as MBar)) closed.add(c); } catch (e) {
            if (!(e instanceof Reject)) throw e;
            rejected.push(`${i}:${e.code}`);
            if (mode === 'throw') { thrown = `${i}:${e.code}`; break; }
          }
        }
        let gotSummary: string;
        try {
          const res = data.appendMany(name, cols, { invalid: mode });
          gotSummary = JSON.stringify({ appended: res.appended, closed: res.closed, rejected: res.rejected.map((x) => `${x.index}:${x.code}`) });
        } catch (e) {
          gotSummary = e instanceof BarValidationError ? `throw ${e.index ?? -1}:${e.code}` : `throw ${libCode(e)}`;
        }
        let modelSummary: string;
        if (thrown !== undefined) {
          const s = model.sym(name);
          model.count(s, (thrown.split(':')[1] ?? '') as RejectCode);
          modelSummary = `throw ${thrown}`;
        } else {
          const order = [o.baseName, ...o.derived.map((d) => d.name)].filter((x) => closed.has(x));
          modelSummary = JSON.stringify({ appended: n - rejected.length, closed: order, rejected });
          Object.assign(model, { syms: trial.syms, gaps: trial.gaps });
        }
        log.push(`appendMany ${name} ${mode} ${JSON.stringify(batch)} -> ${gotSummary}`);
        expect(gotSummary === modelSummary, () => `appendMany ${name} ${mode} ${JSON.stringify(batch)}: lib ${gotSummary} model ${modelSummary}`);
      } else if (r < 0.85) {
        const names = symbols.filter(() => rng.chance(0.7));
        const bars = names.map((s) => (rng.chance(0.1) ? badBar(rng, cursor.get(s) ?? ses.open, model.syms.get(s)?.last, ses, o.base) : goodBar(rng, nextTime(s))));
        const n = names.length;
        const cols = { time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
        bars.forEach((b, i) => { for (const c of COLUMNS) cols[c][i] = b[c]; });
        const expected = names.map((s, i) => { try { return model.append(s, bars[i] as MBar); } catch (e) { if (e instanceof Reject) return e.code; throw e; } });
        const out = data.appendSlice(names, cols);
        const got = names.map((_, i) => out.rejected[i] ?? [...(out.closed[i] ?? [])]);
        log.push(`appendSlice ${JSON.stringify(names)} ${JSON.stringify(bars)} -> ${JSON.stringify(got)}`);
        expect(JSON.stringify(got) === JSON.stringify(expected), () => `appendSlice ${JSON.stringify(names)} ${JSON.stringify(bars)}: lib ${JSON.stringify(got)} model ${JSON.stringify(expected)}`);
      } else {
        // Mostly near the slowest symbol, so a few of its bars come late rather than all of them.
        const slowest = Math.min(...symbols.map((s) => cursor.get(s) ?? ses.open));
        const t = (rng.chance(0.15) ? ses.open + rng.int(0, slots + 2) * o.base : slowest + rng.int(-4, 3) * o.base) + (rng.chance(0.2) ? rng.int(1, 999) + 0.25 : 0);
        const got = sortedClosed(data.advanceTo(t));
        const expected = [...model.advanceTo(t)].sort();
        log.push(`advanceTo ${t} -> ${JSON.stringify(got)}`);
        expect(JSON.stringify(got) === JSON.stringify(expected), () => `advanceTo ${t}: lib ${JSON.stringify(got)} model ${JSON.stringify(expected)}`);
      }
      compareState(data, model, o, checked, false);
      if (op % 16 === 0) compareQuality(data, model);
    }
    const got = sortedClosed(data.endSession());
    const expected = [...model.endSession()].sort();
    log.push(`endSession -> ${JSON.stringify(got)}`);
    expect(JSON.stringify(got) === JSON.stringify(expected), () => `endSession: lib ${JSON.stringify(got)} model ${JSON.stringify(expected)}`);
    compareState(data, model, o, checked, true);
    compareQuality(data, model);
    if (rng.chance(0.3)) {
      const name = rng.pick(symbols);
      const known = model.syms.has(name);
      model.syms.delete(name);
      for (const k of [...checked.keys()]) if (k.startsWith(`${name}|`)) checked.delete(k);
      const removed = data.removeSymbol(name);
      tally('removeSymbol');
      log.push(`removeSymbol ${name} -> ${removed}`);
      expect(removed === known, () => `removeSymbol ${name}: lib ${removed} model ${known}`);
      compareState(data, model, o, checked, true);
    }
  }
  return log;
}

const CASES = 220;
const FIRST_SEED = 0x5eed_0000;

test('the reject codes the model checks are the package\'s, every one', (t) => {
  t.deepEqual([...REJECT_CODES].sort(), [...CODES].sort());
});

test(`SessionData agrees with the naive model on ${CASES} random cases`, (t) => {
  for (let k = 0; k < CASES; k++) {
    const seed = FIRST_SEED + k;
    try {
      runCase(seed);
    } catch (e) {
      if (e instanceof Mismatch) {
        t.log(lastLog.slice(-40).join('\n'));
        t.fail(`seed ${seed}: ${e.message}`);
        return;
      }
      throw e;
    }
  }
  t.log([...reached].sort().map(([k, v]) => `${k}: ${v}`).join('\n'));
  for (const code of CODES) t.true((reached.get(`rejected ${code}`) ?? 0) > 0, `no case reached ${code}`);
  for (const what of ['flat bar', 'closed by advanceTo', 'closed by its last slot', 'closed by a later bucket', 'clock session 2024-03-10', 'clock session 2024-11-03', 'clock session 2024-03-09', 'clock session 2024-11-02', 'removeSymbol']) {
    t.true((reached.get(what) ?? 0) > 0, `no case reached: ${what}`);
  }
});
