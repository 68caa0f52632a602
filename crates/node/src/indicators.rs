//! Binding of `barstream_core::indicators`: indicator configuration, the standalone
//! `NativeIndicator` class and the `indicatorBatchAll` function.

use crate::columns::{engine_block, external_block};
use crate::error::{config as config_error, to_js};
use crate::store::{register_indicator, unregister_indicator};
use barstream_core::indicators::{batch_all, BarSlices, Indicator, IndicatorParams, IndicatorSpec};
use barstream_core::{Bar, ColumnBlock};
use napi::bindgen_prelude::{ArrayBuffer, Float64Array};
use napi::Env;
use napi::Result;
use napi_derive::napi;
use std::sync::Arc;

/// An indicator as the TypeScript layer describes it: a kind and its named parameters (absent
/// for the kind's default).
#[napi(object)]
pub struct NativeIndicatorConfig {
    pub kind: String,
    pub period: Option<f64>,
    pub fast: Option<f64>,
    pub slow: Option<f64>,
    pub signal: Option<f64>,
    pub k_period: Option<f64>,
    pub k_slow: Option<f64>,
    pub d_period: Option<f64>,
    pub dev_up: Option<f64>,
    pub dev_down: Option<f64>,
    pub dev: Option<f64>,
}

/// The core spec of `config`, validated.
pub(crate) fn spec_of(config: &NativeIndicatorConfig) -> Result<IndicatorSpec, String> {
    let params = IndicatorParams {
        period: config.period,
        fast: config.fast,
        slow: config.slow,
        signal: config.signal,
        k_period: config.k_period,
        k_slow: config.k_slow,
        d_period: config.d_period,
        dev_up: config.dev_up,
        dev_down: config.dev_down,
        dev: config.dev,
    };
    IndicatorSpec::parse(&config.kind, &params).map_err(to_js)
}

/// What a spec is called and what it gives.
#[napi(object)]
pub struct NativeIndicatorInfo {
    pub id: String,
    pub outputs: Vec<String>,
    pub lookback: u32,
}

/// Validates `config` and describes the indicator it makes.
#[napi(catch_unwind)]
pub fn indicator_info(config: NativeIndicatorConfig) -> Result<NativeIndicatorInfo, String> {
    let spec = spec_of(&config)?;
    Ok(NativeIndicatorInfo {
        id: spec.id(),
        outputs: spec.output_names(),
        lookback: spec.lookback() as u32,
    })
}

/// A standalone indicator's state, boxed so that the registry's pointer to it stays put.
pub(crate) struct Standalone {
    inner: Box<dyn Indicator>,
    /// The outputs of the last update.
    out: Vec<f64>,
    /// The outputs of the last peek, kept apart so that a peek leaves `out` as it was.
    peeked: Vec<f64>,
}

impl Standalone {
    /// Commits the bar (or, with `peek`, only computes what committing it would give) and returns
    /// the outputs, NaN during warm-up.
    pub(crate) fn run(
        &mut self,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
        peek: bool,
    ) -> &[f64] {
        let bar = Bar::new(0.0, close, high, low, close, volume);
        if peek {
            self.inner.peek(&bar, &mut self.peeked);
            &self.peeked
        } else {
            self.inner.update(&bar, &mut self.out);
            &self.out
        }
    }
}

/// One indicator on its own, fed bar by bar through `indicatorSlot` (see `slotFunctions`), which
/// finds it by its handle: a method call of a generated class costs several times the update.
#[napi]
pub struct NativeIndicator {
    state: Box<Standalone>,
    handle: u32,
}

impl Drop for NativeIndicator {
    fn drop(&mut self) {
        unregister_indicator(self.handle);
    }
}

#[napi]
impl NativeIndicator {
    #[napi(constructor, catch_unwind)]
    pub fn new(config: NativeIndicatorConfig) -> Result<Self, String> {
        let inner = spec_of(&config)?.build();
        let out = vec![f64::NAN; inner.output_count()];
        let peeked = out.clone();
        let mut state = Box::new(Standalone { inner, out, peeked });
        let handle = register_indicator(&mut *state);
        Ok(NativeIndicator { state, handle })
    }

    /// The handle `indicatorSlot` finds this indicator by.
    #[napi(getter)]
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// Back to the state of a new instance.
    #[napi(catch_unwind)]
    pub fn reset(&mut self) {
        self.state.inner.reset();
    }

    /// A new session opens (VWAP restarts; the others go on).
    #[napi(catch_unwind)]
    pub fn session_start(&mut self) {
        self.state.inner.session_start();
    }

    /// Whether the outputs are values yet.
    #[napi(getter)]
    pub fn initialized(&self) -> bool {
        self.state.inner.initialized()
    }

    /// Bars consumed before the first value (TA-Lib's lookback).
    #[napi(getter)]
    pub fn lookback(&self) -> u32 {
        self.state.inner.lookback() as u32
    }
}

/// Outputs of fewer values than this (32 MiB) go in an engine-owned `ArrayBuffer`, which a
/// collection frees at once; a loop of batches that never yields to the event loop (where Node-API
/// runs the finalizers of external buffers) would otherwise keep every output it dropped. Larger
/// outputs take a pooled mapping, whose pages are already faulted in when it is reused.
const ENGINE_OUTPUT_VALUES: usize = (32 << 20) / std::mem::size_of::<f64>();

/// Runs indicators over whole columns, read without copying, into one new `ArrayBuffer` (the
/// engine's under 32 MiB, else external over a pooled mapping) of `close.length` `f64`s per output, the outputs of the first config first, each
/// column after the one before (null when there are no bars or no configs). `high`, `low` and
/// `volume` are needed by the kinds that read them; `sessionStarts` lists the indices of bars
/// that open a session (VWAP restarts there). Two or more indicators over long columns are
/// shared between two threads, each indicator whole on one.
#[napi(catch_unwind, ts_return_type = "ArrayBuffer | null")]
pub fn indicator_batch_all<'env>(
    env: &'env Env,
    configs: Vec<NativeIndicatorConfig>,
    close: Float64Array,
    high: Option<Float64Array>,
    low: Option<Float64Array>,
    volume: Option<Float64Array>,
    session_starts: Option<Vec<u32>>,
) -> Result<Option<ArrayBuffer<'env>>, String> {
    let specs = configs.iter().map(spec_of).collect::<Result<Vec<_>, _>>()?;
    let n = close.len();
    let starts: Vec<usize> = session_starts
        .unwrap_or_default()
        .into_iter()
        .map(|s| s as usize)
        .collect();
    let bars = BarSlices {
        time: None,
        open: None,
        high: high.as_deref(),
        low: low.as_deref(),
        close: &close,
        volume: volume.as_deref(),
        session_starts: &starts,
    };
    let width: usize = specs.iter().map(IndicatorSpec::output_count).sum();
    // No bars (or no indicators): nothing to write, but the columns are still checked.
    if n == 0 || width == 0 {
        batch_into(&specs, bars, std::iter::repeat_with(|| &mut [][..]))?;
        return Ok(None);
    }
    if n * width < ENGINE_OUTPUT_VALUES {
        let buffer = engine_block(env, n * width, "indicatorBatchAll", |values| {
            batch_into(&specs, bars, values.chunks_exact_mut(n))
        })?;
        return Ok(Some(buffer));
    }
    let mut block = ColumnBlock::for_output(n, width);
    batch_into(&specs, bars, block.columns_mut().into_iter())?;
    let buffer = external_block(env, Arc::new(block))
        .map_err(|e| config_error("indicatorBatchAll", e.reason.clone()))?;
    Ok(Some(buffer))
}

/// Runs `specs` over `bars` into `columns`, taken in order: each spec's outputs, one column each.
fn batch_into<'a>(
    specs: &[IndicatorSpec],
    bars: BarSlices,
    mut columns: impl Iterator<Item = &'a mut [f64]>,
) -> Result<(), String> {
    let mut out: Vec<Vec<&mut [f64]>> = specs
        .iter()
        .map(|s| columns.by_ref().take(s.output_count()).collect())
        .collect();
    batch_all(specs, bars, &mut out).map_err(to_js)
}
