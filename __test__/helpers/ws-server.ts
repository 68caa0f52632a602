/**
 * A real `ws` server on 127.0.0.1 (port 0) for the websocket feed tests: records each connection
 * and what it received, can refuse handshakes, and closes everything it opened.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** Rejects with a message naming `what` if `promise` is not settled within `ms` (the timer never outlives it). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One accepted connection, server side. */
export class ServerConnection {
  readonly messages: string[] = [];
  readonly closed: Promise<void>;
  /** The close code the server saw, once closed (1006: the connection just ended). */
  closeCode: number | undefined;
  #read = 0;
  #waiters: (() => void)[] = [];

  constructor(
    readonly ws: WebSocket,
    readonly index: number,
  ) {
    ws.on('message', (data) => {
      this.messages.push(String(data));
      for (const w of this.#waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code) => {
        this.closeCode = code;
        resolve();
      }),
    );
  }

  /** The next message this connection received that `nextMessage` has not returned yet. */
  async nextMessage(timeoutMs = 5000): Promise<string> {
    const wait = async (): Promise<string> => {
      while (this.#read >= this.messages.length) await new Promise<void>((resolve) => this.#waiters.push(resolve));
      return this.messages[this.#read++] as string;
    };
    return within(wait(), timeoutMs, `message ${this.#read} on connection ${this.index}`);
  }

  /** Sends a string as is, anything else as JSON. */
  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }
}

/** A WebSocket server for one test. */
export class TestServer {
  readonly connections: ServerConnection[] = [];
  /** While true, opening handshakes are answered 401 (the attempt fails, the port stays taken). */
  reject = false;
  /** Handshakes refused. */
  rejected = 0;
  #waiters: (() => void)[] = [];

  private constructor(
    readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (ws) => {
      this.connections.push(new ServerConnection(ws, this.connections.length));
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async start(): Promise<TestServer> {
    let server: TestServer | undefined;
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      verifyClient: () => {
        if (server?.reject !== true) return true;
        server.rejected++;
        return false;
      },
    });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const { port } = wss.address() as AddressInfo;
    server = new TestServer(wss, `ws://127.0.0.1:${port}`);
    return server;
  }

  /** The `index`th connection (0 = the first), once it is accepted. */
  async connection(index: number, timeoutMs = 5000): Promise<ServerConnection> {
    const wait = async (): Promise<ServerConnection> => {
      while (this.connections.length <= index) await new Promise<void>((resolve) => this.#waiters.push(resolve));
      return this.connections[index] as ServerConnection;
    };
    return within(wait(), timeoutMs, `connection ${index}`);
  }

  /** Drops every client (no close frame) and stops listening. */
  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
