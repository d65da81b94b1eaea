//! GUCs (`database_advisor.*`): registered once in `_PG_init`, read through `config()`.

use database_advisor_core::config::Config;
use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use std::ffi::CString;

static EXCLUDE_SCHEMAS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

pub fn init() {
    GucRegistry::define_string_guc(
        c"database_advisor.exclude_schemas",
        c"Schemas the advisors never report on (comma-separated).",
        c"Objects in these schemas produce no findings. System schemas, pg_toast, \
          information_schema and objects owned by extensions are always excluded. \
          Quote names that contain capitals or commas: 'legacy, \"Old Stuff\"'.",
        &EXCLUDE_SCHEMAS,
        GucContext::Userset,
        GucFlags::default(),
    );
}

/// The configuration of one run, from the current GUC values.
pub fn config() -> Config {
    let exclude = EXCLUDE_SCHEMAS
        .get()
        .map(|s| Config::parse_name_list(&s.to_string_lossy()))
        .unwrap_or_default();
    Config {
        exclude_schemas: exclude,
        ..Config::default()
    }
}
