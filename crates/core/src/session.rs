//! A trading session: the span of time bars may fall in.

use crate::error::{At, Error, Result};

/// Session times (and a clock change's instant) lie within this many milliseconds of 1970, about
/// 285,000 years either way: far inside an `i64`, so that no sum of two times and an interval
/// (a bucket's end, say) can overflow.
pub const MAX_TIME: i64 = 9_000_000_000_000_000;

/// Whether `x` is a whole number of milliseconds within [`MAX_TIME`] of 1970.
fn whole_ms(x: f64) -> bool {
    x.is_finite() && x.fract() == 0.0 && x.abs() < MAX_TIME as f64
}

/// One session, in epoch milliseconds (UTC): bars must satisfy `open <= time < close`.
/// `day_start` is midnight of the session's date in the exchange's time zone; it anchors buckets
/// under clock alignment and the time of a clock-aligned `1d` bar. `clock_shift`, on a day the
/// exchange's clocks change (daylight saving), says when and by how much, so that clock-aligned
/// buckets start where the exchange's clock shows a multiple of their length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Session {
    pub open: i64,
    pub close: i64,
    pub day_start: i64,
    pub clock_shift: Option<ClockShift>,
}

/// A change of the exchange's clocks during a session's day: at the instant `at` (epoch ms) they
/// move by `by` ms, forward (`+3_600_000` when daylight saving starts) or back (`-3_600_000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockShift {
    pub at: i64,
    pub by: i64,
}

impl Session {
    /// A session from its three times.
    ///
    /// # Errors
    /// [`Error::Session`] with code `invalid_session` when a time is not a whole number of
    /// milliseconds below 9e15 in magnitude, `close <= open`, or `day_start > open`.
    pub fn new(open: f64, close: f64, day_start: f64) -> Result<Session> {
        if !whole_ms(open) || !whole_ms(close) || !whole_ms(day_start) {
            return Err(Error::session(
                "invalid_session",
                format!(
                    "session times must be whole epoch milliseconds within {MAX_TIME} ms of 1970 (open {}, close {}, day start {})",
                    At(open),
                    At(close),
                    At(day_start)
                ),
            ));
        }
        let session = Session {
            open: open as i64,
            close: close as i64,
            day_start: day_start as i64,
            clock_shift: None,
        };
        session.check()?;
        Ok(session)
    }

    /// This session with the exchange's clocks moving by `by` ms at `at` during its day.
    ///
    /// # Errors
    /// [`Error::Session`] with code `invalid_session` when `at` or `by` is not a whole number of
    /// milliseconds below 9e15 in magnitude, `by` is 0 or a day or more, or `at` is before `day_start`. A shift at
    /// `day_start` itself is a day whose midnight the clocks skipped: its first instant shows `by`
    /// past midnight.
    pub fn with_clock_shift(self, at: f64, by: f64) -> Result<Session> {
        if !whole_ms(at) || !whole_ms(by) {
            return Err(Error::session(
                "invalid_session",
                format!(
                    "a clock shift needs whole milliseconds within {MAX_TIME} ms of 1970 (at {}, by {by})",
                    At(at)
                ),
            ));
        }
        let session = Session {
            clock_shift: Some(ClockShift {
                at: at as i64,
                by: by as i64,
            }),
            ..self
        };
        session.check()?;
        Ok(session)
    }

    /// Milliseconds the exchange's clock shows at `t` since `day_start`: the time elapsed, moved
    /// by the clock shift from its instant on.
    pub fn wall_since_day_start(&self, t: i64) -> i64 {
        match self.clock_shift {
            Some(c) if t >= c.at => t - self.day_start + c.by,
            _ => t - self.day_start,
        }
    }

    /// Checks the order of the times, `day_start <= open < close`, and that every time lies within
    /// [`MAX_TIME`] of 1970. The fields are public, so the store checks every session it is given,
    /// however it was built.
    ///
    /// # Errors
    /// [`Error::Session`] with code `invalid_session` naming the times.
    pub fn check(&self) -> Result<()> {
        let Session {
            open,
            close,
            day_start,
            clock_shift,
        } = *self;
        let shift_at = clock_shift.map_or(0, |c| c.at);
        if [open, close, day_start, shift_at]
            .iter()
            .any(|t| t.unsigned_abs() >= MAX_TIME as u64)
        {
            return Err(Error::session(
                "invalid_session",
                format!(
                    "session times must lie within {MAX_TIME} ms of 1970 (open {}, close {}, day start {}, clock change at {})",
                    At(open as f64),
                    At(close as f64),
                    At(day_start as f64),
                    At(shift_at as f64)
                ),
            ));
        }
        if let Some(ClockShift { at, by }) = clock_shift {
            if by == 0 || by.abs() >= 86_400_000 || at < day_start {
                return Err(Error::session(
                    "invalid_session",
                    format!(
                        "a clock shift by {by} ms at {} is not a change of the clocks after the day start {}",
                        At(at as f64),
                        At(day_start as f64)
                    ),
                ));
            }
        }
        if close <= open {
            return Err(Error::session(
                "invalid_session",
                format!(
                    "session close {} is not after its open {}",
                    At(close as f64),
                    At(open as f64)
                ),
            ));
        }
        if day_start > open {
            return Err(Error::session(
                "invalid_session",
                format!(
                    "session day start {} is after its open {}: a session opens on or after its date's midnight, so one that opens the evening before (futures) takes the date it opens on",
                    At(day_start as f64),
                    At(open as f64)
                ),
            ));
        }
        Ok(())
    }
}
