-- label: dangerous
-- reason: CREATE INDEX without CONCURRENTLY holds SHARE on the 300,000-row orders table for the whole build, so writes wait.
SET lock_timeout = '5s';
-- speeds up the "open orders" dashboard
CREATE INDEX orders_status_idx ON orders (status);
