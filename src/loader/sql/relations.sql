-- Tables, partitioned tables, indexes, views, ... in user schemas, with their size
-- (relpages: no lock is taken, so 20k tables never exhaust the lock table), extension
-- membership, cumulative statistics, owner and Row Level Security state.
SELECT c.oid::int8,
       c.relnamespace::int8,
       c.relname::text,
       c.relkind::text,
       c.relispartition,
       c.reltuples::float8,
       c.relpages::int8 * current_setting('block_size')::int8,
       e.objid IS NOT NULL,
       s.relid IS NOT NULL,
       coalesce(s.seq_scan, 0),
       coalesce(s.idx_scan, 0),
       coalesce(s.n_tup_ins, 0),
       coalesce(s.n_tup_upd, 0),
       coalesce(s.n_tup_del, 0),
       coalesce(s.n_live_tup, 0),
       c.relowner::int8,
       c.relrowsecurity,
       c.relforcerowsecurity,
       coalesce(c.reloptions @> ARRAY['security_invoker=true']
                OR c.reloptions @> ARRAY['security_invoker=on'], false),
       coalesce(s.seq_tup_read, 0),
       coalesce(s.idx_tup_fetch, 0)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN (SELECT DISTINCT objid
           FROM pg_depend
           WHERE classid = 'pg_class'::regclass AND deptype = 'e') e ON e.objid = c.oid
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'i', 'I', 'v', 'm', 'f', 'S')
  AND {user_schema}
