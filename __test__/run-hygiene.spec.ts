/**
 * What runs leave behind in a process that makes many of them: stores they dropped, and how far
 * they read their sources ahead. No timing assertions; bounds are generous.
 */
import test from 'ava';
import { AnalysisEngine, SessionCoordinator, SessionData, columnsSource, iterableSource } from '../src/index.js';
import type { Session, SymbolBar } from '../src/index.js';
import { SLOT, SLOT_HANDLE } from '../src/native.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const OPEN = Date.UTC(2024, 5, 3, 13, 30);
const SESSION: Session = { date: '2024-06-03', open: OPEN, close: OPEN + 390 * MINUTE, timeZone: 'America/New_York', dayStart: Date.UTC(2024, 5, 3, 4) };

/** The native handle of `data`: the calling slot holds it after a call that names the store. */
function handleOf(data: SessionData): number {
  data.forming('A', '5m');
  return SLOT[SLOT_HANDLE] as number;
}

test.serial('a loop of awaited runs, a store made per run, frees the stores it dropped as it goes', async (t) => {
  // Every run's subscribers finish synchronously, so nothing in a run turns the event loop, where
  // Node-API runs the finalizers of collected stores. A store freed gives its handle to the next
  // one made; a store kept holds its handle and its memory. Freed as it goes, the loop reuses a
  // few hundred handles at most; kept, it used a new handle every run (500 of 500). Serial: stores made by
  // the other tests of this file, running meanwhile, would take handles too.
  const time = Float64Array.from({ length: 390 }, (_, k) => OPEN + k * MINUTE);
  const ones = new Float64Array(390).fill(1);
  const columns = { time, open: ones, high: ones, low: ones, close: ones, volume: ones };
  const runs = 500;
  let first = -1;
  let highest = -1;
  for (let i = 0; i < runs; i++) {
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    engine.subscribe({ interval: '5m' }, () => undefined);
    const report = await new SessionCoordinator({ calendar: { sessions: () => [SESSION] }, data, engine, source: columnsSource({ A: columns }), from: SESSION.date, to: SESSION.date }).run();
    if (i === 0) t.is(report.delivered, 78);
    const handle = handleOf(data);
    if (first < 0) first = handle;
    highest = Math.max(highest, handle);
  }
  // Alone this loop reaches about 120 handles; with the whole suite loading both cores, when
  // collections come is less regular and it reached 250 once. A store kept would reach 500.
  t.true(highest - first < (runs * 4) / 5, `handles ${first} to ${highest} over ${runs} runs`);
});

/** `sessions` sessions of 390 one-minute slices of `symbols` symbols, counting the bars handed out. */
function feed(sessions: readonly Session[], symbols: number): { source: ReturnType<typeof iterableSource>; produced: () => number } {
  let produced = 0;
  async function* bars(): AsyncGenerator<SymbolBar> {
    for (const s of sessions) {
      for (let k = 0; k < 390; k++) {
        for (let j = 0; j < symbols; j++) {
          produced++;
          yield { symbol: `S${j}`, time: s.open + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 };
        }
      }
    }
  }
  return { source: iterableSource(bars()), produced: () => produced };
}

function sessionsFrom(first: number, count: number): Session[] {
  return Array.from({ length: count }, (_, s) => {
    const open = first + s * DAY;
    return { date: new Date(open).toISOString().slice(0, 10), open, close: open + 390 * MINUTE, timeZone: 'UTC', dayStart: open - (open % DAY) };
  });
}

test('a backtest reads a stream source only so far ahead of the run, data-driven with a subscriber that awaits and clock-driven alike', async (t) => {
  // Unbounded, the source was read as fast as it gives bars while the run waited for its
  // subscribers or its clock: the whole stream in memory (every bar of it ahead of the store).
  const cases: [string, number, number, number][] = [
    ['data-driven, an async subscriber', 0, 2, 200],
    ['clock-driven', 1e6, 1, 520],
  ];
  for (const [label, speed, sessionCount, symbols] of cases) {
    const sessions = sessionsFrom(Date.UTC(2024, 0, 2, 14, 30), sessionCount);
    const { source, produced } = feed(sessions, symbols);
    const total = sessionCount * 390 * symbols;
    const data = new SessionData({ intervals: ['5m'] });
    const engine = new AnalysisEngine();
    let ahead = 0;
    engine.subscribe({ interval: '1m', symbols: ['S0'], name: 'watch' }, () => {
      ahead = Math.max(ahead, produced() - data.count('S0', '1m') * symbols);
      if (speed === 0) return new Promise<void>((resolve) => setImmediate(resolve));
    });
    const report = await new SessionCoordinator({
      calendar: { sessions: () => sessions },
      data,
      engine,
      source,
      from: sessions[0]!.date,
      to: sessions[sessions.length - 1]!.date,
      speed,
      overrun: 'queue',
    }).run();
    // Every bar stored, none late.
    t.is(report.barsIn, total, label);
    t.is(report.barsStored, total, label);
    t.true(ahead < total / 2, `${label}: ${ahead} bars read ahead of the store, of ${total}`);
  }
});

test('a clock-driven run whose symbols come and go visits at each boundary the symbols the store has, not every one it met', async (t) => {
  // Each session trades 50 new symbols, removed at its end (a service whose symbols churn). The
  // boundaries asked the store of every symbol the run had ever met, the session's 50 and all those
  // removed before: a run of weeks slowed down with every symbol that had come and gone.
  const count = 12;
  const symbols = 50;
  const minutes = 10;
  const sessions = Array.from({ length: count }, (_, s) => {
    const open = Date.UTC(2024, 0, 2, 14, 30) + s * DAY;
    return { date: new Date(open).toISOString().slice(0, 10), open, close: open + minutes * MINUTE, timeZone: 'UTC', dayStart: open - (open % DAY) };
  });
  function* bars(): Generator<SymbolBar> {
    for (const [s, session] of sessions.entries()) {
      for (let k = 0; k < minutes; k++) for (let j = 0; j < symbols; j++) yield { symbol: `S${s}_${j}`, time: session.open + k * MINUTE, open: 1, high: 1, low: 1, close: 1, volume: 1 };
    }
  }
  const data = new SessionData({ intervals: ['5m'] });
  // The run asks the store whether it still knows a symbol with no bar at a boundary.
  let asked = 0;
  const knownId = data.knownId.bind(data);
  data.knownId = (symbol: string): number => {
    asked++;
    return knownId(symbol);
  };
  const perSession: number[] = [];
  const run = new SessionCoordinator({ calendar: { sessions: () => sessions }, data, source: iterableSource(bars()), from: sessions[0]!.date, to: sessions[count - 1]!.date, speed: 1e6, overrun: 'queue' });
  run.on('sessionEnd', () => {
    perSession.push(asked);
    asked = 0;
    for (const symbol of data.symbols()) data.removeSymbol(symbol);
  });
  const report = await run.run();
  t.is(report.barsStored, count * minutes * symbols);
  // Every symbol met is counted; the list holds the ones the store still knows (none: all removed).
  t.is(report.symbolCount, count * symbols);
  t.deepEqual(report.symbols, []);
  // The last session's boundaries asked about as many symbols as the second one's.
  const [second, last] = [perSession[1] ?? 0, perSession[count - 1] ?? 0];
  t.true(last <= 2 * second + symbols, `asked ${JSON.stringify(perSession)}`);
});

/**
 * Whether the event loop turned during the session of `date`: a timer set at its start, and seen, or
 * not, at its end. A timer, not an immediate: the run's own turn is a timer set later, so the loop
 * runs this one first, at the first turn (an immediate could wait for the next, as the timers phase
 * comes before the check phase).
 */
function turnsDuring(coordinator: SessionCoordinator, date: string): () => boolean {
  let turned = false;
  let turnedWithin = false;
  coordinator.on('sessionStart', (s) => {
    if (s.date === date) setTimeout(() => (turned = true), 0);
  });
  coordinator.on('sessionEnd', (s) => {
    if (s.date === date) turnedWithin = turned;
  });
  return () => turnedWithin;
}

test('a long data-driven run gives the event loop a turn now and then, over streams as over columns', async (t) => {
  // Node-API frees the blocks of collected views only on a turn of the event loop: a run that
  // never turned held every block its events viewed until it ended (a stream of always-ready bars,
  // retention or not, grew by about 1.7 MiB a session). Two sessions of 1s bars for 40 symbols,
  // eight hours each: the second, 1,152,000 bars, takes several times the 50 ms between turns
  // even over columns at their fastest (about 150 ns a bar here, so 288,000 bars were too few).
  const open = Date.UTC(2024, 5, 3, 13, 30);
  const second = 1000;
  const length = 28_800;
  const sessions: Session[] = [0, 1].map((d) => ({ date: `2024-06-0${3 + d}`, open: open + d * DAY, close: open + d * DAY + length * second, timeZone: 'UTC', dayStart: Date.UTC(2024, 5, 3 + d) }));
  const names = Array.from({ length: 40 }, (_, i) => `S${i}`);
  function* bars(): Generator<SymbolBar> {
    for (const s of sessions) for (let k = 0; k < length; k++) for (const symbol of names) yield { symbol, time: s.open + k * second, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  }
  const time = Float64Array.from({ length: 2 * length }, (_, k) => open + Math.floor(k / length) * DAY + (k % length) * second);
  const ones = new Float64Array(2 * length).fill(1);
  for (const kind of ['stream', 'columns'] as const) {
    const source = kind === 'stream' ? iterableSource(bars()) : columnsSource(Object.fromEntries(names.map((n) => [n, { time, open: ones, high: ones, low: ones, close: ones, volume: ones }])));
    const coordinator = new SessionCoordinator({ calendar: { sessions: () => sessions }, data: new SessionData({ baseInterval: '1s', intervals: ['1m'] }), source, from: sessions[0]!.date, to: sessions[1]!.date });
    const turnedWithin = turnsDuring(coordinator, sessions[1]!.date);
    const report = await coordinator.run();
    t.is(report.barsStored, 2 * length * names.length, kind);
    t.true(turnedWithin(), `${kind}: no turn of the event loop during a session of ${length * names.length} bars`);
  }
});

test('a data-driven run turns the event loop now and then also when every slice has async handlers that settle without I/O', async (t) => {
  // An async subscriber on the base interval: every slice's dispatch has a handler to wait for,
  // and one that awaits nothing settles within the turn. Two sessions of 1s bars for 5 symbols,
  // eight hours each: 144,000 events a session, far more than 50 ms of work.
  const open = Date.UTC(2024, 5, 3, 13, 30);
  const length = 28_800;
  const sessions: Session[] = [0, 1].map((d) => ({ date: `2024-06-0${3 + d}`, open: open + d * DAY, close: open + d * DAY + length * 1000, timeZone: 'UTC', dayStart: Date.UTC(2024, 5, 3 + d) }));
  const names = Array.from({ length: 5 }, (_, i) => `S${i}`);
  function* bars(): Generator<SymbolBar> {
    for (const s of sessions) for (let k = 0; k < length; k++) for (const symbol of names) yield { symbol, time: s.open + k * 1000, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  }
  const time = Float64Array.from({ length: 2 * length }, (_, k) => open + Math.floor(k / length) * DAY + (k % length) * 1000);
  const ones = new Float64Array(2 * length).fill(1);
  for (const kind of ['stream', 'columns'] as const) {
    const source = kind === 'stream' ? iterableSource(bars()) : columnsSource(Object.fromEntries(names.map((n) => [n, { time, open: ones, high: ones, low: ones, close: ones, volume: ones }])));
    const engine = new AnalysisEngine();
    let events = 0;
    engine.subscribe({ interval: '1s' }, async () => {
      events++;
    });
    const coordinator = new SessionCoordinator({ calendar: { sessions: () => sessions }, data: new SessionData({ baseInterval: '1s' }), engine, source, from: sessions[0]!.date, to: sessions[1]!.date });
    const turnedWithin = turnsDuring(coordinator, sessions[1]!.date);
    await coordinator.run();
    t.is(events, 2 * length * names.length, kind);
    t.true(turnedWithin(), `${kind}: no turn of the event loop during a session of ${length * names.length} events`);
  }
});
