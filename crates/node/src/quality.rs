//! Binding of `barstream_core::quality`: a symbol's quality record and the gap queue, as methods of
//! `NativeSessionStore`. The counts are computed in the core; this file only converts them.

use crate::error::to_js;
use crate::store::NativeSessionStore;
use barstream_core::{Gap, SymbolQuality};
use napi_derive::napi;

/// One derived interval's quality in a session (see `barstream_core::IntervalQuality`).
#[napi(object)]
pub struct NativeIntervalQuality {
    pub expected: f64,
    pub received: f64,
    pub missing: f64,
    /// `received / expected`, from the core.
    pub score: f64,
}

/// A symbol's quality record for the open or last session (see `barstream_core::SymbolQuality`).
#[napi(object)]
pub struct NativeSymbolQuality {
    /// Whether the session has ended, so the counts are final.
    pub ended: bool,
    pub expected: f64,
    pub received: f64,
    pub missing: f64,
    pub late: f64,
    /// `received / expected`, from the core.
    pub score: f64,
    /// Rejections this session, in `rejectCodes` order.
    pub rejected: Vec<f64>,
    /// One entry a derived interval, in configuration order (series 1, 2, ...).
    pub intervals: Vec<NativeIntervalQuality>,
    /// Gaps this session: `[from, to)` pairs as two parallel arrays, in time order.
    pub gap_from: Vec<f64>,
    pub gap_to: Vec<f64>,
}

/// Gaps as parallel arrays: entry `i` is the gap `[from[i], to[i])` of symbol id `symbol[i]`.
#[napi(object)]
pub struct NativeGaps {
    pub symbol: Vec<u32>,
    pub from: Vec<f64>,
    pub to: Vec<f64>,
}

fn native_quality(q: SymbolQuality) -> NativeSymbolQuality {
    NativeSymbolQuality {
        ended: q.ended,
        expected: q.base.expected as f64,
        received: q.base.received as f64,
        missing: q.base.missing as f64,
        late: q.base.late as f64,
        score: q.base.score(),
        rejected: q.base.rejected.iter().map(|&n| n as f64).collect(),
        intervals: q
            .intervals
            .iter()
            .map(|i| NativeIntervalQuality {
                expected: i.expected as f64,
                received: i.received as f64,
                missing: i.missing as f64,
                score: i.score(),
            })
            .collect(),
        gap_from: q.gaps.iter().map(|g| g.from as f64).collect(),
        gap_to: q.gaps.iter().map(|g| g.to as f64).collect(),
    }
}

fn native_gaps(gaps: Vec<Gap>) -> NativeGaps {
    NativeGaps {
        symbol: gaps.iter().map(|g| g.symbol).collect(),
        from: gaps.iter().map(|g| g.from as f64).collect(),
        to: gaps.iter().map(|g| g.to as f64).collect(),
    }
}

#[napi]
impl NativeSessionStore {
    /// The quality record of a symbol for the open session, or the last one until the next begins;
    /// `null` when the symbol was first used after that session ended. Throws `no_session` before
    /// the first session.
    #[napi(catch_unwind)]
    pub fn quality(&self, id: u32) -> napi::Result<Option<NativeSymbolQuality>, String> {
        Ok(self.store.quality(id).map_err(to_js)?.map(native_quality))
    }

    /// Takes the gaps recorded since the last call, every symbol's, oldest first.
    #[napi(catch_unwind)]
    pub fn take_gaps(&mut self) -> NativeGaps {
        native_gaps(self.store.take_gaps())
    }
}
