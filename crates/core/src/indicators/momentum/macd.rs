//! Moving average convergence/divergence of the close, as TA-Lib's `TA_MACD`.

use crate::bar::Bar;
use crate::error::{Error, Result};
use crate::indicators::average::Ema;
use crate::indicators::{check_period, write_nan, Indicator};

/// Three outputs: `macd = ema_fast - ema_slow`, `signal = ema_signal(macd)`,
/// `histogram = macd - signal`.
///
/// TA-Lib starts the fast EMA late: it is seeded by the average of the `fast` closes that end
/// where the slow EMA's first value is, so both produce their first value on the same bar
/// (`slow - 1`). The signal EMA is then seeded by the average of the first `signal` MACD values.
///
/// Warm-up: `(slow - 1) + (signal - 1)` bars, all three outputs together (33 for 12/26/9).
/// O(1) a bar.
#[derive(Debug, Clone)]
pub struct Macd {
    fast: Ema,
    slow: Ema,
    signal: Ema,
    fast_period: usize,
    slow_period: usize,
    signal_period: usize,
    seen: usize,
}

struct Next {
    fast: f64,
    slow: f64,
    signal: f64,
    out: [f64; 3],
}

impl Macd {
    /// A MACD with the given EMA periods.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming the parameter: each period must be in `2..=100000`, and
    /// `fast < slow` (TA-Lib would swap them). TA-Lib's range for `signal` starts at 1, but
    /// its output for 1 is misaligned garbage (`TA_EMA_Lookback(1)` is -1, which shifts the
    /// start and leaves the first slot unwritten), so there is nothing to agree with.
    pub fn new(fast: usize, slow: usize, signal: usize) -> Result<Macd> {
        check_period("fast", fast, 2)?;
        check_period("slow", slow, 2)?;
        check_period("signal", signal, 2)?;
        if fast >= slow {
            return Err(Error::config(
                "fast",
                format!("must be less than slow ({slow}), got {fast}"),
            ));
        }
        Ok(Macd::with(fast, slow, signal))
    }

    pub(crate) fn with(fast: usize, slow: usize, signal: usize) -> Macd {
        Macd {
            fast: Ema::with(fast),
            slow: Ema::with(slow),
            signal: Ema::with(signal),
            fast_period: fast,
            slow_period: slow,
            signal_period: signal,
            seen: 0,
        }
    }

    #[inline]
    fn next(&self, x: f64) -> Next {
        let mut n = Next {
            fast: f64::NAN,
            slow: f64::NAN,
            signal: f64::NAN,
            out: [f64::NAN; 3],
        };
        let (slow_acc, slow) = self.slow.next(x);
        n.slow = slow_acc;
        if self.seen >= self.slow_period - self.fast_period {
            let (fast_acc, fast) = self.fast.next(x);
            n.fast = fast_acc;
            if self.seen + 1 >= self.slow_period {
                let macd = fast - slow;
                let (signal_acc, signal) = self.signal.next(macd);
                n.signal = signal_acc;
                if self.seen >= self.lookback() {
                    n.out = [macd, signal, macd - signal];
                }
            }
        }
        n
    }
}

impl Indicator for Macd {
    fn output_count(&self) -> usize {
        3
    }

    fn lookback(&self) -> usize {
        (self.slow_period - 1) + (self.signal_period - 1)
    }

    #[inline(always)]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        if !x.is_finite() {
            return write_nan(out, 3);
        }
        let n = self.next(x);
        self.slow.commit(n.slow);
        if self.seen >= self.slow_period - self.fast_period {
            self.fast.commit(n.fast);
            if self.seen + 1 >= self.slow_period {
                self.signal.commit(n.signal);
            }
        }
        if self.seen <= self.lookback() {
            self.seen += 1;
        }
        out[..3].copy_from_slice(&n.out);
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        let x = bar.close;
        if !x.is_finite() {
            return write_nan(out, 3);
        }
        out[..3].copy_from_slice(&self.next(x).out);
    }

    fn reset(&mut self) {
        self.fast.clear();
        self.slow.clear();
        self.signal.clear();
        self.seen = 0;
    }

    fn initialized(&self) -> bool {
        self.seen > self.lookback()
    }
}
