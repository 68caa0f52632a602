//! Commodity channel index, as TA-Lib's `TA_CCI`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::{check_period, write_nan, Indicator};

/// `(tp - mean(tp)) / (0.015 * mean(|tp - mean(tp)|))` over the last `period` typical prices
/// `tp = (high + low + close) / 3`; 0 when the numerator or the mean deviation is 0.
///
/// Warm-up: `period - 1` bars.
///
/// Cost: O(`period`) a bar. The mean deviation is taken around the current window's mean, so
/// every term changes with each bar and no running sum can hold it. The mean is summed afresh
/// too, over the ring in its storage order exactly as TA-Lib's circular buffer is, because
/// `tp - mean` cancels and any other rounding of the mean can move the result by more than 1e-9
/// relative when `tp` is close to the mean.
#[derive(Debug, Clone)]
pub struct Cci {
    period: usize,
    period_f: f64,
    /// The last `period` typical prices, written round-robin from slot 0 like TA-Lib's buffer.
    buf: Box<[f64]>,
    pos: usize,
    seen: usize,
}

impl Cci {
    /// A CCI over `period` bars.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `2 <= period <= 100000` (TA-Lib's range).
    pub fn new(period: usize) -> Result<Cci> {
        check_period("period", period, 2)?;
        Ok(Cci::with(period))
    }

    pub(crate) fn with(period: usize) -> Cci {
        Cci {
            period,
            period_f: period as f64,
            buf: vec![0.0; period].into_boxed_slice(),
            pos: 0,
            seen: 0,
        }
    }

    #[inline]
    fn typical(bar: &Bar) -> Option<f64> {
        let (h, l, c) = (bar.high, bar.low, bar.close);
        if h.is_finite() && l.is_finite() && c.is_finite() {
            Some((h + l + c) / 3.0)
        } else {
            None
        }
    }

    /// The CCI of the window in `buf` whose newest value `tp` sits at `pos`. `buf[pos]` itself
    /// is not read, so [`Indicator::peek`] can pass the ring before `tp` is written.
    #[inline]
    fn value(&self, buf: &[f64], pos: usize, tp: f64) -> f64 {
        let (before, rest) = buf.split_at(pos);
        let after = &rest[1..];
        let mut sum = 0.0;
        for &v in before {
            sum += v;
        }
        sum += tp;
        for &v in after {
            sum += v;
        }
        let mean = sum / self.period_f;
        let mut dev = 0.0;
        for &v in before {
            dev += (v - mean).abs();
        }
        dev += (tp - mean).abs();
        for &v in after {
            dev += (v - mean).abs();
        }
        let num = tp - mean;
        if num != 0.0 && dev != 0.0 {
            num / (0.015 * (dev / self.period_f))
        } else {
            0.0
        }
    }
}

impl Indicator for Cci {
    fn output_count(&self) -> usize {
        1
    }

    fn lookback(&self) -> usize {
        self.period - 1
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let Some(tp) = Self::typical(bar) else {
            return write_nan(out, 1);
        };
        out[0] = if self.seen + 1 >= self.period {
            self.value(&self.buf, self.pos, tp)
        } else {
            f64::NAN
        };
        self.buf[self.pos] = tp;
        self.pos += 1;
        if self.pos == self.period {
            self.pos = 0;
        }
        if self.seen < self.period {
            self.seen += 1;
        }
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        out[0] = match Self::typical(bar) {
            Some(tp) if self.seen + 1 >= self.period => self.value(&self.buf, self.pos, tp),
            _ => f64::NAN,
        };
    }

    fn reset(&mut self) {
        self.pos = 0;
        self.seen = 0;
    }

    fn initialized(&self) -> bool {
        self.seen >= self.period
    }
}
