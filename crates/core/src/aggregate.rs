//! Buckets of one derived interval within one session, and the bar forming in them.

use crate::bar::Bar;
use crate::interval::Interval;
use crate::session::Session;

/// Where the buckets of one derived interval fall in the current session.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    /// Bucket 0 starts here: the session open, or the exchange midnight under clock alignment.
    anchor: i64,
    /// Bucket length in ms; for `1d` the whole span from the anchor to the close.
    length: i64,
    open: i64,
    close: i64,
    base: i64,
}

impl Grid {
    pub(crate) fn new(interval: Interval, anchor: i64, session: &Session, base: i64) -> Grid {
        let length = interval.millis().unwrap_or(session.close - anchor);
        Grid {
            anchor,
            length,
            open: session.open,
            close: session.close,
            base,
        }
    }

    #[inline]
    pub(crate) fn bucket_of(&self, t: i64) -> i64 {
        (t - self.anchor).div_euclid(self.length)
    }

    #[inline]
    pub(crate) fn start(&self, bucket: i64) -> i64 {
        self.anchor + bucket * self.length
    }

    /// A bucket's end, cut at the session close.
    #[inline]
    pub(crate) fn end(&self, bucket: i64) -> i64 {
        (self.start(bucket) + self.length).min(self.close)
    }

    /// The last base slot (a bar time) inside a bucket that ends at `end`.
    #[inline]
    fn last_slot(&self, end: i64) -> i64 {
        self.open + (end - 1 - self.open).div_euclid(self.base) * self.base
    }

    /// Buckets that meet the session: an upper bound on the bars this interval makes in it.
    pub(crate) fn buckets_in_session(&self) -> usize {
        (self.bucket_of(self.close - 1) - self.bucket_of(self.open) + 1) as usize
    }

    /// The end of the last bucket that a clock at `t` has passed (`i64::MIN` when none has).
    pub(crate) fn closed_through(&self, t: i64) -> i64 {
        if t >= self.close {
            return self.close;
        }
        let start = self.start(self.bucket_of(t));
        if start <= self.open {
            i64::MIN
        } else {
            start
        }
    }
}

/// The bar being built in the current bucket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Forming {
    pub(crate) end: i64,
    pub(crate) last_slot: i64,
    pub(crate) bar: Bar,
}

/// The streaming state of one derived interval of one symbol.
#[derive(Debug, Clone, Default)]
pub(crate) struct Aggregator {
    pub(crate) forming: Option<Forming>,
    /// The latest bucket that made (or is making) a bar this session.
    last_bucket: Option<i64>,
    /// The close of the latest bar of this session, for flat bars.
    last_close: f64,
}

/// What one step of an aggregator produced, oldest first.
pub(crate) trait Sink {
    fn closed(&mut self, bar: &Bar);
}

impl Aggregator {
    pub(crate) fn reset_session(&mut self) {
        self.forming = None;
        self.last_bucket = None;
    }

    /// Folds in a base bar at `t` (already validated, later than every earlier one) and closes
    /// whatever that closes: the previous bucket when `t` is in a later one (with flat bars for the
    /// empty buckets in between when `flat`), and the new bucket when `t` is its last slot.
    /// Returns whether any bar closed.
    #[inline]
    pub(crate) fn update(
        &mut self,
        grid: &Grid,
        t: i64,
        bar: &Bar,
        flat: bool,
        out: &mut impl Sink,
    ) -> bool {
        let mut closed = false;
        match &mut self.forming {
            Some(f) if t < f.end => f.bar.merge(bar),
            _ => {
                let bucket = grid.bucket_of(t);
                if let Some(f) = self.forming.take() {
                    out.closed(&f.bar);
                    closed = true;
                }
                if flat {
                    closed |= self.fill_flat(grid, bucket, out);
                }
                let end = grid.end(bucket);
                let mut first = *bar;
                first.time = grid.start(bucket) as f64;
                self.forming = Some(Forming {
                    end,
                    last_slot: grid.last_slot(end),
                    bar: first,
                });
                self.last_bucket = Some(bucket);
            }
        }
        self.last_close = bar.close;
        let f = self.forming.as_ref().expect("set above");
        if t == f.last_slot {
            out.closed(&f.bar);
            self.forming = None;
            closed = true;
        }
        closed
    }

    /// Flat bars for the empty buckets after the last one with data and before `until`.
    fn fill_flat(&mut self, grid: &Grid, until: i64, out: &mut impl Sink) -> bool {
        let Some(last) = self.last_bucket else {
            return false;
        };
        let mut closed = false;
        for j in last + 1..until {
            out.closed(&Bar::flat(grid.start(j) as f64, self.last_close));
            closed = true;
        }
        if until > last + 1 {
            self.last_bucket = Some(until - 1);
        }
        closed
    }

    /// The clock is at `t`: closes the forming bucket if it has ended, and under `flat` makes the
    /// flat bars of empty buckets that have ended. Returns whether any bar closed.
    pub(crate) fn advance(&mut self, grid: &Grid, t: i64, flat: bool, out: &mut impl Sink) -> bool {
        let mut closed = false;
        if let Some(f) = self.forming {
            if f.end <= t {
                out.closed(&f.bar);
                self.forming = None;
                closed = true;
            } else {
                return false;
            }
        }
        if flat && self.last_bucket.is_some() {
            // Buckets up to and including the one holding t-1 have ended by t; past the close, all.
            let until = if t >= grid.close {
                grid.bucket_of(grid.close - 1) + 1
            } else {
                grid.bucket_of(t)
            };
            closed |= self.fill_flat(grid, until, out);
        }
        closed
    }
}
