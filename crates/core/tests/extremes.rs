//! Inputs at the edge of what the store takes: intervals of hundreds of thousands of years,
//! session times at the edge of the range and beyond, negative epoch times. The store either
//! refuses them with a typed error or keeps its bucket arithmetic exact; it never wraps around.

mod common;

use barstream_core::{
    Alignment, EmptyBuckets, Error, Interval, InvalidBars, RejectReason, Session, SessionStore,
    StoreConfig, MAX_VOLUME,
};
use common::*;

/// The longest interval a store takes: 9e15 ms, as far as a session time may lie from 1970.
const LONGEST: i64 = 9_000_000_000_000_000;

fn store_of(base: Interval, intervals: Vec<Interval>) -> Result<SessionStore, Error> {
    SessionStore::new(StoreConfig::new(base, intervals))
}

#[test]
fn intervals_longer_than_any_session_time_are_refused() {
    // 153,722,867,280,912 minutes is within an i64 of milliseconds, but a bucket's end (its start
    // plus the length) would not be.
    for text in ["153722867280912m", "2562047788015h", "9000000000000001s"] {
        let long = Interval::parse(text).unwrap();
        let err = store_of(iv("1m"), vec![long]).err().expect(text);
        assert!(
            matches!(&err, Error::Config { param, .. } if param == "intervals"),
            "{text}: {err}"
        );
        let err = store_of(long, vec![]).err().expect(text);
        assert!(
            matches!(&err, Error::Config { param, .. } if param == "baseInterval"),
            "{text}: {err}"
        );
    }
    let longest = Interval::Fixed(LONGEST);
    assert!(store_of(iv("1m"), vec![longest]).is_ok());
    assert!(store_of(longest, vec![Interval::Session]).is_ok());
}

#[test]
fn the_longest_interval_holds_a_session_in_one_bucket_wherever_it_lies() {
    // Sessions near both ends of the range: every bucket start and end stays in range.
    for open in [OCT7_OPEN, 8_990_000_000_000_000, -8_990_000_000_000_000] {
        let mut st = store_of(iv("1m"), vec![Interval::Fixed(LONGEST), iv("1d")]).unwrap();
        let id = st.intern("X");
        let session = Session::new(open as f64, (open + 390 * MIN) as f64, open as f64).unwrap();
        st.begin_session(session).unwrap();
        let bars: Vec<_> = (0..3)
            .map(|k| synth_bar(open + k * 7 * MIN, k as u64))
            .collect();
        for b in &bars {
            assert_eq!(
                st.append(id, b).unwrap(),
                1,
                "no bucket closes before the end"
            );
        }
        let q = st.quality(id).unwrap().unwrap();
        assert_eq!(q.base.expected, 390);
        assert_eq!(
            (
                q.intervals[0].expected,
                q.intervals[0].received,
                q.intervals[0].missing
            ),
            (1, 0, 0)
        );
        st.advance_to((open + 200 * MIN) as f64).unwrap();
        st.end_session().unwrap();
        // By hand: one bucket from the open, the three bars folded.
        let want = bars_bits(&[fold(open, &bars)]);
        assert_eq!(series_bits(st.series(id, 1).unwrap()), want, "open {open}");
        assert_eq!(series_bits(st.series(id, 2).unwrap()), want, "open {open}");
        let q = st.quality(id).unwrap().unwrap();
        assert_eq!(
            (
                q.intervals[0].expected,
                q.intervals[0].received,
                q.intervals[0].missing
            ),
            (1, 1, 0)
        );
    }
}

#[test]
fn a_session_built_field_by_field_out_of_range_is_refused() {
    let base = oct7();
    let out = [
        Session {
            close: i64::MAX,
            ..base
        },
        Session {
            open: i64::MIN + 1,
            day_start: i64::MIN,
            ..base
        },
        Session {
            day_start: i64::MIN,
            ..base
        },
        Session {
            open: 9_100_000_000_000_000,
            close: 9_200_000_000_000_000,
            day_start: 9_000_000_000_000_000,
            ..base
        },
    ];
    for session in out {
        let mut st = store(&["5m", "1d"], Alignment::Session, EmptyBuckets::Skip);
        let err = st.begin_session(session).unwrap_err();
        assert_eq!(err.code(), "invalid_session", "{session:?}");
        assert!(st.session().is_none());
    }
    // A clock change at the end of time.
    let shifted = base
        .with_clock_shift(OCT7_MIDNIGHT as f64, 3_600_000.0)
        .unwrap();
    let far = Session {
        clock_shift: shifted.clock_shift.map(|mut c| {
            c.at = i64::MAX;
            c
        }),
        ..shifted
    };
    let mut st = store(&["5m"], Alignment::Clock, EmptyBuckets::Skip);
    assert_eq!(st.begin_session(far).unwrap_err().code(), "invalid_session");
}

#[test]
fn a_removed_symbol_is_refused_in_a_session_before_1970() {
    let mut st = store(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("GONE");
    assert_eq!(st.remove_symbol("GONE"), Ok(true));
    // 1929-10-29, 09:30 to 16:00 UTC: negative epoch times.
    let open = -1_267_000_000_000 - (-1_267_000_000_000 % DAY) + 9 * HOUR + 30 * MIN;
    st.begin_session(
        Session::new(
            open as f64,
            (open + 390 * MIN) as f64,
            (open - 9 * HOUR - 30 * MIN) as f64,
        )
        .unwrap(),
    )
    .unwrap();
    let err = st.append(id, &synth_bar(open, 0)).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let cols = columns_of(&[synth_bar(open, 0)]);
    let refs = cols.each_ref().map(Vec::as_slice);
    assert!(matches!(
        st.append_many(id, refs, barstream_core::InvalidBars::Skip),
        Err(Error::NotFound { .. })
    ));
}

/// A bar of `volume` at `t`, prices all 10.
fn with_volume(t: i64, volume: f64) -> barstream_core::Bar {
    bar(t, 10.0, 10.0, 10.0, 10.0, volume)
}

#[test]
fn a_volume_whose_sum_could_overflow_is_refused_and_counted() {
    let mut st = store(&["5m", "1d"], Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("X");
    st.begin_session(oct7()).unwrap();
    // Each is finite; two of them summed into the 5m bar are not (f64::MAX is about 1.8e308).
    st.append(id, &with_volume(ny(9, 30), MAX_VOLUME)).unwrap();
    let before = snapshot(&st, id);
    let err = st.append(id, &with_volume(ny(9, 31), 1.7e308)).unwrap_err();
    assert_eq!(err.code(), "volume_too_large", "{err}");
    assert!(
        err.to_string().contains("volume 1.7e+308 is above 1e+290"),
        "{err}"
    );
    assert_eq!(snapshot(&st, id), before, "nothing changed");
    assert_eq!(
        st.rejections(id).unwrap()[RejectReason::VolumeTooLarge as usize],
        1
    );
    assert_eq!(
        st.quality(id).unwrap().unwrap().base.rejected[RejectReason::VolumeTooLarge as usize],
        1
    );
    // The largest volume taken, in every slot of the session: the sums stay finite and exact
    // as a naive fold gives them.
    let mut st = store(&["5m", "1d"], Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("X");
    st.begin_session(oct7()).unwrap();
    let bars: Vec<_> = (0..390)
        .map(|k| with_volume(ny(9, 30) + k * MIN, MAX_VOLUME))
        .collect();
    for b in &bars[..200] {
        st.append(id, b).unwrap();
    }
    let cols = columns_of(&bars[200..]);
    let refs = cols.each_ref().map(Vec::as_slice);
    st.append_many(id, refs, InvalidBars::Throw).unwrap();
    st.end_session().unwrap();
    let day = st.series(id, 2).unwrap().column(5)[0];
    assert!(day.is_finite());
    assert_eq!(
        bars_bits(&[fold(OCT7_OPEN, &bars)]),
        series_bits(st.series(id, 2).unwrap())
    );
}

#[test]
fn the_volume_rules_come_last_and_a_non_finite_volume_is_non_finite() {
    let mut st = store(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("X");
    st.begin_session(oct7()).unwrap();
    st.append(id, &with_volume(ny(9, 30), 1.0)).unwrap();
    let huge = 1e291;
    let cases = [
        (with_volume(ny(9, 31), f64::INFINITY), "non_finite"),
        (with_volume(ny(9, 31), f64::NAN), "non_finite"),
        (
            bar(ny(9, 31), f64::NAN, 10.0, 10.0, 10.0, huge),
            "non_finite",
        ),
        (with_volume(ny(16, 0), huge), "outside_session"),
        (with_volume(ny(9, 31) + 1, huge), "off_grid"),
        (with_volume(ny(9, 30), huge), "duplicate"),
        (
            bar(ny(9, 31), 10.0, 9.0, 9.0, 10.0, huge),
            "high_below_open_close",
        ),
        (
            bar(ny(9, 31), 10.0, 11.0, 10.5, 10.0, -huge),
            "low_above_open_close",
        ),
        (with_volume(ny(9, 31), -huge), "negative_volume"),
        (with_volume(ny(9, 31), -1.0), "negative_volume"),
        (with_volume(ny(9, 31), huge), "volume_too_large"),
        (with_volume(ny(9, 31), f64::MAX), "volume_too_large"),
    ];
    for (b, code) in cases {
        assert_eq!(st.append(id, &b).unwrap_err().code(), code, "{b:?}");
    }
    // -0 is a volume of zero.
    assert_eq!(st.append(id, &with_volume(ny(9, 31), -0.0)), Ok(1));
}

#[test]
fn a_batch_refuses_a_volume_too_large_inside_a_regular_run() {
    let mut c = StoreConfig::new(iv("1s"), vec![iv("1m"), iv("1d")]);
    c.alignment = Alignment::Session;
    let run: Vec<_> = (0..3000)
        .map(|k| with_volume(OCT7_OPEN + k * SEC, MAX_VOLUME))
        .collect();
    for (at, code) in [
        (1500, Some("volume_too_large")),
        (2999, Some("volume_too_large")),
        (0, None),
    ] {
        let mut st = SessionStore::new(c.clone()).unwrap();
        let id = st.intern("X");
        st.begin_session(oct7()).unwrap();
        let mut bars = run.clone();
        if code.is_some() {
            bars[at].volume = 2.0 * MAX_VOLUME;
        }
        let cols = columns_of(&bars);
        let refs = cols.each_ref().map(Vec::as_slice);
        match (st.append_many(id, refs, InvalidBars::Throw), code) {
            (Err(Error::Rejected(r)), Some(code)) => {
                assert_eq!((r.reason.code(), r.index), (code, Some(at)));
                assert_eq!(st.stored_bars(), 0);
            }
            (Ok(out), None) => assert_eq!(out.appended, 3000),
            (other, _) => panic!("{other:?}"),
        }
        let out = st.append_many(id, refs, InvalidBars::Skip).unwrap();
        let skipped: Vec<_> = out
            .rejected
            .iter()
            .map(|r| (r.index, r.reason.code()))
            .collect();
        match code {
            Some(code) => assert_eq!(skipped, vec![(Some(at), code)]),
            // Every bar is in already: each one again is a duplicate.
            None => assert_eq!(skipped.len(), 3000),
        }
        st.end_session().unwrap();
        for s in 1..3 {
            assert!(st
                .series(id, s)
                .unwrap()
                .column(5)
                .iter()
                .all(|v| v.is_finite()));
        }
    }
}
