//! A batch large enough (65,536 bars or more, three or more derived intervals) that
//! `append_many` shares its derived intervals between two threads by estimated cost: whatever
//! the set of intervals and their order, the result is appending the bars one by one, bit for bit.
//!
//! The split is not a prefix and a suffix of the intervals: each goes to one thread or the other
//! by its cost (its length and its indicators), costliest first. So the intervals here are random
//! whole multiples of the 1m base (and sometimes `1d`) in random order, three to eight of them,
//! with random indicators, under either alignment and either empty-bucket mode, sometimes with a
//! clock change in the session or a close off the minute grid. A batch is 60,000 to 140,000 bars
//! long (many right at 65,536), after a random run of bars appended one by one, with random gaps
//! (some of days), a few invalid bars, and sometimes a clock that has made its first bars late.
//! Under `Throw` it fails at the first bad bar, as one by one finds it, leaving the store as it
//! was; under `Skip` (and under `Throw` with no bad bar) it stores what one by one stores. The
//! outcome (count, closed mask, rejections with their messages and indices), every series' bars
//! and indicator columns bit for bit, the forming bars, the gaps and the quality record must match,
//! and again once the session ends.

mod common;

use barstream_core::indicators::{IndicatorParams, IndicatorSpec};
use barstream_core::{
    Alignment, Bar, BatchOutcome, EmptyBuckets, Error, Interval, InvalidBars, Rejection, Session,
    SessionStore, StoreConfig, SymbolId, MAX_VOLUME,
};
use common::*;
use proptest::prelude::*;

/// Whole minutes that divide a day, 1 excepted: what a clock-aligned interval may be.
const CLOCK_MINUTES: [u32; 35] = [
    2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24, 30, 32, 36, 40, 45, 48, 60, 72, 80, 90, 96,
    120, 144, 160, 180, 240, 288, 360, 480, 720, 1440,
];

/// The indicators a series may get (at most one of each kind, so their names never repeat).
const KINDS: [(&str, Option<f64>); 15] = [
    ("sma", Some(3.0)),
    ("ema", Some(4.0)),
    ("wma", Some(5.0)),
    ("rsi", Some(6.0)),
    ("macd", None),
    ("bbands", Some(5.0)),
    ("atr", Some(3.0)),
    ("stddev", Some(4.0)),
    ("stoch", None),
    ("adx", Some(4.0)),
    ("obv", None),
    ("cci", Some(5.0)),
    ("roc", Some(2.0)),
    ("mfi", Some(4.0)),
    ("vwap", None),
];

#[derive(Debug, Clone)]
struct Case {
    /// The derived intervals in configuration order: `Some(k)` for `k` minutes, `None` for `1d`.
    intervals: Vec<Option<u32>>,
    clock: bool,
    flat: bool,
    /// Per series (0 the base), indices into [`KINDS`].
    indicators: Vec<Vec<usize>>,
    /// Bars in the batch before the bad ones are put in.
    len: usize,
    /// Good bars appended one by one before the batch.
    prelude: usize,
    /// A clock change in the session: minutes after the open (taken modulo its length), and
    /// whether the clocks go forward.
    shift: Option<(i64, bool)>,
    close_off_grid: bool,
    /// Whether the clock is moved into the batch's first bars before it comes.
    advance: bool,
    /// Bad bars put in the batch.
    bad: usize,
    /// Whether the batch goes in under `Throw` first (then, if refused, under `Skip`).
    throw_first: bool,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (any::<bool>(), 3usize..=8, prop::bool::weighted(0.4)).prop_flat_map(|(clock, count, day)| {
        let fixed = count - usize::from(day);
        let minutes: BoxedStrategy<Vec<u32>> = if clock {
            prop::sample::subsequence(CLOCK_MINUTES.to_vec(), fixed)
                .prop_shuffle()
                .boxed()
        } else {
            // Short intervals (the costly folds) as often as long ones, and some longer than a
            // batch spans, which close nothing in it: the closed mask must leave their bits clear.
            let minute = prop_oneof![3 => 2u32..=20, 3 => 2u32..=3000, 1 => 50_000u32..=400_000];
            prop::collection::btree_set(minute, fixed)
                .prop_map(|s| s.into_iter().collect::<Vec<_>>())
                .prop_shuffle()
                .boxed()
        };
        (
            (
                minutes,
                0..=fixed,
                any::<bool>(),
                prop::collection::vec(
                    prop_oneof![
                        2 => Just(Vec::new()),
                        3 => prop::collection::vec(0..KINDS.len(), 1..=3),
                    ],
                    count + 1,
                ),
            ),
            (
                prop_oneof![
                    2 => 65_530usize..=65_545,
                    1 => 60_000usize..65_536,
                    3 => 65_536usize..=140_000,
                ],
                prop_oneof![Just(0usize), 1usize..=3000],
                prop::option::weighted(0.3, (0i64..200_000, any::<bool>())),
                prop::bool::weighted(0.3),
                prop::bool::weighted(0.2),
                prop_oneof![2 => Just(0usize), 3 => 1usize..=4],
                any::<bool>(),
                any::<u64>(),
            ),
        )
            .prop_map(
                move |(
                    (minutes, day_at, flat, indicators),
                    (len, prelude, shift, close_off_grid, advance, bad, throw_first, seed),
                )| {
                    let mut intervals: Vec<Option<u32>> = minutes.into_iter().map(Some).collect();
                    if day {
                        intervals.insert(day_at, None);
                    }
                    Case {
                        intervals,
                        clock,
                        flat,
                        indicators,
                        len,
                        prelude,
                        shift,
                        close_off_grid,
                        advance,
                        bad,
                        throw_first,
                        seed,
                    }
                },
            )
    })
}

/// What a case appends: the session, the bars before the batch, where the clock goes, the batch.
struct Input {
    session: Session,
    prelude: Vec<Bar>,
    advance: Option<f64>,
    batch: Vec<Bar>,
}

fn input(case: &Case) -> Input {
    let mut mix = Mix(case.seed);
    // Minutes after the open: mostly the next one, sometimes a gap of a few, rarely of days.
    let mut slot = 0i64;
    let mut bars = Vec::with_capacity(case.prelude + case.len + case.bad);
    for _ in 0..case.prelude + case.len {
        bars.push(mix.bar(OCT7_OPEN + slot * MIN));
        slot += match mix.below(1000) {
            0..=969 => 1,
            970..=995 => 2 + mix.below(19) as i64,
            _ => 21 + mix.below(3000) as i64,
        };
    }
    let last = (bars[bars.len() - 1].time as i64 - OCT7_OPEN) / MIN;
    let minutes = last + 1 + mix.below(500) as i64;
    let off = if case.close_off_grid {
        1 + mix.below(MIN as u64 - 1) as i64
    } else {
        0
    };
    let close = OCT7_OPEN + minutes * MIN + off;
    let mut session = Session::new(OCT7_OPEN as f64, close as f64, OCT7_MIDNIGHT as f64).unwrap();
    if let Some((after, forward)) = case.shift {
        let at = OCT7_OPEN + after.rem_euclid(minutes) * MIN;
        let by = if forward { HOUR } else { -HOUR };
        session = session.with_clock_shift(at as f64, by as f64).unwrap();
    }
    let mut batch = bars.split_off(case.prelude);
    let prelude = bars;
    let advance = case.advance.then(|| {
        let k = mix.below(64.min(batch.len() as u64)) as usize;
        batch[k].time + mix.below(MIN as u64) as f64
    });
    for _ in 0..case.bad {
        let at = mix.below(batch.len() as u64) as usize;
        let mut b = batch[at];
        let field = mix.below(6) as usize;
        let set = |b: &mut Bar, x: f64| *b = with_field(*b, field, x);
        match mix.below(12) {
            0 => set(&mut b, f64::NAN),
            1 => set(
                &mut b,
                if mix.chance(0.5) {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                },
            ),
            2 => b.time += 0.5,
            3 => b.time += (1 + mix.below(MIN as u64 - 1)) as f64,
            // A time already taken: duplicate or out of order, unless a gap was there.
            4 => b.time -= ((1 + mix.below(3)) * MIN as u64) as f64,
            5 => b.high = b.open.max(b.close) - 0.005,
            6 => b.low = b.open.min(b.close) + 0.005,
            7 => b.volume = -1.0 - mix.below(10) as f64,
            8 => b.volume = MAX_VOLUME * 2.0,
            9 => b.time = close as f64 + (mix.below(3) * MIN as u64) as f64,
            10 => b.time = (OCT7_OPEN - MIN) as f64,
            // Valid after all: edge values the store keeps as they are.
            _ => {
                b.low = -0.0;
                b.volume = f64::from_bits(1);
            }
        }
        if mix.chance(0.5) {
            batch.insert(at, b);
        } else {
            batch[at] = b;
        }
    }
    Input {
        session,
        prelude,
        advance,
        batch,
    }
}

fn build(case: &Case, session: Session) -> (SessionStore, SymbolId) {
    let intervals: Vec<Interval> = case
        .intervals
        .iter()
        .map(|m| match m {
            Some(k) => iv(&format!("{k}m")),
            None => iv("1d"),
        })
        .collect();
    let mut c = StoreConfig::new(iv("1m"), intervals);
    c.alignment = if case.clock {
        Alignment::Clock
    } else {
        Alignment::Session
    };
    c.empty_buckets = if case.flat {
        EmptyBuckets::Flat
    } else {
        EmptyBuckets::Skip
    };
    c.indicators = case
        .indicators
        .iter()
        .map(|picks| {
            let mut picks = picks.clone();
            picks.sort_unstable();
            picks.dedup();
            picks
                .into_iter()
                .map(|k| {
                    let (kind, period) = KINDS[k];
                    let params = IndicatorParams {
                        period,
                        ..IndicatorParams::default()
                    };
                    IndicatorSpec::parse(kind, &params).unwrap()
                })
                .collect()
        })
        .collect();
    let mut st = SessionStore::new(c).unwrap();
    // A symbol beside the one under test, which nothing here may touch.
    st.intern("QQQ");
    let id = st.intern("SPY");
    st.begin_session(session).unwrap();
    (st, id)
}

fn refs(c: &[Vec<f64>; 6]) -> [&[f64]; 6] {
    [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]
}

/// Everything observable of a symbol, to compare two stores or one store before and after.
#[derive(Debug, PartialEq)]
struct State {
    snapshot: Snapshot,
    columns: Vec<Vec<Vec<u64>>>,
    rejections: Vec<u64>,
    quality: Option<barstream_core::SymbolQuality>,
}

fn state(st: &SessionStore, id: SymbolId) -> State {
    State {
        snapshot: snapshot(st, id),
        columns: columns_bits(st, id),
        rejections: st.rejections(id).unwrap().to_vec(),
        quality: st.quality(id).unwrap(),
    }
}

/// Asserts `got == want`, naming the first difference rather than printing both whole.
#[track_caller]
fn assert_same(got: &State, want: &State, what: &str) {
    if got == want {
        return;
    }
    let first_diff = |a: &[Vec<[u64; 6]>], b: &[Vec<[u64; 6]>]| {
        a.iter()
            .zip(b)
            .enumerate()
            .find(|(_, (x, y))| x != y)
            .map(|(s, (x, y))| {
                let at = x.iter().zip(y).position(|(p, q)| p != q);
                let show = |v: &Vec<[u64; 6]>, i: Option<usize>| {
                    i.and_then(|i| v.get(i)).map(|r| r.map(f64::from_bits))
                };
                format!(
                    "series {s}: lengths {} and {}, first difference at {at:?}: {:?} against {:?}",
                    x.len(),
                    y.len(),
                    show(x, at),
                    show(y, at)
                )
            })
    };
    let mut found = Vec::new();
    if let Some(d) = first_diff(&got.snapshot.series, &want.snapshot.series) {
        found.push(d);
    }
    for (s, (a, b)) in got
        .snapshot
        .forming
        .iter()
        .zip(&want.snapshot.forming)
        .enumerate()
    {
        if a != b {
            let show = |f: &Option<[u64; 6]>| f.map(|r| r.map(f64::from_bits));
            found.push(format!("forming {s}: {:?} against {:?}", show(a), show(b)));
        }
    }
    for (s, (a, b)) in got.columns.iter().zip(&want.columns).enumerate() {
        for (c, (x, y)) in a.iter().zip(b).enumerate() {
            if x != y {
                let at = x.iter().zip(y).position(|(p, q)| p != q);
                found.push(format!(
                    "series {s} column {c}: lengths {} and {}, first difference at {at:?}",
                    x.len(),
                    y.len()
                ));
            }
        }
    }
    if got.rejections != want.rejections {
        found.push(format!(
            "rejections {:?} against {:?}",
            got.rejections, want.rejections
        ));
    }
    if got.quality != want.quality {
        found.push(format!(
            "quality {:?} against {:?}",
            got.quality, want.quality
        ));
    }
    panic!("{what}: {}", found.join("; "));
}

/// `s` with one more rejection for `reason` (counted by a refused `Throw` batch alone).
fn plus_rejection(mut s: State, reason: barstream_core::RejectReason) -> State {
    s.rejections[reason as usize] += 1;
    if let Some(q) = &mut s.quality {
        q.base.rejected[reason as usize] += 1;
        // `late` is the `late` rejections among them.
        q.base.late += u64::from(reason == barstream_core::RejectReason::Late);
    }
    s
}

/// The series whose length grew between `before` and `after`: the bits a closed mask must have.
fn grown(before: &[usize], after: &[usize]) -> u32 {
    before
        .iter()
        .zip(after)
        .enumerate()
        .filter(|(_, (b, a))| a > b)
        .fold(0, |m, (s, _)| m | 1 << s)
}

fn run(case: &Case) {
    let Input {
        session,
        prelude,
        advance,
        batch,
    } = input(case);
    let (mut batched, id) = build(case, session);
    let (mut one, oid) = build(case, session);
    let other = batched.symbol_id("QQQ").unwrap();
    for s in [&mut batched, &mut one] {
        for b in &prelude {
            s.append(id, b).unwrap();
        }
        if let Some(t) = advance {
            s.advance_to(t).unwrap();
        }
    }
    assert_eq!(batched.take_gaps(), one.take_gaps());
    let before = state(&batched, id);
    let other_before = state(&batched, other);
    let lens_before = series_lens(&batched, id);

    // One by one: what the batch must do.
    let mut closed = 0;
    let mut refused: Vec<(usize, Rejection)> = Vec::new();
    for (i, b) in batch.iter().enumerate() {
        match one.append(oid, b) {
            Ok(m) => closed |= m,
            Err(Error::Rejected(r)) => refused.push((i, r)),
            Err(e) => panic!("bar {i}: {e:?}"),
        }
    }
    let lens_one = series_lens(&one, oid);
    assert_eq!(closed, grown(&lens_before, &lens_one), "one by one");
    let expected = BatchOutcome {
        appended: batch.len() - refused.len(),
        closed,
        rejected: refused
            .iter()
            .map(|(i, r)| Rejection {
                reason: r.reason,
                // A batch's messages name the bar's index.
                message: format!("bar {i}: {}", r.message),
                index: Some(*i),
            })
            .collect(),
    };

    let c = columns_of(&batch);
    let mut counted = None;
    let mut stored = false;
    if case.throw_first {
        match batched.append_many(id, refs(&c), InvalidBars::Throw) {
            Ok(out) => {
                assert!(refused.is_empty(), "Throw took a batch with {refused:?}");
                assert_eq!(out, expected);
                stored = true;
            }
            Err(Error::Rejected(r)) => {
                let first = expected
                    .rejected
                    .first()
                    .expect("Throw refused a good batch");
                assert_eq!(&r, first);
                assert_same(
                    &state(&batched, id),
                    &plus_rejection(before, r.reason),
                    "a refused batch left something behind",
                );
                assert!(batched.take_gaps().is_empty());
                counted = Some(r.reason);
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    if !stored {
        let out = batched
            .append_many(id, refs(&c), InvalidBars::Skip)
            .unwrap();
        assert_eq!(out, expected);
    }
    assert_eq!(
        expected.closed,
        grown(&lens_before, &series_lens(&batched, id)),
        "the closed mask names the series that grew"
    );
    let expect = |s: State| match counted {
        Some(reason) => plus_rejection(s, reason),
        None => s,
    };
    assert_same(&state(&batched, id), &expect(state(&one, oid)), "the batch");
    assert_eq!(batched.take_gaps(), one.take_gaps());
    assert_same(&state(&batched, other), &other_before, "the other symbol");

    // The forming bars close alike at the end of the session.
    assert_eq!(batched.end_session().unwrap(), one.end_session().unwrap());
    assert_same(
        &state(&batched, id),
        &expect(state(&one, oid)),
        "the session's end",
    );
    assert_eq!(batched.take_gaps(), one.take_gaps());
}

proptest! {
    // A case takes about 1.5 s in the debug build that `npm test` runs, 0.2 s in release.
    #![proptest_config(ProptestConfig {
        cases: if cfg!(debug_assertions) { 10 } else { 40 },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_batch_shared_between_threads_equals_appending_one_by_one(case in case()) {
        run(&case);
    }
}

/// The most derived intervals a store takes (31), in a batch long enough to share them between
/// the threads: the closed mask has each interval's bit where its series is, the top bit (series
/// 31) included, and clear for the two that close nothing in the batch (`1d`, first, and an
/// interval longer than the session, last).
#[test]
fn a_shared_batch_into_31_derived_intervals_sets_each_series_bit() {
    // 2m to 30m in an order the cost sort has to undo, between `1d` and `100000m`.
    let mut minutes: Vec<u32> = (2..=30).collect();
    let mut mix = Mix(31);
    for i in (1..minutes.len()).rev() {
        minutes.swap(i, mix.below(i as u64 + 1) as usize);
    }
    let mut intervals = vec![None];
    intervals.extend(minutes.into_iter().map(Some));
    intervals.push(Some(100_000));
    assert_eq!(intervals.len(), 31);
    let mut indicators = vec![Vec::new(); 32];
    indicators[0] = vec![4, 14];
    indicators[3] = vec![0];
    indicators[17] = vec![5, 9];
    indicators[31] = vec![6];
    let case = Case {
        intervals,
        clock: false,
        flat: true,
        indicators,
        len: 0,
        prelude: 0,
        shift: None,
        close_off_grid: false,
        advance: false,
        bad: 0,
        throw_first: true,
        seed: 0,
    };
    let session = Session::new(
        OCT7_OPEN as f64,
        (OCT7_OPEN + 80_000 * MIN) as f64,
        OCT7_MIDNIGHT as f64,
    )
    .unwrap();
    let input: Vec<Bar> = (0..70_000)
        .filter(|k| k % 997 != 5)
        .map(|k| mix.bar(OCT7_OPEN + k * MIN))
        .collect();
    assert!(input.len() >= 1 << 16);
    let (mut batched, id) = build(&case, session);
    let (mut one, oid) = build(&case, session);
    let c = columns_of(&input);
    let out = batched
        .append_many(id, refs(&c), InvalidBars::Throw)
        .unwrap();
    let mask = input.iter().fold(0, |m, b| m | one.append(oid, b).unwrap());
    assert_eq!(mask, !(1 << 1 | 1 << 31));
    assert_eq!((out.appended, out.closed), (input.len(), mask));
    assert_same(&state(&batched, id), &state(&one, oid), "31 intervals");
    assert_eq!(batched.take_gaps(), one.take_gaps());
    assert_eq!(batched.end_session().unwrap(), one.end_session().unwrap());
    assert_same(
        &state(&batched, id),
        &state(&one, oid),
        "31 intervals, ended",
    );
}
