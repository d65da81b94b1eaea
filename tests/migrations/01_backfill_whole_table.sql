-- label: dangerous
-- reason: the UPDATE without WHERE rewrites all 300,000 orders rows in one transaction, locking every row until commit.
SET lock_timeout = '5s';
-- new column for the loyalty programme
ALTER TABLE orders ADD COLUMN loyalty_points integer;
-- backfill (all at once)
UPDATE orders SET loyalty_points = quantity * 10;
