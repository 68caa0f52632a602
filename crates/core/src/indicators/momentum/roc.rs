//! Rate of change of the close, as TA-Lib's `TA_ROC`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::window::Ring;
use crate::indicators::{check_period, write_nan, Indicator};

/// `((close / close[period bars ago]) - 1) * 100`, and 0 when the old close is 0 (TA-Lib's rule).
///
/// Warm-up: `period` bars. O(1) a bar.
#[derive(Debug, Clone)]
pub struct Roc {
    period: usize,
    /// The last `period` closes; once full, the oldest is the one `period` bars back.
    past: Ring,
    seen: usize,
}

impl Roc {
    /// A ROC over `period` bars.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `1 <= period <= 100000` (TA-Lib's range).
    pub fn new(period: usize) -> Result<Roc> {
        check_period("period", period, 1)?;
        Ok(Roc::with(period))
    }

    pub(crate) fn with(period: usize) -> Roc {
        Roc {
            period,
            past: Ring::new(period),
            seen: 0,
        }
    }

    #[inline]
    fn value(&self, x: f64) -> f64 {
        if self.seen < self.period {
            return f64::NAN;
        }
        let old = self.past.oldest();
        if old != 0.0 {
            ((x / old) - 1.0) * 100.0
        } else {
            0.0
        }
    }
}

impl Indicator for Roc {
    fn output_count(&self) -> usize {
        1
    }

    fn lookback(&self) -> usize {
        self.period
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        if !x.is_finite() {
            return write_nan(out, 1);
        }
        out[0] = self.value(x);
        self.past.push(x);
        if self.seen <= self.period {
            self.seen += 1;
        }
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        out[0] = if x.is_finite() {
            self.value(x)
        } else {
            f64::NAN
        };
    }

    fn reset(&mut self) {
        self.past.clear();
        self.seen = 0;
    }

    fn initialized(&self) -> bool {
        self.seen > self.period
    }
}
