//! Binding of `barstream_core::bar`: the checks a bar's fields must pass, whatever the session.

use barstream_core::Bar;
use napi_derive::napi;

/// The code of the first validation rule the bar fails by its fields alone (`non_finite`,
/// `high_below_open_close`, `low_above_open_close`, `negative_volume`, `volume_too_large`), or
/// `null`: see `Bar::field_problem`.
#[napi(catch_unwind)]
pub fn bar_field_problem(
    time: f64,
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
) -> Option<&'static str> {
    Bar::new(time, open, high, low, close, volume)
        .field_problem()
        .map(|r| r.code())
}
