//! Schema design: what a senior architect reads off the catalog before anything goes
//! wrong. Foreign keys whose column type differs from the key they reference, constraints
//! added `NOT VALID` and never validated, and column types `pg_upgrade` refuses.

pub mod comments;
pub mod constraints;
pub mod discouraged;
pub mod layout;
pub mod naming;
pub mod tables;
pub mod tenancy;
pub mod types;

use crate::snapshot::{Constraint, Parts, Snapshot};

/// What the rules of this family read.
pub const PARTS: Parts = Parts::RELATIONS
    .union(Parts::ATTRIBUTES)
    .union(Parts::CONSTRAINTS);

/// The constraints a rule of this family looks at: declared on a table in scope (not the
/// clones PostgreSQL makes on each partition: those are reported at their parent).
pub(crate) fn own_constraints<'s>(
    snap: &'s Snapshot,
    config: &'s crate::config::Config,
) -> impl Iterator<Item = &'s Constraint> + 's {
    snap.constraints.iter().filter(move |c| {
        c.parent == 0
            && snap
                .relation(c.table)
                .is_some_and(|t| !t.extension_member && snap.in_scope(t, config))
    })
}
