-- label: dangerous
-- reason: SET LOCAL lock_timeout ends with the COMMIT, so the later ALTER TABLE on orders takes ACCESS EXCLUSIVE with no lock_timeout.
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE customers ALTER COLUMN country SET DEFAULT 'DE';
COMMIT;

ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';
