//! Tells V8 how much native memory the column blocks hold, so that its collector runs when stores
//! that JavaScript dropped hold a lot of it.
//!
//! V8 schedules collections by what it allocates itself. A store's JavaScript object is small,
//! while its blocks may hold hundreds of megabytes; unreported, a loop that makes a store per run
//! (a parameter sweep) could grow without bound before a collection frees the dropped ones.

use barstream_core::MemoryAccount;
use napi::sys;

/// Changes smaller than this wait for the next call: telling V8 costs more than an append.
const STEP: u64 = 1 << 20;

/// Tells V8 of the change in `account`'s bytes since it was last told, once it reaches a MiB.
/// `account` is the store's, that of the thread (the isolate: the main one or a worker) that made
/// it and calls it: told of the process's bytes, the isolate that looked first took every change,
/// and a worker's dropped stores went unreported while another thread appended (a sweep of 50 MB
/// stores in a worker reached 3 GB resident, against 330 MB with the main thread idle).
///
/// # Safety
/// `env` must be the env of the running call, on the thread whose account `account` is.
pub(crate) unsafe fn report(env: sys::napi_env, account: &MemoryAccount) {
    if let Some(change) = account.take_change(STEP) {
        let mut total = 0i64;
        // SAFETY: the caller's env; the status only says whether V8 took note.
        unsafe { sys::napi_adjust_external_memory(env, change, &mut total) };
    }
}
