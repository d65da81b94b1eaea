-- label: safe
-- reason: both brief ACCESS EXCLUSIVE changes run inside the block where SET LOCAL lock_timeout is in effect.
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE customers ALTER COLUMN country SET DEFAULT 'DE';
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';
COMMIT;
