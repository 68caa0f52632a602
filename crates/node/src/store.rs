//! Binding of `barstream_core::store`: the `NativeSessionStore` class.

use crate::error::{config, to_js};
use barstream_core::{
    Alignment, Bar, ColumnBlock, EmptyBuckets, Interval, InvalidBars, RejectReason, Session,
    SessionStore, StoreConfig,
};
use napi::bindgen_prelude::{ArrayBuffer, Float64Array};
use napi::Env;
use napi::Result;
use napi_derive::napi;
use std::cell::UnsafeCell;
use std::sync::Arc;

/// Store settings, as the TypeScript layer passes them.
#[napi(object)]
pub struct NativeStoreConfig {
    pub base_interval: String,
    pub intervals: Vec<String>,
    /// `session` or `clock`.
    pub alignment: String,
    /// `skip` or `flat`.
    pub empty_buckets: String,
    pub capacity_hint: Option<u32>,
    pub retain_sessions: Option<u32>,
}

/// What `appendMany` did.
#[napi(object)]
pub struct NativeBatchOutcome {
    pub appended: u32,
    pub closed: u32,
    pub rejected_index: Vec<u32>,
    pub rejected_code: Vec<String>,
    pub rejected_message: Vec<String>,
}

/// Six `f64`s JavaScript writes a bar into before `appendInput`, so a bar crosses with one argument.
struct InputSlot(UnsafeCell<[f64; 8]>);
// Only the JavaScript thread touches the slot, and never during a native call.
unsafe impl Send for InputSlot {}
unsafe impl Sync for InputSlot {}

/// The native session store.
#[napi]
pub struct NativeSessionStore {
    store: SessionStore,
    input: Arc<InputSlot>,
    input_handed_out: bool,
}

fn parse_interval(param: &str, text: &str) -> Result<Interval, String> {
    Interval::parse(text).map_err(|e| config(param, e.to_string()))
}

#[napi]
impl NativeSessionStore {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: NativeStoreConfig) -> Result<Self, String> {
        let base = parse_interval("baseInterval", &options.base_interval)?;
        let intervals = options
            .intervals
            .iter()
            .map(|s| parse_interval("intervals", s))
            .collect::<Result<Vec<_>, String>>()?;
        let mut cfg = StoreConfig::new(base, intervals);
        cfg.alignment = match options.alignment.as_str() {
            "session" => Alignment::Session,
            "clock" => Alignment::Clock,
            other => {
                return Err(config(
                    "alignment",
                    format!("'{other}' is not 'session' or 'clock'"),
                ))
            }
        };
        cfg.empty_buckets = match options.empty_buckets.as_str() {
            "skip" => EmptyBuckets::Skip,
            "flat" => EmptyBuckets::Flat,
            other => {
                return Err(config(
                    "emptyBuckets",
                    format!("'{other}' is not 'skip' or 'flat'"),
                ))
            }
        };
        cfg.capacity_hint = options.capacity_hint.map(|n| n as usize);
        cfg.retain_sessions = options.retain_sessions.map(|n| n as usize);
        Ok(NativeSessionStore {
            store: SessionStore::new(cfg).map_err(to_js)?,
            input: Arc::new(InputSlot(UnsafeCell::new([0.0; 8]))),
            input_handed_out: false,
        })
    }

    /// Interval names of every series, base first, in canonical form.
    #[napi(catch_unwind)]
    pub fn series_names(&self) -> Vec<String> {
        let cfg = self.store.config();
        std::iter::once(cfg.base)
            .chain(cfg.intervals.iter().copied())
            .map(|i| i.to_string())
            .collect()
    }

    /// Rejection reason codes, in the order `rejections` counts them.
    #[napi(catch_unwind)]
    pub fn reject_codes(&self) -> Vec<String> {
        RejectReason::ALL
            .iter()
            .map(|r| r.code().to_owned())
            .collect()
    }

    #[napi(catch_unwind)]
    pub fn intern(&mut self, symbol: String) -> u32 {
        self.store.intern(&symbol)
    }

    #[napi(catch_unwind)]
    pub fn symbols(&self) -> Vec<String> {
        self.store.symbols().map(str::to_owned).collect()
    }

    #[napi(catch_unwind)]
    pub fn begin_session(&mut self, open: f64, close: f64, day_start: f64) -> Result<(), String> {
        let session = Session::new(open, close, day_start).map_err(to_js)?;
        self.store.begin_session(session).map_err(to_js)
    }

    /// Appends one bar given as arguments. Returns the closed-series mask.
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &mut self,
        id: u32,
        time: f64,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
    ) -> Result<u32, String> {
        self.store
            .append(id, &Bar::new(time, open, high, low, close, volume))
            .map_err(to_js)
    }

    /// The shared input slot (an ArrayBuffer of eight `f64`s) that `appendInput` reads. Handed out
    /// once per store: a second external buffer over the same memory would abort V8.
    #[napi(catch_unwind)]
    pub fn input_buffer<'env>(&mut self, env: &'env Env) -> Result<ArrayBuffer<'env>, String> {
        if self.input_handed_out {
            return Err(config(
                "inputBuffer",
                "the input buffer was already handed out".into(),
            ));
        }
        let holder = self.input.clone();
        let ptr = self.input.0.get() as *mut u8;
        // SAFETY: the slot lives as long as `holder`, which the finalizer drops.
        let buffer = unsafe { ArrayBuffer::from_external(env, ptr, 64, holder, |_, h| drop(h)) }
            .map_err(|e| config("inputBuffer", e.reason.clone()))?;
        self.input_handed_out = true;
        Ok(buffer)
    }

    /// Appends the bar in the input slot (time, open, high, low, close, volume). Returns the
    /// closed-series mask.
    #[napi(catch_unwind)]
    pub fn append_input(&mut self, id: u32) -> Result<u32, String> {
        // SAFETY: no JavaScript runs during this call, so nothing writes the slot while it is read.
        let s = unsafe { *self.input.0.get() };
        self.store
            .append(id, &Bar::new(s[0], s[1], s[2], s[3], s[4], s[5]))
            .map_err(to_js)
    }

    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn append_many(
        &mut self,
        id: u32,
        time: &[f64],
        open: &[f64],
        high: &[f64],
        low: &[f64],
        close: &[f64],
        volume: &[f64],
        skip_invalid: bool,
    ) -> Result<NativeBatchOutcome, String> {
        let mode = if skip_invalid {
            InvalidBars::Skip
        } else {
            InvalidBars::Throw
        };
        let out = self
            .store
            .append_many(id, [time, open, high, low, close, volume], mode)
            .map_err(to_js)?;
        Ok(NativeBatchOutcome {
            appended: out.appended as u32,
            closed: out.closed,
            rejected_index: out
                .rejected
                .iter()
                .map(|r| r.index.unwrap_or(0) as u32)
                .collect(),
            rejected_code: out
                .rejected
                .iter()
                .map(|r| r.reason.code().to_owned())
                .collect(),
            rejected_message: out.rejected.into_iter().map(|r| r.message).collect(),
        })
    }

    /// Moves the clock. Returns `[symbol id, mask, symbol id, mask, ...]` for what closed.
    #[napi(catch_unwind)]
    pub fn advance_to(&mut self, time: f64) -> Result<Vec<u32>, String> {
        let closed = self.store.advance_to(time).map_err(to_js)?;
        Ok(closed.iter().flat_map(|&(id, mask)| [id, mask]).collect())
    }

    /// Ends the session. Returns `[symbol id, mask, ...]` for what closed.
    #[napi(catch_unwind)]
    pub fn end_session(&mut self) -> Result<Vec<u32>, String> {
        let closed = self.store.end_session().map_err(to_js)?;
        Ok(closed
            .into_iter()
            .flat_map(|(id, mask)| [id, mask])
            .collect())
    }

    /// Closed bars in a series.
    #[napi(catch_unwind)]
    pub fn series_length(&self, id: u32, series: u32) -> Result<u32, String> {
        Ok(self.store.series(id, series as usize).map_err(to_js)?.len() as u32)
    }

    /// Changes exactly when the series moves to a new block (a new `seriesBlock` is then due).
    #[napi(catch_unwind)]
    pub fn series_generation(&self, id: u32, series: u32) -> Result<u32, String> {
        Ok(self
            .store
            .series(id, series as usize)
            .map_err(to_js)?
            .generation())
    }

    /// An external ArrayBuffer over the series' current block: six columns of `byteLength / 48`
    /// `f64`s each (time, open, high, low, close, volume). `null` before the first bar. The caller
    /// must make one per generation and reuse it: V8 aborts on two external buffers over one block.
    #[napi(catch_unwind)]
    pub fn series_block<'env>(
        &self,
        env: &'env Env,
        id: u32,
        series: u32,
    ) -> Result<Option<ArrayBuffer<'env>>, String> {
        let cols = self.store.series(id, series as usize).map_err(to_js)?;
        let Some(block) = cols.block() else {
            return Ok(None);
        };
        let holder: Arc<ColumnBlock> = block.clone();
        let (ptr, len) = (block.as_ptr() as *mut u8, block.byte_len());
        // SAFETY: the block is alive while `holder` is, and the finalizer drops `holder` only when
        // the ArrayBuffer is collected. Bytes handed out are never rewritten.
        let buffer = unsafe { ArrayBuffer::from_external(env, ptr, len, holder, |_, h| drop(h)) }
            .map_err(|e| config("seriesBlock", e.reason.clone()))?;
        Ok(Some(buffer))
    }

    /// The forming bar `[time, open, high, low, close, volume]`, or `null`.
    #[napi(catch_unwind)]
    pub fn forming(&self, id: u32, series: u32) -> Result<Option<Float64Array>, String> {
        let bar = self.store.forming(id, series as usize).map_err(to_js)?;
        Ok(bar.map(|b| Float64Array::new(vec![b.time, b.open, b.high, b.low, b.close, b.volume])))
    }

    /// Rejection counts of a symbol, in `rejectCodes` order.
    #[napi(catch_unwind)]
    pub fn rejections(&self, id: u32) -> Result<Vec<f64>, String> {
        Ok(self
            .store
            .rejections(id)
            .map_err(to_js)?
            .iter()
            .map(|&n| n as f64)
            .collect())
    }

    /// Bars stored across every symbol and series.
    #[napi(catch_unwind)]
    pub fn stored_bars(&self) -> f64 {
        self.store.stored_bars() as f64
    }

    /// Bytes held by the current column blocks.
    #[napi(catch_unwind)]
    pub fn allocated_bytes(&self) -> f64 {
        self.store.allocated_bytes() as f64
    }
}
