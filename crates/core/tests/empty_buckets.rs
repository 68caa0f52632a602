//! `EmptyBuckets::Flat`: flat bars at the last close with zero volume, never before the symbol's
//! first bar of the session; made on a later bar, on `advance_to`, and up to the close on
//! `end_session`. Expected bars are written out by hand.

mod common;

use barstream_core::{Alignment, Bar, EmptyBuckets};
use common::*;

fn flat(t: i64, p: f64) -> Bar {
    bar(t, p, p, p, p, 0.0)
}

#[test]
fn gap_between_bars_becomes_flat_bars_at_the_last_close() {
    let mut st = store(&["5m"], Alignment::Session, EmptyBuckets::Flat);
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    st.append(id, &bar(ny(9, 30), 10.0, 10.5, 9.5, 10.0, 5.0))
        .unwrap();
    assert_eq!(
        st.append(id, &bar(ny(9, 31), 10.0, 11.5, 10.0, 11.0, 7.0))
            .unwrap(),
        0b1
    );
    // 09:47 closes 09:30, then makes flat 09:35 and 09:40 at 11.0; 09:45 is forming.
    assert_eq!(
        st.append(id, &bar(ny(9, 47), 12.0, 12.5, 11.5, 12.0, 3.0))
            .unwrap(),
        0b11
    );
    assert_eq!(
        bars_of(st.series(id, 1).unwrap()),
        vec![
            bar(ny(9, 30), 10.0, 11.5, 9.5, 11.0, 12.0),
            flat(ny(9, 35), 11.0),
            flat(ny(9, 40), 11.0),
        ]
    );
    assert_eq!(
        st.forming(id, 1).unwrap(),
        Some(bar(ny(9, 45), 12.0, 12.5, 11.5, 12.0, 3.0))
    );
    // The flat volume is +0.0 exactly.
    assert_eq!(
        st.series(id, 1).unwrap().column(5)[1].to_bits(),
        0.0f64.to_bits()
    );
    // The same stream under skip makes no flat bars.
    let mut sk = store(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    let id2 = sk.intern("SPY");
    sk.begin_session(oct7()).unwrap();
    for b in bars_of(st.series(id, 0).unwrap()) {
        sk.append(id2, &b).unwrap();
    }
    assert_eq!(sk.series(id2, 1).unwrap().len(), 1);
}

#[test]
fn a_bar_in_the_last_slot_then_a_gap() {
    let mut st = store(&["5m"], Alignment::Session, EmptyBuckets::Flat);
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    // 09:34 alone closes the 09:30 bucket on arrival; 09:50 then fills 09:35, 09:40, 09:45.
    assert_eq!(
        st.append(id, &bar(ny(9, 34), 2.0, 3.0, 1.0, 2.5, 1.0))
            .unwrap(),
        0b11
    );
    assert_eq!(
        st.append(id, &bar(ny(9, 50), 4.0, 4.0, 4.0, 4.0, 1.0))
            .unwrap(),
        0b11
    );
    assert_eq!(
        bars_of(st.series(id, 1).unwrap()),
        vec![
            bar(ny(9, 30), 2.0, 3.0, 1.0, 2.5, 1.0),
            flat(ny(9, 35), 2.5),
            flat(ny(9, 40), 2.5),
            flat(ny(9, 45), 2.5),
        ]
    );
}

#[test]
fn never_before_the_sessions_first_bar() {
    let mut st = store(&["5m", "1h"], Alignment::Session, EmptyBuckets::Flat);
    let id = st.intern("SPY");
    let idle = st.intern("IDLE");
    st.begin_session(oct7()).unwrap();
    assert_eq!(st.advance_to(ny(9, 50) as f64).unwrap(), &[]);
    assert_eq!(
        st.append(id, &bar(ny(9, 52), 5.0, 5.0, 5.0, 5.0, 1.0))
            .unwrap(),
        0b1
    );
    assert!(st.series(id, 1).unwrap().is_empty());
    st.end_session().unwrap();
    // 09:50 real, then flat from 09:55 to 15:55 at 5.0: 73 flat bars (78 buckets minus 09:30..09:50).
    let five = bars_of(st.series(id, 1).unwrap());
    assert_eq!(five.len(), 1 + 73);
    assert_eq!(five[0], bar(ny(9, 50), 5.0, 5.0, 5.0, 5.0, 1.0));
    for (k, b) in five[1..].iter().enumerate() {
        assert_eq!(*b, flat(ny(9, 55) + k as i64 * 5 * MIN, 5.0));
    }
    // 1h: 09:30 real, 10:30 ... 15:30 flat (the last cut at 16:00 but still stamped 15:30).
    let hours = bars_of(st.series(id, 2).unwrap());
    assert_eq!(hours.len(), 7);
    assert_eq!(hours[0], bar(ny(9, 30), 5.0, 5.0, 5.0, 5.0, 1.0));
    assert_eq!(hours[6], flat(ny(15, 30), 5.0));
    // A symbol with no bar in the session gets no flat bars at all.
    assert_eq!(series_lens(&st, idle), vec![0, 0, 0]);

    // Next session: the previous close exists, but the first bar at 10:03 still starts the series.
    st.begin_session(oct_day(1)).unwrap();
    let d = DAY;
    st.advance_to((ny(10, 0) + d) as f64).unwrap();
    assert_eq!(series_lens(&st, id), vec![1, 74, 7]);
    st.append(id, &bar(ny(10, 3) + d, 6.0, 6.0, 6.0, 6.0, 2.0))
        .unwrap();
    st.advance_to((ny(10, 10) + d) as f64).unwrap();
    let five = bars_of(st.series(id, 1).unwrap());
    assert_eq!(five.len(), 76);
    assert_eq!(five[74], bar(ny(10, 0) + d, 6.0, 6.0, 6.0, 6.0, 2.0));
    assert_eq!(five[75], flat(ny(10, 5) + d, 6.0));
}

#[test]
fn advance_to_makes_flat_bars_for_empty_buckets_that_ended() {
    let mut st = store(&["5m", "15m"], Alignment::Session, EmptyBuckets::Flat);
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    st.append(id, &bar(ny(9, 30), 1.0, 2.0, 0.5, 1.5, 10.0))
        .unwrap();
    // At 09:50 the buckets 09:30 (data), 09:35, 09:40, 09:45 have ended; 09:50 has not.
    assert_eq!(st.advance_to(ny(9, 50) as f64).unwrap(), &[(id, 0b110)]);
    assert_eq!(
        bars_of(st.series(id, 1).unwrap()),
        vec![
            bar(ny(9, 30), 1.0, 2.0, 0.5, 1.5, 10.0),
            flat(ny(9, 35), 1.5),
            flat(ny(9, 40), 1.5),
            flat(ny(9, 45), 1.5),
        ]
    );
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![bar(ny(9, 30), 1.0, 2.0, 0.5, 1.5, 10.0)]
    );
    // Not before the end: 09:54:59.999 makes nothing.
    assert_eq!(st.advance_to((ny(9, 55) - 1) as f64).unwrap(), &[]);
    assert_eq!(st.series(id, 1).unwrap().len(), 4);
    // A bar in the 09:50 bucket is still accepted and makes no flat bar before itself.
    assert_eq!(
        st.append(id, &bar(ny(9, 53), 3.0, 3.0, 3.0, 3.0, 1.0))
            .unwrap(),
        0b1
    );
    assert_eq!(st.series(id, 1).unwrap().len(), 4);
    // At 10:05: 09:50 closes with data, 09:55 and 10:00 flat at 3.0; 15m 09:45 (empty) flat at 3.0.
    assert_eq!(st.advance_to(ny(10, 5) as f64).unwrap(), &[(id, 0b110)]);
    assert_eq!(
        bars_of(st.series(id, 1).unwrap())[4..].to_vec(),
        vec![
            bar(ny(9, 50), 3.0, 3.0, 3.0, 3.0, 1.0),
            flat(ny(9, 55), 3.0),
            flat(ny(10, 0), 3.0),
        ]
    );
    // 15m: 09:45 bucket held the 09:53 bar (09:45-10:00), so it is a real bar, not flat.
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![
            bar(ny(9, 30), 1.0, 2.0, 0.5, 1.5, 10.0),
            bar(ny(9, 45), 3.0, 3.0, 3.0, 3.0, 1.0),
        ]
    );
}

#[test]
fn end_session_fills_to_the_close() {
    let mut st = store(&["1h", "5m", "1d"], Alignment::Session, EmptyBuckets::Flat);
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    st.append(id, &bar(ny(9, 30), 7.0, 8.0, 6.0, 7.25, 4.0))
        .unwrap();
    st.append(id, &bar(ny(15, 12), 7.5, 7.5, 7.0, 7.0, 2.0))
        .unwrap();
    let closed = st.end_session().unwrap();
    assert_eq!(closed, vec![(id, 0b1110)]);
    // 1h: 09:30 real; 10:30 ... 13:30 flat at 7.25; 14:30 real (15:12); 15:30 flat at 7.0.
    assert_eq!(
        bars_of(st.series(id, 1).unwrap()),
        vec![
            bar(ny(9, 30), 7.0, 8.0, 6.0, 7.25, 4.0),
            flat(ny(10, 30), 7.25),
            flat(ny(11, 30), 7.25),
            flat(ny(12, 30), 7.25),
            flat(ny(13, 30), 7.25),
            bar(ny(14, 30), 7.5, 7.5, 7.0, 7.0, 2.0),
            flat(ny(15, 30), 7.0),
        ]
    );
    // 5m: 78 buckets in the day; the last is 15:55 flat at 7.0.
    let five = bars_of(st.series(id, 2).unwrap());
    assert_eq!(five.len(), 78);
    assert_eq!(five[77], flat(ny(15, 55), 7.0));
    assert_eq!(five[1], flat(ny(9, 35), 7.25));
    // 15:10 is (15:10 - 09:30) / 5m = 340 / 5 = bucket 68.
    assert_eq!(five[68], bar(ny(15, 10), 7.5, 7.5, 7.0, 7.0, 2.0));
    assert_eq!(five[67], flat(ny(15, 5), 7.25));
    assert_eq!(five[69], flat(ny(15, 15), 7.0));
    // 1d: one real bar.
    assert_eq!(
        bars_of(st.series(id, 3).unwrap()),
        vec![bar(OCT7_OPEN, 7.0, 8.0, 6.0, 7.0, 6.0)]
    );
}

#[test]
fn clock_alignment_flat_bars_and_early_close() {
    let mut st = store(&["1h"], Alignment::Clock, EmptyBuckets::Flat);
    let id = st.intern("SPY");
    st.begin_session(nov29_session()).unwrap();
    st.append(id, &bar(nov29(9, 45), 1.0, 1.0, 1.0, 1.0, 1.0))
        .unwrap();
    st.end_session().unwrap();
    // 09:00 real (09:45), then 10:00, 11:00, 12:00 flat: the 12:00 bucket is cut at 13:00.
    assert_eq!(
        bars_of(st.series(id, 1).unwrap()),
        vec![
            bar(nov29(9, 0), 1.0, 1.0, 1.0, 1.0, 1.0),
            flat(nov29(10, 0), 1.0),
            flat(nov29(11, 0), 1.0),
            flat(nov29(12, 0), 1.0),
        ]
    );
}

#[test]
fn a_session_with_more_flat_buckets_than_a_series_can_hold_is_refused_at_its_start() {
    use barstream_core::{max_view_bars, Session, COLUMN_COUNT};
    let open = oct7().open;
    // A close given in microseconds: some 43,000 years of 5m buckets, about 4.6e9 of them.
    let absurd = Session::new(open as f64, (open * 1000) as f64, oct7().day_start as f64).unwrap();
    let mut flat_store = store(&["5m"], Alignment::Session, EmptyBuckets::Flat);
    let err = flat_store.begin_session(absurd).unwrap_err();
    assert_eq!(err.code(), "invalid_session");
    assert!(
        err.to_string().contains(&format!(
            "more bars than one series can hold ({})",
            max_view_bars(COLUMN_COUNT)
        )),
        "{err}"
    );
    // Nothing began: a normal session still can.
    flat_store.begin_session(oct7()).unwrap();
    // Buckets are skipped, not filled, by default: the same session is taken.
    let mut skip_store = store(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    skip_store.begin_session(absurd).unwrap();
}

#[test]
fn the_flat_bucket_limit_counts_a_series_indicator_columns() {
    use barstream_core::indicators::{IndicatorParams, IndicatorSpec};
    use barstream_core::{Session, SessionStore};
    let open = oct7().open;
    // 70,000,000 5m buckets. A 5m series with Bollinger bands (three outputs) is nine columns
    // wide: 2^32 / (8 x 9) = 59,652,323 bars at most, so flat buckets cannot fill it. Without the
    // indicator six columns hold 2^32 / (8 x 6) = 89,478,485: the same session is taken.
    let long = Session::new(
        open as f64,
        (open + 70_000_000 * 300_000) as f64,
        oct7().day_start as f64,
    )
    .unwrap();
    let bbands = IndicatorSpec::parse(
        "bbands",
        &IndicatorParams {
            period: Some(5.0),
            ..IndicatorParams::default()
        },
    )
    .unwrap();
    let mut c = config(&["5m"], Alignment::Session, EmptyBuckets::Flat);
    c.indicators = vec![vec![], vec![bbands]];
    let mut st = SessionStore::new(c).unwrap();
    let err = st.begin_session(long).unwrap_err();
    assert_eq!(err.code(), "invalid_session");
    assert!(
        err.to_string()
            .contains("has 70000000 5m buckets: with flat empty buckets that is more bars than one series can hold (59652323)"),
        "{err}"
    );
    let mut plain = store(&["5m"], Alignment::Session, EmptyBuckets::Flat);
    assert!(plain.begin_session(long).is_ok());
    // Exactly the 89,478,485 buckets six columns hold is taken; one more is refused.
    for (buckets, taken) in [(89_478_485, true), (89_478_486, false)] {
        let session = Session::new(
            open as f64,
            (open + buckets * 300_000) as f64,
            oct7().day_start as f64,
        )
        .unwrap();
        let mut st = store(&["5m"], Alignment::Session, EmptyBuckets::Flat);
        assert_eq!(st.begin_session(session).is_ok(), taken, "{buckets}");
    }
}
