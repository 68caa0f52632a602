/**
 * The one way the runtime grows its `Float64Array` buffers, and the one way it reads a value that
 * should be a number.
 * @module
 */
import { types } from 'node:util';
import { InputError } from './errors.js';

/**
 * Whether `x` is a `Float64Array`, from this realm or another (a `node:vm` context, a test
 * runner's sandbox), where `instanceof` tells only this realm's. The native side reads either.
 * @internal
 */
export function isFloat64Array(x: unknown): x is Float64Array {
  return types.isFloat64Array(x);
}

/**
 * `x` when it is a number, else NaN: a bar field that is not a number (`null`, a string, a `Date`)
 * is then refused as `non_finite`, as the design says, instead of being converted the way a
 * `Float64Array` store converts it (`null` to 0, `'10.5'` to 10.5).
 * @internal
 */
export function num(x: unknown): number {
  return typeof x === 'number' ? x : NaN;
}

/** A `Float64Array` of `values`, with NaN for every entry that is not a number (see {@link num}). @internal */
export function numbers(values: readonly unknown[]): Float64Array {
  // Read once: a proxy's length may change as it is read (growing, it would never end).
  const n = values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = num(values[i]);
  return out;
}

/**
 * The length of a column as given, before it is converted (a sparse array's `length` is read, not
 * filled in), or null for what is no column: callers compare lengths first, so that columns that
 * differ are refused before a sparse one of 2^28 entries is made into a `Float64Array`.
 * @internal
 */
export function givenLength(col: unknown): number | null {
  if (isFloat64Array(col)) return lengthOf(col);
  return Array.isArray(col) ? col.length : null;
}

const typedArrayPrototype = Object.getPrototypeOf(Float64Array.prototype) as object;

/** `%TypedArray%.prototype.buffer`'s getter: what a view lies over, whatever it says of itself. */
const bufferOf = Object.getOwnPropertyDescriptor(typedArrayPrototype, 'buffer')?.get as (this: Float64Array) => ArrayBufferLike;

/** `%TypedArray%.prototype.length`'s getter. */
const lengthGetter = Object.getOwnPropertyDescriptor(typedArrayPrototype, 'length')?.get as (this: Float64Array) => number;

/** `%TypedArray%.prototype.byteOffset`'s getter. */
const byteOffsetGetter = Object.getOwnPropertyDescriptor(typedArrayPrototype, 'byteOffset')?.get as (this: Float64Array) => number;

/**
 * The entries `a` has, as the core reads them (0 once its buffer is detached), whatever a subclass
 * or an own `length` property says: lengths compared before a call that stores anything are these,
 * so that a column the core would refuse is refused before a symbol becomes known.
 * @internal
 */
export function lengthOf(a: Float64Array): number {
  return lengthGetter.call(a);
}

/**
 * `a`, or a plain `Float64Array` over the same memory (no copy) when `a` is of a subclass or of
 * another realm, or has a `length` of its own: what JavaScript reads as its length is then what
 * the core reads. A column whose length said half its entries gave indicator outputs laid over
 * each other, and a column source bars it did not have, or left its bars out without a word.
 * @internal
 */
export function honest(a: Float64Array): Float64Array {
  if (Object.getPrototypeOf(a) === Float64Array.prototype && !Object.prototype.hasOwnProperty.call(a, 'length')) return a;
  const n = lengthOf(a);
  // Detached (or empty): nothing to lie over.
  if (n === 0) return new Float64Array(0);
  return new Float64Array(bufferOf.call(a), byteOffsetGetter.call(a), n);
}

/**
 * Column `name` as the core reads it: a `Float64Array` as it is (not copied), unless it lies over a
 * `SharedArrayBuffer`, which is copied (another thread could write it while the core reads it, and
 * a batch is checked and stored from two readings); an array of numbers converted (see
 * {@link numbers}).
 * @throws {InputError} for anything else, and for an array longer than a `Float64Array` can be made
 * (a sparse array's `length`).
 * @internal
 */
export function toColumn(name: string, col: unknown): Float64Array {
  // The buffer by the intrinsic getter, and the copy made by the constructor (which reads the
  // array's own slots): a `buffer` property of the array's own or a subclass's, or a subclass's
  // species for `slice`, could otherwise pass shared memory in place.
  if (isFloat64Array(col)) return types.isSharedArrayBuffer(bufferOf.call(col)) ? new Float64Array(col) : honest(col);
  if (!Array.isArray(col)) throw new InputError(notAColumn(name, col));
  try {
    return numbers(col);
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(`column '${name}' has ${col.length} entries, more than a Float64Array of them can be made`);
    throw e;
  }
}

/**
 * A new `Float64Array` of `size` entries (at least `a.length`) holding `a` at its start and
 * `fill` after it.
 * @internal
 */
export function grown(a: Float64Array, size: number, fill = 0): Float64Array<ArrayBuffer> {
  const b = new Float64Array(size);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/**
 * Why `col` is not a column: a typed array other than `Float64Array` is named (its values would be
 * converted, and a `Float32Array` has lost digits already), anything else is "not an array".
 * @internal
 */
export function notAColumn(name: string, col: unknown): string {
  if (ArrayBuffer.isView(col)) {
    const type = col.constructor.name;
    return `column '${name}' is ${/^[AEIO]/.test(type) ? 'an' : 'a'} ${type}: give a Float64Array (read without copying) or an array of numbers`;
  }
  return `column '${name}' is missing or not an array`;
}
