//! Relative strength index of the close, as TA-Lib's `TA_RSI`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::{check_period, is_zero, select, write_nan, Indicator};

/// Wilder's RSI: `100 * gain / (gain + loss)`, where gain and loss are Wilder-smoothed averages
/// of the close-to-close rises and falls.
///
/// Warm-up: `period` bars (one close to diff against, then `period` differences whose plain
/// averages seed the smoothing). When `gain + loss` is within 1e-14 of zero (a flat window) the
/// value is 0, as in TA-Lib. O(1) a bar.
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    period_f: f64,
    period_less_one: f64,
    state: State,
}

#[derive(Debug, Clone, Copy)]
struct State {
    prev: f64,
    /// Sums of rises and falls during warm-up, their smoothed averages afterwards.
    gain: f64,
    loss: f64,
    seen: usize,
}

const FRESH: State = State {
    prev: 0.0,
    gain: 0.0,
    loss: 0.0,
    seen: 0,
};

impl Rsi {
    /// An RSI over `period` differences.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `2 <= period <= 100000` (TA-Lib's range).
    pub fn new(period: usize) -> Result<Rsi> {
        check_period("period", period, 2)?;
        Ok(Rsi::with(period))
    }

    pub(crate) fn with(period: usize) -> Rsi {
        Rsi {
            period,
            period_f: period as f64,
            period_less_one: (period - 1) as f64,
            state: FRESH,
        }
    }

    #[inline]
    fn next(&self, x: f64) -> (State, f64) {
        let s = self.state;
        if s.seen == 0 {
            return (
                State {
                    prev: x,
                    seen: 1,
                    ..s
                },
                f64::NAN,
            );
        }
        let diff = x - s.prev;
        let (mut gain, mut loss) = (s.gain, s.loss);
        if s.seen > self.period {
            loss *= self.period_less_one;
            gain *= self.period_less_one;
        }
        // TA-Lib adds a rise to the gains or subtracts a fall from the losses. Adding -0 (or
        // subtracting +0) to the other side leaves every value's bits as they were, and spares a
        // branch that a random walk mispredicts half the time.
        let fall = diff < 0.0;
        loss -= select(fall, diff, 0.0);
        gain += select(fall, -0.0, diff);
        let mut value = f64::NAN;
        if s.seen >= self.period {
            loss /= self.period_f;
            gain /= self.period_f;
            let total = gain + loss;
            value = if is_zero(total) {
                0.0
            } else {
                100.0 * (gain / total)
            };
        }
        let seen = if s.seen > self.period {
            s.seen
        } else {
            s.seen + 1
        };
        (
            State {
                prev: x,
                gain,
                loss,
                seen,
            },
            value,
        )
    }
}

impl Indicator for Rsi {
    fn output_count(&self) -> usize {
        1
    }

    fn lookback(&self) -> usize {
        self.period
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        if !x.is_finite() {
            return write_nan(out, 1);
        }
        let (state, value) = self.next(x);
        self.state = state;
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
        self.state = FRESH;
    }

    fn initialized(&self) -> bool {
        self.state.seen > self.period
    }
}
