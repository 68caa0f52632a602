//! Binding of `barstream_core::store`: the `NativeSessionStore` class.

use crate::columns::external_block;
use crate::error::{config, to_js};
use crate::indicators::{spec_of, NativeIndicatorConfig, Standalone};
use barstream_core::{
    thread_account, Alignment, Bar, EmptyBuckets, Interval, InvalidBars, MemoryAccount,
    RejectReason, Session, SessionStore, StoreConfig,
};
use napi::bindgen_prelude::{ArrayBuffer, JsObjectValue, JsValue, Object, Unknown};
use napi::sys;
use napi::Env;
use napi::Result;
use napi_derive::napi;
use std::cell::UnsafeCell;

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
    /// Indicators per series, base first; see `seriesOutputs` for the columns they make.
    pub indicators: Option<Vec<Vec<NativeIndicatorConfig>>>,
}

/// The calling slot: `f64`s that JavaScript fills before calling a slot function, so the hottest
/// calls cross with no argument (or only the batch columns). Functions made directly with
/// `napi_create_function` skip the per-call argument and receiver bookkeeping of generated
/// bindings, which costs several times the work of an append.
/// Layout: `[time, open, high, low, close, volume, store handle, symbol id, series, skip invalid]`;
/// results come back in the first entries.
const SLOT_LEN: usize = 10;

/// Indices into the calling slot.
const HANDLE: usize = 6;
const SYMBOL: usize = 7;
const SERIES: usize = 8;
/// For `appendManySlot`: 1 to skip invalid bars, 0 to reject the batch at the first.
const SKIP_INVALID: usize = 9;
/// For `appendSliceSlot`: the row of the columns where the slice starts.
const SLICE_FROM: usize = 9;

type Slot = UnsafeCell<[f64; SLOT_LEN]>;

struct Registry {
    /// This thread's calling slot. Leaked on purpose: the ArrayBuffer over it may outlive every
    /// store.
    slot: &'static Slot,
    /// The one ArrayBuffer over the slot, held by a reference, with the env that made it.
    slot_buffer: Option<(sys::napi_env, sys::napi_ref)>,
    /// Live stores by handle; null where a store was dropped.
    stores: Vec<*mut SessionStore>,
    free: Vec<u32>,
    /// Live standalone indicators by handle; null where one was dropped.
    indicators: Vec<*mut Standalone>,
    free_indicators: Vec<u32>,
}

thread_local! {
    /// One registry and slot per JavaScript thread: a worker has its own.
    static REGISTRY: UnsafeCell<Registry> = UnsafeCell::new(Registry {
        slot: Box::leak(Box::new(UnsafeCell::new([0.0; SLOT_LEN]))),
        slot_buffer: None,
        stores: Vec::new(),
        free: Vec::new(),
        indicators: Vec::new(),
        free_indicators: Vec::new(),
    });
}

fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    // SAFETY: thread-local, and no function here re-enters another while holding it.
    REGISTRY.with(|r| f(unsafe { &mut *r.get() }))
}

/// Registers a standalone indicator for `indicatorSlot` calls; returns its handle. The pointer
/// must stay valid until [`unregister_indicator`] is called with the handle.
pub(crate) fn register_indicator(ptr: *mut Standalone) -> u32 {
    with_registry(|r| match r.free_indicators.pop() {
        Some(h) => {
            r.indicators[h as usize] = ptr;
            h
        }
        None => {
            r.indicators.push(ptr);
            (r.indicators.len() - 1) as u32
        }
    })
}

/// Forgets the standalone indicator of `handle` (it is being dropped).
pub(crate) fn unregister_indicator(handle: u32) {
    with_registry(|r| {
        r.indicators[handle as usize] = std::ptr::null_mut();
        r.free_indicators.push(handle);
    });
}

/// The slot's standalone-indicator call: the indicator named by the slot's handle takes the bar
/// `[high, low, close, volume]` in slot entries 0 to 3, committing it (entry 4 is 0) or only
/// peeking (1), and its outputs go to the slot's first entries.
fn indicator_from_slot() -> Result<(), String> {
    with_registry(|r| {
        let values = SlotValues(r.slot);
        let handle = values[HANDLE];
        let ptr = live(&r.indicators, handle);
        if ptr.is_null() {
            return Err(config(
                "indicator",
                format!("no live indicator has handle {handle}"),
            ));
        }
        // SAFETY: registered and not yet dropped; JavaScript is single-threaded and nothing else
        // holds a reference to it during this call.
        let indicator = unsafe { &mut *ptr };
        let (high, low, close, volume) = (values[0], values[1], values[2], values[3]);
        let peek = values[4] != 0.0;
        let outputs = indicator.run(high, low, close, volume, peek);
        // SAFETY: as above for the slot; the outputs are at most three.
        let slot = unsafe { &mut *r.slot.get() };
        let n = outputs.len().min(SLOT_LEN);
        slot[..n].copy_from_slice(&outputs[..n]);
        Ok(())
    })
}

unsafe extern "C" fn raw_indicator_slot(
    env: sys::napi_env,
    _: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe { raw_call(env, indicator_from_slot) }
}

/// Reads single entries of the slot. Copying the whole slot first costs a stall here: JavaScript has
/// just written it an `f64` at a time, and wider loads of those stores cannot be forwarded.
#[derive(Clone, Copy)]
struct SlotValues(&'static Slot);

impl std::ops::Index<usize> for SlotValues {
    type Output = f64;
    #[inline]
    fn index(&self, i: usize) -> &f64 {
        // SAFETY: JavaScript writes the slot only while no native code runs on this thread, and
        // the reference does not outlive the read it is made for (callers copy the value).
        unsafe { &(*self.0.get())[i] }
    }
}

/// The entry of `list` that `handle` (a slot entry) names: null for a handle that is not a whole
/// index of it, or names a dropped entry.
fn live<T>(list: &[*mut T], handle: f64) -> *mut T {
    let index = handle as usize;
    match list.get(index) {
        Some(&p) if index as f64 == handle => p,
        _ => std::ptr::null_mut(),
    }
}

/// The slot's contents and the store its handle names, in one look-up of the thread's registry.
///
/// # Safety
/// The returned reference must not outlive the current native call; no other reference to that
/// store may be live (true: JavaScript is single-threaded and the core never calls back).
unsafe fn slot_and_store<'a>() -> Result<(&'static Slot, SlotValues, &'a mut SessionStore), String>
{
    with_registry(|r| {
        let values = SlotValues(r.slot);
        let handle = values[HANDLE];
        let ptr = live(&r.stores, handle);
        if ptr.is_null() {
            return Err(config(
                "store",
                format!("no live store has handle {handle}"),
            ));
        }
        Ok((r.slot, values, unsafe { &mut *ptr }))
    })
}

/// The calling slot as an ArrayBuffer of ten `f64`s: always the same buffer on a thread, since a
/// second external buffer over the same memory would abort V8. Every copy of the TypeScript layer
/// that loads this addon gets it from here, so none can write into another addon's slot.
#[napi(catch_unwind, ts_return_type = "ArrayBuffer")]
pub fn calling_slot(env: &Env) -> Result<Unknown<'_>, String> {
    let raw_env = env.raw();
    let fail = |what: &str| config("callingSlot", format!("could not {what}"));
    let mut value = std::ptr::null_mut();
    if let Some((made_in, reference)) = with_registry(|r| r.slot_buffer) {
        if made_in == raw_env {
            // SAFETY: a reference this env made and never deleted.
            let status = unsafe { sys::napi_get_reference_value(raw_env, reference, &mut value) };
            if status != sys::Status::napi_ok || value.is_null() {
                return Err(fail("read the slot's buffer"));
            }
            // SAFETY: a value of this env.
            return Ok(unsafe { Unknown::from_raw_unchecked(raw_env, value) });
        }
    }
    let ptr = with_registry(|r| r.slot.get() as *mut u8);
    // SAFETY: the slot is leaked, so it outlives the buffer.
    let buffer = unsafe { ArrayBuffer::from_external(env, ptr, SLOT_LEN * 8, (), |_, _| ()) }
        .map_err(|e| config("callingSlot", e.reason.clone()))?;
    let mut reference = std::ptr::null_mut();
    // SAFETY: a strong reference, kept for the env's life, so the buffer is never made twice.
    let status = unsafe { sys::napi_create_reference(raw_env, buffer.raw(), 1, &mut reference) };
    if status != sys::Status::napi_ok {
        return Err(fail("keep the slot's buffer"));
    }
    with_registry(|r| r.slot_buffer = Some((raw_env, reference)));
    // SAFETY: a value of this env.
    Ok(unsafe { Unknown::from_raw_unchecked(raw_env, buffer.raw()) })
}

fn append_from_slot() -> Result<*const MemoryAccount, String> {
    // SAFETY: see slot_and_store.
    let (slot, s, store) = unsafe { slot_and_store()? };
    // The bar is read where JavaScript wrote it: a copy made here would be read back at once in
    // wider loads than it was written with, which stalls.
    // SAFETY: `Bar` is `repr(C)`, six f64s, the slot's first entries; nothing writes the slot
    // while the store runs, and the reference ends before the result is written.
    let bar = unsafe { &*(slot.get() as *const Bar) };
    let mask = store.append(s[SYMBOL] as u32, bar).map_err(to_js)?;
    // SAFETY: as in slot_and_store.
    unsafe { (*slot.get())[0] = mask as f64 };
    Ok(store.memory_account())
}

fn series_state_from_slot() -> Result<(), String> {
    // SAFETY: see slot_and_store.
    let (slot, s, store) = unsafe { slot_and_store()? };
    let cols = store
        .series(s[SYMBOL] as u32, s[SERIES] as usize)
        .map_err(to_js)?;
    // SAFETY: as in slot_and_store.
    let out = unsafe { &mut *slot.get() };
    out[0] = cols.len() as f64;
    out[1] = cols.generation() as f64;
    out[2] = cols.start() as f64;
    Ok(())
}

/// Reads the state of many series in one call: for each `i`, the length, block generation and start
/// index of series `series[i]` of symbol `ids[i]` go to `out[3 * i ..]`. Throws, having written
/// nothing that counts, for an unknown symbol or series or arrays too short.
fn series_states(args: [&[f64]; 3]) -> Result<(), String> {
    // SAFETY: see slot_and_store.
    let (_, _, store) = unsafe { slot_and_store()? };
    let [ids, series, out] = args;
    let n = ids.len();
    if series.len() < n || out.len() / 3 < n {
        return Err(config(
            "series",
            format!("{n} ids need {n} series and {} results", 3 * n),
        ));
    }
    // SAFETY: `out` is a Float64Array of the caller's, distinct from the inputs, alive through the
    // call; JavaScript does not run while we write it.
    let out = unsafe { std::slice::from_raw_parts_mut(out.as_ptr() as *mut f64, 3 * n) };
    for ((&id, &s), state) in ids.iter().zip(series).zip(out.chunks_exact_mut(3)) {
        if !(id >= 0.0 && id.fract() == 0.0 && s >= 0.0 && s.fract() == 0.0) {
            return Err(config("series", format!("symbol {id}, series {s}")));
        }
        let cols = store.series(id as u32, s as usize).map_err(to_js)?;
        state[0] = cols.len() as f64;
        state[1] = cols.generation() as f64;
        state[2] = cols.start() as f64;
    }
    Ok(())
}

fn forming_from_slot() -> Result<(), String> {
    // SAFETY: see slot_and_store.
    let (slot, s, store) = unsafe { slot_and_store()? };
    let bar = store
        .forming(s[SYMBOL] as u32, s[SERIES] as usize)
        .map_err(to_js)?;
    // SAFETY: as in slot_and_store.
    let out = unsafe { &mut *slot.get() };
    match bar {
        Some(b) => out[..6].copy_from_slice(&[b.time, b.open, b.high, b.low, b.close, b.volume]),
        None => out[0] = f64::NAN,
    }
    Ok(())
}

/// Runs `f` for a raw callback: `undefined` (results are in the slot), or the thrown error (a
/// panic included).
unsafe fn raw_call(env: sys::napi_env, f: impl FnOnce() -> Result<(), String>) -> sys::napi_value {
    // SAFETY: the caller's env.
    unsafe { raw_store_call(env, || f().map(|()| std::ptr::null())) }
}

/// [`raw_call`] for a call that may make or free blocks: `f` gives the memory account of the store
/// it called, which V8 is then told of (see `memory::report`).
unsafe fn raw_store_call(
    env: sys::napi_env,
    f: impl FnOnce() -> Result<*const MemoryAccount, String>,
) -> sys::napi_value {
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(crate::error::panic(p)));
    match out {
        // SAFETY: a store's account, which the store keeps alive; no store is dropped during a call.
        Ok(account) if !account.is_null() => unsafe { crate::memory::report(env, &*account) },
        Ok(_) => {}
        Err(e) => {
            // A call that failed may still have made blocks (a batch refused after it reserved room
            // for its bars): this thread's account, which is its stores', is told all the same.
            unsafe { crate::memory::report(env, &thread_account()) };
            unsafe { crate::error::throw(env, e) };
        }
    }
    std::ptr::null_mut()
}

/// The bar columns, in the order batches take them.
const COLUMN_NAMES: [&str; 6] = ["time", "open", "high", "low", "close", "volume"];

/// The `Float64Array` arguments of a raw callback, read without copying; `names` name them in errors.
///
/// # Safety
/// `env` and `info` must be the running callback's; the slices must not outlive it.
unsafe fn float64_args<'a, const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    names: [&str; N],
) -> Result<[&'a [f64]; N], String> {
    let mut argc = N;
    let mut argv = [std::ptr::null_mut(); N];
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if status != sys::Status::napi_ok || argc < N {
        return Err(config(
            "columns",
            format!("expected {N} Float64Array arguments, got {argc}"),
        ));
    }
    let mut out: [&[f64]; N] = [&[]; N];
    for (i, arg) in argv.iter().enumerate() {
        let (mut kind, mut len, mut data) = (0, 0usize, std::ptr::null_mut());
        let status = unsafe {
            sys::napi_get_typedarray_info(
                env,
                *arg,
                &mut kind,
                &mut len,
                &mut data,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if status != sys::Status::napi_ok || kind != sys::TypedarrayType::float64_array {
            return Err(config(
                "columns",
                format!("column {} is not a Float64Array", names[i]),
            ));
        }
        // SAFETY: N-API gives the array's data and length; the array lives through the call.
        out[i] = if len == 0 {
            &[]
        } else {
            unsafe { std::slice::from_raw_parts(data as *const f64, len) }
        };
    }
    Ok(out)
}

thread_local! {
    /// What the last `advanceToSlot` closed, when its results array was too short, until
    /// `takeClosed` takes it.
    static LAST_CLOSED: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Advances the clock of the slot's store to slot entry 0 (see `SessionStore::advance_to`) and
/// writes the number of `(symbol id, mask)` pairs that closed into slot entry 0. The pairs go into
/// `results` (slot entry 1 is then 1) when it has room for them, which `2 * symbols` always is;
/// otherwise they wait for `takeClosed` (entry 1 is 0).
fn advance_to_from_slot(args: [&[f64]; 1]) -> Result<*const MemoryAccount, String> {
    // SAFETY: see slot_and_store.
    let (slot, s, store) = unsafe { slot_and_store()? };
    let [results] = args;
    let closed = store.advance_to(s[0]).map_err(to_js)?;
    let n = closed.len();
    // SAFETY: as in slot_and_store.
    let out = unsafe { &mut *slot.get() };
    out[0] = n as f64;
    if 2 * n <= results.len() {
        // SAFETY: `results` is a Float64Array of the caller's, alive through the call, and no other
        // argument; JavaScript does not run while we write it.
        let pairs = unsafe { std::slice::from_raw_parts_mut(results.as_ptr() as *mut f64, 2 * n) };
        for (pair, &(id, mask)) in pairs.chunks_exact_mut(2).zip(closed) {
            pair[0] = f64::from(id);
            pair[1] = f64::from(mask);
        }
        out[1] = 1.0;
    } else {
        let flat = closed.iter().flat_map(|&(id, mask)| [id, mask]).collect();
        LAST_CLOSED.with(|c| *c.borrow_mut() = flat);
        out[1] = 0.0;
    }
    Ok(store.memory_account())
}

/// Takes the pairs that the last `advanceToSlot` call on this thread could not write into its
/// results array, leaving none.
#[napi(catch_unwind)]
pub fn take_closed() -> Vec<u32> {
    LAST_CLOSED.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

unsafe extern "C" fn raw_advance_to_slot(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        raw_store_call(env, || {
            advance_to_from_slot(float64_args(env, info, ["results"])?)
        })
    }
}

/// Judges the bar in the slot (`time, open, high, low, close, volume`) for the symbol id in the
/// slot (negative: one the store has not met) as an append would, changing nothing (see
/// `SessionStore::check`), and writes the reason's index into slot entry 0, or -1 when the bar
/// would be stored.
fn check_from_slot() -> Result<(), String> {
    // SAFETY: see slot_and_store.
    let (slot, s, store) = unsafe { slot_and_store()? };
    let symbol = s[SYMBOL];
    let id = (symbol >= 0.0).then_some(symbol as u32);
    // SAFETY: `Bar` is `repr(C)`, six f64s, the slot's first entries; the reference ends before
    // the result is written.
    let bar = unsafe { &*(slot.get() as *const Bar) };
    let verdict = store.check(id, bar).map_err(to_js)?;
    // SAFETY: as in slot_and_store.
    unsafe { (*slot.get())[0] = verdict.map_or(-1.0, |r| r as usize as f64) };
    Ok(())
}

/// Writes into `results` the indicator values series `series` (slot entry) of the symbol id in the
/// slot would have if its forming bar closed now, and 1 into slot entry 0, or 0 when it has no
/// forming bar (see `SessionStore::peek`).
fn peek_from_slot(args: [&[f64]; 1]) -> Result<(), String> {
    // SAFETY: see slot_and_store.
    let (slot, s, store) = unsafe { slot_and_store()? };
    let [results] = args;
    let (id, series) = (s[SYMBOL] as u32, s[SERIES] as usize);
    let outputs = store.series(id, series).map_err(to_js)?.outputs();
    if results.len() < outputs {
        return Err(config(
            "results",
            format!(
                "{outputs} indicator values need room, got {}",
                results.len()
            ),
        ));
    }
    // SAFETY: `results` is a Float64Array of the caller's, alive through the call, and no other
    // argument; JavaScript does not run while we write it.
    let out = unsafe { std::slice::from_raw_parts_mut(results.as_ptr() as *mut f64, outputs) };
    let formed = store.peek(id, series, out).map_err(to_js)?;
    // SAFETY: as in slot_and_store.
    unsafe { (*slot.get())[0] = if formed { 1.0 } else { 0.0 } };
    Ok(())
}

unsafe extern "C" fn raw_check_slot(
    env: sys::napi_env,
    _: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe { raw_call(env, check_from_slot) }
}

unsafe extern "C" fn raw_peek_slot(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        raw_call(env, || {
            peek_from_slot(float64_args(env, info, ["results"])?)
        })
    }
}

/// Takes the gaps the slot's store recorded since the last take (see `SessionStore::take_gaps`)
/// into `results`, `[symbol id, from, to]` a gap, and writes their number into slot entry 0 and 1
/// into entry 1. When `results` is too short, takes nothing: entry 0 is the number waiting and
/// entry 1 is 0, for the caller to try again with room for them.
fn take_gaps_from_slot(args: [&[f64]; 1]) -> Result<(), String> {
    // SAFETY: see slot_and_store.
    let (slot, _, store) = unsafe { slot_and_store()? };
    let [results] = args;
    let n = store.pending_gaps();
    // SAFETY: as in slot_and_store.
    let out = unsafe { &mut *slot.get() };
    out[0] = n as f64;
    if 3 * n > results.len() {
        out[1] = 0.0;
        return Ok(());
    }
    let gaps = store.take_gaps();
    // SAFETY: `results` is a Float64Array of the caller's, alive through the call, and no other
    // argument; JavaScript does not run while we write it.
    let triples = unsafe { std::slice::from_raw_parts_mut(results.as_ptr() as *mut f64, 3 * n) };
    for (t, g) in triples.chunks_exact_mut(3).zip(&gaps) {
        t[0] = f64::from(g.symbol);
        t[1] = g.from as f64;
        t[2] = g.to as f64;
    }
    out[1] = 1.0;
    Ok(())
}

unsafe extern "C" fn raw_take_gaps_slot(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        raw_call(env, || {
            take_gaps_from_slot(float64_args(env, info, ["results"])?)
        })
    }
}

thread_local! {
    /// The rejections of the last `appendManySlot` under skip, until `takeRejections` takes them.
    static LAST_REJECTIONS: std::cell::RefCell<Vec<barstream_core::Rejection>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn append_many_from_slot(cols: [&[f64]; 6]) -> Result<*const MemoryAccount, String> {
    // SAFETY: see slot_and_store.
    let (slot, s, store) = unsafe { slot_and_store()? };
    let mode = if s[SKIP_INVALID] != 0.0 {
        InvalidBars::Skip
    } else {
        InvalidBars::Throw
    };
    let out = store
        .append_many(s[SYMBOL] as u32, cols, mode)
        .map_err(to_js)?;
    // SAFETY: as in slot_and_store.
    let results = unsafe { &mut *slot.get() };
    results[0] = out.appended as f64;
    results[1] = out.closed as f64;
    results[2] = out.rejected.len() as f64;
    LAST_REJECTIONS.with(|r| *r.borrow_mut() = out.rejected);
    Ok(store.memory_account())
}

/// Added to a bar's closed mask in `appendSliceSlot` results when the bar opened a gap. Masks hold
/// at most 32 series, so they are below it, and every sum is exact in an `f64`.
const GAP_FLAG: f64 = 4_294_967_296.0;

/// Bars of a slice gathered at a time before they are appended (see [`append_slice`]).
const SLICE_CHUNK: usize = 32;

/// Appends one bar for each entry of a time slice: `ids[i]` names the symbol of bar `i` (row
/// `from + i` of the columns time, open, high, low, close, volume, `from` being slot entry
/// [`SLICE_FROM`]), and `results[i]` receives the closed-series mask, plus
/// [`GAP_FLAG`] when the bar skipped slots (its gap is queued for `takeGapsSlot`), or `-(1 + reason)`
/// for a bar the store rejected (counted as always). The other errors (an unknown store or symbol,
/// a bad `from`, columns too short) are thrown before anything is appended.
fn append_slice(args: [&[f64]; 8]) -> Result<*const MemoryAccount, String> {
    // SAFETY: see slot_and_store.
    let (_, s, store) = unsafe { slot_and_store()? };
    let [ids, time, open, high, low, close, volume, results] = args;
    let n = ids.len();
    let from = s[SLICE_FROM];
    if !(from >= 0.0 && from.fract() == 0.0) {
        return Err(config("from", format!("{from} is not a row index")));
    }
    let from = from as usize;
    let rows = from.saturating_add(n);
    if [time, open, high, low, close, volume]
        .iter()
        .any(|c| c.len() < rows)
        || results.len() < n
    {
        return Err(config(
            "columns",
            format!("every column needs at least {rows} entries, the results {n}"),
        ));
    }
    let [time, open, high, low, close, volume] =
        [time, open, high, low, close, volume].map(|c| &c[from..rows]);
    // Every id is checked before any bar goes in, so that a bad one leaves the slice unappended.
    if let Some(bad) = ids.iter().find(|&&id| {
        !(id >= 0.0 && id.fract() == 0.0 && id <= f64::from(u32::MAX) && store.knows(id as u32))
    }) {
        return Err(config(
            "symbol",
            format!("symbol id {bad} is unknown (or its symbol was removed)"),
        ));
    }
    // SAFETY: `results` is a Float64Array of the caller's, distinct from the inputs, alive through
    // the call; JavaScript does not run while we write it.
    let out = unsafe { std::slice::from_raw_parts_mut(results.as_ptr() as *mut f64, n) };
    // A bar opened a gap exactly when the queue grew during its append.
    let mut pending = store.pending_gaps();
    // The bars are gathered a chunk at a time before any is appended: the store reads a bar in
    // wider loads than the gathering writes it with, and such a load of a bar written just before
    // waits for the writes to land (a fifth of the slice's time, measured). A chunk's first bar
    // was written a chunk's worth of bars earlier.
    let mut bars = [Bar::new(0.0, 0.0, 0.0, 0.0, 0.0, 0.0); SLICE_CHUNK];
    for start in (0..n).step_by(SLICE_CHUNK) {
        let end = (start + SLICE_CHUNK).min(n);
        for (i, bar) in (start..end).zip(bars.iter_mut()) {
            *bar = Bar::new(time[i], open[i], high[i], low[i], close[i], volume[i]);
        }
        for (i, bar) in (start..end).zip(bars.iter()) {
            // Each bar is another symbol's, whose state is rarely in cache: ask for its record
            // four bars ahead and for what its append touches two ahead (7-14% of the core's time
            // in `examples/slices.rs`).
            if let Some(&id) = ids.get(i + 4) {
                store.prefetch_record(id as u32);
            }
            if let Some(&id) = ids.get(i + 2) {
                store.prefetch(id as u32);
            }
            out[i] = match store.append(ids[i] as u32, bar) {
                Ok(mask) => {
                    let now = store.pending_gaps();
                    let flag = if now != pending { GAP_FLAG } else { 0.0 };
                    pending = now;
                    mask as f64 + flag
                }
                Err(barstream_core::Error::Rejected(r)) => -(1.0 + r.reason as usize as f64),
                Err(e) => return Err(to_js(e)),
            };
        }
    }
    Ok(store.memory_account())
}

unsafe extern "C" fn raw_append_slice_slot(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        raw_store_call(env, || {
            append_slice(float64_args(
                env,
                info,
                [
                    "ids", "time", "open", "high", "low", "close", "volume", "results",
                ],
            )?)
        })
    }
}

unsafe extern "C" fn raw_series_states(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        raw_call(env, || {
            series_states(float64_args(env, info, ["ids", "series", "states"])?)
        })
    }
}

unsafe extern "C" fn raw_forming_slot(
    env: sys::napi_env,
    _: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe { raw_call(env, forming_from_slot) }
}

unsafe extern "C" fn raw_append_many_slot(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        raw_store_call(env, || {
            append_many_from_slot(float64_args(env, info, COLUMN_NAMES)?)
        })
    }
}

/// Rejected bars of a batch, as parallel arrays.
#[napi(object)]
pub struct NativeRejections {
    pub index: Vec<u32>,
    pub code: Vec<String>,
    pub message: Vec<String>,
}

/// Takes the rejections that the last `appendManySlot` call on this thread reported in slot
/// entry 2 (under skip), leaving none.
#[napi(catch_unwind)]
pub fn take_rejections() -> NativeRejections {
    let rejected = LAST_REJECTIONS.with(|r| std::mem::take(&mut *r.borrow_mut()));
    NativeRejections {
        index: rejected
            .iter()
            .map(|r| r.index.unwrap_or(0) as u32)
            .collect(),
        code: rejected
            .iter()
            .map(|r| r.reason.code().to_owned())
            .collect(),
        message: rejected.into_iter().map(|r| r.message).collect(),
    }
}

unsafe extern "C" fn raw_append_slot(
    env: sys::napi_env,
    _: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe { raw_store_call(env, append_from_slot) }
}

unsafe extern "C" fn raw_series_state(
    env: sys::napi_env,
    _: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe { raw_call(env, series_state_from_slot) }
}

/// The hottest calls as plain N-API functions, without the per-call bookkeeping of generated
/// bindings (which costs more than an append itself):
/// - `appendSlot()` appends the bar in the slot (`time, open, high, low, close, volume`) to the
///   store and symbol named by the slot's handle and id, and writes the closed-series mask into
///   slot entry 0;
/// - `seriesState()` writes the length, block generation and start index in the block of the
///   series named by the slot (handle, symbol id, series) into slot entries 0, 1 and 2;
/// - `seriesStates(ids, series, states)` does the same for many series of the slot's store at
///   once: series `series[i]` of symbol `ids[i]` into `states[3 * i ..]`;
/// - `formingSlot()` writes the forming bar of the series named by the slot into slot entries 0 to
///   5 (time, open, high, low, close, volume), or NaN into entry 0 when there is none;
/// - `appendManySlot(time, open, high, low, close, volume)` appends a batch of `Float64Array`
///   columns (read without copying) to the store and symbol named by the slot, skipping invalid
///   bars when slot entry 9 is 1, and writes the bars stored, the closed-series mask and the
///   number of rejections into slot entries 0, 1 and 2 (see `takeRejections`);
/// - `appendSliceSlot(ids, time, open, high, low, close, volume, results)` appends one bar a
///   symbol for a time slice in one call, writing each bar's closed mask (plus 2^32 when the bar
///   opened a gap, see `takeGapsSlot`; or `-(1 + reason)` when rejected) into `results`. Bar `i` is
///   row `from + i` of the columns, `from` being slot entry 9;
/// - `indicatorSlot()` feeds the bar `[high, low, close, volume]` in slot entries 0 to 3 to the
///   standalone indicator named by the slot's handle, committing it when entry 4 is 0 and peeking
///   when it is 1, and writes its outputs into the first entries;
/// - `advanceToSlot(results)` advances the clock of the slot's store to slot entry 0 and writes
///   the number of `(symbol id, mask)` pairs that closed into entry 0, and the pairs into
///   `results` when it has room (entry 1 is then 1; else 0, and `takeClosed` gives them);
/// - `takeGapsSlot(results)` takes the gaps the slot's store recorded into `results` as
///   `[symbol id, from, to]` triples and their number into entry 0 (entry 1 is 1), or, when
///   `results` is too short, takes none and gives the number waiting (entry 1 is 0);
/// - `checkSlot()` judges the bar in the slot for the symbol id in the slot (negative for one the
///   store has not met) as an append would, changing nothing, and writes the reason's index into
///   entry 0, or -1 when the bar would be stored;
/// - `peekSlot(results)` writes into `results` the indicator values of the series named by the
///   slot if its forming bar closed now, and 1 into entry 0 (0, writing nothing, with no forming
///   bar).
///
/// They return `undefined`: results come back through the slot, which spares making a value.
/// They throw the same errors as the other functions.
#[napi(
    ts_return_type = "{ appendSlot(): void; indicatorSlot(): void; advanceToSlot(results: Float64Array): void; takeGapsSlot(results: Float64Array): void; checkSlot(): void; peekSlot(results: Float64Array): void; seriesState(): void; seriesStates(ids: Float64Array, series: Float64Array, states: Float64Array): void; formingSlot(): void; appendManySlot(time: Float64Array, open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array): void; appendSliceSlot(ids: Float64Array, time: Float64Array, open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, results: Float64Array): void }"
)]
pub fn slot_functions(env: &Env) -> Result<Object<'_>, String> {
    let make = |name: &str, cb: sys::napi_callback| -> Result<sys::napi_value, String> {
        let mut f = std::ptr::null_mut();
        // SAFETY: name is valid UTF-8 of the given length; env is the calling env.
        let status = unsafe {
            sys::napi_create_function(
                env.raw(),
                name.as_ptr().cast(),
                name.len() as isize,
                cb,
                std::ptr::null_mut(),
                &mut f,
            )
        };
        if status != sys::Status::napi_ok {
            return Err(config(
                "slotFunctions",
                format!("could not create {name} (status {status})"),
            ));
        }
        Ok(f)
    };
    let mut obj = Object::new(env).map_err(|e| config("slotFunctions", e.reason.clone()))?;
    for (key, cb) in [
        ("appendSlot", raw_append_slot as RawCallback),
        ("seriesState", raw_series_state),
        ("seriesStates", raw_series_states),
        ("formingSlot", raw_forming_slot),
        ("appendManySlot", raw_append_many_slot),
        ("appendSliceSlot", raw_append_slice_slot),
        ("indicatorSlot", raw_indicator_slot),
        ("advanceToSlot", raw_advance_to_slot),
        ("takeGapsSlot", raw_take_gaps_slot),
        ("checkSlot", raw_check_slot),
        ("peekSlot", raw_peek_slot),
    ] {
        let f = make(key, Some(cb))?;
        // SAFETY: a function just created in this env.
        let value = unsafe { Unknown::from_raw_unchecked(env.raw(), f) };
        obj.set_named_property(key, value)
            .map_err(|e| config("slotFunctions", e.reason.clone()))?;
    }
    Ok(obj)
}

type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// The native session store.
#[napi]
pub struct NativeSessionStore {
    /// Boxed so the registry's pointer stays put.
    pub(crate) store: Box<SessionStore>,
    handle: u32,
}

impl Drop for NativeSessionStore {
    fn drop(&mut self) {
        let handle = self.handle;
        with_registry(|r| {
            r.stores[handle as usize] = std::ptr::null_mut();
            r.free.push(handle);
        });
    }
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
        cfg.indicators = options
            .indicators
            .unwrap_or_default()
            .iter()
            .map(|list| list.iter().map(spec_of).collect::<Result<Vec<_>, _>>())
            .collect::<Result<Vec<_>, _>>()?;
        let mut store = Box::new(SessionStore::new(cfg).map_err(to_js)?);
        let ptr: *mut SessionStore = &mut *store;
        let handle = with_registry(|r| match r.free.pop() {
            Some(h) => {
                r.stores[h as usize] = ptr;
                h
            }
            None => {
                r.stores.push(ptr);
                (r.stores.len() - 1) as u32
            }
        });
        Ok(NativeSessionStore { store, handle })
    }

    /// The base interval in milliseconds (the store refuses a `1d` base, so it is always fixed).
    #[napi(getter)]
    pub fn base_interval_ms(&self) -> f64 {
        self.store.config().base.millis().unwrap_or(0) as f64
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

    /// Indicator output names of every series, base first: the columns that follow the six bar
    /// columns in its blocks, in order.
    #[napi(catch_unwind)]
    pub fn series_outputs(&self) -> Vec<Vec<String>> {
        let cfg = self.store.config();
        (0..self.store.series_count())
            .map(|s| cfg.output_names(s))
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

    /// See `SessionStore::remove_symbol`. Blocks that views hold live on with them; the rest is
    /// freed now.
    #[napi(catch_unwind)]
    pub fn remove_symbol(&mut self, env: &Env, symbol: String) -> Result<bool, String> {
        let removed = self.store.remove_symbol(&symbol).map_err(to_js)?;
        // SAFETY: this call's env.
        unsafe { crate::memory::report(env.raw(), self.store.memory_account()) };
        Ok(removed)
    }

    #[napi(catch_unwind)]
    pub fn symbols(&self) -> Vec<String> {
        self.store.symbols().map(str::to_owned).collect()
    }

    #[napi(catch_unwind)]
    /// Opens a session; `shift_at`/`shift_by`, when given, are the day's change of the exchange's
    /// clocks (see `Session::with_clock_shift`).
    pub fn begin_session(
        &mut self,
        open: f64,
        close: f64,
        day_start: f64,
        shift_at: Option<f64>,
        shift_by: Option<f64>,
    ) -> Result<(), String> {
        let mut session = Session::new(open, close, day_start).map_err(to_js)?;
        if let (Some(at), Some(by)) = (shift_at, shift_by) {
            session = session.with_clock_shift(at, by).map_err(to_js)?;
        }
        self.store.begin_session(session).map_err(to_js)
    }

    /// Empties the store: every symbol, bar, session, gap and count goes; the configuration stays.
    /// Blocks that views hold live on with them; the rest is freed now.
    #[napi(catch_unwind)]
    pub fn clear(&mut self, env: &Env) -> Result<(), String> {
        let config = self.store.config().clone();
        *self.store = SessionStore::new(config).map_err(to_js)?;
        // SAFETY: this call's env.
        unsafe { crate::memory::report(env.raw(), self.store.memory_account()) };
        Ok(())
    }

    /// See `SessionStore::expect_sessions`.
    #[napi(catch_unwind)]
    pub fn expect_sessions(&mut self, sessions: u32) {
        self.store.expect_sessions(sessions as usize);
    }

    /// This store's handle, for the calling slot.
    #[napi(getter)]
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// Base bars of the open session timed before this are rejected as `late` (the clock closed
    /// their buckets); `null` when none would be.
    #[napi(getter)]
    pub fn late_before(&self) -> Option<f64> {
        self.store.late_before().map(|t| t as f64)
    }

    /// Moves the clock. Returns `[symbol id, mask, symbol id, mask, ...]` for what closed.
    #[napi(catch_unwind)]
    pub fn advance_to(&mut self, env: &Env, time: f64) -> Result<Vec<u32>, String> {
        let closed: Vec<u32> = self
            .store
            .advance_to(time)
            .map_err(to_js)?
            .iter()
            .flat_map(|&(id, mask)| [id, mask])
            .collect();
        // SAFETY: this call's env.
        unsafe { crate::memory::report(env.raw(), self.store.memory_account()) };
        Ok(closed)
    }

    /// Ends the session. Returns `[symbol id, mask, ...]` for what closed.
    #[napi(catch_unwind)]
    pub fn end_session(&mut self, env: &Env) -> Result<Vec<u32>, String> {
        let closed = self.store.end_session().map_err(to_js)?;
        // SAFETY: this call's env.
        unsafe { crate::memory::report(env.raw(), self.store.memory_account()) };
        Ok(closed
            .into_iter()
            .flat_map(|(id, mask)| [id, mask])
            .collect())
    }

    /// An external ArrayBuffer over the series' current block: six columns (time, open, high, low,
    /// close, volume) and then one a `seriesOutputs` name, `byteLength / (8 * columns)` `f64`s
    /// each, the stored bars from the start index
    /// that `seriesState` gives. `null` before the first bar. The caller
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
        let buffer = external_block(env, block.clone())
            .map_err(|e| config("seriesBlock", e.reason.clone()))?;
        Ok(Some(buffer))
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
