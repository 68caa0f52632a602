//! A trading session: the span of time bars may fall in.

use crate::error::{Error, Result};

/// One session, in epoch milliseconds (UTC): bars must satisfy `open <= time < close`.
/// `day_start` is midnight of the session's date in the exchange's time zone; it anchors buckets
/// under clock alignment and the time of a clock-aligned `1d` bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Session {
    pub open: i64,
    pub close: i64,
    pub day_start: i64,
}

impl Session {
    /// A session from its three times.
    ///
    /// # Errors
    /// [`Error::Session`] with code `invalid_session` when a time is not a whole number of
    /// milliseconds, `close <= open`, or `day_start > open`.
    pub fn new(open: f64, close: f64, day_start: f64) -> Result<Session> {
        let whole = |x: f64| x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15;
        if !whole(open) || !whole(close) || !whole(day_start) {
            return Err(Error::session(
                "invalid_session",
                format!("session times must be whole epoch milliseconds (open {open}, close {close}, day start {day_start})"),
            ));
        }
        let session = Session {
            open: open as i64,
            close: close as i64,
            day_start: day_start as i64,
        };
        session.check()?;
        Ok(session)
    }

    /// Checks the order of the times: `day_start <= open < close`. The fields are public, so the
    /// store checks every session it is given, however it was built.
    ///
    /// # Errors
    /// [`Error::Session`] with code `invalid_session` naming the times.
    pub fn check(&self) -> Result<()> {
        let Session {
            open,
            close,
            day_start,
        } = *self;
        if close <= open {
            return Err(Error::session(
                "invalid_session",
                format!("session close {close} is not after its open {open}"),
            ));
        }
        if day_start > open {
            return Err(Error::session(
                "invalid_session",
                format!("session day start {day_start} is after its open {open}"),
            ));
        }
        Ok(())
    }
}
