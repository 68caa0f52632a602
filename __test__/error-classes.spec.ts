/**
 * Errors that are not about a bar: a fault inside the native core, the public constructors of the
 * runtime's errors, and a batch too large for one ArrayBuffer. Each is a typed barstream error.
 */
import test from 'ava';
import { constants } from 'node:buffer';
import { BarstreamError, ConfigError, InputError, InternalError, OverrunError, ReadyTimeoutError, SessionData, computeIndicators } from 'barstream';
// The package's own module (the one the entry re-exports): the mapping of native errors is internal,
// left out of the published types.
import * as errorsModule from '../dist/errors.js';

const { fromNative } = errorsModule as unknown as { fromNative(error: unknown): unknown };

const coded = (code: string, message: string): Error => Object.assign(new Error(message), { code });

test('a panic caught at the native boundary becomes an InternalError, in both forms the binding gives it', (t) => {
  // The raw callbacks' own form, and napi-rs's for the functions it guards.
  for (const error of [coded('barstream:internal:panic:', 'internal error in the native core: index out of bounds'), coded('GenericFailure', 'index out of bounds')]) {
    const mapped = fromNative(error);
    t.true(mapped instanceof InternalError);
    t.true(mapped instanceof BarstreamError);
    t.is((mapped as InternalError).code, 'internal');
    t.regex((mapped as InternalError).message, /internal error in the native core: index out of bounds/);
  }
  // Anything else that is not barstream's passes unchanged.
  const other = coded('ERR_SOMETHING', 'x');
  t.is(fromNative(other), other);
});

test("OverrunError's and ReadyTimeoutError's constructors refuse arguments of the wrong type with a ConfigError", (t) => {
  t.throws(() => new OverrunError(7 as unknown as string, 0, 1), { instanceOf: ConfigError, message: /subscriber/ });
  t.throws(() => new OverrunError('s', '0' as unknown as number, 1), { instanceOf: ConfigError, message: /sliceTime/ });
  t.throws(() => new OverrunError('s', 0, '1' as unknown as number), { instanceOf: ConfigError, message: /lagMs/ });
  t.throws(() => new ReadyTimeoutError(['x'], 5, ['s'], '1' as unknown as number), { instanceOf: ConfigError, message: /at/ });
});

test('times no Date can hold are written as numbers in OverrunError and ReadyTimeoutError messages', (t) => {
  // A Date holds 8.64e15 ms either way of 1970.
  t.regex(new OverrunError('s', 8.7e15, 1).message, /slice at 8700000000000000 came due/);
  t.regex(new OverrunError('s', Number.NaN, 1).message, /slice at NaN came due/);
  t.regex(new ReadyTimeoutError(['x'], 5, ['s'], Number.POSITIVE_INFINITY).message, /still busy at Infinity/);
  t.regex(new ReadyTimeoutError(['x'], 5, ['s'], 0).message, /still busy at 1970-01-01T00:00:00.000Z/);
  t.regex(new OverrunError('s', 0, 1.25).message, /slice at 1970-01-01T00:00:00.000Z came due \(lag 1.3 ms\)/);
});

// Node 20 holds 4 GiB in one ArrayBuffer; where it holds far more, no column is long enough.
const bufferLimited = constants.MAX_LENGTH <= 2 ** 33;
(bufferLimited ? test : test.skip)(`computeIndicators refuses, before any work, outputs that one ArrayBuffer cannot hold${bufferLimited ? '' : ` (skipped: Node.js ${process.version} holds ${constants.MAX_LENGTH} bytes in one, which no column reaches)`}`, (t) => {
  // Zeroed memory never written is not made resident: a column of this length costs no real memory.
  const bars = Math.floor(constants.MAX_LENGTH / 8 / 4) + 1;
  const close = new Float64Array(bars);
  const configs = [10, 11, 12, 13].map((period) => ({ kind: 'sma' as const, period }));
  const error = t.throws(() => computeIndicators(configs, { close }), { instanceOf: ConfigError });
  t.is(error.param, 'columns');
  t.regex(error.message, new RegExp(`${bars} bars x 4 outputs take ${bars * 32} bytes, more than one ArrayBuffer holds`));
});

test('advanceTo names what it was given when that is not a number', (t) => {
  const data = new SessionData();
  t.throws(() => data.advanceTo('1' as unknown as number), { instanceOf: InputError, message: "advanceTo takes a time in epoch milliseconds, got '1'" });
  t.throws(() => data.advanceTo({} as unknown as number), { instanceOf: InputError, message: /advanceTo takes a time in epoch milliseconds, got / });
  // A number that is no time, as the README's error table says.
  t.throws(() => data.advanceTo(NaN), { instanceOf: InputError, message: 'advanceTo time NaN is not a finite number' });
  t.throws(() => data.advanceTo(-Infinity), { instanceOf: InputError, message: 'advanceTo time -Infinity is not a finite number' });
});
