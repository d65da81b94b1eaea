-- label: safe
-- reason: DROP INDEX CONCURRENTLY outside a transaction block waits for running queries without blocking new ones.
-- unused since the dashboard rewrite
DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_idx;
