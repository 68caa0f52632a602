//! Clock alignment on the days the exchange's clocks change (New York, 2024): buckets start where
//! the exchange's clock shows a multiple of their length. Instants are written out by hand in UTC,
//! with the local time they show beside them.

mod common;

use barstream_core::{
    Alignment, Bar, EmptyBuckets, Error, InvalidBars, Session, SessionStore, StoreConfig,
};

use common::*;

const H: i64 = HOUR;

/// 2024-03-10: midnight EST is 05:00Z; at 07:00Z (02:00 EST) the clocks go forward to 03:00 EDT.
const SPRING_MIDNIGHT: i64 = 1_710_046_800_000;
const SPRING_AT: i64 = SPRING_MIDNIGHT + 2 * H;
/// 2024-11-03: midnight EDT is 04:00Z; at 06:00Z (02:00 EDT) the clocks go back to 01:00 EST.
const AUTUMN_MIDNIGHT: i64 = 1_730_606_400_000;
const AUTUMN_AT: i64 = AUTUMN_MIDNIGHT + 2 * H;

fn session(open: i64, close: i64, midnight: i64, at: i64, by: i64) -> Session {
    Session::new(open as f64, close as f64, midnight as f64)
        .unwrap()
        .with_clock_shift(at as f64, by as f64)
        .unwrap()
}

fn clock_config(intervals: &[&str]) -> StoreConfig {
    config(intervals, Alignment::Clock, EmptyBuckets::Skip)
}

/// Every minute of the session, volume 1: a derived bar's volume is its minutes.
fn minutes(s: &Session) -> Vec<Bar> {
    (0..)
        .map(|k| s.open + k * MIN)
        .take_while(|&t| t < s.close)
        .map(|t| Bar::new(t as f64, 10.0, 11.0, 9.0, 10.5, 1.0))
        .collect()
}

/// `(start, minutes)` of each bar of each series, streamed and in one batch (which must agree).
fn run(intervals: &[&str], s: Session) -> Vec<Vec<(i64, f64)>> {
    let bars = minutes(&s);
    let mut streamed = SessionStore::new(clock_config(intervals)).unwrap();
    let id = streamed.intern("X");
    streamed.begin_session(s).unwrap();
    for b in &bars {
        streamed.append(id, b).unwrap();
    }
    streamed.end_session().unwrap();
    let mut batch = SessionStore::new(clock_config(intervals)).unwrap();
    let bid = batch.intern("X");
    batch.begin_session(s).unwrap();
    let cols = columns_of(&bars);
    batch
        .append_many(bid, cols.each_ref().map(Vec::as_slice), InvalidBars::Throw)
        .unwrap();
    batch.end_session().unwrap();
    (1..=intervals.len())
        .map(|i| {
            let got: Vec<(i64, f64)> = bars_of(streamed.series(id, i).unwrap())
                .iter()
                .map(|b| (b.time as i64, b.volume))
                .collect();
            let from_batch: Vec<(i64, f64)> = bars_of(batch.series(bid, i).unwrap())
                .iter()
                .map(|b| (b.time as i64, b.volume))
                .collect();
            assert_eq!(
                got,
                from_batch,
                "streaming equals batch, {}",
                intervals[i - 1]
            );
            got
        })
        .collect()
}

#[test]
fn an_evening_session_on_the_spring_day_has_its_buckets_on_the_clock() {
    // 18:00-23:00 EDT = 22:00Z-03:00Z.
    let s = session(
        SPRING_MIDNIGHT + 17 * H,
        SPRING_MIDNIGHT + 22 * H,
        SPRING_MIDNIGHT,
        SPRING_AT,
        H,
    );
    let got = run(&["2h", "4h"], s);
    // 2h: 18:00, 20:00, 22:00 EDT (the last cut at 23:00).
    let m = SPRING_MIDNIGHT;
    assert_eq!(
        got[0],
        [(m + 17 * H, 120.0), (m + 19 * H, 120.0), (m + 21 * H, 60.0)]
    );
    // 4h: 16:00 EDT (holding 18:00-20:00) and 20:00 EDT.
    assert_eq!(got[1], [(m + 15 * H, 120.0), (m + 19 * H, 180.0)]);
}

#[test]
fn a_whole_spring_day_the_hour_that_never_shows_shortens_its_bucket() {
    // 00:00 EST to 24:00 EDT: 23 hours.
    let s = session(
        SPRING_MIDNIGHT,
        SPRING_MIDNIGHT + 23 * H,
        SPRING_MIDNIGHT,
        SPRING_AT,
        H,
    );
    let got = run(&["1h", "4h", "1d"], s);
    let m = SPRING_MIDNIGHT;
    // 1h: 00:00 and 01:00 EST, then 03:00 EDT on: 23 bars of 60 minutes.
    let hours: Vec<(i64, f64)> = (0..23).map(|k| (m + k * H, 60.0)).collect();
    assert_eq!(got[0], hours);
    // 4h: 00:00 EST (three hours: 02:00-03:00 never shows), then 04:00, 08:00, ... 20:00 EDT.
    assert_eq!(
        got[1],
        [
            (m, 180.0),
            (m + 3 * H, 240.0),
            (m + 7 * H, 240.0),
            (m + 11 * H, 240.0),
            (m + 15 * H, 240.0),
            (m + 19 * H, 240.0),
        ]
    );
    // 1d: one bar at midnight, whatever the clocks do.
    assert_eq!(got[2], [(m, 23.0 * 60.0)]);
}

#[test]
fn a_whole_autumn_day_the_hour_that_shows_twice_lengthens_its_bucket() {
    // 00:00 EDT to 24:00 EST: 25 hours.
    let s = session(
        AUTUMN_MIDNIGHT,
        AUTUMN_MIDNIGHT + 25 * H,
        AUTUMN_MIDNIGHT,
        AUTUMN_AT,
        -H,
    );
    let got = run(&["1h", "2h", "4h"], s);
    let m = AUTUMN_MIDNIGHT;
    // 1h: a bucket every hour the clock shows, 01:00 twice (EDT, then EST): 25 of 60 minutes.
    let hours: Vec<(i64, f64)> = (0..25).map(|k| (m + k * H, 60.0)).collect();
    assert_eq!(got[0], hours);
    // 2h: 00:00 EDT to 02:00 EST (three hours: 02:00 EDT never shows), then 02:00, 04:00, ... EST.
    let mut twos = vec![(m, 180.0)];
    twos.extend((0..11).map(|k| (m + 3 * H + 2 * k * H, 120.0)));
    assert_eq!(got[1], twos);
    // 4h: 00:00 EDT to 04:00 EST (five hours), then 04:00, 08:00, ... 20:00 EST.
    let mut fours = vec![(m, 300.0)];
    fours.extend((0..5).map(|k| (m + 5 * H + 4 * k * H, 240.0)));
    assert_eq!(got[2], fours);
}

#[test]
fn the_clock_closes_the_bucket_that_holds_the_change_at_its_wall_clock_end() {
    let s = session(
        SPRING_MIDNIGHT,
        SPRING_MIDNIGHT + 23 * H,
        SPRING_MIDNIGHT,
        SPRING_AT,
        H,
    );
    let mut st = SessionStore::new(clock_config(&["4h"])).unwrap();
    let id = st.intern("X");
    st.begin_session(s).unwrap();
    st.append(
        id,
        &Bar::new(SPRING_MIDNIGHT as f64, 1.0, 1.0, 1.0, 1.0, 1.0),
    )
    .unwrap();
    // The 00:00 bucket ends at 04:00 EDT, three hours after midnight: not a minute before.
    assert!(st
        .advance_to((SPRING_MIDNIGHT + 3 * H - 1) as f64)
        .unwrap()
        .is_empty());
    assert_eq!(st.series(id, 1).unwrap().len(), 0);
    assert_eq!(
        st.advance_to((SPRING_MIDNIGHT + 3 * H) as f64).unwrap(),
        &[(id, 2)]
    );
    // A bar of the closed bucket is now late.
    assert!(matches!(
        st.append(
            id,
            &Bar::new((SPRING_MIDNIGHT + 2 * H) as f64, 1.0, 1.0, 1.0, 1.0, 1.0)
        ),
        Err(Error::Rejected(_))
    ));
}

#[test]
fn session_alignment_ignores_the_change_and_bad_shifts_are_refused() {
    let s = session(
        SPRING_MIDNIGHT,
        SPRING_MIDNIGHT + 23 * H,
        SPRING_MIDNIGHT,
        SPRING_AT,
        H,
    );
    // Anchored at the open, buckets run in time elapsed from it.
    let mut st =
        SessionStore::new(config(&["4h"], Alignment::Session, EmptyBuckets::Skip)).unwrap();
    let id = st.intern("X");
    st.begin_session(s).unwrap();
    for b in minutes(&s) {
        st.append(id, &b).unwrap();
    }
    st.end_session().unwrap();
    let starts: Vec<i64> = bars_of(st.series(id, 1).unwrap())
        .iter()
        .map(|b| b.time as i64)
        .collect();
    assert_eq!(
        starts,
        (0..6)
            .map(|k| SPRING_MIDNIGHT + 4 * k * H)
            .collect::<Vec<_>>()
    );
    // A shift of no size, of a day, before the day starts, or not in whole base bars.
    let base = Session::new(
        SPRING_MIDNIGHT as f64,
        (SPRING_MIDNIGHT + 23 * H) as f64,
        SPRING_MIDNIGHT as f64,
    )
    .unwrap();
    for (at, by) in [
        (SPRING_AT, 0),
        (SPRING_AT, 24 * H),
        (SPRING_MIDNIGHT - H, H),
    ] {
        assert!(matches!(
            base.with_clock_shift(at as f64, by as f64),
            Err(Error::Session {
                code: "invalid_session",
                ..
            })
        ));
    }
    assert!(base
        .with_clock_shift(SPRING_AT as f64 + 0.5, H as f64)
        .is_err());
    // A change by a part of a base bar: refused when it falls inside the session, which it would
    // move off its grid; taken when it comes before the open (Lord Howe moves by 30 minutes).
    let odd = base.with_clock_shift(SPRING_AT as f64, 90_000.0).unwrap();
    let mut st = SessionStore::new(clock_config(&["1h"])).unwrap();
    assert!(matches!(
        st.begin_session(odd),
        Err(Error::Session {
            code: "invalid_session",
            ..
        })
    ));
    // At the close it moves no bucket of the session: taken.
    let at_close = base
        .with_clock_shift((SPRING_MIDNIGHT + 23 * H) as f64, 90_000.0)
        .unwrap();
    SessionStore::new(clock_config(&["1h"]))
        .unwrap()
        .begin_session(at_close)
        .unwrap();
    let mut half_hour = StoreConfig::new(iv("1h"), vec![iv("2h")]);
    half_hour.alignment = Alignment::Clock;
    let mut st = SessionStore::new(half_hour).unwrap();
    // 10:00-16:00 local after a change back by 30 minutes at 02:00: the open shows 10:00.
    let late = Session::new(
        (SPRING_MIDNIGHT + 10 * H + H / 2) as f64,
        (SPRING_MIDNIGHT + 16 * H + H / 2) as f64,
        SPRING_MIDNIGHT as f64,
    )
    .unwrap()
    .with_clock_shift(SPRING_AT as f64, -(H as f64) / 2.0)
    .unwrap();
    st.begin_session(late).unwrap();
}

#[test]
fn a_day_whose_midnight_the_clocks_skip_has_its_buckets_on_the_clock_from_its_first_instant() {
    // Havana, 2024-03-10: at 00:00 CST the clocks go to 01:00 CDT, so the day starts at 01:00
    // (05:00Z), one hour past a midnight that never shows. A session 01:00-09:00.
    let first = 1_710_046_800_000; // 2024-03-10T05:00Z
    let s = session(first, first + 8 * H, first, first, H);
    let got = run(&["2h", "1h", "1d"], s);
    // 2h: 01:00 (one hour, from the day's first instant), then 02:00, 04:00, 06:00 and 08:00.
    assert_eq!(
        got[0],
        [
            (first, 60.0),
            (first + H, 120.0),
            (first + 3 * H, 120.0),
            (first + 5 * H, 120.0),
            (first + 7 * H, 60.0),
        ]
    );
    let hours: Vec<(i64, f64)> = (0..8).map(|k| (first + k * H, 60.0)).collect();
    assert_eq!(got[1], hours);
    assert_eq!(got[2], [(first, 480.0)]);
}

#[test]
fn the_clock_reading_since_midnight_moves_by_the_shift_from_its_instant_on() {
    let spring = session(
        SPRING_MIDNIGHT + 8 * H + 30 * MIN,
        SPRING_MIDNIGHT + 15 * H,
        SPRING_MIDNIGHT,
        SPRING_AT,
        H,
    );
    // 06:00Z shows 01:00 EST; 07:00Z, the change, 03:00 EDT; 13:30Z, 09:30 EDT.
    assert_eq!(spring.wall_since_day_start(SPRING_MIDNIGHT + H), H);
    assert_eq!(spring.wall_since_day_start(SPRING_AT - 1), 2 * H - 1);
    assert_eq!(spring.wall_since_day_start(SPRING_AT), 3 * H);
    assert_eq!(
        spring.wall_since_day_start(SPRING_MIDNIGHT + 8 * H + 30 * MIN),
        9 * H + 30 * MIN
    );
    // 05:30Z shows 01:30 EDT; 06:00Z, the change, 01:00 EST; 14:30Z, 09:30 EST.
    let autumn = session(
        AUTUMN_MIDNIGHT + 10 * H + 30 * MIN,
        AUTUMN_MIDNIGHT + 17 * H,
        AUTUMN_MIDNIGHT,
        AUTUMN_AT,
        -H,
    );
    assert_eq!(
        autumn.wall_since_day_start(AUTUMN_MIDNIGHT + H + 30 * MIN),
        H + 30 * MIN
    );
    assert_eq!(autumn.wall_since_day_start(AUTUMN_AT), H);
    assert_eq!(
        autumn.wall_since_day_start(AUTUMN_MIDNIGHT + 10 * H + 30 * MIN),
        9 * H + 30 * MIN
    );
}

#[test]
fn a_clock_aligned_open_is_judged_on_the_clock_after_the_change() {
    // A 90m base: 13:00Z on the spring day shows 09:00 EDT, on the 90m grid from midnight (six
    // steps), though only 8 hours have passed since it (not a whole number of steps).
    let on_grid = session(
        SPRING_MIDNIGHT + 8 * H,
        SPRING_MIDNIGHT + 11 * H,
        SPRING_MIDNIGHT,
        SPRING_AT,
        H,
    );
    let mut c = StoreConfig::new(iv("90m"), vec![iv("3h")]);
    c.alignment = Alignment::Clock;
    let mut st = SessionStore::new(c.clone()).unwrap();
    st.begin_session(on_grid).unwrap();
    // 12:00Z shows 08:00 EDT: five and a third steps, refused.
    let off_grid = session(
        SPRING_MIDNIGHT + 7 * H,
        SPRING_MIDNIGHT + 11 * H,
        SPRING_MIDNIGHT,
        SPRING_AT,
        H,
    );
    let err = SessionStore::new(c)
        .unwrap()
        .begin_session(off_grid)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_session");
    assert!(err.to_string().contains("shows 08:00"), "{err}");
}
