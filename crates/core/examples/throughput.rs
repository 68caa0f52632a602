//! Times the core alone: one long session of 1m bars appended one by one and in one batch.

use barstream_core::{Bar, Interval, InvalidBars, Session, SessionStore, StoreConfig};
use std::time::Instant;

fn main() {
    let n = 1_000_000usize;
    let open = 1_600_000_000_000f64 - (1_600_000_000_000f64 % 86_400_000.0);
    let close = open + n as f64 * 60_000.0;
    let mut cols: [Vec<f64>; 6] = Default::default();
    let mut price = 100.0f64;
    for i in 0..n {
        let o = price;
        let c = o + ((i * 7919 % 13) as f64 - 6.0) * 0.01;
        cols[0].push(open + i as f64 * 60_000.0);
        cols[1].push(o);
        cols[2].push(o.max(c) + 0.02);
        cols[3].push(o.min(c) - 0.02);
        cols[4].push(c);
        cols[5].push(1000.0 + (i % 17) as f64);
        price = c;
    }
    let bars: Vec<Bar> = (0..n)
        .map(|i| {
            Bar::new(
                cols[0][i], cols[1][i], cols[2][i], cols[3][i], cols[4][i], cols[5][i],
            )
        })
        .collect();
    let intervals: Vec<Interval> = ["5m", "15m", "30m", "1h"]
        .iter()
        .map(|s| Interval::parse(s).unwrap())
        .collect();
    // A store with one symbol and one session long enough for every bar.
    let fresh_store = || {
        let base = Interval::parse("1m").unwrap();
        let mut store = SessionStore::new(StoreConfig::new(base, intervals.clone())).unwrap();
        let id = store.intern("X");
        store
            .begin_session(Session::new(open, close, open).unwrap())
            .unwrap();
        (store, id)
    };
    for round in 0..3 {
        let (mut store, id) = fresh_store();
        let t = Instant::now();
        let slices = [
            &cols[0][..],
            &cols[1][..],
            &cols[2][..],
            &cols[3][..],
            &cols[4][..],
            &cols[5][..],
        ];
        store.append_many(id, slices, InvalidBars::Throw).unwrap();
        store.end_session().unwrap();
        let batch = t.elapsed();
        let (mut store, id) = fresh_store();
        let t = Instant::now();
        for b in &bars {
            store.append(id, b).unwrap();
        }
        store.end_session().unwrap();
        let stream = t.elapsed();
        println!(
            "round {round}: append_many {:.1} ms ({:.1} ns/bar), append {:.1} ms ({:.1} ns/bar)",
            batch.as_secs_f64() * 1e3,
            batch.as_secs_f64() * 1e9 / n as f64,
            stream.as_secs_f64() * 1e3,
            stream.as_secs_f64() * 1e9 / n as f64
        );
    }
}
