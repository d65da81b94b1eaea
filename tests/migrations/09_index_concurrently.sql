-- label: safe
-- reason: CREATE INDEX CONCURRENTLY outside a transaction block lets reads and writes go on during the build.
-- speeds up the "open orders" dashboard
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status)
    WHERE status <> 'shipped';
