-- label: safe
-- reason: REINDEX CONCURRENTLY builds the replacement index without blocking reads or writes.
-- the created_at index is bloated after the archive job
REINDEX INDEX CONCURRENTLY orders_created_at_idx;
