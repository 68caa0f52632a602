//! `live_series_bytes` and `thread_series_bytes`: what series blocks hold, counted as they are
//! made and freed, in the process and per thread that made them. Alone in its test binary, since
//! the process's count is process-wide; its tests run one after the other.

use barstream_core::{live_series_bytes, thread_account, thread_series_bytes, Bar, Columns};
use std::sync::Mutex;

/// The tests share the process's count.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

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
        drop(cols);
        assert_eq!(account.take_change(40_000), Some(-48_000));
    })
    .join()
    .unwrap();
}
