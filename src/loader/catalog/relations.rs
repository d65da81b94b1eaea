//! `pg_class` of user schemas: tables, partitioned tables, indexes, views, materialized
//! views, foreign tables and sequences, with their size (`relpages`: no lock is taken, so
//! 20,000 tables never exhaust the lock table), cumulative statistics (what
//! `pg_stat_all_tables` shows, from one statistics lookup per table; `idx_scan` and
//! `idx_tup_fetch` are summed from the indexes), owner and Row Level Security state.

use super::Catalog;
use database_advisor_core::snapshot::fast_hash::{Map as HashMap, Set as HashSet};
use database_advisor_core::snapshot::{Grant, RelKind, Relation, Snapshot};
use pgrx::array::RawArray;
use pgrx::pg_sys;

/// The relations `wanted` says into `snap.relations` (with `grants`, the privileges on
/// tables, views and the like too), the names of the others (see
/// `Snapshot::add_relation_name`); returns the access method (`relam`) of each index.
pub(in crate::loader) fn relations(
    snap: &mut Snapshot,
    extension_members: &HashSet<u32>,
    grants: bool,
    wanted: impl Fn(u32) -> bool,
) -> HashMap<u32, u32> {
    let pg_class = Catalog::open(pg_sys::RelationRelationId);
    let options = pg_class.column("reloptions");
    let acl = pg_class.column("relacl");
    let mut access_methods = HashMap::default();
    pg_class.scan(|t| {
        let c: &pg_sys::FormData_pg_class = t.form();
        let relkind = c.relkind as u8 as char;
        let namespace = u32::from(c.relnamespace);
        if !"rpiIvmfS".contains(relkind) || !snap.namespaces.contains_key(&namespace) {
            return;
        }
        let oid = u32::from(c.oid);
        if matches!(relkind, 'i' | 'I') {
            access_methods.insert(oid, u32::from(c.relam));
        }
        if !wanted(oid) {
            snap.add_relation_name(
                namespace,
                &String::from_utf8_lossy(super::name_bytes(&c.relname)),
            );
            return;
        }
        let stats =
            matches!(relkind, 'r' | 'm' | 'p').then(|| super::Counters::of(oid).table_stats());
        let rel = Relation {
            oid,
            namespace,
            name: super::name(&c.relname),
            kind: RelKind::from_relkind(relkind),
            is_partition: c.relispartition,
            reltuples: f64::from(c.reltuples),
            size_bytes: i64::from(c.relpages) * i64::from(pg_sys::BLCKSZ),
            extension_member: extension_members.contains(&oid),
            stats,
            owner: u32::from(c.relowner),
            rls_enabled: c.relrowsecurity,
            rls_forced: c.relforcerowsecurity,
            security_invoker: relkind == 'v' && security_invoker(t.datum(options)),
            grants: if grants && "rpvmf".contains(relkind) {
                privileges(t.datum(acl), u32::from(c.relowner))
            } else {
                Vec::new()
            },
            identity: Default::default(),
        };
        snap.relations.insert(rel.oid, rel);
    });
    pg_class.close();
    access_methods
}

/// What `aclexplode(coalesce(relacl, acldefault('r', relowner)))` lists, in its order:
/// each ACL item's grantee with each privilege it holds (0 is PUBLIC).
fn privileges(acl: Option<pg_sys::Datum>, owner: u32) -> Vec<Grant> {
    // privilege bit i's name, as convert_aclright_to_string spells it
    const NAMES: [&str; 15] = [
        "INSERT",
        "SELECT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "REFERENCES",
        "TRIGGER",
        "EXECUTE",
        "USAGE",
        "CREATE",
        "TEMPORARY",
        "CONNECT",
        "SET",
        "ALTER SYSTEM",
        "MAINTAIN",
    ];
    let rights = (pg_sys::N_ACL_RIGHTS as usize).min(NAMES.len());
    let grants_of = |grantee: u32, privs: u64| {
        (0..rights)
            .filter(move |&bit| privs & (1 << bit) != 0)
            .map(move |bit| Grant::new(grantee, NAMES[bit]))
    };
    let Some(d) = acl else {
        // the default: the owner holds every privilege on a relation, nobody else any
        return grants_of(owner, u64::from(pg_sys::ACL_ALL_RIGHTS_RELATION)).collect();
    };
    // SAFETY: relacl is an aclitem[] without NULL elements (checked); detoasted first
    unsafe {
        let ptr = pg_sys::pg_detoast_datum(d.cast_mut_ptr());
        let Some(ptr) = std::ptr::NonNull::new(ptr.cast::<pg_sys::ArrayType>()) else {
            return Vec::new();
        };
        let mut arr = RawArray::from_ptr(ptr);
        if arr.oid() != pg_sys::ACLITEMOID || arr.nulls().is_some() || arr.len() == 0 {
            return Vec::new();
        }
        let items: &[pg_sys::AclItem] = arr.data::<pg_sys::AclItem>().as_ref();
        items
            .iter()
            .flat_map(|item| grants_of(u32::from(item.ai_grantee), u64::from(item.ai_privs)))
            .collect()
    }
}

/// `security_invoker` set to a true value in a view's `reloptions` (PostgreSQL stores
/// the value as written: `true`, `on`, `yes`, `1`, any case).
fn security_invoker(options: Option<pg_sys::Datum>) -> bool {
    use pgrx::datum::FromDatum;
    let Some(d) = options else { return false };
    // SAFETY: reloptions is a text[] without NULL elements
    let options = unsafe { Vec::<String>::from_datum(d, false) }.unwrap_or_default();
    options.iter().any(|o| {
        o.split_once('=').is_some_and(|(k, v)| {
            k == "security_invoker"
                && matches!(v.to_ascii_lowercase().as_str(), "true" | "on" | "yes" | "1")
        })
    })
}
