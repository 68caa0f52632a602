import test from 'ava';
import { WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { AnalysisEngine, SessionCoordinator, SessionData, websocketFeed } from 'barstream';
import type { Bar, Session, SessionCalendar, SymbolBar } from 'barstream';
import { plain, threeSecond } from './helpers/live.js';

const SECOND = 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));


/**
 * A feed server on 127.0.0.1: the first connection sends seconds 0-2 (each 50 ms after it ends),
 * a malformed message and a bar of the wrong type, then drops the connection when second 3 is due;
 * a later connection sends from second 5 on. Seconds 3 and 4 are never sent.
 */
async function feedServer(bars: readonly SymbolBar[], open: number) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let connections = 0;
  const subscribes: string[] = [];
  wss.on('connection', (ws) => {
    const n = ++connections;
    ws.on('message', async (raw) => {
      subscribes.push(String(raw));
      for (const bar of bars) {
        const second = (bar.time - open) / SECOND;
        if (n === 1 && second >= 3) {
          await sleep(bar.time + SECOND + 50 - Date.now());
          ws.terminate();
          return;
        }
        if (n > 1 && second < 5) continue;
        await sleep(bar.time + SECOND + 50 - Date.now());
        if (ws.readyState !== WebSocket.OPEN) return;
        if (n === 1 && second === 1) {
          ws.send('{not json');
          ws.send(JSON.stringify({ ...bar, close: 'eleven' }));
        }
        ws.send(JSON.stringify(bar));
      }
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    subscribes,
    connections: () => connections,
    close: () => {
      for (const c of wss.clients) c.terminate();
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

async function liveRun(fill: (all: readonly SymbolBar[]) => (symbol: string, from: number, to: number) => Promise<readonly Bar[]>) {
  const open = Math.ceil(Date.now() / SECOND) * SECOND + 2 * SECOND;
  const session: Session = { date: new Date(open).toISOString().slice(0, 10), open, close: open + 9 * SECOND, timeZone: 'UTC', dayStart: open - (open % 86_400_000) };
  const calendar: SessionCalendar = { sessions: () => [session] };
  const all: SymbolBar[] = Array.from({ length: 9 }, (_, k) => ({ symbol: 'ETH', time: open + k * SECOND, open: 10 + k, high: 12 + k, low: 9 + k, close: 11 + k, volume: 100 + k }));
  const server = await feedServer(all, open);
  const feed = websocketFeed({
    url: server.url,
    subscribe: { op: 'subscribe', channel: 'bars.1s', symbols: ['ETH'] },
    toBars: (m) => m as SymbolBar,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    heartbeatMs: 5000,
  });
  const data = new SessionData({ baseInterval: '1s', intervals: ['3s'] });
  const engine = new AnalysisEngine();
  const delivered: Bar[] = [];
  engine.subscribe({ interval: '3s' }, (e) => void delivered.push(e.bar));
  try {
    const report = await new SessionCoordinator({
      calendar, data, engine, source: feed, mode: 'live', from: session.date, to: session.date, closeDelayMs: 250, fillDeadlineMs: 400, fill: fill(all),
    }).run();
    return { open, all, report, delivered, status: feed.status, server };
  } finally {
    await feed.close();
    await server.close();
  }
}

test('live feed over a WebSocket: dropped mid-session, minutes skipped, reconnected, gaps filled; derived bars equal an uninterrupted run', async (t) => {
  const r = await liveRun((all) => async (symbol, from, to) => all.filter((b) => b.symbol === symbol && b.time >= from && b.time < to).map(plain));
  t.true(r.status.disconnects >= 1, 'the drop was noticed');
  t.true(r.status.connects >= 2, 'and the feed reconnected');
  t.true(r.server.subscribes.length >= 2, 'resubscribed after the reconnect');
  t.is(r.status.malformed, 1);
  t.is(r.status.invalid.wrongType, 1);
  // What the feed dropped before any bar existed is in the run's report too.
  t.deepEqual(r.report.sourceLosses, { malformed: 1, tooLarge: 0, toBarsError: 0, wrongType: 1, outOfOrder: 0, duplicate: 0, discarded: 0 });
  t.is(r.report.barsStored, 9);
  t.deepEqual(r.delivered, threeSecond(r.all.map(plain), r.open));
  t.true(r.report.gaps.every((g) => g.state === 'filled'));
  t.is(r.report.gaps.reduce((n, g) => n + g.filledBars, 0), 2);
});

test('live feed over a WebSocket: a filler that times out leaves the gap reported unfilled and every other bar right', async (t) => {
  const r = await liveRun(() => () => new Promise<readonly Bar[]>(() => {}));
  t.is(r.report.barsStored, 7);
  const missing = new Set([r.open + 3 * SECOND, r.open + 4 * SECOND]);
  t.deepEqual(r.delivered, threeSecond(r.all.filter((b) => !missing.has(b.time)).map(plain), r.open));
  t.true(r.report.gaps.length >= 1);
  t.true(r.report.gaps.every((g) => g.state === 'unfilled'));
  t.is(Math.min(...r.report.gaps.map((g) => g.from)), r.open + 3 * SECOND);
  t.is(Math.max(...r.report.gaps.map((g) => g.to)), r.open + 5 * SECOND);
});
