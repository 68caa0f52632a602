//! Tells V8 how much native memory the column blocks hold, so that its collector runs when stores
//! that JavaScript dropped hold a lot of it.
//!
//! V8 schedules collections by what it allocates itself. A store's JavaScript object is small,
//! while its blocks may hold hundreds of megabytes; unreported, a loop that makes a store per run
//! (a parameter sweep) could grow without bound before a collection frees the dropped ones.

use barstream_core::live_series_bytes;
use napi::sys;
use std::sync::atomic::{AtomicI64, Ordering};

/// What V8 was last told, in bytes.
static REPORTED: AtomicI64 = AtomicI64::new(0);

/// Changes smaller than this wait for the next call: telling V8 costs more than an append.
const STEP: u64 = 1 << 20;

/// Tells V8 of the change in [`live_series_bytes`] since it was last told, once it reaches a MiB.
/// Each change is told once, to the isolate whose call sees it first (with stores in several
/// worker threads, approximately their own).
///
/// # Safety
/// `env` must be the env of the running call.
pub(crate) unsafe fn report(env: sys::napi_env) {
    let live = live_series_bytes() as i64;
    let told = REPORTED.load(Ordering::Relaxed);
    let change = live - told;
    if change.unsigned_abs() < STEP
        || REPORTED
            .compare_exchange(told, live, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    let mut total = 0i64;
    // SAFETY: the caller's env; the status only says whether V8 took note.
    unsafe { sys::napi_adjust_external_memory(env, change, &mut total) };
}
