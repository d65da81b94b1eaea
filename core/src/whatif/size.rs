//! How big a B-tree index would be, before it is built: pages (and so bytes), and the tree
//! height the planner's cost model reads. A model of what `CREATE INDEX` writes (nbtsort.c):
//! leaf pages filled to the fillfactor (90 % by default), internal pages to 70 %, a
//! metapage, and in PostgreSQL 13 and later deduplication of equal keys into posting lists.

/// One column of the index: the average width of its values in bytes (from the column's
/// statistics, or the type's typical width) and the type's alignment (1, 2, 4 or 8).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColumnWidth {
    pub width: f64,
    pub align: u32,
}

/// What the size depends on.
#[derive(Clone, Debug, PartialEq)]
pub struct BtreeShape {
    /// Rows the index will hold (the table's estimate; for a partial index, the rows its
    /// predicate selects).
    pub tuples: f64,
    /// Key columns, then INCLUDE columns.
    pub columns: Vec<ColumnWidth>,
    /// Distinct keys among those rows, when known; equal keys share a posting list when
    /// `deduplicate` holds.
    pub distinct: Option<f64>,
    /// Deduplication applies: a non-unique index without INCLUDE columns whose key types
    /// compare by image (integers, text in a deterministic collation, dates, uuid, ...).
    pub deduplicate: bool,
    /// Leaf fillfactor in percent (the `fillfactor` storage parameter, default 90).
    pub fillfactor: u32,
    pub block_size: u32,
}

/// The estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BtreeSize {
    pub pages: u64,
    /// Levels above the leaves (0: the root is a leaf).
    pub height: u32,
}

impl BtreeSize {
    pub fn bytes(&self, block_size: u32) -> u64 {
        self.pages * u64::from(block_size)
    }
}

const PAGE_HEADER: f64 = 24.0;
const BTREE_SPECIAL: f64 = 16.0;
const INDEX_TUPLE_HEADER: f64 = 8.0;
const LINE_POINTER: f64 = 4.0;
const HEAP_TID: f64 = 6.0;
const MAXALIGN: f64 = 8.0;
const NONLEAF_FILLFACTOR: f64 = 70.0;

fn align_up(n: f64, to: f64) -> f64 {
    (n / to).ceil() * to
}

/// Bytes of one index tuple's data: each column padded to its alignment.
fn data_width(columns: &[ColumnWidth]) -> f64 {
    columns.iter().fold(0.0, |offset, c| {
        align_up(offset, f64::from(c.align.max(1))) + c.width.max(0.0)
    })
}

pub fn estimate(shape: &BtreeShape) -> BtreeSize {
    let block = f64::from(shape.block_size);
    let page_space = block - PAGE_HEADER - BTREE_SPECIAL;
    let fill = f64::from(shape.fillfactor.clamp(10, 100));
    let leaf_space = page_space - block * (100.0 - fill) / 100.0;
    let tuples = shape.tuples.max(0.0).round();
    if tuples < 1.0 {
        // a metapage and an empty root leaf
        return BtreeSize {
            pages: 2,
            height: 0,
        };
    }
    let data = data_width(&shape.columns);
    let tuple = align_up(INDEX_TUPLE_HEADER + data, MAXALIGN) + LINE_POINTER;

    // bytes of leaf tuples: one per row, or posting lists of equal keys
    let distinct = shape.distinct.unwrap_or(tuples).clamp(1.0, tuples);
    let leaf_bytes = if shape.deduplicate && distinct < tuples {
        let per_key = tuples / distinct;
        // nbtsort caps a posting list at half of the largest item a page takes
        let max_item = (page_space / 3.0).floor();
        let key_part = align_up(INDEX_TUPLE_HEADER + data, MAXALIGN);
        let per_posting = ((max_item / 2.0 - key_part) / HEAP_TID).floor().max(1.0);
        let postings_per_key = (per_key / per_posting).ceil();
        let posting_bytes =
            postings_per_key * (key_part + LINE_POINTER) + align_up(per_key * HEAP_TID, MAXALIGN);
        distinct * posting_bytes.min(per_key * tuple)
    } else {
        tuples * tuple
    };
    // every leaf but the rightmost keeps a high key
    let leaf_pages = (leaf_bytes / (leaf_space - tuple)).ceil().max(1.0);

    // internal levels: one downlink per page below, pages 70 % full
    let internal_space = page_space - block * (100.0 - NONLEAF_FILLFACTOR) / 100.0;
    let fanout = (internal_space / tuple).floor().max(2.0);
    let mut pages = 1.0 + leaf_pages; // the metapage
    let mut level = leaf_pages;
    let mut height = 0;
    while level > 1.0 {
        level = (level / fanout).ceil();
        pages += level;
        height += 1;
    }
    BtreeSize {
        pages: pages as u64,
        height,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int4(tuples: f64) -> BtreeShape {
        BtreeShape {
            tuples,
            columns: vec![ColumnWidth {
                width: 4.0,
                align: 4,
            }],
            distinct: None,
            deduplicate: false,
            fillfactor: 90,
            block_size: 8192,
        }
    }

    #[test]
    fn an_empty_table_has_a_metapage_and_a_root() {
        assert_eq!(
            estimate(&int4(0.0)),
            BtreeSize {
                pages: 2,
                height: 0
            }
        );
    }

    #[test]
    fn a_unique_int4_index_of_a_million_rows() {
        // the real one (CREATE INDEX on a serial column, PostgreSQL 15): 2745 pages, 22 MB;
        // 16-byte tuples + 4-byte line pointers, 7333 usable bytes per leaf
        let size = estimate(&int4(1_000_000.0));
        assert!((2700..=2800).contains(&size.pages), "{size:?}");
        assert_eq!(size.height, 2);
    }

    #[test]
    fn wider_keys_need_more_pages_and_grow_taller() {
        let narrow = estimate(&int4(1_000_000.0));
        let mut wide = int4(1_000_000.0);
        wide.columns = vec![ColumnWidth {
            width: 60.0,
            align: 4,
        }];
        let wide = estimate(&wide);
        assert!(wide.pages > 3 * narrow.pages);
        assert!(wide.height >= narrow.height);
    }

    #[test]
    fn alignment_pads_columns() {
        let cols = [
            ColumnWidth {
                width: 4.0,
                align: 4,
            },
            ColumnWidth {
                width: 8.0,
                align: 8,
            },
        ];
        assert_eq!(data_width(&cols), 16.0);
    }

    #[test]
    fn deduplication_shrinks_an_index_of_few_distinct_values() {
        let mut few = int4(1_000_000.0);
        few.distinct = Some(10.0);
        few.deduplicate = true;
        let deduped = estimate(&few);
        let plain = estimate(&int4(1_000_000.0));
        // ~6 bytes per row instead of ~20: the real one is about 860 pages
        assert!(deduped.pages * 3 < plain.pages, "{deduped:?} vs {plain:?}");
        assert!((700..=1000).contains(&deduped.pages), "{deduped:?}");
        // without deduplication (unique, INCLUDE, numeric keys) the distinct count is moot
        few.deduplicate = false;
        assert_eq!(estimate(&few), plain);
    }

    #[test]
    fn a_lower_fillfactor_means_more_leaves() {
        let mut sparse = int4(1_000_000.0);
        sparse.fillfactor = 50;
        assert!(estimate(&sparse).pages > estimate(&int4(1_000_000.0)).pages * 3 / 2);
    }
}
