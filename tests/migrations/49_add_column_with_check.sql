-- label: dangerous
-- reason: a CHECK on a column added by ALTER TABLE is still verified by a full scan of the 300,000 rows under ACCESS EXCLUSIVE (ATRewriteTables scans for every new CHECK that is not NOT VALID).
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN discount_pct numeric
    CHECK (discount_pct BETWEEN 0 AND 100);
