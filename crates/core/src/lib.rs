//! barstream-core: a columnar store of market bars per symbol and interval, with derived-bar
//! aggregation, validation and zero-copy column blocks. Pure Rust; it knows nothing of JavaScript.
//!
//! Times are epoch milliseconds (UTC). A bar's `time` is its open time. See [`SessionStore`] for the
//! whole contract: buckets, the four closing rules, empty buckets, validation and retention, and
//! [`quality`] for the data quality measured per symbol and session.

pub mod bar;
pub mod columns;
pub mod error;
pub mod indicators;
pub mod interval;
pub mod quality;
pub mod session;
pub mod store;

mod aggregate;

pub use bar::Bar;
pub use columns::{
    interleave, live_series_bytes, max_view_bars, thread_account, thread_series_bytes, ColumnBlock,
    Columns, MemoryAccount, COLUMN_COUNT,
};
pub use error::{Error, RejectReason, Rejection, Result};
pub use indicators::{
    batch, batch_all, BarSlices, Indicator, IndicatorKind, IndicatorParams, IndicatorSpec,
};
pub use interval::Interval;
pub use quality::{BaseQuality, Gap, IntervalQuality, SymbolQuality};
pub use session::{ClockShift, Session};
pub use store::{
    Alignment, BatchOutcome, ClosedMask, EmptyBuckets, InvalidBars, SessionStore, StoreConfig,
    SymbolId, MAX_VOLUME,
};
