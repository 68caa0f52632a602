//! Every validation rule: the error and its code, the per-symbol, per-reason counter moved by
//! exactly one, nothing else changed, and the next valid bar accepted exactly as if the bad one had
//! never come. Then batches, configuration errors and session errors.

mod common;

use barstream_core::{
    Alignment, Bar, EmptyBuckets, Error, InvalidBars, RejectReason, Session, SessionStore,
    StoreConfig, SymbolId,
};
use common::*;
use proptest::prelude::*;

const INTERVALS: [&str; 3] = ["5m", "1h", "1d"];

/// 09:30, 09:31, 09:32 of 2013-10-07.
fn good(k: i64) -> Bar {
    synth_bar(ny(9, 30) + k * MIN, k as u64)
}

/// A store with SPY (and an idle QQQ) at 09:32, the 5m, 1h and 1d bars forming.
fn setup() -> (SessionStore, SymbolId) {
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    st.intern("QQQ");
    st.begin_session(oct7()).unwrap();
    for k in 0..3 {
        st.append(id, &good(k)).unwrap();
    }
    (st, id)
}

fn counts(st: &SessionStore, id: SymbolId) -> [u64; RejectReason::COUNT] {
    *st.rejections(id).unwrap()
}

/// Appends `bad` after `prepare`, checks the rejection, then `next` and the end of the session
/// against a store that never saw `bad`.
fn check_rejected(
    prepare: impl Fn() -> (SessionStore, SymbolId),
    bad: Bar,
    reason: RejectReason,
    next: Bar,
) -> String {
    let (mut st, id) = prepare();
    let (mut reference, rid) = prepare();
    let snap = snapshot(&st, id);
    let stored = st.stored_bars();
    let before = counts(&st, id);
    let other = st.symbol_id("QQQ").unwrap();
    let other_before = counts(&st, other);

    // `check` gives the same verdict as `append`, and changes and counts nothing.
    assert_eq!(st.check(Some(id), &bad).unwrap(), Some(reason), "{bad:?}");
    assert_eq!(counts(&st, id), before);
    assert_eq!(snapshot(&st, id), snap);
    let err = st.append(id, &bad).unwrap_err();
    assert_eq!(err.code(), reason.code(), "{bad:?}: {err}");
    let message = match &err {
        Error::Rejected(r) => {
            assert_eq!(r.reason, reason);
            assert_eq!(r.index, None);
            assert!(!r.message.is_empty());
            r.message.clone()
        }
        e => panic!("not a rejection: {e:?}"),
    };
    assert!(err.to_string().contains(reason.code()));

    // The counter for (SPY, reason) moved by exactly one; nothing else did.
    let after = counts(&st, id);
    for r in RejectReason::ALL {
        let want = before[r as usize] + u64::from(r == reason);
        assert_eq!(after[r as usize], want, "{r:?}");
    }
    assert_eq!(counts(&st, other), other_before);
    // State unchanged: every series bit for bit, every forming bar.
    assert_eq!(snapshot(&st, id), snap);
    assert_eq!(st.stored_bars(), stored);

    // The next valid bar is taken exactly as if the bad one never came.
    assert_eq!(st.check(Some(id), &next).unwrap(), None);
    let m1 = st.append(id, &next).unwrap();
    let m2 = reference.append(rid, &next).unwrap();
    assert_eq!(m1, m2);
    assert_eq!(snapshot(&st, id), snapshot(&reference, rid));
    assert_eq!(st.end_session().unwrap(), reference.end_session().unwrap());
    assert_eq!(snapshot(&st, id), snapshot(&reference, rid));
    message
}

fn with(mut b: Bar, f: impl FnOnce(&mut Bar)) -> Bar {
    f(&mut b);
    b
}

#[test]
fn no_session() {
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    let err = st.append(id, &good(0)).unwrap_err();
    assert_eq!(err.code(), "no_session");
    assert!(matches!(&err, Error::Rejected(r) if r.reason == RejectReason::NoSession));
    assert_eq!(counts(&st, id)[RejectReason::NoSession as usize], 1);
    assert_eq!(counts(&st, id).iter().sum::<u64>(), 1);
    assert_eq!(series_lens(&st, id), vec![0; 4]);
    // Then the session opens and the same bar is accepted.
    st.begin_session(oct7()).unwrap();
    st.append(id, &good(0)).unwrap();
    st.end_session().unwrap();
    let snap = snapshot(&st, id);
    // After the end, bars are refused again.
    let err = st.append(id, &good(1)).unwrap_err();
    assert_eq!(err.code(), "no_session");
    assert_eq!(counts(&st, id)[RejectReason::NoSession as usize], 2);
    assert_eq!(snapshot(&st, id), snap);
    // And a batch with no session: Throw counts the first bar only, Skip counts each bar.
    let t = [ny(9, 33) as f64, ny(9, 34) as f64];
    let one = [1.0, 1.0];
    let cols = [&t[..], &one[..], &one[..], &one[..], &one[..], &one[..]];
    let err = st.append_many(id, cols, InvalidBars::Throw).unwrap_err();
    assert!(
        matches!(&err, Error::Rejected(r) if r.index == Some(0) && r.reason == RejectReason::NoSession)
    );
    assert_eq!(counts(&st, id)[RejectReason::NoSession as usize], 3);
    let out = st.append_many(id, cols, InvalidBars::Skip).unwrap();
    assert_eq!(out.appended, 0);
    assert_eq!(out.rejected.len(), 2);
    assert_eq!(counts(&st, id)[RejectReason::NoSession as usize], 5);
    assert_eq!(snapshot(&st, id), snap);
}

#[test]
fn non_finite_in_every_field() {
    let next = good(3);
    for field in 0..6 {
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let bad = with_field(next, field, x);
            check_rejected(setup, bad, RejectReason::NonFinite, next);
        }
    }
}

#[test]
fn non_finite_fractional_time() {
    let next = good(3);
    for frac in [0.5, 0.25, 1e-3] {
        let bad = with(next, |b| b.time += frac);
        check_rejected(setup, bad, RejectReason::NonFinite, next);
    }
}

#[test]
fn high_below_open_close() {
    let next = Bar::new(ny(9, 33) as f64, 10.0, 10.5, 9.0, 10.2, 5.0);
    // below the open (open > close)
    let m = check_rejected(
        setup,
        Bar::new(next.time, 10.0, 9.99, 9.0, 9.5, 5.0),
        RejectReason::HighBelowOpenClose,
        next,
    );
    assert!(m.contains("9.99"), "{m}");
    // below the close (close > open)
    check_rejected(
        setup,
        Bar::new(next.time, 10.0, 10.1, 9.0, 10.2, 5.0),
        RejectReason::HighBelowOpenClose,
        next,
    );
}

#[test]
fn low_above_open_close() {
    let next = Bar::new(ny(9, 33) as f64, 10.0, 10.5, 9.0, 10.2, 5.0);
    // above the open (open < close)
    let m = check_rejected(
        setup,
        Bar::new(next.time, 10.0, 10.5, 10.01, 10.2, 5.0),
        RejectReason::LowAboveOpenClose,
        next,
    );
    assert!(m.contains("10.01"), "{m}");
    // above the close (close < open)
    check_rejected(
        setup,
        Bar::new(next.time, 10.0, 10.5, 9.8, 9.7, 5.0),
        RejectReason::LowAboveOpenClose,
        next,
    );
    // Equal to min(open, close) and high equal to max is fine.
    let (mut st, id) = setup();
    st.append(id, &Bar::new(next.time, 10.0, 10.2, 10.0, 10.2, 5.0))
        .unwrap();
}

#[test]
fn negative_volume() {
    let next = good(3);
    let m = check_rejected(
        setup,
        with(next, |b| b.volume = -3.5),
        RejectReason::NegativeVolume,
        next,
    );
    assert!(m.contains("-3.5"), "{m}");
    // Zero volume is fine.
    let (mut st, id) = setup();
    st.append(id, &with(next, |b| b.volume = 0.0)).unwrap();
}

#[test]
fn off_grid() {
    let next = good(3);
    for off in [1, 30 * SEC, MIN - 1] {
        check_rejected(
            setup,
            with(next, |b| b.time += off as f64),
            RejectReason::OffGrid,
            next,
        );
    }
    // The grid is anchored at the open: the open itself, on a fresh symbol, is on it.
    let (mut st, _) = setup();
    let q = st.symbol_id("QQQ").unwrap();
    st.append(q, &synth_bar(OCT7_OPEN, 9)).unwrap();
}

#[test]
fn outside_session() {
    let next = good(3);
    for t in [
        OCT7_OPEN - MIN,
        OCT7_OPEN - 1,
        OCT7_CLOSE,
        OCT7_CLOSE + MIN,
        0,
    ] {
        check_rejected(
            setup,
            with(next, |b| b.time = t as f64),
            RejectReason::OutsideSession,
            next,
        );
    }
}

#[test]
fn duplicate() {
    let next = good(3);
    // Same time as the last bar, with the same or different prices.
    check_rejected(setup, good(2), RejectReason::Duplicate, next);
    check_rejected(
        setup,
        with(good(3), |b| b.time = ny(9, 32) as f64),
        RejectReason::Duplicate,
        next,
    );
}

#[test]
fn out_of_order() {
    let next = good(3);
    check_rejected(setup, good(1), RejectReason::OutOfOrder, next);
    check_rejected(setup, good(0), RejectReason::OutOfOrder, next);
}

#[test]
fn late_after_advance_to() {
    // The clock closes the 09:30 5m bucket at 09:35; 09:33 and 09:34 are then late.
    let prepare = || {
        let (mut st, id) = setup();
        assert_eq!(st.advance_to(ny(9, 35) as f64).unwrap(), &[(id, 0b10)]);
        (st, id)
    };
    let next = synth_bar(ny(9, 35), 5);
    check_rejected(prepare, good(3), RejectReason::Late, next);
    check_rejected(prepare, synth_bar(ny(9, 34), 4), RejectReason::Late, next);
    // A clock in the middle of a bucket makes nothing late.
    let prepare_mid = || {
        let (mut st, id) = setup();
        assert_eq!(st.advance_to(ny(9, 34) as f64).unwrap(), &[]);
        (st, id)
    };
    let (mut st, id) = prepare_mid();
    st.append(id, &good(3)).unwrap();
    st.append(id, &synth_bar(ny(9, 34), 4)).unwrap();
    assert_eq!(st.series(id, 1).unwrap().len(), 1);
    assert_eq!(counts(&st, id).iter().sum::<u64>(), 0);
}

#[test]
fn the_first_failing_check_names_the_reason() {
    let next = good(3);
    // non-finite beats outside-session
    check_rejected(
        setup,
        with(next, |b| {
            b.time = OCT7_CLOSE as f64;
            b.volume = f64::NAN
        }),
        RejectReason::NonFinite,
        next,
    );
    // outside-session beats off-grid
    check_rejected(
        setup,
        with(next, |b| b.time = (OCT7_CLOSE + 1) as f64),
        RejectReason::OutsideSession,
        next,
    );
    // off-grid beats out-of-order
    check_rejected(
        setup,
        with(next, |b| b.time = (ny(9, 30) + 1) as f64),
        RejectReason::OffGrid,
        next,
    );
    // duplicate beats bad prices
    check_rejected(
        setup,
        with(good(2), |b| b.high = b.low - 1.0),
        RejectReason::Duplicate,
        next,
    );
    // high beats low beats volume
    check_rejected(
        setup,
        Bar::new(next.time, 10.0, 9.0, 11.0, 10.0, -1.0),
        RejectReason::HighBelowOpenClose,
        next,
    );
    check_rejected(
        setup,
        Bar::new(next.time, 10.0, 12.0, 11.0, 10.0, -1.0),
        RejectReason::LowAboveOpenClose,
        next,
    );
}

#[test]
fn unknown_ids_and_series() {
    let (mut st, id) = setup();
    assert!(matches!(
        st.append(99, &good(3)),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(st.series(99, 0), Err(Error::NotFound { .. })));
    assert!(matches!(st.series(id, 4), Err(Error::NotFound { .. })));
    assert!(matches!(st.forming(id, 4), Err(Error::NotFound { .. })));
    assert!(matches!(st.rejections(99), Err(Error::NotFound { .. })));
    assert_eq!(st.append(99, &good(3)).unwrap_err().code(), "not_found");
    assert_eq!(st.intern("SPY"), id);
    assert_eq!(st.intern("NEW"), 2);
    assert_eq!(st.symbols().collect::<Vec<_>>(), vec!["SPY", "QQQ", "NEW"]);
}

// ---------------------------------------------------------------------------------------------
// Batches

/// Five bars 09:33..09:37 as columns; bar 2 has high below its open, bar 4 a negative volume.
fn batch() -> (Vec<Bar>, [Vec<f64>; 6]) {
    let mut bars: Vec<Bar> = (3..8).map(good).collect();
    bars[2].high = bars[2].open.max(bars[2].close) - 0.5;
    bars[4].volume = -1.0;
    (bars.clone(), common::columns_of(&bars))
}

fn refs(c: &[Vec<f64>; 6]) -> [&[f64]; 6] {
    [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]
}

#[test]
fn batch_throw_stores_nothing_and_names_the_index() {
    let (mut st, id) = setup();
    let snap = snapshot(&st, id);
    let (_, cols) = batch();
    let err = st
        .append_many(id, refs(&cols), InvalidBars::Throw)
        .unwrap_err();
    assert_eq!(err.code(), "high_below_open_close");
    match &err {
        Error::Rejected(r) => {
            assert_eq!(r.index, Some(2));
            assert_eq!(r.reason, RejectReason::HighBelowOpenClose);
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(snapshot(&st, id), snap);
    let c = counts(&st, id);
    assert_eq!(c[RejectReason::HighBelowOpenClose as usize], 1);
    assert_eq!(
        c.iter().sum::<u64>(),
        1,
        "only the first invalid bar is counted"
    );
}

#[test]
fn batch_throw_sees_the_batchs_own_earlier_bars() {
    // Bar 3 repeats bar 2's time: a duplicate within the batch; bar 1 of another batch goes back.
    let (mut st, id) = setup();
    let snap = snapshot(&st, id);
    let mut bars: Vec<Bar> = (3..8).map(good).collect();
    bars[3].time = bars[2].time;
    let err = st
        .append_many(id, refs(&common::columns_of(&bars)), InvalidBars::Throw)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected(r) if r.index == Some(3) && r.reason == RejectReason::Duplicate),
        "{err:?}"
    );
    let mut bars: Vec<Bar> = (3..8).map(good).collect();
    bars[1].time = ny(9, 31) as f64;
    let err = st
        .append_many(id, refs(&common::columns_of(&bars)), InvalidBars::Throw)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected(r) if r.index == Some(1) && r.reason == RejectReason::OutOfOrder),
        "{err:?}"
    );
    assert_eq!(snapshot(&st, id), snap);
    let c = counts(&st, id);
    assert_eq!(c[RejectReason::Duplicate as usize], 1);
    assert_eq!(c[RejectReason::OutOfOrder as usize], 1);
}

#[test]
fn batch_skip_stores_the_rest_as_if_one_by_one() {
    let (mut st, id) = setup();
    let (mut reference, rid) = setup();
    let (bars, cols) = batch();
    let out = st.append_many(id, refs(&cols), InvalidBars::Skip).unwrap();
    assert_eq!(out.appended, 3);
    let got: Vec<_> = out.rejected.iter().map(|r| (r.index, r.reason)).collect();
    assert_eq!(
        got,
        vec![
            (Some(2), RejectReason::HighBelowOpenClose),
            (Some(4), RejectReason::NegativeVolume)
        ]
    );
    let mut mask = 0;
    for (i, b) in bars.iter().enumerate() {
        if i != 2 && i != 4 {
            mask |= reference.append(rid, b).unwrap();
        }
    }
    // 09:34 fills the 5m bucket: base and 5m closed.
    assert_eq!(out.closed, mask);
    assert_eq!(out.closed, 0b11);
    assert_eq!(snapshot(&st, id), snapshot(&reference, rid));
    let c = counts(&st, id);
    assert_eq!(c[RejectReason::HighBelowOpenClose as usize], 1);
    assert_eq!(c[RejectReason::NegativeVolume as usize], 1);
    assert_eq!(c.iter().sum::<u64>(), 2);
}

#[test]
fn batch_of_good_bars_equals_one_by_one_and_empty_batch_is_fine() {
    let (mut st, id) = setup();
    let (mut reference, rid) = setup();
    let bars: Vec<Bar> = (3..20).map(good).collect();
    let out = st
        .append_many(id, refs(&common::columns_of(&bars)), InvalidBars::Throw)
        .unwrap();
    assert_eq!(out.appended, bars.len());
    assert!(out.rejected.is_empty());
    let mut mask = 0;
    for b in &bars {
        mask |= reference.append(rid, b).unwrap();
    }
    assert_eq!(out.closed, mask);
    assert_eq!(snapshot(&st, id), snapshot(&reference, rid));
    let out = st
        .append_many(id, refs(&common::columns_of(&[])), InvalidBars::Throw)
        .unwrap();
    assert_eq!((out.appended, out.closed), (0, 0));
}

#[test]
fn batch_columns_of_different_lengths() {
    let (mut st, id) = setup();
    let snap = snapshot(&st, id);
    let (_, mut cols) = batch();
    cols[3].pop();
    for mode in [InvalidBars::Throw, InvalidBars::Skip] {
        let err = st.append_many(id, refs(&cols), mode).unwrap_err();
        assert!(matches!(err, Error::Input { .. }));
        assert_eq!(err.code(), "invalid_input");
    }
    assert_eq!(snapshot(&st, id), snap);
    assert_eq!(counts(&st, id).iter().sum::<u64>(), 0);
}

// ---------------------------------------------------------------------------------------------
// Configuration and session errors

fn config_err(cfg: StoreConfig) -> (String, String) {
    match SessionStore::new(cfg) {
        Err(e @ Error::Config { .. }) => {
            assert_eq!(e.code(), "invalid_config");
            match e {
                Error::Config { param, message } => (param, message),
                _ => unreachable!(),
            }
        }
        Err(e) => panic!("not a config error: {e:?}"),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn config_errors() {
    // A 1d base.
    let cfg = StoreConfig::new(iv("1d"), vec![]);
    assert_eq!(config_err(cfg).0, "baseInterval");
    // Not a whole multiple of the base.
    let cfg = StoreConfig::new(iv("2m"), vec![iv("3m")]);
    assert_eq!(config_err(cfg).0, "intervals");
    let cfg = StoreConfig::new(iv("1m"), vec![iv("90s")]);
    assert_eq!(config_err(cfg).0, "intervals");
    let cfg = StoreConfig::new(iv("1m"), vec![iv("30s")]);
    assert_eq!(config_err(cfg).0, "intervals");
    // Listed twice, in any spelling.
    let cfg = StoreConfig::new(iv("1m"), vec![iv("5m"), iv("1h"), iv("5m")]);
    assert_eq!(config_err(cfg).0, "intervals");
    let cfg = StoreConfig::new(iv("1m"), vec![iv("60m"), iv("1h")]);
    assert_eq!(config_err(cfg).0, "intervals");
    let cfg = StoreConfig::new(iv("1m"), vec![iv("1d"), iv("1d")]);
    assert_eq!(config_err(cfg).0, "intervals");
    // Equal to the base.
    let cfg = StoreConfig::new(iv("1m"), vec![iv("60s")]);
    assert_eq!(config_err(cfg).0, "intervals");
    // More than 31.
    let many: Vec<_> = (2..=33).map(|n| iv(&format!("{n}m"))).collect();
    assert_eq!(config_err(StoreConfig::new(iv("1m"), many)).0, "intervals");
    let ok: Vec<_> = (2..=32).map(|n| iv(&format!("{n}m"))).collect();
    let st = SessionStore::new(StoreConfig::new(iv("1m"), ok)).unwrap();
    assert_eq!(st.series_count(), 32);
    // A zero capacity hint.
    let mut cfg = StoreConfig::new(iv("1m"), vec![iv("5m")]);
    cfg.capacity_hint = Some(0);
    assert_eq!(config_err(cfg).0, "capacityHint");
    // Malformed interval text.
    for bad in ["2d", "0m", "5", "m5", "1.5h", ""] {
        let e = parse_err(bad);
        assert_eq!(e.code(), "invalid_config", "{bad}");
    }
    // Fine: a 30s base with 1m, 90s and 1d, and a 2m base with 4m.
    SessionStore::new(StoreConfig::new(
        iv("30s"),
        vec![iv("1m"), iv("90s"), iv("1d")],
    ))
    .unwrap();
    SessionStore::new(StoreConfig::new(iv("2m"), vec![iv("4m")])).unwrap();
}

fn parse_err(s: &str) -> Error {
    barstream_core::Interval::parse(s).unwrap_err()
}

#[test]
fn session_errors() {
    let mut st = store(&INTERVALS, Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("SPY");
    // No session yet.
    assert!(matches!(
        st.end_session(),
        Err(Error::Session {
            code: "no_session",
            ..
        })
    ));
    assert_eq!(
        st.advance_to(ny(10, 0) as f64).unwrap_err().code(),
        "no_session"
    );

    st.begin_session(oct_day(1)).unwrap();
    st.append(id, &synth_bar(ny(9, 30) + DAY, 1)).unwrap();
    let snap = snapshot(&st, id);
    // Already open.
    let err = st.begin_session(oct_day(2)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Session {
                code: "session_open",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "session_open");
    assert_eq!(st.session(), Some(&oct_day(1)));
    assert_eq!(snapshot(&st, id), snap);
    // A non-finite clock.
    assert_eq!(st.advance_to(f64::NAN).unwrap_err().code(), "invalid_input");
    assert_eq!(
        st.advance_to(f64::INFINITY).unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(snapshot(&st, id), snap);
    st.end_session().unwrap();
    let snap = snapshot(&st, id);

    // A session before the previous one, or overlapping its end.
    let err = st.begin_session(oct_day(0)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Session {
                code: "session_order",
                ..
            }
        ),
        "{err:?}"
    );
    let overlap = Session::new(
        (OCT7_CLOSE + DAY - HOUR) as f64,
        (OCT7_CLOSE + DAY + HOUR) as f64,
        (OCT7_MIDNIGHT + DAY) as f64,
    )
    .unwrap();
    assert_eq!(
        st.begin_session(overlap).unwrap_err().code(),
        "session_order"
    );
    assert!(st.session().is_none());
    assert_eq!(snapshot(&st, id), snap);
    // One opening exactly at the previous close is fine.
    let after = Session::new(
        (OCT7_CLOSE + DAY) as f64,
        (OCT7_CLOSE + DAY + 4 * HOUR) as f64,
        (OCT7_MIDNIGHT + DAY) as f64,
    )
    .unwrap();
    st.begin_session(after).unwrap();
}

#[test]
fn invalid_sessions() {
    let bad = [
        (OCT7_OPEN as f64, OCT7_OPEN as f64, OCT7_MIDNIGHT as f64),
        (OCT7_CLOSE as f64, OCT7_OPEN as f64, OCT7_MIDNIGHT as f64),
        (
            OCT7_OPEN as f64 + 0.5,
            OCT7_CLOSE as f64,
            OCT7_MIDNIGHT as f64,
        ),
        (OCT7_OPEN as f64, f64::NAN, OCT7_MIDNIGHT as f64),
        (OCT7_OPEN as f64, f64::INFINITY, OCT7_MIDNIGHT as f64),
        (OCT7_OPEN as f64, OCT7_CLOSE as f64, (OCT7_OPEN + 1) as f64),
    ];
    for (o, c, d) in bad {
        let err = Session::new(o, c, d).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Session {
                    code: "invalid_session",
                    ..
                }
            ),
            "{o} {c} {d}: {err:?}"
        );
    }
    let s = Session::new(OCT7_OPEN as f64, OCT7_CLOSE as f64, OCT7_OPEN as f64).unwrap();
    assert_eq!(
        (s.open, s.close, s.day_start),
        (OCT7_OPEN, OCT7_CLOSE, OCT7_OPEN)
    );
}

#[test]
fn huge_finite_times_are_outside_the_session() {
    // 1e19 and -1e19 are finite whole numbers of milliseconds (every f64 that large is whole),
    // so by the documented order (non_finite: "NaN or infinite, or time not whole milliseconds")
    // they pass that check and fail the next one: outside_session.
    let next = good(3);
    for t in [1e19, -1e19, 1e300, -1e300, 9.3e18] {
        check_rejected(
            setup,
            with(next, |b| b.time = t),
            RejectReason::OutsideSession,
            next,
        );
    }
}

#[test]
fn check_judges_a_symbol_not_yet_met_and_refuses_an_unknown_id() {
    let (mut st, id) = setup();
    // A symbol the store has not met has no last bar: only the bar's own fields, time and the
    // clock count.
    assert_eq!(st.check(None, &good(0)).unwrap(), None);
    assert_eq!(
        st.check(None, &with(good(0), |b| b.volume = -1.0)).unwrap(),
        Some(RejectReason::NegativeVolume)
    );
    // SPY's last bar is 09:32: 09:30 is out of order for it.
    assert_eq!(
        st.check(Some(id), &good(0)).unwrap(),
        Some(RejectReason::OutOfOrder)
    );
    // The clock past 09:35 makes 09:33 late for a symbol not yet met too.
    st.advance_to((ny(9, 35) + MIN) as f64).unwrap();
    assert_eq!(st.check(None, &good(3)).unwrap(), Some(RejectReason::Late));
    assert!(matches!(
        st.check(Some(99), &good(3)),
        Err(Error::NotFound { .. })
    ));
    st.end_session().unwrap();
    assert_eq!(
        st.check(Some(id), &good(6)).unwrap(),
        Some(RejectReason::NoSession)
    );
    let qqq = st.symbol_id("QQQ").unwrap();
    assert!(st.remove_symbol("QQQ").unwrap());
    assert!(matches!(
        st.check(Some(qqq), &good(6)),
        Err(Error::NotFound { .. })
    ));
}

/// Each field of a bar drawn from values that break one rule or another: NaN, the infinities, a
/// fraction of a millisecond, high below or low above the body, a negative or too large volume.
fn field_values() -> impl Strategy<Value = (f64, f64, f64, f64, f64, f64)> {
    // Mostly finite, so that bars whose every field is finite, and which the body rules decide,
    // come up often (a fourth of each price finite made them one in a thousand).
    let price = prop_oneof![
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        12 => (1u32..8).prop_map(f64::from),
    ];
    let volume = prop_oneof![
        1 => Just(f64::NAN),
        1 => Just(-1.0),
        1 => Just(2e290),
        1 => Just(1e290),
        1 => Just(f64::INFINITY),
        8 => (0u32..100).prop_map(f64::from),
    ];
    let fraction = prop_oneof![6 => Just(0.0), 1 => Just(0.5), 1 => Just(f64::NAN)];
    (
        fraction,
        price.clone(),
        price.clone(),
        price.clone(),
        price,
        volume,
    )
}

/// `Bar::field_problem` on bars worked out by hand: ties pass, each rule's own failure is named.
#[test]
fn field_problem_by_hand() {
    let t = ny(9, 33) as f64;
    // (open, high, low, close, volume) and the verdict.
    type Case = ((f64, f64, f64, f64, f64), Option<RejectReason>);
    let cases: [Case; 10] = [
        ((10.0, 12.0, 9.0, 11.0, 100.0), None),
        // Every price equal: no rule fails; nor with zero volume.
        ((10.0, 10.0, 10.0, 10.0, 1.0), None),
        ((10.0, 12.0, 9.0, 11.0, 0.0), None),
        // 10.5 is above min(10, 11).
        (
            (10.0, 12.0, 10.5, 11.0, 100.0),
            Some(RejectReason::LowAboveOpenClose),
        ),
        (
            (11.0, 12.0, 10.5, 10.0, 100.0),
            Some(RejectReason::LowAboveOpenClose),
        ),
        // 10.5 is below max(10, 11).
        (
            (10.0, 10.5, 9.0, 11.0, 100.0),
            Some(RejectReason::HighBelowOpenClose),
        ),
        (
            (10.0, 12.0, 9.0, 11.0, -1.0),
            Some(RejectReason::NegativeVolume),
        ),
        // The largest volume taken is 1e290.
        ((10.0, 12.0, 9.0, 11.0, 1e290), None),
        (
            (10.0, 12.0, 9.0, 11.0, 2e290),
            Some(RejectReason::VolumeTooLarge),
        ),
        // Both body rules fail: the high's is named first.
        (
            (10.0, 9.5, 10.5, 11.0, 100.0),
            Some(RejectReason::HighBelowOpenClose),
        ),
    ];
    let (st, id) = setup();
    for ((open, high, low, close, volume), want) in cases {
        let bar = Bar::new(t, open, high, low, close, volume);
        assert_eq!(bar.field_problem(), want, "{bar:?}");
        assert_eq!(st.check(Some(id), &bar).unwrap(), want, "store: {bar:?}");
    }
}

proptest! {
    /// For a bar whose time is the symbol's next slot (no rule of place can fail), the store's own
    /// verdict is `Bar::field_problem`'s.
    #[test]
    fn field_problem_is_the_stores_verdict_on_the_fields((fraction, open, high, low, close, volume) in field_values()) {
        let (st, id) = setup();
        let bar = Bar::new((ny(9, 33) as f64) + fraction, open, high, low, close, volume);
        prop_assert_eq!(st.check(Some(id), &bar).unwrap(), bar.field_problem(), "{:?}", bar);
    }
}
