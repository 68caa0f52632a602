/**
 * barstream: market session data for Node.js. A Rust core stores bars in columns, aggregates
 * derived intervals and hands closed bars to JavaScript as zero-copy typed arrays.
 * @module
 */
export { SessionData } from './session-data.js';
export type { AppendManyOptions, AppendManyResult, BatchRejection, SessionDataOptions, StoreStats } from './session-data.js';
export { sessionOn } from './session.js';
export type { SessionHours } from './session.js';
export {
  BarstreamError,
  BarValidationError,
  ConfigError,
  InputError,
  REJECT_CODES,
  SessionError,
} from './errors.js';
export type { RejectCode, SessionErrorCode } from './errors.js';
export type { Bar, BarColumns, BarsView, Closed, Session } from './types.js';
