/**
 * Typed errors. Every error barstream throws is a {@link BarstreamError} with a stable `code`;
 * each kind has its own class so callers can `instanceof` it.
 * @module
 */
import { types } from 'node:util';
import type { FeedErrorCode } from './sources/websocket.js';
import type { Bar, BarColumns } from './types.js';

/** A bar's fields as the caller gave them, whatever their types: what {@link BarValidationError.bar} holds. */
export type GivenBar = { readonly [field in keyof Bar]: unknown };

/** Why a base bar was rejected. */
export type RejectCode =
  | 'no_session'
  | 'non_finite'
  | 'high_below_open_close'
  | 'low_above_open_close'
  | 'negative_volume'
  | 'off_grid'
  | 'outside_session'
  | 'duplicate'
  | 'out_of_order'
  | 'late'
  | 'volume_too_large';

/** Every {@link RejectCode}, in the order the core counts them. */
export const REJECT_CODES: readonly RejectCode[] = Object.freeze([
  'no_session',
  'non_finite',
  'high_below_open_close',
  'low_above_open_close',
  'negative_volume',
  'off_grid',
  'outside_session',
  'duplicate',
  'out_of_order',
  'late',
  'volume_too_large',
] as const);

/** Codes of {@link SessionError}. */
export type SessionErrorCode = 'no_session' | 'session_open' | 'session_order' | 'invalid_session';

/**
 * Every code a {@link BarstreamError} carries. A `switch` over it fails to compile on a misspelt
 * code; each class's `code` is the narrower union of its own (`instanceof` narrows to it).
 */
export type ErrorCode =
  | Exclude<RejectCode, 'no_session'>
  | SessionErrorCode
  | 'invalid_config'
  | 'invalid_input'
  | 'internal'
  | 'overrun'
  | 'ready_timeout'
  | FeedErrorCode;

/** The base class of every barstream error. */
export class BarstreamError extends Error {
  /** A stable, machine-readable code. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A base bar failed validation. It was counted and nothing was stored. */
export class BarValidationError extends BarstreamError {
  /** Why it was rejected: a {@link RejectCode} other than `no_session`, which is a {@link SessionError}. */
  declare readonly code: Exclude<RejectCode, 'no_session'>;
  /** The symbol the bar was for. */
  readonly symbol: string;
  /**
   * The bar as the caller gave it, when it was appended on its own: its fields as they were read,
   * whatever their types (a `Date` or a string where a number belongs is kept as given).
   */
  readonly bar: GivenBar | undefined;
  /** The bar's index, when it came in a batch. */
  readonly index: number | undefined;
  constructor(code: Exclude<RejectCode, 'no_session'>, message: string, symbol: string, bar?: GivenBar, index?: number) {
    super(code, `${symbol}: ${message}`);
    this.symbol = symbol;
    this.bar = bar;
    this.index = index;
  }
}

/** A session operation out of place: appending with no session open, opening one twice, ... */
export class SessionError extends BarstreamError {
  declare readonly code: SessionErrorCode;
  constructor(code: SessionErrorCode, message: string) {
    super(code, message);
  }
}

/** A configuration value or argument is invalid. `param` names it. */
export class ConfigError extends BarstreamError {
  declare readonly code: 'invalid_config';
  /** The offending parameter. */
  readonly param: string;
  constructor(param: string, message: string) {
    super('invalid_config', `invalid ${param}: ${message}`);
    this.param = param;
  }

  /** The same error, its message saying where the parameter was given (`where`, in brackets). @internal */
  within(where: string): ConfigError {
    return new ConfigError(this.param, `${this.#reason} (${where})`);
  }

  /** The same error, its message led by `who` (whose parameter it is). @internal */
  of(who: string): ConfigError {
    return new ConfigError(this.param, `${who}: ${this.#reason}`);
  }

  /** The message without its `invalid <param>: ` lead. */
  get #reason(): string {
    return this.message.slice(`invalid ${this.param}: `.length);
  }
}

/** Input of the wrong shape, such as batch columns of different lengths. */
export class InputError extends BarstreamError {
  declare readonly code: 'invalid_input';
  constructor(message: string) {
    super('invalid_input', message);
  }
}

/**
 * A fault inside the native core: a Rust panic, caught at the boundary so that it never unwinds
 * into JavaScript. It is a defect of barstream, not of the input; the store it came from should be
 * dropped, as its state is not known.
 */
export class InternalError extends BarstreamError {
  declare readonly code: 'internal';
  constructor(message: string) {
    super('internal', message);
  }
}

/**
 * Clock-driven mode: a time slice came due while a subscriber was still busy with an earlier one.
 * Raised by default; with `overrun: 'queue'` the coordinator waits instead and records the lag.
 */
export class OverrunError extends BarstreamError {
  declare readonly code: 'overrun';
  /** The subscriber that was still busy. */
  readonly subscriber: string;
  /**
   * When the slice came due on the run's clock (epoch ms): the end of its base interval, or the
   * session's close when that comes first.
   */
  readonly sliceTime: number;
  /**
   * How far behind that the run was when it found the overrun, in wall milliseconds (not simulated
   * ones). A synchronous subscriber is found out when it returns, so this is how late it made the
   * slice; an asynchronous one still pending is found out at the due time itself, so this is about 0
   * (under `overrun: 'queue'` the record holds the lag once it settled).
   */
  readonly lagMs: number;
  /** @throws {ConfigError} for a subscriber that is not a string, or a slice time or lag that is not a number. */
  constructor(subscriber: string, sliceTime: number, lagMs: number) {
    if (typeof subscriber !== 'string') throw new ConfigError('subscriber', `expected a subscriber name, got ${describe(subscriber)}`);
    if (typeof sliceTime !== 'number') throw new ConfigError('sliceTime', `expected epoch milliseconds, got ${describe(sliceTime)}`);
    if (typeof lagMs !== 'number') throw new ConfigError('lagMs', `expected milliseconds, got ${describe(lagMs)}`);
    super(
      'overrun',
      `subscriber '${subscriber}' was still busy when the slice at ${isoTime(sliceTime)} came due (lag ${lagMs.toFixed(1)} ms); use overrun: 'queue' to wait instead`,
    );
    this.subscriber = subscriber;
    this.sliceTime = sliceTime;
    this.lagMs = lagMs;
  }
}

/** Context that the native layer does not know, added to the error it raised. */
export interface ErrorContext {
  symbol?: string;
  bar?: GivenBar;
  /** The columns of a batch, whose row the core's index names. */
  columns?: BarColumns;
}

const NATIVE_CODE = /^barstream:(\w+):(\w+):(.*)$/;

/**
 * Turns an error thrown by the native binding into its typed class. Anything that is not a
 * barstream error is returned unchanged.
 * @internal
 */
export function fromNative(error: unknown, context: ErrorContext = {}): unknown {
  if (!(error instanceof Error)) return error;
  const given = String((error as { code?: unknown }).code ?? '');
  // napi-rs gives a panic it caught this code (every error of barstream's own is coded as above).
  if (given === 'GenericFailure') return new InternalError(`internal error in the native core: ${error.message}`);
  const match = NATIVE_CODE.exec(given);
  if (!match) return error;
  const [, kind, code, detail] = match as unknown as [string, string, string, string];
  const message = error.message;
  switch (kind) {
    case 'bar': {
      const index = detail === '' ? undefined : Number(detail);
      const given = context.bar ?? (index === undefined || context.columns === undefined ? undefined : rowOf(context.columns, index));
      return new BarValidationError(code as Exclude<RejectCode, 'no_session'>, code === 'non_finite' && given !== undefined ? message + notNumbers(given) : message, context.symbol ?? '', context.bar, index);
    }
    case 'session': {
      const where = context.symbol === undefined ? '' : `${context.symbol}: `;
      // A bar refused for no open session names its time, NaN for a time that is no number: say what it was.
      const given = code === 'no_session' ? (context.bar ?? (detail === '' || context.columns === undefined ? undefined : rowOf(context.columns, Number(detail)))) : undefined;
      return new SessionError(code as SessionErrorCode, where + message + (given === undefined ? '' : notNumbers(given)));
    }
    case 'config': {
      // The core names parameters in Rust's snake_case; the API spells them in camelCase, in the
      // message too ("'dev_up' is not a parameter of stddev" was given as devUp).
      const param = detail.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      const text = message.replace(/^invalid \w+: /, '');
      return new ConfigError(param, param === detail ? text : text.replaceAll(`'${detail}'`, `'${param}'`));
    }
    case 'internal':
      return new InternalError(message);
    default:
      return new InputError(message);
  }
}

const BAR_FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;



/**
 * Row `index` of a batch as given: plain arrays may hold what is not a number (a string, a Date),
 * which the core was handed as NaN.
 * @internal
 */
export function rowOf(columns: BarColumns, index: number): GivenBar {
  const at = (column: Float64Array | readonly number[]): unknown => {
    // For a message: an entry whose getter throws is shown as such, not thrown in place of the error.
    try {
      return (column as ArrayLike<unknown>)[index];
    } catch {
      return UNREADABLE;
    }
  };
  return { time: at(columns.time), open: at(columns.open), high: at(columns.high), low: at(columns.low), close: at(columns.close), volume: at(columns.volume) };
}

/** What {@link rowOf} gives for an entry whose read threw. */
const UNREADABLE: unique symbol = Symbol('unreadable');

/**
 * The fields of a `non_finite` bar that were not numbers at all, as given. The core sees them as
 * NaN, so its message says `time NaN` for a `Date` or `close NaN` for `'10.5'`, which reads as a
 * bad value in the data rather than a value of the wrong type in the caller's code.
 * @internal
 */
export function notNumbers(bar: GivenBar): string {
  const given = BAR_FIELDS.filter((field) => typeof bar[field] !== 'number').map((field) => {
    const value = bar[field];
    if (value === UNREADABLE) return `${field} could not be read (its getter threw)`;
    // An invalid Date has no time to give: its getTime() is NaN as well. types.isDate, unlike
    // instanceof, does not throw for a revoked Proxy.
    const hint = field === 'time' && types.isDate(value) && !Number.isNaN((value as Date).getTime()) ? ' (give epoch milliseconds: date.getTime())' : '';
    return `${field} is ${value === undefined ? 'missing' : describe(value)}${hint}`;
  });
  return given.length === 0 ? '' : `; not numbers: ${given.join(', ')}`;
}

/**
 * Epoch milliseconds as a message shows them: the number given, and the UTC instant it names, so a
 * reader can see which of two thirteen-digit times is the wrong one.
 */
export function shownInstant(ms: number): string {
  // A Date holds 8.64e15 ms either way of 1970; sessions may lie up to 9e15 away.
  return Math.abs(ms) <= 8.64e15 ? `${ms} (${new Date(ms).toISOString()})` : String(ms);
}

/** A UTF-16 surrogate not in a pair: under the `u` flag a pair is one code point and does not match. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why `symbol` cannot be a symbol's name although it is a string, or null: one holding a lone
 * surrogate. The core keeps names as UTF-8, where a lone surrogate becomes U+FFFD, so two such
 * names would be one symbol there and two in JavaScript. @internal
 */
export function symbolProblem(symbol: string): string | null {
  return LONE_SURROGATE.test(symbol) ? `symbol ${JSON.stringify(symbol)} is not well-formed Unicode (it holds a lone surrogate)` : null;
}

/** Epoch milliseconds as an ISO 8601 instant, or the number itself where no `Date` can hold it. @internal */
export function isoTime(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  // A long string is shown by its start and length: a megabyte would otherwise be the message.
  if (typeof value === 'string') return value.length > 200 ? `'${value.slice(0, 100)}...' (${value.length} characters)` : `'${value}'`;
  if (value === null) return 'null';
  if (typeof value === 'object') {
    // A revoked Proxy throws at `instanceof` and `Array.isArray`: the error being built is ours.
    try {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : `Date ${value.toISOString()}`;
      if (Array.isArray(value)) return 'an array';
      if (value instanceof Map) return 'a Map';
      if (value instanceof Set) return 'a Set';
    } catch {
      return 'a revoked Proxy';
    }
    return 'an object';
  }
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** `value` as JSON for error messages where it can be (BigInts shown as `1n`, NaN and ±Infinity as themselves), else {@link describe}. */
export function show(value: unknown): string {
  // JSON writes NaN and ±Infinity as null, a value the caller did not give (and may be refused for).
  if (typeof value === 'number') return String(value);
  // Unquoted: "5n" would read as the string '5n' refused.
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? `\u0000${v}\u0000` : v));
    return text === undefined ? describe(value) : text.replace(/"\\u0000(-?Infinity|NaN)\\u0000"/g, '$1');
  } catch {
    return describe(value);
  }
}

/**
 * Refuses a key of `options` that is not in `known`, so that a misspelt option (`interval` for
 * `intervals`) is never ignored, and a `null` for an option that has no meaning for it (read as
 * "not given" by some options and refused by others, it would say one thing in one place and
 * another elsewhere). Keys whose value is `undefined` are let through: an option left out.
 * @param nullable the options for which `null` means something of its own (documented with them).
 * @throws {ConfigError} naming the key (after `paramPrefix`, for options nested in one) and the options `what` takes;
 * `options` (or the nesting option) for an array.
 * @internal
 */
export function checkOptionKeys(options: object, known: readonly string[], what: string, paramPrefix = '', nullable: readonly string[] = []): void {
  // An array has no option keys to refuse: `[]` would pass as no options at all.
  let array: boolean;
  try {
    array = Array.isArray(options);
  } catch {
    throw new ConfigError(paramPrefix === '' ? 'options' : paramPrefix.slice(0, -1), `${what} takes an object of options, got a revoked Proxy`);
  }
  if (array) throw new ConfigError(paramPrefix === '' ? 'options' : paramPrefix.slice(0, -1), `${what} takes an object of options, got an array`);
  if (notOptions(options)) throw new ConfigError(paramPrefix === '' ? 'options' : paramPrefix.slice(0, -1), `${what} takes an object of options, got ${describe(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!known.includes(key)) throw new ConfigError(`${paramPrefix}${key}`, `'${key}' is not an option of ${what} (its options: ${known.join(', ')})`);
    if (value === null && !nullable.includes(key)) {
      throw new ConfigError(`${paramPrefix}${key}`, `null is not a value of ${what}'s '${key}' (an option left out takes its default, where it has one)`);
    }
  }
}

/**
 * Whether `value` is an object of a built-in kind that holds its data elsewhere than in its own
 * keys (a `Map`, a `Date`, an `Error`, a `Promise`, binary data): given as options, its keys read
 * as none, and every option would take its default without a word (`new Map([['hours',
 * 'extended']])` gave regular hours).
 * @internal
 */
export function notOptions(value: object): boolean {
  return (
    types.isMap(value) ||
    types.isSet(value) ||
    types.isWeakMap(value) ||
    types.isWeakSet(value) ||
    types.isDate(value) ||
    types.isRegExp(value) ||
    types.isNativeError(value) ||
    types.isPromise(value) ||
    types.isAnyArrayBuffer(value) ||
    types.isArrayBufferView(value) ||
    types.isBoxedPrimitive(value)
  );
}

/** An argument for a message: an Error by its name and message, a plain object or array as JSON, anything else described. */
function shownArgument(value: unknown): string {
  if (value instanceof Error) return `${value.name} '${value.message}'`;
  if (Array.isArray(value) || (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype)) return show(value);
  if (typeof value !== 'object' || value === null) return show(value);
  const described = describe(value);
  // An object of no kind describe knows is named by its class.
  return described === 'an object' ? `an object (${value.constructor?.name ?? 'no class'})` : described;
}

/**
 * For a call that takes nothing (or, with `from`, nothing past its first `from` parameters, which
 * `takes` spells): an argument other than `undefined` is a mistake the caller should hear of, not
 * an option dropped without a word. @internal
 * @throws {ConfigError} `arguments`, naming the first such argument and what to do instead.
 */
export function refuseArguments(what: string, args: ArrayLike<unknown>, hint: string, takes = 'no arguments', from = 0): void {
  for (let i = from; i < args.length; i++) refuseExtra(what, takes, args[i], i + 1, hint);
}

/**
 * {@link refuseArguments} for a call that names its one argument past those it takes (`extra`, at
 * 1-based `position`): `undefined` is no argument.
 * @internal
 */
export function refuseExtra(what: string, takes: string, extra: unknown, position: number, hint: string): void {
  if (extra !== undefined) throw new ConfigError('arguments', `${what} takes ${takes}, got ${shownArgument(extra)} as argument ${position}: ${hint}`);
}

/**
 * The first index of `list` that holds no entry (a sparse array), or -1. Stops at the first hole:
 * a sparse array's `length` may be up to 2^32 - 1, and a list mapped over it would not return.
 * @internal
 */
export function firstHole(list: readonly unknown[]): number {
  for (let i = 0; i < list.length; i++) if (!(i in list)) return i;
  return -1;
}
