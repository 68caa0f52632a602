//! Session volume-weighted average price. Not in TA-Lib.

use crate::bar::Bar;
use crate::indicators::{write_nan, Indicator};

/// `sum(tp * volume) / sum(volume)` over the bars since the session opened, with the typical
/// price `tp = (high + low + close) / 3`. [`Indicator::session_start`] restarts the sums; a new
/// instance (or [`Indicator::reset`]) starts as if a session had just opened.
///
/// While the session's volume sums to zero (only zero-volume bars so far, such as flat empty
/// buckets) the weights say nothing, and the value is the plain mean of the session's typical
/// prices instead: finite, and what equal tiny volumes would give.
///
/// No warm-up (lookback 0). O(1) a bar.
#[derive(Debug, Clone, Default)]
pub struct Vwap {
    sums: Sums,
    /// Whether any bar was committed, so that outputs are values.
    started: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    price_volume: f64,
    volume: f64,
    price: f64,
    bars: f64,
}

impl Vwap {
    /// A VWAP at the start of a session.
    pub fn new() -> Vwap {
        Vwap::default()
    }

    #[inline]
    fn next(&self, bar: &Bar) -> Option<(Sums, f64)> {
        let (h, l, c, v) = (bar.high, bar.low, bar.close, bar.volume);
        if !(h.is_finite() && l.is_finite() && c.is_finite() && v.is_finite()) {
            return None;
        }
        let tp = (h + l + c) / 3.0;
        let s = Sums {
            price_volume: self.sums.price_volume + tp * v,
            volume: self.sums.volume + v,
            price: self.sums.price + tp,
            bars: self.sums.bars + 1.0,
        };
        let value = if s.volume != 0.0 {
            s.price_volume / s.volume
        } else {
            s.price / s.bars
        };
        Some((s, value))
    }
}

impl Indicator for Vwap {
    fn output_count(&self) -> usize {
        1
    }

    fn lookback(&self) -> usize {
        0
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let Some((sums, value)) = self.next(bar) else {
            return write_nan(out, 1);
        };
        self.sums = sums;
        self.started = true;
        out[0] = value;
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        out[0] = self.next(bar).map_or(f64::NAN, |(_, value)| value);
    }

    fn reset(&mut self) {
        *self = Vwap::default();
    }

    fn initialized(&self) -> bool {
        self.started
    }

    fn session_start(&mut self) {
        self.sums = Sums::default();
    }
}
