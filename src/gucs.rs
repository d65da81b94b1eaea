//! GUCs (`database_advisor.*`): registered once in `_PG_init`, read through `config()`.

use database_advisor_core::config::Config;
use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use std::ffi::CString;

static EXCLUDE_SCHEMAS: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static MIN_STATS_AGE: GucSetting<i32> = GucSetting::<i32>::new(7 * 24 * 3600);
static UNUSED_INDEX_MIN_SIZE: GucSetting<i32> = GucSetting::<i32>::new(1024);
static UNUSED_INDEX_MAX_SCANS: GucSetting<i32> = GucSetting::<i32>::new(0);
static TENANT_COLUMN: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"tenant_id"));
static TENANT_SETTING: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"app.tenant_id"));
static SLOW_QUERY_MS: GucSetting<i32> = GucSetting::<i32>::new(20);
static SLOW_QUERY_MIN_CALLS: GucSetting<i32> = GucSetting::<i32>::new(100);
static HISTORY_DAYS: GucSetting<i32> = GucSetting::<i32>::new(30);
static API_ROLES: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static TRACE: GucSetting<bool> = GucSetting::<bool>::new(false);
static RULE_THREADS: GucSetting<i32> = GucSetting::<i32>::new(2);
static CATALOG_CACHE_SIZE: GucSetting<i32> = GucSetting::<i32>::new(256);
static INDEX_MAX_COLUMNS: GucSetting<i32> = GucSetting::<i32>::new(3);
static INDEX_MIN_GAIN: GucSetting<f64> = GucSetting::<f64>::new(0.01);
static INDEX_BUDGET: GucSetting<i32> = GucSetting::<i32>::new(0);
static IDLE_IN_TRANSACTION_MIN: GucSetting<i32> = GucSetting::<i32>::new(60);
static LONG_RUNNING_QUERY_MIN: GucSetting<i32> = GucSetting::<i32>::new(300);
static PARTITION_MIN_SIZE: GucSetting<i32> = GucSetting::<i32>::new(10 * 1024);
static PARTITION_MIN_ROWS: GucSetting<i32> = GucSetting::<i32>::new(50_000_000);
static CLUSTER_DATABASE: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);
static AUDIT_ACTOR_SETTING: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"app.user_id"));

pub fn init() {
    GucRegistry::define_int_guc(
        c"database_advisor.partition_min_size",
        c"partition_candidate looks at tables at least this large (or with partition_min_rows).",
        c"",
        &PARTITION_MIN_SIZE,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_MB,
    );
    GucRegistry::define_int_guc(
        c"database_advisor.partition_min_rows",
        c"partition_candidate looks at tables with at least this many rows (or partition_min_size).",
        c"",
        &PARTITION_MIN_ROWS,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"database_advisor.idle_in_transaction_min",
        c"idle_in_transaction reports sessions idle in an open transaction this long.",
        c"",
        &IDLE_IN_TRANSACTION_MIN,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_S,
    );
    GucRegistry::define_int_guc(
        c"database_advisor.long_running_query_min",
        c"long_running_query reports statements running this long.",
        c"",
        &LONG_RUNNING_QUERY_MIN,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_S,
    );
    GucRegistry::define_string_guc(
        c"database_advisor.cluster_database",
        c"The one database that reports what belongs to the whole server.",
        c"Roles with BYPASSRLS, the server's autovacuum and connections, physical \
          replication slots: empty (the default), every database with the extension reports \
          them; set it (in postgresql.conf or ALTER SYSTEM) to report them once.",
        &CLUSTER_DATABASE,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"database_advisor.index_max_columns",
        c"The index advisor suggests indexes of at most this many key columns.",
        c"",
        &INDEX_MAX_COLUMNS,
        1,
        32,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"database_advisor.index_min_gain",
        c"The index advisor adds or widens an index only when that saves this share of the \
          workload's cost.",
        c"A fraction: 0.01 is 1 % of the cost of the statements without new indexes.",
        &INDEX_MIN_GAIN,
        0.0,
        1.0,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"database_advisor.index_budget",
        c"The total size the indexes the advisor suggests may take (0: no budget).",
        c"",
        &INDEX_BUDGET,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_KB,
    );
    GucRegistry::define_bool_guc(
        c"database_advisor.trace",
        c"Report where a run spends its time, as a NOTICE.",
        c"Catalog SQL and decoding its rows, each catalog read directly, each rule, and the \
          output (see BENCHMARKS.md).",
        &TRACE,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"database_advisor.rule_threads",
        c"Threads that check the rules of a run (1: the backend's own thread only).",
        c"The helper threads only compute over the catalog facts the backend loaded; they \
          never call into the server, and a cancel still stops the run between rules.",
        &RULE_THREADS,
        1,
        64,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"database_advisor.catalog_cache_size",
        c"Memory a backend may keep the table parts of its last runs in, for the next (0: off).",
        c"Relations, columns, indexes and constraints as read by the last runs, kept while no \
          catalog they come from changes (PostgreSQL's cache invalidation drops them); each run \
          still reads statistics and every other part. About 1 MB per 100 tables.",
        &CATALOG_CACHE_SIZE,
        0,
        i32::MAX / 1024,
        GucContext::Userset,
        GucFlags::UNIT_MB,
    );
    GucRegistry::define_string_guc(
        c"database_advisor.audit_actor_setting",
        c"The setting audit triggers read the application user from.",
        c"A custom setting (prefix.name), fixed in each table's trigger when its audit is \
          enabled. Log rows store current_setting(<it>, true) as app_user: the application \
          sets it per transaction, e.g. SET LOCAL app.user_id = '42'. Unset or empty: NULL.",
        &AUDIT_ACTOR_SETTING,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"database_advisor.slow_query_ms",
        c"slow_query: statements whose mean execution time reaches this.",
        c"",
        &SLOW_QUERY_MS,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_MS,
    );
    GucRegistry::define_int_guc(
        c"database_advisor.slow_query_min_calls",
        c"slow_query: only statements called at least this often.",
        c"",
        &SLOW_QUERY_MIN_CALLS,
        1,
        i32::MAX,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"database_advisor.history_days",
        c"Days advisor_snapshot() keeps runs in advisor_runs.",
        c"",
        &HISTORY_DAYS,
        1,
        36500,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"database_advisor.tenant_column",
        c"The column that holds the tenant key in multi-tenant tables.",
        c"RLS rules treat tables with this column as tenant data: they must have Row Level \
          Security and policies that reference it.",
        &TENANT_COLUMN,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"database_advisor.tenant_setting",
        c"The setting generated tenant-isolation policies read the current tenant from.",
        c"Suggested policies compare the tenant column with (SELECT current_setting(<this>, true)).",
        &TENANT_SETTING,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"database_advisor.api_roles",
        c"Roles the application or API connects as (comma-separated).",
        c"A table owned by one of these roles counts as exposed. Roles that do not exist are \
          ignored.",
        &API_ROLES,
        GucContext::Userset,
        GucFlags::default(),
    );
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
    GucRegistry::define_int_guc(
        c"database_advisor.min_stats_age",
        c"Statistics younger than this make stats-based findings info only.",
        c"idx_scan and friends count only since the last statistics reset (or server \
          start): a short window proves little, so such findings say so and stay at info.",
        &MIN_STATS_AGE,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_S,
    );
    GucRegistry::define_int_guc(
        c"database_advisor.unused_index_min_size",
        c"Unused indexes smaller than this are reported as info only.",
        c"",
        &UNUSED_INDEX_MIN_SIZE,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_KB,
    );
    GucRegistry::define_int_guc(
        c"database_advisor.unused_index_max_scans",
        c"An index scanned at most this many times in the statistics window is unused.",
        c"",
        &UNUSED_INDEX_MAX_SCANS,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::default(),
    );
}

/// `database_advisor.audit_actor_setting`, trimmed (default `app.user_id`).
pub fn audit_actor_setting() -> String {
    AUDIT_ACTOR_SETTING
        .get()
        .map(|v| v.to_string_lossy().trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "app.user_id".into())
}

/// The index advisor's search settings.
pub fn index_settings() -> database_advisor_core::whatif::select::Settings {
    let budget = INDEX_BUDGET.get();
    database_advisor_core::whatif::select::Settings {
        max_columns: INDEX_MAX_COLUMNS.get() as usize,
        min_gain: INDEX_MIN_GAIN.get(),
        budget_bytes: (budget > 0).then(|| budget as u64 * 1024),
    }
}

/// Whether runs report their timing (`database_advisor.trace`).
pub fn trace() -> bool {
    TRACE.get()
}

/// How many threads check the rules of a run (`database_advisor.rule_threads`).
pub fn rule_threads() -> usize {
    RULE_THREADS.get().max(1) as usize
}

/// Bytes a backend may keep table parts in (`database_advisor.catalog_cache_size`).
pub fn catalog_cache_size() -> usize {
    CATALOG_CACHE_SIZE.get().max(0) as usize * 1024 * 1024
}

/// The configuration of one run, from the current GUC values.
pub fn config() -> Config {
    let exclude = EXCLUDE_SCHEMAS
        .get()
        .map(|s| Config::parse_name_list(&s.to_string_lossy()))
        .unwrap_or_default();
    let text = |s: &GucSetting<Option<CString>>, default: &str| {
        s.get()
            .map(|v| v.to_string_lossy().trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_string())
    };
    Config {
        exclude_schemas: exclude,
        tenant_column: text(&TENANT_COLUMN, "tenant_id"),
        tenant_setting: text(&TENANT_SETTING, "app.tenant_id"),
        api_roles: Config::parse_name_list(&text(&API_ROLES, "")),
        min_stats_age_seconds: f64::from(MIN_STATS_AGE.get()),
        unused_index_min_bytes: i64::from(UNUSED_INDEX_MIN_SIZE.get()) * 1024,
        unused_index_max_scans: i64::from(UNUSED_INDEX_MAX_SCANS.get()),
        slow_query_ms: f64::from(SLOW_QUERY_MS.get()),
        slow_query_min_calls: i64::from(SLOW_QUERY_MIN_CALLS.get()),
        idle_in_transaction_seconds: f64::from(IDLE_IN_TRANSACTION_MIN.get()),
        long_running_query_seconds: f64::from(LONG_RUNNING_QUERY_MIN.get()),
        cluster_scope: cluster_scope(&text(&CLUSTER_DATABASE, "")),
        partition_min_bytes: i64::from(PARTITION_MIN_SIZE.get()) << 20,
        partition_min_rows: f64::from(PARTITION_MIN_ROWS.get()),
        ..Config::default()
    }
}

/// Whether this database reports what is the server's: `cluster_database` is empty or
/// names it.
fn cluster_scope(cluster_database: &str) -> bool {
    if cluster_database.is_empty() {
        return true;
    }
    // SAFETY: the name of the database this backend is connected to, copied at once
    unsafe {
        let name = pgrx::pg_sys::get_database_name(pgrx::pg_sys::MyDatabaseId);
        !name.is_null() && std::ffi::CStr::from_ptr(name).to_bytes() == cluster_database.as_bytes()
    }
}
