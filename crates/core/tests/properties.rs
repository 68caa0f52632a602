//! Property tests on random streams of 1m bars:
//! (a) streaming equals batch, bit for bit, at every step where they can be compared;
//! (b) the store equals a naive re-aggregation written here, and at every step it has closed
//!     exactly the buckets the four closing rules say, with the right forming bar;
//! (c) bad bars of every kind mixed in change nothing for the good ones, and each is counted.
//!
//! A case is a random set of derived intervals from {2m, 3m, 5m, 15m, 30m, 1h, 1d} in random order,
//! either alignment, either empty-bucket mode, one to three sessions (random open, length, and
//! sometimes a close that is not on the minute), one or two symbols, random gaps, and random
//! `advance_to` calls that never make a later good bar late (each is at or before the next bar).

mod common;

use barstream_core::{
    Alignment, Bar, EmptyBuckets, Error, Interval, InvalidBars, RejectReason, Session,
    SessionStore, StoreConfig, SymbolId, MAX_VOLUME,
};
use common::*;
use proptest::prelude::*;

const ALL: [&str; 7] = ["2m", "3m", "5m", "15m", "30m", "1h", "1d"];

#[derive(Debug, Clone)]
struct SessionSpec {
    gap_days: i64,
    open_min: i64,
    len_min: i64,
    /// Close 30 s before the last whole minute: the last bucket is cut off the minute grid.
    trim: bool,
    density: f64,
}

#[derive(Debug, Clone)]
struct Spec {
    intervals: Vec<&'static str>,
    clock: bool,
    flat: bool,
    sessions: Vec<SessionSpec>,
    symbols: usize,
    /// Chance of an `advance_to` before each time slice.
    advance_rate: f64,
    seed: u64,
}

fn session_spec() -> impl Strategy<Value = SessionSpec> {
    (
        1i64..=2,
        prop_oneof![1 => Just(570i64), 2 => 0i64..1200],
        prop_oneof![1 => Just(390i64), 1 => 1i64..=60, 2 => 1i64..=400],
        prop::bool::weighted(0.2),
        prop_oneof![1 => Just(1.0f64), 3 => 0.02f64..=1.0],
    )
        .prop_map(|(gap_days, open_min, len, trim, density)| SessionSpec {
            gap_days,
            open_min,
            len_min: len.min(1440 - open_min),
            trim,
            density,
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::sample::subsequence(ALL.to_vec(), 1..=7).prop_shuffle(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(session_spec(), 1..=3),
        1usize..=2,
        prop_oneof![2 => Just(0.12f64), 1 => Just(0.0), 1 => 0.0f64..0.6],
        any::<u64>(),
    )
        .prop_map(
            |(intervals, clock, flat, sessions, symbols, advance_rate, seed)| Spec {
                intervals,
                clock,
                flat,
                sessions,
                symbols,
                advance_rate,
                seed,
            },
        )
}

/// Sessions of several days (4,000 to 9,000 one-minute slots), so one batch crosses the core's
/// internal chunking of large batches, with few clock ticks so that batches stay long.
fn long_spec() -> impl Strategy<Value = Spec> {
    (
        prop::sample::subsequence(ALL.to_vec(), 1..=7).prop_shuffle(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(
            (0i64..1200, 4000i64..=9000, 0.5f64..=1.0).prop_map(|(open_min, len_min, density)| {
                SessionSpec {
                    gap_days: 1,
                    open_min,
                    len_min,
                    trim: false,
                    density,
                }
            }),
            1..=2,
        ),
        1usize..=2,
        prop_oneof![Just(0.0f64), Just(0.0005)],
        any::<u64>(),
    )
        .prop_map(
            |(intervals, clock, flat, sessions, symbols, advance_rate, seed)| Spec {
                intervals,
                clock,
                flat,
                sessions,
                symbols,
                advance_rate,
                seed,
            },
        )
}

#[derive(Debug, Clone)]
enum Ev {
    Begin(Session),
    Bar(usize, Bar),
    Advance(f64),
    End,
    /// A bad bar and the reason it must be rejected with (property c only).
    Bad(usize, Bar, RejectReason),
}

#[derive(Debug)]
struct Case {
    spec: Spec,
    events: Vec<Ev>,
    sessions: Vec<Session>,
    /// `bars[symbol][session]`: the good bars.
    bars: Vec<Vec<Vec<Bar>>>,
    /// `naive[symbol][session][series]`: the expected bars of each series in each session.
    naive: Vec<Vec<Vec<Vec<Bar>>>>,
}

impl Case {
    fn intervals(&self) -> Vec<Interval> {
        self.spec.intervals.iter().map(|s| iv(s)).collect()
    }

    fn alignment(&self) -> Alignment {
        if self.spec.clock {
            Alignment::Clock
        } else {
            Alignment::Session
        }
    }

    fn config(&self) -> StoreConfig {
        let mut c = StoreConfig::new(iv("1m"), self.intervals());
        c.alignment = self.alignment();
        c.empty_buckets = if self.spec.flat {
            EmptyBuckets::Flat
        } else {
            EmptyBuckets::Skip
        };
        c
    }

    fn store(&self) -> (SessionStore, Vec<SymbolId>) {
        let mut st = SessionStore::new(self.config()).unwrap();
        let ids = (0..self.spec.symbols)
            .map(|s| st.intern(&format!("S{s}")))
            .collect();
        (st, ids)
    }

    fn series_count(&self) -> usize {
        1 + self.spec.intervals.len()
    }

    /// Anchor and bucket length of derived series `g` (1-based) in session `s`.
    fn grid(&self, g: usize, s: &Session) -> (i64, i64) {
        let anchor = if self.spec.clock { s.day_start } else { s.open };
        let len = self.intervals()[g - 1].millis().unwrap_or(s.close - anchor);
        (anchor, len)
    }

    /// Whether a bar at `x` falls in a bucket that a clock at `clock` has closed (for any series).
    fn late(&self, s: &Session, x: i64, clock: Option<i64>) -> bool {
        let Some(c) = clock else { return false };
        (1..self.series_count()).any(|g| {
            let (anchor, len) = self.grid(g, s);
            let end = (anchor + ((x - anchor).div_euclid(len) + 1) * len).min(s.close);
            end <= c
        })
    }

    fn expected_series(&self, sym: usize, g: usize) -> Vec<Bar> {
        self.naive[sym].iter().flat_map(|n| n[g].clone()).collect()
    }
}

fn build(spec: Spec) -> Case {
    let mut rng = Mix(spec.seed);
    let mut events = Vec::new();
    let mut sessions = Vec::new();
    let mut bars = vec![Vec::new(); spec.symbols];
    let mut day = 0;
    let mut prev_close = i64::MIN;
    for ss in &spec.sessions {
        day += ss.gap_days;
        // Sessions longer than a day push the next one out.
        while OCT7_MIDNIGHT + day * DAY + ss.open_min * MIN < prev_close {
            day += 1;
        }
        let day_start = OCT7_MIDNIGHT + day * DAY;
        let open = day_start + ss.open_min * MIN;
        let close = open + ss.len_min * MIN - if ss.trim { 30 * SEC } else { 0 };
        let session = Session::new(open as f64, close as f64, day_start as f64).unwrap();
        prev_close = close;
        sessions.push(session);
        events.push(Ev::Begin(session));
        let mut day_bars = vec![Vec::new(); spec.symbols];
        let mut prev: Option<i64> = None;
        let mut skip = 0;
        let mut t = open;
        while t < close {
            if skip > 0 {
                skip -= 1;
                t += MIN;
                continue;
            }
            if rng.chance(0.02) {
                skip = 1 + rng.below(40);
            }
            let slice: Vec<usize> = (0..spec.symbols)
                .filter(|&s| rng.chance(if s == 0 { ss.density } else { ss.density * 0.6 }))
                .collect();
            if !slice.is_empty() {
                if rng.chance(spec.advance_rate) {
                    // A clock tick in (previous slice, this slice]: never makes this bar late.
                    let lo = prev.unwrap_or(open - 10 * MIN);
                    let at = lo + 1 + rng.below((t - lo) as u64) as i64;
                    let frac = if at < t && rng.chance(0.3) { 0.5 } else { 0.0 };
                    events.push(Ev::Advance(at as f64 + frac));
                    if rng.chance(0.2) {
                        // Earlier than the clock: does nothing.
                        events.push(Ev::Advance((at - 7 * MIN) as f64));
                    }
                }
                for s in slice {
                    let b = rng.bar(t);
                    day_bars[s].push(b);
                    events.push(Ev::Bar(s, b));
                }
                prev = Some(t);
            }
            t += MIN;
        }
        if rng.chance(0.4) {
            let lo = prev.unwrap_or(open);
            let at = lo + 1 + rng.below((close + HOUR - lo) as u64) as i64;
            events.push(Ev::Advance(at as f64));
        }
        events.push(Ev::End);
        for (s, b) in day_bars.into_iter().enumerate() {
            bars[s].push(b);
        }
    }
    let mut case = Case {
        spec,
        events,
        sessions,
        bars,
        naive: Vec::new(),
    };
    let ivs = case.intervals();
    case.naive = (0..case.spec.symbols)
        .map(|sym| {
            case.sessions
                .iter()
                .zip(&case.bars[sym])
                .map(|(s, b)| {
                    let one = [(*s, b.clone())];
                    let mut per = vec![b.clone()];
                    for iv in &ivs {
                        per.push(naive_series(&one, *iv, case.alignment(), case.spec.flat));
                    }
                    per
                })
                .collect()
        })
        .collect();
    case
}

fn all_snapshots(st: &SessionStore, ids: &[SymbolId]) -> Vec<Snapshot> {
    ids.iter().map(|&id| snapshot(st, id)).collect()
}

fn append_batch(
    st: &mut SessionStore,
    id: SymbolId,
    bars: &[Bar],
    mode: InvalidBars,
) -> Result<barstream_core::BatchOutcome, Error> {
    let c = common::columns_of(bars);
    st.append_many(id, [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]], mode)
}

// -------------------------------------------------------------------------------------------------
// (a) streaming equals batch

fn check_streaming_equals_batch(case: &Case) {
    let (mut one, ids) = case.store();
    let (mut batch, bids) = case.store();
    assert_eq!(ids, bids);
    let n = case.spec.symbols;
    let mut pending: Vec<Vec<Bar>> = vec![Vec::new(); n];
    let mut masks = vec![0u32; n];
    for ev in &case.events {
        if let Ev::Bar(s, b) = ev {
            masks[*s] |= one.append(ids[*s], b).unwrap();
            pending[*s].push(*b);
            continue;
        }
        for s in 0..n {
            if pending[s].is_empty() {
                continue;
            }
            let out = append_batch(&mut batch, ids[s], &pending[s], InvalidBars::Throw).unwrap();
            assert_eq!(out.appended, pending[s].len());
            assert!(out.rejected.is_empty());
            assert_eq!(
                out.closed, masks[s],
                "closed mask of a batch = union of the appends"
            );
            pending[s].clear();
            masks[s] = 0;
        }
        assert_eq!(all_snapshots(&one, &ids), all_snapshots(&batch, &ids));
        match ev {
            Ev::Begin(s) => {
                one.begin_session(*s).unwrap();
                batch.begin_session(*s).unwrap();
            }
            Ev::Advance(t) => {
                let a = one.advance_to(*t).unwrap().to_vec();
                let b = batch.advance_to(*t).unwrap().to_vec();
                assert_eq!(a, b);
            }
            Ev::End => assert_eq!(one.end_session().unwrap(), batch.end_session().unwrap()),
            Ev::Bar(..) | Ev::Bad(..) => unreachable!(),
        }
        assert_eq!(all_snapshots(&one, &ids), all_snapshots(&batch, &ids));
    }

    // A third store: each session's bars in random chunks under Skip, no clock at all.
    let (mut chunks, _) = case.store();
    let mut rng = Mix(case.spec.seed ^ 0xA5A5);
    for (k, s) in case.sessions.iter().enumerate() {
        chunks.begin_session(*s).unwrap();
        for (sym, &id) in ids.iter().enumerate() {
            let bars = &case.bars[sym][k];
            let mut i = 0;
            while i < bars.len() {
                let j = (i + 1 + rng.below(64) as usize).min(bars.len());
                let out = append_batch(&mut chunks, id, &bars[i..j], InvalidBars::Skip).unwrap();
                assert_eq!((out.appended, out.rejected.len()), (j - i, 0));
                i = j;
            }
        }
        chunks.end_session().unwrap();
    }
    assert_eq!(all_snapshots(&one, &ids), all_snapshots(&chunks, &ids));

    // A fourth: each session's bars in one batch under Throw.
    let (mut whole, _) = case.store();
    for (k, s) in case.sessions.iter().enumerate() {
        whole.begin_session(*s).unwrap();
        for (sym, &id) in ids.iter().enumerate() {
            let bars = &case.bars[sym][k];
            let out = append_batch(&mut whole, id, bars, InvalidBars::Throw).unwrap();
            assert_eq!(out.appended, bars.len());
        }
        whole.end_session().unwrap();
    }
    assert_eq!(all_snapshots(&one, &ids), all_snapshots(&whole, &ids));
    for &id in &ids {
        assert_eq!(chunks.rejections(id).unwrap().iter().sum::<u64>(), 0);
        assert_eq!(one.rejections(id).unwrap().iter().sum::<u64>(), 0);
    }
}

// -------------------------------------------------------------------------------------------------
// (b) the naive re-aggregation, checked at every step

/// Where one symbol is: sessions completed, and in the open one its bars so far and the clock.
struct Progress<'a> {
    completed: usize,
    current: Option<(usize, &'a [Bar], Option<i64>)>,
}

fn check_progress(case: &Case, st: &SessionStore, id: SymbolId, sym: usize, p: &Progress) {
    let done = &case.naive[sym][..p.completed];
    for g in 0..case.series_count() {
        let cols = st.series(id, g).unwrap();
        let prev: usize = done.iter().map(|n| n[g].len()).sum();
        let forming = st.forming(id, g).unwrap();
        let Some((k, so_far, clock)) = p.current else {
            assert_eq!(cols.len(), prev, "series {g} between sessions");
            assert_eq!(forming, None);
            continue;
        };
        if g == 0 {
            assert_eq!(cols.len(), prev + so_far.len());
            if let Some(last) = so_far.last() {
                assert_eq!(bits(&cols.last().unwrap()), bits(last));
            }
            assert_eq!(forming, None);
            continue;
        }
        let s = &case.sessions[k];
        let (anchor, len) = case.grid(g, s);
        let bucket = |t: i64| (t - anchor).div_euclid(len);
        let end = |start: i64| (start + len).min(s.close);
        let last_slot = |e: i64| s.open + (e - 1 - s.open).div_euclid(MIN) * MIN;
        let naive = &case.naive[sym][k][g];
        let last = so_far.last().map(|b| b.time as i64);
        // The closing rules, written out: a bucket is closed once the clock reached its end (3),
        // once a bar of a later bucket came (2), or once the bar of its last slot came (1).
        let closed = |b: &Bar| {
            let start = b.time as i64;
            let e = end(start);
            let by_clock = clock.is_some_and(|c| e <= c);
            let by_bar = last.is_some_and(|l| {
                let lb = anchor + bucket(l) * len;
                start < lb || (start == lb && l == last_slot(e))
            });
            by_clock || by_bar
        };
        let count = naive.iter().take_while(|b| closed(b)).count();
        assert!(
            naive[count..].iter().all(|b| !closed(b)),
            "oracle: closed buckets are a prefix"
        );
        assert_eq!(
            cols.len(),
            prev + count,
            "series {g} ({}) in session {k}: last bar {last:?}, clock {clock:?}",
            case.spec.intervals[g - 1]
        );
        for (i, want) in naive[..count].iter().enumerate() {
            assert_eq!(
                bits(&cols.get(prev + i).unwrap()),
                bits(want),
                "series {g} bar {i}"
            );
        }
        // The forming bar: the fold of this bucket's bars so far, if its bucket is still open.
        let want_forming = last.and_then(|l| {
            let start = anchor + bucket(l) * len;
            let in_bucket: Vec<Bar> = so_far
                .iter()
                .filter(|b| bucket(b.time as i64) == bucket(l))
                .copied()
                .collect();
            let f = fold(start, &in_bucket);
            (!closed(&f)).then_some(f)
        });
        assert_eq!(
            forming.map(|b| bits(&b)),
            want_forming.map(|b| bits(&b)),
            "forming {g}"
        );
    }
}

fn check_against_naive(case: &Case) {
    let (mut st, ids) = case.store();
    let n = case.spec.symbols;
    let mut completed = 0;
    let mut current: Option<usize> = None;
    let mut so_far: Vec<Vec<Bar>> = vec![Vec::new(); n];
    let mut clock: Option<i64> = None;
    for (e, ev) in case.events.iter().enumerate() {
        let mut check_all = true;
        match ev {
            Ev::Begin(s) => {
                st.begin_session(*s).unwrap();
                current = Some(completed);
                so_far.iter_mut().for_each(Vec::clear);
                clock = None;
            }
            Ev::Bar(s, b) => {
                st.append(ids[*s], b).unwrap();
                so_far[*s].push(*b);
                check_all = e % 3 == 0;
                let k = current.unwrap();
                let p = Progress {
                    completed,
                    current: Some((k, &so_far[*s], clock)),
                };
                check_progress(case, &st, ids[*s], *s, &p);
            }
            Ev::Advance(t) => {
                st.advance_to(*t).unwrap();
                let t = t.floor() as i64;
                clock = Some(clock.map_or(t, |c| c.max(t)));
            }
            Ev::End => {
                st.end_session().unwrap();
                completed += 1;
                current = None;
            }
            Ev::Bad(..) => unreachable!(),
        }
        if check_all {
            for s in 0..n {
                let p = Progress {
                    completed,
                    current: current.map(|k| (k, &so_far[s][..], clock)),
                };
                check_progress(case, &st, ids[s], s, &p);
            }
        }
    }
    for (s, &id) in ids.iter().enumerate() {
        for g in 0..case.series_count() {
            assert_eq!(
                series_bits(st.series(id, g).unwrap()),
                bars_bits(&case.expected_series(s, g)),
                "symbol {s} series {g}"
            );
        }
    }
}

// -------------------------------------------------------------------------------------------------
// (c) bad bars mixed in

const BAD_KINDS: [RejectReason; 10] = [
    RejectReason::NonFinite,
    RejectReason::HighBelowOpenClose,
    RejectReason::LowAboveOpenClose,
    RejectReason::NegativeVolume,
    RejectReason::OffGrid,
    RejectReason::OutsideSession,
    RejectReason::Duplicate,
    RejectReason::OutOfOrder,
    RejectReason::Late,
    RejectReason::VolumeTooLarge,
];

/// A bar that must be rejected with `kind` given the symbol's state, or `None` if the state does
/// not allow one. `next` is a time the symbol's next good bar has (valid now and later).
fn make_bad(
    case: &Case,
    rng: &mut Mix,
    kind: RejectReason,
    s: &Session,
    last: Option<i64>,
    next: Option<i64>,
    clock: Option<i64>,
) -> Option<Bar> {
    let delta = |rng: &mut Mix| (1 + rng.below(100)) as f64 * 0.01;
    let last_here = last.filter(|l| *l >= s.open);
    match kind {
        RejectReason::NonFinite => {
            let mut b = rng.bar(next?);
            let x = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY][rng.below(3) as usize];
            match rng.below(7) {
                0 => b.time = x,
                1 => b.open = x,
                2 => b.high = x,
                3 => b.low = x,
                4 => b.close = x,
                5 => b.volume = x,
                _ => b.time += 0.5,
            }
            Some(b)
        }
        RejectReason::HighBelowOpenClose => {
            let mut b = rng.bar(next?);
            b.high = b.open.max(b.close) - delta(rng);
            Some(b)
        }
        RejectReason::LowAboveOpenClose => {
            let mut b = rng.bar(next?);
            b.low = b.open.min(b.close) + delta(rng);
            Some(b)
        }
        RejectReason::NegativeVolume => {
            let mut b = rng.bar(next?);
            b.volume = -((1 + rng.below(1000)) as f64) * 0.1;
            Some(b)
        }
        RejectReason::VolumeTooLarge => {
            let mut b = rng.bar(next?);
            b.volume = MAX_VOLUME * (1.0 + (1 + rng.below(1000)) as f64 * 0.01);
            Some(b)
        }
        RejectReason::OffGrid => {
            let slots = ((s.close - s.open + MIN - 1) / MIN) as u64;
            let t = s.open + rng.below(slots) as i64 * MIN + 1 + rng.below(MIN as u64 - 1) as i64;
            (t < s.close).then(|| rng.bar(t))
        }
        RejectReason::OutsideSession => {
            let t = if rng.chance(0.5) {
                s.open - 1 - rng.below(100 * MIN as u64) as i64
            } else {
                s.close + rng.below(100) as i64 * MIN
            };
            Some(rng.bar(t))
        }
        RejectReason::Duplicate => Some(rng.bar(last_here?)),
        RejectReason::OutOfOrder => {
            let l = last_here.filter(|l| *l > s.open)?;
            let t = s.open + rng.below(((l - s.open) / MIN) as u64) as i64 * MIN;
            Some(rng.bar(t))
        }
        RejectReason::Late => {
            let from = last_here.map_or(s.open, |l| l + MIN);
            let candidates: Vec<i64> = (0..)
                .map(|k| from + k * MIN)
                .take_while(|x| *x < s.close && clock.is_some_and(|c| *x < c))
                .filter(|x| case.late(s, *x, clock))
                .collect();
            if candidates.is_empty() {
                return None;
            }
            let t = candidates[rng.below(candidates.len() as u64) as usize];
            Some(rng.bar(t))
        }
        RejectReason::NoSession => unreachable!(),
    }
}

/// The case's events with bad bars mixed in, and the rejections expected per symbol and reason.
fn inject(case: &Case, seed: u64, rate: f64) -> (Vec<Ev>, Vec<[u64; RejectReason::COUNT]>) {
    let mut rng = Mix(seed);
    let n = case.spec.symbols;
    let mut out = Vec::new();
    let mut counts = vec![[0u64; RejectReason::COUNT]; n];
    let mut session: Option<Session> = None;
    let mut last: Vec<Option<i64>> = vec![None; n];
    let mut clock: Option<i64> = None;
    let no_session =
        |rng: &mut Mix, out: &mut Vec<Ev>, counts: &mut Vec<[u64; RejectReason::COUNT]>| {
            for _ in 0..1 + rng.below(2) {
                let s = rng.below(n as u64) as usize;
                let t = OCT7_OPEN + rng.below(10 * DAY as u64) as i64;
                let mut b = rng.bar(t);
                if rng.chance(0.3) {
                    b.volume = f64::NAN;
                }
                out.push(Ev::Bad(s, b, RejectReason::NoSession));
                counts[s][RejectReason::NoSession as usize] += 1;
            }
        };
    for (i, ev) in case.events.iter().enumerate() {
        match (&session, ev) {
            (None, _) => {
                if rng.chance(rate) {
                    no_session(&mut rng, &mut out, &mut counts);
                }
            }
            (Some(s), _) => {
                // Usually a symbol's next bar comes next; sometimes several bad bars in a row.
                let mut tries = 0;
                while tries < 3 && rng.chance(rate) {
                    tries += 1;
                    let sym = rng.below(n as u64) as usize;
                    let next = case.events[i..]
                        .iter()
                        .take_while(|e| !matches!(e, Ev::End))
                        .find_map(|e| match e {
                            Ev::Bar(x, b) if *x == sym => Some(b.time as i64),
                            _ => None,
                        });
                    let kind = BAD_KINDS[rng.below(BAD_KINDS.len() as u64) as usize];
                    if let Some(b) = make_bad(case, &mut rng, kind, s, last[sym], next, clock) {
                        out.push(Ev::Bad(sym, b, kind));
                        counts[sym][kind as usize] += 1;
                    }
                }
            }
        }
        match ev {
            Ev::Begin(s) => {
                session = Some(*s);
                clock = None;
            }
            Ev::Bar(s, b) => last[*s] = Some(b.time as i64),
            Ev::Advance(t) => {
                let t = t.floor() as i64;
                clock = Some(clock.map_or(t, |c| c.max(t)));
            }
            Ev::End => session = None,
            Ev::Bad(..) => unreachable!(),
        }
        out.push(ev.clone());
    }
    if rng.chance(0.5) {
        no_session(&mut rng, &mut out, &mut counts);
    }
    (out, counts)
}

fn apply_control(st: &mut SessionStore, ev: &Ev) -> Vec<(SymbolId, u32)> {
    match ev {
        Ev::Begin(s) => {
            st.begin_session(*s).unwrap();
            vec![]
        }
        Ev::Advance(t) => st.advance_to(*t).unwrap().to_vec(),
        Ev::End => st.end_session().unwrap(),
        Ev::Bar(..) | Ev::Bad(..) => unreachable!(),
    }
}

fn check_bad_bars(case: &Case, seed: u64, rate: f64) {
    let (events, counts) = inject(case, seed, rate);
    let n = case.spec.symbols;
    let (mut good, ids) = case.store();
    let (mut one, _) = case.store();
    let (mut skip, _) = case.store();
    let (mut throw, _) = case.store();
    // Per symbol, this segment's bars with the reason each must be rejected with, if any.
    let mut pending: Vec<Vec<(Bar, Option<RejectReason>)>> = vec![Vec::new(); n];
    for ev in &events {
        match ev {
            Ev::Bar(s, b) => {
                let m1 = good.append(ids[*s], b).unwrap();
                let m2 = one.append(ids[*s], b).unwrap();
                assert_eq!(m1, m2);
                pending[*s].push((*b, None));
                continue;
            }
            Ev::Bad(s, b, reason) => {
                match one.append(ids[*s], b) {
                    Err(Error::Rejected(r)) => {
                        assert_eq!(r.reason, *reason, "{b:?}: {}", r.message);
                        assert_eq!(r.index, None);
                    }
                    other => panic!("{b:?} should be rejected as {reason:?}, got {other:?}"),
                }
                pending[*s].push((*b, Some(*reason)));
                continue;
            }
            _ => {}
        }
        for s in 0..n {
            let seg = std::mem::take(&mut pending[s]);
            if seg.is_empty() {
                continue;
            }
            // Skip: the good ones are stored, each bad one is reported with its index.
            let bars: Vec<Bar> = seg.iter().map(|x| x.0).collect();
            let out = append_batch(&mut skip, ids[s], &bars, InvalidBars::Skip).unwrap();
            let want: Vec<(Option<usize>, RejectReason)> = seg
                .iter()
                .enumerate()
                .filter_map(|(i, x)| x.1.map(|r| (Some(i), r)))
                .collect();
            let got: Vec<_> = out.rejected.iter().map(|r| (r.index, r.reason)).collect();
            assert_eq!(got, want);
            assert_eq!(out.appended, seg.len() - want.len());
            // Throw: the first bad one fails the batch; drop it and send the rest again.
            let mut rest = seg.clone();
            loop {
                let bars: Vec<Bar> = rest.iter().map(|x| x.0).collect();
                let first_bad = rest.iter().position(|x| x.1.is_some());
                match append_batch(&mut throw, ids[s], &bars, InvalidBars::Throw) {
                    Ok(out) => {
                        assert_eq!(first_bad, None);
                        assert_eq!(out.appended, rest.len());
                        break;
                    }
                    Err(Error::Rejected(r)) => {
                        let i = first_bad.expect("a good batch was refused");
                        assert_eq!((r.index, Some(r.reason)), (Some(i), rest[i].1));
                        rest.remove(i);
                    }
                    Err(e) => panic!("{e:?}"),
                }
            }
        }
        let snap = all_snapshots(&good, &ids);
        assert_eq!(all_snapshots(&one, &ids), snap);
        assert_eq!(all_snapshots(&skip, &ids), snap);
        assert_eq!(all_snapshots(&throw, &ids), snap);
        let closed = apply_control(&mut good, ev);
        assert_eq!(apply_control(&mut one, ev), closed);
        assert_eq!(apply_control(&mut skip, ev), closed);
        assert_eq!(apply_control(&mut throw, ev), closed);
    }
    // Bad bars after the last session: `one` has seen them; the batch stores get them now.
    for (s, seg) in pending.iter().enumerate() {
        for (b, reason) in seg {
            let reason = reason.expect("only bad bars after the last session");
            assert_eq!(reason, RejectReason::NoSession);
            for st in [&mut skip, &mut throw] {
                assert_eq!(st.append(ids[s], b).unwrap_err().code(), reason.code());
            }
        }
    }
    let snap = all_snapshots(&good, &ids);
    for (s, &id) in ids.iter().enumerate() {
        assert_eq!(good.rejections(id).unwrap(), &[0; RejectReason::COUNT]);
        for st in [&one, &skip, &throw] {
            assert_eq!(st.rejections(id).unwrap(), &counts[s], "symbol {s}");
        }
        for g in 0..case.series_count() {
            assert_eq!(snap[s].series[g], bars_bits(&case.expected_series(s, g)));
        }
    }
    assert_eq!(all_snapshots(&one, &ids), snap);
    assert_eq!(all_snapshots(&skip, &ids), snap);
    assert_eq!(all_snapshots(&throw, &ids), snap);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn streaming_equals_batch(spec in spec()) {
        check_streaming_equals_batch(&build(spec));
    }

    #[test]
    fn derived_bars_equal_a_naive_reaggregation(spec in spec()) {
        check_against_naive(&build(spec));
    }

    #[test]
    fn bad_bars_leave_the_good_ones_unchanged(
        spec in spec(),
        seed in any::<u64>(),
        rate in 0.02f64..0.4,
    ) {
        check_bad_bars(&build(spec), seed, rate);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn long_batches_equal_streaming_and_naive(
        spec in long_spec(),
        seed in any::<u64>(),
        rate in 0.0f64..0.05,
    ) {
        let case = build(spec);
        check_streaming_equals_batch(&case);
        check_bad_bars(&case, seed, rate);
    }
}

/// Every kind of bad bar is produced by the generator (so property (c) really covers them all).
#[test]
fn the_bad_bar_generator_makes_every_kind() {
    let mut seen = [0u64; RejectReason::COUNT];
    for seed in 0..40u64 {
        let spec = Spec {
            intervals: vec!["5m", "15m", "1d"],
            clock: seed % 2 == 0,
            flat: seed % 3 == 0,
            sessions: vec![
                SessionSpec {
                    gap_days: 1,
                    open_min: 570,
                    len_min: 390,
                    trim: false,
                    density: 0.8,
                },
                SessionSpec {
                    gap_days: 1,
                    open_min: 600,
                    len_min: 120,
                    trim: true,
                    density: 0.5,
                },
            ],
            symbols: 2,
            advance_rate: 0.12,
            seed,
        };
        let case = build(spec);
        let (_, counts) = inject(&case, seed * 7 + 1, 0.3);
        for c in counts {
            for (r, n) in c.iter().enumerate() {
                seen[r] += n;
            }
        }
    }
    for r in RejectReason::ALL {
        assert!(seen[r as usize] > 0, "{r:?} never generated");
    }
}

/// A fixed, full regular session under every combination, against the naive oracle.
#[test]
fn full_new_york_days_under_every_mode() {
    for clock in [false, true] {
        for flat in [false, true] {
            let spec = Spec {
                intervals: ALL.to_vec(),
                clock,
                flat,
                sessions: vec![
                    SessionSpec {
                        gap_days: 0,
                        open_min: 570,
                        len_min: 390,
                        trim: false,
                        density: 1.0,
                    },
                    SessionSpec {
                        gap_days: 1,
                        open_min: 570,
                        len_min: 210,
                        trim: false,
                        density: 0.3,
                    },
                ],
                symbols: 2,
                advance_rate: 0.12,
                seed: 7,
            };
            let case = build(spec);
            check_against_naive(&case);
            check_streaming_equals_batch(&case);
            check_bad_bars(&case, 11, 0.2);
        }
    }
}
