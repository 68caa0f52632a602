//! Indicators inside the store: the columns beside the bars equal the indicator run on the series'
//! closed bars (the base series, and a naive re-aggregation of the derived ones); streaming equals
//! batch; peek equals the value the forming bar gets when it closes; retention keeps the columns
//! aligned; bad configuration is refused by name.

mod common;

use barstream_core::indicators::{IndicatorParams, IndicatorSpec};
use barstream_core::{Alignment, Bar, Columns, EmptyBuckets, Error, InvalidBars, SessionStore};
use common::*;

fn spec(kind: &str, period: Option<f64>) -> IndicatorSpec {
    IndicatorSpec::parse(
        kind,
        &IndicatorParams {
            period,
            ..IndicatorParams::default()
        },
    )
    .unwrap()
}

/// RSI(14), MACD and VWAP on the base series; SMA(3), Bollinger(5) and VWAP on 5m; EMA(2) on 1d.
fn indicator_store(retain: Option<usize>) -> SessionStore {
    let mut c = config(&["5m", "1d"], Alignment::Session, EmptyBuckets::Skip);
    c.retain_sessions = retain;
    c.indicators = vec![
        vec![
            spec("rsi", Some(14.0)),
            spec("macd", None),
            spec("vwap", None),
        ],
        vec![
            spec("sma", Some(3.0)),
            spec("bbands", Some(5.0)),
            spec("vwap", None),
        ],
        vec![spec("ema", Some(2.0))],
    ];
    SessionStore::new(c).unwrap()
}

/// Three sessions of minute bars with some minutes missing.
fn sessions() -> Vec<(barstream_core::Session, Vec<Bar>)> {
    (0..3)
        .map(|d| {
            let s = oct_day(d);
            let bars: Vec<Bar> = full_day(s.open, s.close)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % 17 != 5)
                .map(|(_, b)| b)
                .collect();
            (s, bars)
        })
        .collect()
}

/// What the specs give when fed `bars` one by one, with `session_start` at each session's first bar.
fn expected(specs: &[IndicatorSpec], bars: &[Bar], starts: &[usize]) -> Vec<Vec<u64>> {
    let mut out: Vec<Vec<u64>> = Vec::new();
    let mut inds: Vec<_> = specs.iter().map(IndicatorSpec::build).collect();
    let width: usize = specs.iter().map(IndicatorSpec::output_count).sum();
    out.resize(width, Vec::new());
    for (i, b) in bars.iter().enumerate() {
        if starts.contains(&i) {
            inds.iter_mut().for_each(|x| x.session_start());
        }
        let mut at = 0;
        for ind in &mut inds {
            let mut v = vec![0.0; ind.output_count()];
            ind.update(b, &mut v);
            for x in v {
                out[at].push(x.to_bits());
                at += 1;
            }
        }
    }
    out
}

fn outputs_bits(cols: &Columns) -> Vec<Vec<u64>> {
    (0..cols.outputs())
        .map(|k| cols.column(6 + k).iter().map(|x| x.to_bits()).collect())
        .collect()
}

fn starts_of(per_session: &[usize]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    for n in per_session {
        starts.push(at);
        at += n;
    }
    starts
}

#[test]
fn columns_equal_the_indicators_run_on_each_series() {
    let days = sessions();
    let mut store = indicator_store(None);
    let id = store.intern("SPY");
    for (s, bars) in &days {
        store.begin_session(*s).unwrap();
        for b in bars {
            store.append(id, b).unwrap();
        }
        store.end_session().unwrap();
    }
    let cfg = store.config().clone();
    let base: Vec<Bar> = days.iter().flat_map(|(_, b)| b.clone()).collect();
    let base_starts = starts_of(&days.iter().map(|(_, b)| b.len()).collect::<Vec<_>>());
    assert_eq!(
        outputs_bits(store.series(id, 0).unwrap()),
        expected(&cfg.indicators[0], &base, &base_starts)
    );
    for (s, name) in [(1, "5m"), (2, "1d")] {
        let per: Vec<Vec<Bar>> = days
            .iter()
            .map(|d| naive_series(std::slice::from_ref(d), iv(name), Alignment::Session, false))
            .collect();
        let derived: Vec<Bar> = per.iter().flatten().copied().collect();
        let starts = starts_of(&per.iter().map(Vec::len).collect::<Vec<_>>());
        assert_eq!(
            bars_of(store.series(id, s).unwrap()),
            derived,
            "{name} bars"
        );
        assert_eq!(
            outputs_bits(store.series(id, s).unwrap()),
            expected(&cfg.indicators[s], &derived, &starts),
            "{name} indicators"
        );
    }
    assert_eq!(
        cfg.output_names(0),
        [
            "rsi14",
            "macd.macd",
            "macd.signal",
            "macd.histogram",
            "vwap"
        ]
    );
    assert_eq!(
        cfg.output_names(1),
        [
            "sma3",
            "bbands5.upper",
            "bbands5.middle",
            "bbands5.lower",
            "vwap"
        ]
    );
}

#[test]
fn streaming_equals_batch_with_indicators() {
    let days = sessions();
    let mut one = indicator_store(None);
    let mut many = indicator_store(None);
    let (a, b) = (one.intern("X"), many.intern("X"));
    for (s, bars) in &days {
        one.begin_session(*s).unwrap();
        many.begin_session(*s).unwrap();
        for bar in bars {
            one.append(a, bar).unwrap();
        }
        let cols = columns_of(bars);
        many.append_many(
            b,
            [&cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5]],
            InvalidBars::Throw,
        )
        .unwrap();
        one.end_session().unwrap();
        many.end_session().unwrap();
    }
    for s in 0..3 {
        let (x, y) = (one.series(a, s).unwrap(), many.series(b, s).unwrap());
        assert_eq!(series_bits(x), series_bits(y));
        assert_eq!(outputs_bits(x), outputs_bits(y), "series {s}");
    }
}

#[test]
fn peek_is_the_value_the_forming_bar_gets_when_it_closes_and_commits_nothing() {
    let (s, bars) = sessions().remove(0);
    let mut store = indicator_store(None);
    let id = store.intern("X");
    store.begin_session(s).unwrap();
    // Up to 10:02: the 10:00 bucket is forming with three minutes.
    let upto = bars
        .iter()
        .position(|b| b.time as i64 == ny(10, 3))
        .unwrap();
    for b in &bars[..upto] {
        store.append(id, b).unwrap();
    }
    let mut peeked = [0.0; 5];
    assert!(store.peek(id, 1, &mut peeked).unwrap());
    let mut again = [0.0; 5];
    store.peek(id, 1, &mut again).unwrap();
    assert_eq!(peeked.map(f64::to_bits), again.map(f64::to_bits));
    let before = store.series(id, 1).unwrap().len();
    // The clock closes the bucket with exactly the bars peeked at.
    store.advance_to(ny(10, 5) as f64).unwrap();
    let cols = store.series(id, 1).unwrap();
    assert_eq!(cols.len(), before + 1);
    let last: Vec<u64> = (0..5)
        .map(|k| cols.column(6 + k)[before].to_bits())
        .collect();
    assert_eq!(last, peeked.map(f64::to_bits));
    // No bar forming: nothing to peek; the base series never has one.
    assert!(!store.peek(id, 1, &mut peeked).unwrap());
    assert!(!store.peek(id, 0, &mut peeked).unwrap());
    assert!(matches!(
        store.peek(id, 1, &mut [0.0; 2]),
        Err(Error::Input { .. })
    ));
}

#[test]
fn retention_keeps_indicator_columns_aligned_with_their_bars() {
    let days = sessions();
    let mut all = indicator_store(None);
    let mut kept = indicator_store(Some(1));
    let (a, b) = (all.intern("X"), kept.intern("X"));
    for (s, bars) in &days {
        for (st, id) in [(&mut all, a), (&mut kept, b)] {
            st.begin_session(*s).unwrap();
            for bar in bars {
                st.append(id, bar).unwrap();
            }
            st.end_session().unwrap();
        }
    }
    for s in 0..3 {
        let (x, y) = (all.series(a, s).unwrap(), kept.series(b, s).unwrap());
        let drop = x.len() - y.len();
        assert!(y.len() < x.len() || s == 2);
        for k in 0..x.outputs() {
            let tail: Vec<u64> = x.column(6 + k)[drop..]
                .iter()
                .map(|v| v.to_bits())
                .collect();
            let got: Vec<u64> = y.column(6 + k).iter().map(|v| v.to_bits()).collect();
            assert_eq!(tail, got, "series {s} output {k}");
        }
    }
}

#[test]
fn an_output_name_listed_twice_for_one_interval_is_a_config_error() {
    let mut c = config(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    c.indicators = vec![vec![], vec![spec("sma", Some(3.0)), spec("sma", Some(3.0))]];
    match SessionStore::new(c) {
        Err(Error::Config { param, message }) => {
            assert_eq!(param, "indicators");
            // The output and the interval it is listed twice for.
            assert!(
                message.contains("sma3 is listed twice for '5m'"),
                "{message}"
            );
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("accepted a repeated output"),
    }
    let mut c = config(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    c.indicators = vec![vec![], vec![], vec![spec("sma", Some(3.0))]];
    assert!(
        matches!(SessionStore::new(c), Err(Error::Config { param, .. }) if param == "indicators")
    );
}
