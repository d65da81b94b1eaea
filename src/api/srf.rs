//! The big views' functions return their rows in materialize mode: every row goes into one
//! tuplestore in one call, each value made straight into its datum. pgrx's
//! `TableIterator` returns a row per call (a guarded call, a memory-context switch and a
//! conversion per value each time: ~3 µs a row, 0.4 s for 121,000 findings).
//!
//! A function written this way is declared in SQL by hand (`extension_sql!`), with the C
//! symbol pgrx would give it (`<name>_wrapper`), so installed and upgraded catalogs keep
//! the same definition.

use pgrx::pg_sys;
use pgrx::PgSqlErrorCode;

/// `PG_FUNCTION_INFO_V1` and a guarded `extern "C"` function that fills `Rows` with
/// `body(fcinfo, &mut rows)`.
macro_rules! materialized {
    ($symbol:ident, $finfo:ident, $body:expr) => {
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        pub extern "C" fn $finfo() -> &'static pgrx::pg_sys::Pg_finfo_record {
            const V1: pgrx::pg_sys::Pg_finfo_record =
                pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }

        #[unsafe(no_mangle)]
        #[doc(hidden)]
        #[pgrx::pg_guard]
        pub unsafe extern "C-unwind" fn $symbol(
            fcinfo: pgrx::pg_sys::FunctionCallInfo,
        ) -> pgrx::pg_sys::Datum {
            let body = $crate::api::srf::body($body);
            // SAFETY: called by the executor with this call's fcinfo
            unsafe { $crate::api::srf::materialize(fcinfo, body) }
        }
    };
}
pub(crate) use materialized;

/// The body of a `materialized!` function, typed (and outside its `unsafe` block).
pub fn body<F: FnOnce(pg_sys::FunctionCallInfo, &mut Rows)>(f: F) -> F {
    f
}

/// Set up materialize mode for this call, let `fill` add the rows, hand the result over.
///
/// # Safety
/// `fcinfo` is the current call's, of a function declared to return a set of rows.
pub unsafe fn materialize(
    fcinfo: pg_sys::FunctionCallInfo,
    fill: impl FnOnce(pg_sys::FunctionCallInfo, &mut Rows),
) -> pg_sys::Datum {
    // SAFETY: (caller) fcinfo is valid; resultinfo is checked before use
    unsafe {
        let rsinfo = (*fcinfo).resultinfo.cast::<pg_sys::ReturnSetInfo>();
        let materialize = pg_sys::SetFunctionReturnMode::SFRM_Materialize as i32;
        if rsinfo.is_null()
            || (*rsinfo).type_ != pg_sys::NodeTag::T_ReturnSetInfo
            || (*rsinfo).allowedModes & materialize == 0
        {
            crate::error::AdvisorError::User {
                code: PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                message: "set-valued function called in context that cannot accept a set".into(),
                hint: "Call it in FROM, or read its view.".into(),
            }
            .raise()
        }
        let mut desc: pg_sys::TupleDesc = std::ptr::null_mut();
        if pg_sys::get_call_result_type(fcinfo, std::ptr::null_mut(), &mut desc)
            != pg_sys::TypeFuncClass::TYPEFUNC_COMPOSITE
        {
            pgrx::error!("database_advisor: the function's result type is not a row type");
        }
        // the result lives as long as the query
        let per_query = (*(*rsinfo).econtext).ecxt_per_query_memory;
        let caller = pg_sys::MemoryContextSwitchTo(per_query);
        let desc = pg_sys::CreateTupleDescCopy(desc);
        let random = (*rsinfo).allowedModes
            & pg_sys::SetFunctionReturnMode::SFRM_Materialize_Random as i32
            != 0;
        let store = pg_sys::tuplestore_begin_heap(random, false, pg_sys::work_mem);
        pg_sys::MemoryContextSwitchTo(caller);
        let natts = (*desc).natts as usize;
        let mut rows = Rows {
            store,
            desc,
            row_memory: pg_sys::AllocSetContextCreateInternal(
                pg_sys::CurrentMemoryContext,
                c"database_advisor rows".as_ptr(),
                pg_sys::ALLOCSET_DEFAULT_MINSIZE as usize,
                pg_sys::ALLOCSET_DEFAULT_INITSIZE as usize,
                pg_sys::ALLOCSET_DEFAULT_MAXSIZE as usize,
            ),
            values: vec![pg_sys::Datum::from(0); natts],
            nulls: vec![true; natts],
            texts: Vec::new(),
            text_columns: Vec::new(),
            count: 0,
            first: None,
        };
        fill(fcinfo, &mut rows);
        if let (true, Some(first)) = (crate::gucs::trace(), rows.first) {
            pgrx::notice!(
                "database_advisor: output of {} rows in {} ms; {}",
                rows.count,
                first.elapsed().as_millis(),
                super::memory()
            );
        }
        pg_sys::MemoryContextDelete(rows.row_memory);
        (*rsinfo).returnMode = pg_sys::SetFunctionReturnMode::SFRM_Materialize;
        (*rsinfo).setResult = store;
        (*rsinfo).setDesc = desc;
        pg_sys::Datum::from(0)
    }
}

/// The rows of one call, added with [`Rows::push`].
pub struct Rows {
    store: *mut pg_sys::Tuplestorestate,
    desc: pg_sys::TupleDesc,
    /// Where rows' palloc'd values are made (the tuplestore copies them), emptied now and
    /// then.
    row_memory: pg_sys::MemoryContext,
    values: Vec<pg_sys::Datum>,
    nulls: Vec<bool>,
    /// The row's text values, each a varlena at a word boundary (no palloc per value).
    texts: Vec<u64>,
    /// (column, word offset in `texts`) of each text value.
    text_columns: Vec<(usize, usize)>,
    count: u64,
    /// When the first row came (for `database_advisor.trace`).
    first: Option<std::time::Instant>,
}

impl Rows {
    /// Add one row: `fill` sets every column, in order.
    pub fn push(&mut self, fill: impl FnOnce(&mut Row)) {
        self.count += 1;
        self.first.get_or_insert_with(std::time::Instant::now);
        if self.count.is_multiple_of(1024) {
            pgrx::check_for_interrupts!();
        }
        // SAFETY: row_memory is ours until materialize() deletes it; the tuplestore copies
        // the values into its own memory before the reset
        unsafe {
            let caller = pg_sys::MemoryContextSwitchTo(self.row_memory);
            self.texts.clear();
            self.text_columns.clear();
            let mut row = Row {
                values: &mut self.values,
                nulls: &mut self.nulls,
                texts: &mut self.texts,
                text_columns: &mut self.text_columns,
                next: 0,
            };
            fill(&mut row);
            assert_eq!(row.next, self.values.len(), "a row sets every column");
            // `texts` is complete: point the text columns into it
            for &(column, offset) in &self.text_columns {
                self.values[column] = pg_sys::Datum::from(self.texts.as_ptr().add(offset));
            }
            pg_sys::tuplestore_putvalues(
                self.store,
                self.desc,
                self.values.as_mut_ptr(),
                self.nulls.as_mut_ptr(),
            );
            pg_sys::MemoryContextSwitchTo(caller);
            // what rows palloc (little: their values are in `texts`) is freed every 256 rows
            if self.count.is_multiple_of(256) {
                pg_sys::MemoryContextReset(self.row_memory);
            }
        }
    }
}

/// The columns of the row being added, set in order.
pub struct Row<'a> {
    values: &'a mut [pg_sys::Datum],
    nulls: &'a mut [bool],
    texts: &'a mut Vec<u64>,
    text_columns: &'a mut Vec<(usize, usize)>,
    next: usize,
}

impl Row<'_> {
    fn set(&mut self, value: Option<pg_sys::Datum>) {
        let i = self.next;
        assert!(i < self.values.len(), "more values than columns");
        self.nulls[i] = value.is_none();
        self.values[i] = value.unwrap_or(pg_sys::Datum::from(0));
        self.next += 1;
    }

    pub fn text(&mut self, s: &str) {
        self.varlena(s.as_bytes());
    }

    /// A varlena value (text, jsonb's binary format) of `body`, its header at a word
    /// boundary.
    pub fn varlena(&mut self, body: &[u8]) {
        let at = self.new_varlena(body.len());
        // SAFETY: new_varlena made room for the body after the header
        unsafe { std::ptr::copy_nonoverlapping(body.as_ptr(), at, body.len()) };
    }

    /// Room for a varlena value of `len` bytes as this row's next column, its header set:
    /// where its bytes go (zeroed).
    fn new_varlena(&mut self, len: usize) -> *mut u8 {
        let size = 4 + len;
        assert!(size < 0x3FFF_FFFF, "a value under 1 GB");
        let offset = self.texts.len();
        self.texts.resize(offset + size.div_ceil(8), 0);
        self.text_columns.push((self.next, offset));
        // pointed at by Rows::push once the row is complete
        self.set(Some(pg_sys::Datum::from(0)));
        // SAFETY: the words just added hold the 4-byte header and the bytes
        unsafe {
            let at = self.texts.as_mut_ptr().add(offset).cast::<u8>();
            pgrx::varlena::set_varsize_4b(at.cast(), size as i32);
            at.add(4)
        }
    }

    pub fn text_opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.set(None),
        }
    }

    pub fn int8(&mut self, v: i64) {
        self.set(Some(pg_sys::Datum::from(v)));
    }

    pub fn float8(&mut self, v: f64) {
        self.set(Some(pg_sys::Datum::from(v.to_bits())));
    }

    pub fn int8_opt(&mut self, v: Option<i64>) {
        self.set(v.map(pg_sys::Datum::from));
    }

    /// A `text[]` without NULL elements, written as `construct_array` lays it out (a
    /// server test compares it with the server's arrays): the array header, one dimension
    /// from 1, then each element a text with a 4-byte header at an int boundary.
    pub fn texts<S: AsRef<str>>(&mut self, items: &[S]) {
        // ArrayType: vl_len_, ndim, dataoffset (0: no NULL bitmap), elemtype (16 bytes);
        // then the dimension and its lower bound, the data at ARR_OVERHEAD_NONULLS(1), 24
        let data: usize = if items.is_empty() { 16 } else { 24 };
        // each element padded to an int boundary, the last too (as construct_array counts)
        let element = |s: &S| (4 + s.as_ref().len()).next_multiple_of(4);
        let end = data + items.iter().map(element).sum::<usize>();
        let at = self.new_varlena(end - 4);
        let ints = |n: usize| i32::try_from(n).expect("an array under 1 GB");
        let text = pg_sys::TEXTOID.to_u32();
        let one_dimension = [1, 0, text, ints(items.len()) as u32, 1];
        let empty = [0, 0, text];
        let header: &[u32] = if items.is_empty() {
            &empty
        } else {
            &one_dimension
        };
        // SAFETY: new_varlena made room for `end - 4` bytes after the header; `end` counts
        // the header words and every element written here, each at its offset
        unsafe {
            for (i, w) in header.iter().enumerate() {
                std::ptr::copy_nonoverlapping(w.to_ne_bytes().as_ptr(), at.add(4 * i), 4);
            }
            let array = at.sub(4);
            let mut offset = data;
            for s in items {
                let bytes = s.as_ref().as_bytes();
                pgrx::varlena::set_varsize_4b(array.add(offset).cast(), ints(4 + bytes.len()));
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), array.add(offset + 4), bytes.len());
                offset += element(s);
            }
        }
    }
}
