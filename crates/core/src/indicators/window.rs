//! Fixed-size windows shared by the indicators: a ring of past values, rolling first and second
//! moments, and rolling extremes. All storage is allocated at construction, so pushing never
//! allocates.

/// The last `capacity` values pushed. Once `capacity` values have been pushed (the owner counts
/// them), [`Ring::oldest`] is the value the next push overwrites.
#[derive(Debug, Clone)]
pub(crate) struct Ring {
    buf: Box<[f64]>,
    /// Next slot written; once the ring is full it also holds the oldest value.
    head: usize,
}

impl Ring {
    /// A ring of `capacity` values (at least 1).
    pub(crate) fn new(capacity: usize) -> Ring {
        Ring {
            buf: vec![0.0; capacity.max(1)].into_boxed_slice(),
            head: 0,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, x: f64) {
        self.buf[self.head] = x;
        self.head += 1;
        if self.head == self.buf.len() {
            self.head = 0;
        }
    }

    /// The oldest value held; only meaningful once the ring is full.
    #[inline]
    pub(crate) fn oldest(&self) -> f64 {
        self.buf[self.head]
    }

    pub(crate) fn clear(&mut self) {
        self.head = 0;
    }
}

/// Rolling sum (and, with `SQUARES`, sum of squares) over the last `period` values, updated the
/// way TA-Lib's `TA_INT_SMA` / `TA_INT_VAR` update theirs: add the new value, read the window,
/// then subtract the value leaving it. Keeping that exact order keeps the rounding identical to
/// TA-Lib's.
#[derive(Debug, Clone)]
pub(crate) struct Moments<const SQUARES: bool> {
    period: usize,
    period_f: f64,
    /// The last `period` values; right after a push, the oldest is the one leaving the window.
    past: Ring,
    sum: f64,
    sum_sq: f64,
    seen: usize,
}

impl<const SQUARES: bool> Moments<SQUARES> {
    /// `period >= 1`.
    pub(crate) fn new(period: usize) -> Self {
        Moments {
            period,
            period_f: period as f64,
            past: Ring::new(period),
            sum: 0.0,
            sum_sq: 0.0,
            seen: 0,
        }
    }

    /// Whether a window ends at the next value pushed.
    #[inline]
    pub(crate) fn ready_next(&self) -> bool {
        self.seen + 1 >= self.period
    }

    /// The mean of the window ending at `x`, without committing it. Meaningful when
    /// [`Moments::ready_next`].
    #[inline]
    pub(crate) fn mean(&self, x: f64) -> f64 {
        (self.sum + x) / self.period_f
    }

    /// The mean and the mean of squares of the window ending at `x`, without committing it.
    #[inline]
    pub(crate) fn means(&self, x: f64) -> (f64, f64) {
        (
            (self.sum + x) / self.period_f,
            (self.sum_sq + x * x) / self.period_f,
        )
    }

    /// Commits `x`.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) {
        self.past.push(x);
        if self.seen + 1 >= self.period {
            // The ring holds the window ending at `x`; its oldest value leaves now. With a period
            // of 1 that is `x` itself.
            let trailing = self.past.oldest();
            self.sum = (self.sum + x) - trailing;
            if SQUARES {
                self.sum_sq = (self.sum_sq + x * x) - trailing * trailing;
            }
        } else {
            self.sum += x;
            if SQUARES {
                self.sum_sq += x * x;
            }
        }
        self.seen += usize::from(self.seen < self.period);
    }

    /// Whether the last value pushed ended a full window.
    #[inline]
    pub(crate) fn full(&self) -> bool {
        self.seen >= self.period
    }

    pub(crate) fn reset(&mut self) {
        self.past.clear();
        self.sum = 0.0;
        self.sum_sq = 0.0;
        self.seen = 0;
    }
}

/// The maximum (`MAX = true`) or minimum of the last `window` values, by van Herk / Gil-Werman:
/// the stream is cut into blocks of `window` values, and a window is the tail of the previous
/// block (whose suffix extremes are computed once, when that block completes) plus the head of
/// the current one (a running extreme). That is O(1) a value amortised with no data-dependent
/// branches, which matters more than the asymptotics: a monotonic deque is also amortised O(1)
/// but mispredicts its pops on every other bar of a random walk.
#[derive(Debug, Clone)]
pub(crate) struct Extreme<const MAX: bool> {
    /// The current block's values by offset.
    block: Box<[f64]>,
    /// `suffix[j]`: the extreme of the previous block's offsets `j..window`; `suffix[window]`
    /// is the identity (no values).
    suffix: Box<[f64]>,
    /// The extreme of the current block so far.
    prefix: f64,
    /// Offset of the next value in its block.
    pos: usize,
}

impl<const MAX: bool> Extreme<MAX> {
    /// What an empty set of values yields: no finite value loses to it.
    const NONE: f64 = if MAX {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };

    /// `window >= 1`.
    pub(crate) fn new(window: usize) -> Self {
        Extreme {
            block: vec![Self::NONE; window].into_boxed_slice(),
            suffix: vec![Self::NONE; window + 1].into_boxed_slice(),
            prefix: Self::NONE,
            pos: 0,
        }
    }

    /// The more extreme of two values; `b` on a tie, so peek and push agree bit for bit.
    #[inline]
    fn pick(a: f64, b: f64) -> f64 {
        if MAX {
            if a > b {
                a
            } else {
                b
            }
        } else if a < b {
            a
        } else {
            b
        }
    }

    /// The extreme of the window ending at `x` (of the values pushed, the last `window - 1`,
    /// and `x`), committing nothing.
    #[inline]
    pub(crate) fn peek(&self, x: f64) -> f64 {
        Self::pick(self.suffix[self.pos + 1], Self::pick(self.prefix, x))
    }

    /// Commits `x` and returns the extreme of the window ending at it.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) -> f64 {
        let head = Self::pick(self.prefix, x);
        let value = Self::pick(self.suffix[self.pos + 1], head);
        self.block[self.pos] = x;
        self.pos += 1;
        if self.pos == self.block.len() {
            self.seal();
        } else {
            self.prefix = head;
        }
        value
    }

    /// The block is complete: its suffix extremes become the tails of the next windows.
    #[cold]
    fn seal(&mut self) {
        let mut acc = Self::NONE;
        for j in (0..self.block.len()).rev() {
            acc = Self::pick(self.block[j], acc);
            self.suffix[j] = acc;
        }
        self.prefix = Self::NONE;
        self.pos = 0;
    }

    pub(crate) fn clear(&mut self) {
        self.suffix.fill(Self::NONE);
        self.prefix = Self::NONE;
        self.pos = 0;
    }
}
