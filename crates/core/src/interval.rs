//! Bar intervals: `Ns`, `Nm`, `Nh` (fixed lengths) and `1d` (one bar per session).

use crate::error::{Error, Result};
use std::fmt;

/// The length of a bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    /// A fixed length in milliseconds (from `Ns`, `Nm` or `Nh`).
    Fixed(i64),
    /// One bar per session, open to close (`1d`).
    Session,
}

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

impl Interval {
    /// Parses `"30s"`, `"1m"`, `"5m"`, `"1h"`, `"1d"`.
    ///
    /// # Errors
    /// [`Error::Config`] when the text is not a positive whole number followed by `s`, `m`, `h`, or is
    /// a day count other than `1d`.
    pub fn parse(text: &str) -> Result<Interval> {
        let bad = || {
            // A long text is cut: a megabyte would otherwise be the message.
            let shown: String = text.chars().take(40).collect();
            let cut = if shown.len() < text.len() { "..." } else { "" };
            Error::config(
                "interval",
                format!("'{shown}{cut}' is not an interval (Ns, Nm, Nh or 1d)"),
            )
        };
        // Every interval is ASCII; the split below is by bytes.
        if !text.is_ascii() {
            return Err(bad());
        }
        let (digits, unit) = text.split_at(text.len().saturating_sub(1));
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        if n <= 0 {
            return Err(bad());
        }
        let unit_ms = match unit {
            "s" => SECOND,
            "m" => MINUTE,
            "h" => HOUR,
            "d" if n == 1 => return Ok(Interval::Session),
            _ => return Err(bad()),
        };
        n.checked_mul(unit_ms).map(Interval::Fixed).ok_or_else(bad)
    }

    /// The fixed length in milliseconds, or `None` for `1d`.
    pub fn millis(&self) -> Option<i64> {
        match self {
            Interval::Fixed(ms) => Some(*ms),
            Interval::Session => None,
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Interval::Session => write!(f, "1d"),
            Interval::Fixed(ms) if ms % HOUR == 0 => write!(f, "{}h", ms / HOUR),
            Interval::Fixed(ms) if ms % MINUTE == 0 => write!(f, "{}m", ms / MINUTE),
            Interval::Fixed(ms) => write!(f, "{}s", ms / SECOND),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(Interval::parse("30s").unwrap(), Interval::Fixed(30_000));
        assert_eq!(Interval::parse("1m").unwrap(), Interval::Fixed(60_000));
        assert_eq!(Interval::parse("15m").unwrap(), Interval::Fixed(900_000));
        assert_eq!(Interval::parse("1h").unwrap(), Interval::Fixed(3_600_000));
        assert_eq!(Interval::parse("1d").unwrap(), Interval::Session);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "m",
            "0m",
            "-1m",
            "+5m",
            "1.5m",
            "2d",
            "5x",
            "1 m",
            "99999999999999999999h",
            "5分",
            "5µ",
            "1ｍ",
            "é",
        ] {
            assert!(
                matches!(Interval::parse(bad), Err(Error::Config { .. })),
                "{bad}"
            );
        }
    }

    proptest::proptest! {
        /// Any text is an interval or a `Config` error, never a panic.
        #[test]
        fn any_text_parses_or_is_refused(text in ".{0,12}") {
            match Interval::parse(&text) {
                Ok(_) | Err(Error::Config { .. }) => {}
                Err(e) => panic!("{e:?}"),
            }
        }
    }

    #[test]
    fn a_long_text_is_cut_in_the_message() {
        let long = "7".repeat(1 << 20);
        let message = Interval::parse(&long).unwrap_err().to_string();
        assert!(message.len() < 200, "{}", message.len());
        // Its first 40 characters, then the cut marked; a short text whole, unmarked.
        assert!(
            message.contains(&format!("'{}...'", "7".repeat(40))),
            "{message}"
        );
        let message = Interval::parse("7q").unwrap_err().to_string();
        assert!(
            message.contains("'7q'") && !message.contains("..."),
            "{message}"
        );
    }

    #[test]
    fn displays_canonically() {
        for s in ["30s", "1m", "90m", "1h", "4h", "1d"] {
            let i = Interval::parse(s).unwrap();
            assert_eq!(Interval::parse(&i.to_string()).unwrap(), i);
        }
        assert_eq!(Interval::parse("60m").unwrap().to_string(), "1h");
    }
}
