-- label: safe
-- reason: the CHECK is added NOT VALID, validated under SHARE UPDATE EXCLUSIVE, and then proves SET NOT NULL without a scan; every strong lock is brief and under a lock_timeout.
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_product_id_not_null
    CHECK (product_id IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_product_id_not_null;
ALTER TABLE orders ALTER COLUMN product_id SET NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_product_id_not_null;
