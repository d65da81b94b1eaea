//! Sequences running out (`sequence_exhaustion`): a sequence past a share of the values
//! it can still give, counting the narrower of its own bound and the type of each column
//! it feeds (a bigint sequence feeding an integer column fails at 2^31 - 1, not at 2^63).

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::health::integer_type_max;
use crate::snapshot::{ConstraintKind, Oid, Parts, Sequence, Snapshot};
use serde_json::json;

pub const SEQUENCE_EXHAUSTION: Rule = Rule {
    id: "sequence_exhaustion",
    category: Category::Integrity,
    default_level: Level::Warning,
    description: "Sequence past half (info), three quarters (warning) or 90% (error) of the \
                  values left to it or to the columns it feeds: inserts fail when it runs out",
    check: sequence_exhaustion,
    parts: Parts::SEQUENCES
        .union(Parts::RELATIONS)
        .union(Parts::ATTRIBUTES)
        .union(Parts::CONSTRAINTS),
};

/// What bounds a sequence: its own maximum, or a column's type.
struct Bound {
    limit: i64,
    /// The fed columns whose type stops the sequence before its own maximum.
    narrower_columns: Vec<(Oid, i16)>,
    /// The fed columns of an integer type narrower than bigint (all of them need widening
    /// for the sequence to go on past their type's maximum).
    to_widen: Vec<(Oid, i16)>,
}

fn bound(snap: &Snapshot, s: &Sequence) -> Bound {
    let mut b = Bound {
        limit: s.max,
        narrower_columns: Vec::new(),
        to_widen: Vec::new(),
    };
    for &(table, attnum) in &s.columns {
        let Some(column_max) = snap
            .attributes
            .get(&(table, attnum))
            .and_then(|a| integer_type_max(&a.type_name))
        else {
            continue;
        };
        if column_max < s.max {
            b.narrower_columns.push((table, attnum));
            b.limit = b.limit.min(column_max);
        }
        if column_max < i64::MAX {
            b.to_widen.push((table, attnum));
        }
    }
    b
}

fn level(used: f64) -> Option<Level> {
    if used >= 0.9 {
        Some(Level::Error)
    } else if used >= 0.75 {
        Some(Level::Warning)
    } else if used >= 0.5 {
        Some(Level::Info)
    } else {
        None
    }
}

fn sequence_exhaustion(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &snap.sequences {
        let Some(rel) = snap.relation(s.oid) else {
            continue;
        };
        // a cycling sequence starts over by design; a descending one is rare enough to
        // leave to the reader (see docs/rules/health.md)
        if rel.extension_member || !snap.in_scope(rel, config) || s.cycle || s.increment <= 0 {
            continue;
        }
        let Some(last) = s.last_value else { continue };
        let b = bound(snap, s);
        let span = (b.limit as f64) - (s.min as f64);
        if span <= 0.0 {
            continue;
        }
        let used = ((last as f64) - (s.min as f64)) / span;
        let Some(level) = level(used) else { continue };
        let seq = snap.rel_identity(s.oid);
        let left = (b.limit as i128 - last as i128) / s.increment as i128;
        let column = |&(table, attnum): &(Oid, i16)| {
            format!(
                "{}.{}",
                snap.rel_identity(table),
                quote::ident(snap.column_name(table, attnum).unwrap_or("?"))
            )
        };
        let feeds: Vec<String> = s.columns.iter().map(column).collect();
        let bound_by = if b.narrower_columns.is_empty() {
            format!("its own maximum ({})", b.limit)
        } else {
            format!(
                "the type of {} ({})",
                b.narrower_columns
                    .iter()
                    .map(column)
                    .collect::<Vec<_>>()
                    .join(", "),
                b.limit
            )
        };
        let (fix, columns_to_widen) = remediation(snap, s, &b, &seq);
        let after = if fix.is_some() {
            format!(
                "Widen to bigint{}: changing a column's type rewrites its table under an \
                 ACCESS EXCLUSIVE lock (lint the change with advisor_lint_migration first).",
                if columns_to_widen.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", with the {} foreign-key column{} that reference{} it",
                        columns_to_widen.len(),
                        if columns_to_widen.len() == 1 { "" } else { "s" },
                        if columns_to_widen.len() == 1 { "s" } else { "" },
                    )
                }
            )
        } else {
            "Nothing wider than bigint exists: reuse values (CYCLE, with care for unique \
             keys) or move to another key."
                .into()
        };
        out.push(SEQUENCE_EXHAUSTION.finding(
            level,
            "sequence",
            seq.to_string(),
            None,
            format!(
                "Sequence {seq} ({}) is at {last}, {:.1}% of the way to {bound_by}: {left} \
                 values are left{}, then every insert that takes one fails. {after}",
                s.type_name,
                used * 100.0,
                if feeds.is_empty() {
                    String::new()
                } else {
                    format!(" for {}", feeds.join(", "))
                },
            ),
            fix,
            json!({
                "sequence": seq,
                "type": s.type_name,
                "last_value": last,
                "limit": b.limit,
                "used": used,
                "values_left": left as f64,
                "columns": feeds,
            }),
        ));
    }
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

/// `ALTER TABLE ... TYPE bigint` for each narrow column it feeds (not partitions: the
/// parent's change reaches them) and for each foreign-key column referencing one, then
/// `ALTER SEQUENCE ... AS bigint` when the sequence is narrower too. `None` when
/// everything is bigint already.
fn remediation(
    snap: &Snapshot,
    s: &Sequence,
    b: &Bound,
    seq: &str,
) -> (Option<String>, Vec<String>) {
    let mut statements = Vec::new();
    let mut referencing = Vec::new();
    let widen = |table: Oid, attnum: i16, statements: &mut Vec<String>| {
        let (Some(rel), Some(a)) = (snap.relation(table), snap.attributes.get(&(table, attnum)))
        else {
            return;
        };
        if rel.is_partition || integer_type_max(&a.type_name).is_none_or(|m| m == i64::MAX) {
            return;
        }
        let stmt = format!(
            "ALTER TABLE {} ALTER COLUMN {} TYPE bigint;",
            snap.rel_identity(table),
            quote::ident(&a.name)
        );
        if !statements.contains(&stmt) {
            statements.push(stmt);
        }
    };
    for &(table, attnum) in &b.to_widen {
        widen(table, attnum, &mut statements);
        for fk in snap.constraints.iter().filter(|c| {
            c.kind == ConstraintKind::ForeignKey
                && c.parent == 0
                && c.foreign
                    .as_ref()
                    .is_some_and(|f| f.ref_table == table && f.ref_columns.contains(&attnum))
        }) {
            let f = fk.foreign.as_ref().expect("a foreign key");
            for (&c, &r) in fk.columns.iter().zip(&f.ref_columns) {
                if r == attnum {
                    let before = statements.len();
                    widen(fk.table, c, &mut statements);
                    if statements.len() > before {
                        referencing.push(statements[before].clone());
                    }
                }
            }
        }
    }
    if s.type_name != "int8" {
        statements.push(format!("ALTER SEQUENCE {seq} AS bigint NO MAXVALUE;"));
    }
    if statements.is_empty() {
        (None, referencing)
    } else {
        (Some(statements.join("\n")), referencing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    fn typed(b: &mut SnapshotBuilder, rel: u32, column: &str, ty: &str) {
        b.attribute_mut(rel, column).type_name = ty.into();
    }

    #[test]
    fn an_integer_serial_three_quarters_used() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "Orders", &["id"]);
        let lines = b.table("app", "lines", &["order_id"]);
        typed(&mut b, t, "id", "int4");
        typed(&mut b, lines, "order_id", "int4");
        b.primary_key(t, &["id"]);
        b.foreign_key("lines_order_id_fkey", lines, &["order_id"], t, &["id"]);
        b.sequence(
            "app",
            "Orders_id_seq",
            "int4",
            Some(1_700_000_000),
            &[(t, "id")],
        );
        let f = sequence_exhaustion(&b.build(), &Config::default());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Warning);
        assert_eq!(f[0].object_identity, "app.\"Orders_id_seq\"");
        assert_eq!(
            f[0].remediation.as_deref(),
            Some(
                "ALTER TABLE app.\"Orders\" ALTER COLUMN id TYPE bigint;\n\
                 ALTER TABLE app.lines ALTER COLUMN order_id TYPE bigint;\n\
                 ALTER SEQUENCE app.\"Orders_id_seq\" AS bigint NO MAXVALUE;"
            )
        );
    }

    #[test]
    fn a_bigint_sequence_feeding_an_integer_column() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "events", &["id"]);
        typed(&mut b, t, "id", "int4");
        // far from 2^63, but 95% of the way to 2^31 - 1
        b.sequence(
            "app",
            "events_id_seq",
            "int8",
            Some(2_040_000_000),
            &[(t, "id")],
        );
        let f = sequence_exhaustion(&b.build(), &Config::default());
        assert_eq!(f[0].level, Level::Error);
        assert!(
            f[0].detail
                .contains("the type of app.events.id (2147483647)"),
            "{}",
            f[0].detail
        );
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("ALTER TABLE app.events ALTER COLUMN id TYPE bigint;")
        );
    }

    #[test]
    fn quiet_when_young_unused_cycling_or_bigint() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "t", &["a", "b", "c"]);
        typed(&mut b, t, "a", "int4");
        typed(&mut b, t, "b", "int8");
        b.sequence("app", "young", "int4", Some(1_000_000), &[(t, "a")]);
        b.sequence("app", "unused", "int4", None, &[(t, "a")]);
        b.sequence("app", "cycling", "int4", Some(2_100_000_000), &[(t, "a")]);
        b.sequence("app", "big", "int8", Some(2_100_000_000), &[(t, "b")]);
        let mut snap = b.build();
        snap.sequences[2].cycle = true;
        assert!(sequence_exhaustion(&snap, &Config::default()).is_empty());
    }

    #[test]
    fn nothing_wider_than_bigint() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "t", &["id"]);
        typed(&mut b, t, "id", "int8");
        b.sequence("app", "s", "int8", Some(i64::MAX / 10 * 8), &[(t, "id")]);
        let f = sequence_exhaustion(&b.build(), &Config::default());
        assert_eq!(f[0].level, Level::Warning);
        assert_eq!(f[0].remediation, None);
    }
}
