-- label: safe
-- reason: the column is added without a rewrite under a lock_timeout and the backfill is one bounded batch by key range.
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN loyalty_points integer;
-- batch 1 of the backfill; the job runs the next ranges, each in its own transaction
UPDATE orders SET loyalty_points = quantity * 10
WHERE id BETWEEN 1 AND 5000 AND loyalty_points IS NULL;
