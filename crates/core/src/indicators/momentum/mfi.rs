//! Money flow index, as TA-Lib's `TA_MFI`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::{check_period, select, write_nan, Indicator};

/// `100 * positive / (positive + negative)` over the money flows (`tp * volume`, with
/// `tp = (high + low + close) / 3`) of the last `period` bars: a flow is positive when `tp` rose
/// from the previous bar, negative when it fell, and counts on neither side when unchanged.
///
/// TA-Lib's rule, kept here: the value is 0 whenever `positive + negative < 1` (not just 0), so a
/// window of tiny volumes or prices reads 0.
///
/// Warm-up: `period` bars (one typical price to compare against, then `period` flows). O(1) a
/// bar.
#[derive(Debug, Clone)]
pub struct Mfi {
    period: usize,
    /// The flows of the last `period` bars, written round-robin.
    pos_flow: Box<[f64]>,
    neg_flow: Box<[f64]>,
    slot: usize,
    state: State,
}

#[derive(Debug, Clone, Copy)]
struct State {
    prev_tp: f64,
    pos_sum: f64,
    neg_sum: f64,
    seen: usize,
}

const FRESH: State = State {
    prev_tp: 0.0,
    pos_sum: 0.0,
    neg_sum: 0.0,
    seen: 0,
};

struct Next {
    state: State,
    pos: f64,
    neg: f64,
    value: f64,
}

impl Mfi {
    /// An MFI over `period` bars.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `2 <= period <= 100000` (TA-Lib's range).
    pub fn new(period: usize) -> Result<Mfi> {
        check_period("period", period, 2)?;
        Ok(Mfi::with(period))
    }

    pub(crate) fn with(period: usize) -> Mfi {
        Mfi {
            period,
            pos_flow: vec![0.0; period].into_boxed_slice(),
            neg_flow: vec![0.0; period].into_boxed_slice(),
            slot: 0,
            state: FRESH,
        }
    }

    #[inline]
    fn next(&self, bar: &Bar) -> Option<Next> {
        let (h, l, c, v) = (bar.high, bar.low, bar.close, bar.volume);
        if !(h.is_finite() && l.is_finite() && c.is_finite() && v.is_finite()) {
            return None;
        }
        let tp = (h + l + c) / 3.0;
        let mut s = self.state;
        if s.seen == 0 {
            s.prev_tp = tp;
            s.seen = 1;
            return Some(Next {
                state: s,
                pos: 0.0,
                neg: 0.0,
                value: f64::NAN,
            });
        }
        if s.seen > self.period {
            // Full ring: the flow in this slot leaves the window. TA-Lib subtracts both sides.
            s.pos_sum -= self.pos_flow[self.slot];
            s.neg_sum -= self.neg_flow[self.slot];
        }
        let diff = tp - s.prev_tp;
        s.prev_tp = tp;
        let flow = tp * v;
        // TA-Lib adds the flow to one side only; adding -0 to the other leaves it bit for bit
        // and avoids a branch on the direction, which a random walk mispredicts.
        let (up, down) = (diff > 0.0, diff < 0.0);
        let pos = select(up, flow, 0.0);
        let neg = select(down, flow, 0.0);
        s.pos_sum += select(up, flow, -0.0);
        s.neg_sum += select(down, flow, -0.0);
        let mut value = f64::NAN;
        if s.seen >= self.period {
            let total = s.pos_sum + s.neg_sum;
            value = if total < 1.0 {
                0.0
            } else {
                100.0 * (s.pos_sum / total)
            };
        }
        if s.seen <= self.period {
            s.seen += 1;
        }
        Some(Next {
            state: s,
            pos,
            neg,
            value,
        })
    }
}

impl Indicator for Mfi {
    fn output_count(&self) -> usize {
        1
    }

    fn lookback(&self) -> usize {
        self.period
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let Some(n) = self.next(bar) else {
            return write_nan(out, 1);
        };
        if self.state.seen > 0 {
            self.pos_flow[self.slot] = n.pos;
            self.neg_flow[self.slot] = n.neg;
            self.slot += 1;
            if self.slot == self.period {
                self.slot = 0;
            }
        }
        self.state = n.state;
        out[0] = n.value;
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        out[0] = self.next(bar).map_or(f64::NAN, |n| n.value);
    }

    fn reset(&mut self) {
        self.slot = 0;
        self.state = FRESH;
    }

    fn initialized(&self) -> bool {
        self.state.seen > self.period
    }
}
