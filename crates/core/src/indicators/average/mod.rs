//! Moving averages of the close: simple, exponential and linearly weighted.

pub mod ema;
pub mod sma;
pub mod wma;

pub use ema::Ema;
pub use sma::Sma;
pub use wma::Wma;
