-- label: safe
-- reason: now() is stable, evaluated once for the existing rows, so ADD COLUMN does not rewrite the table; brief lock under a lock_timeout.
SET lock_timeout = '5s';
ALTER TABLE customers ADD COLUMN verified_at timestamptz DEFAULT now();
