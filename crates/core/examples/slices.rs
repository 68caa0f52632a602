//! Times the core alone in a backtest's order: 100 symbols x 20 sessions of 1m bars into 5m, 15m,
//! 30m, 1h and 1d, one bar per symbol per minute (time slices), with and without the prefetch
//! hints that the binding's `appendSlice` gives, and symbol by symbol for comparison.

use barstream_core::{Bar, Interval, Session, SessionStore, StoreConfig};
use std::time::Instant;

const SYMBOLS: usize = 100;
const SESSIONS: usize = 20;
const BARS: usize = 390;

#[derive(Clone, Copy, PartialEq)]
enum Order {
    Slices,
    SlicesPrefetched,
    SymbolBySymbol,
}

/// Ns a bar for one run of the whole backtest into a fresh store.
fn run(order: Order) -> f64 {
    let intervals: Vec<Interval> = ["5m", "15m", "30m", "1h", "1d"]
        .iter()
        .map(|s| Interval::parse(s).unwrap())
        .collect();
    let base = Interval::parse("1m").unwrap();
    let mut store = SessionStore::new(StoreConfig::new(base, intervals)).unwrap();
    let ids: Vec<u32> = (0..SYMBOLS)
        .map(|s| store.intern(&format!("S{s}")))
        .collect();
    store.expect_sessions(SESSIONS);
    let day = 86_400_000i64;
    let first = 1_700_006_400_000i64 - 1_700_006_400_000i64 % day + 14 * 3_600_000 + 1_800_000;
    let mut price: Vec<f64> = (0..SYMBOLS).map(|s| 50.0 + s as f64).collect();
    let mut seed = 0x5eedu64;
    let started = Instant::now();
    for d in 0..SESSIONS {
        let open = first + d as i64 * day;
        let close = open + BARS as i64 * 60_000;
        let session = Session::new(open as f64, close as f64, (open - open % day) as f64);
        store.begin_session(session.unwrap()).unwrap();
        for step in 0..BARS * SYMBOLS {
            let (m, s) = match order {
                Order::SymbolBySymbol => (step % BARS, step / BARS),
                _ => (step / SYMBOLS, step % SYMBOLS),
            };
            if order == Order::SlicesPrefetched {
                if let Some(&id) = ids.get(s + 4) {
                    store.prefetch_record(id);
                }
                if let Some(&id) = ids.get(s + 2) {
                    store.prefetch(id);
                }
            }
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let o = price[s];
            let c = o + ((seed >> 33) % 21) as f64 * 0.01 - 0.1;
            price[s] = c;
            let time = (open + m as i64 * 60_000) as f64;
            let bar = Bar::new(time, o, o.max(c) + 0.01, o.min(c) - 0.01, c, 100.0);
            store.append(ids[s], &bar).unwrap();
        }
        store.end_session().unwrap();
    }
    started.elapsed().as_secs_f64() * 1e9 / (SYMBOLS * SESSIONS * BARS) as f64
}

fn main() {
    let orders = [
        ("time slices", Order::Slices),
        ("time slices, prefetched", Order::SlicesPrefetched),
        ("symbol by symbol", Order::SymbolBySymbol),
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); orders.len()];
    // Alternated, so that the machine's slow and fast spells fall on every order alike.
    for _ in 0..8 {
        for (k, (_, order)) in orders.iter().enumerate() {
            times[k].push(run(*order));
        }
    }
    for ((name, _), t) in orders.iter().zip(&mut times) {
        t.sort_by(f64::total_cmp);
        println!(
            "{name}: median {:.1} ns a bar, best {:.1}",
            t[t.len() / 2],
            t[0]
        );
    }
}
