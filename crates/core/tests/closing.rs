//! The four closing rules of the contract, the masks they return, and `forming`.
//!
//! Every expected bar below is worked out by hand from the five bars of `first_five()`:
//!
//! | time  | open | high | low | close | volume |
//! |-------|------|------|-----|-------|--------|
//! | 09:30 | 10   | 12   | 9   | 11    | 100    |
//! | 09:31 | 11   | 13   | 10  | 12    | 200    |
//! | 09:32 | 12   | 12.5 | 8   | 9     | 50     |
//! | 09:33 | 9    | 10   | 8.5 | 10    | 25     |
//! | 09:34 | 10   | 11   | 9.5 | 10.5  | 125    |

mod common;

use barstream_core::{Alignment, Bar, EmptyBuckets, Error, RejectReason};
use common::*;

/// Series: 0 = 1m, 1 = 5m, 2 = 15m, 3 = 1h, 4 = 1d.
const INTERVALS: [&str; 4] = ["5m", "15m", "1h", "1d"];

fn first_five() -> [Bar; 5] {
    [
        bar(ny(9, 30), 10.0, 12.0, 9.0, 11.0, 100.0),
        bar(ny(9, 31), 11.0, 13.0, 10.0, 12.0, 200.0),
        bar(ny(9, 32), 12.0, 12.5, 8.0, 9.0, 50.0),
        bar(ny(9, 33), 9.0, 10.0, 8.5, 10.0, 25.0),
        bar(ny(9, 34), 10.0, 11.0, 9.5, 10.5, 125.0),
    ]
}

/// The bar made of the first `n` bars of `first_five()`, at 09:30 (hand-computed).
fn partial(n: usize) -> Bar {
    let t = ny(9, 30);
    match n {
        1 => bar(t, 10.0, 12.0, 9.0, 11.0, 100.0),
        2 => bar(t, 10.0, 13.0, 9.0, 12.0, 300.0),
        3 => bar(t, 10.0, 13.0, 8.0, 9.0, 350.0),
        4 => bar(t, 10.0, 13.0, 8.0, 10.0, 375.0),
        5 => bar(t, 10.0, 13.0, 8.0, 10.5, 500.0),
        _ => unreachable!(),
    }
}

fn open_store() -> (barstream_core::SessionStore, u32) {
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    (st, id)
}

#[test]
fn rule1_five_minute_bucket_closes_on_its_fifth_minute() {
    let (mut st, id) = open_store();
    let bars = first_five();
    for (i, b) in bars.iter().enumerate().take(4) {
        assert_eq!(
            st.append(id, b).unwrap(),
            0b1,
            "bar {i} closes only the base"
        );
        assert_eq!(series_lens(&st, id), vec![i + 1, 0, 0, 0, 0]);
        for s in 1..=4 {
            assert_eq!(
                st.forming(id, s).unwrap(),
                Some(partial(i + 1)),
                "series {s}"
            );
        }
        assert_eq!(st.forming(id, 0).unwrap(), None);
    }
    // The fifth minute fills the 5m bucket's last slot: it closes now, not on the next bar.
    let mask = st.append(id, &bars[4]).unwrap();
    assert_eq!(mask, 0b11, "base and 5m close; 15m, 1h, 1d do not");
    assert_eq!(bars_of(st.series(id, 1).unwrap()), vec![partial(5)]);
    assert_eq!(st.forming(id, 1).unwrap(), None);
    for s in 2..=4 {
        assert!(st.series(id, s).unwrap().is_empty());
        assert_eq!(st.forming(id, s).unwrap(), Some(partial(5)));
    }
    assert_eq!(bars_of(st.series(id, 0).unwrap()), bars.to_vec());
}

#[test]
fn rule1_fifteen_minute_and_hour_close_on_their_last_minute() {
    let (mut st, id) = open_store();
    let bars = full_day(OCT7_OPEN, OCT7_CLOSE);
    for (i, b) in bars.iter().enumerate() {
        let mask = st.append(id, b).unwrap();
        let minute = i as i64 + 1; // minutes since the open, this bar included
        let mut want = 0b1;
        if minute % 5 == 0 {
            want |= 0b10;
        }
        if minute % 15 == 0 {
            want |= 0b100;
        }
        // 1h buckets from 09:30 end at 10:30, ..., 15:30, and the last is cut at 16:00.
        if minute % 60 == 0 || minute == 390 {
            want |= 0b1000;
        }
        if minute == 390 {
            want |= 0b10000;
        }
        assert_eq!(mask, want, "minute {minute}");
    }
    assert_eq!(series_lens(&st, id), vec![390, 78, 26, 7, 1]);
    for s in 1..=4 {
        assert_eq!(st.forming(id, s).unwrap(), None);
    }
    // end_session has nothing left to close.
    assert_eq!(st.end_session().unwrap(), vec![]);
    assert_eq!(series_lens(&st, id), vec![390, 78, 26, 7, 1]);
}

#[test]
fn rule2_a_later_bucket_closes_the_earlier_one_with_a_missing_last_minute() {
    let (mut st, id) = open_store();
    let bars = first_five();
    for b in &bars[..4] {
        st.append(id, b).unwrap();
    }
    // 09:34 never comes; 09:35 is in the next 5m bucket.
    let next = bar(ny(9, 35), 10.5, 11.0, 10.0, 10.8, 70.0);
    assert_eq!(st.append(id, &next).unwrap(), 0b11);
    assert_eq!(bars_of(st.series(id, 1).unwrap()), vec![partial(4)]);
    assert_eq!(
        st.forming(id, 1).unwrap(),
        Some(bar(ny(9, 35), 10.5, 11.0, 10.0, 10.8, 70.0))
    );
    // 15m still forming: 09:30..09:33 plus 09:35 = o10 h13 l8 c10.8 v445.
    assert_eq!(
        st.forming(id, 2).unwrap(),
        Some(bar(ny(9, 30), 10.0, 13.0, 8.0, 10.8, 445.0))
    );
    assert!(st.series(id, 2).unwrap().is_empty());

    // A bar several buckets later closes the 09:35 bucket and (under skip) nothing for the gap.
    let later = bar(ny(9, 52), 11.0, 11.5, 10.9, 11.2, 5.0);
    assert_eq!(st.append(id, &later).unwrap(), 0b111, "5m and 15m close");
    assert_eq!(
        bars_of(st.series(id, 1).unwrap()),
        vec![partial(4), bar(ny(9, 35), 10.5, 11.0, 10.0, 10.8, 70.0)]
    );
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![bar(ny(9, 30), 10.0, 13.0, 8.0, 10.8, 445.0)]
    );
    assert_eq!(
        st.forming(id, 1).unwrap(),
        Some(bar(ny(9, 50), 11.0, 11.5, 10.9, 11.2, 5.0))
    );
    assert_eq!(
        st.forming(id, 2).unwrap(),
        Some(bar(ny(9, 45), 11.0, 11.5, 10.9, 11.2, 5.0))
    );
}

#[test]
fn rule3_advance_to_closes_at_the_end_and_not_before() {
    let (mut st, id) = open_store();
    let other = st.intern("QQQ"); // no data at all
    let bars = first_five();
    for b in &bars[..4] {
        st.append(id, b).unwrap();
    }
    // One millisecond before the 5m bucket ends: nothing closes.
    assert_eq!(st.advance_to((ny(9, 35) - 1) as f64).unwrap(), &[]);
    assert!(st.series(id, 1).unwrap().is_empty());
    assert_eq!(st.forming(id, 1).unwrap(), Some(partial(4)));
    // A fractional time is floored: still before the end.
    assert_eq!(st.advance_to(ny(9, 35) as f64 - 0.5).unwrap(), &[]);
    assert!(st.series(id, 1).unwrap().is_empty());

    // Exactly at the end: the 5m bucket closes, with its last minute missing.
    assert_eq!(st.advance_to(ny(9, 35) as f64).unwrap(), &[(id, 0b10)]);
    assert_eq!(bars_of(st.series(id, 1).unwrap()), vec![partial(4)]);
    assert_eq!(st.forming(id, 1).unwrap(), None);
    assert_eq!(st.forming(id, 2).unwrap(), Some(partial(4)));
    assert!(st.series(other, 1).unwrap().is_empty());

    // A later bar of the next bucket is accepted and forms a new bar.
    let b = bar(ny(9, 36), 10.0, 10.2, 9.9, 10.1, 10.0);
    assert_eq!(st.append(id, &b).unwrap(), 0b1);
    assert_eq!(
        st.forming(id, 1).unwrap(),
        Some(bar(ny(9, 35), 10.0, 10.2, 9.9, 10.1, 10.0))
    );

    // Past (not exactly at) the end of the 5m and 15m buckets: both close; 1h and 1d do not.
    assert_eq!(
        st.advance_to((ny(9, 47) + 123) as f64).unwrap(),
        &[(id, 0b110)]
    );
    assert_eq!(
        bars_of(st.series(id, 1).unwrap()),
        vec![partial(4), bar(ny(9, 35), 10.0, 10.2, 9.9, 10.1, 10.0)]
    );
    // 15m: 09:30..09:33 then 09:36 = o10 h13 l8 c10.1 v385.
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![bar(ny(9, 30), 10.0, 13.0, 8.0, 10.1, 385.0)]
    );
    assert!(st.forming(id, 3).unwrap().is_some());

    // Going back in time does nothing.
    assert_eq!(st.advance_to(ny(9, 40) as f64).unwrap(), &[]);
    // The empty buckets 09:40 and 09:45 make nothing under skip, however far the clock goes.
    assert_eq!(st.advance_to(ny(10, 29) as f64).unwrap(), &[]);
    assert_eq!(st.series(id, 1).unwrap().len(), 2);
    // The 1h bucket ends at 10:30.
    assert_eq!(st.advance_to(ny(10, 30) as f64).unwrap(), &[(id, 0b1000)]);
    assert_eq!(
        bars_of(st.series(id, 3).unwrap()),
        vec![bar(ny(9, 30), 10.0, 13.0, 8.0, 10.1, 385.0)]
    );
    assert_eq!(series_lens(&st, other), vec![0; 5]);
    assert_eq!(
        st.forming(id, 4).unwrap(),
        Some(bar(OCT7_OPEN, 10.0, 13.0, 8.0, 10.1, 385.0))
    );
}

#[test]
fn rule3_advance_to_reports_every_symbol() {
    let mut st = store(&["5m", "15m"], Alignment::Session, EmptyBuckets::Skip);
    let a = st.intern("A");
    let b = st.intern("B");
    let c = st.intern("C");
    st.begin_session(oct7()).unwrap();
    st.append(a, &bar(ny(9, 30), 1.0, 1.0, 1.0, 1.0, 1.0))
        .unwrap();
    st.append(c, &bar(ny(9, 41), 2.0, 2.0, 2.0, 2.0, 2.0))
        .unwrap();
    // A: 5m 09:30 and 15m 09:30 end by 09:45; C: 5m 09:40 ends at 09:45, its 15m at 09:45 too.
    assert_eq!(
        st.advance_to(ny(9, 45) as f64).unwrap(),
        &[(a, 0b110), (c, 0b110)]
    );
    assert_eq!(series_lens(&st, b), vec![0, 0, 0]);
    assert_eq!(
        bars_of(st.series(c, 1).unwrap()),
        vec![bar(ny(9, 40), 2.0, 2.0, 2.0, 2.0, 2.0)]
    );
    assert_eq!(
        bars_of(st.series(c, 2).unwrap()),
        vec![bar(ny(9, 30), 2.0, 2.0, 2.0, 2.0, 2.0)]
    );
}

#[test]
fn rule4_end_session_flushes_forming_bars() {
    let (mut st, id) = open_store();
    let other = st.intern("IDLE");
    for b in &first_five()[..4] {
        st.append(id, b).unwrap();
    }
    assert_eq!(series_lens(&st, id), vec![4, 0, 0, 0, 0]);
    let closed = st.end_session().unwrap();
    assert_eq!(closed, vec![(id, 0b11110)]);
    for s in 1..=4 {
        assert_eq!(
            bars_of(st.series(id, s).unwrap()),
            vec![partial(4)],
            "series {s}"
        );
        assert_eq!(st.forming(id, s).unwrap(), None);
    }
    assert_eq!(series_lens(&st, other), vec![0; 5]);
    assert!(st.session().is_none());
    // Nothing more can be appended until the next session.
    let err = st.append(id, &first_five()[4]).unwrap_err();
    assert_eq!(err.code(), "no_session");
    assert!(matches!(
        st.end_session(),
        Err(Error::Session {
            code: "no_session",
            ..
        })
    ));
}

#[test]
fn rule4_end_session_after_advance_past_close_has_nothing_left() {
    let (mut st, id) = open_store();
    for b in &first_five()[..3] {
        st.append(id, b).unwrap();
    }
    assert_eq!(
        st.advance_to((OCT7_CLOSE + HOUR) as f64).unwrap(),
        &[(id, 0b11110)]
    );
    assert_eq!(st.end_session().unwrap(), vec![]);
    for s in 1..=4 {
        assert_eq!(bars_of(st.series(id, s).unwrap()), vec![partial(3)]);
    }
}

#[test]
fn masks_match_series_growth_and_forming_never_appears_in_series() {
    let (mut st, id) = open_store();
    let bars: Vec<Bar> = full_day(OCT7_OPEN, OCT7_CLOSE)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| (i * 7) % 11 != 3 && !(100..140).contains(i))
        .map(|(_, b)| b)
        .collect();
    for (k, b) in bars.iter().enumerate() {
        let before = series_lens(&st, id);
        let mask = st.append(id, b).unwrap();
        let after = series_lens(&st, id);
        for s in 0..5 {
            assert_eq!(
                mask & (1 << s) != 0,
                after[s] > before[s],
                "bar {k}, series {s}: mask {mask:b}, {before:?} -> {after:?}"
            );
            if let Some(f) = st.forming(id, s).unwrap() {
                let cols = st.series(id, s).unwrap();
                assert!(cols.column(0).iter().all(|t| *t < f.time), "series {s}");
                assert!(f.time <= b.time);
            }
        }
        if k % 37 == 0 {
            let t = b.time + 90_000.0;
            let before = series_lens(&st, id);
            let pairs = st.advance_to(t).unwrap().to_vec();
            let after = series_lens(&st, id);
            let mask = pairs.iter().find(|p| p.0 == id).map_or(0, |p| p.1);
            assert!(pairs.iter().all(|p| p.0 == id));
            for s in 0..5 {
                assert_eq!(mask & (1 << s) != 0, after[s] > before[s]);
            }
        }
    }
}

#[test]
fn late_bar_after_advance_is_counted_and_changes_nothing() {
    let (mut st, id) = open_store();
    for b in &first_five()[..3] {
        st.append(id, b).unwrap();
    }
    st.advance_to(ny(9, 35) as f64).unwrap();
    let snap = snapshot(&st, id);
    let err = st.append(id, &first_five()[3]).unwrap_err();
    match &err {
        Error::Rejected(r) => {
            assert_eq!(r.reason, RejectReason::Late);
            assert_eq!(r.index, None);
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(snapshot(&st, id), snap);
    assert_eq!(st.rejections(id).unwrap()[RejectReason::Late as usize], 1);
}

#[test]
fn thirty_one_intervals_use_every_mask_bit() {
    // Derived intervals 2m..=32m are series 1..=31; series s closes on minute m when m % (s+1) == 0.
    let ivs: Vec<String> = (2..=32).map(|n| format!("{n}m")).collect();
    let names: Vec<&str> = ivs.iter().map(String::as_str).collect();
    let mut st = store(&names, Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    for (i, b) in full_day(OCT7_OPEN, OCT7_OPEN + 64 * MIN).iter().enumerate() {
        let minute = i as u64 + 1;
        let want = (1..=31u32)
            .filter(|s| minute.is_multiple_of(u64::from(*s) + 1))
            .fold(1u32, |m, s| m | (1 << s));
        assert_eq!(st.append(id, b).unwrap(), want, "minute {minute}");
    }
    assert_eq!(st.series(id, 31).unwrap().len(), 2);
}

#[test]
fn a_thirty_second_base() {
    let mut cfg = config(&["1m", "5m"], Alignment::Clock, EmptyBuckets::Skip);
    cfg.base = iv("30s");
    let mut st = barstream_core::SessionStore::new(cfg).unwrap();
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    let bars: Vec<Bar> = (0..20)
        .map(|k| synth_bar(OCT7_OPEN + k * 30 * SEC, k as u64))
        .collect();
    for (k, b) in bars.iter().enumerate() {
        let mask = st.append(id, b).unwrap();
        // 1m closes on every second 30s bar, 5m on every tenth.
        let mut want = 0b1;
        if k % 2 == 1 {
            want |= 0b10;
        }
        if k % 10 == 9 {
            want |= 0b100;
        }
        assert_eq!(mask, want, "bar {k}");
    }
    let ones: Vec<Bar> = (0..10)
        .map(|m| {
            fold(
                OCT7_OPEN + m * MIN,
                &bars[2 * m as usize..2 * m as usize + 2],
            )
        })
        .collect();
    assert_eq!(bars_of(st.series(id, 1).unwrap()), ones);
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![fold(ny(9, 30), &bars[..10]), fold(ny(9, 35), &bars[10..])]
    );
    // 15 s past a slot is off the 30 s grid.
    let err = st
        .append(id, &synth_bar(OCT7_OPEN + 600 * SEC + 15 * SEC, 1))
        .unwrap_err();
    assert_eq!(err.code(), "off_grid");
}

#[test]
fn a_two_minute_base_under_clock_alignment() {
    // 4m buckets from midnight: 09:30 is 570 min = 142.5 buckets, so bucket 142 runs 09:28-09:32
    // and holds only the 09:30 slot: it closes on that bar.
    let mut cfg = config(&["4m", "1h"], Alignment::Clock, EmptyBuckets::Skip);
    cfg.base = iv("2m");
    let mut st = barstream_core::SessionStore::new(cfg).unwrap();
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    let b0 = synth_bar(ny(9, 30), 0);
    assert_eq!(st.append(id, &b0).unwrap(), 0b11);
    assert_eq!(
        bars_of(st.series(id, 1).unwrap()),
        vec![fold(ny(9, 28), &[b0])]
    );
    let b1 = synth_bar(ny(9, 32), 1);
    let b2 = synth_bar(ny(9, 34), 2);
    assert_eq!(st.append(id, &b1).unwrap(), 0b1);
    assert_eq!(st.append(id, &b2).unwrap(), 0b11);
    assert_eq!(
        st.series(id, 1).unwrap().last(),
        Some(fold(ny(9, 32), &[b1, b2]))
    );
    assert_eq!(
        st.append(id, &synth_bar(ny(9, 35), 3)).unwrap_err().code(),
        "off_grid"
    );
    // The 09:00 hour closes on its last 2m slot, 09:58.
    let mut hour = vec![b0, b1, b2];
    for m in (36..=56).step_by(2) {
        let b = synth_bar(ny(9, m), m as u64);
        hour.push(b);
        assert_eq!(st.append(id, &b).unwrap() & 0b100, 0);
    }
    let last = synth_bar(ny(9, 58), 58);
    hour.push(last);
    assert_eq!(st.append(id, &last).unwrap() & 0b100, 0b100);
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![fold(ny(9, 0), &hour)]
    );
}

#[test]
fn late_before_is_the_earliest_bucket_start_the_clock_has_not_closed() {
    let mut st = store(&["5m", "15m"], Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("X");
    assert_eq!(st.late_before(), None, "no session");
    st.begin_session(oct7()).unwrap();
    // No clock yet: nothing is late.
    assert_eq!(st.late_before(), None);
    st.append(id, &bar(ny(9, 30), 10.0, 12.0, 9.0, 11.0, 100.0))
        .unwrap();
    // 09:36: the 5m bucket 09:30-09:35 has ended, the 15m one 09:30-09:45 has not. Late is what
    // falls before the 5m bucket 09:35: by hand, 09:35.
    st.advance_to(ny(9, 36) as f64).unwrap();
    assert_eq!(st.late_before(), Some(ny(9, 35)));
    // The rule the store applies: 09:34 is late, 09:35 is not.
    let late = st.append(id, &bar(ny(9, 34), 10.0, 12.0, 9.0, 11.0, 100.0));
    assert!(
        matches!(&late, Err(Error::Rejected(r)) if r.reason == RejectReason::Late),
        "{late:?}"
    );
    st.append(id, &bar(ny(9, 35), 10.0, 12.0, 9.0, 11.0, 100.0))
        .unwrap();
    // 09:47: both grids have passed a bucket end; the later start is what counts, 09:45.
    st.advance_to(ny(9, 47) as f64).unwrap();
    assert_eq!(st.late_before(), Some(ny(9, 45)));
    st.end_session().unwrap();
    assert_eq!(st.late_before(), None, "the session ended");
    // Without a derived interval no bucket is closed by the clock.
    let mut base = store(&[], Alignment::Session, EmptyBuckets::Skip);
    base.begin_session(oct7()).unwrap();
    base.advance_to(ny(10, 0) as f64).unwrap();
    assert_eq!(base.late_before(), None);
}
