//! Long batches, validated and stored a chunk at a time: one bad bar or one gap anywhere in them
//! is found exactly where appending one by one finds it, and a batch refused under `Throw` after
//! chunks of it were stored leaves nothing of itself behind. And a store told how many sessions
//! are coming stores them without moving a block, with the same bars.

mod common;

use barstream_core::indicators::{IndicatorParams, IndicatorSpec};
use barstream_core::{
    Alignment, Bar, BatchOutcome, EmptyBuckets, Error, InvalidBars, RejectReason, Session,
    SessionStore, StoreConfig, SymbolId,
};
use common::*;

const INTERVALS: [&str; 4] = ["5m", "15m", "1h", "1d"];

/// A session of `minutes` minutes from 2013-10-07 09:30 New York.
fn long_session(minutes: i64) -> Session {
    Session::new(
        OCT7_OPEN as f64,
        (OCT7_OPEN + minutes * MIN) as f64,
        OCT7_MIDNIGHT as f64,
    )
    .unwrap()
}

fn bars(n: usize) -> Vec<Bar> {
    (0..n)
        .map(|k| synth_bar(OCT7_OPEN + k as i64 * MIN, k as u64))
        .collect()
}

fn columns(bars: &[Bar]) -> [Vec<f64>; 6] {
    let mut c: [Vec<f64>; 6] = Default::default();
    for b in bars {
        for (col, v) in c
            .iter_mut()
            .zip([b.time, b.open, b.high, b.low, b.close, b.volume])
        {
            col.push(v);
        }
    }
    c
}

fn fresh(minutes: i64) -> (SessionStore, SymbolId) {
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    st.begin_session(long_session(minutes)).unwrap();
    (st, id)
}

fn batch_outcome(
    st: &mut SessionStore,
    id: SymbolId,
    bars: &[Bar],
    invalid: InvalidBars,
) -> Result<BatchOutcome, Error> {
    let c = columns(bars);
    st.append_many(id, [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]], invalid)
}

/// The bars a batch appended.
fn batch(
    st: &mut SessionStore,
    id: SymbolId,
    bars: &[Bar],
    invalid: InvalidBars,
) -> Result<usize, Error> {
    batch_outcome(st, id, bars, invalid).map(|o| o.appended)
}

/// Each kind of bad bar, made from a good one at index `k` of `bars`.
fn spoil(bars: &[Bar], k: usize, reason: RejectReason) -> Bar {
    let mut b = bars[k];
    match reason {
        RejectReason::NonFinite => b.close = f64::NAN,
        RejectReason::OffGrid => b.time += 1.0,
        RejectReason::Duplicate => b.time = bars[k - 1].time,
        RejectReason::OutOfOrder => b.time = bars[k - 2].time,
        RejectReason::HighBelowOpenClose => b.high = b.open.min(b.close) - 0.5,
        RejectReason::LowAboveOpenClose => b.low = b.open.max(b.close) + 0.5,
        RejectReason::NegativeVolume => b.volume = -1.0,
        RejectReason::OutsideSession => b.time = OCT7_OPEN as f64 - MIN as f64,
        _ => unreachable!("not made here"),
    }
    b
}

const SPOILED: [RejectReason; 8] = [
    RejectReason::NonFinite,
    RejectReason::OffGrid,
    RejectReason::Duplicate,
    RejectReason::OutOfOrder,
    RejectReason::HighBelowOpenClose,
    RejectReason::LowAboveOpenClose,
    RejectReason::NegativeVolume,
    RejectReason::OutsideSession,
];

#[test]
fn a_bad_bar_deep_in_a_long_batch_is_found_at_its_index() {
    let good = bars(3000);
    // Inside the first chunk, on a chunk edge, in the middle of a later one, and last.
    for k in [3, 511, 512, 1000, 1537, 2999] {
        for reason in SPOILED {
            let mut input = good.clone();
            input[k] = spoil(&good, k, reason);

            // Throw: the error names the bar, and nothing is stored.
            let (mut st, id) = fresh(3000);
            let err = batch(&mut st, id, &input, InvalidBars::Throw).unwrap_err();
            match err {
                Error::Rejected(r) => {
                    assert_eq!((r.reason, r.index), (reason, Some(k)), "{reason:?} at {k}")
                }
                e => panic!("{reason:?} at {k}: {e:?}"),
            }
            assert_eq!(series_lens(&st, id), vec![0; 5], "{reason:?} at {k}");
            assert_eq!(st.rejections(id).unwrap()[reason as usize], 1);

            // Skip: the same bars as appending one by one, the same rejection.
            let (mut skipped, sid) = fresh(3000);
            assert_eq!(
                batch(&mut skipped, sid, &input, InvalidBars::Skip).unwrap(),
                2999,
                "{reason:?} at {k}"
            );
            let (mut one, oid) = fresh(3000);
            for b in &input {
                let _ = one.append(oid, b);
            }
            assert_eq!(
                snapshot(&skipped, sid),
                snapshot(&one, oid),
                "{reason:?} at {k}"
            );
            assert_eq!(
                skipped.rejections(sid).unwrap(),
                one.rejections(oid).unwrap()
            );
        }
    }
}

#[test]
fn a_gap_deep_in_a_long_batch_is_recorded_with_its_times() {
    let mut input = bars(3000);
    // Minutes 1700 and 1701 missing.
    input.drain(1700..1702);
    let (mut st, id) = fresh(3000);
    assert_eq!(
        batch(&mut st, id, &input, InvalidBars::Throw).unwrap(),
        2998
    );
    let gaps = st.take_gaps();
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        (gaps[0].from, gaps[0].to),
        (OCT7_OPEN + 1700 * MIN, OCT7_OPEN + 1702 * MIN)
    );
    let (mut one, oid) = fresh(3000);
    for b in &input {
        one.append(oid, b).unwrap();
    }
    assert_eq!(snapshot(&st, id), snapshot(&one, oid));
}

#[test]
fn a_late_bar_deep_in_a_long_batch_is_found() {
    let good = bars(3000);
    let (mut st, id) = fresh(3000);
    batch(&mut st, id, &good[..1000], InvalidBars::Throw).unwrap();
    // The clock closes everything up to minute 1500: bars before it are late.
    st.advance_to((OCT7_OPEN + 1500 * MIN) as f64).unwrap();
    let err = batch(&mut st, id, &good[1000..], InvalidBars::Throw).unwrap_err();
    match err {
        Error::Rejected(r) => assert_eq!((r.reason, r.index), (RejectReason::Late, Some(0))),
        e => panic!("{e:?}"),
    }
    let out = batch(&mut st, id, &good[1000..], InvalidBars::Skip).unwrap();
    assert_eq!(out, 1500);
}

#[test]
fn a_store_told_the_sessions_copies_a_full_symbols_first_session_once() {
    let days: Vec<Session> = (0..5).map(oct_day).collect();
    let run = |expect: Option<usize>| {
        let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
        if let Some(n) = expect {
            st.expect_sessions(n);
        }
        let ids = [st.intern("SPY"), st.intern("QQQ")];
        let mut generations = Vec::new();
        for day in &days {
            st.begin_session(*day).unwrap();
            for (i, b) in full_day(day.open, day.close).iter().enumerate() {
                for &id in &ids {
                    st.append(id, b).unwrap();
                }
                if i == 0 {
                    generations.push(
                        (0..st.series_count())
                            .map(|s| st.series(ids[0], s).unwrap().generation())
                            .collect::<Vec<_>>(),
                    );
                }
            }
            st.end_session().unwrap();
        }
        let last: Vec<u32> = (0..st.series_count())
            .map(|s| st.series(ids[0], s).unwrap().generation())
            .collect();
        generations.push(last);
        (
            ids.map(|id| snapshot(&st, id)),
            generations,
            st.allocated_bytes(),
        )
    };
    let (planned, generations, bytes) = run(Some(days.len()));
    let (unplanned, moved, _) = run(None);
    assert_eq!(planned, unplanned);
    // The first session in a block of its own; one block per series from the second session's
    // first bar to the end.
    assert_ne!(generations[0][0], generations[1][0], "{generations:?}");
    assert!(
        generations[1..].windows(2).all(|w| w[0] == w[1]),
        "{generations:?}"
    );
    assert!(moved[1..].windows(2).any(|w| w[0] != w[1]));
    // Room for exactly the five sessions: 390 1m bars, 78 5m, 26 15m, 7 1h a day, and the 16 bars
    // that the smallest block holds for the five 1d bars; 6 columns of 8 bytes, two symbols.
    assert_eq!(bytes, 2 * (5 * (390 + 78 + 26 + 7) + 16) * 6 * 8);
}

#[test]
fn a_sparse_symbol_does_not_reserve_a_session_at_every_session_start() {
    // One bar a session (at the open) for 300 sessions, and a full symbol beside it.
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    let (sparse, full) = (st.intern("ILLIQ"), st.intern("SPY"));
    let series = st.series_count();
    let mut moves = vec![0u32; series];
    let mut last: Vec<u32> = Vec::new();
    for d in 0..300 {
        let day = oct_day(d);
        st.begin_session(day).unwrap();
        for (i, b) in full_day(day.open, day.close).iter().enumerate() {
            if i == 0 {
                st.append(sparse, b).unwrap();
            }
            st.append(full, b).unwrap();
        }
        st.end_session().unwrap();
        let now: Vec<u32> = (0..series)
            .map(|k| st.series(sparse, k).unwrap().generation())
            .collect();
        for (k, (a, b)) in last.iter().zip(&now).enumerate() {
            moves[k] += u32::from(a != b);
        }
        last = now;
    }
    // The first session reserved its room (390 base slots); later sessions ask for a quarter more
    // than each series gained in the last one (one bar a session in every series here, so one),
    // which that room holds: the base series never moves, and a derived one only when its block is
    // full, growing by a quarter (not at every session start).
    let ill = st.series(sparse, 0).unwrap();
    assert_eq!(ill.len(), 300);
    assert_eq!(ill.capacity(), 390);
    assert_eq!(moves[0], 0, "{moves:?}");
    assert!(moves.iter().all(|&m| m <= 20), "{moves:?}");
    // The full symbol still reserves a session at a time and grows by its headroom past that.
    let spy = st.series(full, 0).unwrap();
    assert_eq!(spy.len(), 300 * 390);
    assert!(spy.capacity() >= spy.len() + 390, "{}", spy.capacity());
    // Once the sparse symbol fills a session again, it gets a whole session of room again.
    let day = oct_day(300);
    st.begin_session(day).unwrap();
    for b in full_day(day.open, day.close) {
        st.append(sparse, &b).unwrap();
    }
    st.end_session().unwrap();
    let day = oct_day(301);
    st.begin_session(day).unwrap();
    st.append(sparse, &full_day(day.open, day.close)[0])
        .unwrap();
    let ill = st.series(sparse, 0).unwrap();
    assert!(
        ill.capacity() - ill.len() >= 389,
        "{} of {}",
        ill.len(),
        ill.capacity()
    );
}

#[test]
fn a_full_symbol_after_an_early_close_reserves_a_whole_session_again() {
    // 13:00 close (210 minutes), then a full day; no plan.
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    let short = Session::new(
        (OCT7_OPEN) as f64,
        (OCT7_OPEN + 210 * MIN) as f64,
        OCT7_MIDNIGHT as f64,
    )
    .unwrap();
    st.begin_session(short).unwrap();
    for b in full_day(short.open, short.close) {
        st.append(id, &b).unwrap();
    }
    st.end_session().unwrap();
    let day = oct_day(1);
    st.begin_session(day).unwrap();
    let bars = full_day(day.open, day.close);
    st.append(id, &bars[0]).unwrap();
    let generation = st.series(id, 0).unwrap().generation();
    let base = st.series(id, 0).unwrap();
    // Room for the whole 390-minute session from its first bar: the symbol filled the short one.
    assert!(
        base.capacity() - base.start() >= 210 + 390,
        "{}",
        base.capacity()
    );
    for b in &bars[1..] {
        st.append(id, b).unwrap();
    }
    assert_eq!(st.series(id, 0).unwrap().generation(), generation);
}

#[test]
fn under_a_plan_a_full_symbol_that_starts_late_or_sits_out_a_session_moves_once() {
    // Six sessions planned. LATE is known from the start but trades only from session 3; HALT
    // trades the last hundred minutes of session 1, sits out session 2, then trades every minute.
    let days: Vec<Session> = (0..6).map(oct_day).collect();
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    st.expect_sessions(days.len());
    let (late, halt) = (st.intern("LATE"), st.intern("HALT"));
    let series = st.series_count();
    let generations = |st: &SessionStore, id| -> Vec<u32> {
        (0..series)
            .map(|k| st.series(id, k).unwrap().generation())
            .collect()
    };
    // Each symbol's generations at its first bar and at its first bar of its second session.
    let (mut late_at, mut halt_at) = (Vec::new(), Vec::new());
    for (d, day) in days.iter().enumerate() {
        st.begin_session(*day).unwrap();
        for (i, b) in full_day(day.open, day.close).iter().enumerate() {
            if d >= 2 {
                st.append(late, b).unwrap();
                if i == 0 {
                    late_at.push(generations(&st, late));
                }
            }
            if (d == 0 && i >= 290) || d >= 2 {
                st.append(halt, b).unwrap();
                if i == 290 || (d >= 2 && i == 0) {
                    halt_at.push(generations(&st, halt));
                }
            }
        }
        st.end_session().unwrap();
    }
    // The first session reserved for itself; the second (the first after it that the symbol
    // traded in, full) moved the series once, to a block for the rest of the plan: no copy after.
    assert_ne!(late_at[0][0], late_at[1][0]);
    assert_eq!(generations(&st, late), late_at[1]);
    assert_ne!(halt_at[0][0], halt_at[1][0]);
    assert_eq!(generations(&st, halt), halt_at[1]);
    assert_eq!(st.series(late, 0).unwrap().len(), 4 * 390);
    assert_eq!(st.series(halt, 0).unwrap().len(), 100 + 4 * 390);
}

#[test]
fn under_a_plan_a_symbol_with_one_bar_late_in_each_session_reserves_by_its_rate() {
    // A year planned; ONE trades once a session, in its last minute (the room from its first bar
    // is that minute alone, which it filled), EARLY once, at the open.
    let plan = 250;
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    st.expect_sessions(plan);
    let (one, early) = (st.intern("ONE"), st.intern("EARLY"));
    for d in 0..6 {
        let day = oct_day(d);
        st.begin_session(day).unwrap();
        let bars = full_day(day.open, day.close);
        st.append(early, &bars[0]).unwrap();
        st.append(one, &bars[389]).unwrap();
        st.end_session().unwrap();
    }
    // Both are sparse: a quarter more than the one bar a session, for the sessions planned, in
    // every series; not a whole session of room for each (97,500 1m bars alone, 4.7 MB).
    for id in [one, early] {
        for k in 0..st.series_count() {
            let s = st.series(id, k).unwrap();
            assert!(
                s.capacity() - s.start() <= 2 * plan + 64,
                "series {k}: {} bars in room for {}",
                s.len(),
                s.capacity()
            );
        }
    }
    assert!(st.allocated_bytes() <= 2 * 5 * (2 * plan + 64) * 48);
}

#[test]
fn a_plan_keeps_room_for_a_thin_symbol_by_its_rate() {
    // Six sessions planned; SPY trades every minute, THIN the first ten minutes of each session.
    let days: Vec<Session> = (0..6).map(oct_day).collect();
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    st.expect_sessions(days.len());
    let (thin, full) = (st.intern("THIN"), st.intern("SPY"));
    let mut spy_generations = Vec::new();
    let mut unplanned = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    let (thin_u, full_u) = (unplanned.intern("THIN"), unplanned.intern("SPY"));
    for (d, day) in days.iter().enumerate() {
        st.begin_session(*day).unwrap();
        unplanned.begin_session(*day).unwrap();
        for (i, b) in full_day(day.open, day.close).iter().enumerate() {
            if i < 10 {
                st.append(thin, b).unwrap();
                unplanned.append(thin_u, b).unwrap();
            }
            st.append(full, b).unwrap();
            unplanned.append(full_u, b).unwrap();
        }
        st.end_session().unwrap();
        unplanned.end_session().unwrap();
        spy_generations.push(st.series(full, 0).unwrap().generation());
        // At the first bar THIN reserved its first session of 390 minutes; from that session's end
        // its room is at most twice its ten bars for each session still planned, and 64 bars more.
        let base = st.series(thin, 0).unwrap();
        assert_eq!(base.len(), 10 * (d + 1));
        let left = days.len() - d - 1;
        assert!(
            base.capacity() <= base.len() + 2 * 20 * left.max(1) + 64,
            "after session {d}: {} bars in room for {}",
            base.len(),
            base.capacity()
        );
    }
    // The full symbol moves once, at its second session, to a block for the rest of the plan.
    assert_ne!(spy_generations[0], spy_generations[1]);
    assert!(spy_generations[1..].windows(2).all(|w| w[0] == w[1]));
    assert_eq!(snapshot(&st, thin), snapshot(&unplanned, thin_u));
    assert_eq!(snapshot(&st, full), snapshot(&unplanned, full_u));
    // SPY's planned room is exact (see the test above); THIN's five series hold 90 bars (60 1m,
    // 12 5m, 6 15m, 6 1h and 6 1d) where the plan reserved room for 3,022.
    let spy = (6 * (390 + 78 + 26 + 7) + 16) * 48;
    let thin_bytes = st.allocated_bytes() - spy;
    assert!(thin_bytes <= 4 * 90 * 48, "{thin_bytes}");
}

#[test]
fn under_retention_a_plan_reserves_what_is_kept() {
    let mut c = config(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    c.retain_sessions = Some(2);
    let mut st = SessionStore::new(c).unwrap();
    st.expect_sessions(100);
    let id = st.intern("SPY");
    let day = oct_day(0);
    st.begin_session(day).unwrap();
    for b in full_day(day.open, day.close) {
        st.append(id, &b).unwrap();
    }
    // The first session reserves itself alone.
    assert_eq!(st.series(id, 0).unwrap().capacity(), 390);
    st.end_session().unwrap();
    let day = oct_day(1);
    st.begin_session(day).unwrap();
    st.append(id, &synth_bar(day.open, 0)).unwrap();
    // Two kept, and the session that makes a third until its end drops the oldest.
    assert_eq!(st.series(id, 0).unwrap().capacity(), 3 * 390);
}

/// A store of `base` bars (and `derived` intervals) told `expect` sessions are coming, with one
/// symbol.
fn planned_store(
    base: &str,
    derived: &[&str],
    retain: Option<usize>,
    expect: usize,
) -> (SessionStore, SymbolId) {
    let iv = |s: &str| barstream_core::Interval::parse(s).unwrap();
    let mut c = StoreConfig::new(iv(base), derived.iter().map(|s| iv(s)).collect());
    c.retain_sessions = retain;
    let mut st = SessionStore::new(c).unwrap();
    st.expect_sessions(expect);
    let id = st.intern("X");
    (st, id)
}

/// The session of `minutes` minutes opening at the midnight `d` days after 2013-10-07's.
fn from_midnight(d: i64, minutes: i64) -> Session {
    let open = OCT7_MIDNIGHT + d * 1440 * MIN;
    Session::new(open as f64, (open + minutes * MIN) as f64, open as f64).unwrap()
}

/// Stores every minute of each session in one batch; returns the base series' block generation
/// after each.
fn store_sessions(
    st: &mut SessionStore,
    id: SymbolId,
    sessions: impl Iterator<Item = Session>,
) -> Vec<u32> {
    sessions
        .map(|day| {
            st.begin_session(day).unwrap();
            let minutes = (day.close - day.open) / MIN;
            let bars: Vec<Bar> = (0..minutes)
                .map(|k| synth_bar(day.open + k * MIN, k as u64))
                .collect();
            batch_outcome(st, id, &bars, InvalidBars::Throw).unwrap();
            let generation = st.series(id, 0).unwrap().generation();
            st.end_session().unwrap();
            generation
        })
        .collect()
}

#[test]
fn a_plan_of_many_long_sessions_reserves_at_most_a_million_bars_and_a_first_session_no_huge_block()
{
    // A year of 24-hour sessions of seconds would be 31.5 million bars a series: reserved up
    // front, a block no JavaScript view can cover. The plan stops at 2^20 bars.
    let (mut st, id) = planned_store("1s", &["1m"], None, 365);
    let day = from_midnight(0, 1440);
    st.begin_session(day).unwrap();
    let seconds: Vec<Bar> = (0..86_400)
        .map(|k| synth_bar(day.open + k * 1000, k as u64))
        .collect();
    batch_outcome(&mut st, id, &seconds, InvalidBars::Throw).unwrap();
    st.end_session().unwrap();
    // The plan is taken at the second session, by the first's rate (full here).
    let day = from_midnight(1, 1440);
    st.begin_session(day).unwrap();
    st.append(id, &synth_bar(day.open, 0)).unwrap();
    assert_eq!(st.series(id, 0).unwrap().capacity(), 1 << 20);
    // 1,440 minutes a day for 365 days is under the cap: all of it.
    assert_eq!(st.series(id, 1).unwrap().capacity(), 365 * 1440);
    // A symbol's first session reserves no more than a block off huge pages holds, however long
    // the session (a fortnight of seconds here): room reserved before the store knows the
    // symbol's rate would be made resident by its first bar. Filled, the series grows.
    let (mut st, id) = planned_store("1s", &[], None, 2);
    let fortnight = from_midnight(0, 14 * 1440);
    st.begin_session(fortnight).unwrap();
    st.append(id, &synth_bar(fortnight.open, 0)).unwrap();
    let first = barstream_core::columns::bars_off_huge_pages(6);
    assert_eq!(st.series(id, 0).unwrap().capacity(), first);
    assert!(first * 6 * 8 < 2 << 20);
}

#[test]
fn a_plan_past_the_cap_does_not_move_a_series_at_every_session() {
    // 1,000 sessions of 1,440 bars (1.44 million) are announced; a series reaches the 2^20 cap
    // after 728. From there each session asks for its own room, and a full block grows by a
    // quarter: a handful of moves, not one at every session start.
    let (mut st, id) = planned_store("1m", &[], None, 1000);
    let generations = store_sessions(&mut st, id, (0..800).map(|d| from_midnight(d, 1440)));
    let moves = generations.windows(2).filter(|w| w[0] != w[1]).count();
    assert_eq!(st.series(id, 0).unwrap().len(), 800 * 1440);
    assert!(moves <= 3, "{moves} moves");
}

#[test]
fn under_retention_a_plan_reserves_once_for_the_sessions_retention_holds() {
    // 100 sessions announced, 20 kept: the second session reserves for 21, and no session start
    // after it moves the series until retention has dropped enough bars to compact them.
    let (mut st, id) = planned_store("1m", &[], Some(20), 100);
    let generations = store_sessions(&mut st, id, (0..21).map(oct_day));
    assert_ne!(generations[0], generations[1]);
    assert!(
        generations[1..].windows(2).all(|w| w[0] == w[1]),
        "{generations:?}"
    );
    assert_eq!(st.series(id, 0).unwrap().capacity(), 21 * 390);
}

#[test]
fn growth_stops_at_what_one_view_can_cover() {
    assert_eq!(barstream_core::max_view_bars(6), 89_478_485);
    assert_eq!(barstream_core::max_view_bars(18), (1 << 32) / 144);
}

/// A batch large enough that its derived intervals are split between two threads gives the bars,
/// indicator columns, masks and forming bars of appending one by one, bit for bit: with gaps,
/// flat empty buckets, and indicators on the base and on derived series.
#[test]
fn a_batch_split_between_threads_equals_appending_one_by_one() {
    // 100,000 minutes with every 7th bar of each 1,000 missing and a two-hour hole.
    let input: Vec<Bar> = bars(100_000)
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % 1000 != 7 && !(40_000..40_120).contains(k))
        .map(|(_, b)| b)
        .collect();
    assert!(input.len() > 1 << 16);
    for base_indicators in [false, true] {
        let (mut batched, id) = indicator_store(base_indicators);
        let out = batch_outcome(&mut batched, id, &input, InvalidBars::Throw).unwrap();
        let (mut one, oid) = indicator_store(base_indicators);
        let mut mask = 0;
        for b in &input {
            mask |= one.append(oid, b).unwrap();
        }
        assert_eq!(out.closed, mask);
        assert_eq!(snapshot(&batched, id), snapshot(&one, oid));
        assert_eq!(columns_bits(&batched, id), columns_bits(&one, oid));
        assert_eq!(batched.take_gaps(), one.take_gaps());
    }
}

/// A store with indicators on the base series (when asked) and on derived ones, clock-aligned
/// buckets and flat bars, open on a session of 100,000 minutes.
fn indicator_store(base_indicators: bool) -> (SessionStore, SymbolId) {
    let spec = |kind: &str, period: Option<f64>| {
        let params = IndicatorParams {
            period,
            ..IndicatorParams::default()
        };
        IndicatorSpec::parse(kind, &params).unwrap()
    };
    let mut c: StoreConfig = config(
        &["5m", "15m", "1h", "4h", "1d"],
        Alignment::Clock,
        EmptyBuckets::Flat,
    );
    c.indicators = vec![
        if base_indicators {
            vec![spec("rsi", Some(14.0)), spec("vwap", None)]
        } else {
            vec![]
        },
        vec![spec("sma", Some(3.0))],
        vec![],
        vec![spec("bbands", Some(5.0)), spec("macd", None)],
        vec![spec("atr", Some(3.0))],
    ];
    let mut st = SessionStore::new(c).unwrap();
    let id = st.intern("SPY");
    st.begin_session(long_session(100_000)).unwrap();
    (st, id)
}

/// A long batch is stored a chunk at a time as it is validated. Under `Throw`, a bad bar after
/// many chunks (and, past 65,536 bars, with a second thread folding) undoes them all: bars,
/// indicator values and state, forming bars and quality are as before the batch, and the bars
/// that come next give what they give in a store that never saw it.
#[test]
fn a_bad_bar_after_stored_chunks_undoes_the_whole_batch() {
    let all = bars(100_000);
    let (head, rest) = all.split_at(10_007);
    for (len, bad_at) in [(20_000, 12_345), (80_000, 70_001), (80_000, 4_096)] {
        for reason in [RejectReason::Duplicate, RejectReason::NonFinite] {
            let (mut st, id) = indicator_store(true);
            let (mut clean, cid) = indicator_store(true);
            for s in [&mut st, &mut clean] {
                batch(s, id, head, InvalidBars::Throw).unwrap();
            }
            let mut input = rest[..len].to_vec();
            input[bad_at] = spoil(&input, bad_at, reason);
            let err = batch(&mut st, id, &input, InvalidBars::Throw).unwrap_err();
            match err {
                Error::Rejected(r) => assert_eq!((r.reason, r.index), (reason, Some(bad_at))),
                e => panic!("{e:?}"),
            }
            let what = format!("{len} bars, {reason:?} at {bad_at}");
            assert_eq!(columns_bits(&st, id), columns_bits(&clean, cid), "{what}");
            assert_eq!(snapshot(&st, id), snapshot(&clean, cid), "{what}");
            let mut rejected = *clean.rejections(cid).unwrap();
            rejected[reason as usize] += 1;
            assert_eq!(st.rejections(id).unwrap(), &rejected, "{what}");
            // Quality too counts the one rejection, and nothing else of the batch.
            let mut quality = clean.quality(cid).unwrap().unwrap();
            quality.base.rejected[reason as usize] += 1;
            assert_eq!(st.quality(id).unwrap().unwrap(), quality, "{what}");

            // What follows lands on the state from before the batch, not on its remains.
            for s in [&mut st, &mut clean] {
                batch(s, id, &rest[..len], InvalidBars::Throw).unwrap();
            }
            assert_eq!(columns_bits(&st, id), columns_bits(&clean, cid), "{what}");
            assert_eq!(snapshot(&st, id), snapshot(&clean, cid), "{what}");
            assert_eq!(st.take_gaps(), clean.take_gaps(), "{what}");
        }
    }
}

/// Under `Skip`, a bad bar deep in a long batch leaves the chunks before it stored and the bars
/// after it appended: the same as one by one.
#[test]
fn a_bad_bar_after_stored_chunks_is_skipped_alone() {
    let all = bars(90_000);
    let mut input = all.clone();
    input[70_001] = spoil(&all, 70_001, RejectReason::LowAboveOpenClose);
    input.remove(30_000); // a gap in a stored chunk
    let (mut batched, id) = indicator_store(true);
    let out = batch_outcome(&mut batched, id, &input, InvalidBars::Skip).unwrap();
    assert_eq!(out.appended, input.len() - 1);
    assert_eq!(
        out.rejected.iter().map(|r| r.index).collect::<Vec<_>>(),
        vec![Some(70_000)]
    );
    let (mut one, oid) = indicator_store(true);
    for b in &input {
        let _ = one.append(oid, b);
    }
    assert_eq!(columns_bits(&batched, id), columns_bits(&one, oid));
    assert_eq!(snapshot(&batched, id), snapshot(&one, oid));
    assert_eq!(
        batched.rejections(id).unwrap(),
        one.rejections(oid).unwrap()
    );
    assert_eq!(batched.take_gaps(), one.take_gaps());
}

/// The most derived intervals a store takes (31): a batch's closed mask has every bit in place, as
/// one by one.
#[test]
fn a_batch_into_31_derived_intervals_closes_the_same_series_as_one_by_one() {
    let names: Vec<String> = (2..=32).map(|m| format!("{m}m")).collect();
    let intervals: Vec<&str> = names.iter().map(String::as_str).collect();
    let make = || {
        let mut st = store(&intervals, Alignment::Session, EmptyBuckets::Skip);
        let id = st.intern("SPY");
        st.begin_session(long_session(600)).unwrap();
        (st, id)
    };
    for len in [10, 64, 600] {
        let input = bars(len);
        let (mut batched, id) = make();
        let out = batch_outcome(&mut batched, id, &input, InvalidBars::Throw).unwrap();
        let (mut one, oid) = make();
        let mask = input.iter().fold(0, |m, b| m | one.append(oid, b).unwrap());
        assert_eq!(out.closed, mask, "{len} bars");
        assert_eq!(snapshot(&batched, id), snapshot(&one, oid), "{len} bars");
    }
}

#[test]
fn under_a_plan_a_symbol_reserves_a_quarter_more_than_it_gained_for_each_session_left() {
    // 100 sessions planned; X trades the first 40 minutes of each 390-minute session: 40 1m bars
    // and 8 5m bars a session.
    let (mut st, id) = planned_store("1m", &["5m"], None, 100);
    let mut capacities = Vec::new();
    for d in 0..3 {
        let day = from_midnight(d, 390);
        st.begin_session(day).unwrap();
        for k in 0..40 {
            st.append(id, &synth_bar(day.open + k * MIN, k as u64))
                .unwrap();
        }
        capacities.push([0, 1].map(|k| st.series(id, k).unwrap().capacity()));
        st.end_session().unwrap();
    }
    // The first session reserves itself (390 1m bars, 78 5m). From the second on, each series
    // reserves by what it gained: 40 + 40 / 4 = 50 1m bars of room for each of the 99 sessions the
    // plan still has, on top of the 40 stored, and 8 + 8 / 4 = 10 5m bars (not the base's 50) on
    // top of 8; the third finds that room there and keeps the blocks.
    let planned = [40 + 50 * 99, 8 + 10 * 99];
    assert_eq!(capacities, [[390, 78], planned, planned]);
}

#[test]
fn a_symbol_that_comes_in_late_is_full_when_it_made_four_fifths_of_what_it_still_could() {
    // Ten sessions planned. X's first bar comes at minute 290 of 390: 100 minutes it could still
    // make. Making 80 of them is full (the next session reserves whole sessions, 390 bars, for
    // the nine sessions left); 79 is a rate (79 + 79 / 4 = 98 bars for each).
    for (made, room) in [(80, 80 + 390 * 9), (79, 79 + 98 * 9)] {
        assert_eq!(
            room_at_second_session(390, 290..290 + made),
            room,
            "{made} made"
        );
    }
}

/// Under a plan of ten sessions of `minutes` minutes, with X trading the minutes `traded` of the
/// first: the base series' capacity at X's first bar of the second.
fn room_at_second_session(minutes: i64, traded: std::ops::Range<i64>) -> usize {
    let (mut st, id) = planned_store("1m", &[], None, 10);
    let day = from_midnight(0, minutes);
    st.begin_session(day).unwrap();
    for k in traded {
        st.append(id, &synth_bar(day.open + k * MIN, k as u64))
            .unwrap();
    }
    st.end_session().unwrap();
    let day = from_midnight(1, minutes);
    st.begin_session(day).unwrap();
    st.append(id, &synth_bar(day.open, 0)).unwrap();
    st.series(id, 0).unwrap().capacity()
}

#[test]
fn at_its_first_session_end_under_a_plan_a_series_gives_back_room_only_well_past_its_rate() {
    // Four sessions planned; X trades the first `made` minutes of a 390-minute session, which
    // reserved itself (390). At its end the rate keeps `made` + a quarter for each of the three
    // sessions left; the series moves to that only when its spare room is more than a quarter
    // past it, and 64 bars more.
    for (made, capacity) in [
        // 10 made: 12 a session, 36 kept; 380 spare > 36 + 9 + 64: moved to 10 + 36.
        (10, 46),
        // 80 made: 100 a session, 300 kept; 310 spare <= 300 + 75 + 64: the block stays.
        (80, 390),
    ] {
        let (mut st, id) = planned_store("1m", &[], None, 4);
        let day = from_midnight(0, 390);
        st.begin_session(day).unwrap();
        for k in 0..made {
            st.append(id, &synth_bar(day.open + k * MIN, k as u64))
                .unwrap();
        }
        assert_eq!(st.series(id, 0).unwrap().capacity(), 390);
        st.end_session().unwrap();
        assert_eq!(
            st.series(id, 0).unwrap().capacity(),
            capacity,
            "{made} made"
        );
    }
}

#[test]
fn a_symbol_that_comes_in_late_is_full_only_when_what_it_could_still_make_is_a_fifth_of_the_session(
) {
    // Ten sessions planned. X comes in 78 minutes before the close and trades every one of them.
    // In a 390-minute session that is a fifth: full, so the next session reserves whole sessions
    // (390 for each of the nine left). In a 391-minute session it is less: a rate, 78 + 78 / 4 =
    // 97 a session.
    for (minutes, room) in [(390, 78 + 390 * 9), (391, 78 + 97 * 9)] {
        assert_eq!(
            room_at_second_session(minutes, minutes - 78..minutes),
            room,
            "a {minutes}-minute session"
        );
    }
}
