-- label: dangerous
-- reason: ADD CHECK without NOT VALID scans all 300,000 orders rows while holding ACCESS EXCLUSIVE.
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0);
