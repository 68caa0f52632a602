//! Average true range, as TA-Lib's `TA_ATR`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::{check_period, write_nan, Indicator};

/// The true range: the largest of `high - low`, `|prev_close - high|` and `|prev_close - low|`,
/// compared in that order as TA-Lib's `TA_TRANGE` does.
#[inline]
pub(crate) fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    let mut greatest = high - low;
    let up = (prev_close - high).abs();
    if up > greatest {
        greatest = up;
    }
    let down = (prev_close - low).abs();
    if down > greatest {
        greatest = down;
    }
    greatest
}

/// Wilder's average true range: seeded by the simple average of the first `period` true ranges
/// (the first needs a previous close, so it is on the second bar), then
/// `atr = (atr * (period - 1) + tr) / period`.
///
/// Warm-up: `period` bars. With `period` 1 it is the true range itself, as in TA-Lib. O(1) a bar.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    period_f: f64,
    period_less_one: f64,
    state: State,
}

#[derive(Debug, Clone, Copy)]
struct State {
    prev_close: f64,
    /// The sum of the true ranges while seeding, the ATR afterwards.
    acc: f64,
    seen: usize,
}

const FRESH: State = State {
    prev_close: 0.0,
    acc: 0.0,
    seen: 0,
};

impl Atr {
    /// An ATR over `period` bars.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `1 <= period <= 100000` (TA-Lib's range).
    pub fn new(period: usize) -> Result<Atr> {
        check_period("period", period, 1)?;
        Ok(Atr::with(period))
    }

    pub(crate) fn with(period: usize) -> Atr {
        Atr {
            period,
            period_f: period as f64,
            period_less_one: (period - 1) as f64,
            state: FRESH,
        }
    }

    #[inline]
    fn next(&self, h: f64, l: f64, c: f64) -> (State, f64) {
        let s = self.state;
        let mut next = State {
            prev_close: c,
            acc: s.acc,
            seen: s.seen + 1,
        };
        if s.seen == 0 {
            return (next, f64::NAN);
        }
        let tr = true_range(h, l, s.prev_close);
        if s.seen < self.period {
            next.acc += tr;
            (next, f64::NAN)
        } else {
            next.acc = if s.seen == self.period {
                (s.acc + tr) / self.period_f
            } else if self.period == 1 {
                // TA-Lib's ATR(1) is the true range: no smoothing, so an infinite one (an
                // overflowing bar) is not carried on as `inf * 0`, NaN for good.
                next.seen = s.seen;
                tr
            } else {
                next.seen = s.seen;
                ((s.acc * self.period_less_one) + tr) / self.period_f
            };
            (next, next.acc)
        }
    }
}

impl Indicator for Atr {
    fn output_count(&self) -> usize {
        1
    }

    fn lookback(&self) -> usize {
        self.period
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let (h, l, c) = (bar.high, bar.low, bar.close);
        if !(h.is_finite() && l.is_finite() && c.is_finite()) {
            return write_nan(out, 1);
        }
        let (state, value) = self.next(h, l, c);
        self.state = state;
        out[0] = value;
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        let (h, l, c) = (bar.high, bar.low, bar.close);
        out[0] = if h.is_finite() && l.is_finite() && c.is_finite() {
            self.next(h, l, c).1
        } else {
            f64::NAN
        };
    }

    fn reset(&mut self) {
        self.state = FRESH;
    }

    fn initialized(&self) -> bool {
        self.state.seen > self.period
    }
}
