-- label: safe
-- reason: storage parameters, column statistics targets and comments take SHARE UPDATE EXCLUSIVE at most, which blocks no reads or writes.
ALTER TABLE orders SET (autovacuum_vacuum_scale_factor = 0.02, fillfactor = 90);
ALTER TABLE orders ALTER COLUMN status SET STATISTICS 500;
COMMENT ON TABLE orders IS 'one row per customer order';
COMMENT ON COLUMN orders.quantity IS 'number of items';
