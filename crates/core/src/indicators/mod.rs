//! Streaming technical indicators whose values equal TA-Lib's: the [`Indicator`] trait every one
//! implements, [`IndicatorSpec`] (what the store and the binding build them from), and [`batch`],
//! which runs one over columns.
//!
//! # Agreement with TA-Lib
//!
//! Every indicator but VWAP reproduces the arithmetic of TA-Lib's C function of the same name
//! (default compatibility, unstable period 0): the same seeding, the same running sums updated in
//! the same order, the same zero-division rules. Fed the same series from the same first bar, the
//! outputs equal TA-Lib's from TA-Lib's lookback on (the requirement is 1e-9 relative; on
//! 10,000-bar random walks they agree bit for bit), and [`Indicator::lookback`] equals
//! `TA_XXX_Lookback` for the same parameters. Each type's documentation gives its warm-up and its
//! special cases.
//!
//! Keeping TA-Lib's arithmetic has a price in speed: its divisions (`x / period` rather than
//! `x * (1 / period)`) cannot be turned into multiplications without changing the last bit, and
//! Wilder smoothing (RSI, ATR, ADX) puts one on the bar-to-bar dependency chain, so those run at
//! roughly the latency of a division a bar.
//!
//! # Updates
//!
//! [`Indicator::update`] commits a closed bar and [`Indicator::peek`] shows what it would write
//! for a forming bar without committing it. Both are O(1) a bar except CCI, whose mean deviation
//! is O(period). Nothing allocates after construction: windows are fixed rings.
//!
//! **Non-finite input.** A bar with a NaN or infinite value in any field the indicator reads
//! (see [`IndicatorKind::inputs`]) is ignored: the call writes NaN to every output and leaves the
//! state as it was, so the next good bar continues as if the bad one had never come. Fields the
//! indicator does not read are not looked at.
//!
//! # Names
//!
//! [`IndicatorSpec::id`] is the kind's name followed by its parameters:
//!
//! - one-period kinds always show the period: `sma20`, `ema50`, `wma10`, `rsi14`, `atr14`,
//!   `adx14`, `cci20`, `roc10`, `mfi14`;
//! - multipliers are shown only when not at their default, after `_`: `stddev20` (dev 1) but
//!   `stddev20_2`; `bbands20` (2 and 2) but `bbands20_2.5_2.5` (both are shown when either
//!   differs);
//! - MACD and the stochastic show nothing at their conventional defaults (`macd` is 12/26/9,
//!   `stoch` is 14/3/3) and all three periods otherwise: `macd5_35_5`, `stoch5_3_3`;
//! - `obv` and `vwap` have no parameters.
//!
//! Numbers print as JavaScript's `String(x)` writes them (`2`, `2.5`, `0.1`, `1e-7`). Outputs of a
//! multi-output kind are named `id.output` ([`IndicatorSpec::output_names`]): `macd.macd`,
//! `macd.signal`, `macd.histogram`; `bbands20.upper`, `bbands20.middle`, `bbands20.lower`;
//! `stoch.k`, `stoch.d`. A single output is named by the id alone.
//!
//! # Defaults
//!
//! Parameters left out take these defaults: SMA, EMA and WMA 30 (TA-Lib's own); RSI 14; MACD
//! 12/26/9; Bollinger Bands 20 at 2 and 2 standard deviations; ATR 14; STDDEV 20 at 1; stochastic
//! 14/3/3; ADX 14; CCI 20; ROC 10; MFI 14. Periods range over TA-Lib's limits, up to 100000.

pub mod average;
pub mod momentum;
pub mod volatility;
pub mod volume;

mod parallel;
mod window;

use crate::bar::Bar;
use crate::error::{Error, Num, Result};
use std::fmt;
use std::str::FromStr;

pub use average::{Ema, Sma, Wma};
pub use momentum::{Adx, Cci, Macd, Mfi, Roc, Rsi, Stoch};
pub use parallel::batch_all;
pub use volatility::{Atr, Bbands, Stddev};
pub use volume::{Obv, Vwap};

/// The largest period any indicator accepts (TA-Lib's limit).
pub const MAX_PERIOD: usize = 100_000;

/// A streaming indicator over closed bars.
///
/// Outputs are written into a caller's slice so that updating never allocates. Every method
/// that writes outputs panics if `out` is shorter than [`Indicator::output_count`].
pub trait Indicator: Send {
    /// Number of outputs: 1 for most; 3 for MACD (macd, signal, histogram) and Bollinger Bands
    /// (upper, middle, lower); 2 for the stochastic (k, d).
    fn output_count(&self) -> usize;

    /// TA-Lib's lookback: how many bars are consumed before the first value. The update on the
    /// bar at index `lookback()` (counting from 0) is the first to write values.
    fn lookback(&self) -> usize;

    /// Commits a closed bar and writes each output into `out[..output_count()]`: NaN during
    /// warm-up, values afterwards. A bar with a non-finite field the indicator reads is ignored
    /// (NaN written, state unchanged).
    fn update(&mut self, bar: &Bar, out: &mut [f64]);

    /// Writes what [`Indicator::update`] would write for `bar` (the forming bar), committing
    /// nothing: bit for bit the same values, and the state is untouched.
    fn peek(&self, bar: &Bar, out: &mut [f64]);

    /// Returns to the state of a new instance, keeping the parameters and the allocations.
    fn reset(&mut self);

    /// Whether the outputs are values: false on a new instance, true from the update on the bar
    /// at index [`Indicator::lookback`] on.
    fn initialized(&self) -> bool;

    /// Called at each session open. VWAP restarts its sums; the others ignore it and continue
    /// across sessions.
    fn session_start(&mut self) {}
}

#[inline]
pub(crate) fn write_nan(out: &mut [f64], count: usize) {
    out[..count].fill(f64::NAN);
}

/// `if cond { a } else { b }` as bit masks. Written as an `if`, the compiler keeps a branch on
/// comparisons such as "did the close rise", which a random walk mispredicts about half the
/// time; the indicators use this where the choice only picks an operand.
#[inline(always)]
pub(crate) fn select(cond: bool, a: f64, b: f64) -> f64 {
    let mask = u64::from(cond).wrapping_neg();
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// TA-Lib's `TA_IS_ZERO`: within 1e-14 of zero.
#[inline]
pub(crate) fn is_zero(v: f64) -> bool {
    -1e-14 < v && v < 1e-14
}

pub(crate) fn check_period(param: &str, value: usize, min: usize) -> Result<()> {
    if value < min || value > MAX_PERIOD {
        return Err(Error::config(
            param,
            format!("must be a whole number from {min} to {MAX_PERIOD}, got {value}"),
        ));
    }
    Ok(())
}

/// A standard-deviation multiplier: finite and not negative. Returns it with `-0` made `0`, so
/// that names never show `-0`.
pub(crate) fn check_multiplier(param: &str, value: f64) -> Result<f64> {
    if !value.is_finite() || value < 0.0 {
        return Err(Error::config(
            param,
            format!("must be a finite number >= 0, got {}", Num(value)),
        ));
    }
    Ok(value + 0.0)
}

/// The indicators there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndicatorKind {
    /// Simple moving average ([`Sma`]).
    Sma,
    /// Exponential moving average ([`Ema`]).
    Ema,
    /// Linearly weighted moving average ([`Wma`]).
    Wma,
    /// Relative strength index ([`Rsi`]).
    Rsi,
    /// Moving average convergence/divergence ([`Macd`]).
    Macd,
    /// Bollinger Bands ([`Bbands`]).
    Bbands,
    /// Average true range ([`Atr`]).
    Atr,
    /// Standard deviation ([`Stddev`]).
    Stddev,
    /// Slow stochastic ([`Stoch`]).
    Stoch,
    /// Average directional movement index ([`Adx`]).
    Adx,
    /// On-balance volume ([`Obv`]).
    Obv,
    /// Commodity channel index ([`Cci`]).
    Cci,
    /// Rate of change ([`Roc`]).
    Roc,
    /// Money flow index ([`Mfi`]).
    Mfi,
    /// Session volume-weighted average price ([`Vwap`]).
    Vwap,
}

impl IndicatorKind {
    /// Every kind.
    pub const ALL: [IndicatorKind; 15] = [
        IndicatorKind::Sma,
        IndicatorKind::Ema,
        IndicatorKind::Wma,
        IndicatorKind::Rsi,
        IndicatorKind::Macd,
        IndicatorKind::Bbands,
        IndicatorKind::Atr,
        IndicatorKind::Stddev,
        IndicatorKind::Stoch,
        IndicatorKind::Adx,
        IndicatorKind::Obv,
        IndicatorKind::Cci,
        IndicatorKind::Roc,
        IndicatorKind::Mfi,
        IndicatorKind::Vwap,
    ];

    /// The lowercase name: `sma`, `ema`, `wma`, `rsi`, `macd`, `bbands`, `atr`, `stddev`,
    /// `stoch`, `adx`, `obv`, `cci`, `roc`, `mfi`, `vwap`.
    pub fn name(self) -> &'static str {
        match self {
            IndicatorKind::Sma => "sma",
            IndicatorKind::Ema => "ema",
            IndicatorKind::Wma => "wma",
            IndicatorKind::Rsi => "rsi",
            IndicatorKind::Macd => "macd",
            IndicatorKind::Bbands => "bbands",
            IndicatorKind::Atr => "atr",
            IndicatorKind::Stddev => "stddev",
            IndicatorKind::Stoch => "stoch",
            IndicatorKind::Adx => "adx",
            IndicatorKind::Obv => "obv",
            IndicatorKind::Cci => "cci",
            IndicatorKind::Roc => "roc",
            IndicatorKind::Mfi => "mfi",
            IndicatorKind::Vwap => "vwap",
        }
    }

    /// The kind named `name`, ignoring ASCII case.
    ///
    /// # Errors
    /// [`Error::Config`] naming `kind` for any other name.
    pub fn parse(name: &str) -> Result<IndicatorKind> {
        IndicatorKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let known: Vec<&str> = IndicatorKind::ALL.iter().map(|k| k.name()).collect();
                Error::config(
                    "kind",
                    format!(
                        "unknown indicator '{name}'; expected one of {}",
                        known.join(", ")
                    ),
                )
            })
    }

    /// The bar fields the kind reads, in column order. Single-input kinds read only `close`.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            IndicatorKind::Sma
            | IndicatorKind::Ema
            | IndicatorKind::Wma
            | IndicatorKind::Rsi
            | IndicatorKind::Macd
            | IndicatorKind::Bbands
            | IndicatorKind::Stddev
            | IndicatorKind::Roc => &["close"],
            IndicatorKind::Atr | IndicatorKind::Stoch | IndicatorKind::Adx | IndicatorKind::Cci => {
                &["high", "low", "close"]
            }
            IndicatorKind::Obv => &["close", "volume"],
            IndicatorKind::Mfi | IndicatorKind::Vwap => &["high", "low", "close", "volume"],
        }
    }

    /// The names of the outputs of a multi-output kind, in output order; empty for a single
    /// output.
    pub fn outputs(self) -> &'static [&'static str] {
        match self {
            IndicatorKind::Macd => &["macd", "signal", "histogram"],
            IndicatorKind::Bbands => &["upper", "middle", "lower"],
            IndicatorKind::Stoch => &["k", "d"],
            _ => &[],
        }
    }

    /// The parameters the kind takes, as named in [`IndicatorParams`].
    pub fn params(self) -> &'static [&'static str] {
        match self {
            IndicatorKind::Macd => &["fast", "slow", "signal"],
            IndicatorKind::Bbands => &["period", "dev_up", "dev_down"],
            IndicatorKind::Stddev => &["period", "dev"],
            IndicatorKind::Stoch => &["k_period", "k_slow", "d_period"],
            IndicatorKind::Obv | IndicatorKind::Vwap => &[],
            _ => &["period"],
        }
    }
}

impl fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for IndicatorKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<IndicatorKind> {
        IndicatorKind::parse(s)
    }
}

/// Named numeric parameters, as the binding receives them. Periods are `f64` so that a bad value
/// (`2.5`, `-1`, `NaN`) reaches validation and is reported by name rather than lost in a cast.
/// Leave a field `None` for its default; a field the kind does not take is an error.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct IndicatorParams {
    /// The window of one-period kinds, Bollinger Bands and STDDEV.
    pub period: Option<f64>,
    /// MACD's fast EMA period.
    pub fast: Option<f64>,
    /// MACD's slow EMA period.
    pub slow: Option<f64>,
    /// MACD's signal EMA period.
    pub signal: Option<f64>,
    /// The stochastic's fast %K window.
    pub k_period: Option<f64>,
    /// The stochastic's slow %K smoothing (an SMA).
    pub k_slow: Option<f64>,
    /// The stochastic's %D smoothing (an SMA).
    pub d_period: Option<f64>,
    /// Bollinger upper band multiplier.
    pub dev_up: Option<f64>,
    /// Bollinger lower band multiplier.
    pub dev_down: Option<f64>,
    /// STDDEV multiplier.
    pub dev: Option<f64>,
}

impl IndicatorParams {
    fn fields(&self) -> [(&'static str, Option<f64>); 10] {
        [
            ("period", self.period),
            ("fast", self.fast),
            ("slow", self.slow),
            ("signal", self.signal),
            ("k_period", self.k_period),
            ("k_slow", self.k_slow),
            ("d_period", self.d_period),
            ("dev_up", self.dev_up),
            ("dev_down", self.dev_down),
            ("dev", self.dev),
        ]
    }
}

/// A period from an optional `f64`: the default when absent, else a whole number in
/// `min..=MAX_PERIOD`.
fn period(param: &str, value: Option<f64>, default: usize, min: usize) -> Result<usize> {
    let Some(v) = value else {
        return Ok(default);
    };
    if !v.is_finite() || v.fract() != 0.0 || v < min as f64 || v > MAX_PERIOD as f64 {
        return Err(Error::config(
            param,
            format!(
                "must be a whole number from {min} to {MAX_PERIOD}, got {}",
                Num(v)
            ),
        ));
    }
    Ok(v as usize)
}

fn multiplier(param: &str, value: Option<f64>, default: f64) -> Result<f64> {
    value.map_or(Ok(default), |v| check_multiplier(param, v))
}

/// A validated indicator configuration: a kind and its parameters, defaults filled in. Build
/// it with [`IndicatorSpec::parse`] or [`IndicatorSpec::new`]; a spec that exists is valid, so
/// [`IndicatorSpec::build`] and [`batch`] cannot fail on parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorSpec(Spec);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Spec {
    Sma(usize),
    Ema(usize),
    Wma(usize),
    Rsi(usize),
    Macd {
        fast: usize,
        slow: usize,
        signal: usize,
    },
    Bbands {
        period: usize,
        dev_up: f64,
        dev_down: f64,
    },
    Atr(usize),
    Stddev {
        period: usize,
        dev: f64,
    },
    Stoch {
        k_period: usize,
        k_slow: usize,
        d_period: usize,
    },
    Adx(usize),
    Obv,
    Cci(usize),
    Roc(usize),
    Mfi(usize),
    Vwap,
}

impl IndicatorSpec {
    /// A spec from a kind name (see [`IndicatorKind::name`], any ASCII case) and parameters.
    ///
    /// # Errors
    /// [`Error::Config`] naming the culprit: `kind` for an unknown kind; a parameter the kind
    /// does not take; a period that is not a whole number in TA-Lib's range (`period` from 2,
    /// or 1 for ATR and ROC; MACD periods from 2, see [`Macd::new`]; stochastic periods from 1;
    /// all up to 100000); MACD `fast` not below `slow`; a multiplier (`dev_up`,
    /// `dev_down`, `dev`) that is NaN, infinite or negative.
    pub fn parse(kind: &str, params: &IndicatorParams) -> Result<IndicatorSpec> {
        IndicatorSpec::new(IndicatorKind::parse(kind)?, params)
    }

    /// A spec from a kind and parameters.
    ///
    /// # Errors
    /// As [`IndicatorSpec::parse`], but for the kind, which is known here.
    pub fn new(kind: IndicatorKind, params: &IndicatorParams) -> Result<IndicatorSpec> {
        let accepted = kind.params();
        for (name, value) in params.fields() {
            if value.is_some() && !accepted.contains(&name) {
                return Err(Error::config(
                    name,
                    format!("'{name}' is not a parameter of {kind}"),
                ));
            }
        }
        let p = params;
        let spec = match kind {
            IndicatorKind::Sma => Spec::Sma(period("period", p.period, 30, 2)?),
            IndicatorKind::Ema => Spec::Ema(period("period", p.period, 30, 2)?),
            IndicatorKind::Wma => Spec::Wma(period("period", p.period, 30, 2)?),
            IndicatorKind::Rsi => Spec::Rsi(period("period", p.period, 14, 2)?),
            IndicatorKind::Macd => {
                let fast = period("fast", p.fast, 12, 2)?;
                let slow = period("slow", p.slow, 26, 2)?;
                let signal = period("signal", p.signal, 9, 2)?;
                if fast >= slow {
                    return Err(Error::config(
                        "fast",
                        format!("must be less than slow ({slow}), got {fast}"),
                    ));
                }
                Spec::Macd { fast, slow, signal }
            }
            IndicatorKind::Bbands => Spec::Bbands {
                period: period("period", p.period, 20, 2)?,
                dev_up: multiplier("dev_up", p.dev_up, 2.0)?,
                dev_down: multiplier("dev_down", p.dev_down, 2.0)?,
            },
            IndicatorKind::Atr => Spec::Atr(period("period", p.period, 14, 1)?),
            IndicatorKind::Stddev => Spec::Stddev {
                period: period("period", p.period, 20, 2)?,
                dev: multiplier("dev", p.dev, 1.0)?,
            },
            IndicatorKind::Stoch => Spec::Stoch {
                k_period: period("k_period", p.k_period, 14, 1)?,
                k_slow: period("k_slow", p.k_slow, 3, 1)?,
                d_period: period("d_period", p.d_period, 3, 1)?,
            },
            IndicatorKind::Adx => Spec::Adx(period("period", p.period, 14, 2)?),
            IndicatorKind::Obv => Spec::Obv,
            IndicatorKind::Cci => Spec::Cci(period("period", p.period, 20, 2)?),
            IndicatorKind::Roc => Spec::Roc(period("period", p.period, 10, 1)?),
            IndicatorKind::Mfi => Spec::Mfi(period("period", p.period, 14, 2)?),
            IndicatorKind::Vwap => Spec::Vwap,
        };
        Ok(IndicatorSpec(spec))
    }

    /// The kind.
    pub fn kind(&self) -> IndicatorKind {
        match self.0 {
            Spec::Sma(_) => IndicatorKind::Sma,
            Spec::Ema(_) => IndicatorKind::Ema,
            Spec::Wma(_) => IndicatorKind::Wma,
            Spec::Rsi(_) => IndicatorKind::Rsi,
            Spec::Macd { .. } => IndicatorKind::Macd,
            Spec::Bbands { .. } => IndicatorKind::Bbands,
            Spec::Atr(_) => IndicatorKind::Atr,
            Spec::Stddev { .. } => IndicatorKind::Stddev,
            Spec::Stoch { .. } => IndicatorKind::Stoch,
            Spec::Adx(_) => IndicatorKind::Adx,
            Spec::Obv => IndicatorKind::Obv,
            Spec::Cci(_) => IndicatorKind::Cci,
            Spec::Roc(_) => IndicatorKind::Roc,
            Spec::Mfi(_) => IndicatorKind::Mfi,
            Spec::Vwap => IndicatorKind::Vwap,
        }
    }

    /// The parameters in effect, defaults filled in; the fields the kind does not take are
    /// `None`.
    pub fn params(&self) -> IndicatorParams {
        let mut p = IndicatorParams::default();
        match self.0 {
            Spec::Sma(n)
            | Spec::Ema(n)
            | Spec::Wma(n)
            | Spec::Rsi(n)
            | Spec::Atr(n)
            | Spec::Adx(n)
            | Spec::Cci(n)
            | Spec::Roc(n)
            | Spec::Mfi(n) => p.period = Some(n as f64),
            Spec::Macd { fast, slow, signal } => {
                p.fast = Some(fast as f64);
                p.slow = Some(slow as f64);
                p.signal = Some(signal as f64);
            }
            Spec::Bbands {
                period,
                dev_up,
                dev_down,
            } => {
                p.period = Some(period as f64);
                p.dev_up = Some(dev_up);
                p.dev_down = Some(dev_down);
            }
            Spec::Stddev { period, dev } => {
                p.period = Some(period as f64);
                p.dev = Some(dev);
            }
            Spec::Stoch {
                k_period,
                k_slow,
                d_period,
            } => {
                p.k_period = Some(k_period as f64);
                p.k_slow = Some(k_slow as f64);
                p.d_period = Some(d_period as f64);
            }
            Spec::Obv | Spec::Vwap => {}
        }
        p
    }

    /// The stable name of this configuration, by the rule in the [module documentation](self):
    /// `sma20`, `stddev20_2`, `macd`, `macd5_35_5`, `bbands20_2.5_2.5`, `stoch5_3_3`, `obv`.
    pub fn id(&self) -> String {
        let kind = self.kind().name();
        match self.0 {
            Spec::Sma(n)
            | Spec::Ema(n)
            | Spec::Wma(n)
            | Spec::Rsi(n)
            | Spec::Atr(n)
            | Spec::Adx(n)
            | Spec::Cci(n)
            | Spec::Roc(n)
            | Spec::Mfi(n) => format!("{kind}{n}"),
            Spec::Macd {
                fast: 12,
                slow: 26,
                signal: 9,
            } => kind.to_owned(),
            Spec::Macd { fast, slow, signal } => format!("{kind}{fast}_{slow}_{signal}"),
            Spec::Bbands {
                period,
                dev_up,
                dev_down,
            } => {
                if dev_up == 2.0 && dev_down == 2.0 {
                    format!("{kind}{period}")
                } else {
                    format!("{kind}{period}_{}_{}", Num(dev_up), Num(dev_down))
                }
            }
            Spec::Stddev { period, dev } => {
                if dev == 1.0 {
                    format!("{kind}{period}")
                } else {
                    format!("{kind}{period}_{}", Num(dev))
                }
            }
            Spec::Stoch {
                k_period: 14,
                k_slow: 3,
                d_period: 3,
            } => kind.to_owned(),
            Spec::Stoch {
                k_period,
                k_slow,
                d_period,
            } => format!("{kind}{k_period}_{k_slow}_{d_period}"),
            Spec::Obv | Spec::Vwap => kind.to_owned(),
        }
    }

    /// The full name of each output, in output order: the id alone for a single output,
    /// `id.output` otherwise (`macd.signal`, `bbands20.upper`, `stoch.k`).
    pub fn output_names(&self) -> Vec<String> {
        let id = self.id();
        let outputs = self.kind().outputs();
        if outputs.is_empty() {
            vec![id]
        } else {
            outputs.iter().map(|o| format!("{id}.{o}")).collect()
        }
    }

    /// Number of outputs; see [`Indicator::output_count`].
    pub fn output_count(&self) -> usize {
        self.kind().outputs().len().max(1)
    }

    /// TA-Lib's lookback for these parameters; see [`Indicator::lookback`].
    pub fn lookback(&self) -> usize {
        match self.0 {
            Spec::Sma(n) | Spec::Ema(n) | Spec::Wma(n) | Spec::Cci(n) => n - 1,
            Spec::Bbands { period, .. } | Spec::Stddev { period, .. } => period - 1,
            Spec::Rsi(n) | Spec::Atr(n) | Spec::Roc(n) | Spec::Mfi(n) => n,
            Spec::Adx(n) => 2 * n - 1,
            Spec::Macd { slow, signal, .. } => (slow - 1) + (signal - 1),
            Spec::Stoch {
                k_period,
                k_slow,
                d_period,
            } => (k_period - 1) + (k_slow - 1) + (d_period - 1),
            Spec::Obv | Spec::Vwap => 0,
        }
    }

    /// A new indicator with these parameters, boxed, for a holder of a mixed list that is not on a
    /// hot path (the binding's standalone indicator). The store holds [`AnyIndicator`]s directly
    /// and [`batch`] runs the concrete types.
    pub fn build(&self) -> Box<dyn Indicator> {
        Box::new(self.build_any())
    }
}

/// An indicator of any kind, held by value and dispatched with a `match`: what the store keeps
/// per series, so that the loop over a series' indicators on each closed bar inlines every update
/// instead of calling through a vtable.
#[derive(Debug, Clone)]
pub enum AnyIndicator {
    Sma(Sma),
    Ema(Ema),
    Wma(Wma),
    Rsi(Rsi),
    Macd(Macd),
    Bbands(Bbands),
    Atr(Atr),
    Stddev(Stddev),
    Stoch(Stoch),
    Adx(Adx),
    Obv(Obv),
    Cci(Cci),
    Roc(Roc),
    Mfi(Mfi),
    Vwap(Vwap),
}

/// `$body` with `$i` bound to the indicator inside `$any`, whatever its kind.
macro_rules! each_kind {
    ($any:expr, $i:ident => $body:expr) => {
        match $any {
            AnyIndicator::Sma($i) => $body,
            AnyIndicator::Ema($i) => $body,
            AnyIndicator::Wma($i) => $body,
            AnyIndicator::Rsi($i) => $body,
            AnyIndicator::Macd($i) => $body,
            AnyIndicator::Bbands($i) => $body,
            AnyIndicator::Atr($i) => $body,
            AnyIndicator::Stddev($i) => $body,
            AnyIndicator::Stoch($i) => $body,
            AnyIndicator::Adx($i) => $body,
            AnyIndicator::Obv($i) => $body,
            AnyIndicator::Cci($i) => $body,
            AnyIndicator::Roc($i) => $body,
            AnyIndicator::Mfi($i) => $body,
            AnyIndicator::Vwap($i) => $body,
        }
    };
}

impl Indicator for AnyIndicator {
    fn output_count(&self) -> usize {
        each_kind!(self, i => i.output_count())
    }

    fn lookback(&self) -> usize {
        each_kind!(self, i => i.lookback())
    }

    #[inline]
    fn update(&mut self, bar: &Bar, out: &mut [f64]) {
        each_kind!(self, i => i.update(bar, out))
    }

    #[inline]
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        each_kind!(self, i => i.peek(bar, out))
    }

    fn reset(&mut self) {
        each_kind!(self, i => i.reset())
    }

    fn initialized(&self) -> bool {
        each_kind!(self, i => i.initialized())
    }

    fn session_start(&mut self) {
        each_kind!(self, i => i.session_start())
    }
}

impl IndicatorSpec {
    /// The indicator, held by value (see [`AnyIndicator`]).
    pub fn build_any(&self) -> AnyIndicator {
        match self.0 {
            Spec::Sma(n) => AnyIndicator::Sma(Sma::with(n)),
            Spec::Ema(n) => AnyIndicator::Ema(Ema::with(n)),
            Spec::Wma(n) => AnyIndicator::Wma(Wma::with(n)),
            Spec::Rsi(n) => AnyIndicator::Rsi(Rsi::with(n)),
            Spec::Macd { fast, slow, signal } => AnyIndicator::Macd(Macd::with(fast, slow, signal)),
            Spec::Bbands {
                period,
                dev_up,
                dev_down,
            } => AnyIndicator::Bbands(Bbands::with(period, dev_up, dev_down)),
            Spec::Atr(n) => AnyIndicator::Atr(Atr::with(n)),
            Spec::Stddev { period, dev } => AnyIndicator::Stddev(Stddev::with(period, dev)),
            Spec::Stoch {
                k_period,
                k_slow,
                d_period,
            } => AnyIndicator::Stoch(Stoch::with(k_period, k_slow, d_period)),
            Spec::Adx(n) => AnyIndicator::Adx(Adx::with(n)),
            Spec::Obv => AnyIndicator::Obv(Obv::new()),
            Spec::Cci(n) => AnyIndicator::Cci(Cci::with(n)),
            Spec::Roc(n) => AnyIndicator::Roc(Roc::with(n)),
            Spec::Mfi(n) => AnyIndicator::Mfi(Mfi::with(n)),
            Spec::Vwap => AnyIndicator::Vwap(Vwap::new()),
        }
    }
}

impl fmt::Display for IndicatorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

/// Borrowed bar columns for [`batch`]. `close` is always needed; the other columns only when the
/// indicator reads them ([`IndicatorKind::inputs`]), so single-input kinds may pass `close` alone.
/// Columns given must all have `close`'s length.
///
/// `session_starts` lists, in ascending order, the indices of the bars that open a session:
/// [`Indicator::session_start`] is called just before each, exactly as a streaming caller
/// would, so VWAP restarts there. Empty means one session.
#[derive(Debug, Clone, Copy, Default)]
pub struct BarSlices<'a> {
    /// Bar open times; no kind reads them, but their length is checked when given.
    pub time: Option<&'a [f64]>,
    /// Opens; no kind reads them, but their length is checked when given.
    pub open: Option<&'a [f64]>,
    pub high: Option<&'a [f64]>,
    pub low: Option<&'a [f64]>,
    /// Closes: always needed; their length is the number of bars.
    pub close: &'a [f64],
    pub volume: Option<&'a [f64]>,
    /// Ascending indices of the bars that open a session.
    pub session_starts: &'a [usize],
}

impl<'a> BarSlices<'a> {
    /// The optional columns with their names.
    fn named(&self) -> [(&'static str, Option<&'a [f64]>); 5] {
        [
            ("time", self.time),
            ("open", self.open),
            ("high", self.high),
            ("low", self.low),
            ("volume", self.volume),
        ]
    }

    /// Closes alone, for single-input kinds.
    pub fn close(close: &'a [f64]) -> BarSlices<'a> {
        BarSlices {
            close,
            ..BarSlices::default()
        }
    }

    /// All six columns.
    pub fn ohlcv(
        time: &'a [f64],
        open: &'a [f64],
        high: &'a [f64],
        low: &'a [f64],
        close: &'a [f64],
        volume: &'a [f64],
    ) -> BarSlices<'a> {
        BarSlices {
            time: Some(time),
            open: Some(open),
            high: Some(high),
            low: Some(low),
            close,
            volume: Some(volume),
            session_starts: &[],
        }
    }

    /// The same columns with sessions opening at `starts` (ascending bar indices).
    pub fn with_session_starts(self, starts: &'a [usize]) -> BarSlices<'a> {
        BarSlices {
            session_starts: starts,
            ..self
        }
    }

    /// Number of bars.
    pub fn len(&self) -> usize {
        self.close.len()
    }

    /// Whether there are no bars.
    pub fn is_empty(&self) -> bool {
        self.close.is_empty()
    }
}

/// The columns [`run`] reads, every one `n` long: a column the indicator does not read may stand
/// in for a missing one, since its values are never looked at.
struct Cols<'a> {
    time: &'a [f64],
    open: &'a [f64],
    high: &'a [f64],
    low: &'a [f64],
    close: &'a [f64],
    volume: &'a [f64],
}

/// Runs the indicator `spec` describes over `bars`, writing output `j` of bar `i` to
/// `out[j][i]`. The outputs are bit for bit those of calling [`Indicator::update`] bar by bar
/// on a new instance (with [`Indicator::session_start`] before each of `bars.session_starts`):
/// it is the same update code, run over the concrete type so that the loop inlines.
///
/// # Errors
/// [`Error::Input`] when `out` does not hold [`IndicatorSpec::output_count`] slices, a slice
/// of `out` or a column differs in length from `close`, a column the kind reads is missing,
/// or `session_starts` is not ascending within `0..=len`. Nothing is written then.
pub fn batch(spec: &IndicatorSpec, bars: BarSlices<'_>, out: &mut [&mut [f64]]) -> Result<()> {
    let cols = checked(spec, &bars, out)?;
    run_spec(spec, &cols, bars.session_starts, out);
    Ok(())
}

/// The columns `spec` reads from `bars`, once every check [`batch`] documents has passed.
fn checked<'a>(spec: &IndicatorSpec, bars: &BarSlices<'a>, out: &[&mut [f64]]) -> Result<Cols<'a>> {
    let n = bars.close.len();
    let kind = spec.kind();
    let input = |message: String| Err(Error::Input { message });
    if out.len() != spec.output_count() {
        return input(format!(
            "{} has {} outputs, but {} output slices were given",
            spec.id(),
            spec.output_count(),
            out.len()
        ));
    }
    for (j, o) in out.iter().enumerate() {
        if o.len() != n {
            return input(format!(
                "output {j} of {} has length {}, expected {n} (the length of close)",
                spec.id(),
                o.len()
            ));
        }
    }
    check_columns(bars)?;
    for (name, col) in bars.named() {
        if col.is_none() && kind.inputs().contains(&name) {
            return input(format!("{} reads {name}, which was not given", spec.id()));
        }
    }
    let close = bars.close;
    Ok(Cols {
        time: bars.time.unwrap_or(close),
        open: bars.open.unwrap_or(close),
        high: bars.high.unwrap_or(close),
        low: bars.low.unwrap_or(close),
        close,
        volume: bars.volume.unwrap_or(close),
    })
}

/// Checks what does not depend on the indicator: every column given has `close`'s length, and
/// the session starts ascend within `0..=len`.
pub(super) fn check_columns(bars: &BarSlices<'_>) -> Result<()> {
    let n = bars.close.len();
    for (name, col) in bars.named() {
        if let Some(c) = col.filter(|c| c.len() != n) {
            return Err(Error::Input {
                message: format!("column {name} has length {}, but close has {n}", c.len()),
            });
        }
    }
    let mut last = 0;
    for &s in bars.session_starts {
        if s < last || s > n {
            return Err(Error::Input {
                message: format!(
                    "session starts must be ascending bar indices within 0..={n}, got {:?}",
                    bars.session_starts
                ),
            });
        }
        last = s;
    }
    Ok(())
}

/// Runs `spec` over columns [`checked`] has passed.
fn run_spec(spec: &IndicatorSpec, cols: &Cols<'_>, starts: &[usize], out: &mut [&mut [f64]]) {
    match spec.0 {
        Spec::Sma(p) => run::<_, 1>(Sma::with(p), cols, starts, out),
        Spec::Ema(p) => run::<_, 1>(Ema::with(p), cols, starts, out),
        Spec::Wma(p) => run::<_, 1>(Wma::with(p), cols, starts, out),
        Spec::Rsi(p) => run::<_, 1>(Rsi::with(p), cols, starts, out),
        Spec::Macd { fast, slow, signal } => {
            run::<_, 3>(Macd::with(fast, slow, signal), cols, starts, out)
        }
        Spec::Bbands {
            period,
            dev_up,
            dev_down,
        } => run::<_, 3>(Bbands::with(period, dev_up, dev_down), cols, starts, out),
        Spec::Atr(p) => run::<_, 1>(Atr::with(p), cols, starts, out),
        Spec::Stddev { period, dev } => run::<_, 1>(Stddev::with(period, dev), cols, starts, out),
        Spec::Stoch {
            k_period,
            k_slow,
            d_period,
        } => run::<_, 2>(Stoch::with(k_period, k_slow, d_period), cols, starts, out),
        Spec::Adx(p) => run::<_, 1>(Adx::with(p), cols, starts, out),
        Spec::Obv => run::<_, 1>(Obv::new(), cols, starts, out),
        Spec::Cci(p) => run::<_, 1>(Cci::with(p), cols, starts, out),
        Spec::Roc(p) => run::<_, 1>(Roc::with(p), cols, starts, out),
        Spec::Mfi(p) => run::<_, 1>(Mfi::with(p), cols, starts, out),
        Spec::Vwap => run::<_, 1>(Vwap::new(), cols, starts, out),
    }
}

/// The batch loop, monomorphised per indicator type and output count. Lengths were checked by
/// [`checked`].
fn run<I: Indicator, const K: usize>(
    mut ind: I,
    cols: &Cols<'_>,
    starts: &[usize],
    out: &mut [&mut [f64]],
) {
    let Ok(outs) = <&mut [&mut [f64]; K]>::try_from(out) else {
        unreachable!("batch checked the output count");
    };
    let mut from = 0;
    for &s in starts {
        segment(&mut ind, cols, outs, from, s);
        ind.session_start();
        from = s;
    }
    segment(&mut ind, cols, outs, from, cols.close.len());
}

/// Bars `from..to` of one session. Every column and output is cut to the range first, so the
/// compiler sees equal lengths and drops the bounds checks from the loop.
#[inline(always)]
fn segment<I: Indicator, const K: usize>(
    ind: &mut I,
    cols: &Cols<'_>,
    outs: &mut [&mut [f64]; K],
    from: usize,
    to: usize,
) {
    let close = &cols.close[from..to];
    let n = close.len();
    let (time, open, high, low, volume) = (
        &cols.time[from..to][..n],
        &cols.open[from..to][..n],
        &cols.high[from..to][..n],
        &cols.low[from..to][..n],
        &cols.volume[from..to][..n],
    );
    let mut dst = outs.each_mut().map(|o| &mut o[from..to][..n]);
    let mut buf = [f64::NAN; K];
    for i in 0..n {
        let bar = Bar {
            time: time[i],
            open: open[i],
            high: high[i],
            low: low[i],
            close: close[i],
            volume: volume[i],
        };
        ind.update(&bar, &mut buf);
        for (d, &v) in dst.iter_mut().zip(&buf) {
            d[i] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_zero;

    /// TA-Lib's `TA_IS_ZERO(v)` is `(-0.00000000000001 < v) && (v < 0.00000000000001)`: strict at
    /// both ends.
    #[test]
    fn is_zero_is_strictly_within_1e_14() {
        for v in [0.0, -0.0, 9.99e-15, -9.99e-15] {
            assert!(is_zero(v), "{v}");
        }
        for v in [1e-14, -1e-14, 1.01e-14, f64::NAN] {
            assert!(!is_zero(v), "{v}");
        }
    }
}
