//! Run configuration: what the GUCs (and later the settings tables) say, as a plain struct
//! so rules stay pure and testable.

/// Settings every rule may read. Built from GUCs by the extension, by hand in tests.
#[derive(Clone, Debug)]
pub struct Config {
    /// Schemas never reported (GUC `database_advisor.exclude_schemas`).
    pub exclude_schemas: Vec<String>,
    /// Not a setting but how a run is asked: the undo statements of the indexes index
    /// findings suggest dropping are wanted (`advisor_index_findings`). The rules write
    /// those of plain indexes themselves ([`crate::snapshot::Index::plain`]); the loader
    /// deparses the others afterwards.
    pub index_undo: bool,
    /// Not a setting either: the run returns findings' metadata as jsonb, which rules that
    /// make many findings write straight into jsonb bytes ([`crate::finding::Finding::with_meta`]).
    pub metadata_jsonb: bool,
    /// `missing_fk_index` becomes a warning when the referencing table has at least this
    /// many rows (estimated) ...
    pub fk_warning_min_rows: f64,
    /// ... or at least this many bytes ...
    pub fk_warning_min_bytes: i64,
    /// ... or when the deletes + updates on the referenced table in the stats window times
    /// the referencing table's rows (rows scanned by the referential checks) reach this.
    pub fk_warning_min_rows_scanned: i64,
    /// `unused_index`: an index with at most this many scans is unused
    /// (GUC `database_advisor.unused_index_max_scans`).
    pub unused_index_max_scans: i64,
    /// Statistics younger than this (seconds) make stats-based findings `info`
    /// (GUC `database_advisor.min_stats_age`).
    pub min_stats_age_seconds: f64,
    /// `unused_index`: smaller indexes are `info` (GUC `database_advisor.unused_index_min_size`).
    pub unused_index_min_bytes: i64,
    /// The tenant key column (GUC `database_advisor.tenant_column`).
    pub tenant_column: String,
    /// The setting generated tenant policies read (GUC `database_advisor.tenant_setting`).
    pub tenant_setting: String,
    /// Roles the API connects as (GUC `database_advisor.api_roles`); unknown ones are ignored.
    pub api_roles: Vec<String>,
    /// `rls_policy_column_unindexed` looks at tables with at least this many rows.
    pub rls_index_min_rows: f64,
    /// `slow_query`: mean execution time (ms) and calls (GUCs `database_advisor.slow_query_ms`,
    /// `database_advisor.slow_query_min_calls`).
    pub slow_query_ms: f64,
    pub slow_query_min_calls: i64,
    /// `heavy_query`: share of all execution time, at least this many calls, and at least
    /// this share of one core's time over the window (the statement's execution time
    /// divided by the window's length).
    pub heavy_query_share: f64,
    pub heavy_query_min_calls: i64,
    pub heavy_query_min_load: f64,
    /// `n_plus_one_query`: at least this many calls of a cheap keyed lookup.
    pub n_plus_one_min_calls: i64,
    /// `low_cache_hit_query`: blocks touched and the hit ratio below which it is reported.
    pub low_cache_min_blocks: i64,
    pub low_cache_hit_ratio: f64,
    /// `seq_scan_heavy_table`: tables with at least this many rows.
    pub seq_scan_min_rows: f64,
    /// `idle_in_transaction` and `long_running_query`: seconds (GUCs
    /// `database_advisor.idle_in_transaction_min`, `database_advisor.long_running_query_min`).
    pub idle_in_transaction_seconds: f64,
    pub long_running_query_seconds: f64,
    /// Whether this database reports what is the whole server's (roles, the server's
    /// settings and connections, physical replication slots): true unless the GUC
    /// `database_advisor.cluster_database` names another database.
    pub cluster_scope: bool,
    /// `partition_candidate`: tables of at least this many bytes or rows (GUCs
    /// `database_advisor.partition_min_size`, `database_advisor.partition_min_rows`).
    pub partition_min_bytes: i64,
    pub partition_min_rows: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            exclude_schemas: Vec::new(),
            index_undo: false,
            metadata_jsonb: false,
            fk_warning_min_rows: 10_000.0,
            fk_warning_min_bytes: 8 * 1024 * 1024,
            fk_warning_min_rows_scanned: 1_000_000,
            unused_index_max_scans: 0,
            min_stats_age_seconds: 7.0 * 86400.0,
            unused_index_min_bytes: 1024 * 1024,
            tenant_column: "tenant_id".into(),
            tenant_setting: "app.tenant_id".into(),
            api_roles: Vec::new(),
            rls_index_min_rows: 10_000.0,
            slow_query_ms: 20.0,
            slow_query_min_calls: 100,
            heavy_query_share: 0.2,
            heavy_query_min_calls: 5,
            heavy_query_min_load: 0.01,
            n_plus_one_min_calls: 1000,
            low_cache_min_blocks: 10_000,
            low_cache_hit_ratio: 0.9,
            seq_scan_min_rows: 10_000.0,
            idle_in_transaction_seconds: 60.0,
            long_running_query_seconds: 300.0,
            cluster_scope: true,
            partition_min_bytes: 10 << 30,
            partition_min_rows: 50_000_000.0,
        }
    }
}

impl Config {
    /// Parse a GUC list value like `audit, "Legacy Stuff", tmp` into schema names:
    /// comma-separated, surrounding blanks trimmed, double quotes keep case and commas,
    /// unquoted names are folded to lower case like SQL identifiers.
    pub fn parse_name_list(value: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut chars = value.chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let mut name = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            name.push('"');
                        } else {
                            break;
                        }
                    } else {
                        name.push(c);
                    }
                }
                while chars.peek().is_some_and(|c| *c != ',') {
                    chars.next();
                }
            } else {
                while let Some(c) = chars.peek().copied() {
                    if c == ',' {
                        break;
                    }
                    name.push(c);
                    chars.next();
                }
                name = name.trim().to_lowercase();
            }
            if !name.is_empty() {
                names.push(name);
            }
            if chars.next().is_none() {
                return names;
            }
        }
    }

    pub fn is_schema_excluded(&self, schema: &str) -> bool {
        self.exclude_schemas.iter().any(|s| s == schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_lists() {
        assert_eq!(Config::parse_name_list(""), Vec::<String>::new());
        assert_eq!(Config::parse_name_list(" a , B,,c "), ["a", "b", "c"]);
        assert_eq!(
            Config::parse_name_list(r#"audit, "Legacy, Stuff", "say ""hi""" "#),
            ["audit", "Legacy, Stuff", "say \"hi\""]
        );
    }
}
