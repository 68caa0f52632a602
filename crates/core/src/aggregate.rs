//! Buckets of one derived interval within one session, and the bar forming in them.

use crate::bar::Bar;
use crate::interval::Interval;
use crate::session::{ClockShift, Session};

/// Where the buckets of one derived interval fall in the current session.
///
/// Buckets start at `anchor + k * length`. On a day the exchange's clocks change (a
/// [`ClockShift`], clock alignment only), buckets start where the exchange's clock shows a multiple
/// of the length: the same starts before the change, and from it on, `anchor - by + k * length`
/// (the first such at or after the change opens bucket `shift_from`). The bucket that holds the
/// change runs from the last start before it to the first one after, so it is shorter in spring
/// (the hour that never shows) and longer in autumn (the hour that shows twice).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    /// Bucket 0 starts here: the session open, or the exchange midnight under clock alignment.
    anchor: i64,
    /// Bucket length in ms; for `1d` the whole span from the anchor to the close.
    length: i64,
    open: i64,
    close: i64,
    base: i64,
    /// Whether the close is on the base grid, so that a bucket's last slot is `end - base`.
    close_on_grid: bool,
    /// The instant of the clock change (`i64::MAX` when none).
    shift_at: i64,
    /// The first bucket that starts at or after the change (`i64::MAX` when none).
    shift_from: i64,
    /// Where bucket `shift_from` starts.
    shift_start: i64,
}

impl Grid {
    /// `shift` is the day's clock change, for clock-aligned grids of a fixed length (`1d` is one
    /// bucket, whatever the clocks do).
    pub(crate) fn new(
        interval: Interval,
        anchor: i64,
        session: &Session,
        base: i64,
        shift: Option<ClockShift>,
    ) -> Grid {
        let fixed = interval.millis();
        let length = fixed.unwrap_or(session.close - anchor);
        let (shift_at, shift_from, shift_start) = match (shift, fixed) {
            (Some(ClockShift { at, by }), Some(_)) if at >= anchor => {
                // Starts before the change: anchor + k * length for k < shift_from. A change at the
                // anchor (a skipped midnight) leaves bucket 0 from the anchor to the first start.
                let shift_from = ((at - anchor - 1).div_euclid(length) + 1).max(1);
                // The first start from the change on: the least k with anchor - by + k * length >= at.
                let k = (at - anchor + by + length - 1).div_euclid(length);
                (at, shift_from, anchor - by + k * length)
            }
            _ => (i64::MAX, i64::MAX, i64::MAX),
        };
        Grid {
            anchor,
            length,
            open: session.open,
            close: session.close,
            base,
            close_on_grid: (session.close - session.open) % base == 0,
            shift_at,
            shift_from,
            shift_start,
        }
    }

    /// Base bars a bucket holds at most (for `1d`, the session's): what a batch's fold into this
    /// grid closes a bucket once in.
    pub(crate) fn bars_per_bucket(&self) -> f64 {
        self.length as f64 / self.base as f64
    }

    #[inline]
    pub(crate) fn bucket_of(&self, t: i64) -> i64 {
        if t < self.shift_at {
            (t - self.anchor).div_euclid(self.length)
        } else if t < self.shift_start {
            self.shift_from - 1
        } else {
            self.shift_from + (t - self.shift_start).div_euclid(self.length)
        }
    }

    #[inline]
    pub(crate) fn start(&self, bucket: i64) -> i64 {
        if bucket < self.shift_from {
            self.anchor + bucket * self.length
        } else {
            self.shift_start + (bucket - self.shift_from) * self.length
        }
    }

    /// A bucket's end, cut at the session close.
    #[inline]
    pub(crate) fn end(&self, bucket: i64) -> i64 {
        self.start(bucket + 1).min(self.close)
    }

    /// The last base slot (a bar time) inside a bucket that ends at `end`.
    #[inline]
    fn last_slot(&self, end: i64) -> i64 {
        // Bucket starts are on the base grid (the anchor is, and lengths are multiples of the base),
        // so only an end cut at an off-grid close needs the division.
        if end < self.close || self.close_on_grid {
            end - self.base
        } else {
            self.open + (end - 1 - self.open).div_euclid(self.base) * self.base
        }
    }

    /// The bucket of `t`, given that the previous bar was in bucket `prev`: most often the next
    /// one, found without a division.
    #[inline]
    fn bucket_after(&self, prev: Option<i64>, t: i64) -> i64 {
        if let Some(b) = prev {
            if t >= self.start(b + 1) && t < self.start(b + 2) {
                return b + 1;
            }
        }
        self.bucket_of(t)
    }

    /// Buckets that meet the session: an upper bound on the bars this interval makes in it.
    pub(crate) fn buckets_in_session(&self) -> usize {
        self.buckets_from(self.open)
    }

    /// Buckets from the one holding `t` (inside the session) to the session's last.
    pub(crate) fn buckets_from(&self, t: i64) -> usize {
        (self.bucket_of(self.close - 1) - self.bucket_of(t) + 1) as usize
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
    /// The close of the latest bar closed this session, for flat bars.
    last_close: f64,
    /// Buckets a base bar opened this session: those with data, closed or forming.
    pub(crate) opened: u64,
}

/// What one step of an aggregator produced, oldest first.
pub(crate) trait Sink {
    fn closed(&mut self, bar: &Bar);
}

impl Aggregator {
    pub(crate) fn reset_session(&mut self) {
        self.forming = None;
        self.last_bucket = None;
        self.opened = 0;
    }

    /// Folds in a base bar at `t` (already validated, later than every earlier one) and closes
    /// whatever that closes: the previous bucket when `t` is in a later one (with flat bars for the
    /// empty buckets in between when `flat`), and the new bucket when `t` is its last slot.
    /// Returns whether any bar closed.
    #[inline(always)]
    pub(crate) fn update(
        &mut self,
        grid: &Grid,
        t: i64,
        bar: &Bar,
        flat: bool,
        out: &mut impl Sink,
    ) -> bool {
        if let Some(f) = &mut self.forming {
            if t < f.end {
                f.bar.merge(bar);
                return t == f.last_slot && self.close_forming(out);
            }
        }
        self.start_bucket(grid, t, bar, flat, out)
    }

    /// Folds in a batch of base bars (columns time, open, high, low, close, volume), with exactly
    /// the result of calling [`Aggregator::update`] on each in turn: the same comparisons and the
    /// same order of additions, with the forming bar held in locals while the bucket lasts.
    pub(crate) fn update_many(
        &mut self,
        grid: &Grid,
        cols: [&[f64]; 6],
        flat: bool,
        out: &mut impl Sink,
    ) -> bool {
        let n = cols[0].len();
        let [time, open, high, low, close, volume] = cols.map(|c| &c[..n]);
        let mut closed = false;
        let mut i = 0;
        while i < n {
            if let Some(f) = &mut self.forming {
                // Whole milliseconds below 2^53 compare exactly as f64, which spares a conversion a bar.
                let (end, last_slot) = (f.end as f64, f.last_slot as f64);
                let (mut hi, mut lo, mut cl, mut vol) =
                    (f.bar.high, f.bar.low, f.bar.close, f.bar.volume);
                let mut filled = false;
                while i < n {
                    let t = time[i];
                    if t >= end {
                        break;
                    }
                    if high[i] > hi {
                        hi = high[i];
                    }
                    if low[i] < lo {
                        lo = low[i];
                    }
                    cl = close[i];
                    vol += volume[i];
                    i += 1;
                    if t == last_slot {
                        filled = true;
                        break;
                    }
                }
                f.bar.high = hi;
                f.bar.low = lo;
                f.bar.close = cl;
                f.bar.volume = vol;
                if filled {
                    closed |= self.close_forming(out);
                    continue;
                }
                if i == n {
                    break;
                }
                // Bar i is in a later bucket: start_bucket closes this one.
            }
            let bar = Bar::new(time[i], open[i], high[i], low[i], close[i], volume[i]);
            closed |= self.start_bucket(grid, time[i] as i64, &bar, flat, out);
            i += 1;
        }
        closed
    }

    /// A bar at `t` that opens a new bucket.
    ///
    /// Always inlined: [`Aggregator::update_many`] makes its bar from the columns, and out of line
    /// that bar goes through memory, written a field at a time and read back at once in pairs,
    /// which stalls (most of this function's time in a batch, measured).
    #[inline(always)]
    fn start_bucket(
        &mut self,
        grid: &Grid,
        t: i64,
        bar: &Bar,
        flat: bool,
        out: &mut impl Sink,
    ) -> bool {
        let mut closed = self.close_forming(out);
        self.opened += 1;
        let bucket = grid.bucket_after(self.last_bucket, t);
        if flat {
            closed |= self.fill_flat(grid, bucket, out);
        }
        self.last_bucket = Some(bucket);
        let end = grid.end(bucket);
        let last_slot = grid.last_slot(end);
        let mut first = *bar;
        first.time = grid.start(bucket) as f64;
        self.forming = Some(Forming {
            end,
            last_slot,
            bar: first,
        });
        if t == last_slot {
            closed |= self.close_forming(out);
        }
        closed
    }

    /// Closes the forming bar, if any. Returns whether there was one.
    #[inline]
    fn close_forming(&mut self, out: &mut impl Sink) -> bool {
        // Read in place, not moved out: a copy would load the bar in wider loads than `merge` has
        // just stored it with, which stalls on every bucket that closes.
        match &self.forming {
            Some(f) => {
                out.closed(&f.bar);
                self.last_close = f.bar.close;
                self.forming = None;
                true
            }
            None => false,
        }
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
        if let Some(f) = &self.forming {
            if f.end > t {
                return false;
            }
            closed = self.close_forming(out);
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
