//! Column helpers for the TypeScript runtime, and the one way a column block becomes an
//! `ArrayBuffer`.

use crate::error::config;
use barstream_core::{interleave, ColumnBlock};
use napi::bindgen_prelude::{ArrayBuffer, Float64Array, FromNapiValue, Int32Array};
use napi::{sys, Env, Result};
use napi_derive::napi;
use std::ffi::c_void;
use std::ptr;
use std::sync::Arc;

/// The most bytes one `ArrayBuffer` over external memory may have (Node.js 20's `kMaxLength`).
const MAX_EXTERNAL_BYTES: usize = 1 << 32;

/// An `ArrayBuffer` over `block`'s bytes, holding `holder` (a reference to the block) until it is
/// collected. Where the engine allows no external buffers, a copy.
///
/// Unlike napi-rs's `ArrayBuffer::from_external`, a buffer refused before the engine took the
/// reference gives it back at once: a thread whose environment is being torn down (a worker
/// terminated during the call) refuses every new buffer, and the boxed hint napi-rs leaves behind
/// then kept the whole block. A block past what a buffer may hold is refused here, before the
/// engine, which would take the reference, run its finalizer and fail all the same.
///
/// # Errors
/// A block of more than 4 GiB; the engine's status when it makes no buffer.
pub fn external_block<'env>(env: &'env Env, holder: Arc<ColumnBlock>) -> Result<ArrayBuffer<'env>> {
    unsafe extern "C" fn finalize(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
        // SAFETY: `hint` is the box made below, handed to exactly one finalizer.
        drop(unsafe { Box::from_raw(hint.cast::<Arc<ColumnBlock>>()) });
    }
    let (data, len) = (holder.as_ptr() as *mut c_void, holder.byte_len());
    if len > MAX_EXTERNAL_BYTES {
        return Err(napi::Error::new(
            napi::Status::InvalidArg,
            format!("Cannot create an ArrayBuffer of {len} bytes, more than {MAX_EXTERNAL_BYTES}"),
        ));
    }
    let hint = Box::into_raw(Box::new(holder));
    let mut value = ptr::null_mut();
    // SAFETY: the block's bytes live while the boxed reference does, which the finalizer drops
    // only when the ArrayBuffer is collected.
    let status = unsafe {
        sys::napi_create_external_arraybuffer(
            env.raw(),
            data,
            len,
            Some(finalize),
            hint.cast(),
            &mut value,
        )
    };
    match status {
        sys::Status::napi_ok => {
            // SAFETY: `value` is the ArrayBuffer just made; it owns the box from here on.
            unsafe { ArrayBuffer::from_napi_value(env.raw(), value) }
        }
        // Refused before the engine took the box (an argument, a thread that can no longer run
        // JavaScript, a sandbox): it is ours to drop.
        sys::Status::napi_no_external_buffers_allowed => {
            // SAFETY: see above.
            let holder = *unsafe { Box::from_raw(hint) };
            copy_block(env, &holder, len)
        }
        sys::Status::napi_invalid_arg
        | sys::Status::napi_pending_exception
        | sys::Status::napi_cannot_run_js => {
            // SAFETY: see above.
            drop(unsafe { Box::from_raw(hint) });
            Err(napi::Error::new(
                napi::Status::from(status),
                "the engine made no ArrayBuffer (is its thread ending?)".to_owned(),
            ))
        }
        // Any other failure may come after the engine took the box (and ran the finalizer): left
        // to it, at the cost of a leak rather than a double free.
        _ => Err(napi::Error::new(
            napi::Status::from(status),
            "the engine made no ArrayBuffer".to_owned(),
        )),
    }
}

/// A new `ArrayBuffer` holding a copy of `holder`'s first `len` bytes.
fn copy_block<'env>(env: &'env Env, holder: &ColumnBlock, len: usize) -> Result<ArrayBuffer<'env>> {
    let mut target = ptr::null_mut();
    let mut value = ptr::null_mut();
    // SAFETY: a plain call; its outputs are read only on success.
    let status = unsafe { sys::napi_create_arraybuffer(env.raw(), len, &mut target, &mut value) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::new(
            napi::Status::from(status),
            "the engine made no ArrayBuffer".to_owned(),
        ));
    }
    // SAFETY: `target` holds `len` bytes and `holder` as many; raw pointers, since the block's
    // room past its bars may be uninitialised, which no Rust slice may cover.
    unsafe {
        ptr::copy_nonoverlapping(holder.as_ptr() as *const u8, target.cast::<u8>(), len);
        ArrayBuffer::from_napi_value(env.raw(), value)
    }
}

/// A new engine-owned `ArrayBuffer` of `len` `f64`s (zeroed by the engine), filled in place by
/// `fill`. Its memory is the engine's, freed by a collection alone: no finalizer waits for the
/// event loop to turn.
///
/// # Errors
/// `fill`'s error; the engine's status (as a `ConfigError` naming `param`) when it makes no buffer.
pub fn engine_block<'env>(
    env: &'env Env,
    len: usize,
    param: &str,
    fill: impl FnOnce(&mut [f64]) -> std::result::Result<(), napi::Error<String>>,
) -> std::result::Result<ArrayBuffer<'env>, napi::Error<String>> {
    let bytes = len * std::mem::size_of::<f64>();
    let mut data = ptr::null_mut();
    let mut value = ptr::null_mut();
    // SAFETY: a plain call; its outputs are read only on success.
    let status = unsafe { sys::napi_create_arraybuffer(env.raw(), bytes, &mut data, &mut value) };
    if status != sys::Status::napi_ok || (len > 0 && data.is_null()) {
        return Err(config(
            param,
            format!("the engine made no ArrayBuffer of {bytes} bytes"),
        ));
    }
    // SAFETY: `value` is the ArrayBuffer just made. Its `bytes` zeroed bytes at `data` (aligned
    // for any scalar, as the engine's allocator gives them) stay put while it lives, at least to
    // the end of the native call that made it; nothing else refers to them yet.
    let values = if len == 0 {
        &mut [][..]
    } else {
        unsafe { std::slice::from_raw_parts_mut(data.cast::<f64>(), len) }
    };
    fill(values)?;
    // SAFETY: `value` is the ArrayBuffer made above.
    unsafe { ArrayBuffer::from_napi_value(env.raw(), value) }
        .map_err(|e| config(param, e.reason.clone()))
}

/// Interleaves `rows` values of each source, from its own offset, row by row into `out`: value
/// `from[s] + r` of `sources[s]` goes to `out[r * sources.length + s]` (see `interleave` in the
/// core). Throws, writing nothing, when `from` and `sources` differ in length, a source is shorter
/// than its offset plus `rows`, `out` is shorter than `rows * sources.length`, or `out` shares
/// memory with a source.
#[napi(catch_unwind)]
pub fn interleave_columns(
    sources: Vec<Float64Array>,
    from: Int32Array,
    rows: u32,
    mut out: Float64Array,
) -> Result<(), String> {
    let rows = rows as usize;
    if from.len() != sources.len() {
        return Err(config(
            "from",
            format!("{} offsets for {} sources", from.len(), sources.len()),
        ));
    }
    let slices = sources
        .iter()
        .zip(from.iter())
        .enumerate()
        .map(|(s, (src, &at))| {
            usize::try_from(at)
                .ok()
                .and_then(|at| src.get(at..at.checked_add(rows)?))
                .ok_or_else(|| {
                    config(
                        "sources",
                        format!(
                            "source {s} has {} values, not {rows} from offset {at}",
                            src.len()
                        ),
                    )
                })
        })
        .collect::<Result<Vec<&[f64]>, _>>()?;
    if out.len() < rows * slices.len() {
        return Err(config(
            "out",
            format!(
                "out holds {} values, not {rows} x {}",
                out.len(),
                slices.len()
            ),
        ));
    }
    let span = out.as_ptr_range();
    if sources.iter().any(|src| {
        let r = src.as_ptr_range();
        r.start < span.end && span.start < r.end
    }) {
        return Err(config("out", "out shares memory with a source".into()));
    }
    // SAFETY: `out` is the caller's array, alive through the call and overlapping no source (checked
    // above); JavaScript does not run while it is written.
    interleave(&slices, rows, unsafe { out.as_mut() });
    Ok(())
}
