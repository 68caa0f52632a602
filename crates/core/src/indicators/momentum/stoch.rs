//! The slow stochastic oscillator, as TA-Lib's `TA_STOCH` with SMA smoothing.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::average::Sma;
use crate::indicators::window::Extreme;
use crate::indicators::{check_period, write_nan, Indicator};

/// Two outputs: `k` (slow %K) and `d` (slow %D).
///
/// Fast %K is `(close - lowest low) / ((highest high - lowest low) / 100)` over the last
/// `k_period` bars, written as TA-Lib writes it, and 0 when the highest high equals the lowest
/// low. Slow %K is its `k_slow`-bar simple average, %D the `d_period`-bar simple average of slow
/// %K.
///
/// Warm-up: `(k_period - 1) + (k_slow - 1) + (d_period - 1)` bars, both outputs together (17 for
/// 14/3/3). O(1) a bar amortised: the window's high and low come from block-wise running
/// extremes (see `window::Extreme`).
#[derive(Debug, Clone)]
pub struct Stoch {
    highs: Extreme<true>,
    lows: Extreme<false>,
    slow_k: Sma,
    slow_d: Sma,
    k_period: usize,
    k_slow: usize,
    d_period: usize,
    /// Bars committed, up to the lookback plus one.
    seen: usize,
}

struct Next {
    fast_k: f64,
    slow_k: f64,
    out: [f64; 2],
}

impl Stoch {
    /// A slow stochastic with the given periods.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `k_period`, `k_slow` or `d_period` unless it is in
    /// `1..=100000` (TA-Lib's range).
    pub fn new(k_period: usize, k_slow: usize, d_period: usize) -> Result<Stoch> {
        check_period("k_period", k_period, 1)?;
        check_period("k_slow", k_slow, 1)?;
        check_period("d_period", d_period, 1)?;
        Ok(Stoch::with(k_period, k_slow, d_period))
    }

    pub(crate) fn with(k_period: usize, k_slow: usize, d_period: usize) -> Stoch {
        Stoch {
            highs: Extreme::new(k_period),
            lows: Extreme::new(k_period),
            slow_k: Sma::with(k_slow),
            slow_d: Sma::with(d_period),
            k_period,
            k_slow,
            d_period,
            seen: 0,
        }
    }

    /// Bars before the first fast %K, and before the first slow %K.
    #[inline]
    fn stages(&self) -> (usize, usize) {
        let fast = self.k_period - 1;
        (fast, fast + (self.k_slow - 1))
    }

    #[inline]
    fn fast_k(high: f64, low: f64, close: f64) -> f64 {
        let diff = (high - low) / 100.0;
        if diff != 0.0 {
            (close - low) / diff
        } else {
            0.0
        }
    }

    #[inline]
    fn smooth(&self, fast_k: f64) -> Next {
        let (fast_stage, slow_stage) = self.stages();
        let mut n = Next {
            fast_k,
            slow_k: f64::NAN,
            out: [f64::NAN; 2],
        };
        if self.seen >= fast_stage {
            n.slow_k = self.slow_k.value(fast_k);
            if self.seen >= slow_stage {
                let d = self.slow_d.value(n.slow_k);
                if self.seen >= self.lookback() {
                    n.out = [n.slow_k, d];
                }
            }
        }
        n
    }

    #[inline]
    fn commit(&mut self, n: &Next) {
        let (fast_stage, slow_stage) = self.stages();
        if self.seen >= fast_stage {
            self.slow_k.push(n.fast_k);
            if self.seen >= slow_stage {
                self.slow_d.push(n.slow_k);
            }
        }
        if self.seen <= self.lookback() {
            self.seen += 1;
        }
    }
}

impl Indicator for Stoch {
    fn output_count(&self) -> usize {
        2
    }

    fn lookback(&self) -> usize {
        (self.k_period - 1) + (self.k_slow - 1) + (self.d_period - 1)
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let (h, l, c) = (bar.high, bar.low, bar.close);
        if !(h.is_finite() && l.is_finite() && c.is_finite()) {
            return write_nan(out, 2);
        }
        let highest = self.highs.push(h);
        let lowest = self.lows.push(l);
        let fast_k = Self::fast_k(highest, lowest, c);
        if self.seen > self.lookback() {
            // Past warm-up: the same steps as `smooth` and `commit`, without their stage tests.
            let k = self.slow_k.value(fast_k);
            self.slow_k.push(fast_k);
            let d = self.slow_d.value(k);
            self.slow_d.push(k);
            out[0] = k;
            out[1] = d;
            return;
        }
        let n = self.smooth(fast_k);
        self.commit(&n);
        out[..2].copy_from_slice(&n.out);
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        let (h, l, c) = (bar.high, bar.low, bar.close);
        if !(h.is_finite() && l.is_finite() && c.is_finite()) {
            return write_nan(out, 2);
        }
        let highest = self.highs.peek(h);
        let lowest = self.lows.peek(l);
        out[..2].copy_from_slice(&self.smooth(Self::fast_k(highest, lowest, c)).out);
    }

    fn reset(&mut self) {
        self.highs.clear();
        self.lows.clear();
        self.slow_k.clear();
        self.slow_d.clear();
        self.seen = 0;
    }

    fn initialized(&self) -> bool {
        self.seen > self.lookback()
    }
}
