//! The catalog families a snapshot is assembled from. Each rule declares the parts it
//! reads; a run loads the union of its rules' parts and nothing else, so a per-advisor view
//! does not pay for catalogs only other rules need. Namespaces and the statistics window
//! are always loaded (they are small).

use std::fmt;
use std::ops::BitOr;

#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts(u32);

impl Parts {
    pub const NONE: Parts = Parts(0);
    /// `pg_class` of user schemas with sizes, cumulative statistics, RLS state.
    pub const RELATIONS: Parts = Parts(1 << 12);
    /// Index scans (`pg_stat_get_numscans` of each index, which also sum into each
    /// table's `idx_scan`): two statistics lookups per index.
    pub const INDEX_STATS: Parts = Parts(1 << 13);
    /// What each SELECT of the workload reads and filters on (PostgreSQL's parser).
    pub const STATEMENT_SHAPES: Parts = Parts(1 << 14);
    /// `pg_attribute` of user relations: column names, types, collations.
    pub const ATTRIBUTES: Parts = Parts(1);
    /// `pg_index` with operator classes and families (`pg_opclass`, `pg_amop`), and
    /// indexes being built.
    pub const INDEXES: Parts = Parts(1 << 1);
    /// `pg_constraint`: keys, foreign keys, checks.
    pub const CONSTRAINTS: Parts = Parts(1 << 2);
    /// `pg_inherits` of partitions.
    pub const PARTITIONS: Parts = Parts(1 << 3);
    /// Table and schema privileges (`aclexplode` of `relacl` and `nspacl`).
    pub const GRANTS: Parts = Parts(1 << 4);
    /// `pg_roles`: login, superuser, BYPASSRLS.
    pub const ROLES: Parts = Parts(1 << 5);
    /// `pg_policy`, deparsed, with their node trees.
    pub const POLICIES: Parts = Parts(1 << 6);
    /// `pg_proc` of user schemas.
    pub const FUNCTIONS: Parts = Parts(1 << 7);
    /// `pg_extension`.
    pub const EXTENSIONS: Parts = Parts(1 << 8);
    /// The audit trail's triggers.
    pub const AUDIT_TRIGGERS: Parts = Parts(1 << 9);
    /// What each view reads (`pg_rewrite` dependencies).
    pub const VIEW_SOURCES: Parts = Parts(1 << 10);
    /// pg_stat_statements.
    pub const WORKLOAD: Parts = Parts(1 << 11);
    /// The indexes the what-if planner suggests for the workload (the loader plans the
    /// statements with hypothetical indexes; it needs WORKLOAD and RELATIONS).
    pub const INDEX_ADVICE: Parts = Parts(1 << 15);
    /// Foreign keys, narrowly: the FK constraints, the tables on both sides (with their
    /// partitions), the FK columns, the indexes whose leading column is one of them, and
    /// the names of all relations (to pick a free index name). What `missing_fk_index`
    /// reads; loaded with any part it narrows, those parts are loaded in full instead
    /// (see [`Parts::resolved`]).
    pub const FOREIGN_KEYS: Parts = Parts(1 << 16);
    /// The parts [`Parts::FOREIGN_KEYS`] reads a narrow slice of.
    pub const FOREIGN_KEYS_IN_FULL: Parts = Parts::RELATIONS
        .union(Parts::ATTRIBUTES)
        .union(Parts::INDEXES)
        .union(Parts::CONSTRAINTS)
        .union(Parts::PARTITIONS);
    /// Vacuum, analyze and freezing: each table's dead rows, changes since analyze, last
    /// (auto)vacuum and analyze, transaction-ID ages and autovacuum storage parameters; the
    /// server's autovacuum settings, the database's age and what holds the xmin horizon.
    pub const MAINTENANCE: Parts = Parts(1 << 17);
    /// `pg_sequence` with each sequence's last value and the columns it feeds.
    pub const SEQUENCES: Parts = Parts(1 << 18);
    /// `pg_stat_activity` of this database, the server's connections against
    /// `max_connections`, `pg_replication_slots`.
    pub const SESSIONS: Parts = Parts(1 << 19);
    /// Estimated bloat of the tables and btree indexes of at least
    /// [`crate::rules::health::bloat::MIN_BYTES`], from `pg_stats`.
    pub const BLOAT: Parts = Parts(1 << 20);
    /// `pg_rewrite` rules on tables (not views' `_RETURN`).
    pub const TABLE_RULES: Parts = Parts(1 << 21);
    /// How the columns large tables could be ranged by follow the rows' order on disk
    /// (`pg_stats.correlation`), in tables of at least
    /// [`crate::rules::design::layout::MIN_BYTES`].
    pub const COLUMN_ORDER: Parts = Parts(1 << 22);
    /// The server settings `setting_review` weighs, and this database's buffer hits and
    /// reads (`pg_stat_database`).
    pub const SETTINGS: Parts = Parts(1 << 23);
    /// Which relations and columns of user schemas have a `COMMENT ON` (`pg_description`).
    pub const COMMENTS: Parts = Parts(1 << 24);
    /// `pg_policy` for what its expressions read alone: each policy's name, table and the
    /// columns its USING and WITH CHECK trees name ([`crate::snapshot::Policy::columns`]);
    /// neither deparsed nor kept (what the index rules need of policies). Beside
    /// [`Parts::POLICIES`], the policies are loaded in full.
    pub const POLICY_COLUMNS: Parts = Parts(1 << 25);
    pub const ALL: Parts = Parts((1 << 26) - 1);

    pub const fn union(self, other: Parts) -> Parts {
        Parts(self.0 | other.0)
    }

    pub const fn contains(self, other: Parts) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn intersects(self, other: Parts) -> bool {
        self.0 & other.0 != 0
    }

    /// What to load: `FOREIGN_KEYS` alone stays narrow; beside any part it narrows, it is
    /// replaced by those parts in full (the narrow slice would only duplicate them).
    pub const fn resolved(self) -> Parts {
        if self.contains(Parts::FOREIGN_KEYS) && self.intersects(Parts::FOREIGN_KEYS_IN_FULL) {
            Parts((self.0 & !Parts::FOREIGN_KEYS.0) | Parts::FOREIGN_KEYS_IN_FULL.0)
        } else {
            self
        }
    }

    /// The parts `rules` read together.
    pub fn of<'a>(rules: impl IntoIterator<Item = &'a crate::rules::Rule>) -> Parts {
        rules.into_iter().fold(Parts::NONE, |acc, r| acc | r.parts)
    }
}

impl BitOr for Parts {
    type Output = Parts;
    fn bitor(self, other: Parts) -> Parts {
        self.union(other)
    }
}

const NAMES: [&str; 26] = [
    "attributes",
    "indexes",
    "constraints",
    "partitions",
    "grants",
    "roles",
    "policies",
    "functions",
    "extensions",
    "audit_triggers",
    "view_sources",
    "workload",
    "relations",
    "index_stats",
    "statement_shapes",
    "index_advice",
    "foreign_keys",
    "maintenance",
    "sequences",
    "sessions",
    "bloat",
    "table_rules",
    "column_order",
    "settings",
    "comments",
    "policy_columns",
];

impl fmt::Debug for Parts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect();
        write!(f, "Parts({})", names.join(" | "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_and_contains() {
        let p = Parts::INDEXES | Parts::CONSTRAINTS;
        assert!(p.contains(Parts::INDEXES));
        assert!(!p.contains(Parts::POLICIES));
        assert!(Parts::ALL.contains(p | Parts::WORKLOAD));
        assert!(p.contains(Parts::NONE));
        assert_eq!(format!("{p:?}"), "Parts(indexes | constraints)");
        // a name for every part
        assert_eq!(NAMES.len(), Parts::ALL.0.count_ones() as usize);
        assert_eq!(
            format!("{:?}", Parts::ALL).matches('|').count(),
            NAMES.len() - 1
        );
        assert_eq!(
            format!("{:?}", Parts::COMMENTS | Parts::COLUMN_ORDER),
            "Parts(column_order | comments)"
        );
    }

    #[test]
    fn foreign_keys_stay_narrow_only_alone() {
        let narrow = Parts::FOREIGN_KEYS | Parts::WORKLOAD;
        assert_eq!(narrow.resolved(), narrow);
        let with_indexes = Parts::FOREIGN_KEYS | Parts::INDEXES;
        assert_eq!(with_indexes.resolved(), Parts::FOREIGN_KEYS_IN_FULL);
        assert!(!Parts::ALL.resolved().contains(Parts::FOREIGN_KEYS));
    }
}
