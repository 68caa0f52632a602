//! `live_series_bytes` and `thread_series_bytes`: what series blocks hold, counted as they are
//! made and freed, in the process and per thread that made them. Alone in its test binary, since
//! the process's count is process-wide; its tests run one after the other.

use barstream_core::{
    live_series_bytes, thread_account, thread_series_bytes, Bar, Columns, Interval, InvalidBars,
    Session, SessionStore, StoreConfig,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The tests share the process's count.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The heap, with a count of the allocations and frees of one size (`WATCHED`): a series block's,
/// which nothing else here allocates.
struct Watching;

static WATCHED: AtomicUsize = AtomicUsize::new(0);
static WATCHED_ALLOCS: AtomicUsize = AtomicUsize::new(0);
static WATCHED_FREES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to `System` unchanged; the counts are only atomics.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() == WATCHED.load(Ordering::Relaxed) {
            WATCHED_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() == WATCHED.load(Ordering::Relaxed) {
            WATCHED_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() == WATCHED.load(Ordering::Relaxed) {
            WATCHED_FREES.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static HEAP: Watching = Watching;

#[test]
fn live_series_bytes_follows_blocks_made_moved_held_and_freed() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(live_series_bytes(), 0);
    let mut cols = Columns::with_outputs(2);
    assert_eq!(
        live_series_bytes(),
        0,
        "nothing is allocated before the first bar"
    );
    cols.reserve(1000);
    // Eight columns of 1,000 f64s, from the heap.
    assert_eq!(live_series_bytes(), 8 * 1000 * 8);
    for i in 0..1000 {
        let p = 100.0 + i as f64;
        cols.push_with(&Bar::new(i as f64, p, p, p, p, 1.0), &[p, p]);
    }
    let held = cols.block().cloned().expect("a block");
    // Full: the next bar moves the bars to a block a quarter larger; a holder keeps the old one.
    cols.push_with(&Bar::new(1000.0, 1.0, 1.0, 1.0, 1.0, 1.0), &[1.0, 1.0]);
    assert_eq!(cols.capacity(), 1250);
    assert_eq!(live_series_bytes(), 8 * (1000 + 1250) * 8);
    drop(held);
    assert_eq!(live_series_bytes(), 8 * 1250 * 8);
    // On Linux a block of 2 MiB or more is mapped in whole 2 MiB units, and counted as mapped.
    let mut big = Columns::new();
    big.reserve(50_000);
    let size = 6 * 50_000 * 8usize;
    let mapped = if cfg!(target_os = "linux") {
        size.div_ceil(2 << 20) * (2 << 20)
    } else {
        size
    };
    assert_eq!(live_series_bytes(), 8 * 1250 * 8 + mapped);
    drop(big);
    drop(cols);
    assert_eq!(live_series_bytes(), 0);
}

#[test]
fn thread_series_bytes_counts_the_blocks_made_on_a_thread_wherever_they_are_dropped() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(thread_series_bytes(), 0);
    let mut mine = Columns::new();
    mine.reserve(1000);
    // Six columns of 1,000 f64s, made here.
    assert_eq!(thread_series_bytes(), 6 * 1000 * 8);
    // Made on another thread: its count, not this one's; the process's has both.
    let (theirs, counted_there) = std::thread::spawn(|| {
        let mut c = Columns::new();
        c.reserve(500);
        (c, thread_series_bytes())
    })
    .join()
    .unwrap();
    assert_eq!(counted_there, 6 * 500 * 8);
    assert_eq!(thread_series_bytes(), 6 * 1000 * 8);
    assert_eq!(live_series_bytes(), 6 * (1000 + 500) * 8);
    // Dropped here, it leaves the count of the thread that made it; this one's is unchanged.
    drop(theirs);
    assert_eq!(thread_series_bytes(), 6 * 1000 * 8);
    assert_eq!(live_series_bytes(), 6 * 1000 * 8);
    // Dropped on another thread, it leaves this thread's count.
    std::thread::spawn(move || drop(mine)).join().unwrap();
    assert_eq!(thread_series_bytes(), 0);
    assert_eq!(live_series_bytes(), 0);
}

/// What a thread's account tells of its blocks: a change once it reaches the step, once, then the
/// release. 1,000 bars reserved exactly are 1,000 x 6 columns x 8 bytes = 48,000 bytes, from the heap.
#[test]
fn take_change_tells_a_block_once_it_reaches_the_step_and_then_its_release() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // A thread of its own: an account that starts at 0 bytes.
    std::thread::spawn(|| {
        let account = thread_account();
        assert_eq!(account.bytes(), 0);
        let mut cols = Columns::new();
        cols.reserve(1000);
        assert_eq!(account.bytes(), 48_000);
        // Under a step of 1 MiB the change waits; at 40,000 it is told, once.
        assert_eq!(account.take_change(1 << 20), None);
        assert_eq!(account.take_change(40_000), Some(48_000));
        assert_eq!(account.take_change(1), None);
        // A change exactly at the step is told.
        let more = {
            let mut c = Columns::new();
            c.reserve(500);
            c
        };
        assert_eq!(account.take_change(24_000), Some(24_000));
        drop(more);
        drop(cols);
        assert_eq!(account.take_change(40_000), Some(-72_000));
    })
    .join()
    .unwrap();
}

/// A batch long enough to share its derived intervals with a second thread (65,536 bars or more,
/// three or more derived): the blocks that thread grows are counted in the account of the thread
/// that owns the store, as if it had grown them itself, so that Node's V8 hears of them there.
#[test]
fn a_batch_shared_with_a_second_thread_counts_its_blocks_in_the_owner_account() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    std::thread::spawn(|| {
        let iv = |s: &str| Interval::parse(s).unwrap();
        let mut config = StoreConfig::new(iv("1m"), vec![iv("5m"), iv("15m"), iv("30m"), iv("1h")]);
        // 100 bars a session reserved: every series grows many times inside the batch.
        config.capacity_hint = Some(100);
        let mut store = SessionStore::new(config).unwrap();
        let id = store.intern("SPY");
        // One session of 50 days of minutes, from the epoch.
        let minute = 60_000.0;
        store
            .begin_session(Session::new(0.0, 72_000.0 * minute, 0.0).unwrap())
            .unwrap();
        let n = 70_000;
        let time: Vec<f64> = (0..n).map(|i| i as f64 * minute).collect();
        let price = vec![100.0; n];
        let volume = vec![1.0; n];
        let outcome = store
            .append_many(
                id,
                [&time, &price, &price, &price, &price, &volume],
                InvalidBars::Throw,
            )
            .unwrap();
        assert_eq!(outcome.appended, n);
        // Every block alive was made for this store, on this thread or for it.
        assert!(live_series_bytes() > 0);
        assert_eq!(thread_series_bytes(), live_series_bytes());
        drop(store);
        assert_eq!(thread_series_bytes(), 0);
    })
    .join()
    .unwrap();
}

/// A block from the heap (under 2 MiB) goes back to the heap when its last holder drops it, once.
#[test]
fn a_heap_block_is_freed_once_when_its_last_holder_drops_it() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Six columns of 1,237 f64s: a size nothing else here allocates.
    WATCHED.store(6 * 1237 * 8, Ordering::Relaxed);
    let (allocs, frees) = (
        WATCHED_ALLOCS.load(Ordering::Relaxed),
        WATCHED_FREES.load(Ordering::Relaxed),
    );
    let counts = || {
        (
            WATCHED_ALLOCS.load(Ordering::Relaxed) - allocs,
            WATCHED_FREES.load(Ordering::Relaxed) - frees,
        )
    };
    let mut cols = Columns::new();
    cols.reserve(1237);
    cols.push(&Bar::new(0.0, 1.0, 1.0, 1.0, 1.0, 1.0));
    let held = cols.block().cloned().expect("a block");
    assert_eq!(counts(), (1, 0));
    drop(cols);
    // A view's holder keeps it.
    assert_eq!(counts(), (1, 0));
    drop(held);
    assert_eq!(counts(), (1, 1));
    WATCHED.store(0, Ordering::Relaxed);
}
