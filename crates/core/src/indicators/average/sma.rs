//! Simple moving average of the close, as TA-Lib's `TA_SMA`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::window::Moments;
use crate::indicators::{check_period, write_nan, Indicator};

/// The mean of the last `period` closes.
///
/// Warm-up: `period - 1` bars (TA-Lib's `TA_SMA_Lookback`). O(1) a bar: a running sum updated in
/// TA-Lib's order (add the new close, divide, subtract the close leaving the window), so the
/// rounding matches TA-Lib's.
#[derive(Debug, Clone)]
pub struct Sma {
    window: Moments<false>,
    period: usize,
}

impl Sma {
    /// An SMA over `period` closes.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `2 <= period <= 100000` (TA-Lib's range).
    pub fn new(period: usize) -> Result<Sma> {
        check_period("period", period, 2)?;
        Ok(Sma::with(period))
    }

    /// Any `period >= 1`; the stochastic smooths with periods of 1, which TA-Lib's `TA_MA` allows.
    pub(crate) fn with(period: usize) -> Sma {
        Sma {
            window: Moments::new(period),
            period,
        }
    }

    /// The average of the window ending at `x`, or NaN while fewer than `period` values were
    /// seen. Commits nothing.
    #[inline]
    pub(crate) fn value(&self, x: f64) -> f64 {
        // The stochastic's smoothing of one bar: `x` itself, as TA-Lib's `TA_MA` copies its input
        // for a period of 1, rather than a running sum that an infinite value leaves NaN for good.
        if self.period == 1 {
            return x;
        }
        if self.window.ready_next() {
            self.window.mean(x)
        } else {
            f64::NAN
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, x: f64) {
        self.window.push(x);
    }

    pub(crate) fn clear(&mut self) {
        self.window.reset();
    }
}

impl Indicator for Sma {
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
        self.push(x);
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
        self.clear();
    }

    fn initialized(&self) -> bool {
        self.window.full()
    }
}
