//! The OHLCV bar, the unit every series is made of.

/// One bar: `time` is its open time in epoch milliseconds (UTC); prices and volume are plain `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
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

    /// A flat bar: every price `price`, zero volume. Used for empty buckets under `EmptyBuckets::Flat`.
    pub fn flat(time: f64, price: f64) -> Self {
        Bar::new(time, price, price, price, price, 0.0)
    }

    /// Folds a later bar of the same bucket into this one: high = max, low = min, close = last,
    /// volume = sum. The open and time stay.
    #[inline]
    pub fn merge(&mut self, later: &Bar) {
        if later.high > self.high {
            self.high = later.high;
        }
        if later.low < self.low {
            self.low = later.low;
        }
        self.close = later.close;
        self.volume += later.volume;
    }
}
