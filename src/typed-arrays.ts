/**
 * The one way the runtime grows its `Float64Array` buffers.
 * @module
 */

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
