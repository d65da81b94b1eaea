-- This database's transaction-ID and multixact ages (what a cluster-wide anti-wraparound
-- vacuum is forced by).
SELECT d.datname::text, age(d.datfrozenxid)::int8, mxid_age(d.datminmxid)::int8
FROM pg_database d
WHERE d.datname = current_database()
