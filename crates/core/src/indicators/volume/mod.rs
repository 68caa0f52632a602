//! Volume-based indicators: on-balance volume and the session VWAP.

pub mod obv;
pub mod vwap;

pub use obv::Obv;
pub use vwap::Vwap;
