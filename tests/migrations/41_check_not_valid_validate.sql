-- label: safe
-- reason: the CHECK is added NOT VALID (brief, under a lock_timeout) and validated under SHARE UPDATE EXCLUSIVE, which blocks no reads or writes.
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive
    CHECK (quantity > 0) NOT VALID;
-- validation scans the table but lets traffic through
ALTER TABLE orders VALIDATE CONSTRAINT orders_quantity_positive;
