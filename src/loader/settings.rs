//! Loads the per-rule settings and the active suppressions from the extension's tables.

use crate::error::AdvisorError;
use database_advisor_core::finding::Level;
use database_advisor_core::quote;
use database_advisor_core::suppress::{RuleSetting, Settings, Suppression};
use pgrx::prelude::*;

pub fn load() -> Result<Settings, AdvisorError> {
    Spi::connect(|client| {
        super::use_server_keywords(client)?;
        let query = super::ours(super::sql(
            "SELECT n.nspname::text FROM pg_extension e \
             JOIN pg_namespace n ON n.oid = e.extnamespace \
             WHERE e.extname = 'database_advisor'",
        ));
        let schema: Option<String> = client.select(&query, None, &[])?.first().get_one()?;
        let mut settings = Settings::default();
        let Some(schema) = schema else {
            return Ok(settings); // not installed as an extension (cannot happen in SQL)
        };
        let sql = super::ours(
            super::sql(include_str!("sql/settings.sql")).replace("{ext}", &quote::ident(&schema)),
        );
        for row in client.select(&sql, None, &[])? {
            let kind: String = row.get(1)?.unwrap_or_default();
            let rule: String = row.get(2)?.unwrap_or_default();
            let a: Option<String> = row.get(3)?;
            let b: Option<String> = row.get(4)?;
            if kind == "rule" {
                let level = b
                    .as_deref()
                    .and_then(|l| Level::ALL.into_iter().find(|x| x.as_str() == l));
                settings.rules.insert(
                    rule,
                    RuleSetting {
                        enabled: a.as_deref() == Some("true"),
                        level,
                    },
                );
            } else {
                settings.suppressions.push(Suppression {
                    rule,
                    target: a.unwrap_or_default(),
                    reason: b.unwrap_or_default(),
                    until: row.get(5)?,
                });
            }
        }
        Ok(settings)
    })
    .map_err(|e: pgrx::spi::SpiError| AdvisorError::from(e))
}
