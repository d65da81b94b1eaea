-- label: dangerous
-- reason: orders.product_id has no index, so every DELETE from products or key update scans 300,000 orders rows.
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_product_id_fkey
    FOREIGN KEY (product_id) REFERENCES products (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_product_id_fkey;
