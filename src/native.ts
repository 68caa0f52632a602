/**
 * The generated native binding, re-exported with its types.
 * @internal
 * @module
 */
export { NativeSessionStore } from '../index.js';
export type { NativeBatchOutcome, NativeStoreConfig } from '../index.js';
