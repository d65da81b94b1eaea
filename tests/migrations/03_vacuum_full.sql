-- label: dangerous
-- reason: VACUUM FULL rewrites the 300,000-row table and its indexes under ACCESS EXCLUSIVE, blocking reads and writes.
-- reclaim the space left by the archive job
VACUUM FULL orders;
