//! Binding of `barstream_core::quality`: the symbols' quality records, as methods
//! of `NativeSessionStore`. The counts are computed in the core; this file only converts them.

use crate::error::to_js;
use crate::store::NativeSessionStore;
use barstream_core::{RejectReason, SymbolQuality};
use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;

/// Quality records as numbers, one row a symbol, for one crossing however many symbols there are
/// (see `barstream_core::SymbolQuality`).
///
/// Row `r` is `values[r * stride .. (r + 1) * stride]`: present (1, or 0 for a symbol first used
/// after the session ended: no record), ended (1 when the session has ended and the counts are
/// final), then the base interval's expected, received, missing, late and score (`received /
/// expected`, from the core), the rejections this session in `rejectCodes` order, and for each
/// derived interval in configuration order its expected, received, missing and score.
#[napi(object)]
pub struct NativeQualityTable {
    pub stride: u32,
    pub values: Float64Array,
    /// Gaps this session, every row's, by row and then time: `[from, to)` of row `gap_row`.
    pub gap_row: Vec<u32>,
    pub gap_from: Vec<f64>,
    pub gap_to: Vec<f64>,
}

/// Numbers in a row before the rejections.
const LEADING: usize = 7;

fn quality_table(
    records: impl Iterator<Item = Option<SymbolQuality>>,
    derived: usize,
) -> NativeQualityTable {
    let stride = LEADING + RejectReason::COUNT + 4 * derived;
    let (mut values, mut gap_row, mut gap_from, mut gap_to) = (vec![], vec![], vec![], vec![]);
    for (row, record) in records.enumerate() {
        let Some(q) = record else {
            values.resize(values.len() + stride, 0.0);
            continue;
        };
        let b = &q.base;
        values.extend([
            1.0,
            f64::from(u8::from(q.ended)),
            b.expected as f64,
            b.received as f64,
            b.missing as f64,
            b.late as f64,
            b.score(),
        ]);
        values.extend(b.rejected.iter().map(|&n| n as f64));
        for i in &q.intervals {
            values.extend([
                i.expected as f64,
                i.received as f64,
                i.missing as f64,
                i.score(),
            ]);
        }
        for g in &q.gaps {
            gap_row.push(row as u32);
            gap_from.push(g.from as f64);
            gap_to.push(g.to as f64);
        }
    }
    NativeQualityTable {
        stride: stride as u32,
        values: Float64Array::new(values),
        gap_row,
        gap_from,
        gap_to,
    }
}

#[napi]
impl NativeSessionStore {
    /// The quality records of the open session, or of the last one until the next begins: of
    /// symbol `id` alone, or of every symbol (row `id`) when none is given. Throws `no_session`
    /// before the first session, `not_found` for an unknown id.
    #[napi(catch_unwind)]
    pub fn quality_table(&self, id: Option<u32>) -> napi::Result<NativeQualityTable, String> {
        let derived = self.store.series_count() - 1;
        let ids = match id {
            Some(id) => id..id + 1,
            None => 0..self.store.symbol_count() as u32,
        };
        let records = ids
            .map(|id| self.store.quality(id))
            .collect::<barstream_core::Result<Vec<_>>>()
            .map_err(to_js)?;
        Ok(quality_table(records.into_iter(), derived))
    }
}
