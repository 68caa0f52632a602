//! Indicator values: small inputs worked out by hand, TA-Lib's special cases (flat windows, zero
//! bases, tiny money flows), and naive O(n * period) re-implementations written here straight
//! from each definition (TA-Lib's seeding included), compared on a random walk. No expected value
//! comes from the code under test.

// The naive versions index windows by bar, the way the definitions are written.
#![allow(clippy::needless_range_loop)]

use barstream_core::{Bar, IndicatorParams, IndicatorSpec};

fn params() -> IndicatorParams {
    IndicatorParams::default()
}

fn period(n: usize) -> IndicatorParams {
    IndicatorParams {
        period: Some(n as f64),
        ..params()
    }
}

/// Outputs by [output][bar] of `kind` over `bars`, with `session_start` before `starts`.
fn run(kind: &str, p: IndicatorParams, bars: &[Bar], starts: &[usize]) -> Vec<Vec<f64>> {
    let spec = IndicatorSpec::parse(kind, &p).unwrap();
    let mut ind = spec.build();
    let mut out = vec![Vec::new(); spec.output_count()];
    let mut buf = [0.0; 3];
    for (i, bar) in bars.iter().enumerate() {
        if starts.contains(&i) {
            ind.session_start();
        }
        ind.update(bar, &mut buf);
        for (j, o) in out.iter_mut().enumerate() {
            o.push(buf[j]);
        }
    }
    out
}

fn closes(xs: &[f64]) -> Vec<Bar> {
    xs.iter()
        .enumerate()
        .map(|(i, &c)| Bar::new(i as f64, c, c, c, c, 1.0))
        .collect()
}

fn hlc(h: &[f64], l: &[f64], c: &[f64]) -> Vec<Bar> {
    (0..c.len())
        .map(|i| Bar::new(i as f64, c[i], h[i], l[i], c[i], 1.0))
        .collect()
}

/// Equal within 1e-9 relative, or 1e-9 absolute near zero (where cancellation in either
/// formula dominates), and NaN exactly where the other is NaN.
fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&a, &b)) in got.iter().zip(want).enumerate() {
        if b.is_nan() {
            assert!(a.is_nan(), "{what}[{i}]: got {a}, want NaN");
            continue;
        }
        let scale = 1f64.max(a.abs()).max(b.abs());
        assert!(
            (a - b).abs() <= 1e-9 * scale,
            "{what}[{i}]: got {a}, want {b}"
        );
    }
}

const NAN: f64 = f64::NAN;

// ---------------------------------------------------------------------------------------------
// Hand-checked values.

#[test]
fn sma_ema_wma_by_hand() {
    let bars = closes(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_close(
        &run("sma", period(3), &bars, &[])[0],
        &[NAN, NAN, 2.0, 3.0, 4.0],
        "sma3",
    );
    // k = 2 / (3 + 1) = 0.5; seed (1 + 2 + 3) / 3 = 2, then (4 - 2) * 0.5 + 2 = 3, then 4.
    assert_close(
        &run("ema", period(3), &bars, &[])[0],
        &[NAN, NAN, 2.0, 3.0, 4.0],
        "ema3",
    );
    // k = 2/3; seed (2 + 4) / 2 = 3; 3 + (6 - 3) * 2/3 = 5; 5 + (8 - 5) * 2/3 = 7;
    // 7 + (4 - 7) * 2/3 = 5.
    assert_close(
        &run("ema", period(2), &closes(&[2.0, 4.0, 6.0, 8.0, 4.0]), &[])[0],
        &[NAN, 3.0, 5.0, 7.0, 5.0],
        "ema2",
    );
    // (1*1 + 2*2 + 3*3) / 6 = 14/6; (1*2 + 2*3 + 3*4) / 6 = 20/6; (1*3 + 2*4 + 3*5) / 6 = 26/6.
    assert_close(
        &run("wma", period(3), &bars, &[])[0],
        &[NAN, NAN, 14.0 / 6.0, 20.0 / 6.0, 26.0 / 6.0],
        "wma3",
    );
}

#[test]
fn rsi_by_hand() {
    // Differences +1, -1, +2. Seed: gain 1/2, loss 1/2 -> 50. Then gain (0.5 + 2) / 2 = 1.25,
    // loss (0.5 + 0) / 2 = 0.25 -> 100 * 1.25 / 1.5.
    assert_close(
        &run("rsi", period(2), &closes(&[1.0, 2.0, 1.0, 3.0]), &[])[0],
        &[NAN, NAN, 50.0, 100.0 * 1.25 / 1.5],
        "rsi2",
    );
    // No movement at all: TA-Lib writes 0, not NaN.
    assert_close(
        &run("rsi", period(2), &closes(&[5.0; 5]), &[])[0],
        &[NAN, NAN, 0.0, 0.0, 0.0],
        "rsi flat",
    );
    // Only rises: 100.
    assert_close(
        &run("rsi", period(2), &closes(&[1.0, 2.0, 3.0, 4.0]), &[])[0],
        &[NAN, NAN, 100.0, 100.0],
        "rsi up",
    );
}

#[test]
fn macd_by_hand() {
    // MACD(2, 3, 2) on 1 2 4 3 5 8. Slow EMA (k 1/2): 7/3, 8/3, 23/6, 71/12 from index 2. The
    // fast EMA (k 2/3) starts late, seeded at index 2 by (2 + 4) / 2 = 3: 3, 3, 13/3, 61/9.
    // MACD from index 2: 2/3, 1/3, 1/2, 31/36. Signal (k 2/3) seeded at index 3 by
    // (2/3 + 1/3) / 2 = 1/2: 1/2, 1/2, 20/27.
    let p = IndicatorParams {
        fast: Some(2.0),
        slow: Some(3.0),
        signal: Some(2.0),
        ..params()
    };
    let out = run("macd", p, &closes(&[1.0, 2.0, 4.0, 3.0, 5.0, 8.0]), &[]);
    assert_close(
        &out[0],
        &[NAN, NAN, NAN, 1.0 / 3.0, 0.5, 31.0 / 36.0],
        "macd",
    );
    assert_close(&out[1], &[NAN, NAN, NAN, 0.5, 0.5, 20.0 / 27.0], "signal");
    assert_close(
        &out[2],
        &[NAN, NAN, NAN, -1.0 / 6.0, 0.0, 31.0 / 36.0 - 20.0 / 27.0],
        "histogram",
    );
}

#[test]
fn bbands_and_stddev_by_hand() {
    // Window 1 2 3: mean 2, population variance 2/3.
    let sd = (2.0f64 / 3.0).sqrt();
    let p = IndicatorParams {
        period: Some(3.0),
        dev_up: Some(2.0),
        dev_down: Some(1.5),
        ..params()
    };
    let out = run("bbands", p, &closes(&[1.0, 2.0, 3.0]), &[]);
    assert_close(&out[0], &[NAN, NAN, 2.0 + 2.0 * sd], "upper");
    assert_close(&out[1], &[NAN, NAN, 2.0], "middle");
    assert_close(&out[2], &[NAN, NAN, 2.0 - 1.5 * sd], "lower");
    // Window 1 3: variance 1; window 3 3: flat, exactly 0.
    let p = IndicatorParams {
        period: Some(2.0),
        dev: Some(3.0),
        ..params()
    };
    assert_eq!(
        run("stddev", p, &closes(&[1.0, 3.0, 3.0]), &[])[0][1..],
        [3.0, 0.0]
    );
    // A flat window whose running sums leave a tiny negative or positive variance is 0.
    let flat = closes(&[0.1, 0.7, 0.7, 0.7, 0.7, 0.7]);
    let out = run("stddev", period(3), &flat, &[]);
    assert_eq!(out[0][4..], [0.0, 0.0]);
    let out = run("bbands", period(3), &flat, &[]);
    assert_eq!(out[0][4..], out[2][4..]);
}

#[test]
fn atr_by_hand() {
    // True ranges from bar 1: max(2, |9 - 11|, |9 - 9|) = 2; max(2, |10 - 12|, 0) = 2;
    // max(2, |11 - 20|, |11 - 18|) = 9. ATR(2) seeds (2 + 2) / 2 = 2, then (2 * 1 + 9) / 2.
    // Then a gap down: max(2, |19 - 15|, |19 - 13|) = 6, and ATR(2) (5.5 * 1 + 6) / 2.
    let bars = hlc(
        &[10.0, 11.0, 12.0, 20.0, 15.0],
        &[8.0, 9.0, 10.0, 18.0, 13.0],
        &[9.0, 10.0, 11.0, 19.0, 14.0],
    );
    assert_close(
        &run("atr", period(2), &bars, &[])[0],
        &[NAN, NAN, 2.0, 5.5, 5.75],
        "atr2",
    );
    // ATR(1) is the true range itself.
    assert_close(
        &run("atr", period(1), &bars, &[])[0],
        &[NAN, 2.0, 2.0, 9.0, 6.0],
        "atr1",
    );
    // An overflowing bar's true range is infinite; ATR(1) gives it and then the next ones, as
    // TA-Lib's does: max(2, |0 - 12|, |0 - 10|) = 12, then max(1.5, |11 - 12|, |11 - 10.5|) = 1.5.
    let wild = hlc(
        &[10.0, 1.7e308, 12.0, 12.0],
        &[8.0, -1.7e308, 10.0, 10.5],
        &[9.0, 0.0, 11.0, 11.0],
    );
    let atr1 = &run("atr", period(1), &wild, &[])[0];
    assert_eq!(atr1[1], f64::INFINITY);
    assert_close(
        &atr1[2..],
        &[12.0, 1.5],
        "atr1 after an infinite true range",
    );
}

#[test]
fn stoch_by_hand() {
    let h = [3.0, 4.0, 5.0, 4.0, 6.0];
    let l = [1.0, 2.0, 3.0, 2.0, 2.0];
    let c = [2.0, 3.0, 4.0, 2.0, 5.0];
    // Fast %K(3): index 2: (4 - 1) / (5 - 1) = 75%; index 3: (2 - 2) / (5 - 2) = 0;
    // index 4: (5 - 2) / (6 - 2) = 75%.
    let fast = IndicatorParams {
        k_period: Some(3.0),
        k_slow: Some(1.0),
        d_period: Some(1.0),
        ..params()
    };
    let out = run("stoch", fast, &hlc(&h, &l, &c), &[]);
    assert_close(&out[0], &[NAN, NAN, 75.0, 0.0, 75.0], "k");
    assert_close(&out[1], &[NAN, NAN, 75.0, 0.0, 75.0], "d");
    // Slow %K(2) averages pairs: 37.5, 37.5; %D(2) averages those: 37.5 at index 4.
    let slow = IndicatorParams {
        k_period: Some(3.0),
        k_slow: Some(2.0),
        d_period: Some(2.0),
        ..params()
    };
    let out = run("stoch", slow, &hlc(&h, &l, &c), &[]);
    assert_close(&out[0], &[NAN, NAN, NAN, NAN, 37.5], "slow k");
    assert_close(&out[1], &[NAN, NAN, NAN, NAN, 37.5], "slow d");
    // Highest high equal to lowest low: 0, as in TA-Lib.
    let out = run("stoch", fast, &closes(&[4.0; 4]), &[]);
    assert_close(&out[0], &[NAN, NAN, 0.0, 0.0], "flat");
    // Smoothing of one bar copies, as TA-Lib's TA_MA does: a fast %K of inf / inf (NaN) is NaN for
    // its bar alone. Over one bar: (2 - 1) / (3 - 1) = 50%, then NaN, (3 - 2) / (4 - 2) = 50%,
    // (4 - 1) / (5 - 1) = 75%.
    let one = IndicatorParams {
        k_period: Some(1.0),
        k_slow: Some(1.0),
        d_period: Some(1.0),
        ..params()
    };
    let wild = hlc(
        &[3.0, 1.7e308, 4.0, 5.0],
        &[1.0, -1.7e308, 2.0, 1.0],
        &[2.0, 1.7e308, 3.0, 4.0],
    );
    let out = run("stoch", one, &wild, &[]);
    assert_close(&out[0], &[50.0, NAN, 50.0, 75.0], "k after NaN");
    assert_close(&out[1], &[50.0, NAN, 50.0, 75.0], "d after NaN");
}

#[test]
fn adx_by_hand() {
    // ADX(2), lookback 3. Bar 1: +DM 1, TR 1.5 (summed). Bar 2: +DM 1, TR 2; smoothed
    // +DM 1 - 1/2 + 1 = 1.5, -DM 0, TR 1.5 - 0.75 + 2 = 2.75: DX 100. Bar 3: -DM 1, TR 2.5;
    // +DM 0.75, -DM 1, TR 3.875: DI ratio |1 - 0.75| / 1.75 -> DX 100/7; ADX (100 + 100/7) / 2
    // = 400/7. Bar 4: +DM 0.5, TR 2.5; +DM 0.875, -DM 0.5: DX 100 * 0.375 / 1.375 = 300/11;
    // ADX (400/7 + 300/11) / 2 = 3250/77.
    let bars = hlc(
        &[10.0, 11.0, 12.0, 11.5, 12.0],
        &[9.0, 9.5, 10.0, 9.0, 10.0],
        &[9.5, 10.5, 11.0, 9.5, 11.5],
    );
    assert_close(
        &run("adx", period(2), &bars, &[])[0],
        &[NAN, NAN, NAN, 400.0 / 7.0, 3250.0 / 77.0],
        "adx2",
    );
    // No range at all: no DX is ever defined, and the ADX stays 0.
    assert_close(
        &run("adx", period(2), &closes(&[3.0; 6]), &[])[0],
        &[NAN, NAN, NAN, 0.0, 0.0, 0.0],
        "adx flat",
    );
}

#[test]
fn obv_by_hand() {
    let bars: Vec<Bar> = [
        (10.0, 100.0),
        (11.0, 200.0),
        (11.0, 300.0),
        (10.0, 400.0),
        (12.0, 500.0),
    ]
    .iter()
    .enumerate()
    .map(|(i, &(c, v))| Bar::new(i as f64, c, c, c, c, v))
    .collect();
    // Starts at the first volume (TA-Lib), then +200, unchanged, -400, +500.
    assert_eq!(
        run("obv", params(), &bars, &[])[0],
        [100.0, 300.0, 300.0, -100.0, 400.0]
    );
}

#[test]
fn cci_by_hand() {
    // Typical prices 1 2 3: mean 2, mean deviation 2/3: (3 - 2) / (0.015 * 2/3) = 100.
    // Then 2 3 2: mean 7/3, mean deviation 4/9: (2 - 7/3) / (0.015 * 4/9) = -50.
    assert_close(
        &run("cci", period(3), &closes(&[1.0, 2.0, 3.0, 2.0]), &[])[0],
        &[NAN, NAN, 100.0, -50.0],
        "cci3",
    );
    // The newest price at the mean, and a flat window: 0.
    assert_close(
        &run(
            "cci",
            period(3),
            &closes(&[1.0, 3.0, 2.0, 2.0, 2.0, 2.0]),
            &[],
        )[0],
        &[NAN, NAN, 0.0, -50.0, 0.0, 0.0],
        "cci zero",
    );
}

#[test]
fn roc_by_hand() {
    // (15/10 - 1) * 100 = 50; (0/20 - 1) * 100 = -100; (30/15 - 1) * 100 = 100; base 0 -> 0.
    assert_close(
        &run(
            "roc",
            period(2),
            &closes(&[10.0, 20.0, 15.0, 0.0, 30.0, 60.0]),
            &[],
        )[0],
        &[NAN, NAN, 50.0, -100.0, 100.0, 0.0],
        "roc2",
    );
}

#[test]
fn mfi_by_hand() {
    let bar = |i: usize, tp: f64, v: f64| Bar::new(i as f64, tp, tp, tp, tp, v);
    // Flows from bar 1: up 11 * 100 = 1100; down 10.5 * 200 = 2100; up 12 * 100 = 1200;
    // unchanged (on neither side).
    let bars = vec![
        bar(0, 10.0, 100.0),
        bar(1, 11.0, 100.0),
        bar(2, 10.5, 200.0),
        bar(3, 12.0, 100.0),
        bar(4, 12.0, 900.0),
    ];
    assert_close(
        &run("mfi", period(2), &bars, &[])[0],
        &[
            NAN,
            NAN,
            100.0 * 1100.0 / 3200.0,
            100.0 * 1200.0 / 3300.0,
            100.0,
        ],
        "mfi2",
    );
    // Total money flow below 1 reads 0 (TA-Lib's rule), whatever the direction.
    let tiny = vec![
        bar(0, 10.0, 0.01),
        bar(1, 11.0, 0.01),
        bar(2, 12.0, 0.01),
        bar(3, 13.0, 0.01),
    ];
    assert_close(
        &run("mfi", period(2), &tiny, &[])[0],
        &[NAN, NAN, 0.0, 0.0],
        "mfi tiny",
    );
}

#[test]
fn vwap_by_hand() {
    // Typical price (h + l + c) / 3.
    let bars = vec![
        Bar::new(0.0, 10.0, 11.0, 9.0, 10.0, 100.0),  // tp 10
        Bar::new(1.0, 12.0, 14.0, 12.0, 13.0, 300.0), // tp 13
        Bar::new(2.0, 20.0, 21.0, 19.0, 20.0, 50.0),  // tp 20, a new session
        Bar::new(3.0, 5.0, 5.0, 5.0, 5.0, 0.0),       // tp 5, a new session of no volume
        Bar::new(4.0, 7.0, 7.0, 7.0, 7.0, 0.0),       // tp 7
        Bar::new(5.0, 9.0, 9.0, 9.0, 9.0, 2.0),       // tp 9, the first volume
    ];
    assert_close(
        &run("vwap", params(), &bars, &[2, 3])[0],
        &[10.0, (1000.0 + 3900.0) / 400.0, 20.0, 5.0, 6.0, 9.0],
        "vwap",
    );
    // Without session starts it runs on.
    assert_close(
        &run("vwap", params(), &bars[..3], &[])[0],
        &[10.0, 12.25, (1000.0 + 3900.0 + 1000.0) / 450.0],
        "vwap one session",
    );
}

// ---------------------------------------------------------------------------------------------
// Naive re-implementations, compared on a random walk.

struct Walk {
    bars: Vec<Bar>,
    h: Vec<f64>,
    l: Vec<f64>,
    c: Vec<f64>,
    v: Vec<f64>,
}

impl Walk {
    /// The bars and their columns.
    fn of(bars: Vec<Bar>) -> Walk {
        Walk {
            h: bars.iter().map(|b| b.high).collect(),
            l: bars.iter().map(|b| b.low).collect(),
            c: bars.iter().map(|b| b.close).collect(),
            v: bars.iter().map(|b| b.volume).collect(),
            bars,
        }
    }
}

fn walk(seed: u64, n: usize) -> Walk {
    let mut state = seed;
    let mut unit = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut price = 40.0;
    let bars: Vec<Bar> = (0..n)
        .map(|i| {
            let open: f64 = price;
            let close = open * (1.0 + 0.03 * (unit() - 0.5));
            let high = open.max(close) * (1.0 + 0.01 * unit());
            let low = open.min(close) * (1.0 - 0.01 * unit());
            price = close;
            Bar::new(
                i as f64,
                open,
                high,
                low,
                close,
                1.0 + (1e4 * unit()).round(),
            )
        })
        .collect();
    Walk::of(bars)
}

fn nans(n: usize) -> Vec<f64> {
    vec![NAN; n]
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn naive_sma(x: &[f64], p: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    for i in p - 1..x.len() {
        out[i] = mean(&x[i + 1 - p..=i]);
    }
    out
}

/// An EMA whose first value, at `start + p - 1`, is the mean of `x[start..start + p]`.
fn naive_ema_from(x: &[f64], p: usize, start: usize) -> Vec<f64> {
    let k = 2.0 / (p as f64 + 1.0);
    let mut out = nans(x.len());
    let first = start + p - 1;
    if first >= x.len() {
        return out;
    }
    out[first] = mean(&x[start..=first]);
    for i in first + 1..x.len() {
        out[i] = out[i - 1] + k * (x[i] - out[i - 1]);
    }
    out
}

fn naive_wma(x: &[f64], p: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    let weights = (p * (p + 1) / 2) as f64;
    for i in p - 1..x.len() {
        let window = &x[i + 1 - p..=i];
        let sum: f64 = window
            .iter()
            .enumerate()
            .map(|(j, v)| (j + 1) as f64 * v)
            .sum();
        out[i] = sum / weights;
    }
    out
}

fn naive_rsi(x: &[f64], p: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    let rsi = |g: f64, l: f64| {
        if g + l == 0.0 {
            0.0
        } else {
            100.0 * g / (g + l)
        }
    };
    let up = |i: usize| (x[i] - x[i - 1]).max(0.0);
    let down = |i: usize| (x[i - 1] - x[i]).max(0.0);
    let mut g = (1..=p).map(up).sum::<f64>() / p as f64;
    let mut l = (1..=p).map(down).sum::<f64>() / p as f64;
    out[p] = rsi(g, l);
    for i in p + 1..x.len() {
        g = (g * (p - 1) as f64 + up(i)) / p as f64;
        l = (l * (p - 1) as f64 + down(i)) / p as f64;
        out[i] = rsi(g, l);
    }
    out
}

fn naive_macd(x: &[f64], fast: usize, slow: usize, signal: usize) -> [Vec<f64>; 3] {
    let n = x.len();
    let slow_ema = naive_ema_from(x, slow, 0);
    // TA-Lib's fast EMA is seeded by the `fast` closes ending where the slow EMA starts.
    let fast_ema = naive_ema_from(x, fast, slow - fast);
    let line: Vec<f64> = (0..n).map(|i| fast_ema[i] - slow_ema[i]).collect();
    let first = slow - 1;
    let mut sig = nans(n);
    sig[first..].copy_from_slice(&naive_ema_from(&line[first..], signal, 0));
    let lookback = first + signal - 1;
    let mut macd = nans(n);
    macd[lookback..].copy_from_slice(&line[lookback..]);
    let hist = (0..n).map(|i| macd[i] - sig[i]).collect();
    [macd, sig, hist]
}

fn population_sd(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / xs.len() as f64).sqrt()
}

fn true_range(w: &Walk, i: usize) -> f64 {
    let prev = w.c[i - 1];
    (w.h[i] - w.l[i])
        .max((w.h[i] - prev).abs())
        .max((w.l[i] - prev).abs())
}

fn naive_atr(w: &Walk, p: usize) -> Vec<f64> {
    let mut out = nans(w.c.len());
    out[p] = (1..=p).map(|i| true_range(w, i)).sum::<f64>() / p as f64;
    for i in p + 1..w.c.len() {
        out[i] = (out[i - 1] * (p - 1) as f64 + true_range(w, i)) / p as f64;
    }
    out
}

fn naive_stoch(w: &Walk, k: usize, k_slow: usize, d: usize) -> [Vec<f64>; 2] {
    let n = w.c.len();
    let mut fast = nans(n);
    for i in k - 1..n {
        let hh = w.h[i + 1 - k..=i].iter().cloned().fold(f64::MIN, f64::max);
        let ll = w.l[i + 1 - k..=i].iter().cloned().fold(f64::MAX, f64::min);
        fast[i] = if hh == ll {
            0.0
        } else {
            100.0 * (w.c[i] - ll) / (hh - ll)
        };
    }
    let mut slow_k = nans(n);
    for i in k - 1 + k_slow - 1..n {
        slow_k[i] = mean(&fast[i + 1 - k_slow..=i]);
    }
    let lookback = k - 1 + k_slow - 1 + d - 1;
    let mut slow_d = nans(n);
    for i in lookback..n {
        slow_d[i] = mean(&slow_k[i + 1 - d..=i]);
    }
    let mut shown_k = nans(n);
    shown_k[lookback..].copy_from_slice(&slow_k[lookback..]);
    [shown_k, slow_d]
}

/// Wilder's ADX with TA-Lib's seeding: directional movement and true range summed over bars
/// `1..p`, then smoothed `s - s/p + x` from bar `p`; the first ADX (bar `2p - 1`) is the mean DX
/// of bars `p..2p`, later ones `(adx * (p - 1) + dx) / p`.
fn naive_adx(w: &Walk, p: usize) -> Vec<f64> {
    let n = w.c.len();
    let dm = |i: usize| {
        let up = w.h[i] - w.h[i - 1];
        let down = w.l[i - 1] - w.l[i];
        if down > 0.0 && down > up {
            (0.0, down)
        } else if up > 0.0 && up > down {
            (up, 0.0)
        } else {
            (0.0, 0.0)
        }
    };
    let (mut plus, mut minus, mut tr) = (0.0, 0.0, 0.0);
    for i in 1..p {
        plus += dm(i).0;
        minus += dm(i).1;
        tr += true_range(w, i);
    }
    let mut dx = nans(n);
    for i in p..n {
        plus = plus - plus / p as f64 + dm(i).0;
        minus = minus - minus / p as f64 + dm(i).1;
        tr = tr - tr / p as f64 + true_range(w, i);
        let (pdi, mdi) = (100.0 * plus / tr, 100.0 * minus / tr);
        // TA-Lib leaves DX undefined (NaN here) where the true range or the DIs' sum is within
        // 1e-14 of zero (a flat stretch): it counts 0 in the seed, and leaves the ADX as it was.
        if tr.abs() >= 1e-14 && (pdi + mdi).abs() >= 1e-14 {
            dx[i] = 100.0 * (pdi - mdi).abs() / (pdi + mdi);
        }
    }
    let defined = |x: f64| if x.is_nan() { 0.0 } else { x };
    let mut out = nans(n);
    out[2 * p - 1] = dx[p..2 * p].iter().map(|&x| defined(x)).sum::<f64>() / p as f64;
    for i in 2 * p..n {
        out[i] = if dx[i].is_nan() {
            out[i - 1]
        } else {
            (out[i - 1] * (p - 1) as f64 + dx[i]) / p as f64
        };
    }
    out
}

fn naive_obv(w: &Walk) -> Vec<f64> {
    let mut out = vec![w.v[0]];
    for i in 1..w.c.len() {
        let sign = if w.c[i] > w.c[i - 1] {
            1.0
        } else if w.c[i] < w.c[i - 1] {
            -1.0
        } else {
            0.0
        };
        out.push(out[i - 1] + sign * w.v[i]);
    }
    out
}

fn typical(w: &Walk) -> Vec<f64> {
    (0..w.c.len())
        .map(|i| (w.h[i] + w.l[i] + w.c[i]) / 3.0)
        .collect()
}

fn naive_cci(w: &Walk, p: usize) -> Vec<f64> {
    let tp = typical(w);
    let mut out = nans(tp.len());
    for i in p - 1..tp.len() {
        let win = &tp[i + 1 - p..=i];
        let m = mean(win);
        let md = win.iter().map(|v| (v - m).abs()).sum::<f64>() / p as f64;
        // TA-Lib's CCI is 0 where the price is the mean or the window has no deviation.
        out[i] = if tp[i] - m != 0.0 && md != 0.0 {
            (tp[i] - m) / (0.015 * md)
        } else {
            0.0
        };
    }
    out
}

fn naive_roc(x: &[f64], p: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    for i in p..x.len() {
        out[i] = 100.0 * (x[i] - x[i - p]) / x[i - p];
    }
    out
}

fn naive_mfi(w: &Walk, p: usize) -> Vec<f64> {
    let tp = typical(w);
    let mut out = nans(tp.len());
    for i in p..tp.len() {
        let (mut pos, mut neg) = (0.0, 0.0);
        for j in i + 1 - p..=i {
            let flow = tp[j] * w.v[j];
            if tp[j] > tp[j - 1] {
                pos += flow;
            } else if tp[j] < tp[j - 1] {
                neg += flow;
            }
        }
        // TA-Lib's MFI is 0 where the window's flows sum to under 1 (a flat window among them).
        out[i] = if pos + neg < 1.0 {
            0.0
        } else {
            100.0 * pos / (pos + neg)
        };
    }
    out
}

fn naive_vwap(w: &Walk, starts: &[usize]) -> Vec<f64> {
    let tp = typical(w);
    let mut out = Vec::new();
    let mut from = 0;
    for i in 0..tp.len() {
        if starts.contains(&i) {
            from = i;
        }
        let pv: f64 = (from..=i).map(|j| tp[j] * w.v[j]).sum();
        let v: f64 = (from..=i).map(|j| w.v[j]).sum();
        out.push(pv / v);
    }
    out
}

#[test]
fn averages_match_their_definitions() {
    let w = walk(21, 600);
    for p in [2, 3, 10, 30, 75] {
        let what = format!("period {p}");
        assert_close(
            &run("sma", period(p), &w.bars, &[])[0],
            &naive_sma(&w.c, p),
            &what,
        );
        assert_close(
            &run("ema", period(p), &w.bars, &[])[0],
            &naive_ema_from(&w.c, p, 0),
            &what,
        );
        assert_close(
            &run("wma", period(p), &w.bars, &[])[0],
            &naive_wma(&w.c, p),
            &what,
        );
    }
}

/// Stochastic with each `(k, k_slow, d)` of `cases` over `w` against the naive definition.
fn assert_stoch(w: &Walk, cases: &[(usize, usize, usize)], label: &str) {
    for &(k, ks, d) in cases {
        let p = IndicatorParams {
            k_period: Some(k as f64),
            k_slow: Some(ks as f64),
            d_period: Some(d as f64),
            ..params()
        };
        let got = run("stoch", p, &w.bars, &[]);
        let want = naive_stoch(w, k, ks, d);
        for j in 0..2 {
            assert_close(
                &got[j],
                &want[j],
                &format!("{label} {k}/{ks}/{d} output {j}"),
            );
        }
    }
}

#[test]
fn momentum_matches_its_definitions() {
    let w = walk(22, 600);
    for p in [2, 5, 14, 40] {
        let what = format!("period {p}");
        assert_close(
            &run("rsi", period(p), &w.bars, &[])[0],
            &naive_rsi(&w.c, p),
            &what,
        );
        assert_close(
            &run("adx", period(p), &w.bars, &[])[0],
            &naive_adx(&w, p),
            &what,
        );
        assert_close(
            &run("cci", period(p), &w.bars, &[])[0],
            &naive_cci(&w, p),
            &what,
        );
        assert_close(
            &run("mfi", period(p), &w.bars, &[])[0],
            &naive_mfi(&w, p),
            &what,
        );
        assert_close(
            &run("roc", period(p), &w.bars, &[])[0],
            &naive_roc(&w.c, p),
            &what,
        );
    }
    for (f, s, g) in [(12, 26, 9), (5, 35, 5), (2, 3, 2), (3, 10, 16)] {
        let p = IndicatorParams {
            fast: Some(f as f64),
            slow: Some(s as f64),
            signal: Some(g as f64),
            ..params()
        };
        let got = run("macd", p, &w.bars, &[]);
        let want = naive_macd(&w.c, f, s, g);
        for j in 0..3 {
            assert_close(&got[j], &want[j], &format!("macd {f}/{s}/{g} output {j}"));
        }
    }
    assert_stoch(&w, &[(14, 3, 3), (5, 3, 3), (1, 1, 1), (9, 1, 4)], "stoch");
}

/// `w` with every price rounded to a multiple of `tick`: a coarse grid, where two bars' highs,
/// lows or closes are often equal and a high's rise often equals a low's fall, the ties on which
/// TA-Lib's rules pick a side (or none).
fn on_grid(w: Walk, tick: f64) -> Walk {
    let round = |x: f64| (x / tick).round() * tick;
    let bars: Vec<Bar> = w
        .bars
        .iter()
        .map(|b| {
            Bar::new(
                b.time,
                round(b.open),
                round(b.high),
                round(b.low),
                round(b.close),
                b.volume,
            )
        })
        .collect();
    Walk::of(bars)
}

#[test]
fn momentum_on_a_coarse_grid_matches_its_definitions() {
    let w = on_grid(walk(24, 2000), 0.25);
    // The grid makes the ties the rules are about: equal closes, and outside bars whose high rose
    // exactly as far as the low fell (directional movement to neither side).
    let ties = (1..w.c.len())
        .filter(|&i| {
            let up = w.h[i] - w.h[i - 1];
            up > 0.0 && up == w.l[i - 1] - w.l[i]
        })
        .count();
    assert!(ties >= 10, "only {ties} outside bars with equal moves");
    assert!((1..w.c.len()).filter(|&i| w.c[i] == w.c[i - 1]).count() >= 100);
    for p in [2, 5, 14] {
        let what = |kind: &str| format!("grid, {kind} period {p}");
        assert_close(
            &run("adx", period(p), &w.bars, &[])[0],
            &naive_adx(&w, p),
            &what("adx"),
        );
        assert_close(
            &run("rsi", period(p), &w.bars, &[])[0],
            &naive_rsi(&w.c, p),
            &what("rsi"),
        );
        assert_close(
            &run("mfi", period(p), &w.bars, &[])[0],
            &naive_mfi(&w, p),
            &what("mfi"),
        );
        assert_close(
            &run("cci", period(p), &w.bars, &[])[0],
            &naive_cci(&w, p),
            &what("cci"),
        );
    }
    assert_stoch(&w, &[(14, 3, 3), (5, 3, 3)], "grid stoch");
}

#[test]
fn volatility_matches_its_definitions() {
    let w = walk(23, 600);
    for p in [1, 2, 14, 50] {
        assert_close(
            &run("atr", period(p), &w.bars, &[])[0],
            &naive_atr(&w, p),
            &format!("atr {p}"),
        );
    }
    for (p, up, down) in [(20, 2.0, 2.0), (2, 1.0, 3.0), (7, 0.5, 2.5)] {
        let params = IndicatorParams {
            period: Some(p as f64),
            dev_up: Some(up),
            dev_down: Some(down),
            ..params()
        };
        let got = run("bbands", params, &w.bars, &[]);
        let what = format!("bbands {p}");
        assert_close(&got[1], &naive_sma(&w.c, p), &what);
        let above: Vec<f64> = (0..w.c.len())
            .map(|i| (got[0][i] - got[1][i]) / up)
            .collect();
        let below: Vec<f64> = (0..w.c.len())
            .map(|i| (got[1][i] - got[2][i]) / down)
            .collect();
        assert_variance(&above, &w.c, p, &format!("{what} upper"));
        assert_variance(&below, &w.c, p, &format!("{what} lower"));
    }
    for (p, dev) in [(20, 1.0), (2, 2.0), (9, 0.5)] {
        let params = IndicatorParams {
            period: Some(p as f64),
            dev: Some(dev),
            ..params()
        };
        let got: Vec<f64> = run("stddev", params, &w.bars, &[])[0]
            .iter()
            .map(|x| x / dev)
            .collect();
        assert_variance(&got, &w.c, p, &format!("stddev {p}"));
    }
}

/// Checks standard deviations `sd` against the two-pass population variance of each window.
///
/// TA-Lib's variance is `mean(x^2) - mean(x)^2` from running sums: both terms are near `x^2`
/// and the sums carry rounding from every bar since the start, so its absolute error grows
/// like `bars * eps * x^2`, whatever the variance. A 1e-9 relative test on the deviation would
/// fail on quiet windows for that reason alone (and TA-Lib's own output fails it the same way),
/// so the variance is compared to within `1e-11 * mean(x^2)` (about 80 times the bound for
/// 600 bars) and the exact agreement with TA-Lib is left to the parity harness.
fn assert_variance(sd: &[f64], x: &[f64], p: usize, what: &str) {
    for i in 0..x.len() {
        if i + 1 < p {
            assert!(sd[i].is_nan(), "{what}[{i}]: got {}, want NaN", sd[i]);
            continue;
        }
        let win = &x[i + 1 - p..=i];
        let want = population_sd(win).powi(2);
        let scale = win.iter().map(|v| v * v).sum::<f64>() / p as f64;
        assert!(
            (sd[i] * sd[i] - want).abs() <= 1e-11 * scale,
            "{what}[{i}]: variance {} against {want}",
            sd[i] * sd[i]
        );
    }
}

#[test]
fn volume_matches_its_definitions() {
    let w = walk(24, 600);
    assert_close(
        &run("obv", params(), &w.bars, &[])[0],
        &naive_obv(&w),
        "obv",
    );
    for starts in [&[][..], &[0, 1, 250, 251, 599][..]] {
        assert_close(
            &run("vwap", params(), &w.bars, starts)[0],
            &naive_vwap(&w, starts),
            &format!("vwap {starts:?}"),
        );
    }
}
