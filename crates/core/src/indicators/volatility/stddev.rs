//! Population standard deviation of the close, as TA-Lib's `TA_STDDEV`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::window::Moments;
use crate::indicators::{check_multiplier, check_period, write_nan, Indicator};

/// `dev * sqrt(mean(x^2) - mean(x)^2)` over the last `period` closes, from running sums in
/// TA-Lib's order.
///
/// The variance formula cancels, so it can come out slightly negative or tiny for a flat window;
/// TA-Lib writes 0 whenever the variance is below 1e-14 and so does this.
///
/// Warm-up: `period - 1` bars. O(1) a bar.
#[derive(Debug, Clone)]
pub struct Stddev {
    window: Moments<true>,
    period: usize,
    dev: f64,
}

/// The standard deviation from a variance, zeroing what TA-Lib zeroes.
#[inline]
pub(crate) fn root(variance: f64) -> f64 {
    // TA_IS_ZERO_OR_NEG: anything below 1e-14 counts as zero.
    if variance < 1e-14 {
        0.0
    } else {
        variance.sqrt()
    }
}

impl Stddev {
    /// A standard deviation over `period` closes, multiplied by `dev`.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `2 <= period <= 100000` (TA-Lib's range),
    /// or naming `dev` unless it is finite and not negative.
    pub fn new(period: usize, dev: f64) -> Result<Stddev> {
        check_period("period", period, 2)?;
        let dev = check_multiplier("dev", dev)?;
        Ok(Stddev::with(period, dev))
    }

    pub(crate) fn with(period: usize, dev: f64) -> Stddev {
        Stddev {
            window: Moments::new(period),
            period,
            dev,
        }
    }

    #[inline]
    fn value(&self, x: f64) -> f64 {
        if !self.window.ready_next() {
            return f64::NAN;
        }
        let (mean, mean_sq) = self.window.means(x);
        // TA-Lib skips the multiply when dev is 1; x * 1.0 == x, so multiplying always agrees.
        root(mean_sq - mean * mean) * self.dev
    }
}

impl Indicator for Stddev {
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
        out[0] = self.value(x);
        self.window.push(x);
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
        self.window.reset();
    }

    fn initialized(&self) -> bool {
        self.window.full()
    }
}
