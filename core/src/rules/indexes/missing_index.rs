//! `missing_index`: an index the what-if planner says the workload needs. The suggestions
//! are computed by the loader (src/whatif: the workload's statements planned with
//! hypothetical indexes, chosen by the Extend search); this rule turns each into a finding
//! with the CREATE INDEX as its remediation, so suppressions, history, reports and
//! `advisor_assert` work on it.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::workload::{by_impact, ms};
use crate::rules::Rule;
use crate::snapshot::{human_bytes, Parts, Snapshot};
use serde_json::json;

pub const RULE: Rule = Rule {
    id: "missing_index",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "An index the planner says the workload needs: the statements that would use \
                  it, what it saves and what it takes (what-if planning, nothing built)",
    check,
    parts: Parts::INDEX_ADVICE
        .union(Parts::WORKLOAD)
        .union(Parts::RELATIONS),
};

fn check(snap: &Snapshot, _config: &Config) -> Vec<Finding> {
    let advice = &snap.index_advice;
    let total = advice.cost_before_ms.max(f64::EPSILON);
    advice
        .suggestions
        .iter()
        .map(|s| {
            let saved = s.benefit_ms();
            let (level, why) = by_impact(snap, "the time it saves", saved);
            let statements = match s.queryids.len() {
                1 => "1 statement".to_string(),
                n => format!("{n} statements"),
            };
            let detail = format!(
                "The planner costs the workload's statements {:.0}% lower with this index on \
                 {} ({statements} would use it: {}): about {} of the {} they took {}; it \
                 would take ~{} ({why}).",
                100.0 * saved / total,
                s.table,
                s.queryids
                    .iter()
                    .map(|q| q.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                ms(saved),
                ms(advice.cost_before_ms),
                snap.workload.describe_window(),
                human_bytes(s.estimated_bytes),
            );
            let metadata = json!({
                "table": s.table,
                "index_name": s.name,
                "columns": s.columns,
                "include": s.include,
                "predicate": s.predicate,
                "estimated_bytes": s.estimated_bytes,
                "queryids": s.queryids,
                "saved_ms": saved,
                "workload_ms": advice.cost_before_ms,
                "statements_planned": advice.statements,
            });
            RULE.finding(
                level,
                "table",
                s.table.clone(),
                Some(&s.definition),
                detail,
                Some(format!("{};", s.definition)),
                metadata,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{IndexAdvice, IndexSuggestion};

    fn snapshot(saved: f64, seconds: f64) -> Snapshot {
        let mut snap = Snapshot::default();
        snap.workload.seconds = seconds;
        snap.index_advice = IndexAdvice {
            suggestions: vec![IndexSuggestion {
                table: "public.orders".into(),
                name: "orders_customer_id_idx".into(),
                definition: "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON public.orders (customer_id)".into(),
                columns: vec!["customer_id".into()],
                estimated_bytes: 2 << 20,
                queryids: vec![42, 43],
                cost_without_ms: 1000.0,
                cost_with_ms: 1000.0 - saved,
                ..IndexSuggestion::default()
            }],
            statements: 5,
            cost_before_ms: 1200.0,
            cost_after_ms: 1200.0 - saved,
            skipped: vec![],
        };
        snap
    }

    #[test]
    fn a_suggestion_is_a_finding_with_its_create_index() {
        let f = check(&snapshot(900.0, 60.0), &Config::default());
        assert_eq!(f.len(), 1);
        let f = &f[0];
        assert_eq!(f.level, Level::Warning, "{}", f.detail);
        assert_eq!(f.object_identity, "public.orders");
        assert_eq!(
            f.remediation.as_deref(),
            Some("CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON public.orders (customer_id);")
        );
        assert!(f.detail.contains("75% lower"), "{}", f.detail);
        assert!(
            f.detail.contains("2 statements would use it: 42, 43"),
            "{}",
            f.detail
        );
        assert!(f
            .fingerprint
            .starts_with("missing_index:public.orders:CREATE INDEX"));
        assert_eq!(f.metadata["queryids"], json!([42, 43]));
    }

    #[test]
    fn small_savings_are_info() {
        // 50 ms saved over an hour: far below 1 % of a core
        let f = check(&snapshot(50.0, 3600.0), &Config::default());
        assert_eq!(f[0].level, Level::Info, "{}", f[0].detail);
    }

    #[test]
    fn no_advice_no_findings() {
        assert!(check(&Snapshot::default(), &Config::default()).is_empty());
    }
}
