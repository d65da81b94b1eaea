//! What the HTML report shows beside the findings: the history of counts, the heaviest
//! statements, the largest indexes (`sql/report_*.sql`).

use super::{col, text};
use crate::error::AdvisorError;
use database_advisor_core::output::html::{Context, IndexUse, RunCounts, TopStatement};
use database_advisor_core::quote;
use pgrx::prelude::*;

/// The page's context. pg_stat_statements is read when it is created here at 1.8 or later
/// and preloaded (its settings exist only then: `shared_preload_libraries` itself is
/// hidden from roles without pg_read_all_settings).
pub fn html_context() -> Context {
    Spi::connect(|client| -> pgrx::spi::SpiResult<Context> {
        let mut ctx = Context::default();
        let head = super::ours(super::sql(
            "SELECT current_database()::text, to_char(now(), 'YYYY-MM-DD HH24:MI:SS TZ'), \
             (SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n \
              ON n.oid = e.extnamespace WHERE e.extname = 'database_advisor'), \
             (SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n \
              ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements' \
              AND string_to_array(e.extversion, '.')::int[] >= '{1,8}' \
              AND EXISTS (SELECT FROM pg_settings s WHERE s.name = 'pg_stat_statements.max'))",
        ));
        let row = client.select(&head, Some(1), &[])?.first();
        ctx.database = row.get::<String>(1)?.unwrap_or_default();
        ctx.generated_at = row.get::<String>(2)?.unwrap_or_default();
        let ext: Option<String> = row.get(3)?;
        let pss: Option<String> = row.get(4)?;
        if let Some(ext) = ext {
            let q = super::ours(
                super::sql(include_str!("sql/report_history.sql"))
                    .replace("{ext}", &quote::ident(&ext)),
            );
            for row in client.select(&q, None, &[])? {
                ctx.history.push(RunCounts {
                    at: text(&row, 1)?,
                    errors: col(&row, 2)?,
                    warnings: col(&row, 3)?,
                    infos: col(&row, 4)?,
                });
            }
        }
        if let Some(pss) = pss {
            super::model::query();
            let own = super::own_queries::ids();
            let q = super::ours(
                super::sql(include_str!("sql/report_statements.sql"))
                    .replace("{pss}", &quote::ident(&pss)),
            );
            for row in client.select(&q, None, &[])? {
                let queryid: i64 = col(&row, 4)?;
                if own.contains(&queryid) || ctx.statements.len() == 10 {
                    continue;
                }
                ctx.statements.push(TopStatement {
                    query: text(&row, 1)?,
                    calls: col(&row, 2)?,
                    total_ms: col(&row, 3)?,
                });
            }
        }
        let q = super::ours(super::sql(include_str!("sql/report_indexes.sql")));
        for row in client.select(&q, None, &[])? {
            ctx.indexes.push(IndexUse {
                identity: text(&row, 1)?,
                bytes: col(&row, 2)?,
                scans: col(&row, 3)?,
            });
        }
        Ok(ctx)
    })
    .map_err(AdvisorError::from)
    .unwrap_or_else(|e| e.raise())
}
