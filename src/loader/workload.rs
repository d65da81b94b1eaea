//! Reads pg_stat_statements in-process, wherever it is installed. A missing or
//! not-preloaded pg_stat_statements is recorded (for a finding), never an error.

use super::{col, sql};
use database_advisor_core::config::Config;
use database_advisor_core::quote;
use database_advisor_core::rules::workload::statements;
use database_advisor_core::snapshot::{Statement, Workload, WorkloadSource};
use pgrx::spi::{SpiClient, SpiResult};

/// A pg_stat_statements query: marked like every loader query, `{pgss}` expanded.
fn marked(text: &str, pgss_schema: &str) -> String {
    super::ours(sql(text).replace("{pgss}", &quote::ident(pgss_schema)))
}

/// With `shapes`, the SELECTs that may take part in an N+1 are parsed too.
pub fn load(client: &SpiClient<'_>, config: &Config, shapes: bool) -> SpiResult<Workload> {
    let mut w = Workload::default();
    let row = client
        .select(
            &super::ours(sql(include_str!("sql/workload_source.sql"))),
            None,
            &[],
        )?
        .first();
    let preload: String = row
        .get(1)?
        .unwrap_or_else(|| "<your current list>".to_string());
    let schema: Option<String> = row.get(2)?;
    w.max = row.get(3)?.unwrap_or(0);
    let preloaded: bool = row.get(4)?.unwrap_or(false);
    // 1.9 and later (PostgreSQL 14): pg_stat_statements_info and the toplevel column
    let since_1_9: bool = row.get(5)?.unwrap_or(false);
    let version: Option<String> = row.get(6)?;
    let since_1_8: bool = row.get(7)?.unwrap_or(false);
    let schema = match (schema, preloaded) {
        (None, _) => {
            w.source = WorkloadSource::NotInstalled {
                preloaded,
                preload_setting: preload,
            };
            return Ok(w);
        }
        (Some(_), false) => {
            // reading the view would raise an ERROR: report it instead
            w.source = WorkloadSource::NotPreloaded {
                preload_setting: preload,
            };
            return Ok(w);
        }
        (Some(_), true) if !since_1_8 => {
            w.source = WorkloadSource::TooOld {
                version: version.unwrap_or_default(),
            };
            return Ok(w);
        }
        (Some(s), true) => s,
    };
    if since_1_9 {
        for row in client.select(
            &marked(include_str!("sql/workload_info.sql"), &schema),
            None,
            &[],
        )? {
            w.dealloc = col(&row, 1)?;
            w.since = row.get(2)?;
            w.seconds = col(&row, 3)?;
        }
    }
    // before 1.9 every statement counts as top-level: with pg_stat_statements.track = all
    // the nested ones then count twice in the total the shares are computed from
    let statements = include_str!("sql/workload_statements.sql")
        .replace("{toplevel}", if since_1_9 { "s.toplevel" } else { "true" });
    for row in client.select(&marked(&statements, &schema), None, &[])? {
        pgrx::check_for_interrupts!();
        w.statements.push(Statement {
            queryid: col(&row, 1)?,
            role: col(&row, 2)?,
            query: row.get(3)?,
            calls: col(&row, 4)?,
            total_exec_ms: col(&row, 5)?,
            mean_exec_ms: col(&row, 6)?,
            rows: col(&row, 7)?,
            plans: col(&row, 8)?,
            total_plan_ms: col(&row, 9)?,
            shared_blks_hit: col(&row, 10)?,
            shared_blks_read: col(&row, 11)?,
            temp_blks_written: col(&row, 12)?,
            toplevel: col(&row, 13)?,
            shape: None,
        });
    }
    // the loader's own statements (tracked when pg_stat_statements.track = all)
    let own = super::own_queries::ids();
    w.statements.retain(|s| !own.contains(&s.queryid));
    if shapes {
        // what the SELECTs that may be an N+1 read and filter on, from PostgreSQL's parser
        for s in &mut w.statements {
            if statements::may_be_n_plus_one(s, config) {
                s.shape = super::shape::select_shape(s.query.as_deref().unwrap_or_default());
            }
        }
    }
    w.source = WorkloadSource::Installed { schema };
    Ok(w)
}
