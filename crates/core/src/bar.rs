//! The OHLCV bar, the unit every series is made of.

use crate::error::RejectReason;
use crate::indicators::select;
use crate::store::MAX_VOLUME;

/// One bar: `time` is its open time in epoch milliseconds (UTC); prices and volume are plain `f64`.
///
/// Laid out as six `f64`s in column order, so that six consecutive values (a calling slot, a row)
/// can be read as a bar in place.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct Bar {
    pub time: f64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

impl Bar {
    /// A bar from its six fields, in column order.
    pub fn new(time: f64, open: f64, high: f64, low: f64, close: f64, volume: f64) -> Self {
        Bar {
            time,
            open,
            high,
            low,
            close,
            volume,
        }
    }

    /// The first of the store's validation rules that this bar fails by its fields alone, whatever
    /// the session, the clock or the symbol's last bar: [`RejectReason::NonFinite`] (a field that
    /// is not finite, or a time that is not whole milliseconds), then
    /// [`RejectReason::HighBelowOpenClose`], [`RejectReason::LowAboveOpenClose`],
    /// [`RejectReason::NegativeVolume`], [`RejectReason::VolumeTooLarge`]. `None` when they pass;
    /// the store may still reject the bar for its time (and names that reason first when it does).
    pub fn field_problem(&self) -> Option<RejectReason> {
        let fields = [
            self.time,
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
        ];
        let fraction = self.time.fract() != 0.0 && self.time.abs() < 9_007_199_254_740_992.0;
        if fields.iter().any(|x| !x.is_finite()) || fraction {
            Some(RejectReason::NonFinite)
        } else if self.high < self.open.max(self.close) {
            Some(RejectReason::HighBelowOpenClose)
        } else if self.low > self.open.min(self.close) {
            Some(RejectReason::LowAboveOpenClose)
        } else if self.volume < 0.0 {
            Some(RejectReason::NegativeVolume)
        } else if self.volume > MAX_VOLUME {
            Some(RejectReason::VolumeTooLarge)
        } else {
            None
        }
    }

    /// A flat bar: every price `price`, zero volume. Used for empty buckets under `EmptyBuckets::Flat`.
    pub fn flat(time: f64, price: f64) -> Self {
        Bar::new(time, price, price, price, price, 0.0)
    }

    /// Folds a later bar of the same bucket into this one: high = max, low = min, close = last,
    /// volume = sum. The open and time stay.
    #[inline]
    pub fn merge(&mut self, later: &Bar) {
        // Stored unconditionally: as a conditional store the compiler keeps a branch, and whether a
        // bar makes a new high or low is close to a coin toss on real prices. Ties keep the earlier
        // value, as before.
        self.high = select(later.high > self.high, later.high, self.high);
        self.low = select(later.low < self.low, later.low, self.low);
        self.close = later.close;
        self.volume += later.volume;
    }
}
