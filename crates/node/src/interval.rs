//! Interval names, parsed by the core's grammar.

use barstream_core::Interval;
use napi_derive::napi;

/// The canonical name of an interval (`'60m'` and `'3600s'` are `'1h'`), or `null` for text the
/// core does not take as an interval.
#[napi(catch_unwind)]
pub fn canonical_interval(text: String) -> Option<String> {
    Interval::parse(&text).ok().map(|i| i.to_string())
}
