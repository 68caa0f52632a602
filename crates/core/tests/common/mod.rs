//! Helpers shared by the integration tests: fixed sessions whose epoch times were checked by hand,
//! bit-level snapshots of a store, and a naive re-aggregation that the tests use as the oracle.
#![allow(dead_code)]

use barstream_core::{
    Alignment, Bar, Columns, EmptyBuckets, Interval, Session, SessionStore, StoreConfig, SymbolId,
};
use std::collections::BTreeMap;

pub const SEC: i64 = 1_000;
pub const MIN: i64 = 60_000;
pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 86_400_000;

/// 2013-10-07 (Monday). New York is on EDT (UTC-4) until 2013-11-03.
/// 1970-01-01 to 2013-10-07 is 15_985 days, so 2013-10-07 00:00Z = 15_985 * 86_400_000
/// = 1_381_104_000_000 and New York midnight (04:00Z) = 1_381_118_400_000.
pub const OCT7_MIDNIGHT: i64 = 1_381_118_400_000;
/// 09:30 EDT = 13:30Z = midnight + 9.5 h.
pub const OCT7_OPEN: i64 = 1_381_152_600_000;
/// 16:00 EDT = 20:00Z = midnight + 16 h.
pub const OCT7_CLOSE: i64 = 1_381_176_000_000;

/// 2013-11-29 (the Friday after Thanksgiving), a 13:00 early close. New York is on EST (UTC-5).
/// 2013-10-07 is day 15_985, plus 24 days to 2013-10-31, plus 29 to 2013-11-29: day 16_038.
/// 16_038 * 86_400_000 = 1_385_683_200_000 (00:00Z); New York midnight = 05:00Z = 1_385_701_200_000.
pub const NOV29_MIDNIGHT: i64 = 1_385_701_200_000;
/// 09:30 EST = 14:30Z = 1_385_683_200_000 + 14.5 h = 1_385_735_400_000.
pub const NOV29_OPEN: i64 = 1_385_735_400_000;
/// 13:00 EST = 18:00Z = 1_385_683_200_000 + 18 h = 1_385_748_000_000.
pub const NOV29_CLOSE: i64 = 1_385_748_000_000;

/// New York wall time `h:m` on 2013-10-07, in epoch ms.
pub fn ny(h: i64, m: i64) -> i64 {
    OCT7_MIDNIGHT + h * HOUR + m * MIN
}

/// New York wall time `h:m` on 2013-11-29, in epoch ms.
pub fn nov29(h: i64, m: i64) -> i64 {
    NOV29_MIDNIGHT + h * HOUR + m * MIN
}

/// The regular session of 2013-10-07.
pub fn oct7() -> Session {
    Session::new(OCT7_OPEN as f64, OCT7_CLOSE as f64, OCT7_MIDNIGHT as f64).unwrap()
}

/// The regular session `n` days after 2013-10-07 (n <= 4 stays in the same week and on EDT).
pub fn oct_day(n: i64) -> Session {
    let d = n * DAY;
    Session::new(
        (OCT7_OPEN + d) as f64,
        (OCT7_CLOSE + d) as f64,
        (OCT7_MIDNIGHT + d) as f64,
    )
    .unwrap()
}

/// The 13:00 early-close session of 2013-11-29.
pub fn nov29_session() -> Session {
    Session::new(NOV29_OPEN as f64, NOV29_CLOSE as f64, NOV29_MIDNIGHT as f64).unwrap()
}

pub fn iv(s: &str) -> Interval {
    Interval::parse(s).unwrap()
}

pub fn config(intervals: &[&str], alignment: Alignment, empty: EmptyBuckets) -> StoreConfig {
    let mut c = StoreConfig::new(iv("1m"), intervals.iter().map(|s| iv(s)).collect());
    c.alignment = alignment;
    c.empty_buckets = empty;
    c
}

pub fn store(intervals: &[&str], alignment: Alignment, empty: EmptyBuckets) -> SessionStore {
    SessionStore::new(config(intervals, alignment, empty)).unwrap()
}

pub fn bar(t: i64, open: f64, high: f64, low: f64, close: f64, volume: f64) -> Bar {
    Bar::new(t as f64, open, high, low, close, volume)
}

/// A valid bar at `t` whose prices depend on `i` only (deterministic, not round numbers).
pub fn synth_bar(t: i64, i: u64) -> Bar {
    let o = 100.0 + ((i * 37) % 101) as f64 * 0.01;
    let c = 100.0 + ((i * 53 + 11) % 97) as f64 * 0.01;
    let h = o.max(c) + ((i * 7) % 13) as f64 * 0.01;
    let l = o.min(c) - ((i * 5) % 11) as f64 * 0.01;
    let v = 1.0 + ((i * 31) % 1000) as f64 * 0.1;
    Bar::new(t as f64, o, h, l, c, v)
}

/// Every minute bar of `[open, close)`.
pub fn full_day(open: i64, close: i64) -> Vec<Bar> {
    (0..)
        .map(|k| open + k * MIN)
        .take_while(|t| *t < close)
        .enumerate()
        .map(|(i, t)| synth_bar(t, i as u64))
        .collect()
}

/// `b` with field `field` (0 time, 1 open, 2 high, 3 low, 4 close, 5 volume) set to `x`.
pub fn with_field(mut b: Bar, field: usize, x: f64) -> Bar {
    match field {
        0 => b.time = x,
        1 => b.open = x,
        2 => b.high = x,
        3 => b.low = x,
        4 => b.close = x,
        _ => b.volume = x,
    }
    b
}

pub fn bits(b: &Bar) -> [u64; 6] {
    [
        b.time.to_bits(),
        b.open.to_bits(),
        b.high.to_bits(),
        b.low.to_bits(),
        b.close.to_bits(),
        b.volume.to_bits(),
    ]
}

/// Every value of a series, read through `Columns::column`, as bits, bar by bar.
pub fn series_bits(cols: &Columns) -> Vec<[u64; 6]> {
    let c: Vec<&[f64]> = (0..6).map(|i| cols.column(i)).collect();
    for col in &c {
        assert_eq!(col.len(), cols.len());
    }
    (0..cols.len())
        .map(|i| {
            [
                c[0][i].to_bits(),
                c[1][i].to_bits(),
                c[2][i].to_bits(),
                c[3][i].to_bits(),
                c[4][i].to_bits(),
                c[5][i].to_bits(),
            ]
        })
        .collect()
}

/// Every column of every series of `id`, indicator outputs included, bit for bit.
pub fn columns_bits(st: &SessionStore, id: SymbolId) -> Vec<Vec<Vec<u64>>> {
    (0..st.series_count())
        .map(|s| {
            let cols = st.series(id, s).unwrap();
            (0..6 + cols.outputs())
                .map(|c| cols.column(c).iter().map(|v| v.to_bits()).collect())
                .collect()
        })
        .collect()
}

pub fn bars_of(cols: &Columns) -> Vec<Bar> {
    (0..cols.len()).map(|i| cols.get(i).unwrap()).collect()
}

pub fn bars_bits(bars: &[Bar]) -> Vec<[u64; 6]> {
    bars.iter().map(bits).collect()
}

/// Everything observable about one symbol: each series, bit for bit, and each forming bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub series: Vec<Vec<[u64; 6]>>,
    pub forming: Vec<Option<[u64; 6]>>,
}

pub fn snapshot(store: &SessionStore, id: SymbolId) -> Snapshot {
    let n = store.series_count();
    Snapshot {
        series: (0..n)
            .map(|s| series_bits(store.series(id, s).unwrap()))
            .collect(),
        forming: (0..n)
            .map(|s| store.forming(id, s).unwrap().map(|b| bits(&b)))
            .collect(),
    }
}

pub fn series_lens(store: &SessionStore, id: SymbolId) -> Vec<usize> {
    (0..store.series_count())
        .map(|s| store.series(id, s).unwrap().len())
        .collect()
}

/// Folds bars (one bucket, in time order) the way the contract says: open first, high max, low min,
/// close last, volume summed in order. `time` is given.
pub fn fold(time: i64, bars: &[Bar]) -> Bar {
    let first = bars[0];
    let mut out = Bar::new(
        time as f64,
        first.open,
        first.high,
        first.low,
        first.close,
        first.volume,
    );
    for b in &bars[1..] {
        if b.high > out.high {
            out.high = b.high;
        }
        if b.low < out.low {
            out.low = b.low;
        }
        out.close = b.close;
        out.volume += b.volume;
    }
    out
}

/// The bars in `[start, end)` folded into one bar at `start`.
pub fn fold_range(bars: &[Bar], start: i64, end: i64) -> Bar {
    let inside: Vec<Bar> = bars
        .iter()
        .filter(|b| b.time >= start as f64 && b.time < end as f64)
        .copied()
        .collect();
    fold(start, &inside)
}

/// Naive re-aggregation of the good base bars of each session into one derived interval.
/// Bucket = floor((t - anchor) / len); anchor = open (session) or day start (clock); `1d` is one
/// bucket from the anchor to the close. Under `flat`, every empty bucket after the session's first
/// bucket with data, up to the bucket holding the last millisecond of the session, becomes a flat
/// bar at the latest close with zero volume.
pub fn naive_series(
    sessions: &[(Session, Vec<Bar>)],
    interval: Interval,
    alignment: Alignment,
    flat: bool,
) -> Vec<Bar> {
    let mut out = Vec::new();
    for (s, bars) in sessions {
        if bars.is_empty() {
            continue;
        }
        let anchor = match alignment {
            Alignment::Session => s.open,
            Alignment::Clock => s.day_start,
        };
        let len = interval.millis().unwrap_or(s.close - anchor);
        let bucket = |t: i64| (t - anchor).div_euclid(len);
        let mut groups: BTreeMap<i64, Vec<Bar>> = BTreeMap::new();
        for b in bars {
            groups.entry(bucket(b.time as i64)).or_default().push(*b);
        }
        if !flat {
            for (k, g) in &groups {
                out.push(fold(anchor + k * len, g));
            }
            continue;
        }
        let first = *groups.keys().next().unwrap();
        let last = bucket(s.close - 1);
        let mut last_close = f64::NAN;
        for k in first..=last {
            let start = anchor + k * len;
            match groups.get(&k) {
                Some(g) => {
                    let b = fold(start, g);
                    last_close = b.close;
                    out.push(b);
                }
                None => out.push(Bar::new(
                    start as f64,
                    last_close,
                    last_close,
                    last_close,
                    last_close,
                    0.0,
                )),
            }
        }
    }
    out
}

/// A small deterministic generator (splitmix64) for building streams from a proptest seed.
#[derive(Debug, Clone)]
pub struct Mix(pub u64);

impl Mix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    /// A random valid bar at `t` with prices that are not round binary numbers.
    pub fn bar(&mut self, t: i64) -> Bar {
        let o = 50.0 + self.below(10_000) as f64 * 0.01;
        let c = 50.0 + self.below(10_000) as f64 * 0.01;
        let h = o.max(c) + self.below(50) as f64 * 0.01;
        let l = o.min(c) - self.below(50) as f64 * 0.01;
        let v = self.below(100_000) as f64 * 0.1;
        Bar::new(t as f64, o, h, l, c, v)
    }
}

/// The six columns (time, open, high, low, close, volume) of `bars`, for `append_many`.
pub fn columns_of(bars: &[Bar]) -> [Vec<f64>; 6] {
    [
        bars.iter().map(|b| b.time).collect(),
        bars.iter().map(|b| b.open).collect(),
        bars.iter().map(|b| b.high).collect(),
        bars.iter().map(|b| b.low).collect(),
        bars.iter().map(|b| b.close).collect(),
        bars.iter().map(|b| b.volume).collect(),
    ]
}
