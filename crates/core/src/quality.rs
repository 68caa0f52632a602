//! Data quality per symbol and session: base bars expected, received, rejected, late and missing,
//! derived buckets closed with and without data, and the gaps in the base series.
//!
//! # What is measured
//! The record of a symbol covers one session: it starts empty at [`SessionStore::begin_session`]
//! and stays readable after [`SessionStore::end_session`] until the next `begin_session`.
//!
//! - **Base series.** `expected` is the number of base slots in the session,
//!   `ceil((close - open) / base)` (390 one-minute slots in a 09:30-16:00 session, 210 in a 13:00
//!   early close). `received` is the bars stored this session, `rejected` the bars rejected this
//!   session by reason (the store's all-time counts in [`SessionStore::rejections`] go on as
//!   before), `late` the `late` rejections among them. `missing` is the slots that have *passed*
//!   with no bar: while the session is open, a slot has passed when it lies before the symbol's
//!   latest bar, or when the clock ([`SessionStore::advance_to`]) has reached its end; after
//!   `end_session` every slot has passed, so `missing = expected - received`. A slot still ahead
//!   is neither received nor missing, so `received + missing <= expected`, with equality once the
//!   session has ended.
//! - **Derived intervals.** `expected` is the number of buckets that meet the session (the same
//!   count the store reserves room for), `received` the buckets that closed with at least one base
//!   bar, `missing` the buckets that closed without any (a flat bar under
//!   [`EmptyBuckets::Flat`], nothing under [`EmptyBuckets::Skip`]). A bucket has closed when a bar
//!   of a later bucket arrived, its last slot's bar arrived, the clock passed its end, or the
//!   session ended: the four closing rules of the store, applied to empty buckets too.
//! - **Scores** are `received / expected`: during the session they grow towards the share of the
//!   session that has bars, after it they are that share.
//! - **Gaps.** When a symbol's next stored base bar skips slots (counted from the session open for
//!   its first bar of the session, or from its previous bar), a [`Gap`] is recorded from the first
//!   missing slot to the bar's time. At `end_session` the trailing gap up to the close is recorded
//!   for every symbol the store knew during the session, so a symbol with no bar at all gets one gap
//!   over the whole session; a symbol the store has never seen is not reported, since it is not
//!   known to exist. The clock does not record gaps: a gap is recorded once its end is known (the
//!   next bar or the close), while `missing` already counts the slots it has passed. Gaps are kept
//!   in the symbol's record and queued for [`SessionStore::take_gaps`].
//!
//! Rejections while no session is open (`no_session`) belong to no session: they count in the
//! all-time totals only.
//!
//! # Cost
//! The hot path adds one comparison per stored bar (does it skip slots?) and touches the record only
//! on a gap or a rejection, both out of line. Nothing is allocated for a bar that opens no gap; a
//! gap is pushed onto two lists (the symbol's, which keeps its capacity from session to session,
//! and the queue that [`SessionStore::take_gaps`] hands over). [`SessionStore::quality`] computes the counts when asked: constant time
//! for the base series and one pass over the symbol's base bars of the session for the derived
//! intervals.
//!
//! [`SessionStore::begin_session`]: crate::SessionStore::begin_session
//! [`SessionStore::end_session`]: crate::SessionStore::end_session
//! [`SessionStore::rejections`]: crate::SessionStore::rejections
//! [`SessionStore::advance_to`]: crate::SessionStore::advance_to
//! [`SessionStore::take_gaps`]: crate::SessionStore::take_gaps
//! [`SessionStore::quality`]: crate::SessionStore::quality
//! [`EmptyBuckets::Flat`]: crate::EmptyBuckets::Flat
//! [`EmptyBuckets::Skip`]: crate::EmptyBuckets::Skip

use crate::error::RejectReason;
use crate::interval::Interval;
use crate::session::Session;
use crate::store::SymbolId;

/// A run of base slots of one symbol with no bar: `[from, to)` in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gap {
    pub symbol: SymbolId,
    /// The first missing slot's time.
    pub from: i64,
    /// The end of the last missing slot: the time of the bar that revealed the gap, or the session
    /// close for a gap that runs to the end.
    pub to: i64,
}

/// Quality of a symbol's base series in one session. See the module documentation for the meaning
/// of each count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseQuality {
    /// Base slots in the session.
    pub expected: u64,
    /// Bars stored this session.
    pub received: u64,
    /// Slots that have passed with no bar.
    pub missing: u64,
    /// Bars rejected as `late` this session (also in `rejected`).
    pub late: u64,
    /// Bars rejected this session, indexed by [`RejectReason`] as `usize`.
    pub rejected: [u64; RejectReason::COUNT],
}

impl BaseQuality {
    /// `received / expected`.
    pub fn score(&self) -> f64 {
        ratio(self.received, self.expected)
    }
}

/// Quality of one derived interval of a symbol in one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntervalQuality {
    pub interval: Interval,
    /// Buckets that meet the session.
    pub expected: u64,
    /// Buckets closed with at least one base bar.
    pub received: u64,
    /// Buckets closed without any base bar (flat or skipped).
    pub missing: u64,
}

impl IntervalQuality {
    /// `received / expected`.
    pub fn score(&self) -> f64 {
        ratio(self.received, self.expected)
    }
}

/// The quality record of one symbol for one session, as [`crate::SessionStore::quality`] gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolQuality {
    pub symbol: SymbolId,
    /// The session the record is about.
    pub session: Session,
    /// Whether that session has ended, so the counts are final.
    pub ended: bool,
    pub base: BaseQuality,
    /// One entry a derived interval, in configuration order.
    pub intervals: Vec<IntervalQuality>,
    /// Gaps recorded this session, in time order.
    pub gaps: Vec<Gap>,
}

/// What the store counts per symbol as bars come; the rest of a record is derived from the
/// store's state when it is read.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionTally {
    pub(crate) rejected: [u64; RejectReason::COUNT],
    pub(crate) gaps: Vec<Gap>,
}

impl SessionTally {
    /// Empties the tally for a new session, keeping the gap list's capacity.
    pub(crate) fn reset(&mut self) {
        self.rejected = [0; RejectReason::COUNT];
        self.gaps.clear();
    }
}

/// Where the next bar of a symbol is due: the open for its first bar of the session, the slot after
/// its last bar otherwise. `last` may be from an earlier session (then it is before `open`).
#[inline(always)]
pub(crate) fn next_slot(last: Option<i64>, open: i64, base: i64) -> i64 {
    match last {
        Some(l) if l >= open => l + base,
        _ => open,
    }
}

/// Base slots of `session`: `ceil((close - open) / base)`.
pub(crate) fn slots_in(session: &Session, base: i64) -> u64 {
    ((session.close - session.open + base - 1) / base) as u64
}

/// Base slots that the clock at `clock` has passed (the slots that ended at or before it).
pub(crate) fn slots_passed(session: &Session, base: i64, clock: i64) -> u64 {
    if clock >= session.close {
        slots_in(session, base)
    } else if clock <= session.open {
        0
    } else {
        ((clock - session.open) / base) as u64
    }
}

fn ratio(received: u64, expected: u64) -> f64 {
    if expected == 0 {
        0.0
    } else {
        received as f64 / expected as f64
    }
}
