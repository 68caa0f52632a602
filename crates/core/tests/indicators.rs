//! The indicator contract, one test run against every kind (`every_kind_meets_the_contract`):
//! warm-up and lookback (against TA-Lib's `*_Lookback`, written down here), `initialized`,
//! streaming against `batch` bit for bit, `peek`, `reset`, non-finite input and session starts.
//! Then names, defaults, configuration errors, `batch`'s input errors, and a property test on
//! random walks.

use barstream_core::indicators::{Adx, Atr, Bbands, Cci, Ema, Macd, Mfi, Roc, Rsi, Sma, Stddev};
use barstream_core::indicators::{Stoch, Wma, MAX_PERIOD};
use barstream_core::{
    batch, batch_all, Bar, BarSlices, Error, IndicatorKind, IndicatorParams, IndicatorSpec,
};
use proptest::prelude::*;

fn params() -> IndicatorParams {
    IndicatorParams::default()
}

fn period(n: f64) -> IndicatorParams {
    IndicatorParams {
        period: Some(n),
        ..params()
    }
}

fn spec(kind: &str, p: IndicatorParams) -> IndicatorSpec {
    IndicatorSpec::parse(kind, &p).unwrap()
}

/// Every kind at its defaults and at other settings, with TA-Lib's lookback for those
/// parameters, worked out from the `TA_XXX_Lookback` functions in
/// `node_modules/talib/src/lib/src/ta_func` (unstable period 0, default compatibility):
/// SMA/EMA/WMA/CCI/VAR-based `period - 1`; RSI/ATR/ROC/MFI `period`; ADX `2 * period - 1`;
/// MACD `(slow - 1) + (signal - 1)`; STOCH `(k - 1) + (k_slow - 1) + (d - 1)` (SMA smoothing);
/// BBANDS `period - 1`; OBV 0. VWAP is not in TA-Lib: 0.
fn cases() -> Vec<(IndicatorSpec, usize)> {
    let macd = |f: f64, s: f64, g: f64| IndicatorParams {
        fast: Some(f),
        slow: Some(s),
        signal: Some(g),
        ..params()
    };
    let stoch = |k: f64, ks: f64, d: f64| IndicatorParams {
        k_period: Some(k),
        k_slow: Some(ks),
        d_period: Some(d),
        ..params()
    };
    vec![
        (spec("sma", params()), 29),
        (spec("sma", period(20.0)), 19),
        (spec("sma", period(2.0)), 1),
        (spec("ema", params()), 29),
        (spec("ema", period(50.0)), 49),
        (spec("wma", params()), 29),
        (spec("wma", period(10.0)), 9),
        (spec("rsi", params()), 14),
        (spec("rsi", period(2.0)), 2),
        (spec("macd", params()), 33),
        (spec("macd", macd(5.0, 35.0, 5.0)), 38),
        (spec("macd", macd(2.0, 3.0, 2.0)), 3),
        (spec("bbands", params()), 19),
        (
            spec(
                "bbands",
                IndicatorParams {
                    period: Some(5.0),
                    dev_up: Some(2.5),
                    dev_down: Some(1.0),
                    ..params()
                },
            ),
            4,
        ),
        (spec("atr", params()), 14),
        (spec("atr", period(1.0)), 1),
        (spec("stddev", params()), 19),
        (
            spec(
                "stddev",
                IndicatorParams {
                    period: Some(5.0),
                    dev: Some(2.0),
                    ..params()
                },
            ),
            4,
        ),
        (spec("stoch", params()), 17),
        (spec("stoch", stoch(5.0, 3.0, 3.0)), 8),
        (spec("stoch", stoch(1.0, 1.0, 1.0)), 0),
        (spec("stoch", stoch(21.0, 1.0, 7.0)), 26),
        (spec("adx", params()), 27),
        (spec("adx", period(2.0)), 3),
        (spec("obv", params()), 0),
        (spec("cci", params()), 19),
        (spec("cci", period(14.0)), 13),
        (spec("roc", params()), 10),
        (spec("roc", period(1.0)), 1),
        (spec("mfi", params()), 14),
        (spec("mfi", period(2.0)), 2),
        (spec("vwap", params()), 0),
    ]
}

/// A seeded random walk of OHLCV bars with positive prices and volumes.
fn walk(seed: u64, n: usize) -> Vec<Bar> {
    let mut state = seed;
    let mut unit = move || {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut price = 100.0;
    (0..n)
        .map(|i| {
            let open: f64 = price;
            let close = open * (1.0 + 0.02 * (unit() - 0.5));
            let high = open.max(close) * (1.0 + 0.005 * unit());
            let low = open.min(close) * (1.0 - 0.005 * unit());
            price = close;
            Bar::new(
                i as f64 * 60_000.0,
                open,
                high,
                low,
                close,
                1000.0 + 1000.0 * unit(),
            )
        })
        .collect()
}

/// Outputs by [output][bar], updating one instance bar by bar, with `session_start` before the
/// bars listed in `starts`.
fn stream(spec: &IndicatorSpec, bars: &[Bar], starts: &[usize]) -> Vec<Vec<f64>> {
    let mut ind = spec.build();
    let k = ind.output_count();
    let mut out = vec![Vec::with_capacity(bars.len()); k];
    let mut buf = [0.0; 3];
    for (i, bar) in bars.iter().enumerate() {
        for _ in starts.iter().filter(|&&s| s == i) {
            ind.session_start();
        }
        ind.update(bar, &mut buf);
        for j in 0..k {
            out[j].push(buf[j]);
        }
    }
    out
}

fn columns(bars: &[Bar]) -> [Vec<f64>; 6] {
    [
        bars.iter().map(|b| b.time).collect(),
        bars.iter().map(|b| b.open).collect(),
        bars.iter().map(|b| b.high).collect(),
        bars.iter().map(|b| b.low).collect(),
        bars.iter().map(|b| b.close).collect(),
        bars.iter().map(|b| b.volume).collect(),
    ]
}

fn run_batch(spec: &IndicatorSpec, bars: &[Bar], starts: &[usize]) -> Vec<Vec<f64>> {
    let [t, o, h, l, c, v] = columns(bars);
    let mut out = vec![vec![-1.0; bars.len()]; spec.output_count()];
    let mut refs: Vec<&mut [f64]> = out.iter_mut().map(|x| x.as_mut_slice()).collect();
    batch(
        spec,
        BarSlices::ohlcv(&t, &o, &h, &l, &c, &v).with_session_starts(starts),
        &mut refs,
    )
    .unwrap();
    out
}

fn bits(x: &[Vec<f64>]) -> Vec<Vec<u64>> {
    x.iter()
        .map(|o| o.iter().map(|v| v.to_bits()).collect())
        .collect()
}

fn leading_nan(xs: &[f64]) -> usize {
    xs.iter().take_while(|x| x.is_nan()).count()
}

/// The contract every indicator meets.
#[test]
fn every_kind_meets_the_contract() {
    let kinds: std::collections::BTreeSet<&str> =
        cases().iter().map(|(s, _)| s.kind().name()).collect();
    assert_eq!(
        kinds.len(),
        IndicatorKind::ALL.len(),
        "a kind is missing from cases()"
    );
    for (spec, ta_lib_lookback) in &cases() {
        let (spec, ta_lib_lookback) = (spec, *ta_lib_lookback);
        warm_up_is_ta_libs_lookback(spec, ta_lib_lookback);
        initialized_flips_at_the_lookback(spec, ta_lib_lookback);
        streaming_equals_batch(spec);
        batch_takes_close_alone_for_single_input_kinds(spec);
        peek_shows_the_next_update_and_commits_nothing(spec);
        reset_returns_to_a_new_instance(spec);
        a_non_finite_field_it_reads_is_ignored(spec, ta_lib_lookback);
        a_non_finite_field_it_does_not_read_is_not_looked_at(spec);
        only_vwap_restarts_at_a_session_start(spec);
    }
}

/// The number of leading NaN in every output is TA-Lib's lookback, and nothing after it is
/// NaN on finite input.
fn warm_up_is_ta_libs_lookback(spec: &IndicatorSpec, ta_lib: usize) {
    let bars = walk(1, 300);
    let ind = spec.build();
    assert_eq!(ind.lookback(), ta_lib, "{spec}: lookback");
    assert_eq!(spec.lookback(), ta_lib, "{spec}: spec lookback");
    assert_eq!(ind.output_count(), spec.output_count(), "{spec}");
    assert_eq!(
        spec.output_names().len(),
        spec.output_count(),
        "{spec}: names"
    );
    let out = stream(spec, &bars, &[]);
    for (j, o) in out.iter().enumerate() {
        assert_eq!(leading_nan(o), ta_lib, "{spec} output {j}: leading NaN");
        assert!(
            o[ta_lib..].iter().all(|x| x.is_finite()),
            "{spec} output {j}: a non-finite value after the warm-up"
        );
    }
}

/// `initialized()` is false until the update on the bar at index `lookback`, true from then on.
fn initialized_flips_at_the_lookback(spec: &IndicatorSpec, lookback: usize) {
    let bars = walk(2, 80);
    let mut ind = spec.build();
    let mut buf = [0.0; 3];
    assert!(!ind.initialized(), "{spec}: new instance");
    for (i, bar) in bars.iter().enumerate() {
        ind.update(bar, &mut buf);
        assert_eq!(ind.initialized(), i >= lookback, "{spec}: after bar {i}");
    }
}

/// `batch` gives the streaming outputs bit for bit, with and without session starts.
fn streaming_equals_batch(spec: &IndicatorSpec) {
    let bars = walk(3, 500);
    for starts in [&[][..], &[0, 37, 38, 200, 499, 500][..]] {
        assert_eq!(
            bits(&stream(spec, &bars, starts)),
            bits(&run_batch(spec, &bars, starts)),
            "{spec} with session starts {starts:?}"
        );
    }
}

/// Single-input kinds need only the close column.
fn batch_takes_close_alone_for_single_input_kinds(spec: &IndicatorSpec) {
    let bars = walk(4, 200);
    let close: Vec<f64> = bars.iter().map(|b| b.close).collect();
    if spec.kind().inputs() != ["close"] {
        return;
    }
    let mut out = vec![vec![0.0; bars.len()]; spec.output_count()];
    let mut refs: Vec<&mut [f64]> = out.iter_mut().map(|x| x.as_mut_slice()).collect();
    batch(spec, BarSlices::close(&close), &mut refs).unwrap();
    assert_eq!(bits(&out), bits(&stream(spec, &bars, &[])), "{spec}");
}

/// `peek` writes what the next `update` writes, and peeking (even at another bar) changes
/// nothing: an instance that peeks before every update matches one that never peeks.
fn peek_shows_the_next_update_and_commits_nothing(spec: &IndicatorSpec) {
    let bars = walk(5, 300);
    let others = walk(6, 300);
    let mut peeked = spec.build();
    let mut plain = spec.build();
    let k = spec.output_count();
    let (mut a, mut b, mut p, mut q) = ([0.0; 3], [0.0; 3], [0.0; 3], [0.0; 3]);
    for (i, bar) in bars.iter().enumerate() {
        // A forming bar that differs from the closed one, peeked twice, then the real one.
        peeked.peek(&others[i], &mut q);
        peeked.peek(&others[i], &mut p);
        assert_eq!(bits(&[p[..k].to_vec()]), bits(&[q[..k].to_vec()]), "{spec}");
        let init = peeked.initialized();
        peeked.peek(bar, &mut p);
        assert_eq!(
            peeked.initialized(),
            init,
            "{spec}: peek flipped initialized"
        );
        peeked.update(bar, &mut a);
        plain.update(bar, &mut b);
        assert_eq!(
            bits(&[p[..k].to_vec()]),
            bits(&[a[..k].to_vec()]),
            "{spec}: peek != update at {i}"
        );
        assert_eq!(
            bits(&[a[..k].to_vec()]),
            bits(&[b[..k].to_vec()]),
            "{spec}: peeks changed the state by bar {i}"
        );
    }
}

/// After `reset`, an instance behaves as a new one.
fn reset_returns_to_a_new_instance(spec: &IndicatorSpec) {
    let bars = walk(7, 250);
    let before = walk(8, 120);
    let mut ind = spec.build();
    let mut buf = [0.0; 3];
    for bar in &before {
        ind.update(bar, &mut buf);
    }
    ind.reset();
    assert!(!ind.initialized(), "{spec}: initialized after reset");
    let k = spec.output_count();
    let mut out = vec![Vec::new(); k];
    for bar in &bars {
        ind.update(bar, &mut buf);
        for j in 0..k {
            out[j].push(buf[j]);
        }
    }
    assert_eq!(bits(&out), bits(&stream(spec, &bars, &[])), "{spec}");
}

fn with_field(bar: &Bar, field: &str, value: f64) -> Bar {
    let mut b = *bar;
    match field {
        "time" => b.time = value,
        "open" => b.open = value,
        "high" => b.high = value,
        "low" => b.low = value,
        "close" => b.close = value,
        "volume" => b.volume = value,
        _ => unreachable!(),
    }
    b
}

/// A bar with NaN or an infinity in a field the kind reads writes NaN and leaves the state as
/// it was: the outputs of the good bars equal those of a run without the bad one.
fn a_non_finite_field_it_reads_is_ignored(spec: &IndicatorSpec, lookback: usize) {
    let bars = walk(9, 120);
    let clean = stream(spec, &bars, &[]);
    let k = spec.output_count();
    for &field in spec.kind().inputs() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for at in [0, lookback / 2, lookback, lookback + 3, 100] {
                let mut ind = spec.build();
                let mut buf = [0.0; 3];
                let mut out = vec![Vec::new(); k];
                for (i, bar) in bars.iter().enumerate() {
                    if i == at {
                        let init = ind.initialized();
                        let poisoned = with_field(bar, field, bad);
                        ind.peek(&poisoned, &mut buf);
                        assert!(buf[..k].iter().all(|x| x.is_nan()), "{spec} peek {field}");
                        ind.update(&poisoned, &mut buf);
                        assert!(
                            buf[..k].iter().all(|x| x.is_nan()),
                            "{spec}: {field} = {bad} at {at} gave values"
                        );
                        assert_eq!(ind.initialized(), init, "{spec}: {field} at {at}");
                    }
                    ind.update(bar, &mut buf);
                    for j in 0..k {
                        out[j].push(buf[j]);
                    }
                }
                assert_eq!(
                    bits(&out),
                    bits(&clean),
                    "{spec}: {field} = {bad} at {at} changed the state"
                );
            }
        }
    }
}

/// Non-finite values in fields the kind does not read change nothing.
fn a_non_finite_field_it_does_not_read_is_not_looked_at(spec: &IndicatorSpec) {
    let bars = walk(10, 100);
    let inputs = spec.kind().inputs();
    let unread: Vec<&str> = ["time", "open", "high", "low", "volume"]
        .into_iter()
        .filter(|f| !inputs.contains(f))
        .collect();
    let dirty: Vec<Bar> = bars
        .iter()
        .map(|b| unread.iter().fold(*b, |b, f| with_field(&b, f, f64::NAN)))
        .collect();
    assert_eq!(
        bits(&stream(spec, &dirty, &[])),
        bits(&stream(spec, &bars, &[])),
        "{spec}"
    );
}

/// `session_start` restarts VWAP and is ignored by every other kind.
fn only_vwap_restarts_at_a_session_start(spec: &IndicatorSpec) {
    let bars = walk(11, 150);
    let plain = stream(spec, &bars, &[]);
    let split = stream(spec, &bars, &[40, 90]);
    if spec.kind() == IndicatorKind::Vwap {
        assert_ne!(bits(&plain), bits(&split));
        // From a session start on, VWAP equals a new instance fed from there.
        assert_eq!(
            bits(&[split[0][90..].to_vec()]),
            bits(&stream(spec, &bars[90..], &[]))
        );
    } else {
        assert_eq!(bits(&plain), bits(&split), "{spec}");
    }
}

#[test]
fn ids_and_output_names_follow_the_naming_rule() {
    let macd = IndicatorParams {
        fast: Some(5.0),
        slow: Some(35.0),
        signal: Some(5.0),
        ..params()
    };
    let cases: Vec<(&str, IndicatorParams, &str, Vec<&str>)> = vec![
        ("sma", period(20.0), "sma20", vec!["sma20"]),
        ("ema", period(50.0), "ema50", vec!["ema50"]),
        ("wma", period(10.0), "wma10", vec!["wma10"]),
        ("rsi", params(), "rsi14", vec!["rsi14"]),
        ("atr", params(), "atr14", vec!["atr14"]),
        ("adx", params(), "adx14", vec!["adx14"]),
        ("cci", params(), "cci20", vec!["cci20"]),
        ("roc", params(), "roc10", vec!["roc10"]),
        ("mfi", params(), "mfi14", vec!["mfi14"]),
        ("stddev", params(), "stddev20", vec!["stddev20"]),
        (
            "stddev",
            IndicatorParams {
                dev: Some(2.0),
                ..params()
            },
            "stddev20_2",
            vec!["stddev20_2"],
        ),
        ("obv", params(), "obv", vec!["obv"]),
        ("vwap", params(), "vwap", vec!["vwap"]),
        (
            "macd",
            params(),
            "macd",
            vec!["macd.macd", "macd.signal", "macd.histogram"],
        ),
        (
            "macd",
            macd,
            "macd5_35_5",
            vec![
                "macd5_35_5.macd",
                "macd5_35_5.signal",
                "macd5_35_5.histogram",
            ],
        ),
        (
            "bbands",
            params(),
            "bbands20",
            vec!["bbands20.upper", "bbands20.middle", "bbands20.lower"],
        ),
        (
            "bbands",
            IndicatorParams {
                dev_up: Some(2.5),
                dev_down: Some(2.5),
                ..params()
            },
            "bbands20_2.5_2.5",
            vec![
                "bbands20_2.5_2.5.upper",
                "bbands20_2.5_2.5.middle",
                "bbands20_2.5_2.5.lower",
            ],
        ),
        (
            "bbands",
            IndicatorParams {
                dev_down: Some(1.0),
                ..params()
            },
            "bbands20_2_1",
            vec![
                "bbands20_2_1.upper",
                "bbands20_2_1.middle",
                "bbands20_2_1.lower",
            ],
        ),
        ("stoch", params(), "stoch", vec!["stoch.k", "stoch.d"]),
        (
            "stoch",
            IndicatorParams {
                k_period: Some(5.0),
                ..params()
            },
            "stoch5_3_3",
            vec!["stoch5_3_3.k", "stoch5_3_3.d"],
        ),
    ];
    for (kind, p, id, names) in cases {
        let s = spec(kind, p);
        assert_eq!(s.id(), id);
        assert_eq!(s.to_string(), id);
        assert_eq!(s.output_names(), names);
    }
    // A default written out names the same as a default left out.
    assert_eq!(
        spec(
            "macd",
            IndicatorParams {
                fast: Some(12.0),
                slow: Some(26.0),
                signal: Some(9.0),
                ..params()
            }
        ),
        spec("macd", params())
    );
    assert_eq!(spec("MACD", params()).id(), "macd");
}

#[test]
fn defaults_are_the_documented_ones() {
    let p = |kind: &str| IndicatorSpec::parse(kind, &params()).unwrap().params();
    for (kind, n) in [
        ("sma", 30.0),
        ("ema", 30.0),
        ("wma", 30.0),
        ("rsi", 14.0),
        ("atr", 14.0),
        ("adx", 14.0),
        ("cci", 20.0),
        ("roc", 10.0),
        ("mfi", 14.0),
    ] {
        assert_eq!(p(kind), period(n), "{kind}");
    }
    assert_eq!(
        p("macd"),
        IndicatorParams {
            fast: Some(12.0),
            slow: Some(26.0),
            signal: Some(9.0),
            ..params()
        }
    );
    assert_eq!(
        p("bbands"),
        IndicatorParams {
            period: Some(20.0),
            dev_up: Some(2.0),
            dev_down: Some(2.0),
            ..params()
        }
    );
    assert_eq!(
        p("stddev"),
        IndicatorParams {
            period: Some(20.0),
            dev: Some(1.0),
            ..params()
        }
    );
    assert_eq!(
        p("stoch"),
        IndicatorParams {
            k_period: Some(14.0),
            k_slow: Some(3.0),
            d_period: Some(3.0),
            ..params()
        }
    );
    assert_eq!(p("obv"), params());
    assert_eq!(p("vwap"), params());
    for kind in IndicatorKind::ALL {
        assert_eq!(IndicatorKind::parse(kind.name()).unwrap(), kind);
        assert_eq!(kind.name().parse::<IndicatorKind>().unwrap(), kind);
        assert_eq!(spec(kind.name(), params()).kind(), kind);
    }
}

fn config_param(result: Result<IndicatorSpec, Error>) -> String {
    match result {
        Err(Error::Config { param, .. }) => param,
        other => panic!("expected a Config error, got {other:?}"),
    }
}

#[test]
fn each_bad_parameter_is_a_config_error_naming_it() {
    let bad_periods = [0.0, 1.0, 2.5, -3.0, f64::NAN, f64::INFINITY, 100_001.0];
    for kind in [
        "sma", "ema", "wma", "rsi", "adx", "cci", "mfi", "bbands", "stddev",
    ] {
        for v in bad_periods {
            assert_eq!(
                config_param(IndicatorSpec::parse(kind, &period(v))),
                "period",
                "{kind} period {v}"
            );
        }
    }
    for kind in ["atr", "roc"] {
        for v in [0.0, 1.5, -1.0, f64::NAN, 1e9] {
            assert_eq!(
                config_param(IndicatorSpec::parse(kind, &period(v))),
                "period",
                "{kind} period {v}"
            );
        }
        assert!(IndicatorSpec::parse(kind, &period(1.0)).is_ok());
    }
    let macd = |f: Option<f64>, s: Option<f64>, g: Option<f64>| {
        IndicatorSpec::parse(
            "macd",
            &IndicatorParams {
                fast: f,
                slow: s,
                signal: g,
                ..params()
            },
        )
    };
    assert_eq!(config_param(macd(Some(1.0), None, None)), "fast");
    assert_eq!(config_param(macd(Some(f64::NAN), None, None)), "fast");
    assert_eq!(config_param(macd(None, Some(0.0), None)), "slow");
    assert_eq!(config_param(macd(None, Some(26.5), None)), "slow");
    assert_eq!(config_param(macd(None, None, Some(1.0))), "signal");
    assert_eq!(config_param(macd(None, None, Some(-9.0))), "signal");
    assert_eq!(config_param(macd(Some(26.0), Some(12.0), None)), "fast");
    assert_eq!(config_param(macd(Some(26.0), None, None)), "fast");
    for (name, v) in [
        ("dev_up", -1.0),
        ("dev_up", f64::NAN),
        ("dev_down", f64::INFINITY),
        ("dev_down", -0.5),
    ] {
        let mut p = params();
        if name == "dev_up" {
            p.dev_up = Some(v);
        } else {
            p.dev_down = Some(v);
        }
        assert_eq!(config_param(IndicatorSpec::parse("bbands", &p)), name);
    }
    for v in [-2.0, f64::NAN, f64::NEG_INFINITY] {
        let p = IndicatorParams {
            dev: Some(v),
            ..params()
        };
        assert_eq!(config_param(IndicatorSpec::parse("stddev", &p)), "dev");
    }
    for (name, p) in [
        (
            "k_period",
            IndicatorParams {
                k_period: Some(0.0),
                ..params()
            },
        ),
        (
            "k_slow",
            IndicatorParams {
                k_slow: Some(f64::NAN),
                ..params()
            },
        ),
        (
            "d_period",
            IndicatorParams {
                d_period: Some(1.5),
                ..params()
            },
        ),
    ] {
        assert_eq!(config_param(IndicatorSpec::parse("stoch", &p)), name);
    }
    assert_eq!(config_param(IndicatorSpec::parse("foo", &params())), "kind");
    assert_eq!(config_param(IndicatorSpec::parse("", &params())), "kind");
    // A parameter the kind does not take.
    let fast = IndicatorParams {
        fast: Some(3.0),
        ..params()
    };
    assert_eq!(config_param(IndicatorSpec::parse("sma", &fast)), "fast");
    assert_eq!(
        config_param(IndicatorSpec::parse("obv", &period(3.0))),
        "period"
    );
    let dev = IndicatorParams {
        dev: Some(2.0),
        ..params()
    };
    assert_eq!(config_param(IndicatorSpec::parse("bbands", &dev)), "dev");
    // The largest period is accepted, and the message says what was wrong.
    assert!(IndicatorSpec::parse("sma", &period(MAX_PERIOD as f64)).is_ok());
    match IndicatorSpec::parse("rsi", &period(0.0)) {
        Err(e @ Error::Config { .. }) => {
            assert_eq!(e.code(), "invalid_config");
            assert!(e.to_string().contains("period"), "{e}");
            assert!(e.to_string().contains("got 0"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn typed_constructors_validate_like_the_spec() {
    fn param<T>(r: Result<T, Error>) -> String {
        match r {
            Err(Error::Config { param, .. }) => param,
            _ => panic!("expected a Config error"),
        }
    }
    assert_eq!(param(Sma::new(1)), "period");
    assert_eq!(param(Ema::new(0)), "period");
    assert_eq!(param(Wma::new(MAX_PERIOD + 1)), "period");
    // The largest period itself is taken.
    assert!(Wma::new(MAX_PERIOD).is_ok());
    assert!(Sma::new(MAX_PERIOD).is_ok());
    assert_eq!(param(Rsi::new(1)), "period");
    assert_eq!(param(Atr::new(0)), "period");
    assert_eq!(param(Roc::new(0)), "period");
    assert_eq!(param(Adx::new(1)), "period");
    assert_eq!(param(Cci::new(1)), "period");
    assert_eq!(param(Mfi::new(1)), "period");
    assert_eq!(param(Macd::new(12, 12, 9)), "fast");
    assert_eq!(param(Macd::new(12, 26, 1)), "signal");
    assert_eq!(param(Bbands::new(20, 2.0, -1.0)), "dev_down");
    assert_eq!(param(Stddev::new(20, f64::NAN)), "dev");
    assert_eq!(param(Stoch::new(14, 0, 3)), "k_slow");
    assert!(Stoch::new(1, 1, 1).is_ok());
    assert!(Atr::new(1).is_ok());
}

fn input_error(r: barstream_core::Result<()>) -> String {
    match r {
        Err(Error::Input { message }) => message,
        other => panic!("expected an Input error, got {other:?}"),
    }
}

#[test]
fn batch_rejects_mismatched_or_missing_columns() {
    let bars = walk(12, 10);
    let [t, o, h, l, c, v] = columns(&bars);
    let sma = spec("sma", period(3.0));
    let adx = spec("adx", period(3.0));
    let mut one = [vec![7.0; 10]];
    let mut refs: Vec<&mut [f64]> = one.iter_mut().map(|x| x.as_mut_slice()).collect();
    // Wrong number of output slices.
    input_error(batch(
        &spec("macd", params()),
        BarSlices::close(&c),
        &mut refs,
    ));
    // An output of the wrong length.
    let mut short = [0.0; 9];
    input_error(batch(&sma, BarSlices::close(&c), &mut [&mut short[..]]));
    // A column of the wrong length, even one the kind does not read.
    let cols = BarSlices::ohlcv(&t, &o, &h, &l, &c, &v[..9]);
    let message = input_error(batch(&sma, cols, &mut refs));
    assert!(message.contains("volume"), "{message}");
    input_error(batch(
        &adx,
        BarSlices::ohlcv(&t, &o, &h[..9], &l, &c, &v),
        &mut refs,
    ));
    // A column the kind reads, missing.
    let message = input_error(batch(&adx, BarSlices::close(&c), &mut refs));
    assert!(message.contains("high"), "{message}");
    // Session starts out of order or past the end.
    input_error(batch(
        &sma,
        BarSlices::close(&c).with_session_starts(&[5, 3]),
        &mut refs,
    ));
    input_error(batch(
        &sma,
        BarSlices::close(&c).with_session_starts(&[11]),
        &mut refs,
    ));
    // Nothing was written by any of these.
    assert!(one[0].iter().all(|&x| x == 7.0));
    // Empty input is fine.
    let mut empty: [f64; 0] = [];
    batch(&sma, BarSlices::close(&[]), &mut [&mut empty[..]]).unwrap();
}

/// A random walk from proptest's numbers: returns, wicks and volumes.
fn bars_from(steps: &[(f64, f64, f64, f64)]) -> Vec<Bar> {
    let mut price = 50.0;
    steps
        .iter()
        .enumerate()
        .map(|(i, &(ret, up, down, volume))| {
            let open: f64 = price;
            let close = open * (1.0 + ret);
            price = close;
            Bar::new(
                i as f64,
                open,
                open.max(close) + up,
                open.min(close) - down,
                close,
                volume,
            )
        })
        .collect()
}

/// A random spec of any kind, with TA-Lib's lookback for its parameters worked out here from
/// TA-Lib's own formulas (not from the spec).
fn any_spec() -> impl Strategy<Value = (IndicatorSpec, usize)> {
    (
        0..IndicatorKind::ALL.len(),
        1usize..40,
        1usize..40,
        1usize..12,
        0.0..4.0f64,
        0.0..4.0f64,
    )
        .prop_map(|(k, a, b, c, x, y)| {
            let kind = IndicatorKind::ALL[k];
            let n = |v: usize, min: usize| Some(v.max(min) as f64);
            let (p, lookback) = match kind {
                IndicatorKind::Macd => {
                    let (fast, slow, signal) = (a.min(b).max(2), (a.max(b) + 1).max(3), c.max(2));
                    let p = IndicatorParams {
                        fast: n(fast, 2),
                        slow: n(slow, 3),
                        signal: n(signal, 2),
                        ..params()
                    };
                    // The slow EMA's, then the signal EMA's over the MACD line.
                    (p, (slow - 1) + (signal - 1))
                }
                IndicatorKind::Stoch => {
                    let (k_period, k_slow, d_period) = (a.max(1), c.max(1), (b % 12).max(1));
                    let p = IndicatorParams {
                        k_period: n(k_period, 1),
                        k_slow: n(k_slow, 1),
                        d_period: n(d_period, 1),
                        ..params()
                    };
                    (p, (k_period - 1) + (k_slow - 1) + (d_period - 1))
                }
                IndicatorKind::Bbands => {
                    let p = IndicatorParams {
                        period: n(a, 2),
                        dev_up: Some(x),
                        dev_down: Some(y),
                        ..params()
                    };
                    (p, a.max(2) - 1)
                }
                IndicatorKind::Stddev => {
                    let p = IndicatorParams {
                        period: n(a, 2),
                        dev: Some(x),
                        ..params()
                    };
                    (p, a.max(2) - 1)
                }
                IndicatorKind::Obv | IndicatorKind::Vwap => (params(), 0),
                // A true range needs the close before; a rate of change the close `period` back.
                IndicatorKind::Atr | IndicatorKind::Roc => (period(a as f64), a),
                _ => {
                    let q = a.max(2);
                    let p = IndicatorParams {
                        period: n(a, 2),
                        ..params()
                    };
                    let lookback = match kind {
                        IndicatorKind::Rsi | IndicatorKind::Mfi => q,
                        // The directional movement's smoothing, then the DX average's.
                        IndicatorKind::Adx => 2 * q - 1,
                        _ => q - 1,
                    };
                    (p, lookback)
                }
            };
            (IndicatorSpec::new(kind, &p).unwrap(), lookback)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_walks_stream_as_they_batch_and_have_no_nan_after_the_lookback(
        (spec, lookback) in any_spec(),
        steps in prop::collection::vec(
            (-0.05..0.05f64, 0.0..0.5f64, 0.0..0.5f64, prop_oneof![Just(0.0), 0.0..1e6f64]),
            0..300,
        ),
        starts in prop::collection::btree_set(0usize..300, 0..4),
    ) {
        let bars = bars_from(&steps);
        let starts: Vec<usize> = starts.into_iter().filter(|&s| s <= bars.len()).collect();
        let streamed = stream(&spec, &bars, &starts);
        prop_assert_eq!(bits(&streamed), bits(&run_batch(&spec, &bars, &starts)));
        prop_assert_eq!(spec.lookback(), lookback, "{}", spec);
        for o in &streamed {
            prop_assert_eq!(leading_nan(o), lookback.min(bars.len()));
            prop_assert!(o.iter().skip(lookback).all(|x| x.is_finite()), "{} {:?}", spec, o);
        }
    }
}

/// Every kind in one `batch_all` call, long enough for the second thread and with sessions for
/// VWAP: each output equals its own `batch`, and so streaming, bit for bit.
#[test]
fn batch_all_equals_each_batch_alone() {
    let specs: Vec<IndicatorSpec> = cases().into_iter().map(|(s, _)| s).collect();
    let bars = walk(99, 50_000);
    let starts = [0, 390, 20_000, 33_333];
    let [t, o, h, l, c, v] = columns(&bars);
    let mut out: Vec<Vec<Vec<f64>>> = specs
        .iter()
        .map(|s| vec![vec![-1.0; bars.len()]; s.output_count()])
        .collect();
    let mut refs: Vec<Vec<&mut [f64]>> = out
        .iter_mut()
        .map(|o| o.iter_mut().map(|x| x.as_mut_slice()).collect())
        .collect();
    batch_all(
        &specs,
        BarSlices::ohlcv(&t, &o, &h, &l, &c, &v).with_session_starts(&starts),
        &mut refs,
    )
    .unwrap();
    for (spec, got) in specs.iter().zip(&out) {
        assert_eq!(
            bits(got),
            bits(&run_batch(spec, &bars, &starts)),
            "{}",
            spec.id()
        );
        assert_eq!(
            bits(got),
            bits(&stream(spec, &bars, &starts)),
            "{}",
            spec.id()
        );
    }
}

/// Every spec is checked before any runs: one that lacks a column fails the whole call, and no
/// output, the good specs' included, is written.
#[test]
fn batch_all_checks_every_spec_before_running_any() {
    let bars = walk(5, 40_000);
    let c: Vec<f64> = bars.iter().map(|b| b.close).collect();
    let specs = [spec("sma", period(3.0)), spec("atr", period(3.0))];
    let mut out = [vec![7.0; bars.len()], vec![7.0; bars.len()]];
    let (a, b) = out.split_at_mut(1);
    let mut refs = vec![vec![a[0].as_mut_slice()], vec![b[0].as_mut_slice()]];
    let message = input_error(batch_all(&specs, BarSlices::close(&c), &mut refs));
    assert!(message.contains("high"), "{message}");
    assert!(out.iter().all(|o| o.iter().all(|&x| x == 7.0)));

    // The columns are checked with no indicator too.
    let short = &c[..10];
    let message = input_error(batch_all(
        &[],
        BarSlices {
            high: Some(short),
            ..BarSlices::close(&c)
        },
        &mut [],
    ));
    assert!(message.contains("column high has length 10"), "{message}");

    // One entry of outputs per spec.
    let mut one = vec![7.0; bars.len()];
    let mut refs = vec![vec![one.as_mut_slice()]];
    let message = input_error(batch_all(&specs, BarSlices::close(&c), &mut refs));
    assert!(message.contains("2 indicators"), "{message}");
}

#[test]
fn bar_slices_count_their_bars() {
    let c = [1.0, 2.0, 3.0];
    let bars = BarSlices::close(&c);
    assert_eq!(bars.len(), 3);
    assert!(!bars.is_empty());
    let none = BarSlices::close(&[]);
    assert_eq!(none.len(), 0);
    assert!(none.is_empty());
}
