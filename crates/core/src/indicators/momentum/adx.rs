//! Average directional movement index, as TA-Lib's `TA_ADX`.

use crate::bar::Bar;
use crate::error::Result;
use crate::indicators::volatility::atr::true_range;
use crate::indicators::{check_period, is_zero, select, write_nan, Indicator};

/// Wilder's ADX: the smoothed average of `DX = 100 * |-DI - +DI| / (-DI + +DI)`, where the
/// directional indicators are Wilder-smoothed directional movement over smoothed true range.
///
/// TA-Lib's seeding, kept exactly: the first `period - 1` movements and true ranges are summed;
/// from then on each bar applies `s = s - s / period + x`, and the DX of those first `period`
/// smoothed bars are averaged into the first ADX. After that `adx = (adx * (period - 1) + dx) /
/// period`. A bar whose smoothed true range, or whose `-DI + +DI`, is within 1e-14 of zero has no
/// DX: it adds nothing to the seed, and later leaves the ADX as it was.
///
/// Warm-up: `2 * period - 1` bars (27 for 14). O(1) a bar.
#[derive(Debug, Clone)]
pub struct Adx {
    period: usize,
    period_f: f64,
    period_less_one: f64,
    state: State,
}

#[derive(Debug, Clone, Copy)]
struct State {
    prev_high: f64,
    prev_low: f64,
    prev_close: f64,
    plus_dm: f64,
    minus_dm: f64,
    tr: f64,
    /// The sum of DX while seeding, the ADX afterwards.
    adx: f64,
    seen: usize,
}

const FRESH: State = State {
    prev_high: 0.0,
    prev_low: 0.0,
    prev_close: 0.0,
    plus_dm: 0.0,
    minus_dm: 0.0,
    tr: 0.0,
    adx: 0.0,
    seen: 0,
};

impl Adx {
    /// An ADX over `period` bars.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming `period` unless `2 <= period <= 100000` (TA-Lib's range).
    pub fn new(period: usize) -> Result<Adx> {
        check_period("period", period, 2)?;
        Ok(Adx::with(period))
    }

    pub(crate) fn with(period: usize) -> Adx {
        Adx {
            period,
            period_f: period as f64,
            period_less_one: (period - 1) as f64,
            state: FRESH,
        }
    }

    #[inline]
    fn next(&self, h: f64, l: f64, c: f64) -> (State, f64) {
        let mut s = self.state;
        let n = s.seen;
        if n == 0 {
            s.prev_high = h;
            s.prev_low = l;
            s.prev_close = c;
            s.seen = 1;
            return (s, f64::NAN);
        }
        let diff_plus = h - s.prev_high;
        let diff_minus = s.prev_low - l;
        let tr = true_range(h, l, s.prev_close);
        s.prev_high = h;
        s.prev_low = l;
        s.prev_close = c;
        let p = self.period;
        if n < p {
            add_dm(&mut s, diff_plus, diff_minus);
            s.tr += tr;
            s.seen += 1;
            return (s, f64::NAN);
        }
        s.minus_dm -= s.minus_dm / self.period_f;
        s.plus_dm -= s.plus_dm / self.period_f;
        add_dm(&mut s, diff_plus, diff_minus);
        s.tr = s.tr - (s.tr / self.period_f) + tr;
        let mut dx = None;
        if !is_zero(s.tr) {
            let minus_di = 100.0 * (s.minus_dm / s.tr);
            let plus_di = 100.0 * (s.plus_dm / s.tr);
            let sum = minus_di + plus_di;
            if !is_zero(sum) {
                dx = Some(100.0 * ((minus_di - plus_di).abs() / sum));
            }
        }
        let last_seed = 2 * p - 1;
        if n <= last_seed {
            if let Some(dx) = dx {
                s.adx += dx;
            }
            s.seen += 1;
            if n < last_seed {
                return (s, f64::NAN);
            }
            s.adx /= self.period_f;
        } else if let Some(dx) = dx {
            s.adx = ((s.adx * self.period_less_one) + dx) / self.period_f;
        }
        (s, s.adx)
    }
}

/// Adds the bar's directional movement to the side TA-Lib picks: down when the low fell more
/// than the high rose, up when the high rose more than the low fell, neither on a tie or an
/// inside bar. Adding -0 to a side leaves it bit for bit, so both adds always run and no branch
/// depends on the data.
#[inline]
fn add_dm(s: &mut State, diff_plus: f64, diff_minus: f64) {
    // `&` rather than `&&`: no short-circuit, so no branch.
    let down = (diff_minus > 0.0) & (diff_plus < diff_minus);
    let up = !down & (diff_plus > 0.0) & (diff_plus > diff_minus);
    s.minus_dm += select(down, diff_minus, -0.0);
    s.plus_dm += select(up, diff_plus, -0.0);
}

impl Indicator for Adx {
    fn output_count(&self) -> usize {
        1
    }

    fn lookback(&self) -> usize {
        2 * self.period - 1
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
        self.state.seen > self.lookback()
    }
}
