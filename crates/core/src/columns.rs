//! Column storage that zero-copy views can point into: the six bar columns, then one column per
//! indicator output, in one allocation that never moves while anything holds it.
//!
//! A [`Columns`] appends into its current [`ColumnBlock`]. When the block is full it copies the bars
//! into a larger new block and leaves the old one to whoever still holds it (an `Arc`), so memory
//! under a live view is never moved or freed. Bars `0..len` of a block are never written again,
//! which is what makes handing them out while appending past them sound.

use crate::bar::Bar;
use std::alloc::{self, Layout};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

/// Bar columns at the start of a block, in this order: time, open, high, low, close, volume.
/// Indicator outputs, if any, follow them.
pub const COLUMN_COUNT: usize = 6;

/// The most bars a block of `width` columns can hold and still be one JavaScript `ArrayBuffer`
/// (Node.js caps one at 4 GiB): 89,478,485 bars of the six bar columns alone.
pub fn max_view_bars(width: usize) -> usize {
    (1usize << 32) / (8 * width.max(1))
}

/// The most bars a block of `width` columns holds while it stays under the size that is mapped
/// on huge pages (see `ColumnBlock::alloc`): such a block comes from the heap, and only the pages
/// its bars reach become resident, where a mapped one has a huge page of each column resident from
/// its first bar.
pub fn bars_off_huge_pages(width: usize) -> usize {
    (HUGE_PAGE / (8 * width.max(1))).saturating_sub(1).max(16)
}

/// One allocation of `width * capacity` `f64`s: column `c` starts at `c * capacity`.
pub struct ColumnBlock {
    ptr: NonNull<f64>,
    capacity: usize,
    width: usize,
    /// Bytes mapped from the system for this block (a multiple of 2 MiB), or 0 when it came from
    /// the heap.
    mapped: usize,
    /// The account the block's bytes count in (see [`thread_series_bytes`]), as well as in
    /// [`live_series_bytes`]; none for output blocks.
    account: Option<Arc<MemoryAccount>>,
}

/// Bytes held by the live blocks of series (output blocks left out), in the whole process.
static LIVE_SERIES_BYTES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Bytes held by series blocks that are still alive, in the whole process: every store's current
/// blocks, and older ones that zero-copy views still hold. Blocks made by
/// [`ColumnBlock::for_output`] are left out (they are handed to their caller whole). A garbage
/// collector that cannot see native memory can be told of this figure, so that it runs when dropped
/// stores hold a lot of it.
pub fn live_series_bytes() -> usize {
    LIVE_SERIES_BYTES.load(std::sync::atomic::Ordering::Relaxed)
}

/// The bytes of the series blocks made on one thread (or by helpers working for it), still alive
/// wherever they are dropped from, and how much of them has been told to whoever schedules the
/// collection of their holders (see [`MemoryAccount::take_change`]). A garbage collector that
/// works per thread (V8 runs an isolate per worker) must be told of its thread's blocks, not the
/// process's: told of the process's, whichever thread looked first took every change, and a
/// worker whose dropped stores held gigabytes while another thread appended never heard of them.
#[derive(Debug, Default)]
pub struct MemoryAccount {
    bytes: AtomicUsize,
    told: AtomicI64,
}

impl MemoryAccount {
    /// Bytes held by the account's live blocks.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The change in [`MemoryAccount::bytes`] since it was last taken, once it reaches `step`
    /// bytes either way (smaller changes wait); taking it marks it told.
    pub fn take_change(&self, step: u64) -> Option<i64> {
        let live = self.bytes() as i64;
        let told = self.told.load(Ordering::Relaxed);
        let change = live - told;
        if change.unsigned_abs() < step {
            return None;
        }
        self.told.store(live, Ordering::Relaxed);
        Some(change)
    }
}

thread_local! {
    /// The account of the blocks this thread makes: its own, unless it works for another thread
    /// (see [`adopt_account`]).
    static ACCOUNT: std::cell::RefCell<Option<Arc<MemoryAccount>>> = const { std::cell::RefCell::new(None) };
}

/// This thread's account, made at its first use: a store keeps the account of the thread that
/// made it.
pub fn thread_account() -> Arc<MemoryAccount> {
    ACCOUNT.with(|a| a.borrow_mut().get_or_insert_with(Default::default).clone())
}

/// Makes `account` this thread's: a helper thread that grows another thread's series counts its
/// blocks where that thread's were.
pub(crate) fn adopt_account(account: Arc<MemoryAccount>) {
    ACCOUNT.with(|a| *a.borrow_mut() = Some(account));
}

/// [`MemoryAccount::bytes`] of this thread's account: [`live_series_bytes`] for the blocks made on
/// this thread.
pub fn thread_series_bytes() -> usize {
    ACCOUNT.with(|a| a.borrow().as_ref().map_or(0, |a| a.bytes()))
}

/// A mapping kept for reuse: its start and size in bytes.
#[cfg(target_os = "linux")]
struct Mapping(NonNull<f64>, usize);

// A pooled mapping is plain memory that no one references.
#[cfg(target_os = "linux")]
unsafe impl Send for Mapping {}

/// Mapped blocks dropped recently, kept for the next block that fits, up to [`POOL_BYTES`] in all.
/// First touch of fresh memory costs a page fault and the kernel's zeroing per page; measured on
/// a small VM that was most of a batch's time and a third of a backtest's. Memory that a dropped
/// series or output leaves here is reused by the next one instead.
#[cfg(target_os = "linux")]
static POOL: std::sync::Mutex<Vec<Mapping>> = std::sync::Mutex::new(Vec::new());

/// At most this much memory waits in the pool.
#[cfg(target_os = "linux")]
const POOL_BYTES: usize = 256 << 20;

// The block is plain memory; writes happen only through `Columns`, which owns the only writer, and
// only past every length that was ever handed out.
unsafe impl Send for ColumnBlock {}
unsafe impl Sync for ColumnBlock {}

/// On Linux, blocks at least this large are mapped from the system in whole 2 MiB units, aligned to
/// 2 MiB and advised onto huge pages, and go to the pool when dropped. Smaller blocks (and every
/// block elsewhere) come from the heap, which reuses freed ones itself.
const HUGE_PAGE: usize = 2 << 20;

impl ColumnBlock {
    fn new(capacity: usize, width: usize) -> ColumnBlock {
        assert!(width >= COLUMN_COUNT);
        let mut block = Self::alloc(capacity, width);
        let held = block.held();
        LIVE_SERIES_BYTES.fetch_add(held, Ordering::Relaxed);
        let account = thread_account();
        account.bytes.fetch_add(held, Ordering::Relaxed);
        block.account = Some(account);
        block
    }

    /// Bytes this block takes from the system: its mapping, or its size on the heap.
    fn held(&self) -> usize {
        if self.mapped > 0 {
            self.mapped
        } else {
            self.byte_len()
        }
    }

    /// A block of `width` columns of `capacity` `f64`s each, for results that a single pass writes
    /// in full (batch indicator outputs). Its values before that pass are unspecified (zeros, or
    /// what an earlier block held). Large blocks come on huge pages like the series blocks and are
    /// reused through the same pool.
    ///
    /// # Panics
    /// When `capacity` or `width` is 0, or the block would not fit in memory.
    pub fn for_output(capacity: usize, width: usize) -> ColumnBlock {
        assert!(width > 0 && capacity > 0);
        Self::alloc(capacity, width)
    }

    /// The columns of a block that nothing else holds yet, to fill in place. (Outside this module
    /// only [`ColumnBlock::for_output`] blocks can be held mutably: series blocks are shared.)
    pub fn columns_mut(&mut self) -> Vec<&mut [f64]> {
        // SAFETY: `&mut self` is unique; a block reachable here is an output block (series blocks
        // are only ever behind an `Arc`), whose f64s are all initialised (zeroed or written before);
        // columns do not overlap.
        (0..self.width)
            .map(|c| unsafe {
                std::slice::from_raw_parts_mut(
                    self.ptr.as_ptr().add(c * self.capacity),
                    self.capacity,
                )
            })
            .collect()
    }

    /// A block from the pool or the system (zeros, or the bars of a block of this process's that
    /// was dropped), or from the heap, zeroed: a view's buffer spans the room past its bars, and
    /// heap memory freed by anything else in the process (a file read, a request) must not show
    /// there.
    fn alloc(capacity: usize, width: usize) -> ColumnBlock {
        assert!(capacity > 0);
        let size = Self::size(capacity, width);
        #[cfg(not(target_os = "linux"))]
        let _ = size;
        #[cfg(target_os = "linux")]
        if size >= HUGE_PAGE {
            let wanted = size.div_ceil(HUGE_PAGE) * HUGE_PAGE;
            let (ptr, mapped) = take_pooled(wanted)
                .or_else(|| map_huge(wanted).map(|p| (p, wanted)))
                .unwrap_or_else(|| alloc::handle_alloc_error(Self::layout(capacity, width)));
            return ColumnBlock {
                ptr,
                capacity,
                width,
                mapped,
                account: None,
            };
        }
        let layout = Self::layout(capacity, width);
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc::alloc_zeroed(layout) } as *mut f64;
        let ptr = NonNull::new(raw).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        ColumnBlock {
            ptr,
            capacity,
            width,
            mapped: 0,
            account: None,
        }
    }

    fn size(capacity: usize, width: usize) -> usize {
        width
            .checked_mul(capacity)
            .and_then(|n| n.checked_mul(std::mem::size_of::<f64>()))
            .expect("column block too large")
    }

    fn layout(capacity: usize, width: usize) -> Layout {
        Layout::array::<f64>(width * capacity).expect("column block too large")
    }

    /// Columns in the block: the six bar columns and the indicator outputs.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Bars the block has room for.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The start of the allocation.
    pub fn as_ptr(&self) -> *mut f64 {
        self.ptr.as_ptr()
    }

    /// The allocation's size in bytes.
    pub fn byte_len(&self) -> usize {
        Self::size(self.capacity, self.width)
    }
}

/// A pooled mapping for a block of `size` bytes (a multiple of 2 MiB), with its length.
#[cfg(target_os = "linux")]
fn take_pooled(size: usize) -> Option<(NonNull<f64>, usize)> {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    take_fitting(&mut pool, size)
}

/// From `pool`, the smallest mapping of `size` bytes or more. Up to an eighth larger, the block
/// takes it whole. Larger, the block takes its first `size` bytes and the rest stays in the pool as
/// a mapping of its own: its pages are already faulted in, which fresh memory's are not, so a
/// request of a new size (another indicator's outputs, a store of another shape) reuses them.
/// Every length is a multiple of 2 MiB, so the rest starts on a 2 MiB boundary too.
#[cfg(target_os = "linux")]
fn take_fitting(pool: &mut Vec<Mapping>, size: usize) -> Option<(NonNull<f64>, usize)> {
    let (i, _) = pool
        .iter()
        .enumerate()
        .filter(|(_, m)| m.1 >= size)
        .min_by_key(|(_, m)| m.1)?;
    let m = pool.swap_remove(i);
    if m.1 - size <= size / 8 {
        return Some((m.0, m.1));
    }
    // SAFETY: `size < m.1`, so the rest lies inside the mapping, past its first `size` bytes.
    let rest = unsafe { NonNull::new_unchecked(m.0.as_ptr().cast::<u8>().add(size).cast::<f64>()) };
    pool.push(Mapping(rest, m.1 - size));
    Some((m.0, size))
}

/// Maps `size` bytes (a multiple of 2 MiB) at a 2 MiB boundary and advises huge pages for them.
#[cfg(target_os = "linux")]
fn map_huge(size: usize) -> Option<NonNull<f64>> {
    let span = size.checked_add(HUGE_PAGE)?;
    // SAFETY: an anonymous private mapping; the parts outside the aligned range are unmapped at
    // once, so the block owns exactly [start, start + size).
    unsafe {
        let raw = libc::mmap(
            std::ptr::null_mut(),
            span,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if raw == libc::MAP_FAILED {
            return None;
        }
        let base = raw as usize;
        let start = (base + HUGE_PAGE - 1) & !(HUGE_PAGE - 1);
        let end = start + size;
        if start > base {
            libc::munmap(raw, start - base);
        }
        let tail = base + span - end;
        if tail > 0 {
            libc::munmap(end as *mut libc::c_void, tail);
        }
        // Only a hint: where huge pages are off, this changes nothing.
        libc::madvise(start as *mut libc::c_void, size, libc::MADV_HUGEPAGE);
        NonNull::new(start as *mut f64)
    }
}

impl Drop for ColumnBlock {
    fn drop(&mut self) {
        if let Some(account) = &self.account {
            LIVE_SERIES_BYTES.fetch_sub(self.held(), Ordering::Relaxed);
            account.bytes.fetch_sub(self.held(), Ordering::Relaxed);
        }
        #[cfg(target_os = "linux")]
        if self.mapped > 0 {
            let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
            if pool.iter().map(|m| m.1).sum::<usize>() + self.mapped <= POOL_BYTES {
                pool.push(Mapping(self.ptr, self.mapped));
                return;
            }
            drop(pool);
            // SAFETY: mapped by map_huge with this size, and no one else holds it.
            unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.mapped) };
            return;
        }
        // SAFETY: allocated in `alloc` with this layout.
        unsafe {
            alloc::dealloc(
                self.ptr.as_ptr() as *mut u8,
                Self::layout(self.capacity, self.width),
            )
        }
    }
}

/// Bytes of heap blocks that series outgrew (moved out of) since memory was last handed back to
/// the system. Blocks freed with their store are left out: the next store of the same shape
/// reuses them, which a trim would make it fault in again.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
static OUTGROWN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Outgrown heap blocks past which [`release_freed_memory`] hands memory back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const RELEASE_BYTES: usize = 4 << 20;

/// Bars a session must have stored for [`release_freed_memory`] to act at its end: the call takes
/// 0.2-1 ms, which over fewer bars would cost more per bar than appending them.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const RELEASE_MIN_BARS: usize = 20_000;

/// Hands free heap memory back to the system once series outgrew 4 MiB or more of heap blocks
/// since the last time, at the end of a session that stored `session_bars` bars, at least
/// [`RELEASE_MIN_BARS`]. glibc keeps freed memory in the process for later allocations; series that
/// grow session by session leave their outgrown blocks there, which would otherwise stay in the
/// resident set. Elsewhere than on glibc it does nothing.
pub(crate) fn release_freed_memory(session_bars: usize) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if session_bars >= RELEASE_MIN_BARS
        && OUTGROWN.load(std::sync::atomic::Ordering::Relaxed) >= RELEASE_BYTES
    {
        OUTGROWN.store(0, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: no preconditions; it only returns free pages of the heap to the system.
        unsafe { libc::malloc_trim(0) };
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = session_bars;
}

/// A growing series of closed bars, stored as columns.
pub struct Columns {
    block: Option<Arc<ColumnBlock>>,
    /// The current block's start and capacity, kept beside the `Arc` so a push reads no pointer
    /// through it (null and 0 before the first block).
    ptr: *mut f64,
    cap: usize,
    /// Index in the block of the first stored bar: bars before it were dropped by retention and
    /// are left in place (views may still read them) until the series compacts.
    start: usize,
    len: usize,
    generation: u32,
    /// Columns a block has: [`COLUMN_COUNT`] and the indicator outputs.
    width: usize,
    /// A new block leaves room for `len / headroom` more bars than it must hold.
    headroom: usize,
}

// `ptr` points into `block`, which is `Send + Sync`.
unsafe impl Send for Columns {}
unsafe impl Sync for Columns {}

impl Default for Columns {
    fn default() -> Self {
        Self::new()
    }
}

impl Columns {
    /// An empty series of bars alone; nothing is allocated until [`Columns::reserve`] or the
    /// first push.
    pub fn new() -> Columns {
        Self::with_outputs(0)
    }

    /// An empty series of bars with `outputs` more columns for indicator values.
    pub fn with_outputs(outputs: usize) -> Columns {
        Columns {
            block: None,
            ptr: std::ptr::null_mut(),
            cap: 0,
            start: 0,
            len: 0,
            generation: 0,
            width: COLUMN_COUNT + outputs,
            headroom: 4,
        }
    }

    /// How much room a new block leaves past what it must hold: `1 / divisor` of the stored bars
    /// (4, a quarter, unless set). A series that drops old bars as it takes new ones (retention)
    /// moves once per `divisor` times its length in new bars, so a larger room means fewer copies
    /// for more memory.
    ///
    /// # Panics
    /// When `divisor` is 0.
    pub fn set_headroom(&mut self, divisor: usize) {
        assert!(divisor > 0, "headroom divisor must be positive");
        self.headroom = divisor;
    }

    /// Columns of indicator values beside the bar columns.
    pub fn outputs(&self) -> usize {
        self.width - COLUMN_COUNT
    }

    /// Stored bars.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no bar is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bars the current block has room for, dropped ones included.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Index in the current block of the first stored bar (see [`Columns::block`]).
    pub fn start(&self) -> usize {
        self.start
    }

    /// Counts the blocks this series has had; changes exactly when the current block changes.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The current block, shared: the holder keeps it alive. `None` before the first bar. The
    /// stored bars are at indices `start() .. start() + len()` of each of its columns.
    pub fn block(&self) -> Option<&Arc<ColumnBlock>> {
        self.block.as_ref()
    }

    /// Makes room for `additional` more bars, moving the stored bars to a new block when needed. A
    /// new block holds at least the headroom (see [`Columns::set_headroom`]) more than is stored,
    /// so a long series is copied O(1) times a bar.
    pub fn reserve(&mut self, additional: usize) {
        let needed = self.len + additional;
        if self.start + needed <= self.cap {
            return;
        }
        // Growth never overshoots what one JavaScript view can cover; only `needed` may pass it.
        let grown = (self.len + self.len / self.headroom).min(max_view_bars(self.width));
        let new_cap = needed.max(grown).max(16);
        self.move_to(new_cap);
    }

    /// Columns a block of this series has: the six bar columns and the indicator outputs.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Drops the first `count` bars. They stay in the block, unread, until the dropped part
    /// outgrows half of what is stored; then the rest moves to a new block with the headroom past
    /// it (so the bars that come next do not move them again at once). Dropping a session at a
    /// time copies each bar O(1) times.
    pub fn drop_front(&mut self, count: usize) {
        let count = count.min(self.len);
        if count == 0 {
            return;
        }
        self.start += count;
        self.len -= count;
        if self.len == 0 {
            self.block = None;
            self.ptr = std::ptr::null_mut();
            self.cap = 0;
            self.start = 0;
            self.generation = self.generation.wrapping_add(1);
        } else if self.start > self.len / 2 {
            let room = (self.len + self.len / self.headroom).min(max_view_bars(self.width));
            self.move_to(room.max(self.len));
        }
    }

    /// Moves the stored bars to a block of room for `capacity` bars (at least those stored) when
    /// that is smaller than the current one: a series that reserved for bars that will not come
    /// gives the room back. Does nothing otherwise.
    pub fn shrink_to(&mut self, capacity: usize) {
        let capacity = capacity.max(self.len).max(16);
        if self.block.is_some() && capacity < self.cap {
            self.move_to(capacity);
        }
    }

    fn move_to(&mut self, new_cap: usize) {
        let block = ColumnBlock::new(new_cap, self.width);
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        if let Some(old) = self.block.as_ref().filter(|b| b.mapped == 0) {
            OUTGROWN.fetch_add(old.byte_len(), std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(old) = &self.block {
            for c in 0..self.width {
                // SAFETY: both ranges are inside their blocks and the blocks are distinct.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        old.as_ptr().add(c * old.capacity + self.start),
                        block.as_ptr().add(c * new_cap),
                        self.len,
                    );
                }
            }
        }
        self.ptr = block.as_ptr();
        self.cap = new_cap;
        self.start = 0;
        self.block = Some(Arc::new(block));
        self.generation = self.generation.wrapping_add(1);
    }

    /// Forgets the bars past the first `len`, which must all have been stored since the last
    /// time any view of this series was made: the store undoes a batch with it within the call
    /// that stored it. Their slots are written again by the next bars.
    pub(crate) fn rewind(&mut self, len: usize) {
        debug_assert!(len <= self.len);
        self.len = self.len.min(len);
    }

    /// Asks the processor to bring the slots the next bar goes to into cache: a hint, no effect on
    /// what is stored.
    #[inline]
    pub fn prefetch_next(&self) {
        if self.ptr.is_null() {
            return;
        }
        let i = self.start + self.len;
        for c in 0..COLUMN_COUNT {
            prefetch(self.ptr.wrapping_add(c * self.cap + i).cast());
        }
    }

    /// Appends one bar.
    #[inline]
    pub fn push(&mut self, bar: &Bar) {
        if self.start + self.len == self.cap {
            self.reserve(1);
        }
        let (p, cap, i) = (self.ptr, self.cap, self.start + self.len);
        // SAFETY: i < cap, and index i of every column lies past every bar handed out so far.
        unsafe {
            p.add(i).write(bar.time);
            p.add(cap + i).write(bar.open);
            p.add(2 * cap + i).write(bar.high);
            p.add(3 * cap + i).write(bar.low);
            p.add(4 * cap + i).write(bar.close);
            p.add(5 * cap + i).write(bar.volume);
        }
        self.len += 1;
    }

    /// Appends one bar and its indicator values (`values.len()` must be [`Columns::outputs`]).
    #[inline]
    pub fn push_with(&mut self, bar: &Bar, values: &[f64]) {
        assert_eq!(values.len(), self.width - COLUMN_COUNT);
        if self.start + self.len == self.cap {
            self.reserve(1);
        }
        let (p, cap, i) = (self.ptr, self.cap, self.start + self.len);
        for (k, v) in values.iter().enumerate() {
            // SAFETY: i < cap, column COLUMN_COUNT + k < width, and index i lies past every bar
            // handed out so far.
            unsafe { p.add((COLUMN_COUNT + k) * cap + i).write(*v) };
        }
        self.push(bar);
    }

    /// Appends a batch given as six equally long columns.
    pub fn extend(&mut self, cols: [&[f64]; COLUMN_COUNT]) {
        self.extend_by(cols, |src, dst| dst.copy_from_slice(src));
    }

    /// [`Columns::extend`] for a batch far larger than the caches: the bars are written past the
    /// caches (non-temporal stores), so the copy does not first read each destination line into
    /// them, and the bars copied do not push out what is still to be read. Same bars as `extend`.
    pub fn extend_streaming(&mut self, cols: [&[f64]; COLUMN_COUNT]) {
        self.extend_by(cols, copy_streaming);
    }

    fn extend_by(&mut self, cols: [&[f64]; COLUMN_COUNT], copy: impl Fn(&[f64], &mut [f64])) {
        let n = cols[0].len();
        assert!(
            cols.iter().all(|c| c.len() == n),
            "columns differ in length"
        );
        if n == 0 {
            // An empty series has no block to point into.
            return;
        }
        self.reserve(n);
        let end = self.start + self.len;
        for (c, col) in cols.iter().enumerate() {
            // SAFETY: reserved above; the target range lies past every bar handed out, so nothing
            // else reads or writes it.
            let dst =
                unsafe { std::slice::from_raw_parts_mut(self.ptr.add(c * self.cap + end), n) };
            copy(col, dst);
        }
        self.len += n;
    }

    /// Column `c` (0 = time ... 5 = volume, then the indicator outputs) over the stored bars.
    pub fn column(&self, c: usize) -> &[f64] {
        assert!(c < self.width);
        if self.len == 0 {
            return &[];
        }
        // SAFETY: these values are initialised and never rewritten.
        unsafe { std::slice::from_raw_parts(self.ptr.add(c * self.cap + self.start), self.len) }
    }

    /// Bar `i`, if stored.
    pub fn get(&self, i: usize) -> Option<Bar> {
        if i >= self.len {
            return None;
        }
        let col = |c: usize| self.column(c)[i];
        Some(Bar::new(col(0), col(1), col(2), col(3), col(4), col(5)))
    }

    /// The last stored bar.
    pub fn last(&self) -> Option<Bar> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// Bytes this series holds in its current block.
    pub fn allocated_bytes(&self) -> usize {
        self.block.as_ref().map_or(0, |b| b.byte_len())
    }
}

/// Interleaves columns row by row: value `r` of `sources[s]` goes to `out[r * sources.len() + s]`,
/// for `r` in `0..rows`. A backtest's runtime turns each symbol's columns into time slices (row
/// `r` holds every symbol's bar `r`) this way. Eight sources at a time, so each line of `out` is
/// written once while the eight are read in order.
///
/// # Panics
/// When a source is shorter than `rows` or `out` shorter than `rows * sources.len()`.
pub fn interleave(sources: &[&[f64]], rows: usize, out: &mut [f64]) {
    let width = sources.len();
    assert!(
        sources.iter().all(|s| s.len() >= rows),
        "a source is shorter than {rows} rows"
    );
    assert!(
        out.len() >= rows * width,
        "out holds {} values, not {rows} x {width}",
        out.len()
    );
    for (group, block) in sources.chunks(8).enumerate() {
        let at = group * 8;
        for r in 0..rows {
            let row = &mut out[r * width + at..r * width + at + block.len()];
            for (o, src) in row.iter_mut().zip(block) {
                *o = src[r];
            }
        }
    }
}

/// Copies `src` into `dst` (equally long) with non-temporal stores where the processor has them.
fn copy_streaming(src: &[f64], dst: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_loadu_pd, _mm_sfence, _mm_stream_pd};
        let n = dst.len();
        // Non-temporal stores take 16-byte aligned addresses: one bar first when `dst` is not.
        let head = usize::from(dst.as_ptr() as usize & 15 != 0).min(n);
        dst[..head].copy_from_slice(&src[..head]);
        let pairs = (n - head) / 2;
        // SAFETY: SSE2 is part of x86_64; every address lies inside `src` or `dst`, and
        // `dst[head..]` is 16-byte aligned.
        unsafe {
            let (s, d) = (src.as_ptr().add(head), dst.as_mut_ptr().add(head));
            for k in 0..pairs {
                _mm_stream_pd(d.add(2 * k), _mm_loadu_pd(s.add(2 * k)));
            }
            // Orders the streamed stores before any store that follows, as other threads see them.
            _mm_sfence();
        }
        let done = head + 2 * pairs;
        dst[done..].copy_from_slice(&src[done..]);
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

/// A prefetch hint for the line holding `p`; nothing where the target has none.
#[inline(always)]
pub(crate) fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p.cast(), std::arch::x86_64::_MM_HINT_T0)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(i: usize) -> Bar {
        let x = i as f64;
        Bar::new(x, x + 1.0, x + 2.0, x - 1.0, x + 0.5, 10.0 * x)
    }

    #[test]
    fn interleave_puts_each_source_in_its_place_of_every_row() {
        // 19 sources (two whole groups of eight and three more), 5 rows, sources longer than that.
        let sources: Vec<Vec<f64>> = (0..19)
            .map(|s| (0..7).map(|r| (s * 100 + r) as f64).collect())
            .collect();
        let refs: Vec<&[f64]> = sources.iter().map(Vec::as_slice).collect();
        let mut out = vec![-1.0; 5 * 19 + 3];
        interleave(&refs, 5, &mut out);
        for r in 0..5 {
            for s in 0..19 {
                assert_eq!(out[r * 19 + s], (s * 100 + r) as f64, "row {r}, source {s}");
            }
        }
        assert_eq!(&out[95..], &[-1.0; 3], "nothing written past the rows");
        interleave(&[], 5, &mut []);
    }

    #[test]
    #[should_panic(expected = "shorter than 8 rows")]
    fn interleave_refuses_a_short_source() {
        interleave(&[&[1.0; 8], &[1.0; 7]], 8, &mut [0.0; 16]);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_pooled_mapping_much_larger_than_a_block_is_split_and_its_rest_stays_pooled() {
        // Addresses only: nothing here is read or written.
        const M: usize = HUGE_PAGE;
        let at = |a: usize| NonNull::new(a as *mut f64).unwrap();
        let mut pool = vec![Mapping(at(64 * M), 16 * M), Mapping(at(8 * M), 9 * M)];
        // 8 MiB: the 9 MiB mapping is within an eighth, taken whole.
        let (p, len) = take_fitting(&mut pool, 8 * M).unwrap();
        assert_eq!((p.as_ptr() as usize, len), (8 * M, 9 * M));
        // 4 MiB: the 16 MiB mapping is split; its last 12 MiB stay pooled.
        let (p, len) = take_fitting(&mut pool, 4 * M).unwrap();
        assert_eq!((p.as_ptr() as usize, len), (64 * M, 4 * M));
        let rest: Vec<(usize, usize)> = pool.iter().map(|m| (m.0.as_ptr() as usize, m.1)).collect();
        assert_eq!(rest, vec![(68 * M, 12 * M)]);
        // Larger than anything pooled: nothing.
        assert!(take_fitting(&mut pool, 13 * M).is_none());
        assert_eq!(pool.len(), 1);
        // Exactly the rest: taken whole, the pool empty.
        let (p, len) = take_fitting(&mut pool, 12 * M).unwrap();
        assert_eq!((p.as_ptr() as usize, len), (68 * M, 12 * M));
        assert!(pool.is_empty());
    }

    #[test]
    fn extend_streaming_stores_what_extend_stores() {
        // Batches of every length around the 16-byte pairs, at every alignment of the target.
        let mut streamed = Columns::new();
        let mut copied = Columns::new();
        let mut next = 0;
        for n in [1, 2, 3, 4, 5, 0, 7, 8, 9, 1, 1000, 33, 2] {
            let bars: Vec<Bar> = (next..next + n).map(bar).collect();
            next += n;
            let col = |f: fn(&Bar) -> f64| bars.iter().map(f).collect::<Vec<f64>>();
            let cols = [
                col(|b| b.time),
                col(|b| b.open),
                col(|b| b.high),
                col(|b| b.low),
                col(|b| b.close),
                col(|b| b.volume),
            ];
            let refs = cols.each_ref().map(Vec::as_slice);
            streamed.extend_streaming(refs);
            copied.extend(refs);
        }
        assert_eq!(streamed.len(), next);
        for c in 0..COLUMN_COUNT {
            assert_eq!(streamed.column(c), copied.column(c), "column {c}");
        }
        for i in 0..next {
            assert_eq!(streamed.get(i).unwrap(), bar(i));
        }
    }

    #[test]
    fn growth_keeps_old_blocks_intact() {
        let mut cols = Columns::new();
        cols.push(&bar(0));
        let first = cols.block().unwrap().clone();
        let first_len = cols.len();
        let gen = cols.generation();
        for i in 1..1000 {
            cols.push(&bar(i));
        }
        assert_ne!(cols.generation(), gen);
        assert!(!Arc::ptr_eq(&first, cols.block().unwrap()));
        // The old block still reads what it held when it was handed out.
        let old_time = unsafe { *first.as_ptr() };
        assert_eq!((old_time, first_len), (0.0, 1));
        for i in 0..1000 {
            assert_eq!(cols.get(i).unwrap(), bar(i));
        }
    }

    #[test]
    fn drop_front_keeps_the_rest_in_order() {
        let mut cols = Columns::new();
        for i in 0..50 {
            cols.push(&bar(i));
        }
        cols.drop_front(20);
        assert_eq!(cols.len(), 30);
        assert_eq!(cols.get(0).unwrap(), bar(20));
        assert_eq!(cols.last().unwrap(), bar(49));
        cols.drop_front(100);
        assert!(cols.is_empty());
        assert_eq!(cols.column(3), &[] as &[f64]);
    }

    #[test]
    fn dropping_leaves_the_block_until_the_dropped_part_outgrows_half() {
        let mut cols = Columns::new();
        for i in 0..100 {
            cols.push(&bar(i));
        }
        let gen = cols.generation();
        cols.drop_front(30);
        // 30 dropped, 70 stored: 30 <= 35, so the block stays and the bars are read past the start.
        assert_eq!((cols.generation(), cols.start(), cols.len()), (gen, 30, 70));
        assert_eq!(cols.get(0).unwrap(), bar(30));
        assert_eq!(cols.column(0).len(), 70);
        cols.push(&bar(100));
        assert_eq!(cols.last().unwrap(), bar(100));
        cols.drop_front(20);
        // 50 dropped, 51 stored: 50 > 25, so the rest moves to a new block of 51 and a quarter.
        assert_ne!(cols.generation(), gen);
        assert_eq!(
            (cols.start(), cols.len(), cols.capacity()),
            (0, 51, 51 + 12)
        );
        for i in 0..51 {
            assert_eq!(cols.get(i).unwrap(), bar(50 + i));
        }
    }

    #[test]
    fn reserve_is_exact_then_grows_by_a_quarter() {
        let mut cols = Columns::new();
        cols.reserve(400);
        assert_eq!(cols.capacity(), 400);
        for i in 0..400 {
            cols.push(&bar(i));
        }
        assert_eq!(cols.capacity(), 400);
        cols.reserve(10);
        assert_eq!(cols.capacity(), 500);
    }

    #[test]
    fn a_larger_headroom_moves_less_often() {
        // A series keeping 2,000 bars and taking 100 at a time, as retention does with sessions:
        // count the moves over 100 rounds.
        let moves = |divisor: usize| {
            let mut cols = Columns::new();
            cols.set_headroom(divisor);
            let mut moves = 0;
            let mut i = 0;
            for _ in 0..120 {
                let gen = cols.generation();
                cols.reserve(100);
                for _ in 0..100 {
                    cols.push(&bar(i));
                    i += 1;
                }
                if cols.len() > 2000 {
                    cols.drop_front(100);
                }
                moves += usize::from(cols.generation() != gen);
            }
            assert_eq!(cols.len(), 2000);
            assert_eq!(cols.get(0).unwrap(), bar(i - 2000));
            moves
        };
        let (quarter, half) = (moves(4), moves(2));
        assert!(
            half < quarter,
            "moves: {half} with half, {quarter} with a quarter"
        );
    }
}
