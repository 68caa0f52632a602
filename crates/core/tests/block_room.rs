//! Series and output blocks: the room a series block reserves past its bars, which a view's buffer
//! spans (zeros, never heap memory that something else in the process wrote and freed), and when a
//! series keeps its block or moves to another.

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

/// An output block's columns, filled in place, lie one after another, each `capacity` long.
#[test]
fn an_output_block_hands_out_each_column_whole() {
    let mut block = barstream_core::ColumnBlock::for_output(3, 2);
    {
        let mut cols = block.columns_mut();
        assert_eq!(cols.iter().map(|c| c.len()).collect::<Vec<_>>(), vec![3, 3]);
        cols[0].copy_from_slice(&[1.0, 2.0, 3.0]);
        cols[1].copy_from_slice(&[4.0, 5.0, 6.0]);
    }
    assert_eq!(block.byte_len(), 6 * 8);
    // SAFETY: the block holds 2 columns of capacity 3, all written above, and outlives the slice.
    let all = unsafe { std::slice::from_raw_parts(block.as_ptr(), 6) };
    assert_eq!(all, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
}

#[test]
fn a_series_is_empty_until_a_bar_is_stored_and_again_once_it_is_dropped() {
    let mut cols = Columns::new();
    assert!(cols.is_empty());
    cols.push(&Bar::new(0.0, 1.0, 2.0, 0.5, 1.5, 10.0));
    assert!(!cols.is_empty());
    cols.drop_front(1);
    assert!(cols.is_empty());
}

/// Bar `i`: each field a different function of `i`, so a bar out of place shows.
fn numbered(i: usize) -> Bar {
    let x = i as f64;
    Bar::new(x, x + 1.0, x + 2.0, x - 1.0, x + 0.5, 10.0 * x)
}

/// A series of bars `numbered(0..n)` in a block of exactly `capacity` (reserve is exact on an
/// empty series).
fn numbered_series(capacity: usize, n: usize) -> Columns {
    let mut cols = Columns::new();
    cols.reserve(capacity);
    for i in 0..n {
        cols.push(&numbered(i));
    }
    cols
}

/// A series keeps its block until the dropped part outgrows half of what stays. 90 bars in a
/// block of exactly 90 (reserve is exact on an empty series), 30 dropped: start 30, 60 stay, and
/// 30 is not more than 60 / 2, so the block stays.
#[test]
fn dropping_exactly_half_of_what_stays_keeps_the_block() {
    let mut cols = numbered_series(90, 90);
    assert_eq!(cols.capacity(), 90);
    let gen = cols.generation();
    cols.drop_front(30);
    assert_eq!(
        (cols.generation(), cols.start(), cols.len(), cols.capacity()),
        (gen, 30, 60, 90)
    );
    assert_eq!(cols.get(0).unwrap(), numbered(30));
    // One more: 31 > 59 / 2 = 29 -> now it moves, to 59 + 59 / 4 = 73.
    cols.drop_front(1);
    assert_ne!(cols.generation(), gen);
    assert_eq!((cols.start(), cols.len(), cols.capacity()), (0, 59, 73));
    assert_eq!(cols.get(0).unwrap(), numbered(31));
    assert_eq!(cols.last().unwrap(), numbered(89));
}

/// `shrink_to` moves the bars only to a smaller block.
#[test]
fn shrinking_to_the_current_capacity_does_nothing() {
    let mut cols = numbered_series(100, 40);
    let gen = cols.generation();
    let block = cols.block().unwrap().clone();
    cols.shrink_to(100);
    assert_eq!((cols.generation(), cols.capacity()), (gen, 100));
    assert!(std::sync::Arc::ptr_eq(&block, cols.block().unwrap()));
    // A smaller capacity does move: max(50, len 40, 16) = 50.
    cols.shrink_to(50);
    assert_ne!(cols.generation(), gen);
    assert_eq!((cols.capacity(), cols.len()), (50, 40));
    assert_eq!(cols.get(39).unwrap(), numbered(39));
}
