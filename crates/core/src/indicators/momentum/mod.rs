//! Momentum oscillators: RSI, MACD, the slow stochastic, ROC, CCI, MFI and ADX.

pub mod adx;
pub mod cci;
pub mod macd;
pub mod mfi;
pub mod roc;
pub mod rsi;
pub mod stoch;

pub use adx::Adx;
pub use cci::Cci;
pub use macd::Macd;
pub use mfi::Mfi;
pub use roc::Roc;
pub use rsi::Rsi;
pub use stoch::Stoch;
