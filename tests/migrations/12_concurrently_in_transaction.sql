-- label: dangerous
-- reason: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, so the migration fails and rolls back.
BEGIN;
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
COMMIT;
