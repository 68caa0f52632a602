//! Batches of base bars: validated and stored a chunk at a time, each chunk while it is still in
//! cache, with the derived intervals of a large batch shared between two threads.

use super::validation::{Refusal, Rules};
use super::{
    record_gap, Active, BatchOutcome, ClosedMask, Derived, EmptyBuckets, InvalidBars, Series,
    SessionStore, StoreConfig, SymbolId, SymbolState,
};
use crate::aggregate::{Aggregator, Grid};
use crate::bar::Bar;
use crate::columns::{adopt_account, thread_account};
use crate::error::{Error, Result};
use crate::indicators::AnyIndicator;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

impl SessionStore {
    /// Appends a batch of base bars for symbol `id`, given as six equally long columns in the order
    /// time, open, high, low, close, volume. The result is identical, bit for bit, to appending the
    /// bars one by one.
    ///
    /// The batch is validated and stored 4,096 bars at a time, so that its memory is read once.
    /// Under [`InvalidBars::Throw`], an invalid bar after chunks already stored undoes them: the
    /// bars, the forming bars and the indicators are as before, though room reserved for the batch
    /// (a larger block, see [`Columns::generation`](crate::Columns::generation)) stays. A
    /// batch of 65,536 bars or more with three or more derived intervals folds some of them on a
    /// second thread, started for the call, following the validated chunks and joined before the
    /// call returns (each interval is independent; where no thread can be started, the calling
    /// one does it all).
    ///
    /// # Errors
    /// [`Error::Input`] when the columns differ in length; [`Error::NotFound`] for an unknown or removed id;
    /// under [`InvalidBars::Throw`], [`Error::Rejected`] for the first invalid bar, with its index:
    /// that rejection is counted and nothing is stored.
    pub fn append_many(
        &mut self,
        id: SymbolId,
        columns: [&[f64]; 6],
        invalid: InvalidBars,
    ) -> Result<BatchOutcome> {
        let n = columns[0].len();
        if columns.iter().any(|c| c.len() != n) {
            let lens: Vec<usize> = columns.iter().map(|c| c.len()).collect();
            return Err(Error::Input {
                message: format!(
                    "columns differ in length (time, open, high, low, close, volume: {lens:?})"
                ),
            });
        }
        let [time, open, high, low, close, volume] = columns;
        let bar_at = |i: usize| Bar::new(time[i], open[i], high[i], low[i], close[i], volume[i]);
        let mut last = self.symbol_mut(id)?.last_time;
        // The gaps the good bars reveal are noted on the way and recorded once the batch stands.
        let mut gaps = std::mem::take(&mut self.gap_scratch);
        gaps.clear();
        let throw = invalid == InvalidBars::Throw;
        // A batch of one chunk is validated whole before anything is stored; a longer one may
        // have to undo the chunks it stored.
        let mark = (throw && n > BATCH_CHUNK).then(|| self.symbols[id as usize].mark());
        let (stored, mut closed) = self.append_valid_chunks(id, columns, &mut last, &mut gaps);
        let mut refused: Vec<Refusal> = Vec::new();
        if stored < n {
            self.rules().validate(
                columns,
                stored,
                n,
                &mut last,
                &mut gaps,
                &mut refused,
                throw,
            );
        }
        if throw {
            if let Some(&(i, reason, before)) = refused.first() {
                if let Some(mark) = mark {
                    self.symbols[id as usize].rewind(mark);
                }
                self.gap_scratch = gaps;
                return Err(Error::Rejected(self.reject(
                    id,
                    reason,
                    &bar_at(i),
                    before,
                    Some(i),
                )));
            }
        }
        let s = &mut self.symbols[id as usize];
        for &(from, to) in &gaps {
            record_gap(&mut s.tally, &mut self.gap_queue, id, from, to);
        }
        self.gap_scratch = gaps;
        let appended = n - refused.len();
        if refused.is_empty() {
            if stored < n {
                closed |= self.apply_many(id, columns.map(|c| &c[stored..]));
            }
            return Ok(BatchOutcome {
                appended,
                closed,
                ..BatchOutcome::default()
            });
        }
        let mut good: [Vec<f64>; 6] = Default::default();
        let mut next_bad = refused.iter().map(|r| r.0).peekable();
        for i in stored..n {
            if next_bad.peek() == Some(&i) {
                next_bad.next();
                continue;
            }
            for (g, c) in good.iter_mut().zip(&columns) {
                g.push(c[i]);
            }
        }
        closed |= self.apply_many(
            id,
            [&good[0], &good[1], &good[2], &good[3], &good[4], &good[5]],
        );
        let rejected = refused
            .into_iter()
            .map(|(i, reason, before)| self.reject(id, reason, &bar_at(i), before, Some(i)))
            .collect();
        Ok(BatchOutcome {
            appended,
            closed,
            rejected,
        })
    }

    /// Validates and stores a batch a chunk of [`BATCH_CHUNK`] bars at a time, each while it is
    /// in cache, and stops before the first chunk that holds a bar to reject. Moves `last` and
    /// notes gaps as [`Rules::validate`] does, for the bars stored. Returns how many it stored
    /// (all, or a whole number of chunks) and the series that closed bars.
    fn append_valid_chunks(
        &mut self,
        id: SymbolId,
        cols: [&[f64]; 6],
        last: &mut Option<i64>,
        gaps: &mut Vec<(i64, i64)>,
    ) -> (usize, ClosedMask) {
        let n = cols[0].len();
        // Built from the fields, not `self.rules()`, to leave `self.symbols` free to borrow.
        let rules = Rules {
            active: self.active.as_ref(),
            base_ms: self.base_ms,
        };
        let Some(a) = self.active.as_ref() else {
            return (0, 0);
        };
        let mut refused = Vec::new();
        // The end of the chunk at `from` when all of it is valid; else `last` and `gaps` are left
        // as they were before it.
        let next_chunk = |from: usize| {
            let to = (from + BATCH_CHUNK).min(n);
            let (last_before, gaps_before) = (*last, gaps.len());
            rules.validate(cols, from, to, last, gaps, &mut refused, true);
            if refused.is_empty() {
                return Some(to);
            }
            *last = last_before;
            gaps.truncate(gaps_before);
            None
        };
        let s = &mut self.symbols[id as usize];
        let (config, expected) = (&self.config, self.expected_sessions);
        Self::store_chunks(s, a, self.base_ms, config, expected, cols, next_chunk)
    }

    /// Stores a batch of valid bars (see [`SessionStore::store_chunks`]), which gives the same
    /// bars as [`SessionStore::apply`] on each in turn.
    fn apply_many(&mut self, id: SymbolId, cols: [&[f64]; 6]) -> ClosedMask {
        let n = cols[0].len();
        // With no session open every bar is refused, and nothing is left to store.
        let Some(a) = self.active.as_ref().filter(|_| n > 0) else {
            return 0;
        };
        let s = &mut self.symbols[id as usize];
        let next_chunk = |from: usize| Some((from + BATCH_CHUNK).min(n));
        let (config, expected) = (&self.config, self.expected_sessions);
        Self::store_chunks(s, a, self.base_ms, config, expected, cols, next_chunk).1
    }

    /// Stores a batch in symbol `s` chunk by chunk while `next_chunk(from)` gives the end of the
    /// next chunk to store (the caller has validated it), stopping at its first `None` or at the
    /// end. Updates the base series and its indicators, then the derived intervals one at a time:
    /// the intervals are independent. Returns how many bars it stored and the series that closed
    /// bars.
    ///
    /// A batch of [`PARALLEL_BATCH`] bars or more with three or more derived intervals has some
    /// of them folded on a second thread, which follows the chunks as they are stored; the
    /// intervals are shared so that the two threads' estimated work is close (see [`share`]).
    /// The threads write disjoint series; the result is the same as on one.
    fn store_chunks(
        s: &mut SymbolState,
        a: &Active,
        base_ms: i64,
        config: &StoreConfig,
        expected_sessions: usize,
        cols: [&[f64]; 6],
        mut next_chunk: impl FnMut(usize) -> Option<usize>,
    ) -> (usize, ClosedMask) {
        let n = cols[0].len();
        if n == 0 {
            return (0, 0);
        }
        let Some(first) = next_chunk(0) else {
            return (0, 0);
        };
        if s.bars_this_session == 0 {
            Self::reserve_session(s, a, base_ms, config, expected_sessions);
        }
        let flat = config.empty_buckets == EmptyBuckets::Flat;
        let base = &mut s.base;
        let split = n >= PARALLEL_BATCH && s.derived.len() >= 3;
        let streaming = n >= STREAMING_BATCH;
        let (mut mine, mut theirs) = share(&mut s.derived, &a.grids, split);
        let frontier = AtomicUsize::new(0);
        let done = AtomicBool::new(false);
        let (mut stored, mut my_mask) = (0, 0);
        // Should the follower grow a series, the block counts where this thread's do.
        let account = thread_account();
        let followed = std::thread::scope(|scope| {
            // Set however this closure ends: were the loop below to panic, the follower would
            // otherwise wait for it forever and the scope would never join.
            let _finish = Finish(&done);
            let follower = (!theirs.is_empty())
                .then(|| {
                    std::thread::Builder::new()
                        .name("barstream-batch".into())
                        .spawn_scoped(scope, || {
                            adopt_account(account);
                            follow(&mut theirs, cols, flat, &frontier, &done)
                        })
                        .ok()
                })
                .flatten();
            let mut to = first;
            loop {
                let chunk = cols.map(|c| &c[stored..to]);
                my_mask |= store_many(Some(&mut *base), &mut mine, chunk, flat, streaming);
                stored = to;
                frontier.store(stored, Ordering::Release);
                if stored == n {
                    break;
                }
                match next_chunk(stored) {
                    Some(end) => to = end,
                    None => break,
                }
            }
            done.store(true, Ordering::Release);
            follower.map(|f| f.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
        });
        // Where no thread could be started, the caller's folds the rest.
        let their_mask = followed.unwrap_or_else(|| {
            store_many(None, &mut theirs, cols.map(|c| &c[..stored]), flat, false)
        });
        s.bars_this_session += stored;
        s.last_time = Some(cols[0][stored - 1] as i64);
        (stored, 1 | ((my_mask | their_mask) << 1))
    }
}

/// Sets its flag when dropped: the leader's end, normal or by panic, as [`follow`] sees it.
struct Finish<'a>(&'a AtomicBool);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Folds a batch into `derived` as another thread validates and stores it: `frontier` is how many
/// bars are valid, final once `done` is set. Returns the mask of the series that closed bars, bit
/// `i` for derived interval `i` (as [`store_many`]).
fn follow(
    derived: &mut [Fold<'_>],
    cols: [&[f64]; 6],
    flat: bool,
    frontier: &AtomicUsize,
    done: &AtomicBool,
) -> ClosedMask {
    let (mut from, mut mask, mut idle) = (0, 0, 0u32);
    loop {
        // `done` first: once it is set, `frontier` is final.
        let finished = done.load(Ordering::Acquire);
        let to = frontier.load(Ordering::Acquire);
        if to > from {
            mask |= store_many(None, derived, cols.map(|c| &c[from..to]), flat, false);
            from = to;
            idle = 0;
        } else if finished {
            return mask;
        } else if idle < 64 {
            idle += 1;
            std::hint::spin_loop();
        } else {
            // On a machine with fewer free cores than threads, spinning would hold back the
            // thread it waits for.
            std::thread::yield_now();
        }
    }
}

/// Bars a batch must have before its derived intervals are split between two threads.
const PARALLEL_BATCH: usize = 1 << 16;

/// Bars a batch is validated and stored at a time, so that each step reads them from cache rather
/// than memory.
const BATCH_CHUNK: usize = 4096;

/// Bars in a batch from which its base bars are copied past the caches
/// ([`Columns::extend_streaming`](crate::Columns::extend_streaming)): 3 MiB of bars and more.
const STREAMING_BATCH: usize = 1 << 16;

/// A derived interval to fold a batch into: its state, its grid, and its index among the derived
/// intervals (its bit in a mask of them).
type Fold<'a> = (&'a mut Derived, &'a Grid, usize);

/// Work of a batch on the thread that validates and stores the base series, in passes over the
/// batch (see [`fold_cost`]): validating it and copying it into the base block, measured on 1M
/// bars against the folds of 5m, 15m, 30m and 1h. Since that copy streams past the caches, 3.0
/// measured level with it.
const BASE_COST: f64 = 4.9;

/// Work of folding a batch into a derived interval `ratio` base bars long, in passes over the
/// batch: one pass merging every bar, and a closed bucket costs about 6.5 bars' merges (the bar
/// is stored, the next one starts), more with indicators to update. Measured on 1M bars: a 5m
/// fold costs 2.3 passes, a 1h fold 1.1.
fn fold_cost(ratio: f64, indicators: usize) -> f64 {
    1.0 + 6.5 * (1 + indicators) as f64 / ratio.max(1.0)
}

/// The derived intervals of a batch, shared between the thread that stores the base series and,
/// when `split`, a second one: each interval, costliest first, goes to the thread with less
/// estimated work so far, the storing thread starting at [`BASE_COST`]. Without `split`, all stay
/// with the storing thread.
fn share<'a>(
    derived: &'a mut [Derived],
    grids: &'a [Grid],
    split: bool,
) -> (Vec<Fold<'a>>, Vec<Fold<'a>>) {
    let mut folds: Vec<(f64, Fold<'a>)> = derived
        .iter_mut()
        .zip(grids)
        .enumerate()
        .map(|(i, (d, g))| {
            let cost = fold_cost(g.bars_per_bucket(), d.series.indicators.len());
            (cost, (d, g, i))
        })
        .collect();
    if !split {
        return (folds.into_iter().map(|(_, f)| f).collect(), Vec::new());
    }
    folds.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut mine, mut theirs) = (Vec::new(), Vec::new());
    let (mut my_cost, mut their_cost) = (BASE_COST, 0.0);
    for (cost, fold) in folds {
        if their_cost < my_cost {
            their_cost += cost;
            theirs.push(fold);
        } else {
            my_cost += cost;
            mine.push(fold);
        }
    }
    (mine, theirs)
}

/// Stores a batch of valid bars in `base` (when given; with its indicators, if any) and folds them
/// into `derived`, a chunk at a time. Returns the mask of the derived series that closed bars, bit
/// `i` for derived interval `i`.
fn store_many(
    mut base: Option<&mut Series>,
    derived: &mut [Fold<'_>],
    cols: [&[f64]; 6],
    flat: bool,
    streaming: bool,
) -> ClosedMask {
    let n = cols[0].len();
    let mut mask: ClosedMask = 0;
    for from in (0..n).step_by(BATCH_CHUNK) {
        let chunk = cols.map(|c| &c[from..(from + BATCH_CHUNK).min(n)]);
        match base.as_deref_mut() {
            Some(b) if b.indicators.is_empty() && streaming => b.columns.extend_streaming(chunk),
            Some(b) if b.indicators.is_empty() => b.columns.extend(chunk),
            Some(b) => {
                for i in 0..chunk[0].len() {
                    let [t, o, h, l, c, v] = chunk.map(|col| col[i]);
                    b.close(&Bar::new(t, o, h, l, c, v));
                }
            }
            None => {}
        }
        for (d, grid, i) in derived.iter_mut() {
            if d.aggregator.update_many(grid, chunk, flat, &mut d.series) {
                mask |= 1 << *i;
            }
        }
    }
    mask
}

/// A symbol's state before a batch, to undo the chunks of it stored before a later bar turned out
/// invalid.
pub(super) struct SymbolMark {
    last_time: Option<i64>,
    bars_this_session: usize,
    base: SeriesMark,
    derived: Vec<(Aggregator, SeriesMark)>,
}

struct SeriesMark {
    len: usize,
    indicators: Vec<AnyIndicator>,
}

impl SymbolState {
    pub(super) fn mark(&self) -> SymbolMark {
        SymbolMark {
            last_time: self.last_time,
            bars_this_session: self.bars_this_session,
            base: self.base.mark(),
            derived: self
                .derived
                .iter()
                .map(|d| (d.aggregator.clone(), d.series.mark()))
                .collect(),
        }
    }

    /// Returns to `mark`, taken by [`SymbolState::mark`] earlier in the same call: no view can
    /// have been made of the bars stored since.
    pub(super) fn rewind(&mut self, mark: SymbolMark) {
        self.last_time = mark.last_time;
        self.bars_this_session = mark.bars_this_session;
        self.base.rewind(mark.base);
        for (d, (aggregator, series)) in self.derived.iter_mut().zip(mark.derived) {
            d.aggregator = aggregator;
            d.series.rewind(series);
        }
    }
}

impl Series {
    fn mark(&self) -> SeriesMark {
        SeriesMark {
            len: self.columns.len(),
            indicators: self.indicators.clone(),
        }
    }

    fn rewind(&mut self, mark: SeriesMark) {
        self.columns.rewind(mark.len);
        self.indicators = mark.indicators;
    }
}
