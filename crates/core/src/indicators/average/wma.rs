//! Linearly weighted moving average of the close, as TA-Lib's `TA_WMA`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::window::Ring;
use crate::indicators::{check_period, write_nan, Indicator};

/// `sum(w_i * close_i) / (period * (period + 1) / 2)` with weights `1..=period`, newest heaviest.
///
/// Warm-up: `period - 1` bars. O(1) a bar: TA-Lib keeps the weighted sum and the plain sum of the
/// window, and after each value lowers every weight by one by subtracting the plain sum; this
/// does the same, in the same order, so the rounding matches.
#[derive(Debug, Clone)]
pub struct Wma {
    period: usize,
    period_f: f64,
    divider: f64,
    /// The previous `period - 1` closes.
    past: Ring,
    weighted: f64,
    plain: f64,
    /// The close that left the window at the last value, still counted in `plain`.
    trailing: f64,
    seen: usize,
}

#[derive(Clone, Copy)]
struct Next {
    weighted: f64,
    plain: f64,
    value: f64,
}

impl Wma {
    /// A WMA over `period` closes.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `2 <= period <= 100000` (TA-Lib's range).
    pub fn new(period: usize) -> Result<Wma> {
        check_period("period", period, 2)?;
        Ok(Wma::with(period))
    }

    pub(crate) fn with(period: usize) -> Wma {
        Wma {
            period,
            period_f: period as f64,
            divider: ((period * (period + 1)) >> 1) as f64,
            past: Ring::new(period - 1),
            weighted: 0.0,
            plain: 0.0,
            trailing: 0.0,
            seen: 0,
        }
    }

    #[inline]
    fn next(&self, x: f64) -> Next {
        if self.seen + 1 < self.period {
            // Warm-up: the i-th close (from 1) gets weight i.
            Next {
                weighted: self.weighted + x * ((self.seen + 1) as f64),
                plain: self.plain + x,
                value: f64::NAN,
            }
        } else {
            let plain = (self.plain + x) - self.trailing;
            let weighted = self.weighted + x * self.period_f;
            Next {
                weighted,
                plain,
                value: weighted / self.divider,
            }
        }
    }
}

impl Indicator for Wma {
    fn output_count(&self) -> usize {
        1
    }

    fn lookback(&self) -> usize {
        self.period - 1
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        if !x.is_finite() {
            return write_nan(out, 1);
        }
        let n = self.next(x);
        if self.seen + 1 < self.period {
            self.weighted = n.weighted;
        } else {
            self.trailing = self.past.oldest();
            self.weighted = n.weighted - n.plain;
        }
        self.plain = n.plain;
        self.past.push(x);
        if self.seen < self.period {
            self.seen += 1;
        }
        out[0] = n.value;
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        out[0] = if x.is_finite() {
            self.next(x).value
        } else {
            f64::NAN
        };
    }

    fn reset(&mut self) {
        self.past.clear();
        self.weighted = 0.0;
        self.plain = 0.0;
        self.trailing = 0.0;
        self.seen = 0;
    }

    fn initialized(&self) -> bool {
        self.seen >= self.period
    }
}
