//! Volatility measures: Bollinger Bands, average true range and standard deviation.

pub mod atr;
pub mod bbands;
pub mod stddev;

pub use atr::Atr;
pub use bbands::Bbands;
pub use stddev::Stddev;
