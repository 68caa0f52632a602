#![no_main]
//! Coverage-guided fuzzing of barstream-core's append path.
//!
//! The input decodes (by hand, through `arbitrary::Unstructured`) into a store configuration and
//! up to 256 operations whose arguments are *relative* (the symbol's next slot, the first slot the
//! clock has not closed, a bucket end, ...) and are resolved against the store's state as they run,
//! so that most bars land somewhere meaningful while hostile ones stay frequent.
//!
//! Two stores run side by side with the same configuration: `a` gets every operation as given,
//! `b` gets each batch (`append_many`) as single `append`s, so the batch path is checked against
//! the single-bar path bit for bit (the contract: "identical, bit for bit, to appending the bars
//! one by one").
//!
//! Invariants checked after every step (panics = findings):
//! - no panic, in the core or here;
//! - every call's result matches an independent oracle (validation order, session rules, config
//!   rules, clock), and `check()` agrees with `append`;
//! - a rejected `append` / `append_many` (and every other failing call) changes nothing observable
//!   (series lengths, last bars, forming bars, block generation for single bars, gaps, clock), and
//!   rejection counts rise by exactly the rejected bars;
//! - base series length == accepted bars (minus what retention dropped, modelled independently);
//! - every new closed bar is finite, low <= open,close <= high, volume >= 0, later than the bar
//!   before it in its series (strictly; across sessions under clock alignment a bucket may start
//!   before its session opens), and a derived bar sits at a bucket start of its session's grid;
//! - closed masks name exactly the series that grew;
//! - forming bars are consistent, never in a bucket the clock closed, none after `end_session`;
//! - `peek` of a forming bar equals the indicator values stored when that same bar closes;
//! - at each session end, every derived series' bars of the session equal a naive re-aggregation
//!   of the session's base bars, on a bucket model written from the docs (clock changes included);
//! - quality records are consistent (`received + missing <= expected`, equal once ended);
//! - store `a` equals store `b` (lengths, last and forming bars after each step; every column,
//!   indicator outputs included, at each session end and at the end).
//!
//! `BARSTREAM_FUZZ_TRACE=1` prints every step with its resolved arguments and result.

use arbitrary::{Arbitrary, Result as AResult, Unstructured};
use barstream_core::{
    Alignment, Bar, ClockShift, EmptyBuckets, Error, IndicatorKind, IndicatorParams, IndicatorSpec,
    Interval, InvalidBars, RejectReason, Session, SessionStore, StoreConfig, SymbolId, MAX_VOLUME,
};
use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;

fuzz_target!(|input: Input| {
    run(&input);
});

// -------------------------------------------------------------------------------------------------
// Constants

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const MAX_TIME: i64 = 9_000_000_000_000_000;
/// 2024-10-07 00:00 in New York (04:00 UTC): exchange days start here plus whole days.
const REF_MIDNIGHT: i64 = 1_728_273_600_000;
const REF_OPEN: i64 = REF_MIDNIGHT + 9 * HOUR + 30 * 60_000;
const MAX_OPS: usize = 256;

const BASES: [&str; 4] = ["1s", "30s", "1m", "5m"];
/// Derived intervals: some are not multiples of some bases (2s, 7s, 45s, 90s), some do not divide
/// a day (7s, 7m, 13m, 90m, 25h), `24h` is fixed and `1d` is one bucket a session.
const POOL: [&str; 22] = [
    "2s", "7s", "30s", "45s", "1m", "90s", "2m", "3m", "5m", "7m", "10m", "13m", "15m", "30m",
    "45m", "1h", "90m", "2h", "4h", "24h", "25h", "1d",
];
const NAMES: [&str; 6] = ["A", "B", "C", "", "日本株", "A "];
const ORIGINS: [i64; 4] = [REF_OPEN, 0, -10 * DAY - 12_345, 8_999_990_000_000_000];
const WEIRD_TIMES: [f64; 12] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e19,
    -1e19,
    9.3e18,
    -9.3e18,
    9_007_199_254_740_992.0,
    -0.0,
    f64::MAX,
    f64::MIN_POSITIVE,
    9e15,
];

fn iv(s: &str) -> Interval {
    Interval::parse(s).unwrap()
}

fn midnight(t: i64) -> i64 {
    t - (t - REF_MIDNIGHT).rem_euclid(DAY)
}

fn trace_on() -> bool {
    use std::sync::OnceLock;
    static T: OnceLock<bool> = OnceLock::new();
    *T.get_or_init(|| std::env::var_os("BARSTREAM_FUZZ_TRACE").is_some())
}

macro_rules! trace {
    ($($t:tt)*) => { if trace_on() { eprintln!($($t)*); } };
}

// -------------------------------------------------------------------------------------------------
// Decoding

fn byte(u: &mut Unstructured) -> u8 {
    u.arbitrary().unwrap_or(0)
}
fn word(u: &mut Unstructured) -> u32 {
    u.arbitrary().unwrap_or(0)
}
fn half(u: &mut Unstructured) -> u16 {
    u.arbitrary().unwrap_or(0)
}

#[derive(Debug, Clone)]
pub struct Cfg {
    base: u8,
    base_1d: bool,
    intervals: Vec<u8>,
    keep_invalid: bool,
    /// 1: repeat the first interval; 2: 32 multiples of the base; 3: indicators for one series too many.
    extra: u8,
    clock: bool,
    flat: bool,
    retain: Option<usize>,
    hint: Option<usize>,
    inds: Vec<(u8, u8)>,
    origin: u8,
}

impl Cfg {
    fn decode(u: &mut Unstructured) -> Cfg {
        let b0 = byte(u);
        let b1 = byte(u);
        let b2 = byte(u);
        let keep_invalid = b0 >> 4 == 0xF;
        let retain = match b1 & 7 {
            0..=3 => None,
            4 => Some(1),
            5 => Some(2),
            6 => Some(3),
            _ if keep_invalid => Some(0),
            _ => None,
        };
        let hint = match (b1 >> 3) & 7 {
            0..=2 => None,
            3 => Some(1),
            4 => Some(5),
            5 => Some(100),
            6 => Some(usize::MAX),
            _ if keep_invalid => Some(0),
            _ => Some(7),
        };
        let origin = match b2 & 15 {
            13 => 1,
            14 => 2,
            15 => 3,
            _ => 0,
        };
        let extra = if keep_invalid { (b2 >> 4) & 3 } else { 0 };
        let base_1d = keep_invalid && (b2 >> 6) == 3;
        let n = byte(u) % 7;
        let intervals = (0..n).map(|_| byte(u)).collect();
        let k = byte(u) % 5;
        let inds = (0..k).map(|_| (byte(u), byte(u))).collect();
        Cfg {
            base: b0 & 3,
            base_1d,
            intervals,
            keep_invalid,
            extra,
            clock: b0 & 4 != 0,
            flat: b0 & 8 != 0,
            retain,
            hint,
            inds,
            origin,
        }
    }

    fn build(&self) -> StoreConfig {
        let base = if self.base_1d {
            Interval::Session
        } else {
            iv(BASES[self.base as usize])
        };
        let mut intervals: Vec<Interval> = Vec::new();
        for &i in &self.intervals {
            let i = iv(POOL[i as usize % POOL.len()]);
            if self.keep_invalid || (fits(base, i, self.clock) && !intervals.contains(&i)) {
                intervals.push(i);
            }
        }
        match self.extra {
            1 => {
                if let Some(&f) = intervals.first() {
                    intervals.push(f);
                }
            }
            2 => {
                let b = base.millis().unwrap_or(60_000);
                intervals = (2..=33).map(|k| Interval::Fixed(k * b)).collect();
            }
            _ => {}
        }
        let nseries = 1 + intervals.len();
        let mut indicators: Vec<Vec<IndicatorSpec>> = vec![Vec::new(); nseries];
        for &(s, k) in &self.inds {
            let spec = indicator(k);
            let list = &mut indicators[s as usize % nseries];
            let names: Vec<String> = list.iter().flat_map(|x| x.output_names()).collect();
            if self.keep_invalid || !spec.output_names().iter().any(|n| names.contains(n)) {
                list.push(spec);
            }
        }
        if self.extra == 3 {
            indicators.push(vec![indicator(0)]);
        } else {
            while indicators.last().is_some_and(|l| l.is_empty()) {
                indicators.pop();
            }
        }
        StoreConfig {
            base,
            intervals,
            alignment: if self.clock {
                Alignment::Clock
            } else {
                Alignment::Session
            },
            empty_buckets: if self.flat {
                EmptyBuckets::Flat
            } else {
                EmptyBuckets::Skip
            },
            capacity_hint: self.hint,
            retain_sessions: self.retain,
            indicators,
        }
    }
}

fn indicator(k: u8) -> IndicatorSpec {
    let p = |x: f64| IndicatorParams {
        period: Some(x),
        ..Default::default()
    };
    let none = IndicatorParams::default();
    match k % 15 {
        0 => IndicatorSpec::new(IndicatorKind::Sma, &p(2.0)),
        1 => IndicatorSpec::new(IndicatorKind::Ema, &p(3.0)),
        2 => IndicatorSpec::new(IndicatorKind::Wma, &p(2.0)),
        3 => IndicatorSpec::new(IndicatorKind::Rsi, &p(2.0)),
        4 => IndicatorSpec::new(
            IndicatorKind::Macd,
            &IndicatorParams {
                fast: Some(2.0),
                slow: Some(3.0),
                signal: Some(2.0),
                ..Default::default()
            },
        ),
        5 => IndicatorSpec::new(IndicatorKind::Bbands, &p(3.0)),
        6 => IndicatorSpec::new(IndicatorKind::Atr, &p(1.0)),
        7 => IndicatorSpec::new(IndicatorKind::Stddev, &p(2.0)),
        8 => IndicatorSpec::new(
            IndicatorKind::Stoch,
            &IndicatorParams {
                k_period: Some(2.0),
                k_slow: Some(1.0),
                d_period: Some(2.0),
                ..Default::default()
            },
        ),
        9 => IndicatorSpec::new(IndicatorKind::Adx, &p(2.0)),
        10 => IndicatorSpec::new(IndicatorKind::Obv, &none),
        11 => IndicatorSpec::new(IndicatorKind::Cci, &p(2.0)),
        12 => IndicatorSpec::new(IndicatorKind::Roc, &p(1.0)),
        13 => IndicatorSpec::new(IndicatorKind::Mfi, &p(2.0)),
        _ => IndicatorSpec::new(IndicatorKind::Vwap, &none),
    }
    .unwrap()
}

/// Whether derived interval `i` may go with `base` (a filter for the generator only).
fn fits(base: Interval, i: Interval, clock: bool) -> bool {
    match (base.millis(), i.millis()) {
        (None, _) => false,
        (_, None) => true,
        (Some(b), Some(m)) => m != b && m % b == 0 && (!clock || DAY % m == 0),
    }
}

/// The documented configuration rules (the oracle for `SessionStore::new`).
fn config_is_valid(c: &StoreConfig) -> bool {
    let Some(b) = c.base.millis() else {
        return false;
    };
    let series = 1 + c.intervals.len();
    c.intervals.len() <= 31
        && c.intervals.iter().enumerate().all(|(k, i)| {
            *i != c.base
                && !c.intervals[..k].contains(i)
                && i.millis().is_none_or(|m| {
                    m % b == 0 && (c.alignment == Alignment::Session || DAY % m == 0)
                })
        })
        && c.capacity_hint != Some(0)
        && c.retain_sessions != Some(0)
        && c.indicators.len() <= series
        && c.indicators.iter().all(|specs| {
            let names: Vec<String> = specs.iter().flat_map(|s| s.output_names()).collect();
            names
                .iter()
                .enumerate()
                .all(|(i, n)| !names[..i].contains(n))
        })
}

#[derive(Debug, Clone, Copy)]
pub enum Sym {
    /// Index into the known symbols (modulo their count).
    Known(u8),
    /// An id that may name nothing.
    Unknown(u32),
}

#[derive(Debug, Clone, Copy)]
pub enum TimeSpec {
    Next(u8),
    Fresh(u8),
    Dup,
    Back(u8),
    OffGrid(u32),
    BeforeOpen(u32),
    AfterClose(u32),
    AtClose,
    Frac(u8),
    Slot(u32),
    Weird(u8),
}

#[derive(Debug, Clone, Copy)]
pub enum PriceSpec {
    Normal,
    Flat,
    Negative,
    Huge(u8),
    Tiny,
    HighBelow,
    LowAbove,
    NegVolume(u8),
    NonFinite(u8, u8),
    HighBelowLow,
}

#[derive(Debug, Clone, Copy)]
pub struct BarSpec {
    time: TimeSpec,
    price: PriceSpec,
    seed: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct BeginSpec {
    kind: u8,
    gap: u32,
    len: u32,
    x: u32,
    shift: u8,
}

#[derive(Debug, Clone, Copy)]
pub struct AdvSpec {
    kind: u8,
    x: u32,
}

#[derive(Debug, Clone)]
pub enum Op {
    Intern(u8),
    Remove(u8),
    Begin(BeginSpec),
    End,
    Roll(BeginSpec),
    Append(Sym, BarSpec),
    Many {
        sym: Sym,
        throw: bool,
        bars: Vec<BarSpec>,
        skew: Option<(u8, i8)>,
    },
    Run {
        sym: Sym,
        throw: bool,
        n: u32,
        holes: u8,
        bad: Option<(u16, u8)>,
        seed: u32,
    },
    Advance(AdvSpec),
    Read(Sym, u8, u32),
    Quality(Sym),
    TakeGaps,
    Expect(u8),
}

fn sym(u: &mut Unstructured) -> Sym {
    let b = byte(u);
    if b < 240 {
        Sym::Known(b % 8)
    } else {
        Sym::Unknown(match b % 6 {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => 6,
            4 => 1000,
            _ => u32::MAX,
        })
    }
}

fn time_spec(u: &mut Unstructured) -> TimeSpec {
    let t = byte(u);
    let x = word(u);
    match t {
        0..=139 => TimeSpec::Next(if t < 110 { 0 } else { 1 + (t % 3) }),
        140..=179 => TimeSpec::Fresh(t % 3),
        180..=185 => TimeSpec::Dup,
        186..=191 => TimeSpec::Back(1 + t % 4),
        192..=197 => TimeSpec::OffGrid(x),
        198..=201 => TimeSpec::BeforeOpen(x),
        202..=205 => TimeSpec::AfterClose(x),
        206..=207 => TimeSpec::AtClose,
        208..=211 => TimeSpec::Frac(t % 4),
        212..=235 => TimeSpec::Slot(x),
        _ => TimeSpec::Weird(t % WEIRD_TIMES.len() as u8),
    }
}

fn price_spec(u: &mut Unstructured) -> PriceSpec {
    let p = byte(u);
    match p {
        0..=179 => PriceSpec::Normal,
        180..=187 => PriceSpec::Flat,
        188..=192 => PriceSpec::Negative,
        193..=201 => PriceSpec::Huge(p % 4),
        202..=204 => PriceSpec::Tiny,
        205..=212 => PriceSpec::HighBelow,
        213..=220 => PriceSpec::LowAbove,
        221..=228 => PriceSpec::NegVolume(p % 3),
        229..=249 => PriceSpec::NonFinite(p % 5, (p / 5) % 3),
        _ => PriceSpec::HighBelowLow,
    }
}

fn bar_spec(u: &mut Unstructured, clean: bool) -> BarSpec {
    if clean {
        let t = byte(u);
        BarSpec {
            time: if t < 220 {
                TimeSpec::Next(0)
            } else {
                TimeSpec::Fresh(t % 3)
            },
            price: PriceSpec::Normal,
            seed: word(u),
        }
    } else {
        BarSpec {
            time: time_spec(u),
            price: price_spec(u),
            seed: word(u),
        }
    }
}

fn begin_spec(u: &mut Unstructured, valid: bool) -> BeginSpec {
    let k = byte(u);
    let kind = if valid || k < 150 { 0 } else { 1 + k % 10 };
    BeginSpec {
        kind,
        gap: word(u),
        len: word(u),
        x: word(u),
        shift: byte(u),
    }
}

fn decode_op(u: &mut Unstructured) -> Op {
    let tag = byte(u);
    match tag {
        0..=5 => Op::Intern(byte(u)),
        6..=7 => Op::Remove(byte(u)),
        8..=15 => Op::Begin(begin_spec(u, false)),
        16..=19 => Op::End,
        20..=27 => Op::Roll(begin_spec(u, true)),
        28..=119 => {
            let s = sym(u);
            Op::Append(s, bar_spec(u, false))
        }
        120..=151 => {
            let s = sym(u);
            let flags = byte(u);
            let n = byte(u) % if tag < 140 { 31 } else { 41 };
            let bars = (0..n).map(|_| bar_spec(u, tag >= 140)).collect();
            let skew = (flags >> 4 == 0xF).then(|| {
                let d = (flags % 7) as i8 - 3;
                (flags % 6, if d == 0 { 1 } else { d })
            });
            Op::Many {
                sym: s,
                throw: flags & 1 != 0,
                bars,
                skew,
            }
        }
        152..=169 => {
            let s = sym(u);
            let flags = byte(u);
            let x = u32::from(half(u));
            let n = match flags >> 2 {
                0..=49 => 1 + x % 600,
                50..=59 => 4000 + x % 6000,
                60..=62 => 1 + x % 5000,
                _ => 65_536 + x % 8000,
            };
            let b = byte(u);
            let bad = (b >= 160).then(|| (half(u), b));
            Op::Run {
                sym: s,
                throw: flags & 1 != 0,
                n,
                holes: byte(u),
                bad,
                seed: word(u),
            }
        }
        170..=209 => {
            let k = byte(u);
            let kind = match k {
                0..=9 => k % 3,
                10..=29 => 3,
                30..=109 => 4,
                110..=139 => 5,
                140..=149 => 6,
                150..=159 => 7,
                160..=179 => 8,
                _ => 9,
            };
            Op::Advance(AdvSpec { kind, x: word(u) })
        }
        210..=229 => {
            let s = sym(u);
            Op::Read(s, byte(u), word(u))
        }
        230..=237 => Op::Quality(sym(u)),
        238..=241 => Op::TakeGaps,
        242..=245 => Op::Expect(byte(u)),
        _ => {
            let s = sym(u);
            Op::Append(s, bar_spec(u, true))
        }
    }
}

#[derive(Debug)]
pub struct Input {
    cfg: Cfg,
    ops: Vec<Op>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> AResult<Self> {
        let cfg = Cfg::decode(u);
        let mut ops = Vec::new();
        while !u.is_empty() && ops.len() < MAX_OPS {
            ops.push(decode_op(u));
        }
        Ok(Input { cfg, ops })
    }
}

// -------------------------------------------------------------------------------------------------
// Bars

struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn normal_bar(m: &mut Mix, time: f64) -> Bar {
    let o = 50.0 + m.below(10_000) as f64 * 0.01;
    let c = o + (m.below(201) as f64 - 100.0) * 0.01;
    let h = o.max(c) + m.below(3) as f64 * 0.01;
    let l = o.min(c) - m.below(3) as f64 * 0.01;
    let v = [0.0, 1.0, 100.0, 12_345.0, 0.5][m.below(5) as usize] * (1 + m.below(9)) as f64;
    Bar::new(time, o, h, l, c, v)
}

fn make_bar(price: PriceSpec, seed: u32, time: f64) -> Bar {
    let mut m = Mix(u64::from(seed));
    let mut b = normal_bar(&mut m, time);
    let d = (1 + m.below(100)) as f64 * 0.01;
    match price {
        PriceSpec::Normal => {}
        PriceSpec::Flat => {
            b.high = b.open;
            b.low = b.open;
            b.close = b.open;
            b.volume = -0.0;
        }
        PriceSpec::Negative => {
            b.open -= 1000.0;
            b.high -= 1000.0;
            b.low -= 1000.0;
            b.close -= 1000.0;
        }
        PriceSpec::Huge(k) => {
            let p = [1e19, 1e300, f64::MAX][k as usize % 3];
            b.open = p;
            b.close = p * 0.5;
            b.high = p;
            b.low = -p;
            b.volume = [1e19, MAX_VOLUME, 1e300, 0.0][k as usize % 4];
        }
        PriceSpec::Tiny => {
            let x = f64::from_bits(1);
            b.open = x;
            b.high = x + x;
            b.low = 0.0;
            b.close = x;
            b.volume = x;
        }
        PriceSpec::HighBelow => b.high = b.open.max(b.close) - d,
        PriceSpec::LowAbove => b.low = b.open.min(b.close) + d,
        PriceSpec::NegVolume(k) => b.volume = [-d, -f64::MIN_POSITIVE, -1e300][k as usize % 3],
        PriceSpec::NonFinite(f, k) => {
            let x = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY][k as usize % 3];
            match f % 5 {
                0 => b.open = x,
                1 => b.high = x,
                2 => b.low = x,
                3 => b.close = x,
                _ => b.volume = x,
            }
        }
        PriceSpec::HighBelowLow => {
            b.open = 1.5;
            b.close = 1.5;
            b.high = 1.0;
            b.low = 2.0;
        }
    }
    b
}

fn bits(b: &Bar) -> [u64; 6] {
    [b.time, b.open, b.high, b.low, b.close, b.volume].map(f64::to_bits)
}

fn same(x: f64, y: f64) -> bool {
    x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
}

// -------------------------------------------------------------------------------------------------
// The model

#[derive(Clone, Copy, Debug)]
struct Act {
    s: Session,
    /// The largest floored `advance_to` time (`i64::MIN` before any).
    clock: i64,
}

#[derive(Default, Debug)]
struct SerM {
    /// Bars dropped by retention: relative index 0 is absolute index `offset`.
    offset: usize,
    /// Absolute lengths at the retained session ends, oldest first.
    ends: VecDeque<usize>,
    /// Absolute index of the first bar not yet checked.
    checked: usize,
    prev_time: Option<f64>,
    prev_seq: u64,
    /// Absolute index of the first bar of the current (or last) session.
    sess_start: usize,
}

#[derive(Debug)]
struct SymM {
    name: String,
    id: SymbolId,
    last_time: Option<i64>,
    rej: [u64; RejectReason::COUNT],
    /// Rejections this session (the quality tally).
    sess_rej: [u64; RejectReason::COUNT],
    accepted: usize,
    /// Bars accepted in the open (or last) session.
    cur: usize,
    since: u64,
    series: Vec<SerM>,
}

/// What a failed call must leave as it was, for one symbol.
#[derive(Debug, PartialEq)]
struct Snap {
    lens: Vec<usize>,
    last: Vec<Option<[u64; 6]>>,
    forming: Vec<Option<[u64; 6]>>,
    gens: Vec<u32>,
    rej: [u64; RejectReason::COUNT],
}

struct Peeked {
    sym: usize,
    series: usize,
    abs: usize,
    forming: [u64; 6],
    values: Vec<f64>,
}

/// The buckets of one derived interval in one session, from the documented rules: starts at
/// `anchor + k * len`; under clock alignment with a clock change at `at` by `by`, starts from the
/// change on at `anchor - by + k * len` (the first at or after `at`), and the bucket holding the
/// change runs from the last start before it (the anchor at least) to that first start.
struct GridM {
    anchor: i64,
    len: i64,
    open: i64,
    close: i64,
    /// (at, first start at or after the change, last start before it)
    shift: Option<(i64, i64, i64)>,
}

impl GridM {
    fn new(iv: Interval, s: &Session, clock: bool) -> GridM {
        let anchor = if clock { s.day_start } else { s.open };
        let fixed = iv.millis();
        let len = fixed.unwrap_or(s.close - anchor);
        let shift = match (clock, s.clock_shift, fixed) {
            (true, Some(c), Some(_)) => {
                let from = anchor - c.by;
                let first_new = from + (c.at - from + len - 1).div_euclid(len) * len;
                let last_old = (anchor + (c.at - 1 - anchor).div_euclid(len) * len).max(anchor);
                Some((c.at, first_new, last_old))
            }
            _ => None,
        };
        GridM {
            anchor,
            len,
            open: s.open,
            close: s.close,
            shift,
        }
    }

    fn start_of(&self, t: i64) -> i64 {
        match self.shift {
            Some((at, first_new, last_old)) if t >= at => {
                if t < first_new {
                    last_old
                } else {
                    first_new + (t - first_new).div_euclid(self.len) * self.len
                }
            }
            _ => self.anchor + (t - self.anchor).div_euclid(self.len) * self.len,
        }
    }

    /// The start of the bucket after the one starting at `start`.
    fn next_start(&self, start: i64) -> i64 {
        match self.shift {
            Some((_, first_new, last_old)) if start == last_old => first_new,
            _ => start + self.len,
        }
    }

    fn end(&self, start: i64) -> i64 {
        self.next_start(start).min(self.close)
    }

    fn closed_through(&self, t: i64) -> i64 {
        if t >= self.close {
            return self.close;
        }
        let start = self.start_of(t);
        if start <= self.open {
            i64::MIN
        } else {
            start
        }
    }

    fn is_start(&self, t: i64) -> bool {
        self.start_of(t) == t && t < self.close && self.next_start(t) > self.open
    }
}

struct H {
    a: SessionStore,
    b: SessionStore,
    base: i64,
    intervals: Vec<Interval>,
    outputs: Vec<usize>,
    clock_align: bool,
    flat: bool,
    retain: Option<usize>,
    origin: i64,
    active: Option<Act>,
    /// The last session begun (kept after it ends).
    last_session: Option<Session>,
    last_close: Option<i64>,
    seq: u64,
    syms: Vec<SymM>,
    peek_buf: Vec<f64>,
}

fn run(input: &Input) {
    let cfg = input.cfg.build();
    let valid = config_is_valid(&cfg);
    let (a, b) = match (
        SessionStore::new(cfg.clone()),
        SessionStore::new(cfg.clone()),
    ) {
        (Ok(a), Ok(b)) if valid => (a, b),
        (Err(Error::Config { .. }), _) if !valid => return,
        (got, _) => panic!(
            "config {cfg:?}: expected valid = {valid}, got {:?}",
            got.err()
        ),
    };
    trace!("config {cfg:?}");
    let outputs = (0..a.series_count())
        .map(|s| cfg.output_names(s).len())
        .collect();
    let mut h = H {
        a,
        b,
        base: cfg.base.millis().unwrap(),
        intervals: cfg.intervals.clone(),
        outputs,
        clock_align: cfg.alignment == Alignment::Clock,
        flat: cfg.empty_buckets == EmptyBuckets::Flat,
        retain: cfg.retain_sessions,
        origin: ORIGINS[input.cfg.origin as usize],
        active: None,
        last_session: None,
        last_close: None,
        seq: 0,
        syms: Vec::new(),
        peek_buf: Vec::new(),
    };
    h.step(&Op::Intern(0));
    for op in &input.ops {
        match op {
            Op::Roll(spec) => {
                h.step(&Op::End);
                h.step(&Op::Begin(*spec));
            }
            op => h.step(op),
        }
    }
    if h.active.is_some() {
        h.step(&Op::End);
    }
    h.full_compare("the end");
}

impl H {
    fn nseries(&self) -> usize {
        1 + self.intervals.len()
    }

    fn sym_index(&self, id: SymbolId) -> Option<usize> {
        self.syms.iter().position(|s| s.id == id)
    }

    fn resolve_sym(&self, s: Sym) -> SymbolId {
        match s {
            Sym::Known(k) if !self.syms.is_empty() => self.syms[k as usize % self.syms.len()].id,
            Sym::Known(_) => 0,
            Sym::Unknown(x) => x,
        }
    }

    fn window(&self) -> (i64, i64) {
        match &self.active {
            Some(a) => (a.s.open, a.s.close),
            None => {
                let o = self.last_close.unwrap_or(self.origin);
                (o, o.saturating_add(DAY))
            }
        }
    }

    fn next_slot(&self, last: Option<i64>) -> i64 {
        let (open, _) = self.window();
        match last {
            Some(l) if l >= open => l.saturating_add(self.base),
            _ => open,
        }
    }

    /// Anchor and length of `iv`'s buckets in session `s` (no clock change).
    fn grid(&self, iv: Interval, s: &Session) -> (i64, i64) {
        let anchor = if self.clock_align {
            s.day_start
        } else {
            s.open
        };
        (anchor, iv.millis().unwrap_or(s.close - anchor))
    }

    fn gridm(&self, iv: Interval, s: &Session) -> GridM {
        GridM::new(iv, s, self.clock_align)
    }

    /// The time before which a bar is late, from the model's clock and grids.
    fn late_before(&self) -> Option<i64> {
        let a = self.active?;
        if a.clock == i64::MIN {
            return None;
        }
        self.intervals
            .iter()
            .map(|&i| self.gridm(i, &a.s).closed_through(a.clock))
            .max()
            .filter(|&t| t != i64::MIN)
    }

    fn fresh_slot(&self, last: Option<i64>) -> i64 {
        let next = self.next_slot(last);
        let Some(a) = &self.active else {
            return next;
        };
        let from = next.max(self.late_before().unwrap_or(i64::MIN));
        let (open, b) = (a.s.open, self.base);
        if from <= open {
            open
        } else {
            open.saturating_add((from - open).saturating_add(b - 1) / b * b)
        }
    }

    fn resolve_time(&self, spec: TimeSpec, last: Option<i64>) -> f64 {
        let (open, close) = self.window();
        let b = self.base;
        let next = self.next_slot(last);
        let here = last.filter(|l| *l >= open).unwrap_or(open);
        let t = match spec {
            TimeSpec::Next(k) => next + i64::from(k) * b,
            TimeSpec::Fresh(k) => self.fresh_slot(last) + i64::from(k) * b,
            TimeSpec::Dup => here,
            TimeSpec::Back(k) => here - i64::from(k) * b,
            TimeSpec::OffGrid(x) => next + 1 + i64::from(x) % (b - 1),
            TimeSpec::BeforeOpen(x) => open - 1 - i64::from(x) % (10 * DAY),
            TimeSpec::AfterClose(x) => close + i64::from(x) % DAY,
            TimeSpec::AtClose => close,
            TimeSpec::Frac(k) => return next as f64 + [0.5, 0.25, 0.001, 0.999][k as usize % 4],
            TimeSpec::Slot(x) => {
                let slots = ((close - open + b - 1) / b).max(1);
                open + i64::from(x) % slots * b
            }
            TimeSpec::Weird(k) => return WEIRD_TIMES[k as usize % WEIRD_TIMES.len()],
        };
        t as f64
    }

    /// The validation oracle: the first failing rule in the documented order.
    fn predict(&self, bar: &Bar, last: Option<i64>) -> Result<i64, RejectReason> {
        let Some(a) = &self.active else {
            return Err(RejectReason::NoSession);
        };
        let s = &a.s;
        let fields = [bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume];
        if fields.iter().any(|x| !x.is_finite()) || bar.time.fract() != 0.0 {
            return Err(RejectReason::NonFinite);
        }
        if bar.time < s.open as f64 || bar.time >= s.close as f64 {
            return Err(RejectReason::OutsideSession);
        }
        let t = bar.time as i64;
        if (t - s.open) % self.base != 0 {
            return Err(RejectReason::OffGrid);
        }
        match last {
            Some(l) if t == l => return Err(RejectReason::Duplicate),
            Some(l) if t < l => return Err(RejectReason::OutOfOrder),
            _ => {}
        }
        if self.late_before().is_some_and(|lb| t < lb) {
            return Err(RejectReason::Late);
        }
        if bar.high < bar.open || bar.high < bar.close {
            return Err(RejectReason::HighBelowOpenClose);
        }
        if bar.low > bar.open || bar.low > bar.close {
            return Err(RejectReason::LowAboveOpenClose);
        }
        if bar.volume < 0.0 {
            return Err(RejectReason::NegativeVolume);
        }
        if bar.volume > MAX_VOLUME {
            return Err(RejectReason::VolumeTooLarge);
        }
        Ok(t)
    }

    fn resolve_session(&self, spec: BeginSpec) -> Session {
        let b = self.base;
        let prev = self.last_close.unwrap_or(self.origin);
        let x = i64::from(spec.x);
        let g = i64::from(spec.gap >> 3);
        let gap = match spec.gap % 8 {
            0 | 1 => 0,
            2 | 3 => g % 50 * b,
            4 | 5 => g % (3 * DAY),
            6 => g % 60_000,
            _ => g % 30 * DAY,
        };
        let open0 = prev + gap;
        let day = midnight(open0);
        let open = if self.clock_align {
            day + (open0 - day + b - 1) / b * b
        } else {
            open0
        };
        let l = i64::from(spec.len >> 4);
        let slots = match spec.len % 16 {
            0..=9 => 1 + l % 600,
            10..=12 => 1 + l % 120,
            13 => 1 + l % 6000,
            14 => 1 + l % 4,
            _ => 1 + l % 100_000,
        };
        let trim = if spec.len & 0x8000_0000 != 0 {
            x % b
        } else {
            0
        };
        let close = open + slots * b - trim;
        let lit = |open: i64, close: i64, day_start: i64| Session {
            open,
            close,
            day_start,
            clock_shift: None,
        };
        let mut s = match spec.kind {
            // Overlapping the previous session.
            1 => {
                let o = prev - 1 - x % DAY;
                let o = if self.clock_align {
                    let d = midnight(o);
                    d + (o - d) / b * b
                } else {
                    o
                };
                lit(o, o + slots * b, midnight(o))
            }
            2 => lit(open, open - x % 3 * b, day),
            3 => lit(open, close, open + 1 + x % DAY),
            // Off the base grid from midnight: refused under clock alignment only.
            4 => lit(open + 1 + x % (b - 1), close + b, day),
            5 => match x % 4 {
                0 => lit(MAX_TIME, MAX_TIME + 60_000, MAX_TIME - 1),
                1 => lit(open, MAX_TIME + x, day),
                2 => lit(open, close, -MAX_TIME - x),
                _ => lit(i64::MIN + x, close, i64::MIN),
            },
            // Centuries long: only with skipped empty buckets and a small capacity hint.
            6 if !self.flat && self.a.config().capacity_hint.is_some_and(|h| h <= 100) => {
                lit(open, open + 10_000_000_000_000 + x * 200_000, day)
            }
            6 => lit(open, open + DAY, day),
            7 => match x % 3 {
                0 => lit(
                    8_999_999_999_940_000,
                    8_999_999_999_999_999,
                    8_999_999_999_900_000,
                ),
                1 => lit(open, 8_999_999_999_999_999, day),
                _ => lit(open, close, -8_999_999_999_999_999),
            },
            8 => lit(open, open + 1, day),
            _ => lit(open, close, day),
        };
        // A clock change on the session's day.
        // Hostile sessions may hold any times: wrapping arithmetic here.
        let span = s.close.wrapping_sub(s.open).max(1);
        let sh = spec.shift;
        let inside = s
            .open
            .wrapping_add((x.wrapping_mul(7919)).rem_euclid(span) / b * b);
        let half = s.open.wrapping_sub(s.day_start) / 2;
        s.clock_shift = match sh % 32 {
            0..=19 => None,
            20 => Some((inside, HOUR)),
            21 => Some((inside, -HOUR)),
            22 => Some((inside, 1_234)),
            23 => Some((s.day_start, HOUR)),
            24 => Some((s.day_start.wrapping_add(half), -HOUR)),
            25 => Some((s.close.wrapping_add(x % DAY), HOUR)),
            26 => Some((inside, 0)),
            27 => Some((inside, DAY * if sh & 32 != 0 { 1 } else { -1 })),
            28 => Some((s.day_start.wrapping_sub(1 + x % DAY), HOUR)),
            29 => Some((inside, 30 * 60_000 * if sh & 32 != 0 { 1 } else { -1 })),
            30 => Some((inside.wrapping_add(1 + x % (b - 1)), 2 * HOUR)),
            _ => Some((s.open, -2 * b)),
        }
        .map(|(at, by)| ClockShift { at, by });
        s
    }

    /// The documented rules of `begin_session`: `Ok` or the error code.
    fn predict_begin(&self, s: &Session) -> Result<(), &'static str> {
        let shift_at = s.clock_shift.map_or(0, |c| c.at);
        if [s.open, s.close, s.day_start, shift_at]
            .iter()
            .any(|t| t.unsigned_abs() >= MAX_TIME as u64)
        {
            return Err("invalid_session");
        }
        if let Some(c) = s.clock_shift {
            if c.by == 0 || c.by.abs() >= DAY || c.at < s.day_start {
                return Err("invalid_session");
            }
        }
        if s.close <= s.open || s.day_start > s.open {
            return Err("invalid_session");
        }
        if self.active.is_some() {
            return Err("session_open");
        }
        if self.last_close.is_some_and(|p| s.open < p) {
            return Err("session_order");
        }
        if self.clock_align {
            let wall = match s.clock_shift {
                Some(c) if s.open >= c.at => s.open - s.day_start + c.by,
                _ => s.open - s.day_start,
            };
            if wall % self.base != 0 {
                return Err("invalid_session");
            }
            if let Some(c) = s.clock_shift {
                if c.by % self.base != 0 && c.at > s.open && c.at < s.close {
                    return Err("invalid_session");
                }
            }
        }
        Ok(())
    }

    fn resolve_advance(&self, spec: AdvSpec, last_bar: Option<i64>) -> f64 {
        let (open, close) = self.window();
        let x = i64::from(spec.x);
        let b = self.base;
        let last_bar = last_bar.filter(|t| *t >= open).unwrap_or(open);
        match spec.kind {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => {
                let c = self
                    .active
                    .map(|a| a.clock)
                    .filter(|c| *c >= open && *c < close.saturating_add(DAY))
                    .unwrap_or(open);
                (c - 1 - x % DAY) as f64
            }
            4 => (last_bar + x % 5 * b) as f64 + [0.0, 0.0, 0.5, 0.999][(x >> 8) as usize % 4],
            5 => (open + x % (close - open).max(1)) as f64,
            6 => close as f64,
            7 => [
                close.saturating_add(DAY) as f64,
                1e15,
                8.9e15,
                1e300,
                f64::MAX,
            ][(x % 5) as usize],
            8 => [
                -1e15,
                -9.2e18,
                -1e19,
                f64::MIN,
                i64::MIN as f64,
                -9.223372036854775e18,
                (i64::MIN + 1024) as f64,
            ][(x % 7) as usize],
            _ => {
                if self.intervals.is_empty() {
                    return close as f64;
                }
                let s = match &self.active {
                    Some(a) => a.s,
                    None => Session {
                        open,
                        close,
                        day_start: midnight(open),
                        clock_shift: None,
                    },
                };
                let i = self.intervals[(x as usize) % self.intervals.len()];
                let (anchor, len) = self.grid(i, &s);
                let k = (last_bar - anchor).div_euclid(len) + 1 + (x >> 8) % 3;
                (anchor.saturating_add(k.saturating_mul(len))).min(close) as f64
                    - [0.0, 1.0][(x >> 12) as usize % 2]
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Observations

    fn snap(st: &SessionStore, id: SymbolId, n: usize) -> Option<Snap> {
        if !st.knows(id) {
            return None;
        }
        let mut s = Snap {
            lens: Vec::new(),
            last: Vec::new(),
            forming: Vec::new(),
            gens: Vec::new(),
            rej: *st.rejections(id).unwrap(),
        };
        for k in 0..n {
            let c = st.series(id, k).unwrap();
            s.lens.push(c.len());
            s.last.push(c.last().map(|b| bits(&b)));
            s.gens.push(c.generation());
            s.forming.push(st.forming(id, k).unwrap().map(|b| bits(&b)));
        }
        Some(s)
    }

    /// Absolute lengths of every known symbol's series in `a`.
    fn abs_lens(&self) -> Vec<Vec<usize>> {
        self.syms
            .iter()
            .map(|s| {
                s.series
                    .iter()
                    .enumerate()
                    .map(|(k, m)| m.offset + self.a.series(s.id, k).unwrap().len())
                    .collect()
            })
            .collect()
    }

    fn take_peeks(&mut self) -> Vec<Peeked> {
        let mut out = Vec::new();
        for (si, s) in self.syms.iter().enumerate() {
            for k in 1..self.nseries() {
                let n = self.outputs[k];
                if n == 0 {
                    continue;
                }
                let Some(f) = self.a.forming(s.id, k).unwrap() else {
                    continue;
                };
                self.peek_buf.clear();
                self.peek_buf.resize(n, 0.0);
                assert!(self.a.peek(s.id, k, &mut self.peek_buf).unwrap());
                out.push(Peeked {
                    sym: si,
                    series: k,
                    abs: s.series[k].offset + self.a.series(s.id, k).unwrap().len(),
                    forming: bits(&f),
                    values: self.peek_buf.clone(),
                });
            }
        }
        out
    }

    // ---------------------------------------------------------------------------------------------
    // Steps

    fn step(&mut self, op: &Op) {
        trace!("op {op:?}");
        let before = self.abs_lens();
        let peeks = self.take_peeks();
        let pending_before = self.a.pending_gaps();
        // Which series each call says closed bars, per symbol index; `None`: not applicable.
        let closed = self.exec(op);
        let after = self.abs_lens();
        if let Some(masks) = closed {
            for (si, s) in self.syms.iter().enumerate() {
                let old = before.get(si).filter(|_| {
                    // A symbol interned by this step has no "before".
                    !matches!(op, Op::Intern(_))
                });
                for k in 0..self.nseries() {
                    let grew = after[si][k] > old.map_or(0, |o| o[k]);
                    let said = masks.get(si).copied().unwrap_or(0) & (1 << k) != 0;
                    assert_eq!(
                        grew, said,
                        "{op:?}: symbol {} series {k}: grew {grew}, mask says {said} ({:?})",
                        s.id, masks
                    );
                }
            }
        } else if !matches!(op, Op::Intern(_) | Op::Remove(_)) {
            // The step must not have grown anything.
            for (si, _) in self.syms.iter().enumerate() {
                if let Some(o) = before.get(si) {
                    assert_eq!(&after[si], o, "{op:?}: a series changed");
                }
            }
            if !matches!(op, Op::TakeGaps) {
                assert_eq!(
                    self.a.pending_gaps(),
                    pending_before,
                    "{op:?}: gaps changed"
                );
            }
        }
        self.check_peeks(&peeks);
        self.check_all(op);
    }

    /// Runs `op` on both stores; returns the closed masks by symbol index when the call closes
    /// bars (`Some` of an empty list when it closed none), `None` when it cannot close any.
    fn exec(&mut self, op: &Op) -> Option<Vec<u32>> {
        match op {
            Op::Intern(k) => {
                self.intern(NAMES[*k as usize % NAMES.len()]);
                None
            }
            Op::Remove(k) => {
                self.remove(NAMES[*k as usize % NAMES.len()]);
                None
            }
            Op::Begin(spec) => {
                self.begin(*spec);
                None
            }
            Op::Roll(_) => unreachable!(),
            Op::End => self.end(),
            Op::Append(sym, spec) => self.append(*sym, *spec),
            Op::Many {
                sym,
                throw,
                bars,
                skew,
            } => {
                let id = self.resolve_sym(*sym);
                let si = self.sym_index(id);
                let mut last = si.and_then(|i| self.syms[i].last_time);
                let mut out = Vec::with_capacity(bars.len());
                for spec in bars {
                    let b = make_bar(spec.price, spec.seed, self.resolve_time(spec.time, last));
                    if let Ok(t) = self.predict(&b, last) {
                        last = Some(t);
                    }
                    out.push(b);
                }
                self.many(id, *throw, &out, *skew)
            }
            Op::Run {
                sym,
                throw,
                n,
                holes,
                bad,
                seed,
            } => {
                let id = self.resolve_sym(*sym);
                let si = self.sym_index(id);
                let last = si.and_then(|i| self.syms[i].last_time);
                let (_, close) = self.window();
                let mut t = self.fresh_slot(last);
                let mut m = Mix(u64::from(*seed));
                let mut bars = Vec::new();
                // With no session every bar is refused (and each rejection formats a message).
                let cap = if self.active.is_some() {
                    *n as usize
                } else {
                    (*n as usize).min(64)
                };
                while bars.len() < cap && t < close {
                    if holes & 1 == 1 && m.below(8) == 0 {
                        t += self.base * (1 + m.below(3) as i64);
                        continue;
                    }
                    bars.push(normal_bar(&mut m, t as f64));
                    t += self.base;
                }
                if let (Some((pos, kind)), false) = (bad, bars.is_empty()) {
                    let p = *pos as usize % bars.len();
                    let prev = if p > 0 {
                        bars[p - 1].time
                    } else {
                        bars[p].time - 1.0
                    };
                    let b = &mut bars[p];
                    match kind % 4 {
                        0 => b.high = b.open.max(b.close) - 0.5,
                        1 => b.open = f64::NAN,
                        2 => b.time += 1.0,
                        _ => b.time = prev,
                    }
                }
                self.many(id, *throw, &bars, None)
            }
            Op::Advance(spec) => self.advance(*spec),
            Op::Read(sym, k, seed) => {
                self.read(*sym, *k, *seed);
                None
            }
            Op::Quality(sym) => {
                let id = self.resolve_sym(*sym);
                self.quality(id);
                None
            }
            Op::TakeGaps => {
                let (ga, gb) = (self.a.take_gaps(), self.b.take_gaps());
                assert_eq!(ga, gb, "take_gaps differs between batch and single appends");
                for g in &ga {
                    assert!(g.from < g.to, "empty gap {g:?}");
                }
                None
            }
            Op::Expect(n) => {
                let n = (*n % 6) as usize;
                self.a.expect_sessions(n);
                self.b.expect_sessions(n);
                None
            }
        }
    }

    fn intern(&mut self, name: &str) {
        let count = self.a.symbol_count();
        let known: Vec<SymbolId> = self.syms.iter().map(|s| s.id).collect();
        let id = self.a.intern(name);
        assert_eq!(self.b.intern(name), id, "intern {name:?}: stores differ");
        trace!("  intern {name:?} -> {id}");
        if let Some(s) = self.syms.iter().find(|s| s.name == name) {
            assert_eq!(s.id, id, "intern {name:?} gave a new id for a known name");
            return;
        }
        assert!(
            !known.contains(&id),
            "intern {name:?}: id {id} is another symbol's"
        );
        assert!(
            id as usize <= count,
            "intern {name:?}: id {id} past {count}"
        );
        assert!(self.a.knows(id));
        assert_eq!(self.a.symbol_id(name), Some(id));
        // A fresh symbol, even on a reused id.
        let n = self.nseries();
        let snap = Self::snap(&self.a, id, n).unwrap();
        assert!(
            snap.lens.iter().all(|&l| l == 0),
            "new symbol {name:?} has bars: {snap:?}"
        );
        assert!(
            snap.forming.iter().all(Option::is_none),
            "new symbol {name:?} forming: {snap:?}"
        );
        assert_eq!(
            snap.rej,
            [0; RejectReason::COUNT],
            "new symbol {name:?} has rejections"
        );
        self.syms.push(SymM {
            name: name.to_owned(),
            id,
            last_time: None,
            rej: [0; RejectReason::COUNT],
            sess_rej: [0; RejectReason::COUNT],
            accepted: 0,
            cur: 0,
            since: self.seq + u64::from(self.active.is_none()),
            series: (0..n).map(|_| SerM::default()).collect(),
        });
    }

    fn remove(&mut self, name: &str) {
        let (ra, rb) = (self.a.remove_symbol(name), self.b.remove_symbol(name));
        trace!("  remove {name:?} -> {ra:?}");
        assert_eq!(ra, rb, "remove {name:?}: stores differ");
        let pos = self.syms.iter().position(|s| s.name == name);
        match (&ra, self.active.is_some(), pos) {
            (
                Err(Error::Session {
                    code: "session_open",
                    ..
                }),
                true,
                _,
            ) => {}
            (Ok(false), false, None) => {}
            (Ok(true), false, Some(i)) => {
                let s = self.syms.remove(i);
                assert!(!self.a.knows(s.id));
                assert_eq!(self.a.symbol_id(name), None);
                assert!(matches!(
                    self.a.series(s.id, 0),
                    Err(Error::NotFound { .. })
                ));
            }
            (got, open, pos) => panic!("remove {name:?}: open {open}, known {pos:?}: got {got:?}"),
        }
    }

    fn begin(&mut self, spec: BeginSpec) {
        let s = self.resolve_session(spec);
        let expect = self.predict_begin(&s);
        let (ra, rb) = (self.a.begin_session(s), self.b.begin_session(s));
        trace!("  begin {s:?} -> {ra:?} (expected {expect:?})");
        assert_eq!(ra, rb, "begin: stores differ");
        match (&ra, expect) {
            (Ok(()), Ok(())) => {}
            (Err(Error::Session { code, .. }), Err(e)) if *code == e => return,
            (got, exp) => panic!("begin {s:?}: expected {exp:?}, got {got:?}"),
        }
        self.active = Some(Act { s, clock: i64::MIN });
        self.last_session = Some(s);
        self.seq += 1;
        for sym in &mut self.syms {
            sym.sess_rej = [0; RejectReason::COUNT];
            sym.cur = 0;
            for (k, m) in sym.series.iter_mut().enumerate() {
                m.sess_start = m.offset + self.a.series(sym.id, k).unwrap().len();
            }
        }
    }

    fn end(&mut self) -> Option<Vec<u32>> {
        let (ra, rb) = (self.a.end_session(), self.b.end_session());
        trace!("  end -> {ra:?}");
        assert_eq!(ra, rb, "end: stores differ");
        let pairs = match (ra, self.active) {
            (
                Err(Error::Session {
                    code: "no_session", ..
                }),
                None,
            ) => return None,
            (Ok(p), Some(_)) => p,
            (got, act) => panic!("end with session {act:?}: got {got:?}"),
        };
        let act = self.active.take().unwrap();
        self.last_close = Some(act.s.close);
        let masks = self.masks(&pairs);
        // Quality before the model forgets the session's counts.
        for i in 0..self.syms.len() {
            let id = self.syms[i].id;
            self.quality(id);
        }
        // Retention, modelled: lengths at each session end, the oldest dropped past `retain`.
        let retain = self.retain;
        for s in &mut self.syms {
            for (k, m) in s.series.iter_mut().enumerate() {
                let len = self.a.series(s.id, k).unwrap().len();
                if let Some(keep) = retain {
                    if m.ends.len() >= keep {
                        m.offset = m.ends.pop_front().unwrap();
                    }
                    let abs = if k == 0 { s.accepted } else { m.offset + len };
                    m.ends.push_back(abs);
                }
                if k == 0 {
                    assert_eq!(
                        m.offset + len,
                        s.accepted,
                        "symbol {}: base series holds {len} bars after {} dropped, accepted {}",
                        s.id,
                        m.offset,
                        s.accepted
                    );
                }
            }
        }
        // Every forming bar closed.
        for s in &self.syms {
            for k in 1..self.nseries() {
                assert_eq!(
                    self.a.forming(s.id, k).unwrap(),
                    None,
                    "symbol {} series {k}: a bar forms after end_session",
                    s.id
                );
            }
        }
        self.new_bars(&"end_session");
        self.naive_check(&act.s);
        self.full_compare("end_session");
        Some(masks)
    }

    fn masks(&self, pairs: &[(SymbolId, u32)]) -> Vec<u32> {
        let mut masks = vec![0u32; self.syms.len()];
        for (i, &(id, m)) in pairs.iter().enumerate() {
            assert!(
                pairs[..i].iter().all(|p| p.0 != id),
                "symbol {id} listed twice: {pairs:?}"
            );
            let si = self
                .sym_index(id)
                .unwrap_or_else(|| panic!("closed pair for unknown symbol {id}: {pairs:?}"));
            assert!(m != 0, "empty mask for symbol {id}");
            masks[si] = m;
        }
        masks
    }

    fn count_rejection(&mut self, si: usize, r: RejectReason) {
        let open = self.active.is_some();
        let s = &mut self.syms[si];
        s.rej[r as usize] += 1;
        if open {
            s.sess_rej[r as usize] += 1;
        }
    }

    fn accept(&mut self, si: usize, t: i64) {
        let s = &mut self.syms[si];
        s.last_time = Some(t);
        s.accepted += 1;
        s.cur += 1;
    }

    fn append(&mut self, sym: Sym, spec: BarSpec) -> Option<Vec<u32>> {
        let id = self.resolve_sym(sym);
        let si = self.sym_index(id);
        let last = si.and_then(|i| self.syms[i].last_time);
        let bar = make_bar(spec.price, spec.seed, self.resolve_time(spec.time, last));
        let n = self.nseries();
        let snap = Self::snap(&self.a, id, n);
        let expect = si.map(|_| self.predict(&bar, last));
        let checked = self.a.check(Some(id), &bar);
        let (ra, rb) = (self.a.append(id, &bar), self.b.append(id, &bar));
        trace!("  append {id} {bar:?} -> {ra:?} (expected {expect:?})");
        let mut masks = vec![0; self.syms.len()];
        match (&ra, expect) {
            (Ok(mask), Some(Ok(t))) => {
                assert_eq!(checked, Ok(None), "check disagrees with append of {bar:?}");
                assert_eq!(
                    rb.as_ref().ok(),
                    Some(mask),
                    "append {bar:?}: b gave {rb:?}"
                );
                let si = si.unwrap();
                self.accept(si, t);
                masks[si] = *mask;
                let last = self.a.series(id, 0).unwrap().last().unwrap();
                assert_eq!(
                    bits(&last),
                    bits(&bar),
                    "base series' last bar is not the bar appended"
                );
            }
            (Err(Error::Rejected(r)), Some(Err(reason))) if r.reason == reason => {
                assert_eq!(r.index, None);
                assert_eq!(
                    checked,
                    Ok(Some(reason)),
                    "check disagrees with append of {bar:?}"
                );
                assert!(
                    matches!(&rb, Err(Error::Rejected(rb)) if rb.reason == reason),
                    "append {bar:?}: b gave {rb:?}"
                );
                let si = si.unwrap();
                self.count_rejection(si, reason);
                let mut want = snap.unwrap();
                want.rej[reason as usize] += 1;
                assert_eq!(
                    Self::snap(&self.a, id, n).unwrap(),
                    want,
                    "rejected append ({reason}) of {bar:?} changed the symbol"
                );
            }
            (Err(Error::NotFound { .. }), None) => {
                assert!(
                    matches!(checked, Err(Error::NotFound { .. })),
                    "check: {checked:?}"
                );
                assert!(matches!(rb, Err(Error::NotFound { .. })));
            }
            (got, exp) => panic!("append {id} {bar:?}: expected {exp:?}, got {got:?}"),
        }
        Some(masks)
    }

    fn many(
        &mut self,
        id: SymbolId,
        throw: bool,
        bars: &[Bar],
        skew: Option<(u8, i8)>,
    ) -> Option<Vec<u32>> {
        let si = self.sym_index(id);
        let n = self.nseries();
        let mut cols: [Vec<f64>; 6] = Default::default();
        for b in bars {
            for (c, v) in cols
                .iter_mut()
                .zip([b.time, b.open, b.high, b.low, b.close, b.volume])
            {
                c.push(v);
            }
        }
        let mut skewed = false;
        if let Some((c, d)) = skew {
            let col = &mut cols[c as usize % 6];
            if d > 0 {
                col.extend(std::iter::repeat_n(1.0, d as usize));
                skewed = true;
            } else if !col.is_empty() {
                let keep = col.len().saturating_sub((-d) as usize);
                col.truncate(keep);
                skewed = true;
            }
        }
        let slices = [
            &cols[0][..],
            &cols[1][..],
            &cols[2][..],
            &cols[3][..],
            &cols[4][..],
            &cols[5][..],
        ];
        // The oracle: each bar in turn, as single appends would judge it.
        let mut last = si.and_then(|i| self.syms[i].last_time);
        let mut verdicts = Vec::with_capacity(bars.len());
        for b in bars {
            let v = self.predict(b, last);
            if let Ok(t) = v {
                last = Some(t);
            }
            verdicts.push(v);
        }
        let snap = Self::snap(&self.a, id, n);
        let mode = if throw {
            InvalidBars::Throw
        } else {
            InvalidBars::Skip
        };
        let ra = self.a.append_many(id, slices, mode);
        trace!(
            "  append_many {id} {mode:?} {} bars (first {:?}) -> {}",
            bars.len(),
            bars.first(),
            match &ra {
                Ok(o) => format!(
                    "Ok(appended {}, rejected {:?}, closed {:b})",
                    o.appended,
                    o.rejected
                        .iter()
                        .map(|r| (r.index, r.reason))
                        .collect::<Vec<_>>(),
                    o.closed
                ),
                Err(e) => format!("Err({e:?})"),
            }
        );
        let unchanged = |h: &H, want: Option<Snap>, what: &str| {
            let mut got = Self::snap(&h.a, id, n);
            let mut want = want;
            // A batch undone after storing chunks may keep its larger block (documented).
            if let (Some(g), Some(w)) = (&mut got, &mut want) {
                g.gens.clear();
                w.gens.clear();
            }
            assert_eq!(got, want, "{what}: the symbol changed");
        };
        if skewed {
            assert!(
                matches!(ra, Err(Error::Input { .. })),
                "skewed columns: {ra:?}"
            );
            unchanged(self, snap, "skewed batch");
            return None;
        }
        let Some(si) = si else {
            assert!(
                matches!(ra, Err(Error::NotFound { .. })),
                "unknown id {id}: {ra:?}"
            );
            for b in bars {
                assert!(matches!(self.b.append(id, b), Err(Error::NotFound { .. })));
            }
            return None;
        };
        let first_bad = verdicts.iter().position(Result::is_err);
        let mut masks = vec![0; self.syms.len()];
        match (ra, throw, first_bad) {
            (Err(Error::Rejected(r)), true, Some(i)) => {
                let reason = verdicts[i].unwrap_err();
                assert_eq!(
                    (r.index, r.reason),
                    (Some(i), reason),
                    "Throw batch: wrong first rejection"
                );
                self.count_rejection(si, reason);
                let mut want = snap;
                if let Some(w) = &mut want {
                    w.rej[reason as usize] += 1;
                }
                unchanged(self, want, "rejected Throw batch");
                None
            }
            (Ok(o), _, _) if !throw || first_bad.is_none() => {
                let refused: Vec<(Option<usize>, RejectReason)> = verdicts
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.err().map(|r| (Some(i), r)))
                    .collect();
                let got: Vec<(Option<usize>, RejectReason)> =
                    o.rejected.iter().map(|r| (r.index, r.reason)).collect();
                assert_eq!(got, refused, "batch rejections differ from the oracle");
                assert_eq!(o.appended, bars.len() - refused.len());
                let mut bmask = 0;
                for (b, v) in bars.iter().zip(&verdicts) {
                    let rb = self.b.append(id, b);
                    match (v, &rb) {
                        (Ok(_), Ok(m)) => bmask |= m,
                        (Err(r), Err(Error::Rejected(x))) if x.reason == *r => {}
                        _ => panic!("single append of batch bar {b:?}: oracle {v:?}, got {rb:?}"),
                    }
                }
                assert_eq!(o.closed, bmask, "batch closed mask differs from single appends'");
                for v in &verdicts {
                    match v {
                        Ok(t) => self.accept(si, *t),
                        Err(r) => self.count_rejection(si, *r),
                    }
                }
                if let Some(b) = bars.iter().zip(&verdicts).rev().find(|(_, v)| v.is_ok()) {
                    let last = self.a.series(id, 0).unwrap().last().unwrap();
                    assert_eq!(bits(&last), bits(b.0), "base series' last bar is not the batch's last good bar");
                }
                masks[si] = o.closed;
                Some(masks)
            }
            (got, _, _) => panic!(
                "append_many {mode:?} of {} bars: oracle's first bad {first_bad:?} ({:?}), got {got:?}",
                bars.len(),
                first_bad.map(|i| verdicts[i])
            ),
        }
    }

    fn advance(&mut self, spec: AdvSpec) -> Option<Vec<u32>> {
        let last = self.syms.first().and_then(|s| s.last_time);
        let t = self.resolve_advance(spec, last);
        let late = self.a.late_before();
        let ra = self.a.advance_to(t).map(<[_]>::to_vec);
        let rb = self.b.advance_to(t).map(<[_]>::to_vec);
        trace!("  advance_to {t:?} -> {ra:?}");
        assert_eq!(ra, rb, "advance_to: stores differ");
        match (ra, t.is_finite(), &mut self.active) {
            (Err(Error::Input { .. }), false, _) => {
                assert_eq!(self.a.late_before(), late);
                None
            }
            (
                Err(Error::Session {
                    code: "no_session", ..
                }),
                true,
                None,
            ) => None,
            (Ok(pairs), true, Some(act)) => {
                let c = (t.floor() as i64).max(act.s.open);
                act.clock = act.clock.max(c);
                assert_eq!(
                    self.a.late_before(),
                    self.late_before(),
                    "late_before after advance_to({t}) (clock {})",
                    c
                );
                Some(self.masks(&pairs))
            }
            (got, fin, act) => panic!("advance_to({t}) finite {fin} session {act:?}: got {got:?}"),
        }
    }

    fn read(&mut self, sym: Sym, k: u8, seed: u32) {
        let id = self.resolve_sym(sym);
        let n = self.nseries();
        let s = k as usize % (n + 2);
        let known = self.sym_index(id).is_some();
        let snap = Self::snap(&self.a, id, n);
        match (self.a.series(id, s), known && s < n) {
            (Ok(c), true) => {
                assert_eq!(c.outputs(), self.outputs[s]);
                for i in 0..c.outputs() + 6 {
                    assert_eq!(c.column(i).len(), c.len());
                }
            }
            (Err(Error::NotFound { .. }), false) => {}
            (got, ok) => panic!("series({id}, {s}): expected ok {ok}, got {:?}", got.err()),
        }
        match (self.a.forming(id, s), known && s < n) {
            (Ok(f), true) => assert!(s > 0 || f.is_none()),
            (Err(Error::NotFound { .. }), false) => {}
            (got, ok) => panic!("forming({id}, {s}): expected ok {ok}, got {got:?}"),
        }
        let want = self.outputs.get(s).copied().unwrap_or(0);
        let len = if seed & 1 == 0 { want } else { want + 1 };
        let mut out = vec![0.0; len];
        match (self.a.peek(id, s, &mut out), known && s < n, len == want) {
            (Ok(p), true, true) => {
                let f = self.a.forming(id, s).unwrap();
                assert_eq!(p, f.is_some(), "peek returned {p} with forming {f:?}");
            }
            (Err(Error::NotFound { .. }), false, _) => {}
            (Err(Error::Input { .. }), true, false) => {}
            (got, ok, l) => panic!("peek({id}, {s}) len ok {l}: expected ok {ok}, got {got:?}"),
        }
        // check() with no id: a symbol never seen.
        let si = self.sym_index(id);
        let last = si.and_then(|i| self.syms[i].last_time);
        let spec = BarSpec {
            time: if seed & 2 == 0 {
                TimeSpec::Next(0)
            } else {
                TimeSpec::Slot(seed)
            },
            price: PriceSpec::Normal,
            seed,
        };
        let bar = make_bar(spec.price, spec.seed, self.resolve_time(spec.time, last));
        assert_eq!(
            self.a.check(None, &bar).unwrap(),
            self.predict(&bar, None).err(),
            "check(None, {bar:?})"
        );
        assert_eq!(
            Self::snap(&self.a, id, n),
            snap,
            "a read changed the symbol"
        );
    }

    fn quality(&mut self, id: SymbolId) {
        let (qa, qb) = (self.a.quality(id), self.b.quality(id));
        let si = self.sym_index(id);
        let count = self.a.symbol_count();
        let q = match (qa, (id as usize) < count, self.seq) {
            (Err(Error::NotFound { .. }), false, _) => return,
            (
                Err(Error::Session {
                    code: "no_session", ..
                }),
                true,
                0,
            ) => return,
            (Ok(q), true, seq) if seq > 0 => q,
            (got, inside, seq) => panic!("quality({id}) (< count {inside}, seq {seq}): {got:?}"),
        };
        let qb = qb.unwrap();
        let participates = si.is_some_and(|i| self.syms[i].since <= self.seq);
        let Some(q) = q else {
            assert!(
                !participates,
                "quality({id}) None for a symbol of this session"
            );
            assert!(qb.is_none());
            return;
        };
        assert!(
            participates,
            "quality({id}) for a symbol not in this session: {q:?}"
        );
        let s = &self.syms[si.unwrap()];
        let qb = qb.unwrap();
        trace!("  quality {id}: {q:?}");
        assert_eq!(q.ended, self.active.is_none());
        assert_eq!(q.base.received, s.cur as u64, "quality({id}).base.received");
        assert_eq!(q.base.rejected, s.sess_rej, "quality({id}).base.rejected");
        assert_eq!(q.base.late, s.sess_rej[RejectReason::Late as usize]);
        assert!(q.base.received + q.base.missing <= q.base.expected, "{q:?}");
        if q.ended {
            assert_eq!(q.base.received + q.base.missing, q.base.expected, "{q:?}");
        }
        assert_eq!(q.intervals.len(), self.intervals.len());
        for i in &q.intervals {
            assert!(i.received + i.missing <= i.expected, "{q:?}");
            if q.ended {
                assert_eq!(i.received + i.missing, i.expected, "{q:?}");
            }
        }
        assert_eq!(
            (
                &q.base.expected,
                &q.base.received,
                &q.base.missing,
                &q.intervals,
                &q.gaps
            ),
            (
                &qb.base.expected,
                &qb.base.received,
                &qb.base.missing,
                &qb.intervals,
                &qb.gaps
            ),
            "quality({id}) differs between batch and single appends"
        );
        for g in &q.gaps {
            assert!(g.from < g.to && g.symbol == id, "{q:?}");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Checks

    fn check_peeks(&self, peeks: &[Peeked]) {
        for p in peeks {
            let Some(s) = self.syms.get(p.sym) else {
                continue;
            };
            let m = &s.series[p.series];
            let c = self.a.series(s.id, p.series).unwrap();
            if p.abs < m.offset || p.abs - m.offset >= c.len() {
                continue;
            }
            let i = p.abs - m.offset;
            let bar = c.get(i).unwrap();
            if bits(&bar) != p.forming {
                continue;
            }
            for (j, v) in p.values.iter().enumerate() {
                let got = c.column(6 + j)[i];
                assert!(
                    same(got, *v),
                    "symbol {} series {}: output {j} of {bar:?} is {got}, peek said {v}",
                    s.id,
                    p.series
                );
            }
        }
    }

    fn check_all(&mut self, op: &Op) {
        self.new_bars(op);
        let n = self.nseries();
        let mut total = 0;
        for s in &self.syms {
            assert!(self.a.knows(s.id));
            assert_eq!(
                self.a.rejections(s.id).unwrap(),
                &s.rej,
                "rejection counts of {}",
                s.id
            );
            let base = self.a.series(s.id, 0).unwrap();
            assert_eq!(
                base.len() + s.series[0].offset,
                s.accepted,
                "symbol {}: base series length vs accepted bars (after {op:?})",
                s.id
            );
            if let Some(t) = s.last_time.filter(|_| !base.is_empty()) {
                assert_eq!(base.last().unwrap().time, t as f64);
            }
            for k in 0..n {
                let (ca, cb) = (
                    self.a.series(s.id, k).unwrap(),
                    self.b.series(s.id, k).unwrap(),
                );
                total += ca.len();
                assert_eq!(
                    ca.len(),
                    cb.len(),
                    "symbol {} series {k}: lengths differ a/b",
                    s.id
                );
                assert_eq!(
                    ca.last().map(|b| bits(&b)),
                    cb.last().map(|b| bits(&b)),
                    "symbol {} series {k}: last bars differ a/b",
                    s.id
                );
                let (fa, fb) = (
                    self.a.forming(s.id, k).unwrap(),
                    self.b.forming(s.id, k).unwrap(),
                );
                assert_eq!(
                    fa.map(|b| bits(&b)),
                    fb.map(|b| bits(&b)),
                    "forming differs a/b"
                );
                if let Some(f) = fa {
                    self.check_forming(s, k, &f);
                }
            }
        }
        assert_eq!(self.a.stored_bars(), total, "stored_bars");
        assert_eq!(
            self.a.pending_gaps(),
            self.b.pending_gaps(),
            "pending gaps a/b"
        );
        assert_eq!(self.a.late_before(), self.b.late_before());
        assert_eq!(self.a.session(), self.active.as_ref().map(|a| &a.s));
    }

    fn check_forming(&self, s: &SymM, k: usize, f: &Bar) {
        let act = self
            .active
            .unwrap_or_else(|| panic!("symbol {} series {k}: forming {f:?} with no session", s.id));
        assert!(k > 0, "a forming base bar");
        assert!(
            f.low <= f.open.min(f.close) && f.open.max(f.close) <= f.high && f.volume >= 0.0,
            "symbol {} series {k}: forming bar {f:?} is inconsistent",
            s.id
        );
        let m = &s.series[k];
        if let Some(p) = m.prev_time.filter(|_| m.prev_seq == self.seq) {
            assert!(
                f.time > p,
                "symbol {} series {k}: forming {f:?} not after closed bar at {p}",
                s.id
            );
        }
        {
            let g = self.gridm(self.intervals[k - 1], &act.s);
            let t = f.time as i64;
            assert!(g.is_start(t), "forming {f:?} off its grid");
            let end = g.end(t);
            assert!(
                end > act.clock,
                "symbol {} series {k}: forming {f:?} ends at {end}, the clock is at {}",
                s.id,
                act.clock
            );
        }
    }

    /// Checks every bar closed since the last call, in every series.
    fn new_bars(&mut self, ctx: &dyn std::fmt::Debug) {
        let seq = self.seq;
        let sess = self.last_session;
        let clock_align = self.clock_align;
        for s in &mut self.syms {
            for (k, m) in s.series.iter_mut().enumerate() {
                let c = self.a.series(s.id, k).unwrap();
                let end = m.offset + c.len();
                assert!(m.checked >= m.offset, "series {k}: unchecked bars dropped");
                for abs in m.checked..end {
                    let b = c.get(abs - m.offset).unwrap();
                    let ok = [b.time, b.open, b.high, b.low, b.close, b.volume]
                        .iter()
                        .all(|x| x.is_finite())
                        && b.time.fract() == 0.0
                        && b.low <= b.open.min(b.close)
                        && b.open.max(b.close) <= b.high
                        && b.volume >= 0.0;
                    assert!(
                        ok,
                        "{ctx:?}: symbol {} series {k}: bar {abs} {b:?} is invalid",
                        s.id
                    );
                    if let Some(p) = m.prev_time {
                        let cross = m.prev_seq != seq;
                        let open = sess.map_or(i64::MIN, |s| s.open) as f64;
                        assert!(
                            b.time > p || (cross && self.clock_align && k > 0 && b.time < open),
                            "{ctx:?}: symbol {} series {k}: bar {abs} {b:?} is not after the bar before ({p})",
                            s.id
                        );
                    }
                    if k > 0 {
                        let se = sess.unwrap();
                        let iv = self.intervals[k - 1];
                        let t = b.time as i64;
                        assert!(
                            GridM::new(iv, &se, clock_align).is_start(t),
                            "{ctx:?}: symbol {} series {k} ({iv}): {b:?} is not at a bucket start of {se:?}",
                            s.id
                        );
                    }
                    m.prev_time = Some(b.time);
                    m.prev_seq = seq;
                }
                m.checked = end;
            }
        }
    }

    /// The session's derived bars equal a naive re-aggregation of its base bars.
    fn naive_check(&self, se: &Session) {
        for s in &self.syms {
            let base = self.a.series(s.id, 0).unwrap();
            let from = base.len() - s.cur;
            let bars: Vec<Bar> = (from..base.len()).map(|i| base.get(i).unwrap()).collect();
            for k in 1..self.nseries() {
                let iv = self.intervals[k - 1];
                let want = self.naive(se, iv, &bars);
                let m = &s.series[k];
                let c = self.a.series(s.id, k).unwrap();
                let got: Vec<Bar> = (m.sess_start - m.offset..c.len())
                    .map(|i| c.get(i).unwrap())
                    .collect();
                let eq = got.len() == want.len()
                    && got.iter().zip(&want).all(|(g, w)| bits(g) == bits(w));
                if !eq {
                    let first = got.iter().zip(&want).position(|(g, w)| bits(g) != bits(w));
                    panic!(
                        "symbol {} series {k} ({iv}) of session {se:?}: {} bars, naive {}; first difference at {first:?}: {:?} vs {:?}",
                        s.id,
                        got.len(),
                        want.len(),
                        first.map(|i| got[i]),
                        first.map(|i| want[i]),
                    );
                }
            }
        }
    }

    fn naive(&self, se: &Session, iv: Interval, bars: &[Bar]) -> Vec<Bar> {
        let g = self.gridm(iv, se);
        let bucket = |t: f64| g.start_of(t as i64);
        let start = |k: i64| k as f64;
        let mut out: Vec<Bar> = Vec::new();
        let mut cur: Option<(i64, Bar)> = None;
        for b in bars {
            let k = bucket(b.time);
            match &mut cur {
                Some((ck, f)) if *ck == k => {
                    if b.high > f.high {
                        f.high = b.high;
                    }
                    if b.low < f.low {
                        f.low = b.low;
                    }
                    f.close = b.close;
                    f.volume += b.volume;
                }
                _ => {
                    if let Some((ck, f)) = cur.take() {
                        out.push(f);
                        if self.flat {
                            let mut j = g.next_start(ck);
                            while j < k {
                                out.push(Bar::new(
                                    start(j),
                                    f.close,
                                    f.close,
                                    f.close,
                                    f.close,
                                    0.0,
                                ));
                                j = g.next_start(j);
                            }
                        }
                    }
                    let mut f = *b;
                    f.time = start(k);
                    cur = Some((k, f));
                }
            }
        }
        if let Some((ck, f)) = cur {
            out.push(f);
            if self.flat {
                let last = g.start_of(se.close - 1);
                let mut j = g.next_start(ck);
                while j <= last {
                    out.push(Bar::new(start(j), f.close, f.close, f.close, f.close, 0.0));
                    j = g.next_start(j);
                }
            }
        }
        out
    }

    /// Every column of every series, a against b.
    fn full_compare(&self, ctx: &str) {
        for s in &self.syms {
            for k in 0..self.nseries() {
                let (ca, cb) = (
                    self.a.series(s.id, k).unwrap(),
                    self.b.series(s.id, k).unwrap(),
                );
                assert_eq!(ca.len(), cb.len());
                for c in 0..6 + self.outputs[k] {
                    let (x, y) = (ca.column(c), cb.column(c));
                    if let Some(i) = (0..x.len()).find(|&i| !same(x[i], y[i])) {
                        panic!(
                            "{ctx}: symbol {} series {k} column {c} bar {i}: batch store {} vs single {}",
                            s.id, x[i], y[i]
                        );
                    }
                }
            }
        }
    }
}
