/**
 * websocketFeed against a real `ws` server on 127.0.0.1: streaming, resubscription, reconnection
 * with backoff and jitter, heartbeat stalls, bad messages, gap filling, closing, giving up, and a
 * live coordinator run over the feed.
 */
import test from 'ava';
import net from 'node:net';
import events from 'node:events';
import type { ExecutionContext } from 'ava';
import { AnalysisEngine, SessionCoordinator, SessionData } from '../src/index.js';
import type { Session, SessionCalendar } from '../src/index.js';
import { BarstreamError, ConfigError } from '../src/errors.js';
import { FeedError, websocketFeed } from '../src/sources/websocket.js';
import type { BadMessage, DisconnectedInfo, ReconnectInfo, ReconnectingInfo, StallInfo, WebSocketFeed, WebSocketFeedOptions } from '../src/sources/websocket.js';
import type { SymbolBar } from '../src/sources/types.js';
import { TestServer, sleep, within } from './helpers/ws-server.js';

const bar = (symbol: string, time: number, close = 1): SymbolBar => ({ symbol, time, open: close, high: close, low: close, close, volume: 1 });

/** Messages are a bar, `{ bars: [...] }`, `{ kind: 'ack' }` (no bars) or `{ kind: 'boom' }` (toBars throws). */
function toBars(message: unknown): SymbolBar | SymbolBar[] | null {
  const m = message as { kind?: string; bars?: SymbolBar[] } | null;
  if (m?.kind === 'ack') return null;
  if (m?.kind === 'boom') throw new Error('boom');
  return m?.bars ?? (message as SymbolBar);
}

/** A server and a feed on it, both closed when the test ends. */
async function setup(t: ExecutionContext, options: Partial<WebSocketFeedOptions> = {}): Promise<{ server: TestServer; feed: WebSocketFeed }> {
  const server = await TestServer.start();
  const feed = websocketFeed({ url: server.url, toBars, ...options });
  t.teardown(async () => {
    await feed.close();
    await server.close();
  });
  return { server, feed };
}

async function take(it: AsyncIterator<SymbolBar>, n: number, ms = 5000): Promise<SymbolBar[]> {
  const read = async (): Promise<SymbolBar[]> => {
    const out: SymbolBar[] = [];
    while (out.length < n) {
      const r = await it.next();
      if (r.done === true) break;
      out.push(r.value);
    }
    return out;
  };
  return within(read(), ms, `${n} bars`);
}

/** The feed's first connection sends A@1000, which the iteration takes, and is dropped: the second connection, once made. */
async function afterADrop(t: ExecutionContext, server: TestServer, it: AsyncIterator<SymbolBar>): Promise<Awaited<ReturnType<TestServer['connection']>>> {
  const got = take(it, 1);
  const first = await server.connection(0);
  first.send(bar('A', 1000));
  t.deepEqual(await got, [bar('A', 1000)]);
  first.ws.terminate();
  return server.connection(1);
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

// ---------------------------------------------------------------- streaming

test('streams bars in arrival order; subscribes on connect; buffers for a slow consumer; close() drains and ends', async (t) => {
  const { server, feed } = await setup(t, { subscribe: { op: 'subscribe', symbols: ['A', 'B'] } });
  t.is(feed.kind, 'stream');
  t.is(feed.status.state, 'idle', 'lazy: nothing happens before the iteration starts');
  await sleep(20);
  t.is(server.connections.length, 0);

  const it = feed[Symbol.asyncIterator]();
  const first = take(it, 4);
  const conn = await server.connection(0);
  t.deepEqual(JSON.parse(await conn.nextMessage()), { op: 'subscribe', symbols: ['A', 'B'] });
  const sent = [bar('A', 1000), bar('B', 1000), bar('A', 2000), bar('B', 2000)];
  conn.send(sent[0]);
  conn.send({ bars: [sent[1], sent[2]] });
  conn.send({ kind: 'ack' });
  conn.send(sent[3]);
  t.deepEqual(await first, sent);

  const before = Date.now();
  let s = feed.status;
  const after = Date.now();
  t.is(s.state, 'connected');
  t.is(s.connects, 1);
  t.is(s.received, 4);
  t.is(s.bars, 4);
  t.is(s.lastBarTime, 2000);
  // Now (read with the status) minus the latest bar's time, 2000.
  t.true(s.lagMs !== null && s.lagMs >= before - 2000 && s.lagMs <= after - 2000, `lag ${s.lagMs}: now minus the latest bar time`);
  t.true(s.lastMessageAt !== null && Math.abs(s.lastMessageAt - Date.now()) < 5000);
  t.deepEqual(s.invalid, { toBarsError: 0, wrongType: 0, outOfOrder: 0, duplicate: 0 });

  // Nobody reads: the bars wait in the buffer.
  const later = [bar('A', 3000), bar('B', 3000), bar('A', 4000)];
  conn.send({ bars: later });
  await until(() => feed.status.buffered === 3, 'three buffered bars');
  s = feed.status;
  t.is(s.bars, 7);
  t.is(s.buffered, 3);

  // close(): the buffered bars still come out, then the iteration ends.
  const closing = feed.close();
  t.is(feed.status.state, 'closed');
  t.deepEqual(await take(it, 10), later);
  t.deepEqual(await it.next(), { done: true, value: undefined });
  await within(closing, 3000, 'the socket to close');
  await within(conn.closed, 3000, 'the server to see the close');
  t.is(conn.closeCode, 1000, 'a clean close');
  t.is(feed.status.disconnects, 0, 'close() is not a disconnect');
});

test("parse: 'text' hands toBars the raw text; nothing is malformed", async (t) => {
  const { server, feed } = await setup(t, {
    parse: 'text',
    toBars: (m) => {
      const [symbol, time, open, high, low, close, volume] = String(m).split(',');
      return { symbol: symbol as string, time: Number(time), open: Number(open), high: Number(high), low: Number(low), close: Number(close), volume: Number(volume) };
    },
  });
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 2);
  const conn = await server.connection(0);
  conn.send('A,60000,1,2,0.5,1.5,10');
  conn.send('B,60000,3,4,2.5,3.5,20');
  t.deepEqual(await got, [
    { symbol: 'A', time: 60000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 },
    { symbol: 'B', time: 60000, open: 3, high: 4, low: 2.5, close: 3.5, volume: 20 },
  ]);
  t.is(feed.status.malformed, 0);
});

// ---------------------------------------------------------------- reconnection

test('a dropped connection: growing jittered backoff, resubscription, last bar times reported, streaming goes on', async (t) => {
  const randoms = [0, 0.999, 0.5, 0.25];
  let draws = 0;
  const { server, feed } = await setup(t, {
    subscribe: ({ connects, reconnect }) => ({ op: 'subscribe', connects, reconnect }),
    reconnect: { initialDelayMs: 20, factor: 2, jitter: 0.2, maxDelayMs: 100 },
    random: () => randoms[draws++ % randoms.length] as number,
  });
  const scheduled: ReconnectingInfo[] = [];
  const reconnected: ReconnectInfo[] = [];
  const disconnected: DisconnectedInfo[] = [];
  const states: string[] = [];
  feed.on('reconnecting', (info) => {
    scheduled.push(info);
    if (info.attempt === 4) server.reject = false; // the 4th attempt gets in
  });
  feed.on('reconnected', (info) => reconnected.push(info));
  feed.on('disconnected', (info) => disconnected.push(info));
  feed.on('status', (s) => states.push(s.state));

  const bars: SymbolBar[] = [];
  const consumer = (async () => {
    for await (const b of { [Symbol.asyncIterator]: () => feed[Symbol.asyncIterator]() }) {
      bars.push(b);
      if (bars.length === 10) break; // leaving the loop closes the feed
    }
  })();

  const c0 = await server.connection(0);
  t.deepEqual(JSON.parse(await c0.nextMessage()), { op: 'subscribe', connects: 1, reconnect: false });
  for (const time of [1000, 2000, 3000]) c0.send({ bars: [bar('A', time), bar('B', time)] });
  await until(() => bars.length === 6, 'the first six bars');

  server.reject = true; // the next three attempts are refused (401), the port stays taken
  const dropped = Date.now();
  c0.ws.terminate();

  const c1 = await server.connection(1);
  t.deepEqual(JSON.parse(await c1.nextMessage()), { op: 'subscribe', connects: 2, reconnect: true }, 'resubscribed');
  for (const time of [4000, 5000]) c1.send({ bars: [bar('A', time), bar('B', time)] });
  await within(consumer, 5000, 'the consumer to finish');
  await within(c1.closed, 3000, 'break to close the socket');

  const expected = [1000, 2000, 3000, 4000, 5000].flatMap((time) => [bar('A', time), bar('B', time)]);
  t.deepEqual(bars, expected, 'every bar, in order');

  // Backoff: attempt n waits min(max, 20 * 2^(n-1) * (1 + 0.2 * (2r - 1))), capped at 100.
  t.deepEqual(
    scheduled.map((s) => s.attempt),
    [1, 2, 3, 4],
  );
  const delays = scheduled.map((s) => s.delayMs);
  const bases = [20, 40, 80, 100];
  const exact = [20 * 0.8, 40 * (1 + 0.2 * (2 * 0.999 - 1)), 80, 100 * 0.9];
  delays.forEach((d, i) => {
    const base = bases[i] as number;
    t.true(d >= base * 0.8 && d <= Math.min(100, base * 1.2), `delay ${i + 1} (${d}) within the jitter bounds of ${base}`);
    t.true(Math.abs(d - (exact[i] as number)) < 1e-9, `delay ${i + 1} is ${exact[i]} with the injected random`);
  });
  t.true((delays[0] as number) < (delays[1] as number) && (delays[1] as number) < (delays[2] as number), 'delays grow');
  t.true(scheduled.slice(1).every((s) => s.error !== undefined && /401/.test(s.error.message)), 'failed attempts carry their error');
  t.is(server.rejected, 3);

  t.is(reconnected.length, 1);
  const info = reconnected[0] as ReconnectInfo;
  t.deepEqual(info.symbols, [
    { symbol: 'A', lastTime: 3000 },
    { symbol: 'B', lastTime: 3000 },
  ]);
  t.is(info.connects, 2);
  t.is(info.attempts, 4);
  t.true(info.disconnectedAt >= dropped && info.reconnectedAt >= info.disconnectedAt);
  t.true(info.reconnectedAt - info.disconnectedAt >= 200, `downtime ${info.reconnectedAt - info.disconnectedAt} ms covers the backoff (~234 ms)`);

  t.is(disconnected.length, 1);
  t.is((disconnected[0] as DisconnectedInfo).code, 1006);

  const s = feed.status;
  t.is(s.connects, 2);
  t.is(s.disconnects, 1);
  t.is(s.failedAttempts, 3);
  t.is(s.stalls, 0);
  t.is(s.state, 'closed');
  t.is(s.bars, 10);
  t.deepEqual(states, ['connecting', 'connected', 'reconnecting', 'connected', 'closed']);
});

test('the backoff starts over after a connection that got a message, not after one that stayed silent', async (t) => {
  const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 20, factor: 2, jitter: 0.2 }, random: () => 0.5 });
  const scheduled: ReconnectingInfo[] = [];
  feed.on('reconnecting', (info) => scheduled.push(info));
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 2);

  const c0 = await server.connection(0);
  c0.send(bar('A', 1000));
  await until(() => feed.status.received === 1, 'a message');
  c0.ws.terminate(); // healthy connection lost: attempt 1
  const c1 = await server.connection(1);
  await until(() => feed.status.connects === 2, 'the client to see the second connection open');
  c1.ws.terminate(); // lost before any message: attempt 2, longer
  const c2 = await server.connection(2);
  c2.send(bar('A', 2000));
  t.deepEqual(await got, [bar('A', 1000), bar('A', 2000)]);
  c2.ws.terminate(); // healthy again: back to attempt 1
  await server.connection(3);
  await until(() => feed.status.connects === 4, 'the fourth connection to open');

  t.deepEqual(
    scheduled.map((s) => [s.attempt, s.delayMs]),
    [
      [1, 20],
      [2, 40],
      [1, 20],
    ],
  );
  t.is(feed.status.connects, 4);
  t.is(feed.status.disconnects, 3);
});

test('onReconnect: the hook gets the last bar times and fills the gap before the new connection’s bars', async (t) => {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const hookCalls: ReconnectInfo[] = [];
  const bad: BadMessage[] = [];
  const { server, feed } = await setup(t, {
    subscribe: 'subscribe',
    reconnect: { initialDelayMs: 10, jitter: 0 },
    onReconnect: async (info) => {
      hookCalls.push(info);
      await released; // a REST call for the missed bars
      info.deliver([bar('A', 2000), bar('A', 3000), bar('A', 4000)]); // overlaps one bar already delivered
    },
  });
  feed.on('badMessage', (b) => bad.push(b));
  const it = feed[Symbol.asyncIterator]();
  t.deepEqual(await take(it, 0), []);
  const c0 = await server.connection(0);
  c0.send({ bars: [bar('A', 1000), bar('A', 2000)] });
  t.deepEqual(await take(it, 2), [bar('A', 1000), bar('A', 2000)]);
  c0.ws.terminate();

  const c1 = await server.connection(1);
  t.is(await c1.nextMessage(), 'subscribe');
  c1.send(bar('A', 5000)); // live, right away: held while the hook runs
  await until(() => feed.status.held === 1, 'the live message to be held');
  t.is(feed.status.bars, 2);
  t.deepEqual(hookCalls.map((i) => i.symbols), [[{ symbol: 'A', lastTime: 2000 }]]);

  release();
  t.deepEqual(await take(it, 3), [bar('A', 3000), bar('A', 4000), bar('A', 5000)], 'the gap, then the live bars');
  t.is(feed.status.held, 0);
  t.is(feed.status.invalid.duplicate, 1);
  t.deepEqual(
    bad.map((b) => [b.reason, b.origin]),
    [['duplicate', 'fill']],
  );
});

test('onReconnectDeadlineMs: the messages held behind a hook that does not settle go on at the deadline, told as a hook_timeout; what it delivers later comes behind them', async (t) => {
  const errors: unknown[] = [];
  let deliverLater: (() => void) | undefined;
  const { server, feed } = await setup(t, {
    reconnect: { initialDelayMs: 10, jitter: 0 },
    onReconnectDeadlineMs: 1000,
    onReconnect: (info) =>
      new Promise<void>((resolve) => {
        // A REST call that answers long after the deadline.
        deliverLater = () => {
          info.deliver([bar('A', 500), bar('A', 2000), bar('A', 4000)]);
          resolve();
        };
      }),
  });
  feed.on('hookError', (error) => errors.push(error));
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 1);
  (await server.connection(0)).send(bar('A', 1000));
  t.deepEqual(await got, [bar('A', 1000)]);
  (await server.connection(0)).ws.terminate();
  const c1 = await server.connection(1);
  c1.send(bar('A', 3000));
  await until(() => feed.status.held === 1, 'the live message to be held');
  // Then, at the deadline, it goes on.
  t.deepEqual(await take(it, 1), [bar('A', 3000)]);
  t.is(feed.status.held, 0);
  t.is(feed.status.hookErrors, 1);
  t.true(errors[0] instanceof FeedError);
  t.is((errors[0] as FeedError).code, 'hook_timeout');
  t.is((errors[0] as FeedError).message, 'the onReconnect hook did not settle within 1000 ms (onReconnectDeadlineMs): the 1 message held behind it go on');
  // The hook's bars come behind: 500, before the last two, is counted out of order here; 2000,
  // between them, goes on for the store to judge (as the correction of a refused bar would); 4000 goes on.
  deliverLater?.();
  t.deepEqual(await take(it, 2), [bar('A', 2000), bar('A', 4000)]);
  t.is(feed.status.invalid.outOfOrder, 1);
  // Later messages are not held again by the settled hook.
  c1.send(bar('A', 5000));
  t.deepEqual(await take(it, 1), [bar('A', 5000)]);
});

test('a hook that throws is reported and the feed goes on', async (t) => {
  const errors: unknown[] = [];
  const { server, feed } = await setup(t, {
    reconnect: { initialDelayMs: 10, jitter: 0 },
    onReconnect: () => {
      throw new Error('no REST today');
    },
  });
  feed.on('hookError', (error) => errors.push(error));
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 2);
  (await server.connection(0)).send(bar('A', 1000));
  await until(() => feed.status.bars === 1, 'a bar');
  (await server.connection(0)).ws.terminate();
  (await server.connection(1)).send(bar('A', 2000));
  t.deepEqual(await got, [bar('A', 1000), bar('A', 2000)]);
  t.is(feed.status.hookErrors, 1);
  t.is((errors[0] as Error).message, 'no REST today');
});

test('a hook whose result has a then getter that throws, or a then that throws, is reported and the feed goes on', async (t) => {
  for (const result of [
    {
      get then(): unknown {
        throw new Error('then getter');
      },
    },
    {
      then(): never {
        throw new Error('then call');
      },
    },
  ]) {
    const errors: unknown[] = [];
    const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 10, jitter: 0 }, onReconnect: () => result });
    feed.on('hookError', (error) => errors.push(error));
    const it = feed[Symbol.asyncIterator]();
    const got = take(it, 2);
    (await server.connection(0)).send(bar('A', 1000));
    await until(() => feed.status.bars === 1, 'a bar');
    (await server.connection(0)).ws.terminate();
    (await server.connection(1)).send(bar('A', 2000));
    t.deepEqual(await got, [bar('A', 1000), bar('A', 2000)]);
    t.is(feed.status.hookErrors, 1);
    t.regex((errors[0] as Error).message, /^then (getter|call)$/);
  }
});

// ---------------------------------------------------------------- heartbeat

test('stall: a server silent longer than heartbeatMs is dropped, counted and reconnected', async (t) => {
  const heartbeatMs = 150;
  const { server, feed } = await setup(t, { heartbeatMs, subscribe: 'sub', reconnect: { initialDelayMs: 10, jitter: 0 } });
  const stalls: StallInfo[] = [];
  const disconnected: DisconnectedInfo[] = [];
  feed.on('stall', (s) => stalls.push(s));
  feed.on('disconnected', (d) => disconnected.push(d));
  // The server answers each subscribe with one bar and then says nothing: connection k sends the
  // bar timed 1000 × (k + 1), so a bar timed 2000 or later comes from a connection made after the
  // first one was dropped. On a slow machine any connection may sit silent past heartbeatMs before
  // its bar gets through and be dropped too, so how many stalls there are, and which bars get
  // through, depends on scheduling: the counts below are lower bounds.
  server.wss.on('connection', (ws) => {
    const time = 1000 * server.connections.length;
    ws.on('message', (m) => {
      if (String(m) === 'sub') ws.send(JSON.stringify(bar('A', time)));
    });
  });
  const it = feed[Symbol.asyncIterator]();
  const got: SymbolBar[] = [];
  while (!got.some((b) => b.time >= 2000)) got.push(...(await take(it, 1, 10_000)));
  t.true(got.every((b, i) => i === 0 || b.time > (got[i - 1] as SymbolBar).time), 'bars in connection order');

  const c0 = await server.connection(0);
  await within(c0.closed, 5000, 'the stalled socket to be dropped');
  t.is(c0.closeCode, 1006, 'terminated, no closing handshake');
  t.true(stalls.length >= 1);
  t.true((stalls[0] as StallInfo).silentMs >= heartbeatMs, `silent ${(stalls[0] as StallInfo).silentMs} ms`);
  t.is((stalls[0] as StallInfo).heartbeatMs, heartbeatMs);
  t.true(disconnected.length >= 1);
  t.deepEqual(new Set(disconnected.map((d) => d.cause)), new Set(['stall']), 'every drop was a stall');
  t.is(await (await server.connection(1)).nextMessage(), 'sub', 'resubscribed after the stall');
  const s = feed.status;
  t.is(s.stalls, stalls.length, 'one stall counted per stall event');
  t.true(s.stalls >= 1);
  t.true(s.connects >= 2);
  t.true(s.disconnects >= 1);
  t.is(s.lastError, null);
});

test('stall: ping frames count as life, so the silence that drops a connection starts at its last ping', async (t) => {
  // A connection that only gets pings stays up while they come; once they stop it stalls, its
  // silence measured from the last ping, not from the open. This is checked by cause and effect,
  // not by how long the connection lasted: the test process plays the server too, so a machine that
  // stops it for longer than heartbeatMs stalls a connection however often the pings are sent.
  // What holds whatever the scheduling: when the server has received the pong to a ping, the feed
  // had handled that ping before, so the silence it reports on a stall after that is shorter than
  // the time since that ping was sent. A feed that ignored pings would report the silence since the
  // open (before any ping was sent): longer. A stall before any pong came back shows nothing either
  // way; the feed reconnects and the next connection tries again.
  const heartbeatMs = 150;
  const { server, feed } = await setup(t, { heartbeatMs, reconnect: { initialDelayMs: 10, jitter: 0 } });
  const it = feed[Symbol.asyncIterator]();
  const ended = it.next(); // starts the feed; ends when the test closes it
  let onStall: (s: StallInfo) => void = () => {};
  feed.on('stall', (s) => onStall(s));
  for (let k = 0; ; k++) {
    if (k === 20) return t.fail('no stall came after a pong in 20 connections');
    const conn = await server.connection(k, 10_000);
    const sentAt: number[] = [];
    /** When the latest ping answered (its pong received by the server) was sent. */
    let answered: number | undefined;
    let longestAnsweredMs = 0;
    const pinger = setInterval(() => {
      sentAt.push(performance.now());
      conn.ws.ping(String(sentAt.length - 1));
    }, 10);
    conn.ws.on('pong', (data) => {
      answered = sentAt[Number(String(data))] as number;
      longestAnsweredMs = answered - (sentAt[0] as number);
      // Pings answered over three heartbeats: stop, and let the connection stall.
      if (longestAnsweredMs > 3 * heartbeatMs) clearInterval(pinger);
    });
    const stall = await within(
      new Promise<{ silentMs: number; at: number; answered: number | undefined }>((resolve) => {
        onStall = (s) => resolve({ silentMs: s.silentMs, at: performance.now(), answered });
      }),
      30_000,
      `connection ${k} to stall`,
    );
    clearInterval(pinger);
    await within(conn.closed, 5000, `connection ${k} to be dropped`);
    t.true(stall.silentMs >= heartbeatMs, `silent ${stall.silentMs} ms`);
    if (stall.answered === undefined) continue;
    const sinceAnsweredPing = stall.at - stall.answered;
    t.true(stall.silentMs < sinceAnsweredPing, `connection ${k}: silent ${stall.silentMs.toFixed(1)} ms, yet a ping it answered was sent ${sinceAnsweredPing.toFixed(1)} ms before the stall`);
    t.log(`connection ${k}: pings answered over ${longestAnsweredMs.toFixed(0)} ms (heartbeat ${heartbeatMs} ms), then silent ${stall.silentMs.toFixed(0)} ms`);
    break;
  }
  t.true(feed.status.stalls >= 1);
  await feed.close();
  t.deepEqual(await ended, { done: true, value: undefined });
});

test.serial('stall: a message that arrived while the event loop was blocked is not silence', async (t) => {
  // Timers run before the event loop reads its sockets. A consumer busy for longer than heartbeatMs
  // (a long synchronous step, a GC pause, a starved machine) must not make the feed drop a
  // connection whose server did speak: the message is waiting, unread, when the heartbeat fires.
  const heartbeatMs = 100;
  const { server, feed } = await setup(t, { heartbeatMs, reconnect: { initialDelayMs: 10, jitter: 0 } });
  const it = feed[Symbol.asyncIterator]();
  const first = take(it, 1);
  const c0 = await server.connection(0);
  c0.send(bar('A', 1000));
  t.deepEqual(await first, [bar('A', 1000)]);
  c0.send(bar('A', 2000)); // on its way over loopback, read at the next poll
  const until = performance.now() + 3 * heartbeatMs;
  while (performance.now() < until); // the heartbeat falls due meanwhile
  t.deepEqual(await take(it, 1), [bar('A', 2000)]);
  t.is(feed.status.stalls, 0);
  t.is(feed.status.connects, 1);
  t.true(c0.isOpen);
});

// ---------------------------------------------------------------- bad messages

test('bad messages are counted by reason and reported, never yielded, and the feed keeps running', async (t) => {
  const { server, feed } = await setup(t);
  const bad: BadMessage[] = [];
  feed.on('badMessage', (b) => bad.push(b));
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 4);
  const conn = await server.connection(0);
  const messages: unknown[] = [
    'not json{',
    { kind: 'boom' },
    { kind: 'ack' },
    { bars: [bar('A', 1000), { ...bar('A', 1500), open: '1' }] },
    { bars: [{ time: 2000, open: 1, high: 1, low: 1, close: 1, volume: 1 }] },
    { bars: [bar('A', NaN)] }, // JSON turns NaN into null
    42,
    { bars: [bar('A', 1000)] },
    { bars: [bar('A', 500)] },
    { bars: [bar('B', 500)] }, // order is per symbol: fine
    { bars: [bar('A', 2000), bar('A', 2000)] },
    bar('A', 3000),
  ];
  for (const m of messages) conn.send(m);
  t.deepEqual(await got, [bar('A', 1000), bar('B', 500), bar('A', 2000), bar('A', 3000)]);

  const s = feed.status;
  t.is(s.received, messages.length);
  t.is(s.malformed, 1);
  t.deepEqual(s.invalid, { toBarsError: 1, wrongType: 4, outOfOrder: 1, duplicate: 2 });
  t.deepEqual(feed.losses(), { malformed: 1, tooLarge: 0, toBarsError: 1, wrongType: 4, outOfOrder: 1, duplicate: 2, discarded: 0 });
  t.is(s.bars, 4);
  t.is(s.state, 'connected');
  t.is(s.connects, 1);
  t.deepEqual(
    bad.map((b) => b.reason),
    ['malformed', 'toBarsError', 'wrongType', 'wrongType', 'wrongType', 'wrongType', 'duplicate', 'outOfOrder', 'duplicate'],
  );
  const [malformed, threw, wrongOpen, noSymbol, noTime, notObject, , outOfOrder] = bad as [BadMessage, BadMessage, BadMessage, BadMessage, BadMessage, BadMessage, BadMessage, BadMessage];
  t.is(malformed.message, 'not json{');
  t.true(malformed.error instanceof SyntaxError);
  t.deepEqual(threw.message, { kind: 'boom' });
  t.is((threw.error as Error).message, 'boom');
  t.regex(wrongOpen.detail, /open must be a number/);
  t.deepEqual(wrongOpen.bar, { ...bar('A', 1500), open: '1' });
  t.regex(noSymbol.detail, /symbol/);
  t.regex(noTime.detail, /time must be a finite number/);
  t.regex(notObject.detail, /must be an object/);
  t.deepEqual(outOfOrder.bar, bar('A', 500));
  t.regex(outOfOrder.detail, /before the last bar delivered \(1000\)/);
  t.true(bad.every((b) => b.origin === 'message'));
});

test('a bar whose fields throw when read, and toBars results that throw when read, are counted, never end the process, and the feed goes on', async (t) => {
  // Lazily parsed bars: `close` reads a field the message may have malformed.
  const lazy = (m: { symbol: string; time: number; close: unknown }): SymbolBar =>
    ({
      symbol: m.symbol,
      time: m.time,
      open: 1,
      high: 10,
      low: 1,
      get close(): number {
        if (typeof m.close !== 'number') throw new Error(`malformed close ${String(m.close)}`);
        return m.close;
      },
      volume: 1,
    }) as SymbolBar;
  const revoked = Proxy.revocable([], {});
  revoked.revoke();
  const throwingEntry = new Proxy([bar('A', 500)], {
    get: (target, key, receiver) => (key === '0' ? (() => { throw new Error('entry 0'); })() : Reflect.get(target, key, receiver)),
  });
  const toLazyBars = (message: unknown): unknown => {
    const m = message as { kind?: string; symbol: string; time: number; close: unknown };
    if (m.kind === 'revoked') return revoked.proxy;
    if (m.kind === 'entry') return throwingEntry;
    return lazy(m);
  };
  const { server, feed } = await setup(t, { toBars: toLazyBars as WebSocketFeedOptions['toBars'] });
  const bad: BadMessage[] = [];
  feed.on('badMessage', (b) => bad.push(b));
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 2);
  const conn = await server.connection(0);
  for (const m of [{ symbol: 'A', time: 1000, close: 2 }, { symbol: 'A', time: 2000, close: 'x' }, { kind: 'revoked' }, { kind: 'entry' }, { symbol: 'A', time: 2000, close: 3 }]) conn.send(m);
  // The bars come out as plain objects of their fields, read once.
  const plain = (time: number, close: number): SymbolBar => ({ symbol: 'A', time, open: 1, high: 10, low: 1, close, volume: 1 });
  t.deepEqual(await got, [plain(1000, 2), plain(2000, 3)]);
  t.deepEqual(feed.status.invalid, { toBarsError: 2, wrongType: 1, outOfOrder: 0, duplicate: 0 });
  t.deepEqual(bad.map((b) => b.reason), ['wrongType', 'toBarsError', 'toBarsError']);
  t.regex(bad[0]?.detail ?? '', /reading the bar threw: malformed close x/);
  t.is(feed.status.state, 'connected');
});

test('a bar timed far in the future is passed on but does not make its symbol\'s later bars out of order', async (t) => {
  const { server, feed } = await setup(t);
  const bad: BadMessage[] = [];
  feed.on('badMessage', (b) => bad.push(b));
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 5);
  const conn = await server.connection(0);
  // A real minute, then the same time in microseconds (a corrupt message), then three more minutes.
  const t0 = Date.UTC(2024, 2, 4, 14, 30);
  const corrupt = bar('A', (t0 + 60_000) * 1000);
  for (const m of [bar('A', t0), corrupt, bar('A', t0 + 120_000), bar('A', t0 + 180_000), bar('A', t0 + 240_000)]) conn.send(m);
  t.deepEqual(await got, [bar('A', t0), corrupt, bar('A', t0 + 120_000), bar('A', t0 + 180_000), bar('A', t0 + 240_000)]);
  t.deepEqual(feed.status.invalid, { toBarsError: 0, wrongType: 0, outOfOrder: 0, duplicate: 0 });
  t.deepEqual(bad, []);
  t.is(feed.status.lastBarTime, t0 + 240_000);
});

test('a bar timed off the grid, then its correction: the correction lies between the last two bars and is passed on, and the store takes it; replays stay dropped', async (t) => {
  const { server, feed } = await setup(t);
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 5);
  const conn = await server.connection(0);
  const open = Date.UTC(2024, 2, 4, 14, 30);
  const at = (s: number): SymbolBar => bar('A', open + s * 1000, 1 + s);
  // Seconds 0 and 1, a glitch at 2.5 s, its correction at 2 s, second 3; then a replay of 2 and 1.
  for (const m of [at(0), at(1), at(2.5), at(2), at(3), at(2), at(1)]) conn.send(m);
  const bars = await got;
  t.deepEqual(bars, [at(0), at(1), at(2.5), at(2), at(3)]);
  await sleep(50);
  t.deepEqual(feed.status.invalid, { toBarsError: 0, wrongType: 0, outOfOrder: 2, duplicate: 0 });
  // What a 1s store makes of them: the glitch is off its grid, the correction and the rest go in.
  const data = new SessionData({ baseInterval: '1s' });
  data.beginSession({ date: '2024-03-04', open, close: open + 60_000, timeZone: 'UTC' });
  const codes = bars.map((b) => data.check(b.symbol, b) ?? (data.append(b.symbol, b), 'stored'));
  t.deepEqual(codes, ['stored', 'stored', 'off_grid', 'stored', 'stored']);
  t.deepEqual(Array.from(data.bars('A', '1s').time, (x) => (x - open) / 1000), [0, 1, 2, 3]);
});

for (const fault of ['high below its close', 'low above its open'] as const) {
  test(`a bar the store rejects for its fields (${fault}), or timed hours ahead, is passed on without becoming its symbol's last time: its correction and the later bars pass too`, async (t) => {
    const { server, feed } = await setup(t);
    const bad: BadMessage[] = [];
    feed.on('badMessage', (b) => bad.push(b));
    const it = feed[Symbol.asyncIterator]();
    const got = take(it, 6);
    const conn = await server.connection(0);
    // 14:30, then 14:31 with the fault and its correction, then a bar stamped five hours
    // ahead of the wall clock (a zone slip), then 14:32 and 14:33.
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const broken = fault === 'high below its close' ? { ...bar('A', t0 + 60_000, 2), high: 1.5 } : { ...bar('A', t0 + 60_000, 2), low: 2.5 };
    const slipped = bar('A', Date.now() + 5 * 3_600_000);
    const sent = [bar('A', t0), broken, bar('A', t0 + 60_000), slipped, bar('A', t0 + 120_000), bar('A', t0 + 180_000)];
    for (const m of sent) conn.send(m);
    t.deepEqual(await got, sent);
    t.deepEqual(feed.status.invalid, { toBarsError: 0, wrongType: 0, outOfOrder: 0, duplicate: 0 });
    t.deepEqual(bad, []);
    t.is(feed.status.lastBarTime, t0 + 180_000);
    // A repeat of a bar that did become the last time is still a duplicate.
    conn.send(bar('A', t0 + 180_000));
    await until(() => feed.status.invalid.duplicate === 1, 'the duplicate');
    t.is(bad[0]?.reason, 'duplicate');
  });
}

test("a replay of a symbol's bar before its last is out of order; lastBarTime stays the latest time of any bar, whatever symbol comes after", async (t) => {
  const { server, feed } = await setup(t);
  const it = feed[Symbol.asyncIterator]();
  const conn = await server.connection(0);
  const m0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
  // A at +5 min, then B at +1 min: the latest time of any bar is still A's.
  conn.send({ bars: [bar('A', m0 + 5 * 60_000), bar('B', m0 + 60_000)] });
  // C at +0 and +1 min, then +0 again: older than C's last bar, and no correction of it.
  conn.send({ bars: [bar('C', m0), bar('C', m0 + 60_000)] });
  conn.send({ bars: [bar('C', m0)] });
  conn.send(bar('C', m0 + 2 * 60_000));
  const got = await take(it, 5);
  t.deepEqual(got.map((b) => `${b.symbol}@${(b.time - m0) / 60_000}`), ['A@5', 'B@1', 'C@0', 'C@1', 'C@2']);
  t.deepEqual(feed.status.invalid, { toBarsError: 0, wrongType: 0, outOfOrder: 1, duplicate: 0 });
  t.is(feed.status.lastBarTime, m0 + 5 * 60_000);
});

// ---------------------------------------------------------------- ending

test('a symbol quiet for forgetAfterMs of bar time is forgotten: its next bar is passed on unchecked, for the store to judge', async (t) => {
  const { server, feed } = await setup(t, { forgetAfterMs: 10_000 });
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 5);
  const conn = await server.connection(0);
  conn.send({ bars: [bar('A', 1000), bar('B', 2000), bar('B', 11_000)] });
  await until(() => feed.status.bars === 3, 'three bars');
  // A's last bar is 10 s behind the latest: kept, and a repeat of it is a duplicate.
  t.is(feed.status.symbols, 2);
  conn.send(bar('A', 1000));
  // B at 11.5 s puts A more than 10 s behind, but the next sweep is 5 s of bar time after the last.
  conn.send({ bars: [bar('B', 11_500), bar('B', 16_000)] });
  await until(() => feed.status.bars === 5, 'five bars');
  t.is(feed.status.invalid.duplicate, 1);
  t.is(feed.status.symbols, 1, 'A forgotten');
  conn.send(bar('A', 500));
  t.deepEqual(await got, [bar('A', 1000), bar('B', 2000), bar('B', 11_000), bar('B', 11_500), bar('B', 16_000)]);
  t.deepEqual(await take(it, 1), [bar('A', 500)]);
  t.is(feed.status.invalid.outOfOrder, 0);
  t.is(feed.status.symbols, 2);
  t.throws(() => websocketFeed({ url: server.url, toBars, forgetAfterMs: 0 }), { instanceOf: ConfigError, message: /forgetAfterMs/ });
});

test('leaving the iteration discards the buffered bars, counted; close() first drains them, none discarded', async (t) => {
  const { server, feed } = await setup(t);
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 1);
  const conn = await server.connection(0);
  conn.send({ bars: [bar('A', 1000), bar('A', 2000), bar('A', 3000)] });
  t.deepEqual(await got, [bar('A', 1000)]);
  await until(() => feed.status.buffered === 2, 'two buffered bars');
  await it.return?.();
  t.is(feed.status.discarded, 2);
  t.is(feed.losses().discarded, 2);
  t.is(feed.status.bars, 3, 'delivered to the buffer, then discarded');

  const second = await setup(t);
  const it2 = second.feed[Symbol.asyncIterator]();
  const conn2 = await second.server.connection(0);
  conn2.send({ bars: [bar('A', 1000), bar('A', 2000)] });
  await until(() => second.feed.status.buffered === 2, 'two buffered bars');
  await second.feed.close();
  t.deepEqual(await take(it2, 5), [bar('A', 1000), bar('A', 2000)]);
  t.is(second.feed.losses().discarded, 0);
  // Closed and empty, a feed refuses another iteration: a run over it would see no bar.
  const again = t.throws(() => second.feed[Symbol.asyncIterator](), { instanceOf: FeedError });
  t.is(again?.code, 'feed_closed');
  t.regex(again?.message ?? '', /is closed .* and holds no bar: a feed serves one run; make a new one for the next/);
});

test('close() ends a running for-await; no reconnect follows; one consumer at a time', async (t) => {
  const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 10 } });
  const closed: unknown[] = [];
  feed.on('closed', (c) => closed.push(c));
  const seen: SymbolBar[] = [];
  const loop = (async () => {
    for await (const b of { [Symbol.asyncIterator]: () => feed[Symbol.asyncIterator]() }) {
      seen.push(b);
      void feed.close();
    }
  })();
  const conn = await server.connection(0);
  t.throws(() => feed[Symbol.asyncIterator](), { instanceOf: FeedError, message: /one consumer/ });
  conn.send(bar('A', 1000));
  await within(loop, 3000, 'the loop to end');
  t.deepEqual(seen, [bar('A', 1000)]);
  await within(conn.closed, 3000, 'the socket to close');
  await sleep(60);
  t.is(server.connections.length, 1, 'no reconnection after close()');
  t.is(feed.status.state, 'closed');
  t.is(feed.status.disconnects, 0);
  t.deepEqual(closed, [{ error: undefined }]);
  // A closed feed with nothing buffered: a new iteration is refused.
  t.throws(() => feed[Symbol.asyncIterator](), { instanceOf: FeedError, message: /is closed .* holds no bar/ });
});

test('maxAttempts exhausted: the bars already received come out, then a typed FeedError', async (t) => {
  const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 10, factor: 2, jitter: 0, maxAttempts: 2 } });
  const it = feed[Symbol.asyncIterator]();
  const conn = await server.connection(0);
  conn.send(bar('A', 1000));
  await until(() => feed.status.bars === 1, 'a bar');
  await server.close(); // server gone: connections refused
  await until(() => feed.status.state === 'closed', 'the feed to give up');
  t.deepEqual(await it.next(), { done: false, value: bar('A', 1000) }, 'buffered bars first');
  const error = await t.throwsAsync(it.next(), { instanceOf: FeedError });
  t.true(error instanceof BarstreamError);
  t.is(error?.code, 'feed_closed');
  t.is(error?.attempts, 2);
  t.is(error?.url, server.url + '/');
  t.regex(error?.message ?? '', /after 2 reconnection attempt/);
  t.deepEqual(await it.next(), { done: true, value: undefined }, 'then done');
  const s = feed.status;
  t.is(s.connects, 1);
  t.is(s.disconnects, 1);
  t.is(s.failedAttempts, 2);
  t.truthy(s.lastError);
});

test('giving up while an onReconnect hook is pending: the messages held behind it come out, then the FeedError', async (t) => {
  // The hook never settles, so the new connection's messages are held behind it.
  const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 10, jitter: 0, maxAttempts: 1 }, onReconnect: () => new Promise<void>(() => {}) });
  const it = feed[Symbol.asyncIterator]();
  const first = await server.connection(0);
  first.send(bar('A', 1000));
  await until(() => feed.status.bars === 1, 'the first bar');
  first.ws.terminate();
  const second = await server.connection(1);
  await until(() => feed.status.connects === 2, 'the reconnection');
  second.send(bar('A', 2000));
  second.send({ bars: [bar('B', 2000), bar('A', 3000)] });
  // Both received (a message is counted as it comes, before it is held): two held, no more.
  await until(() => feed.status.received === 3, 'the two messages');
  t.is(feed.status.held, 2);
  await server.close(); // the connection drops and the one attempt allowed is refused
  await until(() => feed.status.state === 'closed', 'the feed to give up');
  // Four bars were sent, all of them good: each comes out before the error.
  t.deepEqual(await take(it, 4), [bar('A', 1000), bar('A', 2000), bar('B', 2000), bar('A', 3000)]);
  const error = await t.throwsAsync(it.next(), { instanceOf: FeedError });
  t.is(error?.code, 'feed_closed');
  t.deepEqual(await it.next(), { done: true, value: undefined });
  const s = feed.status;
  t.is(s.received, 3);
  t.is(s.bars, 4);
  t.is(s.held, 0);
});

test('leaving the iteration while an onReconnect hook is pending: the held messages are read and each of their bars counted discarded', async (t) => {
  const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 10, jitter: 0 }, onReconnect: () => new Promise<void>(() => {}) });
  const it = feed[Symbol.asyncIterator]();
  const second = await afterADrop(t, server, it);
  await until(() => feed.status.connects === 2, 'the reconnection');
  // Three messages held: one bar, three bars, and one that is not JSON.
  second.send(bar('A', 2000));
  second.send({ bars: [bar('B', 2000), bar('A', 3000), bar('B', 3000)] });
  second.ws.send('not json');
  await until(() => feed.status.held === 3, 'three held messages');
  await it.return?.();
  t.like(feed.losses(), { discarded: 4, malformed: 1 });
  // Passed on: the first, yielded, and the four discarded (bars - discarded - buffered were yielded).
  t.like(feed.status, { bars: 5, discarded: 4, buffered: 0 });
});

test('a feed listener that throws closes the feed with a FeedError whose cause is its error: the iteration throws it after the bars before, and nothing hangs', async (t) => {
  for (const event of ['badMessage', 'disconnected'] as const) {
    const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 10, jitter: 0 } });
    const boom = new Error(`${event} listener failed`);
    feed.on(event, () => {
      throw boom;
    });
    const it = feed[Symbol.asyncIterator]();
    const got = take(it, 1);
    const conn = await server.connection(0);
    conn.send(bar('A', 1000));
    t.deepEqual(await got, [bar('A', 1000)]);
    if (event === 'badMessage') conn.send('not json');
    else conn.ws.terminate();
    const e = await t.throwsAsync(within(it.next(), 5000, 'the end of the iteration'), { instanceOf: FeedError });
    t.is(e?.code, 'feed_closed');
    t.is(e?.cause, boom);
    t.regex(e?.message ?? '', new RegExp(`a '${event}' listener of the feed .* threw: ${event} listener failed`));
    t.is(feed.status.state, 'closed');
    await within(conn.closed, 5000, 'the socket closed');
    await within(feed.close(), 5000, 'close()');
    await sleep(50);
    t.is(server.connections.length, 1, `${event}: no reconnection`);
  }
});

test('a pong the server sends unasked counts as life: no stall', async (t) => {
  const { server, feed } = await setup(t, { heartbeatMs: 200 });
  const it = feed[Symbol.asyncIterator]();
  void it.next();
  const conn = await server.connection(0);
  const timer = setInterval(() => conn.ws.pong(), 40);
  await sleep(700);
  clearInterval(timer);
  t.is(feed.status.stalls, 0);
  t.is(server.connections.length, 1);
});

test('bytes that are not UTF-8 are counted malformed, in a binary message and in a text one (whose connection ws drops), never read with replacement characters', async (t) => {
  const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 10, jitter: 0 } });
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 2);
  const conn = await server.connection(0);
  // {"symbol":"SOCI\xc9T",...} in Latin-1.
  const latin1 = Buffer.from(JSON.stringify(bar('SOCI\u00c9T', 1000)), 'latin1');
  conn.ws.send(latin1, { binary: true });
  conn.ws.send(Buffer.from(JSON.stringify(bar('A', 1000))), { binary: true });
  conn.ws.send(latin1, { binary: false });
  const again = await server.connection(1);
  again.send(bar('A', 2000));
  t.deepEqual(await got, [bar('A', 1000), bar('A', 2000)]);
  t.like(feed.losses(), { malformed: 2 });
  t.is(feed.status.received, 4);
});

test('subscribe given as an ArrayBuffer goes out as a binary frame of its bytes, as a typed array does', async (t) => {
  const bytes = new Uint8Array([1, 2, 3, 250]);
  const { server, feed } = await setup(t, { subscribe: bytes.buffer });
  const it = feed[Symbol.asyncIterator]();
  void it.next();
  const conn = await server.connection(0);
  const [data, isBinary] = (await within(events.once(conn.ws, 'message'), 5000, 'the subscribe message')) as [Buffer, boolean];
  t.true(isBinary);
  t.deepEqual([...data], [1, 2, 3, 250]);
});

test("giving up after the server closed each connection: the FeedError gives the server's close code and reason", async (t) => {
  const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 10, jitter: 0, maxAttempts: 1 } });
  const it = feed[Symbol.asyncIterator]();
  const next = it.next();
  (await server.connection(0)).ws.close(1011, 'go away');
  (await server.connection(1)).ws.close(1011, 'go away');
  const error = await t.throwsAsync(next, { instanceOf: FeedError });
  t.regex(error?.message ?? '', /gave up on .* after 1 reconnection attempt\(s\); the server closed the last connection \(code 1011, 'go away'\)$/);
  t.is(error?.attempts, 1);
  // Iterated again, the failed feed says it failed and why, with the same count of attempts.
  const again = t.throws(() => feed[Symbol.asyncIterator](), { instanceOf: FeedError });
  t.is(again?.code, 'feed_closed');
  t.is(again?.attempts, 1);
  t.regex(again?.message ?? '', /is closed since it failed \(gave up on .* after 1 reconnection attempt\(s\); .*'go away'\)\) and holds no bar/);
});

test('a message over maxMessageBytes is not read: counted tooLarge and reported, and the feed reconnects and goes on', async (t) => {
  const { server, feed } = await setup(t, { maxMessageBytes: 1000, reconnect: { initialDelayMs: 10, jitter: 0 } });
  const bad: BadMessage[] = [];
  feed.on('badMessage', (b) => bad.push(b));
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 2);
  const first = await server.connection(0);
  first.send(bar('A', 1000));
  // Forty bars in one message: well over 1000 bytes.
  first.send({ bars: Array.from({ length: 40 }, (_, k) => bar('A', 2000 + k * 1000)) });
  const second = await server.connection(1);
  second.send(bar('A', 60_000));
  t.deepEqual(await got, [bar('A', 1000), bar('A', 60_000)]);
  t.like(feed.losses(), { tooLarge: 1, malformed: 0 });
  t.like(feed.status, { tooLarge: 1, received: 3, connects: 2 });
  t.deepEqual(bad.map((b) => b.reason), ['tooLarge']);
  t.regex(bad[0]?.detail ?? '', /over maxMessageBytes \(1000 bytes\) was not read/);
  t.throws(() => websocketFeed({ url: server.url, toBars, maxMessageBytes: 0 }), { instanceOf: ConfigError, message: /maxMessageBytes/ });
});

test('maxAttempts: 0 with nothing listening fails after the first attempt; a throwing subscribe fails the feed', async (t) => {
  const gone = await TestServer.start();
  await gone.close();
  const feed = websocketFeed({ url: gone.url, toBars, reconnect: { maxAttempts: 0 } });
  t.teardown(() => feed.close());
  const error = await t.throwsAsync(feed[Symbol.asyncIterator]().next(), { instanceOf: FeedError });
  t.is(error?.code, 'feed_closed');
  t.is(feed.status.failedAttempts, 1);
  t.is(feed.status.connects, 0);

  const { feed: bad } = await setup(t, {
    subscribe: () => {
      throw new Error('no token');
    },
  });
  const failure = await t.throwsAsync(bad[Symbol.asyncIterator]().next(), { instanceOf: FeedError });
  t.is(failure?.code, 'subscribe_failed');
  t.is((failure?.cause as Error).message, 'no token');
});

test("a feed that fails emits 'closed', then 'error' with its FeedError to those who listen; close() emits no error", async (t) => {
  const gone = await TestServer.start();
  await gone.close();
  const feed = websocketFeed({ url: gone.url, toBars, reconnect: { maxAttempts: 0 } });
  t.teardown(() => feed.close());
  const seen: string[] = [];
  let given: unknown;
  feed.on('closed', (info) => seen.push(`closed ${info.error?.code ?? 'none'}`));
  feed.on('error', (error) => {
    seen.push(`error ${error.code}`);
    given = error;
  });
  const once = events.once(feed, 'error');
  const thrown = await t.throwsAsync(feed[Symbol.asyncIterator]().next(), { instanceOf: FeedError });
  t.deepEqual(seen, ['closed feed_closed', 'error feed_closed']);
  t.is(given, thrown);
  t.deepEqual(await once, [thrown]);

  // Closed by its user: 'closed' alone, whoever listens for 'error'.
  const { feed: asked } = await setup(t, {});
  const errors: unknown[] = [];
  asked.on('error', (error) => errors.push(error));
  const closed = events.once(asked, 'closed');
  const it = asked[Symbol.asyncIterator]();
  const pending = it.next();
  asked.close();
  t.deepEqual(await closed, [{ error: undefined }]);
  t.deepEqual(await pending, { done: true, value: undefined });
  t.deepEqual(errors, []);
});

test('bad URL or options: ConfigError naming the parameter', (t) => {
  const cases: [string, Partial<WebSocketFeedOptions> | Record<string, unknown>][] = [
    ['url', { url: 'not a url' }],
    ['url', { url: 'http://127.0.0.1:1/' }],
    ['url', { url: 42 }],
    ['toBars', { toBars: undefined }],
    ['subscribe', { subscribe: 42 }],
    ['parse', { parse: 'xml' }],
    ['reconnect.initialDelayMs', { reconnect: { initialDelayMs: -1 } }],
    ['reconnect.maxDelayMs', { reconnect: { initialDelayMs: 100, maxDelayMs: 10 } }],
    ['reconnect.factor', { reconnect: { factor: 0.5 } }],
    ['reconnect.jitter', { reconnect: { jitter: 1.5 } }],
    ['reconnect.maxAttempts', { reconnect: { maxAttempts: 1.5 } }],
    ['reconnect.maxAttempts', { reconnect: { maxAttempts: -1 } }],
    ['heartbeatMs', { heartbeatMs: 0 }],
    ['heartbeatMs', { heartbeatMs: NaN }],
    ['heartbeatMs', { heartbeatMs: 2 ** 31 }],
    ['connectTimeoutMs', { connectTimeoutMs: 0 }],
    ['onReconnect', { onReconnect: 'later' }],
    ['onReconnectDeadlineMs', { onReconnectDeadlineMs: 0 }],
    ['onReconnectDeadlineMs', { onReconnectDeadlineMs: '5000' }],
    ['onReconnectDeadlineMs', { onReconnectDeadlineMs: 2 ** 31 }],
    ['random', { random: 0.5 }],
  ];
  for (const [param, patch] of cases) {
    const error = t.throws(() => websocketFeed({ url: 'ws://127.0.0.1:1', toBars, ...patch } as WebSocketFeedOptions), { instanceOf: ConfigError }, param);
    t.is(error?.param, param, JSON.stringify(patch));
  }
  t.notThrows(() => websocketFeed({ url: new URL('wss://example.com/bars'), toBars, heartbeatMs: Infinity, reconnect: { maxAttempts: Infinity, jitter: 0 } }));
});

// ---------------------------------------------------------------- with the coordinator

test('live coordinator run over the feed: a drop mid-session, the gap filled on reconnect, every bar stored', async (t) => {
  const SECOND = 1000;
  const server = await TestServer.start();
  const open = Math.ceil(Date.now() / SECOND) * SECOND + SECOND;
  const session: Session = { date: new Date(open).toISOString().slice(0, 10), open, close: open + 4 * SECOND, timeZone: 'UTC', dayStart: open - (open % 86_400_000) };
  const calendar: SessionCalendar = { sessions: () => [session] };
  const bars: SymbolBar[] = Array.from({ length: 4 }, (_, k) => ({ symbol: 'BTC', time: open + k * SECOND, open: 10 + k, high: 11 + k, low: 9 + k, close: 10.5 + k, volume: 1 }));
  const history: SymbolBar[] = []; // what a REST endpoint would serve
  const hookCalls: ReconnectInfo[] = [];
  const feed = websocketFeed({
    url: server.url,
    toBars,
    subscribe: { op: 'subscribe', symbols: ['BTC'] },
    reconnect: { initialDelayMs: 100, factor: 1, jitter: 0 },
    onReconnect: async (info) => {
      hookCalls.push(info);
      await sleep(5);
      for (const { symbol, lastTime } of info.symbols) info.deliver(history.filter((b) => b.symbol === symbol && b.time > lastTime));
    },
  });
  t.teardown(async () => {
    await feed.close();
    await server.close();
  });

  // The server publishes each bar 50 ms after its second ends; after the second bar it drops the
  // client and refuses it until the third bar is published and at least one attempt was refused,
  // so the third bar is published while nobody is connected and only the onReconnect hook (from
  // `history`, a REST endpoint's stand-in) can bring it. (Refusing for a fixed time instead let a
  // slow machine reconnect only after the refusals had ended.)
  const publisher = (async () => {
    for (const [k, b] of bars.entries()) {
      await sleep(Math.max(0, b.time + SECOND + 50 - Date.now()));
      history.push(b);
      for (const c of server.connections) if (c.isOpen) c.send(b);
      if (k === 1) {
        server.reject = true;
        for (const c of server.connections) c.ws.terminate();
      }
      if (k === 2) {
        await until(() => server.rejected >= 1, 'an attempt to be refused', 30_000);
        server.reject = false;
      }
    }
    // A live run's last session ends when its stream does: the feed is closed once the last bar is in.
    await until(() => feed.status.bars === bars.length, 'the last bar');
    await feed.close();
  })();

  const data = new SessionData({ baseInterval: '1s', intervals: ['2s'] });
  const report = await new SessionCoordinator({ calendar, data, engine: new AnalysisEngine(), source: feed, mode: 'live', from: session.date, to: session.date, closeDelayMs: 600 }).run();
  await publisher;

  t.is(report.barsIn, 4);
  t.is(report.barsStored, 4);
  t.is(
    Object.values(report.rejected).reduce((a, b) => a + b, 0),
    0,
  );
  t.is(report.closedBars['2s'], 2);
  t.deepEqual([...data.bars('BTC', '1s').time], bars.map((b) => b.time));
  t.is(hookCalls.length, 1);
  t.deepEqual((hookCalls[0] as ReconnectInfo).symbols, [{ symbol: 'BTC', lastTime: open + SECOND }]);
  const s = feed.status;
  t.is(s.connects, 2);
  t.is(s.disconnects, 1);
  t.true(s.failedAttempts >= 1);
  t.is(s.bars, 4);
  t.is(s.state, 'closed');
  t.deepEqual(report.sourceLosses, { malformed: 0, tooLarge: 0, toBarsError: 0, wrongType: 0, outOfOrder: 0, duplicate: 0, discarded: 0 });
});

test('a bar whose symbol holds a lone surrogate is counted wrongType, not passed on to fail the run; the feed goes on', async (t) => {
  const { server, feed } = await setup(t);
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 1);
  const conn = await server.connection(0);
  // '\ud83d' is half of an emoji: valid JSON, a symbol the store refuses.
  conn.send(JSON.parse('{"symbol":"\\ud83d","time":1000,"open":1,"high":1,"low":1,"close":1,"volume":1}'));
  conn.send(bar('A', 1000));
  t.deepEqual(await got, [bar('A', 1000)]);
  t.is(feed.losses().wrongType, 1);
});

test('an async subscribe sends the message it resolves to; one that rejects ends the feed with subscribe_failed', async (t) => {
  const ok = await setup(t, {
    subscribe: async ({ connects }) => {
      await sleep(10);
      return { op: 'subscribe', token: `t${connects}` };
    },
  });
  const it = ok.feed[Symbol.asyncIterator]();
  const got = take(it, 1);
  const conn = await ok.server.connection(0);
  t.deepEqual(JSON.parse(await conn.nextMessage()), { op: 'subscribe', token: 't1' });
  conn.send(bar('A', 1000));
  t.deepEqual(await got, [bar('A', 1000)]);

  const failing = await setup(t, {
    subscribe: async () => {
      await sleep(10);
      throw new Error('no token');
    },
  });
  const error = await t.throwsAsync(failing.feed[Symbol.asyncIterator]().next(), { instanceOf: FeedError });
  t.is(error.code, 'subscribe_failed');
  t.regex(error.message, /no token/);
});

test('a toBars that returns a promise is counted toBarsError, and one that rejects does not reach the process unhandled', async (t) => {
  const { server, feed } = await setup(t, {
    toBars: (message: unknown) => (message as { kind?: string }).kind === 'reject' ? (Promise.reject(new Error('async toBars')) as never) : (Promise.resolve(message) as never),
  });
  const it = feed[Symbol.asyncIterator]();
  const conn = await server.connection(0);
  void it.next();
  conn.send({ kind: 'reject' });
  conn.send(bar('A', 1000));
  await until(() => feed.losses().toBarsError === 2, 'two toBarsError');
  t.is(feed.status.bars, 0);
});

test('a server that answers each connection with an error and closes it is backed off and given up on: only a bar, or a heartbeat open, is a connection that stayed up', async (t) => {
  const { server, feed } = await setup(t, { heartbeatMs: 60_000, reconnect: { initialDelayMs: 10, factor: 2, jitter: 0, maxAttempts: 2 } });
  const it = feed[Symbol.asyncIterator]();
  // Each connection gets an error message (no bar) and is closed by the server.
  for (let k = 0; k < 3; k++) {
    const conn = await server.connection(k);
    conn.send({ kind: 'ack' });
    await until(() => feed.status.received === k + 1, `message ${k + 1}`);
    conn.ws.close(1008, 'not authorised');
  }
  const error = await t.throwsAsync(it.next(), { instanceOf: FeedError });
  t.is(error?.code, 'feed_closed');
  t.is(error?.attempts, 2);
  t.is(feed.status.connects, 3);
});

test('connectTimeoutMs bounds the whole opening handshake: a server that answers a byte at a time is given up on then', async (t) => {
  // It starts a 101 answer and then sends one byte every 100 ms, never finishing it.
  const server = net.createServer((socket) => {
    // The feed resets the connection when it gives up: a write racing it fails with ECONNRESET.
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\n');
      const drip = setInterval(() => {
        if (!socket.destroyed) socket.write('X');
      }, 100);
      socket.on('close', () => clearInterval(drip));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const feed = websocketFeed({ url: `ws://127.0.0.1:${port}`, toBars, connectTimeoutMs: 500, reconnect: { maxAttempts: 0 } });
  t.teardown(() => feed.close());
  const started = Date.now();
  const error = await t.throwsAsync(within(feed[Symbol.asyncIterator]().next(), 5000, 'the feed to give up'), { instanceOf: FeedError });
  t.is(error?.code, 'feed_closed');
  t.regex(error?.message ?? '', /no connection within connectTimeoutMs \(500 ms\)/);
  // Well before the drip would have ended (it never does): the limit, not an idle timeout.
  t.true(Date.now() - started < 4000);
  t.is(feed.status.failedAttempts, 1);
});

test('a listener that throws in the middle of a message closes the feed there: no bar of the message after it is taken, and no event comes after closed', async (t) => {
  const { server, feed } = await setup(t);
  const events: string[] = [];
  feed.on('badMessage', (b) => {
    events.push(`badMessage ${b.reason}`);
    throw new Error('listener failed');
  });
  feed.on('closed', () => events.push('closed'));
  const it = feed[Symbol.asyncIterator]();
  const got = take(it, 1);
  const conn = await server.connection(0);
  // A@1, then a duplicate (the listener throws), then A@2 and A@0 (out of order).
  conn.send({ bars: [bar('A', 1000), bar('A', 1000), bar('A', 2000), bar('A', 0)] });
  t.deepEqual(await got, [bar('A', 1000)]);
  await t.throwsAsync(within(it.next(), 5000, 'the end'), { instanceOf: FeedError, message: /'badMessage' listener/ });
  t.deepEqual(events, ['badMessage duplicate', 'closed']);
  // A@2 and A@0, left in the message: counted discarded.
  t.like(feed.status, { bars: 3, discarded: 2 });
});

test('a listener that throws while messages are held behind an onReconnect hook: none of the held bars after it is passed on; they are counted discarded', async (t) => {
  const { server, feed } = await setup(t, { reconnect: { initialDelayMs: 10, jitter: 0 }, onReconnect: () => new Promise<void>((resolve) => setTimeout(resolve, 150)) });
  feed.on('badMessage', () => {
    throw new Error('listener failed');
  });
  const it = feed[Symbol.asyncIterator]();
  const second = await afterADrop(t, server, it);
  // Held until the hook settles: A@10 passes, its duplicate makes the listener throw, A@11 and A@12 come after.
  second.send({ bars: [bar('A', 10_000), bar('A', 10_000), bar('A', 11_000)] });
  second.send(bar('A', 12_000));
  t.deepEqual(await take(it, 1), [bar('A', 10_000)]);
  await t.throwsAsync(within(it.next(), 5000, 'the end'), { instanceOf: FeedError, message: /'badMessage' listener/ });
  // A@11, left in its message, and A@12, held: received, never passed on.
  t.like(feed.losses(), { discarded: 2, duplicate: 1 });
  t.like(feed.status, { bars: 4 });
});
