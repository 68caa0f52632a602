/**
 * ReadySignal and waitAll: states, failures, timeouts, and no timer left behind.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BarstreamError, ConfigError } from '../src/errors.js';
import { ReadySignal, ReadyTimeoutError, waitAll } from '../src/runtime/ready.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('pending -> ready: every waiter resolves; signal is idempotent', async (t) => {
  const s = new ReadySignal('processor');
  t.is(s.name, 'processor');
  t.is(s.state, 'pending');
  t.false(s.isReady);
  const waits = [s.wait(), s.wait(1000), s.wait(Infinity)];
  setTimeout(() => t.true(s.signal()), 5);
  await Promise.all(waits);
  t.is(s.state, 'ready');
  t.true(s.isReady);
  t.false(s.signal());
  t.false(s.fail(new Error('too late')));
  t.is(s.state, 'ready');
  await s.wait(0);
  t.is(new ReadySignal().name, 'ready');
});

test('fail rejects every waiter with the failure, then and later', async (t) => {
  const s = new ReadySignal('subscriber:a');
  const boom = new Error('handler threw');
  const w1 = s.wait();
  const w2 = s.wait(10_000);
  t.true(s.fail(boom));
  t.is(await t.throwsAsync(w1), boom);
  t.is(await t.throwsAsync(w2), boom);
  t.is(await t.throwsAsync(s.wait()), boom);
  t.is(s.state, 'failed');
  t.is(s.error, boom);
  t.false(s.signal());
  t.is(s.state, 'failed');
  // Failing with nobody waiting is not an unhandled rejection (ava would fail this file).
  new ReadySignal('quiet').fail(new Error('nobody listens'));
  await tick(5);
});

test('a timeout rejects with ReadyTimeoutError (code ready_timeout) and settles the signal as timedOut', async (t) => {
  const s = new ReadySignal('slice');
  const other = s.wait();
  const e = await t.throwsAsync(s.wait(15), { instanceOf: ReadyTimeoutError });
  t.true(e instanceof BarstreamError);
  t.is(e?.code, 'ready_timeout');
  t.deepEqual(e?.signals, ['slice']);
  t.is(e?.timeoutMs, 15);
  t.regex(e?.message ?? '', /ready signal 'slice' was not signalled within 15 ms/);
  t.is(s.state, 'timedOut');
  t.is(await t.throwsAsync(other), e, 'other waiters get the same error');
  t.false(s.signal(), 'a late signal changes nothing');
  t.is(s.state, 'timedOut');
  t.is(await t.throwsAsync(s.wait()), e);
});

test.serial('timers are cleared when the signal settles first (serial: counts the process timers)', async (t) => {
  const before = timers();
  const s = new ReadySignal('x');
  const w = s.wait(60_000, { keepAlive: true });
  t.is(timers(), before + 1, 'a keepAlive wait holds one timer');
  s.signal();
  await w;
  t.is(timers(), before, 'and lets it go');
  const u = new ReadySignal('y');
  const wu = u.wait(60_000);
  t.is(timers(), before, 'a default wait is unref-ed: it holds nothing');
  u.fail(new Error('x'));
  await t.throwsAsync(wu);
  t.throws(() => s.wait(-1), { instanceOf: ConfigError });
  t.throws(() => s.wait(NaN), { instanceOf: ConfigError });
});

test('waitAll: resolves when all are ready; rejects on the first failure', async (t) => {
  const a = new ReadySignal('a');
  const b = new ReadySignal('b');
  const all = waitAll([a, b], 1000);
  a.signal();
  setTimeout(() => b.signal(), 5);
  await all;
  await waitAll([]);
  await waitAll([a, b]);
  const c = new ReadySignal('c');
  const d = new ReadySignal('d');
  const boom = new Error('d failed');
  const p = waitAll([c, d], 1000);
  d.fail(boom);
  t.is(await t.throwsAsync(p), boom);
  t.is(await t.throwsAsync(waitAll([a, d])), boom, 'an already failed signal rejects at once');
  t.throws(() => waitAll([a, {} as ReadySignal]), { instanceOf: ConfigError });
});

test('waitAll: one timeout names every signal still pending, each of which times out', async (t) => {
  const a = new ReadySignal('processor');
  const b = new ReadySignal('subscriber:rsi');
  const c = new ReadySignal('subscriber:sma');
  a.signal();
  const e = await t.throwsAsync(ReadySignal.all([a, b, c], 20), { instanceOf: ReadyTimeoutError });
  t.deepEqual(e?.signals, ['subscriber:rsi', 'subscriber:sma']);
  t.regex(e?.message ?? '', /ready signals 'subscriber:rsi', 'subscriber:sma' were not signalled within 20 ms/);
  t.is(a.state, 'ready');
  t.is(b.state, 'timedOut');
  t.is(c.state, 'timedOut');
  t.deepEqual((b.error as ReadyTimeoutError).signals, ['subscriber:rsi']);
});

/** Runs a module snippet in a fresh Node process; resolves with its output and how long it lived. */
function run(body: string): Promise<{ code: number | null; out: string }> {
  const ready = pathToFileURL(fileURLToPath(new URL('../src/runtime/ready.ts', import.meta.url))).href;
  const script = `import { ReadySignal, waitAll } from ${JSON.stringify(ready)};\n${body}`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000 }, (error, stdout) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), out: stdout.trim() });
    });
  });
}

/** Printed by a child once its wait is over: the resources that still keep its event loop alive. */
const LEFT = 'JSON.stringify(process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap" && r !== "PipeWrap"))';

test('no timer outlives its wait: processes exit as soon as their work is done', async (t) => {
  const cases = [
    // A long keepAlive timeout, signalled quickly: the timer must be cleared.
    `const s = new ReadySignal('a'); setTimeout(() => s.signal(), 20); await s.wait(60_000, { keepAlive: true }); console.log('ok', ${LEFT});`,
    // The same through waitAll.
    `const a = new ReadySignal('a'), b = new ReadySignal('b'); setTimeout(() => { a.signal(); b.signal(); }, 20); await waitAll([a, b], 60_000, { keepAlive: true }); console.log('ok', ${LEFT});`,
    // A default (unref-ed) wait on a signal nobody will signal does not keep the process alive.
    `const s = new ReadySignal('never'); s.wait(60_000).catch(() => {}); console.log('ok', ${LEFT});`,
    // A keepAlive timeout that fires: rejected, and nothing left afterwards.
    `const s = new ReadySignal('late'); await s.wait(20, { keepAlive: true }).catch((e) => console.log(e.code === 'ready_timeout' ? 'ok' : 'wrong', ${LEFT}));`,
  ];
  const results = await Promise.all(cases.map((c) => run(c)));
  for (const [i, r] of results.entries()) {
    t.is(r.code, 0, `case ${i}`);
    // What keeps the event loop alive once the wait is over: nothing (a leaked 60 s timer would show).
    t.is(r.out, 'ok []', `case ${i}`);
  }
});

test('a timeout longer than a timer can wait (2^31 ms and more) is a ConfigError, not one cut short; Infinity is no limit', async (t) => {
  const s = new ReadySignal('long');
  for (const ms of [2 ** 31, 1e12]) t.throws(() => s.wait(ms), { instanceOf: ConfigError, message: /longer than a timer can wait/ });
  t.throws(() => waitAll([s], 2 ** 31), { instanceOf: ConfigError });
  const fine = s.wait(2 ** 31 - 1);
  const forever = s.wait(Infinity);
  s.signal();
  await fine;
  await forever;
  t.is(s.state, 'ready');
});

/** Runs `body` with the package entry's exports in scope, in a process of its own; what it printed and its exit code. */
function runEntry(body: string): Promise<{ code: number | null; out: string }> {
  const entry = pathToFileURL(fileURLToPath(new URL('../src/index.ts', import.meta.url))).href;
  const script = `import { AnalysisEngine, SessionCoordinator, SessionData, columnsSource, iterableSource } from ${JSON.stringify(entry)};
const open = Date.UTC(2024, 5, 3, 13, 30);
const session = { date: '2024-06-03', open, close: open + 390 * 60_000, timeZone: 'America/New_York', dayStart: Date.UTC(2024, 5, 3, 4) };
const time = Array.from({ length: 20 }, (_, k) => open + k * 60_000);
const ones = time.map(() => 1);
const calendar = { sessions: () => [session] };
const report = (e) => console.log(e.code, e.signals.join(','), e.subscribers.join(','), e.timeoutMs);
${body}`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000 }, (error, stdout) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), out: stdout.trim() });
    });
  });
}

test('a run waiting for what can never settle fails when the process runs out of work, saying what it waited for', async (t) => {
  const stuck = `const engine = new AnalysisEngine();
engine.subscribe({ interval: '5m', name: 'stuck' }, () => new Promise(() => {}));`;
  const columns = `columnsSource({ A: { time, open: ones, high: ones, low: ones, close: ones, volume: ones } })`;
  const cases: [string, string, string][] = [
    ['data-driven', `${stuck}
new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: ${columns}, from: '2024-06-03', to: '2024-06-03' }).run().then(() => console.log('resolved'), report);`, 'ready_timeout slice stuck Infinity'],
    ['clock-driven, queue', `${stuck}
new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: ${columns}, from: '2024-06-03', to: '2024-06-03', speed: 1e5, overrun: 'queue' }).run().then(() => console.log('resolved'), report);`, 'ready_timeout slice stuck Infinity'],
    ['a source whose next bar never comes', `const feed = { [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }) };
new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), source: iterableSource(feed), from: '2024-06-03', to: '2024-06-03' }).run().then(() => console.log('resolved'), report);`, 'ready_timeout source  Infinity'],
  ];
  for (const [label, body, expected] of cases) {
    const result = await runEntry(body);
    t.is(result.out, expected, label);
    t.is(result.code, 0, label);
  }
});

test('a run that failed at a stall stays stopped when what it waited for settles later; a run that waited on it goes on', async (t) => {
  const zombie = await runEntry(`const data = new SessionData({ intervals: ['5m'] });
const engine = new AnalysisEngine();
let release; let calls = 0;
engine.subscribe({ interval: '5m', name: 'h' }, () => { calls++; if (calls === 1) return new Promise((r) => { release = r; }); });
const run = new SessionCoordinator({ calendar, data, engine, source: columnsSource({ A: { time, open: ones, high: ones, low: ones, close: ones, volume: ones } }), from: '2024-06-03', to: '2024-06-03' });
let ended = 0; run.on('sessionEnd', () => ended++);
try { await run.run(); } catch (e) {
  const before = [calls, data.count('A', '1m'), data.session?.date];
  release();
  await new Promise((r) => setTimeout(r, 50));
  console.log(e.code, JSON.stringify(before), JSON.stringify([calls, data.count('A', '1m'), data.session?.date, ended]));
}`);
  // It failed at the first 5m bar: five bars stored, the session open; 50 ms after the release, the same.
  t.is(zombie.out, 'ready_timeout [1,5,"2024-06-03"] [1,5,"2024-06-03",0]');
  const chained = await runEntry(`const mk = (handler) => {
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '5m', name: 'h' }, handler);
  return new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: columnsSource({ A: { time, open: ones, high: ones, low: ones, close: ones, volume: ones } }), from: '2024-06-03', to: '2024-06-03' }).run();
};
const a = mk(() => new Promise(() => {}));
const aSettled = a.then(() => 'ok', (e) => e.code);
const b = mk(() => aSettled);
console.log(await aSettled, await b.then((r) => 'delivered ' + r.delivered, (e) => e.code));`);
  t.is(chained.out, 'ready_timeout delivered 4');
});

test('every stuck run fails, one after another; an abandoned stream run adds nothing to the store when its source wakes', async (t) => {
  const both = await runEntry(`const mk = () => {
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '5m', name: 'h' }, () => new Promise(() => {}));
  return new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: columnsSource({ A: { time, open: ones, high: ones, low: ones, close: ones, volume: ones } }), from: '2024-06-03', to: '2024-06-03' }).run();
};
const outcomes = await Promise.allSettled([mk(), mk()]);
console.log(outcomes.map((o) => o.status + ':' + o.reason?.code).join(' '));`);
  t.is(both.out, 'rejected:ready_timeout rejected:ready_timeout');
  t.is(both.code, 0);
  // A stuck run started after another one failed at a stall (a retry) fails too.
  const retry = await runEntry(`const mk = () => {
  const engine = new AnalysisEngine();
  engine.subscribe({ interval: '5m', name: 'h' }, () => new Promise(() => {}));
  return new SessionCoordinator({ calendar, data: new SessionData({ intervals: ['5m'] }), engine, source: columnsSource({ A: { time, open: ones, high: ones, low: ones, close: ones, volume: ones } }), from: '2024-06-03', to: '2024-06-03' }).run();
};
const first = await mk().catch((e) => e.code);
const second = await mk().catch((e) => e.code);
console.log(first, second);`);
  t.is(retry.out, 'ready_timeout ready_timeout');
  t.is(retry.code, 0);
  const woken = await runEntry(`let open2; const gate = new Promise((r) => { open2 = r; });
async function* feed() {
  yield { symbol: 'A', time: open, open: 1, high: 1, low: 1, close: 1, volume: 1 };
  await gate;
  yield { symbol: 'NEW', time: open + 60_000, open: 1, high: 1, low: 1, close: 1, volume: 1 };
}
const data = new SessionData({ intervals: ['5m'] });
try { await new SessionCoordinator({ calendar, data, source: iterableSource(feed()), from: '2024-06-03', to: '2024-06-03' }).run(); } catch (e) {
  open2();
  await new Promise((r) => setTimeout(r, 50));
  console.log(e.signals.join(','), data.symbols().join(','));
}`);
  t.is(woken.out, 'source A');
});

test('waitAll and ReadySignal.all refuse a signal that already timed out, though the others are ready', async (t) => {
  const late = new ReadySignal('late');
  await t.throwsAsync(late.wait(1), { instanceOf: ReadyTimeoutError });
  t.is(late.state, 'timedOut');
  const ready = new ReadySignal('ready');
  ready.signal();
  const e = await t.throwsAsync(waitAll([ready, late]), { instanceOf: ReadyTimeoutError });
  t.deepEqual(e?.signals, ['late']);
  await t.throwsAsync(ReadySignal.all([late, ready]), { instanceOf: ReadyTimeoutError });
});

test('a timeout of waitAll names only the signals still pending, not one signalled meanwhile', async (t) => {
  const a = new ReadySignal('a');
  const b = new ReadySignal('b');
  const c = new ReadySignal('c');
  setTimeout(() => a.signal(), 5);
  const e = await t.throwsAsync(waitAll([a, b, c], 60), { instanceOf: ReadyTimeoutError });
  t.deepEqual(e?.signals, ['b', 'c']);
  t.is(a.state, 'ready');
  t.is(b.state, 'timedOut');
});
