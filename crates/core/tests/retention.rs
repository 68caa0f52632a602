//! `retain_sessions`: only the last N sessions' bars are kept, applied at each `end_session`.

mod common;

use barstream_core::{Alignment, Bar, EmptyBuckets, Error, Session, SessionStore};
use common::*;

/// Session `d` (2013-10-07 + d days): ten bars 09:30..09:39 plus `d` more from 10:00, with prices
/// that name the day so a bar of the wrong day cannot pass for another.
fn day_bars(d: i64, s: &Session) -> Vec<Bar> {
    let mut times: Vec<i64> = (0..10).map(|k| s.open + k * MIN).collect();
    times.extend((0..d).map(|k| s.open + 30 * MIN + k * MIN));
    times
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let p = 100.0 * (d + 1) as f64 + k as f64 * 0.25;
            Bar::new(t as f64, p, p + 1.0, p - 1.0, p + 0.5, 10.0 + k as f64)
        })
        .collect()
}

fn expected(days: &[(Session, Vec<Bar>)], s: usize) -> Vec<Bar> {
    match s {
        0 => days.iter().flat_map(|(_, b)| b.clone()).collect(),
        1 => naive_series(days, iv("5m"), Alignment::Session, false),
        2 => naive_series(days, iv("1d"), Alignment::Session, false),
        _ => unreachable!(),
    }
}

#[test]
fn keeps_the_last_two_sessions_after_each_end() {
    let mut cfg = config(&["5m", "1d"], Alignment::Session, EmptyBuckets::Skip);
    cfg.retain_sessions = Some(2);
    let mut st = SessionStore::new(cfg).unwrap();
    let mut all = SessionStore::new(config(
        &["5m", "1d"],
        Alignment::Session,
        EmptyBuckets::Skip,
    ))
    .unwrap();
    let id = st.intern("SPY");
    let id_all = all.intern("SPY");
    let mut days: Vec<(Session, Vec<Bar>)> = Vec::new();
    for d in 0..5 {
        let s = oct_day(d);
        st.begin_session(s).unwrap();
        all.begin_session(s).unwrap();
        let bars = day_bars(d, &s);
        for b in &bars {
            st.append(id, b).unwrap();
            all.append(id_all, b).unwrap();
        }
        // During the session, the kept sessions are still all there, plus today's closed bars.
        let kept_before = days.len().saturating_sub(2);
        let base_len = days[kept_before..].iter().map(|x| x.1.len()).sum::<usize>() + bars.len();
        assert_eq!(st.series(id, 0).unwrap().len(), base_len, "day {d} open");
        st.end_session().unwrap();
        all.end_session().unwrap();
        days.push((s, bars));
        let kept = &days[days.len().saturating_sub(2)..];
        for series in 0..3 {
            assert_eq!(
                bars_of(st.series(id, series).unwrap()),
                expected(kept, series),
                "day {d}, series {series}"
            );
            assert_eq!(
                bars_of(all.series(id_all, series).unwrap()),
                expected(&days, series),
                "no retention: day {d}, series {series}"
            );
        }
        let stored: usize = (0..3).map(|s| expected(kept, s).len()).sum();
        assert_eq!(st.stored_bars(), stored);
        assert!(st.allocated_bytes() >= 48 * stored);
    }
    assert!(st.stored_bars() < all.stored_bars());
    assert!(st.allocated_bytes() < all.allocated_bytes());
}

#[test]
fn retention_of_one_and_symbols_that_arrive_late() {
    let mut cfg = config(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    cfg.retain_sessions = Some(1);
    let mut st = SessionStore::new(cfg).unwrap();
    let a = st.intern("A");
    st.begin_session(oct_day(0)).unwrap();
    st.append(a, &synth_bar(ny(9, 30), 1)).unwrap();
    st.end_session().unwrap();
    let b = st.intern("B");
    st.begin_session(oct_day(1)).unwrap();
    let b1 = synth_bar(ny(9, 31) + DAY, 2);
    st.append(b, &b1).unwrap();
    st.end_session().unwrap();
    // A had nothing on day 1, so nothing is left; B keeps its day-1 bar.
    assert_eq!(series_lens(&st, a), vec![0, 0]);
    assert_eq!(bars_of(st.series(b, 0).unwrap()), vec![b1]);
    st.begin_session(oct_day(2)).unwrap();
    let a2 = synth_bar(ny(9, 32) + 2 * DAY, 3);
    st.append(a, &a2).unwrap();
    st.end_session().unwrap();
    assert_eq!(bars_of(st.series(a, 0).unwrap()), vec![a2]);
    assert_eq!(series_lens(&st, b), vec![0, 0]);
    assert_eq!(st.stored_bars(), 2);
}

#[test]
fn zero_retention_is_a_config_error() {
    let mut cfg = config(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    cfg.retain_sessions = Some(0);
    let err = SessionStore::new(cfg).err().unwrap();
    assert!(
        matches!(&err, Error::Config { param, .. } if param == "retainSessions"),
        "{err:?}"
    );
}

#[test]
fn a_dense_day_stays_within_64_bytes_a_bar() {
    let mut st = store(
        &["5m", "15m", "30m", "1h", "1d"],
        Alignment::Session,
        EmptyBuckets::Skip,
    );
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    for b in full_day(OCT7_OPEN, OCT7_CLOSE) {
        st.append(id, &b).unwrap();
    }
    st.end_session().unwrap();
    let stored = st.stored_bars();
    assert_eq!(stored, 390 + 78 + 26 + 13 + 7 + 1);
    assert!(st.allocated_bytes() >= 48 * stored);
    assert!(
        st.allocated_bytes() <= 64 * stored,
        "{} bytes for {stored} bars",
        st.allocated_bytes()
    );
}
