//! Bollinger Bands of the close, as TA-Lib's `TA_BBANDS` with a simple moving average.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::volatility::stddev::root;
use crate::indicators::window::Moments;
use crate::indicators::{check_multiplier, check_period, write_nan, Indicator};

/// Three outputs: `upper = middle + dev_up * sd`, `middle = SMA(period)`,
/// `lower = middle - dev_down * sd`, where `sd` is the population standard deviation of the same
/// window, `sqrt(mean(x^2) - middle^2)`, 0 when that variance is below 1e-14 (TA-Lib's rule).
///
/// Warm-up: `period - 1` bars. O(1) a bar.
#[derive(Debug, Clone)]
pub struct Bbands {
    window: Moments<true>,
    period: usize,
    dev_up: f64,
    dev_down: f64,
}

impl Bbands {
    /// Bands over `period` closes at `dev_up` and `dev_down` standard deviations.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `2 <= period <= 100000` (TA-Lib's range),
    /// or naming `dev_up` / `dev_down` unless it is finite and not negative.
    pub fn new(period: usize, dev_up: f64, dev_down: f64) -> Result<Bbands> {
        check_period("period", period, 2)?;
        let dev_up = check_multiplier("dev_up", dev_up)?;
        let dev_down = check_multiplier("dev_down", dev_down)?;
        Ok(Bbands::with(period, dev_up, dev_down))
    }

    pub(crate) fn with(period: usize, dev_up: f64, dev_down: f64) -> Bbands {
        Bbands {
            window: Moments::new(period),
            period,
            dev_up,
            dev_down,
        }
    }

    #[inline]
    fn values(&self, x: f64, out: &mut [f64]) {
        if !self.window.ready_next() {
            return write_nan(out, 3);
        }
        let (middle, mean_sq) = self.window.means(x);
        let sd = root(mean_sq - middle * middle);
        out[0] = middle + sd * self.dev_up;
        out[1] = middle;
        out[2] = middle - sd * self.dev_down;
    }
}

impl Indicator for Bbands {
    fn output_count(&self) -> usize {
        3
    }

    fn lookback(&self) -> usize {
        self.period - 1
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        if !x.is_finite() {
            return write_nan(out, 3);
        }
        self.values(x, out);
        self.window.push(x);
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        if !x.is_finite() {
            return write_nan(out, 3);
        }
        self.values(x, out);
    }

    fn reset(&mut self) {
        self.window.reset();
    }

    fn initialized(&self) -> bool {
        self.window.full()
    }
}
