//! Column helpers for the TypeScript runtime.

use crate::error::config;
use barstream_core::interleave;
use napi::bindgen_prelude::{Float64Array, Int32Array};
use napi::Result;
use napi_derive::napi;

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
