//! Exponential moving average of the close, as TA-Lib's `TA_EMA`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::{check_period, write_nan, Indicator};

/// `ema = (close - ema) * k + ema` with `k = 2 / (period + 1)`, seeded by the simple average of
/// the first `period` closes (TA-Lib's default compatibility, unstable period 0).
///
/// Warm-up: `period - 1` bars; the first value is that seed. O(1) a bar.
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    period_f: f64,
    k: f64,
    /// The sum of the closes during warm-up, the average afterwards.
    acc: f64,
    seen: usize,
}

impl Ema {
    /// An EMA over `period` closes.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `2 <= period <= 100000` (TA-Lib's range).
    pub fn new(period: usize) -> Result<Ema> {
        check_period("period", period, 2)?;
        Ok(Ema::with(period))
    }

    /// `period >= 1` (a period of 1 is the input itself).
    pub(crate) fn with(period: usize) -> Ema {
        Ema {
            period,
            period_f: period as f64,
            // TA-Lib's PER_TO_K: the integer `period + 1` converted, then divided.
            k: 2.0 / ((period + 1) as f64),
            acc: 0.0,
            seen: 0,
        }
    }

    /// The accumulator after `x` and the average it yields (NaN during warm-up). Commits nothing.
    #[inline]
    pub(crate) fn next(&self, x: f64) -> (f64, f64) {
        if self.seen >= self.period {
            let ema = ((x - self.acc) * self.k) + self.acc;
            (ema, ema)
        } else if self.seen + 1 == self.period {
            let seed = (self.acc + x) / self.period_f;
            (seed, seed)
        } else {
            (self.acc + x, f64::NAN)
        }
    }

    /// Commits the accumulator [`Ema::next`] returned.
    #[inline]
    pub(crate) fn commit(&mut self, acc: f64) {
        self.acc = acc;
        if self.seen < self.period {
            self.seen += 1;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.acc = 0.0;
        self.seen = 0;
    }

    pub(crate) fn full(&self) -> bool {
        self.seen >= self.period
    }
}

impl Indicator for Ema {
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
        let (acc, value) = self.next(x);
        self.commit(acc);
        out[0] = value;
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        out[0] = if x.is_finite() {
            self.next(x).1
        } else {
            f64::NAN
        };
    }

    fn reset(&mut self) {
        self.clear();
    }

    fn initialized(&self) -> bool {
        self.full()
    }
}
