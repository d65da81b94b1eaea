-- label: safe
-- reason: an FK on a column added without a default is marked valid without a scan (all NULL), the lock is brief under a lock_timeout, and the column is indexed concurrently.
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN referrer_id bigint REFERENCES customers (id);
CREATE INDEX CONCURRENTLY orders_referrer_id_idx ON orders (referrer_id);
