//! The checks a base bar's fields get on their own, one field at a time, with the values at the
//! edges of an `f64`'s bit patterns: NaNs of every sign and payload, the infinities, subnormals,
//! both zeros, `f64::MAX` and its negative. `Rules::check` tests finiteness on each field's
//! exponent bits, and a batch's fast path multiplies by zero instead: every way a bar is checked
//! (one append, a batch of one bar under either mode, a bar inside a long regular run) must give
//! the reason the module docs of `store` and `error` name, and the same bars.
//!
//! The documented order: a field not finite, or `time` not whole milliseconds (`non_finite`);
//! `time` outside `[open, close)` (`outside_session`); off the base grid (`off_grid`); not later than
//! the last bar (`duplicate`, `out_of_order`); `high < max(open, close)`; `low > min(open, close)`;
//! `volume < 0`; `volume > MAX_VOLUME`. A finite time of 2^53 ms or more is whole.

mod common;

use barstream_core::{
    Alignment, Bar, EmptyBuckets, Error, InvalidBars, RejectReason, Session, SessionStore,
    SymbolId, MAX_VOLUME,
};
use common::*;

/// The bars the store already holds before the bar under test: a run long enough that a batch
/// reaches the bar through the regular-run fast path (512 bars a step) and not only bar by bar.
const BEFORE: usize = 700;
/// Minutes of the session.
const SESSION_MIN: i64 = 2000;

fn session() -> Session {
    Session::new(
        OCT7_OPEN as f64,
        (OCT7_OPEN + SESSION_MIN * MIN) as f64,
        OCT7_MIDNIGHT as f64,
    )
    .unwrap()
}

/// The good bar of slot `k` of the session.
fn good(k: usize) -> Bar {
    synth_bar(OCT7_OPEN + k as i64 * MIN, k as u64)
}

/// A store with `prefix` good bars of one symbol appended one by one.
fn setup(prefix: usize) -> (SessionStore, SymbolId) {
    let mut st = store(&["5m", "1h", "1d"], Alignment::Session, EmptyBuckets::Flat);
    let id = st.intern("SPY");
    st.begin_session(session()).unwrap();
    for k in 0..prefix {
        st.append(id, &good(k)).unwrap();
    }
    (st, id)
}

/// Special values of an `f64`, by name.
fn specials() -> Vec<(&'static str, f64)> {
    vec![
        ("NaN", f64::NAN),
        ("-NaN", -f64::NAN),
        ("signalling NaN", f64::from_bits(0x7ff0_0000_0000_0001)),
        (
            "NaN, all payload bits",
            f64::from_bits(0x7fff_ffff_ffff_ffff),
        ),
        ("-NaN, low payload", f64::from_bits(0xfff0_0000_0000_0001)),
        ("+inf", f64::INFINITY),
        ("-inf", f64::NEG_INFINITY),
        ("least subnormal", f64::from_bits(1)),
        ("-least subnormal", -f64::from_bits(1)),
        ("greatest subnormal", f64::from_bits(0x000f_ffff_ffff_ffff)),
        ("least normal", f64::MIN_POSITIVE),
        ("0", 0.0),
        ("-0", -0.0),
        ("MAX", f64::MAX),
        ("-MAX", -f64::MAX),
        ("2^53", 9_007_199_254_740_992.0),
        ("MAX_VOLUME", MAX_VOLUME),
        ("above MAX_VOLUME", f64::from_bits(MAX_VOLUME.to_bits() + 1)),
        ("1.5", 1.5),
        ("-1e-300", -1e-300),
    ]
}

const FIELDS: [&str; 6] = ["time", "open", "high", "low", "close", "volume"];

/// The reason the module docs give for `bar` after a last bar at `last` in [`session`] (1m base,
/// no clock): the first failing rule in the documented order, or `None` for a valid bar. Written
/// from the docs with plain float tests, apart from the store's code.
fn documented(bar: &Bar, last: Option<i64>) -> Option<RejectReason> {
    let s = session();
    let fields = [bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume];
    if fields.iter().any(|x| x.is_nan() || x.is_infinite()) || bar.time.fract() != 0.0 {
        return Some(RejectReason::NonFinite);
    }
    if bar.time < s.open as f64 || bar.time >= s.close as f64 {
        return Some(RejectReason::OutsideSession);
    }
    let t = bar.time as i64;
    if (t - s.open) % MIN != 0 {
        return Some(RejectReason::OffGrid);
    }
    match last {
        Some(l) if t == l => return Some(RejectReason::Duplicate),
        Some(l) if t < l => return Some(RejectReason::OutOfOrder),
        _ => {}
    }
    if bar.high < bar.open.max(bar.close) {
        return Some(RejectReason::HighBelowOpenClose);
    }
    if bar.low > bar.open.min(bar.close) {
        return Some(RejectReason::LowAboveOpenClose);
    }
    if bar.volume < 0.0 {
        return Some(RejectReason::NegativeVolume);
    }
    if bar.volume > MAX_VOLUME {
        return Some(RejectReason::VolumeTooLarge);
    }
    None
}

fn cols_of(bars: &[Bar]) -> [Vec<f64>; 6] {
    columns_of(bars)
}

fn refs(c: &[Vec<f64>; 6]) -> [&[f64]; 6] {
    [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]
}

/// Checks `bar`, put after [`BEFORE`] good bars, every way the store checks a bar, against
/// `want`; and that every way stores the same, bit for bit (a valid bar's fields as given,
/// `-0.0` and subnormals included).
fn check_every_path(what: &str, bar: Bar, want: Option<RejectReason>) {
    let expected_last = Some(OCT7_OPEN + (BEFORE as i64 - 1) * MIN);
    assert_eq!(want, documented(&bar, expected_last), "{what}: test table");

    // One append: `Rules::check`.
    let (mut one, oid) = setup(BEFORE);
    let before = *one.rejections(oid).unwrap();
    let snap = snapshot(&one, oid);
    match (one.append(oid, &bar), want) {
        (Ok(mask), None) => assert_eq!(mask & 1, 1, "{what}"),
        (Err(Error::Rejected(r)), Some(reason)) => {
            assert_eq!(r.reason, reason, "{what}: append: {}", r.message);
            assert_eq!(r.index, None);
            assert_eq!(
                snapshot(&one, oid),
                snap,
                "{what}: a rejected bar changed the store"
            );
            let mut counts = before;
            counts[reason as usize] += 1;
            assert_eq!(one.rejections(oid).unwrap(), &counts, "{what}");
        }
        (got, _) => panic!("{what}: append gave {got:?}, the docs say {want:?}"),
    }
    if want.is_none() {
        let base = one.series(oid, 0).unwrap();
        let stored = base.get(base.len() - 1).unwrap();
        assert_eq!(bits(&stored), bits(&bar), "{what}: stored as given");
    }

    // A batch of this one bar, under each mode.
    for mode in [InvalidBars::Throw, InvalidBars::Skip] {
        let (mut st, id) = setup(BEFORE);
        let c = cols_of(&[bar]);
        let out = st.append_many(id, refs(&c), mode);
        match (out, want, mode) {
            (Ok(o), None, _) => {
                assert_eq!((o.appended, o.rejected.len()), (1, 0), "{what}: {mode:?}")
            }
            (Err(Error::Rejected(r)), Some(reason), InvalidBars::Throw) => {
                assert_eq!(
                    (r.reason, r.index),
                    (reason, Some(0)),
                    "{what}: {}",
                    r.message
                )
            }
            (Ok(o), Some(reason), InvalidBars::Skip) => {
                assert_eq!(o.appended, 0, "{what}");
                let got: Vec<_> = o.rejected.iter().map(|r| (r.reason, r.index)).collect();
                assert_eq!(got, vec![(reason, Some(0))], "{what}");
            }
            (got, _, _) => panic!("{what}: a batch of it under {mode:?} gave {got:?}"),
        }
        assert_eq!(snapshot(&st, id), snapshot(&one, oid), "{what}: {mode:?}");
        assert_eq!(st.rejections(id).unwrap(), one.rejections(oid).unwrap());
    }

    // Inside a long batch that starts with a regular run of good bars (the fast path) and goes on
    // after it: the same rejection at its index, and the same store as one append at a time.
    let run = 600;
    let mut input: Vec<Bar> = (0..run).map(|k| good(BEFORE - run + k)).collect();
    let (mut st, id) = setup(BEFORE - run);
    let (mut reference, rid) = setup(BEFORE - run);
    input.push(bar);
    input.extend((1..=300).map(|k| good(BEFORE + k)));
    let c = cols_of(&input);
    let out = st.append_many(id, refs(&c), InvalidBars::Skip).unwrap();
    let got: Vec<_> = out.rejected.iter().map(|r| (r.reason, r.index)).collect();
    let expect: Vec<_> = want.iter().map(|&r| (r, Some(run))).collect();
    assert_eq!(got, expect, "{what}: in a long batch");
    for b in &input {
        let _ = reference.append(rid, b);
    }
    assert_eq!(snapshot(&st, id), snapshot(&reference, rid), "{what}");
    assert_eq!(columns_bits(&st, id), columns_bits(&reference, rid));
    assert_eq!(st.take_gaps(), reference.take_gaps(), "{what}");
    // Under Throw, the same bar fails the whole batch at its index, or the batch is stored whole.
    let (mut st, id) = setup(BEFORE - run);
    match (st.append_many(id, refs(&c), InvalidBars::Throw), want) {
        (Ok(o), None) => assert_eq!(o.appended, input.len()),
        (Err(Error::Rejected(r)), Some(reason)) => {
            assert_eq!((r.reason, r.index), (reason, Some(run)), "{what}");
            assert_eq!(series_lens(&st, id)[0], BEFORE - run, "{what}");
        }
        (got, _) => panic!("{what}: a long batch under Throw gave {got:?}"),
    }
}

/// The time field alone: NaN and the infinities are `non_finite`; so is every time that is not a
/// whole number (a subnormal, the least normal, 1.5); a whole time, however large, and both zeros,
/// are finite and whole, so they fall on `outside_session`.
#[test]
fn time_field_edge_values() {
    let at = good(BEFORE);
    use RejectReason::*;
    let expect = |name: &str| match name {
        "0" | "-0" | "MAX" | "-MAX" | "2^53" | "MAX_VOLUME" | "above MAX_VOLUME" => OutsideSession,
        _ => NonFinite,
    };
    for (name, x) in specials() {
        check_every_path(
            &format!("time {name}"),
            with_field(at, 0, x),
            Some(expect(name)),
        );
    }
    // The time just past the last bar, off by the smallest amounts either way: not whole.
    let t = at.time;
    for x in [t.next_up(), t.next_down(), t + 0.5, t - 0.5] {
        check_every_path(&format!("time {x}"), with_field(at, 0, x), Some(NonFinite));
    }
    // A NaN time with a bad volume, prices the wrong way round, outside the session in every other
    // way: non_finite comes first.
    let mut bad = Bar::new(f64::NAN, 10.0, 9.0, 11.0, 10.0, -1.0);
    check_every_path("NaN time before all", bad, Some(NonFinite));
    bad.time = f64::MAX;
    check_every_path("MAX time before prices", bad, Some(OutsideSession));
}

/// Each price alone, from a good bar: NaN and the infinities of any sign and payload are
/// `non_finite`; any finite value (subnormal, -0, MAX) is finite, and the bar then stands or falls
/// on its range. Each is also tried as every price of the bar at once, where it is valid.
#[test]
fn price_fields_edge_values() {
    let at = good(BEFORE);
    // open, high, low, close
    for (field, price) in FIELDS.iter().enumerate().take(5).skip(1) {
        for (name, x) in specials() {
            let bar = with_field(at, field, x);
            let want = documented(&bar, Some(at.time as i64 - MIN));
            if x.is_nan() || x.is_infinite() {
                assert_eq!(want, Some(RejectReason::NonFinite));
            }
            check_every_path(&format!("{price} {name}"), bar, want);
        }
    }
    for (name, x) in specials() {
        let bar = Bar::new(at.time, x, x, x, x, at.volume);
        let want = (x.is_nan() || x.is_infinite()).then_some(RejectReason::NonFinite);
        check_every_path(&format!("every price {name}"), bar, want);
    }
    // Prices that make a range: -MAX to MAX, -0 against 0 (equal, so the range holds both ways),
    // a subnormal high over a zero low.
    let cases = [
        (-f64::MAX, f64::MAX, -f64::MAX, f64::MAX),
        (0.0, 0.0, -0.0, -0.0),
        (-0.0, -0.0, 0.0, 0.0),
        (0.0, f64::from_bits(1), -0.0, f64::from_bits(1)),
    ];
    for (o, h, l, c) in cases {
        let bar = Bar::new(at.time, o, h, l, c, at.volume);
        check_every_path(&format!("prices {o:e} {h:e} {l:e} {c:e}"), bar, None);
    }
}

/// The volume alone: NaN and both infinities are `non_finite` (-inf too, not `negative_volume`);
/// -0 and positive subnormals are valid; any finite negative, however small, is `negative_volume`;
/// above `MAX_VOLUME` (MAX included) is `volume_too_large`; `MAX_VOLUME` itself is valid.
#[test]
fn volume_field_edge_values() {
    let at = good(BEFORE);
    use RejectReason::*;
    let expect = |name: &str| match name {
        "NaN"
        | "-NaN"
        | "signalling NaN"
        | "NaN, all payload bits"
        | "-NaN, low payload"
        | "+inf"
        | "-inf" => Some(NonFinite),
        "-least subnormal" | "-MAX" | "-1e-300" => Some(NegativeVolume),
        "MAX" | "above MAX_VOLUME" => Some(VolumeTooLarge),
        _ => None,
    };
    for (name, x) in specials() {
        check_every_path(
            &format!("volume {name}"),
            with_field(at, 5, x),
            expect(name),
        );
    }
    // The volume's own rules come after every rule of the bar's place and range.
    let v = |x: f64, bar: Bar| with_field(bar, 5, x);
    let outside = with_field(at, 0, (OCT7_OPEN + SESSION_MIN * MIN) as f64);
    let dup = with_field(at, 0, at.time - MIN as f64);
    let high_below = with_field(at, 2, at.open.max(at.close) - 1.0);
    let low_above = with_field(at, 3, at.open.min(at.close) + 1.0);
    for x in [-1.0, -f64::MAX, f64::MAX] {
        check_every_path("volume, outside", v(x, outside), Some(OutsideSession));
        check_every_path("volume, duplicate", v(x, dup), Some(Duplicate));
        check_every_path(
            "volume, high below",
            v(x, high_below),
            Some(HighBelowOpenClose),
        );
        check_every_path(
            "volume, low above",
            v(x, low_above),
            Some(LowAboveOpenClose),
        );
    }
    // But a volume that is not finite comes before all of them.
    for x in [f64::NAN, f64::NEG_INFINITY, f64::INFINITY] {
        for bar in [outside, dup, high_below, low_above] {
            check_every_path("non-finite volume first", v(x, bar), Some(NonFinite));
        }
    }
}

/// A bar of `-0.0` volume and prices folds into the derived bars as appending one by one does,
/// and a derived bar of subnormal and `MAX` prices keeps their bits.
#[test]
fn edge_values_fold_into_derived_bars_bit_for_bit() {
    let tiny = f64::from_bits(1);
    let input: Vec<Bar> = (0..BEFORE + 300)
        .map(|k| {
            let t = (OCT7_OPEN + k as i64 * MIN) as f64;
            match k % 4 {
                0 => Bar::new(t, -0.0, 0.0, -0.0, 0.0, -0.0),
                1 => Bar::new(t, tiny, tiny, -0.0, tiny, tiny),
                2 => Bar::new(t, f64::MAX, f64::MAX, -f64::MAX, 1.0, MAX_VOLUME),
                _ => Bar::new(t, 0.0, 0.0, 0.0, -0.0, 0.0),
            }
        })
        .collect();
    let (mut st, id) = setup(0);
    let (mut reference, rid) = setup(0);
    let c = cols_of(&input);
    let out = st.append_many(id, refs(&c), InvalidBars::Throw).unwrap();
    assert_eq!(out.appended, input.len());
    for b in &input {
        reference.append(rid, b).unwrap();
    }
    assert_eq!(snapshot(&st, id), snapshot(&reference, rid));
    assert_eq!(
        bars_bits(&bars_of(st.series(id, 0).unwrap())),
        bars_bits(&input)
    );
    // The first 5m bar: open -0 (the first bar's), high MAX, low -MAX, close the fifth bar's (0),
    // volume summed in order from -0.
    let first = st.series(id, 1).unwrap().get(0).unwrap();
    let volume = -0.0 + tiny + MAX_VOLUME + 0.0 + -0.0;
    assert_eq!(
        bits(&first),
        bits(&Bar::new(
            OCT7_OPEN as f64,
            -0.0,
            f64::MAX,
            -f64::MAX,
            0.0,
            volume
        ))
    );
}

/// `Bar` is six `f64`s in column order with nothing between them: the binding reads a bar in
/// place from six consecutive values of a slot, so the layout is part of the contract.
#[test]
fn a_bar_is_six_f64s_in_column_order() {
    use std::mem::{align_of, offset_of, size_of};
    assert_eq!(size_of::<Bar>(), 6 * size_of::<f64>());
    assert_eq!(align_of::<Bar>(), align_of::<f64>());
    let offsets = [
        offset_of!(Bar, time),
        offset_of!(Bar, open),
        offset_of!(Bar, high),
        offset_of!(Bar, low),
        offset_of!(Bar, close),
        offset_of!(Bar, volume),
    ];
    assert_eq!(offsets, [0, 8, 16, 24, 32, 40]);
}
