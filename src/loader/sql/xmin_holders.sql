-- What holds the xmin horizon back (vacuum can neither remove nor freeze rows younger than
-- it): the oldest other sessions, prepared transactions and replication slots.
SELECT *
FROM (
    SELECT 'session'::text, a.pid::text, a.usename::text, a.application_name::text,
           a.datname::text,
           greatest(age(a.backend_xmin), age(a.backend_xid))::int8 AS xmin_age
    FROM pg_stat_activity a
    WHERE a.pid <> pg_backend_pid()
      AND (a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL)
    UNION ALL
    SELECT 'prepared transaction', p.gid, p.owner::text, NULL, p.database::text,
           age(p.transaction)::int8
    FROM pg_prepared_xacts p
    UNION ALL
    SELECT 'replication slot', s.slot_name::text, NULL, s.slot_type, s.database::text,
           greatest(age(s.xmin), age(s.catalog_xmin))::int8
    FROM pg_replication_slots s
    WHERE s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL
) h
ORDER BY xmin_age DESC
LIMIT 5
