/**
 * Event names checked when a listener is added: the emitters' event maps type them for TypeScript,
 * and this gives plain JavaScript the same answer, at once, instead of a listener that never fires.
 * @module
 * @internal
 */
import { EventEmitter } from 'node:events';
import { ConfigError, describe } from './errors.js';

/**
 * What Node's EventEmitter emits itself, and `error`, which `events.once(emitter, name)` and
 * `events.on` listen to beside the name asked for: always accepted.
 */
const EMITTER_EVENTS: readonly string[] = ['newListener', 'removeListener', 'error'];

const ADDERS = ['on', 'once', 'addListener', 'prependListener', 'prependOnceListener'] as const;

/**
 * Makes the listener adders of `type` (a subclass of EventEmitter) refuse a string event name that
 * is not in `events`, on instances of `type` itself (a subclass may have events of its own).
 * Symbols (`EventEmitter.errorMonitor`) pass.
 * The adders then throw {@link ConfigError} `event` naming the events there are; no listener is added.
 */
export function checkEventNames(type: { prototype: EventEmitter; name: string }, events: readonly string[]): void {
  const known = new Set([...events, ...EMITTER_EVENTS]);
  for (const adder of ADDERS) {
    const base = EventEmitter.prototype[adder] as (this: EventEmitter, name: string | symbol, listener: (...args: unknown[]) => void) => EventEmitter;
    Object.defineProperty(type.prototype, adder, {
      configurable: true,
      writable: true,
      value: function (this: EventEmitter, name: string | symbol, listener: (...args: unknown[]) => void): EventEmitter {
        // A subclass may emit events of its own: only the type's own instances are checked.
        if (typeof name !== 'symbol' && !known.has(name) && Object.getPrototypeOf(this) === type.prototype) {
          throw new ConfigError('event', `${typeof name === 'string' ? JSON.stringify(name) : describe(name)} is not an event of ${type.name} (its events: ${events.join(', ')})`);
        }
        return base.call(this, name, listener);
      },
    });
  }
}
