-- label: safe
-- reason: the same brief catalog change, with a lock_timeout that makes it give up instead of queueing traffic.
SET lock_timeout = '3s';
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';
