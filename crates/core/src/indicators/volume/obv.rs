//! On-balance volume, as TA-Lib's `TA_OBV`.

use crate::bar::Bar;
use crate::indicators::{select, write_nan, Indicator};

/// A running total of volume: added when the close rises, subtracted when it falls, unchanged
/// when it is equal. TA-Lib starts the total at the first bar's volume, not at 0, and so does
/// this; the value therefore depends on where the series starts.
///
/// No warm-up (lookback 0). O(1) a bar.
#[derive(Debug, Clone, Default)]
pub struct Obv {
    state: Option<State>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    prev_close: f64,
    obv: f64,
}

impl Obv {
    /// An OBV with no bars yet.
    pub fn new() -> Obv {
        Obv::default()
    }

    #[inline]
    fn next(&self, bar: &Bar) -> Option<State> {
        let (c, v) = (bar.close, bar.volume);
        if !(c.is_finite() && v.is_finite()) {
            return None;
        }
        let obv = match self.state {
            None => v,
            Some(s) => {
                // `a - v` is `a + -v` exactly, and `a + -0` is `a` bit for bit: one add with a
                // chosen operand replaces a branch a random walk mispredicts half the time.
                let step = select(c > s.prev_close, v, select(c < s.prev_close, -v, -0.0));
                s.obv + step
            }
        };
        Some(State { prev_close: c, obv })
    }
}

impl Indicator for Obv {
    fn output_count(&self) -> usize {
        1
    }

    fn lookback(&self) -> usize {
        0
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let Some(s) = self.next(bar) else {
            return write_nan(out, 1);
        };
        self.state = Some(s);
        out[0] = s.obv;
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        out[0] = self.next(bar).map_or(f64::NAN, |s| s.obv);
    }

    fn reset(&mut self) {
        self.state = None;
    }

    fn initialized(&self) -> bool {
        self.state.is_some()
    }
}
