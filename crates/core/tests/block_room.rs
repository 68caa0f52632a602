//! The room a series block reserves past its bars, which a view's buffer spans: zeros, never heap
//! memory that something else in the process wrote and freed.

use barstream_core::{Bar, Columns};

#[test]
fn the_room_past_the_bars_holds_no_memory_freed_by_anything_else() {
    const MARK: u64 = 0xABAB_ABAB_ABAB_ABAB;
    // A session's room for six columns of 390 bars: the size of the freed allocations below.
    let words = 390 * 6;
    let freed: Vec<Vec<u64>> = (0..300).map(|_| vec![MARK; words]).collect();
    drop(freed);
    let series: Vec<Columns> = (0..300)
        .map(|i| {
            let mut cols = Columns::new();
            cols.reserve(390);
            cols.push(&Bar::new(f64::from(i), 1.0, 1.0, 1.0, 1.0, 1.0));
            cols
        })
        .collect();
    for cols in &series {
        let block = cols.block().expect("a block");
        // SAFETY: the block's bytes, alive while `cols` holds it; nothing writes them meanwhile.
        let bytes = unsafe {
            std::slice::from_raw_parts(block.as_ptr() as *const u64, block.byte_len() / 8)
        };
        assert!(bytes.iter().all(|&w| w != MARK));
    }
}
