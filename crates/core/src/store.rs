//! The session store: per symbol, a base series and its derived series, fed bar by bar or in
//! batches, within one session at a time.
//!
//! # Buckets
//! A base bar at `t` belongs to bucket `floor((t - anchor) / interval)` of each derived interval. The
//! anchor is the session open under [`Alignment::Session`] and the exchange midnight
//! ([`Session::day_start`]) under [`Alignment::Clock`]. A derived bar's time is its bucket's start;
//! open = first open, high = max, low = min, close = last close, volume = sum. Buckets are cut at the
//! session close. `1d` is one bucket per session.
//!
//! # Closing
//! A bucket closes at the earliest of: the base bar in its last slot arrives; a base bar of a later
//! bucket arrives; [`SessionStore::advance_to`] reaches its end; [`SessionStore::end_session`].
//! An empty bucket makes no bar under [`EmptyBuckets::Skip`], and a flat bar at the last close with
//! zero volume under [`EmptyBuckets::Flat`] (never before the symbol's first bar of the session).
//! Base bars are closed when they are appended.
//!
//! # Validation
//! A base bar is rejected, counted per symbol and reason, and changes nothing else, when: no session
//! is open; a field is not finite (or `time` is not whole milliseconds); it lies outside
//! `[open, close)`; `time` is off the base grid anchored at the open; it is not later than the
//! symbol's last bar (`duplicate`, `out_of_order`); it falls in a bucket the clock already closed
//! (`late`); `high < max(open, close)`; `low > min(open, close)`; `volume < 0`; `volume` above
//! [`MAX_VOLUME`]. The first failing check, in that order, names the reason.
//!
//! # Quality
//! Per symbol, the store measures the open session's data quality as bars come (expected,
//! received, rejected, late and missing base bars, derived buckets closed with and without data,
//! gaps): see [`crate::quality`], [`SessionStore::quality`] and [`SessionStore::take_gaps`].

use crate::aggregate::{Aggregator, Grid, Sink};
use crate::bar::Bar;
use crate::columns::{max_view_bars, thread_account, Columns, MemoryAccount, COLUMN_COUNT};
use crate::error::{At, ClockReading, Error, Num, RejectReason, Rejection, Result};
use crate::indicators::{AnyIndicator, Indicator, IndicatorSpec};
use crate::interval::Interval;
use crate::quality::{
    next_slot, slots_in, slots_passed, BaseQuality, Gap, IntervalQuality, SessionTally,
    SymbolQuality,
};
use crate::session::{Session, MAX_TIME};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use validation::Rules;

mod batch;
mod validation;

/// Bars a batch validates at a time on its fast path (see `SessionStore::regular_run`).
const REGULAR_CHUNK: usize = 512;

/// The most bars a series reserves room for at the start of a session.
const MAX_SESSION_RESERVE: usize = 1 << 22;

/// The most bars a series reserves for the sessions [`SessionStore::expect_sessions`] announces,
/// unless one session alone needs more: beyond it a series grows as it fills, which copies each
/// bar O(1) times, rather than holding memory (and views larger than JavaScript can make) for
/// bars that may never come.
const MAX_EXPECTED_RESERVE: usize = 1 << 20;

/// The room a series reserves a session: `one`, what the session can make at most; or, once the
/// symbol has ended a session, a quarter more than the series gained in it (at least one bar), if
/// that is less. An illiquid symbol (or one that trades part of extended hours) would otherwise
/// hold a session of unused room in every series, for every session a plan announces. Where a
/// session brings more, the block grows by its headroom, and the session after reserves by the
/// new rate.
/// A series that filled its last session (see `SymbolState::last_gains`) reserves whole sessions,
/// whatever their length: a full symbol after an early close reserves a full session again.
const FILLED: usize = usize::MAX;

fn per_session_room(one: usize, gained: Option<usize>) -> usize {
    match gained {
        Some(g) => one.min(g.saturating_add(g / 4).max(1)),
        None => one,
    }
}

/// The last bar time of a removed symbol's record: later than any bar can be, so that
/// [`SessionStore::append`] refuses every bar for it without a test of its own. Far enough from
/// `i64::MAX` that a bar time minus it cannot overflow, before 1970 included.
const REMOVED: i64 = i64::MAX / 2;

/// The largest volume a base bar may have. A bucket holds fewer than 2^45 base bars (a session
/// spans less than 1.8e16 ms, a base interval is at least a second), so a derived bar's volume, their
/// sum, stays below 4e303: finite, like every field of every bar the store holds.
pub const MAX_VOLUME: f64 = 1e290;

/// A symbol's index in the store, given by [`SessionStore::intern`].
pub type SymbolId = u32;

/// Bit `s` set means series `s` closed at least one bar (series 0 is the base interval, series
/// `1..` the derived intervals in configuration order).
pub type ClosedMask = u32;

/// Where buckets are anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alignment {
    /// At the session open: with a 09:30 open, `1h` bars start 09:30, 10:30, ...
    Session,
    /// At midnight in the exchange's time zone: `1h` bars start 09:00, 10:00, ... Only intervals
    /// that divide a day are allowed.
    Clock,
}

/// What an empty bucket makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyBuckets {
    /// Nothing.
    Skip,
    /// A flat bar at the last close with zero volume.
    Flat,
}

/// What to do with invalid bars in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidBars {
    /// Reject the whole batch at the first invalid bar: nothing is stored, that bar's rejection is
    /// counted, and the error names its index.
    Throw,
    /// Reject and count each invalid bar, store the others: the same as appending them one by one
    /// and catching each error.
    Skip,
}

/// How a store is set up.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The interval of the bars that are appended (`1m` usually). Must be fixed, not `1d`.
    pub base: Interval,
    /// Derived intervals, each a whole multiple of the base, or `1d`. At most 31, no repeats, none
    /// equal to the base.
    pub intervals: Vec<Interval>,
    pub alignment: Alignment,
    pub empty_buckets: EmptyBuckets,
    /// Base bars per symbol per session to reserve room for; by default the session's slot count.
    pub capacity_hint: Option<usize>,
    /// Keep only the bars of the last N sessions, applied at each session end; by default all.
    pub retain_sessions: Option<usize>,
    /// Indicators per series: `indicators[s]` for series `s` (0 = the base interval, then the
    /// derived ones in order). Shorter than the series count means none for the rest. Each is
    /// computed on every symbol's closed bars of its series, in the same call that closes them.
    pub indicators: Vec<Vec<IndicatorSpec>>,
}

impl StoreConfig {
    /// A configuration with session alignment, skipped empty buckets and no retention limit.
    pub fn new(base: Interval, intervals: Vec<Interval>) -> StoreConfig {
        StoreConfig {
            base,
            intervals,
            alignment: Alignment::Session,
            empty_buckets: EmptyBuckets::Skip,
            capacity_hint: None,
            retain_sessions: None,
            indicators: Vec::new(),
        }
    }

    /// The output names of series `s`'s indicators, in column order (see
    /// [`IndicatorSpec::output_names`]).
    pub fn output_names(&self, s: usize) -> Vec<String> {
        self.indicators.get(s).map_or_else(Vec::new, |specs| {
            specs.iter().flat_map(IndicatorSpec::output_names).collect()
        })
    }

    fn validate(&self) -> Result<i64> {
        let Some(base) = self.base.millis() else {
            return Err(Error::config(
                "baseInterval",
                "the base interval must be fixed (Ns, Nm or Nh), not 1d",
            ));
        };
        // Longer, a bucket's start plus its length could pass the end of an i64 of milliseconds.
        let too_long = |iv: &Interval| iv.millis().is_some_and(|ms| ms > MAX_TIME);
        if too_long(&self.base) {
            return Err(Error::config(
                "baseInterval",
                format!("{} is longer than {MAX_TIME} ms", self.base),
            ));
        }
        if let Some(iv) = self.intervals.iter().find(|iv| too_long(iv)) {
            return Err(Error::config(
                "intervals",
                format!("{iv} is longer than {MAX_TIME} ms"),
            ));
        }
        if self.intervals.len() > 31 {
            return Err(Error::config(
                "intervals",
                format!("{} derived intervals; at most 31", self.intervals.len()),
            ));
        }
        for (i, iv) in self.intervals.iter().enumerate() {
            if *iv == self.base {
                return Err(Error::config(
                    "intervals",
                    format!("{iv} is the base interval"),
                ));
            }
            if self.intervals[..i].contains(iv) {
                return Err(Error::config("intervals", format!("{iv} is listed twice")));
            }
            if let Some(ms) = iv.millis() {
                if ms % base != 0 {
                    return Err(Error::config(
                        "intervals",
                        format!(
                            "{iv} is not a whole multiple of the base interval {}",
                            self.base
                        ),
                    ));
                }
                if self.alignment == Alignment::Clock && 86_400_000 % ms != 0 {
                    return Err(Error::config(
                        "intervals",
                        format!("{iv} does not divide a day, so it cannot be clock-aligned"),
                    ));
                }
            }
        }
        if self.capacity_hint == Some(0) {
            return Err(Error::config("capacityHint", "must be at least 1"));
        }
        if self.retain_sessions == Some(0) {
            return Err(Error::config("retainSessions", "must be at least 1"));
        }
        if self.indicators.len() > 1 + self.intervals.len() {
            return Err(Error::config(
                "indicators",
                format!(
                    "given for {} series; the store has {}",
                    self.indicators.len(),
                    1 + self.intervals.len()
                ),
            ));
        }
        for s in 0..self.indicators.len() {
            let names = self.output_names(s);
            for (i, name) in names.iter().enumerate() {
                if names[..i].contains(name) {
                    let interval = if s == 0 {
                        self.base
                    } else {
                        self.intervals[s - 1]
                    };
                    return Err(Error::config(
                        "indicators",
                        format!("{name} is listed twice for '{interval}'"),
                    ));
                }
            }
        }
        Ok(base)
    }
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOutcome {
    /// Bars stored.
    pub appended: usize,
    /// Bars rejected (under [`InvalidBars::Skip`]), each with its index in the batch.
    pub rejected: Vec<Rejection>,
    /// Union of the series that closed bars.
    pub closed: ClosedMask,
}

struct SymbolState {
    name: String,
    base: Series,
    /// Derived interval `i` is series `i + 1`.
    derived: Vec<Derived>,
    last_time: Option<i64>,
    bars_this_session: usize,
    /// Per series, its length when the open (or last) session began.
    start_lens: Vec<usize>,
    /// Per series, the bars it gained in the last session that ended while the symbol was known
    /// (`None` before any), or [`FILLED`] where that was four fifths of the room from the symbol's
    /// first bar of the session or more, that room being a fifth of the session at least: what the
    /// next session reserves room by (see `per_session_room`).
    last_gains: Option<Vec<usize>>,
    /// Series lengths at the end of each retained session, oldest first (kept under retention only).
    session_ends: VecDeque<Vec<usize>>,
    rejections: [u64; RejectReason::COUNT],
    /// This session's rejections and gaps, for its quality record.
    tally: SessionTally,
    /// The number (`SessionStore::session_seq`) of the first session this symbol took part in:
    /// a symbol first used between two sessions has no record of the one that ended.
    since: u64,
}

struct Derived {
    aggregator: Aggregator,
    series: Series,
}

/// A series' closed bars and the indicators computed on them, stored side by side in one block.
struct Series {
    columns: Columns,
    indicators: Vec<AnyIndicator>,
    /// Where each indicator's outputs start in `values`, and one past the last.
    offsets: Vec<usize>,
    /// The outputs of one bar, every indicator's in turn; sized once so a bar allocates nothing.
    values: Vec<f64>,
}

impl Series {
    fn new(specs: &[IndicatorSpec]) -> Series {
        let indicators: Vec<AnyIndicator> = specs.iter().map(IndicatorSpec::build_any).collect();
        // A series without indicators (most of them) allocates nothing here.
        let mut offsets = Vec::new();
        if !indicators.is_empty() {
            offsets.push(0);
            for i in &indicators {
                offsets.push(offsets[offsets.len() - 1] + i.output_count());
            }
        }
        let outputs = offsets.last().copied().unwrap_or(0);
        Series {
            columns: Columns::with_outputs(outputs),
            indicators,
            offsets,
            values: vec![f64::NAN; outputs],
        }
    }

    /// Stores a closed bar with its indicator values.
    #[inline]
    fn close(&mut self, bar: &Bar) {
        if self.indicators.is_empty() {
            self.columns.push(bar);
            return;
        }
        for (ind, at) in self.indicators.iter_mut().zip(self.offsets.windows(2)) {
            ind.update(bar, &mut self.values[at[0]..at[1]]);
        }
        self.columns.push_with(bar, &self.values);
    }

    /// What the indicators would give if `bar` closed now; nothing changes.
    fn peek(&self, bar: &Bar, out: &mut [f64]) {
        for (ind, at) in self.indicators.iter().zip(self.offsets.windows(2)) {
            ind.peek(bar, &mut out[at[0]..at[1]]);
        }
    }

    fn session_start(&mut self) {
        self.indicators.iter_mut().for_each(|i| i.session_start());
    }
}

impl Sink for Series {
    #[inline]
    fn closed(&mut self, bar: &Bar) {
        self.close(bar);
    }
}

impl SymbolState {
    fn series(&self, s: usize) -> Option<&Columns> {
        match s {
            0 => Some(&self.base.columns),
            _ => self.derived.get(s - 1).map(|d| &d.series.columns),
        }
    }

    fn all_series(&self) -> impl Iterator<Item = &Columns> {
        std::iter::once(&self.base.columns).chain(self.derived.iter().map(|d| &d.series.columns))
    }

    fn all_series_mut(&mut self) -> impl Iterator<Item = &mut Columns> {
        std::iter::once(&mut self.base.columns)
            .chain(self.derived.iter_mut().map(|d| &mut d.series.columns))
    }
}

struct Active {
    session: Session,
    grids: Vec<Grid>,
    /// Bars before this time fall in a bucket the clock has closed.
    late_before: i64,
    clock: i64,
    /// Per grid, `Grid::closed_through` at the clock (at the open before the first `advance_to`):
    /// while no grid's value moves, no bucket can end by the clock, so nothing closes.
    through: Vec<i64>,
}

/// The store. See the module documentation for the full contract.
pub struct SessionStore {
    config: StoreConfig,
    base_ms: i64,
    symbols: Vec<SymbolState>,
    ids: HashMap<String, SymbolId>,
    active: Option<Active>,
    last_close: Option<i64>,
    closed_scratch: Vec<(SymbolId, ClosedMask)>,
    /// The session that ended last, kept so that its quality stays readable until the next begins.
    ended: Option<Active>,
    /// Sessions still expected, the open one included (see [`SessionStore::expect_sessions`]).
    expected_sessions: usize,
    /// Sessions begun so far; the open (or last) one is number `session_seq`.
    session_seq: u64,
    /// Gaps recorded since the last [`SessionStore::take_gaps`], oldest first.
    gap_queue: Vec<Gap>,
    /// The gaps a batch reveals while it is validated, kept until it is stored (reused).
    gap_scratch: Vec<(i64, i64)>,
    /// Per id, whether it names a symbol (false once removed, until a new symbol takes it). Apart
    /// from the records so that the check an append makes reads one byte of a small hot array,
    /// not another cache line of a record that a time slice visits cold.
    known: Vec<bool>,
    /// Ids of removed symbols that a new symbol may take.
    free: Vec<SymbolId>,
    /// Ids of removed symbols with gaps still queued: free once the queue is taken, so that no gap
    /// is ever handed out under the id of another symbol.
    held: Vec<SymbolId>,
    /// The account of the thread that made the store, where its blocks count.
    account: Arc<MemoryAccount>,
}

impl SessionStore {
    /// A store with this configuration.
    ///
    /// # Errors
    /// [`Error::Config`] naming the parameter: a `1d` base, a derived interval that is not a whole
    /// multiple of the base, repeated or equal to it, more than 31 intervals, a clock-aligned interval
    /// that does not divide a day, a zero capacity hint or retention.
    pub fn new(config: StoreConfig) -> Result<SessionStore> {
        let base_ms = config.validate()?;
        Ok(SessionStore {
            config,
            base_ms,
            symbols: Vec::new(),
            ids: HashMap::new(),
            active: None,
            last_close: None,
            closed_scratch: Vec::new(),
            ended: None,
            expected_sessions: 0,
            session_seq: 0,
            gap_queue: Vec::new(),
            gap_scratch: Vec::new(),
            known: Vec::new(),
            free: Vec::new(),
            held: Vec::new(),
            account: thread_account(),
        })
    }

    /// The memory account of the thread that made the store: the blocks it makes there count in
    /// it (see [`MemoryAccount`]).
    pub fn memory_account(&self) -> &MemoryAccount {
        &self.account
    }

    /// The configuration.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Series per symbol: the base interval and every derived one.
    pub fn series_count(&self) -> usize {
        1 + self.config.intervals.len()
    }

    /// The id of `symbol`, adding it on first use. Ids are dense, from 0: a new symbol takes the id
    /// of a removed one (see [`SessionStore::remove_symbol`]) when there is one free, else the next.
    pub fn intern(&mut self, symbol: &str) -> SymbolId {
        if let Some(&id) = self.ids.get(symbol) {
            return id;
        }
        let state = self.new_symbol(symbol);
        let id = match self.free.pop() {
            Some(id) => {
                self.symbols[id as usize] = state;
                self.known[id as usize] = true;
                id
            }
            None => {
                self.symbols.push(state);
                self.known.push(true);
                (self.symbols.len() - 1) as SymbolId
            }
        };
        self.ids.insert(symbol.to_owned(), id);
        id
    }

    /// A symbol's state before its first bar.
    fn new_symbol(&self, symbol: &str) -> SymbolState {
        let specs = |s: usize| self.config.indicators.get(s).map_or(&[][..], Vec::as_slice);
        // Under retention a series drops a session for each it takes: room for half again as much
        // moves it once every `retain / 2` sessions instead of every `retain / 4`, for memory that
        // retention bounds anyway.
        let headroom = if self.config.retain_sessions.is_some() {
            2
        } else {
            4
        };
        let series = |s: usize| {
            let mut series = Series::new(specs(s));
            series.columns.set_headroom(headroom);
            series
        };
        SymbolState {
            name: symbol.to_owned(),
            base: series(0),
            derived: (0..self.config.intervals.len())
                .map(|i| Derived {
                    aggregator: Aggregator::default(),
                    series: series(i + 1),
                })
                .collect(),
            last_time: None,
            bars_this_session: 0,
            start_lens: Vec::new(),
            last_gains: None,
            session_ends: VecDeque::new(),
            rejections: [0; RejectReason::COUNT],
            tally: SessionTally::default(),
            // Used during a session, it takes part in it; between sessions, in the next one.
            since: self.session_seq + u64::from(self.active.is_none()),
        }
    }

    /// Asks the processor to bring into cache what appending a bar for symbol `id` touches first:
    /// its state, the slots of its base series the bar goes to, and its derived intervals' forming
    /// bars. A caller appending for many symbols in turn (a time slice) calls it a bar or two
    /// ahead. A hint only: nothing changes, and an unknown id does nothing.
    #[inline]
    pub fn prefetch(&self, id: SymbolId) {
        let Some(s) = self.symbols.get(id as usize) else {
            return;
        };
        s.base.columns.prefetch_next();
        for d in &s.derived {
            crate::columns::prefetch((&d.aggregator as *const Aggregator).cast());
        }
    }

    /// Prefetches symbol `id`'s own record (see [`SessionStore::prefetch`]), which the fuller
    /// prefetch reads; a call further ahead.
    #[inline]
    pub fn prefetch_record(&self, id: SymbolId) {
        if let Some(s) = self.symbols.get(id as usize) {
            crate::columns::prefetch((s as *const SymbolState).cast());
        }
    }

    /// Ids given so far, removed symbols' included: ids are `0..symbol_count()`.
    pub fn symbol_count(&self) -> usize {
        self.symbols.len()
    }

    /// Whether `id` names a symbol the store knows (given, and not removed since).
    pub fn knows(&self, id: SymbolId) -> bool {
        self.known.get(id as usize).copied().unwrap_or(false)
    }

    /// The id of `symbol` if it is known (used and not removed since).
    pub fn symbol_id(&self, symbol: &str) -> Option<SymbolId> {
        self.ids.get(symbol).copied()
    }

    /// Known symbols' names in id order (removed ones left out).
    pub fn symbols(&self) -> impl Iterator<Item = &str> {
        self.symbols
            .iter()
            .zip(&self.known)
            .filter(|(_, &known)| known)
            .map(|(s, _)| s.name.as_str())
    }

    /// Forgets `symbol`: its bars, forming bars, indicator state, rejection counts and quality
    /// record go, and it takes part in no later session (no gap, no quality record). The memory of
    /// its series is freed, except blocks that views still hold, which keep their values. Its id
    /// names nothing until a new symbol takes it: the next symbol interned once the gaps queued
    /// before the removal have been taken ([`SessionStore::take_gaps`]), so a queued gap always
    /// names the symbol it was found for. If the symbol comes back, it is interned afresh, as a
    /// symbol never seen. A service whose symbols come and go calls it for each that leaves: the
    /// store then holds, and visits at each session and clock move, only the symbols it knows.
    /// Returns `false`, changing nothing, when the store does not know `symbol`.
    ///
    /// # Errors
    /// [`Error::Session`] `session_open` while a session is open: a symbol leaves between sessions.
    pub fn remove_symbol(&mut self, symbol: &str) -> Result<bool> {
        self.no_session_open(|| format!("remove '{symbol}' after it ends"))?;
        let Some(id) = self.ids.remove(symbol) else {
            return Ok(false);
        };
        let s = &mut self.symbols[id as usize];
        // Everything the record owns goes; its fixed part waits for the next symbol to take the id.
        self.known[id as usize] = false;
        s.name = String::new();
        s.base = Series::new(&[]);
        s.derived = Vec::new();
        s.last_time = Some(REMOVED);
        s.bars_this_session = 0;
        s.start_lens = Vec::new();
        s.last_gains = None;
        s.session_ends = VecDeque::new();
        s.rejections = [0; RejectReason::COUNT];
        s.tally = SessionTally::default();
        if self.gap_queue.iter().any(|g| g.symbol == id) {
            self.held.push(id);
        } else {
            self.free.push(id);
        }
        Ok(true)
    }

    /// # Errors
    /// [`Error::Session`] `session_open` while a session is open, saying what to do (`then`).
    fn no_session_open(&self, then: impl FnOnce() -> String) -> Result<()> {
        match &self.active {
            Some(a) => Err(Error::session(
                "session_open",
                format!(
                    "a session ({} to {}) is open; {}",
                    At(a.session.open as f64),
                    At(a.session.close as f64),
                    then()
                ),
            )),
            None => Ok(()),
        }
    }

    /// The open session, if any.
    pub fn session(&self) -> Option<&Session> {
        self.active.as_ref().map(|a| &a.session)
    }

    /// The time before which a base bar of the open session is rejected as `late`: the start of
    /// the earliest bucket the clock ([`SessionStore::advance_to`]) has not closed, over every
    /// derived interval. `None` when no session is open or the clock has closed no bucket (no
    /// derived interval, or none ended yet). Bars are judged against it as they come, so a caller
    /// can tell before appending which of them will be stored.
    pub fn late_before(&self) -> Option<i64> {
        self.active
            .as_ref()
            .map(|a| a.late_before)
            .filter(|&t| t != i64::MIN)
    }

    /// Opens a session.
    ///
    /// # Errors
    /// [`Error::Session`]: `session_open` when one is already open; `session_order` when it opens
    /// before the previous one closed; `invalid_session` when its times are out of order (see
    /// [`Session::check`]) or, under clock alignment, the open is not on the base grid counted from
    /// the exchange midnight.
    pub fn begin_session(&mut self, session: Session) -> Result<()> {
        session.check()?;
        self.no_session_open(|| "end it first".into())?;
        if let Some(prev) = self.last_close {
            if session.open < prev {
                return Err(Error::session(
                    "session_order",
                    format!(
                        "session opening at {} starts before the previous one closed at {}: the store has had a session since; begin a later one, or clear() the store",
                        At(session.open as f64),
                        At(prev as f64)
                    ),
                ));
            }
        }
        let (anchor, shift) = match self.config.alignment {
            // Buckets run in elapsed time from the open: a clock change does not move them.
            Alignment::Session => (session.open, None),
            Alignment::Clock => {
                let wall = session.wall_since_day_start(session.open);
                if wall % self.base_ms != 0 {
                    // The clock's reading, not the time since the day's start: on a day whose
                    // clocks skip midnight the day starts at the skip's end, already past 00:00.
                    return Err(Error::session(
                        "invalid_session",
                        format!(
                            "open {} shows {} on the exchange's clock, not on the {} grid from its midnight (the day starts {})",
                            At(session.open as f64),
                            ClockReading(wall),
                            self.config.base,
                            At(session.day_start as f64)
                        ),
                    ));
                }
                if let Some(c) = session.clock_shift {
                    // Only a change inside the session moves bucket starts off its base grid.
                    if c.by % self.base_ms != 0 && c.at > session.open && c.at < session.close {
                        return Err(Error::session(
                            "invalid_session",
                            format!(
                                "the clocks move by {} ms during the session, not a whole number of {} bars",
                                c.by, self.config.base
                            ),
                        ));
                    }
                }
                (session.day_start, session.clock_shift)
            }
        };
        let grids: Vec<Grid> = self
            .config
            .intervals
            .iter()
            .map(|iv| Grid::new(*iv, anchor, &session, self.base_ms, shift))
            .collect();
        if self.config.empty_buckets == EmptyBuckets::Flat {
            // A flat bucket is a bar, whether or not any bar comes: a session longer than one view
            // of a series can cover (a close given in microseconds, say) would have the store fill
            // buckets until memory ran out, which aborts the process.
            for (i, g) in grids.iter().enumerate() {
                let outputs: usize = self.config.indicators.get(i + 1).map_or(0, |specs| {
                    specs.iter().map(IndicatorSpec::output_count).sum()
                });
                let most = max_view_bars(COLUMN_COUNT + outputs);
                let buckets = g.buckets_in_session();
                if buckets > most {
                    return Err(Error::session(
                        "invalid_session",
                        format!(
                            "a session from {} to {} has {} {} buckets: with flat empty buckets that is more bars than one series can hold ({})",
                            At(session.open as f64),
                            At(session.close as f64),
                            buckets,
                            self.config.intervals[i],
                            most
                        ),
                    ));
                }
            }
        }
        let through = grids
            .iter()
            .map(|g| g.closed_through(session.open))
            .collect();
        for (s, _) in self.symbols.iter_mut().zip(&self.known).filter(|(_, &k)| k) {
            let mut lens = std::mem::take(&mut s.start_lens);
            lens.clear();
            lens.extend(s.all_series().map(Columns::len));
            s.start_lens = lens;
            s.bars_this_session = 0;
            s.tally.reset();
            s.base.session_start();
            for d in &mut s.derived {
                d.aggregator.reset_session();
                d.series.session_start();
            }
        }
        self.active = Some(Active {
            session,
            grids,
            late_before: i64::MIN,
            clock: i64::MIN,
            through,
        });
        self.ended = None;
        self.session_seq += 1;
        Ok(())
    }

    /// The rules bars are checked against now.
    fn rules(&self) -> Rules<'_> {
        Rules {
            active: self.active.as_ref(),
            base_ms: self.base_ms,
        }
    }

    /// The message of a rejection, naming the offending values.
    #[cold]
    fn describe(&self, reason: RejectReason, bar: &Bar, last_time: Option<i64>) -> String {
        let (open, close, late_before) = match &self.active {
            Some(a) => (a.session.open, a.session.close, a.late_before),
            None => (0, 0, 0),
        };
        match reason {
            RejectReason::NoSession => format!("no session is open for the bar at {}; call beginSession first", At(bar.time)),
            RejectReason::NonFinite => format!(
                "every field must be a finite number and time whole milliseconds (time {}, open {}, high {}, low {}, close {}, volume {})",
                Num(bar.time), Num(bar.open), Num(bar.high), Num(bar.low), Num(bar.close), Num(bar.volume)
            ),
            RejectReason::OutsideSession => {
                format!("time {} is outside the session [{}, {})", At(bar.time), At(open as f64), At(close as f64))
            }
            RejectReason::OffGrid => {
                format!("time {} is not on the {} grid from the session open {}", At(bar.time), self.config.base, At(open as f64))
            }
            RejectReason::Duplicate => format!("time {} repeats the last bar", At(bar.time)),
            RejectReason::OutOfOrder => {
                format!("time {} is before the last bar at {}", At(bar.time), At(last_time.unwrap_or_default() as f64))
            }
            RejectReason::Late => {
                format!("time {} falls in a bucket that the clock closed at {}", At(bar.time), At(late_before as f64))
            }
            RejectReason::HighBelowOpenClose => format!("high {} is below max(open {}, close {})", Num(bar.high), Num(bar.open), Num(bar.close)),
            RejectReason::LowAboveOpenClose => format!("low {} is above min(open {}, close {})", Num(bar.low), Num(bar.open), Num(bar.close)),
            RejectReason::NegativeVolume => format!("volume {} is negative", Num(bar.volume)),
            RejectReason::VolumeTooLarge => format!("volume {} is above {}, past which a derived bar's sum of volumes could overflow", Num(bar.volume), Num(MAX_VOLUME)),
        }
    }

    #[inline]
    fn symbol_mut(&mut self, id: SymbolId) -> Result<&mut SymbolState> {
        match self.known.get(id as usize) {
            Some(true) => Ok(&mut self.symbols[id as usize]),
            _ => Err(self.unknown(id)),
        }
    }

    /// The error for an id that names no symbol: never given, or removed.
    #[cold]
    #[inline(never)]
    fn unknown(&self, id: SymbolId) -> Error {
        let message = match self.known.get(id as usize) {
            Some(_) => format!("symbol id {id} was removed"),
            None => format!("symbol id {id} is unknown ({} symbols)", self.symbols.len()),
        };
        Error::NotFound { message }
    }

    /// Symbol `id`'s state.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown or removed id.
    fn symbol(&self, id: SymbolId) -> Result<&SymbolState> {
        match self.known.get(id as usize) {
            Some(true) => Ok(&self.symbols[id as usize]),
            _ => Err(self.unknown(id)),
        }
    }

    #[cold]
    fn reject(
        &mut self,
        id: SymbolId,
        reason: RejectReason,
        bar: &Bar,
        last_time: Option<i64>,
        index: Option<usize>,
    ) -> Rejection {
        let s = &mut self.symbols[id as usize];
        s.rejections[reason as usize] += 1;
        // Only `no_session` is refused with no session open, and it belongs to no session's record.
        if self.active.is_some() {
            s.tally.rejected[reason as usize] += 1;
        }
        let message = self.describe(reason, bar, last_time);
        let message = match index {
            Some(i) => format!("bar {i}: {message}"),
            None => message,
        };
        Rejection {
            reason,
            message,
            index,
        }
    }

    /// At the end of a symbol's first session under a plan (see [`SessionStore::expect_sessions`]),
    /// gives back the room its series reserved for bars their rate will not bring: that session's,
    /// reserved before the store could know how much of a session the symbol trades. A series
    /// keeps room for its rate (see `per_session_room`) over the sessions still planned (at least
    /// one), as many as retention holds, and moves only when it holds more than a quarter past
    /// that, and 64 bars more. Later sessions reserve by the rate, so this happens once a symbol
    /// and run.
    fn shrink_to_rate(
        s: &mut SymbolState,
        ended: &Active,
        base_ms: i64,
        config: &StoreConfig,
        remaining: usize,
    ) {
        let slots = ((ended.session.close - ended.session.open + base_ms - 1) / base_ms) as usize;
        let rooms: Vec<usize> = std::iter::once(slots)
            .chain(ended.grids.iter().map(|g| g.buckets_in_session()))
            .collect();
        // Taken out for the loop, which borrows the series mutably, and put back after it.
        let Some(gains) = s.last_gains.take() else {
            return;
        };
        let hint = config
            .capacity_hint
            .unwrap_or(usize::MAX)
            .min(MAX_SESSION_RESERVE);
        let held = config.retain_sessions.map(|keep| keep.saturating_add(1));
        for ((cols, &per_session), &gained) in s.all_series_mut().zip(&rooms).zip(&gains) {
            let one = per_session.min(hint);
            let per = per_session_room(one, Some(gained));
            if per == one {
                continue;
            }
            let len = cols.len();
            let mut keep = per.saturating_mul(remaining.max(1));
            if let Some(held) = held {
                keep = keep.min(per.saturating_mul(held));
            }
            let spare = cols.capacity() - cols.start() - len;
            if spare > keep.saturating_add(keep / 4).saturating_add(64) {
                cols.shrink_to(len.saturating_add(keep));
            }
        }
        s.last_gains = Some(gains);
    }

    /// Reserves room at a symbol's first bar of a session: for this session, or, once the symbol
    /// has ended a session and so has a rate, for the `expected` sessions like it (see
    /// [`SessionStore::expect_sessions`]), as many as retention keeps.
    fn reserve_session(
        s: &mut SymbolState,
        a: &Active,
        base_ms: i64,
        config: &StoreConfig,
        expected: usize,
    ) {
        // A symbol's first session reserves that session only, and no more than a block off huge
        // pages holds: room reserved before the store knows how much of a session the symbol
        // trades would be made resident by its first bar where the block is mapped on huge pages
        // (a huge page of each column), megabytes a symbol, for an illiquid one too. A symbol
        // that fills a longer first session (a day of seconds) grows past it.
        let measured = s.last_gains.is_some();
        let sessions = if measured { expected.max(1) } else { 1 };
        // Retention drops a session only at a session end, so `keep + 1` are held at most.
        let held = config.retain_sessions.map(|keep| keep.saturating_add(1));
        let slots = ((a.session.close - a.session.open + base_ms - 1) / base_ms) as usize;
        // A very long session (a year of seconds, say) grows as it fills instead.
        let hint = config
            .capacity_hint
            .unwrap_or(usize::MAX)
            .min(MAX_SESSION_RESERVE);
        // The plan is a total, stored bars included: these and the sessions to come, or the
        // sessions retention holds, and at most MAX_EXPECTED_RESERVE bars. A session asks for what
        // the plan still lacks (at least its own room), so no session start moves a series that
        // the plan already covers; past the plan a full block grows by its headroom.
        let room = |per_session: usize, len: usize, gained: Option<usize>, width: usize| {
            let first = if measured {
                usize::MAX
            } else {
                crate::columns::bars_off_huge_pages(width)
            };
            let per = per_session_room(per_session.min(hint).min(first), gained);
            let mut total = len.saturating_add(per.saturating_mul(sessions));
            if let Some(held) = held {
                total = total.min(per.saturating_mul(held));
            }
            total
                .min(MAX_EXPECTED_RESERVE.max(len))
                .saturating_sub(len)
                .max(per)
        };
        let gains = s.last_gains.as_deref();
        let gained = |i: usize| gains.and_then(|g| g.get(i).copied());
        let len = s.base.columns.len();
        let width = s.base.columns.width();
        s.base.columns.reserve(room(slots, len, gained(0), width));
        for (i, (g, d)) in a.grids.iter().zip(&mut s.derived).enumerate() {
            let len = d.series.columns.len();
            let width = d.series.columns.width();
            d.series
                .columns
                .reserve(room(g.buckets_in_session(), len, gained(i + 1), width));
        }
    }

    /// Tells the store that `sessions` sessions are coming, counting the open one if any (or the
    /// next one to begin). Each symbol then reserves room for those still to come, or for as many
    /// as retention keeps, at its first bar of its second session, by the rate of its first (see
    /// `per_session_room`), instead of growing session by session: a backtest that knows its date
    /// range copies a symbol's first session once and stores every later bar in place. Its first
    /// session reserves that session alone, as without a plan, so that a symbol the store has not
    /// measured holds no more than a session of room; at its end a sparse symbol's series give
    /// back what their rate will not use (see `shrink_to_rate`). Only a hint: more sessions or
    /// longer ones still fit, and `0` returns to reserving one session at a time.
    pub fn expect_sessions(&mut self, sessions: usize) {
        self.expected_sessions = sessions;
    }

    /// Stores a valid bar and updates the derived series. `t` is `bar.time` as checked.
    #[inline]
    fn apply(&mut self, id: SymbolId, t: i64, bar: &Bar) -> ClosedMask {
        let a = self.active.as_ref().expect("checked");
        let flat = self.config.empty_buckets == EmptyBuckets::Flat;
        let s = &mut self.symbols[id as usize];
        if s.bars_this_session == 0 {
            Self::reserve_session(s, a, self.base_ms, &self.config, self.expected_sessions);
        }
        // The one test quality adds to a bar: does it skip slots?
        let due = next_slot(s.last_time, a.session.open, self.base_ms);
        if t > due {
            record_gap(&mut s.tally, &mut self.gap_queue, id, due, t);
        }
        s.bars_this_session += 1;
        s.last_time = Some(t);
        s.base.close(bar);
        let mut mask: ClosedMask = 1;
        for (i, (d, grid)) in s.derived.iter_mut().zip(&a.grids).enumerate() {
            if d.aggregator.update(grid, t, bar, flat, &mut d.series) {
                mask |= 2 << i;
            }
        }
        mask
    }

    /// Appends one base bar for symbol `id`.
    ///
    /// Returns the series that closed bars (always the base one).
    ///
    /// # Errors
    /// [`Error::Rejected`] with the reason (see the module docs); the rejection is counted and
    /// nothing else changes. [`Error::NotFound`] for an unknown or removed id.
    pub fn append(&mut self, id: SymbolId, bar: &Bar) -> Result<ClosedMask> {
        // A removed symbol's record has a last bar at the end of time, so that every bar for it
        // fails the checks and its id is told apart on that cold path only: a test on the hot path
        // cost a time slice 5-10 ns a bar.
        let last = match self.symbols.get(id as usize) {
            Some(s) => s.last_time,
            None => return Err(self.unknown(id)),
        };
        match self.rules().check(bar, last) {
            Ok(t) => Ok(self.apply(id, t, bar)),
            Err(_) if !self.known[id as usize] => Err(self.unknown(id)),
            Err(reason) => Err(Error::Rejected(self.reject(id, reason, bar, last, None))),
        }
    }

    /// Whether [`SessionStore::append`] would store `bar` for symbol `id` now (`id` `None`: a
    /// symbol the store has not met): `None` if it would, else the reason it would be rejected,
    /// the same one `append` gives. Changes nothing and counts nothing.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an id that names no symbol, or one removed.
    pub fn check(&self, id: Option<SymbolId>, bar: &Bar) -> Result<Option<RejectReason>> {
        let last = match id {
            None => None,
            Some(id) if self.known.get(id as usize) == Some(&true) => {
                self.symbols[id as usize].last_time
            }
            Some(id) => return Err(self.unknown(id)),
        };
        Ok(self.rules().check(bar, last).err())
    }

    /// Moves the clock to `t`: closes every bucket that ends at or before `t`, for every symbol,
    /// with or without data (flat bars for empty ones under [`EmptyBuckets::Flat`]). Later bars in a
    /// bucket closed this way are rejected as `late`. A `t` earlier than a previous one does nothing.
    ///
    /// Returns `(symbol, series)` pairs that closed bars.
    ///
    /// # Errors
    /// [`Error::Session`] `no_session` when no session is open; [`Error::Input`] when `t` is not finite.
    pub fn advance_to(&mut self, t: f64) -> Result<&[(SymbolId, ClosedMask)]> {
        if !t.is_finite() {
            return Err(Error::Input {
                message: format!("advanceTo time {} is not a finite number", Num(t)),
            });
        }
        let Some(a) = self.active.as_mut() else {
            return Err(Error::session(
                "no_session",
                "no session is open; call beginSession first",
            ));
        };
        self.closed_scratch.clear();
        // Before the open nothing can have ended; clamping keeps the bucket arithmetic in range
        // for any time, however far in the past (the cast saturates the far future).
        let t = (t.floor() as i64).max(a.session.open);
        if t <= a.clock {
            return Ok(&self.closed_scratch);
        }
        a.clock = t;
        // Every forming bar lies in a bucket at or after the one holding the previous clock (or the
        // open): earlier bars are late or outside the session. So unless some grid has passed a
        // bucket end since, no bucket ends by `t` (no flat bar is due either), and the symbols need
        // not be visited: in a backtest most slices end inside every derived bucket.
        let mut moved = false;
        for (g, through) in a.grids.iter().zip(a.through.iter_mut()) {
            let now = g.closed_through(t);
            if now != *through {
                *through = now;
                moved = true;
            }
            a.late_before = a.late_before.max(now);
        }
        if !moved {
            return Ok(&self.closed_scratch);
        }
        let flat = self.config.empty_buckets == EmptyBuckets::Flat;
        for (id, s) in self.symbols.iter_mut().enumerate() {
            let mut mask = 0;
            for (i, (d, grid)) in s.derived.iter_mut().zip(&a.grids).enumerate() {
                if d.aggregator.advance(grid, t, flat, &mut d.series) {
                    mask |= 2 << i;
                }
            }
            if mask != 0 {
                self.closed_scratch.push((id as SymbolId, mask));
            }
        }
        Ok(&self.closed_scratch)
    }

    /// Ends the session: closes every forming bar (and, under [`EmptyBuckets::Flat`], makes the flat
    /// bars up to the close), then applies retention. When the session stored 20,000 bars or more
    /// and series outgrew 4 MiB or more of heap blocks since the last time, it hands free heap
    /// memory back to the system (glibc would keep it in the process).
    ///
    /// Returns `(symbol, series)` pairs that closed bars.
    ///
    /// # Errors
    /// [`Error::Session`] `no_session` when no session is open.
    pub fn end_session(&mut self) -> Result<Vec<(SymbolId, ClosedMask)>> {
        let (open, close) = match &self.active {
            Some(a) => (a.session.open, a.session.close),
            None => return Err(Error::session("no_session", "no session is open")),
        };
        let closed = self.advance_to(close as f64)?.to_vec();
        // The trailing gaps, up to the close: every symbol known now took part in this session, so
        // one with no bar at all gets a gap over the whole of it.
        for (id, s) in self.symbols.iter_mut().enumerate() {
            if !self.known[id] {
                continue;
            }
            let due = next_slot(s.last_time, open, self.base_ms);
            if due < close {
                record_gap(
                    &mut s.tally,
                    &mut self.gap_queue,
                    id as SymbolId,
                    due,
                    close,
                );
            }
        }
        let session_bars = self.symbols.iter().map(|s| s.bars_this_session).sum();
        self.ended = self.active.take();
        self.last_close = Some(close);
        // A plan for more than this session made its symbols reserve the sessions after it too.
        let planned = self.expected_sessions > 1;
        self.expected_sessions = self.expected_sessions.saturating_sub(1);
        let retain = self.config.retain_sessions;
        let base_ms = self.base_ms;
        for (s, _) in self.symbols.iter_mut().zip(&self.known).filter(|(_, &k)| k) {
            // A symbol that took no part keeps the rate it had: a symbol listed before it trades
            // (or halted for a session) must not come back to a block sized for nothing. One that
            // came in late is measured from its first bar: what it could still make.
            let took_part = s.bars_this_session > 0;
            let first_session = s.last_gains.is_none();
            if let (true, Some(a)) = (took_part, self.ended.as_ref()) {
                // A symbol first met during the session started it empty.
                let first_index = s.start_lens.first().copied().unwrap_or(0);
                let from = s
                    .base
                    .columns
                    .get(first_index)
                    .map_or(open, |b| (b.time as i64).max(open));
                let rooms = std::iter::once(((close - from + base_ms - 1) / base_ms) as usize)
                    .chain(a.grids.iter().map(|g| g.buckets_from(from)));
                let whole = std::iter::once(((close - open + base_ms - 1) / base_ms) as usize)
                    .chain(a.grids.iter().map(|g| g.buckets_in_session()));
                let gains = s
                    .all_series()
                    .zip(rooms.zip(whole))
                    .enumerate()
                    .map(|(i, (c, (room, whole)))| {
                        let gained = c
                            .len()
                            .saturating_sub(s.start_lens.get(i).copied().unwrap_or(0));
                        // Full only over a fifth of the session at least: a symbol whose one bar
                        // fell in the last slot filled all the room it had, and would take a
                        // whole session of room for every session of a plan.
                        if gained.saturating_mul(5) >= room.saturating_mul(4)
                            && room.saturating_mul(5) >= whole
                        {
                            FILLED
                        } else {
                            gained
                        }
                    })
                    .collect();
                s.last_gains = Some(gains);
            }
            if let Some(keep) = retain {
                s.session_ends
                    .push_back(s.all_series().map(Columns::len).collect());
                if s.session_ends.len() > keep {
                    let drop: Vec<usize> = s.session_ends.pop_front().expect("non-empty");
                    for (cols, n) in s.all_series_mut().zip(&drop) {
                        cols.drop_front(*n);
                    }
                    for ends in &mut s.session_ends {
                        for (e, n) in ends.iter_mut().zip(&drop) {
                            *e -= n;
                        }
                    }
                }
            }
            if let (true, true, true, Some(a)) =
                (planned, first_session, took_part, self.ended.as_ref())
            {
                Self::shrink_to_rate(s, a, base_ms, &self.config, self.expected_sessions);
            }
        }
        crate::columns::release_freed_memory(session_bars);
        Ok(closed)
    }

    /// The closed bars of `series` (0 = base) for symbol `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown or removed id, or an unknown series.
    pub fn series(&self, id: SymbolId, series: usize) -> Result<&Columns> {
        let s = self.symbol(id)?;
        s.series(series).ok_or_else(|| Error::NotFound {
            message: format!(
                "series {series} is unknown ({} series)",
                1 + s.derived.len()
            ),
        })
    }

    /// The bar forming in `series` for symbol `id`: `None` for the base series, when no bucket is
    /// open, or when its bucket has just closed.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id or series.
    pub fn forming(&self, id: SymbolId, series: usize) -> Result<Option<Bar>> {
        self.series(id, series)?;
        if series == 0 {
            return Ok(None);
        }
        Ok(self.symbols[id as usize].derived[series - 1]
            .aggregator
            .forming
            .map(|f| f.bar))
    }

    /// What the indicators of `series` for symbol `id` would be if its forming bar closed now,
    /// written to `out` (one value an output, in column order); nothing changes. Returns `false`,
    /// writing nothing, when there is no forming bar (always for the base series).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id or series; [`Error::Input`] when `out` is not as long
    /// as the series has outputs.
    pub fn peek(&self, id: SymbolId, series: usize, out: &mut [f64]) -> Result<bool> {
        let outputs = self.series(id, series)?.outputs();
        if out.len() != outputs {
            return Err(Error::Input {
                message: format!("peek needs room for {outputs} values, got {}", out.len()),
            });
        }
        if series == 0 {
            return Ok(false);
        }
        let d = &self.symbols[id as usize].derived[series - 1];
        match &d.aggregator.forming {
            Some(f) => {
                d.series.peek(&f.bar, out);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Rejections of symbol `id`, indexed by [`RejectReason`] as `usize`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown or removed id.
    pub fn rejections(&self, id: SymbolId) -> Result<&[u64; RejectReason::COUNT]> {
        self.symbol(id).map(|s| &s.rejections)
    }

    /// The quality record of symbol `id` for the open session, or for the last one until the next
    /// begins (see [`crate::quality`] for what each count means). `None` when the symbol was first
    /// used after that session ended, so it took no part in it. Computed when asked, in constant
    /// time a series: the buckets with data are counted as bars open them. `None` for a removed
    /// symbol too: it has no record.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id; [`Error::Session`] `no_session` when no session has
    /// begun yet, so there is nothing to report on.
    pub fn quality(&self, id: SymbolId) -> Result<Option<SymbolQuality>> {
        let s = self
            .symbols
            .get(id as usize)
            .ok_or_else(|| Error::NotFound {
                message: format!("symbol id {id} is unknown"),
            })?;
        let (a, ended) = match (&self.active, &self.ended) {
            (Some(a), _) => (a, false),
            (None, Some(a)) => (a, true),
            (None, None) => {
                return Err(Error::session(
                    "no_session",
                    "no session has begun: quality describes the open session or the last one",
                ))
            }
        };
        if !self.known[id as usize] || s.since > self.session_seq {
            return Ok(None);
        }
        let session = a.session;
        let base = self.base_ms;
        let received = s.bars_this_session as u64;
        // The latest bar's time from the symbol's state, not read back from its column: a caller
        // may write into a view of that column, which must not change the record.
        let latest_time = if s.bars_this_session > 0 {
            s.last_time
        } else {
            None
        };
        // A slot has passed when it lies before the latest bar or the clock has reached its end;
        // every received bar is in a passed slot, so the rest of the passed ones are missing.
        let by_bars = latest_time.map_or(0, |t| (t - session.open) as u64 / base as u64 + 1);
        let passed = by_bars.max(slots_passed(&session, base, a.clock));
        let rejected = s.tally.rejected;
        let base_quality = BaseQuality {
            expected: slots_in(&session, base),
            received,
            missing: passed - received,
            late: rejected[RejectReason::Late as usize],
            rejected,
        };
        let intervals = a
            .grids
            .iter()
            .zip(&s.derived)
            .zip(&self.config.intervals)
            .map(|((grid, d), &interval)| {
                let expected = grid.buckets_in_session() as u64;
                let first = grid.bucket_of(session.open);
                // Each bucket with data was opened by a bar; the latest is the last bar's.
                let with_data = d.aggregator.opened;
                let latest = latest_time.map(|t| grid.bucket_of(t));
                // Only the bucket of the latest bar can still be forming; every other one with data
                // has closed, and so has every bucket before the latest with data.
                let forming = u64::from(d.aggregator.forming.is_some());
                let by_bars = latest.map_or(0, |b| (b - first) as u64 + 1 - forming);
                let by_clock = if a.clock >= session.close {
                    expected
                } else if a.clock <= session.open {
                    0
                } else {
                    (grid.bucket_of(a.clock) - first) as u64
                };
                let received = with_data - forming;
                IntervalQuality {
                    interval,
                    expected,
                    received,
                    missing: by_bars.max(by_clock) - received,
                }
            })
            .collect();
        Ok(Some(SymbolQuality {
            symbol: id,
            session,
            ended,
            base: base_quality,
            intervals,
            gaps: s.tally.gaps.clone(),
        }))
    }

    /// Takes the gaps recorded since the last call, oldest first, for every symbol: those revealed
    /// by a bar that skipped slots (recorded as it is appended) and those up to the close (recorded
    /// by [`SessionStore::end_session`]). They stay in each symbol's quality record for the session
    /// as well. Gaps wait here until taken, across sessions, so take them regularly.
    pub fn take_gaps(&mut self) -> Vec<Gap> {
        self.free.append(&mut self.held);
        std::mem::take(&mut self.gap_queue)
    }

    /// How many gaps [`SessionStore::take_gaps`] would return: a caller that compares it before and
    /// after an append knows whether that bar opened a gap.
    #[inline]
    pub fn pending_gaps(&self) -> usize {
        self.gap_queue.len()
    }

    /// Bars stored across every symbol and series.
    pub fn stored_bars(&self) -> usize {
        self.symbols
            .iter()
            .flat_map(SymbolState::all_series)
            .map(Columns::len)
            .sum()
    }

    /// Bytes held by the current column blocks of every series.
    pub fn allocated_bytes(&self) -> usize {
        self.symbols
            .iter()
            .flat_map(SymbolState::all_series)
            .map(Columns::allocated_bytes)
            .sum()
    }
}

/// Notes a gap in a symbol's record and in the queue. Out of line: gaps are rare, and the hot path
/// keeps only the test that finds one.
#[cold]
#[inline(never)]
fn record_gap(
    tally: &mut SessionTally,
    queue: &mut Vec<Gap>,
    symbol: SymbolId,
    from: i64,
    to: i64,
) {
    let gap = Gap { symbol, from, to };
    tally.gaps.push(gap);
    queue.push(gap);
}
