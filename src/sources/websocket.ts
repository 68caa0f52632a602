/**
 * {@link websocketFeed}: a live {@link StreamSource} over a WebSocket that survives disconnects:
 * it resubscribes after every (re)connect, backs off exponentially with jitter, detects silent
 * connections (heartbeat), tells a gap filler what was missed, and never stops on a bad message.
 * @module
 */
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { BarstreamError, ConfigError, InputError, checkOptionKeys, firstHole, symbolProblem } from '../errors.js';
import { checkEventNames } from '../events.js';
import { barFieldProblem } from '../native.js';
import { FUTURE_TOLERANCE_MS, plainFields } from './types.js';
import type { StreamSource, SymbolBar } from './types.js';

/**
 * Where a feed is.
 * - `'idle'`: made, not iterated yet (a feed connects when its iteration starts).
 * - `'connecting'`: the first connection is being made (retries included).
 * - `'connected'`: a connection is open.
 * - `'reconnecting'`: a connection was lost; waiting out the backoff or making the next one.
 * - `'closed'`: final, by {@link WebSocketFeed.close}, by the consumer leaving the iteration, or by a {@link FeedError}.
 */
export type FeedState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Reconnection with exponential backoff. Every field is optional. */
export interface ReconnectOptions {
  /** Delay before the first attempt after a drop, in ms. Default 500. */
  initialDelayMs?: number | undefined;
  /** The longest delay, in ms (jitter included: delays never exceed it). Default 30 000 (or `initialDelayMs` if larger). */
  maxDelayMs?: number | undefined;
  /** Each consecutive attempt waits `factor` times longer than the one before. Default 2. */
  factor?: number | undefined;
  /**
   * Random spread of each delay, as a fraction: `0.2` gives `delay × [0.8, 1.2)` (then capped at
   * `maxDelayMs`), so many clients dropped at once do not come back at once. Default 0.2; 0 for none.
   */
  jitter?: number | undefined;
  /**
   * Attempts after a drop (or after a first connection that failed) before the feed gives up with a
   * {@link FeedError} `feed_closed`. Counted since the last connection that stayed up (passed a bar
   * on, or stayed open a heartbeat, 30 s at most: a server that answers with an error and closes
   * does not). Default `Infinity`; 0 never reconnects.
   */
  maxAttempts?: number | undefined;
}

/** A message to send: a string as is, a byte array as a binary frame, anything else as JSON. */
export type FeedMessage = string | ArrayBufferView | object;

/** What a `subscribe` function is told about the connection it is called for. */
export interface SubscribeContext {
  /** This connection's number: 1 for the first, 2 for the first reconnect, ... */
  connects: number;
  /** True for every connection after the first. */
  reconnect: boolean;
}

/** A symbol's latest bar time delivered before a drop. */
export interface SymbolLastTime {
  symbol: string;
  /** The `time` of the symbol's last bar the feed delivered (epoch ms). */
  lastTime: number;
}

/**
 * Told to the `reconnected` event and the `onReconnect` hook: what the feed had delivered before
 * the drop, so a gap filler can ask another service (a REST API) for the bars after `lastTime`.
 */
export interface ReconnectInfo {
  /** This connection's number (2 for the first reconnect). */
  connects: number;
  /** Wall time (epoch ms) the previous connection was lost. */
  disconnectedAt: number;
  /** Wall time (epoch ms) the new connection opened. */
  reconnectedAt: number;
  /** Connection attempts it took since the last connection that stayed up. */
  attempts: number;
  /** Every symbol seen so far with the time of its last bar delivered, in first-seen order. */
  symbols: SymbolLastTime[];
  /**
   * Inserts bars into the stream here: after everything delivered before the drop, before
   * anything the new connection sends (while an `onReconnect` hook's promise is pending, the new
   * connection's messages are held). The bars are checked like any other (wrong types, order per
   * symbol), so fill bars that overlap what was delivered are counted as `duplicate`/`outOfOrder`
   * and dropped.
   */
  deliver(bars: SymbolBar | readonly SymbolBar[]): void;
}

/** Options of {@link websocketFeed}. */
export interface WebSocketFeedOptions {
  /** A `ws:` or `wss:` URL. */
  url: string | URL;
  /**
   * Maps a message to bars: one, an array, or `null`/`undefined` for a message without bars (an
   * acknowledgement, a heartbeat). It gets the parsed JSON (`parse: 'json'`) or the text
   * (`parse: 'text'`). If it throws, the message is counted (`toBarsError`) and reported; the feed goes on.
   */
  toBars: (message: unknown) => SymbolBar | readonly SymbolBar[] | null | undefined;
  /**
   * Sent after EVERY connect and reconnect: a message, or a function returning one (or
   * `null`/`undefined` to send nothing) given the connection's {@link SubscribeContext}, or a
   * promise of one (an async function fetching a token, say: sent once it settles, if that
   * connection is still open). A function that throws or rejects, or a message that cannot be
   * encoded, ends the feed with a {@link FeedError} `subscribe_failed`: it would fail the same way
   * on every reconnect.
   */
  subscribe?: FeedMessage | ((context: SubscribeContext) => FeedMessage | null | undefined | PromiseLike<FeedMessage | null | undefined>) | undefined;
  /**
   * `'json'` (default): each message is parsed as JSON; one that is not JSON is counted as
   * `malformed`, reported and skipped. `'text'`: `toBars` gets the message text as is.
   */
  parse?: 'json' | 'text' | undefined;
  /** Reconnection backoff; see {@link ReconnectOptions}. */
  reconnect?: ReconnectOptions | undefined;
  /**
   * A connection that receives nothing for this long (no message, no ping or pong frame) is stalled: a
   * `stall` event, counted, the socket is dropped and the feed reconnects. Default 30 000 ms;
   * `Infinity` disables the check. Set it above the longest quiet time the server may have: a
   * server that sends closed 1m bars and no ping frames is quiet for a minute between them, so
   * the default drops it twice a minute (and a bar sent while it reconnects is lost to it): give
   * such a feed 90 000 or more.
   */
  heartbeatMs?: number | undefined;
  /**
   * The longest wait for a connection's opening handshake, in ms, from the attempt's start: a
   * server that sends its answer a byte at a time is given up on then too. Default 10 000.
   */
  connectTimeoutMs?: number | undefined;
  /**
   * The largest message taken, in bytes. A larger one is not read: it is counted `tooLarge`,
   * reported by a `badMessage` event, and the connection is dropped (the WebSocket protocol has
   * no way to skip a frame) and made again. Default 104,857,600 (100 MiB).
   */
  maxMessageBytes?: number | undefined;
  /**
   * A symbol whose last delivered bar is this much older (in bar time) than the latest bar of any
   * symbol is forgotten: no longer in {@link ReconnectInfo.symbols}, and its next bar is not
   * checked for order here (the store still rejects and counts one out of order). A feed whose
   * symbols come and go (contracts that expire, say) kept every symbol it ever saw. Default
   * 604 800 000 (7 days); `Infinity` never forgets.
   */
  forgetAfterMs?: number | undefined;
  /**
   * Called on every reconnect, with the same {@link ReconnectInfo} as the `reconnected` event.
   * While its promise is pending the new connection's messages are held, so bars it hands to
   * `info.deliver` come first. If it throws or rejects, a `hookError` event is emitted and the feed goes on.
   * Held messages are live bars waiting: see {@link WebSocketFeedOptions.onReconnectDeadlineMs}.
   */
  onReconnect?: ((info: ReconnectInfo) => unknown) | undefined;
  /**
   * How long the new connection's messages are held for a pending `onReconnect` hook. Then a
   * `hookError` event tells a {@link FeedError} `hook_timeout`, and the held messages go on; bars
   * the hook delivers after that come behind them, judged as any bar is (here, then by the
   * store). A hung REST call would otherwise hold every live bar until the feed
   * closes, and a slow one makes them late for their buckets: keep it under the run's
   * `closeDelayMs` where it can be. Default 5000; `Infinity` waits as long as the hook does.
   */
  onReconnectDeadlineMs?: number | undefined;
  /** Uniform random numbers in [0, 1) for the jitter. Default `Math.random` (inject one for tests). */
  random?: (() => number) | undefined;
  /** WebSocket subprotocols: HTTP tokens (no spaces), none twice; others are a `ConfigError` when the feed is made. */
  protocols?: string | readonly string[] | undefined;
  /**
   * Extra HTTP headers of the opening handshake (authentication, ...): names that are HTTP
   * tokens, values without line breaks or NUL; others are a `ConfigError` when the feed is made.
   */
  headers?: Readonly<Record<string, string>> | undefined;
}

/** Why a message or a bar was not delivered. */
export type BadMessageReason = 'malformed' | 'tooLarge' | 'toBarsError' | 'wrongType' | 'outOfOrder' | 'duplicate';

/** Bars not delivered, counted by reason (see {@link BadMessage}). */
export interface InvalidCounts {
  /** Messages for which `toBars` threw, or returned a promise (it must return the bars themselves). */
  toBarsError: number;
  /**
   * Bars that are not objects, without a non-empty string `symbol` (one holding a lone UTF-16
   * surrogate, which the store refuses, included), without a finite `time`, or with an OHLCV field
   * that is not a number.
   */
  wrongType: number;
  /** Bars timed before the symbol's last delivered bar. */
  outOfOrder: number;
  /** Bars timed at the symbol's last delivered bar. */
  duplicate: number;
}

/** Reported by the `badMessage` event: something received that was counted and not delivered. */
export interface BadMessage {
  reason: BadMessageReason;
  /** What was wrong, in words. */
  detail: string;
  /** `'message'`: from the socket; `'fill'`: handed to {@link ReconnectInfo.deliver}. */
  origin: 'message' | 'fill';
  /** The message: its text for `malformed`, else what `toBars` was given; `undefined` for fill bars and for `tooLarge` (not read). */
  message: unknown;
  /** The offending bar (`wrongType`, `outOfOrder`, `duplicate`). */
  bar?: unknown;
  /** What `JSON.parse` (`malformed`), `toBars` (`toBarsError`) or reading a bar's fields (`wrongType`) threw, or the socket's error (`tooLarge`). */
  error?: unknown;
}

/** A snapshot of a feed, from {@link WebSocketFeed.status}. */
export interface WebSocketFeedStatus {
  state: FeedState;
  /** Connections opened. */
  connects: number;
  /** Open connections lost (by the server, the network or a stall; not by `close()`). */
  disconnects: number;
  /** Connection attempts that failed before opening (refused, handshake rejected or timed out). */
  failedAttempts: number;
  /** Consecutive attempts since the last connection that stayed up (0 while healthy). */
  attempt: number;
  /** Connections dropped for silence (see `heartbeatMs`). */
  stalls: number;
  /** Wall time (epoch ms) of the last message, or null. */
  lastMessageAt: number | null;
  /** The latest `time` of any delivered bar, or null. */
  lastBarTime: number | null;
  /**
   * `Date.now() - lastBarTime`, or null. A bar's `time` is its OPEN time and the feed does not know
   * the bar interval, so this includes one interval: a 1m feed that is perfectly on time shows
   * 60 000 ms plus the delivery delay. Compare it with the interval, not with zero.
   */
  lagMs: number | null;
  /** Messages received. */
  received: number;
  /** Messages that were not JSON (`parse: 'json'`). */
  malformed: number;
  /** Messages larger than `maxMessageBytes`, not read (each drops its connection). */
  tooLarge: number;
  /** Messages and bars counted and not delivered, by reason. */
  invalid: InvalidCounts;
  /**
   * Bars passed on: yielded, buffered for the consumer, or, when it left, discarded (see
   * `discarded`): `bars - discarded - buffered` bars were yielded.
   */
  bars: number;
  /** Bars buffered, waiting for the consumer to ask (the buffer is unbounded). */
  buffered: number;
  /**
   * Bars still buffered, and the bars of messages still held behind an `onReconnect` hook, when
   * the consumer left the iteration (`break`, `return()`: a run that ended at its last close,
   * say): received, and never passed on. Held messages are read as any other first, so one that
   * is malformed counts as such, and each bar counts here once.
   */
  discarded: number;
  /** Messages held while an `onReconnect` hook runs. */
  held: number;
  /** Symbols whose last bar time the feed keeps (see `forgetAfterMs`). */
  symbols: number;
  /** `onReconnect` hooks that threw or rejected. */
  hookErrors: number;
  /** The message of the last socket error (refused, reset, handshake rejected, ...), or null. */
  lastError: string | null;
}

/** The `connected` event. */
export interface ConnectedInfo {
  /** This connection's number: 1 for the first. */
  connects: number;
  reconnect: boolean;
  /** Wall time (epoch ms). */
  at: number;
}

/** The `disconnected` event: an open connection was lost (never emitted for `close()`). */
export interface DisconnectedInfo {
  /** The WebSocket close code (1006: no close frame, the connection just ended). */
  code: number;
  reason: string;
  /** `'stall'`: dropped by the heartbeat; `'error'`: a socket error; `'remote'`: closed by the server. */
  cause: 'stall' | 'error' | 'remote';
  error: Error | undefined;
  /** Wall time (epoch ms). */
  at: number;
  /** How long the connection was open, in ms. */
  upMs: number;
}

/** The `stall` event. */
export interface StallInfo {
  /** How long the connection was silent, in ms. */
  silentMs: number;
  heartbeatMs: number;
  /** Wall time (epoch ms). */
  at: number;
}

/** The `reconnecting` event: an attempt is scheduled. */
export interface ReconnectingInfo {
  /** 1 for the first attempt after a drop or a failed first connection. */
  attempt: number;
  /** The backoff before it, in ms. */
  delayMs: number;
  /** The error that ended the previous attempt or connection, if any. */
  error: Error | undefined;
}

/** The `closed` event: the feed is done; `error` when it gave up. */
export interface ClosedInfo {
  error: FeedError | undefined;
}

/** Events of a {@link WebSocketFeed}. */
export interface WebSocketFeedEvents {
  /** The state changed; a fresh snapshot. */
  status: [status: WebSocketFeedStatus];
  connected: [info: ConnectedInfo];
  disconnected: [info: DisconnectedInfo];
  stall: [info: StallInfo];
  reconnecting: [info: ReconnectingInfo];
  /** A connection after the first opened; emitted in stream order (after the messages before it). */
  reconnected: [info: ReconnectInfo];
  badMessage: [report: BadMessage];
  /** An `onReconnect` hook threw or rejected. */
  hookError: [error: unknown, info: ReconnectInfo];
  closed: [info: ClosedInfo];
  /**
   * The feed failed (its `FeedError`, as the iteration throws it): after `closed`, and only while
   * someone listens (an emitter throws an `error` nobody listens to). A `close()` is no failure.
   */
  error: [error: FeedError];
}

/** Codes of {@link FeedError}. */
export type FeedErrorCode = 'feed_closed' | 'feed_in_use' | 'subscribe_failed' | 'hook_timeout';

/**
 * A feed failed or was misused.
 * - `feed_closed`: the reconnection attempts ran out (`reconnect.maxAttempts`). The iteration
 *   throws it after yielding every bar already buffered.
 * - `subscribe_failed`: the `subscribe` function threw or its message could not be encoded.
 * - `feed_in_use`: a second iteration started while one is running (a feed has one consumer).
 * - `hook_timeout`: an `onReconnect` hook did not settle within `onReconnectDeadlineMs`. Not a
 *   failure: a `hookError` event tells it, and the feed goes on.
 */
export class FeedError extends BarstreamError {
  declare readonly code: FeedErrorCode;
  /** The feed's URL. */
  readonly url: string;
  /** Consecutive connection attempts made when it failed. */
  readonly attempts: number;
  constructor(code: FeedErrorCode, message: string, url: string, attempts: number, cause?: unknown) {
    super(code, message);
    this.url = url;
    this.attempts = attempts;
    if (cause !== undefined) this.cause = cause;
  }
}

interface Resolved {
  url: string;
  toBars: WebSocketFeedOptions['toBars'];
  subscribe: WebSocketFeedOptions['subscribe'];
  parse: 'json' | 'text';
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: number;
  maxAttempts: number;
  heartbeatMs: number;
  connectTimeoutMs: number;
  maxMessageBytes: number;
  forgetAfterMs: number;
  onReconnect: WebSocketFeedOptions['onReconnect'];
  onReconnectDeadlineMs: number;
  random: () => number;
  protocols: string[] | undefined;
  headers: Record<string, string> | undefined;
}

/** The longest delay `setTimeout` takes (longer ones fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An HTTP token (RFC 9110): what a header name or a WebSocket protocol name may be. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** How long `close()` waits for the closing handshake before dropping the socket. */
const CLOSE_GRACE_MS = 1000;

/** A connection open this long (or a heartbeat, if shorter) stayed up, bars or not (see `#healthy`). */
const STAYED_UP_MS = 30_000;

interface Connection {
  readonly id: number;
  readonly ws: WebSocket;
  open: boolean;
  /** Wall time it opened. */
  openedAt: number;
  /** Passed a bar on, or stayed open a heartbeat: it stayed up, the backoff starts over. */
  healthy: boolean;
  stalled: boolean;
  error: Error | undefined;
  /** `performance.now()` of the last message or ping. */
  lastActivity: number;
  heartbeat: NodeJS.Timeout | undefined;
  closeFallback: NodeJS.Timeout | undefined;
  /** Ends an opening handshake that has not finished in `connectTimeoutMs`, however it trickles. */
  connectTimer: NodeJS.Timeout | undefined;
  /** The handshake ran out of `connectTimeoutMs`: the socket was dropped for it. */
  timedOut: boolean;
}

type InboxItem =
  | { readonly gate: false; readonly text: string }
  | { readonly gate: true; readonly connects: number; readonly disconnectedAt: number; readonly reconnectedAt: number; readonly attempts: number };

interface Waiter {
  resolve(result: IteratorResult<SymbolBar>): void;
  reject(error: unknown): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined }) as IteratorReturnResult<undefined>;

/**
 * A live feed of bars over a WebSocket: a {@link StreamSource} for a live
 * `SessionCoordinator` run (`mode: 'live'`), with reconnection, heartbeat, status and events.
 *
 * ```ts
 * const feed = websocketFeed({
 *   url: 'wss://example.com/bars',
 *   subscribe: { op: 'subscribe', channel: 'bars:1m', symbols: ['SPY', 'QQQ'] },
 *   toBars: (m) => (m as { type?: string }).type === 'bar' ? toSymbolBar(m) : null,
 *   heartbeatMs: 90_000, // a closed 1m bar a minute, and no pings: quiet for a minute at a time
 *   onReconnect: async ({ symbols, deliver }) => {
 *     for (const { symbol, lastTime } of symbols) deliver(await restBarsAfter(symbol, lastTime));
 *   },
 * });
 * feed.on('stall', (s) => log.warn('feed silent for', s.silentMs));
 * await new SessionCoordinator({ ..., source: feed, mode: 'live' }).run();
 * ```
 *
 * - **Lazy, one consumer**: the feed connects when its iteration starts. A second iteration while
 *   one runs throws {@link FeedError} `feed_in_use`; one started after the feed closed yields what
 *   is buffered and ends, and with nothing buffered throws {@link FeedError} `feed_closed` (a run
 *   over it would see no bar): a feed serves one run.
 * - **Reconnection**: after a drop (or a failed attempt), attempt `n` waits
 *   `min(maxDelayMs, initialDelayMs × factor^(n-1) × (1 + jitter × (2·random − 1)))`. A connection
 *   that passed a bar on, or stayed open a heartbeat (30 s at most), stayed up: the next drop
 *   starts again at attempt 1. One that only answered (an error, say) and closed did not. Past
 *   `maxAttempts` the iteration throws {@link FeedError} `feed_closed` (after the buffered bars).
 *   `subscribe` is sent after every connect.
 * - **Heartbeat**: `heartbeatMs` without a message, ping or pong frame: `stall` event, counted, the
 *   socket is terminated (a disconnect) and the feed reconnects.
 * - **Bad input never stops the feed.** Not JSON (`malformed`), `toBars` throwing (`toBarsError`),
 *   bars of the wrong shape (`wrongType`), and bars not later than their symbol's last delivered
 *   bar (`outOfOrder`, `duplicate`) are counted by reason in `status`, reported by a `badMessage`
 *   event and not yielded, as is a bar whose fields throw when read (`wrongType`). Everything
 *   else is yielded in arrival order, as a plain `{ symbol, time, open, high, low, close, volume }`
 *   of the fields read once (other fields are not carried). A bar timed
 *   more than 15 minutes after the wall clock cannot have traded yet (a zone slip, seconds read
 *   as milliseconds), and one that fails the store's rules for its fields alone (a NaN, high below
 *   the close, a negative volume) is rejected whatever its time: either is yielded, for the store
 *   to judge and count, but does not become its symbol's last time, so one corrupt bar does not
 *   make the symbol's later bars, or its own correction, look out of order or repeated.
 *   A bar timed between its symbol's last two delivered bars is passed on too, for the store to
 *   judge: it may correct a last bar the store refused for its time (off the grid, outside the
 *   session), and on a regular feed no replayed bar falls there.
 *   Unlike the other sources, this one drops out-of-order bars: the store would reject them
 *   anyway, they are counted and reported here, and dropping them keeps `lastTime` in
 *   {@link ReconnectInfo} the last bar the store can have (after a reconnect, a resent last bar
 *   is a `duplicate` and older replayed bars are `outOfOrder`, not store rejections). NaN/Infinity in the OHLCV fields are numbers
 *   and pass: the store rejects them as `non_finite`.
 * - **Gaps**: on every reconnect a `reconnected` event and the `onReconnect` hook get, per symbol,
 *   the last bar time delivered, the wall times of the drop and of the reconnection, and
 *   `deliver(bars)` to insert missed bars in order (see {@link ReconnectInfo}). A symbol with no
 *   bar for `forgetAfterMs` of bar time (7 days by default) is forgotten, so a feed whose symbols
 *   come and go keeps only the recent ones (`status.symbols`).
 * - **Backpressure**: bars wait in an unbounded buffer until the consumer asks (`status.buffered`).
 * - **Ending**: `close()` stops reading and reconnecting; the iteration yields the bars already
 *   buffered, then finishes. Leaving the iteration (`break`, `return()`) closes the feed and
 *   discards the buffer. Messages held behind a pending `onReconnect` hook when the feed closes
 *   (by `close()` or by giving up) are handled then, their bars yielded before the end or the
 *   {@link FeedError}; bars the hook hands to `deliver` after the feed closed are not.
 *
 * @throws {ConfigError} naming the parameter, for a bad URL or option.
 */
export function websocketFeed(options: WebSocketFeedOptions): WebSocketFeed {
  return new WebSocketFeed(options);
}

/** The feed {@link websocketFeed} makes. */
export class WebSocketFeed extends EventEmitter<WebSocketFeedEvents> implements StreamSource {
  readonly kind = 'stream' as const;
  /** The URL, normalised. */
  readonly url: string;
  readonly #o: Resolved;

  #state: FeedState = 'idle';
  #conn: Connection | null = null;
  #connIds = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #closing = false;
  #closedSignal: { promise: Promise<void>; resolve: () => void } | null = null;
  #error: FeedError | undefined;
  #errorThrown = false;

  // Counters.
  #connects = 0;
  #disconnects = 0;
  #failedAttempts = 0;
  #attempt = 0;
  #stalls = 0;
  #lastMessageAt: number | null = null;
  #lastBarTime: number | null = null;
  #received = 0;
  #malformed = 0;
  #tooLarge = 0;
  #invalid: InvalidCounts = { toBarsError: 0, wrongType: 0, outOfOrder: 0, duplicate: 0 };
  #bars = 0;
  #discarded = 0;
  /** Set from the start of {@link #shutdown}. */
  #shuttingDown = false;

  /** Set while the messages held when the consumer left are read: their bars are discarded. */
  #discarding = false;
  #hookErrors = 0;
  /** Gates met (reconnects with a pending hook): which one may release the inbox. */
  #gates = 0;
  #lastError: string | null = null;
  #droppedAt = 0;

  /** Per symbol, the time of its last delivered bar. */
  readonly #lastTimes = new Map<string, number>();
  /**
   * Per symbol, the time of the bar delivered before its last one (the last one's own for a
   * symbol's first bar): a bar between the two is passed on, not dropped (see `#acceptBar`).
   */
  readonly #priorTimes = new Map<string, number>();
  /** The latest bar time at which `#lastTimes` is next swept of forgotten symbols. */
  #sweepAt = -Infinity;

  // Messages in arrival order, with reconnection gates; only non-empty while an onReconnect hook is pending.
  #inbox: InboxItem[] = [];
  #inboxHead = 0;
  #blocked = false;

  // Bars for the consumer.
  #queue: SymbolBar[] = [];
  #queueHead = 0;
  #waiters: Waiter[] = [];
  #consumer = false;

  /** @throws {ConfigError} naming the parameter, for a bad URL or option. */
  constructor(options: WebSocketFeedOptions) {
    super();
    this.#o = resolveOptions(options);
    this.url = this.#o.url;
  }

  /** A snapshot of the feed's state and counters. */
  get status(): WebSocketFeedStatus {
    return {
      state: this.#state,
      connects: this.#connects,
      disconnects: this.#disconnects,
      failedAttempts: this.#failedAttempts,
      attempt: this.#attempt,
      stalls: this.#stalls,
      lastMessageAt: this.#lastMessageAt,
      lastBarTime: this.#lastBarTime,
      lagMs: this.#lastBarTime === null ? null : Date.now() - this.#lastBarTime,
      received: this.#received,
      malformed: this.#malformed,
      tooLarge: this.#tooLarge,
      invalid: { ...this.#invalid },
      bars: this.#bars,
      buffered: this.#queue.length - this.#queueHead,
      discarded: this.#discarded,
      held: this.#inbox.length - this.#inboxHead,
      symbols: this.#lastTimes.size,
      hookErrors: this.#hookErrors,
      lastError: this.#lastError,
    };
  }

  /**
   * What the feed received and did not pass on, by reason, since it was made: `malformed`,
   * `tooLarge`, `toBarsError` (messages), `wrongType`, `outOfOrder`, `duplicate` and `discarded`
   * (bars; see {@link WebSocketFeedStatus}). A `SessionCoordinator` reports what its run's share
   * of these is (`RunReport.sourceLosses`), next to the bars the store rejected.
   */
  losses(): Record<'malformed' | 'tooLarge' | keyof InvalidCounts | 'discarded', number> {
    return { malformed: this.#malformed, tooLarge: this.#tooLarge, ...this.#invalid, discarded: this.#discarded };
  }

  /** The current state (same as `status.state`, without the snapshot). */
  get state(): FeedState {
    return this.#state;
  }

  /**
   * Sends a message on the current connection (strings as is, byte arrays as binary, anything
   * else as JSON). Returns false when no connection is open: nothing is queued, and messages sent
   * this way are not repeated after a reconnect (use `subscribe` for that).
   * @throws {InputError} for a message JSON cannot encode (undefined, a BigInt, a cycle), whether a
   * connection is open or not.
   */
  send(message: FeedMessage): boolean {
    const payload = encode(message);
    const conn = this.#conn;
    if (conn === null || !conn.open || conn.ws.readyState !== WebSocket.OPEN) return false;
    conn.ws.send(payload);
    return true;
  }

  /**
   * Stops the feed: no more messages are read and no reconnection is made. The iteration yields
   * the bars already buffered, then finishes. Resolves once the socket is closed (a clean close,
   * or dropped after 1 s without the server's answer). Calling it again is harmless.
   */
  close(): Promise<void> {
    if (this.#state !== 'closed') this.#shutdown(undefined);
    return this.#closedSignal?.promise ?? Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<SymbolBar> {
    if (this.#consumer) throw new FeedError('feed_in_use', `the feed ${this.url} is already being iterated; a feed has one consumer`, this.url, this.#attempt);
    // Closed with nothing left to give (a run over it would see no bar, and take the feed's
    // silence for a quiet market); a failed feed's first iteration after it gives its error.
    if (this.#state === 'closed' && (this.#error === undefined || this.#errorThrown) && this.#queueHead >= this.#queue.length) {
      // A feed that failed says why, as its first iteration after the failure did.
      const failed = this.#error;
      const why = failed === undefined ? 'closed (by close(), or when its consumer left)' : `closed since it failed (${failed.message})`;
      throw new FeedError('feed_closed', `the feed ${this.url} is ${why} and holds no bar: a feed serves one run; make a new one for the next`, this.url, failed?.attempts ?? this.#attempt);
    }
    this.#consumer = true;
    if (this.#state === 'idle') this.#connect();
    return {
      next: () => this.#next(),
      return: async () => {
        this.#consumer = false;
        this.#discarded += this.#queue.length - this.#queueHead;
        this.#queue = [];
        this.#queueHead = 0;
        await this.close();
        return DONE;
      },
    };
  }

  // ------------------------------------------------------------------ consumer side

  #next(): Promise<IteratorResult<SymbolBar>> {
    if (this.#queueHead < this.#queue.length) {
      const bar = this.#queue[this.#queueHead++] as SymbolBar;
      if (this.#queueHead === this.#queue.length) {
        this.#queue.length = 0;
        this.#queueHead = 0;
      } else if (this.#queueHead >= 1024 && this.#queueHead * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#queueHead);
        this.#queueHead = 0;
      }
      return Promise.resolve({ done: false, value: bar });
    }
    if (this.#state === 'closed') {
      this.#consumer = false;
      if (this.#error !== undefined && !this.#errorThrown) {
        this.#errorThrown = true;
        return Promise.reject(this.#error);
      }
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #push(bar: SymbolBar): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve({ done: false, value: bar });
    else this.#queue.push(bar);
  }

  /** Wakes every waiting `next()` once the feed is closed (and the buffer, then, empty). */
  #wakeAllClosed(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      this.#consumer = false;
      if (this.#error !== undefined && !this.#errorThrown) {
        this.#errorThrown = true;
        w.reject(this.#error);
      } else {
        w.resolve(DONE);
      }
    }
  }

  // ------------------------------------------------------------------ connection

  #setState(state: FeedState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#tell('status', this.status);
  }

  /**
   * Emits a feed event. A listener that throws closes the feed, with a {@link FeedError}
   * `feed_closed` whose cause is its error, which the iteration then throws (after the buffered
   * bars): thrown out of the socket's callbacks, it would stop the socket's reads and leave the
   * feed hung, neither reading nor reconnecting (or end the process).
   */
  #tell<K extends keyof WebSocketFeedEvents>(event: K, ...args: WebSocketFeedEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: WebSocketFeedEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (!this.#shuttingDown) {
        this.#shutdown(new FeedError('feed_closed', `a '${event}' listener of the feed ${this.url} threw: ${errorMessage(error)}`, this.url, this.#attempt, error), true);
      }
    }
  }

  #connect(): void {
    this.#retryTimer = undefined;
    if (this.#closing) return;
    this.#setState(this.#connects === 0 ? 'connecting' : 'reconnecting');
    if (this.#closing) return; // a listener closed the feed
    const o = this.#o;
    const ws = new WebSocket(o.url, o.protocols, {
      handshakeTimeout: o.connectTimeoutMs,
      maxPayload: o.maxMessageBytes,
      ...(o.headers === undefined ? {} : { headers: o.headers }),
    });
    const conn: Connection = {
      id: ++this.#connIds,
      ws,
      open: false,
      openedAt: 0,
      healthy: false,
      stalled: false,
      error: undefined,
      lastActivity: 0,
      heartbeat: undefined,
      closeFallback: undefined,
      connectTimer: undefined,
      timedOut: false,
    };
    this.#conn = conn;
    // ws's handshakeTimeout starts again with every byte: a server (or a proxy) that trickles its
    // answer would keep the feed connecting for ever, no attempt ever failing.
    conn.connectTimer = setTimeout(() => {
      if (conn.open) return;
      const error = new Error(`no connection within connectTimeoutMs (${o.connectTimeoutMs} ms)`);
      conn.error = error;
      if (conn === this.#conn && !this.#closing) this.#lastError = error.message;
      // What ws reports of the socket it is told to drop says less: the cause stays this one.
      conn.timedOut = true;
      ws.terminate();
    }, o.connectTimeoutMs);
    ws.on('error', (error) => {
      if (conn.timedOut) return;
      conn.error = error;
      if (conn === this.#conn && !this.#closing) {
        this.#lastError = error.message;
        // A message over maxPayload: the socket closes (1009) without reading it. It was received,
        // so it is counted, as a message: its bars were never seen.
        if ((error as { code?: unknown }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
          this.#received++;
          this.#tooLarge++;
          this.#bad({ reason: 'tooLarge', detail: `a message over maxMessageBytes (${this.#o.maxMessageBytes} bytes) was not read; the connection is made again`, origin: 'message', message: undefined, error });
        } else if ((error as { code?: unknown }).code === 'WS_ERR_INVALID_UTF8') {
          // A text message that is not UTF-8: the socket closes (1007) without passing it on.
          this.#received++;
          this.#malformedMessage('a text message that is not UTF-8 was not read; the connection is made again', undefined, error);
        }
      }
    });
    ws.on('open', () => this.#onOpen(conn));
    ws.on('message', (data, isBinary) => this.#onMessage(conn, data, isBinary));
    // A pong the server sends unasked is a heartbeat of its own (RFC 6455, 5.5.3).
    const alive = (): void => {
      conn.lastActivity = performance.now();
    };
    ws.on('ping', alive);
    ws.on('pong', alive);
    ws.on('close', (code, reason) => this.#onClose(conn, code, reason.toString()));
  }

  #onOpen(conn: Connection): void {
    clearTimeout(conn.connectTimer);
    if (conn !== this.#conn || this.#closing) return;
    const now = Date.now();
    conn.open = true;
    conn.openedAt = now;
    conn.lastActivity = performance.now();
    const connects = ++this.#connects;
    const reconnect = connects > 1;
    this.#setState('connected');
    if (this.#closing) return; // a listener closed the feed
    const sub = this.#o.subscribe;
    if (sub !== undefined) {
      const failed = (error: unknown): void => {
        this.#shutdown(new FeedError('subscribe_failed', `subscribe failed for ${this.url}: ${errorMessage(error)}`, this.url, this.#attempt, error));
      };
      const send = (message: unknown): void => {
        const payload = message === null || message === undefined ? null : encode(message as FeedMessage);
        if (payload !== null) conn.ws.send(payload);
      };
      let message: unknown;
      try {
        message = typeof sub === 'function' ? (sub as (c: SubscribeContext) => unknown)({ connects, reconnect }) : sub;
        // An async function (fetching a token, say): its message is sent once it settles, on this
        // connection if it is still the feed's; its failure is the subscribe's.
        if (typeof sub === 'function' && isThenable(message)) {
          Promise.resolve(message).then(
            (settled) => {
              if (conn !== this.#conn || this.#closing || conn.ws.readyState !== conn.ws.OPEN) return;
              try {
                send(settled);
              } catch (error) {
                failed(error);
              }
            },
            (error: unknown) => {
              if (conn === this.#conn && !this.#closing) failed(error);
            },
          );
        } else send(message);
      } catch (error) {
        failed(error);
        return;
      }
    }
    this.#tell('connected', { connects, reconnect, at: now });
    if (conn !== this.#conn || this.#closing) return; // a listener closed the feed
    if (reconnect) {
      this.#inbox.push({ gate: true, connects, disconnectedAt: this.#droppedAt, reconnectedAt: now, attempts: this.#attempt });
      this.#drain();
    }
    this.#armHeartbeat(conn, this.#o.heartbeatMs);
  }

  #armHeartbeat(conn: Connection, delay: number): void {
    if (!Number.isFinite(this.#o.heartbeatMs)) return;
    conn.heartbeat = setTimeout(() => this.#checkHeartbeat(conn), Math.max(1, Math.ceil(delay)));
  }

  /**
   * Runs at most once a heartbeat (not per message): re-arms for the rest of the window while messages flow.
   * Timers run before the event loop reads its sockets, so after the loop was blocked for longer than
   * `heartbeatMs` (a long synchronous step of the consumer, a GC pause, a starved machine) a message
   * or ping that arrived in time may be waiting unread: the stall is decided only after one more look
   * once pending I/O has been read (`setImmediate` runs after the poll phase). Dropping the socket
   * then would throw that message away.
   */
  #checkHeartbeat(conn: Connection, pendingReadDone = false): void {
    conn.heartbeat = undefined;
    if (conn !== this.#conn || this.#closing) return;
    const heartbeatMs = this.#o.heartbeatMs;
    const silentMs = performance.now() - conn.lastActivity;
    if (silentMs < heartbeatMs) {
      this.#armHeartbeat(conn, heartbeatMs - silentMs);
      return;
    }
    if (!pendingReadDone) {
      setImmediate(() => this.#checkHeartbeat(conn, true));
      return;
    }
    conn.stalled = true;
    this.#stalls++;
    this.#tell('stall', { silentMs, heartbeatMs, at: Date.now() });
    conn.ws.terminate();
  }

  #onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn !== this.#conn || this.#closing) return;
    conn.lastActivity = performance.now();
    this.#lastMessageAt = Date.now();
    this.#received++;
    // ws checks a text message's UTF-8 itself; a binary one is decoded strictly here, as a
    // replacement character would make another symbol of a bar, or another number.
    let text: string;
    try {
      text = rawText(data, isBinary);
    } catch (error) {
      this.#malformedMessage(`a binary message that is not UTF-8 text: ${errorMessage(error)}`, undefined, error);
      return;
    }
    if (!this.#blocked && this.#inboxHead === this.#inbox.length) this.#handleMessage(text);
    else {
      this.#inbox.push({ gate: false, text });
      this.#drain();
    }
  }

  #onClose(conn: Connection, code: number, reason: string): void {
    clearTimeout(conn.heartbeat);
    clearTimeout(conn.closeFallback);
    clearTimeout(conn.connectTimer);
    if (conn !== this.#conn) return;
    this.#conn = null;
    if (this.#closing) {
      this.#closedSignal?.resolve();
      return;
    }
    const now = Date.now();
    if (conn.open && now - conn.openedAt >= Math.min(this.#o.heartbeatMs, STAYED_UP_MS)) this.#healthy(conn);
    if (conn.open) {
      this.#disconnects++;
      this.#droppedAt = now;
      const cause = conn.stalled ? 'stall' : conn.error !== undefined ? 'error' : 'remote';
      this.#tell('disconnected', { code, reason, cause, error: conn.error, at: now, upMs: now - conn.openedAt });
    } else {
      this.#failedAttempts++;
    }
    if (this.#closing) return; // a listener closed the feed
    this.#attempt++;
    const o = this.#o;
    if (this.#attempt > o.maxAttempts) {
      // Why the last connection ended: its error, its silence, or the server's close frame.
      const last =
        conn.error !== undefined
          ? `; last error: ${conn.error.message}`
          : conn.stalled
            ? `; the last connection sent nothing for ${o.heartbeatMs} ms`
            : `; the server closed the last connection (code ${code}${reason === '' ? '' : `, '${reason}'`})`;
      this.#shutdown(
        new FeedError('feed_closed', `gave up on ${this.url} after ${o.maxAttempts} reconnection attempt(s)${last}`, this.url, this.#attempt - 1, conn.error),
      );
      return;
    }
    const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** (this.#attempt - 1));
    const delayMs = Math.min(o.maxDelayMs, Math.max(0, base * (1 + o.jitter * (2 * o.random() - 1))));
    this.#setState(this.#connects === 0 ? 'connecting' : 'reconnecting');
    if (this.#closing) return; // a listener closed the feed
    this.#tell('reconnecting', { attempt: this.#attempt, delayMs, error: conn.error });
    if (this.#closing) return;
    this.#retryTimer = setTimeout(() => this.#connect(), delayMs);
  }

  /**
   * Closes for good: by `close()` (no error) or a failure. `listenerFailed`: a listener threw, and
   * nothing the feed holds is passed on after that.
   */
  #shutdown(error: FeedError | undefined, listenerFailed = false): void {
    if (this.#shuttingDown) return;
    // Reading the held messages below may call listeners: one that throws does not shut down again.
    this.#shuttingDown = true;
    // Messages held behind a pending onReconnect hook were received: while someone reads the feed,
    // their bars join the buffer (checked and counted as any others) and come out before the end
    // or the error, instead of vanishing uncounted with the inbox.
    if (this.#consumer && !listenerFailed) {
      for (let i = this.#inboxHead; i < this.#inbox.length; i++) {
        const item = this.#inbox[i] as InboxItem;
        if (!item.gate) this.#handleMessage(item.text);
      }
    }
    else {
      // The consumer left (or a listener failed): what it held back goes with it, each message read
      // as any other (a malformed one counts as such) and its bars counted `discarded`, one by one.
      this.#discarding = true;
      for (let i = this.#inboxHead; i < this.#inbox.length; i++) {
        const item = this.#inbox[i] as InboxItem;
        if (!item.gate) this.#handleMessage(item.text);
      }
      this.#discarding = false;
    }
    this.#closing = true;
    this.#error = error;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#inbox = [];
    this.#inboxHead = 0;
    const conn = this.#conn;
    if (conn !== null) {
      clearTimeout(conn.heartbeat);
      let resolve: () => void = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#closedSignal = { promise, resolve };
      if (error !== undefined || conn.ws.readyState !== WebSocket.OPEN) conn.ws.terminate();
      else {
        conn.ws.close(1000, 'closed by client');
        conn.closeFallback = setTimeout(() => conn.ws.terminate(), CLOSE_GRACE_MS);
      }
    }
    this.#setState('closed');
    // The consumer's reads end (or fail) first: a 'closed' or 'error' listener that throws fails
    // the call that closed the feed (or the socket's callback), and must not leave them waiting.
    if (this.#queueHead >= this.#queue.length) this.#wakeAllClosed();
    this.emit('closed', { error });
    if (error !== undefined && this.listenerCount('error') > 0) this.emit('error', error);
  }

  // ------------------------------------------------------------------ messages

  /** Handles the inbox in order; a gate whose hook returns a promise holds what follows until it settles. */
  #drain(): void {
    while (!this.#blocked && this.#inboxHead < this.#inbox.length) {
      const item = this.#inbox[this.#inboxHead++] as InboxItem;
      if (item.gate) this.#blocked = this.#gate(item);
      else this.#handleMessage(item.text);
    }
    if (this.#inboxHead === this.#inbox.length) {
      this.#inbox.length = 0;
      this.#inboxHead = 0;
    }
  }

  /** Emits `reconnected` and runs the hook; true when the hook is pending (hold the inbox). */
  #gate(item: Extract<InboxItem, { gate: true }>): boolean {
    const info: ReconnectInfo = {
      connects: item.connects,
      disconnectedAt: item.disconnectedAt,
      reconnectedAt: item.reconnectedAt,
      attempts: item.attempts,
      symbols: [...this.#lastTimes].map(([symbol, lastTime]) => ({ symbol, lastTime })),
      deliver: (bars) => {
        if (this.#closing) return;
        if (!Array.isArray(bars)) this.#acceptBar(bars, 'fill', undefined);
        else {
          const list = bars as readonly unknown[];
          for (let i = 0; i < list.length; i++) {
            if (this.#closing) {
              this.#droppedAtClose(list.length - i);
              break;
            }
            this.#acceptBar(list[i], 'fill', undefined);
          }
        }
      },
    };
    this.#tell('reconnected', info);
    const hook = this.#o.onReconnect;
    if (hook === undefined || this.#closing) return false;
    let adopted: Promise<unknown> | null = null;
    try {
      const result: unknown = hook(info);
      // Only an object or function with a `then` method is waited for, read once and called here,
      // where a getter or a `then` that throws is the hook failing, not an exception out of the
      // socket's handlers.
      if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
        const then: unknown = (result as { then?: unknown }).then;
        if (typeof then === 'function') {
          adopted = new Promise((resolve, reject) => (then as (f: (v: unknown) => void, r: (e: unknown) => void) => unknown).call(result, resolve, reject));
        }
      }
    } catch (error) {
      this.#hookFailed(error, info);
      return false;
    }
    if (adopted === null) return false;
    // Only this gate's hook lets the inbox go on: after its deadline a later reconnect's may hold it.
    const gate = ++this.#gates;
    const release = (): void => {
      if (this.#gates !== gate || !this.#blocked) return;
      this.#blocked = false;
      if (!this.#closing) this.#drain();
    };
    const deadline = this.#o.onReconnectDeadlineMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A hook told as timed out is not told again when it rejects later: one hook, one hookError.
    let timedOut = false;
    if (deadline !== Infinity) {
      timer = setTimeout(() => {
        if (this.#gates !== gate || !this.#blocked || this.#closing) return;
        timedOut = true;
        const held = this.#inbox.length - this.#inboxHead;
        this.#hookFailed(new FeedError('hook_timeout', `the onReconnect hook did not settle within ${deadline} ms (onReconnectDeadlineMs): the ${held} message${held === 1 ? '' : 's'} held behind it go on`, this.url, item.attempts), info);
        release();
      }, deadline);
      // The deadline keeps no process alive: a feed closed meanwhile has nothing to release.
      timer.unref();
    }
    adopted
      .then(undefined, (error: unknown) => {
        if (!timedOut) this.#hookFailed(error, info);
      })
      .finally(() => {
        clearTimeout(timer);
        release();
      });
    return true;
  }

  #hookFailed(error: unknown, info: ReconnectInfo): void {
    this.#hookErrors++;
    // A hook that fails after the feed closed is counted; no event comes after 'closed'.
    if (this.#state !== 'closed') this.#tell('hookError', error, info);
  }

  #handleMessage(text: string): void {
    let message: unknown = text;
    if (this.#o.parse === 'json') {
      try {
        message = JSON.parse(text);
      } catch (error) {
        this.#malformedMessage(`not JSON: ${errorMessage(error)}`, text, error);
        return;
      }
    }
    let out: unknown;
    try {
      out = this.#o.toBars(message);
    } catch (error) {
      this.#invalid.toBarsError++;
      this.#bad({ reason: 'toBarsError', detail: `toBars threw: ${errorMessage(error)}`, origin: 'message', message, error });
      return;
    }
    if (out === null || out === undefined) return;
    let thenable: boolean;
    let bars: readonly unknown[];
    let n: number;
    try {
      // Each of these reads the result, and a revoked Proxy or a getter throws even here.
      thenable = isThenable(out);
      bars = Array.isArray(out) ? (out as readonly unknown[]) : [out];
      n = bars.length;
    } catch (error) {
      this.#invalid.toBarsError++;
      this.#bad({ reason: 'toBarsError', detail: `toBars returned something that throws when read: ${errorMessage(error)}`, origin: 'message', message, error });
      return;
    }
    if (thenable) {
      // A promise is no bar; one that rejects must not reach the process as unhandled.
      Promise.resolve(out).catch(() => undefined);
      this.#invalid.toBarsError++;
      this.#bad({ reason: 'toBarsError', detail: 'toBars returned a promise: it must return the bars themselves (it is called for each message, synchronously)', origin: 'message', message });
      return;
    }
    for (let i = 0; i < n; i++) {
      if (this.#closing) {
        this.#droppedAtClose(n - i);
        break;
      }
      let bar: unknown;
      try {
        bar = bars[i];
      } catch (error) {
        this.#invalid.toBarsError++;
        this.#bad({ reason: 'toBarsError', detail: `toBars returned an array whose entry ${i} throws when read: ${errorMessage(error)}`, origin: 'message', message, error });
        continue;
      }
      this.#acceptBar(bar, 'message', message);
    }
  }

  #acceptBar(given: unknown, origin: 'message' | 'fill', message: unknown): void {
    // Each field is read once, into a bar of the feed's own: a getter that throws is a bar of the
    // wrong shape, not an exception out of the socket's message handler (which would end the
    // process), and a getter cannot give the store other values than the ones judged here.
    let bar: unknown;
    try {
      bar = plainBar(given);
    } catch (error) {
      this.#invalid.wrongType++;
      this.#bad({ reason: 'wrongType', detail: `reading the bar threw: ${errorMessage(error)}`, origin, message, bar: given, error });
      return;
    }
    const problem = typeProblem(bar);
    if (problem !== null) {
      this.#invalid.wrongType++;
      this.#bad({ reason: 'wrongType', detail: problem, origin, message, bar: given });
      return;
    }
    const b = bar as SymbolBar;
    // Most bars plainly pass the store's field rules, told without a native call (about 300 ns).
    const plain = Number.isInteger(b.time) && plainFields(b.open, b.high, b.low, b.close, b.volume);
    if (b.time > Date.now() + FUTURE_TOLERANCE_MS || (!plain && barFieldProblem(b.time, b.open, b.high, b.low, b.close, b.volume) !== null)) {
      // Not a bar that can have traded yet (a zone slip, seconds read as milliseconds), or one
      // the store rejects for its fields whatever its time (high below the close, a NaN): it goes
      // on to be judged and counted, without becoming its symbol's last time, which would make
      // every later good bar (or a correction of this one) look out of order here and be dropped.
      this.#passOn(b, origin);
      return;
    }
    const last = this.#lastTimes.get(b.symbol);
    if (last !== undefined && b.time < last && b.time > (this.#priorTimes.get(b.symbol) ?? last)) {
      // Between the symbol's last two bars: the correction of a last bar the store refused for its
      // time (off the grid, outside the session), which the store may take. On a regular feed no
      // replayed bar falls there, since the last two are neighbours on the grid. The store judges it.
      this.#priorTimes.set(b.symbol, b.time);
      this.#passOn(b, origin);
      return;
    }
    if (last !== undefined && !(b.time > last)) {
      const reason = b.time === last ? 'duplicate' : 'outOfOrder';
      this.#invalid[reason]++;
      this.#bad({ reason, detail: `${b.symbol}: time ${b.time} is ${reason === 'duplicate' ? 'the time of' : 'before'} the last bar delivered (${last})`, origin, message, bar });
      return;
    }
    this.#priorTimes.set(b.symbol, last ?? b.time);
    this.#lastTimes.set(b.symbol, b.time);
    if (this.#lastBarTime === null || b.time > this.#lastBarTime) {
      this.#lastBarTime = b.time;
      if (b.time >= this.#sweepAt) this.#forget(b.time);
    }
    this.#passOn(b, origin);
  }

  /**
   * The current connection stayed up: the backoff starts over. A connection is healthy once it
   * passed a bar on, or stayed open a heartbeat (at most 30 s): a server that answers a
   * subscription with an error and closes is a failed attempt, backed off and given up on.
   */
  #healthy(conn: Connection | null): void {
    if (conn === null || conn.healthy) return;
    conn.healthy = true;
    this.#attempt = 0;
  }

  /** Delivers `b`; a bar of the server's makes its connection healthy (see {@link #healthy}). */
  #passOn(b: SymbolBar, origin: 'message' | 'fill'): void {
    if (origin === 'message') this.#healthy(this.#conn);
    this.#deliver(b);
  }

  /**
   * A listener closed the feed (threw, or called `close()`) partway through a message's (or a
   * fill's) bars: the `count` left are not passed on, and are counted `discarded`, as bars held
   * when the consumer left.
   */
  #droppedAtClose(count: number): void {
    this.#bars += count;
    this.#discarded += count;
  }

  #deliver(b: SymbolBar): void {
    this.#bars++;
    if (this.#discarding) {
      this.#discarded++;
      return;
    }
    this.#push(b);
  }

  /**
   * Forgets the symbols whose last bar is more than `forgetAfterMs` before `latest`. Run when the
   * latest bar time has moved half that since the last time: O(1) a bar, amortised.
   */
  #forget(latest: number): void {
    const ttl = this.#o.forgetAfterMs;
    if (ttl === Infinity) {
      this.#sweepAt = Infinity;
      return;
    }
    for (const [symbol, time] of this.#lastTimes) {
      if (latest - time > ttl) {
        this.#lastTimes.delete(symbol);
        this.#priorTimes.delete(symbol);
      }
    }
    this.#sweepAt = latest + ttl / 2;
  }

  /** Counts a message that could not be read (`malformed`) and reports it. */
  #malformedMessage(detail: string, message: string | undefined, error: unknown): void {
    this.#malformed++;
    this.#bad({ reason: 'malformed', detail, origin: 'message', message, error });
  }

  #bad(report: BadMessage): void {
    this.#tell('badMessage', report);
  }
}

// Every key of the event map, and no other: the compiler checks both.
checkEventNames(
  WebSocketFeed,
  Object.keys({ status: 0, connected: 0, disconnected: 0, stall: 0, reconnecting: 0, reconnected: 0, badMessage: 0, hookError: 0, closed: 0, error: 0 } satisfies Record<keyof WebSocketFeedEvents, 0>),
);

// ------------------------------------------------------------------ helpers


/** Whether `value` is a promise or any object with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** `given`'s seven fields, each read once, in a plain object; anything that is not an object (or is an array) as it is. */
function plainBar(given: unknown): unknown {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) return given;
  const b = given as Record<string, unknown>;
  return { symbol: b['symbol'], time: b['time'], open: b['open'], high: b['high'], low: b['low'], close: b['close'], volume: b['volume'] };
}

/** Why a bar is of the wrong shape, or null. */
function typeProblem(bar: unknown): string | null {
  if (typeof bar !== 'object' || bar === null || Array.isArray(bar)) return `a bar must be an object, got ${describe(bar)}`;
  const b = bar as Record<string, unknown>;
  if (typeof b['symbol'] !== 'string' || b['symbol'] === '') return `symbol must be a non-empty string, got ${describe(b['symbol'])}`;
  // A half-cut emoji is valid JSON, and a symbol the store refuses: passed on, it would fail the run.
  const symbol = symbolProblem(b['symbol']);
  if (symbol !== null) return symbol;
  if (typeof b['time'] !== 'number' || !Number.isFinite(b['time'])) return `time must be a finite number, got ${describe(b['time'])}`;
  for (const field of ['open', 'high', 'low', 'close', 'volume'] as const) {
    if (typeof b[field] !== 'number') return `${field} must be a number, got ${describe(b[field])}`;
  }
  return null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'number') return `number ${value}`;
  return Array.isArray(value) ? 'an array' : typeof value;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Strict: a binary message that is not UTF-8 throws rather than reading with replacement characters. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** @throws {TypeError} for a binary message that is not UTF-8 (a text one ws has checked). */
function rawText(data: RawData, isBinary: boolean): string {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  return isBinary ? UTF8.decode(bytes) : bytes.toString('utf8');
}

/** @throws {InputError} for a message JSON cannot encode (undefined, a function, a BigInt, a cycle). */
function encode(message: FeedMessage): string | ArrayBufferView {
  if (typeof message === 'string' || ArrayBuffer.isView(message)) return message;
  // Bytes, as a typed array's are: a binary frame (JSON would send an ArrayBuffer as `{}`).
  if (message instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && message instanceof SharedArrayBuffer)) return new Uint8Array(message);
  let json: string | undefined;
  try {
    json = JSON.stringify(message);
  } catch (error) {
    throw new InputError(`cannot send ${describe(message)} as JSON: ${errorMessage(error)}`);
  }
  if (typeof json !== 'string') throw new InputError(`cannot send ${describe(message)} as JSON`);
  return json;
}

/** The options of {@link WebSocketFeedOptions.reconnect}. */
const RECONNECT_OPTIONS: readonly string[] = ['initialDelayMs', 'maxDelayMs', 'factor', 'jitter', 'maxAttempts'];

function resolveOptions(options: WebSocketFeedOptions): Resolved {
  if (options === null || typeof options !== 'object') throw new ConfigError('options', 'expected an object');
  checkOptionKeys(options, ['url', 'toBars', 'subscribe', 'parse', 'reconnect', 'heartbeatMs', 'connectTimeoutMs', 'maxMessageBytes', 'forgetAfterMs', 'onReconnect', 'onReconnectDeadlineMs', 'random', 'protocols', 'headers'], 'websocketFeed');
  const o = options;
  let url: URL;
  if (!(typeof o.url === 'string' || o.url instanceof URL)) throw new ConfigError('url', `expected a string or URL, got ${describe(o.url)}`);
  try {
    url = new URL(String(o.url));
  } catch {
    throw new ConfigError('url', `'${String(o.url)}' is not a URL`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new ConfigError('url', `'${url.href}' is not a ws: or wss: URL`);
  if (typeof o.toBars !== 'function') throw new ConfigError('toBars', 'expected a function mapping a message to bars');
  const sub = o.subscribe as unknown;
  if (sub !== undefined && typeof sub !== 'string' && typeof sub !== 'function' && (typeof sub !== 'object' || sub === null)) {
    throw new ConfigError('subscribe', `expected a string, an object or a function, got ${describe(sub)}`);
  }
  const parse = o.parse ?? 'json';
  if (parse !== 'json' && parse !== 'text') throw new ConfigError('parse', `${describe(parse)} is not 'json' or 'text'`);
  const r = o.reconnect ?? {};
  if (typeof r !== 'object' || r === null) throw new ConfigError('reconnect', 'expected an object');
  checkOptionKeys(r, RECONNECT_OPTIONS, 'reconnect', 'reconnect.');
  const initialDelayMs = r.initialDelayMs ?? 500;
  if (!isNumberIn(initialDelayMs, 0, MAX_TIMER_MS)) throw new ConfigError('reconnect.initialDelayMs', `${describe(initialDelayMs)} is not a number of ms in [0, ${MAX_TIMER_MS}]`);
  const maxDelayMs = r.maxDelayMs ?? Math.max(30_000, initialDelayMs);
  if (!isNumberIn(maxDelayMs, initialDelayMs, MAX_TIMER_MS)) throw new ConfigError('reconnect.maxDelayMs', `${describe(maxDelayMs)} is not a number of ms in [initialDelayMs (${initialDelayMs}), ${MAX_TIMER_MS}]`);
  const factor = r.factor ?? 2;
  if (!isNumberIn(factor, 1, Number.MAX_VALUE)) throw new ConfigError('reconnect.factor', `${describe(factor)} is not a finite number >= 1`);
  const jitter = r.jitter ?? 0.2;
  if (!isNumberIn(jitter, 0, 1)) throw new ConfigError('reconnect.jitter', `${describe(jitter)} is not a number in [0, 1]`);
  const maxAttempts = r.maxAttempts ?? Infinity;
  if (!(typeof maxAttempts === 'number' && maxAttempts >= 0 && (Number.isInteger(maxAttempts) || maxAttempts === Infinity))) {
    throw new ConfigError('reconnect.maxAttempts', `${describe(maxAttempts)} is not a whole number >= 0 or Infinity`);
  }
  const heartbeatMs = o.heartbeatMs ?? 30_000;
  if (!(typeof heartbeatMs === 'number' && ((heartbeatMs > 0 && heartbeatMs <= MAX_TIMER_MS) || heartbeatMs === Infinity))) {
    throw new ConfigError('heartbeatMs', `${describe(heartbeatMs)} is not a number of ms in (0, ${MAX_TIMER_MS}] or Infinity`);
  }
  const maxMessageBytes = o.maxMessageBytes ?? 104_857_600;
  if (!(Number.isInteger(maxMessageBytes) && maxMessageBytes >= 1 && maxMessageBytes <= Number.MAX_SAFE_INTEGER)) throw new ConfigError('maxMessageBytes', `${describe(maxMessageBytes)} is not a whole number of bytes >= 1`);
  const connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
  if (!(isNumberIn(connectTimeoutMs, 0, MAX_TIMER_MS) && connectTimeoutMs > 0)) throw new ConfigError('connectTimeoutMs', `${describe(connectTimeoutMs)} is not a number of ms in (0, ${MAX_TIMER_MS}]`);
  const forgetAfterMs = o.forgetAfterMs ?? 604_800_000;
  if (!(typeof forgetAfterMs === 'number' && forgetAfterMs > 0 && (Number.isFinite(forgetAfterMs) || forgetAfterMs === Infinity))) {
    throw new ConfigError('forgetAfterMs', `${describe(forgetAfterMs)} is not a number of ms > 0 or Infinity`);
  }
  if (o.onReconnect !== undefined && typeof o.onReconnect !== 'function') throw new ConfigError('onReconnect', 'expected a function');
  const onReconnectDeadlineMs = o.onReconnectDeadlineMs ?? 5000;
  if (!(typeof onReconnectDeadlineMs === 'number' && ((onReconnectDeadlineMs > 0 && onReconnectDeadlineMs <= MAX_TIMER_MS) || onReconnectDeadlineMs === Infinity))) {
    throw new ConfigError('onReconnectDeadlineMs', `${describe(onReconnectDeadlineMs)} is not a number of ms in (0, ${MAX_TIMER_MS}] or Infinity`);
  }
  if (o.random !== undefined && typeof o.random !== 'function') throw new ConfigError('random', 'expected a function returning numbers in [0, 1)');
  const givenProtocols: unknown = o.protocols;
  // A number was spread (a TypeError); anything else that is not a string or an iterable of them is refused too.
  if (givenProtocols !== undefined && typeof givenProtocols !== 'string' && typeof (givenProtocols as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator] !== 'function') {
    throw new ConfigError('protocols', `expected a non-empty string or a list of them, got ${describe(givenProtocols)}`);
  }
  // Before the spread: a sparse array's length may be up to 2^32 - 1.
  const hole = Array.isArray(givenProtocols) ? firstHole(givenProtocols) : -1;
  if (hole >= 0) throw new ConfigError('protocols', `no protocol at ${hole} (a sparse array)`);
  const protocols = givenProtocols === undefined ? undefined : typeof givenProtocols === 'string' ? [givenProtocols] : [...(givenProtocols as Iterable<unknown>)];
  if (protocols !== undefined && !protocols.every((p): p is string => typeof p === 'string' && p !== '')) throw new ConfigError('protocols', 'expected non-empty strings');
  // Checked here as the WebSocket handshake would check them, which refused them with a TypeError
  // or SyntaxError at the first connection, the feed left unusable.
  if (protocols !== undefined) {
    const bad = protocols.find((p) => !HTTP_TOKEN.test(p));
    if (bad !== undefined) throw new ConfigError('protocols', `${describe(bad)} is not a protocol name (letters, digits and !#$%&'*+-.^_\`|~, no spaces)`);
    if (new Set(protocols).size !== protocols.length) throw new ConfigError('protocols', `${JSON.stringify(protocols)} names a protocol twice`);
  }
  const givenHeaders: unknown = o.headers;
  // A number or a string spread into {} or into numbered keys: no header the caller meant.
  if (givenHeaders !== undefined && (givenHeaders === null || typeof givenHeaders !== 'object' || Array.isArray(givenHeaders))) {
    throw new ConfigError('headers', `expected an object of header name -> string value, got ${describe(givenHeaders)}`);
  }
  const headers = givenHeaders === undefined ? undefined : { ...(givenHeaders as Record<string, string>) };
  if (headers !== undefined && !Object.values(headers).every((v) => typeof v === 'string')) throw new ConfigError('headers', 'expected string values');
  if (headers !== undefined) {
    for (const [name, value] of Object.entries(headers)) {
      if (!HTTP_TOKEN.test(name)) throw new ConfigError('headers', `${describe(name)} is not a header name (letters, digits and !#$%&'*+-.^_\`|~, no spaces)`);
      // A line break would end the header there (and let the value write others); NUL is refused by HTTP.
      if (/[\r\n\0]/.test(value)) throw new ConfigError('headers', `the value of ${describe(name)} holds a line break or NUL`);
    }
  }
  return {
    url: url.href,
    toBars: o.toBars,
    subscribe: o.subscribe,
    parse,
    initialDelayMs,
    maxDelayMs,
    factor,
    jitter,
    maxAttempts,
    heartbeatMs,
    connectTimeoutMs,
    maxMessageBytes,
    forgetAfterMs,
    onReconnect: o.onReconnect,
    onReconnectDeadlineMs,
    random: o.random ?? Math.random,
    protocols,
    headers,
  };
}

function isNumberIn(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && x >= min && x <= max;
}
