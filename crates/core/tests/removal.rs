//! `remove_symbol`: a symbol that leaves the store between sessions takes its bars, state, counts
//! and records with it, takes part in no later session, and comes back only as a new symbol; the
//! other symbols are untouched.

mod common;

use barstream_core::indicators::{IndicatorParams, IndicatorSpec};
use barstream_core::{Alignment, Bar, EmptyBuckets, Error, Session, SessionStore, StoreConfig};
use common::*;

fn rsi(period: f64) -> IndicatorSpec {
    IndicatorSpec::parse(
        "rsi",
        &IndicatorParams {
            period: Some(period),
            ..IndicatorParams::default()
        },
    )
    .unwrap()
}

/// 5m, 1h and 1d over a 1m base, RSI(3) on 5m.
fn cfg(retain: Option<usize>) -> StoreConfig {
    let mut c = config(&["5m", "1h", "1d"], Alignment::Session, EmptyBuckets::Skip);
    c.retain_sessions = retain;
    c.indicators = vec![vec![], vec![rsi(3.0)], vec![], vec![]];
    c
}

/// Session `d`'s full day of bars, priced by symbol `k` so no symbol's bar passes for another's.
fn day(d: i64, k: u64) -> (Session, Vec<Bar>) {
    let s = oct_day(d);
    let bars = full_day(s.open, s.close)
        .into_iter()
        .enumerate()
        .map(|(i, b)| synth_bar(b.time as i64, i as u64 * 3 + k * 1000 + d as u64))
        .collect();
    (s, bars)
}

/// Every column of every series of `id`, bit for bit.
fn columns_bits(st: &SessionStore, id: u32) -> Vec<Vec<Vec<u64>>> {
    (0..st.series_count())
        .map(|s| {
            let cols = st.series(id, s).unwrap();
            (0..6 + cols.outputs())
                .map(|c| cols.column(c).iter().map(|x| x.to_bits()).collect())
                .collect()
        })
        .collect()
}

#[test]
fn a_removed_symbol_goes_and_leaves_the_others_as_a_store_that_never_had_it() {
    let mut st = SessionStore::new(cfg(None)).unwrap();
    let mut reference = SessionStore::new(cfg(None)).unwrap();
    let spy = st.intern("SPY");
    let gone = st.intern("GONE");
    let spy_ref = reference.intern("SPY");
    for d in 0..2 {
        let (s, spy_bars) = day(d, 1);
        let (_, gone_bars) = day(d, 2);
        st.begin_session(s).unwrap();
        reference.begin_session(s).unwrap();
        // GONE misses its last ten minutes (a trailing gap) and has one bad bar (a counted rejection).
        for (a, b) in spy_bars.iter().zip(&gone_bars[..gone_bars.len() - 10]) {
            st.append(spy, a).unwrap();
            reference.append(spy_ref, a).unwrap();
            st.append(gone, b).unwrap();
        }
        assert!(st.append(gone, &gone_bars[0]).is_err());
        for a in &spy_bars[gone_bars.len() - 10..] {
            st.append(spy, a).unwrap();
            reference.append(spy_ref, a).unwrap();
        }
        st.end_session().unwrap();
        reference.end_session().unwrap();
    }
    let gaps_before = st.take_gaps();
    assert!(gaps_before.iter().all(|g| g.symbol == gone));
    assert_eq!(gaps_before.len(), 2);
    let spy_bytes = reference.allocated_bytes();
    assert!(st.allocated_bytes() > spy_bytes);

    assert_eq!(st.remove_symbol("GONE"), Ok(true));

    assert_eq!(st.symbols().collect::<Vec<_>>(), ["SPY"]);
    assert_eq!(st.symbol_id("GONE"), None);
    // Its memory goes (no view holds it here); what is left is SPY's alone, byte for byte.
    assert_eq!(st.allocated_bytes(), spy_bytes);
    assert_eq!(st.stored_bars(), reference.stored_bars());
    for s in 0..st.series_count() {
        assert!(matches!(st.series(gone, s), Err(Error::NotFound { .. })));
        assert!(matches!(st.forming(gone, s), Err(Error::NotFound { .. })));
    }
    assert!(matches!(st.rejections(gone), Err(Error::NotFound { .. })));
    assert_eq!(st.quality(gone), Ok(None));

    // The next session: GONE takes no part (no gap, no record), SPY goes on as in the reference.
    let (s, spy_bars) = day(2, 1);
    st.begin_session(s).unwrap();
    reference.begin_session(s).unwrap();
    assert!(matches!(
        st.append(gone, &spy_bars[0]),
        Err(Error::NotFound { .. })
    ));
    for a in &spy_bars[..200] {
        st.append(spy, a).unwrap();
        reference.append(spy_ref, a).unwrap();
    }
    st.advance_to((s.open + 203 * MIN) as f64).unwrap();
    reference.advance_to((s.open + 203 * MIN) as f64).unwrap();
    assert_eq!(st.quality(gone), Ok(None));
    assert_eq!(st.quality(spy).unwrap(), {
        let mut q = reference.quality(spy_ref).unwrap();
        if let Some(q) = &mut q {
            q.symbol = spy;
        }
        q
    });
    st.end_session().unwrap();
    reference.end_session().unwrap();
    assert_eq!(st.take_gaps(), reference.take_gaps());
    assert_eq!(columns_bits(&st, spy), columns_bits(&reference, spy_ref));
    assert_eq!(snapshot(&st, spy), snapshot(&reference, spy_ref));
}

#[test]
fn a_symbol_that_comes_back_is_new_and_starts_from_nothing() {
    let mut st = SessionStore::new(cfg(Some(3))).unwrap();
    let old = st.intern("X");
    let (s0, bars0) = day(0, 1);
    st.begin_session(s0).unwrap();
    for b in &bars0[..100] {
        st.append(old, b).unwrap();
    }
    st.end_session().unwrap();
    assert_eq!(st.remove_symbol("X"), Ok(true));
    assert_eq!(st.remove_symbol("X"), Ok(false), "removed already");

    let new = st.intern("X");
    assert_ne!(new, old, "an id is never given again");
    assert_eq!(st.symbols().collect::<Vec<_>>(), ["X"]);
    for s in 0..st.series_count() {
        assert_eq!(st.series(new, s).unwrap().len(), 0);
    }
    // Fed the next session, it equals a store that never saw it: no bar, no forming bucket and no
    // indicator state (RSI's warm-up starts over) of the old X.
    let mut fresh = SessionStore::new(cfg(Some(3))).unwrap();
    let fid = fresh.intern("X");
    let (s1, bars1) = day(1, 1);
    st.begin_session(s1).unwrap();
    fresh.begin_session(s1).unwrap();
    for b in &bars1 {
        st.append(new, b).unwrap();
        fresh.append(fid, b).unwrap();
    }
    st.end_session().unwrap();
    fresh.end_session().unwrap();
    assert_eq!(columns_bits(&st, new), columns_bits(&fresh, fid));
    assert_eq!(st.rejections(new).unwrap(), fresh.rejections(fid).unwrap());
}

#[test]
fn removing_while_a_session_is_open_is_refused_and_changes_nothing() {
    let mut st = SessionStore::new(cfg(None)).unwrap();
    let id = st.intern("SPY");
    let (s, bars) = day(0, 1);
    st.begin_session(s).unwrap();
    for b in &bars[..7] {
        st.append(id, b).unwrap();
    }
    let before = snapshot(&st, id);
    assert!(matches!(
        st.remove_symbol("SPY"),
        Err(Error::Session {
            code: "session_open",
            ..
        })
    ));
    assert_eq!(snapshot(&st, id), before);
    assert_eq!(st.symbol_id("SPY"), Some(id));
    st.append(id, &bars[7]).unwrap();
    st.end_session().unwrap();
    assert_eq!(st.series(id, 0).unwrap().len(), 8);
}

#[test]
fn removing_an_unknown_symbol_changes_nothing() {
    let mut st = SessionStore::new(cfg(None)).unwrap();
    let id = st.intern("SPY");
    assert_eq!(st.remove_symbol("QQQ"), Ok(false));
    assert_eq!(st.remove_symbol(""), Ok(false));
    assert_eq!(st.symbols().collect::<Vec<_>>(), ["SPY"]);
    assert_eq!(st.symbol_id("SPY"), Some(id));
}
