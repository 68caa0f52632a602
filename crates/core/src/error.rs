//! The core's one error type, and the reasons a bar is rejected.

use std::fmt;

/// Why a base bar was rejected. Each has a stable snake_case code (see [`RejectReason::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RejectReason {
    /// No session is open.
    NoSession = 0,
    /// A field is NaN or infinite, or `time` is not a whole number of milliseconds.
    NonFinite,
    /// `high < max(open, close)`.
    HighBelowOpenClose,
    /// `low > min(open, close)`.
    LowAboveOpenClose,
    /// `volume < 0`.
    NegativeVolume,
    /// `time` is not on the base grid anchored at the session open.
    OffGrid,
    /// `time` is outside `[open, close)` of the current session.
    OutsideSession,
    /// `time` equals the symbol's last bar time.
    Duplicate,
    /// `time` is before the symbol's last bar time.
    OutOfOrder,
    /// The bar falls in a bucket that the clock (`advance_to`) already closed.
    Late,
    /// `volume` is above [`crate::store::MAX_VOLUME`]: summed into a derived bar, it could
    /// overflow to infinity.
    VolumeTooLarge,
}

impl RejectReason {
    /// Every reason, in code order.
    pub const ALL: [RejectReason; 11] = [
        RejectReason::NoSession,
        RejectReason::NonFinite,
        RejectReason::HighBelowOpenClose,
        RejectReason::LowAboveOpenClose,
        RejectReason::NegativeVolume,
        RejectReason::OffGrid,
        RejectReason::OutsideSession,
        RejectReason::Duplicate,
        RejectReason::OutOfOrder,
        RejectReason::Late,
        RejectReason::VolumeTooLarge,
    ];
    /// How many reasons there are.
    pub const COUNT: usize = Self::ALL.len();

    /// The stable code users match on.
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::NoSession => "no_session",
            RejectReason::NonFinite => "non_finite",
            RejectReason::HighBelowOpenClose => "high_below_open_close",
            RejectReason::LowAboveOpenClose => "low_above_open_close",
            RejectReason::NegativeVolume => "negative_volume",
            RejectReason::OffGrid => "off_grid",
            RejectReason::OutsideSession => "outside_session",
            RejectReason::Duplicate => "duplicate",
            RejectReason::OutOfOrder => "out_of_order",
            RejectReason::Late => "late",
            RejectReason::VolumeTooLarge => "volume_too_large",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A rejected bar: the reason, a message naming the offending values, and, in a batch, its index.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub reason: RejectReason,
    pub message: String,
    pub index: Option<usize>,
}

/// Everything the core can refuse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A bar failed validation; nothing was stored and the rejection was counted.
    #[error("bar rejected ({}): {}", .0.reason.code(), .0.message)]
    Rejected(Rejection),
    /// A configuration value is invalid. `param` names it.
    #[error("invalid {param}: {message}")]
    Config { param: String, message: String },
    /// A session operation is out of place (`code`: `no_session`, `session_open`,
    /// `session_order`, `invalid_session`).
    #[error("{message}")]
    Session { code: &'static str, message: String },
    /// A symbol id or interval index that the store does not have.
    #[error("{message}")]
    NotFound { message: String },
    /// Input of the wrong shape or value: columns of a batch that differ in length (or, for
    /// indicators over columns, a column missing or session starts out of order), a clock time
    /// that is not finite, an output buffer of the wrong length.
    #[error("{message}")]
    Input { message: String },
}

impl Error {
    pub(crate) fn config(param: &str, message: impl Into<String>) -> Error {
        Error::Config {
            param: param.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn session(code: &'static str, message: impl Into<String>) -> Error {
        Error::Session {
            code,
            message: message.into(),
        }
    }

    /// The stable code of this error: the rejection reason for [`Error::Rejected`].
    pub fn code(&self) -> &'static str {
        match self {
            Error::Rejected(r) => r.reason.code(),
            Error::Config { .. } => "invalid_config",
            Error::Session { code, .. } => code,
            Error::NotFound { .. } => "not_found",
            Error::Input { .. } => "invalid_input",
        }
    }
}

/// The core's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// A number as JavaScript's `String(x)` writes it (`Infinity`, `1e-7`, `1.5e+21`,
/// `2.5757217407226562`), so that messages and indicator ids read as the store's users write their
/// numbers. Rust's `{}` differs: `inf`, no exponent form, and where two shortest spellings are
/// equally near the value it may take the other one (`...563` where JavaScript writes `...562`).
pub(crate) struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ryu_js::Buffer::new().format(self.0))
    }
}

/// An instant (epoch ms) as messages show it: the number the caller gave, then the UTC time it
/// names as JavaScript's `toISOString` writes it, `1381152780000 (2013-10-07T13:33:00.000Z)`.
/// Thirteen digits say nothing to a reader comparing a rejected bar with the session or the last
/// bar; the number stays so the value can be found in the data. A time that is not a whole number
/// of milliseconds in years 0000-9999 is the number alone.
pub(crate) struct At(pub f64);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 0000-01-01 and 10000-01-01 in epoch ms: JavaScript writes years outside with six digits.
        const MIN: f64 = -62_167_219_200_000.0;
        const END: f64 = 253_402_300_800_000.0;
        let ms = self.0;
        if !(MIN..END).contains(&ms) || ms.fract() != 0.0 {
            return write!(f, "{}", Num(ms));
        }
        let ms = ms as i64;
        let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
        // Days to a civil date (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        write!(
            f,
            "{ms} ({year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z)",
            rem / 3_600_000,
            rem / 60_000 % 60,
            rem / 1000 % 60,
            rem % 1000
        )
    }
}

/// A reading of a clock, in ms since its midnight, as `HH:MM`, with `:SS` and `.mmm` when they
/// are not zero (`09:30`, `01:00:30`, `00:00:00.250`); a negative reading has a leading `-`.
pub(crate) struct ClockReading(pub i64);

impl fmt::Display for ClockReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.unsigned_abs();
        if self.0 < 0 {
            f.write_str("-")?;
        }
        write!(f, "{:02}:{:02}", ms / 3_600_000, ms / 60_000 % 60)?;
        if !ms.is_multiple_of(60_000) {
            write!(f, ":{:02}", ms / 1000 % 60)?;
            if !ms.is_multiple_of(1000) {
                write!(f, ".{:03}", ms % 1000)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{At, ClockReading, Num};

    #[test]
    fn clock_readings_show_as_a_clock_does() {
        for (ms, text) in [
            (34_200_000, "09:30"),
            (3_600_000, "01:00"),
            (3_630_000, "01:00:30"),
            (250, "00:00:00.250"),
            (90_061_001, "25:01:01.001"),
            (-1_800_000, "-00:30"),
        ] {
            assert_eq!(ClockReading(ms).to_string(), text);
        }
    }

    #[test]
    fn instants_show_with_their_utc_time() {
        // As new Date(x).toISOString() gives them, checked in node.
        for (x, iso) in [
            (1_381_152_780_000.0, "2013-10-07T13:33:00.000Z"),
            (0.0, "1970-01-01T00:00:00.000Z"),
            (-1.0, "1969-12-31T23:59:59.999Z"),
            (951_782_400_123.0, "2000-02-29T00:00:00.123Z"),
            (-62_167_219_200_000.0, "0000-01-01T00:00:00.000Z"),
            (253_402_300_799_999.0, "9999-12-31T23:59:59.999Z"),
        ] {
            assert_eq!(At(x).to_string(), format!("{} ({iso})", Num(x)));
        }
        for x in [
            253_402_300_800_000.0,
            -62_167_219_200_001.0,
            1.5,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(At(x).to_string(), Num(x).to_string());
        }
    }

    #[test]
    fn numbers_show_as_javascript_spells_them() {
        assert_eq!(Num(f64::INFINITY).to_string(), "Infinity");
        assert_eq!(Num(f64::NEG_INFINITY).to_string(), "-Infinity");
        assert_eq!(Num(f64::NAN).to_string(), "NaN");
        assert_eq!(Num(1.5).to_string(), "1.5");
        assert_eq!(Num(-0.25).to_string(), "-0.25");
        // As String(x) gives them, checked in node.
        for (x, js) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1e-7, "1e-7"),
            (-1.5e-7, "-1.5e-7"),
            (9.99e-7, "9.99e-7"),
            (1e-6, "0.000001"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (-2.5e300, "-2.5e+300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            // Where Rust's shortest spelling ends one digit higher than JavaScript's.
            (2.5757217407226562, "2.5757217407226562"),
            (3.6633987426757812, "3.6633987426757812"),
            (684643635060638.2, "684643635060638.2"),
        ] {
            assert_eq!(Num(x).to_string(), js);
        }
    }
}
