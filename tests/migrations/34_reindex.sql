-- label: dangerous
-- reason: REINDEX TABLE without CONCURRENTLY holds SHARE on orders and ACCESS EXCLUSIVE on each index while they are rebuilt.
-- the created_at index is bloated after the archive job
REINDEX TABLE orders;
