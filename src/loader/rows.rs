//! Reading a catalog query's rows fast. pgrx's `SpiHeapTupleData::get` costs, per value,
//! a guarded `SPI_getbinval` (which walks the tuple from its start), a guarded
//! `SPI_gettypeid`, a type check and a memory-context switch; on 20,000 tables the loader
//! reads ~5 million values. Here each row is deformed once (`heap_deform_tuple`), column
//! types are read once per query, short text is read in place, and the result
//! is freed as soon as it has been read.

use pgrx::datum::FromDatum;
use pgrx::pg_sys;
use pgrx::spi::{SpiError, SpiHeapTupleData, SpiResult};
use pgrx::varlena;
use pgrx::IntoDatum;
use std::cell::Cell;
use std::ffi::CString;
use std::time::{Duration, Instant};

/// What the queries of the current run cost (for `database_advisor.trace`).
#[derive(Clone, Copy, Default)]
pub struct Cost {
    pub queries: usize,
    pub rows: usize,
    pub sql: Duration,
    pub decode: Duration,
    /// Catalogs read directly (`loader::catalog`), building their snapshot parts included.
    pub catalog: Duration,
}

thread_local! {
    static COST: Cell<Cost> = Cell::new(Cost::default());
}

/// The cost of the queries run since the last call, reset.
pub fn take_cost() -> Cost {
    COST.with(|c| c.take())
}

/// Run one direct catalog read, counting its time (with `database_advisor.trace`, told).
pub fn catalog_read<T>(catalog: &str, read: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = read();
    if crate::gucs::trace() {
        pgrx::notice!(
            "database_advisor: read {catalog} in {} ms",
            started.elapsed().as_millis()
        );
    }
    COST.with(|c| {
        let mut cost = c.get();
        cost.catalog += started.elapsed();
        c.set(cost);
    });
    out
}

/// Typed access to the columns of a row (1-based, like SPI), for both row readers.
pub trait Columns {
    fn get<T: FromDatum + IntoDatum>(&self, ordinal: usize) -> SpiResult<Option<T>>;
    /// A text (or name, varchar) column.
    fn text(&self, ordinal: usize) -> SpiResult<Option<String>>;
}

impl Columns for SpiHeapTupleData<'_> {
    fn get<T: FromDatum + IntoDatum>(&self, ordinal: usize) -> SpiResult<Option<T>> {
        SpiHeapTupleData::get(self, ordinal)
    }
    fn text(&self, ordinal: usize) -> SpiResult<Option<String>> {
        SpiHeapTupleData::get(self, ordinal)
    }
}

/// One row of a result being read by [`each_row`].
pub struct Row {
    types: Vec<pg_sys::Oid>,
    values: Vec<pg_sys::Datum>,
    nulls: Vec<bool>,
}

impl Row {
    fn column(&self, ordinal: usize) -> SpiResult<(pg_sys::Datum, bool, pg_sys::Oid)> {
        if ordinal == 0 || ordinal > self.types.len() {
            return Err(SpiError::SpiError(pgrx::spi::SpiErrorCodes::NoAttribute));
        }
        let i = ordinal - 1;
        Ok((self.values[i], self.nulls[i], self.types[i]))
    }
}

impl Columns for Row {
    fn get<T: FromDatum + IntoDatum>(&self, ordinal: usize) -> SpiResult<Option<T>> {
        let (datum, is_null, type_oid) = self.column(ordinal)?;
        if !T::is_compatible_with(type_oid) {
            // the loader's SQL casts every column to the type it reads: a mismatch is ours
            return Err(SpiError::DatumError(
                pgrx::datum::TryFromDatumError::IncompatibleTypes {
                    rust_type: std::any::type_name::<T>(),
                    rust_oid: T::type_oid(),
                    datum_type: format!("{type_oid:?}"),
                    datum_oid: type_oid,
                },
            ));
        }
        // SAFETY: datum, null flag and type come from the deformed tuple of this row
        Ok(unsafe { T::from_polymorphic_datum(datum, is_null, type_oid) })
    }

    fn text(&self, ordinal: usize) -> SpiResult<Option<String>> {
        let (datum, is_null, _) = self.column(ordinal)?;
        if is_null {
            return Ok(None);
        }
        let ptr = datum.cast_mut_ptr::<pg_sys::varlena>();
        // SAFETY: a text-like column's datum points at a varlena of this tuple. Short,
        // inline values (every catalog name and most texts) are read in place; toasted or
        // compressed ones, or bytes that are not UTF-8, take pgrx's detoasting path.
        unsafe {
            if !varlena::varatt_is_1b_e(ptr) && !varlena::varatt_is_4b_c(ptr) {
                if let Ok(s) = std::str::from_utf8(varlena::varlena_to_byte_slice(ptr)) {
                    return Ok(Some(s.to_owned()));
                }
            }
        }
        self.get::<String>(ordinal)
    }
}

/// Run a read-only query without parameters and hand each row to `each`, checking for
/// cancel between rows; the result is freed before returning.
pub fn each_row(query: &str, mut each: impl FnMut(&Row) -> SpiResult<()>) -> SpiResult<()> {
    let query = CString::new(query).expect("loader queries hold no NUL byte");
    // SAFETY: called inside Spi::connect; SPI_tuptable and SPI_processed are set by this
    // SPI_execute and read before any other SPI call; the tuple table is freed below.
    unsafe {
        let started = Instant::now();
        pgrx::spi::Spi::check_status(pg_sys::SPI_execute(query.as_ptr(), true, 0))?;
        let executed = Instant::now();
        let table = pg_sys::SPI_tuptable;
        if table.is_null() {
            return Ok(());
        }
        let rows = pg_sys::SPI_processed as usize;
        let tupdesc = (*table).tupdesc;
        let natts = (*tupdesc).natts as usize;
        let mut row = Row {
            // once per column (the descriptor's layout differs between major versions)
            types: (1..=natts as i32)
                .map(|i| pg_sys::SPI_gettypeid(tupdesc, i))
                .collect(),
            values: vec![pg_sys::Datum::from(0); natts],
            nulls: vec![true; natts],
        };
        let tuples = std::slice::from_raw_parts((*table).vals, rows);
        let mut result = Ok(());
        for &tuple in tuples {
            pgrx::check_for_interrupts!();
            pg_sys::heap_deform_tuple(
                tuple,
                tupdesc,
                row.values.as_mut_ptr(),
                row.nulls.as_mut_ptr(),
            );
            result = each(&row);
            if result.is_err() {
                break;
            }
        }
        pg_sys::SPI_freetuptable(table);
        if crate::gucs::trace() {
            pgrx::notice!(
                "database_advisor: query \"{}\" in {} ms, {rows} rows",
                label(query.to_str().unwrap_or_default()),
                started.elapsed().as_millis()
            );
        }
        COST.with(|c| {
            let mut cost = c.get();
            cost.queries += 1;
            cost.rows += rows;
            cost.sql += executed - started;
            cost.decode += executed.elapsed();
            c.set(cost);
        });
        result
    }
}

/// What a query is about, for the trace: the start of its leading comment (every loader
/// query opens with one), else of its text.
fn label(query: &str) -> String {
    let text = query.trim_start_matches(super::MARKER).trim_start();
    let first = text.lines().next().unwrap_or_default();
    first.trim_start_matches("-- ").chars().take(60).collect()
}
