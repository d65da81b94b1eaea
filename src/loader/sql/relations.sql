-- Tables, partitioned tables, indexes, views, ... in user schemas, with their size
-- (relpages: no lock is taken, so 20k tables never exhaust the lock table), extension
-- membership, cumulative statistics (the pg_stat_get_* functions the pg_stat_all_tables
-- view is made of, only those needed; idx_scan and idx_tup_fetch are summed from the
-- indexes by the loader), owner and Row Level Security state.
SELECT c.oid::int8,
       c.relnamespace::int8,
       c.relname::text,
       c.relkind::text,
       c.relispartition,
       c.reltuples::float8,
       c.relpages::int8 * current_setting('block_size')::int8,
       e.objid IS NOT NULL,
       c.relkind IN ('r', 'm', 'p'),
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_stat_get_numscans(c.oid) END,
       0::int8,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_stat_get_tuples_inserted(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_stat_get_tuples_updated(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_stat_get_tuples_deleted(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_stat_get_live_tuples(c.oid) END,
       c.relowner::int8,
       c.relrowsecurity,
       c.relforcerowsecurity,
       coalesce(c.reloptions @> ARRAY['security_invoker=true']
                OR c.reloptions @> ARRAY['security_invoker=on'], false),
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_stat_get_tuples_returned(c.oid) END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_stat_get_tuples_fetched(c.oid) END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN (SELECT DISTINCT d.objid
           FROM pg_depend d
           WHERE d.refclassid = 'pg_extension'::regclass
             AND d.refobjid IN (SELECT x.oid FROM pg_extension x)
             AND d.classid = 'pg_class'::regclass AND d.deptype = 'e') e ON e.objid = c.oid
WHERE c.relkind IN ('r', 'p', 'i', 'I', 'v', 'm', 'f', 'S')
  AND {user_schema}
