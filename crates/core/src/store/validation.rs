//! The rules every base bar must pass, checked a bar or a run of bars at a time.

use super::{Active, MAX_VOLUME, REGULAR_CHUNK};
use crate::bar::Bar;
use crate::error::RejectReason;
use crate::quality::next_slot;

/// What a base bar is checked against: the open session, if any (with its clock), and the base
/// interval. Held apart from the store so that a batch can be checked while its symbol's series
/// are being written.
#[derive(Clone, Copy)]
pub(super) struct Rules<'a> {
    pub(super) active: Option<&'a Active>,
    pub(super) base_ms: i64,
}

/// The exponent bits of an `f64`: all set for NaN and the infinities only.
const EXPONENT: u64 = 0x7ff0_0000_0000_0000;

/// A bar of a batch that must be rejected: its index, the reason, and the time of the symbol's
/// last bar before it (for the message).
pub(super) type Refusal = (usize, RejectReason, Option<i64>);

impl Rules<'_> {
    /// Whether every bar of `cols` passes [`Rules::check`] and opens no gap, given that the
    /// symbol's last bar (in the open session) is at `prev`: each comes exactly one slot after
    /// the one before, inside the session and the clock, with finite fields and a consistent
    /// range. Written without a branch a bar so that it runs on vectors; `false` says only that
    /// some bar needs the full check.
    pub(super) fn regular_run(&self, cols: [&[f64]; 6], prev: i64) -> bool {
        let Some(a) = self.active else {
            return false;
        };
        let [time, open, high, low, close, volume] = cols;
        let n = time.len();
        if n == 0
            || [open, high, low, close, volume]
                .iter()
                .any(|c| c.len() != n)
        {
            return false;
        }
        // Whole milliseconds below 2^53 add and compare exactly as f64.
        let base = self.base_ms as f64;
        let mut ok = time[0] == prev as f64 + base
            && time[n - 1] < a.session.close as f64
            && time[0] >= a.late_before as f64;
        for k in 1..n {
            ok &= time[k] - time[k - 1] == base;
        }
        for k in 0..n {
            let (o, h, l, c, v) = (open[k], high[k], low[k], close[k], volume[k]);
            let zero = time[k] * 0.0 + o * 0.0 + h * 0.0 + l * 0.0 + c * 0.0;
            ok &= (zero == 0.0)
                & (h >= o)
                & (h >= c)
                & (l <= o)
                & (l <= c)
                & (0.0..=MAX_VOLUME).contains(&v);
        }
        ok
    }

    /// Checks one bar against the symbol's state as it would be after the bars before it, and
    /// returns its time in whole milliseconds.
    #[inline]
    pub(super) fn check(
        &self,
        bar: &Bar,
        last_time: Option<i64>,
    ) -> std::result::Result<i64, RejectReason> {
        let Some(a) = self.active else {
            return Err(RejectReason::NoSession);
        };
        // Each field is tested on its own bits. Summing `x * 0.0` over the fields, as the batch
        // check does, lets the compiler load them in pairs, and a pair load of fields the caller
        // has just written one at a time waits for those writes to land (a fifth of a slice's
        // append time, measured).
        let finite = |x: f64| x.to_bits() & EXPONENT != EXPONENT;
        let finite = finite(bar.time)
            & finite(bar.open)
            & finite(bar.high)
            & finite(bar.low)
            & finite(bar.close);
        // The cast saturates, so a fraction is the only way a finite time below 2^53 fails the
        // round trip; every f64 beyond that is whole (and outside any session).
        let t = bar.time as i64;
        let fraction = t as f64 != bar.time && bar.time.abs() < 9_007_199_254_740_992.0;
        // One test of the volume: NaN, the infinities, a negative volume and one too large all fail
        // it. Which of them it is, and whether a rule before its own fails first, is sorted out
        // off the path of a valid bar.
        let volume_ok = (bar.volume >= 0.0) & (bar.volume <= MAX_VOLUME);
        if !finite || fraction || !volume_ok {
            return Err(self.refused(bar, a, t, last_time, !finite || fraction));
        }
        self.placed(bar, a, t, last_time)
    }

    /// Why a bar whose fields failed the first test of [`Rules::check`] is rejected: the first
    /// failing rule in order. `malformed` says a price or the time is not finite or the time not
    /// whole; else the volume is out of range (and maybe finite).
    #[cold]
    #[inline(never)]
    fn refused(
        &self,
        bar: &Bar,
        a: &Active,
        t: i64,
        last_time: Option<i64>,
        malformed: bool,
    ) -> RejectReason {
        if malformed || !bar.volume.is_finite() {
            return RejectReason::NonFinite;
        }
        match self.placed(bar, a, t, last_time) {
            Err(reason) => reason,
            Ok(_) if bar.volume < 0.0 => RejectReason::NegativeVolume,
            Ok(_) => RejectReason::VolumeTooLarge,
        }
    }

    /// The rules after the fields' own: the bar's place (session, grid, order, clock), then its
    /// range. Returns the bar's time.
    #[inline(always)]
    fn placed(
        &self,
        bar: &Bar,
        a: &Active,
        t: i64,
        last_time: Option<i64>,
    ) -> std::result::Result<i64, RejectReason> {
        let s = &a.session;
        if t < s.open || t >= s.close {
            return Err(RejectReason::OutsideSession);
        }
        // Most bars come one slot after the symbol's last one in this session, which is on the grid
        // and earlier: that case needs no division.
        let next_slot =
            matches!(last_time, Some(last) if last >= s.open && t - last == self.base_ms);
        if !next_slot {
            let offset = (t - s.open) as u64;
            // A 32-bit division is several times faster, and covers sessions under 49 days.
            let on_grid = match (u32::try_from(offset), u32::try_from(self.base_ms)) {
                (Ok(o), Ok(b)) => o.is_multiple_of(b),
                _ => offset.is_multiple_of(self.base_ms as u64),
            };
            if !on_grid {
                return Err(RejectReason::OffGrid);
            }
            if let Some(last) = last_time {
                if t <= last {
                    return Err(if t == last {
                        RejectReason::Duplicate
                    } else {
                        RejectReason::OutOfOrder
                    });
                }
            }
        }
        if t < a.late_before {
            return Err(RejectReason::Late);
        }
        if bar.high < bar.open.max(bar.close) {
            return Err(RejectReason::HighBelowOpenClose);
        }
        if bar.low > bar.open.min(bar.close) {
            return Err(RejectReason::LowAboveOpenClose);
        }
        Ok(t)
    }

    /// Checks bars `from..to` of a batch (columns time, open, high, low, close, volume, equally
    /// long) as appending them one by one would, given the symbol's last bar time `last`, which it
    /// moves past each valid bar. Notes the gaps the valid bars open in `gaps` and the bars to
    /// reject in `refused`; with `first_only`, stops at the first of those.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn validate(
        &self,
        cols: [&[f64]; 6],
        from: usize,
        to: usize,
        last: &mut Option<i64>,
        gaps: &mut Vec<(i64, i64)>,
        refused: &mut Vec<Refusal>,
        first_only: bool,
    ) {
        let session_open = self.active.map_or(i64::MIN, |a| a.session.open);
        let [time, open, high, low, close, volume] = cols;
        let mut i = from;
        while i < to {
            // A run of bars each one slot after the one before, all valid, is checked a chunk at a
            // time without a branch a bar; a chunk with anything else in it goes bar by bar below.
            if let Some(prev) = last.filter(|&p| p >= session_open) {
                let end = (i + REGULAR_CHUNK).min(to);
                if self.regular_run(cols.map(|c| &c[i..end]), prev) {
                    *last = Some(time[end - 1] as i64);
                    i = end;
                    continue;
                }
            }
            let bar = Bar::new(time[i], open[i], high[i], low[i], close[i], volume[i]);
            match self.check(&bar, *last) {
                Ok(t) => {
                    let due = next_slot(*last, session_open, self.base_ms);
                    if t > due {
                        gaps.push((due, t));
                    }
                    *last = Some(t);
                }
                Err(reason) => {
                    refused.push((i, reason, *last));
                    if first_only {
                        return;
                    }
                }
            }
            i += 1;
        }
    }
}
