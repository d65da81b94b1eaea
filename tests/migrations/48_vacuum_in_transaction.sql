-- label: dangerous
-- reason: VACUUM cannot run inside a transaction block, so the migration fails and everything before it rolls back.
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN archived boolean;
VACUUM ANALYZE orders;
COMMIT;
