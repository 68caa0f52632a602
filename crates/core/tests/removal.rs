//! `remove_symbol`: a symbol that leaves the store between sessions takes its bars, state, counts
//! and records with it, takes part in no later session, and comes back only as a new symbol; the
//! other symbols are untouched.

mod common;

use barstream_core::indicators::{IndicatorParams, IndicatorSpec};
use barstream_core::{
    Alignment, Bar, EmptyBuckets, Error, RejectReason, Session, SessionStore, StoreConfig,
};
use common::*;
use proptest::prelude::*;

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

    // X's trailing gap is still queued: its id is not given to anyone until the queue is taken.
    let new = st.intern("X");
    assert_ne!(new, old, "a queued gap names X's id");
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
fn a_new_symbol_takes_a_removed_ones_id_once_its_gaps_are_taken() {
    let mut st = SessionStore::new(cfg(None)).unwrap();
    let (s0, bars) = day(0, 1);
    let a = st.intern("A");
    let b = st.intern("B");
    st.begin_session(s0).unwrap();
    for bar in &bars[..50] {
        st.append(a, bar).unwrap();
        st.append(b, bar).unwrap();
    }
    st.end_session().unwrap();
    // Both have a trailing gap queued: B's id waits.
    assert_eq!(st.remove_symbol("B"), Ok(true));
    let c = st.intern("C");
    assert_ne!(c, b);
    let gaps = st.take_gaps();
    assert!(gaps.iter().any(|g| g.symbol == b));
    // Taken: the next new symbol takes B's id, and starts from nothing.
    let d = st.intern("D");
    assert_eq!(d, b);
    assert_eq!(st.symbol_count(), 3);
    for s in 0..st.series_count() {
        assert_eq!(st.series(d, s).unwrap().len(), 0);
        assert_eq!(st.forming(d, s).unwrap(), None);
    }
    assert_eq!(st.rejections(d).unwrap(), &[0; RejectReason::COUNT]);
    assert_eq!(
        st.quality(d),
        Ok(None),
        "D takes part from the next session"
    );
    let mut names: Vec<&str> = st.symbols().collect();
    names.sort_unstable();
    assert_eq!(names, ["A", "C", "D"]);
    // With no gap queued, a removed id is free at once.
    st.take_gaps();
    assert_eq!(st.remove_symbol("C"), Ok(true));
    assert_eq!(st.intern("E"), c);
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

/// One life of a symbol in the store under test, between its first bar and its removal, and a
/// store of its own that has seen only that life: the same sessions from the one it began in, the
/// same clock, the same bars.
struct Life {
    name: String,
    id: u32,
    alone: SessionStore,
}

/// Everything the store under test holds for `life`, against its own store: every column bit for
/// bit, the forming bars, the rejection counts and the quality record.
fn check_life(st: &SessionStore, life: &Life) -> std::result::Result<(), TestCaseError> {
    prop_assert_eq!(columns_bits(st, life.id), columns_bits(&life.alone, 0));
    prop_assert_eq!(snapshot(st, life.id), snapshot(&life.alone, 0));
    prop_assert_eq!(st.rejections(life.id)?, life.alone.rejections(0)?);
    let mut q = life.alone.quality(0)?;
    if let Some(q) = &mut q {
        q.symbol = life.id;
        q.gaps.iter_mut().for_each(|g| g.symbol = life.id);
    }
    prop_assert_eq!(st.quality(life.id)?, q);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Symbols come and go at random between sessions (some come back); bars come with gaps, bad
    /// ones mixed in, and the clock moves. After every session, each symbol the store knows equals
    /// its life alone in a store of its own, and the store holds exactly their bars and memory: a
    /// removed symbol leaves nothing behind, and its removal changes no other symbol.
    #[test]
    fn removals_leave_every_other_symbol_as_if_alone(
        seed in any::<u64>(),
        retain in prop_oneof![Just(None), (1usize..=3).prop_map(Some)],
        flat in any::<bool>(),
    ) {
        let mut rng = Mix(seed);
        let config = || {
            let mut c = cfg(retain);
            c.empty_buckets = if flat { EmptyBuckets::Flat } else { EmptyBuckets::Skip };
            c
        };
        let mut st = SessionStore::new(config()).unwrap();
        let mut lives: Vec<Life> = Vec::new();
        let names = ["A", "B", "C", "D", "E"];
        for d in 0..6 {
            let s = oct_day(d);
            st.begin_session(s).unwrap();
            for life in &mut lives {
                life.alone.begin_session(s).unwrap();
            }
            // Each symbol trades this session with some chance, from a random minute, with holes.
            let mut trading: Vec<(&str, i64)> = Vec::new();
            for n in names {
                if rng.chance(0.7) {
                    trading.push((n, rng.below(120) as i64));
                }
            }
            let slots = (s.close - s.open) / MIN;
            let advance_at = s.open + rng.below(slots as u64) as i64 * MIN;
            let mut advanced = false;
            for k in 0..slots {
                let t = s.open + k * MIN;
                if !advanced && t >= advance_at {
                    // A clock close mid-session, for every store: later bars of closed buckets are late.
                    st.advance_to(t as f64).unwrap();
                    for life in &mut lives {
                        life.alone.advance_to(t as f64).unwrap();
                    }
                    advanced = true;
                }
                for &(name, from) in &trading {
                    if k < from || rng.chance(0.1) {
                        continue;
                    }
                    let bar = if rng.chance(0.03) {
                        Bar::new(t as f64, 1.0, 0.5, 1.0, 1.0, 1.0) // high below open: rejected
                    } else {
                        rng.bar(t)
                    };
                    let i = match lives.iter().position(|l| l.name == name) {
                        Some(i) => i,
                        None => {
                            // A new life: its own store begins this session and learns it here too.
                            let mut alone = SessionStore::new(config()).unwrap();
                            alone.begin_session(s).unwrap();
                            if advanced {
                                alone.advance_to(advance_at as f64).unwrap();
                            }
                            alone.intern(name);
                            let id = st.intern(name);
                            lives.push(Life { name: name.to_owned(), id, alone });
                            lives.len() - 1
                        }
                    };
                    let life = &mut lives[i];
                    let got = st.append(life.id, &bar).map_err(|e| e.code());
                    let want = life.alone.append(0, &bar).map_err(|e| e.code());
                    prop_assert_eq!(got, want);
                }
            }
            st.end_session().unwrap();
            let mut gaps = st.take_gaps();
            for life in &mut lives {
                life.alone.end_session().unwrap();
                let mine: Vec<_> = gaps.iter().filter(|g| g.symbol == life.id).map(|g| (g.from, g.to)).collect();
                let alone: Vec<_> = life.alone.take_gaps().iter().map(|g| (g.from, g.to)).collect();
                prop_assert_eq!(mine, alone, "{}", life.name);
                check_life(&st, life)?;
            }
            gaps.retain(|g| !lives.iter().any(|l| l.id == g.symbol));
            prop_assert!(gaps.is_empty(), "gaps of symbols the store no longer knows: {:?}", gaps);
            prop_assert_eq!(st.stored_bars(), lives.iter().map(|l| l.alone.stored_bars()).sum::<usize>());
            prop_assert_eq!(st.allocated_bytes(), lives.iter().map(|l| l.alone.allocated_bytes()).sum::<usize>());
            // Between sessions, some symbols leave.
            let mut k = 0;
            while k < lives.len() {
                if rng.chance(0.3) {
                    let life = lives.remove(k);
                    prop_assert_eq!(st.remove_symbol(&life.name), Ok(true));
                    prop_assert_eq!(st.symbol_id(&life.name), None);
                } else {
                    k += 1;
                }
            }
            // Removed ids are taken again: the store never holds more records than symbols at once.
            prop_assert!(st.symbol_count() <= names.len());
            let mut known: Vec<&str> = st.symbols().collect();
            known.sort_unstable();
            let mut alive: Vec<&str> = lives.iter().map(|l| l.name.as_str()).collect();
            alive.sort_unstable();
            prop_assert_eq!(known, alive);
            prop_assert_eq!(st.stored_bars(), lives.iter().map(|l| l.alone.stored_bars()).sum::<usize>());
            prop_assert_eq!(st.allocated_bytes(), lives.iter().map(|l| l.alone.allocated_bytes()).sum::<usize>());
        }
    }
}

#[test]
fn knows_tells_given_ids_from_unknown_and_removed_ones() {
    let mut st = SessionStore::new(cfg(None)).unwrap();
    assert!(!st.knows(0), "no id given yet");
    let a = st.intern("A");
    let b = st.intern("B");
    assert!(st.knows(a) && st.knows(b));
    assert!(!st.knows(a.max(b) + 1), "never given");
    assert!(!st.knows(u32::MAX));
    assert_eq!(st.remove_symbol("A"), Ok(true));
    assert!(!st.knows(a), "removed");
    assert!(st.knows(b), "B untouched");
}

/// The account a store reports its blocks to (the one the binding tells V8 of) counts them: one
/// stored bar takes at least its six columns of 8 bytes.
#[test]
fn the_store_memory_account_counts_its_series() {
    let mut st = store(&["5m"], Alignment::Session, EmptyBuckets::Skip);
    let id = st.intern("A");
    st.begin_session(nov29_session()).unwrap();
    st.append(id, &synth_bar(NOV29_OPEN, 0)).unwrap();
    assert!(
        st.memory_account().bytes() >= 6 * 8,
        "{}",
        st.memory_account().bytes()
    );
}
