//! Suppressions, rule settings, history (`advisor_snapshot`, `advisor_changes`), pg_cron
//! scheduling and the CI gate (`advisor_assert`): SQL that writes, written in SQL.

use pgrx::prelude::*;

extension_sql_file!(
    "history.sql",
    name = "advisor_history",
    requires = ["advisor_findings_views"],
);
