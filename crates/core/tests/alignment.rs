//! Session and clock alignment, `1d`, and a 13:00 early close. Bucket times are written out by hand;
//! the OHLCV of each expected bar is folded in the test from the base bars in its time range.

mod common;

use barstream_core::{Alignment, EmptyBuckets, Error, RejectReason, SessionStore};
use common::*;

fn run_day(
    st: &mut SessionStore,
    session: barstream_core::Session,
) -> (u32, Vec<barstream_core::Bar>) {
    let id = st.intern("SPY");
    st.begin_session(session).unwrap();
    let bars = full_day(session.open, session.close);
    for b in &bars {
        st.append(id, b).unwrap();
    }
    (id, bars)
}

#[test]
fn session_alignment_hour_bars_start_at_the_half_hour_and_the_last_is_cut() {
    let mut st = store(&["1h", "1d"], Alignment::Session, EmptyBuckets::Skip);
    let (id, bars) = run_day(&mut st, oct7());
    let starts = [
        ny(9, 30),
        ny(10, 30),
        ny(11, 30),
        ny(12, 30),
        ny(13, 30),
        ny(14, 30),
        ny(15, 30),
    ];
    let want: Vec<_> = starts
        .iter()
        .map(|&s| fold_range(&bars, s, (s + HOUR).min(OCT7_CLOSE)))
        .collect();
    assert_eq!(bars_of(st.series(id, 1).unwrap()), want);
    // The last bar holds 15:30..15:59 only: 30 minutes.
    let last = &bars[360..];
    assert_eq!(last.len(), 30);
    assert_eq!(want[6], fold(ny(15, 30), last));
    // 1d: one bar, time = the open, every base bar.
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![fold(OCT7_OPEN, &bars)]
    );
    st.end_session().unwrap();
    assert_eq!(series_lens(&st, id), vec![390, 7, 1]);
}

#[test]
fn clock_alignment_hour_bars_start_on_the_hour() {
    let mut st = store(&["1h", "1d", "30m"], Alignment::Clock, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    st.begin_session(oct7()).unwrap();
    let bars = full_day(OCT7_OPEN, OCT7_CLOSE);
    for (i, b) in bars.iter().enumerate() {
        let mask = st.append(id, b).unwrap();
        // The 09:00 bucket (holding 09:30-09:59) closes on 09:59, the 30th bar.
        if i == 29 {
            assert_eq!(mask & 0b10, 0b10, "1h closes at 09:59");
        }
    }
    let starts: Vec<i64> = (9..=15).map(|h| ny(h, 0)).collect();
    let want: Vec<_> = starts
        .iter()
        .map(|&s| fold_range(&bars, s, s + HOUR))
        .collect();
    assert_eq!(bars_of(st.series(id, 1).unwrap()), want);
    assert_eq!(
        want[0],
        fold(ny(9, 0), &bars[..30]),
        "09:00 holds 09:30-09:59"
    );
    assert_eq!(want[6], fold(ny(15, 0), &bars[330..]));
    // 1d: time = the exchange midnight.
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![fold(OCT7_MIDNIGHT, &bars)]
    );
    // 30m on the clock is the same grid as from a 09:30 open: 09:30, 10:00, ... 15:30.
    let halves: Vec<_> = (0..13)
        .map(|k| ny(9, 30) + k * 30 * MIN)
        .map(|s| fold_range(&bars, s, s + 30 * MIN))
        .collect();
    assert_eq!(bars_of(st.series(id, 3).unwrap()), halves);
}

#[test]
fn clock_alignment_ninety_minutes_divides_a_day() {
    // 1440 / 90 = 16: buckets from midnight at 09:00, 10:30, 12:00, 13:30, 15:00.
    let mut st = store(&["90m"], Alignment::Clock, EmptyBuckets::Skip);
    let (id, bars) = run_day(&mut st, oct7());
    let starts = [ny(9, 0), ny(10, 30), ny(12, 0), ny(13, 30), ny(15, 0)];
    let want: Vec<_> = starts
        .iter()
        .map(|&s| fold_range(&bars, s, s + 90 * MIN))
        .collect();
    assert_eq!(bars_of(st.series(id, 1).unwrap()), want);
    // Under session alignment the same interval runs 09:30, 11:00, 12:30, 14:00, 15:30 (cut).
    let mut st = store(&["90m"], Alignment::Session, EmptyBuckets::Skip);
    let (id, bars) = run_day(&mut st, oct7());
    let starts = [ny(9, 30), ny(11, 0), ny(12, 30), ny(14, 0), ny(15, 30)];
    let want: Vec<_> = starts
        .iter()
        .map(|&s| fold_range(&bars, s, s + 90 * MIN))
        .collect();
    assert_eq!(bars_of(st.series(id, 1).unwrap()), want);
}

#[test]
fn clock_alignment_rejects_intervals_that_do_not_divide_a_day() {
    // 1440 / 7 = 205.7..., 1440 / 25 = 57.6, 1440 / 7h = 3.4...: refused under clock alignment.
    for bad in ["7m", "25m", "7h", "11m"] {
        let err = SessionStore::new(config(&[bad], Alignment::Clock, EmptyBuckets::Skip))
            .err()
            .unwrap_or_else(|| panic!("{bad} accepted"));
        assert!(
            matches!(&err, Error::Config { param, .. } if param == "intervals"),
            "{err:?}"
        );
        assert_eq!(err.code(), "invalid_config");
        // The same interval is fine under session alignment.
        SessionStore::new(config(&[bad], Alignment::Session, EmptyBuckets::Skip)).unwrap();
    }
    for good in ["2m", "3m", "90m", "8h", "12h", "24h", "1d", "45m", "16m"] {
        SessionStore::new(config(&[good], Alignment::Clock, EmptyBuckets::Skip))
            .unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

#[test]
fn clock_alignment_needs_an_open_on_the_base_grid_from_midnight() {
    let mut st = store(&["5m"], Alignment::Clock, EmptyBuckets::Skip);
    let s = barstream_core::Session::new(
        (OCT7_OPEN + 30 * SEC) as f64,
        OCT7_CLOSE as f64,
        OCT7_MIDNIGHT as f64,
    )
    .unwrap();
    let err = st.begin_session(s).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Session {
                code: "invalid_session",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(st.session().is_none());
    // Session alignment does not care.
    let mut st = store(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    st.begin_session(s).unwrap();
}

#[test]
fn one_day_is_one_bar_per_session_under_both_alignments() {
    for alignment in [Alignment::Session, Alignment::Clock] {
        let mut st = store(&["1d", "1h"], alignment, EmptyBuckets::Skip);
        let id = st.intern("SPY");
        let mut want = Vec::new();
        for d in 0..3 {
            let s = oct_day(d);
            st.begin_session(s).unwrap();
            // A sparse day: every 7th minute.
            let bars: Vec<_> = full_day(s.open, s.close).into_iter().step_by(7).collect();
            for b in &bars {
                st.append(id, b).unwrap();
            }
            assert!(st.series(id, 1).unwrap().len() == d as usize);
            let time = match alignment {
                Alignment::Session => s.open,
                Alignment::Clock => s.day_start,
            };
            want.push(fold(time, &bars));
            st.end_session().unwrap();
        }
        assert_eq!(bars_of(st.series(id, 1).unwrap()), want, "{alignment:?}");
    }
}

#[test]
fn early_close_session_cuts_hour_and_day_at_one_pm() {
    // 2013-11-29: 09:30-13:00 EST; the epoch times are derived in tests/common/mod.rs.
    assert_eq!(NOV29_OPEN, nov29(9, 30));
    assert_eq!(NOV29_CLOSE, nov29(13, 0));
    let mut st = store(&["1h", "1d"], Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    st.begin_session(nov29_session()).unwrap();
    let bars = full_day(NOV29_OPEN, NOV29_CLOSE);
    assert_eq!(bars.len(), 210, "09:30 to 13:00 is 210 minutes");
    for (i, b) in bars.iter().enumerate() {
        let mask = st.append(id, b).unwrap();
        if i == 209 {
            // 12:59 is the last slot of the cut 12:30 bucket and of the day.
            assert_eq!(mask, 0b111);
        }
    }
    let starts = [nov29(9, 30), nov29(10, 30), nov29(11, 30), nov29(12, 30)];
    let want: Vec<_> = starts
        .iter()
        .map(|&s| fold_range(&bars, s, s + HOUR))
        .collect();
    assert_eq!(bars_of(st.series(id, 1).unwrap()), want);
    assert_eq!(
        want[3],
        fold(nov29(12, 30), &bars[180..]),
        "12:30-13:00 holds 30 bars"
    );
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![fold(NOV29_OPEN, &bars)]
    );

    // Bars at or after 13:00 are outside the session.
    let before = snapshot(&st, id);
    for t in [nov29(13, 0), nov29(13, 1), nov29(15, 59)] {
        let err = st.append(id, &synth_bar(t, 1)).unwrap_err();
        assert_eq!(err.code(), "outside_session");
    }
    assert_eq!(snapshot(&st, id), before);
    assert_eq!(
        st.rejections(id).unwrap()[RejectReason::OutsideSession as usize],
        3
    );
    assert_eq!(st.end_session().unwrap(), vec![]);
}

#[test]
fn early_close_with_missing_data_is_flushed_at_one_pm() {
    let mut st = store(&["1h", "1d"], Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    st.begin_session(nov29_session()).unwrap();
    // Data stops at 12:44.
    let bars: Vec<_> = full_day(NOV29_OPEN, nov29(12, 45));
    for b in &bars {
        st.append(id, b).unwrap();
    }
    assert_eq!(st.series(id, 1).unwrap().len(), 3);
    // The 12:30 bucket ends at 13:00, the session close, not 13:30.
    assert_eq!(st.advance_to((nov29(13, 0) - 1) as f64).unwrap(), &[]);
    assert_eq!(st.advance_to(nov29(13, 0) as f64).unwrap(), &[(id, 0b110)]);
    assert_eq!(
        st.series(id, 1).unwrap().last().unwrap(),
        fold(nov29(12, 30), &bars[180..])
    );
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![fold(NOV29_OPEN, &bars)]
    );
}

#[test]
fn early_close_under_clock_alignment() {
    let mut st = store(&["1h", "1d"], Alignment::Clock, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    st.begin_session(nov29_session()).unwrap();
    let bars = full_day(NOV29_OPEN, NOV29_CLOSE);
    for b in &bars {
        st.append(id, b).unwrap();
    }
    let starts = [nov29(9, 0), nov29(10, 0), nov29(11, 0), nov29(12, 0)];
    let want: Vec<_> = starts
        .iter()
        .map(|&s| fold_range(&bars, s, s + HOUR))
        .collect();
    assert_eq!(bars_of(st.series(id, 1).unwrap()), want);
    assert_eq!(
        bars_of(st.series(id, 2).unwrap()),
        vec![fold(NOV29_MIDNIGHT, &bars)]
    );
    assert_eq!(st.forming(id, 1).unwrap(), None);
    assert_eq!(st.forming(id, 2).unwrap(), None);
}
