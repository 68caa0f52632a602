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

/// An `ArrayBuffer` over `block`'s bytes, holding `holder` (a reference to the block) until it is
/// collected. Where the engine allows no external buffers, a copy.
///
/// Unlike napi-rs's `ArrayBuffer::from_external`, a refused buffer gives the reference back at
/// once: a thread whose environment is being torn down (a worker terminated during the call)
/// refuses every new buffer, and the boxed hint napi-rs leaves behind then kept the whole block.
///
/// # Errors
/// The engine's status when it makes no buffer.
pub fn external_block<'env>(env: &'env Env, holder: Arc<ColumnBlock>) -> Result<ArrayBuffer<'env>> {
    unsafe extern "C" fn finalize(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
        // SAFETY: `hint` is the box made below, handed to exactly one finalizer.
        drop(unsafe { Box::from_raw(hint.cast::<Arc<ColumnBlock>>()) });
    }
    let (data, len) = (holder.as_ptr() as *mut c_void, holder.byte_len());
    let hint = Box::into_raw(Box::new(holder));
    let mut value = ptr::null_mut();
    // SAFETY: the block's bytes live while the boxed reference does, which the finalizer drops
    // only when the ArrayBuffer is collected; bytes handed out are never rewritten.
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
    if status == sys::Status::napi_ok {
        // SAFETY: `value` is the ArrayBuffer just made.
        return unsafe { ArrayBuffer::from_napi_value(env.raw(), value) };
    }
    // SAFETY: the engine took no ownership of the box: it is ours to drop.
    let holder = *unsafe { Box::from_raw(hint) };
    if status == sys::Status::napi_no_external_buffers_allowed {
        // SAFETY: `holder` keeps the bytes alive through the copy.
        let bytes = unsafe { std::slice::from_raw_parts(holder.as_ptr() as *const u8, len) };
        return ArrayBuffer::copy_from(env, bytes);
    }
    Err(napi::Error::new(
        napi::Status::from(status),
        "the engine made no ArrayBuffer (is its thread ending?)".to_owned(),
    ))
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
